"""``INSERT … ON CONFLICT`` on both engines (SQLite and PostgreSQL spell it the same; SQLAlchemy
has one construct per dialect), for rows keyed by name: written in one statement, so two writers
can never both insert the same key, and counters are incremented by the database."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from sqlalchemy.orm import Session


def dialect_insert(session: Session) -> Callable[..., Any]:
    name = session.get_bind().dialect.name
    if name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    elif name == "sqlite":
        from sqlalchemy.dialects.sqlite import insert
    else:  # pragma: no cover - warclaw runs on SQLite and PostgreSQL only
        raise NotImplementedError(f"upserts on {name}")
    return insert


def upsert(session: Session, model: type, key: list[str], values: Mapping[str, Any],
           update: Mapping[str, Any] | Callable[[Any], Mapping[str, Any]] | None = None) -> None:
    """Insert ``values``, or when a row with the same ``key`` exists update it with ``update``
    (default: the non-key values; a function gets the ``excluded`` row for SQL expressions)."""
    stmt = dialect_insert(session)(model).values(**values)
    if update is None:
        update = {k: v for k, v in values.items() if k not in key}
    elif callable(update):
        update = update(stmt.excluded)
    session.execute(stmt.on_conflict_do_update(index_elements=key, set_=dict(update)))


def insert_ignore(session: Session, model: type, key: list[str], values: Mapping[str, Any]) -> bool:
    """Insert unless a row with the same ``key`` exists; True if it was inserted."""
    stmt = dialect_insert(session)(model).values(**values).on_conflict_do_nothing(index_elements=key)
    return bool(session.execute(stmt).rowcount)
