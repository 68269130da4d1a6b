"""Reading the database without SQLAlchemy: the standard library's ``sqlite3`` for SQLite,
psycopg for PostgreSQL. No ORM.

The TUI shows the matchup, the maps, the events and the daemon's status through a :class:`Reader`
and the queries of :mod:`warclaw.store.queries`; SQLAlchemy (≈20 MB) is loaded only to write
(roster editing) or to create or upgrade the schema. So nothing here imports
``warclaw.store.db``, ``models`` or ``types``, not even indirectly; psycopg is imported only when
the URL is a PostgreSQL one, so the SQLite path stays on the standard library.

A reader holds one connection, used by one thread at a time (the TUI's database thread). It opens
only a database whose schema is at the migrations' head (:mod:`warclaw.store.schema`):

- :class:`SchemaUpgradeDue` (a :class:`StoreError`) when there is no database or schema yet, or
  an older one: open ``Store.open(url)`` once (it creates or upgrades), then the reader again;
  :func:`open_reader` does exactly that;
- :class:`StoreError` when the schema is newer than this code, or the database cannot be read.

Values come back as the ORM returns them: SQLAlchemy stores a UTC instant as a naive timestamp
(see ``warclaw.store.types.UTCDateTime``): on SQLite the text ``YYYY-MM-DD HH:MM:SS.ffffff``, on
PostgreSQL a ``timestamp`` (psycopg gives a naive datetime); :func:`from_db_time` makes either an
aware UTC datetime. JSON columns are JSON text on SQLite and already decoded by psycopg;
:func:`from_db_json` takes both.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode, urlsplit, urlunsplit

from warclaw.store import schema
from warclaw.store.errors import StoreError, describe_error, newer_schema_message

DEFAULT_BUSY_TIMEOUT_MS = 15_000
# The channel the writers NOTIFY with each commit on PostgreSQL (warclaw.store.db.Store.write).
CHANGE_CHANNEL = "warclaw_changed"

# Query parameters of a SQLAlchemy sqlite URL that are pysqlite's options, not SQLite URI parameters.
_DRIVER_OPTIONS = {"timeout", "isolation_level", "detect_types", "check_same_thread", "cached_statements", "uri"}


class SchemaUpgradeDue(StoreError):
    """No database or no schema yet (``state == "missing"``), or an older one (``"outdated"``):
    ``Store.open(url)`` creates or upgrades it, after which the reader opens."""

    def __init__(self, message: str, url: str, state: str, revision: str | None):
        super().__init__(message)
        self.url = url
        self.state = state
        self.revision = revision


# --- stored values ------------------------------------------------------------------------------


def from_db_time(value: str | datetime | None) -> datetime | None:
    """A stored instant (naive UTC text or timestamp) as an aware UTC datetime, as the ORM returns it."""
    if value is None:
        return None
    if isinstance(value, datetime):
        return value.replace(tzinfo=UTC)
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def to_db_time(value: datetime) -> str:
    """An aware datetime as stored in SQLite (for comparisons in SQL): naive UTC text with microseconds."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} given where a UTC instant is stored")
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def from_db_json(value: Any) -> Any:
    """A JSON column's value (SQL NULL and JSON ``null`` are both None): text from SQLite, already
    decoded from PostgreSQL."""
    if value is None:
        return None
    if isinstance(value, str | bytes):
        return json.loads(value)
    return value


# --- URLs ---------------------------------------------------------------------------------------


def _backend(url: str) -> str:
    scheme, sep, _rest = url.partition("://")
    return scheme.split("+", 1)[0].lower() if sep else ""


def is_postgres_url(url: str) -> bool:
    return _backend(url) in ("postgresql", "postgres")


def postgres_conninfo(url: str) -> tuple[str, str]:
    """(what psycopg connects with, the URL without its password for messages) for the URLs
    ``Store.open`` takes: ``postgresql://`` or ``postgresql+psycopg://user:password@host:port/db``."""
    parts = urlsplit(url)
    conninfo = urlunsplit(("postgresql", parts.netloc, parts.path, parts.query, ""))
    netloc = parts.netloc
    if parts.password is not None:
        userinfo, _at, hostport = netloc.rpartition("@")
        netloc = f"{userinfo.split(':', 1)[0]}:***@{hostport}"
    return conninfo, urlunsplit((parts.scheme, netloc, parts.path, "", ""))


