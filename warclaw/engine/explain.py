"""Deficits a commander acts on: what a plan lacks, what it costs, and who could fix it.

Squad lines first (required slots counted over the parties, squad ratings, utilities), then per
party sorted by the score they lose. Each line names a fix when the roster holds one (a player who
can play a build that fills the gap and is not needed where they are), and no line is written for
a target no player on the roster could meet.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from warclaw.engine.catalog import Catalog, Mode, PartySlot
from warclaw.engine.plan import Plan
from warclaw.engine.roster import Roster

# A deficit is listed when it costs at least this many score points.
DEFICIT_MIN_LOSS = 1.0
# At most this many lines; the rest is counted in a last "and N more" line.
MAX_LINES = 10

# What one member of a slot is called in a sentence (slots of the shipped modes; others: their id).
SLOT_NOUN = {
    "stab": "stability anchor", "heal": "healer", "boon": "boon support", "strip": "stripper", "dps": "damage dealer",
    "boon_dps": "boon damage dealer", "support": "support", "ranged_dps": "ranged damage dealer",
    "reflect_or_strip": "reflect or strip source",
}


def noun(slot: str, n: int = 1) -> str:
    word = SLOT_NOUN.get(slot, f"{slot} player")
    return word if n == 1 else word + "s"


@dataclass
class Facts:
    """What the explanations read from a scored plan (filled by score_plan)."""

    coverage: dict[int, dict[str, float]]
    slot_counts: dict[int, dict[str, int]]
    squad_totals: dict[str, tuple[float, float]]
    utility_totals: dict[str, tuple[int, int]]
    n: int


def explain(plan: Plan, roster: Roster, catalog: Catalog, mode: Mode, facts: Facts) -> list[str]:
    """The deficit lines of a plan, squad first, at most MAX_LINES (+ "and N more")."""
    where = plan.assignments
    options = {p.name: [b for b, _ in p.options()] for p in roster.players}
    # Players share option lists: the roster-wide questions are asked once per distinct list.
    option_sets = Counter(tuple(o) for o in options.values())
    required = [s for s in mode.counted_slots() if s.required]
    required_sets = [(s.slot, s.count, frozenset(s.builds)) for s in required]

    def needed(name: str) -> bool:
        """Does this player fill a required slot their party would otherwise lack?"""
        a = where.get(name)
        if a is None:
            return False
        counts = facts.slot_counts.get(a.party, {})
        return any(a.build in builds and counts.get(slot, 0) <= count for slot, count, builds in required_sets)

    # Who could switch to each build: the players not needed where they are, by build.
    spare_by_build: dict[str, list] = {}
    for p in roster.players:
        if p.name in where and not needed(p.name):
            for b in options[p.name]:
                spare_by_build.setdefault(b, []).append(p)
    used: set[str] = set()

    def fix(builds: set[str], exclude_party: int | None = None, what: str = "") -> str:
        """"; Kara.1234 can play firebrand-support": a player not needed where they are who could
        switch to one of ``builds`` (someone outside the party first, then the party's own, then by
        how much they like the build), each player named once."""
        best: tuple[tuple, str, str] | None = None
        for b in sorted(builds):
            for p in spare_by_build.get(b, ()):
                a = where[p.name]
                if p.name in used or a.build == b:
                    continue
                key = (a.party == exclude_party, p.rank(b) or 0, p.name)
                if best is None or key < best[0]:
                    best = (key, f"{p.name} (party {a.party}) can play {b}{what}", p.name)
        if best is None:
            return ""
        used.add(best[2])
        return f"; {best[1]}"

    reachable = {b for opts in option_sets for b in opts}
    # (score lost, text (or a function writing it), (builds that would fix it, the party, a note) or None)
    squad: list[tuple[float, str, tuple | None]] = []
    party: list[tuple[float, str, tuple | None]] = []
    parties = sorted(facts.slot_counts)
    for s in required:
        if not reachable & set(s.builds):
            continue
        filled = sum(1 for g in parties if facts.slot_counts[g].get(s.slot, 0) >= s.count)
        if filled < len(parties):
            loss = sum(s.weight * (1 - min(1.0, facts.slot_counts[g].get(s.slot, 0) / s.count)) for g in parties)
            squad.append((loss, f"squad: {noun(s.slot, 2)}: {filled} for {len(parties)} parties", None))
    for k, (total, target) in facts.squad_totals.items():
        best_total = sum(n * max((catalog.builds[b].squad.get(k, 0.0) for b in opts), default=0.0)
                         for opts, n in option_sets.items())
        c = min(1.0, total / target)
        loss = mode.squad_weights[k] * (facts.n / 10) * (c_max := min(1.0, best_total / target)) - \
            mode.squad_weights[k] * (facts.n / 10) * c
        if loss >= DEFICIT_MIN_LOSS and best_total > total:
            top = {b for b in reachable if catalog.builds[b].squad.get(k, 0) >= 2}
            squad.append((loss, f"squad: {k} {total:g} of {target:g} ({c:.0%}, the roster can reach {c_max:.0%})",
                          (top, None, "")))
    for u, (have, need) in facts.utility_totals.items():
        tagged = {b for b in reachable if u in catalog.builds[b].utility}
        able = sum(n for opts, n in option_sets.items() if tagged & set(opts))
        if have < need and able > have:
            loss = mode.squad_utility_weights[u] * (min(1.0, able / need) - have / need)
            squad.append((loss, f"squad: {'no' if have == 0 else f'{have} of {need}'} {u} source"
                          + ("" if have == 0 else "s"), (tagged, None, f" ({u})")))
    slots = [s for s in mode.counted_slots() if reachable & set(s.builds)]
    givers_of = {k: {b for b in reachable if catalog.builds[b].party.get(k, 0) > 0} for k in mode.counted_party_caps()}
    for g in parties:
        counts = facts.slot_counts[g]
        for s in slots:
            n = counts.get(s.slot, 0)
            if n >= s.count:
                continue
            loss = s.weight * (1 - n / s.count)
            if loss < DEFICIT_MIN_LOSS:
                continue
            party.append((loss, lambda g=g, s=s, n=n: f"party {g}: " + (
                f"no {noun(s.slot)}" if n == 0 else f"{n} of {s.count} {noun(s.slot, s.count)}"), (s.builds, g, "")))
        for k, c in facts.coverage.get(g, {}).items():
            loss = mode.party_weights[k] * (1 - c)
            if loss < DEFICIT_MIN_LOSS or not givers_of.get(k):
                continue
            # A fix for a boon: a build that gives at least what the party lacks (found only for
            # the lines shown; a line's text too is written only when shown).
            party.append((loss, lambda g=g, k=k, c=c: f"party {g}: " + (
                f"no {k} source" if c == 0 else f"{k} at {c:.0%} of target"), (k, (1 - c) * mode.party_targets[k], g)))
    squad.sort(key=lambda r: -r[0])
    party.sort(key=lambda r: -r[0])
    rows = squad + party
    shown = rows if len(rows) <= MAX_LINES else rows[: MAX_LINES - 1]
    # Fixes only for the lines shown: finding one looks at every player.
    def fix_of(how: tuple) -> str:
        if isinstance(how[0], str):  # a boon: (capability, what the party lacks, party)
            k, lack, g = how
            return fix({b for b in givers_of[k] if catalog.builds[b].party[k] >= lack}, g)
        builds, g, what = how
        return fix(set(builds), g, what)

    lines = [(text if isinstance(text, str) else text()) + (fix_of(how) if how else "") for _, text, how in shown]
    if len(rows) > len(shown):
        lines.append(f"and {len(rows) - len(shown)} more")
    return lines


def missing_slots(mode: Mode, counts: dict[str, int]) -> list[str]:
    """A party's unfilled slots in words, required first: ["no healer", "1 of 2 damage dealers"]."""
    out = []
    slots: list[PartySlot] = sorted(mode.counted_slots(), key=lambda s: not s.required)
    for s in slots:
        n = counts.get(s.slot, 0)
        if n < s.count:
            out.append(f"no {noun(s.slot)}" if n == 0 else f"{n} of {s.count} {noun(s.slot, s.count)}")
    return out
