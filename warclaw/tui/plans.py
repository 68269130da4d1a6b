"""The squad side of the TUI without a UI: solving, re-scoring a saved plan, text for Discord (engine imports)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass, field

from warclaw.engine import Catalog, Plan, Roster, SolveResult, optimize, plan_from_mapping, score_plan
from warclaw.engine.errors import PlanError
from warclaw.engine.report import plan_text, result_mapping
from warclaw.engine.solver import resolve_mode


@dataclass
class PlanView:
    """What the Squad screen shows: the current plan, its score, and who moved last re-plan."""

    result: SolveResult
    moved: set[str] = field(default_factory=set)
    running: bool = False
    kind: str = "optimize"  # optimize | re-plan | saved

    @property
    def plan(self) -> Plan | None:
        return self.result.plan

    @property
    def gap(self) -> float:
        r = self.result
        return (r.bound - r.score) / r.bound if r.bound else 0.0


def solve(roster: Roster, catalog: Catalog, mode: str | None, *, previous: Plan | None,
          time_limit: float, stop: threading.Event | None,
          on_improved: Callable[[SolveResult], None] | None = None, seed: int = 0) -> SolveResult:
    """Optimize (or re-plan when ``previous`` is given), reporting each improving plan scored."""
    m = resolve_mode(catalog, roster, mode)
    present = roster.present()

    def on_plan(plan: Plan, score: float, bound: float, seconds: float) -> None:
        if on_improved is None:
            return
        sb = score_plan(plan, present, catalog, m, previous)
        on_improved(SolveResult("feasible", plan, sb.score, max(bound, sb.score), seconds, m.id, sb))

    return optimize(roster, catalog, m, time_limit=time_limit, previous=previous, seed=seed,
                    on_plan=on_plan, stop=stop)


def rescore(roster: Roster, catalog: Catalog, mode: str | None, plan_json: dict) -> SolveResult | None:
    """A saved plan scored against the roster as it is now; None if it no longer fits."""
    try:
        plan = plan_from_mapping(plan_json, source="saved plan")
    except PlanError:
        return None
    m = resolve_mode(catalog, roster, mode)
    present = roster.present()
    if set(plan.assignments) != {p.name for p in present.players}:
        return None
    sb = score_plan(plan, present, catalog, m)
    if sb.violations:
        return None
    bound = float(plan_json.get("bound") or sb.score)
    status = plan_json.get("status") if plan_json.get("status") in ("optimal", "feasible") else "feasible"
    return SolveResult(status, plan, sb.score, max(bound, sb.score), 0.0, m.id, sb)


def saved_plan_previous(plan_json: dict) -> Plan | None:
    try:
        return plan_from_mapping(plan_json, source="saved plan")
    except PlanError:
        return None


def commanders(roster: Roster) -> set[str]:
    return {p.name for p in roster.players if p.commander}


__all__ = ["PlanView", "commanders", "plan_text", "rescore", "result_mapping", "saved_plan_previous", "solve"]
