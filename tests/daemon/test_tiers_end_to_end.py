"""Tier-ups end to end: the fake API's replay takes and upgrades objectives, the daemon (a real
process, polling it over HTTP into a SQLite file) stores the `upgraded` events, `warclaw matchup
--json` shows a taken objective's tier going from 0 upward, and the fake Discord gets the alert."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import select

from warclaw.discord.fake import FakeDiscord
from warclaw.store.models import Event, Objective
from warclaw.store.queries import find_match, objectives

from .conftest import Env, wait_for
from .test_alerts import configure, delivered, md_plain
from .test_daemon_run import polled_after


@pytest.fixture
def discord():
    with FakeDiscord() as d:
        yield d


def states(env: Env) -> dict[str, tuple[str | None, int]]:
    """2-1's objectives as stored: id -> (last flipped, tier)."""
    def read(r):
        return {o.objective_id: (o.last_flipped and o.last_flipped.isoformat(), o.upgrade_tier)
                for o in objectives(r, find_match(r, "2-1").pk)}
    return env.read(read)


def shown_tier(env: Env, objective_id: str) -> int:
    r = env.warclaw("matchup", "--match", "2-1", "--json")
    assert r.returncode == 0, r.stderr
    return next(o["tier"] for o in json.loads(r.stdout)["objectives"] if o["id"] == objective_id)


def events(env: Env, kind: str, objective_id: str) -> list[Event]:
    return env.query(lambda s: list(s.scalars(select(Event).where(Event.kind == kind, Event.objective_id == objective_id)
                                              .order_by(Event.occurred_at))))


def test_a_taken_objective_is_upgraded_and_the_daemon_stores_and_alerts_the_tier_event(env, daemon, discord):
    configure(env, discord, rules=[{"name": "tiers", "events": ["tier"], "team": "any", "webhook": "raid"}])
    d = daemon()
    t = polled_after(env, None)
    first = states(env)
    taken_at_zero: dict[str, str | None] = {}  # objective -> the flip after which the daemon saw it at tier 0
    risen: list[str] = []
    for _ in range(24):  # up to four hours of scenario time in 10-minute polls (~1 h is usual)
        env.api.advance(minutes=10)
        d.poke()
        t = polled_after(env, t)
        now = states(env)
        for oid, (flipped, tier) in now.items():
            if flipped != first[oid][0] and tier == 0:
                taken_at_zero[oid] = flipped
            elif oid in taken_at_zero and taken_at_zero[oid] == flipped and tier >= 1:
                risen.append(oid)
        if risen:
            break
    assert risen, f"no objective taken during the replay rose above tier 0 (taken at 0: {sorted(taken_at_zero)})"
    oid = risen[0]
    tier = states(env)[oid][1]
    assert shown_tier(env, oid) == tier >= 1
    captured = events(env, "captured", oid)
    upgraded = wait_for(lambda: events(env, "upgraded", oid), what=f"the upgraded event of {oid}")
    assert captured and upgraded[-1].detail["tier"] == tier
    assert upgraded[-1].occurred_at >= captured[-1].occurred_at
    assert upgraded[-1].detail["yaks_delivered"] >= 20
    name = env.query(lambda s: s.get(Objective, oid).name)
    wait_for(lambda: f"{name} reached tier {tier}" in {md_plain(t) for _, t in delivered(discord)},
             what=f"the tier alert of {name}")
    rc, out = d.terminate()
    assert rc == 0, out
