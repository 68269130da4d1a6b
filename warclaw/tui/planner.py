"""The app's planner: the roster being edited, its edits, and the solves that keep a plan for it.

It loads the catalog and the roster (and so the optimizer: OR-Tools, SciPy) on first use, runs
every edit on the database thread, re-plans after each edit with the change penalty, and solves in
a thread worker that streams each better plan back as a ``PlanStreamed`` message. What changed is
told to the app with ``StateChanged``; the planner never touches a widget.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from warclaw.errors import UserError
from warclaw.tui.messages import PlanStreamed, StateChanged

if TYPE_CHECKING:  # the engine (OR-Tools, SciPy) is imported only when a roster screen needs it
    from textual.app import App

    from warclaw.engine import Catalog, Plan, Roster
    from warclaw.tui.database import Database
    from warclaw.tui.roster_edit import RosterBook
    from warclaw.tui.state import AppState

# A re-plan after a roster edit: its first plans stream onto the screen within milliseconds (the
# change-penalized local search); the solve then runs until it proves its plan optimal, which one
# edit on 50 players takes a median ~1 s (bench_engine), and stops there. This is the limit for
# the rare edit it cannot prove: the best plan found is then shown with its honest gap.
REPLAN_SECONDS = 5.0
# The time limit is the commander's: this share of it before the limit the solver is told to stop,
# and if its answer has not come by the limit (a loaded machine, a long model build), the best plan
# streamed so far is taken as the result and the solver's late answer is dropped.
LIMIT_GRACE = 0.05
# Seconds after Esc before the best streamed plan is taken instead of the solver's own answer.
STOP_GRACE = 0.3


class Planner:
    def __init__(self, app: App, database: Database, state: AppState, *, catalog: Catalog | None,
                 catalog_path: str | None, roster_name: str, seed_roster: dict[str, Any] | Path | None,
                 default_mode: str, time_limit: float, replan_time_limit: float, seed: int):
        self.app = app
        self.database = database
        self.state = state
        self.catalog = catalog
        self.catalog_path = catalog_path
        self.roster_name = roster_name
        self.seed_roster = seed_roster
        self.default_mode = default_mode
        self.time_limit = time_limit
        self.replan_time_limit = replan_time_limit
        self.seed = seed
        self.book: RosterBook | None = None  # set once the engine is loaded (ensure_engine)
        self._engine_loading: asyncio.Future | None = None
        self._stop: threading.Event | None = None
        self._token = 0
        self._plan_sig: Any = None
        self._solving_sig: Any = None
        self._solve: tuple | None = None  # (token, previous, kind, sig) of the running solve
        self._best: Any = None
        self.last_plan: Plan | None = None  # the last feasible plan, the `previous` of the next re-plan
        self._waiting: Any = None  # the newest streamed plan not drawn yet
        self._waiting_lock = threading.Lock()

    def changed(self, parts: set[str] | frozenset[str], notice: str | None = None, **kw: Any) -> None:
        self.app.post_message(StateChanged(parts, notice, **kw))

    def say(self, notice: str, **kw: Any) -> None:
        self.changed(set(), notice, **kw)

    # --- loading ----------------------------------------------------------------------------
    async def ensure_engine(self) -> bool:
        """Load the catalog and the roster (and so the optimizer) once, off the UI thread."""
        if self.book is not None:
            return True
        if self._engine_loading is None:
            self._engine_loading = asyncio.ensure_future(self._load_engine())
        await asyncio.shield(self._engine_loading)
        return self.book is not None

    async def _load_engine(self) -> None:
        def load() -> RosterBook:
            import tomllib

            from warclaw.files import load_catalog
            from warclaw.tui.roster_edit import RosterBook

            if self.catalog is None:
                self.catalog = load_catalog(self.catalog_path)
            seed = self.seed_roster
            if isinstance(seed, Path):
                seed = tomllib.loads(seed.read_text(encoding="utf-8"))
            book = RosterBook(self.database.ensure_store(), self.catalog, self.roster_name)
            book.ensure(seed)
            return book

        try:
            self.book = await self.database.run(load)
        except UserError as e:
            self._engine_loading = None
            self.say(str(e), title="roster not loaded", severity="error", timeout=8)
            return
        await self._load_saved_plan()
        self.changed({"roster", "plan"})

    def ready(self, then: Callable[[], None] | None = None) -> bool:
        """True when roster actions can run; otherwise start loading, say so, and run ``then`` (the
        action the key asked for) once loaded, so a key pressed during the load is not lost."""
        if self.book is not None:
            return True
        self.app.notify("loading the roster and the optimizer…", timeout=2)

        async def load() -> None:
            if await self.ensure_engine() and then is not None:
                then()

        self.app.run_worker(load(), group="engine", name="load optimizer")
        return False

    async def _load_saved_plan(self) -> None:
        from warclaw.tui.plans import PlanView, rescore, saved_plan_previous

        assert self.book is not None and self.catalog is not None
        saved = await self.database.run(self._latest_plan)
        try:
            roster = self.book.engine_roster()
        except UserError as e:
            self.state.roster_error = str(e)
            return
        if saved is None:
            return
        res = rescore(roster, self.catalog, roster.mode or self.default_mode, saved)
        if res is not None:
            self.state.plan = PlanView(res, kind="saved")
            self.book.plan = self.state.plan
            self.last_plan = res.plan
            self._plan_sig = self._sig(roster)
        else:
            previous = saved_plan_previous(saved)
            if previous is not None:
                self.last_plan = previous
                self.start(roster, previous, "re-planning")

    def _latest_plan(self) -> dict | None:
        from warclaw.store import rosters as rs

        with self.database.ensure_store().read() as s:
            return rs.latest_plan(s, self.roster_name)

    def roster_names(self) -> list[tuple[str, int, int]]:
        """On the database thread: (name, present, players) of every roster in the database."""
        from warclaw.store import rosters as rs

        with self.database.ensure_store().read() as s:
            return [(r.name, r.present, r.players) for r in rs.list_rosters(s)]

    async def switch(self, name: str) -> None:
        """Edit and plan another roster of the database (created empty if new: never sample data)."""
        if self.book is not None and name == self.book.name:
            return
        self.stop()
        self._token += 1
        self.state.solving = None
        self.roster_name = name
        self.seed_roster = None
        self.book = None
        self._engine_loading = None
        self.last_plan, self._plan_sig = None, None
        self.state.plan, self.state.roster_error = None, None
        await self.ensure_engine()
        self.changed({"roster", "plan"}, f"roster {name}")

    async def roster_changed_elsewhere(self) -> None:
        """Another process (the CLI, a second TUI) changed a roster: reload ours and re-plan."""
        if self.book is None:
            return
        await self.database.run(self.book.reload)
        if not self.maybe_replan():
            self.changed({"roster"})

    # --- edits ------------------------------------------------------------------------------
    def edit(self, fn: Callable[[], Any], done: Callable[[Any], str]) -> None:
        """Run the roster edit ``fn`` on the database thread, then re-plan and say ``done(result)``."""
        self.state.edit_started_at = time.perf_counter()

        async def run() -> None:
            try:
                result = await self.database.run(fn)
            except UserError as e:
                self.say(str(e), title="not saved", severity="error", timeout=6)
                return
            replanned = self.maybe_replan()  # a re-plan's first plan redraws the roster and the squad
            self.changed(set() if replanned else {"roster"}, done(result))

        self.app.run_worker(run(), group="edit", name="roster edit")

    def undo(self) -> None:
        self._history("undo")

    def redo(self) -> None:
        self._history("redo")

    def _history(self, which: str) -> None:
        """Undo or redo one roster change; the plan shown with that roster comes back with it
        (no re-plan), so undoing a move or a lock restores the plan exactly."""
        book = self.book
        if book is None:
            return
        if not (book.undo_stack if which == "undo" else book.redo_stack):
            self.say(f"nothing to {which}", timeout=2)
            return
        self.state.edit_started_at = time.perf_counter()

        async def run() -> None:
            try:
                step = await self.database.run(book.undo_step if which == "undo" else book.redo_step)
            except UserError as e:
                self.say(str(e), title=f"not {which}ne", severity="error", timeout=6)
                return
            if step is None:
                return
            restored = self._restore(step.plan)
            if not restored and not self.maybe_replan():
                self.changed({"roster"})
            hint = "ctrl+y redo" if which == "undo" else "u undo"
            self.changed({"roster", "plan"} if restored else set(), f"{which}ne: {step.what} — {hint}")

        self.app.run_worker(run(), group="edit", name=which)

    def _restore(self, pv: Any) -> bool:
        """Show ``pv`` (a PlanView remembered with an undo step) if it fits the roster as it is now."""
        if pv is None or pv.plan is None or self.book is None:
            return False
        try:
            roster = self.book.engine_roster()
        except UserError:
            return False
        if set(pv.plan.assignments) != {p.name for p in roster.present().players}:
            return False
        if self._stop is not None:
            self._stop.set()
        self._token += 1  # a solve still running belongs to the roster before: its plans are dropped
        self.state.solving = None
        self.state.roster_error = None
        self.state.plan = pv
        self.book.plan = pv
        self.last_plan = pv.plan
        self._plan_sig = self._sig(roster)
        return True

    # --- solving ----------------------------------------------------------------------------
    @staticmethod
    def _sig(roster: Roster) -> Any:
        return roster.present().players, roster.mode

    def optimize(self) -> bool:
        """Solve the roster from scratch (``o``); False when it cannot be planned now."""
        assert self.book is not None
        try:
            roster = self.book.engine_roster()
        except UserError as e:
            self.state.roster_error = str(e)
            self.say(str(e), title="cannot optimize", severity="error")
            return False
        self.state.roster_error = None
        self.start(roster, None, "optimizing")
        return True

    def stop(self) -> bool:
        """Esc: the solver is told to stop; if it has not answered within STOP_GRACE (a huge
        roster's last phase can take a second or two), the best plan it streamed is the result."""
        if self._stop is not None and self.state.solving:
            self._stop.set()
            self.app.set_timer(STOP_GRACE, partial(self._overran, self._token), name="stop grace")
            return True
        return False

    def maybe_replan(self) -> bool:
        """After a roster change: re-plan with the change penalty if there is a plan to keep.
        True when the views were re-rendered (a re-plan started, or the roster cannot be planned)."""
        if self.book is None:
            return False
        try:
            roster = self.book.engine_roster()
        except UserError as e:
            self.state.roster_error = str(e)
            self.changed({"plan", "roster"})
            return True
        self.state.roster_error = None
        sig = self._sig(roster)
        if self.last_plan is None or sig == self._plan_sig or (self.state.solving and sig == self._solving_sig):
            return False
        self.start(roster, self.last_plan, "re-planning")
        return True

    def start(self, roster: Roster, previous: Plan | None, kind: str) -> None:
        from warclaw.tui.plans import solve

        catalog = self.catalog
        if self._stop is not None:
            self._stop.set()
        stop = threading.Event()
        self._stop = stop
        self._token += 1
        token = self._token
        self.state.solving = kind
        self.state.first_plan_seconds = None
        if kind == "optimizing":
            self.state.edit_started_at = time.perf_counter()
        limit = self.time_limit if previous is None else self.replan_time_limit
        self.state.solve_started_at, self.state.solve_limit = time.perf_counter(), limit
        sig = self._sig(roster)
        self._solving_sig = sig
        self._solve = (token, previous, kind, sig)
        self._best = None  # the best plan streamed by this solve (taken if it overruns its limit)
        app = self.app
        app.set_timer(limit * (1 - LIMIT_GRACE), partial(self._at_limit, token, stop, limit), name="solve time limit")

        def work() -> None:
            def improved(res) -> None:
                # Only the newest plan is drawn: plans that arrive while the screen is busy replace
                # the one waiting, instead of queueing a render each. Posting never waits for the
                # UI thread, so a busy screen does not make a re-plan overrun its time limit.
                with self._waiting_lock:
                    waiting = self._waiting is not None
                    self._waiting = (token, res)
                if not waiting:
                    app.post_message(PlanStreamed(token, None, final=False))
            res = solve(roster, catalog, roster.mode or self.default_mode, previous=previous, time_limit=limit,
                        stop=stop, on_improved=improved, seed=self.seed)
            app.post_message(PlanStreamed(token, res, final=True))

        if previous is None:
            self.changed({"plan", "roster"})  # "optimizing…" until the first plan arrives
        # A re-plan's first plan comes within milliseconds and redraws both screens: drawing the old
        # plan now would only compete with the solver's model building for the interpreter.
        self.app.run_worker(work, thread=True, group="solve", name=kind)

    def _at_limit(self, token: int, stop: threading.Event, limit: float) -> None:
        if token != self._token or self._solve is None:
            return
        stop.set()
        left = self.state.solve_started_at + limit - time.perf_counter()
        self.app.set_timer(max(0.01, left), partial(self._overran, token), name="solve grace")

    def _overran(self, token: int) -> None:
        """The solver has not answered within its limit and grace: its best plan so far is the result."""
        if token != self._token or self._solve is None:
            return
        with self._waiting_lock:
            waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self._improved(*waiting)
        best = self._best
        if best is None:
            return  # no plan at all yet: wait for the solver's own answer
        self.state.overruns += 1
        self._solved(token, best)

    def accept(self, message: PlanStreamed) -> None:
        """On the UI thread: take a streamed plan or a solve's result into the state."""
        if message.final:
            self._solved(message.token, message.result)
            return
        with self._waiting_lock:
            waiting, self._waiting = self._waiting, None
        if waiting is not None:
            self._improved(*waiting)

    def _improved(self, token: int, res) -> None:
        from warclaw.tui.plans import PlanView

        if token != self._token or res.plan is None or not self.state.solving or self._solve is None:
            return
        _, previous, kind, _ = self._solve
        if self.state.first_plan_seconds is None:
            self.state.first_plan_seconds = time.perf_counter() - self.state.edit_started_at
        moved = set(res.plan.moved(previous)) if previous is not None else set()
        self._best = res
        self.state.plan = PlanView(res, moved, running=True, kind=kind)
        self.changed({"plan"})

    def _solved(self, token: int, res) -> None:
        from warclaw.tui.plans import PlanView, result_mapping

        if token != self._token or self._solve is None:
            return
        _, previous, kind, sig = self._solve
        self._solve = None  # answered: a late answer of the same solve is dropped
        self.state.solving = None
        if res.plan is None:
            # The last good plan stays on screen (marked by the error line) if there is one.
            if self.state.plan is None or self.state.plan.plan is None:
                self.state.plan = PlanView(res, kind=kind)
            self.state.roster_error = res.reason
            self.changed({"plan"}, res.reason or "no plan", title="infeasible roster", severity="error", timeout=8)
            return
        moved = set(res.plan.moved(previous)) if previous is not None else set()
        self.state.plan = PlanView(res, moved, kind=kind)
        if self.book is not None:
            self.book.plan = self.state.plan
        self.last_plan = res.plan
        self._plan_sig = sig
        self.state.replan_seconds = time.perf_counter() - self.state.edit_started_at
        self.state.solves_done += 1
        notice = None
        if kind == "re-planning":
            notice = (f"re-planned in {self.state.replan_seconds:.2f}s: "
                      + (f"{len(moved)} moved ({', '.join(sorted(moved)[:4])})" if moved else "nobody moved"))
        self.changed({"plan", "roster"}, notice, timeout=4)
        mapping = result_mapping(res)
        self.app.run_worker(self.database.run(self._save_plan, res.mode, res.score, mapping),
                            group="save", name="save plan")

    def _save_plan(self, mode: str, score: float, mapping: dict) -> None:
        from warclaw.store import rosters as rs

        with self.database.ensure_store().write() as s:
            rs.save_plan(s, self.roster_name, mode, score, mapping)

    # --- plan export ------------------------------------------------------------------------
    def plan_text(self, *, discord: bool = False) -> str | None:
        """The plan as readable text (``t``), or as Discord messages (``w``, ``y``: code blocks of at
        most 2,000 characters, one after another, with the abbreviations the heat map uses)."""
        from warclaw.engine.discord_text import plan_export_text
        from warclaw.tui.plans import plan_text

        pv = self.state.plan
        if pv is None or pv.plan is None or self.book is None:
            return None
        cmd = self.commanders()
        return plan_export_text(pv.result, cmd) if discord else plan_text(pv.result, cmd)

    def commanders(self) -> set[str]:
        """The roster's commanders (their party comes first in the text and the Discord messages)."""
        from warclaw.tui.plans import commanders

        if self.book is None:
            return set()
        try:
            return commanders(self.book.engine_roster())
        except UserError:
            return set()
