"""The daemon's player-keys poller: refreshes, derived builds, refused keys, outages."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import select

from warclaw.config import parse_config
from warclaw.daemon.roster_keys import KeyRefresher
from warclaw.daemon.service import SyncService
from warclaw.gw2api import Gw2ApiError, RetryPolicy, TokenBucket
from warclaw.gw2api.fake import DEFAULT_KEY
from warclaw.gw2api.keys import mask
from warclaw.store.keys import fingerprint, record_refusal
from warclaw.store.models import ApiKeyRecord, PollLog, RosterPlayer

from .conftest import PLAYER_KEY

FAST = RetryPolicy(max_attempts=2, base_delay=0.05, max_delay=0.2, rate_limit_attempts=3, rate_limit_base_delay=0.1,
                   auth_attempts=2, auth_base_delay=0.05, total_seconds=5.0)
T0 = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)


def _config(cli):
    return parse_config({"api": {"base_url": cli.api.base_url}, "database": {"url": cli.url}})


def _refresher(cli, store, clock):
    cfg = _config(cli)
    return KeyRefresher(store, lambda: cfg, TokenBucket, FAST, now=lambda: clock[0])


def _cycle(refresher):
    return refresher.store_results(asyncio.run(refresher.fetch()))


def _key(store, secret):
    with store.read() as s:
        k = s.scalar(select(ApiKeyRecord).where(ApiKeyRecord.fingerprint == fingerprint(secret)))
        return k.status, k.invalid_count


def _builds(store, name):
    with store.read() as s:
        return list(s.scalar(select(RosterPlayer.builds).where(RosterPlayer.name == name)))


def _requests_with(api, secret):
    return sum(1 for r in api.requests if r.key == mask(secret))


def test_the_poller_derives_builds_from_the_recorded_characters(cli):
    assert cli("roster", "add-key", "Bran", PLAYER_KEY, "--roster", "raid")[0] == 0
    with cli.store() as store:
        with store.write() as s:  # as if the characters had changed since: the refresh rewrites them
            s.scalar(select(RosterPlayer).where(RosterPlayer.name == "Bran")).builds = ["firebrand", "old-derived"]
            s.scalar(select(RosterPlayer).where(RosterPlayer.name == "Bran")).derived_builds = ["old-derived"]
        svc = SyncService(store, _config(cli))
        assert "player_keys" in svc.pollers

        async def once():
            try:
                return await svc.cycle_once()
            finally:
                await svc.aclose()

        results = asyncio.run(once())
        assert results["player_keys"] is None
        builds = _builds(store, "Bran")
        assert builds[0] == "firebrand" and "old-derived" not in builds
        assert {"spellbreaker-strip", "scourge-strip", "druid-heal", "herald-boon"} <= set(builds)
        with store.read() as s:
            log = s.get(PollLog, "player_keys")
            assert log.last_success_at is not None and log.consecutive_failures == 0
            assert s.scalar(select(ApiKeyRecord.team_id)) is not None  # the key has 'wvw': its team is known


def test_a_refused_key_is_suspect_then_revoked_and_never_asked_in_a_loop(cli, caplog):
    assert cli("roster", "add-key", "Bran", PLAYER_KEY, "--roster", "raid")[0] == 0
    assert cli("roster", "add-key", "Aelin", DEFAULT_KEY)[0] == 0
    clock = [T0]
    with cli.store() as store:
        refresher = _refresher(cli, store, clock)
        builds = _builds(store, "Bran")
        del cli.api.keys[PLAYER_KEY]  # the player deleted the key on the account site
        statuses = []
        for hours in (0, 1, 2):
            clock[0] = T0 + timedelta(hours=hours)
            before = _requests_with(cli.api, PLAYER_KEY)
            note = _cycle(refresher)
            assert _requests_with(cli.api, PLAYER_KEY) - before <= FAST.auth_attempts  # one question, one retry
            statuses.append(_key(store, PLAYER_KEY))
            assert _key(store, DEFAULT_KEY) == ("ok", 0)  # the other key is unaffected
        assert statuses == [("suspect", 1), ("suspect", 2), ("revoked", 3)]
        assert note is not None and "revoked" in note
        assert any(r.levelno == logging.WARNING and "revoked" in r.getMessage() for r in caplog.records)
        assert _builds(store, "Bran") == builds  # the last known builds stay
        before = _requests_with(cli.api, PLAYER_KEY)
        _cycle(refresher)
        assert _requests_with(cli.api, PLAYER_KEY) == before  # revoked: not asked again
        code, out, _ = cli("roster", "keys")
        assert "revoked" in out and mask(PLAYER_KEY) in out
    # Registering a new (working) key again starts afresh.
    cli.api.add_key(PLAYER_KEY, ["account", "characters"], "renewed")
    assert cli("roster", "add-key", "Bran", PLAYER_KEY, "--roster", "raid")[0] == 0
    with cli.store() as store:
        assert _key(store, PLAYER_KEY) == ("ok", 0)


def test_refusals_close_together_do_not_revoke(cli):
    assert cli("roster", "add-key", "Bran", PLAYER_KEY, "--roster", "raid")[0] == 0
    with cli.store() as store, store.write() as s:
        kid = s.scalar(select(ApiKeyRecord.id))
        got = [record_refusal(s, kid, "refused", T0 + timedelta(minutes=i)) for i in range(5)]
    assert got == ["suspect"] * 5  # a burst of refusals (an API hiccup) is not a revocation


def test_the_running_daemon_does_not_hammer_a_refused_key(cli):
    assert cli("roster", "add-key", "Bran", PLAYER_KEY, "--roster", "raid")[0] == 0
    del cli.api.keys[PLAYER_KEY]
    before = _requests_with(cli.api, PLAYER_KEY)

    async def run_until_suspect_and_then(seconds):
        with cli.store() as store:
            svc = SyncService(store, _config(cli))
            task = asyncio.create_task(svc.run())
            for _ in range(300):  # up to 15 s on a loaded machine
                if _key(store, PLAYER_KEY)[0] == "suspect":
                    break
                await asyncio.sleep(0.05)
            await asyncio.sleep(seconds)  # a loop would ask again within this time
            svc.stop.set()
            await task

    asyncio.run(run_until_suspect_and_then(3.0))
    assert 1 <= _requests_with(cli.api, PLAYER_KEY) - before <= 2  # one question and one retry, then wait an hour
    with cli.store() as store:
        assert _key(store, PLAYER_KEY) == ("suspect", 1)
        with store.read() as s:
            assert s.get(PollLog, "player_keys").consecutive_failures == 0  # no backoff loop either


def test_rate_limits_during_a_refresh_are_absorbed(cli):
    assert cli("roster", "add-key", "Bran", PLAYER_KEY, "--roster", "raid")[0] == 0
    cli.api.inject_fault("/v2/account", kind="429", count=1)
    cli.api.inject_fault("/v2/characters", kind="429", count=1)
    clock = [T0]
    with cli.store() as store:
        note = _cycle(_refresher(cli, store, clock))
        assert note == "refreshed 1 of 1 player keys"
        assert _key(store, PLAYER_KEY) == ("ok", 0)
    assert cli.api.count(status=429) == 2


def test_an_outage_fails_the_poll_so_the_poller_backs_off(cli):
    assert cli("roster", "add-key", "Bran", PLAYER_KEY, "--roster", "raid")[0] == 0
    cli.api.inject_fault("/v2/account", kind="503", count=None)
    with cli.store() as store:
        refresher = _refresher(cli, store, [T0])
        with pytest.raises(Gw2ApiError, match="none could be refreshed"):
            asyncio.run(refresher.fetch())
        assert _key(store, PLAYER_KEY) == ("ok", 0)  # an outage says nothing about the key


def test_the_daemon_keeps_a_database_with_keys_owner_only(cli):
    import os
    import stat

    assert cli("roster", "add-key", "Bran", PLAYER_KEY, "--roster", "raid")[0] == 0
    os.chmod(cli.db, 0o644)  # e.g. restored from a backup
    with cli.store() as store:
        asyncio.run(_refresher(cli, store, [T0]).fetch())
    assert stat.S_IMODE(cli.db.stat().st_mode) == 0o600
