"""The store: matchup state and history, rosters and plans, daemon status, in one SQL database.

Open it with ``Store.open(config.database_url())`` (schema upgraded automatically), then use
``with store.read() as s:`` for the queries in :mod:`warclaw.store.queries`,
:mod:`warclaw.store.rosters` and :mod:`warclaw.store.status`, and ``with store.write() as s:``
for changes. ``store.data_version()`` changes when another process commits.
"""

from warclaw.store.db import Store, StoreError

__all__ = ["Store", "StoreError"]
