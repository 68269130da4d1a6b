"""The API quirks of issue 13 met by the real daemon process (the store-level tests are in
tests/store/test_api_quirks.py): a lagging node answering with last week's body, and the
running skirmish's entry arriving late."""

from __future__ import annotations

from sqlalchemy import func, select

from warclaw.store.models import Event, Match
from warclaw.store.queries import find_match, matchup

from .conftest import wait_for
from .test_daemon_run import poll_row, polled_after


def test_the_daemon_keeps_the_live_week_while_a_node_lags(env, daemon):
    d = daemon()
    since = polled_after(env, None)
    env.api.inject_fault("/v2/wvw/matches*", "lagging_node", count=None, probability=0.5)
    for _ in range(6):
        env.api.advance(minutes=5)
        d.poke()
        since = polled_after(env, since)
    env.api.faults.clear()
    rc, out = d.terminate()
    assert rc == 0, out
    assert "a lagging node" in out or "a lagging node" in env.log.read_text()
    starts = env.query(lambda s: sorted({t.isoformat()[:10] for t in s.scalars(select(Match.start_time))}))
    assert starts == ["2025-04-11"]  # last week's body never became a row
    assert env.query(lambda s: s.scalar(select(func.count()).select_from(Event).where(Event.kind == "match_reset"))) == 0
    view = env.read(lambda r: matchup(r, find_match(r, "2-1").pk, env.api.now(), samples=100))
    assert view["start_time"] == "2025-04-11T18:00:00Z" and view["skirmish"]["number"] == 83


def test_the_daemon_judges_a_late_skirmish_entry_by_the_clock(env, daemon):
    env.api.inject_fault("/v2/wvw/matches*", "skirmish_lag", minutes=15)
    env.api.advance(minutes=85)  # 16:05: skirmish 84 runs, the API still lists 83 as the newest
    d = daemon()
    wait_for(lambda: (poll_row(env) or {}).get("last_success_at"), what="first match poll")
    view = env.read(lambda r: matchup(r, find_match(r, "2-1").pk, env.api.now(), samples=100))
    assert view["skirmish"]["number"] == 84 and view["skirmish"]["ends_at"] == "2025-04-18T17:58:00Z"
    assert all(t["skirmish_score"] is None for t in view["teams"])
    rc, out = d.terminate()
    assert rc == 0, out


def test_the_daemon_follows_a_relink_one_tier_at_a_time(env, daemon):
    from warclaw.store.queries import find_match

    env.api.inject_fault("/v2/wvw/matches*", "relink", minutes=5)
    d = daemon()
    since = polled_after(env, None)
    env.api.advance(hours=3, minutes=20)  # 18:00:22: 2-1 has switched to the new week, 2-5 not yet
    d.poke()
    since = polled_after(env, since)
    wait_for(lambda: env.read(lambda r: find_match(r, "2-1").start_time.isoformat().startswith("2025-04-18")),
             what="2-1's new week stored")
    old = env.read(lambda r: find_match(r, team=12014))
    assert old.match_id == "2-1" and old.start_time.isoformat().startswith("2025-04-11")
    env.api.advance(minutes=25)  # 18:25: every tier has switched
    d.poke()
    polled_after(env, since)
    new = wait_for(lambda: (m := env.read(lambda r: find_match(r, team=12014))).match_id == "2-5" and m,
                   what="team 12014 found in its new match")
    assert new.start_time.isoformat().startswith("2025-04-18")
    view = env.read(lambda r: matchup(r, new.pk, env.api.now(), samples=100))
    assert view["skirmish"]["number"] == 1 and view["skirmish"]["vp"] == [51, 37, 24]
    resets = env.query(lambda s: s.scalar(select(func.count()).select_from(Event).where(Event.kind == "match_reset")))
    assert resets == 5  # each EU match once, as its tier switched
    rc, out = d.terminate()
    assert rc == 0, out
