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


def _squad_values(pb: Problem, totals: np.ndarray) -> np.ndarray:
    """The squad terms for rows of squad totals (…, S)."""
    return (np.minimum(totals, pb.squad_cap) * pb.squad_coef).sum(axis=-1)


class _State:
    def __init__(self, pb: Problem):
        self.pb = pb
        self.sums = np.zeros((pb.parties, len(pb.caps)))
        self.count = np.zeros(pb.parties, dtype=np.int64)
        self.squad = np.zeros(len(pb.squad_caps))

    def place(self, members: list[int], targets, party: list[int], build: list[str]) -> bool:
        """Put a unit in the target party where it adds most, each member choosing the build that
        adds most given the ones before; False if no target has room. All targets are priced at
        once (numpy), so a unit costs the same whether there are 10 parties or 2,000."""
        pb = self.pb
        tg = targets if isinstance(targets, np.ndarray) else np.asarray(list(targets), dtype=np.int64)
        tg = tg[self.count[tg] + len(members) <= pb.size]
        if len(tg) == 0:
            return False
        sums = self.sums[tg].copy()
        squad = np.repeat(self.squad[None, :], len(tg), axis=0)
        start = pb.party_values(sums) + _squad_values(pb, squad)
        pref = np.zeros(len(tg))
        chosen = np.zeros((len(members), len(tg)), dtype=np.int64)
        for pos, m in enumerate(members):
            opts = pb.options[m]
            now = pb.party_values(sums) + _squad_values(pb, squad)
            gains = np.stack([pb.party_values(sums + pb.build_vec[b]) + _squad_values(pb, squad + pb.build_squad[b])
                              - now + pb.pref[m][b] for b in opts])
            pick = gains.argmax(axis=0)
            chosen[pos] = pick
            sums += np.stack([pb.build_vec[opts[k]] for k in pick])
            squad += np.stack([pb.build_squad[opts[k]] for k in pick])
            pref += np.array([pb.pref[m][opts[k]] for k in pick])
        gain = pb.party_values(sums) + _squad_values(pb, squad) - start + pref
        best = int(gain.argmax())
        g = int(tg[best])
        builds = [pb.options[m][int(chosen[pos, best])] for pos, m in enumerate(members)]
        self.add(g, builds)
        for m, b in zip(members, builds, strict=True):
            party[m], build[m] = g, b
        return True

    def fill(self, members: list[int], targets, party: list[int], build: list[str]) -> bool:
        """Put a unit in the emptiest target party with room, each member on their first build:
        what is left when time is up."""
        tg = targets if isinstance(targets, np.ndarray) else np.asarray(list(targets), dtype=np.int64)
        tg = tg[self.count[tg] + len(members) <= self.pb.size]
        if len(tg) == 0:
            return False
        g = int(tg[self.count[tg].argmin()])
        builds = [self.pb.options[m][0] for m in members]
        self.add(g, builds)
        for m, b in zip(members, builds, strict=True):
            party[m], build[m] = g, b
        return True

    def add(self, g: int, builds: list[str]) -> None:
        for b in builds:
            self.sums[g] += self.pb.build_vec[b]
            self.squad += self.pb.build_squad[b]
        self.count[g] += len(builds)


def _out_of_time(deadline: float | None, stop) -> bool:
    return (deadline is not None and time.perf_counter() >= deadline) or (stop is not None and stop.is_set())


def greedy(pb: Problem, deadline: float | None = None, stop=None) -> Assign | None:
    """Place locked and `with` units first, then players with the strongest support builds first;
    each unit goes where it adds most. None if the units could not be packed this way. Past the
    deadline (or on a stop) the remaining units are only packed, on their first builds."""
    st = _State(pb)
    party, build = [0] * pb.n, [""] * pb.n

    alone = {b: float(pb.party_values(v)) for b, v in pb.build_vec.items()}

    def strength(unit: tuple[list[int], int | None]) -> tuple:
        members, label = unit
        best = max(alone[b] for m in members for b in pb.options[m])
        return (label is None, -len(members), -best, members)

    everyone = np.arange(pb.parties)
    units = sorted(_units(pb), key=strength)
    for k, (members, label) in enumerate(units):
        if _out_of_time(deadline, stop):
            return _pack(pb, st, units[k:], party, build)
        if not st.place(members, [label - 1] if label else everyone, party, build):
            return None
    return Assign(party, build)


