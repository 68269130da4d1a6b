"""One screen per task: Matchup, Maps, Events, Roster, Squad.

A screen's module is imported the first time it is shown, so the first frame (the Matchup screen)
does not wait for the other four.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from warclaw.tui.screens.base import WarclawScreen

SCREEN_PATHS = {"matchup": "matchup:MatchupScreen", "maps": "maps:MapsScreen", "events": "events:EventsScreen",
                "roster": "roster:RosterScreen", "squad": "squad:SquadScreen"}


def screen_class(key: str) -> type[WarclawScreen]:
    module, name = SCREEN_PATHS[key].split(":")
    return getattr(importlib.import_module(f"warclaw.tui.screens.{module}"), name)


def make_screen(key: str) -> WarclawScreen:
    return screen_class(key)()


__all__ = ["SCREEN_PATHS", "make_screen", "screen_class"]
