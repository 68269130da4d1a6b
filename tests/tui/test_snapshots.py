"""Snapshots of every screen on fixed data: fixed terminal size, fixed clock, workers awaited."""

from __future__ import annotations

import pytest

from .helpers import settle


def before(app):
    async def run(pilot) -> None:
        await settle(app, pilot)
    return run


@pytest.mark.parametrize("key, screen", [("1", "matchup"), ("2", "maps"), ("3", "events"), ("4", "roster"),
                                         ("5", "squad")])
def test_screen_80x24(saved_plan, make_app, snap_compare, key: str, screen: str) -> None:
    app = make_app(saved_plan, start_screen=screen)
    assert snap_compare(app, terminal_size=(80, 24), run_before=before(app))


def test_squad_wide(saved_plan, make_app, snap_compare) -> None:
    app = make_app(saved_plan, start_screen="squad")
    assert snap_compare(app, terminal_size=(160, 40), run_before=before(app))


def test_player_form(saved_plan, make_app, snap_compare) -> None:
    app = make_app(saved_plan, start_screen="roster")
    assert snap_compare(app, terminal_size=(80, 24), press=["e"], run_before=before(app))