def _pack(pb: Problem, st: _State, units: list, party: list[int], build: list[str]) -> Assign | None:
    """What is left when time is up: each unit on its members' first builds, in the emptiest party
    with room (locked units in theirs), in one pass without pricing."""
    count = st.count
    order = sorted(range(pb.parties), key=lambda g: count[g])
    # One pointer per unit size into the parties by fill: a party too full for a unit of some size
    # stays too full for every later one of that size (counts only grow), so one pass does.
    ptr = [0] * (pb.size + 1)
    for members, label in units:
        size = len(members)
        if label:
            g = label - 1
            if count[g] + size > pb.size:
                return None
        else:
            while ptr[size] < len(order) and count[order[ptr[size]]] + size > pb.size:
                ptr[size] += 1
            if ptr[size] == len(order):
                return None
            g = order[ptr[size]]
        count[g] += size
        for m in members:
            party[m], build[m] = g, pb.options[m][0]
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
                 previous: dict[int, tuple[int, str]] | None = None, change_penalty: float = 0.0,
                 stop=None, deep: bool = False) -> Assign:
    """First-improvement moves, evaluated incrementally: change one player's build, move a free
    player to a party with room, swap two free players. Stops at a local optimum or the budget.

    With ``previous`` (player -> (party, build) of the last plan), a player whose party or build
    differs from it costs ``change_penalty``: a re-plan then finds the one or two moves that repair
    a party a leaver emptied, which a short CP-SAT run over the whole squad can miss. ``deep``: at
    a local optimum, also the two-player moves that change builds (_join_rebuild, _swap_rebuild)."""
    deadline = time.perf_counter() + budget
    a = a.copy()
    prev = previous or {}

    def cost(i: int, g: int, b: str) -> float:
        """The change penalty player ``i`` pays in party ``g`` with build ``b``."""
        was = prev.get(i)
        return change_penalty if was is not None and was != (g, b) else 0.0

    sums = np.zeros((pb.parties, len(pb.caps)))
    squad = np.zeros(len(pb.squad_caps))
    counts = [0] * pb.parties
    for i in range(pb.n):
        sums[a.party[i]] += pb.build_vec[a.build[i]]
        squad += pb.build_squad[a.build[i]]
        counts[a.party[i]] += 1
    pv = [float(pb.party_values(sums[g])) for g in range(pb.parties)]
    sq = _squad_value(pb, squad)
    free = sorted(pb.free)
    # The free players of each party: a swap looks only at the other party's members.
    members: list[set[int]] = [set() for _ in range(pb.parties)]
    for i in free:
        members[a.party[i]].add(i)

    def late() -> bool:
        return time.perf_counter() > deadline or (stop is not None and stop.is_set())

    def deep_step() -> bool:
        """One join or exchange that also changes builds (the best found), applied."""
        nonlocal squad, sq
        move = (_join_rebuild(pb, a, sums, squad, pv, members, counts, cost, late)
                or _swap_rebuild(pb, a, sums, squad, pv, members, cost, late))
        if move is None:
            return False
        i, bi, h, j, bj, gj = move
        g, old_i, old_j = a.party[i], a.build[i], a.build[j]
        sums[g] -= pb.build_vec[old_i]
        sums[h] += pb.build_vec[bi] - pb.build_vec[old_j]
        sums[gj] += pb.build_vec[bj]
        squad = squad + pb.build_squad[bi] + pb.build_squad[bj] - pb.build_squad[old_i] - pb.build_squad[old_j]
        counts[g] -= 1
        counts[h] += 1
        if gj != h:  # an exchange: j took i's place
            counts[h] -= 1
            counts[gj] += 1
        members[g].discard(i)
        members[h].discard(j)
        members[h].add(i)
        members[gj].add(j)
        a.party[i], a.build[i], a.party[j], a.build[j] = h, bi, gj, bj
        pv[g], pv[h] = float(pb.party_values(sums[g])), float(pb.party_values(sums[h]))
        sq = _squad_value(pb, squad)
        return True

    for pass_no in range(max_passes):
        # Deep: the compound repairs first, before single moves settle into a poorer optimum (a
        # healer moved into the leaver's party leaves his own without one).
        improved = deep and pass_no == 0 and deep_step()
        for i in range(pb.n):
            if late():
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
                if late():
                    return a
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
                        members[g].discard(i)
                        members[h].add(i)
                        a.party[i], a.build[i], vi, improved = h, best_b, vb, True
                        continue
                for j in sorted(members[h]):
                    bj = a.build[j]
                    vj = pb.build_vec[bj]
                    ng, nh = float(pb.party_values(sums[g] - vi + vj)), float(pb.party_values(sums[h] + vi - vj))
                    moves = cost(i, h, bi) + cost(j, g, bj) - cost(i, g, bi) - cost(j, h, bj)
                    if ng + nh - pv[g] - pv[h] - moves > 1e-9:
                        sums[g] += vj - vi
                        sums[h] += vi - vj
                        pv[g], pv[h] = ng, nh
                        members[g].discard(i)
                        members[h].discard(j)
                        members[g].add(j)
                        members[h].add(i)
                        a.party[i], a.party[j], improved = h, g, True
                        break
        if not improved and not (deep and deep_step()):
            break
    return a


