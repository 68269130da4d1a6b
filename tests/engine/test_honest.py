"""Honest figures: every returned plan's score is what `score` says, every bound is a bound (never
below a brute-force optimum), `optimal` only with a proof; with and without a previous plan, at any
time limit."""

import itertools

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warclaw.engine import catalog_from_mapping, optimize, roster_from_mapping, score_plan
from warclaw.engine.baselines import Assign, objective
from warclaw.engine.catalog import merge_mappings
from warclaw.engine.generate import generate_roster
from warclaw.engine.plan import Assignment, Plan
from warclaw.engine.problem import build_problem
from warclaw.files import shipped_catalog_mapping

BUILDS = ["firebrand-support", "scrapper-heal", "herald-boon", "scourge-strip", "willbender-dps",
          "tempest-heal", "chronomancer-support", "deadeye-dps", "luminary-support", "troubadour-support"]


@pytest.fixture(scope="module")
def duo():
    """The shipped zerg mode (slots, utilities and all) with parties of 2: small rosters, several parties."""
    base = shipped_catalog_mapping()
    return catalog_from_mapping(merge_mappings(base, {"modes": {"duo": {**base["modes"]["zerg"], "party_size": 2}}}))


def brute_force(pb, previous: Plan | None) -> float:
    """The best exact score over every assignment (change penalty included)."""
    prev = {}
    for i, p in enumerate(pb.players):
        if previous is not None and p.name in previous.assignments:
            a = previous.assignments[p.name]
            prev[i] = (a.party - 1, a.build)
    lock = [p.lock_party for p in pb.players]
    groups = [g.members for g in pb.groups]
    best = float("-inf")
    for parties in itertools.product(range(pb.parties), repeat=pb.n):
        if any(parties.count(g) > pb.size for g in range(pb.parties)):
            continue
        if any(lock[i] is not None and parties[i] != lock[i] - 1 for i in range(pb.n)):
            continue
        if any(len({parties[m] for m in g}) > 1 for g in groups):
            continue
        for builds in itertools.product(*pb.options):
            moved = sum(1 for i, (g, b) in prev.items() if (parties[i], builds[i]) != (g, b))
            value = objective(pb, Assign(list(parties), list(builds))) - pb.mode.change_penalty * moved
            best = max(best, value)
    return best


