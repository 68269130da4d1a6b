"""The store: matchup state and history, rosters and plans, daemon status, in one SQL database.

Reading: ``Reader.open(url)`` (:mod:`warclaw.store.reader`, the standard library's ``sqlite3``,
no SQLAlchemy) for the queries in :mod:`warclaw.store.queries`; ``reader.data_version()`` changes
when another process commits. Writing: ``Store.open(url)`` (SQLAlchemy; the schema is created or
upgraded automatically), then ``with store.write() as s:`` for changes and ``with store.read() as
s:`` for :mod:`warclaw.store.rosters` and the daemon's own bookkeeping in :mod:`warclaw.store.status`.

``Store`` is imported on first use, so that ``import warclaw.store.reader`` stays free of SQLAlchemy.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from warclaw.store.errors import StoreError

if TYPE_CHECKING:
    from warclaw.store.db import Store

__all__ = ["Store", "StoreError"]


def __getattr__(name: str) -> Any:
    if name == "Store":
        from warclaw.store.db import Store

        return Store
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
