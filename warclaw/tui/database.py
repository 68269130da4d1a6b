"""The app's database object: its connections, the one thread they are used on, and the live reads.

Reads (matchup, maps, events, status bar) go through a Reader: the standard library's sqlite3, no
SQLAlchemy. The Store (SQLAlchemy) is for writes (rosters, plans, keys) and for creating or
upgrading the schema, so it is opened only when first needed. Each may be given, or a function
that opens it on the database thread after the first frame is painted; without a reader, one is
opened on the store's URL. Every call runs on that one thread, in submission order, so edits apply
in the order they were typed and the UI thread never waits on SQLite.
"""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

from warclaw.errors import UserError
from warclaw.tui import data as d

if TYPE_CHECKING:
    from warclaw.store import Store
    from warclaw.store.reader import Reader
    from warclaw.tui.state import AppState

T = TypeVar("T")


class Database:
    def __init__(self, store: Store | Callable[[], Store] | None, reader: Reader | Callable[[], Reader] | None):
        self._open_store = store if callable(store) else None
        self.store: Store | None = None if callable(store) else store
        self._open_reader = reader if callable(reader) else None
        self.reader: Reader | None = None if callable(reader) else reader
        self._owns_store = False  # set when this object opens the store: then it closes it too
        self._owns_reader = self.reader is None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="warclaw-db")
        self.closer: threading.Thread | None = None

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the database thread and wait for it without blocking the UI."""
        return await asyncio.get_running_loop().run_in_executor(self._executor, partial(fn, *args))

    # --- connections ------------------------------------------------------------------------
    def connect_reader(self) -> Reader:
        """On the database thread: the reader; when the schema is missing or older, the store is
        opened first (it creates or upgrades the schema, and stays open for later writes)."""
        from warclaw.store.reader import Reader, SchemaUpgradeDue

        def connect() -> Reader:
            if self._open_reader is not None:
                return self._open_reader()
            return Reader.open(self.ensure_store().url)

        try:
            self.reader = connect()
        except SchemaUpgradeDue as e:
            if self.store is not None:
                raise  # a store is open, so the schema was just checked: someone changed it since
            self.ensure_store(e.url)
            self.reader = connect()
        return self.reader

    def ensure_store(self, url: str | None = None) -> Store:
        """On the database thread: the store for writes, opened (SQLAlchemy imported) on first use,
        by the function given for it or else on the reader's URL."""
        if self.store is None:
            if self._open_store is not None:
                self.store = self._open_store()
            else:
                from warclaw.store import Store

                url = url or (self.reader.url if self.reader is not None else None)
                if url is None:
                    raise UserError("no database: give the app a store, a reader, or a function opening one")
                self.store = Store.open(url)
            self._owns_store = True
        return self.store

    def shutdown(self) -> None:
        """Stop taking work; close what was opened here once the thread is idle (never under a query)."""
        self._executor.shutdown(wait=False, cancel_futures=True)
        self.closer = threading.Thread(target=self._close_when_idle, name="warclaw-db-close", daemon=True)
        self.closer.start()

    def _close_when_idle(self) -> None:
        self._executor.shutdown(wait=True)
        self.close_connections()

    def close_connections(self) -> None:
        """Close the reader and the store if this object opened them (idempotent)."""
        if self._owns_reader and self.reader is not None:
            self.reader.close()
        if self._owns_store and self.store is not None:
            self.store.close()

    # --- live reads -------------------------------------------------------------------------
    async def changed(self, state: AppState) -> set[str]:
        """The fingerprint keys that changed since the last look (cheap when nothing did)."""
        assert self.reader is not None
        version = await self.run(self.reader.data_version)
        if version == state.data_version:
            return set()
        state.data_version = version
        _, fp = await self.run(d.load_fingerprint, self.reader)
        changed = {k for k, v in fp.items() if state.fingerprint.get(k) != v}
        state.fingerprint = fp
        return changed

    async def reload(self, state: AppState, changed: set[str], match_id: str | None, team: str | None,
                     now: datetime) -> set[str]:
        """Reload the parts named in ``changed`` (fingerprint keys) into ``state``; the state parts
        that changed come back."""
        parts: set[str] = set()
        if changed & {"match", "polled"}:
            state.matchup = await self.run(d.load_matchup, self.reader, match_id, team, now)
            parts.add("matchup")
        if changed & {"events", "match"}:
            pk = state.matchup.match.pk if state.matchup.match else None
            state.events = await self.run(d.load_events, self.reader, pk, state.events_limit)
            parts.add("events")
        if changed & {"status", "polled"}:
            state.status = await self.run(d.load_status, self.reader, now)
            state.status_loaded_at = now
            parts.add("status")
        state.db_error = None
        return parts
