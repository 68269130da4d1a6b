"""Roster: the players, edited by keyboard; every edit is written at once and can be undone."""

from __future__ import annotations

from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from warclaw.common import clean
from warclaw.engine.abbrev import build as short_build
from warclaw.tui.screens.planning import ABSENT, OPTIMIZE, PlanningScreen
from warclaw.tui.widgets import Choose, ColumnSort, Confirm, PathPrompt, PlayerForm

if TYPE_CHECKING:
    from warclaw.store.rosters import PlayerRow

COLUMNS = (("name", "Name"), ("here", "Here"), ("cmd", "Cmd"), ("locks", "Locks"), ("with", "With"),
           ("builds", "Builds"))


def _locks(r: PlayerRow) -> str:
    return " ".join(([f"P{r.lock_party}"] if r.lock_party is not None else []) +
                    ([short_build(r.lock_build)] if r.lock_build else []))


# A click on a header sorts by that column (ties stay in roster order); ▲ puts present players,
# commanders, locked and grouped players first, ▼ last.
SORT_KEYS = {
    "name": lambda r: r.name.casefold(),
    "here": lambda r: not r.present,
    "cmd": lambda r: not r.commander,
    "locks": lambda r: (not _locks(r), _locks(r)),
    "with": lambda r: (not r.with_players, [w.casefold() for w in r.with_players]),
    "builds": lambda r: [short_build(b) for b in r.builds],
}


