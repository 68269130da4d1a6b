"""Key handling, the token bucket and the retry policy, without a server."""

from __future__ import annotations

import bisect
import random

import pytest

from warclaw.gw2api import ApiKey, Gw2Client, InvalidKeyError, RetryPolicy, TokenBucket, mask
from warclaw.gw2api.fake import DEFAULT_KEY
from warclaw.gw2api.retry import parse_retry_after

from .conftest import FakeTime

JWT = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJ3YlRodVdNNGExMUduZlpYSTdaa0pHck52SVVPUWhM.Jr9sT6pIcyNgmK0s3a6Rvn9MKakVHMRYOQ2IzyLh2GM"


def test_key_shape_is_validated_before_use() -> None:
    assert ApiKey(DEFAULT_KEY).secret == DEFAULT_KEY
    assert ApiKey(JWT).masked == "eyJh…h2GM"
    for bad in ("", "hunter2", DEFAULT_KEY[:-1], DEFAULT_KEY + "0", DEFAULT_KEY.replace("-", "_")):
        with pytest.raises(InvalidKeyError) as err:
            ApiKey(bad)
        assert bad[:12] not in str(err.value) or len(bad) < 12


def test_key_is_masked_in_repr_str_and_client_repr() -> None:
    key = ApiKey(DEFAULT_KEY)
    assert str(key) == "C0FF…EEEE" and repr(key) == "ApiKey(C0FF…EEEE)"
    client = Gw2Client(key=DEFAULT_KEY)
    assert DEFAULT_KEY not in repr(client) and "C0FF…EEEE" in repr(client)
    assert key.scrub(f"GET /v2/account?access_token={DEFAULT_KEY}") == "GET /v2/account?access_token=C0FF…EEEE"
    assert mask("short") == "…"


def test_bad_key_in_config_fails_fast_with_a_masked_message() -> None:
    bad = DEFAULT_KEY.replace("C", "X")
    with pytest.raises(InvalidKeyError) as err:
        Gw2Client(key=bad)
    assert bad not in str(err.value) and "X0FF…EEEE" in str(err.value)


def test_bucket_bursts_300_then_refills_5_per_second(vtime: FakeTime) -> None:
    bucket = TokenBucket(clock=vtime.clock, sleep=vtime.sleep)
    waits = [bucket.reserve() for _ in range(310)]
    assert waits[:300] == [0.0] * 300
    assert waits[300:303] == pytest.approx([0.2, 0.4, 0.6])


async def test_bucket_never_exceeds_the_limit_in_any_window(vtime: FakeTime) -> None:
    bucket = TokenBucket(clock=vtime.clock, sleep=vtime.sleep)
    grants = []
    for _ in range(1000):
        await bucket.acquire()
        grants.append(vtime.now)
    # In any window of w seconds at most 300 + 5 w calls may start.
    for i, start in enumerate(grants):
        for w in (1.0, 10.0, 60.0):
            n = bisect.bisect_right(grants, start + w) - i
            assert n <= 300 + 5 * w + 1e-9
    assert grants[-1] - grants[0] == pytest.approx((1000 - 300) / 5)


def test_bucket_drain_after_a_server_429(vtime: FakeTime) -> None:
    bucket = TokenBucket(clock=vtime.clock, sleep=vtime.sleep)
    bucket.drain()
    assert bucket.reserve() == pytest.approx(0.2)
    with pytest.raises(ValueError):
        TokenBucket(0, 1.0)


def test_backoff_grows_is_capped_and_jittered() -> None:
    policy = RetryPolicy(base_delay=0.5, max_delay=4.0)
    rng = random.Random(3)
    delays = [policy.delay("transient", n, rng) for n in range(1, 9)]
    for n, d in enumerate(delays, start=1):
        full = min(4.0, 0.5 * 2 ** (n - 1))
        assert full / 2 <= d <= full
    assert len({round(policy.delay("transient", 5, rng), 6) for _ in range(20)}) > 1  # jitter
    assert policy.delay("auth", 1, rng) >= policy.auth_base_delay / 2  # the slow one


def test_retry_after_parsing() -> None:
    assert parse_retry_after("3", 0) == 3.0
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:10 GMT", 1445412480.0) == pytest.approx(10.0)
    assert parse_retry_after(None, 0) is None and parse_retry_after("soon", 0) is None
