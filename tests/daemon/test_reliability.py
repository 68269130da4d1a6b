"""The daemon under abuse: kill -9 mid-write, a concurrent roster writer, read-only and full disks."""

from __future__ import annotations

import asyncio
import json
import os
import random
import sqlite3
import subprocess
import sys
import time

from pgserver import both_engines
from sqlalchemy import event

from warclaw.config import Config
from warclaw.daemon.service import SyncService
from warclaw.gw2api.fake import DEFAULT_KEY
from warclaw.store import Store, StoreError
from warclaw.store import rosters as R

from .conftest import wait_for


def check_db(path) -> list[str]:
    """integrity_check must say ok; returns the event keys committed so far."""
    con = sqlite3.connect(path)
    try:
        assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        if not con.execute("SELECT 1 FROM sqlite_master WHERE name = 'events'").fetchone():
            return []  # killed before the first migration committed: an empty file, intact
        return [k for (k,) in con.execute("SELECT dedupe_key FROM events")]
    finally:
        con.close()


def test_kill_9_at_random_points_never_corrupts_loses_or_duplicates(env, daemon):
    iterations = int(os.environ.get("WARCLAW_KILL_ITERATIONS", "12"))
    rng = random.Random(7)
    env.sync_in_process()  # first sight done: every poll now derives events
    committed: set[str] = set()
    # The first poll's writes come within a few hundred ms of start-up: kill anywhere in them. On a
    # slow machine none of those kills may land after a commit; then keep killing, later each time,
    # until one does (each extra round checks the same things).
    delays = [rng.uniform(0.0, 0.8) for _ in range(iterations)]
    late = 0.8
    i = 0
    while i < len(delays) or (not committed and late <= 12.8):
        if i >= len(delays):
            delays.append(late)
            late *= 2
        env.api.advance(minutes=10)  # something new to write on every start
        d = daemon()
        d.wait_started()
        time.sleep(delays[i])
        d.kill()
        keys = check_db(env.db)
        assert len(keys) == len(set(keys)), f"iteration {i}: duplicated events"
        assert committed <= set(keys), f"iteration {i}: committed events lost"
        committed = set(keys)
        i += 1
    assert committed, "no kill landed after a commit: the test proves nothing"
    # And a clean run afterwards picks up where the killed ones left off.
    r = env.warclaw("sync", "--once")
    assert r.returncode == 0, r.stderr
    assert committed <= set(check_db(env.db))


WRITER = """
import json, sys, time
from warclaw.store import Store
from warclaw.store import rosters as R
store = Store.open(sys.argv[1])
end = time.monotonic() + float(sys.argv[2])
last, errors, writes = {}, [], 0
i = 0
while time.monotonic() < end:
    name = f"roster{i % 3}"
    data = {"mode": "zerg", "players": [{"name": f"P{i}.{j}", "builds": ["firebrand"], "commander": j == 0}
                                        for j in range(1 + i % 5)]}
    try:
        with store.write() as s:
            R.save_roster(s, name, data)
        last[name] = data
        writes += 1
    except Exception as e:
        errors.append(f"{type(e).__name__}: {e}")
    i += 1
print(json.dumps({"last": last, "errors": errors, "writes": writes}))
"""


@both_engines
def test_a_roster_writer_and_the_daemon_together_never_lock_or_lose_edits(env, daemon):
    seconds = float(os.environ.get("WARCLAW_SOAK_SECONDS", "6"))
    d = daemon()
    wait_for(lambda: env.query(lambda s: s.execute(__import__("sqlalchemy").text("SELECT 1 FROM poll_log")).first()),
             what="the daemon's first poll")
    writer = subprocess.Popen([sys.executable, "-c", WRITER, env.url, str(seconds)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    end = time.monotonic() + seconds
    while time.monotonic() < end:  # keep the daemon writing as hard as the scenario allows
        env.api.advance(minutes=5)
        d.poke()
        time.sleep(0.3)
    out, err = writer.communicate(timeout=60)
    assert writer.returncode == 0, err
    result = json.loads(out)
    assert result["errors"] == []
    assert result["writes"] > 30
    with env.store() as st, st.read() as s:
        for name, data in result["last"].items():
            assert R.load_roster(s, name) == data
    rc, log = d.terminate()
    assert rc == 0
    assert "locked" not in log


def test_a_read_only_database_is_refused_with_one_line(env):
    env.sync_in_process()
    ro = f"sqlite:///file:{env.db}?mode=ro&uri=true"
    for args in (("daemon", "run"), ("sync", "--once")):
        r = env.warclaw("--db", ro, *args, timeout=30)
        assert r.returncode == 1, args
        lines = [ln for ln in r.stderr.splitlines() if ln.startswith("warclaw:")]
        assert len(lines) == 1 and "is read-only" in lines[0], r.stderr
        assert "Traceback" not in r.stderr
    # Reading still works: the TUI and `matchup` can show the last known state.
    r = env.warclaw("--db", ro, "matchup", "--json")
    assert r.returncode == 0, r.stderr


def _fast_config(api) -> Config:
    cfg = Config()
    cfg.api.base_url = api.base_url
    cfg.api.key = DEFAULT_KEY
    cfg.api.timeout_seconds = 1.0
    # Validation keeps real configs at >= 5 s; here we want many cycles in a few seconds.
    cfg.daemon.match_poll_seconds = 0.2
    cfg.daemon.backoff_max_seconds = 5.0
    return cfg


async def _run_for(svc: SyncService, seconds: float) -> None:
    task = asyncio.create_task(svc.run())
    await asyncio.sleep(seconds)
    svc.stop.set()
    await asyncio.wait_for(task, timeout=10)


def test_a_full_disk_is_reported_and_the_daemon_backs_off(env, caplog):
    env.sync_in_process()
    store = Store.open(f"sqlite:///{env.db}")

    @event.listens_for(store.engine, "connect")
    def _no_room(dbapi_conn, _record) -> None:
        # The file may not grow by a single page: what SQLite sees on a full disk.
        pages = dbapi_conn.execute("PRAGMA page_count").fetchone()[0]
        dbapi_conn.execute(f"PRAGMA max_page_count = {pages}")

    store.engine.dispose()
    env.api.advance(hours=3)  # plenty of new data to write
    svc = SyncService(store, _fast_config(env.api))
    asyncio.run(_run_for(svc, 3.0))
    store.close()
    matches = svc.pollers["matches"]
    assert matches.failures >= 2
    # Without backoff a 0.2 s cadence would make ~15 attempts in 3 s.
    assert matches.attempts <= 8
    assert any("the disk is full" in r.getMessage() for r in caplog.records)
    check_db(env.db)


def test_a_database_that_turns_read_only_is_reported_without_spinning(env, caplog):
    env.sync_in_process()
    store = Store.open(f"sqlite:///file:{env.db}?mode=ro&uri=true", upgrade=False)
    env.api.advance(hours=1)
    svc = SyncService(store, _fast_config(env.api))
    asyncio.run(_run_for(svc, 3.0))
    store.close()
    assert svc.pollers["matches"].attempts <= 8
    assert any("is read-only" in r.getMessage() for r in caplog.records)


def test_opening_a_missing_read_only_database_fails_cleanly(tmp_path):
    try:
        Store.open(f"sqlite:///file:{tmp_path / 'none.db'}?mode=ro&uri=true")
    except StoreError as e:
        assert "\n" not in str(e) and "none.db" in str(e)
    else:
        raise AssertionError("a missing read-only database opened")
