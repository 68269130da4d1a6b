"""Engine figures (score v2): fresh solves on both generators' rosters, re-plans after one edit
against a 5 s re-plan, the naive formulation, both baselines, and the time limit's overrun."""

from __future__ import annotations

import statistics
import threading
import time

from warclaw.engine import optimize, roster_from_mapping
from warclaw.engine.baselines import greedy, objective, random_reroll
from warclaw.engine.generate import generate_roster, generate_signup
from warclaw.engine.labeled import solve_labeled
from warclaw.engine.problem import build_problem
from warclaw.files import load_catalog

SEEDS = range(3)
REPLAN = 0.3  # the re-plan goal (proven in <= 0.3 s median)
REFERENCE = 5.0  # the re-plan run to its proof (or this limit); the short one is compared with it


def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, round(q * (len(values) - 1)))]


def _fresh(cat, mode, label: str, make, seeds=SEEDS) -> dict:
    """Time to proof and first plan within 2 % for each seed's roster per shape; returns the optima."""
    optimum = {}
    print(f"\nFresh solves, {label} (zerg, 2 workers, limit 20 s)")
    print(f"{'roster':<30} {'proven':>7} {'median s':>9} {'max s':>7} {'first≤2% med s':>15} {'worst gap':>10}")
    for shape, build in make:
        times, firsts, proven, gaps = [], [], 0, []
        for seed in seeds:
            data = build(seed)
            roster = roster_from_mapping(data, cat)
            seen: list[tuple[float, float]] = []
            res = optimize(roster, cat, mode, time_limit=20, on_plan=lambda p, s, b, t, seen=seen: seen.append((t, s)))
            times.append(res.solve_seconds)
            proven += res.status == "optimal"
            gaps.append((res.bound - res.score) / res.bound)
            firsts.append(next(t for t, s in seen if s >= 0.98 * res.score))
            optimum[(label, shape, seed)] = (data, res.score)
        print(f"{shape:<30} {proven:>4}/{len(seeds)} {statistics.median(times):>9.3f} {max(times):>7.3f}"
              f" {statistics.median(firsts):>15.3f} {max(gaps):>10.4%}", flush=True)
    return optimum


def _edits(data: dict, seed: int) -> dict[str, dict]:
    """The issue's one-edit re-plans on a 50-player roster (player 0 is the locked commander)."""
    players = data["players"]
    i, j = 12 + seed, 30 + seed  # players 1-10 are in with pairs

    def edited(**changes) -> dict:
        out = [dict(p) for p in players]
        for k, fields in changes.items():
            out[int(k)].update(fields)
        return {**data, "players": out}

    second = players[i]["builds"][1] if len(players[i]["builds"]) > 1 else players[i]["builds"][0]
    return {
        "leave": {**data, "players": [p for k, p in enumerate(players) if k != i]},
        "join": {**data, "players": [*players, {"name": "Newcomer.4242", "builds": ["scrapper", "firebrand"]}]},
        "absent": edited(**{str(i): {"present": False}}),
        "lock party": edited(**{str(i): {"lock_party": 2}}),
        "build change": edited(**{str(i): {"builds": [second]}}),
        "with link": edited(**{str(i): {"with": [players[j]["name"]]}}),
    }


def _replans(cat, mode) -> None:
    print(f"\nRe-plans after one edit, 50 sign-up-shaped players: to proof (limit {REFERENCE:g} s), and within {REPLAN} s")
    print(f"{'edit':<13} {'proven':>7} {'to proof med s':>15} {'max s':>7} {'moved':>6} {'proven@0.3':>11}"
          f" {'short@0.3':>10} {'moved@0.3':>10}")
    every = []
    for kind in ("leave", "join", "absent", "present", "lock party", "build change", "with link"):
        rows = []
        for seed in range(2):
            data = generate_signup(50, seed)
            if kind == "present":  # planned while a player was absent; the player comes back
                before, after = _edits(data, seed)["absent"], data
            else:
                before, after = data, _edits(data, seed)[kind]
            first = optimize(roster_from_mapping(before, cat), cat, mode, time_limit=20)
            edit = roster_from_mapping(after, cat)
            ref = optimize(edit, cat, mode, time_limit=REFERENCE, previous=first.plan)
            short = optimize(edit, cat, mode, time_limit=REPLAN, previous=first.plan)
            rows.append((ref.status == "optimal", ref.solve_seconds, len(ref.breakdown.moved),
                         short.status == "optimal", ref.score - short.score, len(short.breakdown.moved)))
        every += rows
        proven = [r for r in rows if r[0]]
        to_proof = (f"{statistics.median(r[1] for r in proven):>15.3f} {max(r[1] for r in proven):>7.3f}"
                    if proven else f"{'-':>15} {'-':>7}")
        print(f"{kind:<13} {len(proven):>4}/{len(rows)} {to_proof} {'/'.join(str(r[2]) for r in rows):>6}"
              f" {sum(r[3] for r in rows):>8}/{len(rows)} {max(r[4] for r in rows):>10.2f}"
              f" {'/'.join(str(r[5]) for r in rows):>10}", flush=True)
    # The figure: over every edit, the median time to proof (an unproven edit counts as
    # the limit), and how many a 0.3 s re-plan proves.
    times = [r[1] if r[0] else REFERENCE for r in every]
    print(f"{'every edit':<13} {sum(r[0] for r in every):>4}/{len(every)} {statistics.median(times):>15.3f}"
          f" {max(times):>7.3f} {'':>6} {sum(r[3] for r in every):>8}/{len(every)}", flush=True)


