"""Fixtures for the GW2 API client tests: the fake server, virtual time, a client wired to both."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable, Iterator

import pytest

from warclaw.config import ApiConfig
from warclaw.gw2api import Gw2Client, RetryPolicy, TokenBucket
from warclaw.gw2api.fake import DEFAULT_KEY, FakeGW2Api


class FakeTime:
    """A clock that only moves when someone sleeps: retries and rate limits cost no real time."""

    def __init__(self) -> None:
        self.now = 1000.0
        self.sleeps: list[float] = []

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.sleeps.append(seconds)
        self.now += seconds


@pytest.fixture
def vtime() -> FakeTime:
    return FakeTime()


@pytest.fixture
def fake() -> Iterator[FakeGW2Api]:
    """A step-driven fake API serving the plain recordings (cheap to start)."""
    with FakeGW2Api(scenario="recorded") as api:
        yield api


@pytest.fixture
def replay_api() -> Iterator[FakeGW2Api]:
    with FakeGW2Api(scenario="replay") as api:
        yield api


ClientFactory = Callable[..., Gw2Client]


@pytest.fixture
def make_client(vtime: FakeTime) -> Iterator[ClientFactory]:
    made: list[Gw2Client] = []

    def factory(api: FakeGW2Api, key: str | None = DEFAULT_KEY, timeout: float = 2.0, **kw: object) -> Gw2Client:
        cfg = ApiConfig(base_url=api.base_url, key=key or "", timeout_seconds=timeout)
        kw.setdefault("limiter", TokenBucket(clock=vtime.clock, sleep=vtime.sleep))
        client = Gw2Client(cfg, clock=vtime.clock, sleep=vtime.sleep, rng=random.Random(1), **kw)  # type: ignore[arg-type]
        made.append(client)
        return client

    yield factory
    # httpx clients are closed by the tests' `async with`; any left open are closed by GC.


@pytest.fixture(autouse=True)
def _no_secret_in_logs(caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Whatever a test does, the full key must never reach a log record."""
    caplog.set_level(logging.DEBUG)
    yield
    assert DEFAULT_KEY not in caplog.text
    assert DEFAULT_KEY[:20] not in caplog.text


FAST = RetryPolicy(max_attempts=4, rate_limit_attempts=4, auth_attempts=3, total_seconds=600.0)
