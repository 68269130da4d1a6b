"""How long to wait before the next attempt, per kind of failure, and when to stop.

Three kinds, because they fail for different reasons and recover at different speeds:
- ``transient``: 5xx, timeouts, dropped connections, garbage bodies (CDN hiccups) — quick, capped
  exponential backoff;
- ``rate``: 429 — ``Retry-After`` if the server sends one (it usually does not), otherwise a slower
  exponential backoff;
- ``auth``: a valid key answered "invalid key"/``ErrBadData`` — a known API fault that clears on its
  own, so retry a few times, slowly, before calling the key invalid.
Every delay is jittered so that many clients (or tasks) do not retry in lock-step, and all attempts
of one request share a total time budget.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from email.utils import parsedate_to_datetime


@dataclass(frozen=True)
class RetryPolicy:
    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0
    rate_limit_attempts: int = 8
    rate_limit_base_delay: float = 2.0
    auth_attempts: int = 4
    auth_base_delay: float = 5.0
    total_seconds: float = 90.0

    def attempts_for(self, kind: str) -> int:
        return {"transient": self.max_attempts, "rate": self.rate_limit_attempts, "auth": self.auth_attempts}[kind]

    def delay(self, kind: str, failures: int, rng: random.Random) -> float:
        """Delay after the ``failures``-th failure of this kind (1-based): equal jitter, capped."""
        base = {"transient": self.base_delay, "rate": self.rate_limit_base_delay, "auth": self.auth_base_delay}[kind]
        full = min(self.max_delay, base * 2 ** (failures - 1))
        return full / 2 + rng.uniform(0, full / 2)


def parse_retry_after(value: str | None, now_epoch: float) -> float | None:
    """``Retry-After`` as seconds: delta-seconds or an HTTP date; None if absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, parsedate_to_datetime(value).timestamp() - now_epoch)
    except (TypeError, ValueError, IndexError):
        return None
