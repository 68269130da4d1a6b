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
from dataclasses import dataclass

import numpy as np

from warclaw.engine.problem import Problem

MAX_COLUMNS = 3_000_000


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
    slots: np.ndarray = None  # (ncol, party size): the class of each free place, C where empty

    def __post_init__(self) -> None:
        if self.slots is None:
            # Pricing gathers one dual per free place: exact float64 at a fraction of a dense product.
            width = int(self.counts.sum(axis=1).max()) if len(self.counts) else 0
            c = self.counts.shape[1]
            slots = np.full((len(self.counts), max(1, width)), c, dtype=np.int16)
            remaining = self.counts.astype(np.int16)
            for w in range(width):
                has = remaining.any(axis=1)
                first = np.argmax(remaining > 0, axis=1)
                slots[has, w] = first[has]
                remaining[np.flatnonzero(has), first[has]] -= 1
            self.slots = slots

    def __len__(self) -> int:
        return len(self.values)


class TooManyColumns(Exception):
    pass


def free_multisets(avail: np.ndarray, max_size: int) -> list[np.ndarray]:
    """Count matrices of all class multisets of each size 0..max_size within the availability."""
    c = len(avail)
    out = [np.zeros((1, c), dtype=np.int8)]
    last_max = np.full(1, -1)  # highest class used in each row, so each multiset is built once
    for _ in range(max_size):
        prev = out[-1]
        rows, maxes = [], []
        for k in range(c):
            sel = (last_max <= k) & (prev[:, k] < avail[k])
            if not sel.any():
                continue
            r = prev[sel].copy()
            r[:, k] += 1
            rows.append(r)
            maxes.append(np.full(len(r), k))
        if not rows:
            break
        out.append(np.concatenate(rows))
        last_max = np.concatenate(maxes)
    return out


def estimate(pb: Problem) -> int:
    avail = _avail(pb)
    by_size = [len(m) for m in free_multisets(avail, pb.size)]
    return sum(by_size) * (1 + sum(len(_configs(pb, g)) for g in range(len(pb.groups))))


def _avail(pb: Problem) -> np.ndarray:
    avail = np.zeros(len(pb.class_vec), dtype=np.int64)
    for i in pb.free:
        for c in pb.player_classes(i):
            avail[c] += 1
    return avail


def _configs(pb: Problem, g: int) -> list[tuple[int, ...]]:
    return list(itertools.product(*(pb.player_classes(m) for m in pb.groups[g].members)))


def enumerate_columns(pb: Problem, limit: int = MAX_COLUMNS) -> Columns:
    avail = _avail(pb)
    by_size = free_multisets(avail, pb.size)
    cum = [np.concatenate(by_size[: s + 1]) for s in range(len(by_size))]
    vecs = pb.class_vec
    labeled = [g for g, grp in enumerate(pb.groups) if grp.label is not None]
    unlabeled = [g for g, grp in enumerate(pb.groups) if grp.label is None]
    sizes = [len(grp.members) for grp in pb.groups]

    # Unit sets a party can hold: at most one labeled group, any unlabeled groups that fit.
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
    configs = {g: _configs(pb, g) for g in range(len(pb.groups))}

    blocks: list[Block] = []
    parts_counts, parts_values = [], []
    total = 0
    for lab, combo in unit_sets:
        groups = ([lab] if lab is not None else []) + list(combo)
        used = sum(sizes[g] for g in groups)
        free_max = min(pb.size - used, len(cum) - 1)
        counts = cum[free_max]
        base_vals = counts.astype(float) @ vecs if len(vecs) else np.zeros((len(counts), 0))
        for cfg in itertools.product(*(configs[g] for g in groups)):
            base = np.zeros(len(pb.caps))
            for classes in cfg:
                for c in classes:
                    base += vecs[c]
            total += len(counts)
            if total > limit:
                raise TooManyColumns(total)
            label = pb.groups[lab].label if lab is not None else None
            blocks.append(Block(label, tuple(zip(groups, cfg, strict=True)), total - len(counts), total))
            parts_counts.append(counts)
            parts_values.append(pb.party_values(base_vals + base))
    block_of = np.repeat(np.arange(len(blocks)), [b.stop - b.start for b in blocks])
    return Columns(np.concatenate(parts_counts), np.concatenate(parts_values), block_of, blocks)
