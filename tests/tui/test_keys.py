"""F1 lists the keys with their ids; the config's [tui] keys remap them; `n` pages older events."""

from __future__ import annotations

import pytest

from warclaw.errors import ConfigError
from warclaw.tui.commands import commands
from warclaw.tui.keys import binding_ids, check_keymap
from warclaw.tui.screens.help import HelpScreen

from .helpers import cells, settle, text


async def test_f1_lists_the_screens_keys_with_ids_and_escape_closes(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3", "f1")
        assert isinstance(app.screen, HelpScreen)
        rows = cells(app, "help-keys")
        by_id = {r[2]: (r[0], r[1]) for r in rows if r[2]}
        assert by_id["events.kind"] == ("f", "Events: filter by kind")  # the palette's longer title
        assert by_id["events.older"] == ("n", "Events: load older events")
        assert by_id["app.quit"] == ("q", "Quit")
        assert by_id["screen.squad"] == ("5", "Squad")
        assert "squad.optimize" not in by_id  # only what works on the screen underneath
        await pilot.press("escape")
        assert app.screen.KEY == "events"


async def test_keymap_from_config_moves_a_key_everywhere_it_is_shown(store, make_app) -> None:
    app = make_app(store, keymap={"screen.events": "f9", "events.kind": "k"})
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")  # the old key does nothing now
        assert app.screen.KEY == "matchup"
        await pilot.press("f9")
        assert app.screen.KEY == "events"
        await pilot.press("k")  # events.kind, remapped from f: all -> captures
        assert "kind: capture" in text(app, "events-title")
        await pilot.press("f1")
        by_id = {r[2]: r[0] for r in cells(app, "help-keys") if r[2]}
        assert by_id["events.kind"] == "k"
        await pilot.press("escape")
        titles = [c.title for c in commands(app.screen)]
        assert "Events: filter by kind (k)" in titles


def test_unknown_binding_ids_are_refused_one_line_each() -> None:
    assert {"squad.optimize", "roster.add", "events.older", "app.help", "screen.squad"} <= binding_ids()
    check_keymap({"squad.optimize": "O"}, "c.toml")  # known: fine
    with pytest.raises(ConfigError) as err:
        check_keymap({"squad.optimise": "O", "roster.ad": "A"}, "c.toml")
    assert err.value.problems == [
        "c.toml: tui.keys.roster.ad: no such key binding (F1 in the TUI lists the ids, e.g. squad.optimize)",
        "c.toml: tui.keys.squad.optimise: no such key binding (F1 in the TUI lists the ids, e.g. squad.optimize)",
    ]


async def test_n_loads_older_events_page_by_page(store, make_app) -> None:
    app = make_app(store)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        total = len(app.state.events)
        assert total == 5
        app.state.events_limit = 2  # pages of 2 for the test: reload with the smaller limit
        await app.reload({"events"})
        await pilot.press("3")
        assert len(cells(app, "events")) == 2
        assert "(newest 2; n: older)" in text(app, "events-title")
        await pilot.press("n")
        await settle(app, pilot)
        assert len(cells(app, "events")) == total
        assert "n: older" not in text(app, "events-title")
        await pilot.press("n")  # nothing further back: says so
        await settle(app, pilot)
        assert len(app.state.events) == total


def test_an_empty_keymap_is_checked_without_loading_the_screens_or_the_optimizer():
    import subprocess
    import sys

    code = ("import sys; from warclaw.tui.keys import check_keymap; check_keymap({}, 'config'); "
            "print([m for m in ('warclaw.engine', 'ortools', 'warclaw.tui.screens.squad') if m in sys.modules])")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() == "[]"
