"""Rosters: who plays, which builds each allows (in preference order), locks and `with` groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from warclaw.common import ROSTER_KEYS, clean, player_problem
from warclaw.engine.catalog import Catalog
from warclaw.engine.errors import RosterError


@dataclass(frozen=True)
class Player:
    name: str
    builds: tuple[str, ...]            # as written: build ids or spec names, preference order
    allowed: tuple[tuple[str, int], ...]  # resolved (build id, rank), rank = index of first entry allowing it
    commander: bool = False
    lock_party: int | None = None
    lock_build: str | None = None      # as written
    locked_builds: tuple[str, ...] = ()  # resolved build ids of lock_build
    with_: tuple[str, ...] = ()
    present: bool = True

    def options(self) -> list[tuple[str, int]]:
        """The builds this player may be given: all allowed, or those of the lock."""
        if self.locked_builds:
            return [(b, r) for b, r in self.allowed if b in self.locked_builds]
        return list(self.allowed)

    def rank(self, build_id: str) -> int | None:
        for b, r in self.allowed:
            if b == build_id:
                return r
        return None


@dataclass(frozen=True)
class Roster:
    players: tuple[Player, ...]
    mode: str | None = None
    source: str = "roster"
    by_name: dict[str, Player] = field(default_factory=dict, compare=False, repr=False)

    def __post_init__(self) -> None:
        self.by_name.update({p.name: p for p in self.players})

    def present(self) -> Roster:
        """The roster of present players only (absent players are not planned)."""
        keep = {p.name for p in self.players if p.present}
        players = tuple(
            Player(**{**p.__dict__, "with_": tuple(w for w in p.with_ if w in keep)})
            for p in self.players if p.present
        )
        return Roster(players=players, mode=self.mode, source=self.source)


def resolve_entry(catalog: Catalog, entry: str) -> list[str]:
    """A build id stands for itself; a spec name for every catalog build of that spec."""
    if entry in catalog.builds:
        return [entry]
    key = entry.lower()
    if key in catalog.specs:
        return sorted(b.id for b in catalog.builds_of_spec(key))
    return []


def player_from_mapping(d: Any, catalog: Catalog, where: str) -> Player:
    problem = player_problem(d, where)  # the fields (warclaw.common: the store checks with the same rules)
    if problem:
        raise RosterError(problem)
    name, builds = d["name"], d["builds"]
    where = f"{where} ({name})"
    allowed: dict[str, int] = {}
    for rank, entry in enumerate(builds):
        ids = resolve_entry(catalog, entry)
        if not ids:
            raise RosterError(f"{where}.builds: {clean(entry, 60)!r} is neither a catalog build id nor a spec name")
        for b in ids:
            allowed.setdefault(b, rank)
    lock_build = d.get("lock_build")
    locked: tuple[str, ...] = ()
    if lock_build is not None:
        locked = tuple(b for b in resolve_entry(catalog, lock_build) if b in allowed)
        if not locked:
            raise RosterError(f"{where}.lock_build: {clean(lock_build, 60)!r} is not one of the player's builds {builds}")
    return Player(name=name, builds=tuple(builds), allowed=tuple(allowed.items()), commander=d.get("commander", False),
                  lock_party=d.get("lock_party"), lock_build=lock_build, locked_builds=locked,
                  with_=tuple(d.get("with", [])), present=d.get("present", True))


def roster_from_mapping(data: Any, catalog: Catalog, source: str = "roster") -> Roster:
    if not isinstance(data, dict):
        raise RosterError(f"{source}: expected a table with [[players]]")
    unknown = set(data) - ROSTER_KEYS
    if unknown:
        raise RosterError(f"{source}: unknown key {sorted(unknown)[0]!r}; expected mode, players")
    mode = data.get("mode")
    if mode is not None:
        if not isinstance(mode, str):
            raise RosterError(f"{source}: mode: expected a string")
        if mode not in catalog.modes:
            raise RosterError(f"{source}: mode: unknown mode {clean(mode, 40)!r}; expected one of: {', '.join(sorted(catalog.modes))}")
    raw = data.get("players")
    if not isinstance(raw, list) or not raw:
        raise RosterError(f"{source}: players: expected at least one [[players]] entry")
    players = [player_from_mapping(d, catalog, f"{source}: players[{i}]") for i, d in enumerate(raw)]
    seen: set[str] = set()
    for p in players:
        if p.name in seen:
            raise RosterError(f"{source}: players: {p.name!r} is listed twice")
        seen.add(p.name)
    for p in players:
        for w in p.with_:
            if w == p.name:
                raise RosterError(f"{source}: players ({p.name}).with: a player cannot be 'with' themselves")
            if w not in seen:
                raise RosterError(f"{source}: players ({p.name}).with: unknown player {w!r}")
    return Roster(players=tuple(players), mode=mode, source=source)

