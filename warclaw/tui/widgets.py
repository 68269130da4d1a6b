"""Small widgets: the screen tabs, the status bar, the player form and a path prompt."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Checkbox, DataTable, Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from warclaw.common import clean

SCREENS = [("matchup", "Matchup"), ("maps", "Maps"), ("events", "Events"), ("roster", "Roster"), ("squad", "Squad")]
# The teams' colours (warclaw.common.COLORS), one shade for text, tables and the score chart.
TEAM_COLOR = {"red": "#ff6b6b", "green": "#69db7c", "blue": "#74c0fc"}
TEAM_STYLE = {**{c: f"bold {hex_}" for c, hex_ in TEAM_COLOR.items()},
              **{c.title(): hex_ for c, hex_ in TEAM_COLOR.items()}, "Neutral": "#adb5bd"}


HELP_BINDING = Binding("f1", "help", "Keys", show=False, id="app.help")


def effective_key(app: Any, binding: Binding) -> str:
    """The key(s) of ``binding`` after the config's remapping (``app.keymap``, by binding id)."""
    keymap = getattr(app, "keymap", {})
    return keymap.get(binding.id, binding.key) if binding.id else binding.key


class NavBar(Static):
    """The screens and their keys, the current one highlighted (one line)."""

    def __init__(self, current: str, **kw: Any):
        super().__init__(**kw)
        self.current = current

    def render(self) -> Text:
        t = Text()
        for i, (key, title) in enumerate(SCREENS, 1):
            style = "bold reverse" if key == self.current else "dim"
            t.append(f" {i} {title} ", style=style)
            t.append(" ")
        # The way to every other key, where the footer cannot run out of room for it.
        key = Binding(effective_key(self.app, HELP_BINDING).split(",")[0], "help")
        hint = f"^p palette  {self.app.get_key_display(key)} keys "
        room = self.size.width - t.cell_len - len(hint)
        if room > 0:
            t.append(" " * room)
            t.append(hint, style="dim")
        return t

    def on_click(self, event: Any) -> None:
        key = tab_at(event.x)
        if key is not None:
            self.app.call_later(self.app.run_action, f"show('{key}')")


class KeyBar(Static):
    """The footer: every shown key of the screen, on as many lines as it takes (two at 80 columns
    on the busiest screens), so no key is cut off the edge. A click on a key runs it."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, lambda _screen: self.refresh(layout=True))

    def items(self) -> list[tuple[str, str, Any]]:
        out, seen = [], set()
        # The screen's own keys first, then the app's (quit last).
        for active in sorted(self.screen.active_bindings.values(), key=lambda a: a.node is self.app):
            b = active.binding
            if not b.show or not b.description or b.action in seen:
                continue
            seen.add(b.action)
            out.append((self.app.get_key_display(b), b.description, active))
        return out

    def lines(self, width: int) -> list[list[tuple[int, str, str, Any]]]:
        lines: list[list[tuple[int, str, str, Any]]] = [[]]
        x = 0
        for key, label, active in self.items():
            cell = len(key) + 1 + len(label)
            if x and x + 2 + cell > width:
                lines.append([])
                x = 0
            start = x + (2 if x else 0)
            lines[-1].append((start, key, label, active))
            x = start + cell
        return lines

    def render(self) -> Text:
        t = Text(no_wrap=True, overflow="ellipsis")
        for i, line in enumerate(self.lines(self.size.width or 80)):
            if i:
                t.append("\n")
            x = 0
            for start, key, label, active in line:
                t.append(" " * (start - x))
                t.append(key, style="bold reverse" if active.enabled else "dim reverse")
                t.append(" " + label, style="" if active.enabled else "dim")
                x = start + len(key) + 1 + len(label)
        return t

    def get_content_height(self, container: Any, viewport: Any, width: int) -> int:
        return len(self.lines(width))

    def on_click(self, event: Any) -> None:
        lines = self.lines(self.size.width or 80)
        if not 0 <= event.y < len(lines):
            return
        for start, key, label, active in lines[event.y]:
            if start <= event.x < start + len(key) + 1 + len(label) and active.enabled:
                self.app.call_later(self.app.run_action, active.binding.action, active.node)
                return


def tab_at(x: int) -> str | None:
    """The screen whose tab is at column ``x`` of the tab line (as NavBar draws it)."""
    start = 0
    for i, (key, title) in enumerate(SCREENS, 1):
        width = len(f" {i} {title} ")
        if start <= x < start + width:
            return key
        start += width + 1
    return None


@dataclass
class ColumnSort:
    """A table sorted by a clicked column header: a click sorts by that column, a second click on
    it reverses; the header shows which (▲ ascending, ▼ descending)."""

    column: str | None = None
    reverse: bool = False
    # The columns and marks last made (each ColumnSort serves one table).
    _shown: tuple | None = dataclasses.field(default=None, repr=False, compare=False)

    def click(self, column: str) -> None:
        if column == self.column:
            self.reverse = not self.reverse
        else:
            self.column, self.reverse = column, False

    def label(self, key: str, title: str) -> Text:
        """A column's header: its title, with ▲/▼ when the table is sorted by it."""
        label = Text(title)
        if key == self.column:
            label.append(" ▼" if self.reverse else " ▲", style="bold")
        return label

    def set_columns(self, table: DataTable, columns: Sequence[tuple[str, str]],
                    widths: Mapping[str, int] | None = None) -> None:
        """Empty ``table`` for new rows, its columns (key, title) each with the sorted one marked,
        at ``widths`` (by key) where given, else as wide as their cells.

        The columns are made again only when the marks or widths change: a table whose columns are
        made anew on every redraw shows them at their titles' width until Textual next measures the
        rows (a snapshot or a glance can catch "Aeli" for Aelin.1234)."""
        widths = widths or {}
        shown = (tuple(columns), self.column, self.reverse, tuple(sorted(widths.items())))
        if self._shown == shown and len(table.columns) == len(columns):
            table.clear()
            return
        self._shown = shown
        table.clear(columns=True)
        for key, title in columns:
            table.add_column(self.label(key, title), key=key, width=widths.get(key))


