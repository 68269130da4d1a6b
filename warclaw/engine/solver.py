"""``optimize``: the exact squad optimizer.

Without a previous plan: compositions (see columns.py) — the LP over every party composition,
solved by column generation, gives a tight bound; reduced-cost filtering keeps only the
compositions that can still appear in a better plan; CP-SAT over those proves optimality.
With a previous plan: the previous plan kept and repaired, bounded by the composition re-plan
model (replan.py) over the compositions the fresh LP leaves for a better plan; the labeled model
with the change penalty only where that leaves a gap.
Improving plans are streamed through ``on_plan`` from the first (greedy) one on.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
from scipy.optimize import linear_sum_assignment

from warclaw.engine.baselines import Assign, complete, from_plan, greedy, local_search, objective, to_plan
from warclaw.engine.catalog import Catalog, Mode
from warclaw.engine.columns import Columns, TooManyColumns, enumerate_columns, estimate
from warclaw.engine.errors import InfeasibleRoster
from warclaw.engine.ip import solve_ip
from warclaw.engine.labeled import solve_labeled
from warclaw.engine.master import Layout, LPResult, layout, solve_lp
from warclaw.engine.plan import Plan
from warclaw.engine.problem import Problem, build_problem
from warclaw.engine.replan import replan_bound, solve_replan_ip, valid_places
from warclaw.engine.roster import Roster
from warclaw.engine.score import ScoreBreakdown, score_plan

# Above this many filtered compositions, the final CP-SAT model would be slow to build: first
# tighten the incumbent on the LP's support, then filter again.
FILTER_LIMIT = 60_000
EPS = 1e-6
# "optimal" means the plan's exact score is within this many points of a valid upper bound (the
# CP-SAT objectives are integers of 1e-8 points; a 50-player score is ~5,000).
PROOF_TOL = 1e-3
# Compositions with a reduced cost at most ZERO_RC are "on the LP's optimal face"; CP-SAT over
# them gets ZERO_BUDGET deterministic seconds.
ZERO_RC = 1e-6
ZERO_BUDGET = 1.0
# CP-SAT's deterministic seconds for the search over the generated columns; past it, reduced-cost
# filtering does better.
WORKING_BUDGET = 2.0
# Before the full filtered model: a model over the compositions whose reduced cost is within this
# share of the gap (when that is between NARROW_MIN and NARROW_MAX compositions), NARROW_BUDGET s.
NARROW_SHARE = 0.25
NARROW_MIN, NARROW_MAX = 500, 8000
NARROW_BUDGET = 1.5

# Above this many present players a roster is refused unless the caller allows it (allow_large):
# real squads are at most 50; past a few hundred only the heuristics have time to run.
MAX_PLAYERS = 200
# Above this many players the exact models are not built (their building alone would overrun any
# time limit); the heuristics run to the deadline and the bound is every term at its maximum.
EXACT_MAX_PLAYERS = 200
# Seconds of local search on a re-plan's first plan before the exact models.
START_SEARCH = 0.02
# The re-plan model is built when a better plan could move at most this many players (beyond it,
# its columns run to hundreds of thousands: the repairs come first).
REPLAN_MAX_MOVES = 6
# Seconds the re-plan model wants left when it comes after the repairs (its first LP is not
# interrupted; a poor incumbent's model has ~100,000 columns, ~0.2 s).
LATE_MODEL = 0.15
# Seconds kept back from the limit for scoring and explaining the plan at the end.
RESERVE = 0.02

PlanCallback = Callable[[Plan, float, float, float], None]  # plan, score, bound, seconds since start


@dataclass
class SolveResult:
    status: str                     # optimal | feasible | infeasible
    plan: Plan | None
    score: float
    bound: float
    solve_seconds: float
    mode: str
    breakdown: ScoreBreakdown | None = None
    reason: str | None = None
    stats: dict = field(default_factory=dict)


class _Emitter:
    """Streams strictly improving plans; remembers the best."""

    def __init__(self, pb: Problem, on_plan: PlanCallback | None, t0: float):
        self.pb, self.on_plan, self.t0 = pb, on_plan, t0
        self.best: Assign | None = None
        self.value = float("-inf")
        self.bound = float("inf")
        self.lock = threading.Lock()

    def take(self, a: Assign, _value: float, _bound: float) -> None:
        """A solver's solution callback: rescore exactly (the solver's objective is rounded)."""
        self.offer(a)

    def offer(self, a: Assign, value: float | None = None) -> None:
        value = objective(self.pb, a) if value is None else value
        with self.lock:
            if value <= self.value + 1e-9:
                return
            self.best, self.value = a, value
        if self.on_plan:
            self.on_plan(to_plan(self.pb, a), value, max(value, self.bound), time.perf_counter() - self.t0)


def locate(pb: Problem, cols: Columns, a: Assign) -> list[tuple[int, int]] | None:
    """The columns (with multiplicity) an assignment uses, or None if one is not enumerated."""
    member_of = {m: (j, i) for j, g in enumerate(pb.groups) for i, m in enumerate(g.members)}
    block_index = {(blk.label, blk.units): n for n, blk in enumerate(cols.blocks)}
    out: dict[int, int] = {}
    for g in range(pb.parties):
        members = [i for i in range(pb.n) if a.party[i] == g]
        counts = np.zeros(cols.free_counts.shape[1], dtype=np.int8)
        units: dict[int, list[int]] = {}
        for i in members:
            c = pb.class_of[a.build[i]]
            if i in member_of:
                j, pos = member_of[i]
                units.setdefault(j, [0] * len(pb.groups[j].members))[pos] = c
            else:
                counts[c] += 1
        label = next((pb.groups[j].label for j in units if pb.groups[j].label is not None), None)
        ordered = sorted(units, key=lambda j: (pb.groups[j].label is None, j))
        key = (label, tuple((j, tuple(units[j])) for j in ordered))
        n = block_index.get(key)
        if n is None:
            return None
        blk = cols.blocks[n]
        col = cols.find(blk.start, blk.stop, counts)
        if col is None:
            return None
        out[col] = out.get(col, 0) + 1
    return sorted(out.items())


def commander_first(pb: Problem, a: Assign) -> Assign:
    """Number the commander's party 1 when neither party number is locked (the score is unchanged:
    interchangeable parties)."""
    locked = {p.lock_party - 1 for p in pb.players if p.lock_party}
    cmd = next((i for i, p in enumerate(pb.players) if p.commander), None)
    if cmd is None or 0 in locked or a.party[cmd] in locked or a.party[cmd] == 0:
        return a
    g = a.party[cmd]
    swap = {0: g, g: 0}
    return Assign([swap.get(x, x) for x in a.party], list(a.build))


def resolve_mode(catalog: Catalog, roster: Roster, mode: Mode | str | None) -> Mode:
    if isinstance(mode, Mode):
        return mode
    return catalog.mode(mode or roster.mode or "zerg")


def optimize(roster: Roster, catalog: Catalog, mode: Mode | str | None = None, *, time_limit: float = 10.0,
             previous: Plan | None = None, seed: int = 0, on_plan: PlanCallback | None = None,
             stop: threading.Event | None = None, workers: int = 2, allow_large: bool = False) -> SolveResult:
    """Assign every present player a build and a party, maximizing the score (see score.py).

    Every phase looks at the time left (and at ``stop``), so the result comes within the limit at
    any roster size; a roster of more than MAX_PLAYERS present players is refused (status
    "refused", with the reason) unless ``allow_large``."""
    t0 = time.perf_counter()
    m = resolve_mode(catalog, roster, mode)
    present = roster.present()
    if len(present.players) > MAX_PLAYERS and not allow_large:
        return SolveResult("refused", None, 0.0, 0.0, time.perf_counter() - t0, m.id,
                           reason=f"{len(present.players)} present players; the optimizer plans at most "
                                  f"{MAX_PLAYERS} unless allowed (--allow-large)")
    try:
        pb = build_problem(present, catalog, m)
    except InfeasibleRoster as e:
        return SolveResult("infeasible", None, 0.0, 0.0, time.perf_counter() - t0, m.id, reason=str(e))
    deadline = t0 + time_limit - RESERVE
    emit = _Emitter(pb, on_plan, t0)
    stats: dict = {"players": pb.n, "parties": pb.parties, "classes": len(pb.class_vec)}

    if previous is not None:
        status, bound = _replan(pb, previous, emit, deadline, seed, stop, workers, stats)
    else:
        status, bound = _fresh(pb, emit, deadline, seed, stop, workers, stats)
    elapsed = time.perf_counter() - t0
    if emit.best is None or status == "infeasible":
        reason = stats.get("reason") or "no plan satisfies the locks and 'with' groups"
        return SolveResult("infeasible", None, 0.0, 0.0, elapsed, m.id, reason=reason, stats=stats)
    best = emit.best if previous is not None else commander_first(pb, emit.best)
    plan = to_plan(pb, best)
    breakdown = score_plan(plan, present, catalog, m, previous)
    # Every bound the solvers return is valid (LP, Lagrangian, CP-SAT's plus its rounding), so
    # "optimal" is decided here, once, by the exact score meeting the bound: a proof.
    bound = max(bound, breakdown.score)
    status = "optimal" if bound - breakdown.score <= PROOF_TOL else "feasible"
    return SolveResult(status, plan, breakdown.score, bound, elapsed, m.id, breakdown, None, stats)


def _late(deadline: float, stop: threading.Event | None, margin: float = 0.0) -> bool:
    return time.perf_counter() >= deadline - margin or (stop is not None and stop.is_set())


def _polish(pb: Problem, emit: _Emitter, deadline: float, stop: threading.Event | None) -> None:
    """Local search on the best plan with the time left (the large-roster path)."""
    if emit.best is not None and not _late(deadline, stop):
        emit.offer(local_search(pb, emit.best, budget=deadline - time.perf_counter(), stop=stop))


def _fresh(pb: Problem, emit: _Emitter, deadline: float, seed: int, stop: threading.Event | None,
           workers: int, stats: dict) -> tuple[str, float]:
    emit.bound = trivial_bound(pb)
    start = greedy(pb, deadline, stop)
    if start is not None:
        emit.offer(start)
        left = deadline - time.perf_counter()
        emit.offer(local_search(pb, start, budget=min(0.15, 0.3 * left), stop=stop))
    stats["start_seconds"] = round(time.perf_counter() - emit.t0, 3)
    if pb.n > EXACT_MAX_PLAYERS:
        stats["model"] = "heuristic"
        _polish(pb, emit, deadline, stop)
        return "feasible", emit.bound
    if _late(deadline, stop):
        return "feasible", emit.bound
    try:
        cols = enumerate_columns(pb, deadline=deadline)
    except TooManyColumns as e:
        stats["columns"] = f">{e.args[0]}"
        if "time" in str(e.args[0]):
            _polish(pb, emit, deadline, stop)
            return "feasible", emit.bound
        return _labeled_fallback(pb, emit, deadline, seed, stop, workers, stats)
    stats["columns"] = len(cols)
    stats["columns_seconds"] = round(time.perf_counter() - emit.t0, 3)
    lay, lp = _column_lp(pb, cols, emit.best, deadline)
    stats["lp_bound"] = round(lp.value, 6)
    stats["lp_seconds"] = round(time.perf_counter() - emit.t0, 3)
    if lp.complete and lp.artificial > 1e-6:
        stats["reason"] = (f"the locked and 'with' players cannot be packed into {pb.parties} parties of {pb.size}")
        return "infeasible", 0.0
    emit.bound = min(emit.bound, lp.bound)
    if not lp.complete:
        # Stopped mid-generation: the Lagrangian bound holds, reduced costs filter nothing.
        stats["lp_complete"] = False
        _polish(pb, emit, deadline, stop)
        return "feasible", emit.bound
    stopper = _StopAt(emit, lp.value, stop)

    def search(columns: np.ndarray, budget: float | None = None):
        """CP-SAT over ``columns`` plus the incumbent's, hinted with the incumbent, until the
        deadline; ``budget`` is in CP-SAT's deterministic time, so that where a phase ends (and
        so the plan) does not depend on the machine's load."""
        hint_cols = locate(pb, cols, emit.best) if emit.best is not None else None
        subset = np.union1d(columns, [c for c, _ in (hint_cols or [])]).astype(np.int64)
        hint = (hint_cols, emit.best.build) if hint_cols else None
        params = {"max_deterministic_time": budget} if budget is not None else None
        ip = solve_ip(pb, cols, lay, subset, deadline - time.perf_counter(), seed, hint, emit.take, stopper, workers,
                      upper=lp.value, params=params)
        if ip.assign is not None:
            emit.offer(ip.assign)
        return ip

    if lp.value - emit.value > EPS:
        # The compositions on the LP's optimal face (reduced cost ~0) are a few hundred; the plan
        # that meets the bound, when one does, is made of them, and CP-SAT finds it in a few
        # hundredths of a second. Meeting the bound is the proof.
        zero = np.flatnonzero(lp.reduced <= ZERO_RC)
        stats["zero_columns"] = int(len(zero))
        if len(zero) <= NARROW_MAX:
            search(zero, ZERO_BUDGET)
            stats["zero_seconds"] = round(time.perf_counter() - emit.t0, 3)
    gap = lp.value - emit.value
    if gap <= EPS:
        return "optimal", lp.value
    if _late(deadline, stop, 0.05):
        return "feasible", lp.value
    if np.count_nonzero(lp.reduced <= gap + EPS) > NARROW_MAX:
        # The gap still lets too many compositions in: first narrow it with the columns the
        # generation brought in (they hold near-optimal parties), then with the compositions whose
        # reduced cost is far below the gap.
        working = np.array(lp.working, dtype=np.int64)
        stats["working_columns"] = len(working)
        search(working, WORKING_BUDGET)
        gap = lp.value - emit.value
        if gap <= EPS:
            return "optimal", lp.value
        if _late(deadline, stop, 0.05):
            return "feasible", lp.value
        narrow = np.flatnonzero(lp.reduced <= NARROW_SHARE * gap + EPS)
        if NARROW_MIN <= len(narrow) <= NARROW_MAX:
            stats["narrow_columns"] = int(len(narrow))
            search(narrow, NARROW_BUDGET)
            if lp.value - emit.value <= EPS:
                return "optimal", lp.value
            if _late(deadline, stop, 0.05):
                return "feasible", lp.value
    gap = lp.value - emit.value
    # Reduced-cost filtering: a composition whose reduced cost exceeds the gap is in no better plan.
    keep = np.flatnonzero(lp.reduced <= gap + EPS)
    stats["kept_columns"] = int(len(keep))
    truncated = len(keep) > FILTER_LIMIT
    if truncated:
        keep = keep[np.argpartition(lp.reduced[keep], FILTER_LIMIT)[:FILTER_LIMIT]]
        stats["truncated"] = True
    ip = search(keep)
    stats["ip_status"] = ip.status
    if emit.best is None:
        stats["reason"] = f"no plan satisfies the locks and 'with' groups in {pb.parties} parties"
        return "infeasible", 0.0
    if lp.value - emit.value <= EPS:
        return "optimal", lp.value
    # CP-SAT's bound holds for the kept compositions; the rest cannot beat the gap they were cut at.
    return "feasible", lp.value if truncated else min(lp.value, max(ip.bound, emit.value))


