"""The replay's tiers over HTTP: a capture drops an objective to tier 0 as the real API shows it,
yaks past its upgrade's thresholds raise ``points_tick`` tier by tier, and nothing else lowers it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from warclaw.gw2api.fake import FakeGW2Api, recorded
from warclaw.matchup.rules import rules

TIERED = ("Camp", "Tower", "Keep", "Castle")
LIVE = "wvw/matches/tyria_2025-04-18_match_2-1.single.json"


@pytest.fixture
def http(replay_api: FakeGW2Api) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=replay_api.base_url, timeout=5) as client:
        yield client


def objectives(http: httpx.Client) -> dict[tuple[str, str], dict[str, Any]]:
    """Every tiered objective of all nine matches, by (match id, objective id)."""
    bodies = http.get("/v2/wvw/matches", params={"ids": "all"}).json()
    return {(b["id"], o["id"]): o for b in bodies for mp in b["maps"] for o in mp["objectives"] if o["type"] in TIERED}


def thresholds() -> dict[str, list[int]]:
    """Yaks for tiers 1..3 by objective id, summed from the served /v2/wvw/upgrades and objectives."""
    sums = {}
    for u in recorded.shared(recorded.UPGRADES):
        running = 0
        sums[u["id"]] = [running := running + t["yaks_required"] for t in u["tiers"]]
    return {o["id"]: sums[o["upgrade_id"]] for o in recorded.shared(recorded.OBJECTIVES) if o.get("upgrade_id") in sums}


def yak_tier(o: dict[str, Any], by_id: dict[str, list[int]]) -> int:
    return sum(o["yaks_delivered"] >= t for t in by_id.get(o["id"], [20, 60, 140]))


def test_upgrade_thresholds_served_are_20_60_140() -> None:
    # What the replay and the daemon's fallback both read; every recorded upgrade has the same.
    assert {tuple(v) for v in thresholds().values()} == {(20, 60, 140)}


def test_a_taken_objective_has_the_recorded_shape_of_a_fresh_capture(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    before = objectives(http)
    replay_api.advance(minutes=10)  # two ticks: flips, but too few yaks for a tier (20 at ~4 per tick at most)
    after = objectives(http)
    taken = [(k, o) for k, o in after.items() if o["owner"] != before[k]["owner"]]
    assert taken
    # The recording's freshly taken objectives (flipped in its last ten minutes): what we mimic.
    fresh = [o for mp in recorded.shared(LIVE)["maps"] for o in mp["objectives"]
             if o["type"] in TIERED and o["last_flipped"] >= "2025-04-18T14:30:22Z"]
    assert fresh and all(rules().tier(o["type"], o["points_tick"]) == 0 and o["guild_upgrades"] == [] for o in fresh)
    for key, o in taken:
        assert set(o) == set(before[key]) == set(fresh[0]), key  # no field added or lost
        assert rules().tier(o["type"], o["points_tick"]) == 0, (key, o)
        assert o["points_tick"] == rules().tier_points_tick[o["type"]][0]
        assert o["points_capture"] == o["points_tick"]  # every recorded tier-0 objective pays its tick
        assert o["yaks_delivered"] < 20 and o["guild_upgrades"] == []
        assert o["claimed_by"] is None or o["claimed_at"] >= o["last_flipped"]
    assert any(rules().tier(before[k]["type"], before[k]["points_tick"]) > 0 for k, _ in taken)  # some lost a tier


def test_yaks_raise_the_tier_of_a_taken_objective_step_by_step(http: httpx.Client, replay_api: FakeGW2Api) -> None:
    by_id = thresholds()
    start = objectives(http)
    history: dict[tuple[str, str], list[int]] = {}  # tiers seen since the objective was taken
    last = start
    for _ in range(36):  # three hours in 5-minute ticks
        replay_api.advance(minutes=5)
        now = objectives(http)
        for key, o in now.items():
            tier = rules().tier(o["type"], o["points_tick"])
            assert tier is not None, (key, o)
            if o["last_flipped"] != last[key]["last_flipped"]:
                history[key] = [tier]  # (re)taken this tick
            elif key in history:
                history[key].append(tier)
                # Held: yaks only grow, and the tier is what they give (it started at 0).
                assert o["yaks_delivered"] >= last[key]["yaks_delivered"]
                assert tier == yak_tier(o, by_id), (key, o)
            else:
                # Never taken since the start: a recorded tier is kept (it may be above its yaks).
                assert o["points_tick"] >= start[key]["points_tick"]
        last = now
    risen = {k: tiers for k, tiers in history.items() if tiers[0] == 0 and max(tiers) >= 1}
    assert len(risen) >= 5, history
    assert all(tiers == sorted(tiers) for tiers in history.values())
    assert any(max(tiers) >= 2 for tiers in history.values())  # camps reach 60 yaks within three hours
