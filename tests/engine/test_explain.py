"""Explanations a commander acts on: slots per party, deficits squad-first with fixes, moved players."""

import json

import tomli_w

from warclaw.engine import optimize, plan_from_mapping, roster_from_mapping, score_plan
from warclaw.engine.report import plan_text

from .test_cli import run


def _players(builds: list, prefix="P") -> list[dict]:
    return [{"name": f"{prefix}{i:02d}.{1000 + i}", "builds": b if isinstance(b, list) else [b]}
            for i, b in enumerate(builds)]


def short_of_anchors() -> dict:
    """50 players, only 8 stability anchors for 10 parties."""
    builds = (["firebrand-support"] * 8 + ["scrapper-heal"] * 10 + ["chronomancer-support"] * 5
              + ["scourge-strip"] * 10 + ["willbender-dps"] * 17)
    return {"mode": "zerg", "players": _players(builds)}


def test_squad_summary_first_then_parties_without_an_anchor(catalog):
    roster = roster_from_mapping(short_of_anchors(), catalog)
    res = optimize(roster, catalog, "zerg", time_limit=30)
    lines = res.breakdown.deficits
    assert lines[0] == "squad: stability anchors: 8 for 10 parties"
    no_anchor = [g for g, c in res.breakdown.slot_counts.items() if c["stab"] == 0]
    assert len(no_anchor) == 2
    for g in no_anchor:
        assert f"party {g}: no stability anchor" in lines  # no fix: nobody else can play one
    assert len(lines) <= 10
    text = plan_text(res, set(), catalog.mode("zerg"))
    assert text.count("slots: no stability anchor") == 2


def test_a_fix_names_the_player_who_can_fill_the_slot(catalog):
    builds = ["firebrand-support", "scrapper-heal", "willbender-dps", "willbender-dps", "willbender-dps",
              "scrapper-heal", "willbender-dps", "willbender-dps", "willbender-dps", "willbender-dps"]
    data = {"mode": "zerg", "players": _players(builds)}
    data["players"][6] = {"name": "Kara.1234", "builds": ["willbender-dps", "firebrand-support"]}
    roster = roster_from_mapping(data, catalog)
    names = [p["name"] for p in data["players"]]
    plan = plan_from_mapping({"parties": [
        {"number": 1, "members": [{"name": n, "build": b} for n, b in zip(names[:5], builds[:5], strict=True)]},
        {"number": 2, "members": [{"name": n, "build": b} for n, b in zip(names[5:], builds[5:], strict=True)]},
    ]})
    sb = score_plan(plan, roster, catalog, catalog.mode("zerg"))
    assert sb.deficits[0] == "squad: stability anchors: 1 for 2 parties"
    assert "party 2: no stability anchor; Kara.1234 (party 2) can play firebrand-support" in sb.deficits
    # the optimizer takes the fix
    res = optimize(roster, catalog, "zerg", time_limit=30)
    assert res.plan.assignments["Kara.1234"].build == "firebrand-support"
    assert not any("stability anchor" in d for d in res.breakdown.deficits)


def test_no_line_for_a_target_no_one_on_the_roster_can_meet(catalog):
    # Nobody here gives superspeed, plays a stripper or has a portal: nothing to ask for.
    builds = ["firebrand-support", "druid-heal", "willbender-dps", "willbender-dps", "willbender-dps"]
    roster = roster_from_mapping({"mode": "zerg", "players": _players(builds)}, catalog)
    res = optimize(roster, catalog, "zerg", time_limit=30)
    text = " ".join(res.breakdown.deficits)
    for unreachable in ("superspeed", "stripper", "portal", "boon support"):
        assert unreachable not in text
    assert catalog.builds["druid-heal"].party.get("superspeed", 0) == 0


def test_at_most_ten_lines_with_and_n_more(catalog):
    builds = ["firebrand-support", "scrapper-heal", "scourge-strip", "chronomancer-support", "willbender-dps"] * 10
    roster = roster_from_mapping({"mode": "zerg", "players": _players(builds)}, catalog)
    names = [p.name for p in roster.players]
    # A hand-made plan putting all supports together: many deficits.
    order = sorted(range(50), key=lambda i: builds[i])
    plan = plan_from_mapping({"parties": [
        {"number": g + 1, "members": [{"name": names[i], "build": builds[i]} for i in order[5 * g:5 * g + 5]]}
        for g in range(10)]})
    lines = score_plan(plan, roster, catalog, catalog.mode("zerg")).deficits
    assert len(lines) == 10 and lines[-1].startswith("and ") and lines[-1].endswith(" more")
    assert lines[0].startswith("squad: ")


def test_optimize_lists_moved_players_from_to(tmp_path, catalog):
    # 11 anchors for 10 parties: when a party's anchor leaves, the spare one moves there.
    builds = (["firebrand-support"] * 11 + ["scrapper-heal"] * 10 + ["scourge-strip"] * 10 + ["willbender-dps"] * 19)
    data = {"mode": "zerg", "players": _players(builds)}
    roster_file = tmp_path / "r.toml"
    roster_file.write_text(tomli_w.dumps(data))
    first = run("optimize", str(roster_file), "--json", "--time-limit", "30")
    assert first.returncode == 0, first.stderr
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(first.stdout)
    before = json.loads(first.stdout)
    # The stability anchor of a party with only one leaves.
    anchor = next(p["members"][[m["build"] for m in p["members"]].index("firebrand-support")]["name"]
                  for p in before["parties"] if p["slots"]["stab"] == 1
                  and [m["build"] for m in p["members"]].count("firebrand-support") == 1)
    data["players"] = [p for p in data["players"] if p["name"] != anchor]
    roster_file.write_text(tomli_w.dumps(data))
    again = run("optimize", str(roster_file), "--previous", str(plan_file), "--json", "--time-limit", "5")
    assert again.returncode == 0, again.stderr
    res = json.loads(again.stdout)
    where = {m["name"]: (p["number"], m["build"]) for p in before["parties"] for m in p["members"]}
    now = {m["name"]: (p["number"], m["build"]) for p in res["parties"] for m in p["members"]}
    expected = sorted(n for n in now if n in where and now[n] != where[n])
    assert sorted(m["name"] for m in res["moved"]) == expected and expected
    for m in res["moved"]:
        assert (m["from"]["party"], m["from"]["build"]) == where[m["name"]]
        assert (m["to"]["party"], m["to"]["build"]) == now[m["name"]]
    text = run("optimize", str(roster_file), "--previous", str(plan_file), "--time-limit", "5")
    assert text.returncode == 0, text.stderr
    assert "Moved (" in text.stdout and " -> " in text.stdout  # another run: maybe another equally good plan
