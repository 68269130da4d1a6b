"""a player name appears once per roster (a unique constraint, so concurrent writers cannot add it twice)

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

# SQLAlchemy and Alembic are imported inside upgrade()/downgrade(): the readers import this
# module to learn `revision` and `down_revision` (warclaw.store.schema) and must stay light.
from __future__ import annotations

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

NAME_LENGTH = 80


def _unique(name: str, taken: set[str]) -> str:
    n = 2
    while True:
        suffix = f" ({n})"
        candidate = name[: NAME_LENGTH - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


def upgrade() -> None:
    import sqlalchemy as sa
    from alembic import op

    # Concurrent writers before this revision could store a name twice in one roster: keep every
    # row (nothing is lost) and rename the later copies "Name (2)", "Name (3)", ...
    conn = op.get_bind()
    rows = conn.execute(sa.text("SELECT id, roster_id, name FROM roster_players ORDER BY roster_id, id")).all()
    taken: dict[int, set[str]] = {}
    for _id, roster_id, name in rows:
        taken.setdefault(roster_id, set()).add(name)
    seen: dict[int, set[str]] = {}
    for pid, roster_id, name in rows:
        mine = seen.setdefault(roster_id, set())
        if name in mine:
            new = _unique(name, taken[roster_id])
            taken[roster_id].add(new)
            conn.execute(sa.text("UPDATE roster_players SET name = :n WHERE id = :i"), {"n": new, "i": pid})
            name = new
        mine.add(name)
    with op.batch_alter_table("roster_players") as batch:
        batch.create_unique_constraint(op.f("uq_roster_players_roster_id_name"), ["roster_id", "name"])


def downgrade() -> None:
    from alembic import op

    with op.batch_alter_table("roster_players") as batch:
        batch.drop_constraint(op.f("uq_roster_players_roster_id_name"), type_="unique")
