"""The composition re-plan model: each party priced against the previous party it matches.

A re-plan numbers its parties after the previous plan, so party g of a re-plan is priced against
party g of the previous one: its column is a composition (see columns.py) and which of g's
previous members it keeps where they were (same party, same build); each kept player scores the
change penalty back. Over every such column this would be far too many (every composition times
every subset of every party); the fresh composition LP cuts it down to a few dozen to ~130,000:

At the fresh LP's optimum (value U, reduced costs rc ≥ 0), any plan's score is at most U minus the
reduced costs of the compositions it uses (LP duality), and a plan that moves m players scores at
most that minus penalty·m. To beat the incumbent V, a plan's parties therefore satisfy
Σ_g (rc_g + penalty·d_g) < U − V, d_g being the players party g loses (each a move, each counted
once). So only compositions with rc + penalty·d ≤ U − V can be in a better plan, and the LP over
those columns (with the kept players' rows below) is a bound on every plan better than V: when it
is at most V, V is proven optimal.

Rows (free players are the ones in no unit):
  player i        Σ_b x[i,b] + s_i = 1                    (s_i: a free player kept where he was)
  class c         Σ_{free i, b∈c} x[i,b] − Σ_col F[col,c]·y = 0     (F: the composition's free
                  places less its kept players)
  kept i          s_i − Σ_{col of party g_i keeping i} y = 0
  party g         Σ_{col of g} y = 1
  group j         Σ_{col holding j} y = 1
  link j,m,c      Σ_{b∈c} x[m,b] − Σ_{col giving member m class c} y = 0
  stay m (≤)      s_m − x[m,b_m] ≤ 0 and s_m − Σ_{col of g_m holding j} y ≤ 0   (a unit member kept)
  moves (≤)       −Σ s ≤ −(kept places at least)
  squad k         Σ squad_k·(x, s) − t_k − s_k = 0 ;  t_k + s'_k = cap_k
Objective: Σ value·y + Σ pref·x + Σ_{free kept} pref·s + Σ (W_k/S_k)·t_k + penalty·Σ s − penalty·|previous|.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from ortools.sat.python import cp_model
from scipy.optimize import linprog

from warclaw.engine.baselines import Assign
from warclaw.engine.columns import Columns
from warclaw.engine.ip import IPResult, fill_places, run_cpsat
from warclaw.engine.master import (
    ARTIFICIAL_COST,
    SCALE,
    HighsLP,
    LPResult,
    Master,
    rounding_margin,
    x_entries,
)
from warclaw.engine.problem import SQUAD_SCALE, Problem

# Slack on the reduced-cost filter for the LP solver's tolerances (score points).
FILTER_EPS = 1e-6
# Columns above which the re-plan LP, and the whole-number model, are not built.
MAX_COLUMNS = 400_000
IP_MAX_COLUMNS = 20_000


@dataclass
class ReplanModel:
    """The re-plan LP's matrices and how to read a solution back (for the integer version)."""

    A_eq: sp.csc_matrix
    b_eq: np.ndarray
    A_ub: sp.csc_matrix
    b_ub: np.ndarray
    cost: np.ndarray          # min-sense, over y, x, s, then (t, s, s') per squad capability
    ncol: int
    off_x: int
    off_s: int
    squad_row0: int
    xvars: list[tuple[int, str]]
    svars: list[int]
    parts: list               # (party, kept players, their class counts, indices into zero)
    z_counts: np.ndarray
    z_block: np.ndarray
    valid: dict[int, tuple[int, str]]
    offset: float             # − penalty·|previous|: the LP's objective plus this is the re-plan's


@dataclass
class ReplanBound:
    bound: float     # a valid upper bound on the best re-plan (with the change penalty)
    columns: int     # columns of the re-plan LP
    seconds: float
    plan: Assign | None = None  # the LP's optimum when it is a plan (whole numbers)
    model: ReplanModel | None = None
    lp_value: float = float("-inf")   # the LP optimum (without the margin), when complete
    reduced: np.ndarray | None = None  # the y columns' reduced costs at it


