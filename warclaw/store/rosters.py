"""Rosters and saved plans: what the TUI edits, in the engine's roster TOML shape.

A roster as a dict is exactly the TOML document of the engine issue::

    {"mode": "zerg", "players": [{"name": ..., "builds": [...], "commander": bool,
                                  "lock_party": int, "lock_build": str, "with": [...]}]}

(optional keys omitted when unset, as TOML cannot hold null). ``present`` is a database-only
flag: absent players stay in the roster but are left out of what the optimizer sees.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from warclaw.common import ROSTER_KEYS, name_problem, player_problem
from warclaw.errors import UserError
from warclaw.store.limits import describe, max_length, too_long
from warclaw.store.models import Roster, RosterPlayer, SavedPlan
from warclaw.store.types import utcnow


class RosterError(UserError):
    pass


@dataclass(frozen=True)
class RosterSummary:
    id: int
    name: str
    mode: str | None
    updated_at: datetime
    players: int
    present: int


@dataclass(frozen=True)
class PlayerRow:
    id: int
    position: int
    name: str
    builds: list[str]
    commander: bool
    lock_party: int | None
    lock_build: str | None
    with_players: list[str]
    present: bool
    account: str | None


def _check_player(p: Any, where: str) -> dict[str, Any]:
    """The engine's rules for a player's fields (:func:`warclaw.common.player_problem`, which
    ``optimize`` applies too), except that builds may still be empty (a player linked to an API key
    gets his from the daemon); then the database's column lengths."""
    problem = player_problem(p, where, builds_required=False)
    if problem:
        raise RosterError(problem)
    _check_length(p.get("lock_build"), RosterPlayer, "lock_build", f"{where} ({p['name']}).lock_build")
    return p


def _check_length(value: Any, model: type, column: str, where: str) -> None:
    limit = max_length(model, column)
    if too_long(value, limit):
        assert limit is not None
        raise RosterError(describe(where, value, limit))


def _check_roster_name(name: Any) -> str:
    if not isinstance(name, str) or not name.strip():
        raise RosterError("roster name: must be a non-empty string")
    _check_length(name.strip(), Roster, "name", "roster name")
    problem = name_problem(name.strip())
    if problem:
        raise RosterError(f"roster name: {problem}")
    return name.strip()


def _apply_player(row: RosterPlayer, p: dict[str, Any]) -> None:
    row.name = p["name"].strip()
    row.builds = list(p.get("builds", []))
    row.commander = bool(p.get("commander", False))
    row.lock_party = p.get("lock_party")
    row.lock_build = p.get("lock_build")
    row.with_players = list(p.get("with", []))
    row.present = bool(p.get("present", True))


def _player_dict(row: RosterPlayer) -> dict[str, Any]:
    d: dict[str, Any] = {"name": row.name, "builds": list(row.builds), "commander": bool(row.commander)}
    if row.lock_party is not None:
        d["lock_party"] = row.lock_party
    if row.lock_build is not None:
        d["lock_build"] = row.lock_build
    if row.with_players:
        d["with"] = list(row.with_players)
    if not row.present:
        d["present"] = False  # only seen with include_absent=True; the roster TOML allows it
    return d


def _get_roster(session: Session, roster: int | str) -> Roster:
    row = (
        session.get(Roster, roster)
        if isinstance(roster, int)
        else session.scalar(select(Roster).where(Roster.name == roster))
    )
    if row is None:
        raise RosterError(f"roster {roster!r} does not exist")
    return row


def _touch(roster: Roster) -> None:
    roster.updated_at = utcnow()


def list_rosters(session: Session) -> list[RosterSummary]:
    counts = dict(
        session.execute(select(RosterPlayer.roster_id, func.count()).group_by(RosterPlayer.roster_id)).all()
    )
    present = dict(
        session.execute(
            select(RosterPlayer.roster_id, func.count())
            .where(RosterPlayer.present.is_(True))
            .group_by(RosterPlayer.roster_id)
        ).all()
    )
    return [
        RosterSummary(r.id, r.name, r.mode, r.updated_at, counts.get(r.id, 0), present.get(r.id, 0))
        for r in session.scalars(select(Roster).order_by(Roster.name))
    ]


def save_roster(session: Session, name: str, data: dict[str, Any]) -> int:
    """Create or replace the roster ``name`` from a roster-TOML dict; returns its id."""
    _check_roster_name(name)
    if not isinstance(data, dict):
        raise RosterError(f"roster {name!r}: must be a table with 'players'")
    unknown = set(data) - ROSTER_KEYS  # a file's own "name" is ignored, as optimize ignores it
    if unknown:
        raise RosterError(f"roster {name!r}: unknown key {sorted(unknown)[0]!r}")
    mode = data.get("mode")
    if mode is not None and not isinstance(mode, str):
        raise RosterError(f"roster {name!r}: mode: must be a string")
    _check_length(mode, Roster, "mode", f"roster {name!r}: mode")
    players = data.get("players", [])
    if not isinstance(players, list):
        raise RosterError(f"roster {name!r}: players: must be a list of tables")
    seen: set[str] = set()
    for i, p in enumerate(players):
        _check_player(p, f"roster {name!r}: players[{i}]")
        if p["name"].strip() in seen:
            raise RosterError(f"roster {name!r}: players[{i}].name: {p['name']!r} appears twice")
        seen.add(p["name"].strip())

    roster = session.scalar(select(Roster).where(Roster.name == name.strip()))
    if roster is None:
        roster = Roster(name=name.strip(), updated_at=utcnow())
        session.add(roster)
    roster.mode = mode
    roster.players.clear()
    session.flush()  # delete the old rows before inserting, or positions would briefly clash
    for i, p in enumerate(players):
        row = RosterPlayer(position=i)
        _apply_player(row, p)
        roster.players.append(row)
    _touch(roster)
    session.flush()
    return roster.id


