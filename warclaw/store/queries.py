"""Read queries for the TUI and the CLI, in SQL on a :class:`~warclaw.store.reader.Reader` (the
standard library's ``sqlite3`` or psycopg: no SQLAlchemy). Each returns plain dataclasses or dicts.

Wrap several queries in ``with reader.snapshot():`` to read them from one state of the database.
Every table and column is named through :mod:`warclaw.store.tables` (the names of
:mod:`warclaw.store.models`, checked when the query is built) and every row read by its labels.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from warclaw.matchup.names import map_name
from warclaw.matchup.rules import has_tiers
from warclaw.store.reader import Reader
from warclaw.store.schema import COLORS
from warclaw.store.tables import Column, Select, Table, expr

OWNERS = {"Red": "red", "Green": "green", "Blue": "blue"}
MAP_ORDER = {"Center": 0, "RedHome": 1, "BlueHome": 2, "GreenHome": 3}
# Spawns cannot be captured; Ruins and Mercenary camps score no points per tick: none of them is
# "held" in the sense that matters (they are counted apart, as ``others``).
UNCOUNTED_TYPES = ("Spawn",)
DAEMON = "daemon"  # the heartbeat component of the sync daemon


def _marks(n: int) -> str:
    return ", ".join("?" * n)


MATCHES = Table("matches")
MATCH_TEAMS = Table("match_teams")
TEAMS = Table("teams")


@dataclass(frozen=True)
class MatchSummary:
    pk: int
    match_id: str
    region: str
    tier: int
    start_time: datetime
    end_time: datetime


_SUMMARY = Select(MATCHES.id.as_("pk"), MATCHES.api_id.as_("match_id"), MATCHES.region, MATCHES.tier,
                  MATCHES.start_time, MATCHES.end_time)


def list_matches(reader: Reader, region: str | None = None) -> list[MatchSummary]:
    """The newest week of every match id (one row per ``api_id``), ordered by id."""
    where, params = (f" WHERE {MATCHES.region} = ?", [region]) if region else ("", [])
    seen: dict[str, MatchSummary] = {}
    for r in _SUMMARY.all(reader, f"FROM {MATCHES}{where} ORDER BY {MATCHES.api_id}, {MATCHES.start_time} DESC",
                          params):
        seen.setdefault(r["match_id"], MatchSummary(**r))
    return list(seen.values())


def team_ids_for(reader: Reader, team: str | int) -> list[int]:
    """Team or world ids matching a configured team: an id, or a name (case-insensitive)."""
    text = str(team).strip()
    if text.isdigit():
        return [int(text)]
    rows = Select(TEAMS.id).all(reader, f"FROM {TEAMS} WHERE lower({TEAMS.name}) LIKE lower(?)", [text])
    return [r["id"] for r in rows]


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
        where = (f" WHERE {MATCHES.id} IN (SELECT {MATCH_TEAMS.match_id} FROM {MATCH_TEAMS}"
                 f" WHERE {MATCH_TEAMS.team_id} IN ({_marks(len(ids))}) OR {MATCH_TEAMS.world_id} IN ({_marks(len(ids))}))")
        params = [*ids, *ids]
    r = _SUMMARY.one(reader, f"FROM {MATCHES}{where} ORDER BY {MATCHES.start_time} DESC, {MATCHES.api_id} LIMIT 1",
                     params)
    return MatchSummary(**r) if r else None


def match_data_time(reader: Reader, match_pk: int) -> datetime | None:
    """The newest timestamp inside the match's data (the API's clock as far as we can tell)."""
    r = Select(MATCHES.data_time).one(reader, f"FROM {MATCHES} WHERE {MATCHES.id} = ?", [match_pk])
    return r["data_time"] if r else None


def _iso(t: datetime | None) -> str | None:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ") if t else None


def match_clock(start: datetime, end: datetime, data_time: datetime | None, now: datetime) -> datetime:
    """The match's "now": ours while the week runs, the API's own clock (the newest timestamp in
    its data) once we are more than an hour past ``end_time`` (a replayed week, or a node lagging).
    Never before ``start_time``: just after a reset the newest flip can be last week's."""
    if data_time is None or now <= end + timedelta(hours=1):
        return now
    return max(data_time, start)


