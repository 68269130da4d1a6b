"""One screen per task: Matchup, Maps, Events, Roster, Squad."""

from warclaw.tui.screens.events import EventsScreen
from warclaw.tui.screens.maps import MapsScreen
from warclaw.tui.screens.matchup import MatchupScreen
from warclaw.tui.screens.roster import RosterScreen
from warclaw.tui.screens.squad import SquadScreen

SCREEN_CLASSES = {"matchup": MatchupScreen, "maps": MapsScreen, "events": EventsScreen,
                  "roster": RosterScreen, "squad": SquadScreen}

__all__ = ["SCREEN_CLASSES", "EventsScreen", "MapsScreen", "MatchupScreen", "RosterScreen", "SquadScreen"]
