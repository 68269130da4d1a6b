"""Alembic environment: run by `warclaw.store.migrate` with a live connection, never from a CLI ini."""

from __future__ import annotations

from alembic import context

from warclaw.store.models import Base

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=Base.metadata,
    # SQLite cannot ALTER most things in place; batch mode rebuilds tables the portable way.
    render_as_batch=True,
    compare_type=True,
)
with context.begin_transaction():
    context.run_migrations()
