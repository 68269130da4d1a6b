"""Pilot tests of the matchup side: Matchup, Maps, Events, the status bar, the palette, stale data."""

from __future__ import annotations

from datetime import timedelta

from textual.command import CommandPalette

from warclaw.store.status import beat
from warclaw.tui.commands import commands

from .fixtures import NOW
from .helpers import cells, click_header, column, settle, status, text


async def test_matchup_screen_shows_teams_skirmish_projection_and_maps(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert app.screen.KEY == "matchup"
        title = text(app, "match-title")
        assert "Match 2-1 EU" in title and "skirmish 3/84, 42:30 left" in title
        # 22:00-24:00 UTC in EU: 31/24/17; the next prime time is skirmish 13, Saturday 18:00.
        assert "worth 31/24/17" in title and "next peak #13 Sat 18:00 (51/37/24)" in title
        teams = cells(app, "teams")
        # 80 columns: what a commander decides on, uncut; long names end in an ellipsis
        assert [r[0] for r in teams] == ["R Dragon's Wa…", "G Moogooloo", "B Yohlon Haven"]
        assert len(teams[0]) == 7 and app.screen.query_one("#teams").virtual_size.width <= 80
        red = teams[0]
        assert red[1:3] == ["1,200", "10"]  # score, VP
        p10, p50, p90 = map(int, red[3].split("-"))  # final VP, from the Monte Carlo
        assert 10 < p10 <= p50 <= p90
        first = int(red[4].split("/")[0])  # red won both finished skirmishes: the likely winner
        assert first > 50 and red[4].endswith("%")
        assert red[5].startswith("win ")  # 82 skirmishes to go: 1st is not certain yet
        assert red[6].startswith("win ") and int(red[6][4:]) < int(red[5][4:])  # out of 3rd: fewer wins
        held = cells(app, "held")
        assert held[0][:5] == ["Eternal Battlegrounds", "1", "2", "1", "0"]
        # The plot is mounted with the first history (plotext is not imported for the first frame).
        plot = app.screen.query_one("#score-plot")
        await pilot.pause()
        drawn = plot.render()
        lines = drawn.plain.splitlines()
        assert any("\u2800" < ch <= "\u28ff" for ch in drawn.plain)  # braille lines
        # Wall-clock UTC times under the plot (samples from 19:00 to 23:15), round numbers beside it.
        assert lines[-1].split() == ["19:00", "20:00", "21:00", "22:00", "23:00"]
        assert {line.split("┤")[0].strip() for line in lines if "┤" in line} == {"500", "1.0k"}
        # One line per team in its colour, named in the legend.
        colours = {str(span.style.color.triplet.hex) for span in drawn.spans if span.style.color}
        assert {"#ff6b6b", "#69db7c", "#74c0fc"} <= colours
        legend = text(app, "chart-legend")
        assert "War score, UTC" in legend and all(n in legend for n in ("Dragon's Watch", "Moogooloo", "Yohlon Haven"))
        await pilot.resize_terminal(130, 40)  # wide: every column, whole names
        await settle(app, pilot)
        wide = cells(app, "teams")
        assert [r[0] for r in wide] == ["R Dragon's Watch", "G Moogooloo", "B Yohlon Haven"]
        assert wide[0][7:12] == ["303", "54", "3.00", "36", "12"]  # running skirmish score, PPT, K/D, kills, deaths


async def test_maps_screen_lists_objectives_with_filters_and_sort(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        assert app.screen.KEY == "maps"
        rows = cells(app, "objectives")
        assert len(rows) == 16  # four per map, spawns left out
        tower = next(r for r in rows if r[1] == "Langor Tower (Blue)")
        # owner, guild tag, tier 1 (6 points per tick), held 3m, capture protection 2:00 left
        assert tower[3:8] == ["Red", "[VK]", "1", "3m", "2:00"]
        await pilot.press("m")  # EBG only
        assert set(column(app, "objectives", 0)) == {"EBG"}
        await pilot.press("f", "f")  # towers only
        assert column(app, "objectives", 1) == ["Langor Tower"]
        await pilot.press("m", "m", "m", "m", "f", "f", "f", "f")  # back to all maps, all types
        assert len(cells(app, "objectives")) == 16
        await pilot.press("s", "s", "s")  # sort by time held: the newest capture first
        assert cells(app, "objectives")[0][1] == "Langor Tower (Blue)"
        assert "sort: held" in text(app, "maps-title")


async def test_maps_headers_sort_on_click_and_the_cursor_keeps_its_objective(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        table = app.screen.query_one("#objectives")
        await click_header(pilot, table, "Objective")
        names = column(app, "objectives", 1)
        assert names == sorted(names, key=str.casefold) and table.columns["name"].label.plain == "Objective ▲"
        await click_header(pilot, table, "Objective")
        assert column(app, "objectives", 1) == sorted(names, key=str.casefold, reverse=True)
        assert "sort: name ▼" in text(app, "maps-title")
        await click_header(pilot, table, "Guild")  # the claimed tower first
        assert column(app, "objectives", 4)[0] == "[VK]"
        await pilot.press("down")
        chosen = cells(app, "objectives")[table.cursor_row][1]
        app.screen.refresh_view()  # the once-a-second redraw
        await pilot.pause()
        assert cells(app, "objectives")[table.cursor_row][1] == chosen
        await pilot.press("s")  # s cycles the sorts, ascending
        assert "sort: map" in text(app, "maps-title") and table.columns["map"].label.plain == "Map ▲"


async def test_events_screen_newest_first_and_filters(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        rows = cells(app, "events")
        assert [r[1] for r in rows] == ["claim", "capture", "skirmish", "capture", "skirmish"]
        assert rows[0][3].startswith("[VK] Vigil Keepers claimed Langor Tow")  # cut at 80 columns: "…"
        assert rows[1][3].startswith("Langor Tower (Blue) taken by Red from")
        await pilot.press("f")  # captures only
        assert column(app, "events", 1) == ["capture", "capture"]
        await pilot.press("m")  # captures on EBG only
        assert [r[3] for r in cells(app, "events")] == ["Hills Camp taken by Green from Neutral"]
        assert "kind: capture" in text(app, "events-title")


async def test_status_bar_shows_heartbeat_data_age_and_poll_error(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        line = status(app)
        assert "● daemon 4s" in line and "data 2m ago" in line
        assert "guilds: HTTP 503 from /v2/guild" in line


async def test_without_daemon_it_opens_marks_stale_and_says_how_to_start(store, make_app) -> None:
    with store.write() as s:  # the daemon's last beat was an hour ago
        beat(s, NOW - timedelta(hours=1), state="stopped")
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "✗ no daemon" in status(app) and "warclaw daemon start" in status(app)
        assert "STALE" in text(app, "match-title")
        teams = cells(app, "teams")  # the last known state is still shown
        assert teams[0][1] == "1,200"


async def test_empty_database_explains_how_to_get_data(empty_store, make_app) -> None:
    app = make_app(empty_store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "warclaw daemon start" in text(app, "match-title")
        assert "no daemon" in status(app)
        for key in "2345":  # every screen opens on an empty database
            await pilot.press(key)
            await pilot.pause()
        assert app.screen.KEY == "squad"
        assert "press o" in text(app, "squad-title")


async def test_number_keys_switch_screens_and_palette_lists_actions(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        for key, name in zip("54321", ["squad", "roster", "events", "maps", "matchup"], strict=True):
            await pilot.press(key)
            assert app.screen.KEY == name
        await pilot.press("4")
        titles = [c.title for c in commands(app.screen)]
        for expected in ("Show Squad (5)", "Roster: add player (a)", "Roster: delete selected player (d)",
                         "Roster: import TOML (i)", "Squad: optimize (o)", "Refresh now (r)"):
            assert expected in titles
        assert not any(t.startswith("Squad: export plan") for t in titles)  # no plan yet
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert isinstance(app.screen, CommandPalette)
        await pilot.press(*"show maps")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await pilot.pause(0.3)
        assert app.screen.KEY == "maps"


async def test_unknown_match_id_is_named(store, make_app) -> None:
    app = make_app(store, match_id="9-9")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "Match 9-9 is not in the database" in text(app, "match-title")


async def test_clock_moves_countdowns_without_queries(store, make_app) -> None:
    now = [NOW]
    app = make_app(store, clock=lambda: now[0])
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("2")
        await pilot.pause()
        tower = next(r for r in cells(app, "objectives") if r[1] == "Langor Tower (Blue)")
        assert tower[7] == "2:00"
        now[0] = NOW + timedelta(seconds=30)
        app._clock_tick()
        await pilot.pause()
        tower = next(r for r in cells(app, "objectives") if r[1] == "Langor Tower (Blue)")
        assert tower[7] == "1:30"
        await pilot.press("1")
        await pilot.pause()
        app._clock_tick()
        await pilot.pause()
        assert "42:00 left" in text(app, "match-title")
        assert "daemon 34s" in status(app)


async def test_a_replayed_week_counts_ages_from_its_own_clock(store, make_app) -> None:
    # Our clock is 600 days past the match: the data is a replay (the demo) or an ended week.
    later = NOW + timedelta(days=600)
    app = make_app(store, clock=lambda: later)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "replayed week" in text(app, "match-title")
        await pilot.press("3")
        await pilot.pause()
        ages = [r[0].split()[-1] for r in cells(app, "events")]
        assert ages[:2] == ["0s", "30s"]  # not "600d": counted from the newest timestamp of the data


async def test_events_cut_at_80_columns_end_in_an_ellipsis_and_enter_shows_one_whole(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(60, 24)) as pilot:  # narrower than the claim line
        await settle(app, pilot)
        await pilot.press("3")
        await settle(app, pilot)
        first = cells(app, "events")[0][3]
        assert first.endswith("…") and first.startswith("[VK] Vigil Keepers")
        seen: list[str] = []
        app.screen.notify = lambda message, **kw: seen.append(message)
        await pilot.press("enter")  # the cursor is on the newest event
        await pilot.pause()
        assert seen == ["[VK] Vigil Keepers claimed Langor Tower (Blue)"]
