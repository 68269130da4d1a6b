"""Read queries for the TUI and the CLI. Each takes a Session (``with store.read() as s:``) and
returns plain dataclasses or dicts, never ORM objects, so results outlive the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from warclaw.store.models import (
    COLORS,
    Event,
    Guild,
    Match,
    MatchTeam,
    Objective,
    ObjectiveState,
    ScoreSample,
    Skirmish,
    Team,
)

OWNERS = {"Red": "red", "Green": "green", "Blue": "blue"}
MAP_ORDER = {"Center": 0, "RedHome": 1, "BlueHome": 2, "GreenHome": 3}
# Spawns cannot be captured; they would only inflate every team's count.
UNCOUNTED_TYPES = ("Spawn",)


@dataclass(frozen=True)
class MatchSummary:
    pk: int
    match_id: str
    region: str
    tier: int
    start_time: datetime
    end_time: datetime


def _summary(m: Match) -> MatchSummary:
    return MatchSummary(m.id, m.api_id, m.region, m.tier, m.start_time, m.end_time)


def list_matches(session: Session, region: str | None = None) -> list[MatchSummary]:
    """The newest week of every match id (one row per ``api_id``), ordered by id."""
    q = select(Match).order_by(Match.api_id, Match.start_time.desc())
    if region:
        q = q.where(Match.region == region)
    seen: dict[str, MatchSummary] = {}
    for m in session.scalars(q):
        seen.setdefault(m.api_id, _summary(m))
    return list(seen.values())


def team_ids_for(session: Session, team: str | int) -> list[int]:
    """Team or world ids matching a configured team: an id, or a name (case-insensitive)."""
    text = str(team).strip()
    if text.isdigit():
        return [int(text)]
    rows = session.scalars(select(Team.id).where(Team.name.ilike(text)))
    return list(rows)


def find_match(
    session: Session, match_id: str | None = None, team: str | int | None = None
) -> MatchSummary | None:
    """The newest week of match ``match_id``; else the match of ``team``; else the first match."""
    q = select(Match).order_by(Match.start_time.desc(), Match.api_id)
    if match_id:
        q = q.where(Match.api_id == match_id)
    elif team not in (None, ""):
        ids = team_ids_for(session, team)  # type: ignore[arg-type]
        if not ids:
            return None
        sub = select(MatchTeam.match_id).where(or_(MatchTeam.team_id.in_(ids), MatchTeam.world_id.in_(ids)))
        q = q.where(Match.id.in_(sub))
    m = session.scalars(q.limit(1)).first()
    return _summary(m) if m else None


def _iso(t: datetime | None) -> str | None:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ") if t else None


def matchup(session: Session, match_pk: int, now: datetime) -> dict[str, Any] | None:
    """The current state of a match in the shape of ``warclaw matchup --json``.

    ``updated_at`` is the last successful poll; ``stale_seconds`` how long the API's data for the
    match has not changed (it freezes for up to an hour; kills alone change every few seconds in a
    live match, so a large value means frozen data or a stopped daemon).
    """
    m = session.get(Match, match_pk)
    if m is None:
        return None
    names = {
        t.id: t.name for t in session.scalars(select(Team).where(Team.id.in_([t.team_id for t in m.teams])))
    }
    ppt = {c: 0 for c in COLORS}
    per_map: dict[str, dict[str, int]] = {}
    states = session.execute(
        select(
            ObjectiveState.map_type, ObjectiveState.owner, ObjectiveState.points_tick, ObjectiveState.type
        ).where(ObjectiveState.match_id == match_pk)
    )
    for map_type, owner, tick, otype in states:
        color = OWNERS.get(owner)
        if color:
            ppt[color] += tick or 0
        if otype in UNCOUNTED_TYPES:
            continue
        counts = per_map.setdefault(map_type, {"red": 0, "green": 0, "blue": 0, "neutral": 0})
        counts[color or "neutral"] += 1
    return {
        "match_id": m.api_id,
        "region": m.region,
        "start_time": _iso(m.start_time),
        "end_time": _iso(m.end_time),
        "updated_at": _iso(m.polled_at),
        "stale_seconds": max(0, int((now - m.changed_at).total_seconds())),
        "teams": [
            {
                "color": t.color,
                "team_id": t.team_id,
                "name": names.get(t.team_id),
                "score": t.score,
                "victory_points": t.victory_points,
                "kills": t.kills,
                "deaths": t.deaths,
                "ppt": ppt[t.color],
            }
            for t in sorted(m.teams, key=lambda t: COLORS.index(t.color))
        ],
        "maps": [
            {
                "type": mp.map_type,
                "scores": {c: mp.scores.get(c, 0) for c in COLORS},
                "kills": {c: mp.kills.get(c, 0) for c in COLORS},
                "deaths": {c: mp.deaths.get(c, 0) for c in COLORS},
                "objectives": per_map.get(mp.map_type, {"red": 0, "green": 0, "blue": 0, "neutral": 0}),
            }
            for mp in sorted(m.maps, key=lambda mp: (MAP_ORDER.get(mp.map_type, 9), mp.map_type))
        ],
    }


@dataclass(frozen=True)
class EventView:
    id: int
    match_pk: int
    occurred_at: datetime
    kind: str  # captured | claimed | upgraded | skirmish_ended | match_reset
    objective_id: str | None
    objective_name: str | None
    map_type: str | None
    team: str | None  # the owner after the event (Red/Green/Blue) or the skirmish winner (red/...)
    prev_team: str | None  # for captures: the owner that lost it
    guild_id: str | None
    guild_name: str | None
    guild_tag: str | None
    detail: dict[str, Any]


def recent_events(
    session: Session,
    match_pk: int | None = None,
    limit: int = 100,
    kinds: list[str] | None = None,
    before_id: int | None = None,
) -> list[EventView]:
    """Newest first. ``before_id`` pages further back (pass the last id of the previous page)."""
    q = (
        select(Event, Objective.name, Guild.name, Guild.tag)
        .outerjoin(Objective, Objective.id == Event.objective_id)
        .outerjoin(Guild, Guild.id == Event.guild_id)
        .order_by(Event.occurred_at.desc(), Event.id.desc())
        .limit(limit)
    )
    if match_pk is not None:
        q = q.where(Event.match_id == match_pk)
    if kinds:
        q = q.where(Event.kind.in_(kinds))
    if before_id is not None:
        q = q.where(Event.id < before_id)
    return [
        EventView(
            id=e.id,
            match_pk=e.match_id,
            occurred_at=e.occurred_at,
            kind=e.kind,
            objective_id=e.objective_id,
            objective_name=oname,
            map_type=e.map_type,
            team=e.team,
            prev_team=e.prev_team,
            guild_id=e.guild_id,
            guild_name=gname,
            guild_tag=gtag,
            detail=dict(e.detail or {}),
        )
        for e, oname, gname, gtag in session.execute(q)
    ]


@dataclass(frozen=True)
class ScorePoint:
    at: datetime
    skirmish: int
    scores: dict[str, int]
    victory_points: dict[str, int]
    kills: dict[str, int]
    deaths: dict[str, int]


def score_history(
    session: Session, match_pk: int, since: datetime | None = None, max_points: int | None = 500
) -> list[ScorePoint]:
    """Score samples of a match, oldest first (full resolution recently, one per skirmish older).

    A week at full resolution is ~20,000 samples; a chart needs a few hundred, so by default every
    k-th sample is kept (always the newest), chosen in SQL. ``max_points=None`` returns them all.
    """
    cols = [ScoreSample.sampled_at, ScoreSample.skirmish] + [
        getattr(ScoreSample, f"{c}_{k}") for k in ("score", "vp", "kills", "deaths") for c in COLORS
    ]
    where = [ScoreSample.match_id == match_pk]
    if since is not None:
        where.append(ScoreSample.sampled_at >= since)
    step = 1
    if max_points:
        total = session.scalar(select(func.count()).select_from(ScoreSample).where(*where)) or 0
        step = max(1, -(-total // max_points))
    if step == 1:
        q = select(*cols).where(*where).order_by(ScoreSample.sampled_at)
    else:
        # Number the rows newest first so that the newest sample is always kept.
        rn = func.row_number().over(order_by=ScoreSample.sampled_at.desc()).label("rn")
        sub = select(*cols, rn).where(*where).subquery()
        q = select(*[sub.c[c.key] for c in cols]).where((sub.c.rn - 1) % step == 0).order_by(sub.c.sampled_at)
    out = []
    for row in session.execute(q):
        v = row[2:]
        out.append(
            ScorePoint(
                at=row[0],
                skirmish=row[1],
                scores=dict(zip(COLORS, v[0:3], strict=True)),
                victory_points=dict(zip(COLORS, v[3:6], strict=True)),
                kills=dict(zip(COLORS, v[6:9], strict=True)),
                deaths=dict(zip(COLORS, v[9:12], strict=True)),
            )
        )
    return out


@dataclass(frozen=True)
class SkirmishView:
    number: int
    scores: dict[str, int]
    map_scores: list[Any]


def skirmishes(session: Session, match_pk: int) -> list[SkirmishView]:
    rows = session.scalars(select(Skirmish).where(Skirmish.match_id == match_pk).order_by(Skirmish.number))
    return [
        SkirmishView(
            s.number, {"red": s.red_score, "green": s.green_score, "blue": s.blue_score}, list(s.map_scores)
        )
        for s in rows
    ]


@dataclass(frozen=True)
class ObjectiveView:
    objective_id: str
    name: str | None
    type: str
    map_type: str
    owner: str
    last_flipped: datetime | None
    claimed_by: str | None
    guild_name: str | None
    guild_tag: str | None
    claimed_at: datetime | None
    yaks_delivered: int
    upgrade_tier: int
    points_tick: int
    coord: list[Any] | None


def objectives(session: Session, match_pk: int, map_type: str | None = None) -> list[ObjectiveView]:
    """Every objective of a match with its live state, static name and claiming guild."""
    q = (
        select(ObjectiveState, Objective.name, Objective.coord, Guild.name, Guild.tag)
        .outerjoin(Objective, Objective.id == ObjectiveState.objective_id)
        .outerjoin(Guild, Guild.id == ObjectiveState.claimed_by)
        .where(ObjectiveState.match_id == match_pk)
        .order_by(ObjectiveState.map_type, ObjectiveState.objective_id)
    )
    if map_type:
        q = q.where(ObjectiveState.map_type == map_type)
    return [
        ObjectiveView(
            objective_id=s.objective_id,
            name=name,
            type=s.type,
            map_type=s.map_type,
            owner=s.owner,
            last_flipped=s.last_flipped,
            claimed_by=s.claimed_by,
            guild_name=gname,
            guild_tag=gtag,
            claimed_at=s.claimed_at,
            yaks_delivered=s.yaks_delivered,
            upgrade_tier=s.upgrade_tier,
            points_tick=s.points_tick,
            coord=list(coord) if coord else None,
        )
        for s, name, coord, gname, gtag in session.execute(q)
    ]
