"""What every screen shares: the tabs on top, the status bar and the footer below."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.screen import Screen

from warclaw.tui.widgets import KeyBar, NavBar, StatusBar

if TYPE_CHECKING:
    from warclaw.tui.context import AppContext
    from warclaw.tui.planner import Planner


class WarclawScreen(Screen):
    KEY = ""
    # Which parts of the app state this screen shows; it is re-rendered when one of them changes.
    SHOWS: frozenset[str] = frozenset()
    NEEDS_ENGINE = False  # the roster screens load the catalog and optimizer on first visit

    @property
    def wapp(self) -> AppContext:
        return cast("AppContext", self.app)

    @property
    def planner(self) -> Planner:
        return self.wapp.planner

    def compose(self) -> ComposeResult:
        yield NavBar(self.KEY, id="nav")
        with Vertical(id="body"):
            yield from self.compose_body()
        yield StatusBar(id="status")
        yield KeyBar(id="keys")

    def compose_body(self) -> ComposeResult:
        raise NotImplementedError

    def on_screen_resume(self) -> None:
        if self.NEEDS_ENGINE and self.planner.book is None:
            self.app.run_worker(self.planner.ensure_engine(), group="engine", name="load optimizer")
        self.refresh_view()
        self.wapp.update_status_bar()

    def refresh_view(self) -> None:
        """Render the app state into this screen's widgets (cheap; no database access)."""

    def tick(self) -> None:
        """Called every second while shown: update what depends on the clock only."""

    def command_applies(self, binding_id: str) -> bool:
        """Whether the palette offers this screen's binding now (e.g. no Export without a plan)."""
        return True
