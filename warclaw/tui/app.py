"""The Warclaw app: five screens on one state, kept current by two services.

- ``Database`` (database.py): the connections and the one thread they are used on; the live reads.
- ``Planner`` (planner.py): the roster, its edits and undo, the solves that keep a plan for it.

Services post ``StateChanged`` / ``PlanStreamed`` messages (messages.py); the app takes them on the
UI thread, updates ``AppState`` (state.py) and re-renders the screen on top if it shows a part
that changed. Each screen owns its keys and actions (screens/); the palette is commands.py. Nothing
here blocks the UI thread.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

from rich.text import Text
from textual import events
from textual.app import App, ScreenStackError, UnknownModeError
from textual.binding import Binding
from textual.screen import ModalScreen, Screen
from textual.worker import Worker, WorkerState

from warclaw.common import clean, safe_line
from warclaw.errors import UserError
from warclaw.tui import data as d
from warclaw.tui.commands import TITLES, WarclawCommands
from warclaw.tui.database import Database
from warclaw.tui.messages import DiscordPosted, PlanStreamed, StateChanged
from warclaw.tui.planner import REPLAN_SECONDS, Planner
from warclaw.tui.screens import SCREEN_PATHS, make_screen
from warclaw.tui.screens.base import WarclawScreen
from warclaw.tui.state import PARTS, AppState
from warclaw.tui.widgets import HELP_BINDING, SCREENS, Confirm, StatusBar

if TYPE_CHECKING:
    from warclaw.config import AlertsConfig
    from warclaw.engine import Catalog
    from warclaw.store import Store
    from warclaw.store.reader import Reader


def utcnow() -> datetime:
    return datetime.now(UTC)


class WarclawApp(App):
    TITLE = "Warclaw"
    CSS_PATH = str(Path(__file__).with_name("app.tcss"))
    ENABLE_COMMAND_PALETTE = True
    COMMANDS = App.COMMANDS | {WarclawCommands}
    BINDINGS = [
        *[Binding(str(i), f"show('{key}')", title, show=False, id=f"screen.{key}") for i, (key, title) in enumerate(SCREENS, 1)],
        Binding("r", "refresh", "Refresh", show=False, id="app.refresh"),
        HELP_BINDING,  # shown on the tab line (right), not in the footer, which runs out of room
        # Every roster and plan change is undoable from any screen; u and ctrl+z are one key.
        Binding("u,ctrl+z", "undo", "Undo", id="app.undo"),
        Binding("ctrl+y", "redo", "Redo", show=False, id="app.redo"),
        Binding("q", "quit", "Quit", id="app.quit"),
    ]

    def __init__(self, store: Store | Callable[[], Store] | None, catalog: Catalog | None = None, *,
                 reader: Reader | Callable[[], Reader] | None = None, catalog_path: str | None = None,
                 match_id: str | None = None, team: str | None = None,
                 roster_name: str = "default", seed_roster: dict[str, Any] | Path | None = None,
                 default_mode: str = "zerg", time_limit: float = 10.0, replan_time_limit: float = REPLAN_SECONDS,
                 clock: Callable[[], datetime] = utcnow, poll_interval: float = 0.25, live: bool = True,
                 export_dir: Path | None = None, start_screen: str = "matchup", seed: int = 0,
                 keymap: dict[str, str] | None = None, theme_file: Path | None = None,
                 alerts: AlertsConfig | None = None):
        super().__init__()
        # Remapped keys by binding id (config [tui] keys); check_keymap() has refused unknown ids.
        self.keymap = dict(keymap or {})
        if self.keymap:
            self.set_keymap(self.keymap)
        self.state = AppState()
        self.database = Database(store, reader)
        self.planner = Planner(self, self.database, self.state, catalog=catalog, catalog_path=catalog_path,
                               roster_name=roster_name, seed_roster=seed_roster, default_mode=default_mode,
                               time_limit=time_limit, replan_time_limit=replan_time_limit, seed=seed)
        self.match_id = match_id
        self.team = team
        self.clock = clock
        self.poll_interval = poll_interval
        self.live = live
        self.export_dir = export_dir or Path.cwd()
        self.start_screen = start_screen
        self.theme_file = theme_file  # where the theme picked is remembered (None: not remembered)
        self.alerts = alerts  # the config's [alerts]: the webhook D on Squad posts the plan to
        self.loaded = asyncio.Event()
        self._dirty: set[str] = set()  # state parts changed and not drawn yet
        self._key_gate = 0  # > 0 while a dialog that just closed may still have keys on their way

    # --- lifecycle --------------------------------------------------------------------------
    def on_mount(self) -> None:
        self._load_theme()
        for key in SCREEN_PATHS:  # each built (and its module imported) when first shown
            self.install_screen(partial(make_screen, key), key)  # type: ignore[arg-type]
        self.push_screen(self.start_screen)
        # After the first frame: opening the database imports modules on the database thread, and
        # that import would hold the GIL while the first frame is being drawn.
        self.call_after_refresh(lambda: self.run_worker(self._initial_load(), group="load", name="initial load"))
        if self.live:
            self.set_interval(self.poll_interval, self._poll, name="poll data_version")
            self.set_interval(1.0, self._clock_tick, name="clock")

    def watch_theme(self, theme: str) -> None:
        """Remember the theme picked (ctrl+p, Theme) for the next start."""
        if getattr(self, "_theme_loaded", False) and self.theme_file is not None:
            try:
                self.theme_file.parent.mkdir(parents=True, exist_ok=True)
                self.theme_file.write_text(theme + "\n", encoding="utf-8")
            except OSError as e:
                self.notify(f"{self.theme_file}: theme not remembered: {e.strerror or e}", severity="warning")

    def _load_theme(self) -> None:
        if self.theme_file is not None:
            try:
                name = self.theme_file.read_text(encoding="utf-8").strip()
            except OSError:
                name = ""
            if name in self.available_themes:
                self.theme = name
        self._theme_loaded = True

    def on_unmount(self) -> None:
        self.planner.stop()
        self.database.shutdown()

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker becomes a one-line notice."""
        if event.state == WorkerState.ERROR and event.worker.error is not None:
            err = event.worker.error
            msg = str(err) if isinstance(err, UserError) else f"{type(err).__name__}: {err}"
            self.state.db_error = msg
            self.notify(msg, title=event.worker.name or "error", severity="error", timeout=8)

    # --- keys -------------------------------------------------------------------------------
    def pop_screen(self):  # noqa: ANN201 - Textual's AwaitComplete
        """A dialog (palette, theme picker, form) closing: keys typed at it that are still on their
        way must not act on the screen underneath. They are dropped until the dialog's own follow-up
        (a palette command, the theme picker it opens) has run: two turns of the message queue."""
        if isinstance(self._shown(), ModalScreen):
            self._key_gate += 1
            self.call_later(self.call_later, self._open_key_gate)
        return super().pop_screen()

    def _open_key_gate(self) -> None:
        self._key_gate = max(0, self._key_gate - 1)

    async def on_event(self, event: events.Event) -> None:
        if (isinstance(event, events.Key) and not event.is_forwarded and self._key_gate
                and isinstance(self._shown(), WarclawScreen)):
            return
        await super().on_event(event)

    def action_undo(self) -> None:
        if self.planner.book is None:
            self.notify("nothing to undo", timeout=2)
        else:
            self.planner.undo()

    def action_redo(self) -> None:
        if self.planner.book is None:
            self.notify("nothing to redo", timeout=2)
        else:
            self.planner.redo()

    async def action_quit(self) -> None:
        """Quit; asked first only when something would be lost (a solve running: its plan)."""
        if not self.state.solving:
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()
        self.push_screen(Confirm(f"A solve is running ({self.state.solving}). Quit and lose its plan?", "Quit"),
                         answered)

    def notify(self, message: str, *, title: str = "", severity: Any = "information", timeout: float | None = None,
               markup: bool = False) -> None:
        """Notices carry roster and file names (untrusted): plain text, made terminal-safe."""
        super().notify(clean(message), title=clean(title), severity=severity, timeout=timeout, markup=markup)

    # --- messages from the services ---------------------------------------------------------
    def on_state_changed(self, message: StateChanged) -> None:
        # Changes are folded into one render at the end of the queue: a burst of streamed plans on
        # a loaded machine is drawn once, not once each, so the final plan is not kept waiting.
        if message.parts:
            if not self._dirty:
                self.call_later(self._render_dirty)
            self._dirty |= message.parts
        if message.notice:
            self.notify(message.notice, title=message.title, severity=message.severity,  # type: ignore[arg-type]
                        timeout=message.timeout)

    def _render_dirty(self) -> None:
        parts, self._dirty = self._dirty, set()
        if parts:
            self.refresh_views(parts)

    def on_discord_posted(self, message: DiscordPosted) -> None:
        self.state.discord_note = message.note
        self.notify(message.note, title="Discord", severity="information" if message.ok else "error",
                    timeout=6 if message.ok else 12)

    def on_plan_streamed(self, message: PlanStreamed) -> None:
        self.planner.accept(message)

    # --- loading ----------------------------------------------------------------------------
    async def _initial_load(self) -> None:
        try:
            if self.database.reader is None:
                try:
                    await self.database.run(self.database.connect_reader)
                except UserError as e:  # unreachable or too new a database: say so and leave
                    self.exit(2, message=f"warclaw: {e}")
                    return
            version, fp = await self.database.run(d.load_fingerprint, self.database.reader)
            self.state.data_version, self.state.fingerprint = version, fp
            await self.reload({"match", "events", "status"})
            if self.planner.catalog is not None or self.start_screen in ("roster", "squad"):
                await self.planner.ensure_engine()
        finally:
            self.loaded.set()
        self.refresh_views(PARTS)

    def _poll(self) -> None:
        if not self.loaded.is_set() or self.database.reader is None:
            return
        if any(w.group == "poll" and w.state in (WorkerState.PENDING, WorkerState.RUNNING) for w in self.workers):
            return
        self.run_worker(self._check_changes(), group="poll", name="refresh")

    async def _check_changes(self) -> None:
        changed = await self.database.changed(self.state)
        if changed:
            await self.reload(changed)

    async def reload(self, changed: set[str]) -> None:
        """Reload the parts of the data named in ``changed`` (fingerprint keys) and re-render."""
        parts = await self.database.reload(self.state, changed, self.match_id, self.team, self.clock())
        self.refresh_views(parts)
        if "roster" in changed:
            await self.planner.roster_changed_elsewhere()

    def action_refresh(self) -> None:
        async def everything() -> None:
            await self.reload({"match", "events", "status", "roster"})
            self.notify("refreshed", timeout=2)

        self.run_worker(everything(), group="load", name="refresh")

    # --- rendering --------------------------------------------------------------------------
    def _shown(self) -> Screen | None:
        """The screen on top, or None while the app is shutting down (timers may still fire)."""
        try:
            return self.screen
        except (ScreenStackError, UnknownModeError):
            return None

    def refresh_views(self, parts: set[str] | frozenset[str]) -> None:
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
        # The daemon stores an API's error text as it came (a hostile body included): shown, like
        # `warclaw daemon status` does, through safe_line (no escape sequence, no key).
        if err:
            t.append(f" │ {safe_line(err[0])}: {safe_line(err[1])}", style="bold red")
        elif st.db_error:
            t.append(f" │ {safe_line(st.db_error)}", style="bold red")
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

    # --- navigation -------------------------------------------------------------------------
    def action_show(self, key: str) -> None:
        if key in SCREEN_PATHS and isinstance(self.screen, WarclawScreen) and self.screen.KEY != key:
            self.switch_screen(key)

    def action_help(self) -> None:
        from warclaw.tui.screens.help import HelpScreen, key_rows

        if isinstance(self.screen, WarclawScreen):
            title = dict(SCREENS).get(self.screen.KEY, "")
            self.push_screen(HelpScreen(f"Keys on the {title} screen (Esc closes)",
                                        key_rows(self.screen, {k: v[0] for k, v in TITLES.items()})))


def run(store: Store | Callable[[], Store] | None, catalog: Catalog | None = None, **kw: Any) -> int:
    """Run the app; the reader and store it opened itself are closed on exit."""
    app = WarclawApp(store, catalog, **kw)
    try:
        code = app.run()
    finally:
        if app.database.closer is not None:
            app.database.closer.join(timeout=5)
        else:
            app.database.close_connections()
    return int(code or 0)
