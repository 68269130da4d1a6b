"""players' API keys, their characters; roster players' guild rank and derived builds

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-23
"""

# SQLAlchemy and Alembic are imported inside upgrade()/downgrade(): the readers import this
# module to learn `revision` and `down_revision` (warclaw.store.schema) and must stay light.
from __future__ import annotations

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "api_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=512), nullable=False),
        sa.Column("token_name", sa.String(length=200), nullable=True),
        sa.Column("permissions", sa.JSON(), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=True),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("invalid_count", sa.Integer(), nullable=False),
        sa.Column("first_invalid_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=400), nullable=True),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.Column("checked_at", sa.DateTime(), nullable=True),
        sa.Column("refreshed_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("secret", name=op.f("uq_api_keys_secret")),
    )
    op.create_table(
        "account_characters",
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("profession", sa.String(length=40), nullable=False),
        sa.Column("level", sa.Integer(), nullable=False),
        sa.Column("elite_specs", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["key_id"], ["api_keys.id"], name=op.f("fk_account_characters_key_id_api_keys"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("key_id", "name", name=op.f("pk_account_characters")),
    )
    # Plain ADD COLUMN (with a default for the rows already there) works on SQLite and PostgreSQL.
    op.add_column("roster_players", sa.Column("guild_rank", sa.String(length=80), nullable=True))
    op.add_column(
        "roster_players",
        sa.Column("derived_builds", sa.JSON(), nullable=False, server_default=sa.text("'[]'")),
    )


def downgrade() -> None:
    from alembic import op

    with op.batch_alter_table("roster_players") as batch:
        batch.drop_column("derived_builds")
        batch.drop_column("guild_rank")
    op.drop_table("account_characters")
    op.drop_table("api_keys")
