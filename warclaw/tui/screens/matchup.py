"""Matchup: the three teams, the running skirmish, the VP projection, a score chart, maps held."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import DataTable, Static

from warclaw.common import clean, compact_number
from warclaw.matchup.names import map_name
from warclaw.matchup.outlook import need_label
from warclaw.tui import data as d
from warclaw.tui.screens.base import WarclawScreen
from warclaw.tui.widgets import TEAM_COLOR, TEAM_STYLE, flow

TEAM_COLUMNS = ("Team", "Score", "VP", "Final p10-50-90", "1st/2nd/3rd", "Need", "Not 3rd", "Skirm", "PPT", "K/D",
                "Kills", "Deaths")
NARROW_COLUMNS = 7   # Team .. Not 3rd
NARROW_NAME = 14     # "R Ettin's Ba…"
RGB = ("red", "green", "blue")  # the held table's column order
WIDE = 112           # terminal columns from which every team column fits


def per_team(values: dict, colors: tuple[str, ...], number: Callable[[int], str] = str) -> Text:
    """``1/0/2``: one value per team, each in its team's colour (the order of the Red/Green/Blue
    columns beside it, Neutral last)."""
    t = Text()
    for i, c in enumerate(colors):
        if i:
            t.append("/")
        t.append(number(values.get(c, 0)), style=TEAM_STYLE.get(c, TEAM_STYLE["Neutral"]))
    return t


class MatchupScreen(WarclawScreen):
    KEY = "matchup"
    SHOWS = frozenset({"matchup", "status"})

    def compose_body(self) -> ComposeResult:
        yield Static(id="match-title")
        yield DataTable(id="teams", cursor_type="none", zebra_stripes=False)
        yield DataTable(id="held", cursor_type="none")
        yield Vertical(id="chart")  # the plot is mounted with the first score history

    def _team_columns(self) -> tuple[str, ...]:
        """The teams table's columns for this width: below WIDE the skirmish score, PPT and
        kills/deaths give way (they are in `warclaw matchup` and on a wider terminal) and long
        team names end in an ellipsis, so what a commander decides on fits at 80 columns uncut."""
        if (self.size.width or self.app.size.width) >= WIDE:
            return TEAM_COLUMNS
        return TEAM_COLUMNS[:NARROW_COLUMNS]

    def _set_team_columns(self) -> None:
        teams = self.query_one("#teams", DataTable)
        columns = self._team_columns()
        if tuple(str(c.label) for c in teams.columns.values()) != columns:
            teams.clear(columns=True)
            teams.add_columns(*columns)

    def on_resize(self) -> None:
        self.tick()  # the title reflows to the new width
        if self.is_mounted and self.query_one("#teams", DataTable).columns:
            before = len(self.query_one("#teams", DataTable).columns)
            self._set_team_columns()
            if len(self.query_one("#teams", DataTable).columns) != before:
                self.refresh_view()

    def on_mount(self) -> None:
        self._set_team_columns()
        self.query_one("#held", DataTable).add_columns(
            "Map", "Red", "Green", "Blue", "Neutral", "Map score r/g/b", "0-PPT")

    def refresh_view(self) -> None:
        if not self.is_mounted:
            return
        st = self.wapp.state
        md = st.matchup
        title = self.query_one("#match-title", Static)
        teams = self.query_one("#teams", DataTable)
        held = self.query_one("#held", DataTable)
        teams.clear()
        held.clear()
        view = md.view if md else None
        if md is None or md.loaded_at is None:
            title.update(Text("Loading the database…", style="bold cyan"))
            self._chart([])
            return
        if not view and self.wapp.match_id:
            msg = Text(f"Match {self.wapp.match_id} is not in the database. ", style="bold")
            msg.append("Ids look like 2-1 (region-tier); the daemon records the matches it polls.")
            title.update(msg)
            self._chart([])
            return
        if not view:
            msg = Text("No matchup in the database yet. ", style="bold")
            msg.append("Start the daemon: ", style="")
            msg.append("warclaw daemon start", style="bold cyan")
            msg.append(" (or `warclaw sync --once`); this screen fills in by itself.")
            title.update(msg)
            self._chart([])
            return
        title.update(self._title(view, self.wapp.data_now()))
        self._shown = (view,)
        self._set_team_columns()
        wide = len(teams.columns) == len(TEAM_COLUMNS)
        for team in view["teams"]:
            c = team["color"]
            kd = f"{team['kills'] / team['deaths']:.2f}" if team["deaths"] else "-"
            name = Text(f"{c[0].upper()} {clean(team['name'] or team['team_id'])}", style=TEAM_STYLE.get(c, ""))
            name.truncate(24 if wide else NARROW_NAME, overflow="ellipsis")
            p = team["projection"]
            chances = "/".join(f"{round(100 * x)}" for x in p["place_chances"]) + "%"
            # fewest skirmish wins from now on that make 1st / 1st-or-2nd certain (help / out: see need_label)
            need = need_label(team["need"], team["first_possible"])
            not_third = need_label(team["need_not_third"], team["not_third_possible"])
            skirm = "late" if team["skirmish_score"] is None else f"{team['skirmish_score']:,}"
            cells = [name, f"{team['score']:,}", str(team["victory_points"]), f"{p['p10']}-{p['p50']}-{p['p90']}",
                     chances, need, not_third, skirm, str(team["ppt"]), kd, f"{team['kills']:,}", f"{team['deaths']:,}"]
            teams.add_row(*cells[:len(teams.columns)], key=c)
        # Below WIDE a map's score is compact (583k): six-digit scores of three teams would push
        # the 0-PPT column (Ruins, Mercenary camps: not counted as held) off an 80-column screen.
        number = str if wide else compact_number
        for m in view["maps"]:
            o = m["objectives"]
            held.add_row(map_name(m["type"]), *(Text(str(o[c]), style=TEAM_STYLE[c]) for c in RGB),
                         Text(str(o["neutral"]), style=TEAM_STYLE["Neutral"]),
                         per_team(m["scores"], RGB, number), per_team(m["others"], (*RGB, "neutral")),
                         key=m["type"])
        self._chart(md.history, view["teams"])

    def _title(self, view: dict, now) -> Text:
        """The match, the running skirmish (time left, what 1st/2nd/3rd earn) and the next peak:
        on one line where it fits, else the next peak and the markers go to a second line (never cut)."""
        number, total, left = d.skirmish_clock(view, now)
        parts = [Text(f"Match {view['match_id']} {view['region'].upper()}", style="bold")]
        running = Text(f"skirmish {number}/{total}" + (f", {d.span_text(left)} left" if left else ""))
        running.append(f"  worth {'/'.join(map(str, view['skirmish']['vp']))}", style="bold")
        parts.append(running)
        peak = view.get("next_peak")
        if peak:
            at = datetime.fromisoformat(peak["starts_at"].replace("Z", "+00:00"))
            parts.append(Text(f"next peak #{peak['number']} {at:%a %H:%M} worth {'/'.join(map(str, peak['vp']))}"))
        if self.wapp.state.matchup.clock_offset > timedelta(hours=1):
            parts.append(Text("replayed week", style="dim"))
        stale = view["stale_seconds"]
        if not d.daemon_alive(self.wapp.state.status):
            parts.append(Text("STALE: last known state", style="bold black on yellow"))
        elif stale >= d.STALE_DATA_SECONDS:
            parts.append(Text(f"API data unchanged {d.age_text(stale)}", style="bold yellow"))
        title = self.query_one("#match-title", Static)
        return flow(parts, title.size.width or self.app.size.width - 2)  # content width, inside its padding

    def tick(self) -> None:
        shown = getattr(self, "_shown", None)
        if shown and self.is_mounted:
            self.query_one("#match-title", Static).update(self._title(*shown, self.wapp.data_now()))

    def _chart(self, history: list, teams: list[dict] | None = None) -> None:
        box = self.query_one("#chart", Vertical)
        if not box.children and not history:
            return
        # Imported here: plotext is not loaded for the first frame (see chart.py).
        from warclaw.tui.chart import ScoreChart, Series, hex_rgb

        if not box.children:
            box.mount(Static(id="chart-legend"), ScoreChart(id="score-plot"))

        legend = Text("War score, UTC", style="bold", no_wrap=True, overflow="ellipsis")
        series = []
        for team in teams or []:
            c = team["color"]
            name = clean(team["name"] or team["team_id"])
            legend.append("  ━ ", style=TEAM_STYLE[c])
            legend.append(f"{c[0].upper()} {name}", style=TEAM_STYLE[c])
            series.append(Series(name, hex_rgb(TEAM_COLOR[c]), [p.scores.get(c, 0) for p in history]))
        box.query_one("#chart-legend", Static).update(legend)
        box.query_one(ScoreChart).show([p.at for p in history], series)
