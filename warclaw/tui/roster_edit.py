"""Roster editing without a UI: validated edits written to the database at once, with undo.

Every edit snapshots the whole roster (it is small: tens of players) before writing, with the plan
shown for it; undo writes the snapshot back and gives the plan back, redo does the same the other way.
An edit that leaves a roster no plan can satisfy (a lock to party 9 of 4) is rolled back and refused
with the reason. Player dicts are in the roster TOML shape plus ``present``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from warclaw.engine import Catalog, Roster, RosterError, roster_from_mapping
from warclaw.engine.roster import player_from_mapping
from warclaw.errors import UserError
from warclaw.store import Store
from warclaw.store import rosters as rs

UNDO_DEPTH = 100
# The player form's labels by roster field, so an error names the field a person sees.
FIELD_LABELS = {"name": "Name", "builds": "Builds", "lock_party": "Lock party", "lock_build": "Lock build",
                "with": "With", "commander": "Commander", "present": "Present"}


class EditError(UserError):
    """An edit the roster cannot take (bad build name, duplicate player, ...); ``field`` names the
    form field at fault when there is one."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.field = field


@dataclass
class Step:
    """One undoable change: what it was, the roster before it, and the plan shown before it."""

    what: str
    snapshot: dict[str, Any]
    plan: Any = None


def _field_error(message: str) -> EditError:
    """An engine roster error (``lock_party: expected ...``) as one naming the form's field."""
    key, sep, rest = message.partition(":")
    key = key.strip()
    if sep and key in FIELD_LABELS:
        return EditError(f"{FIELD_LABELS[key]}:{rest}", field=key)
    return EditError(message)


def row_dict(p: rs.PlayerRow) -> dict[str, Any]:
    """A store row as a roster-TOML player dict with ``present``."""
    d: dict[str, Any] = {"name": p.name, "builds": list(p.builds)}
    if p.commander:
        d["commander"] = True
    if p.lock_party is not None:
        d["lock_party"] = p.lock_party
    if p.lock_build is not None:
        d["lock_build"] = p.lock_build
    if p.with_players:
        d["with"] = list(p.with_players)
    d["present"] = bool(p.present)
    return d


