"""Alerts: new events in the store become outbox rows (one per event and rule), sent to Discord.

Two loops beside the pollers. The *scan* reads the events written since its cursor, matches them
against the config's rules and inserts outbox rows, advancing the cursor in the same transaction:
a daemon killed half-way scans the same events again and the unique key (event dedupe key, rule)
keeps each alert once. The *delivery* sends pending rows per webhook, oldest first: a row is marked
``sending`` and committed before its request and ``sent`` (with Discord's message id) after it, so a
restart knows exactly which requests were in flight. Those, and posts whose answer was lost (a
timeout, a connection dropped after Discord posted), are marked ``unconfirmed`` and never sent
again: an alert reaches Discord at most once. Why not check and resend? A webhook has no
idempotency key (``nonce`` is for bot messages) and reads a message back only by the id in the
answer that was lost, so the real API offers nothing to check against. What may be missing is
shown in ``warclaw daemon status``, ``warclaw alerts list`` and the log, never dropped silently;
each message's footer names its outbox ids, so a person can compare with the channel and
``warclaw alerts resend ID`` (sent marked "(resent)"). Refused connections, 5xx and 429s
leave rows pending with a backoff; a deleted webhook or a refused payload marks them ``failed``.

A burst (or what piles up during a rule's cooldown) goes out as digest messages, one line per alert.
Webhook URLs live only in the config (rows name the webhook), and reach the log masked.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from warclaw.common import mask_webhook_url
from warclaw.config import ALERT_TEAMS, AlertRule, Config
from warclaw.discord.alert_text import color_of, id_marker, md, messages_for, timestamp_tag
from warclaw.discord.webhook import (
    DeliveryInDoubt,
    RetryPolicy,
    WebhookClient,
    WebhookError,
    WebhookUnavailable,
)
from warclaw.gw2api.teams import all_teams
from warclaw.matchup.names import guild_label, map_name
from warclaw.store.db import Store, WriteRefused, describe_db_error
from warclaw.store.ingest import insert_unless_exists
from warclaw.store.models import AlertOutbox, Event, Guild, Match, MatchTeam, Objective, Team
from warclaw.store.status import get_meta, set_meta
from warclaw.store.types import utcnow

log = logging.getLogger("warclaw.daemon.alerts")

CURSOR_KEY = "alerts_event_cursor"
SCAN_BATCH = 2000
SEND_BATCH = 1000
KEEP_DAYS = 30          # finished outbox rows are kept this long (status, last delivery), then purged
PURGE_SECONDS = 3600.0
# A claim by a guild seen for the first time waits this long for the guilds poller to name it.
GUILD_NAME_WAIT = timedelta(seconds=60)
# The daemon's own budget per request: a webhook that keeps failing is retried by the delivery
# loop's backoff (visible in status), not inside one call.
ALERT_RETRY = RetryPolicy(attempts=3, base_delay=0.5, max_delay=4.0, total_seconds=30.0, timeout=10.0)
EVENT_KINDS = {"captured": ("capture", "loss"), "claimed": ("claim",), "unclaimed": ("unclaim",),
               "upgraded": ("tier",), "skirmish_ended": ("skirmish",)}


def guild_text(name: str | None, tag: str | None, failed: bool = False) -> str:
    """A guild as alerts name it: the label the screens show (``[TAG] Name``, or their placeholder
    while the name is unknown, never an id), its name and tag escaped for Discord (the brackets
    around the tag stay as they are: they make no link)."""
    if name or tag:
        return guild_label(md(name) if name else None, md(tag, 8) if tag else None)
    return md(guild_label(None, None, failed=failed))


# What a claim alert says while its guild is unnamed; replaced at delivery (see ``_named``).
GUILD_PENDING_TEXT = guild_text(None, None)
# Outbox rows queued by versions before 2026-12 began so; still named on delivery after an upgrade.
_OLD_PENDING_TEXT = "A guild"


def _aware(t: datetime | None) -> datetime | None:
    return t.replace(tzinfo=UTC) if t is not None and t.tzinfo is None else t


@dataclass
class Names:
    """What the scan needs besides the event: our colour per match, team, objective and guild names."""

    ours: dict[int, str]               # match pk -> our colour (lower case)
    teams: dict[tuple[int, str], str]  # (match pk, colour) -> team name
    objectives: dict[str, tuple[str, str]]  # objective id -> (name, type)
    guilds: dict[str, tuple[str | None, str | None]]  # guild id -> (name, tag)
    # For rules naming a team: match pk -> {team or world id: colour}, and the rule's team -> its ids.
    sides: dict[int, dict[int, str]] = field(default_factory=dict)
    named: dict[str, set[int]] = field(default_factory=dict)

    def color_of_named(self, team: str, match_pk: int) -> str | None:
        """The colour a rule's named team plays in that match, or None if it does not play in it."""
        side = self.sides.get(match_pk, {})
        return next((side[i] for i in sorted(self.named.get(team, ())) if i in side), None)


