"""The fast composition enumeration and column-generation LP against straightforward reference
computations written here: every column rebuilt from its units and free multiset and valued with
``Problem.party_values`` one block at a time, reduced costs as c - Aᵀy over the whole master, and
the LP over all columns at once with scipy's linprog."""

import itertools

import numpy as np
import pytest
from scipy.optimize import linprog

from warclaw.engine import roster_from_mapping
from warclaw.engine.baselines import greedy
from warclaw.engine.columns import enumerate_columns, estimate
from warclaw.engine.generate import generate_roster, generate_signup
from warclaw.engine.master import build_master, layout, reduced_costs, solve_lp
from warclaw.engine.problem import build_problem
from warclaw.engine.solver import locate
from warclaw.files import load_catalog


@pytest.fixture(scope="module")
def catalog():
    return load_catalog(None)


def _problem(catalog, mapping):
    roster = roster_from_mapping(mapping, catalog, "generated")
    return build_problem(roster.present(), catalog, catalog.mode(mapping.get("mode") or "zerg"))


def _with_units(mapping):
    """A lock of two players to one party and a `with` group of three (units of every shape)."""
    players = mapping["players"]
    players[-1]["lock_party"] = 2
    players[-2]["lock_party"] = 2
    players[-3]["with"] = [players[-4]["name"], players[-5]["name"]]
    return mapping


ROSTERS = {
    "signup-12": lambda: generate_signup(12, 1),
    "signup-16": lambda: generate_signup(16, 4),
    "signup-20": lambda: generate_signup(20, 7),
    "roster-15-duos-locks": lambda: generate_roster(15, 3, duos=2, locks=3),
    "roster-18-units": lambda: _with_units(generate_roster(18, 5, duos=1)),
    "signup-14-units": lambda: _with_units(generate_signup(14, 2)),
    "roaming-13": lambda: generate_roster(13, 8, duos=1, locks=2, mode="roaming"),
    "havoc-signup-12": lambda: generate_signup(12, 9, mode="havoc"),
}


def reference_columns(pb):
    """Blocks (label, units, start, stop), free class counts and values of every composition, in
    the documented order: unit sets (no labeled group first, then each labeled one; unlabeled
    combinations by size, in combination order), their members' class choices in product order,
    then the free multisets by size and, within a size, by their classes read from the last."""
    C = len(pb.class_vec)
    avail = np.zeros(C, dtype=int)
    for i in pb.free:
        for c in pb.player_classes(i):
            avail[c] += 1
    multisets = []
    for s in range(pb.size + 1):
        combos = [m for m in itertools.combinations_with_replacement(range(C), s)
                  if all(m.count(c) <= avail[c] for c in set(m))]
        multisets += sorted(combos, key=lambda m: m[::-1])
    sizes = [len(g.members) for g in pb.groups]
    labeled = [g for g, grp in enumerate(pb.groups) if grp.label is not None]
    unlabeled = [g for g, grp in enumerate(pb.groups) if grp.label is None]
    blocks, counts, values = [], [], []
    for lab in [None, *labeled]:
        for r in range(len(unlabeled) + 1):
            for combo in itertools.combinations(unlabeled, r):
                groups = ([lab] if lab is not None else []) + list(combo)
                places = pb.size - sum(sizes[g] for g in groups)
                if places < 0:
                    continue
                fits = [m for m in multisets if len(m) <= places]
                choices = [list(itertools.product(*(pb.player_classes(m) for m in pb.groups[g].members)))
                           for g in groups]
                for cfg in itertools.product(*choices):
                    unit_classes = [c for classes in cfg for c in classes]
                    start = len(counts)
                    vectors = []
                    for m in fits:
                        counts.append(np.bincount(np.array(m, dtype=int), minlength=C))
                        vectors.append(pb.class_vec[unit_classes + list(m)].sum(axis=0))
                    values.append(pb.party_values(np.array(vectors)))
                    label = pb.groups[lab].label if lab is not None else None
                    blocks.append((label, tuple(zip(groups, cfg, strict=True)), start, len(counts)))
    return blocks, np.array(counts), np.concatenate(values), multisets


