"""What the code knows about the schema without importing SQLAlchemy or Alembic: the colour
convention of team-keyed columns and the migrations' revisions, read from the files (Alembic costs
~15 MB and 0.4 s, and a database already at head needs none of it)."""

from __future__ import annotations

import re
from pathlib import Path

COLORS = ("red", "green", "blue")

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


def revisions_on_disk() -> dict[str, str | None]:
    """revision -> down_revision of every migration file shipped with this code."""
    out: dict[str, str | None] = {}
    for f in (MIGRATIONS_DIR / "versions").glob("*.py"):
        body = f.read_text(encoding="utf-8")
        rev = re.search(r'^revision\s*=\s*"([^"]+)"', body, re.M)
        down = re.search(r'^down_revision\s*=\s*(?:"([^"]+)"|None)', body, re.M)
        if rev and down:
            out[rev.group(1)] = down.group(1)
    return out


def fast_head() -> str | None:
    """The newest revision, or None if the files do not name exactly one head."""
    revs = revisions_on_disk()
    heads = set(revs) - {d for d in revs.values() if d}
    return heads.pop() if len(heads) == 1 else None
