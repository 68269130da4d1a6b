"""The optimizer: optimality against brute force, hard constraints and score consistency on random
rosters (hypothesis), infeasibility reasons, determinism, streaming and re-plans."""

import itertools
import threading

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warclaw.engine import optimize, roster_from_mapping, score_plan
from warclaw.engine.baselines import Assign, objective, to_plan
from warclaw.engine.catalog import merge_mappings
from warclaw.engine.generate import generate_roster
from warclaw.engine.problem import build_problem
from warclaw.engine.score import check_plan
from warclaw.engine.solver import PROOF_TOL
from warclaw.files import load_catalog, shipped_catalog_mapping

BUILDS = ["firebrand-support", "scrapper-heal", "herald-boon", "scourge-strip", "willbender-dps",
          "tempest-heal", "chronomancer-support", "reaper-dps", "spellbreaker-strip", "luminary-support"]


@pytest.fixture(scope="module")
def small_party_catalog():
    """The shipped catalog plus a mode with parties of 2, so tiny rosters have several parties."""
    data = merge_mappings(shipped_catalog_mapping(), {"modes": {"duo": {
        **shipped_catalog_mapping()["modes"]["zerg"], "party_size": 2}}})
    from warclaw.engine import catalog_from_mapping

    return catalog_from_mapping(data)


def brute_force(pb) -> float:
    best = float("-inf")
    for builds in itertools.product(*pb.options):
        for parties in itertools.product(range(pb.parties), repeat=pb.n):
            if any(parties.count(g) > pb.size for g in range(pb.parties)):
                continue
            plan = to_plan(pb, Assign(list(parties), list(builds)))
            if check_plan(plan, _roster_of(pb), pb.catalog, pb.mode):
                continue
            best = max(best, objective(pb, Assign(list(parties), list(builds))))
    return best


def _roster_of(pb):
    from warclaw.engine.roster import Roster

    return Roster(players=tuple(pb.players))


@pytest.mark.parametrize("seed", range(6))
def test_optimal_equals_brute_force(small_party_catalog, seed):
    import random

    rng = random.Random(seed)
    players = []
    for i in range(5):
        players.append({"name": f"P{i}", "builds": rng.sample(BUILDS, rng.choice([1, 2, 2, 3]))})
    if seed % 2:
        players[1]["with"] = ["P2"]
    if seed % 3 == 0:
        players[4]["lock_party"] = 3
    roster = roster_from_mapping({"players": players}, small_party_catalog)
    mode = small_party_catalog.mode("duo")
    res = optimize(roster, small_party_catalog, mode, time_limit=20)
    assert res.status == "optimal"
    pb = build_problem(roster, small_party_catalog, mode)
    assert res.score == pytest.approx(brute_force(pb), abs=1e-6)


