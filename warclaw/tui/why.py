"""Why a player sits where the plan puts him: what his build gives his party, what the party would
lose without him, and the party slot he fills. Pure (engine functions, no UI), so it is tested
without a screen and reads the same score the optimizer maximizes."""

from __future__ import annotations

from dataclasses import dataclass, field

from warclaw.engine import Catalog, Plan
from warclaw.engine.abbrev import build as short_build
from warclaw.engine.abbrev import cap, slot
from warclaw.engine.catalog import Mode
from warclaw.engine.score import party_coverage, party_value, slot_counts, slot_value


@dataclass
class WhyHere:
    name: str
    party: int
    build: str
    gives: list[tuple[str, float, float]] = field(default_factory=list)   # cap, his share of target, party coverage
    loses: list[tuple[str, float, float]] = field(default_factory=list)   # cap, coverage with, without him
    slots: list[str] = field(default_factory=list)                        # the slots he counts in
    slots_unfilled_without: list[str] = field(default_factory=list)       # slots short without him
    loss: float = 0.0  # party boons + slots score lost if he left the party (no one replacing him)

    def lines(self) -> list[str]:
        """Three short lines for the panel (the full names stay in the first line)."""
        gives = ", ".join(f"{cap(k)} {share:.0%}" for k, share, _ in self.gives[:6]) or "nothing this mode counts"
        loses = ", ".join(f"{cap(k)} {w:.0%}→{wo:.0%}" for k, w, wo in self.loses[:5])
        if self.slots_unfilled_without:
            loses = (loses + "; " if loses else "") + "slot " + "/".join(slot(s) for s in self.slots_unfilled_without)
        fills = "/".join(slot(s) for s in self.slots) or "no slot"
        return [
            f"Party {self.party} gets from his {short_build(self.build)}: {gives}",
            f"Without him party {self.party} loses {self.loss:.1f}: {loses or 'nothing (others cover it)'}",
            f"Slot he fills: {fills}",
        ]


def why_here(plan: Plan, catalog: Catalog, mode: Mode, name: str) -> WhyHere | None:
    a = plan.assignments.get(name)
    if a is None or a.build not in catalog.builds:
        return None
    mates = [m for m, x in plan.assignments.items() if x.party == a.party and x.build in catalog.builds]
    builds = [plan.assignments[m].build for m in mates]
    others = [plan.assignments[m].build for m in mates if m != name]
    vec_all = [catalog.builds[b].party for b in builds]
    vec_wo = [catalog.builds[b].party for b in others]
    cov_with = party_coverage(mode, vec_all)
    cov_wo = party_coverage(mode, vec_wo)
    mine = catalog.builds[a.build].party
    gives = sorted(((k, min(1.0, mine.get(k, 0.0) / mode.party_targets[k]), cov_with[k])
                    for k in cov_with if mine.get(k, 0.0) > 0), key=lambda t: -t[1])
    loses = sorted(((k, cov_with[k], cov_wo[k]) for k in cov_with if cov_wo[k] < cov_with[k] - 1e-9),
                   key=lambda t: -(mode.party_weights[t[0]] * (t[1] - t[2])))
    s_with, s_wo = slot_counts(mode, builds), slot_counts(mode, others)
    fills = [sl.slot for sl in mode.counted_slots() if a.build in sl.builds]
    short = [sl.slot for sl in mode.counted_slots() if s_wo.get(sl.slot, 0) < sl.count <= s_with.get(sl.slot, 0)]
    loss = (party_value(mode, vec_all) - party_value(mode, vec_wo)) + (slot_value(mode, s_with) - slot_value(mode, s_wo))
    return WhyHere(name, a.party, a.build, gives, loses, fills, short, loss)
