"""Configuration: TOML read with tomllib, validated by pydantic.

Looked up at ``--config``, then ``$WARCLAW_CONFIG``, then the platform config dir; a missing file
means defaults. Every problem is reported as one line naming the key.
"""

from __future__ import annotations

import os
import tomllib
from pathlib import Path
from typing import Literal

import platformdirs
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from warclaw.errors import ConfigError

APP_NAME = "warclaw"


def default_config_path() -> Path:
    return Path(platformdirs.user_config_dir(APP_NAME)) / "config.toml"


def default_data_dir() -> Path:
    return Path(platformdirs.user_data_dir(APP_NAME))


class _Section(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ApiConfig(_Section):
    base_url: str = "https://api.guildwars2.com"
    key: str = ""
    lang: Literal["en", "de", "es", "fr", "zh"] = "en"
    schema_version: str = "2024-07-20T01:00:00Z"
    timeout_seconds: float = Field(10.0, gt=0, le=120)

    @field_validator("base_url")
    @classmethod
    def _http(cls, v: str) -> str:
        if not v.startswith(("http://", "https://")):
            raise ValueError("must start with http:// or https://")
        return v.rstrip("/")


class DatabaseConfig(_Section):
    # A SQLAlchemy URL or a file path; empty means <platform data dir>/warclaw.db.
    url: str = ""
    # How long a writer waits for another process's write lock before giving up (SQLite).
    busy_timeout_ms: int = Field(15_000, ge=100, le=600_000)
    # Score samples older than this are rolled up to one per skirmish.
    full_resolution_days: float = Field(7.0, ge=0.5, le=3650)


class DaemonConfig(_Section):
    region: Literal["na", "eu"] = "eu"
    team: str = ""
    match_poll_seconds: float = Field(15.0, ge=5, le=300)
    log_file: str = ""
    pidfile: str = ""
    # Cadences of the other pollers (seconds). Static data is re-read only when /v2/build changes.
    build_check_seconds: float = Field(600.0, ge=30, le=86_400)
    guild_poll_seconds: float = Field(60.0, ge=5, le=86_400)
    account_poll_seconds: float = Field(3600.0, ge=60, le=86_400)
    player_keys_poll_seconds: float = Field(3600.0, ge=60, le=86_400)
    heartbeat_seconds: float = Field(10.0, ge=1, le=300)
    # Longest wait between attempts while an endpoint keeps failing.
    backoff_max_seconds: float = Field(300.0, ge=5, le=3600)
    # Rotate the log file at this size, keeping this many old files.
    log_max_bytes: int = Field(5_000_000, ge=10_000)
    log_backups: int = Field(5, ge=0, le=100)


class EngineConfig(_Section):
    catalog: str = ""
    default_mode: str = "zerg"
    time_limit_seconds: float = Field(10.0, gt=0, le=600)
    seed: int = 0


class Config(_Section):
    api: ApiConfig = ApiConfig()
    database: DatabaseConfig = DatabaseConfig()
    daemon: DaemonConfig = DaemonConfig()
    engine: EngineConfig = EngineConfig()
    source: str | None = Field(default=None, exclude=True)

    def database_url(self) -> str:
        """The database as a SQLAlchemy URL (a bare path becomes a sqlite URL)."""
        url = self.database.url or str(default_data_dir() / "warclaw.db")
        return url if "://" in url else f"sqlite:///{Path(url).expanduser()}"


def _problems(err: ValidationError, source: str) -> list[str]:
    out = []
    for e in err.errors():
        key = ".".join(str(p) for p in e["loc"])
        msg = e["msg"]
        if e["type"] == "extra_forbidden":
            msg = "unknown key"
        out.append(f"{source}: {key}: {msg}")
    return out


def parse_config(data: dict, source: str = "<config>") -> Config:
    try:
        cfg = Config.model_validate(data)
    except ValidationError as err:
        raise ConfigError(_problems(err, source)) from None
    cfg.source = source
    return cfg


def find_config_path(explicit: str | None = None) -> Path | None:
    if explicit:
        return Path(explicit)
    env = os.environ.get("WARCLAW_CONFIG")
    if env:
        return Path(env)
    path = default_config_path()
    return path if path.exists() else None


def load_config(explicit: str | None = None) -> Config:
    path = find_config_path(explicit)
    if path is None:
        return Config()
    try:
        raw = path.read_bytes()
    except OSError as e:
        raise ConfigError([f"{path}: cannot read config: {e.strerror}"]) from None
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError([f"{path}: not valid TOML: {e}"]) from None
    return parse_config(data, str(path))
