"""ORM models: every table Warclaw keeps, in one place.

Conventions: instants are UTC (`UTCDateTime`); team-keyed values use the API's colour names
(``red``/``green``/``blue``); JSON columns hold small lists/maps that are always read whole. A
match id such as ``2-1`` comes back every week, so a match row is keyed by (api id, start time).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship

from warclaw.store.types import UTCDateTime

# Explicit constraint names keep Alembic migrations identical on SQLite and PostgreSQL.
NAMING = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)
    type_annotation_map = {datetime: UTCDateTime, dict[str, Any]: JSON, list[Any]: JSON}


# --- game data --------------------------------------------------------------------------------


class Team(Base):
    """A WvW team (5-digit id, since 2024) or a legacy world (4-digit id) with its name."""

    __tablename__ = "teams"
    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    name: Mapped[str] = mapped_column(String(80))
    region: Mapped[str | None] = mapped_column(String(2))
    kind: Mapped[str] = mapped_column(String(8), default="team")  # "team" | "world"


class Match(Base):
    __tablename__ = "matches"
    __table_args__ = (UniqueConstraint("api_id", "start_time"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    api_id: Mapped[str] = mapped_column(String(16))  # "2-1": region-tier
    region: Mapped[str] = mapped_column(String(2))
    tier: Mapped[int] = mapped_column(Integer)
    start_time: Mapped[datetime]
    end_time: Mapped[datetime]
    first_seen_at: Mapped[datetime]
    polled_at: Mapped[datetime]  # last successful fetch of this match
    changed_at: Mapped[datetime]  # last time its data differed from the previous fetch ("stale since")
    data_hash: Mapped[str] = mapped_column(String(64))
    # The newest timestamp inside the match data: the API's clock as far as we can tell. It lags
    # the wall clock a little in a live match, and a lot when the data is frozen or replayed.
    data_time: Mapped[datetime | None]

    teams: Mapped[list[MatchTeam]] = relationship(
        back_populates="match", cascade="all, delete-orphan", order_by="MatchTeam.color"
    )
    maps: Mapped[list[MatchMap]] = relationship(cascade="all, delete-orphan", order_by="MatchMap.map_type")


class MatchTeam(Base):
    """Current totals of one side of a match."""

    __tablename__ = "match_teams"
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True)
    color: Mapped[str] = mapped_column(String(5), primary_key=True)
    team_id: Mapped[int] = mapped_column(Integer)  # 5-digit team id when known, else the legacy world
    world_id: Mapped[int] = mapped_column(Integer)
    all_worlds: Mapped[list[Any]] = mapped_column(default=list)
    score: Mapped[int] = mapped_column(Integer, default=0)
    victory_points: Mapped[int] = mapped_column(Integer, default=0)
    kills: Mapped[int] = mapped_column(Integer, default=0)
    deaths: Mapped[int] = mapped_column(Integer, default=0)

    match: Mapped[Match] = relationship(back_populates="teams")


class MatchMap(Base):
    """Current per-map totals of a match: ``{"red": n, "green": n, "blue": n}`` maps."""

    __tablename__ = "match_maps"
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True)
    map_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    map_id: Mapped[int] = mapped_column(Integer)
    scores: Mapped[dict[str, Any]] = mapped_column(default=dict)
    kills: Mapped[dict[str, Any]] = mapped_column(default=dict)
    deaths: Mapped[dict[str, Any]] = mapped_column(default=dict)
    bonuses: Mapped[list[Any]] = mapped_column(default=list)


class ScoreSample(Base):
    """Score state of a match at one poll, written only when it changed.

    ``maps`` is ``{map_type: [[score r,g,b], [kills r,g,b], [deaths r,g,b]]}``: compact because a
    year of samples must stay small. Older samples are rolled up to the last one per skirmish.
    """

    __tablename__ = "score_samples"
    __table_args__ = (Index(None, "match_id", "sampled_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    sampled_at: Mapped[datetime]
    skirmish: Mapped[int] = mapped_column(Integer)
    red_score: Mapped[int] = mapped_column(Integer)
    green_score: Mapped[int] = mapped_column(Integer)
    blue_score: Mapped[int] = mapped_column(Integer)
    red_vp: Mapped[int] = mapped_column(Integer)
    green_vp: Mapped[int] = mapped_column(Integer)
    blue_vp: Mapped[int] = mapped_column(Integer)
    red_kills: Mapped[int] = mapped_column(Integer)
    green_kills: Mapped[int] = mapped_column(Integer)
    blue_kills: Mapped[int] = mapped_column(Integer)
    red_deaths: Mapped[int] = mapped_column(Integer)
    green_deaths: Mapped[int] = mapped_column(Integer)
    blue_deaths: Mapped[int] = mapped_column(Integer)
    maps: Mapped[dict[str, Any]] = mapped_column(default=dict)


class Skirmish(Base):
    __tablename__ = "skirmishes"
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True)
    number: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    red_score: Mapped[int] = mapped_column(Integer)
    green_score: Mapped[int] = mapped_column(Integer)
    blue_score: Mapped[int] = mapped_column(Integer)
    map_scores: Mapped[list[Any]] = mapped_column(default=list)


class Objective(Base):
    """Static objective data from ``/v2/wvw/objectives`` (plus tier thresholds from upgrades)."""

    __tablename__ = "objectives"
    id: Mapped[str] = mapped_column(String(16), primary_key=True)  # "38-9"
    name: Mapped[str] = mapped_column(String(80))
    type: Mapped[str] = mapped_column(String(16))
    map_type: Mapped[str] = mapped_column(String(16))
    map_id: Mapped[int] = mapped_column(Integer)
    sector_id: Mapped[int | None] = mapped_column(Integer)
    upgrade_id: Mapped[int | None] = mapped_column(Integer)
    coord: Mapped[list[Any] | None] = mapped_column(JSON)
    label_coord: Mapped[list[Any] | None] = mapped_column(JSON)
    chat_link: Mapped[str | None] = mapped_column(String(32))
    tier_yaks: Mapped[list[Any]] = mapped_column(default=list)  # cumulative yaks per tier


class ObjectiveState(Base):
    """Live state of one objective in one match (current only; history is in events)."""

    __tablename__ = "objective_states"
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"), primary_key=True)
    objective_id: Mapped[str] = mapped_column(String(16), primary_key=True)
    type: Mapped[str] = mapped_column(String(16))
    map_type: Mapped[str] = mapped_column(String(16))
    owner: Mapped[str] = mapped_column(String(8))  # Red | Green | Blue | Neutral
    last_flipped: Mapped[datetime | None]
    claimed_by: Mapped[str | None] = mapped_column(String(40))
    claimed_at: Mapped[datetime | None]
    yaks_delivered: Mapped[int] = mapped_column(Integer, default=0)
    points_tick: Mapped[int] = mapped_column(Integer, default=0)
    points_capture: Mapped[int] = mapped_column(Integer, default=0)
    upgrade_tier: Mapped[int] = mapped_column(Integer, default=0)
    guild_upgrades: Mapped[list[Any]] = mapped_column(default=list)
    updated_at: Mapped[datetime]


class Guild(Base):
    __tablename__ = "guilds"
    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str | None] = mapped_column(String(80))
    tag: Mapped[str | None] = mapped_column(String(8))
    first_seen_at: Mapped[datetime]
    fetched_at: Mapped[datetime | None]
    fetch_error: Mapped[str | None] = mapped_column(String(200))


class Event(Base):
    """Something a commander cares about. ``dedupe_key`` makes every write idempotent."""

    __tablename__ = "events"
    __table_args__ = (Index(None, "match_id", "occurred_at"), Index(None, "occurred_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    match_id: Mapped[int] = mapped_column(ForeignKey("matches.id", ondelete="CASCADE"))
    occurred_at: Mapped[datetime]
    recorded_at: Mapped[datetime]
    kind: Mapped[str] = mapped_column(String(24))
    objective_id: Mapped[str | None] = mapped_column(String(16))
    map_type: Mapped[str | None] = mapped_column(String(16))
    team: Mapped[str | None] = mapped_column(String(8))
    prev_team: Mapped[str | None] = mapped_column(String(8))
    guild_id: Mapped[str | None] = mapped_column(String(40))
    detail: Mapped[dict[str, Any]] = mapped_column(default=dict)
    dedupe_key: Mapped[str] = mapped_column(String(160), unique=True)


# --- the commander's data (the TUI edits these) -----------------------------------------------


class Roster(Base):
    __tablename__ = "rosters"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    mode: Mapped[str | None] = mapped_column(String(40))
    updated_at: Mapped[datetime]

    players: Mapped[list[RosterPlayer]] = relationship(
        back_populates="roster", cascade="all, delete-orphan", order_by="RosterPlayer.position"
    )


class RosterPlayer(Base):
    __tablename__ = "roster_players"
    # A name once per roster, enforced by the database too (concurrent writers: migration 0004).
    __table_args__ = (Index(None, "roster_id", "position"), UniqueConstraint("roster_id", "name"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(Integer)
    name: Mapped[str] = mapped_column(String(80))
    builds: Mapped[list[Any]] = mapped_column(default=list)  # preference order
    commander: Mapped[bool] = mapped_column(Boolean, default=False)
    lock_party: Mapped[int | None] = mapped_column(Integer)
    lock_build: Mapped[str | None] = mapped_column(String(80))
    with_players: Mapped[list[Any]] = mapped_column(default=list)
    present: Mapped[bool] = mapped_column(Boolean, default=True)
    # For the account issue: which GW2 account / stored API key this player is (never the key itself).
    account: Mapped[str | None] = mapped_column(String(80))
    api_key_ref: Mapped[str | None] = mapped_column(String(80))  # str(api_keys.id)
    guild_rank: Mapped[str | None] = mapped_column(String(80))  # from `roster import-guild`
    # The builds the daemon appended from the key's characters (kept so a refresh can replace them
    # without touching the player's own list, which always comes first).
    derived_builds: Mapped[list[Any]] = mapped_column(default=list)

    roster: Mapped[Roster] = relationship(back_populates="players")


class ApiKeyRecord(Base):
    """A player's GW2 API key (``warclaw roster add-key``), without the secret itself: that is in
    :class:`ApiKeySecret`, which on a shared PostgreSQL server only the daemon's role may read.
    ``fingerprint`` (SHA-256 of the key) finds a key registered again; ``masked`` is what people see."""

    __tablename__ = "api_keys"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    masked: Mapped[str] = mapped_column(String(16))
    token_name: Mapped[str | None] = mapped_column(String(200))
    permissions: Mapped[list[Any]] = mapped_column(default=list)
    account: Mapped[str | None] = mapped_column(String(80))
    team_id: Mapped[int | None] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(12), default="ok")  # ok | suspect | revoked
    invalid_count: Mapped[int] = mapped_column(Integer, default=0)  # refusals in a row
    first_invalid_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(400))
    added_at: Mapped[datetime]
    checked_at: Mapped[datetime | None]  # last attempt
    refreshed_at: Mapped[datetime | None]  # last successful refresh

    characters: Mapped[list[AccountCharacter]] = relationship(
        back_populates="key", cascade="all, delete-orphan", order_by="AccountCharacter.position"
    )


class ApiKeySecret(Base):
    """The secret of an API key, read only to send it to the API (the daemon's key refresh).
    Officers' roles may insert and delete rows here, never select them (``warclaw db grant``)."""

    __tablename__ = "api_key_secrets"
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True)
    secret: Mapped[str] = mapped_column(String(512))


