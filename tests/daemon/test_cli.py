"""`warclaw sync --once`, `matchup`, `db upgrade` against the fake API and a real SQLite file."""

from __future__ import annotations

import json


def test_sync_once_then_matchup_json(env):
    r = env.warclaw("sync", "--once", lean=False)
    assert r.returncode == 0, r.stderr
    assert "matches  ok" in r.stdout
    r = env.warclaw("matchup", "--match", "2-3", "--json")
    assert r.returncode == 0, r.stderr
    view = json.loads(r.stdout)
    assert set(view) == {"match_id", "region", "start_time", "end_time", "updated_at", "stale_seconds", "teams", "maps"}
    assert view["match_id"] == "2-3" and view["region"] == "eu"
    assert [t["color"] for t in view["teams"]] == ["red", "green", "blue"]
    assert {t["team_id"] for t in view["teams"]} == {12004, 12005, 12008}
    assert all(set(t) == {"color", "team_id", "name", "score", "victory_points", "kills", "deaths", "ppt"}
               for t in view["teams"])
    assert [m["type"] for m in view["maps"]] == ["Center", "RedHome", "BlueHome", "GreenHome"]
    for m in view["maps"]:
        assert set(m) == {"type", "scores", "kills", "deaths", "objectives"}
        assert set(m["objectives"]) == {"red", "green", "blue", "neutral"}
    assert sum(sum(m["objectives"].values()) for m in view["maps"]) > 40
    assert sum(t["ppt"] for t in view["teams"]) > 0


def test_matchup_picks_the_configured_team_and_prints_a_table(env):
    env.settings["daemon"]["team"] = "Frost Citadel"
    env.write_config()
    assert env.warclaw("sync", "--once").returncode == 0
    r = env.warclaw("matchup")
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("Match 2-3 (EU)")
    assert "Frost Citadel" in r.stdout


def test_matchup_errors_are_one_line(env):
    r = env.warclaw("matchup")
    assert r.returncode == 1 and r.stderr.count("\n") == 1 and "no matchup in the database yet" in r.stderr
    env.sync_in_process()
    r = env.warclaw("matchup", "--match", "7-7")
    assert r.returncode == 1 and r.stderr.strip() == (
        "warclaw: match '7-7' is not in the database (ids look like 2-1; see `warclaw sync --once`)")


def test_sync_once_fails_clearly_when_nothing_can_be_fetched(env):
    env.api.inject_fault("/v2/*", kind="503", count=None)
    r = env.warclaw("sync", "--once")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert r.stderr.strip().splitlines()[-1].startswith("warclaw: sync failed: no match data fetched")


def test_db_upgrade_creates_then_reports_up_to_date(env):
    r = env.warclaw("db", "upgrade", lean=False)
    assert r.returncode == 0 and "upgraded from empty to revision" in r.stdout
    r = env.warclaw("db", "upgrade")
    assert r.returncode == 0 and "already at revision" in r.stdout


def test_global_db_option_overrides_the_environment(env, tmp_path):
    other = tmp_path / "other.db"
    r = env.warclaw("--db", str(other), "sync", "--once")
    assert r.returncode == 0, r.stderr
    assert other.exists() and not env.db.exists()
