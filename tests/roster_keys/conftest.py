"""Fixtures: the real fake API over HTTP, a real SQLite file, `warclaw` run in-process."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from warclaw.cli import main
from warclaw.gw2api.fake import DEFAULT_KEY, FakeGW2Api
from warclaw.store import Store

# Well-formed keys the fake API knows with fewer permissions (registered per test).
NO_CHARACTERS_KEY = "ABCDEF00-1111-2222-3333-44445555666677778888-9999-AAAA-BBBB-CCCCDDDD0001"
NO_ACCOUNT_KEY = "ABCDEF00-1111-2222-3333-44445555666677778888-9999-AAAA-BBBB-CCCCDDDD0002"
NO_GUILDS_KEY = "ABCDEF00-1111-2222-3333-44445555666677778888-9999-AAAA-BBBB-CCCCDDDD0003"
PLAYER_KEY = "ABCDEF00-1111-2222-3333-44445555666677778888-9999-AAAA-BBBB-CCCCDDDD0004"
UNKNOWN_KEY = "ABCDEF00-1111-2222-3333-44445555666677778888-9999-AAAA-BBBB-CCCCDDDD9999"
ALL_SECRETS = (DEFAULT_KEY, NO_CHARACTERS_KEY, NO_ACCOUNT_KEY, NO_GUILDS_KEY, PLAYER_KEY, UNKNOWN_KEY)
LEADER_GUILD = "123E4567-E89B-12D3-A456-426614174000"  # the recorded account leads it


@pytest.fixture
def api() -> Iterator[FakeGW2Api]:
    with FakeGW2Api(scenario="recorded", rate_limit=False) as fake:
        fake.add_key(NO_CHARACTERS_KEY, ["account", "guilds"], "no characters")
        fake.add_key(NO_ACCOUNT_KEY, ["characters"], "no account")
        fake.add_key(NO_GUILDS_KEY, ["account", "characters"], "no guilds")
        fake.add_key(PLAYER_KEY, ["account", "characters", "wvw"], "a player's key")
        yield fake


@dataclass
class Cli:
    db: Path
    api: FakeGW2Api
    capsys: pytest.CaptureFixture[str]
    outputs: list[str] = field(default_factory=list)

    @property
    def url(self) -> str:
        return f"sqlite:///{self.db}"

    def __call__(self, *args: str) -> tuple[int, str, str]:
        code = main(["--db", str(self.db), "--api-base", self.api.base_url, *args])
        out, err = self.capsys.readouterr()
        self.outputs += [out, err]
        return code, out, err

    def store(self) -> Store:
        return Store.open(self.url)


@pytest.fixture
def cli(tmp_path: Path, api: FakeGW2Api, capsys: pytest.CaptureFixture[str],
        caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch) -> Iterator[Cli]:
    (tmp_path / "config.toml").write_text("")
    monkeypatch.setenv("WARCLAW_CONFIG", str(tmp_path / "config.toml"))
    caplog.set_level(logging.DEBUG)
    c = Cli(tmp_path / "w.db", api, capsys)
    yield c
    # Whatever a test did, no secret reached the terminal or a log record.
    text = "\n".join(c.outputs) + "\n".join(r.getMessage() for r in caplog.records) + caplog.text
    for secret in ALL_SECRETS:
        assert secret not in text, "an API key was printed or logged unmasked"