class AccountCharacter(Base):
    """A character of a registered key's account, as of the key's last refresh."""

    __tablename__ = "account_characters"
    key_id: Mapped[int] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), primary_key=True)
    name: Mapped[str] = mapped_column(String(80), primary_key=True)
    position: Mapped[int] = mapped_column(Integer)  # the API's order
    profession: Mapped[str] = mapped_column(String(40))
    level: Mapped[int] = mapped_column(Integer)
    elite_specs: Mapped[list[Any]] = mapped_column(default=list)  # catalog spec ids seen; [] = not told

    key: Mapped[ApiKeyRecord] = relationship(back_populates="characters")


class SavedPlan(Base):
    __tablename__ = "saved_plans"
    __table_args__ = (Index(None, "roster_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    roster_id: Mapped[int] = mapped_column(ForeignKey("rosters.id", ondelete="CASCADE"))
    created_at: Mapped[datetime]
    mode: Mapped[str] = mapped_column(String(40))
    score: Mapped[float] = mapped_column(Float)
    plan_json: Mapped[str] = mapped_column(Text)


# --- the daemon's own bookkeeping -------------------------------------------------------------


class Heartbeat(Base):
    __tablename__ = "heartbeats"
    component: Mapped[str] = mapped_column(String(32), primary_key=True)
    pid: Mapped[int] = mapped_column(Integer)
    hostname: Mapped[str] = mapped_column(String(120))
    version: Mapped[str] = mapped_column(String(32))
    started_at: Mapped[datetime]
    beat_at: Mapped[datetime]
    state: Mapped[str] = mapped_column(String(16))  # running | stopping | stopped
    detail: Mapped[str | None] = mapped_column(String(400))


class PollLog(Base):
    """One row per endpoint family: last success, last error, failures in a row."""

    __tablename__ = "poll_log"
    endpoint: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_attempt_at: Mapped[datetime | None]
    last_success_at: Mapped[datetime | None]
    last_error_at: Mapped[datetime | None]
    last_error: Mapped[str | None] = mapped_column(String(400))
    consecutive_failures: Mapped[int] = mapped_column(Integer, default=0)
    total_failures: Mapped[int] = mapped_column(Integer, default=0)
    last_duration_ms: Mapped[int | None] = mapped_column(Integer)
    next_attempt_at: Mapped[datetime | None]


class Meta(Base):
    """Small key/value facts: the API build id seen, last housekeeping run."""

    __tablename__ = "meta"
    key: Mapped[str] = mapped_column(String(40), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


# --- Discord: the alert outbox and the plan's posted messages ---------------------------------


class AlertOutbox(Base):
    """An alert for one Discord webhook: one row per (event, rule), so an alert is queued once.

    ``status``: pending -> sending (committed before the request) -> sent | failed (refused for
    good) | unconfirmed (in flight when the daemon died, or the answer lost: maybe posted, never sent
    again unless by hand, ``warclaw alerts resend``) | expired (queued longer ago than
    ``alerts.max_age_minutes``: not sent). Rows name
    the webhook; its URL (a secret) stays in the config.
    """

    __tablename__ = "alert_outbox"
    __table_args__ = (UniqueConstraint("dedupe_key", "rule"), Index(None, "status", "next_attempt_at"))

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    rule: Mapped[str] = mapped_column(String(40))
    webhook: Mapped[str] = mapped_column(String(80))
    dedupe_key: Mapped[str] = mapped_column(String(200))
    event_id: Mapped[int | None] = mapped_column(Integer)
    occurred_at: Mapped[datetime]
    created_at: Mapped[datetime]
    alert: Mapped[dict[str, Any]] = mapped_column(default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None]
    sent_at: Mapped[datetime | None]
    message_id: Mapped[str | None] = mapped_column(String(24))
    last_error: Mapped[str | None] = mapped_column(String(400))


class PlanPost(Base):
    """The Discord messages a squad plan was posted as, so a re-plan edits them instead of posting anew.

    ``plan_key`` names the plan (``roster:<name>`` for a roster in the database, ``file:<path>``);
    ``webhook_key`` is a hash of the webhook URL, never the URL.
    """

    __tablename__ = "plan_posts"

    plan_key: Mapped[str] = mapped_column(String(300), primary_key=True)
    webhook_key: Mapped[str] = mapped_column(String(64), primary_key=True)
    message_ids: Mapped[list[Any]] = mapped_column(default=list)
    posted_at: Mapped[datetime]