class _StopAt:
    """Stops a CP-SAT search once the incumbent meets the LP bound, or when the caller asks."""

    def __init__(self, emit: _Emitter, target: float, stop: threading.Event | None):
        self.emit, self.target, self.stop = emit, target, stop

    def is_set(self) -> bool:
        return self.emit.value >= self.target - EPS or (self.stop is not None and self.stop.is_set())


def _labeled_fallback(pb: Problem, emit: _Emitter, deadline: float, seed: int, stop: threading.Event | None,
                      workers: int, stats: dict) -> tuple[str, float]:
    res = solve_labeled(pb, deadline - time.perf_counter(), seed, hint=emit.best, on_solution=emit.take,
                        stop=stop, workers=workers, upper=emit.bound)
    stats["model"] = "labeled"
    if res.assign is not None:
        emit.offer(res.assign)
    _polish(pb, emit, deadline, stop)
    return "feasible", min(emit.bound, res.bound)


def previous_positions(pb: Problem, previous: Plan) -> tuple[dict[int, tuple[int, str]], dict[int, tuple[int, str]]]:
    """(every present player's previous (party, build), the ones that can stay there as they are:
    the build still allowed, the party in range, a party lock respected, a lock or `with` group
    kept together with room for its members who must come, and no party over-full).

    A unit (lock or `with` group) keeps its places only in one party: its lock's, or the one most
    of its members were in; room is kept there for the rest of it first, so a new lock or link
    moves the few players it must instead of sending the re-plan back to a fresh greedy plan."""
    prev: dict[int, tuple[int, str]] = {}
    for i, p in enumerate(pb.players):
        a = previous.assignments.get(p.name)
        if a is not None:
            prev[i] = (a.party - 1, a.build)
    valid = valid_places(pb, prev)
    committed = [0] * pb.parties
    fixed: dict[int, tuple[int, str]] = {}
    grouped = set()
    for grp in sorted(pb.groups, key=lambda g: (g.label is None, g.members)):
        grouped.update(grp.members)
        places = Counter(valid[m][0] for m in grp.members if m in valid)
        if grp.label is not None:
            target = grp.label - 1
        elif places:
            target = min(places, key=lambda g: (-places[g], g))
        else:
            continue
        if committed[target] + len(grp.members) > pb.size:
            continue  # no room for all of it there: the unit is placed afresh
        committed[target] += len(grp.members)
        fixed.update({m: valid[m] for m in grp.members if m in valid and valid[m][0] == target})
    for i, (g, b) in sorted(valid.items()):
        if i not in grouped and committed[g] < pb.size:
            committed[g] += 1
            fixed[i] = (g, b)
    return prev, fixed