# A two-player move: (i, i's build, i's new party h, j (a member of h), j's build, j's new party:
# h when he stays, i's old party in an exchange).
PairMove = tuple[int, str, int, int, str, int]


def _pair_gains(pb: Problem, a: Assign, sums: np.ndarray, squad: np.ndarray, pv: list[float], cost,
                i: int, h: int, rows: list[tuple[str, int, str]], exchange: bool) -> np.ndarray:
    """The score change of each (i's build, j, j's build) when i moves into party h and j, of h,
    changes build, staying in h or (``exchange``) taking i's place; priced at once."""
    g, bi0 = a.party[i], a.build[i]
    vi = np.array([pb.build_vec[bi] for bi, _, _ in rows])
    vj = np.array([pb.build_vec[bj] for _, _, bj in rows])
    out_j = np.array([pb.build_vec[a.build[j]] for _, j, _ in rows])
    if exchange:
        new_g = pb.party_values(sums[g] - pb.build_vec[bi0] + vj)
        new_h = pb.party_values(sums[h] - out_j + vi)
    else:
        new_g = pb.party_values(sums[g] - pb.build_vec[bi0])
        new_h = pb.party_values(sums[h] + vi - out_j + vj)
    gj = g if exchange else h
    dsq = np.array([pb.build_squad[bi] + pb.build_squad[bj] - pb.build_squad[a.build[j]] for bi, j, bj in rows])
    new_sq = _squad_values(pb, squad - pb.build_squad[bi0] + dsq)
    extra = np.array([pb.pref[i][bi] - pb.pref[i][bi0] + pb.pref[j][bj] - pb.pref[j][a.build[j]]
                      - cost(i, h, bi) + cost(i, g, bi0) - cost(j, gj, bj) + cost(j, h, a.build[j])
                      for bi, j, bj in rows])
    return new_g + new_h - pv[g] - pv[h] + new_sq - float(_squad_values(pb, squad)) + extra