def sqlite_target(url: str) -> tuple[str, bool, Path | None]:
    """(what to pass to ``sqlite3.connect``, whether it is an SQLite URI, the file's path) for the
    sqlite URLs ``Store.open`` takes: ``sqlite:///relative``, ``sqlite:////absolute``,
    ``sqlite:///file:/path?mode=ro&uri=true``. The path is None for an in-memory database.
    Raises StoreError for any other URL."""
    scheme, sep, rest = url.partition("://")
    backend = scheme.split("+", 1)[0].lower()
    if not sep or backend != "sqlite":
        where = f"{scheme}://…" if sep else repr(url)
        raise StoreError(f"database {where}: warclaw reads SQLite and PostgreSQL databases only "
                         "(a sqlite:/// or postgresql:// URL, or a path)")
    # sqlite://[host]/database?query: the host is always empty for SQLite.
    _host, _slash, database = rest.partition("/")
    database, _q, query_text = database.partition("?")
    database = unquote(database)
    query = dict(parse_qsl(query_text, keep_blank_values=True))
    if not database or database == ":memory:":
        return ":memory:", False, None
    if query.get("uri") == "true" and database.startswith("file:"):
        params = {k: v for k, v in query.items() if k not in _DRIVER_OPTIONS}
        target = database + ("?" + urlencode(params) if params else "")
        return target, True, Path(database.removeprefix("file:").split("?", 1)[0])
    return database, False, Path(database)


# --- the reader ---------------------------------------------------------------------------------


