"""The score a plan earns (score v2, the one formula `warclaw score`, `optimize` and the TUI use)
and the checks of its hard constraints.

    score = Σ_g Σ_k w_k · min(1, Σ_{p∈g} party_k(b(p)) / T_k)          party boons
          + Σ_g Σ_s W_s · min(1, n(g, s) / c_s)                         party slots
          + Σ_k W_k · (N/10) · min(1, Σ_p squad_k(b(p)) / (S_k · N/10))  squad ratings
          + Σ_u U_u · min(1, n(u) / m_u)                                squad utilities
          + Σ_p pref / (1 + rank(p, b(p)))                              preference
          − penalty · |players whose build or party differs from the previous plan|

g runs over all P = ceil(N / party size) parties; n(g, s) counts the members of party g whose
build is in slot s's list (a build listed in several slots counts in each); n(u) counts the squad
members whose build has utility tag u.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from warclaw.engine.catalog import Catalog, Mode
from warclaw.engine.explain import Facts, explain
from warclaw.engine.plan import Plan
from warclaw.engine.roster import Roster


@dataclass
class ScoreBreakdown:
    score: float
    party: float
    squad: float
    preference: float
    change: float
    coverage: dict[int, dict[str, float]]       # party -> capability -> min(1, sum / target)
    squad_totals: dict[str, tuple[float, float]]  # capability -> (sum, target)
    slots: float = 0.0                          # the party-slot term
    utility: float = 0.0                        # the squad-utility term
    slot_counts: dict[int, dict[str, int]] = field(default_factory=dict)  # party -> slot -> n(g, s)
    utility_totals: dict[str, tuple[int, int]] = field(default_factory=dict)  # tag -> (n(u), m_u)
    deficits: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    moved: list[str] = field(default_factory=list)
    # (name, (party, build) before, (party, build) now) for each moved player
    moves: list[tuple[str, tuple[int, str], tuple[int, str]]] = field(default_factory=list)


def party_count(n_players: int, party_size: int) -> int:
    return max(1, math.ceil(n_players / party_size))


def party_coverage(mode: Mode, vectors: list[dict[str, float]]) -> dict[str, float]:
    caps = mode.counted_party_caps()
    return {k: min(1.0, sum(v.get(k, 0.0) for v in vectors) / mode.party_targets[k]) for k in caps}


def party_value(mode: Mode, vectors: list[dict[str, float]]) -> float:
    cov = party_coverage(mode, vectors)
    return sum(mode.party_weights[k] * c for k, c in cov.items())


def squad_value(mode: Mode, n: int, totals: dict[str, float]) -> tuple[float, dict[str, tuple[float, float]]]:
    value, shown = 0.0, {}
    for k in mode.counted_squad_caps():
        target = mode.squad_targets[k] * n / 10
        shown[k] = (totals.get(k, 0.0), target)
        value += mode.squad_weights[k] * (n / 10) * min(1.0, totals.get(k, 0.0) / target)
    return value, shown


def slot_counts(mode: Mode, builds: list[str], _sets: list | None = None) -> dict[str, int]:
    """n(g, s) for the members' builds of one party, per counted slot."""
    sets = _sets if _sets is not None else slot_sets(mode)
    return {slot: sum(b in members for b in builds) for slot, members in sets}


def slot_sets(mode: Mode) -> list[tuple[str, frozenset[str]]]:
    return [(sl.slot, frozenset(sl.builds)) for sl in mode.counted_slots()]


def slot_value(mode: Mode, counts: dict[str, int]) -> float:
    return sum(sl.weight * min(1.0, counts.get(sl.slot, 0) / sl.count) for sl in mode.counted_slots())


def utility_totals(mode: Mode, catalog: Catalog, builds: list[str]) -> dict[str, tuple[int, int]]:
    return {u: (sum(u in catalog.builds[b].utility for b in builds), mode.squad_utility_min[u])
            for u in mode.counted_utilities()}


def utility_value(mode: Mode, totals: dict[str, tuple[int, int]]) -> float:
    return sum(mode.squad_utility_weights[u] * min(1.0, n / m) for u, (n, m) in totals.items())


