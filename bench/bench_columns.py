"""The composition floor of every bound (fresh solve and re-plan alike): enumerating the columns,
the layout and the column-generation LP on 50 sign-up-shaped players, each against the
straightforward way measured in the same run (every column valued in one array; every round's
LP solved from scratch by scipy's linprog over the working set)."""

from __future__ import annotations

import statistics
import time

import numpy as np
from scipy.optimize import linprog

from warclaw.engine import roster_from_mapping
from warclaw.engine.baselines import greedy
from warclaw.engine.columns import enumerate_columns
from warclaw.engine.generate import generate_signup
from warclaw.engine.master import build_master, layout, reduced_costs, solve_lp
from warclaw.engine.problem import build_problem
from warclaw.engine.solver import locate
from warclaw.files import load_catalog

SEEDS = range(10)
REPLAN = 0.3  # the re-plan goal, which this floor is part of


def _values_at_once(pb, cols) -> np.ndarray:
    """Every column's party value from its counts and its block's units, one array for all."""
    base = np.array([pb.class_vec[[c for _, classes in blk.units for c in classes]].sum(axis=0)
                     for blk in cols.blocks]).reshape(len(cols.blocks), len(pb.caps))
    return pb.party_values(cols.counts.astype(float) @ pb.class_vec + base[cols.block_of])


def _lp_from_scratch(pb, cols, lay, start: list[int], batch: int = 500) -> tuple[float, int]:
    """Column generation with every round's LP built and solved anew."""
    working = sorted(set(start))
    in_working = np.zeros(len(cols), dtype=bool)
    in_working[working] = True
    rounds = 0
    while True:
        rounds += 1
        mst = build_master(pb, cols, lay, np.array(working, dtype=np.int64), artificials=True)
        res = linprog(mst.cost, A_eq=mst.A, b_eq=lay.rhs, bounds=(0, None), method="highs")
        reduced = reduced_costs(cols, lay, res.eqlin.marginals)
        candidates = np.flatnonzero((reduced < -1e-7) & ~in_working)
        if len(candidates) == 0:
            return -float(res.fun), rounds
        if len(candidates) > batch:
            candidates = candidates[np.argpartition(reduced[candidates], batch)[:batch]]
        in_working[candidates] = True
        working.extend(np.sort(candidates).tolist())


def main() -> None:
    cat = load_catalog()
    mode = cat.mode("zerg")
    rows = []
    for seed in SEEDS:
        pb = build_problem(roster_from_mapping(generate_signup(50, seed), cat), cat, mode)
        t0 = time.perf_counter()
        cols = enumerate_columns(pb)
        t1 = time.perf_counter()
        lay = layout(pb, cols)
        t2 = time.perf_counter()
        inc = greedy(pb, time.perf_counter() + 5, None)
        start = [c for c, _ in (locate(pb, cols, inc) or [])] + [cols.blocks[0].start]
        t3 = time.perf_counter()
        lp = solve_lp(pb, cols, lay, start)
        t4 = time.perf_counter()
        values = _values_at_once(pb, cols)
        t5 = time.perf_counter()
        value, rounds = _lp_from_scratch(pb, cols, lay, start)
        t6 = time.perf_counter()
        assert np.abs(values - cols.values).max() <= 1e-9 and abs(value - lp.value) <= 1e-6
        rows.append((len(cols), t1 - t0, t2 - t1, t4 - t3, t5 - t4, t6 - t5, len(lp.working), rounds))
    med = [statistics.median(r[i] for r in rows) for i in range(len(rows[0]))]
    print(f"\nComposition floor of a bound, 50 sign-up-shaped players ({len(SEEDS)} rosters, median): "
          f"{med[0] / 1000:.0f}k columns")
    print(f"  enumerate_columns {med[1] * 1000:7.1f} ms   the values alone, every column in one array: {med[4] * 1000:6.1f} ms"
          f" ({med[4] / med[1]:.1f}x)")
    print(f"  layout            {med[2] * 1000:7.1f} ms")
    print(f"  solve_lp          {med[3] * 1000:7.1f} ms   every round's LP from scratch (linprog): {med[5] * 1000:6.1f} ms"
          f" ({med[5] / med[3]:.1f}x, {med[7]:.0f} rounds)")
    total = med[1] + med[2] + med[3]
    print(f"  together          {total * 1000:7.1f} ms   ({total / REPLAN:.0%} of the {REPLAN:g} s re-plan goal)", flush=True)


if __name__ == "__main__":
    main()
