"""Squad: parties (member, build), coverage heat map per party and capability, deficits, score."""

from __future__ import annotations

import math
from functools import partial
from pathlib import Path

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from warclaw.common import clean
from warclaw.engine.abbrev import CAP3
from warclaw.tui.screens.planning import PlanningScreen
from warclaw.tui.widgets import PathPrompt, coverage_style

WIDE = 150  # from this width the party grid and heat map sit side by side


class SquadScreen(PlanningScreen):
    KEY = "squad"
    BINDINGS = [
        Binding("o", "optimize", "Optimize", id="squad.optimize"),
        Binding("escape", "stop_solve", "Stop", id="squad.stop"),  # in the footer while a solve runs
        Binding("p", "lock_party", "Party lock", id="squad.lock_party"),
        Binding("b", "lock_build", "Build lock", id="squad.lock_build"),
        Binding("x", "toggle_present", "Absent", id="squad.absent"),
        Binding("w", "export_plan", "Export", id="squad.export"),
        Binding("y", "copy_plan", "Copy", id="squad.copy"),
        Binding("h", "toggle_heat", "Heat", id="squad.heat"),
    ]

    def compose_body(self) -> ComposeResult:
        yield Static(id="squad-title")
        with Horizontal(id="squad-main"):
            yield DataTable(id="parties", cursor_type="row")
            yield DataTable(id="heat", cursor_type="none", cell_padding=0)
        yield Static(id="deficits")

    def on_mount(self) -> None:
        self.query_one("#parties", DataTable).add_columns("Pty", "Member", "Build", "Lock")
        self._caps: tuple[str, ...] = ()

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE, "wide")

    def action_toggle_heat(self) -> None:
        """Hide or show the heat map (more room for the party grid on small terminals)."""
        heat = self.query_one("#heat", DataTable)
        heat.display = not heat.display

    def selected_player_id(self) -> int | None:
        name = self.selected_name()
        book = self.planner.book
        row = next((r for r in book.rows if r.name == name), None) if book and name else None
        return row.id if row else None

    def selected_name(self) -> str | None:
        table = self.query_one("#parties", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return key.value

    def action_lock_party(self) -> None:
        self._toggle_lock("party")

    def action_lock_build(self) -> None:
        self._toggle_lock("build")

    def _toggle_lock(self, what: str) -> None:
        """Lock the selected player to the party (or build) the plan gives him, or unlock it."""
        name = self.selected_name()
        pv = self.wapp.state.plan
        book = self.planner.book
        if not name or book is None:
            return
        row = next((r for r in book.rows if r.name == name), None)
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
        self.planner.edit(partial(book.set_fields, row.id, **change), lambda _n: f"{msg} — u undo")

    def _plan_text(self) -> str | None:
        text = self.planner.plan_text()
        if text is None:
            self.notify("no plan yet: press o on the Squad screen", severity="warning")
        return text

    def action_export_plan(self) -> None:
        text = self._plan_text()
        if text is None:
            return

        def chosen(path: str | None) -> None:
            if path:
                self.write_file(Path(path), text + "\n", "plan")
        self.app.push_screen(PathPrompt("Export plan (text for Discord) to",
                                        str(self.wapp.export_dir / f"squad-{self.planner.roster_name}.txt")), chosen)

    def action_copy_plan(self) -> None:
        text = self._plan_text()
        if text is not None:
            self.app.copy_to_clipboard(text)
            self.notify(f"plan copied to the clipboard ({len(text.splitlines())} lines, OSC 52)", timeout=3)

    def command_applies(self, binding_id: str) -> bool:
        has_plan = bool(self.wapp.state.plan and self.wapp.state.plan.plan)
        if binding_id in ("squad.export", "squad.copy", "squad.lock_party", "squad.lock_build"):
            return has_plan
        if binding_id == "squad.stop":
            return bool(self.wapp.state.solving)
        return super().command_applies(binding_id)

    def refresh_view(self) -> None:
        if not self.is_mounted:
            return
        super().refresh_view()
        st = self.wapp.state
        pv = st.plan
        title = self.query_one("#squad-title", Static)
        parties = self.query_one("#parties", DataTable)
        heat = self.query_one("#heat", DataTable)
        deficits = self.query_one("#deficits", Static)
        keep = parties.cursor_row
        parties.clear()
        heat.clear()
        if pv is None or pv.plan is None:
            t = Text()
            if self.planner.book is None:
                t.append("Loading the roster and the optimizer…", style="bold cyan")
            elif pv is not None and pv.result.reason:
                t.append(f"No plan: {pv.result.reason}", style="bold red")
            elif st.solving:
                t.append("Optimizing…", style="bold")
            else:
                t.append("No plan yet: press ", style="")
                t.append("o", style="bold reverse")
                t.append(" to optimize the present players of the roster.")
            title.update(t)
            deficits.update(st.roster_error or "")
            return
        r = pv.result
        t = Text()
        t.append(f"Score {r.score:.2f}", style="bold")
        if math.isfinite(r.bound):
            t.append(f" / bound {r.bound:.2f}")
        if r.status == "optimal" and not st.solving:
            t.append("  proven optimal", style="bold green")
        elif math.isfinite(r.bound):
            t.append(f"  gap {pv.gap:.2%}", style="yellow")
        else:
            t.append("  bound pending", style="yellow")
        if pv.moved:
            t.append(f"  moved {len(pv.moved)}", style="bold black on yellow")
        if st.solving:
            t.append(f"  {st.solving}…", style="bold cyan")
        elif r.solve_seconds:
            t.append(f"  {r.solve_seconds:.2f}s", style="dim")
        t.append(f"  {len(r.plan.assignments)} players, {len(r.plan.parties())} parties, {r.mode}")
        title.update(t)

        book = self.planner.book
        locks = {row.name: row for row in (book.rows if book else [])}
        for g, members in r.plan.parties().items():
            for i, (name, build) in enumerate(members):
                row = locks.get(name)
                lock = []
                if row and row.lock_party is not None:
                    lock.append(f"P{row.lock_party}")
                if row and row.lock_build:
                    lock.append("B")
                style = "bold black on yellow" if name in pv.moved else ("bold" if row and row.commander else "")
                parties.add_row(str(g) if i == 0 else "", Text(clean(name), style=style), Text(build), " ".join(lock),
                                key=name)
        if parties.row_count:
            parties.move_cursor(row=min(keep, parties.row_count - 1))

        cov = r.breakdown.coverage if r.breakdown else {}
        caps = tuple(next(iter(cov.values())).keys()) if cov else ()
        if caps != self._caps:
            heat.clear(columns=True)
            heat.add_column(" P ", key="party")
            for k in caps:
                heat.add_column(f"{CAP3.get(k, k[:3]):>4}", key=k)
            self._caps = caps
        for g, c in cov.items():
            heat.add_row(f" {g} ", *[Text(f"{round(c[k] * 100):>4}", style=coverage_style(c[k])) for k in caps],
                         key=str(g))
        lines = r.breakdown.deficits if r.breakdown else []
        d = Text()
        if lines:
            d.append("Deficits: ", style="bold")
            d.append("; ".join(lines))
        else:
            d.append("No deficits.", style="green")
        deficits.update(d)
