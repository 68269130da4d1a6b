"""Concurrent writers on both engines: 8 processes per scenario, started together at a barrier,
each with its own connection, as 8 officers' TUIs or CLIs would be. Nothing may be lost,
duplicated or end in a traceback."""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import traceback
from collections import Counter

import pytest
from pgserver import both_engines
from sqlalchemy import func, select

from warclaw.errors import UserError
from warclaw.store import Store
from warclaw.store import rosters as R
from warclaw.store.ingest import apply_match
from warclaw.store.keys import ensure_roster
from warclaw.store.models import Heartbeat, Match, Meta, PollLog, Roster, RosterPlayer
from warclaw.store.status import beat, record_poll, set_meta
from warclaw.store.types import utcnow

from .factory import make_match

pytestmark = both_engines

PROCS = 8
FORK = multiprocessing.get_context("fork")  # the children start at once, without re-importing


def _child(url: str, scenario: str, i: int, barrier, out) -> None:
    results = []
    try:
        store = Store.open(url)
        barrier.wait(timeout=60)
        for j in range(SCENARIOS[scenario][1]):
            try:
                SCENARIOS[scenario][0](store, i, j)
                results.append("ok")
            except UserError as e:
                results.append(f"refused: {e}")
        store.close()
    except Exception:  # noqa: BLE001 - reported to the parent, which fails the test
        results.append("crash: " + traceback.format_exc())
    out.put((i, results))


def race(url: str, scenario: str) -> list[str]:
    barrier, out = FORK.Barrier(PROCS), FORK.Queue()
    procs = [FORK.Process(target=_child, args=(url, scenario, i, barrier, out)) for i in range(PROCS)]
    for p in procs:
        p.start()
    results = [out.get(timeout=180) for _ in procs]
    for p in procs:
        p.join(timeout=60)
    outcomes = [r for _, rs in results for r in rs]
    crashes = [r for r in outcomes if r.startswith("crash")]
    assert not crashes, crashes[0]
    return outcomes


def _add_player(store, i, j):
    with store.write() as s:
        R.add_player(s, "raid", {"name": f"P{i}.{j:04d}", "builds": ["firebrand"]})


def _same_name(store, i, j):
    with store.write() as s:
        R.add_player(s, "raid", {"name": "Same.1234", "builds": ["firebrand"]})


def _poll_error(store, i, j):
    with store.write() as s:
        record_poll(s, "matches", utcnow(), error=f"HTTP 503 ({i}.{j})")


def _new_rows(store, i, j):
    body = make_match("2-4")
    with store.write() as s:
        ensure_roster(s, "brand-new")
    with store.write() as s:
        set_meta(s, "api_build", str(i))
    with store.write() as s:
        beat(s, utcnow(), component="daemon", started_at=utcnow())
    with store.write() as s:
        apply_match(s, body, utcnow())


SCENARIOS = {"add": (_add_player, 5), "same": (_same_name, 1), "poll": (_poll_error, 25), "new": (_new_rows, 2)}


@pytest.fixture
def raid(store):
    with store.write() as s:
        R.save_roster(s, "raid", {"players": []})
    return store


def test_players_added_together_get_distinct_positions(raid, db_url):
    assert race(db_url, "add") == ["ok"] * PROCS * 5
    with raid.read() as s:
        rows = R.roster_players(s, "raid")
    assert sorted(p.position for p in rows) == list(range(PROCS * 5))
    assert sorted(p.name for p in rows) == sorted(f"P{i}.{j:04d}" for i in range(PROCS) for j in range(5))


def test_the_same_name_added_together_is_stored_once(raid, db_url):
    outcomes = race(db_url, "same")
    assert outcomes.count("ok") == 1
    assert [o for o in outcomes if o != "ok"] == ["refused: roster 'raid': player 'Same.1234' already exists"] * 7
    with raid.read() as s:
        assert [p.name for p in R.roster_players(s, "raid")] == ["Same.1234"]


def test_poll_log_counters_keep_every_increment(store, db_url):
    assert race(db_url, "poll") == ["ok"] * PROCS * 25
    with store.read() as s:
        row = s.get(PollLog, "matches")
    assert (row.total_failures, row.consecutive_failures) == (PROCS * 25, PROCS * 25)


def test_new_rosters_meta_heartbeats_and_matches_created_together(store, db_url):
    assert race(db_url, "new") == ["ok"] * PROCS * 2
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Roster).where(Roster.name == "brand-new")) == 1
        assert s.scalar(select(func.count()).select_from(Meta).where(Meta.key == "api_build")) == 1
        assert s.scalar(select(func.count()).select_from(Heartbeat)) == 1
        assert s.scalar(select(func.count()).select_from(Match).where(Match.api_id == "2-4")) == 1


SIGNUP = "name,builds\n" + "".join(f"Racer{i}.{1000 + i},firebrand;scrapper-heal\n" for i in range(12))


def test_roster_imports_of_the_same_name_together_leave_each_player_once(store, db_url, tmp_path):
    """The issue's case: `warclaw roster import signup.csv --name cli-race`, 8 at once, as real CLI processes."""
    sheet = tmp_path / "signup.csv"
    sheet.write_text(SIGNUP)
    (tmp_path / "config.toml").write_text("")
    env = {**os.environ, "WARCLAW_DB": db_url, "WARCLAW_CONFIG": str(tmp_path / "config.toml")}
    cmd = [sys.executable, "-m", "warclaw", "roster", "import", str(sheet), "--name", "cli-race"]
    procs = [subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for _ in range(PROCS)]
    done = [(p.wait(timeout=180), p.stderr.read()) for p in procs]
    assert [rc for rc, _ in done] == [0] * PROCS, [err for _, err in done]
    with store.read() as s:
        names = Counter(s.scalars(select(RosterPlayer.name).join(Roster).where(Roster.name == "cli-race")))
    assert names == Counter(f"Racer{i}.{1000 + i}" for i in range(12))


def test_a_writer_waits_for_the_write_lock_at_most_busy_timeout(store, db_url):
    """Serialized writers on both engines: a second writer queues, and gives up after busy_timeout_ms
    with one line (SQLite: the database is locked; PostgreSQL: the lock timeout) instead of hanging."""
    from sqlalchemy.exc import OperationalError

    from warclaw.store.db import describe_db_error

    impatient = Store.open(db_url, busy_timeout_ms=300)
    try:
        with store.write() as s:
            set_meta(s, "k", "first")
            with pytest.raises(OperationalError) as e, impatient.write() as s2:
                set_meta(s2, "k", "second")
        msg = describe_db_error(db_url, e.value)
        assert "\n" not in msg and ("locked" in msg or "lock timeout" in msg), msg
        with impatient.write() as s2:  # free again
            set_meta(s2, "k", "second")
        with store.read() as s:
            assert s.get(Meta, "k").value == "second"
    finally:
        impatient.close()