class StatusBar(Static):
    """Daemon heartbeat age, when the data last changed, the last poll error (one line)."""


def flow(parts: Sequence[Text], width: int, gap: str = "  ") -> Text:
    """``parts`` side by side with ``gap`` between, a new line where the next would not fit in
    ``width``: a part is never cut or broken inside (a title line's facts stay whole at 80 columns)."""
    out = Text()
    used = 0
    for part in parts:
        if not part.cell_len:
            continue
        if used and used + len(gap) + part.cell_len > width:
            out.append("\n")
            used = 0
        elif used:
            out.append(gap)
            used += len(gap)
        out.append_text(part)
        used += part.cell_len
    return out


def coverage_style(value: float) -> str:
    """A heat-map background: red (0) through amber to green (covered)."""
    if value >= 0.999:
        return "black on #2f9e44"
    if value >= 0.75:
        return "black on #94d82d"
    if value >= 0.5:
        return "black on #fab005"
    if value > 0:
        return "black on #fd7e14"
    return "white on #c92a2a"


def split_list(text: str) -> list[str]:
    return [p.strip() for p in text.replace(";", ",").split(",") if p.strip()]


class PlayerForm(ModalScreen[dict | None]):
    """Add or edit one player: every field on one line, Enter saves, Escape cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="form.cancel"),
                Binding("ctrl+s", "save", "Save", id="form.save")]

    def __init__(self, title: str, player: dict[str, Any] | None,
                 check: Callable[[dict[str, Any]], dict[str, Any]]):
        super().__init__()
        self.title_text = title
        self.player = player or {}
        self.check = check

    def compose(self) -> ComposeResult:
        p = self.player
        with Vertical(id="form"):
            yield Label(Text(clean(self.title_text)), id="form-title")
            fields = [
                ("name", "Name", p.get("name", ""), "Account.1234"),
                ("builds", "Builds", ", ".join(p.get("builds", [])), "firebrand, scrapper-heal (preferred first)"),
                ("lock_party", "Lock party", str(p.get("lock_party") or ""), "party number, empty = free"),
                ("lock_build", "Lock build", p.get("lock_build") or "", "one of the builds, empty = free"),
                ("with", "With", ", ".join(p.get("with", [])), "players who share the party"),
            ]
            for key, label, value, hint in fields:
                with Horizontal(classes="form-row"):
                    yield Label(label, classes="form-label")
                    yield Input(value, placeholder=hint, id=f"f-{key}", compact=True)
            with Horizontal(classes="form-row"):
                yield Checkbox("Commander", bool(p.get("commander")), id="f-commander", compact=True)
                yield Checkbox("Present", bool(p.get("present", True)), id="f-present", compact=True)
            yield Label("", id="form-error")
            yield Label("Enter/ctrl+s save · Esc cancel · Tab next field", id="form-help")

    def values(self) -> dict[str, Any]:
        def val(key: str) -> str:
            return self.query_one(f"#f-{key}", Input).value.strip()

        d: dict[str, Any] = {"name": val("name"), "builds": split_list(val("builds"))}
        lp = val("lock_party")
        if lp:
            d["lock_party"] = int(lp) if lp.isdigit() else lp
        if val("lock_build"):
            d["lock_build"] = val("lock_build")
        if val("with"):
            d["with"] = split_list(val("with"))
        d["commander"] = self.query_one("#f-commander", Checkbox).value
        d["present"] = self.query_one("#f-present", Checkbox).value
        return d

    def on_input_submitted(self) -> None:
        self.action_save()

    def action_save(self) -> None:
        for field in self.query(".form-row Input"):
            field.remove_class("invalid")
        try:
            d = self.check(self.values())
        except Exception as e:  # noqa: BLE001 - any validation failure is shown in the form
            self.query_one("#form-error", Label).update(Text(str(e), style="bold red"))
            field_id = getattr(e, "field", None)  # EditError names the field at fault: mark and focus it
            if field_id:
                for w in self.query(f"#f-{field_id}"):
                    w.add_class("invalid")
                    w.focus()
            return
        self.dismiss(d)

    def action_cancel(self) -> None:
        self.dismiss(None)


class PathPrompt(ModalScreen[Any]):
    """Ask for one line: a file path (import/export) with a default, or a secret. With ``check``,
    the answer is ``check(line)``; when that raises, its message (every line of it) is shown and the
    prompt stays open for a corrected path."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="prompt.cancel")]

    def __init__(self, title: str, default: str, *, password: bool = False,
                 check: Callable[[str], Any] | None = None):
        super().__init__()
        self.title_text = title
        self.default = default
        self.password = password  # secrets (API keys) are never shown on screen
        self.check = check

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(Text(clean(self.title_text)), id="form-title")
            yield Input(self.default, id="f-path", compact=True, password=self.password)
            yield Static("", id="form-error")
            yield Label("Enter accept · Esc cancel", id="form-help")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        value = event.value.strip() or None
        if value is None or self.check is None:
            self.dismiss(value)
            return
        try:
            result = self.check(value)
        except Exception as e:  # noqa: BLE001 - shown in the prompt, which stays open
            self.query_one("#form-error", Static).update(Text(str(e), style="bold red"))
            return
        self.dismiss(result)

    def action_cancel(self) -> None:
        self.dismiss(None)


