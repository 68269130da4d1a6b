"""Fixed matchup data for the TUI tests and snapshots, written through the store's ingest API."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

from warclaw.store import Store
from warclaw.store.ingest import apply_guild, apply_match, apply_objectives, apply_teams
from warclaw.store.status import beat, record_poll

START = datetime(2026, 11, 20, 18, 0, tzinfo=UTC)
NOW = START + timedelta(hours=5, minutes=17, seconds=30)  # skirmish 3, 42:30 left
MAPS = ((38, "Center", "Eternal Battlegrounds"), (1099, "RedHome", "Red Desert Borderlands"),
        (95, "GreenHome", "Green Alpine Borderlands"), (96, "BlueHome", "Blue Alpine Borderlands"))
OBJS = (("1", "Camp", "Neutral", "Hills Camp"), ("2", "Tower", "Green", "Langor Tower"),
        ("3", "Keep", "Blue", "Overlook"), ("4", "Castle", "Red", "Stonemist"))
GUILD = "11111111-2222-3333-4444-555555555555"
PENDING = "99999999-8888-7777-6666-555555555555"  # claims a tower; /v2/guild has not named it yet
# 0 points per tick, no lord: recorded ids, names and shapes (tyria_2025 objectives and match 2-1)
ZERO_PPT = (("96-62", "Ruins", "BlueHome", 96, "Temple of Lost Prayers"),
            ("38-123", "Mercenary", "Center", 38, "Molevekian Delve"))


def iso(t: datetime) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def match_body(at: datetime, skirmish: int, scale: int) -> dict[str, Any]:
    maps = []
    for mid, mtype, _ in MAPS:
        objs = []
        for suffix, otype, owner, _name in OBJS:
            o: dict[str, Any] = {"id": f"{mid}-{suffix}", "type": otype, "owner": owner,
                                 "last_flipped": iso(START + timedelta(minutes=3)),
                                 "points_tick": {"Camp": 2, "Tower": 4, "Keep": 8, "Castle": 12}[otype],
                                 "points_capture": 2, "claimed_by": None, "claimed_at": None,
                                 "yaks_delivered": 0, "guild_upgrades": []}
            objs.append(o)
        maps.append({"id": mid, "type": mtype, "scores": {"red": 10 * scale, "green": 7 * scale, "blue": 5 * scale},
                     "kills": {"red": 3 * scale, "green": 2 * scale, "blue": scale},
                     "deaths": {"red": scale, "green": 2 * scale, "blue": 3 * scale}, "bonuses": [],
                     "objectives": objs})
    return {
        "id": "2-1", "start_time": iso(START), "end_time": iso(START + timedelta(days=7, minutes=-2)),
        "scores": {"red": 400 * scale, "green": 300 * scale, "blue": 200 * scale},
        "worlds": {"red": 2014, "green": 2007, "blue": 2006},
        "all_worlds": {"red": [12014, 2014], "green": [12007, 2007], "blue": [12006, 2006]},
        "kills": {"red": 12 * scale, "green": 8 * scale, "blue": 4 * scale},
        "deaths": {"red": 4 * scale, "green": 8 * scale, "blue": 12 * scale},
        "victory_points": {"red": 5 * (skirmish - 1), "green": 4 * (skirmish - 1), "blue": 3 * (skirmish - 1)},
        "skirmishes": [{"id": i, "scores": {"red": 300 + i, "green": 200 + i, "blue": 100 + i}, "map_scores": []}
                       for i in range(1, skirmish + 1)],
        "maps": maps,
    }


def find(body: dict[str, Any], oid: str) -> dict[str, Any]:
    return next(o for m in body["maps"] for o in m["objectives"] if o["id"] == oid)


def played(body: dict[str, Any], now: datetime, step: int) -> dict[str, Any]:
    """``body`` with what happened up to poll ``step``: Hills Camp taken (1), then Langor Tower
    (Blue) taken and claimed (2)."""
    if step >= 1:
        find(body, "38-1").update(owner="Green", last_flipped=iso(START + timedelta(hours=2, minutes=30)))
    if step >= 2:
        find(body, "96-2").update(owner="Red", last_flipped=iso(now - timedelta(minutes=3)), claimed_by=GUILD,
                                  claimed_at=iso(now - timedelta(minutes=2, seconds=30)), yaks_delivered=25,
                                  points_tick=6)  # tier 1
    return body


def seed_matchup(store: Store, now: datetime = NOW, daemon: bool = True) -> None:
    """A match polled a few times: captures, a guild claim, a tier upgrade, a skirmish result."""
    with store.write() as s:
        apply_teams(s, {12014: "Dragon's Watch", 12007: "Moogooloo", 12006: "Yohlon Haven"})
        apply_objectives(s, [{"id": f"{mid}-{suf}", "name": f"{name}" if mid == 38 else f"{name} ({mtype[:-4]})",
                              "type": otype, "map_type": mtype, "map_id": mid, "upgrade_id": 1}
                             for mid, mtype, _ in MAPS for suf, otype, _, name in OBJS],
                         [{"id": 1, "tiers": [{"yaks_required": 20}, {"yaks_required": 40}, {"yaks_required": 80}]}])
    steps = [(START + timedelta(hours=1), 1, 1), (START + timedelta(hours=3), 2, 2),
             (now - timedelta(minutes=2), 3, 3)]
    for i, (at, skirmish, scale) in enumerate(steps):
        body = played(match_body(at, skirmish, scale), now, i)
        with store.write() as s:
            apply_match(s, copy.deepcopy(body), at)
        with store.write() as s:
            apply_guild(s, GUILD, {"name": "Vigil Keepers", "tag": "VK"}, at)
    with store.write() as s:
        if daemon:
            beat(s, now - timedelta(seconds=4), started_at=START)
            record_poll(s, "matches", now - timedelta(minutes=2))
            record_poll(s, "guilds", now - timedelta(seconds=30), error="HTTP 503 from /v2/guild")


def seed_zero_ppt_and_pending(store: Store, now: datetime = NOW) -> None:
    """One more poll: a Ruins and a Mercenary camp taken a minute ago (their entries carry no claim
    keys, as the API's do) and Langor Tower (Green) taken by Blue and claimed by a guild not named yet."""
    with store.write() as s:
        apply_objectives(s, [{"id": oid, "name": name, "type": otype, "map_type": mtype, "map_id": mid}
                             for oid, otype, mtype, mid, name in ZERO_PPT])
    at = now - timedelta(minutes=1)
    body = played(match_body(at, 3, 3), now, 2)
    find(body, "95-2").update(owner="Blue", last_flipped=iso(at), claimed_by=PENDING, claimed_at=iso(at))
    for oid, otype, mtype, _, _ in ZERO_PPT:
        m = next(m for m in body["maps"] if m["type"] == mtype)
        m["objectives"].append({"id": oid, "type": otype, "owner": "Red", "last_flipped": iso(at),
                                "points_tick": 0, "points_capture": 0})
    with store.write() as s:
        apply_match(s, body, at)


def flip(store: Store, now: datetime, oid: str = "95-2", owner: str = "Blue") -> None:
    """A later poll where one more objective changes hands (for live-refresh tests)."""
    body = match_body(now, 3, 4)
    find(body, "38-1").update(owner="Green", last_flipped=iso(START + timedelta(hours=2, minutes=30)))
    find(body, "96-2").update(owner="Red", last_flipped=iso(NOW - timedelta(minutes=3)), claimed_by=GUILD,
                              claimed_at=iso(NOW - timedelta(minutes=2, seconds=30)), yaks_delivered=25)
    find(body, oid).update(owner=owner, last_flipped=iso(now - timedelta(seconds=20)))
    with store.write() as s:
        apply_match(s, body, now)