def _replans_large(cat, mode, n: int = 200) -> None:
    """The same kinds of edit on the largest roster planned exactly (a leave and a new `with` link
    between players in no unit)."""
    data = generate_signup(n, 0)
    players = data["players"]
    linked = {w for p in players for w in p.get("with", [])}
    loose = [k for k, p in enumerate(players) if k and not p.get("with") and p["name"] not in linked]
    i, j = loose[5], loose[20]
    edits = {"leave": {**data, "players": [p for k, p in enumerate(players) if k != i]},
             "with link": {**data, "players": [dict(p, **({"with": [players[j]["name"]]} if k == i else {}))
                                               for k, p in enumerate(players)]}}
    first = optimize(roster_from_mapping(data, cat), cat, mode, time_limit=20)
    print(f"\nRe-plans of {n} sign-up-shaped players (limit {REFERENCE:g} s; fresh plan {first.status} in {first.solve_seconds:.2f} s)")
    for kind, after in edits.items():
        res = optimize(roster_from_mapping(after, cat), cat, mode, time_limit=REFERENCE, previous=first.plan)
        print(f"  {kind:<10} {res.status} in {res.solve_seconds:.2f} s, gap to bound {res.bound - res.score:.3f},"
              f" {len(res.breakdown.moved)} moved", flush=True)


def _naive(cat, mode) -> None:
    print("\nNaive formulation (player×build×party booleans, no symmetry breaking) against ours, limit 10 s")
    for n in (15, 30):
        roster = roster_from_mapping(generate_roster(n, 0, duos=1), cat)
        ours = optimize(roster, cat, mode, time_limit=20)
        pb = build_problem(roster, cat, mode)
        t = time.perf_counter()
        naive = solve_labeled(pb, 10.0, 0, symmetry=False, hint=None)
        nt = time.perf_counter() - t
        nscore = objective(pb, naive.assign) if naive.assign else float("nan")
        print(f"  {n} players: ours {ours.status} in {ours.solve_seconds:.2f} s; naive {naive.status} in {nt:.2f} s,"
              f" score {nscore / ours.score:.4f} of ours, bound gap {(naive.bound - ours.score) / ours.score:.2%}; "
              f"time ratio naive/ours {nt / ours.solve_seconds:.1f}x", flush=True)


def _baselines(cat, mode, optimum: dict) -> None:
    print("\nBaselines relative to the best plan found above (same score function)")
    rel_g, rel_r, t_g, t_r = [], [], [], []
    for (_label, _shape, seed), (data, best) in optimum.items():
        pb = build_problem(roster_from_mapping(data, cat), cat, mode)
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


def _overrun(cat, mode) -> None:
    limit = 3.0
    print(f"\nThe time limit's overrun (--time-limit {limit:g}, sign-up-shaped rosters, --allow-large above 200)")
    for n in (50, 200, 1000):
        roster = roster_from_mapping(generate_signup(n, 0), cat)
        t = time.perf_counter()
        res = optimize(roster, cat, mode, time_limit=limit, allow_large=True)
        took = time.perf_counter() - t
        print(f"  {n:>5} players: {took:.2f} s ({(took - limit) / limit:+.1%}), {res.status}, "
              f"gap to bound {(res.bound - res.score) / res.bound:.2%}", flush=True)
    roster = roster_from_mapping(generate_signup(10_000, 0), cat)
    for delay in (0.5, 2.0):
        stop = threading.Event()
        timer = threading.Timer(delay, stop.set)
        t = time.perf_counter()
        timer.start()
        optimize(roster, cat, mode, time_limit=120, stop=stop, allow_large=True)
        print(f"  10,000 players, stop after {delay:g} s: returned {time.perf_counter() - t - delay:.2f} s after it",
              flush=True)


def main() -> None:
    cat = load_catalog()
    mode = cat.mode("zerg")
    optimum = _fresh(cat, mode, "generator A (generate_roster: 1-4 build ids each)", [
        (f"{n} players, {d} duos, {lk} locks", lambda s, n=n, d=d, lk=lk: generate_roster(n, s, duos=d, locks=lk))
        for n, d, lk in [(10, 1, 0), (30, 3, 2), (50, 0, 0), (50, 6, 4)]])
    optimum |= _fresh(cat, mode, "generator B (generate_signup: sign-up sheets)", [
        (f"{n} players", lambda s, n=n: generate_signup(n, s)) for n in (10, 30, 50)], seeds=range(8))
    _replans(cat, mode)
    _replans_large(cat, mode)
    _naive(cat, mode)
    _baselines(cat, mode, optimum)
    _overrun(cat, mode)