@st.composite
def cases(draw):
    n = draw(st.integers(1, 5))
    players = []
    for i in range(n):
        p = {"name": f"P{i}", "builds": draw(st.lists(st.sampled_from(BUILDS), min_size=1, max_size=2, unique=True))}
        if draw(st.integers(0, 6)) == 0:
            p["lock_party"] = draw(st.integers(1, (n + 1) // 2))
        if i and draw(st.integers(0, 6)) == 0:
            p["with"] = [f"P{i - 1}"]
        players.append(p)
    previous = None
    if draw(st.booleans()):
        # A previous plan as a re-plan meets it: some players missing, one gone from the roster,
        # builds no longer allowed, parties that no longer exist.
        members = {}
        for p in players + [{"name": "Gone"}]:
            if draw(st.integers(0, 4)):
                members[p["name"]] = Assignment(draw(st.integers(1, (n + 2) // 2 + 1)), draw(st.sampled_from(BUILDS)))
        previous = Plan(members)
    return {"players": players}, previous, draw(st.sampled_from([0.01, 0.05, 0.3, 5.0]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=cases())
def test_score_is_the_plans_and_the_bound_is_never_below_the_optimum(duo, case):
    data, previous, limit = case
    roster = roster_from_mapping(data, duo)
    mode = duo.mode("duo")
    res = optimize(roster, duo, mode, time_limit=limit, previous=previous, workers=2)
    if res.status == "infeasible":
        return
    present = roster.present()
    assert score_plan(res.plan, present, duo, mode, previous).score == pytest.approx(res.score, abs=1e-9)
    best = brute_force(build_problem(present, duo, mode), previous)
    assert res.score <= best + 1e-6
    assert res.bound >= best - 1e-6
    if res.status == "optimal":
        assert res.score == pytest.approx(best, abs=1e-3)


def _edit_lock_and_link(data: dict) -> dict:
    """The issue's edit: one player gets a party lock and a `with` link to another."""
    players = [dict(p) for p in data["players"]]
    players[12]["lock_party"] = 3
    players[12]["with"] = [players[30]["name"]]
    return {**data, "players": players}


def test_a_short_replan_after_a_lock_and_link_reports_a_true_bound(catalog):
    # The issue: 40 players, --previous, --time-limit 0.2 -> "feasible, score 642.1, bound 642.1"
    # while a 1 s re-plan proved 668.9 (v1 score). A bound is a bound at any time limit.
    data = generate_roster(40, 7, duos=3)
    first = optimize(roster_from_mapping(data, catalog), catalog, "zerg", time_limit=30)
    edited = roster_from_mapping(_edit_lock_and_link(data), catalog)
    long = optimize(edited, catalog, "zerg", time_limit=30, previous=first.plan)
    for limit in (0.01, 0.2, 1.0):
        short = optimize(edited, catalog, "zerg", time_limit=limit, previous=first.plan)
        assert short.bound >= long.score - 1e-6, f"limit {limit}"
        assert short.bound >= short.score
        if short.status == "optimal":
            assert short.score == pytest.approx(long.score, abs=1e-3) or short.score > long.score
        if limit == 0.01:
            # The issue: 16 of 40 moved, the commander among them. The new lock and link move
            # the linked player into the locked one's party and at most a few others to make room.
            commander = next(p["name"] for p in data["players"] if p.get("commander"))
            assert commander not in short.breakdown.moved
            assert len(short.breakdown.moved) <= 4, short.breakdown.moves


def test_the_tui_planner_streams_and_returns_true_bounds(catalog):
    # The issue: the TUI's 0.2 s re-plan said "gap 0.00%" about a plan 26 points short.
    from warclaw.tui.plans import solve

    data = generate_roster(40, 7, duos=3)
    first = optimize(roster_from_mapping(data, catalog), catalog, "zerg", time_limit=30)
    edited = roster_from_mapping(_edit_lock_and_link(data), catalog)
    long = optimize(edited, catalog, "zerg", time_limit=30, previous=first.plan)
    streamed = []
    res = solve(edited, catalog, "zerg", previous=first.plan, time_limit=0.2, stop=None, on_improved=streamed.append)
    for r in [*streamed, res]:
        assert r.bound >= long.score - 1e-6
        assert r.status != "optimal" or r.score >= long.score - 1e-3


@st.composite
def replan_cases(draw):
    """Rosters of 3-6 players in parties of 2 with a previous plan, and how far below the best
    re-plan the incumbent given to the re-plan model is."""
    data, previous, _limit = draw(cases())
    n = len(data["players"])
    if n < 3:
        data["players"] += [{"name": f"Q{i}", "builds": [draw(st.sampled_from(BUILDS))]} for i in range(3 - n)]
    if previous is None:
        previous = Plan({p["name"]: Assignment(k // 2 + 1, p["builds"][0]) for k, p in enumerate(data["players"])})
    return data, previous, draw(st.sampled_from([0.0, 0.5, 3.0, 20.0]))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=replan_cases())
def test_the_replan_model_bounds_every_replan_and_its_plan_is_what_it_says(duo, case):
    """The composition re-plan model against brute force: its bound is never below the best
    re-plan, whatever incumbent it was given, and a plan it reads off its LP is a plan worth at
    least the LP's value (it counts a kept player as kept only in his previous party)."""
    from warclaw.engine.replan import replan_bound, solve_replan_ip
    from warclaw.engine.solver import _fresh_bound, previous_positions

    data, previous, short = case
    mode = duo.mode("duo")
    try:
        pb = build_problem(roster_from_mapping(data, duo).present(), duo, mode)
    except Exception:  # locks the roster cannot meet: nothing to bound
        return
    best = brute_force(pb, previous)
    if best == float("-inf"):
        return
    prev, _fixed = previous_positions(pb, previous)
    fresh = _fresh_bound(pb, float("inf"), {})
    assert fresh is not None
    cols, _lay, lp = fresh
    rb = replan_bound(pb, cols, lp, prev, mode.change_penalty, best - short)
    assert rb is not None
    assert rb.bound >= best - 1e-6
    if rb.plan is not None:
        a = rb.plan
        moved = sum(1 for i, (g, b) in prev.items() if (a.party[i], a.build[i]) != (g, b))
        value = objective(pb, a) - mode.change_penalty * moved
        assert value <= best + 1e-6
        assert value >= rb.lp_value - 1e-6
        assert all(a.party.count(g) <= pb.size for g in range(pb.parties))
    # The same model in whole numbers, over the columns that can beat the incumbent: it finds the
    # best re-plan when that is better, and its bound bounds it.
    ip = solve_replan_ip(pb, cols, rb, best - short - 1e-6, mode.change_penalty, 10.0, 0)
    if ip is not None and short > 0:
        assert ip.status == "optimal"
        a = ip.assign
        moved = sum(1 for i, (g, b) in prev.items() if (a.party[i], a.build[i]) != (g, b))
        assert objective(pb, a) - mode.change_penalty * moved == pytest.approx(best, abs=1e-6)
        assert ip.bound >= best - 1e-6


def test_a_join_that_opens_an_eleventh_party_is_proven(catalog):
    # Round 2's last open case: a 51st player needs a new party, which takes a healer and an
    # anchor from elsewhere; the fresh bound (no penalty) stays ~16 points above the best re-plan,
    # and the labeled model was still 1-2 % short after 5 s. The re-plan model's LP (and its
    # whole-number version) closes it.
    from warclaw.engine.generate import generate_signup

    data = generate_signup(50, 0)
    first = optimize(roster_from_mapping(data, catalog), catalog, "zerg", time_limit=30)
    joined = {**data, "players": [*data["players"], {"name": "Newcomer.4242", "builds": ["scrapper", "firebrand"]}]}
    res = optimize(roster_from_mapping(joined, catalog), catalog, "zerg", time_limit=60, previous=first.plan)
    assert res.stats["parties"] == 11
    assert res.status == "optimal"
    assert res.bound - res.score <= 1e-3
    assert res.stats["lp_bound"] - res.score > 5  # the fresh bound alone could not prove it
    assert 1 <= len(res.breakdown.moved) <= 4
