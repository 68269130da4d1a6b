"""The set-partitioning master over party compositions: its LP (solved by column generation,
giving the bound and reduced costs) and its integer version (CP-SAT).

Rows (all equalities, so reduced costs bound any integer solution):
  player p        Σ_b x[p,b] = 1
  class c         Σ_{free p, b∈c} x[p,b] − Σ_col counts[col,c]·y[col] = 0
  group j         Σ_{col holding j} y[col] = 1
  link j,i,c      Σ_{b∈c} x[member i of j, b] − Σ_{col giving member i class c} y[col] = 0
  parties         Σ_{unlabeled col} y[col] = P − (locked parties)
  squad k         Σ squad_k(b)·x − t_k − s_k = 0 ;  t_k + s'_k = cap_k
Objective: Σ value·y + Σ preference·x + Σ (W_k/S_k)·t_k.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import scipy.sparse as sp
from highspy import _core as highs

from warclaw.engine.columns import Block, Columns
from warclaw.engine.problem import SQUAD_SCALE, Problem

ARTIFICIAL_COST = 1e5


@dataclass
class Layout:
    """Row numbering and the per-block row coefficients shared by the LP and the CP-SAT model."""

    xvars: list[tuple[int, str]]          # (player, build)
    n_rows: int
    class_row0: int
    link_rows: dict[tuple[int, int, int], int]  # (group, member idx, class) -> row
    group_row0: int
    parties_row: int
    squad_row0: int
    rhs: np.ndarray
    block_matrix: sp.csr_matrix  # block x row coefficients, for pricing
    blocks: list[Block]

    @cached_property
    def block_rows(self) -> list[list[tuple[int, float]]]:
        """Block -> [(row, coef)]: the parties row (an interchangeable party), then each unit's
        group row and its members' link rows (the CP-SAT model's order; made when it asks)."""
        out = []
        for blk in self.blocks:
            rows: list[tuple[int, float]] = [] if blk.label is not None else [(self.parties_row, 1.0)]
            for j, classes in blk.units:
                rows.append((self.group_row0 + j, 1.0))
                rows += [(self.link_rows[(j, i, c)], -1.0) for i, c in enumerate(classes)]
            out.append(rows)
        return out


def layout(pb: Problem, cols: Columns) -> Layout:
    n, C, J, S = pb.n, len(pb.class_vec), len(pb.groups), len(pb.squad_caps)
    xvars = [(p, b) for p in range(n) for b in pb.options[p]]
    row = n
    class_row0 = row
    row += C
    group_row0 = row
    row += J
    link_rows = {}
    link_of = []  # per group, per member: the link row of each class (-1 where it has none)
    for j, g in enumerate(pb.groups):
        link_of.append([])
        for i, m in enumerate(g.members):
            link_of[-1].append(np.full(C, -1, dtype=np.int64))
            for c in pb.player_classes(m):
                link_rows[(j, i, c)] = link_of[-1][-1][c] = row
                row += 1
    parties_row = row
    row += 1
    squad_row0 = row
    row += 2 * S
    rhs = np.zeros(row)
    rhs[:n] = 1
    rhs[group_row0:group_row0 + J] = 1
    labels = {g.label for g in pb.groups if g.label is not None}
    rhs[parties_row] = pb.parties - len(labels)
    rhs[squad_row0 + S:squad_row0 + 2 * S] = pb.squad_cap
    # The block matrix a run (the blocks of one unit set) at a time, from its member classes.
    b_idx, r_idx, coef = [], [], []
    for run in cols.runs:
        blocks = np.arange(run.first, run.first + run.n)
        if run.label is None:
            b_idx.append(blocks)
            r_idx.append(np.full(run.n, parties_row))
            coef.append(np.ones(run.n))
        at = 0
        for j in run.groups:
            b_idx.append(blocks)
            r_idx.append(np.full(run.n, group_row0 + j))
            coef.append(np.ones(run.n))
            for i in range(len(pb.groups[j].members)):
                b_idx.append(blocks)
                r_idx.append(link_of[j][i][run.classes[:, at]])
                coef.append(-np.ones(run.n))
                at += 1
    bm = sp.csr_matrix((np.concatenate(coef or [np.zeros(0)]),
                        (np.concatenate(b_idx or [np.zeros(0, dtype=np.int64)]),
                         np.concatenate(r_idx or [np.zeros(0, dtype=np.int64)]))),
                       shape=(len(cols.blocks), row))
    return Layout(xvars, row, class_row0, link_rows, group_row0, parties_row, squad_row0, rhs, bm, cols.blocks)


def x_entries(pb: Problem, xvars: list[tuple[int, str]], class_row0: int, link_rows: dict[tuple[int, int, int], int],
              squad_row0: int) -> tuple[list[int], list[int], list[float]]:
    """(rows, variables, coefficients) of the players' build variables in either master: its player
    row, its class row (a free player) or link row (a unit member), its squad rows."""
    rows, colidx, vals = [], [], []
    free = set(pb.free)
    member_of = {m: (j, i) for j, g in enumerate(pb.groups) for i, m in enumerate(g.members)}
    S = len(pb.squad_caps)
    for v, (p, b) in enumerate(xvars):
        entries = [(p, 1.0)]
        c = pb.class_of[b]
        if p in free:
            entries.append((class_row0 + c, 1.0))
        else:
            j, i = member_of[p]
            entries.append((link_rows[(j, i, c)], 1.0))
        for k in range(S):
            if pb.build_squad[b][k]:
                entries.append((squad_row0 + k, float(pb.build_squad[b][k])))
        for r, a in entries:
            rows.append(r)
            colidx.append(v)
            vals.append(a)
    return rows, colidx, vals


@dataclass
class LPResult:
    value: float            # the working set's LP value (the LP optimum when ``complete``)
    duals: np.ndarray
    reduced: np.ndarray     # per column: how much using it once costs against the LP optimum (≥ 0)
    artificial: float       # > 0: the rows cannot be met (the units cannot be packed)
    y: dict[int, float]
    working: list[int]      # every column the generation brought in
    bound: float = float("inf")  # a valid upper bound on the score, even when stopped early
    complete: bool = True   # no column could improve the LP (value is the LP optimum)


@dataclass
class Master:
    """The master's matrix over a set of columns: y (columns), x (player builds), t/s/s' (squad),
    then artificials (a +1 and a −1 per linking row) when asked for."""

    A: sp.csc_matrix
    cost: np.ndarray        # min-sense
    columns: np.ndarray     # the column index of each y
    off_x: int
    off_e: int
    off_a: int


def _y_entries(cols: Columns, lay: Layout, w: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(row, position in w, coefficient) of the columns ``w``: their class rows and their blocks' rows."""
    block, multiset = cols.parts(w)
    counts = cols.free_counts[multiset]
    nz = np.nonzero(counts)
    blocks = lay.block_matrix[block].tocoo()  # each column's block rows, at once
    return (np.concatenate([lay.class_row0 + nz[1], blocks.col]), np.concatenate([nz[0], blocks.row]),
            np.concatenate([-counts[nz].astype(float), blocks.data]))