def load_roster(session: Session, roster: int | str, include_absent: bool = False) -> dict[str, Any]:
    """The roster as a roster-TOML dict (absent players left out unless asked for)."""
    r = _get_roster(session, roster)
    out: dict[str, Any] = {}
    if r.mode:
        out["mode"] = r.mode
    out["players"] = [_player_dict(p) for p in r.players if include_absent or p.present]
    return out


def delete_roster(session: Session, roster: int | str) -> None:
    session.delete(_get_roster(session, roster))


def rename_roster(session: Session, roster: int | str, new_name: str) -> None:
    r = _get_roster(session, roster)
    new_name = _check_roster_name(new_name)
    if session.scalar(select(Roster.id).where(Roster.name == new_name, Roster.id != r.id)) is not None:
        raise RosterError(f"roster {new_name!r} already exists")
    r.name = new_name
    _touch(r)


def set_roster_mode(session: Session, roster: int | str, mode: str | None) -> None:
    r = _get_roster(session, roster)
    r.mode = mode
    _touch(r)


def roster_players(session: Session, roster: int | str) -> list[PlayerRow]:
    """Every player with database ids and ``present``, in roster order (for the TUI's table)."""
    r = _get_roster(session, roster)
    return [
        PlayerRow(
            p.id,
            p.position,
            p.name,
            list(p.builds),
            bool(p.commander),
            p.lock_party,
            p.lock_build,
            list(p.with_players),
            bool(p.present),
            p.account,
        )
        for p in r.players
    ]


def add_player(
    session: Session, roster: int | str, player: dict[str, Any], position: int | None = None
) -> int:
    """Insert a player (at ``position``, default last); returns the player id."""
    r = _get_roster(session, roster)
    _check_player(player, f"roster {r.name!r}: player")
    if any(p.name == player["name"].strip() for p in r.players):
        raise RosterError(f"roster {r.name!r}: player {player['name']!r} already exists")
    row = RosterPlayer(position=0)
    _apply_player(row, player)
    pos = len(r.players) if position is None else max(0, min(position, len(r.players)))
    r.players.insert(pos, row)
    _renumber(r)
    _touch(r)
    session.flush()
    return row.id


def update_player(session: Session, player_id: int, changes: dict[str, Any]) -> None:
    """Change some fields of a player (keys as in the roster TOML, plus ``present``)."""
    row = session.get(RosterPlayer, player_id)
    if row is None:
        raise RosterError(f"player id {player_id} does not exist")
    merged = {**_player_dict(row), "present": bool(row.present), **changes}
    merged = {k: v for k, v in merged.items() if v is not None}
    _check_player(merged, f"roster {row.roster.name!r}: player {row.name!r}")
    new_name = merged["name"].strip()
    if new_name != row.name and any(p.name == new_name for p in row.roster.players if p.id != row.id):
        raise RosterError(f"roster {row.roster.name!r}: player {new_name!r} already exists")
    _apply_player(row, merged)
    _touch(row.roster)


def delete_player(session: Session, player_id: int) -> None:
    row = session.get(RosterPlayer, player_id)
    if row is None:
        raise RosterError(f"player id {player_id} does not exist")
    r = row.roster
    r.players.remove(row)
    _renumber(r)
    _touch(r)


def move_player(session: Session, player_id: int, position: int) -> None:
    row = session.get(RosterPlayer, player_id)
    if row is None:
        raise RosterError(f"player id {player_id} does not exist")
    r = row.roster
    r.players.remove(row)
    r.players.insert(max(0, min(position, len(r.players))), row)
    _renumber(r)
    _touch(r)


def _renumber(r: Roster) -> None:
    for i, p in enumerate(r.players):
        p.position = i


# --- saved plans ------------------------------------------------------------------------------


@dataclass(frozen=True)
class PlanSummary:
    id: int
    roster_id: int
    created_at: datetime
    mode: str
    score: float


def save_plan(
    session: Session, roster: int | str, mode: str, score: float, plan: dict[str, Any] | str
) -> int:
    """Store a plan (the engine's plan JSON, as a dict or text); returns its id."""
    r = _get_roster(session, roster)
    text = plan if isinstance(plan, str) else json.dumps(plan, sort_keys=True)
    row = SavedPlan(roster_id=r.id, created_at=utcnow(), mode=mode, score=float(score), plan_json=text)
    session.add(row)
    session.flush()
    return row.id


def list_plans(session: Session, roster: int | str, limit: int = 50) -> list[PlanSummary]:
    r = _get_roster(session, roster)
    q = (
        select(SavedPlan)
        .where(SavedPlan.roster_id == r.id)
        .order_by(SavedPlan.created_at.desc(), SavedPlan.id.desc())
    )
    return [
        PlanSummary(p.id, p.roster_id, p.created_at, p.mode, p.score) for p in session.scalars(q.limit(limit))
    ]


def load_plan(session: Session, plan_id: int) -> dict[str, Any]:
    row = session.get(SavedPlan, plan_id)
    if row is None:
        raise RosterError(f"plan id {plan_id} does not exist")
    return json.loads(row.plan_json)


def latest_plan(session: Session, roster: int | str) -> dict[str, Any] | None:
    plans = list_plans(session, roster, limit=1)
    return load_plan(session, plans[0].id) if plans else None


def delete_plan(session: Session, plan_id: int) -> None:
    row = session.get(SavedPlan, plan_id)
    if row is None:
        raise RosterError(f"plan id {plan_id} does not exist")
    session.delete(row)
