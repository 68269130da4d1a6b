"""What every sub-command may need, resolved once: the config with CLI/env overrides applied."""

from __future__ import annotations

from dataclasses import dataclass, field

from warclaw.config import Config, load_config, override


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
                cfg.api = override(cfg.api, "--api-base / WARCLAW_API_BASE", base_url=self.api_base)
            self._config = cfg
        return self._config
