"""One daemon per database on PostgreSQL: a session advisory lock, held for the daemon's life.

A pidfile only sees one machine; a shared PostgreSQL database is written from wherever a daemon
runs. So the daemon holds ``pg_try_advisory_lock`` on a connection of its own, opened with an
``application_name`` that names it (host and pid). A second daemon, on any machine, is refused
with that name. The server releases the lock when the connection ends, so a daemon killed with
``kill -9`` (or a machine that vanished, once TCP keepalive gives up on it) frees the database for
the next one. Advisory locks are per database: daemons for two databases never meet.

The server may also end the lock's session while the daemon runs (a restart, a network cut, an
admin's ``pg_terminate_backend``). So every write transaction, once it holds the write lock that
orders all writers (``Store.write``), first asks ``pg_locks`` whether the lock's session still holds
it (:meth:`DatabaseLock.guard`, the store's ``write_guard``: well under a millisecond next to a
write's tens); between writes the daemon looks every :data:`CHECK_SECONDS`. A lost session is taken
again when no other daemon took the lock meanwhile; if one did, that write and every later one is
refused (rolled back, nothing written) and the daemon stops, with one line naming the holder. A
write that passed the check is ordered before any write of the next holder, which must wait for
the same write lock.

SQLite needs none of this: its pidfile lock sits next to the database file.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session

from warclaw.daemon.pidfile import AlreadyRunning
from warclaw.store.db import WriteRefused
from warclaw.store.errors import StoreError, describe_error
from warclaw.store.reader import is_postgres_url, postgres_conninfo

log = logging.getLogger("warclaw.daemon")

DAEMON_LOCK_KEY = 0x57A2C1A9  # a constant every warclaw daemon shares (the lock is per database)
APP_PREFIX = "warclaw daemon"
# Notice a peer that vanished without closing its connection within about a minute.
KEEPALIVE = {"keepalives": 1, "keepalives_idle": 30, "keepalives_interval": 10, "keepalives_count": 3}
# Between writes, how often the daemon looks at its lock (a round trip on an idle connection).
CHECK_SECONDS = 2.0

_HOLDER_SQL = (
    "SELECT a.application_name, host(a.client_addr), a.pid FROM pg_locks l"
    " JOIN pg_stat_activity a ON a.pid = l.pid"
    " WHERE l.locktype = 'advisory' AND l.granted AND l.classid = 0 AND l.objid = %s AND l.objsubid = 1"
    " AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
)


# Held by this very session (the lock connection's own check).
_MINE_SQL = ("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0"
             " AND objid = %s AND objsubid = 1 AND pid = pg_backend_pid())")
# Held by the session of backend :pid (asked from a write transaction, on another connection).
_HELD_SQL = text("SELECT EXISTS (SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND granted AND classid = 0"
                 " AND objid = :k AND objsubid = 1 AND pid = :pid)")


def describe_holder(row: tuple[Any, ...] | None) -> str:
    if row is None:
        return "holder unknown"
    app, addr, backend = row
    if app and app.startswith(APP_PREFIX):
        return app.removeprefix("warclaw ")  # "daemon on HOST, pid N"
    return f"a session from {addr or 'a local socket'} (server pid {backend})"


class DatabaseLock:
    """The daemon's lock on a PostgreSQL database; :meth:`for_url` is None for SQLite."""

    def __init__(self, url: str, on_lost: Callable[[str], None] | None = None):
        self.url = url
        self.conninfo, self.where = postgres_conninfo(url)
        self.name = f"{APP_PREFIX} on {socket.gethostname()}, pid {os.getpid()}"[:63]
        self._conn: Any = None
        self.backend_pid: int | None = None  # the lock session's server process
        self._mutex = threading.Lock()
        self.lost: str | None = None  # why the lock is gone for good (another daemon has it)
        self.on_lost = on_lost  # told once, from whichever thread found out

    @classmethod
    def for_url(cls, url: str) -> DatabaseLock | None:
        return cls(url) if is_postgres_url(url) else None

    def _connect(self, application_name: str) -> Any:
        import psycopg

        try:
            return psycopg.connect(self.conninfo, autocommit=True, connect_timeout=10,
                                   application_name=application_name, **KEEPALIVE)
        except psycopg.Error as e:
            raise StoreError(describe_error(self.where, e)) from None

    def acquire(self) -> None:
        """Take the lock or raise AlreadyRunning naming the daemon that holds it."""
        import psycopg

        conn = self._connect(self.name)
        try:
            got = conn.execute("SELECT pg_try_advisory_lock(%s)", [DAEMON_LOCK_KEY]).fetchone()[0]
            if not got:
                holder = describe_holder(conn.execute(_HOLDER_SQL, [DAEMON_LOCK_KEY]).fetchone())
                raise AlreadyRunning(f"a warclaw daemon is already running for database {self.where}: {holder}")
        except psycopg.Error as e:
            conn.close()
            raise StoreError(describe_error(self.where, e)) from None
        except BaseException:
            conn.close()
            raise
        self._conn = conn
        self.backend_pid = conn.info.backend_pid

    def check(self) -> None:
        """Still ours? After a lost session (server restart, network, ``pg_terminate_backend``)
        take the lock again, or raise AlreadyRunning if another daemon took it meanwhile."""
        import psycopg

        if self._conn is not None and not self._conn.closed:
            try:
                if self._conn.execute(_MINE_SQL, [DAEMON_LOCK_KEY]).fetchone()[0]:
                    return
            except psycopg.Error:
                pass
            self._conn.close()
        log.warning("the connection holding the database lock was lost: taking the lock again")
        self._conn = None
        self.backend_pid = None
        self.acquire()

    def guard(self, session: Session) -> None:
        """In a write transaction that holds the write lock: raise WriteRefused unless the database
        lock is (still, or again) ours."""
        if self.lost is None and self.backend_pid is not None and session.execute(
                _HELD_SQL, {"k": DAEMON_LOCK_KEY, "pid": self.backend_pid}).scalar():
            return
        self.check_or_refuse()

    def check_or_refuse(self) -> None:
        """:meth:`check`, as a WriteRefused when the lock cannot be had (for good once another has it)."""
        with self._mutex:  # the write threads and the event loop's own check share the connection
            if self.lost is None:
                try:
                    self.check()
                    return
                except AlreadyRunning as e:
                    self._lose(f"lost the database lock, stopping: {e}")
                except StoreError as e:  # the server cannot be asked: nor can it take the write
                    raise WriteRefused(f"cannot check the database lock: {e}") from None
        raise WriteRefused(self.lost)

    def _lose(self, why: str) -> None:
        self.lost = why
        log.error("%s", why)
        if self.on_lost is not None:
            self.on_lost(why)

    def release(self) -> None:
        if self._conn is not None:
            self._conn.close()  # ending the session releases the lock
            self._conn = None

    def holder(self) -> str | None:
        """Who holds the lock (``daemon on HOST, pid N``), or None when no daemon runs."""
        import psycopg

        conn = self._connect("warclaw status")
        try:
            row = conn.execute(_HOLDER_SQL, [DAEMON_LOCK_KEY]).fetchone()
        except psycopg.Error as e:
            raise StoreError(describe_error(self.where, e)) from None
        finally:
            conn.close()
        return None if row is None else describe_holder(row)
