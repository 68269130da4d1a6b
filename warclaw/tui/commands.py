"""The command palette (ctrl+p): every action of the current screen by name, with its key.

The palette lists the bindings of the screen it was opened from (and the app's), titled from
``TITLES`` by binding id, filtered by the screen's ``command_applies`` (no Export without a plan).
The F1 key list uses the same titles.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial

from textual.binding import Binding
from textual.command import DiscoveryHit, Hit, Hits, Provider
from textual.screen import Screen

from warclaw.tui.widgets import SCREENS, effective_key

# Palette titles for every binding id (the palette lists every action of the current screen).
TITLES = {
    "app.refresh": ("Refresh now", "Reload everything from the database"),
    "app.help": ("Keys of this screen", "Every key, what it does, and its id to remap it in the config"),
    "app.undo": ("Undo", "The last roster or plan change, on any screen (the plan that went with it comes back)"),
    "app.redo": ("Redo", "What undo took back"),
    "app.quit": ("Quit", "Asks first while a solve runs"),
    "events.older": ("Events: load older events", "300 more, further back in the match"),
    "roster.add": ("Roster: add player", "A new player, edited in a form"),
    "roster.edit": ("Roster: edit selected player", "Name, builds, locks, with, present"),
    "roster.delete": ("Roster: delete selected player", "Undo with u"),
    "roster.duplicate": ("Roster: duplicate selected player", "A copy right below, to rename"),
    "roster.absent": ("Mark selected player absent/present", "Absent players are not planned"),
    "roster.key": ("Roster: API key of selected player", "Stored 0600; the daemon checks it"),
    "roster.mode": ("Roster: change game mode", "zerg, havoc, roaming, defense: targets and weights"),
    "roster.import": ("Roster: import TOML", "Replace the players from a roster file"),
    "roster.export": ("Roster: export TOML", "Write the roster to a file"),
    "roster.switch": ("Roster: open another roster", "Every roster of the database, or a new empty one"),
    "squad.optimize": ("Squad: optimize", "Solve in the background, showing each better plan"),
    "squad.stop": ("Stop optimizing", "Keep the best plan found so far (on Squad: or cancel a move)"),
    "squad.move": ("Squad: move/swap selected player", "v on a player picks him, v on another or a free place puts him"),
    "squad.details": ("Squad: the whole plan as text", "Every name, build and deficit in full"),
    "squad.lock_party": ("Squad: lock/unlock selected player's party", "Re-plans around the lock"),
    "squad.lock_build": ("Squad: lock/unlock selected player's build", "Re-plans around the lock"),
    "squad.export": ("Squad: export plan to a file", "Plain text, ready for Discord"),
    "squad.copy": ("Squad: copy plan to the clipboard", "OSC 52: works over SSH in most terminals"),
    "squad.discord": ("Squad: post plan to Discord", "To alerts.plan_webhook; posting again edits those messages"),
    "squad.heat": ("Squad: hide/show the coverage heat map", "More room for the party grid"),
    "maps.map": ("Maps: filter by map", "Cycles all, EBG, Red/Blue/Green BL"),
    "maps.type": ("Maps: filter by type", "Cycles all, camp, tower, keep, castle, ruins, mercenary"),
    "maps.sort": ("Maps: change sort", "map, owner, type, time held, tier"),
    "events.kind": ("Events: filter by kind", "Cycles all, captures, claims, unclaims, upgrades, skirmishes"),
    "events.map": ("Events: filter by map", "Cycles all, EBG, Red/Blue/Green BL"),
}


@dataclass(frozen=True)
class Command:
    title: str
    help: str
    run: Callable[[], object]


def commands(screen: Screen) -> Iterator[Command]:
    """What the palette offers on ``screen``: the screen switches, then its applicable bindings."""
    app = screen.app
    for i, (key, title) in enumerate(SCREENS, 1):
        yield Command(f"Show {title} ({i})", f"Switch to the {title} screen", partial(app.run_action, f"show('{key}')"))
    applies = getattr(screen, "command_applies", lambda _id: True)
    seen = set()
    bindings = [(b, app) for b in app.BINDINGS] + [(b, screen) for b in getattr(screen, "BINDINGS", [])]
    for b, owner in bindings:
        if not isinstance(b, Binding) or b.id not in TITLES or TITLES[b.id][0] in seen or not applies(b.id):
            continue
        title, help_ = TITLES[b.id]
        seen.add(title)
        # run after the palette has closed, on what declared the binding (the screen it was opened from)
        yield Command(f"{title} ({effective_key(app, b)})", help_,
                      partial(app.call_later, app.run_action, b.action, owner))


class WarclawCommands(Provider):
    async def discover(self) -> Hits:
        for c in commands(self.screen):
            yield DiscoveryHit(c.title, c.run, help=c.help)

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for c in commands(self.screen):
            if (score := matcher.match(c.title)) > 0:
                yield Hit(score, matcher.highlight(c.title), c.run, help=c.help)