@dataclass
class RosterBook:
    """One roster of the database, as the TUI edits it."""

    store: Store
    catalog: Catalog
    name: str
    mode: str | None = None
    rows: list[rs.PlayerRow] = field(default_factory=list)
    undo_stack: list[Step] = field(default_factory=list)
    redo_stack: list[Step] = field(default_factory=list)
    plan: Any = None  # the plan shown for the roster as it is now (opaque here: the planner sets it)
    _redo_cleared: list[Step] = field(default_factory=list, repr=False)  # given back if an edit is refused

    # --- reading ----------------------------------------------------------------------------
    def reload(self) -> list[rs.PlayerRow]:
        with self.store.read() as s:
            summary = {r.name: r for r in rs.list_rosters(s)}.get(self.name)
            self.mode = summary.mode if summary else None
            self.rows = rs.roster_players(s, self.name) if summary else []
        return self.rows

    def by_id(self, player_id: int) -> rs.PlayerRow:
        for r in self.rows:
            if r.id == player_id:
                return r
        raise EditError(f"player id {player_id} is no longer in roster {self.name!r}")

    def mapping(self) -> dict[str, Any]:
        out: dict[str, Any] = {"mode": self.mode} if self.mode else {}
        out["players"] = [row_dict(r) for r in self.rows]
        return out

    def engine_roster(self) -> Roster:
        """The roster for the optimizer; `with` links to players no longer listed are dropped."""
        names = {r.name for r in self.rows}
        players = []
        for r in self.rows:
            d = row_dict(r)
            if "with" in d:
                d["with"] = [w for w in d["with"] if w in names and w != r.name]
            players.append(d)
        data: dict[str, Any] = {"players": players}
        if self.mode in self.catalog.modes:
            data["mode"] = self.mode
        if not players:
            raise RosterError(f"roster {self.name!r} has no players yet: press 4, then a to add one")
        return roster_from_mapping(data, self.catalog, source=f"roster {self.name}")

    # --- checks -----------------------------------------------------------------------------
    def check_player(self, d: dict[str, Any], replacing: int | None = None) -> dict[str, Any]:
        d = {k: v for k, v in d.items() if v not in (None, [], "")}
        try:
            player_from_mapping(d, self.catalog, "player")
        except RosterError as e:
            raise _field_error(re.sub(r"^player( \([^)]*\))?[.:]?\s*", "", str(e))) from None
        others = {r.name for r in self.rows if r.id != replacing}
        if d["name"].strip() in others:
            raise EditError(f"Name: {d['name']!r} is already in the roster", field="name")
        unknown = [w for w in d.get("with", []) if w not in others]
        if unknown:
            raise EditError(f"With: {unknown[0]!r} is not in the roster", field="with")
        # The roster with this player in it must still have a plan (a lock to party 9 of 4 has none).
        players = [row_dict(r) if r.id != replacing else d for r in self.rows]
        if replacing is None:
            players.append(d)
        problem = self.plan_problem(players)
        if problem:
            field = "lock_party" if d.get("lock_party") and "locked to party" in problem else (
                "with" if d.get("with") and "with" in problem else None)
            raise EditError(f"{FIELD_LABELS[field] + ': ' if field else ''}{problem}", field=field)
        return d

    def plan_problem(self, players: list[dict[str, Any]] | None = None, mode: str | None = None) -> str | None:
        """Why no plan can exist for the roster (these players, default: as stored), or None.
        The structural checks only (party locks, `with` groups): milliseconds, no solve."""
        from warclaw.engine.errors import InfeasibleRoster
        from warclaw.engine.problem import build_problem
        from warclaw.engine.solver import resolve_mode

        players = [row_dict(r) for r in self.rows] if players is None else players
        names = {p["name"] for p in players}
        cleaned = [{**p, "with": [w for w in p.get("with", []) if w in names and w != p["name"]]} for p in players]
        if not any(p.get("present", True) for p in cleaned):
            return None  # nobody to plan: no plan is due, nothing is contradicted
        data: dict[str, Any] = {"players": [{k: v for k, v in p.items() if v != []} for p in cleaned]}
        mode = mode or self.mode
        if mode in self.catalog.modes:
            data["mode"] = mode
        try:
            roster = roster_from_mapping(data, self.catalog, source=f"roster {self.name}")
            build_problem(roster.present(), self.catalog, resolve_mode(self.catalog, roster, None))
        except (InfeasibleRoster, RosterError) as e:
            return str(e).removeprefix(f"roster {self.name}: ")
        return None

    # --- writing ----------------------------------------------------------------------------
    def _remember(self, what: str) -> None:
        self.undo_stack.append(Step(what, self.mapping(), self.plan))
        del self.undo_stack[:-UNDO_DEPTH]
        self._redo_cleared, self.redo_stack = self.redo_stack, []

    def _write(self, snapshot: dict[str, Any]) -> None:
        with self.store.write() as s:
            rs.save_roster(s, self.name, snapshot)
        self.reload()

    def refuse_if_unplannable(self, what: str) -> None:
        """After an edit: if the roster has no plan any more, put it back as it was and refuse."""
        problem = self.plan_problem()
        if problem is None or not self.undo_stack:
            return
        before = self.undo_stack[-1].snapshot
        if self.plan_problem(before["players"], before.get("mode")) is not None:
            return  # it had no plan before either: an edit towards a fix is not refused
        step = self.undo_stack.pop()
        self.redo_stack = self._redo_cleared
        self._write(step.snapshot)
        raise EditError(f"{what} refused: {problem}")

    def ensure(self, seed: dict[str, Any] | None = None) -> None:
        """Create the roster (from ``seed``, a roster-TOML dict) if the database lacks it."""
        with self.store.write() as s:
            if self.name not in {r.name for r in rs.list_rosters(s)}:
                rs.save_roster(s, self.name, seed or {"mode": "zerg", "players": []})
        self.reload()

    def add(self, player: dict[str, Any], position: int | None = None) -> str:
        d = self.check_player(player)
        self._remember(f"add {d['name']}")
        with self.store.write() as s:
            rs.add_player(s, self.name, d, position)
        self.reload()
        return d["name"]

    def update(self, player_id: int, player: dict[str, Any]) -> str:
        old = self.by_id(player_id)
        d = self.check_player(player, replacing=player_id)
        self._remember(f"edit {old.name}")
        full = {"commander": False, "lock_party": None, "lock_build": None, "with": [], "present": True, **d}
        with self.store.write() as s:
            rs.update_player(s, player_id, full)
            if full["name"] != old.name:  # keep `with` links pointing at the renamed player
                for r in self.rows:
                    if old.name in r.with_players:
                        links = [full["name"] if w == old.name else w for w in r.with_players]
                        rs.update_player(s, r.id, {"with": links})
        self.reload()
        return d["name"]

    def set_fields(self, player_id: int, **changes: Any) -> str:
        row = self.by_id(player_id)
        return self.update(player_id, {**row_dict(row), **changes})

    def place(self, parties: dict[int, int], what: str) -> str:
        """Lock players (by id) to parties, in one undoable step: a move or swap made by hand."""
        rows = {r.id: r for r in self.rows}
        players = [{**row_dict(r), "lock_party": parties[r.id]} if r.id in parties else row_dict(r) for r in self.rows]
        problem = self.plan_problem(players)
        if problem:
            raise EditError(f"{what} refused: {problem}")
        self._remember(what)
        with self.store.write() as s:
            for pid, party in parties.items():
                rs.update_player(s, rows[pid].id, {"lock_party": party})
        self.reload()
        return what

    def delete(self, player_id: int) -> str:
        row = self.by_id(player_id)
        self._remember(f"delete {row.name}")
        with self.store.write() as s:
            rs.delete_player(s, player_id)
            for r in self.rows:
                if row.name in r.with_players:
                    rs.update_player(s, r.id, {"with": [w for w in r.with_players if w != row.name]})
        self.reload()
        self.refuse_if_unplannable(f"deleting {row.name}")
        return row.name

    def duplicate(self, player_id: int) -> str:
        row = self.by_id(player_id)
        names = {r.name for r in self.rows}
        n = 2
        while f"{row.name} ({n})" in names:
            n += 1
        # absent until renamed and marked present: a copy is a new sign-up, not a second Aelin in the plan
        d = {**row_dict(row), "name": f"{row.name} ({n})", "commander": False, "present": False}
        d.pop("lock_party", None)
        d.pop("with", None)
        return self.add(d, position=row.position + 1)

    def toggle_present(self, player_id: int) -> bool:
        row = self.by_id(player_id)
        self._remember(f"mark {row.name} {'absent' if row.present else 'present'}")
        with self.store.write() as s:
            rs.update_player(s, player_id, {"present": not row.present})
        self.reload()
        self.refuse_if_unplannable(f"marking {row.name} {'absent' if row.present else 'present'}")
        return not row.present

    def cycle_mode(self) -> str:
        """Switch the roster to the next game mode of the catalog (zerg, havoc, ...)."""
        modes = sorted(self.catalog.modes)
        current = self.mode if self.mode in modes else "zerg"
        new = modes[(modes.index(current) + 1) % len(modes)] if current in modes else modes[0]
        self._remember(f"mode {current}")
        with self.store.write() as s:
            rs.set_roster_mode(s, self.name, new)
        self.reload()
        self.refuse_if_unplannable(f"mode {new}")
        return new

    def replace(self, data: dict[str, Any], what: str) -> None:
        """Replace every player (an import); undoable like any edit."""
        try:
            roster_from_mapping({k: v for k, v in data.items() if k in ("mode", "players")}, self.catalog,
                                source="imported roster")
        except RosterError as e:
            raise EditError(str(e)) from None
        self._remember(what)
        with self.store.write() as s:
            rs.save_roster(s, self.name, {k: v for k, v in data.items() if k in ("mode", "players")})
        self.reload()
        self.refuse_if_unplannable(what)

    def undo(self) -> str | None:
        step = self.undo_step()
        return step.what if step else None

    def undo_step(self) -> Step | None:
        """Put the roster back as it was before the last edit; the step (with its plan) comes back."""
        if not self.undo_stack:
            return None
        step = self.undo_stack.pop()
        self.redo_stack.append(Step(step.what, self.mapping(), self.plan))
        self._write(step.snapshot)
        return step

    def redo_step(self) -> Step | None:
        """Do the last undone edit again; the step (with the plan it had) comes back."""
        if not self.redo_stack:
            return None
        step = self.redo_stack.pop()
        self.undo_stack.append(Step(step.what, self.mapping(), self.plan))
        self._write(step.snapshot)
        return step


API_KEY_SHAPE = re.compile(r"[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{20}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}")


def save_player_key(store: Store, roster: str, player: str, secret: str) -> int:
    """Store a player's API key (file mode 0600) linked to his roster entry; the daemon checks it."""
    from warclaw.store.keys import link_player, protect_sqlite_file, save_key

    with store.write() as s:
        key_id = save_key(s, secret, token_name=None, permissions=[])
        link_player(s, roster, player, key_id)
    protect_sqlite_file(store.url)
    return key_id
