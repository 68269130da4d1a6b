"""Party compositions ("columns") for the set-partitioning formulation.

A column is what one party can hold: a multiset of build classes for free players, plus whole
units (locked or `with` groups) with a class chosen for each of their members. Party labels are
interchangeable except for locked ones, so choosing *how many* of each composition replaces the
player×party variables whose symmetry stalls the naive model.

Columns come in blocks: one block per (set of units, their member classes); every block pairs
with each free multiset that fits the remaining places.
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

import numpy as np

from warclaw.engine.problem import Problem

MAX_COLUMNS = 3_000_000
# Array elements valued at once while enumerating (~64 MB of float64).
VALUE_CHUNK = 8_000_000


@dataclass
class Block:
    label: int | None                      # a locked party number, or None for an interchangeable party
    units: tuple[tuple[int, tuple[int, ...]], ...]  # (group index, class per member)
    start: int                             # first column of the block
    stop: int


@dataclass
class Columns:
    counts: np.ndarray     # (ncol, C) int8: free players per class
    values: np.ndarray     # (ncol,) party term of the score
    block_of: np.ndarray   # (ncol,) block index
    blocks: list[Block]
    # (ncol, party size): the class of each free place, C where empty. Pricing gathers one dual
    # per place: exact float64 at a fraction of a dense counts x duals product.
    slots: np.ndarray

    def __post_init__(self) -> None:
        # The same classes place by place, each row contiguous: what pricing reads.
        self.places = np.ascontiguousarray(self.slots.T)
        # A random 64-bit weight per class (wrapping sums), 0 for the empty place's class C.
        self._mix = np.random.default_rng(0).integers(1, 2**62, size=self.counts.shape[1] + 1, dtype=np.int64)
        self._mix[-1] = 0
        self._keys: np.ndarray | None = None

    def find(self, start: int, stop: int, counts: np.ndarray) -> int | None:
        """The column in [start, stop) with these free-class counts, if any, by a 64-bit key per
        column made once (a random linear hash, wrapping; a match is checked exactly)."""
        if self._keys is None:
            # Summed place by place: integer matrix products have no fast path in numpy, gathers do.
            self._keys = np.zeros(len(self.values), dtype=np.int64)
            for place in self.places:
                self._keys += self._mix[place]
        key = int((counts.astype(np.int64) * self._mix[:-1]).sum())
        for h in np.flatnonzero(self._keys[start:stop] == key).tolist():
            if (self.counts[start + h] == counts).all():
                return start + h
        return None

    def __len__(self) -> int:
        return len(self.values)


class TooManyColumns(Exception):
    pass


def free_multisets(avail: np.ndarray, max_size: int) -> tuple[list[np.ndarray], list[np.ndarray]]:
    """Count matrices of all class multisets of each size 0..max_size within the availability,
    and beside each the classes of its places in order (C pads the empty places)."""
    c = len(avail)
    out = [np.zeros((1, c), dtype=np.int8)]
    slots = [np.full((1, max_size), c, dtype=np.int16)]
    last_max = np.full(1, -1)  # highest class used in each row, so each multiset is built once
    for size in range(max_size):
        prev, prev_slots = out[-1], slots[-1]
        rows, srows, maxes = [], [], []
        for k in range(c):
            sel = (last_max <= k) & (prev[:, k] < avail[k])
            if not sel.any():
                continue
            r = prev[sel].copy()
            r[:, k] += 1
            sr = prev_slots[sel].copy()
            sr[:, size] = k
            rows.append(r)
            srows.append(sr)
            maxes.append(np.full(len(r), k))
        if not rows:
            break
        out.append(np.concatenate(rows))
        slots.append(np.concatenate(srows))
        last_max = np.concatenate(maxes)
    return out, slots


def estimate(pb: Problem) -> int:
    """The number of columns enumerate_columns would make (cheap: nothing is built)."""
    ends = np.cumsum([len(m) for m in free_multisets(_avail(pb), pb.size)[0]])
    configs = [len(_configs(pb, g)) for g in range(len(pb.groups))]
    sizes = [len(grp.members) for grp in pb.groups]
    total = 0
    for lab, combo in _unit_sets(pb):
        groups = ([lab] if lab is not None else []) + list(combo)
        free_max = min(pb.size - sum(sizes[g] for g in groups), len(ends) - 1)
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
    avail = _avail(pb)
    by_size, slots_by_size = free_multisets(avail, pb.size)
    # Multisets of at most s places are a prefix of all of them (sizes come in order).
    everything = np.concatenate(by_size)
    every_slot = np.concatenate(slots_by_size)
    every_val = everything.astype(float) @ pb.class_vec if len(pb.class_vec) else np.zeros((len(everything), 0))
    ends = np.cumsum([len(m) for m in by_size])
    cum = [everything[:e] for e in ends]
    cum_slots = [every_slot[:e] for e in ends]
    cum_vals = [every_val[:e] for e in ends]
    vecs = pb.class_vec
    sizes = [len(grp.members) for grp in pb.groups]
    unit_sets = _unit_sets(pb)
    configs = {g: _configs(pb, g) for g in range(len(pb.groups))}

    blocks: list[Block] = []
    parts_counts, parts_values, parts_slots = [], [], []
    total = 0
    for lab, combo in unit_sets:
        if deadline is not None and time.perf_counter() >= deadline:
            raise TooManyColumns(f"{total} (out of time)")
        groups = ([lab] if lab is not None else []) + list(combo)
        used = sum(sizes[g] for g in groups)
        free_max = min(pb.size - used, len(cum) - 1)
        counts, base_vals = cum[free_max], cum_vals[free_max]
        n_cfg = int(np.prod([len(configs[g]) for g in groups])) if groups else 1
        if total + n_cfg * len(counts) > limit:  # counted before anything is built
            raise TooManyColumns(total + n_cfg * len(counts))
        cfgs = list(itertools.product(*(configs[g] for g in groups)))
        # Each configuration's units add one fixed vector to every free multiset's: all of them
        # are valued in a few array operations (chunked to bound the memory) instead of one call
        # per configuration.
        bases = np.array([vecs[[c for classes in cfg for c in classes]].sum(axis=0) if cfg else
                          np.zeros(len(pb.caps)) for cfg in cfgs]).reshape(len(cfgs), len(pb.caps))
        step = max(1, VALUE_CHUNK // max(1, len(counts) * max(1, len(pb.caps))))
        for lo in range(0, len(cfgs), step):
            if deadline is not None and time.perf_counter() >= deadline:
                raise TooManyColumns(f"{total} (out of time)")
            part = base_vals[None, :, :] + bases[lo:lo + step, None, :]
            parts_values.append(pb.party_values(part).reshape(-1))
        label = pb.groups[lab].label if lab is not None else None
        for cfg in cfgs:
            blocks.append(Block(label, tuple(zip(groups, cfg, strict=True)), total, total + len(counts)))
            total += len(counts)
        parts_counts.append(np.tile(counts, (len(cfgs), 1)))
        parts_slots.append(np.tile(cum_slots[free_max], (len(cfgs), 1)))
    block_of = np.repeat(np.arange(len(blocks)), [b.stop - b.start for b in blocks])
    return Columns(np.concatenate(parts_counts), np.concatenate(parts_values), block_of, blocks,
                   np.concatenate(parts_slots))
