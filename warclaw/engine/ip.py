"""The integer master on CP-SAT over a subset of the columns, and turning its answer into a plan."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from warclaw.engine.baselines import Assign
from warclaw.engine.columns import Columns
from warclaw.engine.master import SCALE, Layout, rounding_margin
from warclaw.engine.problem import SQUAD_SCALE, Problem


@dataclass
class IPResult:
    status: str            # optimal | feasible | infeasible | unknown
    assign: Assign | None
    objective: float       # scaled back to score points
    bound: float


def decode(pb: Problem, cols: Columns, chosen: list[tuple[int, int]], builds: list[str]) -> Assign:
    """Columns (with multiplicity) and each player's build -> a party per player.

    Locked columns take their number; the rest are numbered by value (best first). Free players
    fill the class places in party order, the commander first, so a free commander lands in the
    lowest party that wants their class.
    """
    parties: list[tuple[int | None, int]] = []
    for col, mult in chosen:
        parties += [(cols.blocks[cols.block_of[col]].label, col)] * mult
    labels = {lab for lab, _ in parties if lab is not None}
    spare = [g for g in range(1, pb.parties + 1) if g not in labels]
    unl = sorted((c for lab, c in parties if lab is None), key=lambda c: -cols.values[c])
    numbered = [(lab, c) for lab, c in parties if lab is not None] + list(zip(spare, unl, strict=False))
    numbered.sort()
    party = [0] * pb.n
    need: list[tuple[int, np.ndarray]] = []
    for number, col in numbered:
        for j, _classes in cols.blocks[cols.block_of[col]].units:
            for m in pb.groups[j].members:
                party[m] = number - 1
        need.append((number - 1, cols.counts[col].astype(int).copy()))
    order = sorted(pb.free, key=lambda i: (not pb.players[i].commander, pb.players[i].name))
    if not fill_places(pb, order, builds, need, party):
        raise RuntimeError("columns and builds disagree")  # the model forbids this
    return Assign(party, list(builds))


def fill_places(pb: Problem, players: list[int], builds: list[str], places: list[tuple[int, np.ndarray]],
                party: list[int]) -> bool:
    """Seat each of ``players`` in the first party with a free place of its build's class
    (``places``: (party, places left per class), used up as they fill); False if one finds none."""
    for i in players:
        c = pb.class_of[builds[i]]
        for g, counts in places:
            if counts[c] > 0:
                counts[c] -= 1
                party[i] = g
                break
        else:
            return False
    return True


class _Stream(cp_model.CpSolverSolutionCallback):
    def __init__(self, fn: Callable[[cp_model.CpSolverSolutionCallback], None]):
        super().__init__()
        self._fn = fn

    def on_solution_callback(self) -> None:
        self._fn(self)


STATUS = {cp_model.OPTIMAL: "optimal", cp_model.FEASIBLE: "feasible", cp_model.INFEASIBLE: "infeasible"}


def run_cpsat(m: cp_model.CpModel, read: Callable[[Any], Assign], *, time_limit: float, built_from: float,
              seed: int, workers: int, on_solution: Callable[[Assign, float, float], None] | None,
              stop: threading.Event | None, params: dict | None = None) -> IPResult:
    """Solve, streaming each solution (``read`` turns the solver or a callback into an Assign);
    the time limit counts from ``built_from`` so building the model is part of it."""
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(0.01, time_limit - (time.perf_counter() - built_from))
    solver.parameters.num_workers = workers
    solver.parameters.random_seed = seed
    for k, v in (params or {}).items():
        setattr(solver.parameters, k, v)
    best: list[Assign | None] = [None]

    def on_sol(cb: cp_model.CpSolverSolutionCallback) -> None:
        best[0] = read(cb)
        if on_solution:
            on_solution(best[0], cb.objective_value / SCALE, cb.best_objective_bound / SCALE)
        if stop is not None and stop.is_set():
            cb.stop_search()

    name = STATUS.get(solver.solve(m, _Stream(on_sol)), "unknown")
    found = name in ("optimal", "feasible")
    if best[0] is None and found:
        best[0] = read(solver)
    objective = solver.objective_value / SCALE if found else float("-inf")
    # CP-SAT's bound is valid once the search has run (optimal, feasible); stopped before its first
    # solution (unknown) it reports the hint's objective or nothing, which bounds nothing.
    bound = {"infeasible": float("-inf"), "unknown": float("inf")}.get(name, solver.best_objective_bound / SCALE)
    return IPResult(name, best[0], objective, bound)


def solve_ip(pb: Problem, cols: Columns, lay: Layout, subset: np.ndarray, time_limit: float, seed: int,
             hint: tuple[list[tuple[int, int]], list[str]] | None = None,
             on_solution: Callable[[Assign, float, float], None] | None = None,
             stop: threading.Event | None = None, workers: int = 2, upper: float | None = None,
             params: dict | None = None) -> IPResult:
    built_from = time.perf_counter()  # the time limit covers building the model too
    deadline = built_from + time_limit
    m = cp_model.CpModel()
    ub_unl = int(lay.rhs[lay.parties_row])
    y = {}
    for col in subset.tolist():
        blk = cols.blocks[cols.block_of[col]]
        ub = 1 if (blk.label is not None or blk.units) else ub_unl
        y[col] = m.new_int_var(0, ub, f"y{col}")
    x = {(p, b): m.new_bool_var(f"x{p}_{b}") for p, b in lay.xvars}
    rows: dict[int, list] = {}
    for (p, _b), var in x.items():
        rows.setdefault(p, []).append(var)
    for p in range(pb.n):
        m.add_exactly_one(rows[p])
    free = set(pb.free)
    C = len(pb.class_vec)
    class_lhs: list[list] = [[] for _ in range(C)]
    link_lhs: dict[int, list] = {r: [] for r in lay.link_rows.values()}
    member_of = {mm: (j, i) for j, g in enumerate(pb.groups) for i, mm in enumerate(g.members)}
    for (p, b), var in x.items():
        c = pb.class_of[b]
        if p in free:
            class_lhs[c].append(var)
        else:
            j, i = member_of[p]
            link_lhs[lay.link_rows[(j, i, c)]].append(var)
    class_rhs: list[list] = [[] for _ in range(C)]
    block_terms: dict[int, list] = {}
    for n, (col, var) in enumerate(y.items()):
        if n % 2000 == 0 and time.perf_counter() >= deadline:
            return IPResult("unknown", None, float("-inf"), float("inf"))  # no time left to solve it
        for c in np.flatnonzero(cols.counts[col]).tolist():
            class_rhs[c].append(int(cols.counts[col, c]) * var)
        for r, a in lay.block_rows[cols.block_of[col]]:
            block_terms.setdefault(r, []).append(int(a) * var)
    for c in range(C):
        m.add(sum(class_lhs[c]) == sum(class_rhs[c]))
    for r, lhs in link_lhs.items():
        m.add(sum(lhs) + sum(block_terms.get(r, [])) == 0)
    for j in range(len(pb.groups)):
        m.add(sum(block_terms.get(lay.group_row0 + j, [])) == 1)
    m.add(sum(block_terms.get(lay.parties_row, [])) == ub_unl)
    obj = []
    for col, var in y.items():
        obj.append(int(round(cols.values[col] * SCALE)) * var)
    for (p, b), var in x.items():
        obj.append(int(round(pb.pref[p][b] * SCALE)) * var)
    tvars = []
    for k in range(len(pb.squad_caps)):
        cap = int(round(pb.squad_cap[k] * SQUAD_SCALE))
        t = m.new_int_var(0, cap, f"t{k}")
        m.add(t <= sum(int(round(pb.build_squad[b][k] * SQUAD_SCALE)) * var for (p, b), var in x.items()))
        obj.append(int(round(pb.squad_coef[k] * SCALE / SQUAD_SCALE)) * t)
        tvars.append((t, cap))
    if upper is not None:
        # The LP bound, given as a constraint, is the bound CP-SAT's own relaxation does not find
        # (widened by the rounding of the coefficients, so it never cuts off the optimum).
        m.add(sum(obj) <= int(np.floor((upper + rounding_margin(pb)) * SCALE)) + 1)
    m.maximize(sum(obj))
    if hint:
        chosen, builds = hint
        mult = dict(chosen)
        for col, var in y.items():
            m.add_hint(var, mult.get(col, 0))
        for (p, b), var in x.items():
            m.add_hint(var, int(builds[p] == b))
        for k, (t, cap) in enumerate(tvars):
            total = sum(int(round(pb.build_squad[b][k] * SQUAD_SCALE)) for b in builds)
            m.add_hint(t, min(cap, total))
    def read(src: Any) -> Assign:
        builds = [""] * pb.n
        for (p, b), var in x.items():
            if src.value(var):
                builds[p] = b
        chosen = [(col, int(src.value(var))) for col, var in y.items() if src.value(var)]
        return decode(pb, cols, chosen, builds)

    # Probing costs ~0.5 s per round here and buys nothing: the bound comes from the LP.
    res = run_cpsat(m, read, time_limit=time_limit, built_from=built_from, seed=seed, workers=workers,
                    on_solution=on_solution, stop=stop, params={"cp_model_probing_level": 0, **(params or {})})
    res.bound += rounding_margin(pb)  # a bound on the exact score, not only on the rounded objective
    return res