def _best_pair(pb: Problem, a: Assign, sums: np.ndarray, squad: np.ndarray, pv: list[float], cost, i: int, h: int,
               rows: list[tuple[str, int, str]], exchange: bool) -> tuple[tuple[str, int, str] | None, float]:
    """The row of ``rows`` (see _pair_gains) that gains most, and its gain (-inf with no rows)."""
    if not rows:
        return None, float("-inf")
    delta = _pair_gains(pb, a, sums, squad, pv, cost, i, h, rows, exchange)
    k = int(np.argmax(delta))
    return rows[k], float(delta[k])


def _join_rebuild(pb: Problem, a: Assign, sums: np.ndarray, squad: np.ndarray, pv: list[float],
                  members: list[set[int]], counts: list[int], cost, late) -> PairMove | None:
    """The best move of a free player into a party with room, with any of his builds, together
    with one free member there changing build, if it gains.

    The other half of a leaver's repair: the party that lost its healer has room; its anchor
    becomes the healer and a player from elsewhere comes in as the anchor."""
    best, best_delta = None, 1e-9
    for h in sorted((h for h in range(pb.parties) if counts[h] < pb.size), key=lambda h: pv[h]):
        stay = sorted(members[h])
        if not stay:
            continue
        for i in (i for i in pb.free if a.party[i] != h):
            if late():
                return best
            rows = [(bi, j, bj) for bi in pb.options[i] for j in stay for bj in pb.options[j] if bj != a.build[j]]
            row, gain = _best_pair(pb, a, sums, squad, pv, cost, i, h, rows, exchange=False)
            if gain > best_delta:
                bi, j, bj = row
                best, best_delta = (i, bi, h, j, bj, h), gain
    return best


def _swap_rebuild(pb: Problem, a: Assign, sums: np.ndarray, squad: np.ndarray, pv: list[float],
                  members: list[set[int]], cost, late) -> PairMove | None:
    """The best exchange of two free players of different parties, each taking any of his builds
    in the other's party, if it gains.

    The repair after a leaver took a party's healer is often this: a player who can heal swaps in
    and changes build, someone of that party takes his place. Single moves and plain swaps do not
    find it (each half alone loses); all exchanges are priced at once per player pair of parties."""
    best, best_delta = None, 1e-9
    # The weakest parties first (the one a leaver broke): cut short by the time limit, the search
    # has then looked where the repair is.
    order = sorted(range(pb.parties), key=lambda g: pv[g])
    rank = {g: k for k, g in enumerate(order)}
    for g in order:
        for i in sorted(members[g]):
            bi0 = a.build[i]
            for h in order:
                if rank[h] <= rank[g]:
                    continue
                if late():
                    return best
                rows = [(bi, j, bj) for j in sorted(members[h]) for bi in pb.options[i] for bj in pb.options[j]
                        if not (bi == bi0 and bj == a.build[j])]
                row, gain = _best_pair(pb, a, sums, squad, pv, cost, i, h, rows, exchange=True)
                if gain > best_delta:
                    bi, j, bj = row
                    best, best_delta = (i, bi, h, j, bj, g), gain
    return best


def complete(pb: Problem, fixed: dict[int, tuple[int, str]], deadline: float | None = None,
             stop=None) -> Assign | None:
    """Keep the given (party, build) of some players and place the rest greedily where they add
    most (the starting point of a re-plan). None if the rest cannot be placed. Past the deadline
    the rest are only packed."""
    st = _State(pb)
    party, build = [0] * pb.n, [""] * pb.n
    for i, (g, b) in fixed.items():
        st.add(g, [b])
        party[i], build[i] = g, b
    everyone = np.arange(pb.parties)
    for members, label in sorted(_units(pb), key=lambda u: (u[1] is None, -len(u[0]))):
        rest = [m for m in members if m not in fixed]
        if not rest:
            continue
        anchor = {fixed[m][0] for m in members if m in fixed}
        targets = [label - 1] if label else (sorted(anchor) if anchor else everyone)
        place = st.fill if _out_of_time(deadline, stop) else st.place
        if not place(rest, targets, party, build):
            return None
    return Assign(party, build)
