"""F1: every key of the screen underneath, what it does, and the id to remap it by in the config."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen, Screen
from textual.widgets import DataTable, Label, Static

REMAP_HINT = ('Remap a key in the config file: [tui] keys = { "squad.optimize" = "O" } '
              "(binding id = key). Ctrl+P finds every action by name.")


def key_rows(screen: Screen, titles: dict[str, str] | None = None) -> list[tuple[str, str, str]]:
    """(key as shown, description, binding id) of every binding active on ``screen``, keymap applied;
    the focused widget's own keys (cursor movement...) come last, without an id. ``titles`` gives
    longer descriptions by binding id than the footer has room for."""
    titles = titles or {}
    app = screen.app
    ours: list[tuple[str, str, str]] = []
    widget: list[tuple[str, str, str]] = []
    for active in screen.active_bindings.values():  # one per key
        b = active.binding
        if not b.description:
            continue
        row = (app.get_key_display(b), titles.get(b.id or "", b.description), b.id or "")
        (ours if b.id else widget).append(row)
    # This screen's own keys first, then the screen switches, then the app's (each as declared).
    group = {"screen": 1, "app": 2}
    return sorted(ours, key=lambda r: group.get(r[2].split(".")[0], 0)) + widget


class HelpScreen(ModalScreen[None]):
    BINDINGS = [Binding("escape,f1,q", "dismiss", "Close", id="help.close")]

    def __init__(self, title: str, rows: list[tuple[str, str, str]]):
        super().__init__()
        self.title_text = title
        self.rows = rows

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Label(self.title_text, id="help-title")
            yield DataTable(id="help-keys", cursor_type="row", zebra_stripes=True)
            yield Static(REMAP_HINT, id="help-hint", markup=False)

    def on_mount(self) -> None:
        table = self.query_one("#help-keys", DataTable)
        table.add_columns("Key", "Does", "Id (to remap)")
        for key, does, binding_id in self.rows:
            table.add_row(key, does, binding_id)
        table.focus()
