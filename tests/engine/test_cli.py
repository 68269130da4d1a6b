"""`warclaw catalog|optimize|score` as a person runs them: real processes, files, exit codes."""

import json
import subprocess
import sys

import pytest
import tomli_w

from warclaw.engine.generate import generate_roster


def run(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "warclaw", *args], capture_output=True, text=True, cwd=cwd,
                          env={"XDG_CONFIG_HOME": "/nonexistent-warclaw-test", "PATH": "/usr/bin:/bin"} | _keep())


def _keep():
    import os

    return {k: v for k, v in os.environ.items() if k in ("HOME", "PYTHONPATH", "VIRTUAL_ENV")}


@pytest.fixture
def roster_file(tmp_path):
    path = tmp_path / "roster.toml"
    path.write_text(tomli_w.dumps(generate_roster(20, 1, duos=1, locks=2)))
    return path


def test_catalog_json_lists_builds_specs_modes_with_confidence():
    out = run("catalog", "--json")
    assert out.returncode == 0, out.stderr
    data = json.loads(out.stdout)
    assert data["builds"]["firebrand-support"]["confidence"] == "sourced-role"
    assert data["specs"]["firebrand"]["id"] == 62
    assert data["modes"]["zerg"]["party_size"] == 5


def test_catalog_table_shows_confidence():
    out = run("catalog")
    assert out.returncode == 0
    assert "speculative" in out.stdout and "estimate" in out.stdout


def test_optimize_json_then_score_it(tmp_path, roster_file):
    out = run("optimize", str(roster_file), "--json", "--time-limit", "20")
    assert out.returncode == 0, out.stderr
    res = json.loads(out.stdout)
    assert set(res) == {"status", "score", "bound", "breakdown", "solve_seconds", "mode", "parties", "deficits", "reason",
                        "moved"}
    assert res["status"] == "optimal" and res["reason"] is None
    assert sum(len(p["members"]) for p in res["parties"]) == 20
    assert all(len(p["members"]) <= 5 for p in res["parties"])
    assert set(res["parties"][0]["coverage"]) >= {"stability", "heal"}
    plan = tmp_path / "plan.json"
    plan.write_text(out.stdout)
    scored = run("score", str(roster_file), str(plan), "--json")
    assert scored.returncode == 0, scored.stderr
    assert json.loads(scored.stdout)["score"] == pytest.approx(res["score"])
    replan = run("optimize", str(roster_file), "--previous", str(plan), "--json", "--time-limit", "2")
    assert json.loads(replan.stdout)["score"] == pytest.approx(res["score"])  # nothing changed, nobody moves


def test_optimize_text_shows_parties_and_deficits(roster_file):
    out = run("optimize", str(roster_file), "--time-limit", "20")
    assert out.returncode == 0
    assert "Party 1:" in out.stdout and "Party 4:" in out.stdout
    assert "proven optimal" in out.stdout


def test_hand_written_plan_with_violations(tmp_path, roster_file):
    plan = tmp_path / "plan.json"
    plan.write_text(json.dumps({"parties": [{"number": 1, "members": [{"name": "Aelin.1000", "build": "reaper-dps"}]}]}))
    out = run("score", str(roster_file), str(plan), "--json")
    assert out.returncode == 1
    data = json.loads(out.stdout)
    assert data["valid"] is False and any("not in the roster" in v for v in data["violations"])


@pytest.mark.parametrize("content,expected", [
    (None, "roster file not found"),
    ("players = [", "not valid TOML"),
    ('[[players]]\nname = "A"\nbuilds = ["nope"]\n', "players[0] (A).builds: 'nope' is neither a catalog build id nor a spec name"),
    ('mode = "blob"\n[[players]]\nname = "A"\nbuilds = ["reaper"]\n', "mode: unknown mode 'blob'"),
    ('[[players]]\nname = "A"\nbuilds = ["reaper"]\nlock_build = "firebrand"\n', "lock_build: 'firebrand' is not one of the player's builds"),
    ('[[players]]\nname = "A"\nbuilds = ["reaper"]\nwith = ["Z"]\n', "with: unknown player 'Z'"),
    ('[[players]]\nname = "A"\nbuilds = ["reaper"]\n[[players]]\nname = "A"\nbuilds = ["reaper"]\n', "'A' is listed twice"),
    ('[[players]]\nname = "A"\nbuilds = ["reaper"]\nlock_party = 0\n', "lock_party: expected a party number from 1 to 10000"),
])
def test_bad_roster_is_one_line(tmp_path, content, expected):
    path = tmp_path / "r.toml"
    if content is not None:
        path.write_text(content)
    out = run("optimize", str(path))
    assert out.returncode == 1
    assert len(out.stderr.strip().splitlines()) == 1 and expected in out.stderr
    assert "Traceback" not in out.stderr


def test_infeasible_roster_exits_3_with_reason(tmp_path):
    path = tmp_path / "r.toml"
    path.write_text('[[players]]\nname = "A"\nbuilds = ["reaper"]\nlock_party = 4\n')
    out = run("optimize", str(path))
    assert out.returncode == 3
    assert "infeasible roster: A is locked to party 4" in out.stderr
    js = run("optimize", str(path), "--json")
    assert js.returncode == 3 and json.loads(js.stdout)["status"] == "infeasible"


@pytest.mark.parametrize("args,expected", [
    (["--mode", "blob"], "unknown mode 'blob'"),
    (["--previous", "missing.json"], "plan file not found"),
    (["--time-limit", "-3"], "expected a number of seconds > 0"),
])
def test_bad_options(roster_file, args, expected):
    out = run("optimize", str(roster_file), *args)
    assert out.returncode != 0 and expected in out.stderr and "Traceback" not in out.stderr


def test_bad_plan_json(tmp_path, roster_file):
    plan = tmp_path / "p.json"
    plan.write_text('{"parties": [{"number": "one", "members": []}]}')
    out = run("score", str(roster_file), str(plan))
    assert out.returncode == 1 and 'parties[0].number: expected a party number from 1 to 10000, got "one"' in out.stderr