def build_master(pb: Problem, cols: Columns, lay: Layout, w: np.ndarray, artificials: bool) -> Master:
    S = len(pb.squad_caps)
    xr, xc, xv = x_entries(pb, lay.xvars, lay.class_row0, lay.link_rows, lay.squad_row0)
    nx = len(lay.xvars)
    yr, yc, yv = _y_entries(cols, lay, w)
    er, ec, ev = [], [], []
    for k in range(S):  # t_k, s_k, s'_k
        er += [lay.squad_row0 + k, lay.squad_row0 + S + k, lay.squad_row0 + k, lay.squad_row0 + S + k]
        ec += [3 * k, 3 * k, 3 * k + 1, 3 * k + 2]
        ev += [-1.0, 1.0, -1.0, 1.0]
    e_cost = np.zeros(3 * S)
    e_cost[0::3] = -pb.squad_coef
    art_rows = list(range(lay.class_row0, lay.squad_row0)) if artificials else []
    ny = len(w)
    off_x, off_e, off_a = ny, ny + nx, ny + nx + 3 * S
    n_art = 2 * len(art_rows)
    rows = np.concatenate([yr, xr, er, art_rows, art_rows]).astype(np.int64)
    cidx = np.concatenate([yc, off_x + np.asarray(xc, dtype=np.int64), off_e + np.asarray(ec, dtype=np.int64),
                           off_a + np.arange(n_art)]).astype(np.int64)
    vals = np.concatenate([yv, xv, ev, [1.0] * len(art_rows), [-1.0] * len(art_rows)])
    A = sp.csc_matrix((vals, (rows, cidx)), shape=(lay.n_rows, off_a + n_art))
    cost = np.concatenate([-cols.values[w], [-pb.pref[p][b] for p, b in lay.xvars], e_cost,
                           np.full(n_art, ARTIFICIAL_COST)])
    return Master(A, cost, w, off_x, off_e, off_a)


