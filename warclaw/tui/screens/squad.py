"""Squad: one line per party (member + build in each cell), the selected player's "why here",
the coverage heat map (behind `h`, or beside the parties on a wide terminal), deficits, score.

80×24 is the design size: ten parties of a 50-player squad fit with the panel and the deficits.
Cells are cut with an ellipsis; the panel below shows the selected player whole, and `t` shows
the whole plan as text.
"""

from __future__ import annotations

import math
import time
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING

from rich.text import Text
from textual import events, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import DataTable, Static

from warclaw.common import clean, mask_webhook_url, safe_line
from warclaw.engine.abbrev import CAP3
from warclaw.engine.abbrev import build as short_build
from warclaw.tui.messages import DiscordPosted
from warclaw.tui.screens.planning import ABSENT, OPTIMIZE, PlanningScreen
from warclaw.tui.widgets import Choose, ColumnSort, Confirm, PathPrompt, TextView, coverage_style

if TYPE_CHECKING:
    from warclaw.engine.solver import SolveResult
    from warclaw.store import Store

WIDE = 150  # from this width the party grid and heat map sit side by side
SPINNER = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
FREE = "·"  # an empty place in a party (a move target)
NO_WEBHOOK = ('no Discord webhook for the plan: in the config file (warclaw --config FILE tui) set [alerts] '
              'webhooks = { raid = "https://discord.com/api/webhooks/…" } and plan_webhook = "raid", then restart')


def short_names(names: list[str]) -> dict[str, str]:
    """Account names without their ``.1234`` where the rest is unique in the squad."""
    base = {n: n.rsplit(".", 1)[0] if "." in n else n for n in names}
    count: dict[str, int] = {}
    for b in base.values():
        count[b] = count.get(b, 0) + 1
    return {n: (b if count[b] == 1 and b else n) for n, b in base.items()}