def team_ids(session: Session, team: str) -> set[int]:
    """A team or world named by id or by name (any case): its ids, from the database (the teams
    and worlds the daemon synced) and the shipped team table; empty if unknown."""
    team = team.strip()
    if team.isdigit():
        return {int(team)}
    wanted = team.casefold()
    ids = {tid for tid, name in session.execute(select(Team.id, Team.name)) if name.casefold() == wanted}
    return ids | {tid for tid, name in all_teams().items() if name.casefold() == wanted}


def our_team_ids(session: Session, config: Config) -> list[int]:
    team = (config.daemon.team or get_meta(session, "account_team_id") or "").strip()
    return sorted(team_ids(session, team)) if team else []


def team_problem(session: Session, team: str) -> tuple[str | None, str | None]:
    """What is wrong with a rule's named ``team``: (a problem, or a warning that it cannot be checked
    yet), both None if it names a known team or world. Before the daemon has synced ``/v2/worlds``
    (a new database) only team names can be checked: an unknown name is then only warned about."""
    ids = team_ids(session, team)
    if team.strip().isdigit():
        known = set(session.scalars(select(Team.id))) | set(all_teams())
        for tid, wid in session.execute(select(MatchTeam.team_id, MatchTeam.world_id)):
            known |= {tid, wid}
        ids &= known
    if ids:
        return None, None
    if session.scalar(select(Team.id).where(Team.kind == "world").limit(1)) is None:
        return None, (f"{team!r} is no team name; world names are checked once the daemon has synced /v2/worlds "
                      "(until then the rule matches nothing unless it is a world)")
    example = next(iter(sorted(all_teams().items())), (11001, "Moogooloo"))
    return (f"no team or world named {team!r} (the shipped team list and the worlds synced); expected "
            f"{', '.join(ALERT_TEAMS)}, or a team's name or id, e.g. {example[1]!r} or {example[0]}"), None


def check_rule_teams(session: Session, config: Config) -> tuple[list[str], list[str]]:
    """Rules whose ``team`` names no team or world known, one line each (at start, once the
    database is open): (problems, warnings that a name cannot be checked yet)."""
    problems: list[str] = []
    unchecked: list[str] = []
    for i, rule in enumerate(config.alerts.rules):
        if rule.team in ALERT_TEAMS:
            continue
        problem, warning = team_problem(session, rule.team)
        where = f"{config.source or '<config>'}: alerts.rules[{i}].team: "
        problems += [where + problem] if problem else []
        unchecked += [where + warning] if warning else []
    return problems, unchecked


def load_names(session: Session, config: Config, events: list[Event]) -> Names:
    matches = {e.match_id for e in events}
    ids = our_team_ids(session, config)
    ours: dict[int, str] = {}
    teams: dict[tuple[int, str], str] = {}
    sides: dict[int, dict[int, str]] = {}
    named = {r.team: team_ids(session, r.team) for r in config.alerts.rules if r.team not in ALERT_TEAMS}
    if matches:
        rows = session.execute(
            select(MatchTeam.match_id, MatchTeam.color, MatchTeam.team_id, MatchTeam.world_id, MatchTeam.all_worlds,
                   Team.name)
            .join(Team, Team.id == MatchTeam.team_id, isouter=True).where(MatchTeam.match_id.in_(matches)))
        for mid, color, tid, wid, worlds, name in rows:
            teams[(mid, color.lower())] = name or color.title()
            if tid in ids or wid in ids:
                ours[mid] = color.lower()
            side = sides.setdefault(mid, {})
            for x in (tid, wid, *(w for w in worlds or [] if isinstance(w, int))):
                side.setdefault(x, color.lower())
    oids = {e.objective_id for e in events if e.objective_id}
    objectives = {o: (n, t) for o, n, t in session.execute(
        select(Objective.id, Objective.name, Objective.type).where(Objective.id.in_(oids)))} if oids else {}
    gids = {e.guild_id for e in events if e.guild_id}
    guilds = {g: (n, t) for g, n, t in session.execute(
        select(Guild.id, Guild.name, Guild.tag).where(Guild.id.in_(gids)))} if gids else {}
    return Names(ours, teams, objectives, guilds, sides, named)


