"""Events: the live feed (captures, claims, upgrades, skirmish results), newest first, filterable."""

from __future__ import annotations

from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from warclaw.common import clean
from warclaw.matchup.names import guild_label
from warclaw.tui import data as d
from warclaw.tui.screens.base import WarclawScreen
from warclaw.tui.screens.maps import MAP_FILTERS, MAP_SHORT
from warclaw.tui.widgets import TEAM_STYLE

if TYPE_CHECKING:
    from warclaw.store.queries import EventView

KIND_FILTERS = [None, "captured", "claimed", "unclaimed", "upgraded", "skirmish_ended"]
# Every kind of event the store writes (warclaw.store.ingest; tests/tui check that none is missing).
KIND_LABEL = {"captured": "capture", "claimed": "claim", "unclaimed": "unclaim", "upgraded": "upgrade",
              "skirmish_ended": "skirmish", "match_reset": "new week"}
WHEN_WIDTH = 14  # "14:46:31    2s"


def describe(e: EventView) -> Text:
    name = clean(e.objective_name or e.objective_id or "")
    t = Text()
    if e.kind == "captured":
        t.append(name, style="bold")
        t.append(" taken by ")
        t.append(e.team or "?", style=TEAM_STYLE.get(e.team or "", ""))
        if e.prev_team:
            t.append(" from ")
            t.append(e.prev_team, style=TEAM_STYLE.get(e.prev_team, ""))
    elif e.kind == "claimed":
        t.append(guild_label(e.guild_name, e.guild_tag, failed=e.guild_fetched), style="bold")
        t.append(f" claimed {name}")
    elif e.kind == "unclaimed":
        t.append(name, style="bold")
        t.append(" unclaimed")
        if e.guild_name or e.guild_tag:
            t.append(f" (was {guild_label(e.guild_name, e.guild_tag, failed=e.guild_fetched)})")
    elif e.kind == "upgraded":
        t.append(name, style="bold")
        t.append(f" reached tier {e.detail.get('tier', '?')}")
    elif e.kind == "skirmish_ended":
        sc = e.detail.get("scores", {})
        t.append(f"skirmish {e.detail.get('skirmish', '?')} won by ")
        t.append(str(e.team or "?").title(), style=TEAM_STYLE.get(e.team or "", ""))
        if sc:
            t.append("  " + "/".join(str(sc.get(c, 0)) for c in ("red", "green", "blue")), style="dim")
    elif e.kind == "match_reset":
        t.append("a new week began: scores, VP and objectives start over")
    else:
        t.append(e.kind)
    return t


class EventsScreen(WarclawScreen):
    KEY = "events"
    SHOWS = frozenset({"events"})
    BINDINGS = [
        Binding("f", "cycle_kind", "Type", id="events.kind"),  # f: filter by type, on Maps too
        Binding("m", "cycle_map", "Map", id="events.map"),
        Binding("n", "older_events", "Older", id="events.older"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.kind_filter: str | None = None
        self.map_filter: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Static(id="events-title")
        yield DataTable(id="events", cursor_type="row", zebra_stripes=True)

    def on_mount(self) -> None:
        self.query_one("#events", DataTable).add_columns("When", "Kind", "Map", "What")

    def action_cycle_kind(self) -> None:
        self.kind_filter = KIND_FILTERS[(KIND_FILTERS.index(self.kind_filter) + 1) % len(KIND_FILTERS)]
        self.refresh_view()

    def action_cycle_map(self) -> None:
        self.map_filter = MAP_FILTERS[(MAP_FILTERS.index(self.map_filter) + 1) % len(MAP_FILTERS)]
        self.refresh_view()

    def action_older_events(self) -> None:
        st = self.wapp.state
        if len(st.events) < st.events_limit:
            self.notify("no older events: the whole match is loaded", timeout=2)
            return
        st.events_limit += d.EVENTS_PAGE
        self.run_worker(self.wapp.reload({"events"}), group="load", name="older events")

    def tick(self) -> None:
        self._ticks = getattr(self, "_ticks", 0) + 1
        if self._ticks % 10 == 0:  # the "ago" column
            self.refresh_view()

    def rows(self) -> list[EventView]:
        evs = self.wapp.state.events
        if self.kind_filter:
            evs = [e for e in evs if e.kind == self.kind_filter]
        if self.map_filter:
            evs = [e for e in evs if e.map_type == self.map_filter]
        return evs

    def refresh_view(self) -> None:
        if not self.is_mounted:
            return
        rows = self.rows()
        now = self.wapp.data_now()
        title = Text()
        loaded = self.wapp.state.events
        title.append(f"{len(rows)} events", style="bold")
        if len(loaded) >= self.wapp.state.events_limit:
            title.append(f" (newest {len(loaded)}; n: older)", style="dim")
        title.append(f"  kind: {KIND_LABEL.get(self.kind_filter or '', 'all')}"
                     f"  map: {MAP_SHORT.get(self.map_filter or '', 'all')}  newest first")
        if not d.daemon_alive(self.wapp.state.status):
            title.append("  STALE", style="bold black on yellow")
        self.query_one("#events-title", Static).update(title)
        table = self.query_one("#events", DataTable)
        table.clear()
        # What takes the width left and ends in an ellipsis when cut; Enter shows the event whole.
        kind_w = max((len(KIND_LABEL.get(e.kind, e.kind)) for e in rows), default=4)
        map_w = max((len(MAP_SHORT.get(e.map_type or "", e.map_type or "")) for e in rows), default=3)
        room = max(20, (self.size.width or 80) - WHEN_WIDTH - max(4, kind_w) - max(3, map_w) - 2 * 4 - 2)
        for e in rows:
            ago = d.age_text((now - e.occurred_at).total_seconds())
            what = describe(e)
            what.truncate(room, overflow="ellipsis")
            table.add_row(f"{e.occurred_at:%H:%M:%S} {ago:>5}", KIND_LABEL.get(e.kind, e.kind),
                          MAP_SHORT.get(e.map_type or "", e.map_type or ""), what, key=str(e.id))

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an event: its whole text (a long guild name cut in the table)."""
        shown = {str(e.id): e for e in self.rows()}
        e = shown.get(str(event.row_key.value))
        if e is not None:
            self.notify(describe(e).plain, title=f"{KIND_LABEL.get(e.kind, e.kind)} {e.occurred_at:%H:%M:%S}",
                        markup=False, timeout=8)