def valid_places(pb: Problem, prev: dict[int, tuple[int, str]]) -> dict[int, tuple[int, str]]:
    """The previous places a player could keep: the build still allowed, the party in range, a
    party lock respected."""
    return {i: (g, b) for i, (g, b) in prev.items()
            if 0 <= g < pb.parties and b in pb.options[i]
            and (pb.players[i].lock_party is None or pb.players[i].lock_party - 1 == g)}


def replan_bound(pb: Problem, cols: Columns, lp: LPResult, prev: dict[int, tuple[int, str]], penalty: float,
                 incumbent: float, deadline: float | None = None) -> ReplanBound | None:
    """A bound on every re-plan of ``pb`` against the previous places ``prev`` (player -> (party,
    build)): at most ``incumbent`` when no plan beats it. ``lp`` must be the complete fresh
    composition LP over ``cols``. None past ``deadline``."""
    t0 = time.perf_counter()
    gap = lp.value - incumbent + FILTER_EPS
    if gap < 0 or penalty <= 0:
        return None
    P = pb.parties
    free_set = set(pb.free)
    valid = valid_places(pb, prev)
    invalid = len(prev) - len(valid)
    max_moves = int(np.floor(gap / penalty))  # Σ rc ≥ 0, so a better plan moves at most this many
    if max_moves < invalid:
        return ReplanBound(incumbent, 0, time.perf_counter() - t0)
    member_of = {m: (j, k) for j, g in enumerate(pb.groups) for k, m in enumerate(g.members)}
    C = len(pb.class_vec)

    zero = np.flatnonzero(lp.reduced <= gap)
    z_block, z_free = cols.parts(zero)  # without the per-column arrays (tens of MB)
    z_rc = lp.reduced[zero]
    z_counts = cols.free_counts[z_free].astype(np.int16)
    z_by_class = np.ascontiguousarray(z_counts.T)
    labels = {g.label - 1 for g in pb.groups if g.label is not None}

    # Per fresh block and party g: the unit members it moves (members of g's previous units it does
    # not hold, members it holds who were elsewhere or are in another class). Member m (previous
    # party h, class c) counts [g == h] unless the block holds him, then 1 − [g == h and c is
    # the class held]: a row of home counts, plus per held member 1 everywhere and −(1 + [same
    # class]) at h.
    in_units = {m: (h, pb.class_of[b]) for m, (h, b) in valid.items() if m not in free_set}
    home_count = np.zeros(P, dtype=np.int64)
    for h, _c in in_units.values():
        home_count[h] += 1
    unit_moves = np.zeros((len(cols.blocks), P), dtype=np.int64)
    if in_units:
        for b in np.unique(z_block).tolist():
            row = unit_moves[b]
            row += home_count
            for j, classes in cols.blocks[b].units:
                for k, m in enumerate(pb.groups[j].members):
                    if m in in_units:
                        h, c = in_units[m]
                        row += 1
                        row[h] -= 1 + (c == classes[k])

    parts = []  # (party, kept tuple, their class counts, indices into zero)
    prio = []   # per part: each column's fresh reduced cost plus penalty x its drops
    block_label = np.array([-1 if blk.label is None else blk.label for blk in cols.blocks], dtype=np.int64)
    label_sel: dict[int, np.ndarray] = {}
    for g in range(P):
        if deadline is not None and time.perf_counter() >= deadline:
            return None
        want = g + 1 if g in labels else -1
        if want not in label_sel:
            label_sel[want] = np.flatnonzero(block_label[z_block] == want)
        here = label_sel[want]
        if not len(here):
            continue
        cost_here = z_rc[here] + penalty * unit_moves[z_block[here], g]
        cand = here[cost_here <= gap]  # the columns this party could take at all
        cost_cand = cost_here[cost_here <= gap]
        by_class = z_by_class[:, cand]
        home = sorted(i for i, (h, _b) in valid.items() if h == g and i in free_set)
        for d in range(0, min(len(home), max_moves) + 1):
            for dropped in itertools.combinations(home, d):
                kept = tuple(i for i in home if i not in dropped)
                need = np.zeros(C, dtype=np.int16)
                for i in kept:
                    need[pb.class_of[valid[i][1]]] += 1
                mask = cost_cand + penalty * d <= gap
                for c in np.flatnonzero(need).tolist():  # the kept players' classes fit
                    mask &= by_class[c] >= need[c]
                if mask.any():
                    parts.append((g, kept, need, cand[mask]))
                    prio.append(cost_cand[mask] + penalty * d)
    if not parts:
        return ReplanBound(incumbent, 0, time.perf_counter() - t0)
    ncol = sum(len(idx) for _, _, _, idx in parts)
    if ncol > MAX_COLUMNS:
        return None  # seconds of LP: the caller has other ways to a bound
    priority = np.concatenate(prio)

    # Variables: y (ncol), x (player, build), s (valid previous places), squad (t, s, s') per k.
    xvars = [(i, b) for i in range(pb.n) for b in pb.options[i]]
    svars = sorted(valid)
    S = len(pb.squad_caps)
    off_x, off_s = ncol, ncol + len(xvars)
    off_e = off_s + len(svars)
    nvar = off_e + 3 * S
    s_of = {i: off_s + k for k, i in enumerate(svars)}
    x_of: dict[int, list[int]] = {}
    for v, (i, _b) in enumerate(xvars):
        x_of.setdefault(i, []).append(off_x + v)

    # Row numbers.
    row = pb.n
    class_row0, row = row, row + C
    kept_row = {}
    for i in svars:
        if i in free_set:
            kept_row[i], row = row, row + 1
    party_row0, row = row, row + P
    group_row0, row = row, row + len(pb.groups)
    link_row = {}
    for j, grp in enumerate(pb.groups):
        for k, m in enumerate(grp.members):
            for c in pb.player_classes(m):
                link_row[(j, k, c)], row = row, row + 1
    squad_row0, row = row, row + 2 * S
    n_eq = row
    rhs = np.zeros(n_eq)
    rhs[:pb.n] = 1
    rhs[party_row0:party_row0 + P] = 1
    rhs[group_row0:group_row0 + len(pb.groups)] = 1
    rhs[squad_row0 + S:] = pb.squad_cap

    er: list[np.ndarray] = []
    ec: list[np.ndarray] = []
    ev: list[np.ndarray] = []

    def add(rows, cols_, vals) -> None:
        er.append(np.asarray(rows, dtype=np.int64))
        ec.append(np.asarray(cols_, dtype=np.int64))
        ev.append(np.asarray(vals, dtype=float))

    # x entries as in the fresh master (player, class or link, squad rows); s entries: the
    # player's row, his kept row, his previous build's squad rows.
    xr, xc, xv = x_entries(pb, xvars, class_row0, link_row, squad_row0)
    add(xr, off_x + np.asarray(xc, dtype=np.int64), xv)
    for i in svars:
        if i in free_set:
            b = valid[i][1]
            r = [i, kept_row[i]]
            vals = [1.0, 1.0]
            for k in np.flatnonzero(pb.build_squad[b]).tolist():
                r.append(squad_row0 + k)
                vals.append(float(pb.build_squad[b][k]))
            add(r, [s_of[i]] * len(r), vals)
    for k in range(S):
        add([squad_row0 + k, squad_row0 + k, squad_row0 + S + k, squad_row0 + S + k],
            [off_e + 3 * k, off_e + 3 * k + 1, off_e + 3 * k, off_e + 3 * k + 2], [-1.0, -1.0, 1.0, 1.0])

    # Column entries, block by block.
    values = np.empty(ncol)
    col_party = np.empty(ncol, dtype=np.int64)
    start = 0
    holding: dict[tuple[int, int], list[np.ndarray]] = {}  # (group, party) -> columns holding it
    for g, kept, need, idx in parts:
        n = len(idx)
        ycols = np.arange(start, start + n)
        values[start:start + n] = cols.values[zero[idx]]
        col_party[start:start + n] = g
        free = z_counts[idx] - need  # the places the composition fills from the class rows
        nz_r, nz_c = np.nonzero(free)
        add(class_row0 + nz_c, ycols[nz_r], -free[nz_r, nz_c])
        add(np.full(n, party_row0 + g), ycols, np.ones(n))
        for i in kept:
            add(np.full(n, kept_row[i]), ycols, -np.ones(n))
        for b in np.unique(z_block[idx]).tolist():
            these = ycols[z_block[idx] == b]
            for j, classes in cols.blocks[b].units:
                add(np.full(len(these), group_row0 + j), these, np.ones(len(these)))
                for k, c in enumerate(classes):
                    add(np.full(len(these), link_row[(j, k, c)]), these, -np.ones(len(these)))
                holding.setdefault((j, g), []).append(these)
        start += n

    # ≤ rows: unit members kept, and the moves.
    ur: list[int] = []
    uc: list[int] = []
    uv: list[float] = []
    ub: list[float] = []
    for i in svars:
        if i in free_set:
            continue
        j, _k = member_of[i]
        g, b = valid[i]
        xb = next(v for v in x_of[i] if xvars[v - off_x][1] == b)
        r = len(ub)
        ur += [r, r]
        uc += [s_of[i], xb]
        uv += [1.0, -1.0]
        ub.append(0.0)
        r = len(ub)
        held = np.concatenate(holding.get((j, g), [np.zeros(0, dtype=np.int64)]))
        ur += [r] * (1 + len(held))
        uc += [s_of[i]] + held.tolist()
        uv += [1.0] + [-1.0] * len(held)
        ub.append(0.0)
    r = len(ub)
    ur += [r] * len(svars)
    uc += [s_of[i] for i in svars]
    uv += [-1.0] * len(svars)
    ub.append(-(len(valid) - (max_moves - invalid)))

    cost = np.zeros(nvar)
    cost[:ncol] = -values
    for v, (i, b) in enumerate(xvars):
        cost[off_x + v] = -pb.pref[i][b]
    for i in svars:
        cost[s_of[i]] = -penalty - (pb.pref[i][valid[i][1]] if i in free_set else 0.0)
    cost[off_e:off_e + 3 * S:3] = -pb.squad_coef
    A_eq = sp.csr_matrix((np.concatenate(ev), (np.concatenate(er), np.concatenate(ec))), shape=(n_eq, nvar)).tocsc()
    A_ub = sp.csr_matrix((uv, (ur, uc)), shape=(len(ub), nvar)).tocsc()
    model = ReplanModel(A_eq, rhs, A_ub, np.array(ub), cost, ncol, off_x, off_s, squad_row0, xvars, svars, parts,
                        z_counts, z_block, valid, -penalty * len(prev))
    sol = _generate(A_eq, rhs, A_ub, model.b_ub, cost, ncol, col_party, priority, P, deadline)
    if sol is None:
        return None
    lp_value, x, complete, reduced = sol
    # The LP solver's tolerances: a margin like the fresh LP's Lagrangian one.
    value = lp_value + model.offset + 1e-6 * (pb.n + pb.parties)
    plan = _whole_plan(pb, cols, x, model) if complete else None
    return ReplanBound(max(incumbent, value), ncol, time.perf_counter() - t0, plan, model,
                       lp_value + model.offset if complete else float("-inf"), reduced if complete else None)


