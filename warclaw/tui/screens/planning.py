"""What the Roster and Squad screens share: optimizing, undo/redo, absent, writing files."""

from __future__ import annotations

from functools import partial
from pathlib import Path

from textual.binding import Binding

from warclaw.tui.screens.base import WarclawScreen
from warclaw.tui.widgets import Confirm

# The keys Roster and Squad share: one binding each, one id (a remap moves it on both screens).
OPTIMIZE = Binding("o", "optimize", "Optimize", id="squad.optimize")
ABSENT = Binding("x", "toggle_present", "Absent", id="roster.absent")


class PlanningScreen(WarclawScreen):
    NEEDS_ENGINE = True
    SHOWS = frozenset({"roster", "plan"})

    def selected_player_id(self) -> int | None:
        """The roster id of the player under the cursor (None on an empty table)."""
        raise NotImplementedError

    def _selected(self) -> int | None:
        """The selected player's id, once the roster is loaded and not empty (else says why)."""
        if not self.planner.ready():
            return None
        pid = self.selected_player_id()
        if pid is None:
            self.notify("no player selected: the roster is empty (a adds one on the Roster screen, 4)",
                        severity="warning")
        return pid

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # Esc stops a solve: in the footer only while one runs (refresh_bindings on each change).
        if action == "stop_solve":
            return bool(self.wapp.state.solving)
        return True

    def refresh_view(self) -> None:
        self.refresh_bindings()

    def action_optimize(self) -> None:
        if not self.planner.ready(self.action_optimize):
            return
        self.planner.optimize()

    def action_stop_solve(self) -> None:
        if self.planner.stop():
            self.notify("stopping: the best plan so far stays", timeout=2)

    def action_toggle_present(self) -> None:
        pid = self._selected()
        if pid is None:
            return
        book = self.planner.book
        assert book is not None
        name = book.by_id(pid).name
        self.planner.edit(partial(book.toggle_present, pid),
                          lambda present: f"{name} {'present' if present else 'absent'} — u undo")

    def command_applies(self, binding_id: str) -> bool:
        book = self.planner.book
        if binding_id == "squad.stop":
            return bool(self.wapp.state.solving)
        if binding_id.endswith(".undo"):
            return bool(book and book.undo_stack)
        if binding_id.endswith(".redo"):
            return bool(book and book.redo_stack)
        return True

    def write_file(self, path: Path, text: str, what: str) -> None:
        """Write ``text`` to ``path`` on the database thread (never the UI's), asking first when the
        file exists, then say where it went."""
        path = path.expanduser()

        async def write() -> None:
            try:
                await self.wapp.database.run(path.write_text, text, "utf-8")
            except OSError as e:
                self.notify(f"{path}: {e.strerror or e}", title=f"{what} not written", severity="error")
                return
            self.notify(f"{what} written to {path}", timeout=4)

        def go(yes: bool | None = True) -> None:
            if yes:
                self.run_worker(write(), group="export", name="export")

        if path.exists():
            self.app.push_screen(Confirm(f"{path} exists. Overwrite it with the {what}?", "Overwrite"), go)
        else:
            go()