@pytest.mark.parametrize("name", sorted(ROSTERS))
def test_columns_match_the_reference(catalog, name):
    pb = _problem(catalog, ROSTERS[name]())
    cols = enumerate_columns(pb)
    blocks, counts, values, multisets = reference_columns(pb)
    assert [(b.label, b.units, b.start, b.stop) for b in cols.blocks] == blocks
    assert len(cols) == len(values) == estimate(pb)
    assert np.array_equal(cols.counts, counts)
    assert np.abs(cols.values - values).max() <= 1e-9
    C = len(pb.class_vec)
    block_of = np.concatenate([np.full(stop - start, n) for n, (_, _, start, stop) in enumerate(blocks)])
    assert np.array_equal(cols.block_of, block_of)
    # The free places in order, C for an empty one.
    places = [list(m) + [C] * (pb.size - len(m)) for m in multisets]
    slots = np.array([places[col - blocks[b][2]] for col, b in enumerate(block_of.tolist())])
    assert np.array_equal(cols.slots, slots)
    assert np.array_equal(cols.places, slots.T)
    block, multiset = cols.parts(np.arange(len(cols)))
    assert np.array_equal(block, block_of)
    assert np.array_equal(cols.free_counts[multiset], counts)
    # Every column is found by its block and counts; counts the block lacks are not.
    rng = np.random.default_rng(0)
    for col in rng.choice(len(cols), size=min(300, len(cols)), replace=False).tolist():
        blk = cols.blocks[block_of[col]]
        assert cols.find(blk.start, blk.stop, counts[col]) == col
    too_many = np.zeros(C, dtype=np.int8)
    too_many[0] = pb.size + 1
    assert cols.find(cols.blocks[0].start, cols.blocks[0].stop, too_many) is None


@pytest.mark.parametrize("name", sorted(ROSTERS))
def test_reduced_costs_are_c_minus_a_transpose_y(catalog, name):
    pb = _problem(catalog, ROSTERS[name]())
    cols = enumerate_columns(pb)
    lay = layout(pb, cols)
    # Each block's rows: the parties row when interchangeable, then per unit its group row and
    # its members' link rows for their classes.
    expected_rows = []
    for blk in cols.blocks:
        rows = [] if blk.label is not None else [(lay.parties_row, 1.0)]
        for j, classes in blk.units:
            rows += [(lay.group_row0 + j, 1.0)] + [(lay.link_rows[(j, i, c)], -1.0) for i, c in enumerate(classes)]
        expected_rows.append(rows)
    assert lay.block_rows == expected_rows
    dense = np.zeros((len(cols.blocks), lay.n_rows))
    for b, rows in enumerate(expected_rows):
        for r, a in rows:
            dense[b, r] += a
    assert np.array_equal(lay.block_matrix.toarray(), dense)
    mst = build_master(pb, cols, lay, np.arange(len(cols)), artificials=False)
    A = mst.A[:, :len(cols)].tocsc()
    rng = np.random.default_rng(1)
    for _ in range(3):
        duals = rng.normal(0, 50, lay.n_rows)
        expected = mst.cost[:len(cols)] - A.T @ duals
        assert np.abs(reduced_costs(cols, lay, duals) - expected).max() <= 1e-9


def _start(pb, cols):
    import time

    inc = greedy(pb, time.perf_counter() + 5, None)
    seeds = [c for c, _ in (locate(pb, cols, inc) or [])] if inc is not None else []
    first = cols.blocks[0]
    return seeds + ([first.start] if first.label is None and not first.units else [])