START_PER_PARTY = 40  # columns per party in the first round (the cheapest by reduced cost and moves)
BATCH = 2000  # columns added per round of generation
DIRECT = 8000  # at most this many columns: one LP over all of them


def _generate(A_eq: sp.csc_matrix, b_eq: np.ndarray, A_ub: sp.csc_matrix, b_ub: np.ndarray, cost: np.ndarray,
              ncol: int, col_party: np.ndarray, priority: np.ndarray, parties: int,
              deadline: float | None) -> tuple[float, np.ndarray, bool, np.ndarray] | None:
    """Column generation over the y columns (the other variables are always in): (a bound on the
    LP's maximum, the last solution over all variables, whether it is the LP's optimum, the y
    columns' reduced costs).

    Every equality row gets two artificials at a prohibitive cost, so each round is feasible; they
    only enlarge the LP, so its value stays a bound. Stopped early, the bound is the Lagrangian
    one: each party row takes one column, worth at most its best profit at the last duals."""
    n_eq = A_eq.shape[0]
    if ncol <= DIRECT:
        res = linprog(cost, A_ub=A_ub, b_ub=b_ub, A_eq=A_eq, b_eq=b_eq, bounds=(0, None), method="highs")
        if res.status == 2:  # infeasible: no plan beats the incumbent
            return float("-inf"), np.zeros(A_eq.shape[1]), False, np.zeros(ncol)
        if res.status != 0:
            return None
        reduced = cost[:ncol] - A_eq[:, :ncol].T @ res.eqlin.marginals - A_ub[:, :ncol].T @ res.ineqlin.marginals
        return -float(res.fun), res.x, True, reduced
    # One HiGHS instance grown round by round (master.HighsLP): the ≤ rows become equalities with
    # a slack each, every row gets two artificials, and the y columns enter as they price in.
    n_ub = A_ub.shape[0]
    A_all = sp.vstack([A_eq, A_ub], format="csc")
    rhs = np.concatenate([b_eq, b_ub])
    n_rows = n_eq + n_ub
    fixed = sp.hstack([A_all[:, ncol:],
                       sp.vstack([sp.csc_matrix((n_eq, n_ub)), sp.identity(n_ub, format="csc")], format="csc"),
                       sp.identity(n_rows, format="csc"), -sp.identity(n_rows, format="csc")], format="csc")
    fixed_cost = np.concatenate([cost[ncol:], np.zeros(n_ub), np.full(2 * n_rows, ARTIFICIAL_COST)])
    order = np.lexsort((np.arange(ncol), priority, col_party))
    first = []
    for g in range(parties):
        mine = order[col_party[order] == g]
        first.append(mine[:START_PER_PARTY])
    working = np.unique(np.concatenate(first)) if first else np.zeros(0, dtype=np.int64)
    in_working = np.zeros(ncol, dtype=bool)
    in_working[working] = True
    A_y = A_all[:, :ncol]
    A_yT = A_y.T.tocsr()
    lp = HighsLP(Master(sp.hstack([A_y[:, working], fixed], format="csc"),
                         np.concatenate([cost[working], fixed_cost]), working, 0, 0, 0), rhs)
    y_order = list(working.tolist())  # HiGHS's y columns: the first ones, then the appended ones
    n_first = len(working)
    n_fixed = fixed.shape[1]
    while True:
        try:
            fun, duals, sol = lp.solve()
        except RuntimeError:
            return None
        reduced = cost[:ncol] - A_yT @ duals
        candidates = np.flatnonzero((reduced < -1e-7) & ~in_working)
        if len(candidates) == 0 or (deadline is not None and time.perf_counter() >= deadline):
            x = np.zeros(A_eq.shape[1])
            ys = np.concatenate([sol[:n_first], sol[n_first + n_fixed:]])
            x[np.array(y_order, dtype=np.int64)] = ys
            x[ncol:] = sol[n_first:n_first + A_eq.shape[1] - ncol]
            if len(candidates) == 0:
                return -float(fun), x, True, reduced
            # The Lagrangian bound at these duals: one column per party, each at its best profit.
            best = np.zeros(parties)
            np.maximum.at(best, col_party, -reduced)
            return -float(fun) + float(best.sum()), x, False, reduced
        if len(candidates) > BATCH:
            candidates = candidates[np.argpartition(reduced[candidates], BATCH)[:BATCH]]
        candidates = np.sort(candidates)
        in_working[candidates] = True
        y_order.extend(candidates.tolist())
        lp.add(A_y[:, candidates], cost[candidates])