def trivial_bound(pb: Problem) -> float:
    """Every term at its maximum: a valid bound that costs nothing to compute."""
    prefs = sum(max(p.values(), default=0.0) for p in pb.pref)
    return float(pb.parties * pb.weights.sum() + (pb.squad_coef * pb.squad_cap).sum() + prefs)


def forced_moves(pb: Problem, prev: dict[int, tuple[int, str]], fixed: dict[int, tuple[int, str]]) -> int:
    """Players of the previous plan who cannot keep their party and build (the build is no longer
    allowed, a lock moved them, their party is gone or over-full): every plan moves them."""
    return len(prev) - len(fixed)


def _replan(pb: Problem, previous: Plan, emit: _Emitter, deadline: float, seed: int,
            stop: threading.Event | None, workers: int, stats: dict) -> tuple[str, float]:
    """Keep what the previous plan can keep; move only who must move.

    The bound is the least of valid ones: every term at its maximum, the composition LP without
    the change penalty (a plan's score is its fresh score minus the penalty), each less the
    penalty of the moves every plan must make; the re-plan model's LP; CP-SAT's bound on the
    labeled model."""
    stats["model"] = "labeled-replan"
    prev, fixed = previous_positions(pb, previous)
    penalty = pb.mode.change_penalty
    forced = penalty * forced_moves(pb, prev, fixed)
    emit.bound = trivial_bound(pb) - forced
    start = complete(pb, fixed, deadline, stop) or greedy(pb, deadline, stop)

    def value(a: Assign) -> float:
        moved = sum(1 for i, (g, b) in prev.items() if (a.party[i], a.build[i]) != (g, b))
        return objective(pb, a) - penalty * moved

    if start is not None:
        emit.offer(start, value(start))
        # One or two moves often repair what a leaver broke; found in milliseconds. Kept short
        # where the exact models run: the re-plan model finds the best plan itself, and the
        # proof waits on this.
        budget = START_SEARCH if pb.n <= EXACT_MAX_PLAYERS else 0.1
        better = local_search(pb, start, previous=prev, change_penalty=penalty, deep=True,
                              budget=min(budget, 0.3 * (deadline - time.perf_counter())), stop=stop)
        emit.offer(better, value(better))
    if pb.n > EXACT_MAX_PLAYERS:
        stats["model"] = "heuristic-replan"
        if emit.best is not None and not _late(deadline, stop):
            better = local_search(pb, emit.best, previous=prev, change_penalty=penalty,
                                  budget=deadline - time.perf_counter(), stop=stop)
            emit.offer(better, value(better))
        return "feasible", emit.bound
    stats["start_seconds"] = round(time.perf_counter() - emit.t0, 3)
    # The bound first: when nobody needs to move (most edits), the kept plan meets it at once.
    fresh = _fresh_bound(pb, deadline, stats, emit.best)
    stats["lp_seconds"] = round(time.perf_counter() - emit.t0, 3)
    # A bound on the score without the penalty: what caps the moves of a better plan below.
    fresh_upper = trivial_bound(pb) if fresh is None else min(trivial_bound(pb), fresh[2].bound)
    if fresh is not None:
        emit.bound = min(emit.bound, fresh[2].bound - forced)
        stats["lp_bound"] = round(fresh[2].bound, 6)
    tried = False

    def model_fits() -> bool:
        """The re-plan model is worth building: a gap, and few enough moves could close it (its
        columns grow fast with the moves a better plan may make: a poor incumbent first gets
        the repairs below)."""
        return (not tried and fresh is not None and fresh[2].complete and penalty > 0
                and emit.bound - emit.value > PROOF_TOL and not _late(deadline, stop)
                and (fresh[2].value - emit.value) / penalty <= REPLAN_MAX_MOVES)

    def replan_model() -> None:
        nonlocal tried
        tried = True
        assert fresh is not None
        # The composition re-plan model: each party priced against the previous party it matches,
        # over the compositions the fresh LP's reduced costs leave for a better plan. Its LP is
        # tight on every edit measured, so it usually proves the incumbent at once; when its
        # optimum is a plan, that plan is the best re-plan.
        rb = replan_bound(pb, fresh[0], fresh[2], prev, penalty, emit.value, deadline)
        if rb is not None:
            stats["replan_columns"] = rb.columns
            stats["replan_seconds"] = round(time.perf_counter() - emit.t0, 3)
            if rb.plan is not None:
                emit.offer(rb.plan, value(rb.plan))
            emit.bound = min(emit.bound, max(rb.bound, emit.value))
            if emit.bound - emit.value > PROOF_TOL and not _late(deadline, stop, 0.02):
                # A gap left (the LP's optimum is not a plan, or a better plan was not found):
                # the same model in whole numbers, over the columns its reduced costs leave.
                face = solve_replan_ip(pb, fresh[0], rb, emit.value, penalty, deadline - time.perf_counter(), seed,
                                       stop=stop, workers=workers, face=True,
                                       params={"max_deterministic_time": ZERO_BUDGET})
                if face is not None and face.assign is not None:
                    emit.offer(face.assign, value(face.assign))
                floor = emit.value
                ip = solve_replan_ip(pb, fresh[0], rb, floor, penalty, deadline - time.perf_counter(), seed,
                                     on_solution=lambda a, _v, _b: a is not None and emit.offer(a, value(a)),
                                     stop=stop, workers=workers)
                if ip is not None:
                    stats["replan_ip"] = ip.status
                    if ip.assign is not None:
                        emit.offer(ip.assign, value(ip.assign))
                    if ip.status == "infeasible":
                        emit.bound = min(emit.bound, floor)  # no plan beats the incumbent
                    elif ip.status in ("optimal", "feasible"):
                        emit.bound = min(emit.bound, max(ip.bound, floor))
                stats["replan_ip_seconds"] = round(time.perf_counter() - emit.t0, 3)

    if model_fits():
        replan_model()
    if emit.bound - emit.value > PROOF_TOL and not _late(deadline, stop, 0.02) and emit.best is not None:
        # Not proven by the bound: the exchanges that also change builds (a lost healer). Most of
        # a short limit goes here: CP-SAT finds little in the last tenth of a second.
        better = local_search(pb, emit.best, previous=prev, change_penalty=penalty, stop=stop, deep=True,
                              budget=min(0.2, 0.6 * (deadline - time.perf_counter())))
        emit.offer(better, value(better))
    if fresh is not None and fresh[2].complete and emit.bound - emit.value > PROOF_TOL and not _late(deadline, stop, 0.05):
        # When an edit needs the squad reshuffled (a new party to fill, a lost healer no single
        # exchange restores), the best fresh plan, numbered to keep most players where they were,
        # then locally repaired, is a far better start than the previous plan patched.
        cols, lay, lp = fresh
        zero = np.flatnonzero(lp.reduced <= ZERO_RC)
        if len(zero) <= NARROW_MAX:
            ip = solve_ip(pb, cols, lay, zero.astype(np.int64), min(0.5, deadline - time.perf_counter()), seed,
                          None, None, stop, workers, upper=lp.value, params={"max_deterministic_time": ZERO_BUDGET})
            if ip.assign is not None:
                moved = relabel(pb, ip.assign, prev)
                emit.offer(moved, value(moved))
                better = local_search(pb, moved, previous=prev, change_penalty=penalty, stop=stop, deep=True,
                                      budget=min(0.15, 0.4 * (deadline - time.perf_counter())))
                emit.offer(better, value(better))
        stats["fresh_plan_seconds"] = round(time.perf_counter() - emit.t0, 3)
    if model_fits() and not _late(deadline, stop, LATE_MODEL):
        replan_model()
    if emit.bound - emit.value <= PROOF_TOL or _late(deadline, stop, 0.01):
        return "feasible", emit.bound
    # A plan that moves m players scores at most (its fresh score, at most U: fresh_upper, not the
    # re-plan bound, which caps nothing) - penalty * m; to beat the incumbent V it moves fewer than
    # (U - V) / penalty. That cap makes the labeled model
    # small (most players are fixed where they were), and a plan it leaves out is no better than V.
    floor_value = emit.value
    max_moved = None
    if penalty > 0 and emit.best is not None and np.isfinite(emit.bound):
        max_moved = int(np.floor((fresh_upper - floor_value) / penalty + 1e-9))
        stats["max_moved"] = max_moved
    res = solve_labeled(pb, deadline - time.perf_counter(), seed, previous=prev, change_penalty=penalty,
                        hint=emit.best, on_solution=lambda a, v, b: emit.offer(a, value(a)), stop=stop, workers=workers,
                        upper=emit.bound, max_moved=max_moved)
    if res.assign is not None:
        emit.offer(res.assign, value(res.assign))
    if res.status == "infeasible" and emit.best is None:
        stats["reason"] = "no plan satisfies the locks and 'with' groups"
    stats["labeled_status"] = res.status
    if res.status == "infeasible" and max_moved is not None:
        emit.bound = min(emit.bound, max(floor_value, emit.value))  # nothing better within the cap
    elif res.status in ("optimal", "feasible", "unknown") and np.isfinite(res.bound):
        emit.bound = min(emit.bound, res.bound if max_moved is None else max(res.bound, floor_value))
    return "feasible", emit.bound


