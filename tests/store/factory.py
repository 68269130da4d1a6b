"""Small API-shaped match bodies for store tests (the fake server is for the daemon tests)."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

START = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def objective(oid: str, otype: str, owner: str, flipped: datetime, **extra: Any) -> dict[str, Any]:
    o: dict[str, Any] = {
        "id": oid,
        "type": otype,
        "owner": owner,
        "last_flipped": iso(flipped),
        "points_tick": {"Camp": 2, "Tower": 4, "Keep": 8, "Castle": 12}.get(otype, 0),
        "points_capture": 2,
    }
    if otype in ("Camp", "Tower", "Keep", "Castle"):
        o.update({"claimed_by": None, "claimed_at": None, "yaks_delivered": 0, "guild_upgrades": []})
    o.update(extra)
    return o


def make_match(api_id: str = "2-1", start: datetime = START, skirmishes: int = 1) -> dict[str, Any]:
    t0 = start + timedelta(minutes=1)
    maps = []
    for mid, mtype in ((38, "Center"), (1099, "RedHome"), (95, "GreenHome"), (96, "BlueHome")):
        maps.append(
            {
                "id": mid,
                "type": mtype,
                "scores": {"red": 0, "green": 0, "blue": 0},
                "kills": {"red": 0, "green": 0, "blue": 0},
                "deaths": {"red": 0, "green": 0, "blue": 0},
                "bonuses": [],
                "objectives": [
                    objective(f"{mid}-1", "Spawn", "Red", t0),
                    objective(f"{mid}-2", "Camp", "Neutral", t0),
                    objective(f"{mid}-3", "Tower", "Green", t0),
                    objective(f"{mid}-4", "Keep", "Blue", t0),
                ],
            }
        )
    return {
        "id": api_id,
        "start_time": iso(start),
        "end_time": iso(start + timedelta(days=7, minutes=-2)),
        "scores": {"red": 0, "green": 0, "blue": 0},
        "worlds": {"red": 2014, "green": 2007, "blue": 2006},
        "all_worlds": {"red": [12014, 2014], "green": [12007, 2007], "blue": [12006, 2202, 2006]},
        "deaths": {"red": 0, "green": 0, "blue": 0},
        "kills": {"red": 0, "green": 0, "blue": 0},
        "victory_points": {"red": 0, "green": 0, "blue": 0},
        "skirmishes": [
            {"id": i, "scores": {"red": 0, "green": 0, "blue": 0}, "map_scores": []}
            for i in range(1, skirmishes + 1)
        ],
        "maps": maps,
    }


def find_obj(match: dict[str, Any], oid: str) -> dict[str, Any]:
    for m in match["maps"]:
        for o in m["objectives"]:
            if o["id"] == oid:
                return o
    raise KeyError(oid)


def evolve(match: dict[str, Any]) -> dict[str, Any]:
    return copy.deepcopy(match)
