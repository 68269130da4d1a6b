import subprocess
import sys

import pytest

from warclaw.config import ApiConfig, Config, load_config, override, parse_config
from warclaw.errors import ConfigError


def test_example_config_is_valid_and_documented():
    cfg = load_config("config.example.toml")
    assert cfg.engine.default_mode == "zerg"
    text = open("config.example.toml").read()
    for section in ("api", "database", "daemon", "engine"):
        for key in type(getattr(cfg, section)).__struct_fields__:
            assert f"\n{key} = " in text, f"{section}.{key} is not documented in config.example.toml"


def test_each_problem_is_one_line_naming_the_key():
    with pytest.raises(ConfigError) as e:
        parse_config({"api": {"lang": "xx", "base_url": "ftp://x"}, "engine": {"nope": 1}}, "c.toml")
    problems = e.value.problems
    assert len(problems) == 3
    assert "c.toml: api.lang: expected one of en, de, es, fr, zh, got 'xx'" in problems
    assert "c.toml: api.base_url: expected a URL starting with http:// or https://, got 'ftp://x'" in problems
    assert any(p == "c.toml: engine.nope: unknown key" for p in problems)


def test_cli_exits_2_on_invalid_config(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text("[engine]\ntime_limit_seconds = -1\n")
    out = subprocess.run([sys.executable, "-m", "warclaw", "--config", str(bad), "catalog"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"warclaw: {bad}: engine.time_limit_seconds: expected a number > 0, got -1"]
    assert "Traceback" not in out.stderr


def test_env_var_names_the_config(tmp_path, monkeypatch):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[engine]\ndefault_mode = "havoc"\n')
    monkeypatch.setenv("WARCLAW_CONFIG", str(cfg))
    assert load_config().engine.default_mode == "havoc"


def test_bad_api_base_override_is_one_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "warclaw", "--db", str(tmp_path / "w.db"), "--api-base", "ftp://x",
                          "sync", "--once"], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip() == (
        "warclaw: --api-base / WARCLAW_API_BASE: expected a URL starting with http:// or https://, got 'ftp://x'")


@pytest.mark.parametrize(("data", "problem"), [
    ({"daemon": {"match_poll_seconds": 2}}, "daemon.match_poll_seconds: expected a number >= 5, got 2"),
    ({"daemon": {"match_poll_seconds": 301.5}}, "daemon.match_poll_seconds: expected a number <= 300, got 301.5"),
    ({"daemon": {"bogus": 1}}, "daemon.bogus: unknown key"),
    ({"daemon": {"region": "us"}}, "daemon.region: expected one of na, eu, got 'us'"),
    ({"daemon": {"team": 12008}}, "daemon.team: expected a string, got 12008"),
    ({"daemon": {"log_backups": 101}}, "daemon.log_backups: expected an integer <= 100, got 101"),
    ({"database": {"busy_timeout_ms": 99}}, "database.busy_timeout_ms: expected an integer >= 100, got 99"),
    ({"database": {"busy_timeout_ms": 150.5}}, "database.busy_timeout_ms: expected an integer, got 150.5"),
    ({"database": {"full_resolution_days": 0.1}}, "database.full_resolution_days: expected a number >= 0.5, got 0.1"),
    # Booleans are not numbers, and strings are not coerced.
    ({"api": {"timeout_seconds": True}}, "api.timeout_seconds: expected a number, got true"),
    ({"engine": {"seed": False}}, "engine.seed: expected an integer, got false"),
    ({"api": {"timeout_seconds": "3"}}, "api.timeout_seconds: expected a number, got '3'"),
    ({"api": {"lang": 5}}, "api.lang: expected one of en, de, es, fr, zh, got 5"),
    ({"api": 5}, "api: expected a table, got 5"),
    ({"nope": {}}, "nope: unknown key"),
])
def test_problem_wording(data, problem):
    with pytest.raises(ConfigError) as e:
        parse_config(data, "/path/config.toml")
    assert e.value.problems == [f"/path/config.toml: {problem}"]


def test_every_bad_key_of_a_section_is_reported():
    with pytest.raises(ConfigError) as e:
        parse_config({"daemon": {"match_poll_seconds": 2, "region": "us", "bogus": 1, "heartbeat_seconds": 5}}, "c.toml")
    assert sorted(e.value.problems) == [
        "c.toml: daemon.bogus: unknown key",
        "c.toml: daemon.match_poll_seconds: expected a number >= 5, got 2",
        "c.toml: daemon.region: expected one of na, eu, got 'us'",
    ]


def test_values_are_converted_and_defaults_kept():
    cfg = parse_config({"api": {"base_url": "http://127.0.0.1:8080//", "timeout_seconds": 3},
                        "daemon": {"team": "Frost Citadel"}}, "c.toml")
    assert cfg.api.base_url == "http://127.0.0.1:8080"
    assert cfg.api.timeout_seconds == 3 and cfg.api.lang == "en"
    assert cfg.daemon.team == "Frost Citadel" and cfg.daemon.match_poll_seconds == 15.0
    assert cfg.source == "c.toml"
    assert Config().source is None and Config() == Config()
    assert Config().api is not Config().api  # no shared mutable defaults


def test_override_validates():
    api = ApiConfig()
    assert override(api, "--api-base", base_url="http://h/").base_url == "http://h"
    assert api.base_url == "https://api.guildwars2.com"
    with pytest.raises(ConfigError) as e:
        override(api, "--api-base", base_url="ftp://x")
    assert e.value.problems == ["--api-base: expected a URL starting with http:// or https://, got 'ftp://x'"]


def test_tui_does_not_pay_for_pydantic():
    """Every process loads the config, the TUI included: it must not import pydantic."""
    code = "import sys, textual.app, warclaw.config, warclaw.cli.context; print('pydantic' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
