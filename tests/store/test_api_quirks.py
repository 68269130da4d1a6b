"""API quirks the store and the matchup view survive, each made by a fault of the fake API:
a lagging node answering with last week's body, the running skirmish's score arriving ~15 min
late, and a relink moving the matches to the new week one at a time."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from pgserver import both_engines
from sqlalchemy import func, select

from warclaw.gw2api.fake import FakeGW2Api
from warclaw.store import queries
from warclaw.store.ingest import apply_match
from warclaw.store.models import Event, Match

pytestmark = both_engines

@pytest.fixture
def fake() -> Iterator[tuple[FakeGW2Api, httpx.Client]]:
    with FakeGW2Api(scenario="replay", rate_limit=False) as api, httpx.Client(base_url=api.base_url, timeout=10) as c:
        yield api, c


def poll(store, api: FakeGW2Api, client: httpx.Client) -> list:
    """One poll of every match, ingested at the scenario's time (as a daemon during the week)."""
    bodies = client.get("/v2/wvw/matches", params={"ids": "all"}).json()
    results = []
    for body in bodies:
        with store.write() as s:
            results.append(apply_match(s, body, api.now()))
    return results


def matches(store, api_id: str) -> list:
    with store.read() as s:
        return list(s.execute(select(Match.start_time, Match.data_hash).where(Match.api_id == api_id)
                              .order_by(Match.start_time)))


def test_a_lagging_node_with_last_weeks_start_time_is_ignored(store, reader, fake):
    api, client = fake
    poll(store, api, client)
    before = matches(store, "2-1")
    api.inject_fault("/v2/wvw/matches*", "lagging_node", count=None, probability=0.5)
    lagging = 0
    for _ in range(6):
        api.advance(minutes=5)
        lagging += sum(r.lagging for r in poll(store, api, client) if r.api_id == "2-1")
    api.faults.clear()
    assert lagging > 0  # some answers were last week's
    after = matches(store, "2-1")
    assert [t for t, _ in after] == [t for t, _ in before]  # no row for last week appeared
    with store.read() as s:
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "match_reset")) == 0
    m = queries.find_match(reader, "2-1")
    view = queries.matchup(reader, m.pk, api.now(), samples=100)
    assert view["start_time"] == "2025-04-11T18:00:00Z" and view["skirmish"]["number"] == 83


def test_a_lagging_node_first_then_the_live_one(store, reader, fake):
    api, client = fake
    api.inject_fault("/v2/wvw/matches*", "lagging_node", count=1)
    poll(store, api, client)  # a fresh database meets last week first
    poll(store, api, client)
    api.inject_fault("/v2/wvw/matches*", "lagging_node", count=1)
    assert all(r.lagging for r in poll(store, api, client))
    assert [t.isoformat()[:10] for t, _ in matches(store, "2-1")] == ["2025-04-04", "2025-04-11"]
    assert queries.find_match(reader, "2-1").start_time.isoformat().startswith("2025-04-11")


def test_the_running_skirmish_listed_late_is_judged_by_the_clock(store, reader, fake):
    api, client = fake
    api.inject_fault("/v2/wvw/matches*", "skirmish_lag", minutes=15)
    api.advance(minutes=85)  # 16:05: skirmish 84 runs, the API still lists 83 as the newest
    poll(store, api, client)
    body = client.get("/v2/wvw/matches/2-1").json()
    assert body["skirmishes"][-1]["id"] == 83
    m = queries.find_match(reader, "2-1")
    view = queries.matchup(reader, m.pk, api.now(), samples=200)
    assert view["skirmish"] == {"number": 84, "ends_at": "2025-04-18T17:58:00Z", "vp": [31, 24, 17]}
    assert all(t["skirmish_score"] is None for t in view["teams"])  # shown as late, not as 83's score
    # Skirmish 83 counts as finished: its VP are in (awarded, or added if the API lags there too).
    for t in view["teams"]:
        assert t["victory_points"] + 17 <= t["projection"]["p10"]
    api.advance(minutes=15)  # 16:20: the entry has arrived
    poll(store, api, client)
    view = queries.matchup(reader, m.pk, api.now(), samples=200)
    assert view["skirmish"]["number"] == 84 and all(t["skirmish_score"] is not None for t in view["teams"])


def test_a_relink_moves_matches_to_the_new_week_one_at_a_time(store, reader, fake):
    api, client = fake
    api.inject_fault("/v2/wvw/matches*", "relink", minutes=5)
    poll(store, api, client)
    api.advance(hours=3, minutes=20)  # 18:00:22, two minutes after end_time: 2-1 has switched
    poll(store, api, client)
    bodies = {b["id"]: b for b in client.get("/v2/wvw/matches", params={"ids": "all"}).json()}
    assert bodies["2-1"]["start_time"] == "2025-04-18T18:00:00Z"
    assert bodies["2-2"]["start_time"] == "2025-04-11T18:00:00Z"  # not yet
    # 2-2's red team moved up to 2-1: it is in two bodies now, the new week wins.
    moved = bodies["2-1"]["all_worlds"]["red"][0]
    assert moved == 12001 and moved in bodies["2-2"]["all_worlds"]["red"]
    assert queries.find_match(reader, team=moved).match_id == "2-1"
    # 2-1's old red team goes to 2-5, which switches last: until then its latest match is 2-1's old week.
    old = queries.find_match(reader, team=12014)
    assert old.match_id == "2-1" and old.start_time.isoformat().startswith("2025-04-11")
    api.advance(minutes=25)  # 18:25: every tier has switched
    poll(store, api, client)
    new = queries.find_match(reader, team=12014)
    assert new.match_id == "2-5" and new.start_time.isoformat().startswith("2025-04-18")
    view = queries.matchup(reader, new.pk, api.now(), samples=100)
    assert view["skirmish"]["number"] == 1 and view["skirmish"]["vp"] == [51, 37, 24]