_MT = Table("match_teams", "mt")
_T = Table("teams", "t")
MATCH_MAPS = Table("match_maps")
OBJECTIVE_STATES = Table("objective_states")
_MATCH = Select(MATCHES.api_id, MATCHES.region, MATCHES.start_time, MATCHES.end_time, MATCHES.polled_at,
                MATCHES.changed_at, MATCHES.data_time)
_TEAMS = Select(_MT.color, _MT.team_id, _T.name, _MT.score, _MT.victory_points, _MT.kills, _MT.deaths)
_MAPS = Select(MATCH_MAPS.map_type, MATCH_MAPS.scores, MATCH_MAPS.kills, MATCH_MAPS.deaths)
_STATES = Select(OBJECTIVE_STATES.map_type, OBJECTIVE_STATES.owner, OBJECTIVE_STATES.points_tick,
                 OBJECTIVE_STATES.type)


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
        m = _MATCH.one(reader, f"FROM {MATCHES} WHERE {MATCHES.id} = ?", [match_pk])
        if m is None:
            return None
        teams = _TEAMS.all(reader, f"FROM {_MT} LEFT JOIN {_T} ON {_T.id} = {_MT.team_id}"
                                   f" WHERE {_MT.match_id} = ? ORDER BY {_MT.color}", [match_pk])
        maps = _MAPS.all(reader, f"FROM {MATCH_MAPS} WHERE {MATCH_MAPS.match_id} = ? ORDER BY {MATCH_MAPS.map_type}",
                         [match_pk])
        states = _STATES.all(reader, f"FROM {OBJECTIVE_STATES} WHERE {OBJECTIVE_STATES.match_id} = ?", [match_pk])
        sk = skirmishes(reader, match_pk)
        objs = objectives(reader, match_pk)
    ppt = {c: 0 for c in COLORS}
    per_map: dict[str, dict[str, int]] = {}
    others: dict[str, dict[str, int]] = {}
    for st in states:
        color = OWNERS.get(st["owner"])
        tick = st["points_tick"]
        if color:
            ppt[color] += tick or 0
        if st["type"] in UNCOUNTED_TYPES:
            continue
        # Ruins and Mercenary camps score nothing per tick: listed apart from what is held. A type
        # with tiers always scores, so it counts as held even where a body lacks points_tick (0).
        counts = (others if not tick and not has_tiers(st["type"]) else per_map).setdefault(
            st["map_type"], {"red": 0, "green": 0, "blue": 0, "neutral": 0})
        counts[color or "neutral"] += 1
    map_values = [(mp["map_type"], mp["scores"] or {}, mp["kills"] or {}, mp["deaths"] or {}) for mp in maps]
    api_id, start, end = m["api_id"], m["start_time"], m["end_time"]
    assert start is not None and end is not None
    clock = match_clock(start, end, m["data_time"], now)
    by_color = {t["color"]: t for t in teams}
    running_scores = sk[-1].scores if sk else {}
    view_outlook = outlook(
        api_id, start, end, clock,
        vp={c: t["victory_points"] for c, t in by_color.items()},
        skirmishes=[(s.number, s.scores) for s in sk],
        ppt=ppt,
        samples=samples or SAMPLES,
        team_ids=[t["team_id"] for t in teams if t["team_id"]],
    )
    running_number = view_outlook["skirmish"]["number"]  # type: ignore[index]
    team_outlook: dict[str, dict[str, Any]] = view_outlook.pop("teams")  # type: ignore[assignment]
    zero = {"red": 0, "green": 0, "blue": 0, "neutral": 0}
    return {
        "match_id": api_id,
        "region": m["region"],
        "start_time": _iso(start),
        "end_time": _iso(end),
        "updated_at": _iso(m["polled_at"]),
        "stale_seconds": max(0, int((now - m["changed_at"]).total_seconds())),
        "clock": _iso(clock),
        **view_outlook,
        "teams": [
            {
                **t,
                "ppt": ppt[t["color"]],
                # The running skirmish's score so far (None while the API has not listed it yet).
                "skirmish_score": running_scores.get(t["color"]) if sk and sk[-1].number == running_number else None,
                **team_outlook.get(t["color"], {}),
            }
            for t in sorted(teams, key=lambda t: COLORS.index(t["color"]))
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


_E = Table("events", "e")
_O = Table("objectives", "o")
_G = Table("guilds", "g")
_EVENTS = Select(_E.id, _E.match_id.as_("match_pk"), _E.occurred_at, _E.kind, _E.objective_id,
                 _O.name.as_("objective_name"), _E.map_type, _E.team, _E.prev_team, _E.guild_id,
                 _G.name.as_("guild_name"), _G.tag.as_("guild_tag"), _E.detail, _G.fetched_at.as_("guild_fetched"))


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
        where.append(f"{_E.match_id} = ?")
        params.append(match_pk)
    if kinds:
        where.append(f"{_E.kind} IN ({_marks(len(kinds))})")
        params.extend(kinds)
    if before_id is not None:
        where.append(f"{_E.id} < ?")
        params.append(before_id)
    rest = (
        f"FROM {_E} LEFT JOIN {_O} ON {_O.id} = {_E.objective_id} LEFT JOIN {_G} ON {_G.id} = {_E.guild_id}"
        + (" WHERE " + " AND ".join(where) if where else "")
        + f" ORDER BY {_E.occurred_at} DESC, {_E.id} DESC LIMIT ?"
    )
    out = []
    for r in _EVENTS.all(reader, rest, [*params, limit]):
        r["detail"] = dict(r["detail"] or {})
        r["guild_fetched"] = r["guild_fetched"] is not None
        out.append(EventView(**r))
    return out


@dataclass(frozen=True)
class ScorePoint:
    at: datetime
    skirmish: int
    scores: dict[str, int]
    victory_points: dict[str, int]
    kills: dict[str, int]
    deaths: dict[str, int]


SCORE_SAMPLES = Table("score_samples")
_SAMPLE_COLUMNS = SCORE_SAMPLES.columns(
    "sampled_at", "skirmish", *(f"{c}_{k}" for k in ("score", "vp", "kills", "deaths") for c in COLORS))
_SAMPLES = Select(*_SAMPLE_COLUMNS)
# The same labels read back from the numbered subquery that thins the samples.
_NUMBERED = Select(*(expr(f'numbered."{c.label}"', c.label, c.kind) for c in _SAMPLE_COLUMNS))


def score_history(
    reader: Reader, match_pk: int, since: datetime | None = None, max_points: int | None = 500
) -> list[ScorePoint]:
    """Score samples of a match, oldest first (full resolution recently, one per skirmish older).

    A week at full resolution is ~20,000 samples; a chart needs a few hundred, so by default every
    k-th sample is kept (always the newest), chosen in SQL. ``max_points=None`` returns them all.
    """
    t = SCORE_SAMPLES
    where = f"{t.match_id} = ?"
    params: list[Any] = [match_pk]
    if since is not None:
        where += f" AND {t.sampled_at} >= ?"
        params.append(reader.db_time(since))
    with reader.snapshot():
        step = 1
        if max_points:
            total = reader.scalar(f"SELECT count(*) FROM {t} WHERE {where}", params) or 0
            step = max(1, -(-total // max_points))
        if step == 1:
            rows = _SAMPLES.all(reader, f"FROM {t} WHERE {where} ORDER BY {t.sampled_at}", params)
        else:
            # Number the rows newest first so that the newest sample is always kept.
            rows = _NUMBERED.all(
                reader,
                f"FROM ({_SAMPLES.sql}, row_number() OVER (ORDER BY {t.sampled_at} DESC) AS rn FROM {t}"
                f" WHERE {where}) AS numbered WHERE (rn - 1) % ? = 0 ORDER BY numbered.sampled_at",
                [*params, step])
    # Up to a week of samples (20k rows): the colour keys spelt out once, not per row.
    a, b, c = COLORS
    (sa, sb, sc), (va, vb, vc), (ka, kb, kc), (da, db, dc) = (
        tuple(f"{color}_{k}" for color in COLORS) for k in ("score", "vp", "kills", "deaths"))
    return [
        ScorePoint(
            at=r["sampled_at"],
            skirmish=r["skirmish"],
            scores={a: r[sa], b: r[sb], c: r[sc]},
            victory_points={a: r[va], b: r[vb], c: r[vc]},
            kills={a: r[ka], b: r[kb], c: r[kc]},
            deaths={a: r[da], b: r[db], c: r[dc]},
        )
        for r in rows
    ]


@dataclass(frozen=True)
class SkirmishView:
    number: int
    scores: dict[str, int]
    map_scores: list[Any]


SKIRMISHES = Table("skirmishes")
_SKIRMISHES = Select(*SKIRMISHES.columns("number", *(f"{c}_score" for c in COLORS), "map_scores"))


def skirmishes(reader: Reader, match_pk: int) -> list[SkirmishView]:
    rows = _SKIRMISHES.all(reader, f"FROM {SKIRMISHES} WHERE {SKIRMISHES.match_id} = ? ORDER BY {SKIRMISHES.number}",
                           [match_pk])
    return [SkirmishView(r["number"], {c: r[f"{c}_score"] for c in COLORS}, list(r["map_scores"] or []))
            for r in rows]


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


_S = Table("objective_states", "s")
_OBJECTIVES = Select(_S.objective_id, _O.name, _S.type, _S.map_type, _S.owner, _S.last_flipped, _S.claimed_by,
                     _G.name.as_("guild_name"), _G.tag.as_("guild_tag"), _G.fetched_at.as_("guild_fetched"),
                     _S.claimed_at, _S.yaks_delivered, _S.upgrade_tier, _S.points_tick, _O.coord)


def objectives(reader: Reader, match_pk: int, map_type: str | None = None) -> list[ObjectiveView]:
    """Every objective of a match with its live state, static name and claiming guild."""
    rest = (f"FROM {_S} LEFT JOIN {_O} ON {_O.id} = {_S.objective_id}"
            f" LEFT JOIN {_G} ON {_G.id} = {_S.claimed_by} WHERE {_S.match_id} = ?")
    params: list[Any] = [match_pk]
    if map_type:
        rest += f" AND {_S.map_type} = ?"
        params.append(map_type)
    out = []
    for r in _OBJECTIVES.all(reader, f"{rest} ORDER BY {_S.map_type}, {_S.objective_id}", params):
        r["guild_fetched"] = r["guild_fetched"] is not None
        r["coord"] = list(r["coord"]) if r["coord"] else None
        out.append(ObjectiveView(**r))
    return out


# --- the daemon's status and small facts ------------------------------------------------------


META = Table("meta")


def read_meta(reader: Reader, key: str) -> str | None:
    """A value of the ``meta`` table (the daemon writes them with ``status.set_meta``)."""
    r = Select(META.value).one(reader, f"FROM {META} WHERE {META.key} = ?", [key])
    return r["value"] if r else None


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


HEARTBEATS = Table("heartbeats")
POLL_LOG = Table("poll_log")
_HEARTBEAT = Select(*HEARTBEATS.columns("pid", "hostname", "state", "started_at", "beat_at", "detail"))
_POLLS = Select(*POLL_LOG.columns("endpoint", "last_attempt_at", "last_success_at", "last_error_at", "last_error",
                                  "consecutive_failures", "total_failures", "next_attempt_at"))


def daemon_status(reader: Reader, now: datetime, component: str = DAEMON) -> DaemonStatus:
    with reader.snapshot():
        hb = _HEARTBEAT.one(reader, f"FROM {HEARTBEATS} WHERE {HEARTBEATS.component} = ?", [component])
        polls = _POLLS.all(reader, f"FROM {POLL_LOG} ORDER BY {POLL_LOG.endpoint}")
    endpoints = [
        EndpointStatus(**{**r, "consecutive_failures": r["consecutive_failures"] or 0,
                          "total_failures": r["total_failures"] or 0})
        for r in polls
    ]
    if hb is None:
        return DaemonStatus(None, None, None, None, None, None, None, endpoints)
    return DaemonStatus(
        **hb,
        heartbeat_age_seconds=max(0.0, (now - hb["beat_at"]).total_seconds()),
        endpoints=endpoints,
    )


def _newest(column: Column, table: Table, label: str) -> Column:
    return expr(f"(SELECT max({column}) FROM {table})", label, column.kind)


EVENTS = Table("events")
ROSTERS = Table("rosters")
SAVED_PLANS = Table("saved_plans")
_FINGERPRINT = Select(
    _newest(MATCHES.changed_at, MATCHES, "match"), _newest(MATCHES.polled_at, MATCHES, "polled"),
    _newest(EVENTS.id, EVENTS, "events"), _newest(HEARTBEATS.beat_at, HEARTBEATS, "beat"),
    _newest(POLL_LOG.last_attempt_at, POLL_LOG, "attempt"), _newest(ROSTERS.updated_at, ROSTERS, "roster"),
    _newest(SAVED_PLANS.id, SAVED_PLANS, "plans"))


def fingerprint(reader: Reader) -> dict[str, Any]:
    """One cheap value per part of the data (newest change, event, beat, roster edit, plan), in one
    statement: the TUI reloads a part only when its value changed after ``data_version`` moved."""
    r = _FINGERPRINT.one(reader, "")
    assert r is not None
    return {"match": r["match"], "polled": r["polled"], "events": r["events"], "status": (r["beat"], r["attempt"]),
            "roster": r["roster"], "plans": r["plans"]}


@dataclass(frozen=True)
class RuleDelivery:
    """One alert rule's outbox: counts by status, its last delivery and last problem."""

    rule: str
    counts: dict[str, int]
    last_sent_at: datetime | None
    last_error: str | None


OUTBOX = Table("alert_outbox")
_OUTER = Table("alert_outbox", "o")
_INNER = Table("alert_outbox", "i")


def alert_outbox(reader: Reader) -> list[RuleDelivery]:
    """Per rule of the Discord alert outbox (``warclaw daemon status``); error texts are stored masked."""
    a, o, i = OUTBOX, _OUTER, _INNER
    with reader.snapshot():
        counts = Select(a.rule, a.status, expr("count(*)", "n", "int")).all(
            reader, f"FROM {a} GROUP BY {a.rule}, {a.status}")
        last = {r["rule"]: r["sent_at"] for r in Select(a.rule, expr(f"max({a.sent_at})", "sent_at", "time")).all(
            reader, f"FROM {a} GROUP BY {a.rule}")}
        errors = {r["rule"]: r["last_error"] for r in Select(o.rule, o.last_error).all(
            reader, f"FROM {o} WHERE {o.last_error} IS NOT NULL AND {o.id} ="
                    f" (SELECT max({i.id}) FROM {i} WHERE {i.rule} = {o.rule} AND {i.last_error} IS NOT NULL)")}
    by_rule: dict[str, dict[str, int]] = {}
    for r in counts:
        by_rule.setdefault(r["rule"], {})[r["status"]] = r["n"]
    return [RuleDelivery(rule, c, last.get(rule), errors.get(rule)) for rule, c in sorted(by_rule.items())]


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
_OUTBOX_ALERTS = Select(*OUTBOX.columns("id", "rule", "status", "occurred_at", "alert", "attempts", "last_error"))


def outbox_alerts(reader: Reader, statuses: tuple[str, ...] = ATTENTION, limit: int = 50) -> list[OutboxAlert]:
    """The newest ``limit`` outbox rows in ``statuses``, oldest first; error texts are stored masked."""
    a = OUTBOX
    rows = _OUTBOX_ALERTS.all(reader, f"FROM {a} WHERE {a.status} IN ({_marks(len(statuses))}) ORDER BY {a.id} DESC"
                                      " LIMIT ?", (*statuses, limit))
    out = []
    for r in reversed(rows):
        body = r.pop("alert") or {}
        out.append(OutboxAlert(**r, title=str(body.get("title") or "")))
    return out
