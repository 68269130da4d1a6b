"""The victory-point schedule and the tier table, checked against the recorded real matches."""

from datetime import UTC, datetime

import pytest

from warclaw.common import parse_api_time
from warclaw.gw2api.fake import recorded
from warclaw.matchup import rules as r

LIVE_2025 = "wvw/matches/tyria_2025-04-18_match_2-1.single.json"
WEEK_2020 = "wvw/matches/gw2sharp_2020-12_matches_all.bulk.json"


def _finished(match):
    # The API lists the running skirmish last; its victory points are not awarded yet.
    return [(s["id"], s["scores"]) for s in match["skirmishes"][:-1]]


def test_the_2025_eu_week_is_reproduced_exactly_by_the_time_of_day_table():
    m = recorded.load(LIVE_2025)
    start = parse_api_time(m["start_time"])
    vp = r.week_vp(r.region_of(m["id"]), start, _finished(m))
    assert vp == m["victory_points"] == {"red": 1394, "blue": 1662, "green": 2162}


def test_a_flat_rule_would_not_reproduce_the_2025_week():
    m = recorded.load(LIVE_2025)
    flat = r.rules().victory_points[0]
    assert flat.at_hour("eu", 19) == (5, 4, 3)
    old = r.Rules(victory_points=(flat,), tier_points_tick={})
    vp = r.week_vp("eu", parse_api_time(m["start_time"]), _finished(m), table=old)
    assert vp == {"red": 269, "blue": 317, "green": 398}


@pytest.mark.parametrize("index", range(9))
def test_the_2020_weeks_are_reproduced_by_the_flat_rule_of_their_time(index):
    m = recorded.load(WEEK_2020)[index]
    vp = r.week_vp(r.region_of(m["id"]), parse_api_time(m["start_time"]), _finished(m))
    assert vp == m["victory_points"]


def test_skirmish_values_by_region_and_hour():
    rules = r.rules()
    eu_start = datetime(2025, 4, 11, 18, tzinfo=UTC)  # Friday 18:00 UTC
    na_start = datetime(2025, 4, 12, 2, tzinfo=UTC)  # Saturday 02:00 UTC
    assert rules.skirmish_vp("eu", eu_start, 1) == (51, 37, 24)  # 18-20 UTC
    assert rules.skirmish_vp("eu", eu_start, 3) == (31, 24, 17)  # 22-24
    assert rules.skirmish_vp("eu", eu_start, 4) == (15, 14, 12)  # 00-02
    assert rules.skirmish_vp("eu", eu_start, 8) == (22, 18, 14)  # 08-10
    assert rules.skirmish_vp("na", na_start, 1) == (43, 32, 21)  # 02-04
    assert rules.skirmish_vp("na", na_start, 2) == (31, 24, 17)  # 04-06
    assert rules.skirmish_vp("na", na_start, 4) == (19, 16, 13)  # 08-10
    # A week that started before 28 March 2025 keeps the flat rule to its end.
    assert rules.skirmish_vp("eu", datetime(2025, 3, 21, 18, tzinfo=UTC), 84) == (5, 4, 3)
    assert rules.skirmish_vp("eu", datetime(2025, 3, 28, 18, tzinfo=UTC), 1) == (51, 37, 24)


def test_the_skirmish_clock_ends_the_last_skirmish_at_end_time():
    start, end = parse_api_time("2025-04-11T18:00:00Z"), parse_api_time("2025-04-18T17:58:00Z")
    assert r.skirmish_count(start, end) == 84
    assert r.skirmish_end(start, end, 83) == parse_api_time("2025-04-18T16:00:00Z")
    assert r.skirmish_end(start, end, 84) == end
    assert r.skirmish_at(start, end, parse_api_time("2025-04-18T14:40:00Z")) == 83
    assert r.skirmish_at(start, end, parse_api_time("2025-04-18T17:59:00Z")) == 84


def test_region_from_match_or_team_ids():
    assert r.region_of("2-3") == "eu"
    assert r.region_of("1-1") == "na"
    assert r.region_of(None, [12008]) == "eu"
    assert r.region_of("", [1004]) == "na"
    assert r.region_of(None, []) is None


def _tier_pairs(match):
    for mp in match["maps"]:
        for o in mp["objectives"]:
            if o["type"] in ("Camp", "Tower", "Keep", "Castle"):
                yield o


def test_points_tick_gives_a_tier_for_every_recorded_objective():
    rules = r.rules()
    seen = 0
    for m in [recorded.load(LIVE_2025), *recorded.load(WEEK_2020)]:
        for o in _tier_pairs(m):
            assert rules.tier(o["type"], o["points_tick"]) is not None, o
            seen += 1
    assert seen > 500


def test_on_2020_data_points_and_yaks_agree_in_2025_they_do_not():
    rules = r.rules()

    def by_yaks(o):
        return sum(o["yaks_delivered"] >= t for t in (20, 60, 140))

    old = [o for m in recorded.load(WEEK_2020) for o in _tier_pairs(m)]
    assert all(rules.tier(o["type"], o["points_tick"]) == by_yaks(o) for o in old)
    new = list(_tier_pairs(recorded.load(LIVE_2025)))
    wrong = [o for o in new if rules.tier(o["type"], o["points_tick"]) != by_yaks(o)]
    assert len(wrong) == 19
    garrison = next(o for o in new if o["type"] == "Keep" and o["points_tick"] == 20 and o["yaks_delivered"] == 100)
    assert rules.tier("Keep", garrison["points_tick"]) == 3 and by_yaks(garrison) == 2


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("x = ", "not valid TOML"),
        ("[tier_points_tick]\nCamp=[2]", "victory_points: expected a list"),
        ("[[victory_points]]\nsince = 2025-03-28\neu = [[0, 8, 1, 1, 1]]\nna = [[0, 24, 3, 2, 1]]\n"
         "[tier_points_tick]\n", "victory_points[0].eu: expected rows up to hour 24"),
        ("[[victory_points]]\nsince = 2025-03-28\neu = [[0, 24, 1, 2, 3]]\nna = [[0, 24, 3, 2, 1]]\n",
         "victory_points[0].eu[0]: expected first >= second"),
        ("[[victory_points]]\nsince = 'soon'\n", "victory_points[0].since: expected a date"),
    ],
)
def test_a_bad_rules_file_is_one_line_naming_the_field(text, message):
    with pytest.raises(r.RulesError) as err:
        r.parse_rules(text, "rules.toml")
    assert str(err.value).startswith("rules.toml: ")
    assert message in str(err.value)
    assert "\n" not in str(err.value)
