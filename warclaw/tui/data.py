"""Database reads for the TUI, run in workers (never on the UI thread).

The store's queries (:mod:`warclaw.store.queries`, on a :class:`~warclaw.store.reader.Reader`: the
standard library's ``sqlite3``, no SQLAlchemy) give the matchup, events, objectives, the daemon's
status and the fingerprint, a few cheap maxima that tell which part of the data changed after
``PRAGMA data_version`` moved; this module bundles them per screen, each bundle in one read
transaction so that a screen shows one state of the database.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from warclaw.common import age_text  # noqa: F401 - the screens use it as data.age_text

if TYPE_CHECKING:  # the store loads in a worker, after the first frame is painted
    from warclaw.store import queries as q
    from warclaw.store.queries import DaemonStatus
    from warclaw.store.reader import Reader

SKIRMISH = timedelta(hours=2)
HEARTBEAT_MAX_AGE = 90.0  # seconds without a beat before the daemon counts as not running
STALE_DATA_SECONDS = 600  # API data unchanged this long is marked stale
EVENTS_PAGE = 300  # events loaded at first, and added by each `n` on the Events screen


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


def api_clock_offset(start_time: datetime, end_time: datetime, data_time: datetime | None,
                     now: datetime) -> timedelta:
    from warclaw.store.queries import match_clock

    return max(timedelta(0), now - match_clock(start_time, end_time, data_time, now))


def resolve_match(reader: Reader, match_id: str | None, team: str | None) -> q.MatchSummary | None:
    from warclaw.store import queries as q

    if match_id:
        return q.find_match(reader, match_id)
    team = team or q.read_meta(reader, "account_team_id")
    if team:
        found = q.find_match(reader, team=team)
        if found:
            return found
    return q.find_match(reader)


def load_matchup(reader: Reader, match_id: str | None, team: str | None, now: datetime,
                 history_points: int = 400) -> MatchupData:
    from warclaw.store import queries as q

    with reader.snapshot():
        m = resolve_match(reader, match_id, team)
        if m is None:
            return MatchupData(loaded_at=now)
        hist = q.score_history(reader, m.pk)
        if len(hist) > history_points:
            step = len(hist) / history_points
            hist = [hist[int(i * step)] for i in range(history_points)] + [hist[-1]]
        offset = api_clock_offset(m.start_time, m.end_time, q.match_data_time(reader, m.pk), now)
        return MatchupData(match=m, view=q.matchup(reader, m.pk, now), skirmishes=q.skirmishes(reader, m.pk),
                           history=hist, objectives=q.objectives(reader, m.pk), loaded_at=now,
                           clock_offset=offset)


def load_events(reader: Reader, match_pk: int | None, limit: int = EVENTS_PAGE) -> list[q.EventView]:
    from warclaw.store import queries as q

    return q.recent_events(reader, match_pk, limit=limit)


def load_status(reader: Reader, now: datetime) -> DaemonStatus:
    from warclaw.store.queries import daemon_status

    return daemon_status(reader, now)


def load_fingerprint(reader: Reader) -> tuple[int, dict[str, Any]]:
    from warclaw.store.queries import fingerprint

    return reader.data_version(), fingerprint(reader)


# --- derived figures (pure) -------------------------------------------------------------------


def skirmish_clock(view: dict[str, Any] | None, now: datetime) -> tuple[int, int, timedelta | None]:
    """(running skirmish number, skirmishes in the match, time left in the running one).

    The number and end come from the matchup view (the victory-point schedule's clock: the last
    skirmish ends at ``end_time``); only the countdown moves with ``now`` between loads.
    """
    if not view or not view.get("skirmish"):
        return 0, 0, None
    sk = view["skirmish"]
    ends = datetime.fromisoformat(sk["ends_at"].replace("Z", "+00:00"))
    left = ends - now
    return sk["number"], view["skirmishes_total"], left if timedelta(0) < left <= SKIRMISH else None


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


def span_text(td: timedelta | None) -> str:
    if td is None:
        return "-"
    s = int(td.total_seconds())
    if s <= 0:
        return "0:00"
    h, rem = divmod(s, 3600)
    return f"{h}:{rem // 60:02d}:{rem % 60:02d}" if h else f"{rem // 60}:{rem % 60:02d}"
