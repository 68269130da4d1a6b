"""A roster, a catalog and a mode turned into the numbers every solver works on.

Also where infeasibility is found early, with a reason a commander can act on: locks and
`with` groups form *units* (players that must share one party), which must each fit a party and
carry at most one party number.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from warclaw.engine.catalog import Catalog, Mode
from warclaw.engine.errors import InfeasibleRoster
from warclaw.engine.roster import Player, Roster
from warclaw.engine.score import party_count

SQUAD_SCALE = 100  # squad contributions are kept as integers of 1/100 rating point


@dataclass
class Group:
    """Players that must share one party; ``label`` is the party number a lock fixes, if any."""

    members: list[int]
    label: int | None


@dataclass
class Problem:
    catalog: Catalog
    mode: Mode
    players: list[Player]
    n: int
    parties: int
    size: int
    caps: tuple[str, ...]        # counted boons, then "slot:<name>" per party slot
    targets: np.ndarray          # (K,) boon targets, slot counts
    weights: np.ndarray          # (K,)
    squad_caps: tuple[str, ...]  # counted squad ratings, then "utility:<tag>"
    squad_cap: np.ndarray        # (S,) S_k · N/10 rating points; m_u for a utility
    squad_coef: np.ndarray       # (S,) W_k / S_k (U_u / m_u): score per unit below the cap
    options: list[list[str]]     # per player: build ids it may take
    pref: list[dict[str, float]]  # per player: build -> preference term
    build_vec: dict[str, np.ndarray]    # party vector over caps, clipped at the targets
    build_squad: dict[str, np.ndarray]  # squad contribution over squad_caps
    class_of: dict[str, int]     # build -> class (builds with one clipped party vector share a class)
    class_vec: np.ndarray        # (C, K)
    groups: list[Group]
    free: list[int]              # players in no group

    def party_values(self, vectors: np.ndarray) -> np.ndarray:
        """Party term of the score for rows of summed party vectors (…, K)."""
        capped = np.minimum(1.0, vectors / self.targets)
        return capped @ self.weights  # one pass over the last axis, at any number of rows

    def player_classes(self, p: int) -> list[int]:
        return sorted({self.class_of[b] for b in self.options[p]})


def build_problem(roster: Roster, catalog: Catalog, mode: Mode) -> Problem:
    players = [p for p in roster.players if p.present]
    if not players:
        raise InfeasibleRoster(f"{roster.source}: no present players to plan")
    n = len(players)
    size = mode.party_size
    parties = party_count(n, size)
    # Party slots are capabilities like the boons: slot s is the capability "slot:s", a build in
    # its list gives 1, the target is the slot's count. Squad utilities are squad capabilities
    # "utility:u" capped at m_u. Every solver then prices both terms with no special case.
    slots = mode.counted_slots()
    boons = mode.counted_party_caps()
    caps = boons + tuple(f"slot:{sl.slot}" for sl in slots)
    targets = np.array([mode.party_targets[k] for k in boons] + [float(sl.count) for sl in slots], dtype=float)
    weights = np.array([mode.party_weights[k] for k in boons] + [sl.weight for sl in slots], dtype=float)
    utilities = mode.counted_utilities()
    squad_boons = mode.counted_squad_caps()
    squad_caps = squad_boons + tuple(f"utility:{u}" for u in utilities)
    squad_cap = np.array([mode.squad_targets[k] * n / 10 for k in squad_boons]
                         + [float(mode.squad_utility_min[u]) for u in utilities], dtype=float)
    squad_coef = np.array([mode.squad_weights[k] / mode.squad_targets[k] for k in squad_boons]
                          + [mode.squad_utility_weights[u] / mode.squad_utility_min[u] for u in utilities],
                          dtype=float)

    options, pref = [], []
    used: set[str] = set()
    for p in players:
        opts = p.options()
        options.append([b for b, _ in opts])
        pref.append({b: mode.preference_weight / (1 + r) for b, r in opts})
        used.update(b for b, _ in opts)
    build_vec, build_squad, class_of, class_rows = {}, {}, {}, {}
    for b in sorted(used):
        build = catalog.builds[b]
        vec = np.minimum(np.array([build.party.get(k, 0.0) for k in boons]
                                  + [float(b in sl.builds) for sl in slots], dtype=float), targets)
        build_vec[b] = vec
        build_squad[b] = np.array([build.squad.get(k, 0.0) for k in squad_boons]
                                  + [float(u in build.utility) for u in utilities], dtype=float)
        key = tuple(np.round(vec, 9))
        class_of[b] = class_rows.setdefault(key, len(class_rows))
    class_vec = np.array(list(class_rows), dtype=float).reshape(len(class_rows), len(caps))
    groups = _groups(players, parties, size, roster.source)
    grouped = {m for g in groups for m in g.members}
    free = [i for i in range(n) if i not in grouped]
    return Problem(catalog, mode, players, n, parties, size, caps, targets, weights, squad_caps, squad_cap,
                   squad_coef, options, pref, build_vec, build_squad, class_of, class_vec, groups, free)


def _groups(players: list[Player], parties: int, size: int, source: str) -> list[Group]:
    index = {p.name: i for i, p in enumerate(players)}
    parent = list(range(len(players)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    by_lock: dict[int, int] = {}
    for i, p in enumerate(players):
        if p.lock_party is not None:
            if p.lock_party > parties:
                raise InfeasibleRoster(
                    f"{p.name} is locked to party {p.lock_party}, but {len(players)} player{'s' if len(players) > 1 else ''} "
                    f"make{'' if len(players) > 1 else 's'} only {parties} "
                    f"part{'y' if parties == 1 else 'ies'} of {size}")
            # Everyone locked to one party number shares that party.
            first = by_lock.setdefault(p.lock_party, i)
            parent[find(i)] = find(first)
        for w in p.with_:
            if w in index:
                parent[find(i)] = find(index[w])
    comps: dict[int, list[int]] = {}
    for i in range(len(players)):
        comps.setdefault(find(i), []).append(i)
    groups = []
    for members in comps.values():
        labels = sorted({players[m].lock_party for m in members if players[m].lock_party is not None})
        names = ", ".join(players[m].name for m in members)
        if len(labels) > 1:
            locked = "; ".join(f"{players[m].name} to party {players[m].lock_party}"
                               for m in members if players[m].lock_party is not None)
            raise InfeasibleRoster(f"{names} must share a party (with), but are locked apart: {locked}")
        if len(members) > size:
            what = f"locked to party {labels[0]}" if labels else "in one 'with' group"
            raise InfeasibleRoster(f"{len(members)} players {what} ({names}), but a party holds {size}")
        if len(members) > 1 or labels:
            groups.append(Group(sorted(members), labels[0] if labels else None))
    groups.sort(key=lambda g: (g.label is None, g.label or 0, g.members))
    unlabeled = sum(len(g.members) for g in groups if g.label is None)
    labeled = {g.label for g in groups if g.label is not None}
    room = size * (parties - len(labeled)) + sum(size - len(g.members) for g in groups if g.label is not None)
    if unlabeled > room:
        raise InfeasibleRoster(f"the 'with' groups need {unlabeled} places but only {room} are left after the locks")
    return groups
