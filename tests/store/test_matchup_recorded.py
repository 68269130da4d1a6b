"""`warclaw matchup --json` on the recorded 2025 EU match, ingested as the daemon would."""

from __future__ import annotations

from datetime import UTC, datetime

from pgserver import both_engines

from warclaw.gw2api.fake import recorded
from warclaw.store import queries
from warclaw.store.ingest import apply_match

pytestmark = both_engines

LIVE_2025 = "wvw/matches/tyria_2025-04-18_match_2-1.single.json"
NOW = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)  # long after the week: the API's own clock counts


def _ingest(store, body):
    with store.write() as s:
        return apply_match(s, body, NOW).match_pk


def test_the_recorded_week_shows_the_running_skirmish_at_its_time_of_day_value(store, reader):
    pk = _ingest(store, recorded.load(LIVE_2025))
    view = queries.matchup(reader, pk, NOW, samples=500)
    # Recorded ~14:40 UTC on Friday 18 April: skirmish 83 (14:00-16:00) is worth 31/24/17 in EU.
    assert view["clock"].startswith("2025-04-18T14:")
    assert view["skirmish"] == {"number": 83, "ends_at": "2025-04-18T16:00:00Z", "vp": [31, 24, 17]}
    assert view["next_peak"] is None  # the week ends at 17:58, before the 18:00 prime time
    teams = {t["color"]: t for t in view["teams"]}
    assert {c: t["victory_points"] for c, t in teams.items()} == {"red": 1394, "green": 2162, "blue": 1662}
    green, red = teams["green"], teams["red"]
    assert green["need"] == 0 and green["projection"]["place_chances"][0] == 1.0
    assert red["need"] is None and red["projection"]["place_chances"][2] == 1.0
    # Two skirmishes (62 VP at most) left: blue's 268 over red keep it out of 3rd, red cannot leave it.
    assert teams["blue"]["need_not_third"] == 0 and teams["blue"]["need"] is None
    assert red["need_not_third"] is None and green["need_not_third"] == 0
    # Out of reach, not merely uncertain: 62 VP cannot close 268 or 768.
    assert {c: (t["first_possible"], t["not_third_possible"]) for c, t in teams.items()} == {
        "green": (True, True), "blue": (False, True), "red": (False, False)}
    # Two skirmishes left: 31+31 VP at most on top of what each has.
    for t in teams.values():
        assert t["victory_points"] + 34 <= t["projection"]["p10"] <= t["projection"]["p90"] <= t["victory_points"] + 62
    assert teams["green"]["skirmish_score"] == 2777


def test_the_same_data_gives_the_same_projection(store, reader):
    pk = _ingest(store, recorded.load(LIVE_2025))
    a = queries.matchup(reader, pk, NOW, samples=300)
    b = queries.matchup(reader, pk, NOW, samples=300)
    assert [t["projection"] for t in a["teams"]] == [t["projection"] for t in b["teams"]]


def test_a_week_before_the_2025_rules_gets_the_flat_rule(store, reader):
    body = recorded.load("wvw/matches/gw2sharp_2020-12_matches_all.bulk.json")[0]
    pk = _ingest(store, body)
    view = queries.matchup(reader, pk, NOW, samples=200)
    assert view["skirmish"]["vp"] == [5, 4, 3] and view["next_peak"] is None
    assert view["rules_since"] == "2012-11-15"


def _tiers(store, pk):
    from warclaw.store.models import ObjectiveState

    with store.read() as s:
        return {o.objective_id: o.upgrade_tier for o in s.query(ObjectiveState).filter_by(match_id=pk)}


def _by_yaks(o):
    return sum(o.get("yaks_delivered", 0) >= t for t in (20, 60, 140))