class SquadScreen(PlanningScreen):
    KEY = "squad"
    BINDINGS = [
        OPTIMIZE,
        Binding("escape", "cancel", "Stop", id="squad.stop"),  # in the footer while a solve runs
        Binding("v", "move", "Move", id="squad.move"),
        Binding("p", "lock_party", "Lock", id="squad.lock_party"),
        Binding("b", "choose_build", "Build", id="squad.lock_build"),
        ABSENT,
        Binding("h", "toggle_heat", "Heat", id="squad.heat"),
        Binding("t", "details", "Text", id="squad.details"),
        Binding("w", "export_plan", "Export", id="squad.export"),
        Binding("y", "copy_plan", "Copy", id="squad.copy"),
        Binding("D", "post_discord", "Discord", id="squad.discord"),  # shift+d: d alone deletes on Roster
    ]

    def compose_body(self) -> ComposeResult:
        yield Static(id="squad-title")
        with Horizontal(id="squad-main"):
            yield DataTable(id="parties", cursor_type="cell", zebra_stripes=True, cell_padding=0)
            yield DataTable(id="heat", cursor_type="none", cell_padding=0)
        yield Static(id="why")
        yield Static(id="deficits")

    def on_mount(self) -> None:
        self._caps: tuple[str, ...] = ()
        # A click on a heat map column orders the parties by it, the weakest first (again: the
        # strongest first); the party grid follows the same order.
        self.heat_sort = ColumnSort()
        self._columns_for = 0
        self._cells: dict[tuple[int, int], str | None] = {}  # (row, column) -> player name (None: free place)
        self._party_of_row: list[int] = []
        self.picked: str | None = None  # the player being moved (v), until placed or cancelled
        self.heat_shown = False  # narrow terminals: the heat map replaces the parties while shown
        self._spinner = self.set_interval(0.1, self._spin, pause=True)

    def on_resize(self, event: events.Resize) -> None:
        self.set_class(event.size.width >= WIDE, "wide")
        self._layout()
        self.refresh_view()

    def _layout(self) -> None:
        wide = self.has_class("wide")
        self.query_one("#parties").display = wide or not self.heat_shown
        self.query_one("#heat").display = wide or self.heat_shown

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "cancel":
            return bool(self.wapp.state.solving or self.picked)
        return super().check_action(action, parameters)

    # --- selection --------------------------------------------------------------------------
    def selected_name(self) -> str | None:
        table = self.query_one("#parties", DataTable)
        if not table.row_count:
            return None
        return self._cells.get((table.cursor_row, table.cursor_column))

    def selected_party(self) -> int | None:
        table = self.query_one("#parties", DataTable)
        row = table.cursor_row
        return self._party_of_row[row] if 0 <= row < len(self._party_of_row) else None

    def grid(self) -> list[list[str | None]]:
        """The names shown, party by party (None: a free place)."""
        return [[self._cells.get((r, c)) for c in range(1, self._columns_for + 1)] for r in range(len(self._party_of_row))]

    def selected_player_id(self) -> int | None:
        name = self.selected_name()
        book = self.planner.book
        row = next((r for r in book.rows if r.name == name), None) if book and name else None
        return row.id if row else None

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        if event.data_table.id == "heat":
            self.heat_sort.click(str(event.column_key.value))
            self.refresh_view()

    def party_order(self, pv) -> list[int]:
        """The parties as the grid and the heat map list them: by number, or by the heat map's
        sorted column (ties by number)."""
        parties = sorted(pv.plan.parties())
        cov = pv.result.breakdown.coverage if pv.result.breakdown else {}
        col, rev = self.heat_sort.column, self.heat_sort.reverse
        if col == "party":
            return sorted(parties, reverse=rev)
        if col and all(col in cov.get(g, {}) for g in parties):
            return sorted(parties, key=lambda g: -cov[g][col] if rev else cov[g][col])
        return parties

    def on_data_table_cell_highlighted(self, _event: DataTable.CellHighlighted) -> None:
        self._show_why()

    def on_data_table_cell_selected(self, _event: DataTable.CellSelected) -> None:
        if self.picked:  # Enter places the player being moved, like v
            self.action_move()

    # --- actions ----------------------------------------------------------------------------
    def action_cancel(self) -> None:
        if self.picked:
            self.notify(f"move of {self.picked} cancelled", timeout=2)
            self.picked = None
            self.refresh_view()
            return
        self.action_stop_solve()

    def action_toggle_heat(self) -> None:
        """Show the heat map instead of the parties (narrow), or hide it beside them (wide)."""
        if self.has_class("wide"):
            heat = self.query_one("#heat", DataTable)
            heat.display = not heat.display
            return
        self.heat_shown = not self.heat_shown
        self._layout()

    def action_move(self) -> None:
        """v on a player picks him; v (or Enter) on another player swaps the two, on a free place
        (·) moves him there. Each placed player is locked to his new party (p clears it), and the
        rest of the squad is re-planned around the locks."""
        name, party = self.selected_name(), self.selected_party()
        book = self.planner.book
        pv = self.wapp.state.plan
        if book is None or pv is None or pv.plan is None or party is None:
            return
        if self.picked is None:
            if name is None:
                return
            self.picked = name
            self.refresh_view()
            self.notify(f"moving {name}: v on another player swaps them, on a free place · moves him; Esc cancels",
                        timeout=6)
            return
        picked, self.picked = self.picked, None
        if name == picked:
            self.refresh_view()
            return
        plan = pv.plan
        ids = {r.name: r.id for r in book.rows}
        moves = {ids[picked]: party}
        what = f"move {picked} to party {party}"
        if name is not None:
            moves[ids[name]] = plan.assignments[picked].party
            what = f"swap {picked} and {name}"
        self.planner.edit(partial(book.place, moves, what), lambda _r: f"{what} (locked; p unlocks) — u undo")

    def action_lock_party(self) -> None:
        """Lock the selected player to the party the plan gives him, or unlock him."""
        name = self.selected_name()
        pv = self.wapp.state.plan
        book = self.planner.book
        if not name or book is None or pv is None or pv.plan is None or name not in pv.plan.assignments:
            return
        row = next(r for r in book.rows if r.name == name)
        value = None if row.lock_party is not None else pv.plan.assignments[name].party
        msg = f"{name}: party {'unlocked' if value is None else f'locked to {value}'} — u undo"
        self.planner.edit(partial(book.set_fields, row.id, lock_party=value), lambda _n: msg)

    def action_choose_build(self) -> None:
        """Choose the selected player's build from his list: it becomes a lock until cleared."""
        name = self.selected_name()
        book = self.planner.book
        catalog = self.planner.catalog
        if not name or book is None or catalog is None:
            return
        row = next(r for r in book.rows if r.name == name)
        try:
            player = next(p for p in book.engine_roster().players if p.name == name)
        except (StopIteration, Exception):  # noqa: BLE001 - an unplannable roster: nothing to choose
            return
        current = self.wapp.state.plan.plan.assignments.get(name) if self.wapp.state.plan else None
        options = [(b, f"{short_build(b):<12} {b}" + ("  (now)" if current and current.build == b else ""))
                   for b, _rank in player.allowed]
        if row.lock_build:
            options.append(("", "free: let the optimizer choose (clears the lock)"))

        def chosen(build: str | None) -> None:
            if build is None:
                return
            msg = f"{name}: build {'free' if not build else f'locked to {build}'} — u undo"
            self.planner.edit(partial(book.set_fields, row.id, lock_build=build or None), lambda _n: msg)
        self.app.push_screen(Choose(f"Build for {name}", options), chosen)

    def action_details(self) -> None:
        """The whole plan as text: every name and build in full, every deficit."""
        text = self._plan_text()
        if text is not None:
            self.app.push_screen(TextView("The plan in full (Esc closes)", text))

    def _plan_text(self, discord: bool = False) -> str | None:
        text = self.planner.plan_text(discord=discord)
        if text is None:
            self.notify("no plan yet: press o", severity="warning")
        return text

    def action_export_plan(self) -> None:
        text = self._plan_text(discord=True)
        if text is None:
            return

        def chosen(path: str | None) -> None:
            if path:
                self.write_file(Path(path), text, "plan")
        self.app.push_screen(PathPrompt("Export plan (text for Discord) to",
                                        str(self.wapp.export_dir / f"squad-{self.planner.roster_name}.txt")), chosen)

    def action_copy_plan(self) -> None:
        """Copy by OSC 52, the only way through SSH and tmux. A terminal never answers it, so the
        notice says what was sent and what to do if nothing arrived, not that it was copied."""
        text = self._plan_text(discord=True)
        if text is None:
            return
        self.app.copy_to_clipboard(text)
        blocks = text.count("```") // 2
        self.notify(f"plan sent to the terminal's clipboard by OSC 52 ({blocks} Discord message"
                    f"{'s' if blocks != 1 else ''}, {len(text)} characters). Terminals that do not take OSC 52 "
                    "(or tmux without set-clipboard on) copy nothing: w writes it to a file instead.", timeout=8)

    def action_post_discord(self) -> None:
        """Post the plan to the config's Discord webhook (``alerts.plan_webhook``), asked once a
        session; posting again after a re-plan edits those messages instead of adding new ones."""
        st = self.wapp.state
        pv = st.plan
        if pv is None or pv.plan is None:
            self.notify("no plan yet: press o", severity="warning")
            return
        if st.solving:
            self.notify("a solve is running: post its plan when it ends (Esc stops it)", severity="warning")
            return
        if any(w.group == "discord" and w.is_running for w in self.app.workers):
            self.notify("still posting the plan to Discord…", timeout=3)
            return
        from warclaw.discord.post import webhook_url
        from warclaw.engine.discord_text import plan_messages

        alerts = self.wapp.alerts
        try:
            if alerts is None:
                raise ValueError("no config")
            url = webhook_url(alerts, None)
        except ValueError:
            st.discord_note = NO_WEBHOOK
            self.notify(NO_WEBHOOK, title="Discord", severity="warning", timeout=12)
            return
        book = self.planner.book
        assert book is not None and alerts is not None
        result, cmd, store, username = pv.result, self.planner.commanders(), book.store, alerts.username
        count = len(plan_messages(result, cmd))
        name, masked = clean(alerts.plan_webhook), mask_webhook_url(url)
        where = f"{name} (…{masked[masked.find('/webhooks/'):]})"  # the id tells webhooks apart; the token masked

        def answered(yes: bool | None) -> None:
            if yes:
                st.discord_confirmed = True
                self.notify(f"posting the plan to Discord {name}…", timeout=3)
                self._post_to_discord(result, cmd, url, f"roster:{book.name}", store, username, name)
        if st.discord_confirmed:
            answered(True)
        else:
            self.app.push_screen(Confirm(f"Post the plan ({count} message{'s' if count != 1 else ''}) to the Discord "
                                         f"webhook {where}? Posting again after a re-plan edits these messages.",
                                         "Post"), answered)

    @work(thread=True, group="discord", exclusive=True, name="post to Discord")
    def _post_to_discord(self, result: SolveResult, commanders: set[str], url: str, plan_key: str, store: Store,
                         username: str, name: str) -> None:
        """In a thread (post_plan blocks on HTTP and the database); the answer goes to the app as a
        message: one line, the URL masked, whatever went wrong."""
        from warclaw.discord.post import post_plan
        from warclaw.discord.webhook import WebhookError

        try:
            out = post_plan(result, commanders, url, plan_key=plan_key, store=store, username=username)
        except WebhookError as e:  # its message names the webhook, masked
            self.app.post_message(DiscordPosted(f"plan not posted to Discord: {safe_line(e)}", ok=False))
            return
        except Exception as e:  # noqa: BLE001 - any failure is one line on screen, never a traceback
            self.app.post_message(DiscordPosted(f"plan not posted to Discord {name}: {safe_line(e)}", ok=False))
            return
        what = ", ".join(f"{n} {w}" for n, w in ((out.edited, "edited"), (out.posted, "new"),
                                                 (out.deleted, "deleted")) if n)
        n = len(out.message_ids)
        note = f"posted {n} message{'s' if n != 1 else ''} to Discord {name} ({what})"
        self.app.post_message(DiscordPosted("; ".join([note, *out.notes]), ok=True))

    def command_applies(self, binding_id: str) -> bool:
        has_plan = bool(self.wapp.state.plan and self.wapp.state.plan.plan)
        if binding_id in ("squad.export", "squad.copy", "squad.lock_party", "squad.lock_build", "squad.move",
                          "squad.details", "squad.discord"):
            return has_plan
        if binding_id == "squad.stop":
            return bool(self.wapp.state.solving or self.picked)
        return super().command_applies(binding_id)

    # --- rendering --------------------------------------------------------------------------
    def _spin(self) -> None:
        if self.wapp.state.solving and self.is_current:
            self.query_one("#squad-title", Static).update(self._title())
        else:
            self._spinner.pause()

    def _title(self) -> Text:
        st = self.wapp.state
        pv = st.plan
        t = Text(no_wrap=True, overflow="ellipsis")
        if st.solving:
            elapsed = time.perf_counter() - st.solve_started_at
            frame = SPINNER[int(elapsed * 10) % len(SPINNER)]
            t.append(f"{frame} {st.solving} {elapsed:4.1f}s/{st.solve_limit:g}s ", style="bold cyan")
            t.append("Esc stops ", style="dim")
        if pv is None or pv.plan is None:
            if not st.solving:
                t.append("No plan yet: press ")
                t.append("o", style="bold reverse")
                t.append(" to optimize the present players of the roster.")
            return t
        r = pv.result
        sb = r.breakdown
        t.append(f"Score {r.score:.2f}", style="bold")
        if sb is not None and sb.change:
            t.append(f" (plan {r.score + sb.change:.2f} − change {sb.change:.2f})")
        if math.isfinite(r.bound):
            t.append(f" bound {r.bound:.2f}")
        if r.status == "optimal" and not st.solving:
            t.append(" proven optimal", style="bold green")
        elif math.isfinite(r.bound):
            t.append(f" gap {pv.gap:.2%}", style="yellow")
        if pv.moved:
            t.append(f" moved {len(pv.moved)}", style="bold black on yellow")
        t.append(f" · {len(r.plan.assignments)} players, {len(r.plan.parties())} parties, {r.mode}")
        if not st.solving and r.solve_seconds:
            t.append(f", {r.solve_seconds:.1f}s", style="dim")
        return t

    def refresh_view(self) -> None:
        if not self.is_mounted:
            return
        super().refresh_view()
        st = self.wapp.state
        if st.solving:
            self._spinner.resume()
        self.query_one("#squad-title", Static).update(self._title())
        pv = st.plan
        deficits = self.query_one("#deficits", Static)
        if self.planner.book is None:
            self.query_one("#squad-title", Static).update(Text("Loading the roster and the optimizer…",
                                                               style="bold cyan"))
        if pv is None or pv.plan is None:
            self.query_one("#parties", DataTable).clear(columns=True)
            self.query_one("#heat", DataTable).clear()
            self._cells, self._party_of_row, self._columns_for = {}, [], 0
            why = Text()
            if pv is not None and pv.result.reason:
                why.append(f"No plan: {clean(pv.result.reason)}", style="bold red")
            self.query_one("#why", Static).update(why)
            deficits.update(Text(clean(st.roster_error or ""), style="bold red"))
            return
        self._parties(pv)
        self._heat(pv)
        self._show_why()
        d = Text(no_wrap=True, overflow="ellipsis")
        if st.roster_error:  # the roster as it is now has no plan: the one shown is the last good one
            d.append(f"Last good plan kept: {clean(st.roster_error)}", style="bold red")
        elif pv.result.breakdown and pv.result.breakdown.deficits:
            lines = pv.result.breakdown.deficits
            d.append(f"Deficits ({len(lines)}, t shows all): ", style="bold")
            d.append("; ".join(clean(x) for x in lines))
        else:
            d.append("No deficits.", style="green")
        deficits.update(d)

    def _parties(self, pv) -> None:
        table = self.query_one("#parties", DataTable)
        parties = pv.plan.parties()
        book = self.planner.book
        rows = {r.name: r for r in (book.rows if book else [])}
        catalog = self.planner.catalog
        size = catalog.mode(pv.result.mode).party_size if catalog and pv.result.mode in catalog.modes else 5
        size = max([size, *map(len, parties.values())])
        keep = (table.cursor_row, table.cursor_column)
        kept_party = self._party_of_row[keep[0]] if 0 <= keep[0] < len(self._party_of_row) else None
        if size != self._columns_for:
            table.clear(columns=True)
            table.add_column(" P", key="party")
            for i in range(1, size + 1):
                table.add_column(str(i), key=f"m{i}")
            self._columns_for = size
        else:
            table.clear()
        # Cells share the width left after the party column and the cell padding (2 each).
        width = self.size.width or 80
        if self.has_class("wide"):  # the heat map takes its columns' width beside the parties
            width -= 4 + 4 * len(self._caps) + 4 + (2 if self.heat_sort.column else 0)  # + "▲"
        cell = max(8, (width - 4 - 2) // size - 1)  # one space before each cell (no cell padding)
        short = short_names(list(pv.plan.assignments))
        self._cells, self._party_of_row = {}, []
        commanders = {n for n, r in rows.items() if r.commander}
        order = self.party_order(pv)
        for row_i, g in enumerate(order):
            members = sorted(parties[g], key=lambda m: m[0] not in commanders)
            texts: list[Text] = []
            for col, (name, build) in enumerate(members, 1):
                r = rows.get(name)
                mark = ("★" if name in commanders else "") + ("⚓" if r and r.lock_party is not None else "") + (
                    "≡" if r and r.lock_build else "")
                style = ("bold reverse" if name == self.picked else
                         "bold black on yellow" if name in pv.moved else "bold" if name in commanders else "")
                t = Text(f" {mark}{clean(short[name])} ", style=style)
                t.append(short_build(build), style="dim" if not style else style)
                t.truncate(cell + 1, overflow="ellipsis")
                texts.append(t)
                self._cells[(row_i, col)] = name
            for col in range(len(members) + 1, size + 1):
                texts.append(Text(f" {FREE}", style="dim"))
                self._cells[(row_i, col)] = None
            self._party_of_row.append(g)
            table.add_row(Text(f"{g:>3}", style="bold"), *texts, key=str(g))
        if table.row_count:  # the cursor stays on its party when the order changes
            row = order.index(kept_party) if kept_party in order else min(keep[0], table.row_count - 1)
            table.move_cursor(row=row, column=max(1, min(keep[1], size)))

    def _heat(self, pv) -> None:
        heat = self.query_one("#heat", DataTable)
        cov = pv.result.breakdown.coverage if pv.result.breakdown else {}
        caps = tuple(next(iter(cov.values())).keys()) if cov else ()
        self.heat_sort.set_columns(heat, [("party", " P "), *((k, f"{CAP3.get(k, k[:3]):>4}") for k in caps)])
        self._caps = caps
        for g in self.party_order(pv):
            if g not in cov:
                continue
            c = cov[g]
            heat.add_row(f" {g} ", *[Text(f"{round(c[k] * 100):>4}", style=coverage_style(c[k])) for k in caps],
                         key=str(g))

    def _show_why(self) -> None:
        why = self.query_one("#why", Static)
        pv = self.wapp.state.plan
        name = self.selected_name()
        catalog = self.planner.catalog
        if pv is None or pv.plan is None or catalog is None:
            why.update("")
            return
        t = Text(no_wrap=True, overflow="ellipsis")
        if name is None:
            party = self.selected_party()
            t.append(f"A free place in party {party}", style="bold")
            t.append(": v here moves the player being moved into it." if self.picked else
                     ": pick a player with v, then v here moves him into it.")
            why.update(t)
            return
        from warclaw.tui.why import why_here

        w = why_here(pv.plan, catalog, catalog.mode(pv.result.mode), name)
        row = next((r for r in (self.planner.book.rows if self.planner.book else []) if r.name == name), None)
        t.append(clean(name), style="bold")
        a = pv.plan.assignments[name]
        t.append(f"  party {a.party}  {clean(a.build)}")
        if row is not None:
            locks = ([f"party locked {row.lock_party}"] if row.lock_party is not None else []) + (
                [f"build locked {clean(row.lock_build)}"] if row.lock_build else [])
            if row.commander:
                t.append("  ★ commander", style="bold")
            if locks:
                t.append("  ⚓ " + ", ".join(locks), style="yellow")
        if name in pv.moved:
            t.append("  moved", style="bold black on yellow")
        for line in (w.lines() if w else []):
            t.append("\n" + clean(line))
        why.update(t)
