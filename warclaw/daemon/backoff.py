"""When each poller runs next: its cadence with jitter, or an exponential backoff after failures."""

from __future__ import annotations

import random


def jittered(seconds: float, rng: random.Random, spread: float = 0.1) -> float:
    """``seconds`` ± ``spread`` so that pollers (and daemons) do not fire in lock-step."""
    return max(0.0, seconds * (1 + rng.uniform(-spread, spread)))


def backoff(cadence: float, failures: int, cap: float, rng: random.Random) -> float:
    """Delay after the ``failures``-th failure in a row: cadence·2^(n-1), capped, equal jitter."""
    full = min(cap, cadence * 2 ** max(0, failures - 1))
    return full / 2 + rng.uniform(0, full / 2)
