"""What the Roster and Squad screens share: optimizing, undoing, exporting to a file."""

from __future__ import annotations

from pathlib import Path

from warclaw.tui.screens.base import WarclawScreen


class PlanningScreen(WarclawScreen):
    NEEDS_ENGINE = True
    SHOWS = frozenset({"roster", "plan"})

    def action_optimize(self) -> None:
        if not self.planner.ready(self.action_optimize):
            return
        if self.planner.optimize() and self.KEY not in ("squad", "roster"):
            self.app.switch_screen("squad")

    def action_stop_solve(self) -> None:
        if self.planner.stop():
            self.notify("stopping: the best plan so far stays", timeout=2)

    def action_undo(self) -> None:
        if not self.planner.ready():
            return
        book = self.planner.book
        assert book is not None
        if not book.undo_stack:
            self.notify("nothing to undo", timeout=2)
            return
        self.planner.edit(book.undo, lambda what: f"undone: {what}")

    def command_applies(self, binding_id: str) -> bool:
        book = self.planner.book
        if binding_id.endswith(".undo"):
            return bool(book and book.undo_stack)
        return True

    def write_file(self, path: Path, text: str, what: str) -> None:
        """Write ``text`` to ``path`` on the database thread (never the UI's), then say where."""
        async def write() -> None:
            try:
                await self.wapp.database.run(path.expanduser().write_text, text, "utf-8")
            except OSError as e:
                self.notify(f"{path}: {e.strerror or e}", title=f"{what} not written", severity="error")
                return
            self.notify(f"{what} written to {path}", timeout=4)

        self.run_worker(write(), group="export", name="export")
