"""The Warclaw app: five screens on one state, kept current by workers that watch the database.

Nothing here blocks the UI thread: database reads and writes run one at a time on a dedicated
thread (in submission order, so edits apply in the order they were typed), solves run in thread
workers that stream each improving plan back to the UI thread without waiting for it.
"""

from __future__ import annotations

import asyncio
import re
import threading
import time
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from rich.text import Text
from textual.app import App, ScreenStackError, SystemCommand, UnknownModeError
from textual.binding import Binding
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from warclaw.errors import ConfigError, UserError
from warclaw.tui import data as d
from warclaw.tui.screens import SCREEN_PATHS, make_screen, screen_class
from warclaw.tui.screens.base import WarclawScreen
from warclaw.tui.state import PARTS, AppState
from warclaw.tui.widgets import HELP_BINDING, SCREENS, PathPrompt, PlayerForm, StatusBar, effective_key

if TYPE_CHECKING:  # the engine (OR-Tools, SciPy) is imported only when a roster screen needs it
    from warclaw.engine import Catalog, Roster
    from warclaw.store import Store
    from warclaw.store.reader import Reader
    from warclaw.tui.roster_edit import RosterBook

T = TypeVar("T")
# A re-plan after a roster edit: the change-penalized local search settles it in milliseconds, and
# 0.2 s of CP-SAT after it found nothing better than 0.3 s did (bench_engine), so the final plan is
# on screen within the 0.3 s a commander should wait.
REPLAN_SECONDS = 0.2


def utcnow() -> datetime:
    return datetime.now(UTC)

# Palette titles for every binding id (the palette lists every action of the current screen).
PALETTE_TITLES = {
    "app.refresh": ("Refresh now", "Reload everything from the database"),
    "app.help": ("Keys of this screen", "Every key, what it does, and its id to remap it in the config"),
    "events.older": ("Events: load older events", "300 more, further back in the match"),
    "roster.add": ("Roster: add player", "A new player, edited in a form"),
    "roster.edit": ("Roster: edit selected player", "Name, builds, locks, with, present"),
    "roster.delete": ("Roster: delete selected player", "Undo with u"),
    "roster.duplicate": ("Roster: duplicate selected player", "A copy right below, to rename"),
    "roster.absent": ("Roster: mark selected player absent/present", "Absent players are not planned"),
    "roster.undo": ("Roster: undo last edit", "Restores the roster as it was"),
    "roster.mode": ("Roster: change game mode", "zerg, havoc, roaming, defense: targets and weights"),
    "roster.import": ("Roster: import TOML", "Replace the players from a roster file"),
    "roster.export": ("Roster: export TOML", "Write the roster to a file"),
    "roster.optimize": ("Squad: optimize", "Solve in the background, showing each better plan"),
    "squad.optimize": ("Squad: optimize", "Solve in the background, showing each better plan"),
    "squad.stop": ("Squad: stop optimizing", "Keep the best plan found so far"),
    "squad.lock_party": ("Squad: lock/unlock selected player's party", "Re-plans around the lock"),
    "squad.lock_build": ("Squad: lock/unlock selected player's build", "Re-plans around the lock"),
    "squad.export": ("Squad: export plan to a file", "Plain text, ready for Discord"),
    "squad.copy": ("Squad: copy plan to the clipboard", "OSC 52: works over SSH in most terminals"),
    "squad.heat": ("Squad: hide/show the coverage heat map", "More room for the party grid"),
    "maps.map": ("Maps: filter by map", "Cycles all, EBG, Red/Blue/Green BL"),
    "maps.type": ("Maps: filter by type", "Cycles all, camp, tower, keep, castle, ruins"),
    "maps.sort": ("Maps: change sort", "map, owner, type, time held, tier"),
    "events.kind": ("Events: filter by kind", "Cycles all, captures, claims, upgrades, skirmishes"),
    "events.map": ("Events: filter by map", "Cycles all, EBG, Red/Blue/Green BL"),
}


