"""Client-side token bucket matching the API's real limit: 300 burst, 5 tokens/s, all endpoints.

The ``X-Rate-Limit-Limit: 600`` header is wrong (measured 300/5 per s, see API_NOTES.md §4), so
these numbers are constants here, not read from responses.

Callers take a token by *reserving* it: the bucket may go negative and each caller sleeps until
its own token has been refilled. That makes waiting FIFO-fair and needs no asyncio lock, so one
bucket can be shared by every task, and even threads and event loops, in a process.
"""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable

Clock = Callable[[], float]
Sleep = Callable[[float], Awaitable[None]]

BURST = 300
REFILL_PER_SECOND = 5.0


class TokenBucket:
    def __init__(
        self,
        capacity: int = BURST,
        refill_per_second: float = REFILL_PER_SECOND,
        *,
        clock: Clock = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ):
        if capacity < 1 or refill_per_second <= 0:
            raise ValueError("capacity must be >= 1 and refill_per_second > 0")
        self.capacity = capacity
        self.rate = refill_per_second
        self._clock = clock
        self._sleep = sleep
        self._tokens = float(capacity)
        self._stamp = clock()
        self._lock = threading.Lock()

    def _refill(self, now: float) -> None:
        self._tokens = min(self.capacity, self._tokens + (now - self._stamp) * self.rate)
        self._stamp = now

    def reserve(self) -> float:
        """Take one token now; return how long the caller must wait before using it."""
        with self._lock:
            self._refill(self._clock())
            self._tokens -= 1
            return 0.0 if self._tokens >= 0 else -self._tokens / self.rate

    async def acquire(self) -> None:
        wait = self.reserve()
        if wait > 0:
            await self._sleep(wait)

    def drain(self) -> None:
        """The server said 429: our idea of the bucket is too generous (another process on this IP?)."""
        with self._lock:
            self._refill(self._clock())
            self._tokens = min(self._tokens, 0.0)

    @property
    def tokens(self) -> float:
        with self._lock:
            self._refill(self._clock())
            return self._tokens
