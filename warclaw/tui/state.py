"""The app state, in one place: what the screens render. Workers fill it; screens only read it."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from warclaw.tui.data import EVENTS_PAGE, MatchupData

if TYPE_CHECKING:
    from warclaw.store.queries import DaemonStatus, EventView
    from warclaw.tui.plans import PlanView

# The parts of the state a screen can show; refreshes name the parts that changed.
PARTS = frozenset({"matchup", "events", "status", "roster", "plan"})


@dataclass
class AppState:
    matchup: MatchupData = field(default_factory=MatchupData)
    events: list[EventView] = field(default_factory=list)
    events_limit: int = EVENTS_PAGE     # the newest this many are loaded; `n` on Events adds a page
    status: DaemonStatus | None = None
    status_loaded_at: datetime | None = None
    data_version: int | None = None
    fingerprint: dict[str, Any] = field(default_factory=dict)
    plan: PlanView | None = None
    solving: str | None = None          # "optimizing" | "re-planning" while a solve runs
    solve_started_at: float = 0.0       # time.perf_counter() when it started (the elapsed time shown)
    solve_limit: float = 0.0            # its time limit, seconds
    roster_error: str | None = None     # why the roster cannot be planned now
    db_error: str | None = None         # the last failure reading the database
    discord_confirmed: bool = False     # posting the plan to Discord was confirmed once this session
    discord_note: str | None = None     # how the last post of the plan went (one line, URL masked)
    # Figures for the benchmark and tests (time.perf_counter() values).
    refreshed_at: float = 0.0
    edit_started_at: float = 0.0
    replan_seconds: float | None = None      # edit -> final plan on screen
    first_plan_seconds: float | None = None  # edit -> first plan of the solve on screen
    solves_done: int = 0
    overruns: int = 0  # solves that did not answer within limit + grace (their best streamed plan was taken)
