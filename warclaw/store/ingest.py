"""Writing what the API says into the store, and deriving events by diffing with what was there.

Everything here takes API-shaped dicts (the JSON bodies of ``/v2/wvw/matches`` etc.), so the
store does not depend on the API client's classes. One call is one transaction (the caller's
``Store.write()``): the state update and the events it implies commit together, and every event
carries a unique ``dedupe_key`` derived from the data (not from the time of the poll), so a
daemon killed half-way re-derives exactly the same events on its next run and writes each once.

Captures are dated by the objective's ``last_flipped``, not by when we noticed them: when the
API's match data has been frozen for an hour and re-syncs in one burst, each objective yields at
most one capture, at its true time, instead of a storm of captures "now".
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from warclaw.matchup.rules import region_of as rules_region_of
from warclaw.matchup.rules import rules as wvw_rules
from warclaw.matchup.rules import skirmish_at, skirmish_end
from warclaw.store.models import (
    Event,
    Guild,
    Match,
    MatchMap,
    MatchTeam,
    Objective,
    ObjectiveState,
    ScoreSample,
    Skirmish,
    Team,
)
from warclaw.store.schema import COLORS
from warclaw.store.types import parse_api_time
from warclaw.store.upsert import insert_ignore

# Yaks needed to reach tiers 1, 2, 3 when /v2/wvw/upgrades has not been read yet. The API lists
# 20/40/80 per tier; a tier's count comes on top of the previous ones.
DEFAULT_TIER_YAKS = (20, 60, 140)


@dataclass
class MatchResult:
    match_pk: int
    api_id: str
    new: bool = False
    changed: bool = False
    events: int = 0
    unknown_guilds: list[str] = field(default_factory=list)
    lagging: bool = False  # an older week than one already stored: a lagging API node, ignored


def region_of(api_id: str) -> str:
    """The stored region of a match id ("??" when the id does not say; the rules module decides)."""
    return rules_region_of(api_id) or "??"


def data_hash(data: Mapping[str, Any]) -> str:
    return hashlib.sha256(json.dumps(data, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def tier_for(yaks: int, thresholds: Sequence[int]) -> int:
    return sum(1 for t in thresholds if yaks >= t)


def objective_tier(o: Mapping[str, Any], thresholds: Sequence[int]) -> int:
    """An objective's upgrade tier: from ``points_tick``, which the tier sets exactly per objective
    type (``data/wvw_rules.toml``); from yaks delivered only where the points do not tell (yaks
    under-count: 19 of the recorded 2025 match's camps, towers and keeps are a tier higher)."""
    tick = o.get("points_tick")
    by_points = wvw_rules().tier(str(o.get("type", "")), tick if isinstance(tick, int) else None)
    if by_points is not None:
        return by_points
    return tier_for(int(o.get("yaks_delivered", 0) or 0), thresholds)


def _team_id(data: Mapping[str, Any], color: str) -> int:
    # Since the 2024 restructuring the 5-digit team id sits in all_worlds beside legacy worlds.
    for wid in data.get("all_worlds", {}).get(color, []) or []:
        if isinstance(wid, int) and wid >= 10000:
            return wid
    return int(data.get("worlds", {}).get(color, 0) or 0)


def _colors(values: Mapping[str, Any] | None) -> dict[str, int]:
    values = values or {}
    return {c: int(values.get(c, 0) or 0) for c in COLORS}


def insert_unless_exists(session: Session, model: type, values: dict[str, Any], keys: Sequence[str]) -> bool:
    """Insert a row unless one with the same unique ``keys`` exists (one statement, no race on
    SQLite and PostgreSQL); True if it was new."""
    return insert_ignore(session, model, list(keys), values)


def insert_event(session: Session, **values: Any) -> bool:
    """Insert an event unless one with the same dedupe_key exists; True if it was new."""
    return insert_ignore(session, Event, ["dedupe_key"], values)


def load_tier_thresholds(session: Session) -> dict[str, list[int]]:
    return {oid: list(t) for oid, t in session.execute(select(Objective.id, Objective.tier_yaks)) if t}


def apply_match(
    session: Session,
    data: Mapping[str, Any],
    now: datetime,
    tier_yaks: Mapping[str, Sequence[int]] | None = None,
) -> MatchResult:
    """Record one fetched match object (the full ``/v2/wvw/matches`` shape)."""
    api_id = str(data["id"])
    start = parse_api_time(data["start_time"])
    end = parse_api_time(data["end_time"])
    if start is None or end is None:
        raise ValueError(f"match {api_id}: start_time/end_time missing")
    digest = data_hash(data)

    # "Live" is judged per match id and by end_time: a body whose week ends before one already
    # stored for the same match id comes from a node that has not seen the reset (it answers with
    # last week's start_time and end_time); writing it would move last week's row and its events
    # backwards. Per match, not across them: during a relink the tiers switch one at a time, so
    # another match still showing last week says nothing about this one.
    newer = session.scalar(
        select(Match.id).where(Match.api_id == api_id, Match.end_time > end).order_by(Match.end_time.desc())
    )
    if newer is not None:
        return MatchResult(match_pk=newer, api_id=api_id, lagging=True)

    match = session.scalar(select(Match).where(Match.api_id == api_id, Match.start_time == start))
    result = MatchResult(match_pk=0, api_id=api_id)
    if match is None:
        match = Match(
            api_id=api_id,
            region=region_of(api_id),
            tier=int(api_id.split("-", 1)[1]) if "-" in api_id else 0,
            start_time=start,
            end_time=end,
            first_seen_at=now,
            polled_at=now,
            changed_at=now,
            data_hash="",
        )
        session.add(match)
        session.flush()
        result.new = True
        previous = session.scalar(
            select(Match.id)
            .where(Match.api_id == api_id, Match.start_time < start)
            .order_by(Match.start_time.desc())
        )
        if previous is not None:
            result.events += insert_event(
                session,
                match_id=match.id,
                occurred_at=start,
                recorded_at=now,
                kind="match_reset",
                detail={"previous_match": previous},
                dedupe_key=f"reset:{api_id}:{start.isoformat()}",
            )
    result.match_pk = match.id
    match.polled_at = now
    if match.data_hash == digest:
        return result  # frozen API data, or nothing happened: "stale since" keeps counting
    result.changed = True
    match.data_hash = digest
    match.changed_at = now
    match.end_time = end

    _apply_totals(session, match, data, now)
    result.events += _apply_skirmishes(session, match, data, now)
    if tier_yaks is None:
        tier_yaks = load_tier_thresholds(session)
    # Events the data does not date (tier upgrades) are dated by the API's own clock, the newest
    # timestamp in the data, so they sort correctly among captures even when the API lags (or is
    # the fake server replaying another week).
    match.data_time = max(filter(None, (_newest_time(data), match.data_time)), default=None)
    events, guilds = _apply_objectives(
        session, match, data, now, match.data_time or now, tier_yaks, first_sight=result.new
    )
    result.events += events
    result.unknown_guilds = note_guilds(session, guilds, now)
    return result


def _newest_time(data: Mapping[str, Any]) -> datetime | None:
    newest = None
    for m in data.get("maps", []) or []:
        for o in m.get("objectives", []) or []:
            for key in ("last_flipped", "claimed_at"):
                t = parse_api_time(o.get(key))
                if t is not None and (newest is None or t > newest):
                    newest = t
    return newest


def _apply_totals(session: Session, match: Match, data: Mapping[str, Any], now: datetime) -> None:
    scores, vps = _colors(data.get("scores")), _colors(data.get("victory_points"))
    kills, deaths = _colors(data.get("kills")), _colors(data.get("deaths"))
    teams = {t.color: t for t in match.teams}
    sample_changed = not teams
    for c in COLORS:
        t = teams.get(c)
        if t is None:
            t = MatchTeam(color=c, team_id=0, world_id=0)
            match.teams.append(t)
        t.team_id = _team_id(data, c)
        t.world_id = int(data.get("worlds", {}).get(c, 0) or 0)
        t.all_worlds = list(data.get("all_worlds", {}).get(c, []) or [])
        new = (scores[c], vps[c], kills[c], deaths[c])
        if (t.score, t.victory_points, t.kills, t.deaths) != new:
            sample_changed = True
        t.score, t.victory_points, t.kills, t.deaths = new

    maps = {m.map_type: m for m in match.maps}
    compact: dict[str, list[list[int]]] = {}
    for m in data.get("maps", []) or []:
        mtype = str(m.get("type"))
        row = maps.get(mtype)
        if row is None:
            row = MatchMap(map_type=mtype, map_id=int(m.get("id", 0)))
            match.maps.append(row)
            sample_changed = True
        s, k, d = _colors(m.get("scores")), _colors(m.get("kills")), _colors(m.get("deaths"))
        if (row.scores, row.kills, row.deaths) != (s, k, d):
            sample_changed = True
        row.scores, row.kills, row.deaths = s, k, d
        row.bonuses = list(m.get("bonuses", []) or [])
        compact[mtype] = [[s[c] for c in COLORS], [k[c] for c in COLORS], [d[c] for c in COLORS]]

    if sample_changed:
        # The running skirmish as the API counts it (the newest entry); by the clock only if absent.
        ids = [int(s["id"]) for s in data.get("skirmishes", []) or [] if "id" in s]
        skirmish = max(ids) if ids else skirmish_at(match.start_time, match.end_time, now)
        session.add(
            ScoreSample(
                match_id=match.id,
                sampled_at=now,
                skirmish=skirmish,
                **{f"{c}_score": scores[c] for c in COLORS},
                **{f"{c}_vp": vps[c] for c in COLORS},
                **{f"{c}_kills": kills[c] for c in COLORS},
                **{f"{c}_deaths": deaths[c] for c in COLORS},
                maps=compact,
            )
        )


def _places(scores: Mapping[str, int]) -> dict[str, int]:
    order = sorted(COLORS, key=lambda c: -scores[c])
    return {c: order.index(c) + 1 for c in COLORS}


def _apply_skirmishes(session: Session, match: Match, data: Mapping[str, Any], now: datetime) -> int:
    incoming = {int(s["id"]): s for s in data.get("skirmishes", []) or [] if "id" in s}
    if not incoming:
        return 0
    stored = {s.number: s for s in session.scalars(select(Skirmish).where(Skirmish.match_id == match.id))}
    prev_last = max(stored) if stored else None
    for number, s in incoming.items():
        sc = _colors(s.get("scores"))
        row = stored.get(number)
        if row is None:
            row = Skirmish(match_id=match.id, number=number)
            session.add(row)
            stored[number] = row
        row.red_score, row.green_score, row.blue_score = sc["red"], sc["green"], sc["blue"]
        row.map_scores = list(s.get("map_scores", []) or [])
    # A new skirmish appearing means the ones before it ended. No events on first sight of a match:
    # its past skirmishes are history, not news.
    if prev_last is None:
        return 0
    count = 0
    for number in range(prev_last, max(incoming)):
        row = stored.get(number)
        if row is None:
            continue
        sc = {"red": row.red_score, "green": row.green_score, "blue": row.blue_score}
        places = _places(sc)
        count += insert_event(
            session,
            match_id=match.id,
            occurred_at=skirmish_end(match.start_time, match.end_time, number),
            recorded_at=now,
            kind="skirmish_ended",
            team=min(places, key=places.__getitem__),
            detail={"skirmish": number, "scores": sc, "places": places},
            dedupe_key=f"skirmish:{match.id}:{number}",
        )
    return count


def _apply_objectives(
    session: Session,
    match: Match,
    data: Mapping[str, Any],
    now: datetime,
    data_now: datetime,
    tier_yaks: Mapping[str, Sequence[int]],
    first_sight: bool,
) -> tuple[int, set[str]]:
    states = {
        s.objective_id: s
        for s in session.scalars(select(ObjectiveState).where(ObjectiveState.match_id == match.id))
    }
    events = 0
    guilds: set[str] = set()
    for m in data.get("maps", []) or []:
        mtype = str(m.get("type"))
        for o in m.get("objectives", []) or []:
            oid = str(o["id"])
            owner = str(o.get("owner") or "Neutral")
            flipped = parse_api_time(o.get("last_flipped"))
            claimed_by = o.get("claimed_by") or None
            claimed_at = parse_api_time(o.get("claimed_at"))
            yaks = int(o.get("yaks_delivered", 0) or 0)
            tier = objective_tier(o, tier_yaks.get(oid, DEFAULT_TIER_YAKS))
            if claimed_by:
                guilds.add(claimed_by)
            old = states.get(oid)
            if old is None:
                old = ObjectiveState(
                    match_id=match.id, objective_id=oid, type=str(o.get("type", "")), map_type=mtype
                )
                session.add(old)
                states[oid] = old
            elif flipped and old.last_flipped and flipped < old.last_flipped:
                continue  # an older copy from a lagging API node: never move state backwards
            elif not first_sight:
                events += _objective_events(
                    session, match, old, o, owner, flipped, claimed_by, claimed_at, tier, now, data_now
                )
            old.owner = owner
            old.last_flipped = flipped
            old.claimed_by = claimed_by
            old.claimed_at = claimed_at
            old.yaks_delivered = yaks
            old.points_tick = int(o.get("points_tick", 0) or 0)
            old.points_capture = int(o.get("points_capture", 0) or 0)
            old.upgrade_tier = tier
            old.guild_upgrades = list(o.get("guild_upgrades", []) or [])
            old.updated_at = now
    return events, guilds


def _objective_events(
    session: Session,
    match: Match,
    old: ObjectiveState,
    o: Mapping[str, Any],
    owner: str,
    flipped: datetime | None,
    claimed_by: str | None,
    claimed_at: datetime | None,
    tier: int,
    now: datetime,
    data_now: datetime,
) -> int:
    oid = old.objective_id
    base = {"match_id": match.id, "recorded_at": now, "objective_id": oid, "map_type": old.map_type}
    count = 0
    captured = flipped is not None and flipped != old.last_flipped
    if captured:
        assert flipped is not None
        detail: dict[str, Any] = {
            "type": old.type,
            "delay_seconds": max(0, int((now - flipped).total_seconds())),
        }
        if old.last_flipped is not None:
            detail["held_seconds"] = int((flipped - old.last_flipped).total_seconds())
        count += insert_event(
            session,
            **base,
            occurred_at=flipped,
            kind="captured",
            team=owner,
            prev_team=old.owner,
            detail=detail,
            dedupe_key=f"capture:{match.id}:{oid}:{flipped.isoformat()}",
        )
    if claimed_by and (claimed_by != old.claimed_by or claimed_at != old.claimed_at):
        when = claimed_at or data_now
        count += insert_event(
            session,
            **base,
            occurred_at=when,
            kind="claimed",
            team=owner,
            guild_id=claimed_by,
            detail={"type": old.type},
            dedupe_key=f"claim:{match.id}:{oid}:{claimed_by}:{when.isoformat()}",
        )
    if old.claimed_by and claimed_by != old.claimed_by:
        # The claiming guild lost it (dropped, or the objective fell): dated by the new data.
        since = old.claimed_at.isoformat() if old.claimed_at else "?"
        count += insert_event(
            session,
            **base,
            occurred_at=flipped if captured and flipped else data_now,
            kind="unclaimed",
            team=old.owner,
            guild_id=old.claimed_by,
            detail={"type": old.type},
            dedupe_key=f"unclaim:{match.id}:{oid}:{old.claimed_by}:{since}",
        )
    if not captured and tier > old.upgrade_tier and flipped is not None:
        count += insert_event(
            session,
            **base,
            occurred_at=data_now,
            kind="upgraded",
            team=owner,
            detail={"type": old.type, "tier": tier, "yaks_delivered": int(o.get("yaks_delivered", 0) or 0)},
            dedupe_key=f"tier:{match.id}:{oid}:{flipped.isoformat()}:{tier}",
        )
    return count


# --- static data and guilds -------------------------------------------------------------------


def apply_objectives(
    session: Session, objectives: Iterable[Mapping[str, Any]], upgrades: Iterable[Mapping[str, Any]] = ()
) -> int:
    """Upsert ``/v2/wvw/objectives`` (with tier thresholds from ``/v2/wvw/upgrades``)."""
    thresholds: dict[int, list[int]] = {}
    for u in upgrades:
        total, cum = 0, []
        for t in u.get("tiers", []) or []:
            total += int(t.get("yaks_required", 0) or 0)
            cum.append(total)
        thresholds[int(u["id"])] = cum
    n = 0
    for o in objectives:
        upgrade_id = o.get("upgrade_id")
        session.merge(
            Objective(
                id=str(o["id"]),
                name=str(o.get("name", "")),
                type=str(o.get("type", "")),
                map_type=str(o.get("map_type", "")),
                map_id=int(o.get("map_id", 0) or 0),
                sector_id=o.get("sector_id"),
                upgrade_id=upgrade_id,
                coord=o.get("coord"),
                label_coord=o.get("label_coord"),
                chat_link=o.get("chat_link"),
                tier_yaks=thresholds.get(upgrade_id, []) if upgrade_id is not None else [],
            )
        )
        n += 1
    return n


def apply_teams(session: Session, names: Mapping[int, str], kind: str = "team") -> int:
    """Upsert team (or world) names; the region comes from the id (1xxx/11xxx NA, 2xxx/12xxx EU)."""
    for tid, name in names.items():
        session.merge(Team(id=int(tid), name=name, region=rules_region_of(None, [tid]), kind=kind))
    return len(names)


def note_guilds(session: Session, guild_ids: Iterable[str], now: datetime) -> list[str]:
    """Record guild ids seen claiming; returns the ones never seen before."""
    ids = sorted(set(guild_ids))
    if not ids:
        return []
    known = set(session.scalars(select(Guild.id).where(Guild.id.in_(ids))))
    fresh = [g for g in ids if g not in known]
    for g in fresh:
        session.add(Guild(id=g, first_seen_at=now))
    return fresh


def apply_guild(
    session: Session, guild_id: str, body: Mapping[str, Any] | None, now: datetime, error: str = ""
) -> None:
    """Store a fetched ``/v2/guild/:id`` (or why it could not be fetched)."""
    row = session.get(Guild, guild_id) or Guild(id=guild_id, first_seen_at=now)
    if body is not None:
        row.name = str(body.get("name", ""))[:80] or None
        row.tag = str(body.get("tag", ""))[:8] or None
        row.fetch_error = None
    else:
        row.fetch_error = error[:200] or "unknown error"
    row.fetched_at = now
    session.add(row)


# A guild's name is cached: asked again after a week (guilds rename, tags change), and after a
# day when the API could not name it (a guild deleted, or a transient refusal).
GUILD_REFRESH = timedelta(days=7)
GUILD_RETRY = timedelta(days=1)


def guilds_to_fetch(session: Session, limit: int = 50, now: datetime | None = None) -> list[str]:
    """Guilds never asked first (oldest seen first), then, with ``now``, those due again."""
    from sqlalchemy import and_, or_

    due = Guild.fetched_at.is_(None)
    if now is not None:
        due = or_(due, and_(Guild.name.is_not(None), Guild.fetched_at < now - GUILD_REFRESH),
                  and_(Guild.name.is_(None), Guild.fetched_at < now - GUILD_RETRY))
    return list(
        session.scalars(
            select(Guild.id).where(due)
            .order_by(Guild.fetched_at.is_not(None), Guild.fetched_at, Guild.first_seen_at).limit(limit)
        )
    )
