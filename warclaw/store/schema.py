"""What the code knows about the schema without importing SQLAlchemy or Alembic: the colour
convention of team-keyed columns, and the migrations' revisions.

The revisions are read from the migration modules themselves, exactly as Alembic reads them: each
module's ``revision`` and ``down_revision`` attributes. A migration module is cheap to import
because the project's template (``migrations/script.py.mako``) imports SQLAlchemy and Alembic
inside ``upgrade()``/``downgrade()`` only; so the readers (the TUI's ``sqlite3``/psycopg path) and
the writers (Alembic) learn the chain from one definition, with no parsing of the files, and a
migration generated from the template is known to both the moment it exists
(``tests/store/test_schema.py`` generates one). Alembic itself (~15 MB, 0.4 s) is needed only to
run a migration.
"""

from __future__ import annotations

import functools
import importlib.util
from pathlib import Path

COLORS = ("red", "green", "blue")

MIGRATIONS_DIR = Path(__file__).with_name("migrations")


class MigrationError(Exception):
    """A migration module that does not say which revision it is (a packaging or editing error)."""


@functools.cache
def revisions(versions_dir: Path | None = None) -> dict[str, str | None]:
    """revision -> down_revision of every migration shipped with this code (cached per process)."""
    folder = versions_dir or MIGRATIONS_DIR / "versions"
    out: dict[str, str | None] = {}
    for path in sorted(folder.glob("*.py")):
        if path.name.startswith("_"):
            continue
        name = f"_warclaw_migration_{path.stem}"
        spec = importlib.util.spec_from_file_location(name, path)
        if spec is None or spec.loader is None:
            raise MigrationError(f"migration {path}: cannot be loaded")
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)  # not kept in sys.modules: Alembic loads its own copy
        rev = getattr(module, "revision", None)
        down = getattr(module, "down_revision", None)
        if not isinstance(rev, str) or not (down is None or isinstance(down, str)):
            raise MigrationError(f"migration {path}: 'revision' (text) and 'down_revision' (text or None) are required")
        out[rev] = down
    return out


def head(versions_dir: Path | None = None) -> str | None:
    """The newest revision, or None if the migrations do not name exactly one head."""
    revs = revisions(versions_dir)
    heads = set(revs) - {d for d in revs.values() if d}
    return heads.pop() if len(heads) == 1 else None


def is_known(revision: str, versions_dir: Path | None = None) -> bool:
    return revision in revisions(versions_dir)

