"""Read queries for the TUI and the CLI, in SQL on a :class:`~warclaw.store.reader.Reader` (the
standard library's ``sqlite3``: no SQLAlchemy). Each returns plain dataclasses or dicts.

Wrap several queries in ``with reader.snapshot():`` to read them from one state of the database.
The table and column names are those of :mod:`warclaw.store.models` (not imported here).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warclaw.matchup.names import map_name
from warclaw.store.reader import Reader, from_db_json, from_db_time
from warclaw.store.schema import COLORS

OWNERS = {"Red": "red", "Green": "green", "Blue": "blue"}
MAP_ORDER = {"Center": 0, "RedHome": 1, "BlueHome": 2, "GreenHome": 3}
# Spawns cannot be captured; Ruins and Mercenary camps score no points per tick: none of them is
# "held" in the sense that matters (they are counted apart, as ``others``).
UNCOUNTED_TYPES = ("Spawn",)
DAEMON = "daemon"  # the heartbeat component of the sync daemon


def _marks(n: int) -> str:
    return ", ".join("?" * n)


@dataclass(frozen=True)
class MatchSummary:
    pk: int
    match_id: str
    region: str
    tier: int
    start_time: datetime
    end_time: datetime


_SUMMARY = "SELECT id, api_id, region, tier, start_time, end_time FROM matches"


def _summary(row: tuple[Any, ...]) -> MatchSummary:
    pk, api_id, region, tier, start, end = row
    return MatchSummary(pk, api_id, region, tier, from_db_time(start), from_db_time(end))  # type: ignore[arg-type]


def list_matches(reader: Reader, region: str | None = None) -> list[MatchSummary]:
    """The newest week of every match id (one row per ``api_id``), ordered by id."""
    where, params = (" WHERE region = ?", [region]) if region else ("", [])
    seen: dict[str, MatchSummary] = {}
    for row in reader.rows(f"{_SUMMARY}{where} ORDER BY api_id, start_time DESC", params):
        if row[1] not in seen:
            seen[row[1]] = _summary(row)
    return list(seen.values())


def team_ids_for(reader: Reader, team: str | int) -> list[int]:
    """Team or world ids matching a configured team: an id, or a name (case-insensitive)."""
    text = str(team).strip()
    if text.isdigit():
        return [int(text)]
    return [r[0] for r in reader.rows("SELECT id FROM teams WHERE lower(name) LIKE lower(?)", [text])]


def find_match(
    reader: Reader, match_id: str | None = None, team: str | int | None = None
) -> MatchSummary | None:
    """The newest week of match ``match_id``; else the match of ``team``; else the first match."""
    where, params = "", []
    if match_id:
        where, params = " WHERE api_id = ?", [match_id]
    elif team not in (None, ""):
        ids = team_ids_for(reader, team)  # type: ignore[arg-type]
        if not ids:
            return None
        where = (f" WHERE id IN (SELECT match_id FROM match_teams"
                 f" WHERE team_id IN ({_marks(len(ids))}) OR world_id IN ({_marks(len(ids))}))")
        params = [*ids, *ids]
    row = reader.row(f"{_SUMMARY}{where} ORDER BY start_time DESC, api_id LIMIT 1", params)
    return _summary(row) if row else None


def match_data_time(reader: Reader, match_pk: int) -> datetime | None:
    """The newest timestamp inside the match's data (the API's clock as far as we can tell)."""
    return from_db_time(reader.scalar("SELECT data_time FROM matches WHERE id = ?", [match_pk]))


def _iso(t: datetime | None) -> str | None:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ") if t else None


def match_clock(end: datetime, data_time: datetime | None, now: datetime) -> datetime:
    """The match's "now": ours while the week runs, the API's own clock (the newest timestamp in
    its data) once we are more than an hour past ``end_time`` (a replayed week, or a node lagging)."""
    if data_time is None or now <= end + timedelta(hours=1):
        return now
    return data_time


def matchup(reader: Reader, match_pk: int, now: datetime, samples: int | None = None) -> dict[str, Any] | None:
    """The current state of a match in the shape of ``warclaw matchup --json``.

    ``updated_at`` is the last successful poll; ``stale_seconds`` how long the API's data for the
    match has not changed (it freezes for up to an hour; kills alone change every few seconds in a
    live match, so a large value means frozen data or a stopped daemon). ``skirmish``,
    ``next_peak`` and each team's ``projection`` and ``need`` follow the victory-point schedule
    (:mod:`warclaw.matchup.outlook`).
    """
    from warclaw.matchup.outlook import outlook
    from warclaw.matchup.projection import SAMPLES

    with reader.snapshot():
        m = reader.row(
            "SELECT api_id, region, start_time, end_time, polled_at, changed_at, data_time FROM matches WHERE id = ?",
            [match_pk])
        if m is None:
            return None
        api_id, region, start_time, end_time, polled_at, changed_at, data_time = m
        teams = reader.rows(
            "SELECT mt.color, mt.team_id, t.name, mt.score, mt.victory_points, mt.kills, mt.deaths"
            " FROM match_teams mt LEFT JOIN teams t ON t.id = mt.team_id WHERE mt.match_id = ? ORDER BY mt.color",
            [match_pk])
        maps = reader.rows(
            "SELECT map_type, scores, kills, deaths FROM match_maps WHERE match_id = ? ORDER BY map_type",
            [match_pk])
        states = reader.rows(
            "SELECT map_type, owner, points_tick, type FROM objective_states WHERE match_id = ?", [match_pk])
        sk = skirmishes(reader, match_pk)
        objs = objectives(reader, match_pk)
    ppt = {c: 0 for c in COLORS}
    per_map: dict[str, dict[str, int]] = {}
    others: dict[str, dict[str, int]] = {}
    for map_type, owner, tick, otype in states:
        color = OWNERS.get(owner)
        if color:
            ppt[color] += tick or 0
        if otype in UNCOUNTED_TYPES:
            continue
        # Ruins and Mercenary camps score nothing per tick: listed apart from what is held.
        counts = (others if not tick else per_map).setdefault(map_type, {"red": 0, "green": 0, "blue": 0, "neutral": 0})
        counts[color or "neutral"] += 1
    map_values = []
    for map_type, scores, kills, deaths in maps:
        s, k, d = (from_db_json(v) or {} for v in (scores, kills, deaths))
        map_values.append((map_type, s, k, d))
    start, end = from_db_time(start_time), from_db_time(end_time)
    assert start is not None and end is not None
    clock = match_clock(end, from_db_time(data_time), now)
    by_color = {t[0]: t for t in teams}
    running_scores = sk[-1].scores if sk else {}
    view_outlook = outlook(
        api_id, start, end, clock,
        vp={c: by_color[c][4] for c in by_color},
        skirmishes=[(s.number, s.scores) for s in sk],
        ppt=ppt,
        samples=samples or SAMPLES,
        team_ids=[t[1] for t in teams if t[1]],
    )
    running_number = view_outlook["skirmish"]["number"]  # type: ignore[index]
    team_outlook: dict[str, dict[str, Any]] = view_outlook.pop("teams")  # type: ignore[assignment]
    zero = {"red": 0, "green": 0, "blue": 0, "neutral": 0}
    return {
        "match_id": api_id,
        "region": region,
        "start_time": _iso(start),
        "end_time": _iso(end),
        "updated_at": _iso(from_db_time(polled_at)),
        "stale_seconds": max(0, int((now - from_db_time(changed_at)).total_seconds())),  # type: ignore[operator]
        "clock": _iso(clock),
        **view_outlook,
        "teams": [
            {
                "color": color,
                "team_id": team_id,
                "name": name,
                "score": score,
                "victory_points": vp,
                "kills": kills,
                "deaths": deaths,
                "ppt": ppt[color],
                # The running skirmish's score so far (None while the API has not listed it yet).
                "skirmish_score": running_scores.get(color) if sk and sk[-1].number == running_number else None,
                **team_outlook.get(color, {}),
            }
            for color, team_id, name, score, vp, kills, deaths in sorted(teams, key=lambda t: COLORS.index(t[0]))
        ],
        "maps": [
            {
                "type": map_type,
                "name": map_name(map_type),
                "scores": {c: s.get(c, 0) for c in COLORS},
                "kills": {c: k.get(c, 0) for c in COLORS},
                "deaths": {c: d.get(c, 0) for c in COLORS},
                "objectives": per_map.get(map_type, dict(zero)),
                "others": others.get(map_type, dict(zero)),
            }
            for map_type, s, k, d in sorted(map_values, key=lambda mp: (MAP_ORDER.get(mp[0], 9), mp[0]))
        ],
        "objectives": [objective_json(o) for o in objs if o.type not in UNCOUNTED_TYPES],
    }


def objective_json(o: ObjectiveView) -> dict[str, Any]:
    """One objective as ``warclaw matchup --json`` lists it."""
    return {
        "id": o.objective_id,
        "name": o.name,
        "map": map_name(o.map_type),
        "type": o.type,
        "owner": o.owner,
        "tier": o.upgrade_tier,
        "points_tick": o.points_tick,
        "yaks": o.yaks_delivered,
        "last_flipped": _iso(o.last_flipped),
        "guild": None if not o.claimed_by else {"id": o.claimed_by, "name": o.guild_name, "tag": o.guild_tag},
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
    guild_fetched: bool = False  # /v2/guild/:id was asked (a name still None then: the API did not name it)


def recent_events(
    reader: Reader,
    match_pk: int | None = None,
    limit: int = 100,
    kinds: list[str] | None = None,
    before_id: int | None = None,
) -> list[EventView]:
    """Newest first. ``before_id`` pages further back (pass the last id of the previous page)."""
    where: list[str] = []
    params: list[Any] = []
    if match_pk is not None:
        where.append("e.match_id = ?")
        params.append(match_pk)
    if kinds:
        where.append(f"e.kind IN ({_marks(len(kinds))})")
        params.extend(kinds)
    if before_id is not None:
        where.append("e.id < ?")
        params.append(before_id)
    sql = (
        "SELECT e.id, e.match_id, e.occurred_at, e.kind, e.objective_id, o.name, e.map_type, e.team, e.prev_team,"
        " e.guild_id, g.name, g.tag, e.detail, g.fetched_at"
        " FROM events e LEFT JOIN objectives o ON o.id = e.objective_id LEFT JOIN guilds g ON g.id = e.guild_id"
        + (" WHERE " + " AND ".join(where) if where else "")
        + " ORDER BY e.occurred_at DESC, e.id DESC LIMIT ?"
    )
    return [
        EventView(
            id=eid,
            match_pk=mpk,
            occurred_at=from_db_time(at),  # type: ignore[arg-type]
            kind=kind,
            objective_id=oid,
            objective_name=oname,
            map_type=map_type,
            team=team,
            prev_team=prev,
            guild_id=gid,
            guild_name=gname,
            guild_tag=gtag,
            detail=dict(from_db_json(detail) or {}),
            guild_fetched=gfetched is not None,
        )
        for eid, mpk, at, kind, oid, oname, map_type, team, prev, gid, gname, gtag, detail, gfetched
        in reader.rows(sql, [*params, limit])
    ]


@dataclass(frozen=True)
class ScorePoint:
    at: datetime
    skirmish: int
    scores: dict[str, int]
    victory_points: dict[str, int]
    kills: dict[str, int]
    deaths: dict[str, int]


_SAMPLE_COLUMNS = ", ".join(
    ["sampled_at", "skirmish"] + [f"{c}_{k}" for k in ("score", "vp", "kills", "deaths") for c in COLORS])


def score_history(
    reader: Reader, match_pk: int, since: datetime | None = None, max_points: int | None = 500
) -> list[ScorePoint]:
    """Score samples of a match, oldest first (full resolution recently, one per skirmish older).

    A week at full resolution is ~20,000 samples; a chart needs a few hundred, so by default every
    k-th sample is kept (always the newest), chosen in SQL. ``max_points=None`` returns them all.
    """
    where = "match_id = ?"
    params: list[Any] = [match_pk]
    if since is not None:
        where += " AND sampled_at >= ?"
        params.append(reader.db_time(since))
    with reader.snapshot():
        step = 1
        if max_points:
            total = reader.scalar(f"SELECT count(*) FROM score_samples WHERE {where}", params) or 0
            step = max(1, -(-total // max_points))
        if step == 1:
            rows = reader.rows(f"SELECT {_SAMPLE_COLUMNS} FROM score_samples WHERE {where} ORDER BY sampled_at",
                               params)
        else:
            # Number the rows newest first so that the newest sample is always kept.
            rows = reader.rows(
                f"SELECT {_SAMPLE_COLUMNS} FROM (SELECT {_SAMPLE_COLUMNS},"
                f" row_number() OVER (ORDER BY sampled_at DESC) AS rn FROM score_samples WHERE {where})"
                " AS numbered WHERE (rn - 1) % ? = 0 ORDER BY sampled_at",
                [*params, step])
    out = []
    for row in rows:
        v = row[2:]
        out.append(
            ScorePoint(
                at=from_db_time(row[0]),  # type: ignore[arg-type]
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


def skirmishes(reader: Reader, match_pk: int) -> list[SkirmishView]:
    rows = reader.rows(
        "SELECT number, red_score, green_score, blue_score, map_scores FROM skirmishes"
        " WHERE match_id = ? ORDER BY number", [match_pk])
    return [
        SkirmishView(number, {"red": red, "green": green, "blue": blue}, list(from_db_json(map_scores) or []))
        for number, red, green, blue, map_scores in rows
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
    guild_fetched: bool  # /v2/guild/:id was asked (a name still None then: the API did not name it)
    claimed_at: datetime | None
    yaks_delivered: int
    upgrade_tier: int
    points_tick: int
    coord: list[Any] | None


def objectives(reader: Reader, match_pk: int, map_type: str | None = None) -> list[ObjectiveView]:
    """Every objective of a match with its live state, static name and claiming guild."""
    sql = (
        "SELECT s.objective_id, o.name, s.type, s.map_type, s.owner, s.last_flipped, s.claimed_by, g.name, g.tag,"
        " g.fetched_at, s.claimed_at, s.yaks_delivered, s.upgrade_tier, s.points_tick, o.coord"
        " FROM objective_states s LEFT JOIN objectives o ON o.id = s.objective_id"
        " LEFT JOIN guilds g ON g.id = s.claimed_by WHERE s.match_id = ?"
    )
    params: list[Any] = [match_pk]
    if map_type:
        sql += " AND s.map_type = ?"
        params.append(map_type)
    out = []
    for (oid, name, otype, mtype, owner, flipped, claimed_by, gname, gtag, gfetched, claimed_at, yaks, tier, tick,
         coord) in reader.rows(sql + " ORDER BY s.map_type, s.objective_id", params):
        coord = from_db_json(coord)
        out.append(ObjectiveView(
            objective_id=oid,
            name=name,
            type=otype,
            map_type=mtype,
            owner=owner,
            last_flipped=from_db_time(flipped),
            claimed_by=claimed_by,
            guild_name=gname,
            guild_tag=gtag,
            guild_fetched=gfetched is not None,
            claimed_at=from_db_time(claimed_at),
            yaks_delivered=yaks,
            upgrade_tier=tier,
            points_tick=tick,
            coord=list(coord) if coord else None,
        ))
    return out


# --- the daemon's status and small facts ------------------------------------------------------


def read_meta(reader: Reader, key: str) -> str | None:
    """A value of the ``meta`` table (the daemon writes them with ``status.set_meta``)."""
    return reader.scalar("SELECT value FROM meta WHERE key = ?", [key])


@dataclass(frozen=True)
class EndpointStatus:
    endpoint: str
    last_attempt_at: datetime | None
    last_success_at: datetime | None
    last_error_at: datetime | None
    last_error: str | None
    consecutive_failures: int
    total_failures: int
    next_attempt_at: datetime | None

    @property
    def failing(self) -> bool:
        return self.consecutive_failures > 0


@dataclass(frozen=True)
class DaemonStatus:
    """What the status bar needs: is the daemon alive, what is failing."""

    pid: int | None
    hostname: str | None
    state: str | None  # running | stopping | stopped | None (never ran)
    started_at: datetime | None
    beat_at: datetime | None
    heartbeat_age_seconds: float | None
    detail: str | None
    endpoints: list[EndpointStatus]

    def alive(self, max_age_seconds: float = 90.0) -> bool:
        return (
            self.state == "running"
            and self.heartbeat_age_seconds is not None
            and self.heartbeat_age_seconds <= max_age_seconds
        )


def daemon_status(reader: Reader, now: datetime, component: str = DAEMON) -> DaemonStatus:
    with reader.snapshot():
        hb = reader.row("SELECT pid, hostname, state, started_at, beat_at, detail FROM heartbeats"
                        " WHERE component = ?", [component])
        polls = reader.rows(
            "SELECT endpoint, last_attempt_at, last_success_at, last_error_at, last_error, consecutive_failures,"
            " total_failures, next_attempt_at FROM poll_log ORDER BY endpoint")
    endpoints = [
        EndpointStatus(
            endpoint=endpoint,
            last_attempt_at=from_db_time(attempt),
            last_success_at=from_db_time(success),
            last_error_at=from_db_time(error_at),
            last_error=error,
            consecutive_failures=failures or 0,
            total_failures=total or 0,
            next_attempt_at=from_db_time(next_at),
        )
        for endpoint, attempt, success, error_at, error, failures, total, next_at in polls
    ]
    if hb is None:
        return DaemonStatus(None, None, None, None, None, None, None, endpoints)
    pid, hostname, state, started_at, beat_at, detail = hb
    beat = from_db_time(beat_at)
    return DaemonStatus(
        pid=pid,
        hostname=hostname,
        state=state,
        started_at=from_db_time(started_at),
        beat_at=beat,
        heartbeat_age_seconds=max(0.0, (now - beat).total_seconds()),  # type: ignore[operator]
        detail=detail,
        endpoints=endpoints,
    )


def fingerprint(reader: Reader) -> dict[str, Any]:
    """One cheap value per part of the data (newest change, event, beat, roster edit, plan), in one
    statement: the TUI reloads a part only when its value changed after ``data_version`` moved."""
    row = reader.row(
        "SELECT (SELECT max(changed_at) FROM matches), (SELECT max(polled_at) FROM matches),"
        " (SELECT max(id) FROM events), (SELECT max(beat_at) FROM heartbeats),"
        " (SELECT max(last_attempt_at) FROM poll_log), (SELECT max(updated_at) FROM rosters),"
        " (SELECT max(id) FROM saved_plans)")
    assert row is not None
    changed, polled, event, beat, attempt, roster, plan = row
    return {
        "match": from_db_time(changed),
        "polled": from_db_time(polled),
        "events": event,
        "status": (from_db_time(beat), from_db_time(attempt)),
        "roster": from_db_time(roster),
        "plans": plan,
    }


@dataclass(frozen=True)
class RuleDelivery:
    """One alert rule's outbox: counts by status, its last delivery and last problem."""

    rule: str
    counts: dict[str, int]
    last_sent_at: datetime | None
    last_error: str | None


