"""Database reads for the TUI, run in workers (never on the UI thread).

The store's queries give the matchup, events, objectives and daemon status; this module bundles
them per screen and adds one query the store lacks: :func:`fingerprint`, a few cheap maxima that
tell which part of the data changed after ``PRAGMA data_version`` moved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # SQLAlchemy and the store load in a worker, after the first frame is painted
    from sqlalchemy.orm import Session

    from warclaw.store import Store
    from warclaw.store import queries as q
    from warclaw.store.status import DaemonStatus

SKIRMISH = timedelta(hours=2)
HEARTBEAT_MAX_AGE = 90.0  # seconds without a beat before the daemon counts as not running
STALE_DATA_SECONDS = 600  # API data unchanged this long is marked stale


def fingerprint(session: Session) -> dict[str, Any]:
    """One cheap value per part of the data; a part is reloaded only when its value changes."""
    from sqlalchemy import func, select

    from warclaw.store.models import Event, Heartbeat, Match, PollLog, Roster, SavedPlan

    return {
        "match": session.scalar(select(func.max(Match.changed_at))),
        "polled": session.scalar(select(func.max(Match.polled_at))),
        "events": session.scalar(select(func.max(Event.id))),
        "status": (session.scalar(select(func.max(Heartbeat.beat_at))),
                   session.scalar(select(func.max(PollLog.last_attempt_at)))),
        "roster": session.scalar(select(func.max(Roster.updated_at))),
        "plans": session.scalar(select(func.max(SavedPlan.id))),
    }


@dataclass
class MatchupData:
    match: q.MatchSummary | None = None
    view: dict[str, Any] | None = None
    skirmishes: list[q.SkirmishView] = field(default_factory=list)
    history: list[q.ScorePoint] = field(default_factory=list)
    objectives: list[q.ObjectiveView] = field(default_factory=list)
    loaded_at: datetime | None = None
    # How far the API's own clock is behind ours, when the match shown is a week that already ended
    # by our clock (a replay, or last week kept in the database): ages and countdowns then count
    # from the data's newest timestamp instead of showing "583 days ago" everywhere.
    clock_offset: timedelta = timedelta(0)


def api_clock_offset(end_time: datetime, data_time: datetime | None, now: datetime) -> timedelta:
    if data_time is None or now <= end_time + timedelta(hours=1):
        return timedelta(0)
    return max(timedelta(0), now - data_time)


def resolve_match(session: Session, match_id: str | None, team: str | None) -> q.MatchSummary | None:
    from warclaw.store import queries as q
    from warclaw.store.status import get_meta

    if match_id:
        return q.find_match(session, match_id)
    team = team or get_meta(session, "account_team_id")
    if team:
        found = q.find_match(session, team=team)
        if found:
            return found
    return q.find_match(session)


def load_matchup(store: Store, match_id: str | None, team: str | None, now: datetime,
                 history_points: int = 400) -> MatchupData:
    from warclaw.store import queries as q
    from warclaw.store.models import Match

    with store.read() as s:
        m = resolve_match(s, match_id, team)
        if m is None:
            return MatchupData(loaded_at=now)
        hist = q.score_history(s, m.pk)
        if len(hist) > history_points:
            step = len(hist) / history_points
            hist = [hist[int(i * step)] for i in range(history_points)] + [hist[-1]]
        row = s.get(Match, m.pk)
        offset = api_clock_offset(m.end_time, row.data_time if row else None, now)
        return MatchupData(match=m, view=q.matchup(s, m.pk, now), skirmishes=q.skirmishes(s, m.pk),
                           history=hist, objectives=q.objectives(s, m.pk), loaded_at=now, clock_offset=offset)


def load_events(store: Store, match_pk: int | None, limit: int = 300) -> list[q.EventView]:
    from warclaw.store import queries as q

    with store.read() as s:
        return q.recent_events(s, match_pk, limit=limit)


def load_status(store: Store, now: datetime) -> DaemonStatus:
    from warclaw.store.status import daemon_status

    with store.read() as s:
        return daemon_status(s, now)


def load_fingerprint(store: Store) -> tuple[int, dict[str, Any]]:
    version = store.data_version()
    with store.read() as s:
        return version, fingerprint(s)


# --- derived figures (pure) -------------------------------------------------------------------


def skirmish_clock(view: dict[str, Any] | None, skirmishes: list[q.SkirmishView],
                   now: datetime) -> tuple[int, int, timedelta | None]:
    """(running skirmish number, skirmishes in the match, time left in the running one)."""
    if not view:
        return 0, 0, None
    start = datetime.fromisoformat(view["start_time"].replace("Z", "+00:00"))
    end = datetime.fromisoformat(view["end_time"].replace("Z", "+00:00"))
    total = max(1, round((end - start) / SKIRMISH))
    # The API lists the running skirmish last; the clock is the fallback before the first poll of one.
    number = len(skirmishes) if skirmishes else min(total, max(1, int((now - start) / SKIRMISH) + 1))
    left = start + number * SKIRMISH - now
    return number, total, left if timedelta(0) < left <= SKIRMISH else None


def vp_projection(view: dict[str, Any] | None, skirmishes: list[q.SkirmishView],
                  total: int) -> dict[str, int]:
    """Final victory points if every team keeps its average VP per finished skirmish."""
    if not view:
        return {}
    done = max(0, len(skirmishes) - 1)
    out = {}
    for t in view["teams"]:
        vp = t["victory_points"]
        per = vp / done if done else 0.0
        out[t["color"]] = round(vp + per * max(0, total - done))
    return out


def daemon_alive(status: DaemonStatus | None) -> bool:
    return bool(status and status.alive(HEARTBEAT_MAX_AGE))


def last_poll_error(status: DaemonStatus | None) -> tuple[str, str] | None:
    """(endpoint, error) of the most recent failure still failing, else None."""
    if status is None:
        return None
    failing = [e for e in status.endpoints if e.failing and e.last_error]
    if not failing:
        return None
    e = max(failing, key=lambda e: e.last_error_at.timestamp() if e.last_error_at else 0.0)
    return e.endpoint, e.last_error or ""


def age_text(seconds: float | None) -> str:
    if seconds is None:
        return "never"
    s = int(max(0, seconds))
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    if s < 172800:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d"


def span_text(td: timedelta | None) -> str:
    if td is None:
        return "-"
    s = int(td.total_seconds())
    if s <= 0:
        return "0:00"
    h, rem = divmod(s, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60}:{rem % 60:02d}"