def lagrangian_bound(pb: Problem, value: float, reduced: np.ndarray) -> float:
    """A valid upper bound from any round of column generation: every plan uses at most P
    columns, each worth at most its profit (−reduced cost) above the duals' value. A small margin
    covers the LP solver's tolerances on the other variables."""
    best = float(max(0.0, -reduced.min())) if len(reduced) else 0.0
    return value + pb.parties * best + 1e-6 * (pb.n + pb.parties)


class HighsLP:
    """The master LP in one HiGHS instance: columns are appended between solves and each solve
    starts from the last basis (the appended columns enter nonbasic at 0), so a round costs the
    few pivots the new columns bring, not a solve from scratch."""

    def __init__(self, mst: Master, rhs: np.ndarray):
        self.h = highs._Highs()  # the bare binding: highspy.Highs prints a banner on stdout
        self.h.setOptionValue("output_flag", False)
        # Presolve would rebuild the reduced model each round and lose the basis (3x slower).
        self.h.setOptionValue("presolve", "off")
        lp = highs.HighsLp()
        lp.num_col_, lp.num_row_ = mst.A.shape[1], mst.A.shape[0]
        lp.col_cost_ = mst.cost
        lp.col_lower_ = np.zeros(mst.A.shape[1])
        lp.col_upper_ = np.full(mst.A.shape[1], highs.kHighsInf)
        lp.row_lower_ = lp.row_upper_ = rhs
        lp.a_matrix_.format_ = highs.MatrixFormat.kColwise
        lp.a_matrix_.start_, lp.a_matrix_.index_, lp.a_matrix_.value_ = mst.A.indptr, mst.A.indices, mst.A.data
        self._check(self.h.passModel(lp), "passModel")

    def _check(self, status: highs.HighsStatus, what: str) -> None:
        if status == highs.HighsStatus.kError:
            raise RuntimeError(f"LP failed: HiGHS {what} returned an error")

    def add(self, A: sp.csc_matrix, cost: np.ndarray) -> None:
        n = A.shape[1]
        self._check(self.h.addCols(n, cost, np.zeros(n), np.full(n, highs.kHighsInf), A.nnz,
                                   A.indptr[:-1].astype(np.int32), A.indices.astype(np.int32), A.data), "addCols")

    def solve(self) -> tuple[float, np.ndarray, np.ndarray]:
        """(min-sense objective, row duals, column values)."""
        self._check(self.h.run(), "run")
        status = self.h.getModelStatus()
        if status != highs.HighsModelStatus.kOptimal:
            raise RuntimeError(f"LP failed: {self.h.modelStatusToString(status)}")
        sol = self.h.getSolution()
        return self.h.getInfo().objective_function_value, np.array(sol.row_dual), np.array(sol.col_value)


def solve_lp(pb: Problem, cols: Columns, lay: Layout, start: list[int], max_rounds: int = 200,
             batch: int = 500, deadline: float | None = None) -> LPResult:
    """Column generation: solve over a working set, price every enumerated column, repeat.
    Past ``deadline`` it stops after the round it is in; ``bound`` stays valid."""
    working = sorted(set(start))
    in_working = np.zeros(len(cols), dtype=bool)
    in_working[working] = True
    complete = False
    w = np.array(working, dtype=np.int64)
    mst = build_master(pb, cols, lay, w, artificials=True)
    lp = HighsLP(mst, lay.rhs)
    for _ in range(max_rounds):
        fun, duals, x = lp.solve()
        reduced = reduced_costs(cols, lay, duals)
        candidates = np.flatnonzero((reduced < -1e-7) & ~in_working)
        if len(candidates) == 0:
            complete = True
            break
        if deadline is not None and time.perf_counter() >= deadline:
            break
        if len(candidates) > batch:
            candidates = candidates[np.argpartition(reduced[candidates], batch)[:batch]]
        best = np.sort(candidates)
        in_working[best] = True
        working.extend(best.tolist())
        yr, yc, yv = _y_entries(cols, lay, best)
        lp.add(sp.csc_matrix((yv, (yr, yc)), shape=(lay.n_rows, len(best))), -cols.values[best])
    # HiGHS's columns: the first working columns, the fixed part (x, squad, artificials), then the
    # columns appended round by round (the rest of ``working``, in order).
    ny0 = mst.off_x
    y_pos = np.concatenate([np.arange(ny0), mst.A.shape[1] + np.arange(len(working) - ny0)])
    yx = x[y_pos]
    artificial = float(x[mst.off_a:mst.A.shape[1]].sum())
    y = {working[i]: float(yx[i]) for i in np.flatnonzero(yx > 1e-9).tolist()}
    value = -float(fun)
    return LPResult(value=value, duals=duals, reduced=reduced, artificial=artificial, y=y, working=working,
                    bound=lagrangian_bound(pb, value, reduced), complete=complete)


