"""Maps: every objective with owner, guild, tier, time held and capture protection left."""

from __future__ import annotations

from datetime import timedelta
from typing import TYPE_CHECKING

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.widgets import DataTable, Static

from warclaw.common import clean
from warclaw.matchup.names import MAP_SHORT, guild_label, map_name
from warclaw.matchup.rules import has_tiers
from warclaw.tui import data as d
from warclaw.tui.screens.base import WarclawScreen
from warclaw.tui.widgets import TEAM_STYLE, ColumnSort

if TYPE_CHECKING:
    from warclaw.store.queries import ObjectiveView

MAP_FILTERS = [None, "Center", "RedHome", "BlueHome", "GreenHome"]
TYPE_FILTERS = [None, "Camp", "Tower", "Keep", "Castle", "Ruins", "Mercenary"]
SORTS = ["map", "owner", "type", "held", "tier"]  # what s cycles through; a header click sorts by any column
COLUMNS = (("map", "Map"), ("name", "Objective"), ("type", "Type"), ("owner", "Owner"), ("guild", "Guild"),
           ("tier", "Tier"), ("held", "Held"), ("prot", "Prot"))
PROTECTION = timedelta(minutes=5)  # "Righteous Indignation" after a capture
# RI protects what has a lord to kill; Ruins and Mercenary camps have none (nor tiers).
TYPE_RANK = {"Castle": 0, "Keep": 1, "Tower": 2, "Camp": 3, "Ruins": 4, "Mercenary": 5, "Spawn": 6}
# The layout. DataTable's padding (a cell on each side of every column) is off and each column
# gets GAP blank cells after it instead: at 80 columns that leaves 8 more cells for the names.
GAP = 1
EDGE = 2  # the table's left padding and its vertical scrollbar
FIXED = {"map": max(map(len, MAP_SHORT.values())), "type": len("Castle"), "owner": len("Neutral"),
         "tier": len("Tier"), "held": len("23h59m"), "prot": len("4:59")}
NAME_WIDTH = (12, 24)  # the objective's name: 24 is the longest in /v2/wvw/objectives (2025)
GUILD_WIDTH = (12, 36)  # "[TAG] Name", the name cut with an ellipsis where it is longer
# The Type column is 6 cells wide until the names have all they can use; then whole type names.
TYPE_SHORT = {"Mercenary": "Merc"}


def clamp(value: int, bounds: tuple[int, int]) -> int:
    return max(bounds[0], min(bounds[1], value))


def cut(text: str, width: int) -> Text:
    """``text`` in ``width`` cells, ending in an ellipsis where it is longer."""
    t = Text(text)
    t.truncate(width, overflow="ellipsis")
    return t


