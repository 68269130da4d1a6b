"""Engine figures: time to proof, first plan, re-plan, the naive formulation and both baselines."""

from __future__ import annotations

import statistics
import time

from warclaw.engine import optimize, roster_from_mapping
from warclaw.engine.baselines import greedy, objective, random_reroll
from warclaw.engine.generate import generate_roster
from warclaw.engine.labeled import solve_labeled
from warclaw.engine.problem import build_problem
from warclaw.files import load_catalog

SEEDS = range(8)
REPLAN = 0.2  # the TUI's re-plan limit (warclaw.tui.app.REPLAN_SECONDS; not imported: it loads Textual)


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _replan_quality(cat, mode) -> None:
    """How close a REPLAN-second re-plan gets to a 5 s one, with and (baseline, same run) without the
    change-penalized local search that runs before CP-SAT."""
    from unittest import mock

    from warclaw.engine import solver

    rows: dict[str, list[float]] = {"ours": [], "without local search": []}
    moved: list[int] = []
    for seed in SEEDS:
        data = generate_roster(50, seed, duos=3)
        first = optimize(roster_from_mapping(data, cat), cat, mode, time_limit=20)
        for k in range(3):  # three different players leave, one at a time
            players = [dict(p, present=False) if i == (7 * k + 3) % 50 else p for i, p in enumerate(data["players"])]
            left = roster_from_mapping({**data, "players": players}, cat)
            ref = optimize(left, cat, mode, time_limit=5.0, previous=first.plan).score
            r = optimize(left, cat, mode, time_limit=REPLAN, previous=first.plan)
            rows["ours"].append(ref - r.score)
            moved.append(len(r.breakdown.moved))
            with mock.patch.object(solver, "local_search", lambda pb, a, **kw: a):
                rows["without local search"].append(
                    ref - optimize(left, cat, mode, time_limit=REPLAN, previous=first.plan).score)
    n = len(moved)
    print(f"\nRe-plan quality, 50 players with 3 duos, {n} leavers: score of the {REPLAN} s re-plan below a 5 s re-plan")
    for name, gaps in rows.items():
        print(f"  {name:<22} short of it in {sum(g > 1e-6 for g in gaps)}/{n}, by median {statistics.median(gaps):.2f}, "
              f"max {max(gaps):.2f} points (a 50-player score is ~800)")
    print(f"  players moved by ours: median {statistics.median(moved)}, max {max(moved)}")


def main() -> None:
    cat = load_catalog()
    mode = cat.mode("zerg")
    print("Fresh solves (zerg, 2 workers, limit 20 s): time to proof, first plan within 2% of the final score")
    print(f"{'roster':<26} {'proven':>7} {'median s':>9} {'p95 s':>7} {'first≤2% med s':>15} {'worst gap':>10}")
    optimum: dict[tuple, float] = {}
    for n, duos, locks in [(5, 0, 0), (10, 1, 0), (20, 2, 1), (30, 3, 2), (40, 4, 2), (50, 0, 0), (50, 6, 4)]:
        times, firsts, proven, gaps = [], [], 0, []
        for seed in SEEDS:
            roster = roster_from_mapping(generate_roster(n, seed, duos=duos, locks=locks), cat)
            seen: list[tuple[float, float]] = []
            res = optimize(roster, cat, mode, time_limit=20, seed=0, on_plan=lambda p, s, b, t, seen=seen: seen.append((t, s)))
            times.append(res.solve_seconds)
            proven += res.status == "optimal"
            gaps.append((res.bound - res.score) / res.bound)
            firsts.append(next(t for t, s in seen if s >= 0.98 * res.score))
            optimum[(n, duos, locks, seed)] = res.score
        print(f"{f'{n} players, {duos} duos, {locks} locks':<26} {proven:>4}/{len(SEEDS)} {statistics.median(times):>9.3f}"
              f" {pct(times, 0.95):>7.3f} {statistics.median(firsts):>15.3f} {max(gaps):>10.4%}")

    print(f"\nRe-plan after one player leaves / one joins (50 players, change penalty, limit {REPLAN} s)")
    leave, join, moved, shown = [], [], [], []
    for seed in SEEDS:
        data = generate_roster(51, seed)
        base = roster_from_mapping({**data, "players": data["players"][:50]}, cat)
        first = optimize(base, cat, mode, time_limit=20)
        left = roster_from_mapping({**data, "players": data["players"][1:50]}, cat)
        t = time.perf_counter()
        seen: list[float] = []
        r = optimize(left, cat, mode, time_limit=REPLAN, previous=first.plan, on_plan=lambda p, s, b, tt, seen=seen: seen.append(tt))
        leave.append(time.perf_counter() - t)
        shown.append(seen[-1])  # when the plan finally returned was first shown
        moved.append(len(r.breakdown.moved))
        joined = roster_from_mapping(data, cat)
        t = time.perf_counter()
        optimize(joined, cat, mode, time_limit=REPLAN, previous=first.plan)
        join.append(time.perf_counter() - t)
    print(f"  leave: median {statistics.median(leave):.3f} s, max {max(leave):.3f} s; players moved: median "
          f"{statistics.median(moved)}, max {max(moved)}")
    print(f"  join:  median {statistics.median(join):.3f} s, max {max(join):.3f} s")
    print(f"  the returned re-plan was first streamed after: median {statistics.median(shown) * 1000:.1f} ms, "
          f"max {max(shown) * 1000:.1f} ms (the search then uses the rest of its {REPLAN} s)")

    _replan_quality(cat, mode)

    print("\nNaive formulation (player×build×party booleans, no symmetry breaking) against ours, limit 10 s")
    for n in (15, 30, 50):
        roster = roster_from_mapping(generate_roster(n, 0, duos=1), cat)
        ours = optimize(roster, cat, mode, time_limit=20)
        pb = build_problem(roster, cat, mode)
        t = time.perf_counter()
        naive = solve_labeled(pb, 10.0, 0, symmetry=False, hint=None)
        nt = time.perf_counter() - t
        nscore = objective(pb, naive.assign) if naive.assign else float("nan")
        print(f"  {n} players: ours {ours.status} in {ours.solve_seconds:.2f} s; naive {naive.status} in {nt:.2f} s,"
              f" score {nscore / ours.score:.4f} of ours, bound gap {(naive.bound - ours.score) / ours.score:.2%}; "
              f"time ratio naive/ours {nt / ours.solve_seconds:.1f}x")

    print("\nBaselines relative to the proven optimum (same score function)")
    rel_g, rel_r, t_g, t_r = [], [], [], []
    for (n, duos, locks, seed), best in optimum.items():
        roster = roster_from_mapping(generate_roster(n, seed, duos=duos, locks=locks), cat)
        pb = build_problem(roster, cat, mode)
        t = time.perf_counter()
        g = greedy(pb)
        t_g.append(time.perf_counter() - t)
        t = time.perf_counter()
        _, rv = random_reroll(pb, 1000, seed)
        t_r.append(time.perf_counter() - t)
        if g is not None:
            rel_g.append(objective(pb, g) / best)
        rel_r.append(rv / best)
    print(f"  greedy:                 median {statistics.median(rel_g):.2%} of optimum, worst {min(rel_g):.2%}, "
          f"median {statistics.median(t_g) * 1000:.1f} ms")
    print(f"  random reroll (1000x):  median {statistics.median(rel_r):.2%} of optimum, worst {min(rel_r):.2%}, "
          f"median {statistics.median(t_r):.2f} s")
