"""Snapshots of every screen on fixed data at the design size (80×24) and a large one (200×50):
fixed clock, fixed saved plan, workers awaited."""

from __future__ import annotations

import pytest

from .helpers import settle

SCREENS = ["matchup", "maps", "events", "roster", "squad"]


def before(app, *keys: str):
    async def run(pilot) -> None:
        await settle(app, pilot)
        for key in keys:
            await pilot.press(key)
            await settle(app, pilot)
    return run


@pytest.mark.parametrize("size", [(80, 24), (200, 50)], ids=["80x24", "200x50"])
@pytest.mark.parametrize("screen", SCREENS)
def test_screen(saved_plan, make_app, snap_compare, screen: str, size: tuple[int, int]) -> None:
    app = make_app(saved_plan, start_screen=screen)
    assert snap_compare(app, terminal_size=size, run_before=before(app))


def test_squad_heat_map_at_80x24(saved_plan, make_app, snap_compare) -> None:
    app = make_app(saved_plan, start_screen="squad")
    assert snap_compare(app, terminal_size=(80, 24), run_before=before(app, "h"))


def test_player_form(saved_plan, make_app, snap_compare) -> None:
    app = make_app(saved_plan, start_screen="roster")
    assert snap_compare(app, terminal_size=(80, 24), press=["e"], run_before=before(app))