class WarclawApp(App):
    TITLE = "Warclaw"
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))
    ENABLE_COMMAND_PALETTE = True
    BINDINGS = [
        *[Binding(str(i), f"show('{key}')", title, show=False, id=f"screen.{key}") for i, (key, title) in enumerate(SCREENS, 1)],
        Binding("r", "refresh", "Refresh", show=False, id="app.refresh"),
        HELP_BINDING,  # shown on the tab line (right), not in the footer, which runs out of room
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, store: Store | Callable[[], Store] | None, catalog: Catalog | None = None, *,
                 reader: Reader | Callable[[], Reader] | None = None, catalog_path: str | None = None,
                 match_id: str | None = None, team: str | None = None,
                 roster_name: str = "default", seed_roster: dict[str, Any] | Path | None = None,
                 default_mode: str = "zerg", time_limit: float = 10.0, replan_time_limit: float = REPLAN_SECONDS,
                 clock: Callable[[], datetime] = utcnow, poll_interval: float = 0.25, live: bool = True,
                 export_dir: Path | None = None, start_screen: str = "matchup", seed: int = 0,
                 keymap: dict[str, str] | None = None):
        super().__init__()
        # Remapped keys by binding id (config [tui] keys); check_keymap() has refused unknown ids.
        self.keymap = dict(keymap or {})
        if self.keymap:
            self.set_keymap(self.keymap)
        # Reads (matchup, maps, events, status bar) go through a Reader: the standard library's
        # sqlite3, no SQLAlchemy. The Store (SQLAlchemy) is for writes (rosters, plans, keys) and for
        # creating or upgrading the schema, so it is opened only when first needed. Each may be
        # given, or a function that opens it on the database thread after the first frame is
        # painted; without a reader, one is opened on the store's URL.
        self._open_store = store if callable(store) else None
        self.store: Store | None = None if callable(store) else store
        self._open_reader = reader if callable(reader) else None
        self.reader: Reader | None = None if callable(reader) else reader
        self._owns_store = False  # set when the app opens the store: then it closes it too
        self._owns_reader = self.reader is None
        self._closer: threading.Thread | None = None
        self.catalog = catalog
        self.match_id = match_id
        self.team = team
        self.seed_roster = seed_roster
        self.default_mode = default_mode
        self.time_limit = time_limit
        self.replan_time_limit = replan_time_limit
        self.clock = clock
        self.poll_interval = poll_interval
        self.live = live
        self.export_dir = export_dir or Path.cwd()
        self.start_screen = start_screen
        self.solve_seed = seed
        self.state = AppState()
        self.catalog_path = catalog_path
        self.roster_name = roster_name
        self.book: RosterBook | None = None  # set once the engine is loaded (ensure_engine)
        self._engine_loading: asyncio.Task | None = None
        self._db = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warclaw-db")
        self._stop: threading.Event | None = None
        self._token = 0
        self._plan_sig: Any = None
        self._solving_sig: Any = None
        self._last_plan = None  # the last feasible plan, the `previous` of the next re-plan
        self._plan_waiting: tuple | None = None  # the newest streamed plan not drawn yet
        self._plan_lock = threading.Lock()
        self.loaded = asyncio.Event()

    # --- lifecycle --------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._ui_loop = asyncio.get_running_loop()
        for key in SCREEN_PATHS:  # each built (and its module imported) when first shown
            self.install_screen(partial(make_screen, key), key)  # type: ignore[arg-type]
        self.push_screen(self.start_screen)
        # After the first frame: opening the database imports modules on the database thread, and
        # that import would hold the GIL while the first frame is being drawn.
        self.call_after_refresh(lambda: self.run_worker(self._initial_load(), group="load", name="initial load"))
        if self.live:
            self.set_interval(self.poll_interval, self._tick, name="poll data_version")
            self.set_interval(1.0, self._clock_tick, name="clock")

    def on_unmount(self) -> None:
        if self._stop is not None:
            self._stop.set()
        self._db.shutdown(wait=False, cancel_futures=True)
        # Close what the app opened once the database thread is idle (never under a running query).
        self._closer = threading.Thread(target=self._close_when_idle, name="warclaw-db-close", daemon=True)
        self._closer.start()

    def _close_when_idle(self) -> None:
        self._db.shutdown(wait=True)
        self.close_connections()

    def close_connections(self) -> None:
        """Close the reader and the store if the app opened them (idempotent)."""
        if self._owns_reader and self.reader is not None:
            self.reader.close()
        if self._owns_store and self.store is not None:
            self.store.close()

    async def db(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn`` on the database thread and wait for it without blocking the UI."""
        return await asyncio.get_running_loop().run_in_executor(self._db, partial(fn, *args))

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker becomes a one-line notice."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            err = event.worker.error
            msg = str(err) if isinstance(err, UserError) else f"{type(err).__name__}: {err}"
            self.state.db_error = msg
            self.notify(msg, title=event.worker.name or "error", severity="error", timeout=8)

    # --- loading ----------------------------------------------------------------------------
    async def _initial_load(self) -> None:
        try:
            if self.reader is None:
                try:
                    self.reader = await self.db(self._connect_reader)
                except UserError as e:  # unreachable or too new a database: say so and leave
                    self.exit(2, message=f"warclaw: {e}")
                    return
            version, fp = await self.db(d.load_fingerprint, self.reader)
            self.state.data_version, self.state.fingerprint = version, fp
            await self._reload({"match", "events", "status"})
            if self.catalog is not None or self.start_screen in ("roster", "squad"):
                await self.ensure_engine()
        finally:
            self.loaded.set()
        self.refresh_views(PARTS)

    def _connect_reader(self) -> Reader:
        """On the database thread: the reader; when the schema is missing or older, the store is
        opened first (it creates or upgrades the schema, and stays open for later writes)."""
        from warclaw.store.reader import Reader, SchemaUpgradeDue

        def connect() -> Reader:
            if self._open_reader is not None:
                return self._open_reader()
            return Reader.open(self._ensure_store().url)

        try:
            return connect()
        except SchemaUpgradeDue as e:
            if self.store is not None:
                raise  # a store is open, so the schema was just checked: someone changed it since
            self._ensure_store(e.url)
        return connect()

    def _ensure_store(self, url: str | None = None) -> Store:
        """On the database thread: the store for writes, opened (SQLAlchemy imported) on first use,
        by the function given for it or else on the reader's URL."""
        if self.store is None:
            if self._open_store is not None:
                self.store = self._open_store()
            else:
                from warclaw.store import Store

                url = url or (self.reader.url if self.reader is not None else None)
                if url is None:
                    raise UserError("no database: give the app a store, a reader, or a function opening one")
                self.store = Store.open(url)
            self._owns_store = True
        return self.store

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
            book = RosterBook(self._ensure_store(), self.catalog, self.roster_name)
            book.ensure(seed)
            return book

        try:
            self.book = await self.db(load)
        except UserError as e:
            self._engine_loading = None
            self.notify(str(e), title="roster not loaded", severity="error", timeout=8)
            return
        await self._load_saved_plan()
        self.refresh_views({"roster", "plan"})

    def engine_ready(self, then: Callable[[], None] | None = None) -> bool:
        """True when roster actions can run; otherwise start loading, say so, and run ``then`` (the
        action the key asked for) once loaded, so a key pressed during the load is not lost."""
        if self.book is not None:
            return True
        self.notify("loading the roster and the optimizer…", timeout=2)

        async def load() -> None:
            if await self.ensure_engine() and then is not None:
                then()

        self.run_worker(load(), group="engine", name="load optimizer")
        return False

    async def _load_saved_plan(self) -> None:
        from warclaw.tui.planner import PlanView, rescore, saved_plan_previous

        assert self.book is not None and self.catalog is not None
        saved = await self.db(self._latest_plan)
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
            self._last_plan = res.plan
            self._plan_sig = self._sig(roster)
        else:
            previous = saved_plan_previous(saved)
            if previous is not None:
                self._last_plan = previous
                self.start_solve(roster, previous, "re-planning")

    def _latest_plan(self) -> dict | None:
        from warclaw.store import rosters as rs

        with self._ensure_store().read() as s:
            return rs.latest_plan(s, self.roster_name)

    def _tick(self) -> None:
        if not self.loaded.is_set() or self.reader is None:
            return
        if any(w.group == "poll" and w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in self.workers):
            return
        self.run_worker(self._check_changes(), group="poll", name="refresh")

    async def _check_changes(self) -> None:
        assert self.reader is not None
        version = await self.db(self.reader.data_version)
        if version == self.state.data_version:
            return
        self.state.data_version = version
        _, fp = await self.db(d.load_fingerprint, self.reader)
        changed = {k for k, v in fp.items() if self.state.fingerprint.get(k) != v}
        self.state.fingerprint = fp
        await self._reload(changed)

    async def _reload(self, changed: set[str]) -> None:
        """Reload the parts of the data named in ``changed`` (fingerprint keys) and re-render."""
        parts: set[str] = set()
        now = self.clock()
        if changed & {"match", "polled"}:
            self.state.matchup = await self.db(d.load_matchup, self.reader, self.match_id, self.team, now)
            parts.add("matchup")
        if changed & {"events", "match"}:
            pk = self.state.matchup.match.pk if self.state.matchup.match else None
            self.state.events = await self.db(d.load_events, self.reader, pk, self.state.events_limit)
            parts.add("events")
        if changed & {"status", "polled"}:
            self.state.status = await self.db(d.load_status, self.reader, now)
            self.state.status_loaded_at = now
            parts.add("status")
        if "roster" in changed and self.book is not None:
            await self.db(self.book.reload)
            parts.add("roster")
            self._maybe_replan()
        self.state.db_error = None
        self.refresh_views(parts)

    def action_refresh(self) -> None:
        async def everything() -> None:
            await self._reload({"match", "events", "status", "roster"})
            self.notify("refreshed", timeout=2)

        self.run_worker(everything(), group="load", name="refresh")

    def action_older_events(self) -> None:
        if len(self.state.events) < self.state.events_limit:
            self.notify("no older events: the whole match is loaded", timeout=2)
            return
        self.state.events_limit += d.EVENTS_PAGE
        self.run_worker(self._reload({"events"}), group="load", name="older events")

    # --- rendering --------------------------------------------------------------------------
    def _shown(self) -> Screen | None:
        """The screen on top, or None while the app is shutting down (timers may still fire)."""
        try:
            return self.screen
        except (ScreenStackError, UnknownModeError):
            return None

    def refresh_views(self, parts: Iterable[str]) -> None:
        parts = set(parts)
        screen = self._shown()
        if isinstance(screen, WarclawScreen) and screen.SHOWS & parts:
            screen.refresh_view()
        self.update_status_bar()
        self.state.refreshed_at = time.perf_counter()

    def data_now(self) -> datetime:
        """Now, on the clock of the match's data (see MatchupData.clock_offset)."""
        return self.clock() - self.state.matchup.clock_offset

    def status_text(self) -> Text:
        st = self.state
        now = self.clock()
        t = Text(no_wrap=True, overflow="ellipsis")
        status = st.status
        if d.daemon_alive(status):
            assert status is not None and status.beat_at is not None
            t.append("● daemon ", style="bold green")
            t.append(d.age_text((now - status.beat_at).total_seconds()))
        else:
            t.append("✗ no daemon", style="bold red")
            if status and status.beat_at:
                t.append(f" {d.age_text((now - status.beat_at).total_seconds())}")
        view = st.matchup.view
        if view and view.get("updated_at"):
            updated = datetime.fromisoformat(view["updated_at"].replace("Z", "+00:00"))
            t.append(f" │ data {d.age_text((now - updated).total_seconds())} ago")
        if not d.daemon_alive(status):
            t.append(" │ ")
            t.append("STALE", style="bold black on yellow")
            t.append(" start: ")
            t.append("warclaw daemon start", style="bold cyan")
        err = d.last_poll_error(status)
        if err:
            t.append(f" │ {err[0]}: {err[1]}", style="bold red")
        elif st.db_error:
            t.append(f" │ {st.db_error}", style="bold red")
        elif d.daemon_alive(status):
            t.append(" │ polls ok", style="green")
        return t

    def _clock_tick(self) -> None:
        """Once a second: ages and countdowns move on without any database access."""
        self.update_status_bar()
        screen = self._shown()
        if isinstance(screen, WarclawScreen):
            screen.tick()

    def update_status_bar(self) -> None:
        screen = self._shown()
        if screen is None:
            return
        for bar in screen.query(StatusBar):
            bar.update(self.status_text())

    def action_show(self, key: str) -> None:
        if key in SCREEN_PATHS and not (isinstance(self.screen, WarclawScreen) and self.screen.KEY == key):
            if isinstance(self.screen, WarclawScreen):
                self.switch_screen(key)

    def action_help(self) -> None:
        from warclaw.tui.screens.help import HelpScreen, key_rows

        if isinstance(self.screen, WarclawScreen):
            title = dict(SCREENS).get(self.screen.KEY, "")
            self.push_screen(HelpScreen(f"Keys on the {title} screen (Esc closes)", key_rows(self.screen, {k: v[0] for k, v in PALETTE_TITLES.items()})))

    # --- command palette --------------------------------------------------------------------
    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        for i, (key, title) in enumerate(SCREENS, 1):
            yield SystemCommand(f"Show {title} ({i})", f"Switch to the {title} screen", partial(self.action_show, key))
        seen = set()
        bindings = list(self.BINDINGS) + list(getattr(screen, "BINDINGS", []))
        for b in bindings:
            if not isinstance(b, Binding) or b.id not in PALETTE_TITLES or PALETTE_TITLES[b.id][0] in seen:
                continue
            if not self._command_applies(b.id):
                continue
            title, help_ = PALETTE_TITLES[b.id]
            seen.add(title)
            yield SystemCommand(f"{title} ({effective_key(self, b)})", help_, partial(self._run_binding, b.action, screen))

    def _command_applies(self, binding_id: str) -> bool:
        has_plan = bool(self.state.plan and self.state.plan.plan)
        return {
            "squad.export": has_plan, "squad.copy": has_plan,
            "squad.lock_party": has_plan, "squad.lock_build": has_plan,
            "squad.stop": bool(self.state.solving),
            "roster.undo": bool(self.book and self.book.undo_stack),
        }.get(binding_id, True)

    def _run_binding(self, action: str, screen: Screen) -> None:
        self.call_later(self.run_action, action, screen)

    # --- roster edits -----------------------------------------------------------------------
    def _roster_screen(self) -> WarclawScreen | None:
        screen = self.screen
        return screen if isinstance(screen, WarclawScreen) and screen.KEY == "roster" else None

    def _selected_player_id(self) -> int | None:
        if not self.engine_ready():
            return None
        screen = self._roster_screen()
        if screen is None:
            self.notify("select a player on the Roster screen (4) first", severity="warning")
            return None
        pid = screen.selected_id()  # type: ignore[attr-defined]
        if pid is None:
            self.notify("the roster is empty: press a to add a player", severity="warning")
        return pid

    def _edit(self, fn: Callable[[], Any], done: Callable[[Any], str]) -> None:
        self.state.edit_started_at = time.perf_counter()

        async def run() -> None:
            try:
                result = await self.db(fn)
            except UserError as e:
                self.notify(str(e), title="not saved", severity="error", timeout=6)
                return
            if not self._maybe_replan():  # a re-plan's first plan redraws the roster and the squad
                self.refresh_views({"roster"})
            self.notify(done(result), timeout=3)

        self.run_worker(run(), group="edit", name="roster edit")

    def action_add_player(self) -> None:
        if not self.engine_ready(self.action_add_player):
            return
        assert self.book is not None

        def saved(player: dict | None) -> None:
            if player:
                self._edit(partial(self.book.add, player), lambda n: f"added {n}")
        self.push_screen(PlayerForm("Add player", {"present": True}, self.book.check_player), saved)

    def action_edit_player(self) -> None:
        pid = self._selected_player_id()
        if pid is None:
            return
        from warclaw.tui.roster_edit import row_dict

        assert self.book is not None
        row = self.book.by_id(pid)

        def saved(player: dict | None) -> None:
            if player:
                self._edit(partial(self.book.update, pid, player), lambda n: f"saved {n}")
        self.push_screen(PlayerForm(f"Edit {row.name}", row_dict(row),
                                    partial(self.book.check_player, replacing=pid)), saved)

    def action_delete_player(self) -> None:
        pid = self._selected_player_id()
        if pid is not None:
            self._edit(partial(self.book.delete, pid), lambda n: f"deleted {n} (u to undo)")

    def action_duplicate_player(self) -> None:
        pid = self._selected_player_id()
        if pid is not None:
            self._edit(partial(self.book.duplicate, pid), lambda n: f"added {n}: press e to rename")

    def action_toggle_present(self) -> None:
        pid = self._selected_player_id()
        if pid is not None:
            name = self.book.by_id(pid).name
            self._edit(partial(self.book.toggle_present, pid),
                       lambda present: f"{name} {'present' if present else 'absent'}")

    def action_add_key(self) -> None:
        """Register the selected player's API key. The TUI never calls the GW2 API: the key is
        stored (file mode 0600) and the daemon checks it at its next key refresh."""
        pid = self._selected_player_id()
        if pid is None:
            return
        assert self.book is not None
        name, roster = self.book.by_id(pid).name, self.book.name

        def entered(secret: str | None) -> None:
            if not secret:
                return
            from warclaw.store.keys import mask

            if not API_KEY_SHAPE.fullmatch(secret):
                self.notify("not an API key: expected 8-4-4-4-20-4-4-4-12 hex groups (from your account's "
                            "Applications page)", title="not saved", severity="error", timeout=6)
                return
            self._edit(lambda: save_player_key(self._ensure_store(), roster, name, secret),
                       lambda _r: f"{name}: key {mask(secret)} saved; the daemon checks it at its next key refresh")
        self.push_screen(PathPrompt(f"API key for {name} (needs account + characters)", "", password=True), entered)

    def action_undo(self) -> None:
        if not self.engine_ready():
            return
        assert self.book is not None
        if not self.book.undo_stack:
            self.notify("nothing to undo", timeout=2)
            return
        self._edit(self.book.undo, lambda what: f"undone: {what}")

    def action_cycle_mode(self) -> None:
        if not self.engine_ready():
            return
        assert self.book is not None
        self._edit(self.book.cycle_mode, lambda mode: f"mode {mode}: the squad is re-planned for it")

    def action_toggle_lock(self, name: str, what: str) -> None:
        pv = self.state.plan
        if self.book is None:
            return
        row = next((r for r in self.book.rows if r.name == name), None)
        if row is None or pv is None or pv.plan is None or name not in pv.plan.assignments:
            return
        a = pv.plan.assignments[name]
        if what == "party":
            value = None if row.lock_party is not None else a.party
            change = {"lock_party": value}
            msg = f"{name}: party {'unlocked' if value is None else f'locked to {value}'}"
        else:
            value = None if row.lock_build else a.build
            change = {"lock_build": value}
            msg = f"{name}: build {'unlocked' if value is None else f'locked to {value}'}"
        self._edit(partial(self.book.set_fields, row.id, **change), lambda _n: msg)

    def action_import_roster(self) -> None:
        if not self.engine_ready(self.action_import_roster):
            return
        assert self.book is not None
        book = self.book

        def chosen(path: str | None) -> None:
            if not path:
                return

            def load() -> int:
                from warclaw.rosterfile import read_roster_file

                book.replace(read_roster_file(Path(path).expanduser(), self.catalog), f"import {Path(path).name}")
                return len(book.rows)
            self._edit(load, lambda n: f"imported {n} players from {path}")
        self.push_screen(PathPrompt("Import roster .toml or sign-up .csv (replaces the players; u undoes)",
                                    str(self.export_dir / f"{self.book.name}.toml")), chosen)

    def action_export_roster(self) -> None:
        if not self.engine_ready(self.action_export_roster):
            return
        assert self.book is not None
        book = self.book

        def chosen(path: str | None) -> None:
            if path:
                from warclaw.rosterfile import roster_text

                text = roster_text(book.mapping(), Path(path))
                self.run_worker(self._write_file(Path(path), text, "roster"), group="export", name="export")
        self.push_screen(PathPrompt("Export roster to (.toml or .csv)", str(self.export_dir / f"{self.book.name}.toml")), chosen)

    async def _write_file(self, path: Path, text: str, what: str) -> None:
        try:
            await self.db(path.expanduser().write_text, text, "utf-8")
        except OSError as e:
            self.notify(f"{path}: {e.strerror or e}", title=f"{what} not written", severity="error")
            return
        self.notify(f"{what} written to {path}", timeout=4)

    # --- solving ----------------------------------------------------------------------------
    @staticmethod
    def _sig(roster: Roster) -> Any:
        return roster.present().players, roster.mode

    def _mode(self, roster: Roster) -> str:
        return roster.mode or self.default_mode

    def action_optimize(self) -> None:
        if not self.engine_ready(self.action_optimize):
            return
        assert self.book is not None
        try:
            roster = self.book.engine_roster()
        except UserError as e:
            self.state.roster_error = str(e)
            self.notify(str(e), title="cannot optimize", severity="error")
            return
        self.state.roster_error = None
        self.start_solve(roster, None, "optimizing")
        if not (isinstance(self.screen, WarclawScreen) and self.screen.KEY in ("squad", "roster")):
            self.action_show("squad")

    def action_stop_solve(self) -> None:
        if self._stop is not None and self.state.solving:
            self._stop.set()
            self.notify("stopping: the best plan so far stays", timeout=2)

    def _maybe_replan(self) -> bool:
        """After a roster change: re-plan with the change penalty if there is a plan to keep.
        True when the views were re-rendered (a re-plan started, or the roster cannot be planned)."""
        if self.book is None:
            return False
        try:
            roster = self.book.engine_roster()
        except UserError as e:
            self.state.roster_error = str(e)
            self.refresh_views({"plan", "roster"})
            return True
        self.state.roster_error = None
        sig = self._sig(roster)
        if self._last_plan is None or sig == self._plan_sig or (self.state.solving and sig == self._solving_sig):
            return False
        self.start_solve(roster, self._last_plan, "re-planning")
        return True

    def start_solve(self, roster: Roster, previous, kind: str) -> None:
        from warclaw.tui.planner import solve

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
        sig = self._sig(roster)
        self._solving_sig = sig

        def work() -> None:
            def improved(res) -> None:
                # Only the newest plan is drawn: plans that arrive while the screen is busy replace
                # the one waiting, instead of queueing a render each.
                with self._plan_lock:
                    waiting = self._plan_waiting is not None
                    self._plan_waiting = (token, res, previous, kind)
                if not waiting:
                    self._from_thread(self._draw_waiting_plan)
            res = solve(roster, catalog, self._mode(roster), previous=previous, time_limit=limit, stop=stop,
                        on_improved=improved, seed=self.solve_seed)
            self._from_thread(self._on_solved, token, res, previous, kind, sig, roster)

        if previous is None:
            self.refresh_views({"plan", "roster"})  # "optimizing…" until the first plan arrives
        # A re-plan's first plan comes within milliseconds and redraws both screens: drawing the old
        # plan now would only compete with the solver's model building for the interpreter.
        self.run_worker(work, thread=True, group="solve", name=kind)

    def _from_thread(self, fn: Callable[..., Any], *args: Any) -> None:
        """Hand ``fn(*args)`` to the UI thread without waiting for it: the solver thread must not
        stall on a busy screen (``call_from_thread`` waits), or a re-plan overruns its time limit."""
        try:
            self._ui_loop.call_soon_threadsafe(partial(fn, *args))
        except RuntimeError:
            pass  # the app is closing

    def _draw_waiting_plan(self) -> None:
        with self._plan_lock:
            waiting, self._plan_waiting = self._plan_waiting, None
        if waiting is not None:
            self._on_improved(*waiting)

    def _on_improved(self, token: int, res, previous, kind: str) -> None:
        from warclaw.tui.planner import PlanView

        if token != self._token or res.plan is None or not self.state.solving:
            return
        if self.state.first_plan_seconds is None:
            self.state.first_plan_seconds = time.perf_counter() - self.state.edit_started_at
        moved = set(res.plan.moved(previous)) if previous is not None else set()
        self.state.plan = PlanView(res, moved, running=True, kind=kind)
        self.refresh_views({"plan"})

    def _on_solved(self, token: int, res, previous, kind: str, sig: Any, roster: Roster) -> None:
        from warclaw.tui.planner import PlanView, result_mapping

        if token != self._token:
            return
        self.state.solving = None
        if res.plan is None:
            self.state.plan = PlanView(res, kind=kind)
            self.state.roster_error = res.reason
            self.notify(res.reason or "no plan", title="infeasible roster", severity="error", timeout=8)
            self.refresh_views({"plan"})
            return
        moved = set(res.plan.moved(previous)) if previous is not None else set()
        self.state.plan = PlanView(res, moved, kind=kind)
        self._last_plan = res.plan
        self._plan_sig = sig
        self.state.replan_seconds = time.perf_counter() - self.state.edit_started_at
        self.state.solves_done += 1
        self.refresh_views({"plan", "roster"})
        if kind == "re-planning":
            self.notify(f"re-planned in {self.state.replan_seconds:.2f}s: "
                        + (f"{len(moved)} moved ({', '.join(sorted(moved)[:4])})" if moved else "nobody moved"),
                        timeout=4)
        mapping = result_mapping(res)
        self.run_worker(self.db(self._save_plan, res.mode, res.score, mapping), group="save", name="save plan")

    def _save_plan(self, mode: str, score: float, mapping: dict) -> None:
        from warclaw.store import rosters as rs

        with self._ensure_store().write() as s:
            rs.save_plan(s, self.roster_name, mode, score, mapping)

    # --- plan export ------------------------------------------------------------------------
    def plan_text(self) -> str | None:
        from warclaw.tui.planner import commanders, plan_text

        pv = self.state.plan
        if pv is None or pv.plan is None or self.book is None:
            self.notify("no plan yet: press o on the Squad screen", severity="warning")
            return None
        try:
            cmd = commanders(self.book.engine_roster())
        except UserError:
            cmd = set()
        return plan_text(pv.result, cmd)

    def action_export_plan(self) -> None:
        text = self.plan_text()
        if text is None:
            return

        def chosen(path: str | None) -> None:
            if path:
                self.run_worker(self._write_file(Path(path), text + "\n", "plan"), group="export", name="export")
        self.push_screen(PathPrompt("Export plan (text for Discord) to",
                                    str(self.export_dir / f"squad-{self.roster_name}.txt")), chosen)

    def action_copy_plan(self) -> None:
        text = self.plan_text()
        if text is not None:
            self.copy_to_clipboard(text)
            self.notify(f"plan copied to the clipboard ({len(text.splitlines())} lines, OSC 52)", timeout=3)


def binding_ids() -> set[str]:
    """Every binding id a person may remap in the config (``[tui] keys``)."""
    from warclaw.tui.screens.help import HelpScreen

    classes = [WarclawApp, *map(screen_class, SCREEN_PATHS), PlayerForm, PathPrompt, HelpScreen]
    return {b.id for c in classes for b in c.BINDINGS if isinstance(b, Binding) and b.id}


def check_keymap(keymap: dict[str, str], source: str) -> None:
    """Refuse ids that no binding has, one line each, before the app starts."""
    unknown = sorted(set(keymap) - binding_ids())
    if unknown:
        raise ConfigError([f"{source}: tui.keys.{i}: no such key binding (F1 in the TUI lists the ids, "
                           f"e.g. squad.optimize)" for i in unknown])


def run(store: Store | Callable[[], Store] | None, catalog: Catalog | None = None, **kw: Any) -> int:
    """Run the app; the reader and store it opened itself are closed on exit."""
    app = WarclawApp(store, catalog, **kw)
    try:
        code = app.run()
    finally:
        if app._closer is not None:
            app._closer.join(timeout=5)
        else:
            app.close_connections()
    return int(code or 0)


API_KEY_SHAPE = re.compile(r"[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{20}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}")


def save_player_key(store: Store, roster: str, player: str, secret: str) -> int:
    from warclaw.store.keys import link_player, protect_sqlite_file, save_key

    with store.write() as s:
        key_id = save_key(s, secret, token_name=None, permissions=[])
        link_player(s, roster, player, key_id)
    protect_sqlite_file(store.url)
    return key_id
