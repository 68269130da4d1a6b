"""Reading the database with the standard library's ``sqlite3``: no SQLAlchemy, no ORM.

The TUI shows the matchup, the maps, the events and the daemon's status through a :class:`Reader`
and the queries of :mod:`warclaw.store.queries`; SQLAlchemy (≈20 MB) is loaded only to write
(roster editing) or to create or upgrade the schema. So nothing here imports
``warclaw.store.db``, ``models`` or ``types``, not even indirectly.

A reader holds one connection (``query_only``, ``busy_timeout``), used by one thread at a time (the
TUI's database thread). It opens only a database whose schema is at the migrations' head:

- :class:`SchemaUpgradeDue` (a :class:`StoreError`) when there is no database or schema yet, or
  an older one: open ``Store.open(url)`` once (it creates or upgrades), then the reader again;
  :func:`open_reader` does exactly that;
- :class:`StoreError` when the schema is newer than this code, or the file cannot be read.

Values come back as the ORM returns them: SQLAlchemy stores a UTC instant on SQLite as naive text
``YYYY-MM-DD HH:MM:SS.ffffff`` (see ``warclaw.store.types.UTCDateTime``), read here as an aware UTC
datetime by :func:`from_db_time`; JSON columns are JSON text, read by :func:`from_db_json`.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, unquote, urlencode

from warclaw.store.errors import StoreError, describe_error, newer_schema_message
from warclaw.store.schema import fast_head, revisions_on_disk

DEFAULT_BUSY_TIMEOUT_MS = 15_000

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


def from_db_time(value: str | None) -> datetime | None:
    """A stored instant (naive UTC text) as an aware UTC datetime, as the ORM returns it."""
    if value is None:
        return None
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def to_db_time(value: datetime) -> str:
    """An aware datetime as stored (for comparisons in SQL): naive UTC text with microseconds."""
    if value.tzinfo is None:
        raise ValueError(f"naive datetime {value!r} given where a UTC instant is stored")
    return value.astimezone(UTC).replace(tzinfo=None).strftime("%Y-%m-%d %H:%M:%S.%f")


def from_db_json(value: str | None) -> Any:
    """A JSON column's value (SQL NULL and JSON ``null`` are both None)."""
    return None if value is None else json.loads(value)


# --- URLs ---------------------------------------------------------------------------------------


def sqlite_target(url: str) -> tuple[str, bool, Path | None]:
    """(what to pass to ``sqlite3.connect``, whether it is an SQLite URI, the file's path) for the
    sqlite URLs ``Store.open`` takes: ``sqlite:///relative``, ``sqlite:////absolute``,
    ``sqlite:///file:/path?mode=ro&uri=true``. The path is None for an in-memory database.
    Raises StoreError for any other URL."""
    scheme, sep, rest = url.partition("://")
    backend = scheme.split("+", 1)[0].lower()
    if not sep or backend != "sqlite":
        where = f"{scheme}://…" if sep else repr(url)
        raise StoreError(f"database {where}: the reader reads SQLite databases only (a sqlite:/// URL or a path)")
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
    """A read-only connection to the SQLite database. Use :meth:`open`."""

    def __init__(self, conn: sqlite3.Connection, url: str, where: str):
        self.conn = conn
        self.url = url
        self.where = where  # the database as named in messages: its path
        self.revision: str | None = None
        self._depth = 0

    @classmethod
    def open(cls, url: str, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Reader:
        """Connect and check the schema; raises SchemaUpgradeDue or StoreError (one line)."""
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
            reader.revision = reader._check_schema()
        except sqlite3.Error as e:
            conn.close()
            raise StoreError(describe_error(where, e)) from None
        except BaseException:
            conn.close()
            raise
        return reader

    def _check_schema(self) -> str:
        has_table = self.conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'alembic_version'").fetchone()
        row = self.conn.execute("SELECT version_num FROM alembic_version").fetchone() if has_table else None
        rev = row[0] if row else None
        if rev is None:
            raise SchemaUpgradeDue(f"database {self.where} has no schema yet", self.url, "missing", None)
        head = fast_head()
        if rev == head:
            return rev
        known = revisions_on_disk()
        if rev not in known:
            raise StoreError(newer_schema_message(self.where, rev, head))
        if head is None:  # the files do not name one head: nothing to compare with, the revision is known
            return rev
        raise SchemaUpgradeDue(f"database {self.where} has schema revision {rev}, older than {head}",
                               self.url, "outdated", rev)

    # --- queries ------------------------------------------------------------------------------
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
        self.row("BEGIN")
        self._depth = 1
        try:
            yield self
        except BaseException:
            self._depth = 0
            try:
                self.conn.execute("ROLLBACK")
            except sqlite3.Error:
                pass
            raise
        self._depth = 0
        self.row("COMMIT")

    def data_version(self) -> int:
        """A number that changes whenever another connection commits (``PRAGMA data_version``):
        the TUI polls it cheaply to know the daemon wrote something."""
        return int(self.scalar("PRAGMA data_version"))

    def close(self) -> None:
        self.conn.close()

    def __enter__(self) -> Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