class MapsScreen(WarclawScreen):
    KEY = "maps"
    SHOWS = frozenset({"matchup"})
    BINDINGS = [
        Binding("m", "cycle_map", "Map", id="maps.map"),
        Binding("f", "cycle_type", "Type", id="maps.type"),  # f filters by kind on Events too; t is Text
        Binding("s", "cycle_sort", "Sort", id="maps.sort"),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.map_filter: str | None = None
        self.type_filter: str | None = None
        self.sort = ColumnSort("map")

    def compose_body(self) -> ComposeResult:
        yield Static(id="maps-title")
        yield DataTable(id="objectives", cursor_type="row", zebra_stripes=True, cell_padding=0)

    def on_mount(self) -> None:
        self.sort.set_columns(self.query_one("#objectives", DataTable), COLUMNS)

    def on_data_table_header_selected(self, event: DataTable.HeaderSelected) -> None:
        self.sort.click(str(event.column_key.value))
        self.refresh_view()

    def action_cycle_map(self) -> None:
        self.map_filter = MAP_FILTERS[(MAP_FILTERS.index(self.map_filter) + 1) % len(MAP_FILTERS)]
        self.refresh_view()

    def action_cycle_type(self) -> None:
        self.type_filter = TYPE_FILTERS[(TYPE_FILTERS.index(self.type_filter) + 1) % len(TYPE_FILTERS)]
        self.refresh_view()

    def action_cycle_sort(self) -> None:
        at = SORTS.index(self.sort.column) if self.sort.column in SORTS else -1
        self.sort = ColumnSort(SORTS[(at + 1) % len(SORTS)])
        self.refresh_view()

    def tick(self) -> None:
        """Capture protection counts down every second; times held move every 10 s."""
        self._ticks = getattr(self, "_ticks", 0) + 1
        now = self.wapp.data_now()
        md = self.wapp.state.matchup
        protected = any(o.last_flipped and has_tiers(o.type) and (now - o.last_flipped) < PROTECTION + timedelta(seconds=2)
                        for o in (md.objectives if md else []))
        if protected or self._ticks % 10 == 0:
            self.refresh_view()

    def rows(self) -> list:
        md = self.wapp.state.matchup
        objs = [o for o in (md.objectives if md else []) if o.type != "Spawn"]
        if self.map_filter:
            objs = [o for o in objs if o.map_type == self.map_filter]
        if self.type_filter:
            objs = [o for o in objs if o.type == self.type_filter]
        now = self.wapp.data_now()
        keys = {
            "map": lambda o: (list(MAP_SHORT).index(o.map_type) if o.map_type in MAP_SHORT else 9,
                              TYPE_RANK.get(o.type, 9), o.name or ""),
            "owner": lambda o: (o.owner, o.map_type, TYPE_RANK.get(o.type, 9)),
            "type": lambda o: (TYPE_RANK.get(o.type, 9), o.map_type, o.name or ""),
            "held": lambda o: (now - o.last_flipped).total_seconds() if o.last_flipped else 1e12,
            "tier": lambda o: (not has_tiers(o.type), -o.upgrade_tier, o.map_type),  # no tiers: last
            "name": lambda o: (o.name or o.objective_id).casefold(),
            "guild": lambda o: (o.claimed_by is None, (o.guild_tag or o.guild_name or "").casefold()),
            "prot": lambda o: -(o.last_flipped.timestamp() if o.last_flipped and has_tiers(o.type) else -1e12),
        }
        return sorted(objs, key=keys[self.sort.column or "map"], reverse=self.sort.reverse)

    @staticmethod
    def guild(o: ObjectiveView) -> str:
        """``[TAG] Name`` of the claiming guild, or the placeholder while it is not named."""
        return guild_label(o.guild_name, o.guild_tag, failed=o.guild_fetched)

    def column_widths(self, width: int) -> dict[str, int]:
        """Each column's width in cells on a screen ``width`` wide: the fixed ones as wide as their
        widest cell (or header), the objective's and the guild's names sharing what is left, each
        within its bounds, so Held and Prot stay on screen at 80 columns whatever a guild is called."""
        widths = {k: max(FIXED[k], self.sort.label(k, title).cell_len) for k, title in COLUMNS if k in FIXED}
        room = width - EDGE - GAP * len(COLUMNS) - sum(widths.values())
        whole_types = max(map(len, TYPE_RANK)) - widths["type"]
        if room - whole_types >= NAME_WIDTH[1] + GUILD_WIDTH[1]:
            widths["type"] += whole_types
            room -= whole_types
        widths["name"] = clamp(room * 11 // 20, NAME_WIDTH)
        widths["guild"] = clamp(room - widths["name"], GUILD_WIDTH)
        return widths

    def on_resize(self) -> None:
        self.refresh_view()

    def refresh_view(self) -> None:
        if not self.is_mounted:
            return
        now = self.wapp.data_now()
        rows = self.rows()
        title = Text()
        title.append(f"{len(rows)} objectives", style="bold")
        title.append(f"  map: {MAP_SHORT.get(self.map_filter, 'all') if self.map_filter else 'all'}"
                     f"  type: {self.type_filter or 'all'}  sort: {self.sort.column}"
                     + (" ▼" if self.sort.reverse else ""))
        if not d.daemon_alive(self.wapp.state.status):
            title.append("  STALE", style="bold black on yellow")
        self.query_one("#maps-title", Static).update(title)
        table = self.query_one("#objectives", DataTable)
        # The cursor stays on its objective through the once-a-second redraws and a new sort.
        kept = table.coordinate_to_cell_key(table.cursor_coordinate).row_key.value if table.row_count else None
        widths = self.column_widths(self.size.width or self.app.size.width)
        self.sort.set_columns(table, COLUMNS, {k: w + GAP for k, w in widths.items()})
        types = {} if widths["type"] >= max(map(len, TYPE_RANK)) else TYPE_SHORT
        for o in rows:
            held = now - o.last_flipped if o.last_flipped else None
            prot = (o.last_flipped + PROTECTION - now) if o.last_flipped and has_tiers(o.type) else None
            table.add_row(
                MAP_SHORT.get(o.map_type, o.map_type),
                cut(clean(o.name or o.objective_id), widths["name"]),
                types.get(o.type, o.type),
                Text(o.owner, style=TEAM_STYLE.get(o.owner, "")),
                # a Text, not markup: guild names and tags come from the API
                cut(self.guild(o), widths["guild"]) if o.claimed_by else "",
                str(o.upgrade_tier) if has_tiers(o.type) else "-",  # Ruins, Mercenary camps: no upgrades
                d.age_text(held.total_seconds()) if held else "-",
                Text(d.span_text(prot), style="bold yellow") if prot and prot.total_seconds() > 0 else "",
                key=o.objective_id,
            )
        at = next((i for i, o in enumerate(rows) if o.objective_id == kept), 0)
        if at:
            table.move_cursor(row=at, animate=False)

    def on_data_table_row_selected(self, event: DataTable.RowSelected) -> None:
        """Enter on an objective: what the row cuts, whole (a long name, the guild's whole name)."""
        o = next((o for o in self.rows() if o.objective_id == event.row_key.value), None)
        if o is None:
            return
        facts = [f"{o.type}, {map_name(o.map_type)}", f"owner {o.owner}"]
        if o.claimed_by:
            facts.append(f"claimed by {self.guild(o)}")
        if has_tiers(o.type):
            facts.append(f"tier {o.upgrade_tier}")
        self.notify("; ".join(facts), title=clean(o.name or o.objective_id), markup=False, timeout=8)
