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

    @cached_property
    def multiset(self) -> np.ndarray:
        """(ncol,) the free multiset of each column (an index into free_counts)."""
        return np.concatenate([np.tile(np.arange(r.length, dtype=np.int32), r.n) for r in self.runs]
                              or [np.zeros(0, dtype=np.int32)])

    @cached_property
    def counts(self) -> np.ndarray:
        """(ncol, C) int8: free players per class."""
        return self.free_counts[self.multiset]

    @cached_property
    def slots(self) -> np.ndarray:
        """(ncol, party size): the class of each free place, C where empty."""
        return self.free_slots[self.multiset]

    @cached_property
    def places(self) -> np.ndarray:
        """The slots place by place, each row contiguous."""
        return np.ascontiguousarray(self.slots.T)

    @cached_property
    def free_places(self) -> np.ndarray:
        """The free multisets' slots place by place, each row contiguous: what pricing reads."""
        return np.ascontiguousarray(self.free_slots.T)

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


def free_multisets(avail: np.ndarray, max_size: int, vecs: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every class multiset of size 0..max_size within the availability, by size, then (within a
    size) by the class added last: its counts (M, C) int8, the classes of its places in order
    (M, max_size; C pads the empty places), its summed party vector given the classes' ``vecs``
    (C, K) (added class by class as it is built: no product over all counts), and where each size
    starts (max_size + 2 offsets; a size with no multiset is empty)."""
    c = len(avail)
    k_dim = vecs.shape[1] if vecs is not None else 0
    ends = np.cumsum([0, *multiset_counts(avail, max_size)])
    total = int(ends[-1])
    counts = np.zeros((total, c), dtype=np.int8)
    slots = np.full((total, max_size), c, dtype=np.int16)
    sums = np.zeros((total, k_dim))
    last = np.full(total, -1, dtype=np.int64)  # highest class in each row, so each multiset is built once
    for size in range(max_size):
        p0, at = int(ends[size]), int(ends[size + 1])
        # A size's rows come by the class added last, in order: those whose highest class is at
        # most k are a prefix, and only the rows ending in k itself can have used all of class k.
        upto = np.searchsorted(last[p0:at], np.arange(c), side="right")
        for k in np.flatnonzero(avail > 0).tolist():
            lo, hi = int(upto[k - 1]) if k else 0, int(upto[k])
            if avail[k] > size:
                take = np.arange(p0, p0 + hi)
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
            if vecs is not None:
                np.add(sums[take], vecs[k], out=sums[dst])
            last[dst] = k
            at += n
        assert at == ends[size + 2], "multiset_counts and free_multisets disagree"
    return counts, slots, sums, ends


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
    free_counts, free_slots, free_vecs, ends = free_multisets(_avail(pb), pb.size, pb.class_vec.reshape(-1, K))
    ends = ends[1:]
    sizes = [len(grp.members) for grp in pb.groups]
    configs = {g: _configs(pb, g) for g in range(len(pb.groups))}

    plan: list[tuple[int | None, list[int], list[tuple], int]] = []  # (label, groups, configurations, length)
    total = 0
    for lab, combo in _unit_sets(pb):
        groups = ([lab] if lab is not None else []) + list(combo)
        length = int(ends[min(pb.size - sum(sizes[g] for g in groups), len(ends) - 1)])
        n_cfg = int(np.prod([len(configs[g]) for g in groups])) if groups else 1
        total += n_cfg * length
        if total > limit:  # counted before anything is built
            raise TooManyColumns(total)
        plan.append((pb.groups[lab].label if lab is not None else None, groups,
                     list(itertools.product(*(configs[g] for g in groups))), length))

    values = np.empty(total)
    blocks: list[Block] = []
    runs: list[Run] = []
    pos = 0
    for label, groups, cfgs, length in plan:
        if deadline is not None and time.perf_counter() >= deadline:
            raise TooManyColumns(f"{pos} (out of time)")
        runs.append(Run(len(blocks), len(cfgs), length))
        blocks += [Block(label, tuple(zip(groups, cfg, strict=True)), pos + i * length, pos + (i + 1) * length)
                   for i, cfg in enumerate(cfgs)]
        # Each configuration's units add one fixed vector to every free multiset's: the sums are
        # valued a cache-sized slice at a time, several configurations at once when they are short.
        members = np.array([[c for classes in cfg for c in classes] for cfg in cfgs], dtype=np.intp).reshape(len(cfgs), -1)
        bases = pb.class_vec.reshape(-1, K)[members].sum(axis=1)
        if length >= VALUE_ROWS:
            for i, base in enumerate(bases):
                at = pos + i * length
                for lo in range(0, length, VALUE_ROWS):
                    hi = min(length, lo + VALUE_ROWS)
                    values[at + lo:at + hi] = pb.party_values(free_vecs[lo:hi] + base)
        else:
            step = VALUE_ROWS // max(1, length)
            for lo in range(0, len(cfgs), step):
                part = free_vecs[None, :length, :] + bases[lo:lo + step, None, :]
                values[pos + lo * length:pos + lo * length + part.shape[0] * length] = \
                    pb.party_values(part.reshape(-1, K))
        pos += len(cfgs) * length
    return Columns(values, blocks, runs, free_counts, free_slots)
