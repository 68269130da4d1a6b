"""Optional Prometheus metrics of the daemon (``daemon.metrics_port``; off by default, on loopback
by default): what an admin graphs and alerts on.

- ``warclaw_poll_duration_seconds{endpoint}``: fetch + store of each poll (a histogram);
- ``warclaw_poll_errors_total{endpoint}`` and ``warclaw_polls_total{endpoint}``;
- ``warclaw_data_staleness_seconds``: since the newest match data last changed (a frozen API, or
  a daemon that stopped writing, shows as a rising line);
- ``warclaw_database_size_bytes``: the SQLite file with its WAL, or ``pg_database_size``;
- ``warclaw_rows_written_total{operation}``: rows inserted, updated and deleted by this daemon.

Staleness and size are read from the database when scraped (at most once a second), so they
are true even while the pollers sleep or back off. The page is served by prometheus_client's own
HTTP server in a thread; its registry is this daemon's, not the process-global one.
"""

from __future__ import annotations

import logging
import threading
import time
from datetime import UTC, datetime
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, start_http_server
from sqlalchemy import event, func, select

from warclaw.store.db import Store, sqlite_path
from warclaw.store.models import Match

log = logging.getLogger("warclaw.daemon")

CACHE_SECONDS = 1.0  # the gauges of one scrape share one read
WRITES = ("insert", "update", "delete")


class Metrics:
    def __init__(self, store: Store):
        self.store = store
        self.registry = CollectorRegistry(auto_describe=True)
        r = self.registry
        self.poll_seconds = Histogram("warclaw_poll_duration_seconds", "Time of one poll (fetch and store)",
                                      ["endpoint"], registry=r,
                                      buckets=(0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60))
        self.polls = Counter("warclaw_polls_total", "Polls attempted", ["endpoint"], registry=r)
        self.errors = Counter("warclaw_poll_errors_total", "Polls that failed", ["endpoint"], registry=r)
        self.rows = Counter("warclaw_rows_written_total", "Rows written by this daemon", ["operation"], registry=r)
        Gauge("warclaw_data_staleness_seconds", "Seconds since the newest match data last changed",
              registry=r).set_function(lambda: self._db_facts()[0])
        Gauge("warclaw_database_size_bytes", "Size of the database", registry=r).set_function(
            lambda: self._db_facts()[1])
        self._lock = threading.Lock()
        self._facts: tuple[float, float] = (float("nan"), float("nan"))
        self._facts_at = 0.0
        self._server: Any = None
        event.listen(store.engine, "after_cursor_execute", self._count_rows)

    # --- fed by the daemon ----------------------------------------------------------------------
    def poll_done(self, endpoint: str, seconds: float, error: str | None) -> None:
        self.polls.labels(endpoint).inc()
        self.poll_seconds.labels(endpoint).observe(seconds)
        if error is not None:
            self.errors.labels(endpoint).inc()
        else:
            self.errors.labels(endpoint)  # the series exists (at 0) from the first poll on

    def _count_rows(self, _conn, cursor, statement: str, _params, _context, _many) -> None:
        op = statement.lstrip()[:6].lower()
        if op in WRITES and (cursor.rowcount or 0) > 0:
            self.rows.labels(op).inc(cursor.rowcount)

    # --- read from the database when scraped ----------------------------------------------------
    def _db_facts(self) -> tuple[float, float]:
        with self._lock:
            if time.monotonic() - self._facts_at > CACHE_SECONDS:
                try:
                    self._facts = (self._staleness(), self._size())
                except Exception as e:  # noqa: BLE001 - a scrape must never take the daemon down
                    log.warning("metrics: cannot read the database: %s", e)
                    self._facts = (float("nan"), float("nan"))
                self._facts_at = time.monotonic()
            return self._facts

    def _staleness(self) -> float:
        with self.store.read() as s:
            changed = s.scalar(select(func.max(Match.changed_at)))
        return float("nan") if changed is None else max(0.0, (datetime.now(UTC) - changed).total_seconds())

    def _size(self) -> float:
        if self.store.is_postgres:
            with self.store.engine.connect() as conn:
                return float(conn.exec_driver_sql("SELECT pg_database_size(current_database())").scalar() or 0)
        path = sqlite_path(self.store.url)
        if path is None:
            return float("nan")
        files = [path, path.with_name(path.name + "-wal")]
        return float(sum(p.stat().st_size for p in files if p.exists()))

    # --- the HTTP endpoint ----------------------------------------------------------------------
    def serve(self, host: str, port: int) -> None:
        self._server, _thread = start_http_server(port, addr=host, registry=self.registry)
        log.info("metrics at http://%s:%d/metrics", host, port)

    def close(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        event.remove(self.store.engine, "after_cursor_execute", self._count_rows)