@pytest.mark.parametrize("name", sorted(ROSTERS))
def test_lp_matches_the_lp_over_all_columns(catalog, name):
    pb = _problem(catalog, ROSTERS[name]())
    cols = enumerate_columns(pb)
    lay = layout(pb, cols)
    lp = solve_lp(pb, cols, lay, _start(pb, cols), batch=50)  # small batches: several rounds
    assert lp.complete
    full = build_master(pb, cols, lay, np.arange(len(cols)), artificials=True)
    ref = linprog(full.cost, A_eq=full.A, b_eq=lay.rhs, bounds=(0, None), method="highs")
    assert ref.status == 0
    assert lp.value == pytest.approx(-ref.fun, abs=1e-9)
    assert lp.bound >= -ref.fun - 1e-9
    # The duals HiGHS returns are optimal ones: no column prices out, the columns used price at 0,
    # and the reported reduced costs are the ones they imply.
    assert np.array_equal(lp.reduced, reduced_costs(cols, lay, lp.duals))
    assert lp.reduced.min() >= -1e-7
    assert all(abs(lp.reduced[c]) <= 1e-6 for c in lp.y)
    assert lp.artificial <= 1e-9
    # The model grown round by round is the model built over the final working set.
    work = build_master(pb, cols, lay, np.array(lp.working), artificials=True)
    again = linprog(work.cost, A_eq=work.A, b_eq=lay.rhs, bounds=(0, None), method="highs")
    assert lp.value == pytest.approx(-again.fun, abs=1e-9)
    y = np.zeros(len(cols))
    for c, v in lp.y.items():
        y[c] = v
    assert float(y @ cols.values) <= lp.value + 1e-6


def test_lp_stopped_early_keeps_a_valid_bound(catalog):
    pb = _problem(catalog, ROSTERS["signup-20"]())
    cols = enumerate_columns(pb)
    lay = layout(pb, cols)
    full = solve_lp(pb, cols, lay, _start(pb, cols))
    early = solve_lp(pb, cols, lay, _start(pb, cols), batch=5, deadline=0.0)
    assert not early.complete
    assert early.bound >= full.value - 1e-9


def test_a_mode_without_party_terms():
    """No boon targets and no slots: every value is 0, and the LP still prices the squad terms."""
    import copy

    from warclaw.engine import catalog_from_mapping
    from warclaw.files import shipped_catalog_mapping

    data = copy.deepcopy(shipped_catalog_mapping())
    data["modes"]["zerg"].update(party_targets={}, party_weights={}, party_slots=[])
    catalog = catalog_from_mapping(data)
    pb = _problem(catalog, generate_roster(12, 1, duos=1))
    assert len(pb.caps) == 0
    cols = enumerate_columns(pb)
    blocks, counts, values, _ = reference_columns(pb)
    assert [(b.label, b.units, b.start, b.stop) for b in cols.blocks] == blocks
    assert np.array_equal(cols.counts, counts)
    assert not cols.values.any() and len(cols) == len(values)
    lay = layout(pb, cols)
    lp = solve_lp(pb, cols, lay, _start(pb, cols))
    full = build_master(pb, cols, lay, np.arange(len(cols)), artificials=True)
    ref = linprog(full.cost, A_eq=full.A, b_eq=lay.rhs, bounds=(0, None), method="highs")
    assert lp.complete and lp.value == pytest.approx(-ref.fun, abs=1e-9)


def test_find_searches_one_block(catalog):
    pb = _problem(catalog, ROSTERS["signup-12"]())
    cols = enumerate_columns(pb)
    first, second = cols.blocks[0], cols.blocks[1]
    assert cols.find(second.start, second.stop, cols.free_counts[0]) == second.start
    assert cols.find(first.start, first.start, cols.free_counts[0]) is None
    with pytest.raises(ValueError, match="span"):
        cols.find(first.start, second.stop, cols.free_counts[0])


def test_lps_in_threads_agree(catalog):
    """The TUI solves in worker threads: HiGHS instances running at once give the same LPs."""
    import threading

    problems = [_problem(catalog, ROSTERS[name]()) for name in ("signup-12", "roster-15-duos-locks")]
    setups = []
    for pb in problems:
        cols = enumerate_columns(pb)
        lay = layout(pb, cols)
        setups.append((pb, cols, lay, solve_lp(pb, cols, lay, _start(pb, cols)).value))
    seen: list[tuple[int, float]] = []

    def run(i: int) -> None:
        pb, cols, lay, _ = setups[i % 2]
        for _ in range(3):
            seen.append((i % 2, solve_lp(pb, cols, lay, _start(pb, cols)).value))

    threads = [threading.Thread(target=run, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(seen) == 12
    assert all(v == setups[k][3] for k, v in seen)