def _team_ok(target: str | None, color: str | None) -> bool:
    """``target``: the colour the rule follows in this match; None: any team."""
    return target is None or (color or "").lower() == target


def _target(rule: AlertRule, match_pk: int, names: Names) -> str | None | bool:
    """The colour ``rule`` follows in a match; None: any; False: the rule's team does not play in it."""
    if rule.team == "any":
        return None
    if rule.team == "ours":
        return names.ours.get(match_pk) or False
    if rule.team in ALERT_TEAMS:
        return rule.team  # a colour, in every match synced
    return names.color_of_named(rule.team, match_pk) or False


def match_rule(rule: AlertRule, e: Event, names: Names) -> str | None:
    """Which of the rule's events ``e`` is (capture, loss, ...), or None if the rule does not want it."""
    kinds = [k for k in EVENT_KINDS.get(e.kind, ()) if k in rule.events]
    if not kinds:
        return None
    target = _target(rule, e.match_id, names)
    if target is False:
        return None  # a match our (or the rule's) team does not play in
    assert target is None or isinstance(target, str)
    if e.objective_id:
        if rule.maps and e.map_type not in rule.maps:
            return None
        otype = (e.detail or {}).get("type") or names.objectives.get(e.objective_id, ("", ""))[1]
        if rule.types and otype not in rule.types:
            return None
    if e.kind == "captured":
        if "capture" in kinds and _team_ok(target, e.team):
            return "capture"
        lost = (e.prev_team or "").lower() not in ("", "neutral") and (e.prev_team or "").lower() != (e.team or "").lower()
        if "loss" in kinds and lost and _team_ok(target, e.prev_team):
            return "loss"
        return None
    if e.kind in ("claimed", "unclaimed"):
        if rule.guilds:
            name, tag = names.guilds.get(e.guild_id or "", (None, None))
            wanted = {g.lower() for g in rule.guilds}
            if not {x.lower() for x in (e.guild_id, name, tag) if x} & wanted:
                return None
        return kinds[0] if _team_ok(target, e.team) else None
    if e.kind == "upgraded":
        tier = int((e.detail or {}).get("tier", 0) or 0)
        return "tier" if tier >= rule.min_tier and _team_ok(target, e.team) else None
    if e.kind == "skirmish_ended":
        return "skirmish"  # "ours" or a team: its match (checked above); a colour or any: every match synced
    return None


def describe(e: Event, kind: str, names: Names) -> dict[str, Any]:
    """The alert for an event as stored in the outbox: title, description, digest line, colour, time."""
    team_name = names.teams.get((e.match_id, (e.team or "").lower())) or (e.team or "?")
    obj_name, obj_type = names.objectives.get(e.objective_id or "", (e.objective_id or "?", ""))
    obj_type = (e.detail or {}).get("type") or obj_type
    where = md(map_name(e.map_type, short=True))
    when = _aware(e.occurred_at) or utcnow()
    obj = f"{md(obj_name)} ({md(obj_type)}, {where})" if obj_type else f"{md(obj_name)} ({where})"
    color = color_of(e.team)
    if kind in ("capture", "loss"):
        prev = names.teams.get((e.match_id, (e.prev_team or "").lower())) or (e.prev_team or "?")
        title = f"{md(team_name)} captured {md(obj_name)}" if kind == "capture" else f"{md(prev)} lost {md(obj_name)}"
        held = (e.detail or {}).get("held_seconds")
        desc = f"{obj}, from {md(prev)}" + (f" after {_duration(held)}" if held else "")
        if kind == "loss":
            desc = f"{obj}, taken by {md(team_name)}" + (f" after {_duration(held)}" if held else "")
    elif kind in ("claim", "unclaim"):
        gname, gtag = names.guilds.get(e.guild_id or "", (None, None))
        # A guild seen for the first time is named by the guilds poller a little later.
        guild = guild_text(gname, gtag)
        title = f"{guild} {'claimed' if kind == 'claim' else 'lost the claim on'} {md(obj_name)}"
        desc = f"{obj}, held by {md(team_name)}"
        if not (gname or gtag) and e.guild_id:  # named at delivery, once the guilds poller has it
            return {"title": title, "description": desc, "color": color, "timestamp": when.isoformat(),
                    "line": f"{timestamp_tag(when)} {title}", "guild_id": e.guild_id}
    elif kind == "tier":
        tier = (e.detail or {}).get("tier", "?")
        title = f"{md(obj_name)} reached tier {tier}"
        desc = f"{obj}, held by {md(team_name)}, {(e.detail or {}).get('yaks_delivered', '?')} yaks delivered"
    else:  # skirmish
        d = e.detail or {}
        places = d.get("places", {})
        scores = d.get("scores", {})
        order = sorted(places, key=lambda c: places[c])
        title = f"Skirmish {d.get('skirmish', '?')} won by {md(team_name)}"
        desc = " · ".join(f"{places[c]}. {md(names.teams.get((e.match_id, c), c.title()))} {scores.get(c, 0)}"
                          for c in order)
    return {"title": title, "description": desc, "color": color, "timestamp": when.isoformat(),
            "line": f"{timestamp_tag(when)} {title}"}