@st.composite
def rosters(draw):
    n = draw(st.integers(1, 16))
    players = []
    for i in range(n):
        builds = draw(st.lists(st.sampled_from(BUILDS + ["firebrand", "reaper"]), min_size=1, max_size=3, unique=True))
        p = {"name": f"P{i}", "builds": builds}
        if draw(st.integers(0, 5)) == 0:
            p["lock_build"] = builds[0]
        if draw(st.integers(0, 6)) == 0:
            p["lock_party"] = draw(st.integers(1, max(1, (n + 4) // 5)))
        if i and draw(st.integers(0, 5)) == 0:
            p["with"] = [f"P{draw(st.integers(0, i - 1))}"]
        players.append(p)
    return {"mode": draw(st.sampled_from(["zerg", "havoc", "roaming", "defense"])), "players": players}


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=rosters())
def test_plans_honour_hard_constraints_and_report_their_score(catalog, data):
    roster = roster_from_mapping(data, catalog)
    res = optimize(roster, catalog, time_limit=5)
    if res.status == "infeasible":
        assert res.reason and res.plan is None
        return
    assert check_plan(res.plan, roster, catalog, catalog.mode(data["mode"])) == []
    again = score_plan(res.plan, roster, catalog, catalog.mode(data["mode"]))
    assert again.score == pytest.approx(res.score, abs=1e-9)
    assert res.bound >= res.score - 1e-9
    if res.status == "optimal":
        # A proof up to the solver's stated tolerance (the bound carries CP-SAT's rounding margin).
        assert res.bound - res.score <= PROOF_TOL


@pytest.mark.parametrize("players,reason", [
    ([{"name": "A", "builds": ["firebrand"], "lock_party": 3}], "A is locked to party 3, but 1 player makes only 1 party"),
    ([{"name": f"P{i}", "builds": ["reaper"], "with": ["P0"] if i else []} for i in range(6)]
     + [{"name": "Q", "builds": ["reaper"]}], "6 players in one 'with' group"),
    ([{"name": "A", "builds": ["reaper"], "lock_party": 1, "with": ["B"]},
      {"name": "B", "builds": ["reaper"], "lock_party": 2}] + [{"name": f"F{i}", "builds": ["reaper"]} for i in range(5)],
     "A, B must share a party (with), but are locked apart: A to party 1; B to party 2"),
])
def test_infeasible_rosters_say_why(catalog, players, reason):
    res = optimize(roster_from_mapping({"players": players}, catalog), catalog, "zerg", time_limit=5)
    assert res.status == "infeasible"
    assert reason in res.reason


def test_same_seed_same_plan(catalog):
    # One worker: with two, which of several equally good plans CP-SAT meets first depends on timing.
    roster = roster_from_mapping(generate_roster(30, 3, duos=2, locks=2), catalog)
    a = optimize(roster, catalog, "zerg", time_limit=20, seed=5, workers=1)
    b = optimize(roster, catalog, "zerg", time_limit=20, seed=5, workers=1)
    assert a.status == b.status == "optimal"
    assert a.plan == b.plan


def test_improving_plans_are_streamed(catalog):
    roster = roster_from_mapping(generate_roster(40, 1, duos=2), catalog)
    seen = []
    res = optimize(roster, catalog, "zerg", time_limit=20, on_plan=lambda p, s, b, t: seen.append((s, b, t, p)))
    scores = [s for s, *_ in seen]
    assert len(seen) >= 2
    assert scores == sorted(scores) and len(set(scores)) == len(scores)
    assert scores[-1] == pytest.approx(res.score)
    assert all(b >= s - 1e-9 for s, b, *_ in seen)


def test_stop_event_ends_the_search_with_the_best_plan(catalog):
    roster = roster_from_mapping(generate_roster(50, 2, duos=4, locks=2), catalog)
    stop = threading.Event()
    stop.set()
    res = optimize(roster, catalog, "zerg", time_limit=30, stop=stop)
    assert res.plan is not None and res.solve_seconds < 10


def test_replan_keeps_players_in_place(catalog):
    data = generate_roster(41, 4)
    first = optimize(roster_from_mapping({**data, "players": data["players"][:40]}, catalog), catalog, "zerg",
                     time_limit=20)
    # One player leaves, another joins.
    again_roster = roster_from_mapping({**data, "players": data["players"][1:41]}, catalog)
    res = optimize(again_roster, catalog, "zerg", time_limit=2, previous=first.plan)
    assert check_plan(res.plan, again_roster, catalog, catalog.mode("zerg")) == []
    stayed = [n for n in res.plan.assignments if n in first.plan.assignments]
    assert len(res.breakdown.moved) <= 5 < len(stayed)
    assert res.breakdown.change == pytest.approx(4.0 * len(res.breakdown.moved))


def test_replan_local_search_repairs_a_leavers_party_with_one_move(catalog):
    # Seed 0, 50 players: player 26 is party 3's healer; when they leave, moving one spare healer
    # there refills the required heal slot (~+195 points after the change penalty). The
    # change-penalized local search that runs before CP-SAT finds that move by itself.
    from warclaw.engine.baselines import complete, local_search
    from warclaw.engine.solver import previous_positions

    data = generate_roster(50, 0, duos=3)
    # One worker: the same optimal plan every run (with two, a tie may pick another one).
    first = optimize(roster_from_mapping(data, catalog), catalog, "zerg", time_limit=20, workers=1)
    data["players"][26]["present"] = False
    roster = roster_from_mapping(data, catalog)
    present, mode = roster.present(), catalog.mode("zerg")
    pb = build_problem(present, catalog, mode)
    prev, fixed = previous_positions(pb, first.plan)
    start = complete(pb, fixed)
    better = local_search(pb, start, previous=prev, change_penalty=mode.change_penalty, budget=60)
    plan = to_plan(pb, better)
    kept = score_plan(to_plan(pb, start), present, catalog, mode, first.plan)
    sb = score_plan(plan, present, catalog, mode, first.plan)
    assert check_plan(plan, present, catalog, mode) == []
    assert 1 <= len(sb.moved) <= 2
    assert sb.score > kept.score + 150
    assert all(c["heal"] >= 1 for c in sb.slot_counts.values())


def test_absent_players_are_not_planned(catalog):
    data = generate_roster(12, 0)
    data["players"][3]["present"] = False
    res = optimize(roster_from_mapping(data, catalog), catalog, "zerg", time_limit=10)
    assert data["players"][3]["name"] not in res.plan.assignments
    assert len(res.plan.assignments) == 11


def test_catalog_fixture_is_shipped_catalog(catalog):
    assert load_catalog().builds.keys() == catalog.builds.keys()


def test_a_tight_lp_bound_is_met_from_the_compositions_nearest_it(catalog, monkeypatch):
    # 40 players with duos and locks whose LP bound is the optimum: the plan meeting it comes from
    # the compositions with the smallest reduced costs (a narrow model) before the full filter.
    from warclaw.engine import solver

    monkeypatch.setattr(solver, "NARROW_BUDGET", 15.0)  # ~0.7 s here; room for a slow machine
    roster = roster_from_mapping(generate_roster(40, 4, duos=4, locks=2), catalog)
    res = optimize(roster, catalog, "zerg", time_limit=30)
    assert res.status == "optimal" and res.score == pytest.approx(res.stats["lp_bound"], abs=1e-6)
    # Proven without the full filtered model (17,000 compositions, 12-18 s to presolve and search).
    assert "kept_columns" not in res.stats
    assert check_plan(res.plan, roster, catalog, catalog.mode("zerg")) == []