# Columns above which a re-plan does not enumerate compositions for its bound (seconds of work),
# and the time left it wants per column to start (enumeration and LP take ~0.15 us a column at
# load 2 on this 2-core machine; the margin is for a busier one; both stop at the deadline anyway).
BOUND_COLUMNS = 3_000_000
BOUND_SECONDS_PER_COLUMN = 0.25e-6


def _fresh_bound(pb: Problem, deadline: float, stats: dict,
                 incumbent: Assign | None = None) -> tuple[Columns, Layout, LPResult] | None:
    """The composition LP without the change penalty (its ``bound`` is valid even when stopped
    early), with its columns and layout, when it fits in the time left."""
    n_cols = estimate(pb)
    if n_cols > BOUND_COLUMNS or deadline - time.perf_counter() < n_cols * BOUND_SECONDS_PER_COLUMN:
        return None  # it would not finish in the time left: the limit is kept instead
    try:
        cols = enumerate_columns(pb, deadline=deadline)
    except TooManyColumns:
        return None
    if time.perf_counter() >= deadline:
        return None
    lay, lp = _column_lp(pb, cols, incumbent, deadline)
    stats["lp_complete"] = lp.complete
    return cols, lay, lp


def _column_lp(pb: Problem, cols: Columns, incumbent: Assign | None, deadline: float) -> tuple[Layout, LPResult]:
    """The layout and the composition LP, its generation started from the incumbent's columns and
    the empty party."""
    lay = layout(pb, cols)
    seeds = locate(pb, cols, incumbent) if incumbent is not None else None
    empty = [cols.blocks[0].start] if cols.blocks and cols.blocks[0].label is None and not cols.blocks[0].units else []
    return lay, solve_lp(pb, cols, lay, [c for c, _ in (seeds or [])] + empty, deadline=deadline)


def relabel(pb: Problem, a: Assign, prev: dict[int, tuple[int, str]]) -> Assign:
    """The same parties, numbered so that the most players keep their previous party and build
    (parties holding a party lock keep their number)."""
    locked = {p.lock_party - 1 for p in pb.players if p.lock_party}
    loose = [g for g in range(pb.parties) if g not in locked]
    at = {g: k for k, g in enumerate(loose)}
    keep = np.zeros((len(loose), len(loose)))
    for i, (g, b) in prev.items():
        if a.party[i] in at and g in at and a.build[i] == b:
            keep[at[a.party[i]], at[g]] += 1
    rows, cols = linear_sum_assignment(keep, maximize=True)
    number = {loose[r]: loose[c] for r, c in zip(rows.tolist(), cols.tolist(), strict=True)}
    return Assign([number.get(g, g) for g in a.party], list(a.build))


__all__ = ["SolveResult", "optimize", "from_plan"]
