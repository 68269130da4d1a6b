"""The daemon's heartbeat, per-endpoint poll log and meta facts, written through SQLAlchemy.

What the TUI status bar shows is read by ``queries.daemon_status`` (and ``queries.read_meta``) on
the standard library's ``sqlite3``; ``get_meta`` here is for the daemon, inside its write sessions.
"""

from __future__ import annotations

import os
import socket
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from warclaw import __version__
from warclaw.store.models import Heartbeat, Meta, PollLog
from warclaw.store.queries import DAEMON
from warclaw.store.upsert import upsert


def beat(
    session: Session,
    now: datetime,
    state: str = "running",
    detail: str | None = None,
    started_at: datetime | None = None,
    component: str = DAEMON,
) -> None:
    """Write the component's heartbeat (one upsert: two daemons or a restart never collide)."""
    values = {
        "component": component,
        "pid": os.getpid(),
        "hostname": socket.gethostname()[:120],
        "version": __version__,
        "started_at": started_at or now,
        "beat_at": now,
        "state": state,
        "detail": detail[:400] if detail else None,
    }
    # Without a started_at the row keeps the one it has (a "stopped" beat of an unknown run).
    update = {k: v for k, v in values.items() if k != "component" and (started_at or k != "started_at")}
    upsert(session, Heartbeat, ["component"], values, update)


def record_poll(
    session: Session,
    endpoint: str,
    now: datetime,
    *,
    error: str | None = None,
    duration_ms: int | None = None,
    next_attempt_at: datetime | None = None,
) -> None:
    """One poll's outcome. The counters are incremented by the database, so concurrent writers
    (two processes polling, a test and a daemon) never lose an increment."""
    table = PollLog.__table__
    values: dict[str, Any] = {
        "endpoint": endpoint,
        "last_attempt_at": now,
        "last_duration_ms": duration_ms,
        "next_attempt_at": next_attempt_at,
        "consecutive_failures": 0 if error is None else 1,
        "total_failures": 0 if error is None else 1,
    }
    if error is None:
        values["last_success_at"] = now
    else:
        values["last_error_at"] = now
        values["last_error"] = error[:400]

    def changes_for(_excluded: Any) -> dict[str, Any]:
        changes = {k: v for k, v in values.items() if k not in ("endpoint", "consecutive_failures", "total_failures")}
        if error is None:
            changes["consecutive_failures"] = 0
        else:
            changes["consecutive_failures"] = table.c.consecutive_failures + 1
            changes["total_failures"] = table.c.total_failures + 1
        return changes

    upsert(session, PollLog, ["endpoint"], values, changes_for)


def set_next_attempt(session: Session, endpoint: str, when: datetime) -> None:
    session.execute(update(PollLog).where(PollLog.endpoint == endpoint).values(next_attempt_at=when))


def get_meta(session: Session, key: str) -> str | None:
    return session.scalar(select(Meta.value).where(Meta.key == key))


def set_meta(session: Session, key: str, value: str) -> None:
    upsert(session, Meta, ["key"], {"key": key, "value": value})
