"""Heuristics: the greedy baseline, the random-reroll baseline (what peer tools do), and a local
search that polishes any assignment. All score with the same objective as the exact solver."""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

import numpy as np

from warclaw.engine.plan import Assignment, Plan
from warclaw.engine.problem import Problem


@dataclass
class Assign:
    """Party index (0-based) and build id per player, in problem order."""

    party: list[int]
    build: list[str]

    def copy(self) -> Assign:
        return Assign(list(self.party), list(self.build))


def to_plan(pb: Problem, a: Assign) -> Plan:
    return Plan({p.name: Assignment(a.party[i] + 1, a.build[i]) for i, p in enumerate(pb.players)})


def from_plan(pb: Problem, plan: Plan) -> Assign:
    return Assign([plan.assignments[p.name].party - 1 for p in pb.players],
                  [plan.assignments[p.name].build for p in pb.players])


def objective(pb: Problem, a: Assign) -> float:
    """The score without a change penalty (equals score_plan on a valid plan)."""
    sums = np.zeros((pb.parties, len(pb.caps)))
    squad = np.zeros(len(pb.squad_caps))
    pref = 0.0
    for i, (g, b) in enumerate(zip(a.party, a.build, strict=True)):
        sums[g] += pb.build_vec[b]
        squad += pb.build_squad[b]
        pref += pb.pref[i][b]
    return float(pb.party_values(sums).sum() + _squad_value(pb, squad) + pref)


def _squad_value(pb: Problem, totals: np.ndarray) -> float:
    return float((np.minimum(totals, pb.squad_cap) * pb.squad_coef).sum())


def _units(pb: Problem) -> list[tuple[list[int], int | None]]:
    return [(g.members, g.label) for g in pb.groups] + [([i], None) for i in pb.free]


class _State:
    def __init__(self, pb: Problem):
        self.pb = pb
        self.sums = np.zeros((pb.parties, len(pb.caps)))
        self.count = [0] * pb.parties
        self.squad = np.zeros(len(pb.squad_caps))

    def gain(self, g: int, builds: list[str], members: list[int]) -> float:
        pb = self.pb
        vec = sum((pb.build_vec[b] for b in builds), np.zeros(len(pb.caps)))
        sq = sum((pb.build_squad[b] for b in builds), np.zeros(len(pb.squad_caps)))
        party = pb.party_values(self.sums[g] + vec) - pb.party_values(self.sums[g])
        squad = _squad_value(pb, self.squad + sq) - _squad_value(pb, self.squad)
        return float(party + squad + sum(pb.pref[m][b] for m, b in zip(members, builds, strict=True)))

    def place(self, members: list[int], targets, party: list[int], build: list[str]) -> bool:
        """Put a unit in the target party where it adds most, each member choosing the build that
        adds most given the ones before; False if no target has room."""
        best: tuple[float, int, list[str]] | None = None
        for g in targets:
            if self.count[g] + len(members) > self.pb.size:
                continue
            chosen: list[str] = []
            for m in members:
                chosen.append(max(self.pb.options[m],
                                  key=lambda b, m=m: self.gain(g, [*chosen, b], [*members[:len(chosen)], m])))
            gain = self.gain(g, chosen, members)
            if best is None or gain > best[0] + 1e-12:
                best = (gain, g, chosen)
        if best is None:
            return False
        _, g, chosen = best
        self.add(g, chosen)
        for m, b in zip(members, chosen, strict=True):
            party[m], build[m] = g, b
        return True

    def add(self, g: int, builds: list[str]) -> None:
        for b in builds:
            self.sums[g] += self.pb.build_vec[b]
            self.squad += self.pb.build_squad[b]
        self.count[g] += len(builds)


def greedy(pb: Problem) -> Assign | None:
    """Place locked and `with` units first, then players with the strongest support builds first;
    each unit goes where it adds most. None if the units could not be packed this way."""
    st = _State(pb)
    party, build = [0] * pb.n, [""] * pb.n

    def strength(unit: tuple[list[int], int | None]) -> tuple:
        members, label = unit
        best = max(pb.party_values(pb.build_vec[b]) for m in members for b in pb.options[m])
        return (label is None, -len(members), -best, members)

    for members, label in sorted(_units(pb), key=strength):
        if not st.place(members, [label - 1] if label else range(pb.parties), party, build):
            return None
    return Assign(party, build)


def random_reroll(pb: Problem, tries: int, seed: int = 0) -> tuple[Assign | None, float]:
    """Reroll random valid assignments ``tries`` times and keep the best (the peer tools' method)."""
    rng = random.Random(seed)
    units = _units(pb)
    best: tuple[Assign | None, float] = (None, float("-inf"))
    for _ in range(tries):
        count = [0] * pb.parties
        party, build = [0] * pb.n, [""] * pb.n
        order = units[:]
        rng.shuffle(order)
        order.sort(key=lambda u: (u[1] is None, -len(u[0])))  # locks, then big units, so packing works
        ok = True
        for members, label in order:
            room = [g for g in ([label - 1] if label else range(pb.parties)) if count[g] + len(members) <= pb.size]
            if not room:
                ok = False
                break
            g = rng.choice(room)
            count[g] += len(members)
            for m in members:
                party[m], build[m] = g, rng.choice(pb.options[m])
        if ok:
            a = Assign(party, build)
            value = objective(pb, a)
            if value > best[1]:
                best = (a, value)
    return best


