"""The score against hand-computed cases, on a tiny catalog whose numbers are easy to follow."""

import math

import pytest

from warclaw.engine import catalog_from_mapping, plan_from_mapping, roster_from_mapping, score_plan

TINY = {
    "specs": {"guardian": {"name": "Guardian", "profession": "Guardian"},
              "firebrand": {"name": "Firebrand", "profession": "Guardian", "id": 62, "elite": True}},
    "builds": {
        "fb-stab": {"spec": "firebrand", "party": {"stability": 0.8, "might": 0.5}, "squad": {"strip": 0, "damage": 1}},
        "fb-dps": {"spec": "firebrand", "party": {"might": 0.3}, "squad": {"damage": 3}},
        "guard-dps": {"spec": "guardian", "party": {}, "squad": {"damage": 2, "strip": 1}},
    },
    "modes": {"t": {"party_size": 2, "party_targets": {"stability": 1.0, "might": 1.0},
                    "party_weights": {"stability": 10, "might": 2},
                    "squad_targets": {"damage": 10, "strip": 5}, "squad_weights": {"damage": 4, "strip": 6},
                    "preference_weight": 3, "change_penalty": 4}},
}


@pytest.fixture
def tiny():
    return catalog_from_mapping(TINY)


def _roster(cat):
    return roster_from_mapping({"players": [
        {"name": "A", "builds": ["fb-stab", "fb-dps"]},
        {"name": "B", "builds": ["guard-dps", "firebrand"]},
        {"name": "C", "builds": ["firebrand"]},
    ]}, cat)


def test_score_by_hand(tiny):
    roster = _roster(tiny)
    plan = plan_from_mapping({"parties": [
        {"number": 1, "members": [{"name": "A", "build": "fb-stab"}, {"name": "B", "build": "guard-dps"}]},
        {"number": 2, "members": [{"name": "C", "build": "fb-dps"}]},
    ]})
    sb = score_plan(plan, roster, tiny, tiny.mode("t"))
    # party 1: stab min(1, .8) * 10 = 8, might min(1, .5) * 2 = 1; party 2: might .3 * 2 = 0.6
    assert sb.party == pytest.approx(9.6)
    # N = 3: damage target 10*0.3 = 3, have 1+2+3 = 6 -> 4*0.3*1 = 1.2; strip target 1.5, have 1 -> 6*0.3*(1/1.5) = 1.2
    assert sb.squad == pytest.approx(2.4)
    # ranks: A fb-stab 0 -> 3; B guard-dps 0 -> 3; C fb-dps via "firebrand" rank 0 -> 3
    assert sb.preference == pytest.approx(9.0)
    assert sb.score == pytest.approx(9.6 + 2.4 + 9.0)
    assert sb.violations == []


def test_change_penalty_counts_moved_players(tiny):
    roster = _roster(tiny)
    prev = plan_from_mapping({"parties": [
        {"number": 1, "members": [{"name": "A", "build": "fb-stab"}, {"name": "B", "build": "guard-dps"}]},
        {"number": 2, "members": [{"name": "C", "build": "fb-dps"}]},
    ]})
    moved = plan_from_mapping({"parties": [
        {"number": 1, "members": [{"name": "A", "build": "fb-stab"}, {"name": "C", "build": "fb-dps"}]},
        {"number": 2, "members": [{"name": "B", "build": "fb-stab"}]},
    ]})
    sb = score_plan(moved, roster, tiny, tiny.mode("t"), prev)
    assert sb.moved == ["B", "C"]
    assert sb.change == pytest.approx(8.0)
    # B now plays fb-stab, allowed through "firebrand" (rank 1): preference 3/2
    assert sb.preference == pytest.approx(3 + 1.5 + 3)
    assert math.isclose(sb.score, sb.party + sb.squad + sb.preference - 8.0)


def test_violations_are_listed(tiny):
    roster = _roster(tiny)
    plan = plan_from_mapping({"parties": [
        {"number": 1, "members": [{"name": "A", "build": "guard-dps"}, {"name": "B", "build": "guard-dps"},
                                  {"name": "C", "build": "fb-dps"}]},
    ]})
    sb = score_plan(plan, roster, tiny, tiny.mode("t"))
    assert any("A: build guard-dps not allowed" in v for v in sb.violations)
    assert any("party 1: 3 members, at most 2" in v for v in sb.violations)
