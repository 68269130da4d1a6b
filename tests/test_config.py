import subprocess
import sys

import pytest

from warclaw.config import load_config, parse_config
from warclaw.errors import ConfigError


def test_example_config_is_valid_and_documented():
    cfg = load_config("config.example.toml")
    assert cfg.engine.default_mode == "zerg"
    text = open("config.example.toml").read()
    for section in ("api", "database", "daemon", "engine"):
        for key in type(getattr(cfg, section)).model_fields:
            assert f"\n{key} = " in text, f"{section}.{key} is not documented in config.example.toml"


def test_each_problem_is_one_line_naming_the_key():
    with pytest.raises(ConfigError) as e:
        parse_config({"api": {"lang": "xx", "base_url": "ftp://x"}, "engine": {"nope": 1}}, "c.toml")
    problems = e.value.problems
    assert len(problems) == 3
    assert any(p.startswith("c.toml: api.lang:") for p in problems)
    assert any(p.startswith("c.toml: api.base_url:") and "http" in p for p in problems)
    assert any(p == "c.toml: engine.nope: unknown key" for p in problems)


def test_cli_exits_2_on_invalid_config(tmp_path):
    bad = tmp_path / "c.toml"
    bad.write_text("[engine]\ntime_limit_seconds = -1\n")
    out = subprocess.run([sys.executable, "-m", "warclaw", "--config", str(bad), "catalog"],
                         capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines() == [
        f"warclaw: {bad}: engine.time_limit_seconds: Input should be greater than 0"]
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
    assert out.stderr.strip() == "warclaw: --api-base / WARCLAW_API_BASE: Value error, must start with http:// or https://"