def _whole_plan(pb: Problem, cols: Columns, sol: np.ndarray, model: ReplanModel) -> Assign | None:
    """The plan an LP optimum in whole numbers stands for: each party's column, its kept players
    where they were, its units' members and the free players of each class in its free places."""
    ys_xs_ss = sol[:model.off_s + len(model.svars)]
    if np.abs(ys_xs_ss - np.round(ys_xs_ss)).max(initial=0.0) > 1e-6:
        return None
    parts, z_counts, z_block, xvars, off_x, valid = (model.parts, model.z_counts, model.z_block, model.xvars,
                                                     model.off_x, model.valid)
    party, build = [-1] * pb.n, [""] * pb.n
    for v, (i, b) in enumerate(xvars):
        if sol[off_x + v] > 0.5:
            build[i] = b
    places: list[tuple[int, np.ndarray]] = []
    start = 0
    for g, kept, need, idx in parts:
        hit = np.flatnonzero(sol[start:start + len(idx)] > 0.5)
        for h in hit.tolist():
            for i in kept:
                party[i], build[i] = g, valid[i][1]
            places.append((g, (z_counts[idx[h]] - need).astype(int)))
            for j, _classes in cols.blocks[z_block[idx[h]]].units:
                for m in pb.groups[j].members:
                    party[m] = g
        start += len(idx)
    if "" in build:
        return None
    seat = sorted((i for i in pb.free if party[i] < 0), key=lambda i: (not pb.players[i].commander, i))
    if not fill_places(pb, seat, build, places, party) or min(party) < 0:
        return None
    return Assign(party, build)



