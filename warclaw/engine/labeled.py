"""The labeled model: a boolean per (player, build, party) on CP-SAT.

Used for re-plans (a previous plan gives party numbers a meaning, so the composition model's
interchangeable parties do not apply), as the fallback when compositions would be too many, and,
with ``symmetry=False``, as the naive formulation the benchmark compares against.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any

import numpy as np
from ortools.sat.python import cp_model

from warclaw.engine.baselines import Assign
from warclaw.engine.ip import IPResult, run_cpsat
from warclaw.engine.master import SCALE, rounding_margin
from warclaw.engine.problem import SQUAD_SCALE, Problem

COVER_SCALE = 1000  # coverage units per target when no exact scale exists


def cover_scales(pb: Problem) -> list[int]:
    """Per party capability, coverage units per 1.0: a power of ten at which every build's value
    and the target are whole numbers (so coverage is counted exactly), preferring one at which the
    score per unit is whole too (then the CP-SAT objective is the exact score and its proof is
    one); COVER_SCALE where no value scale exists. rounding_margin covers what is left."""
    out = []
    for k in range(len(pb.caps)):
        values = [float(v[k]) for v in pb.build_vec.values()] + [float(pb.targets[k])]
        exact = [scale for scale in (1, 10, 100, 1000, 10_000)
                 if all(abs(v * scale - round(v * scale)) < 1e-9 for v in values)]
        unit = pb.weights[k] / pb.targets[k] * SCALE  # score per 1.0 of coverage, in CP-SAT units
        whole = [scale for scale in exact if abs(unit / scale - round(unit / scale)) < 1e-6]
        out.append((whole or exact or [COVER_SCALE])[0])
    return out


def solve_labeled(pb: Problem, time_limit: float, seed: int, *, previous: dict[int, tuple[int, str]] | None = None,
                  change_penalty: float = 0.0, hint: Assign | None = None, symmetry: bool = True,
                  on_solution: Callable[[Assign, float, float], None] | None = None,
                  stop: threading.Event | None = None, workers: int = 2, upper: float | None = None,
                  max_moved: int | None = None) -> IPResult:
    """``upper``: a known bound on the exact objective (with the change penalty), given to CP-SAT as
    a constraint. ``max_moved``: at most this many players of ``previous`` change party or build
    (the caller proves no better plan moves more). The result's ``bound`` is a bound on the exact
    objective (rounding included) over the plans the constraints allow."""
    built_from = time.perf_counter()  # the time limit covers building the model too
    deadline = built_from + time_limit
    out_of_time = IPResult("unknown", None, float("-inf"), float("inf"))
    m = cp_model.CpModel()
    P = pb.parties
    x: dict[tuple[int, str, int], cp_model.IntVar] = {}
    for p in range(pb.n):
        lock = pb.players[p].lock_party
        for b in pb.options[p]:
            for g in ([lock - 1] if lock else range(P)):
                x[(p, b, g)] = m.new_bool_var(f"x{p}_{b}_{g}")
    by_player: dict[int, list] = {}
    by_party: dict[int, list] = {g: [] for g in range(P)}
    in_party: dict[tuple[int, int], list] = {}
    for (p, _b, g), var in x.items():
        by_player.setdefault(p, []).append(var)
        by_party[g].append(var)
        in_party.setdefault((p, g), []).append(var)
    for p in range(pb.n):
        m.add_exactly_one(by_player[p])
    for g in range(P):
        m.add(sum(by_party[g]) <= pb.size)
    if time.perf_counter() >= deadline:
        return out_of_time
    for grp in pb.groups:
        first = grp.members[0]
        for other in grp.members[1:]:
            for g in range(P):
                m.add(sum(in_party.get((first, g), [])) == sum(in_party.get((other, g), [])))
    obj = []
    in_g: dict[int, list[tuple[str, cp_model.IntVar]]] = {g: [] for g in range(P)}
    for (_p, b, g), var in x.items():
        in_g[g].append((b, var))
    scales = cover_scales(pb)
    for g in range(P):
        if time.perf_counter() >= deadline:
            return out_of_time
        for k, scale in enumerate(scales):
            cap = int(round(pb.targets[k] * scale))
            terms = [int(round(pb.build_vec[b][k] * scale)) * var for b, var in in_g[g] if pb.build_vec[b][k] > 0]
            if not terms:
                continue
            c = m.new_int_var(0, cap, f"c{g}_{k}")
            m.add(c <= sum(terms))
            obj.append(int(round(pb.weights[k] / pb.targets[k] * SCALE / scale)) * c)
    for (p, b, _g), var in x.items():
        obj.append(int(round(pb.pref[p][b] * SCALE)) * var)
    for k in range(len(pb.squad_caps)):
        cap = int(round(pb.squad_cap[k] * SQUAD_SCALE))
        t = m.new_int_var(0, cap, f"t{k}")
        m.add(t <= sum(int(round(pb.build_squad[b][k] * SQUAD_SCALE)) * var for (p, b, g), var in x.items()))
        obj.append(int(round(pb.squad_coef[k] * SCALE / SQUAD_SCALE)) * t)
    offset = 0
    if previous:
        stays = [x[(p, b, g)] for p, (g, b) in previous.items() if (p, b, g) in x]
        for p, (g, b) in previous.items():
            offset -= int(round(change_penalty * SCALE))
            if (p, b, g) in x:
                obj.append(int(round(change_penalty * SCALE)) * x[(p, b, g)])
        if max_moved is not None:
            m.add(sum(stays) >= len(previous) - max_moved)
    if symmetry:
        locked = {pl.lock_party - 1 for pl in pb.players if pl.lock_party}
        used = {g for g, _ in (previous or {}).values()}
        loose = [g for g in range(P) if g not in locked and g not in used]
        for g1, g2 in zip(loose, loose[1:], strict=False):
            m.add(sum(by_party[g1]) >= sum(by_party[g2]))
    margin = rounding_margin(pb, scales, len(previous or {}), change_penalty)
    if upper is not None:
        m.add(sum(obj) + offset <= int(np.floor((upper + margin) * SCALE)) + 1)
    m.maximize(sum(obj) + offset)
    if hint:
        for (p, b, g), var in x.items():
            m.add_hint(var, int(hint.party[p] == g and hint.build[p] == b))
    def read(src: Any) -> Assign:
        party, build = [0] * pb.n, [""] * pb.n
        for (p, b, g), var in x.items():
            if src.value(var):
                party[p], build[p] = g, b
        return Assign(party, build)

    res = run_cpsat(m, read, time_limit=time_limit, built_from=built_from, seed=seed, workers=workers,
                    on_solution=on_solution, stop=stop)
    res.bound += margin
    return res
