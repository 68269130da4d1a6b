"""Players' API keys in the database: registering, linking to roster players, refresh results.

The secret sits in ``api_key_secrets`` (a table of its own, so that on a shared PostgreSQL server
only the daemon's role can read it) and leaves this module only through :func:`keys_to_refresh`
(to be sent to the API). Everything else (``roster keys``, the TUI) reads ``api_keys``: the masked
key and a fingerprint that recognizes a key registered again. Guarding the database file itself
(mode 0600 for SQLite) is :func:`protect_sqlite_file`.

Refusals: the API sometimes refuses valid keys for a while, so one "invalid key" answer only makes
a key ``suspect`` (it is asked again at its normal cadence, never in a retry loop); it becomes
``revoked`` after :data:`REVOKE_AFTER_ANSWERS` refusals in a row spanning at least
:data:`REVOKE_MIN_SPAN`, and is then not asked again until ``roster add-key`` registers it anew.
"""

from __future__ import annotations

import hashlib
import os
import stat
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from warclaw.common import mask
from warclaw.store.models import AccountCharacter, ApiKeyRecord, ApiKeySecret, Roster, RosterPlayer
from warclaw.store.playable import CatalogBuilds, CharacterInfo, derive_builds, merge_builds
from warclaw.store.rosters import RosterError, add_player
from warclaw.store.types import utcnow

OK, SUSPECT, REVOKED = "ok", "suspect", "revoked"
REVOKE_AFTER_ANSWERS = 3
REVOKE_MIN_SPAN = timedelta(hours=2)