class RosterScreen(PlanningScreen):
    KEY = "roster"
    BINDINGS = [
        Binding("a", "add_player", "Add", id="roster.add"),
        Binding("e", "edit_player", "Edit", id="roster.edit"),
        Binding("d", "delete_player", "Del", id="roster.delete"),
        Binding("c", "duplicate_player", "Dup", id="roster.duplicate"),
        ABSENT,
        Binding("k", "add_key", "API key", id="roster.key"),
        OPTIMIZE,
        Binding("escape", "stop_solve", "Stop", id="squad.stop"),  # in the footer while a solve runs
        Binding("g", "cycle_mode", "Mode", id="roster.mode"),  # g: game mode (m filters maps elsewhere)
        Binding("i", "import_roster", "Import", id="roster.import"),
        Binding("w", "export_roster", "Export", id="roster.export"),
        Binding("l", "switch_roster", "Rosters", id="roster.switch"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static(id="roster-title")
        yield DataTable(id="players", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.sort = ColumnSort()
        self.sort.set_columns(self.query_one("#players", DataTable), COLUMNS)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.sort.click(str(event.column_key.value))
        self.refresh_view()

    def selected_player_id(self) -> int | None:
        table = self.query_one("#players", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return int(key.value) if key.value is not None else None

    def on_data_table_row_selected(self, _event: DataTable.RowSelected) -> None:
        self.action_edit_player()

    # --- actions ----------------------------------------------------------------------------
    def action_add_player(self) -> None:
        if not self.planner.ready(self.action_add_player):
            return
        book = self.planner.book
        assert book is not None

        def saved(player: dict | None) -> None:
            if player:
                self.planner.edit(partial(book.add, player), lambda n: f"added {n}")
        self.app.push_screen(PlayerForm("Add player", {"present": True}, book.check_player), saved)

    def action_edit_player(self) -> None:
        pid = self._selected()
        if pid is None:
            return
        from warclaw.tui.roster_edit import row_dict

        book = self.planner.book
        assert book is not None
        row = book.by_id(pid)

        def saved(player: dict | None) -> None:
            if player:
                self.planner.edit(partial(book.update, pid, player), lambda n: f"saved {n} — u undo")
        self.app.push_screen(PlayerForm(f"Edit {row.name}", row_dict(row), partial(book.check_player, replacing=pid)),
                             saved)

    def action_delete_player(self) -> None:
        pid = self._selected()
        if pid is not None:
            assert self.planner.book is not None
            self.planner.edit(partial(self.planner.book.delete, pid), lambda n: f"deleted {n} — u undo")

    def action_duplicate_player(self) -> None:
        pid = self._selected()
        if pid is not None:
            assert self.planner.book is not None
            self.planner.edit(partial(self.planner.book.duplicate, pid), lambda n: f"added {n} (absent): e renames, x marks present — u undo")

    def action_add_key(self) -> None:
        """Register the selected player's API key. The TUI never calls the GW2 API: the key is
        stored (file mode 0600) and the daemon checks it at its next key refresh."""
        pid = self._selected()
        if pid is None:
            return
        from warclaw.tui.roster_edit import API_KEY_SHAPE, save_player_key

        book = self.planner.book
        assert book is not None
        name, roster = book.by_id(pid).name, book.name
        database = self.wapp.database

        def entered(secret: str | None) -> None:
            if not secret:
                return
            from warclaw.common import mask

            if not API_KEY_SHAPE.fullmatch(secret):
                self.notify("not an API key: expected 8-4-4-4-20-4-4-4-12 hex groups (from your account's "
                            "Applications page)", title="not saved", severity="error", timeout=6)
                return
            self.planner.edit(lambda: save_player_key(database.ensure_store(), roster, name, secret),
                              lambda _r: f"{name}: key {mask(secret)} saved; the daemon checks it at its next "
                                         "key refresh")
        self.app.push_screen(PathPrompt(f"API key for {name} (needs account + characters)", "", password=True),
                             entered)

    def action_cycle_mode(self) -> None:
        if not self.planner.ready():
            return
        book = self.planner.book
        assert book is not None
        self.planner.edit(book.cycle_mode, lambda mode: f"mode {mode}: the squad is re-planned for it — u undo")

    def action_import_roster(self) -> None:
        """Import a roster file over this roster: the file is checked in the prompt (which stays open
        listing what is wrong), then replacing the players is confirmed (u still undoes it)."""
        if not self.planner.ready(self.action_import_roster):
            return
        book = self.planner.book
        catalog = self.planner.catalog
        assert book is not None and catalog is not None

        def read(path: str) -> tuple[str, dict]:
            from warclaw.rosterfile import read_roster_file

            return path, read_roster_file(Path(path).expanduser(), catalog)

        def chosen(answer: tuple[str, dict] | None) -> None:
            if not answer:
                return
            path, data = answer
            count = len(data.get("players", []))

            def replace(yes: bool | None) -> None:
                if yes:
                    self.planner.edit(partial(book.replace, data, f"import {Path(path).name}"),
                                      lambda _r: f"imported {count} players from {path} — u undo")
            self.app.push_screen(Confirm(f"Replace the {len(book.rows)} players of roster {clean(book.name)} "
                                         f"with the {count} of {clean(Path(path).name)}? (u undoes it)",
                                         "Replace"), replace)
        self.app.push_screen(PathPrompt("Import roster .toml or sign-up .csv (replaces the players)",
                                        str(self.wapp.export_dir / f"{book.name}.toml"), check=read), chosen)

    def action_export_roster(self) -> None:
        if not self.planner.ready(self.action_export_roster):
            return
        book = self.planner.book
        assert book is not None

        def chosen(path: str | None) -> None:
            if path:
                from warclaw.rosterfile import roster_text

                self.write_file(Path(path), roster_text(book.mapping(), Path(path)), "roster")
        self.app.push_screen(PathPrompt("Export roster to (.toml or .csv)",
                                        str(self.wapp.export_dir / f"{book.name}.toml")), chosen)

    def action_switch_roster(self) -> None:
        """The rosters of the database, to switch to one, or a new (empty) one."""
        if not self.planner.ready(self.action_switch_roster):
            return

        async def pick() -> None:
            rosters = await self.wapp.database.run(self.planner.roster_names)
            current = self.planner.roster_name
            options = [(n, f"{n}  {here}/{total} present" + ("  (open)" if n == current else ""))
                       for n, here, total in rosters]
            options.append(("\0new", "new roster…"))

            def chosen(name: str | None) -> None:
                if name == "\0new":
                    self.app.push_screen(PathPrompt("Name of the new roster", ""), opened)
                else:
                    opened(name)

            def opened(name: str | None) -> None:
                if name:
                    self.run_worker(self.planner.switch(name), group="engine", name="switch roster")
            self.app.push_screen(Choose("Open a roster", options), chosen)

        self.run_worker(pick(), group="load", name="rosters")

    # --- rendering --------------------------------------------------------------------------
    def refresh_view(self) -> None:
        if not self.is_mounted:
            return
        super().refresh_view()
        st = self.wapp.state
        book = self.planner.book
        rows = list(book.rows) if book else []
        moved = st.plan.moved if st.plan else set()
        here = sum(1 for r in rows if r.present)
        t = Text()
        t.append(f"Roster {clean(book.name) if book else '-'}", style="bold")
        t.append(f"  {here} present / {len(rows)}  mode {(book.mode if book else None) or 'zerg'}")
        if book and book.undo_stack:
            t.append(f"  undo: {clean(book.undo_stack[-1].what, 40)}", style="dim")
        if book is None:
            t.append("  loading the roster and the optimizer…", style="bold cyan")
        elif not rows:
            t.append("  empty: press a to add a player, i to import a roster TOML", style="bold yellow")
        self.query_one("#roster-title", Static).update(t)
        if self.sort.column in SORT_KEYS:
            rows.sort(key=SORT_KEYS[self.sort.column], reverse=self.sort.reverse)
        table = self.query_one("#players", DataTable)
        keep = table.cursor_row
        # The cursor stays on the player it was on (a sort or an edit elsewhere moves his row).
        kept_id = self.selected_player_id()
        self.sort.set_columns(table, COLUMNS)
        # Builds and locks in the shared short names (FB-sup); the Builds column takes the width left
        # and ends in an ellipsis when cut (Enter opens the player whole).
        cells = []
        for r in rows:
            cells.append((r, clean(_locks(r)), clean(", ".join(r.with_players), 18),
                          clean(", ".join(short_build(b) for b in r.builds))))
        head = {k: len(title) + (2 if k == self.sort.column else 0) for k, title in COLUMNS}  # "Cmd ▲"
        widths = [max([head["name"], *(len(clean(r.name)) for r in rows)]), max(6, head["here"]), head["cmd"],
                  max([head["locks"], *(len(c[1]) for c in cells)]), max([head["with"], *(len(c[2]) for c in cells)])]
        room = max(12, (self.size.width or 80) - sum(widths) - 2 * (len(widths) + 1) - 2)
        for r, locks, with_, builds in cells:
            style = "bold yellow" if r.name in moved else ("dim strike" if not r.present else "")
            b = Text(builds, style="dim" if not r.present else "")
            b.truncate(room, overflow="ellipsis")
            table.add_row(
                Text(clean(r.name), style=style),
                Text("yes", style="green") if r.present else Text("absent", style="red"),
                "★" if r.commander else "",
                Text(locks),
                Text(with_),
                b,
                key=str(r.id),
            )
        if rows:
            at = next((i for i, r in enumerate(rows) if r.id == kept_id), min(keep, len(rows) - 1))
            table.move_cursor(row=at)
