"""Text lengths the schema allows, checked before anything is written.

SQLite ignores ``VARCHAR(n)``; PostgreSQL refuses a longer value with an error that used to reach
people as a traceback. Every ORM write is checked here first (``Store`` sessions run
:func:`check_lengths` before each flush), on both engines alike, and the error names the field.
The limits are the models' own column lengths: one source.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String
from sqlalchemy.orm import Session

from warclaw.errors import UserError


class ValueTooLong(UserError):
    """A text value longer than its column allows."""


def max_length(model: type, column: str) -> int | None:
    col = model.__table__.c[column]  # type: ignore[attr-defined]
    return col.type.length if isinstance(col.type, String) else None


def too_long(value: Any, limit: int | None) -> bool:
    return isinstance(value, str) and limit is not None and len(value) > limit


def describe(where: str, value: str, limit: int) -> str:
    return f"{where}: {len(value)} characters, at most {limit} allowed"


def check_lengths(session: Session, _context: Any = None, _instances: Any = None) -> None:
    """``before_flush``: refuse a new or changed row whose text exceeds its column's length."""
    for obj in (*session.new, *session.dirty):
        table = getattr(obj, "__table__", None)
        if table is None:
            continue
        for col in table.columns:
            if isinstance(col.type, String) and col.type.length:
                value = getattr(obj, col.key, None)
                if too_long(value, col.type.length):
                    raise ValueTooLong(describe(f"{table.name}.{col.name}", value, col.type.length))