def fingerprint(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


@dataclass(frozen=True)
class KeySummary:
    id: int
    masked: str
    account: str | None
    status: str
    permissions: list[str]
    last_error: str | None
    refreshed_at: datetime | None
    players: list[str]  # "roster/player"


def protect_sqlite_file(url: str) -> list[Path]:
    """chmod 0600 a SQLite database and its -wal/-shm files; returns the files changed.

    Other databases (PostgreSQL) are guarded by their own access control."""
    u = make_url(url)
    if not u.drivername.startswith("sqlite") or not u.database or u.database == ":memory:":
        return []
    changed = []
    for suffix in ("", "-wal", "-shm", "-journal"):
        p = Path(u.database + suffix)
        try:
            if p.exists() and stat.S_IMODE(p.stat().st_mode) != 0o600:
                os.chmod(p, 0o600)
                changed.append(p)
        except OSError:
            continue
    return changed


def _roster(session: Session, roster: str) -> Roster:
    r = session.scalar(select(Roster).where(Roster.name == roster))
    if r is None:
        raise RosterError(f"roster {roster!r} does not exist")
    return r


def ensure_roster(session: Session, name: str) -> Roster:
    r = session.scalar(select(Roster).where(Roster.name == name))
    if r is None:
        r = Roster(name=name, updated_at=utcnow())
        session.add(r)
        session.flush()
    return r


def save_key(session: Session, secret: str, *, token_name: str | None, permissions: list[str]) -> int:
    """Insert or renew a key (a re-registered revoked key starts afresh); returns its id."""
    row = session.scalar(select(ApiKeyRecord).where(ApiKeyRecord.fingerprint == fingerprint(secret)))
    if row is None:
        row = ApiKeyRecord(fingerprint=fingerprint(secret), masked=mask(secret), added_at=utcnow(), permissions=[])
        session.add(row)
        session.flush()
        session.add(ApiKeySecret(key_id=row.id, secret=secret))  # written, never read back here
    row.token_name = token_name
    row.permissions = list(permissions)
    row.status = OK
    row.invalid_count = 0
    row.first_invalid_at = None
    row.last_error = None
    session.flush()
    return row.id


def link_player(session: Session, roster: str, player: str, key_id: int) -> bool:
    """Point roster player ``player`` at key ``key_id``, adding the player if absent; True if added."""
    r = _roster(session, roster)
    row = next((p for p in r.players if p.name == player.strip()), None)
    added = row is None
    if row is None:
        pid = add_player(session, r.name, {"name": player, "builds": []})
        row = session.get(RosterPlayer, pid)
        assert row is not None
    row.api_key_ref = str(key_id)
    key = session.get(ApiKeyRecord, key_id)
    if key is not None and key.account:
        row.account = key.account
    r.updated_at = utcnow()
    return added


def keys_to_refresh(session: Session) -> list[tuple[int, str]]:
    """(id, secret) of every key not revoked."""
    q = (select(ApiKeyRecord.id, ApiKeySecret.secret).join(ApiKeySecret, ApiKeySecret.key_id == ApiKeyRecord.id)
         .where(ApiKeyRecord.status != REVOKED).order_by(ApiKeyRecord.id))
    return [(i, s) for i, s in session.execute(q).all()]


def record_refresh(
    session: Session,
    key_id: int,
    *,
    account: str,
    team_id: int | None,
    characters: Iterable[CharacterInfo],
    catalog: CatalogBuilds,
    now: datetime | None = None,
) -> list[str]:
    """Store a successful refresh and re-derive the linked players' builds; returns the derived builds."""
    now = now or utcnow()
    key = session.get(ApiKeyRecord, key_id)
    if key is None:
        return []  # removed meanwhile
    chars = list(characters)
    key.account = account
    key.team_id = team_id
    key.status = OK
    key.invalid_count = 0
    key.first_invalid_at = None
    key.last_error = None
    key.checked_at = key.refreshed_at = now
    key.characters.clear()
    session.flush()
    for i, c in enumerate(chars):
        key.characters.append(
            AccountCharacter(name=c.name, position=i, profession=c.profession, level=c.level, elite_specs=list(c.elite_specs))
        )
    derived = derive_builds(chars, catalog)
    for p in session.scalars(select(RosterPlayer).where(RosterPlayer.api_key_ref == str(key_id))):
        builds, appended = merge_builds(list(p.builds), list(p.derived_builds), derived)
        if builds != list(p.builds) or appended != list(p.derived_builds) or p.account != account:
            p.builds, p.derived_builds, p.account = builds, appended, account
            p.roster.updated_at = now
    session.flush()
    return derived


def record_refusal(session: Session, key_id: int, error: str, now: datetime | None = None) -> str:
    """An "invalid key" answer: suspect at once, revoked when refusals repeat over time. Returns the status."""
    now = now or utcnow()
    key = session.get(ApiKeyRecord, key_id)
    if key is None:
        return REVOKED
    key.invalid_count += 1
    key.first_invalid_at = key.first_invalid_at or now
    key.last_error = error[:400]
    key.checked_at = now
    span = now - key.first_invalid_at
    key.status = REVOKED if key.invalid_count >= REVOKE_AFTER_ANSWERS and span >= REVOKE_MIN_SPAN else SUSPECT
    return key.status


def record_error(session: Session, key_id: int, error: str, now: datetime | None = None) -> None:
    """Any other failure (rate limit, outage, missing permission): noted, the status unchanged."""
    key = session.get(ApiKeyRecord, key_id)
    if key is not None:
        key.last_error = error[:400]
        key.checked_at = now or utcnow()


def list_keys(session: Session) -> list[KeySummary]:
    players: dict[str, list[str]] = {}
    q = select(RosterPlayer.api_key_ref, Roster.name, RosterPlayer.name).join(Roster).where(RosterPlayer.api_key_ref.is_not(None))
    for ref, rname, pname in session.execute(q):
        players.setdefault(ref, []).append(f"{rname}/{pname}")
    return [
        KeySummary(k.id, k.masked, k.account, k.status, list(k.permissions), k.last_error, k.refreshed_at,
                   players.get(str(k.id), []))
        for k in session.scalars(select(ApiKeyRecord).order_by(ApiKeyRecord.id))
    ]


def key_characters(session: Session, key_id: int) -> list[dict[str, Any]]:
    key = session.get(ApiKeyRecord, key_id)
    return [] if key is None else [
        {"name": c.name, "profession": c.profession, "level": c.level, "elite_specs": list(c.elite_specs)}
        for c in key.characters
    ]


def import_guild_members(
    session: Session, roster: str, members: Iterable[tuple[str, str]], *, present: bool = False
) -> tuple[int, int]:
    """Add guild members (account name, rank) to ``roster`` (created if missing); existing players
    get their rank updated. New players are ``present=present`` with no builds yet (their builds
    come from their keys or the commander). Returns (added, updated)."""
    r = ensure_roster(session, roster)
    by_name = {p.name: p for p in r.players}
    added = updated = 0
    for account, rank in members:
        p = by_name.get(account)
        if p is None:
            pid = add_player(session, r.name, {"name": account, "builds": [], "present": present})
            p = session.get(RosterPlayer, pid)
            assert p is not None
            by_name[account] = p
            added += 1
        elif p.guild_rank != rank:
            updated += 1
        p.guild_rank = rank
        p.account = account
    r.updated_at = utcnow()
    session.flush()
    return added, updated