class Confirm(ModalScreen[bool]):
    """One question for what cannot be undone in one step: y (or Enter) does it, n/Esc does not."""

    BINDINGS = [Binding("y,enter", "answer(True)", "Yes", id="confirm.yes"),
                Binding("n,escape", "answer(False)", "No", id="confirm.no")]

    def __init__(self, question: str, yes: str = "Yes"):
        super().__init__()
        self.question = question
        self.yes = yes

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(Text(clean(self.question)), id="form-title")
            yield Label(f"y/Enter {self.yes} · n/Esc cancel", id="form-help")

    def action_answer(self, yes: bool) -> None:
        self.dismiss(yes)


class Choose(ModalScreen[str | None]):
    """Pick one of a few options (a player's builds): Enter chooses, Esc cancels."""

    BINDINGS = [Binding("escape", "cancel", "Cancel", id="choose.cancel")]

    def __init__(self, title: str, options: list[tuple[str, str]]):
        super().__init__()
        self.title_text = title
        self.options = options  # (value, label)

    def compose(self) -> ComposeResult:
        with Vertical(id="form"):
            yield Label(Text(clean(self.title_text)), id="form-title")
            yield OptionList(*[Option(Text(clean(label)), id=str(i)) for i, (_v, label) in enumerate(self.options)],
                             id="choices")
            yield Label("Enter choose · Esc cancel", id="form-help")

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.options[int(event.option.id or 0)][0])

    def action_cancel(self) -> None:
        self.dismiss(None)


class TextView(ModalScreen[None]):
    """A long text shown whole, scrollable (the plan in full, every deficit): Esc closes."""

    BINDINGS = [Binding("escape,q,t", "dismiss", "Close", id="text.close")]

    def __init__(self, title: str, text: str):
        super().__init__()
        self.title_text = title
        self.text = text

    def compose(self) -> ComposeResult:
        from textual.containers import VerticalScroll

        with Vertical(id="help"):
            yield Label(Text(clean(self.title_text)), id="help-title")
            with VerticalScroll(id="text-body"):
                yield Static(Text("\n".join(clean(line) for line in self.text.splitlines())), id="text")

    def on_mount(self) -> None:
        self.query_one("#text-body").focus()
