"""The daemon's heartbeat and per-endpoint poll log (what the TUI status bar shows)."""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from warclaw import __version__
from warclaw.store.models import Heartbeat, Meta, PollLog

DAEMON = "daemon"


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


def daemon_status(session: Session, now: datetime, component: str = DAEMON) -> DaemonStatus:
    hb = session.get(Heartbeat, component)
    endpoints = [
        EndpointStatus(
            endpoint=p.endpoint,
            last_attempt_at=p.last_attempt_at,
            last_success_at=p.last_success_at,
            last_error_at=p.last_error_at,
            last_error=p.last_error,
            consecutive_failures=p.consecutive_failures or 0,
            total_failures=p.total_failures or 0,
            next_attempt_at=p.next_attempt_at,
        )
        for p in session.scalars(select(PollLog).order_by(PollLog.endpoint))
    ]
    if hb is None:
        return DaemonStatus(None, None, None, None, None, None, None, endpoints)
    return DaemonStatus(
        pid=hb.pid,
        hostname=hb.hostname,
        state=hb.state,
        started_at=hb.started_at,
        beat_at=hb.beat_at,
        heartbeat_age_seconds=max(0.0, (now - hb.beat_at).total_seconds()),
        detail=hb.detail,
        endpoints=endpoints,
    )