def _duration(seconds: Any) -> str:
    s = int(seconds or 0)
    return f"{s // 3600}h {s % 3600 // 60:02d}m" if s >= 3600 else f"{s // 60}m"


def daemon_alert(what: str, when: datetime, detail: str = "") -> dict[str, Any]:
    title = {"start": "Warclaw daemon started", "stop": "Warclaw daemon stopped"}.get(what, what)
    return {"title": title, "description": detail, "color": 0x7289DA, "timestamp": when.isoformat(),
            "line": f"{timestamp_tag(when)} {title}"}


def _insert(session: Session, rule: AlertRule, key: str, alert: dict[str, Any], when: datetime,
            event_id: int | None, now: datetime) -> bool:
    """One outbox row unless (key, rule) is there already: True if new."""
    values = {"rule": rule.name, "webhook": rule.webhook, "dedupe_key": key[:200], "event_id": event_id,
              "occurred_at": when, "created_at": now, "alert": alert, "status": "pending", "attempts": 0}
    return insert_unless_exists(session, AlertOutbox, values, ["dedupe_key", "rule"])


def scan(session: Session, config: Config, now: datetime) -> int:
    """New events since the cursor -> outbox rows; returns how many alerts were queued."""
    cursor = get_meta(session, CURSOR_KEY)
    if cursor is None:  # first run with alerts: the history already stored is not news
        newest = session.scalar(select(func.max(Event.id))) or 0
        set_meta(session, CURSOR_KEY, str(newest))
        return 0
    rules = config.alerts.rules
    events = list(session.scalars(select(Event).where(Event.id > int(cursor)).order_by(Event.id).limit(SCAN_BATCH)))
    if not events:
        return 0
    queued = 0
    if rules:
        names = load_names(session, config, events)
        for e in events:
            for rule in rules:
                kind = match_rule(rule, e, names)
                if kind:
                    queued += _insert(session, rule, f"{e.dedupe_key}", describe(e, kind, names),
                                      _aware(e.occurred_at) or now, e.id, now)
    set_meta(session, CURSOR_KEY, str(events[-1].id))
    return queued


def scan_stale(session: Session, config: Config, now: datetime) -> int:
    """"The API is stale": a rule's match data has not changed for ``stale_minutes`` (frozen API or
    failing polls). Once per stale spell (keyed by the last change)."""
    rules = [r for r in config.alerts.rules if "stale" in r.events]
    if not rules:
        return 0
    ids = our_team_ids(session, config)
    queued = 0
    newest: dict[str, tuple[int, str, datetime]] = {}
    for pk, api_id, changed in session.execute(select(Match.id, Match.api_id, Match.changed_at)
                                               .where(Match.end_time > now)):
        newest[api_id] = (pk, api_id, _aware(changed))
    def playing(team_ids_: set[int] | list[int]) -> set[int]:
        return set(session.scalars(select(MatchTeam.match_id).where(
            or_(MatchTeam.team_id.in_(team_ids_), MatchTeam.world_id.in_(team_ids_))))) if team_ids_ else set()

    ours = playing(ids)
    for rule in rules:
        only = None if rule.team in ("any", "red", "green", "blue") else (
            ours if rule.team == "ours" else playing(team_ids(session, rule.team)))
        for pk, api_id, changed in newest.values():
            if only is not None and pk not in only:
                continue
            age = (now - changed).total_seconds() / 60
            if age < rule.stale_minutes:
                continue
            alert = {"title": f"API data for match {api_id} stale for {int(age)} minutes",
                     "description": f"No change since {timestamp_tag(changed)}: the API is frozen or the daemon's polls fail.",
                     "color": GREY_STALE, "timestamp": now.isoformat(),
                     "line": f"{timestamp_tag(now)} API data for {api_id} stale since {timestamp_tag(changed)}"}
            queued += _insert(session, rule, f"stale:{pk}:{changed.isoformat()}", alert, now, None, now)
    return queued


