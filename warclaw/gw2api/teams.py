"""Post-2024 WvW team ids and their names (the table ships as data: no endpoint names teams)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources

NA_TEAM_IDS = range(11001, 11100)
EU_TEAM_IDS = range(12001, 12100)


@lru_cache(maxsize=1)
def _table() -> dict[int, tuple[str, str]]:
    raw = json.loads(resources.files("warclaw.gw2api").joinpath("data/teams.json").read_text("utf-8"))
    return {int(tid): (name, region) for region in ("na", "eu") for tid, name in raw[region].items()}


def is_team_id(world_or_team: int) -> bool:
    """5-digit ids in ``all_worlds`` are teams; 4-digit ones are legacy worlds."""
    return world_or_team in NA_TEAM_IDS or world_or_team in EU_TEAM_IDS


def team_region(team_id: int) -> str | None:
    if team_id in NA_TEAM_IDS:
        return "na"
    if team_id in EU_TEAM_IDS:
        return "eu"
    return None


def team_name(team_id: int) -> str | None:
    """The team's name, or None for an id the shipped table does not know (e.g. a new team)."""
    entry = _table().get(team_id)
    return entry[0] if entry else None


def team_label(team_id: int) -> str:
    """A name for display that never fails: the name, or ``Team 12016`` for an unknown id."""
    return team_name(team_id) or f"Team {team_id}"


def all_teams(region: str | None = None) -> dict[int, str]:
    return {tid: name for tid, (name, reg) in _table().items() if region is None or reg == region}
