"""initial schema

Revision ID: 0001
Revises:
Create Date: 2026-11-23
"""

# SQLAlchemy and Alembic are imported inside upgrade()/downgrade(): the readers import this
# module to learn `revision` and `down_revision` (warclaw.store.schema) and must stay light.
from __future__ import annotations

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    import sqlalchemy as sa
    from alembic import op

    op.create_table(
        "guilds",
        sa.Column("id", sa.String(length=40), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=True),
        sa.Column("tag", sa.String(length=8), nullable=True),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(), nullable=True),
        sa.Column("fetch_error", sa.String(length=200), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_guilds")),
    )
    op.create_table(
        "heartbeats",
        sa.Column("component", sa.String(length=32), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=120), nullable=False),
        sa.Column("version", sa.String(length=32), nullable=False),
        sa.Column("started_at", sa.DateTime(), nullable=False),
        sa.Column("beat_at", sa.DateTime(), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("detail", sa.String(length=400), nullable=True),
        sa.PrimaryKeyConstraint("component", name=op.f("pk_heartbeats")),
    )
    op.create_table(
        "matches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("api_id", sa.String(length=16), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=False),
        sa.Column("tier", sa.Integer(), nullable=False),
        sa.Column("start_time", sa.DateTime(), nullable=False),
        sa.Column("end_time", sa.DateTime(), nullable=False),
        sa.Column("first_seen_at", sa.DateTime(), nullable=False),
        sa.Column("polled_at", sa.DateTime(), nullable=False),
        sa.Column("changed_at", sa.DateTime(), nullable=False),
        sa.Column("data_hash", sa.String(length=64), nullable=False),
        sa.Column("data_time", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_matches")),
        sa.UniqueConstraint("api_id", "start_time", name=op.f("uq_matches_api_id_start_time")),
    )
    op.create_table(
        "meta",
        sa.Column("key", sa.String(length=40), nullable=False),
        sa.Column("value", sa.Text(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_meta")),
    )
    op.create_table(
        "objectives",
        sa.Column("id", sa.String(length=16), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("map_type", sa.String(length=16), nullable=False),
        sa.Column("map_id", sa.Integer(), nullable=False),
        sa.Column("sector_id", sa.Integer(), nullable=True),
        sa.Column("upgrade_id", sa.Integer(), nullable=True),
        sa.Column("coord", sa.JSON(), nullable=True),
        sa.Column("label_coord", sa.JSON(), nullable=True),
        sa.Column("chat_link", sa.String(length=32), nullable=True),
        sa.Column("tier_yaks", sa.JSON(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_objectives")),
    )
    op.create_table(
        "poll_log",
        sa.Column("endpoint", sa.String(length=40), nullable=False),
        sa.Column("last_attempt_at", sa.DateTime(), nullable=True),
        sa.Column("last_success_at", sa.DateTime(), nullable=True),
        sa.Column("last_error_at", sa.DateTime(), nullable=True),
        sa.Column("last_error", sa.String(length=400), nullable=True),
        sa.Column("consecutive_failures", sa.Integer(), nullable=False),
        sa.Column("total_failures", sa.Integer(), nullable=False),
        sa.Column("last_duration_ms", sa.Integer(), nullable=True),
        sa.Column("next_attempt_at", sa.DateTime(), nullable=True),
        sa.PrimaryKeyConstraint("endpoint", name=op.f("pk_poll_log")),
    )
    op.create_table(
        "rosters",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("mode", sa.String(length=40), nullable=True),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_rosters")),
        sa.UniqueConstraint("name", name=op.f("uq_rosters_name")),
    )
    op.create_table(
        "teams",
        sa.Column("id", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("region", sa.String(length=2), nullable=True),
        sa.Column("kind", sa.String(length=8), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_teams")),
    )
    op.create_table(
        "events",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("occurred_at", sa.DateTime(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.Column("kind", sa.String(length=24), nullable=False),
        sa.Column("objective_id", sa.String(length=16), nullable=True),
        sa.Column("map_type", sa.String(length=16), nullable=True),
        sa.Column("team", sa.String(length=8), nullable=True),
        sa.Column("prev_team", sa.String(length=8), nullable=True),
        sa.Column("guild_id", sa.String(length=40), nullable=True),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.Column("dedupe_key", sa.String(length=160), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_events_match_id_matches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_events")),
        sa.UniqueConstraint("dedupe_key", name=op.f("uq_events_dedupe_key")),
    )
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_events_match_id_occurred_at"), ["match_id", "occurred_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_events_occurred_at"), ["occurred_at"], unique=False)

    op.create_table(
        "match_maps",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("map_type", sa.String(length=16), nullable=False),
        sa.Column("map_id", sa.Integer(), nullable=False),
        sa.Column("scores", sa.JSON(), nullable=False),
        sa.Column("kills", sa.JSON(), nullable=False),
        sa.Column("deaths", sa.JSON(), nullable=False),
        sa.Column("bonuses", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_match_maps_match_id_matches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("match_id", "map_type", name=op.f("pk_match_maps")),
    )
    op.create_table(
        "match_teams",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("color", sa.String(length=5), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=False),
        sa.Column("world_id", sa.Integer(), nullable=False),
        sa.Column("all_worlds", sa.JSON(), nullable=False),
        sa.Column("score", sa.Integer(), nullable=False),
        sa.Column("victory_points", sa.Integer(), nullable=False),
        sa.Column("kills", sa.Integer(), nullable=False),
        sa.Column("deaths", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_match_teams_match_id_matches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("match_id", "color", name=op.f("pk_match_teams")),
    )
    op.create_table(
        "objective_states",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("objective_id", sa.String(length=16), nullable=False),
        sa.Column("type", sa.String(length=16), nullable=False),
        sa.Column("map_type", sa.String(length=16), nullable=False),
        sa.Column("owner", sa.String(length=8), nullable=False),
        sa.Column("last_flipped", sa.DateTime(), nullable=True),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("claimed_at", sa.DateTime(), nullable=True),
        sa.Column("yaks_delivered", sa.Integer(), nullable=False),
        sa.Column("points_tick", sa.Integer(), nullable=False),
        sa.Column("points_capture", sa.Integer(), nullable=False),
        sa.Column("upgrade_tier", sa.Integer(), nullable=False),
        sa.Column("guild_upgrades", sa.JSON(), nullable=False),
        sa.Column("updated_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"],
            ["matches.id"],
            name=op.f("fk_objective_states_match_id_matches"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("match_id", "objective_id", name=op.f("pk_objective_states")),
    )
    op.create_table(
        "roster_players",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("name", sa.String(length=80), nullable=False),
        sa.Column("builds", sa.JSON(), nullable=False),
        sa.Column("commander", sa.Boolean(), nullable=False),
        sa.Column("lock_party", sa.Integer(), nullable=True),
        sa.Column("lock_build", sa.String(length=80), nullable=True),
        sa.Column("with_players", sa.JSON(), nullable=False),
        sa.Column("present", sa.Boolean(), nullable=False),
        sa.Column("account", sa.String(length=80), nullable=True),
        sa.Column("api_key_ref", sa.String(length=80), nullable=True),
        sa.ForeignKeyConstraint(
            ["roster_id"],
            ["rosters.id"],
            name=op.f("fk_roster_players_roster_id_rosters"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_roster_players")),
    )
    with op.batch_alter_table("roster_players", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_roster_players_roster_id_position"), ["roster_id", "position"], unique=False
        )

    op.create_table(
        "saved_plans",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("roster_id", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("mode", sa.String(length=40), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("plan_json", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["roster_id"], ["rosters.id"], name=op.f("fk_saved_plans_roster_id_rosters"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_saved_plans")),
    )
    with op.batch_alter_table("saved_plans", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_saved_plans_roster_id_created_at"), ["roster_id", "created_at"], unique=False
        )

    op.create_table(
        "score_samples",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("sampled_at", sa.DateTime(), nullable=False),
        sa.Column("skirmish", sa.Integer(), nullable=False),
        sa.Column("red_score", sa.Integer(), nullable=False),
        sa.Column("green_score", sa.Integer(), nullable=False),
        sa.Column("blue_score", sa.Integer(), nullable=False),
        sa.Column("red_vp", sa.Integer(), nullable=False),
        sa.Column("green_vp", sa.Integer(), nullable=False),
        sa.Column("blue_vp", sa.Integer(), nullable=False),
        sa.Column("red_kills", sa.Integer(), nullable=False),
        sa.Column("green_kills", sa.Integer(), nullable=False),
        sa.Column("blue_kills", sa.Integer(), nullable=False),
        sa.Column("red_deaths", sa.Integer(), nullable=False),
        sa.Column("green_deaths", sa.Integer(), nullable=False),
        sa.Column("blue_deaths", sa.Integer(), nullable=False),
        sa.Column("maps", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_score_samples_match_id_matches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_score_samples")),
    )
    with op.batch_alter_table("score_samples", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_score_samples_match_id_sampled_at"), ["match_id", "sampled_at"], unique=False
        )

    op.create_table(
        "skirmishes",
        sa.Column("match_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("red_score", sa.Integer(), nullable=False),
        sa.Column("green_score", sa.Integer(), nullable=False),
        sa.Column("blue_score", sa.Integer(), nullable=False),
        sa.Column("map_scores", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["match_id"], ["matches.id"], name=op.f("fk_skirmishes_match_id_matches"), ondelete="CASCADE"
        ),
        sa.PrimaryKeyConstraint("match_id", "number", name=op.f("pk_skirmishes")),
    )


def downgrade() -> None:
    from alembic import op

    op.drop_table("skirmishes")
    with op.batch_alter_table("score_samples", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_score_samples_match_id_sampled_at"))

    op.drop_table("score_samples")
    with op.batch_alter_table("saved_plans", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_saved_plans_roster_id_created_at"))

    op.drop_table("saved_plans")
    with op.batch_alter_table("roster_players", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_roster_players_roster_id_position"))

    op.drop_table("roster_players")
    op.drop_table("objective_states")
    op.drop_table("match_teams")
    op.drop_table("match_maps")
    with op.batch_alter_table("events", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_events_occurred_at"))
        batch_op.drop_index(batch_op.f("ix_events_match_id_occurred_at"))

    op.drop_table("events")
    op.drop_table("teams")
    op.drop_table("rosters")
    op.drop_table("poll_log")
    op.drop_table("objectives")
    op.drop_table("meta")
    op.drop_table("matches")
    op.drop_table("heartbeats")
    op.drop_table("guilds")
