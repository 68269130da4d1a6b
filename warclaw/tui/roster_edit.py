"""Roster editing without a UI: validated edits written to the database at once, with undo.

Every edit snapshots the whole roster (it is small: tens of players) before writing; undo writes
the snapshot back. Player dicts are in the roster TOML shape plus ``present``.
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


class EditError(UserError):
    """An edit the roster cannot take (bad build name, duplicate player, ...)."""


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
    undo_stack: list[tuple[str, dict[str, Any]]] = field(default_factory=list)

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
            raise EditError(re.sub(r"^player( \([^)]*\))?[.:]?\s*", "", str(e))) from None
        others = {r.name for r in self.rows if r.id != replacing}
        if d["name"].strip() in others:
            raise EditError(f"{d['name']!r} is already in the roster")
        unknown = [w for w in d.get("with", []) if w not in others]
        if unknown:
            raise EditError(f"with: {unknown[0]!r} is not in the roster")
        return d

    # --- writing ----------------------------------------------------------------------------
    def _remember(self, what: str) -> None:
        self.undo_stack.append((what, self.mapping()))
        del self.undo_stack[:-UNDO_DEPTH]

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

    def delete(self, player_id: int) -> str:
        row = self.by_id(player_id)
        self._remember(f"delete {row.name}")
        with self.store.write() as s:
            rs.delete_player(s, player_id)
            for r in self.rows:
                if row.name in r.with_players:
                    rs.update_player(s, r.id, {"with": [w for w in r.with_players if w != row.name]})
        self.reload()
        return row.name

    def duplicate(self, player_id: int) -> str:
        row = self.by_id(player_id)
        names = {r.name for r in self.rows}
        n = 2
        while f"{row.name} ({n})" in names:
            n += 1
        d = {**row_dict(row), "name": f"{row.name} ({n})", "commander": False}
        d.pop("lock_party", None)
        d.pop("with", None)
        return self.add(d, position=row.position + 1)

    def toggle_present(self, player_id: int) -> bool:
        row = self.by_id(player_id)
        self._remember(f"mark {row.name} {'absent' if row.present else 'present'}")
        with self.store.write() as s:
            rs.update_player(s, player_id, {"present": not row.present})
        self.reload()
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

    def undo(self) -> str | None:
        if not self.undo_stack:
            return None
        what, snapshot = self.undo_stack.pop()
        with self.store.write() as s:
            rs.save_roster(s, self.name, snapshot)
        self.reload()
        return what


API_KEY_SHAPE = re.compile(r"[0-9A-Fa-f]{8}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{20}(-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}")


def save_player_key(store: Store, roster: str, player: str, secret: str) -> int:
    """Store a player's API key (file mode 0600) linked to his roster entry; the daemon checks it."""
    from warclaw.store.keys import link_player, protect_sqlite_file, save_key

    with store.write() as s:
        key_id = save_key(s, secret, token_name=None, permissions=[])
        link_player(s, roster, player, key_id)
    protect_sqlite_file(store.url)
    return key_id