def check_plan(plan: Plan, roster: Roster, catalog: Catalog, mode: Mode) -> list[str]:
    """Every hard constraint the plan breaks, one line each (empty: the plan is valid)."""
    out = []
    names = {p.name for p in roster.players}
    p_count = party_count(len(roster.players), mode.party_size)
    for name in sorted(set(plan.assignments) - names):
        out.append(f"{name}: not in the roster")
    for p in roster.players:
        a = plan.assignments.get(p.name)
        if a is None:
            out.append(f"{p.name}: has no assignment")
            continue
        if a.build not in catalog.builds:
            out.append(f"{p.name}: unknown build {a.build!r}")
        elif a.build not in dict(p.options()):
            why = f"locked to {p.lock_build}" if p.locked_builds and p.rank(a.build) is not None else "does not allow it"
            out.append(f"{p.name}: build {a.build} not allowed ({why})")
        if not 1 <= a.party <= p_count:
            out.append(f"{p.name}: party {a.party} outside 1..{p_count}")
        if p.lock_party is not None and a.party != p.lock_party:
            out.append(f"{p.name}: locked to party {p.lock_party} but in party {a.party}")
        for w in p.with_:
            other = plan.assignments.get(w)
            if other is not None and other.party != a.party:
                out.append(f"{p.name}: must share a party with {w} (parties {a.party} and {other.party})")
    for g, members in plan.parties().items():
        if len(members) > mode.party_size:
            out.append(f"party {g}: {len(members)} members, at most {mode.party_size}")
    return out


def score_plan(plan: Plan, roster: Roster, catalog: Catalog, mode: Mode, previous: Plan | None = None) -> ScoreBreakdown:
    """Score a plan exactly; unknown builds contribute nothing and are listed as violations."""
    n = len(roster.players)
    parties: dict[int, list[dict[str, float]]] = {}
    party_builds: dict[int, list[str]] = {}
    squad_builds: list[str] = []
    totals: dict[str, float] = {}
    preference = 0.0
    for p in roster.players:
        a = plan.assignments.get(p.name)
        if a is None or a.build not in catalog.builds:
            continue
        b = catalog.builds[a.build]
        parties.setdefault(a.party, []).append(b.party)
        party_builds.setdefault(a.party, []).append(a.build)
        squad_builds.append(a.build)
        for k, v in b.squad.items():
            totals[k] = totals.get(k, 0.0) + v
        rank = p.rank(a.build)
        if rank is not None:
            preference += mode.preference_weight / (1 + rank)
    numbers = sorted(set(range(1, party_count(n, mode.party_size) + 1)) | set(parties))
    coverage = {g: party_coverage(mode, parties.get(g, [])) for g in numbers}
    sets = slot_sets(mode)
    slots = {g: slot_counts(mode, party_builds.get(g, []), sets) for g in numbers}
    party_total = sum(mode.party_weights[k] * c for cov in coverage.values() for k, c in cov.items())
    slot_total = sum(slot_value(mode, c) for c in slots.values())
    squad_total, shown = squad_value(mode, n, totals)
    utils = utility_totals(mode, catalog, squad_builds)
    utility_total = utility_value(mode, utils)
    moved = plan.moved(previous) if previous else []
    change = mode.change_penalty * len(moved)
    result = ScoreBreakdown(
        score=party_total + slot_total + squad_total + utility_total + preference - change, party=party_total,
        squad=squad_total, preference=preference, change=change, coverage=coverage, squad_totals=shown,
        slots=slot_total, utility=utility_total, slot_counts=slots, utility_totals=utils, moved=moved,
    )
    if previous is not None:
        result.moves = [(name, (previous.assignments[name].party, previous.assignments[name].build),
                         (plan.assignments[name].party, plan.assignments[name].build)) for name in moved]
    result.violations = check_plan(plan, roster, catalog, mode)
    result.deficits = explain(plan, roster, catalog, mode, Facts(coverage, slots, shown, utils, n))
    return result
