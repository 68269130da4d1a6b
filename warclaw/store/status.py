"""The daemon's heartbeat, per-endpoint poll log and meta facts, written through SQLAlchemy.

What the TUI status bar shows is read by ``queries.daemon_status`` (and ``queries.read_meta``) on
the standard library's ``sqlite3``; ``get_meta`` here is for the daemon, inside its write sessions.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime

from sqlalchemy.orm import Session

from warclaw import __version__
from warclaw.store.models import Heartbeat, Meta, PollLog
from warclaw.store.queries import DAEMON


def beat(
    session: Session,
    now: datetime,
    state: str = "running",
    detail: str | None = None,
    started_at: datetime | None = None,
    component: str = DAEMON,
) -> None:
    row = session.get(Heartbeat, component)
    if row is None or (started_at is not None and row.started_at != started_at):
        row = row or Heartbeat(component=component)
        row.started_at = started_at or now
    row.pid = os.getpid()
    row.hostname = socket.gethostname()[:120]
    row.version = __version__
    row.beat_at = now
    row.state = state
    row.detail = detail[:400] if detail else None
    session.add(row)


def record_poll(
    session: Session,
    endpoint: str,
    now: datetime,
    *,
    error: str | None = None,
    duration_ms: int | None = None,
    next_attempt_at: datetime | None = None,
) -> PollLog:
    row = session.get(PollLog, endpoint) or PollLog(
        endpoint=endpoint, consecutive_failures=0, total_failures=0
    )
    row.last_attempt_at = now
    row.last_duration_ms = duration_ms
    row.next_attempt_at = next_attempt_at
    if error is None:
        row.last_success_at = now
        row.consecutive_failures = 0
    else:
        row.last_error_at = now
        row.last_error = error[:400]
        row.consecutive_failures = (row.consecutive_failures or 0) + 1
        row.total_failures = (row.total_failures or 0) + 1
    session.add(row)
    return row


def set_next_attempt(session: Session, endpoint: str, when: datetime) -> None:
    row = session.get(PollLog, endpoint)
    if row is not None:
        row.next_attempt_at = when


def get_meta(session: Session, key: str) -> str | None:
    row = session.get(Meta, key)
    return row.value if row else None


def set_meta(session: Session, key: str, value: str) -> None:
    session.merge(Meta(key=key, value=value))
