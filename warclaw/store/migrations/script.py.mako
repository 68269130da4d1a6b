"""${message}

Revision ID: ${up_revision}
Revises: ${down_revision | comma,n}
Create Date: ${create_date}
"""

# SQLAlchemy and Alembic are imported inside upgrade()/downgrade(): the readers import this
# module to learn `revision` and `down_revision` (warclaw.store.schema) and must stay light.
from __future__ import annotations

revision = ${repr(up_revision)}
down_revision = ${repr(down_revision)}
branch_labels = ${repr(branch_labels)}
depends_on = ${repr(depends_on)}


def upgrade() -> None:
    import sqlalchemy as sa  # noqa: F401
    from alembic import op  # noqa: F401
    ${imports.replace("\n", "\n    ") if imports else ""}
    ${upgrades if upgrades else "pass"}


def downgrade() -> None:
    import sqlalchemy as sa  # noqa: F401
    from alembic import op  # noqa: F401
    ${imports.replace("\n", "\n    ") if imports else ""}
    ${downgrades if downgrades else "pass"}
