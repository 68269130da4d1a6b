"""Opening the database: engine settings, sessions for reading and writing, schema upgrade.

Several processes share one SQLite file (the daemon writes matches, the TUI writes rosters), so
every SQLite connection uses WAL, ``busy_timeout`` and ``foreign_keys``; write transactions begin
with ``BEGIN IMMEDIATE`` so that a writer waits for the lock up front instead of failing with
"database is locked" when it upgrades a read lock half-way through.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, NoSuchModuleError, OperationalError, SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from warclaw.store.errors import StoreError, describe_error
from warclaw.store.limits import check_lengths
from warclaw.store.reader import CHANGE_CHANNEL, DEFAULT_BUSY_TIMEOUT_MS

# Any constant shared by every warclaw process (advisory locks are per database on the server).
WRITE_LOCK_KEY = 0x57A2C1A8


def describe_db_error(url: str, err: BaseException) -> str:
    """One line for a person, naming the database and what is wrong with it."""
    return describe_error(safe_url(url), err)


def safe_url(url: str) -> str:
    """The URL without its password, for messages and logs."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except (ArgumentError, ValueError):
        return url


def sqlite_path(url: str) -> Path | None:
    u = make_url(url)
    if u.get_backend_name() != "sqlite" or not u.database or u.database == ":memory:":
        return None
    if u.query.get("uri") == "true" and u.database.startswith("file:"):
        # sqlite:///file:/path/warclaw.db?mode=ro&uri=true opens read-only through an SQLite URI.
        return Path(u.database.removeprefix("file:").split("?", 1)[0])
    return Path(u.database)


def create_store_engine(url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Engine:
    try:
        u = make_url(url)
    except (ArgumentError, ValueError):
        raise StoreError(f"database URL {url!r} is not a valid SQLAlchemy URL") from None
    if u.get_backend_name() == "postgresql":
        if u.drivername == "postgresql":
            u = u.set(drivername="postgresql+psycopg")  # the driver shipped with warclaw (psycopg 3)
        try:
            # lock_timeout: a writer waiting for the write lock gives up as SQLite's busy_timeout does.
            # One pooled connection kept (writes are serialized anyway): with a reader each, 50
            # officers' TUIs hold ~100 connections, not the 300 of SQLAlchemy's default pool.
            return create_engine(u, pool_pre_ping=True, pool_size=1, max_overflow=4, connect_args={
                "application_name": "warclaw", "options": f"-c lock_timeout={int(busy_timeout_ms)}"})
        except (ArgumentError, NoSuchModuleError, ImportError) as e:
            raise StoreError(f"database URL {safe_url(url)}: {e}") from None
    if u.get_backend_name() != "sqlite":
        try:
            return create_engine(u, pool_pre_ping=True)
        except (ArgumentError, NoSuchModuleError, ImportError) as e:
            raise StoreError(f"database URL {safe_url(url)}: {e}") from None

    path = sqlite_path(url)
    if path is not None and not path.parent.is_dir():
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
        except OSError as e:
            raise StoreError(f"database {path}: cannot create its directory: {e.strerror}") from None
    engine = create_engine(u, connect_args={"timeout": busy_timeout_ms / 1000})

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: sqlite3.Connection, _record) -> None:
        # Let SQLAlchemy (below) issue BEGIN itself; pysqlite's implicit BEGIN is always DEFERRED.
        dbapi_conn.isolation_level = None
        cur = dbapi_conn.cursor()
        cur.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        cur.execute("PRAGMA foreign_keys = ON")
        try:
            cur.execute("PRAGMA journal_mode = WAL")
        except sqlite3.OperationalError:
            pass  # a read-only file keeps its journal mode; reads still work
        # WAL + NORMAL survives a killed process intact; only an OS crash may lose the last commit.
        cur.execute("PRAGMA synchronous = NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn) -> None:
        mode = conn.get_execution_options().get("sqlite_begin", "DEFERRED")
        conn.exec_driver_sql(f"BEGIN {mode}")

    return engine


class WriteRefused(SQLAlchemyError):
    """A write transaction the store's :attr:`Store.write_guard` refused before it wrote: nothing
    was written (the daemon lost its PostgreSQL lock). A database error to every write path, so the
    daemon's loops handle it as they handle a database that takes no writes."""


class Store:
    """A database the daemon and the TUI share. Use :meth:`read` and :meth:`write` sessions."""

    def __init__(self, engine: Engine, url: str):
        self.engine = engine
        self.url = url
        # Called in every write transaction once it holds the write lock, before anything is
        # written; raises WriteRefused to refuse it (rolled back). The daemon's: "is the database
        # lock still ours?" (daemon/dblock.py).
        self.write_guard: Callable[[Session], None] | None = None
        self.is_sqlite = engine.dialect.name == "sqlite"
        self.is_postgres = engine.dialect.name == "postgresql"
        self._read = sessionmaker(engine, expire_on_commit=False)
        writer = engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite else engine
        self._write = sessionmaker(writer, expire_on_commit=False)
        for maker in (self._read, self._write):  # the same length rules on both engines
            event.listen(maker, "before_flush", check_lengths)

    @classmethod
    def open(cls, url: str, *, upgrade: bool = True, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Store:
        """Open (creating if needed) and bring the schema up to date; refuse a newer schema."""
        from warclaw.store.migrate import check_schema, upgrade_schema

        engine = create_store_engine(url, busy_timeout_ms=busy_timeout_ms)
        store = cls(engine, url)
        try:
            if upgrade:
                upgrade_schema(store)
            else:
                check_schema(store)
        except (OperationalError, DBAPIError) as e:
            engine.dispose()
            raise StoreError(describe_db_error(url, e)) from None
        except Exception:
            engine.dispose()
            raise
        return store

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for queries. Closing it ends the read transaction; loaded objects stay readable."""
        with self._read() as session:
            yield session

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A short write transaction, committed on success. Takes the write lock up front, so
        write transactions run one at a time on both engines: on SQLite ``BEGIN IMMEDIATE``, on
        PostgreSQL a transaction-scoped advisory lock (released by the commit), after which each
        statement sees every earlier writer's commit (READ COMMITTED). Check-then-insert by name,
        positions and counters are then as safe as on SQLite. On PostgreSQL the commit also
        notifies the readers (``LISTEN warclaw_changed``: their ``data_version``)."""
        with self._write() as session, session.begin():
            if self.is_postgres:
                session.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": WRITE_LOCK_KEY})
            if self.write_guard is not None:
                self.write_guard(session)  # with the write lock held: ordered with every other writer
            yield session
            if self.is_postgres:
                session.execute(text(f"NOTIFY {CHANGE_CHANNEL}"))

    def integrity_check(self) -> str:
        """``ok`` when SQLite finds nothing wrong (always ``ok`` on other databases)."""
        if not self.is_sqlite:
            return "ok"
        with self.engine.connect() as conn:
            return "\n".join(r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check"))

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()