def solve_replan_ip(pb: Problem, cols: Columns, rb: ReplanBound, incumbent: float, penalty: float,
                    time_limit: float, seed: int, on_solution=None, stop=None, workers: int = 2,
                    params: dict | None = None, face: bool = False) -> IPResult | None:
    """The re-plan model in whole numbers on CP-SAT, over the columns whose reduced cost at the
    LP's optimum leaves room to beat ``incumbent`` (no other is in a better plan). Its bound, with
    the rounding of its coefficients, bounds every plan better than the incumbent.

    ``face``: only the columns on the LP's optimal face (reduced cost 0): a few hundred, where the
    best plan usually is; found there, it narrows the room of the full model (whose columns and
    time grow fast with it). Its bound then bounds nothing."""
    model = rb.model
    if model is None or rb.reduced is None or not np.isfinite(rb.lp_value):
        return None
    built_from = time.perf_counter()
    room = FILTER_EPS if face else rb.lp_value - incumbent + FILTER_EPS
    ys = np.flatnonzero(rb.reduced <= room)
    if len(ys) > IP_MAX_COLUMNS:
        return None
    n_other = model.A_eq.shape[1] - model.ncol - 3 * len(pb.squad_caps)  # x and s
    var_cols = np.concatenate([ys, model.ncol + np.arange(n_other)])
    m = cp_model.CpModel()
    v = [m.new_bool_var(f"v{k}") for k in range(len(var_cols))]
    A_eq = model.A_eq[:, var_cols].tocsr()
    A_ub = model.A_ub[:, var_cols].tocsr()

    def rows(A: sp.csr_matrix, upto: int):
        for r in range(upto):
            lo, hi = A.indptr[r], A.indptr[r + 1]
            yield r, [(v[int(c)], int(round(a))) for c, a in zip(A.indices[lo:hi], A.data[lo:hi], strict=True)]

    deadline = built_from + time_limit
    for r, terms in rows(A_eq, model.squad_row0):
        if r % 256 == 0 and time.perf_counter() >= deadline:
            return None
        m.add(sum(a * var for var, a in terms) == int(round(model.b_eq[r])))
    for r, terms in rows(A_ub, A_ub.shape[0]):
        m.add(sum(a * var for var, a in terms) <= int(round(model.b_ub[r])))
    obj = [int(round(-model.cost[c] * SCALE)) * v[k] for k, c in enumerate(var_cols.tolist()) if model.cost[c]]
    S = len(pb.squad_caps)
    for k in range(S):
        r = model.squad_row0 + k
        lo, hi = A_eq.indptr[r], A_eq.indptr[r + 1]
        cap = int(round(pb.squad_cap[k] * SQUAD_SCALE))
        t = m.new_int_var(0, cap, f"t{k}")
        m.add(t <= sum(int(round(a * SQUAD_SCALE)) * v[int(c)]
                       for c, a in zip(A_eq.indices[lo:hi], A_eq.data[lo:hi], strict=True)))
        obj.append(int(round(pb.squad_coef[k] * SCALE / SQUAD_SCALE)) * t)
    margin = rounding_margin(pb, None, len(model.valid), penalty) + pb.n * 0.5 / SCALE
    m.maximize(sum(obj))

    def read(src) -> Assign:
        sol = np.zeros(model.A_eq.shape[1])
        for k, c in enumerate(var_cols.tolist()):
            sol[c] = src.value(v[k])
        return _whole_plan(pb, cols, sol, model)

    res = run_cpsat(m, read, time_limit=time_limit, built_from=built_from, seed=seed, workers=workers,
                    on_solution=on_solution, stop=stop, params=params)
    res.objective += model.offset
    res.bound += model.offset + margin
    return res
