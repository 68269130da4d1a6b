"""Limits that mean what they say: a roster above 200 players refused in one line unless allowed;
every phase gives way to the deadline or a stop and still returns a valid plan (the figures: the
time limit's overrun at 50/200/1,000 players and a stop at 10,000 are in `make bench`)."""

import threading

import tomli_w

from warclaw.engine import optimize, roster_from_mapping
from warclaw.engine.baselines import complete, greedy, local_search, to_plan
from warclaw.engine.generate import generate_roster
from warclaw.engine.problem import build_problem
from warclaw.engine.score import check_plan

from .test_cli import run


def test_a_roster_above_200_players_is_refused_in_one_line_unless_allowed(tmp_path):
    roster = tmp_path / "big.toml"
    roster.write_text(tomli_w.dumps(generate_roster(201, 0)))
    out = run("optimize", str(roster), "--time-limit", "1")
    assert out.returncode != 0 and out.stdout == ""
    assert out.stderr.strip().count("\n") == 0 and "Traceback" not in out.stderr
    assert "201 present players" in out.stderr and "--allow-large" in out.stderr and str(roster) in out.stderr
    ok = run("optimize", str(roster), "--time-limit", "1", "--allow-large", "--json")
    assert ok.returncode == 0, ok.stderr
    assert '"status": "feasible"' in ok.stdout


def test_absent_players_do_not_count_toward_the_limit(catalog):
    data = generate_roster(210, 1)
    for p in data["players"][:15]:
        p["present"] = False
    res = optimize(roster_from_mapping(data, catalog), catalog, "zerg", time_limit=1)
    assert res.status != "refused" and res.plan is not None


def test_out_of_time_greedy_packs_a_valid_plan(catalog):
    roster = roster_from_mapping(generate_roster(120, 2, duos=10, locks=6), catalog)
    pb = build_problem(roster, catalog, catalog.mode("zerg"))
    for deadline in (0.0, None):  # at once out of time; then with all the time it wants
        a = greedy(pb, deadline=deadline)
        assert check_plan(to_plan(pb, a), roster, catalog, pb.mode) == []
    stopped = threading.Event()
    stopped.set()
    a = complete(pb, {}, stop=stopped)
    assert check_plan(to_plan(pb, a), roster, catalog, pb.mode) == []
    assert local_search(pb, a, budget=60, stop=stopped).party == a.party  # gives way at once


def test_a_stop_before_anything_still_returns_a_valid_plan_at_1000_players(catalog):
    roster = roster_from_mapping(generate_roster(1000, 3, duos=50, locks=20), catalog)
    stop = threading.Event()
    stop.set()
    res = optimize(roster, catalog, "zerg", time_limit=600, stop=stop, allow_large=True)
    assert res.status == "feasible" and res.bound >= res.score
    assert check_plan(res.plan, roster, catalog, catalog.mode("zerg")) == []
    again = optimize(roster, catalog, "zerg", time_limit=600, stop=stop, allow_large=True,
                     previous=res.plan)
    assert check_plan(again.plan, roster, catalog, catalog.mode("zerg")) == []
    assert again.breakdown.moved == []  # stopped at once: everyone stays


def test_the_tui_gets_the_refusal_as_a_reason(catalog):
    from warclaw.tui.plans import solve

    res = solve(roster_from_mapping(generate_roster(260, 0), catalog), catalog, "zerg", previous=None,
                time_limit=1, stop=None)
    assert res.plan is None and res.status == "refused" and "at most 200" in res.reason


def test_the_signup_generator_makes_real_sheet_shapes(catalog):
    from collections import Counter

    from warclaw.engine.generate import generate_signup

    data = generate_signup(50, 4)
    players = data["players"]
    assert players[0]["commander"] and players[0]["lock_party"] == 1
    counts = Counter(len(p["builds"]) for p in players)
    assert counts.most_common(1)[0][0] == 2 and max(counts) <= 7
    specs = [e for p in players for e in p["builds"] if e in catalog.specs]
    assert len(specs) >= 0.3 * sum(counts[k] * k for k in counts)  # spec names stand for every build of the spec
    assert sum(1 for p in players if p.get("with")) == 5
    roster = roster_from_mapping(data, catalog)
    assert any(len(p.allowed) > len(p.builds) for p in roster.players)
    bigger = [len(generate_signup(50, s)["players"][k]["builds"]) for s in range(20) for k in range(50)]
    assert max(bigger) >= 6
