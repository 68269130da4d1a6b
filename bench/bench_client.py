"""Benchmark of the GW2 API client: overhead against raw httpx, and the rate limiter under a burst.

Prints figures only (timings vary by machine; nothing is asserted). About 10-20 s.
"""

from __future__ import annotations

import asyncio
import bisect
import statistics
import time

import httpx

from warclaw.config import ApiConfig
from warclaw.gw2api import Gw2Client, TokenBucket
from warclaw.gw2api.fake import FakeGW2Api

ROUNDS = 3


async def _per_request(fn: object, n: int) -> float:
    start = time.perf_counter()
    for _ in range(n):
        await fn()  # type: ignore[operator]
    return (time.perf_counter() - start) / n


async def overhead(api: FakeGW2Api) -> None:
    cfg = ApiConfig(base_url=api.base_url, timeout_seconds=10)
    # A bucket that never throttles, so the figure is the client's own cost, not the limit.
    unlimited = TokenBucket(capacity=10**9, refill_per_second=10**9)
    params = {"v": cfg.schema_version, "lang": cfg.lang}
    async with httpx.AsyncClient(base_url=api.base_url, timeout=10) as raw, Gw2Client(cfg, limiter=unlimited) as client:
        cases = [
            ("/v2/build (tiny body)", "/v2/build", client.build, 400),
            ("/v2/wvw/matches/2-1 (99 kB body)", "/v2/wvw/matches/2-1", lambda: client.match("2-1"), 60),
        ]
        print(f"client overhead against the fake server, sequential requests, median of {ROUNDS} rounds:")
        for label, path, typed, n in cases:

            async def raw_get(path: str = path) -> object:
                resp = await raw.get(path, params=params)
                resp.raise_for_status()
                return resp.json()

            async def client_get(path: str = path) -> object:
                return (await client.get(path)).data

            fns = {"raw": raw_get, "get": client_get, "typed": typed}
            figures: dict[str, list[float]] = {k: [] for k in fns}
            for fn in fns.values():
                await _per_request(fn, 10)  # warm up connections and caches
            for r in range(ROUNDS):
                order = list(fns)[r % 3 :] + list(fns)[: r % 3]  # rotate so no variant always goes first
                for k in order:
                    figures[k].append(await _per_request(fns[k], n))
            raw_t, get_t, typed_t = (statistics.median(figures[k]) * 1e3 for k in ("raw", "get", "typed"))
            print(f"  {label}, {n} requests per round")
            print(f"    raw httpx get + json          {raw_t:7.3f} ms")
            print(f"    Gw2Client.get (limiter+retry) {get_t:7.3f} ms   x{get_t / raw_t:.2f} of raw, +{get_t - raw_t:.3f} ms")
            print(f"    Gw2Client typed (+pydantic)   {typed_t:7.3f} ms   x{typed_t / raw_t:.2f} of raw, +{typed_t - raw_t:.3f} ms")


def _worst_window(grants: list[float], window: float) -> int:
    """Most calls started within any interval of ``window`` seconds."""
    return max(bisect.bisect_right(grants, t + window) - i for i, t in enumerate(grants))


async def limiter_virtual() -> None:
    now = [0.0]

    async def sleep(seconds: float) -> None:
        now[0] += seconds

    bucket = TokenBucket(clock=lambda: now[0], sleep=sleep)
    grants: list[float] = []

    async def call() -> None:
        await bucket.acquire()
        grants.append(now[0])

    for _ in range(1000):
        await call()
    grants.sort()
    print("rate limiter, 1,000-call burst on a virtual clock (documented limit: 300 burst + 5/s):")
    for window in (1.0, 10.0, 60.0, 120.0):
        worst, allowed = _worst_window(grants, window), 300 + 5 * window
        print(f"  any {window:5.0f} s window: at most {worst:4d} calls, limit {allowed:5.0f}   ratio {worst / allowed:.3f}")
    print(f"  1,000 calls took {grants[-1]:.0f} s of virtual time (ideal (1000-300)/5 = 140 s)")


async def limiter_real() -> None:
    speedup = 100.0  # 300 burst, 500/s: the real bucket, 100x faster
    bucket = TokenBucket(300, 5.0 * speedup)
    grants: list[float] = []

    async def call() -> None:
        await bucket.acquire()
        grants.append(time.monotonic())

    start = time.monotonic()
    await asyncio.gather(*(call() for _ in range(1000)))
    elapsed = time.monotonic() - start
    grants = sorted(t - start for t in grants)
    print(f"rate limiter, 1,000 concurrent tasks on the real clock, bucket sped up x{speedup:g} (300 burst, 500/s):")
    for window in (0.01, 0.1, 0.6, 1.2):
        worst, allowed = _worst_window(grants, window), 300 + 5 * speedup * window
        print(f"  any {window * speedup:5.0f} s-equivalent window: at most {worst:4d} calls, limit {allowed:5.0f}   ratio {worst / allowed:.3f}")
    print(f"  took {elapsed:.2f} s (ideal {700 / (5 * speedup):.2f} s)")


async def _main() -> None:
    with FakeGW2Api(scenario="replay", rate_limit=False) as api:
        await overhead(api)
    await limiter_virtual()
    await limiter_real()


def main() -> None:
    asyncio.run(_main())


if __name__ == "__main__":
    main()
