"""F1 lists the keys with their ids; the config's [tui] keys remap them; `n` pages older events."""

from __future__ import annotations

import pytest
from textual.binding import Binding

from warclaw.errors import ConfigError
from warclaw.tui.app import WarclawApp
from warclaw.tui.commands import TITLES, commands
from warclaw.tui.keys import binding_ids, check_keymap
from warclaw.tui.screens import SCREEN_PATHS, screen_class
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


def _keys(cls) -> list[tuple[str, Binding]]:
    return [(k.strip(), b) for b in cls.BINDINGS if isinstance(b, Binding) for k in b.key.split(",")]


def test_a_key_means_one_thing_on_every_screen() -> None:
    """A key bound on several screens says the same there (x is Absent on Roster and Squad), the
    app's keys (undo, quit, the screen numbers...) are never taken by a screen, and what Roster
    and Squad both do (optimize, absent, stop) is one binding id: a remap moves it on both."""
    meaning: dict[str, set[str]] = {}
    app_keys = {k for k, _ in _keys(WarclawApp)}
    for key in SCREEN_PATHS:
        for k, b in _keys(screen_class(key)):
            assert k not in app_keys, f"{key} screen rebinds the app's {k!r}"
            meaning.setdefault(k, set()).add(b.description)
    assert {k: m for k, m in meaning.items() if len(m) > 1} == {}
    assert meaning["x"] == {"Absent"} and meaning["t"] == {"Text"} and meaning["f"] == {"Type"}
    roster, squad = dict(_keys(screen_class("roster"))), dict(_keys(screen_class("squad")))
    assert {k: (roster[k].id, squad[k].id) for k in roster.keys() & squad.keys()} == {
        "o": ("squad.optimize", "squad.optimize"), "x": ("roster.absent", "roster.absent"),
        "escape": ("squad.stop", "squad.stop"), "w": ("roster.export", "squad.export")}  # w: each its own file


def test_undo_is_the_apps_on_every_screen_and_every_action_is_in_the_palette() -> None:
    ids = binding_ids()
    assert "app.undo" in ids and "app.redo" in ids and not any(i.endswith(".undo") and i != "app.undo" for i in ids)
    screens = [WarclawApp, *map(screen_class, SCREEN_PATHS)]
    missing = {b.id for c in screens for b in c.BINDINGS
               if isinstance(b, Binding) and b.id and not b.id.startswith("screen.") and b.id not in TITLES}
    assert missing == set()
    assert set(TITLES) <= ids  # no title for a binding that is gone


async def test_u_undoes_on_every_screen(store, make_app) -> None:
    app = make_app(store, start_screen="roster")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("x")  # Aelin absent
        await settle(app, pilot)
        assert not app.planner.book.rows[0].present
        for screen, key in (("1", "u"), ("5", "ctrl+y"), ("3", "ctrl+z")):
            await pilot.press(screen, key)
            await settle(app, pilot)
            assert app.planner.book.rows[0].present == (key != "ctrl+y"), (screen, key)