def local_search(pb: Problem, a: Assign, max_passes: int = 20, budget: float = 0.15,
                 previous: dict[int, tuple[int, str]] | None = None, change_penalty: float = 0.0) -> Assign:
    """First-improvement moves, evaluated incrementally: change one player's build, move a free
    player to a party with room, swap two free players. Stops at a local optimum or the budget.

    With ``previous`` (player -> (party, build) of the last plan), a player whose party or build
    differs from it costs ``change_penalty``: a re-plan then finds the one or two moves that repair
    a party a leaver emptied, which a short CP-SAT run over the whole squad can miss."""
    deadline = time.perf_counter() + budget
    a = a.copy()
    prev = previous or {}

    def cost(i: int, g: int, b: str) -> float:
        """The change penalty player ``i`` pays in party ``g`` with build ``b``."""
        was = prev.get(i)
        return change_penalty if was is not None and was != (g, b) else 0.0

    sums = np.zeros((pb.parties, len(pb.caps)))
    squad = np.zeros(len(pb.squad_caps))
    for i in range(pb.n):
        sums[a.party[i]] += pb.build_vec[a.build[i]]
        squad += pb.build_squad[a.build[i]]
    counts = [a.party.count(g) for g in range(pb.parties)]
    pv = [float(pb.party_values(sums[g])) for g in range(pb.parties)]
    sq = _squad_value(pb, squad)
    free = sorted(pb.free)

    for _ in range(max_passes):
        improved = False
        for i in range(pb.n):
            if time.perf_counter() > deadline:
                return a
            g, old = a.party[i], a.build[i]
            for b in pb.options[i]:
                if b == old:
                    continue
                new_sum = sums[g] - pb.build_vec[old] + pb.build_vec[b]
                new_sq = squad - pb.build_squad[old] + pb.build_squad[b]
                new_pv, new_sqv = float(pb.party_values(new_sum)), _squad_value(pb, new_sq)
                delta = (new_pv - pv[g] + new_sqv - sq + pb.pref[i][b] - pb.pref[i][old]
                         - cost(i, g, b) + cost(i, g, old))
                if delta > 1e-9:
                    sums[g], squad, pv[g], sq = new_sum, new_sq, new_pv, new_sqv
                    a.build[i], old, improved = b, b, True
        for i in free:
            vi = pb.build_vec[a.build[i]]
            for h in range(pb.parties):
                g = a.party[i]
                if h == g:
                    continue
                bi = a.build[i]
                if counts[h] < pb.size:  # move there, with the build that suits it best
                    ng = float(pb.party_values(sums[g] - vi))
                    best_b, best_delta, best_nh, best_sq = None, 1e-9, 0.0, 0.0
                    for b in pb.options[i]:
                        vb = pb.build_vec[b]
                        nh = float(pb.party_values(sums[h] + vb))
                        nsq = sq if b == bi else _squad_value(pb, squad - pb.build_squad[bi] + pb.build_squad[b])
                        delta = (ng + nh - pv[g] - pv[h] + nsq - sq + pb.pref[i][b] - pb.pref[i][bi]
                                 - cost(i, h, b) + cost(i, g, bi))
                        if delta > best_delta:
                            best_b, best_delta, best_nh, best_sq = b, delta, nh, nsq
                    if best_b is not None:
                        vb = pb.build_vec[best_b]
                        sums[g] -= vi
                        sums[h] += vb
                        squad += pb.build_squad[best_b] - pb.build_squad[bi]
                        pv[g], pv[h], sq = ng, best_nh, best_sq
                        counts[g] -= 1
                        counts[h] += 1
                        a.party[i], a.build[i], vi, improved = h, best_b, vb, True
                        continue
                for j in free:
                    if a.party[j] != h:
                        continue
                    bj = a.build[j]
                    vj = pb.build_vec[bj]
                    ng, nh = float(pb.party_values(sums[g] - vi + vj)), float(pb.party_values(sums[h] + vi - vj))
                    moves = cost(i, h, bi) + cost(j, g, bj) - cost(i, g, bi) - cost(j, h, bj)
                    if ng + nh - pv[g] - pv[h] - moves > 1e-9:
                        sums[g] += vj - vi
                        sums[h] += vi - vj
                        pv[g], pv[h] = ng, nh
                        a.party[i], a.party[j], improved = h, g, True
                        break
        if not improved:
            break
    return a


def complete(pb: Problem, fixed: dict[int, tuple[int, str]]) -> Assign | None:
    """Keep the given (party, build) of some players and place the rest greedily where they add
    most (the starting point of a re-plan). None if the rest cannot be placed."""
    st = _State(pb)
    party, build = [0] * pb.n, [""] * pb.n
    for i, (g, b) in fixed.items():
        st.add(g, [b])
        party[i], build[i] = g, b
    for members, label in sorted(_units(pb), key=lambda u: (u[1] is None, -len(u[0]))):
        rest = [m for m in members if m not in fixed]
        if not rest:
            continue
        anchor = {fixed[m][0] for m in members if m in fixed}
        targets = [label - 1] if label else (sorted(anchor) if anchor else range(pb.parties))
        if not st.place(rest, targets, party, build):
            return None
    return Assign(party, build)
