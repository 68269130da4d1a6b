"""Roster: the players, edited by keyboard; every edit is written at once and can be undone."""

from __future__ import annotations

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from warclaw.tui.screens.base import WarclawScreen


class RosterScreen(WarclawScreen):
    KEY = "roster"
    NEEDS_ENGINE = True
    SHOWS = frozenset({"roster", "plan"})
    BINDINGS = [
        Binding("a", "app.add_player", "Add", id="roster.add"),
        Binding("e", "app.edit_player", "Edit", id="roster.edit"),
        Binding("d", "app.delete_player", "Del", id="roster.delete"),
        Binding("c", "app.duplicate_player", "Dup", id="roster.duplicate"),
        Binding("x", "app.toggle_present", "Absent", id="roster.absent"),
        Binding("k", "app.add_key", "API key", id="roster.key"),
        Binding("u", "app.undo", "Undo", id="roster.undo"),
        Binding("o", "app.optimize", "Optimize", id="roster.optimize"),
        Binding("ctrl+z", "app.undo", "Undo", show=False, id="roster.undo2"),
        Binding("m", "app.cycle_mode", "Mode", id="roster.mode"),
        Binding("i", "app.import_roster", "Import", id="roster.import"),
        Binding("w", "app.export_roster", "Export", id="roster.export"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static(id="roster-title")
        yield DataTable(id="players", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#players", DataTable).add_columns("Name", "Here", "Cmd", "Locks", "With", "Builds")

    def selected_id(self) -> int | None:
        table = self.query_one("#players", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.wapp.action_edit_player()

    def refresh_view(self) -> None:
        if not self.is_mounted:
            return
        st = self.wapp.state
        book = self.wapp.book
        rows = list(book.rows) if book else []
        moved = st.plan.moved if st.plan else set()
        here = sum(1 for r in rows if r.present)
        t = Text()
        t.append(f"Roster {book.name if book else '-'}", style="bold")
        t.append(f"  {here} present / {len(rows)}  mode {(book.mode if book else None) or 'zerg'}")
        if book and book.undo_stack:
            t.append(f"  undo: {book.undo_stack[-1][0]}", style="dim")
        if book is None:
            t.append("  loading the roster and the optimizer…", style="bold cyan")
        elif not rows:
            t.append("  empty: press a to add a player, i to import a roster TOML", style="bold yellow")
        self.query_one("#roster-title", Static).update(t)
        table = self.query_one("#players", DataTable)
        keep = table.cursor_row
        table.clear()
        for r in rows:
            style = "bold yellow" if r.name in moved else ("dim strike" if not r.present else "")
            locks = []
            if r.lock_party is not None:
                locks.append(f"P{r.lock_party}")
            if r.lock_build:
                locks.append(r.lock_build)
            table.add_row(
                Text(r.name, style=style),
                Text("yes", style="green") if r.present else Text("absent", style="red"),
                "★" if r.commander else "",
                " ".join(locks)[:22],
                ", ".join(r.with_players)[:18],
                Text(", ".join(r.builds)[:60], style="dim" if not r.present else ""),
                key=str(r.id),
            )
        if rows:
            table.move_cursor(row=min(keep, len(rows) - 1))
