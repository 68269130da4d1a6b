"""Schema migrations shipped inside the package, run programmatically (no alembic.ini).

The daemon and the TUI may both open a fresh database at the same moment, so an upgrade runs
under an inter-process lock (a lock file next to a SQLite database, an advisory lock on
PostgreSQL).
"""

from __future__ import annotations

import fcntl
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from sqlalchemy import inspect, text

from warclaw.store import schema
from warclaw.store.schema import MIGRATIONS_DIR

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

    from warclaw.store.db import Store

# Alembic keeps its running context in module globals: one migration per process at a time.
_THREAD_LOCK = threading.Lock()
_PG_LOCK_KEY = 0x57A2C1A7  # any constant shared by every warclaw process


def _db_revision(store: Store) -> str | None:
    with store.engine.connect() as conn:
        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _alembic_config() -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    from alembic.script import ScriptDirectory

    head = ScriptDirectory.from_config(_alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(store: Store) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def check_schema(store: Store) -> str | None:
    """The database's revision; raises StoreError if this code does not know it (newer schema)."""
    from warclaw.store.db import safe_url
    from warclaw.store.errors import StoreError, newer_schema_message

    rev = _db_revision(store)
    if rev is None:
        _refuse_foreign(store)
        return rev
    if schema.is_known(rev):
        return rev
    raise StoreError(newer_schema_message(safe_url(store.url), rev, schema.head()))


def _refuse_foreign(store: Store) -> None:
    """A database with tables but no Warclaw revision belongs to another application: migrating it
    would add Warclaw's tables to someone else's data, so it is refused."""
    from warclaw.store.db import safe_url
    from warclaw.store.errors import StoreError

    with store.engine.connect() as conn:
        tables = sorted(inspect(conn).get_table_names())
    if tables:
        shown = ", ".join(tables[:3]) + (", ..." if len(tables) > 3 else "")
        raise StoreError(f"database {safe_url(store.url)} is not a Warclaw database: it has {len(tables)} "
                         f"table(s) ({shown}) but no Warclaw schema version; point --db at another file")


@contextmanager
def _migration_lock(store: Store) -> Iterator[None]:
    from warclaw.store.db import sqlite_path

    if store.is_sqlite:
        path = sqlite_path(store.url)
        if path is None:  # in-memory: one process only
            yield
            return
        lock_path = path.with_name(path.name + ".migrate-lock")
        try:
            fh = open(lock_path, "a+")  # noqa: SIM115 - held for the whole block
        except OSError:
            # A read-only directory: nobody can migrate here, so there is nobody to race with.
            yield
            return
        with fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield
        return
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": _PG_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": _PG_LOCK_KEY})
                conn.commit()
        return
    yield


def upgrade_schema(store: Store) -> tuple[str | None, str]:
    """Bring the schema to the newest revision; returns (before, after)."""
    fast = schema.head()  # from the migration modules: no Alembic needed
    if fast is not None and _db_revision(store) == fast:
        return fast, fast  # the common case: nothing to do, and no lock or Alembic needed
    from warclaw.store.db import safe_url
    from warclaw.store.errors import StoreError

    with _THREAD_LOCK, _migration_lock(store):
        before = check_schema(store)
        head = head_revision()
        if before != head:
            from alembic import command

            cfg = _alembic_config()
            with store.engine.connect() as conn:
                sqlite = conn.connection.driver_connection if store.is_sqlite else None
                if sqlite is not None:
                    # Batch migrations rebuild a table by copying it and dropping the old one; with
                    # foreign keys on, that drop would cascade into its children (SQLite only allows
                    # switching them off outside a transaction). Checked before the commit instead.
                    sqlite.execute("PRAGMA foreign_keys = OFF")
                try:
                    with conn.begin():
                        cfg.attributes["connection"] = conn
                        command.upgrade(cfg, "head")
                        if sqlite is not None and conn.exec_driver_sql("PRAGMA foreign_key_check").first():
                            raise StoreError(f"database {safe_url(store.url)}: the schema upgrade would break "
                                             "foreign keys; nothing was changed")
                        if store.is_postgres:  # new tables: the officers' rights (none on key secrets)
                            from warclaw.store.roles import grant_officers

                            grant_officers(conn)
                finally:
                    if sqlite is not None:
                        sqlite.execute("PRAGMA foreign_keys = ON")
        return before, head
