"""`warclaw daemon run` as a real process against the fake API: polling, events, faults, signals."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

from pgserver import both_engines
from sqlalchemy import func, select

from warclaw.gw2api.fake import FakeGW2Api
from warclaw.store.models import Event, Match, PollLog
from warclaw.store.queries import daemon_status, find_match, matchup
from warclaw.store.types import utcnow

from .conftest import Daemon, Env, wait_for


def poll_row(env, endpoint="matches"):
    def q(s):
        row = s.get(PollLog, endpoint)
        if row is None:
            return None
        return {k: getattr(row, k) for k in ("last_success_at", "last_error_at", "last_error", "consecutive_failures",
                                              "total_failures", "next_attempt_at")}
    return env.query(q)


def event_keys(env):
    return env.query(lambda s: list(s.scalars(select(Event.dedupe_key))))


@both_engines
def test_the_daemon_polls_derives_events_and_stops_cleanly(env, daemon):
    d = daemon()
    wait_for(lambda: (poll_row(env) or {}).get("last_success_at"), what="first match poll")
    assert env.query(lambda s: s.scalar(select(func.count()).select_from(Match))) == 5  # EU only
    env.api.advance(minutes=30)
    d.poke()
    keys = wait_for(lambda: event_keys(env), what="events after the scenario moved")
    assert len(keys) == len(set(keys))
    st = env.read(lambda r: daemon_status(r, utcnow()))
    assert st.alive() and st.pid == d.proc.pid
    rc, out = d.terminate()
    assert rc == 0, out
    assert "SIGTERM: finishing the current write" in out
    assert env.read(lambda r: daemon_status(r, utcnow())).state == "stopped"
    with env.store() as st:
        assert st.integrity_check() == "ok"


def polled_after(env, since):
    """Wait for a successful match poll after ``since``; returns its time."""
    return wait_for(lambda: (t := (poll_row(env) or {}).get("last_success_at")) and (since is None or t > since) and t,
                    what="a match poll")


@both_engines
def test_frozen_match_data_shows_as_stale_then_resyncs_without_duplicate_captures(env, daemon):
    d = daemon()
    t = polled_after(env, None)
    env.api.inject_fault("/v2/wvw/matches*", kind="frozen", minutes=60)
    d.poke()
    t = polled_after(env, t)  # the freeze starts with this answer
    before = sorted(event_keys(env))

    def stale():
        return env.read(lambda r: matchup(r, find_match(r, "2-1").pk, utcnow())["stale_seconds"])

    for _ in range(3):  # 45 minutes of frozen data, polled
        env.api.advance(minutes=15)
        d.poke()
        t = polled_after(env, t)
    wait_for(lambda: stale() >= 1, what="stale time to grow")
    assert sorted(event_keys(env)) == before  # frozen data derives nothing
    env.api.advance(minutes=30)  # past the hour: the live data comes back in one burst
    d.poke()
    t = polled_after(env, t)
    keys = wait_for(lambda: (k := event_keys(env)) and len(k) > len(before) and k, what="the re-sync burst")
    assert stale() < 5
    assert len(keys) == len(set(keys))
    with env.store() as st, st.read() as s:
        captures = s.execute(
            select(Event.match_id, Event.objective_id, Event.occurred_at).where(Event.kind == "captured")
        ).all()
    # The burst yields at most one capture per objective (its last flip), dated inside the frozen
    # hour by last_flipped, not a storm dated "now".
    assert captures and len({(m, o) for m, o, _ in captures}) == len(captures)
    frozen_from = env.api.now() - timedelta(minutes=75)
    assert all(frozen_from <= at <= env.api.now() for _, _, at in captures)
    d.terminate()


FAULTS = [
    ("429", {}), ("429-retry-after", {"retry_after": 1}), ("500", {}), ("502", {}), ("503", {}), ("504", {}),
    ("slow", {"seconds": 2}), ("drop", {}), ("truncated", {}), ("html", {}),
    ("remove_field", {"field": "kills"}), ("rename_field", {"field": "maps", "to": "carte"}),
]


def _fault_run(env, faults) -> None:
    """One daemon through a series of faults: each logged, backed off, recovered from, data intact."""
    d = Daemon(env)
    try:
        first = wait_for(lambda: (poll_row(env) or {}).get("last_success_at"), what="first poll")
        snapshot = sorted(event_keys(env))
        failures = 0
        for i, (kind, params) in enumerate(faults):
            if i % 3 == 0:  # new data now and then, so faults also hit polls that have something to write
                env.api.advance(minutes=5)
            env.api.inject_fault("/v2/wvw/matches*", kind=kind, count=None, **params)
            d.poke()
            row = wait_for(lambda f=failures: (r := poll_row(env)) and r["total_failures"] > f and r, timeout=20,
                           what=f"the {kind} fault in the poll log")
            failures = row["total_failures"]
            assert row["last_error"] and "Traceback" not in row["last_error"], kind
            # Backed off: the next attempt is scheduled later than the normal cadence's jitter would allow.
            row = wait_for(lambda: (r := poll_row(env)) and r["next_attempt_at"]
                           and r["next_attempt_at"] > r["last_error_at"] and r, what=f"{kind}: backoff scheduled")
            assert (row["next_attempt_at"] - row["last_error_at"]).total_seconds() >= 2.0, kind
            assert d.alive(), kind
            env.api.clear_faults()
            d.poke()
            ok = wait_for(lambda: (r := poll_row(env)) and r["consecutive_failures"] == 0 and r, timeout=20,
                          what=f"recovery after {kind}")
            assert ok["last_success_at"] > first
            keys = event_keys(env)
            assert set(snapshot) <= set(keys) and len(keys) == len(set(keys)), kind  # nothing lost or doubled
            snapshot = sorted(keys)
        rc, out = d.terminate()
        assert rc == 0
        assert "Traceback" not in out
    finally:
        if d.alive():
            d.kill()


def test_every_fault_kind_is_logged_backed_off_and_recovered_from(env, tmp_path):
    # Two daemons, each with its own fake API and database, take half of the faults each: the test
    # mostly waits (retries, backoff), so running the halves side by side halves its time.
    (tmp_path / "b").mkdir()
    with FakeGW2Api(scenario="replay", rate_limit=False) as api_b, ThreadPoolExecutor(2) as pool:
        env_b = Env(tmp_path / "b", api_b)
        try:
            runs = [pool.submit(_fault_run, env, FAULTS[0::2]), pool.submit(_fault_run, env_b, FAULTS[1::2])]
            for r in runs:
                r.result()
        finally:
            env_b.close()


def test_faults_the_client_absorbs_are_not_failures(env, daemon):
    d = daemon()
    t = polled_after(env, None)
    # An empty ids=all (the client falls back to the id list), lagging kills/deaths, one unknown id.
    for kind, params in (("empty_all", {}), ("kd_lag", {"minutes": 15}), ("strict_ids", {})):
        env.api.inject_fault("/v2/wvw/matches*", kind=kind, count=None, **params)
        env.api.advance(minutes=5)
        d.poke()
        t = polled_after(env, t)
        env.api.clear_faults()
    assert poll_row(env)["total_failures"] == 0
    assert env.query(lambda s: s.scalar(select(func.count()).select_from(Match))) == 5
    assert d.terminate()[0] == 0