def test_tiers_of_the_2025_match_come_from_points_per_tick(store):
    body = recorded.load(LIVE_2025)
    tiers = _tiers(store, _ingest(store, body))
    objs = [o for mp in body["maps"] for o in mp["objectives"] if o["type"] in ("Camp", "Tower", "Keep", "Castle")]
    per_tick = {"Camp": 2, "Tower": 4, "Keep": 8, "Castle": 12}
    assert all(tiers[o["id"]] == (o["points_tick"] / per_tick[o["type"]] - 1) * 2 for o in objs)
    assert sum(tiers[o["id"]] != _by_yaks(o) for o in objs) == 19
    garrison = next(o for o in objs if o["type"] == "Keep" and o["yaks_delivered"] == 100 and o["points_tick"] == 20)
    assert tiers[garrison["id"]] == 3


def test_on_the_2020_matches_points_and_yaks_give_the_same_tiers(store):
    for body in recorded.load("wvw/matches/gw2sharp_2020-12_matches_all.bulk.json"):
        tiers = _tiers(store, _ingest(store, body))
        objs = [o for mp in body["maps"] for o in mp["objectives"] if "yaks_delivered" in o]
        assert objs and all(tiers[o["id"]] == _by_yaks(o) for o in objs)


def _held(view):
    return {m["type"]: (sum(m["objectives"].values()), sum(m["others"].values())) for m in view["maps"]}


def test_held_counts_leave_out_what_scores_nothing_per_tick(store, reader):
    body = recorded.load(LIVE_2025)
    scoring = {mp["type"]: sum(o["type"] != "Spawn" and o["points_tick"] > 0 for o in mp["objectives"])
               for mp in body["maps"]}
    zero = {mp["type"]: sum(o["type"] in ("Ruins", "Mercenary") for o in mp["objectives"]) for mp in body["maps"]}
    assert sum(zero.values()) == 18  # 15 Ruins, 3 Mercenary camps in the recording, all at 0 PPT
    pk = _ingest(store, body)
    view = queries.matchup(reader, pk, NOW, samples=100)
    assert _held(view) == {t: (scoring[t], zero[t]) for t in scoring}
    # The owners' counts add up to the PPT that the teams' objectives give.
    assert sum(t["ppt"] for t in view["teams"]) == sum(o["points_tick"] for mp in body["maps"]
                                                      for o in mp["objectives"] if o["owner"] != "Neutral")


def test_without_points_tick_the_type_says_what_scores_nothing(store, reader):
    body = recorded.load(LIVE_2025)
    for mp in body["maps"]:
        for o in mp["objectives"]:
            del o["points_tick"]
    pk = _ingest(store, body)
    view = queries.matchup(reader, pk, NOW, samples=100)
    counted = {mp["type"]: sum(o["type"] in ("Camp", "Tower", "Keep", "Castle") for o in mp["objectives"])
               for mp in body["maps"]}
    assert {t: held for t, (held, _) in _held(view).items()} == counted


def test_the_table_says_out_of_reach_and_in_hand(store, reader):
    from warclaw.cli.matchup_cmds import render

    pk = _ingest(store, recorded.load(LIVE_2025))
    lines = render(queries.matchup(reader, pk, NOW, samples=100)).splitlines()
    row = {line.split()[0]: line.split() for line in lines if line.split()[:1] in (["red"], ["green"], ["blue"])}
    assert row["red"][-2:] == ["out", "out"]
    assert row["green"][-4:] == ["in", "hand", "in", "hand"]
    assert row["blue"][-3:] == ["out", "in", "hand"]


def test_just_after_a_reset_the_clock_is_the_new_weeks_start(store, reader):
    # A replayed week's clock is the newest timestamp in its data; right after the reset every flip
    # is still last week's, so that would put the clock before the week began.
    body = recorded.load(LIVE_2025)
    body.update(start_time="2025-04-18T18:00:00Z", end_time="2025-04-25T17:58:00Z",
                skirmishes=[{**body["skirmishes"][0], "id": 1, "scores": {"red": 0, "blue": 0, "green": 0}}],
                victory_points={"red": 0, "blue": 0, "green": 0})
    pk = _ingest(store, body)
    view = queries.matchup(reader, pk, NOW, samples=100)
    assert view["clock"] == "2025-04-18T18:00:00Z"
    assert view["skirmish"] == {"number": 1, "ends_at": "2025-04-18T20:00:00Z", "vp": [51, 37, 24]}
