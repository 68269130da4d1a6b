from __future__ import annotations

import random

from warclaw.daemon.backoff import backoff, jittered


def test_backoff_doubles_with_jitter_and_stays_under_the_cap():
    rng = random.Random(1)
    for n in range(1, 12):
        full = min(300.0, 15.0 * 2 ** (n - 1))
        for _ in range(50):
            d = backoff(15.0, n, 300.0, rng)
            assert full / 2 <= d <= full
    assert backoff(15.0, 20, 300.0, rng) <= 300.0


def test_cadence_jitter_is_within_ten_percent_and_not_constant():
    rng = random.Random(2)
    values = {round(jittered(30.0, rng), 3) for _ in range(100)}
    assert all(27.0 <= v <= 33.0 for v in values)
    assert len(values) > 50
