"""The pollers: one asyncio task per endpoint family, each with its own cadence.

A poll is two steps: *fetch* (async, through the one shared API client; abandoned if the daemon
is asked to stop) and *store* (a short write transaction, run in a worker thread so the event
loop keeps breathing, never interrupted: a stop waits for it). A poller is one task looping
fetch → store → sleep, and holds its endpoint's lock while polling, so one endpoint is never
polled twice at once even when an operator asks for a poll now. Failures back off exponentially
(with jitter, up to ``backoff_max_seconds``) and are recorded in the poll log; the data already
stored is never touched by a failed poll.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import SQLAlchemyError

from warclaw.config import Config
from warclaw.daemon.alerts import AlertService
from warclaw.daemon.backoff import backoff, jittered
from warclaw.daemon.health import WriteHealth
from warclaw.daemon.roster_keys import KeyRefresher
from warclaw.gw2api import (
    Gw2ApiError,
    Gw2Client,
    InvalidKeyError,
    MissingPermissionError,
    NotFoundError,
    RetryPolicy,
)
from warclaw.gw2api.teams import all_teams
from warclaw.store.db import Store, WriteRefused, describe_db_error
from warclaw.store.housekeeping import rollup_samples
from warclaw.store.ingest import (
    apply_guild,
    apply_match,
    apply_objectives,
    apply_teams,
    guilds_to_fetch,
    load_tier_thresholds,
)
from warclaw.store.models import Objective
from warclaw.store.status import beat, get_meta, record_poll, set_meta, set_next_attempt
from warclaw.store.types import utcnow

log = logging.getLogger("warclaw.daemon")

# The daemon has its own retry loop (the pollers' backoff), so each request gives up quickly and
# the failure shows in the poll log instead of hiding inside a 90-second client retry.
DAEMON_RETRY = RetryPolicy(
    max_attempts=2, base_delay=0.5, max_delay=4.0, rate_limit_attempts=2, rate_limit_base_delay=1.0,
    auth_attempts=2, auth_base_delay=2.0, total_seconds=20.0,
)
HOUSEKEEPING_SECONDS = 3600.0
ALERT_FLUSH_SECONDS = 5.0  # at stop, time given to send the pending alerts (the stop alert among them)
GUILDS_PER_POLL = 20


class NothingFetched(Exception):
    """The API answered, but with nothing usable for us (e.g. no match of our region)."""


@dataclass
class Poller:
    name: str
    cadence: Callable[[], float]
    fetch: Callable[[], Awaitable[Any]]
    store: Callable[[Any], str | None]  # runs in a thread; returns a note for the log or None
    enabled: Callable[[], bool] = lambda: True
    failures: int = 0
    attempts: int = 0
    wake: asyncio.Event = field(default_factory=asyncio.Event)
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)


def describe_error(err: BaseException, store: Store) -> str:
    if isinstance(err, SQLAlchemyError):
        return describe_db_error(store.url, err)
    if isinstance(err, Gw2ApiError | NothingFetched):
        return str(err)
    return f"{type(err).__name__}: {err}"


class SyncService:
    def __init__(self, store: Store, config: Config, *, rng: random.Random | None = None,
                 client_factory: Callable[[Config], Gw2Client] | None = None,
                 on_health_change: Callable[[str | None, datetime], None] | None = None):
        self.store = store
        self.health = WriteHealth(on_health_change)
        self.config = config
        self.rng = rng or random.Random()
        self._client_factory = client_factory or (lambda cfg: Gw2Client(cfg.api, policy=DAEMON_RETRY))
        self.client = self._client_factory(config)
        self._old_clients: list[Gw2Client] = []
        self.stop = asyncio.Event()
        self.started_at = utcnow()
        self._tier_yaks: dict[str, list[int]] | None = None
        self.metrics: Any = None  # warclaw.daemon.metrics.Metrics when daemon.metrics_port is set
        self.keys = KeyRefresher(store, lambda: self.config, lambda: self.client.limiter, DAEMON_RETRY)
        self.alerts = AlertService(store, lambda: self.config, self.stop, matches_ready=self._matches_polled)
        self.pollers = {
            p.name: p
            for p in (
                Poller("static", lambda: self.config.daemon.build_check_seconds, self._fetch_static, self._store_static),
                Poller("matches", lambda: self.config.daemon.match_poll_seconds, self._fetch_matches, self._store_matches),
                Poller("guilds", lambda: self.config.daemon.guild_poll_seconds, self._fetch_guilds, self._store_guilds),
                Poller("account", lambda: self.config.daemon.account_poll_seconds, self._fetch_account,
                       self._store_account, enabled=lambda: self.client.key is not None),
                Poller("player_keys", lambda: self.config.daemon.player_keys_poll_seconds, self.keys.fetch,
                       self.keys.store_results),
            )
        }

    # --- the loop ------------------------------------------------------------------------------

    async def run(self) -> None:
        """Poll until :attr:`stop` is set; returns once every in-flight write has finished."""
        await self._alert_quietly(self.alerts.enqueue_daemon("start", self.started_at))
        tasks = [asyncio.create_task(self._loop(p), name=f"poll-{p.name}") for p in self.pollers.values()]
        tasks.append(asyncio.create_task(self.alerts.run(), name="alerts"))
        tasks.append(asyncio.create_task(self._heartbeat_loop(), name="heartbeat"))
        tasks.append(asyncio.create_task(self._housekeeping_loop(), name="housekeeping"))
        try:
            await asyncio.gather(*tasks)
        finally:
            for t in tasks:
                t.cancel()
            await asyncio.gather(*tasks, return_exceptions=True)
            await self._alert_quietly(self.alerts.enqueue_daemon("stop", utcnow()))
            await self.alerts.flush(ALERT_FLUSH_SECONDS)  # what is left goes out at the next start
            await self._write_quietly(lambda s: beat(s, utcnow(), "stopped", started_at=self.started_at))
            await self.aclose()

    async def aclose(self) -> None:
        for c in [self.client, *self._old_clients]:
            await c.aclose()
        self._old_clients.clear()
        await self.alerts.aclose()

    def _matches_polled(self) -> bool:
        """"Stale" is judged only after this run has polled the matches once (not on old data at start)."""
        p = self.pollers["matches"]
        return p.attempts > 0 and not p.lock.locked()

    async def _alert_quietly(self, coro: Awaitable[Any]) -> None:
        try:
            await coro
        except WriteRefused:
            pass  # the database lock is gone: said once where it was found (daemon/dblock.py)
        except SQLAlchemyError as e:
            log.error("alerts: %s", describe_db_error(self.store.url, e))

    def poke(self) -> None:
        """Poll every endpoint now (an operator's SIGUSR1), backoff or not."""
        for p in self.pollers.values():
            p.wake.set()

    def reconfigure(self, config: Config) -> None:
        """Apply a reloaded config: cadences at the next sleep, API settings with a new client."""
        old = self.config
        if config.api != old.api:
            client = self._client_factory(config)  # raises on a bad key: nothing changed yet
            self._old_clients.append(self.client)  # closed at exit: a fetch may still be using it
            self.client = client
        self.config = config
        if config.database.url != old.database.url:
            log.warning("database.url changed in the config: restart the daemon to use the new database")
        self.poke()

    async def cycle_once(self) -> dict[str, str | None]:
        """One poll of every endpoint family (``warclaw sync --once``); name -> error or None."""
        out: dict[str, str | None] = {}
        for name in ("static", "matches", "guilds", "account", "player_keys"):
            p = self.pollers[name]
            if p.enabled():
                out[name] = await self._attempt(p)
        return out

    async def _loop(self, p: Poller) -> None:
        while not self.stop.is_set():
            if not p.enabled():
                p.wake.clear()
                await self._sleep(p, p.cadence())
                continue
            error = await self._attempt(p)
            if self.stop.is_set():
                return
            if error is None:
                delay = jittered(p.cadence(), self.rng)
            else:
                delay = backoff(min(p.cadence(), 30.0), p.failures, self.config.daemon.backoff_max_seconds, self.rng)
                # A database that takes no writes was logged once by self.health; not again per poll.
                level = logging.DEBUG if error == self.health.reason else logging.WARNING
                log.log(level, "%s: poll failed (%d in a row), next try in %.0fs: %s", p.name, p.failures, delay, error)
                retry_at = utcnow() + timedelta(seconds=delay)
                await self._write_quietly(lambda s, at=retry_at: set_next_attempt(s, p.name, at))
            await self._sleep(p, delay)

    async def _sleep(self, p: Poller, delay: float) -> None:
        stop = asyncio.create_task(self.stop.wait())
        wake = asyncio.create_task(p.wake.wait())
        try:
            await asyncio.wait({stop, wake}, timeout=delay, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            wake.cancel()

    async def _attempt(self, p: Poller) -> str | None:
        """Fetch and store once; returns None on success, else a one-line error."""
        async with p.lock:
            p.wake.clear()  # this attempt answers every "poll now" asked so far; later ones wake the next
            p.attempts += 1
            t0 = time.perf_counter()
            try:
                fetch = asyncio.create_task(p.fetch())
                stop = asyncio.create_task(self.stop.wait())
                await asyncio.wait({fetch, stop}, return_when=asyncio.FIRST_COMPLETED)
                stop.cancel()
                if not fetch.done():  # asked to stop: drop the request, nothing was written
                    fetch.cancel()
                    await asyncio.gather(fetch, return_exceptions=True)
                    return None
                payload = fetch.result()
                note = await asyncio.to_thread(self._store_and_log, p, payload, t0)
            except asyncio.CancelledError:
                raise
            except Exception as e:  # noqa: BLE001 - any failure of one poll must not stop the daemon
                p.failures += 1
                error = describe_error(e, self.store)
                if isinstance(e, SQLAlchemyError) and not isinstance(e, WriteRefused):
                    self.health.failed(error)  # a refused write says nothing of the database's health
                if not isinstance(e, Gw2ApiError | SQLAlchemyError | NothingFetched):
                    log.exception("%s: unexpected error", p.name)
                dt = int((time.perf_counter() - t0) * 1000)
                await self._write_quietly(lambda s: record_poll(s, p.name, utcnow(), error=error, duration_ms=dt))
                if self.metrics is not None:
                    self.metrics.poll_done(p.name, time.perf_counter() - t0, error)
                return error
            p.failures = 0
            self.health.succeeded()
            if self.metrics is not None:
                self.metrics.poll_done(p.name, time.perf_counter() - t0, None)
            if note:
                log.info("%s: %s", p.name, note)
            return None

    def _store_and_log(self, p: Poller, payload: Any, t0: float) -> str | None:
        note = p.store(payload)
        with self.store.write() as s:
            record_poll(s, p.name, utcnow(), duration_ms=int((time.perf_counter() - t0) * 1000))
        return note

    async def _write_quietly(self, fn: Callable[[Any], Any]) -> None:
        """A bookkeeping write that must never take the daemon down (the DB may be read-only)."""
        def run() -> None:
            with self.store.write() as s:
                fn(s)
        try:
            await asyncio.to_thread(run)
        except WriteRefused:
            pass  # the database lock is gone: said once where it was found (daemon/dblock.py)
        except SQLAlchemyError as e:
            self.health.failed(describe_db_error(self.store.url, e))  # logged once per change of state
        # A bookkeeping write that works says little: on a nearly full disk a row updated in place
        # fits where new data does not. Only a poller's data write (in _attempt) ends a failing state.

    async def _heartbeat_loop(self) -> None:
        while not self.stop.is_set():
            await self._write_quietly(lambda s: beat(s, utcnow(), started_at=self.started_at))
            wait = self.health.backoff(self.config.daemon.heartbeat_seconds, self.config.daemon.backoff_max_seconds)
            try:
                await asyncio.wait_for(self.stop.wait(), timeout=wait)
            except TimeoutError:
                pass

    async def _housekeeping_loop(self) -> None:
        while not self.stop.is_set():
            try:
                await asyncio.wait_for(self.stop.wait(), timeout=HOUSEKEEPING_SECONDS)
                return
            except TimeoutError:
                pass
            try:
                n = await asyncio.to_thread(rollup_samples, self.store, utcnow(), self.config.database.full_resolution_days)
                if n:
                    log.info("housekeeping: rolled up %d old score samples", n)
            except SQLAlchemyError as e:
                log.error("housekeeping: %s", describe_db_error(self.store.url, e))

    # --- matches -------------------------------------------------------------------------------

    async def _fetch_matches(self) -> list[dict[str, Any]]:
        region = self.config.daemon.region
        prefix = {"na": "1-", "eu": "2-"}[region]
        matches = await self.client.matches()
        bodies = [m.model_dump(mode="json") for m in matches if m.id.startswith(prefix)]
        if not bodies:
            raise NothingFetched(f"/v2/wvw/matches: the API listed no match of region {region}")
        return bodies

    def _store_matches(self, bodies: list[dict[str, Any]]) -> str | None:
        if self._tier_yaks is None:
            with self.store.read() as s:
                self._tier_yaks = load_tier_thresholds(s)
        events = changed = 0
        lagging = []
        for body in bodies:
            # One short transaction per match: a roster edit in the TUI never waits long.
            with self.store.write() as s:
                r = apply_match(s, body, utcnow(), self._tier_yaks)
            events += r.events
            changed += r.changed
            if r.lagging:
                lagging.append(r.api_id)
            if r.unknown_guilds:
                self.pollers["guilds"].wake.set()
        if lagging:
            log.info("matches %s: the API answered with an older week than stored (a lagging node); kept the newer",
                     ", ".join(lagging))
        return f"{len(bodies)} matches, {changed} changed, {events} new events" if events else None

    # --- static data ---------------------------------------------------------------------------

    async def _fetch_static(self) -> dict[str, Any] | None:
        build = (await self.client.build()).id
        with self.store.read() as s:
            known = get_meta(s, "api_build")
            have_objectives = bool(s.scalar(select(func.count()).select_from(Objective)))
        if known == str(build) and have_objectives:
            return None
        objectives = await self.client.objectives()
        upgrades = await self.client.upgrades()
        worlds = await self.client.worlds()
        return {
            "build": build,
            "objectives": [o.model_dump(mode="json") for o in objectives],
            "upgrades": [u.model_dump(mode="json") for u in upgrades],
            "worlds": {w.id: w.name for w in worlds},
        }

    def _store_static(self, payload: dict[str, Any] | None) -> str | None:
        if payload is None:
            return None
        with self.store.write() as s:
            n = apply_objectives(s, payload["objectives"], payload["upgrades"])
            apply_teams(s, payload["worlds"], kind="world")
            apply_teams(s, all_teams(), kind="team")
            set_meta(s, "api_build", str(payload["build"]))
        self._tier_yaks = None
        return f"static data for build {payload['build']}: {n} objectives, {len(payload['worlds'])} worlds"

    # --- guilds --------------------------------------------------------------------------------

    async def _fetch_guilds(self) -> list[tuple[str, dict[str, Any] | None, str]]:
        with self.store.read() as s:
            ids = guilds_to_fetch(s, GUILDS_PER_POLL, utcnow())
        out = []
        for gid in ids:
            try:
                g = await self.client.guild(gid)
                out.append((gid, g.model_dump(mode="json"), ""))
            except (NotFoundError, MissingPermissionError, InvalidKeyError) as e:
                out.append((gid, None, str(e)))  # permanent for this id: do not ask again
        return out

    def _store_guilds(self, results: list[tuple[str, dict[str, Any] | None, str]]) -> str | None:
        if not results:
            return None
        with self.store.write() as s:
            for gid, body, error in results:
                apply_guild(s, gid, body, utcnow(), error)
        return f"named {sum(1 for _, b, _ in results if b)} of {len(results)} new or due guilds"

    # --- account -------------------------------------------------------------------------------

    async def _fetch_account(self) -> int | None:
        acc = await self.client.account()
        wvw = getattr(acc, "wvw", None)
        return getattr(wvw, "team_id", None)

    def _store_account(self, team_id: int | None) -> str | None:
        if team_id is None:
            return None
        with self.store.write() as s:
            set_meta(s, "account_team_id", str(team_id))
        return None