def alert_outbox(reader: Reader) -> list[RuleDelivery]:
    """Per rule of the Discord alert outbox (``warclaw daemon status``); error texts are stored masked."""
    with reader.snapshot():
        counts = reader.rows("SELECT rule, status, count(*) FROM alert_outbox GROUP BY rule, status")
        last = dict(reader.rows("SELECT rule, max(sent_at) FROM alert_outbox GROUP BY rule"))
        errors = dict(reader.rows(
            "SELECT o.rule, o.last_error FROM alert_outbox o WHERE o.last_error IS NOT NULL AND o.id ="
            " (SELECT max(id) FROM alert_outbox i WHERE i.rule = o.rule AND i.last_error IS NOT NULL)"))
    by_rule: dict[str, dict[str, int]] = {}
    for rule, status, n in counts:
        by_rule.setdefault(rule, {})[status] = n
    return [RuleDelivery(rule, c, from_db_time(last.get(rule)), errors.get(rule)) for rule, c in sorted(by_rule.items())]


@dataclass(frozen=True)
class OutboxAlert:
    """One alert of the outbox (``warclaw alerts list``)."""

    id: int
    rule: str
    status: str
    occurred_at: datetime | None
    title: str
    attempts: int
    last_error: str | None


# Outbox states that need a person's eye: maybe in the channel or not, refused, too old to send.
ATTENTION = ("unconfirmed", "failed", "expired")


def outbox_alerts(reader: Reader, statuses: tuple[str, ...] = ATTENTION, limit: int = 50) -> list[OutboxAlert]:
    """The newest ``limit`` outbox rows in ``statuses``, oldest first; error texts are stored masked."""
    rows = reader.rows(f"SELECT id, rule, status, occurred_at, alert, attempts, last_error FROM alert_outbox"
                       f" WHERE status IN ({_marks(len(statuses))}) ORDER BY id DESC LIMIT ?", (*statuses, limit))
    out = []
    for i, rule, status, occurred, alert, attempts, error in reversed(rows):
        body = from_db_json(alert) or {}
        out.append(OutboxAlert(i, rule, status, from_db_time(occurred), str(body.get("title") or ""), attempts, error))
    return out
