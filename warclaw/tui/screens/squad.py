"""Squad: parties (member, build), coverage heat map per party and capability, deficits, score."""

from __future__ import annotations

import math

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from warclaw.engine.abbrev import CAP3
from warclaw.tui.screens.base import WarclawScreen
from warclaw.tui.widgets import coverage_style

WIDE = 150  # from this width the party grid and heat map sit side by side


class SquadScreen(WarclawScreen):
    KEY = "squad"
    NEEDS_ENGINE = True
    SHOWS = frozenset({"plan", "roster"})
    BINDINGS = [
        Binding("o", "app.optimize", "Optimize", id="squad.optimize"),
        Binding("escape", "app.stop_solve", "Stop", show=False, id="squad.stop"),
        Binding("p", "lock_party", "Party lock", id="squad.lock_party"),
        Binding("b", "lock_build", "Build lock", id="squad.lock_build"),
        Binding("x", "app.export_plan", "Export", id="squad.export"),
        Binding("y", "app.copy_plan", "Copy", id="squad.copy"),
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

    def selected_name(self) -> str | None:
        table = self.query_one("#parties", DataTable)
        if not table.row_count:
            return None
        key = table.coordinate_to_cell_key(table.cursor_coordinate).row_key
        return key.value

    def action_lock_party(self) -> None:
        name = self.selected_name()
        if name:
            self.wapp.action_toggle_lock(name, "party")

    def action_lock_build(self) -> None:
        name = self.selected_name()
        if name:
            self.wapp.action_toggle_lock(name, "build")

    def refresh_view(self) -> None:
        if not self.is_mounted:
            return
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
            if self.wapp.book is None:
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

        book = self.wapp.book
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
                parties.add_row(str(g) if i == 0 else "", Text(name, style=style), build, " ".join(lock), key=name)
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
