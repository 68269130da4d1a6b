"""The store's error and its one-line wording, importable without SQLAlchemy (the TUI's reader)."""

from __future__ import annotations

import os

from warclaw.errors import UserError


class StoreError(UserError):
    """The database cannot be used: unreachable, read-only, full, or newer than this code."""


def describe_error(where: str, err: BaseException) -> str:
    """One line for a person about database ``where`` (a path or a URL without password)."""
    orig = getattr(err, "orig", err)
    msg = str(orig).strip().splitlines()[0] if str(orig).strip() else type(orig).__name__
    low = msg.lower()
    if "readonly" in low or "read-only" in low:
        return f"database {where} is read-only: {msg}"
    if "disk is full" in low or "disk full" in low or ("disk i/o error" in low and _no_room(where)):
        return f"database {where}: the disk is full ({msg})"
    if "unable to open" in low:
        return f"database {where} cannot be opened: {msg} (does the directory exist and is it writable?)"
    if "no such table" in low or "no such column" in low:
        return f"database {where} is damaged or not Warclaw's ({msg}): restore it from a backup or point --db at another file"
    if "locked" in low:
        return f"database {where} stayed locked by another process: {msg}"
    if "lock timeout" in low:
        return f"database {where}: another writer held the write lock too long ({msg})"
    if "permission denied" in low or "must be owner" in low:
        return (f"database {where}: {msg} (this database role may not do that: the schema is created and "
                "upgraded by the daemon's role, and only it reads API key secrets)")
    return f"database {where}: {msg}"


def _no_room(where: str) -> bool:
    """True if the SQLite file's filesystem has no free block: SQLite reports a write-ahead log that
    cannot grow as a plain "disk I/O error"."""
    path = where.removeprefix("sqlite:///")
    try:
        st = os.statvfs(os.path.dirname(path) or ".")
    except OSError:
        return False
    return st.f_bavail == 0


def newer_schema_message(where: str, revision: str, head: str | None) -> str:
    return (f"database {where} has schema revision {revision}, newer than this warclaw knows "
            f"(latest {head}): upgrade warclaw, or point --db at another database")
