"""Party compositions ("columns") for the set-partitioning formulation.

A column is what one party can hold: a multiset of build classes for free players, plus whole
units (locked or `with` groups) with a class chosen for each of their members. Party labels are
interchangeable except for locked ones, so choosing *how many* of each composition replaces the
player×party variables whose symmetry stalls the naive model.

Columns come in blocks: one block per (set of units, their member classes); every block pairs
with each free multiset that fits the remaining places. The free multisets of at most s places
are a prefix of the list of all of them (sizes come in order), so a block's columns are the first
``stop - start`` free multisets, in order: the per-column arrays (counts, slots) are that list
repeated, and are made only when asked for; pricing and lookups work on the list itself.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from warclaw.engine.problem import Problem

MAX_COLUMNS = 3_000_000
# Rows of summed party vectors valued at once: small enough for the temporaries to stay in the
# cache (valued a few million rows at once, the same arithmetic ran ~5x slower), large enough
# that the calls' overhead does not count.
VALUE_ROWS = 4096


@dataclass
class Block:
    label: int | None                      # a locked party number, or None for an interchangeable party
    units: tuple[tuple[int, tuple[int, ...]], ...]  # (group index, class per member)
    start: int                             # first column of the block
    stop: int


@dataclass
class Run:
    """Consecutive blocks of one unit set: ``n`` blocks (one per configuration of the units'
    classes) from block ``first``, each of the first ``length`` free multisets."""

    first: int
    n: int
    length: int
    label: int | None        # the blocks' party number, if locked
    groups: list[int]        # the units (group indices), in the blocks' order
    classes: np.ndarray      # (n, members): each block's member classes, unit by unit


@dataclass
class Columns:
    values: np.ndarray       # (ncol,) party term of the score
    blocks: list[Block]
    runs: list[Run]          # the blocks, grouped by unit set, in column order
    free_counts: np.ndarray  # (M, C) int8: free players per class of every free multiset
    # (M, party size): the class of each free place, C where empty (places filled in order).
    free_slots: np.ndarray

    def __post_init__(self) -> None:
        self._starts = np.array([b.start for b in self.blocks], dtype=np.int64)
        # A random 64-bit weight per class (wrapping sums), 0 for the empty place's class C.
        self._mix = np.random.default_rng(0).integers(1, 2**62, size=self.free_counts.shape[1] + 1, dtype=np.int64)
        self._mix[-1] = 0

    def parts(self, columns: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(block, free multiset) of each of ``columns``, without the per-column arrays."""
        block = np.searchsorted(self._starts, columns, side="right") - 1
        return block, columns - self._starts[block]

    def _per_column(self, free: np.ndarray) -> np.ndarray:
        """Rows of the free multisets repeated as the columns take them (block copies: a gather
        of 30-byte rows is several times slower)."""
        out = np.empty((len(self), *free.shape[1:]), dtype=free.dtype)
        for run in self.runs:
            at = self.blocks[run.first].start
            out[at:at + run.n * run.length].reshape(run.n, run.length, *free.shape[1:])[:] = free[None, :run.length]
        return out

    @cached_property
    def counts(self) -> np.ndarray:
        """(ncol, C) int8: free players per class."""
        return self._per_column(self.free_counts)

    @cached_property
    def slots(self) -> np.ndarray:
        """(ncol, party size): the class of each free place, C where empty."""
        return self._per_column(self.free_slots)

    @cached_property
    def places(self) -> np.ndarray:
        """The slots place by place, each row contiguous."""
        return np.ascontiguousarray(self.slots.T)

    @cached_property
    def free_places(self) -> np.ndarray:
        """The free multisets' slots place by place, each row contiguous, as gather indices (numpy
        converts narrower ones on every gather): what pricing reads."""
        return np.ascontiguousarray(self.free_slots.T, dtype=np.intp)

    @cached_property
    def block_of(self) -> np.ndarray:
        """(ncol,) block index."""
        return np.repeat(np.arange(len(self.blocks)), [b.stop - b.start for b in self.blocks])

    @cached_property
    def _keys(self) -> np.ndarray:
        # Summed place by place: integer matrix products have no fast path in numpy, gathers do.
        keys = np.zeros(len(self.free_slots), dtype=np.int64)
        for place in self.free_slots.T:
            keys += self._mix[place]
        return keys

    def find(self, start: int, stop: int, counts: np.ndarray) -> int | None:
        """The column in [start, stop) (within one block) with these free-class counts, if any,
        by a 64-bit key per free multiset made once (a random linear hash, wrapping; a match is
        checked exactly)."""
        if stop <= start:
            return None
        blk = self.blocks[int(np.searchsorted(self._starts, start, side="right")) - 1]
        if stop > blk.stop:
            raise ValueError(f"columns {start}..{stop} span more than block {blk.start}..{blk.stop}")
        off = start - blk.start
        key = int((counts.astype(np.int64) * self._mix[:-1]).sum())
        for h in np.flatnonzero(self._keys[off:off + stop - start] == key).tolist():
            if (self.free_counts[off + h] == counts).all():
                return start + h
        return None

    def __len__(self) -> int:
        return len(self.values)


