"""API key secrets in a table of their own, so that on a shared server only the daemon reads them

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

# SQLAlchemy and Alembic are imported inside upgrade()/downgrade(): the readers import this
# module to learn `revision` and `down_revision` (warclaw.store.schema) and must stay light.
from __future__ import annotations

import hashlib

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    import sqlalchemy as sa
    from alembic import op

    from warclaw.common import mask

    op.create_table(
        "api_key_secrets",
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column("secret", sa.String(length=512), nullable=False),
        sa.ForeignKeyConstraint(["key_id"], ["api_keys.id"], name=op.f("fk_api_key_secrets_key_id_api_keys"),
                                ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key_id", name=op.f("pk_api_key_secrets")),
    )
    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("fingerprint", sa.String(length=64), nullable=True))
        batch.add_column(sa.Column("masked", sa.String(length=16), nullable=True))
    conn = op.get_bind()
    for key_id, secret in conn.execute(sa.text("SELECT id, secret FROM api_keys")).all():
        conn.execute(sa.text("INSERT INTO api_key_secrets (key_id, secret) VALUES (:i, :s)"), {"i": key_id, "s": secret})
        conn.execute(sa.text("UPDATE api_keys SET fingerprint = :f, masked = :m WHERE id = :i"),
                     {"f": hashlib.sha256(secret.encode()).hexdigest(), "m": mask(secret), "i": key_id})
    with op.batch_alter_table("api_keys") as batch:
        batch.alter_column("fingerprint", existing_type=sa.String(length=64), nullable=False)
        batch.alter_column("masked", existing_type=sa.String(length=16), nullable=False)
        batch.create_unique_constraint(op.f("uq_api_keys_fingerprint"), ["fingerprint"])
        batch.drop_constraint(op.f("uq_api_keys_secret"), type_="unique")
        batch.drop_column("secret")


def downgrade() -> None:
    import sqlalchemy as sa
    from alembic import op

    with op.batch_alter_table("api_keys") as batch:
        batch.add_column(sa.Column("secret", sa.String(length=512), nullable=True))
    conn = op.get_bind()
    for key_id, secret in conn.execute(sa.text("SELECT key_id, secret FROM api_key_secrets")).all():
        conn.execute(sa.text("UPDATE api_keys SET secret = :s WHERE id = :i"), {"s": secret, "i": key_id})
    with op.batch_alter_table("api_keys") as batch:
        batch.alter_column("secret", existing_type=sa.String(length=512), nullable=False)
        batch.create_unique_constraint(op.f("uq_api_keys_secret"), ["secret"])
        batch.drop_constraint(op.f("uq_api_keys_fingerprint"), type_="unique")
        batch.drop_column("masked")
        batch.drop_column("fingerprint")
    op.drop_table("api_key_secrets")
