"""What every sub-command may need, resolved once: the config with CLI/env overrides applied."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from warclaw.config import Config, TeamCheck, absolute_db_url, load_config, override
from warclaw.errors import UserError


@dataclass
class Context:
    config_path: str | None = None
    db: str | None = None
    api_base: str | None = None
    team_check: TeamCheck | None = field(default=None, repr=False)  # the daemon's reload: rule teams too
    _config: Config | None = field(default=None, repr=False)

    def __post_init__(self) -> None:
        # Relative to where the command ran, made absolute now: the detached daemon (started with
        # these values) runs in `/`, and a reload re-reads them from there.
        if self.config_path:
            self.config_path = os.path.abspath(os.path.expanduser(self.config_path))
        if self.db:
            try:
                self.db = absolute_db_url(self.db, Path.cwd())
            except UserError:
                pass  # refused with its one line when the config is first used

    @property
    def config(self) -> Config:
        if self._config is None:
            cfg = load_config(self.config_path, team_check=self.team_check)
            if self.db:
                cfg.database.url = absolute_db_url(self.db, Path.cwd())
            if self.api_base:
                cfg.api = override(cfg.api, "--api-base / WARCLAW_API_BASE", base_url=self.api_base)
            self._config = cfg
        return self._config