class TooManyColumns(Exception):
    pass


def free_multisets(avail: np.ndarray, max_size: int, coding: _Coding | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every class multiset of size 0..max_size within the availability, by size, then (within a
    size) by the class added last: its counts (M, C) int8, the classes of its places in order
    (M, max_size; C pads the empty places), its codes (M, groups) given a ``coding``, and where
    each size starts (max_size + 2 offsets; a size with no multiset is empty)."""
    c = len(avail)
    ends = np.cumsum([0, *multiset_counts(avail, max_size)])
    total = int(ends[-1])
    counts = np.zeros((total, c), dtype=np.int8)
    slots = np.full((total, max_size), c, dtype=np.int16)
    codes = np.zeros((total, len(coding.offsets) if coding else 0), dtype=np.intp)
    if coding:
        codes[0] = coding.offsets  # the empty multiset: every sum 0
    last = np.full(total, -1, dtype=np.int64)  # highest class in each row, so each multiset is built once
    for size in range(max_size):
        p0, at = int(ends[size]), int(ends[size + 1])
        # A size's rows come by the class added last, in order: those whose highest class is at
        # most k are a prefix, and only the rows ending in k itself can have used all of class k.
        upto = np.searchsorted(last[p0:at], np.arange(c), side="right")
        for k in np.flatnonzero(avail > 0).tolist():
            lo, hi = int(upto[k - 1]) if k else 0, int(upto[k])
            if avail[k] > size:
                take: slice | np.ndarray = slice(p0, p0 + hi)
                n = hi
            else:
                seg = np.flatnonzero(counts[p0 + lo:p0 + hi, k] < avail[k])
                take = np.concatenate([np.arange(p0, p0 + lo), p0 + lo + seg])
                n = len(take)
            if not n:
                continue
            dst = slice(at, at + n)
            counts[dst] = counts[take]
            counts[dst, k] += 1
            slots[dst] = slots[take]
            slots[dst, size] = k
            if coding:
                np.take(coding.trans[k], codes[take], out=codes[dst])
            last[dst] = k
            at += n
        assert at == ends[size + 2], "multiset_counts and free_multisets disagree"
    return counts, slots, codes, ends


# Capabilities are coded together while their joint code has at most this many values (a
# block's value table then stays in the cache).
GROUP_CODES = 4096


@dataclass
class _Coding:
    """The free multisets' summed party vectors, coded. Per capability: the distinct sums a free
    multiset can reach, each made as the multisets are (class by class, in order) and clipped at
    the target (past it the capability is full whatever units add, so the value is the same).
    Capabilities are grouped; one code per group stands for its capabilities' sums (the groups'
    codes are numbered one after another, from ``offsets``), and ``trans[class, code]`` is the
    code after adding a class. A party's value is then a sum over groups of one small table's
    entries (made per unit configuration with Problem.party_values)."""

    groups: list[list[int]]            # capabilities of each group
    sums: list[list[np.ndarray]]       # per group, per capability: the sum of each code
    codes: list[list[np.ndarray]]      # per group, per capability: its code within each of the group's codes
    offsets: np.ndarray                # per group: its first code
    trans: np.ndarray                  # (C, codes)

    def tables(self, pb: Problem, bases: np.ndarray) -> np.ndarray:
        """(n, codes): for each base (n, K), every code's value: per group, the sum over its
        capabilities of w·min(1, (base + sum)/t), each term valued by Problem.party_values on a
        vector zero but there."""
        K = len(pb.caps)
        each = [(k, s) for caps, sums in zip(self.groups, self.sums, strict=True) for k, s in zip(caps, sums, strict=True)]
        vec = np.zeros((len(bases), sum(len(s) for _, s in each), K))
        at = 0
        for k, s in each:
            vec[:, at:at + len(s), k] = bases[:, k, None] + s[None, :]
            at += len(s)
        terms = pb.party_values(vec)
        out = np.empty((len(bases), self.trans.shape[1]))
        at = 0
        for g, codes in enumerate(self.codes):
            part = out[:, self.offsets[g]:self.offsets[g] + len(codes[0])]
            for i, (c, s) in enumerate(zip(codes, self.sums[g], strict=True)):
                term = terms[:, at:at + len(s)]
                at += len(s)
                if i:
                    part += term[:, c]
                else:
                    part[:] = term[:, c]
        return out

    def decode(self, codes: np.ndarray, n: int, K: int) -> np.ndarray:
        """(n, K) the clipped summed party vectors of the first n free multisets."""
        out = np.zeros((n, K))
        for g, caps in enumerate(self.groups):
            own = codes[:n, g] - self.offsets[g]
            for k, s, c in zip(caps, self.sums[g], self.codes[g], strict=True):
                out[:, k] = s[c[own]]
        return out


def _coding(pb: Problem, avail: np.ndarray) -> _Coding:
    C, K = len(pb.class_vec), len(pb.caps)
    used = np.flatnonzero(avail > 0)
    cap_sums, cap_trans = [], []
    for k in range(K):
        v, t = pb.class_vec[:, k], float(pb.targets[k])
        step = set(v[used].tolist())
        # Level by level (a few dozen floats: Python sets beat array calls here); the same
        # additions, in the same order, as the multisets' own: x + amount, then the clip.
        level, reached, inner = {0.0}, {0.0}, set()
        for _ in range(pb.size):
            inner |= level  # below the top level: these sums' successors must be coded exactly
            level = {min(x + a, t) for x in level for a in step}
            reached |= level
        sums = np.array(sorted(reached))
        nxt = np.minimum(sums[:, None] + v[None, :], t)
        trans = np.minimum(np.searchsorted(sums, nxt), len(sums) - 1)
        below = np.isin(sums, list(inner))
        assert (sums[trans[below][:, used]] == nxt[below][:, used]).all(), "a sum's successor is not coded"
        cap_sums.append(sums)
        cap_trans.append(np.ascontiguousarray(trans.T))  # (C, codes): the joint tables are built by class
    groups: list[list[int]] = []
    for k in range(K):
        if groups and np.prod([len(cap_sums[j]) for j in groups[-1]]) * len(cap_sums[k]) <= GROUP_CODES:
            groups[-1].append(k)
        else:
            groups.append([k])
    shapes = [tuple(len(cap_sums[k]) for k in caps) for caps in groups]
    sizes = [int(np.prod(shape)) for shape in shapes]
    offsets = np.concatenate([[0], np.cumsum(sizes)]).astype(np.intp)
    joint = np.empty((C, int(offsets[-1])), dtype=np.intp)
    sums, codes = [], []
    for g, (caps, shape) in enumerate(zip(groups, shapes, strict=True)):
        each = np.unravel_index(np.arange(sizes[g]), shape)
        out = joint[:, offsets[g]:offsets[g + 1]]
        out[:] = offsets[g]
        for i, (k, c) in enumerate(zip(caps, each, strict=True)):
            out += cap_trans[k][:, c] * int(np.prod(shape[i + 1:]))
        sums.append([cap_sums[k] for k in caps])
        codes.append(list(each))
    return _Coding(groups, sums, codes, offsets[:-1], joint)


def multiset_counts(avail: np.ndarray, max_size: int) -> list[int]:
    """How many multisets of each size 0..max_size free_multisets makes (counted, not built):
    the coefficients of the product over classes of (1 + x + ... + x^avail)."""
    by_size = [1] + [0] * max_size
    for a in avail.tolist():
        by_size = [sum(by_size[s - j] for j in range(min(a, s) + 1)) for s in range(max_size + 1)]
    return by_size


def estimate(pb: Problem) -> int:
    """The number of columns enumerate_columns would make (cheap: nothing is built)."""
    ends = np.cumsum(multiset_counts(_avail(pb), pb.size))
    configs = [len(_configs(pb, g)) for g in range(len(pb.groups))]
    sizes = [len(grp.members) for grp in pb.groups]
    total = 0
    for lab, combo in _unit_sets(pb):
        groups = ([lab] if lab is not None else []) + list(combo)
        free_max = pb.size - sum(sizes[g] for g in groups)
        total += int(np.prod([configs[g] for g in groups])) * int(ends[free_max])
    return total


def _unit_sets(pb: Problem) -> list[tuple[int | None, tuple[int, ...]]]:
    """Unit sets a party can hold: at most one labeled group, any unlabeled groups that fit."""
    labeled = [g for g, grp in enumerate(pb.groups) if grp.label is not None]
    unlabeled = [g for g, grp in enumerate(pb.groups) if grp.label is None]
    sizes = [len(grp.members) for grp in pb.groups]
    unit_sets: list[tuple[int | None, tuple[int, ...]]] = []
    for lab in [None, *labeled]:
        base = sizes[lab] if lab is not None else 0
        for r in range(len(unlabeled) + 1):
            added = False
            for combo in itertools.combinations(unlabeled, r):
                if base + sum(sizes[g] for g in combo) <= pb.size:
                    unit_sets.append((lab, combo))
                    added = True
            if not added and r > 0:
                break
    return unit_sets


def _avail(pb: Problem) -> np.ndarray:
    avail = np.zeros(len(pb.class_vec), dtype=np.int64)
    for i in pb.free:
        for c in pb.player_classes(i):
            avail[c] += 1
    return avail


def _configs(pb: Problem, g: int) -> list[tuple[int, ...]]:
    return list(itertools.product(*(pb.player_classes(m) for m in pb.groups[g].members)))


def enumerate_columns(pb: Problem, limit: int = MAX_COLUMNS, deadline: float | None = None) -> Columns:
    """Every composition; TooManyColumns past ``limit`` columns or past ``deadline``."""
    K = len(pb.caps)
    avail = _avail(pb)
    coding = _coding(pb, avail)
    free_counts, free_slots, codes, ends = free_multisets(avail, pb.size, coding)
    ends = ends[1:]
    sizes = [len(grp.members) for grp in pb.groups]
    units = {g: [(g, cfg) for cfg in _configs(pb, g)] for g in range(len(pb.groups))}

    plan: list[tuple[int | None, list[int], list[tuple], int]] = []  # (label, groups, the units of each block, length)
    total = 0
    for lab, combo in _unit_sets(pb):
        groups = ([lab] if lab is not None else []) + list(combo)
        length = int(ends[min(pb.size - sum(sizes[g] for g in groups), len(ends) - 1)])
        n_cfg = int(np.prod([len(units[g]) for g in groups])) if groups else 1
        total += n_cfg * length
        if total > limit:  # counted before anything is built
            raise TooManyColumns(total)
        plan.append((pb.groups[lab].label if lab is not None else None, groups,
                     list(itertools.product(*(units[g] for g in groups))), length))

    # A long block is valued from per-code tables (a few gathers per column); a short one
    # directly, from its sums, several blocks at once.
    table_size = coding.trans.shape[1] + K * sum(len(s) for sums in coding.sums for s in sums)
    long_from = 2 * table_size // K if K else total + 1
    direct = coding.decode(codes, max([n for *_, n in plan if n < long_from], default=0), K)
    by_group = np.ascontiguousarray(codes[:max([n for *_, n in plan if n >= long_from], default=0)].T)
    values = np.empty(total)
    blocks: list[Block] = []
    runs: list[Run] = []
    pos = 0
    for label, groups, block_units, length in plan:
        if deadline is not None and time.perf_counter() >= deadline:
            raise TooManyColumns(f"{pos} (out of time)")
        members = np.array([[c for _, classes in u for c in classes] for u in block_units],
                           dtype=np.intp).reshape(len(block_units), -1)
        runs.append(Run(len(blocks), len(block_units), length, label, groups, members))
        blocks += [Block(label, u, pos + i * length, pos + (i + 1) * length) for i, u in enumerate(block_units)]
        # Each configuration's units add one fixed vector to every free multiset's.
        bases = pb.class_vec[members].sum(axis=1)
        if length >= long_from:
            tables = coding.tables(pb, bases)
            for i, table in enumerate(tables):
                out = values[pos + i * length:pos + (i + 1) * length]
                np.take(table, by_group[0, :length], out=out)
                for g in range(1, len(by_group)):
                    out += table[by_group[g, :length]]
        else:
            step = max(1, VALUE_ROWS // max(1, length))
            for lo in range(0, len(bases), step):
                part = direct[None, :length, :] + bases[lo:lo + step, None, :]
                values[pos + lo * length:pos + lo * length + part.shape[0] * length] = \
                    pb.party_values(part.reshape(part.shape[0] * length, K))
        pos += len(block_units) * length
    return Columns(values, blocks, runs, free_counts, free_slots)
