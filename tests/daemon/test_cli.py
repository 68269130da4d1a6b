"""`warclaw sync --once`, `matchup`, `db upgrade` against the fake API and a real SQLite file."""

from __future__ import annotations

import json

from pgserver import both_engines


@both_engines
def test_sync_once_then_matchup_json(env):
    r = env.warclaw("sync", "--once", lean=False)
    assert r.returncode == 0, r.stderr
    assert "matches  ok" in r.stdout
    r = env.warclaw("matchup", "--match", "2-3", "--json")
    assert r.returncode == 0, r.stderr
    view = json.loads(r.stdout)
    assert set(view) == {"match_id", "region", "start_time", "end_time", "updated_at", "stale_seconds", "clock",
                         "skirmish", "skirmishes_total", "next_peak", "rules_since", "teams", "maps", "objectives"}
    assert view["match_id"] == "2-3" and view["region"] == "eu"
    # The contract: the running skirmish's number, end and worth under the 2025 EU table.
    assert set(view["skirmish"]) == {"number", "ends_at", "vp"} and len(view["skirmish"]["vp"]) == 3
    assert view["skirmish"]["vp"] in ([15, 14, 12], [22, 18, 14], [31, 24, 17], [51, 37, 24])
    assert [t["color"] for t in view["teams"]] == ["red", "green", "blue"]
    assert {t["team_id"] for t in view["teams"]} == {12004, 12005, 12008}
    assert all(set(t) == {"color", "team_id", "name", "score", "victory_points", "kills", "deaths", "ppt",
                          "skirmish_score", "projection", "need", "need_skirmishes", "need_not_third",
                          "need_not_third_skirmishes", "first_possible", "not_third_possible"} for t in view["teams"])
    for t in view["teams"]:
        p = t["projection"]
        assert set(p) == {"p10", "p50", "p90", "place_chances"}
        assert t["victory_points"] <= p["p10"] <= p["p50"] <= p["p90"] and len(p["place_chances"]) == 3
        assert t["need"] is None or isinstance(t["need"], int)
        # Staying out of 3rd never takes more wins than 1st.
        assert t["need"] is None or t["need_not_third"] <= t["need"]
        assert isinstance(t["first_possible"], bool) and (t["need"] is None or t["first_possible"])
    assert abs(sum(t["projection"]["place_chances"][0] for t in view["teams"]) - 1) < 0.01
    assert [m["type"] for m in view["maps"]] == ["Center", "RedHome", "BlueHome", "GreenHome"]
    for m in view["maps"]:
        assert set(m) == {"type", "name", "scores", "kills", "deaths", "objectives", "others"}
        assert set(m["objectives"]) == {"red", "green", "blue", "neutral"}
    keys = {"id", "map", "type", "owner", "tier", "points_tick", "yaks", "last_flipped", "guild", "name"}
    assert view["objectives"] and all(set(o) == keys for o in view["objectives"])
    assert {o["map"] for o in view["objectives"]} == {"Eternal Battlegrounds", "Red Borderlands", "Blue Borderlands",
                                                      "Green Borderlands"}
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


@both_engines
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


@both_engines
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