class Reader:
    """A read-only connection to the database: :class:`SqliteReader` or :class:`PgReader`, chosen
    by the URL in :meth:`open`. Queries are SQL text with ``?`` placeholders, portable between the
    two; several queries in ``with reader.snapshot():`` see one state of the database;
    :meth:`data_version` changes when another connection has committed (the TUI's cheap poll)."""

    engine = ""  # "sqlite" | "postgresql"

    def __init__(self, conn: Any, url: str, where: str):
        self.conn = conn
        self.url = url
        self.where = where  # the database as named in messages: a path, or the URL without password
        self.revision: str | None = None
        self._depth = 0

    @classmethod
    def open(cls, url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Reader:
        """Connect and check the schema; raises SchemaUpgradeDue or StoreError (one line)."""
        if is_postgres_url(url):
            return PgReader.connect(url, busy_timeout_ms=busy_timeout_ms)
        return SqliteReader.connect(url, busy_timeout_ms=busy_timeout_ms)

    def _check_revision(self, rev: str | None) -> str:
        if rev is None:
            raise SchemaUpgradeDue(f"database {self.where} has no schema yet", self.url, "missing", None)
        head = schema.head()
        if rev == head:
            return rev
        if not schema.is_known(rev):
            raise StoreError(newer_schema_message(self.where, rev, head))
        if head is None:  # the migrations do not name one head: nothing to compare with, the revision is known
            return rev
        raise SchemaUpgradeDue(f"database {self.where} has schema revision {rev}, older than {head}",
                               self.url, "outdated", rev)

    # --- what each engine provides ----------------------------------------------------------------
    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        raise NotImplementedError

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        raise NotImplementedError

    def _begin(self) -> None:
        raise NotImplementedError

    def _end(self, commit: bool) -> None:
        raise NotImplementedError

    def data_version(self) -> int:
        raise NotImplementedError

    def db_time(self, value: datetime) -> Any:
        """An aware datetime as a query parameter compared with stored instants."""
        raise NotImplementedError

    def close(self) -> None:
        self.conn.close()

    # --- shared -----------------------------------------------------------------------------------
    def scalar(self, sql: str, params: Sequence[Any] = ()) -> Any:
        row = self.row(sql, params)
        return row[0] if row else None

    @contextmanager
    def snapshot(self) -> Iterator[Reader]:
        """One read transaction around several queries, so that they see one state of the database
        (a commit by the daemon in between shows in none or all of them). Nests: the outermost wins."""
        if self._depth:
            self._depth += 1
            try:
                yield self
            finally:
                self._depth -= 1
            return
        self._begin()
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            self._end(commit=False)
            raise
        self._depth = 0
        self._end(commit=True)

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SqliteReader(Reader):
    """The standard library's ``sqlite3``: one ``query_only`` connection with ``busy_timeout``, used
    by one thread at a time (the TUI's database thread)."""

    engine = "sqlite"

    @classmethod
    def connect(cls, url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> SqliteReader:
        target, uri, path = sqlite_target(url)
        if path is None:
            raise StoreError("an in-memory database cannot be shared: the reader needs a database file")
        where = str(path)
        if not uri and not path.exists():
            raise SchemaUpgradeDue(f"database {where} does not exist yet", url, "missing", None)
        try:
            conn = sqlite3.connect(target, uri=uri, timeout=busy_timeout_ms / 1000, check_same_thread=False,
                                   isolation_level=None)  # autocommit: snapshot() issues BEGIN itself
        except sqlite3.Error as e:
            raise StoreError(describe_error(where, e)) from None
        reader = cls(conn, url, where)
        try:
            conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            conn.execute("PRAGMA query_only = ON")
            has_table = conn.execute(
                "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()
            row = conn.execute("SELECT version_num FROM alembic_version").fetchone() if has_table else None
            reader.revision = reader._check_revision(row[0] if row else None)
        except sqlite3.Error as e:
            conn.close()
            raise StoreError(describe_error(where, e)) from None
        except BaseException:
            conn.close()
            raise
        return reader

    def _error(self, err: sqlite3.Error) -> StoreError:
        return StoreError(describe_error(self.where, err))

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        try:
            return self.conn.execute(sql, params).fetchall()
        except sqlite3.Error as e:
            raise self._error(e) from None

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        try:
            return self.conn.execute(sql, params).fetchone()
        except sqlite3.Error as e:
            raise self._error(e) from None

    def _begin(self) -> None:
        self.row("BEGIN")

    def _end(self, commit: bool) -> None:
        if commit:
            self.row("COMMIT")
            return
        try:
            self.conn.execute("ROLLBACK")
        except sqlite3.Error:
            pass

    def data_version(self) -> int:
        """``PRAGMA data_version``: changes whenever another connection commits."""
        return int(self.scalar("PRAGMA data_version"))

    def db_time(self, value: datetime) -> str:
        return to_db_time(value)


class PgReader(Reader):
    """PostgreSQL through psycopg (imported only for a PostgreSQL URL): one autocommit connection
    whose session is read-only; a snapshot is a ``REPEATABLE READ READ ONLY`` transaction. The
    writers send ``NOTIFY warclaw_changed`` with every commit (``Store.write``), and this connection
    LISTENs, so :meth:`data_version` counts the notifications received: as cheap as SQLite's pragma,
    and no query at all. A connection lost (server restart, network) is opened again at the next
    query outside a snapshot."""

    engine = "postgresql"

    def __init__(self, conn: Any, url: str, where: str, conninfo: str):
        super().__init__(conn, url, where)
        self._conninfo = conninfo
        self._version = 0

    @staticmethod
    def _new_connection(conninfo: str, where: str) -> Any:
        import psycopg

        try:
            conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=10,
                                   application_name="warclaw reader")
            conn.execute(f"LISTEN {CHANGE_CHANNEL}")
            conn.execute("SET default_transaction_read_only = on")
        except psycopg.Error as e:
            raise StoreError(describe_error(where, e)) from None
        return conn

    @classmethod
    def connect(cls, url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> PgReader:
        conninfo, where = postgres_conninfo(url)
        reader = cls(cls._new_connection(conninfo, where), url, where, conninfo)
        try:
            rev = None
            if reader.scalar("SELECT to_regclass('alembic_version') IS NOT NULL"):
                rev = reader.scalar("SELECT version_num FROM alembic_version")
            reader.revision = reader._check_revision(rev)
        except BaseException:
            reader.conn.close()
            raise
        return reader

    def _execute(self, sql: str, params: Sequence[Any], fetch: str) -> Any:
        import psycopg

        # The queries are written with sqlite3's "?" placeholders; psycopg's are "%s" (so "%" doubles).
        text = sql.replace("%", "%%").replace("?", "%s") if params else sql
        for attempt in (1, 2):
            if self.conn.closed and not self._depth:
                self.conn = self._new_connection(self._conninfo, self.where)
                self._version += 1  # commits may have been missed meanwhile
            try:
                cur = self.conn.execute(text, params or None)
                if fetch == "none":
                    return None
                return cur.fetchall() if fetch == "all" else cur.fetchone()
            except psycopg.OperationalError as e:
                if attempt == 2 or self._depth or not self.conn.closed:
                    raise StoreError(describe_error(self.where, e)) from None
            except psycopg.Error as e:
                raise StoreError(describe_error(self.where, e)) from None
        raise AssertionError("unreachable")

    def rows(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._execute(sql, params, "all")

    def row(self, sql: str, params: Sequence[Any] = ()) -> tuple[Any, ...] | None:
        return self._execute(sql, params, "one")

    def _begin(self) -> None:
        self._execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", (), "none")

    def _end(self, commit: bool) -> None:
        import psycopg

        try:
            self.conn.execute("COMMIT" if commit else "ROLLBACK")
        except psycopg.Error as e:
            if commit:
                raise StoreError(describe_error(self.where, e)) from None

    def data_version(self) -> int:
        """A count of the writers' notifications received so far (no round trip to the server)."""
        import psycopg

        try:
            if self.conn.closed:
                self.scalar("SELECT 1")  # reconnects, and counts that as a change
            for _ in self.conn.notifies(timeout=0.0):
                self._version += 1
        except psycopg.Error as e:
            raise StoreError(describe_error(self.where, e)) from None
        return self._version

    def db_time(self, value: datetime) -> datetime:
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r} given where a UTC instant is stored")
        return value.astimezone(UTC).replace(tzinfo=None)


def open_reader(url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
                upgrade: Callable[[], object] | None = None) -> Reader:
    """:meth:`Reader.open`, first creating or upgrading the schema when that is due.

    ``upgrade`` does it (the TUI passes a function that opens the store it keeps for its writes);
    by default a ``Store`` is opened and closed, which imports SQLAlchemy only in that case.
    """
    try:
        return Reader.open(url, busy_timeout_ms=busy_timeout_ms)
    except SchemaUpgradeDue:
        if upgrade is None:
            from warclaw.store.db import Store

            Store.open(url, busy_timeout_ms=busy_timeout_ms).close()
        else:
            upgrade()
    return Reader.open(url, busy_timeout_ms=busy_timeout_ms)
