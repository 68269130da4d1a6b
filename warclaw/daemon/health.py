"""Whether the database takes the daemon's writes, with each change of state logged once.

On a full or read-only disk every bookkeeping write (heartbeat, poll log) fails the same way; the
daemon keeps running and backs off, and its log says so once when writes start failing (or fail
for a new reason) and once when they work again, instead of a line per beat (360 an hour). The
state also goes into the daemon's pidfile record, which ``daemon status`` reads: the database
itself cannot record why it cannot be written.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from warclaw.store.types import utcnow

log = logging.getLogger("warclaw.daemon")


class WriteHealth:
    def __init__(self, on_change: Callable[[str | None, datetime], None] | None = None):
        self.reason: str | None = None  # None: writes work
        self.since: datetime | None = None
        self.failures = 0  # failed writes in the current failing state
        self._on_change = on_change or (lambda _reason, _since: None)

    @property
    def failing(self) -> bool:
        return self.reason is not None

    def failed(self, reason: str) -> None:
        self.failures += 1
        if reason == self.reason:
            log.debug("database write failed again (%d): %s", self.failures, reason)
            return
        self.reason, self.since, self.failures = reason, utcnow(), 1
        log.error("database writes fail: %s; the daemon keeps polling, backs off its heartbeat and "
                  "logs again only when this changes", reason)
        self._on_change(reason, self.since)

    def succeeded(self) -> None:
        """A poller's data write committed: the database takes writes (again)."""
        if self.reason is None:
            return
        assert self.since is not None
        log.info("database writes work again (after %d failed, since %s UTC)", self.failures,
                 f"{self.since:%Y-%m-%d %H:%M:%S}")
        self.reason, self.since, self.failures = None, utcnow(), 0
        self._on_change(None, self.since)

    def backoff(self, interval: float, ceiling: float) -> float:
        """The heartbeat's wait: its interval while writes work, doubling per failure up to ``ceiling``."""
        if not self.failing:
            return interval
        return min(max(interval, ceiling), interval * 2 ** min(self.failures, 20))