GREY_STALE = 0xF1C40F


@dataclass
class _HookState:
    failures: int = 0
    retry_at: float = 0.0  # monotonic


class AlertService:
    """The scan and delivery loops; ``run()`` until ``stop`` is set."""

    def __init__(self, store: Store, config: Callable[[], Config], stop: asyncio.Event, *,
                 client_factory: Callable[[], WebhookClient] | None = None,
                 matches_ready: Callable[[], bool] = lambda: True):
        self.store = store
        self.config = config
        self.stop = stop
        self.client = (client_factory or (lambda: WebhookClient(ALERT_RETRY)))()
        self.matches_ready = matches_ready
        self.hooks: dict[str, _HookState] = {}
        self.wake = asyncio.Event()

    # --- bookkeeping writes (threads: the event loop keeps breathing)

    async def _write(self, fn: Callable[[Session], Any]) -> Any:
        def run() -> Any:
            with self.store.write() as s:
                return fn(s)
        return await asyncio.to_thread(run)

    async def recover(self) -> int:
        """Rows left ``sending`` by a daemon that died mid-request: maybe posted, so never again."""
        def fn(s: Session) -> list[int]:
            ids = list(s.scalars(select(AlertOutbox.id).where(AlertOutbox.status == "sending").order_by(AlertOutbox.id)))
            if ids:
                s.execute(update(AlertOutbox).where(AlertOutbox.id.in_(ids)).values(
                    status="unconfirmed", last_error="the daemon stopped while sending it: it may or may not "
                    "have been posted, and is not sent again (at most once)"))
            return ids
        ids = await self._write(fn)
        if ids:
            log.warning("%d alert(s) were being sent when the daemon last stopped (%s): not sent again, they "
                        "may be missing in Discord; `warclaw alerts list` shows them, `warclaw alerts resend ID` "
                        "sends one again", len(ids), id_marker(ids))
        return len(ids)

    async def enqueue_daemon(self, what: str, when: datetime, detail: str = "") -> int:
        rules = [r for r in self.config().alerts.rules if "daemon" in r.events]
        if not rules:
            return 0

        def fn(s: Session) -> int:
            return sum(_insert(s, r, f"daemon:{what}:{when.isoformat()}", daemon_alert(what, when, detail), when, None, when)
                       for r in rules)
        n = await self._write(fn)
        self.wake.set()
        return n

    async def scan_once(self) -> int:
        cfg = self.config()
        now = utcnow()

        def fn(s: Session) -> int:
            n = scan(s, cfg, now)
            if self.matches_ready():
                n += scan_stale(s, cfg, now)
            return n
        n = await self._write(fn)
        if n:
            self.wake.set()
        return n

    # --- the loops

    async def run(self) -> None:
        try:
            await self.recover()
        except WriteRefused:
            pass  # the database lock is gone: said once where it was found (daemon/dblock.py)
        except SQLAlchemyError as e:
            log.error("alerts: %s", describe_db_error(self.store.url, e))
        await asyncio.gather(self._scan_loop(), self._deliver_loop())

    async def _pause(self, seconds: float, event: asyncio.Event | None = None) -> None:
        waits = [asyncio.create_task(self.stop.wait())]
        if event is not None:
            waits.append(asyncio.create_task(event.wait()))
        try:
            await asyncio.wait(waits, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for w in waits:
                w.cancel()

    async def purge(self, now: datetime) -> int:
        """Finished rows older than ``KEEP_DAYS`` (the scan's cursor, not these rows, keeps alerts once)."""
        def fn(s: Session) -> int:
            return s.execute(delete(AlertOutbox).where(
                AlertOutbox.status.in_(("sent", "failed", "unconfirmed", "expired")),
                AlertOutbox.created_at < now - timedelta(days=KEEP_DAYS))).rowcount
        return await self._write(fn)

    async def _scan_loop(self) -> None:
        purged_at = 0.0
        while not self.stop.is_set():
            try:
                if time.monotonic() - purged_at > PURGE_SECONDS:
                    purged_at = time.monotonic()
                    await self.purge(utcnow())
                while await self.scan_once() and not self.stop.is_set():
                    pass
            except WriteRefused:
                pass  # the database lock is gone: said once where it was found
            except SQLAlchemyError as e:
                log.error("alerts: scan failed: %s", describe_db_error(self.store.url, e))
            await self._pause(self.config().alerts.scan_seconds)

    async def _deliver_loop(self) -> None:
        while not self.stop.is_set():
            self.wake.clear()
            wait = self.config().alerts.scan_seconds
            try:
                wait = min(wait, await self.deliver_once())
            except WriteRefused:
                pass  # the database lock is gone: said once where it was found
            except SQLAlchemyError as e:
                log.error("alerts: delivery bookkeeping failed: %s", describe_db_error(self.store.url, e))
            await self._pause(wait, self.wake)

    async def flush(self, seconds: float) -> None:
        """At shutdown: send what is pending (the daemon-stop alert) for at most ``seconds``."""
        deadline = time.monotonic() + seconds
        try:
            while time.monotonic() < deadline:
                await self.scan_once()
                rest = await asyncio.wait_for(self.deliver_once(), timeout=max(0.1, deadline - time.monotonic()))
                if rest >= self.config().alerts.scan_seconds:
                    return  # nothing due now
        except (TimeoutError, SQLAlchemyError) as e:
            log.info("alerts: left for the next start (%s)", type(e).__name__)

    async def aclose(self) -> None:
        await self.client.aclose()

    # --- delivery

    async def expire(self, cfg: Config, now: datetime) -> int:
        """Pending alerts queued more than ``alerts.max_age_minutes`` ago are marked ``expired``, not
        sent; per rule, one notice alert (queued like any other, merged while it waits) says how many."""
        cutoff = now - timedelta(minutes=cfg.alerts.max_age_minutes)
        rules = {r.name: r for r in cfg.alerts.rules}

        def fn(s: Session) -> int:
            old = [r for r in s.scalars(select(AlertOutbox).where(
                AlertOutbox.status == "pending", AlertOutbox.created_at < cutoff).order_by(AlertOutbox.id))
                if not (r.alert.get("requeued") or r.alert.get("notice"))]  # sent again by hand; the notices
            if not old:
                return 0
            why = (f"not sent: still undelivered {cfg.alerts.max_age_minutes:g} minutes after it was queued "
                   "(alerts.max_age_minutes)")
            s.execute(update(AlertOutbox).where(AlertOutbox.id.in_([r.id for r in old])).values(
                status="expired", last_error=why))
            by_rule: dict[str, list[AlertOutbox]] = {}
            for r in old:
                by_rule.setdefault(r.rule, []).append(r)
            for name, rows in by_rule.items():
                if name in rules:
                    _notice_expired(s, rules[name], rows, cfg.alerts.max_age_minutes, now)
            return len(old)
        n = await self._write(fn)
        if n:
            log.warning("alerts: %d alert(s) expired unsent (queued over %g minutes ago, alerts.max_age_minutes)",
                        n, cfg.alerts.max_age_minutes)
        return n

    async def deliver_once(self) -> float:
        """Send what is due, every webhook at once; returns seconds until something is due again."""
        cfg = self.config()
        now = utcnow()
        await self.expire(cfg, now)

        def load(s: Session) -> tuple[list[AlertOutbox], dict[str, datetime]]:
            rows = list(s.scalars(select(AlertOutbox).where(AlertOutbox.status == "pending", or_(
                AlertOutbox.next_attempt_at.is_(None), AlertOutbox.next_attempt_at <= now))
                .order_by(AlertOutbox.id).limit(SEND_BATCH)))
            last = dict(s.execute(select(AlertOutbox.rule, func.max(AlertOutbox.sent_at))
                                  .where(AlertOutbox.sent_at.is_not(None)).group_by(AlertOutbox.rule)).all())
            gids = {r.alert["guild_id"] for r in rows if r.alert.get("guild_id")}
            # Guilds the poller has looked up: named, or not to be named (an API error is final for an id).
            named = {g: (n, t) for g, n, t in s.execute(select(Guild.id, Guild.name, Guild.tag).where(
                Guild.id.in_(gids), or_(Guild.fetched_at.is_not(None), Guild.fetch_error.is_not(None))))} if gids else {}
            s.expunge_all()
            return rows, last, named
        rows, last_sent, named = await asyncio.to_thread(lambda: _in(self.store, load))
        held = len(rows)
        rows = [r for r in rows if _named(r, named, now)]
        if not rows:
            return 1.0 if held else cfg.alerts.scan_seconds
        rules = {r.name: r for r in cfg.alerts.rules}
        by_hook: dict[str, list[AlertOutbox]] = {}
        orphans = [r for r in rows if r.rule not in rules or rules[r.rule].webhook not in cfg.alerts.webhooks]
        if orphans:
            await self._finish(orphans, "failed", error="its rule or webhook is no longer in the config")
            log.warning("alerts: %d alert(s) dropped: their rule is no longer in the config", len(orphans))
        for r in rows:
            if r not in orphans:
                by_hook.setdefault(rules[r.rule].webhook, []).append(r)
        waits = await asyncio.gather(*(self._deliver_hook(cfg, hook, hook_rows, rules, last_sent, now)
                                       for hook, hook_rows in by_hook.items()))
        return min([cfg.alerts.scan_seconds, *waits])

    async def _deliver_hook(self, cfg: Config, hook: str, rows: list[AlertOutbox], rules: dict[str, AlertRule],
                            last_sent: dict[str, datetime], now: datetime) -> float:
        state = self.hooks.setdefault(hook, _HookState())
        wait = cfg.alerts.scan_seconds
        if time.monotonic() < state.retry_at:
            return max(0.1, state.retry_at - time.monotonic())
        url = cfg.alerts.webhooks[hook]
        by_rule: dict[str, list[AlertOutbox]] = {}
        for r in rows:
            by_rule.setdefault(r.rule, []).append(r)
        for name, group in by_rule.items():
            rule = rules[name]
            last = _aware(last_sent.get(name))
            if rule.cooldown_seconds and last is not None:
                ready_in = (last + timedelta(seconds=rule.cooldown_seconds) - now).total_seconds()
                if ready_in > 0:
                    wait = min(wait, ready_in)
                    continue  # piles up: the next message for this rule is a digest
            by_id = {r.id: r for r in group}
            for n, payload in messages_for([r.alert for r in group], name, username=cfg.alerts.username,
                                           digest_after=cfg.alerts.digest_after, ids=[r.id for r in group]):
                batch = [by_id[r.id] for r in group[:n]]
                group = group[n:]
                outcome = await self._send(url, hook, batch, payload, state, cfg)
                if outcome == "retry":
                    return max(0.1, state.retry_at - time.monotonic())
        return wait

    async def _send(self, url: str, hook: str, batch: list[AlertOutbox], payload: dict[str, Any],
                    state: _HookState, cfg: Config) -> str:
        ids = [r.id for r in batch]

        def mark(s: Session) -> None:
            s.execute(update(AlertOutbox).where(AlertOutbox.id.in_(ids)).values(
                status="sending", attempts=AlertOutbox.attempts + 1))
        await self._write(mark)  # committed before the request: a restart knows it was in flight
        try:
            msg = await self.client.execute(url, payload)
        except DeliveryInDoubt as e:
            log.warning("alerts: %s; alert(s) %s marked unconfirmed, not sent again (the footer of a "
                        "message in the channel names the alerts it carries)", e, id_marker(ids))
            await self._finish(batch, "unconfirmed", error=str(e))
            return "doubt"
        except WebhookUnavailable as e:
            state.failures += 1
            delay = min(cfg.daemon.backoff_max_seconds, 2.0 * 2 ** (state.failures - 1))
            state.retry_at = time.monotonic() + delay
            log.warning("alerts: webhook %s unavailable (%d in a row), next try in %.0fs: %s",
                        hook, state.failures, delay, e)
            retry_at = utcnow() + timedelta(seconds=delay)
            await self._finish(batch, "pending", error=str(e), next_attempt_at=retry_at)
            return "retry"
        except WebhookError as e:
            log.error("alerts: webhook %s refused %d alert(s), not retried: %s", hook, len(ids), e)
            await self._finish(batch, "failed", error=str(e))
            return "failed"
        state.failures = 0
        await self._finish(batch, "sent", message_id=str((msg or {}).get("id") or "") or None)
        log.info("alerts: sent %d alert(s) to webhook %s", len(ids), hook)
        return "sent"

    async def _finish(self, batch: list[AlertOutbox], status: str, *, error: str | None = None,
                      message_id: str | None = None, next_attempt_at: datetime | None = None) -> None:
        ids = [r.id for r in batch]
        values: dict[str, Any] = {"status": status, "last_error": mask_webhook_url(error)[:400] if error else None}
        if status == "sent":
            values.update(sent_at=utcnow(), message_id=message_id)
        if next_attempt_at is not None:
            values["next_attempt_at"] = next_attempt_at

        def fn(s: Session) -> None:
            s.execute(update(AlertOutbox).where(AlertOutbox.id.in_(ids)).values(**values))
        await self._write(fn)


def _notice_expired(s: Session, rule: AlertRule, rows: list[AlertOutbox], max_age: float, now: datetime) -> None:
    """The rule's waiting "N alerts expired" notice counts ``rows`` too (one is queued if none waits)."""
    notice = s.scalar(select(AlertOutbox).where(AlertOutbox.rule == rule.name, AlertOutbox.status == "pending",
                                                AlertOutbox.dedupe_key.like("expired:%")).order_by(AlertOutbox.id))
    times = [t for t in (_aware(r.occurred_at) for r in rows) if t is not None]
    first, last = min(times), max(times)
    if notice is not None:
        n = int(notice.alert.get("count", 0)) + len(rows)
        first = min(first, datetime.fromisoformat(notice.alert["first"]))
        last = max(last, datetime.fromisoformat(notice.alert["last"]))
    else:
        n = len(rows)
    title = f"{n} alert{'s' if n != 1 else ''} expired unsent"
    alert = {"title": title, "color": GREY_STALE, "timestamp": now.isoformat(), "notice": "expired", "count": n,
             "first": first.isoformat(), "last": last.isoformat(),
             "description": f"Events of {timestamp_tag(first)}–{timestamp_tag(last)} that could not be delivered within "
                            f"{max_age:g} minutes (Discord unreachable or the daemon stopped); "
                            "`warclaw alerts list` shows them.",
             "line": f"{timestamp_tag(now)} {title} (events of {timestamp_tag(first)}–{timestamp_tag(last)})"}
    if notice is not None:
        notice.alert = alert
    else:
        _insert(s, rule, f"expired:{rows[0].id}", alert, now, None, now)


def _named(row: AlertOutbox, names: dict[str, tuple[str | None, str | None]], now: datetime) -> bool:
    """Put a claiming guild's name into its alert once known; False: hold the alert a little longer."""
    gid = row.alert.get("guild_id")
    if not gid:
        return True
    if gid not in names:  # not looked up yet
        created = _aware(row.created_at) or now
        return now - created >= GUILD_NAME_WAIT  # the poller is failing: sent as "guild (name pending)"
    name, tag = names[gid]
    label = guild_text(name, tag, failed=not (name or tag))  # looked up, not named: "unknown guild"
    alert = dict(row.alert)
    old = next((t for t in (GUILD_PENDING_TEXT, _OLD_PENDING_TEXT) if alert["title"].startswith(t)), None)
    if old is not None:
        alert["title"] = label + alert["title"].removeprefix(old)
        alert["line"] = alert["line"].replace(old, label, 1)
    alert.pop("guild_id")
    row.alert = alert
    return True


def _in(store: Store, fn: Callable[[Session], Any]) -> Any:
    with store.read() as s:
        return fn(s)


async def send_sample(config: Config, rule_name: str, client: WebhookClient | None = None) -> tuple[str, str]:
    """``warclaw alerts test RULE``: a sample alert through the rule's webhook now (not the outbox).
    Returns (masked URL, message id)."""
    rule = next((r for r in config.alerts.rules if r.name == rule_name), None)
    if rule is None:
        known = ", ".join(r.name for r in config.alerts.rules) or "none in the config"
        raise LookupError(f"no alert rule named {rule_name!r} (known: {known})")
    url = config.alerts.webhooks[rule.webhook]
    now = utcnow()
    alert = {"title": f"Test alert for rule {rule.name}",
             "description": f"events: {', '.join(rule.events)}; team: {rule.team}"
                            + (f"; maps: {', '.join(rule.maps)}" if rule.maps else "")
                            + (f"; types: {', '.join(rule.types)}" if rule.types else "")
                            + (f"; cooldown {rule.cooldown_seconds:g}s" if rule.cooldown_seconds else ""),
             "color": 0x7289DA, "timestamp": now.isoformat(), "line": f"{timestamp_tag(now)} Test alert"}
    [(_, payload)] = messages_for([alert], rule.name, username=config.alerts.username, digest_after=1)
    own = client is None
    client = client or WebhookClient(ALERT_RETRY)
    try:
        msg = await client.execute(url, payload)
    finally:
        if own:
            await client.aclose()
    return mask_webhook_url(url), str((msg or {}).get("id", ""))