def reduced_costs(cols: Columns, lay: Layout, duals: np.ndarray) -> np.ndarray:
    """Min-sense reduced cost of every enumerated column (≥ 0 at the LP optimum): its class rows'
    duals (a sum over its free places, made once per free multiset: every block repeats the same
    multisets), less its block's rows' duals and its value."""
    class_duals = np.append(duals[lay.class_row0:lay.class_row0 + cols.free_counts.shape[1]], 0.0)
    free = np.zeros(len(cols.free_counts))
    for place in cols.free_places:
        free += np.take(class_duals, place)
    block_dual = lay.block_matrix @ duals
    out = np.empty(len(cols))
    for run in cols.runs:
        at = cols.blocks[run.first].start
        seg = out[at:at + run.n * run.length].reshape(run.n, run.length)
        np.subtract(free[None, :run.length], block_dual[run.first:run.first + run.n, None], out=seg)
        seg -= cols.values[at:at + run.n * run.length].reshape(run.n, run.length)
    return out


SCALE = 100_000_000  # CP-SAT objective units per score point (fine enough that rounding stays far below PROOF_TOL)


def rounding_margin(pb: Problem, cover_scale: int | list[int] | None = None, moved: int = 0,
                    penalty: float = 0.0) -> float:
    """How far a CP-SAT objective (integer coefficients) can be from the exact score of the same
    plan, at most, so that its bound plus this margin is a bound on the exact score.

    ``cover_scale`` None: the composition model (a column's party value rounded to 1/SCALE);
    otherwise the labeled model, whose coverage is counted in 1/cover_scale of a target (one
    scale, or one per capability)."""
    out = 0.0
    if cover_scale is None:
        out += pb.parties * 0.5 / SCALE
    else:
        scales = cover_scale if isinstance(cover_scale, list) else [cover_scale] * len(pb.caps)
        for k, cs in enumerate(scales):
            t, w = float(pb.targets[k]), float(pb.weights[k])
            q = round(w / t * SCALE / cs) * cs / SCALE
            e_t = abs(round(t * cs) / cs - t)
            e_v = max((abs(round(v[k] * cs) / cs - v[k]) for v in pb.build_vec.values()), default=0.0)
            out += pb.parties * (abs(q - w / t) * (t + e_t) + w / t * max(e_t, pb.size * e_v))
    for k in range(len(pb.squad_caps)):
        cap, coef = float(pb.squad_cap[k]), float(pb.squad_coef[k])
        q = round(coef * SCALE / SQUAD_SCALE) * SQUAD_SCALE / SCALE
        e_cap = abs(round(cap * SQUAD_SCALE) / SQUAD_SCALE - cap)
        e_r = max((abs(round(r[k] * SQUAD_SCALE) / SQUAD_SCALE - r[k]) for r in pb.build_squad.values()), default=0.0)
        out += abs(q - coef) * (cap + e_cap) + coef * max(e_cap, pb.n * e_r)
    out += sum(max((abs(round(v * SCALE) / SCALE - v) for v in prefs.values()), default=0.0) for prefs in pb.pref)
    out += moved * abs(round(penalty * SCALE) / SCALE - penalty)
    return out


def scaled_objective_parts(pb: Problem) -> tuple[np.ndarray, int]:
    """(per-squad-unit coefficient, squad scale) so that t in 1/SQUAD_SCALE rating points works."""
    return np.round(pb.squad_coef * SCALE / SQUAD_SCALE).astype(np.int64), SQUAD_SCALE
