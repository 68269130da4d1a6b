"""What every sub-command may need, resolved once: the config with CLI/env overrides applied."""

from __future__ import annotations

from dataclasses import dataclass, field

from pydantic import ValidationError

from warclaw.config import ApiConfig, Config, load_config
from warclaw.errors import ConfigError


@dataclass
class Context:
    config_path: str | None = None
    db: str | None = None
    api_base: str | None = None
    _config: Config | None = field(default=None, repr=False)

    @property
    def config(self) -> Config:
        if self._config is None:
            cfg = load_config(self.config_path)
            if self.db:
                cfg.database.url = self.db
            if self.api_base:
                try:
                    cfg.api = ApiConfig.model_validate({**cfg.api.model_dump(), "base_url": self.api_base})
                except ValidationError as e:
                    raise ConfigError([f"--api-base / WARCLAW_API_BASE: {e.errors()[0]['msg']}"]) from None
            self._config = cfg
        return self._config
