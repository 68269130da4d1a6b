"""The squad optimizer: a pure library (no I/O, no database, no UI).

Public entry points: :func:`optimize`, :func:`score_plan`, :func:`catalog_from_mapping`,
:func:`roster_from_mapping`, :func:`plan_from_mapping`.
"""

from warclaw.engine.catalog import Build, Catalog, Mode, Spec, catalog_from_mapping
from warclaw.engine.errors import CatalogError, InfeasibleRoster, PlanError, RosterError
from warclaw.engine.plan import Plan, plan_from_mapping
from warclaw.engine.roster import Player, Roster, roster_from_mapping
from warclaw.engine.score import ScoreBreakdown, score_plan
from warclaw.engine.solver import SolveResult, optimize

__all__ = [
    "Build", "Catalog", "CatalogError", "InfeasibleRoster", "Mode", "Plan", "PlanError", "Player",
    "Roster", "RosterError", "ScoreBreakdown", "SolveResult", "Spec", "catalog_from_mapping",
    "optimize", "plan_from_mapping", "roster_from_mapping", "score_plan",
]
