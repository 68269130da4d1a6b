from __future__ import annotations

from datetime import timedelta

from pgserver import both_engines

from warclaw.store import queries
from warclaw.store.housekeeping import rollup_samples
from warclaw.store.ingest import apply_guild, apply_match, apply_objectives, apply_teams

from .factory import START, evolve, find_obj, iso, make_match

pytestmark = both_engines  # every test here runs on SQLite and on PostgreSQL

T = START + timedelta(hours=1)


def seed(store):
    m = make_match()
    with store.write() as s:
        apply_teams(s, {12014: "Great House Aviary", 12007: "Bloodstone Gulch", 12006: "Palawadan"})
        apply_objectives(
            s, [{"id": "38-3", "name": "Mendon's Gap", "type": "Tower", "map_type": "Center", "map_id": 38}]
        )
        apply_match(s, m, T)
    m2 = evolve(m)
    m2["scores"] = {"red": 10, "green": 20, "blue": 30}
    m2["maps"][0]["kills"] = {"red": 1, "green": 2, "blue": 3}
    find_obj(m2, "38-3").update(
        owner="Red",
        last_flipped=iso(T + timedelta(seconds=5)),
        claimed_by="G1",
        claimed_at=iso(T + timedelta(seconds=50)),
    )
    with store.write() as s:
        r = apply_match(s, m2, T + timedelta(minutes=1))
        apply_guild(s, "G1", {"id": "G1", "name": "Lords of Tyria", "tag": "LoT"}, T)
    return r.match_pk


def test_matchup_has_the_documented_shape(store, reader):
    pk = seed(store)
    view = queries.matchup(reader, pk, T + timedelta(minutes=2), samples=200)
    assert set(view) == {
        "match_id", "region", "start_time", "end_time", "updated_at", "stale_seconds", "clock",
        "skirmish", "skirmishes_total", "next_peak", "rules_since", "teams", "maps", "objectives",
    }
    assert view["match_id"] == "2-1" and view["region"] == "eu"
    assert view["start_time"] == iso(START)
    assert view["stale_seconds"] == 60
    # The factory's week starts on a Friday at 18:00 UTC: skirmish 1 is EU prime time (51/37/24).
    assert view["skirmish"] == {"number": 1, "ends_at": iso(START + timedelta(hours=2)), "vp": [51, 37, 24]}
    assert view["next_peak"]["number"] == 2 and view["skirmishes_total"] == 84
    red = view["teams"][0]
    projection = red.pop("projection")
    assert red == {
        "color": "red",
        "team_id": 12014,
        "name": "Great House Aviary",
        "score": 10,
        "victory_points": 0,
        "kills": 0,
        "deaths": 0,
        "ppt": 4,  # the tower it just took
        "skirmish_score": 0,  # of skirmish 1, as the API lists it
        "need": red["need"],
        "need_skirmishes": red["need_skirmishes"],
        "need_not_third": red["need_not_third"],
        "need_not_third_skirmishes": red["need_not_third_skirmishes"],
        "first_possible": True,
        "not_third_possible": True,
    }
    assert set(projection) == {"p10", "p50", "p90", "place_chances"}
    assert projection["p10"] <= projection["p50"] <= projection["p90"]
    assert abs(sum(projection["place_chances"]) - 1) < 0.01
    # 84 skirmishes ahead, nobody leads: a team needs wins, but 1st is in reach for each.
    assert all(isinstance(t["need"], int) and t["need"] > 0 for t in view["teams"])
    assert red["need"] == len(red["need_skirmishes"])
    # Out of 3rd takes fewer wins than 1st (beating one rival, not both), still some from level.
    assert all(0 < t["need_not_third"] < t["need"] for t in view["teams"])
    assert red["need_not_third"] == len(red["need_not_third_skirmishes"])
    center = next(m for m in view["maps"] if m["type"] == "Center")
    assert center["name"] == "Eternal Battlegrounds"
    assert center["kills"] == {"red": 1, "green": 2, "blue": 3}
    # Spawns are not counted; the camp is neutral, the tower now red, the keep blue.
    assert center["objectives"] == {"red": 1, "green": 0, "blue": 1, "neutral": 1}
    tower = next(o for o in view["objectives"] if o["id"] == "38-3")
    assert set(tower) == {"id", "name", "map", "type", "owner", "tier", "points_tick", "yaks", "last_flipped", "guild"}
    assert tower["guild"] == {"id": "G1", "name": "Lords of Tyria", "tag": "LoT"}
    assert tower["map"] == "Eternal Battlegrounds" and tower["owner"] == "Red"


def test_recent_events_newest_first_with_names(store, reader):
    pk = seed(store)
    evs = queries.recent_events(reader, pk, limit=10)
    assert [e.kind for e in evs] == ["claimed", "captured"]
    assert evs[0].guild_tag == "LoT" and evs[1].objective_name == "Mendon's Gap"
    assert [e.kind for e in queries.recent_events(reader, pk, kinds=["captured"])] == ["captured"]
    assert queries.recent_events(reader, pk, limit=1, before_id=evs[0].id)[0].id == evs[1].id


def test_score_history_and_objectives_view(store, reader):
    pk = seed(store)
    hist = queries.score_history(reader, pk)
    assert [p.scores["blue"] for p in hist] == [0, 30]
    objs = {o.objective_id: o for o in queries.objectives(reader, pk, map_type="Center")}
    assert (
        objs["38-3"].guild_tag == "LoT"
        and objs["38-3"].owner == "Red"
        and objs["38-3"].name == "Mendon's Gap"
    )
    assert len(objs) == 4


def test_find_match_by_id_team_id_or_team_name(store, reader):
    seed(store)
    assert queries.find_match(reader, "2-1").match_id == "2-1"
    assert queries.find_match(reader, "9-9") is None
    assert queries.find_match(reader, team="palawadan").match_id == "2-1"
    assert queries.find_match(reader, team="12007").match_id == "2-1"
    assert queries.find_match(reader, team="Nowhere") is None
    assert [m.match_id for m in queries.list_matches(reader)] == ["2-1"]


def test_rollup_keeps_the_last_sample_of_each_old_skirmish(store, reader):
    m = make_match()
    now = START
    for i in range(12):  # one sample every 30 minutes: four per skirmish, three skirmishes
        m = evolve(m)
        m["kills"]["red"] = i
        m["skirmishes"] = [{"id": k, "scores": {"red": 0, "green": 0, "blue": 0}} for k in range(1, i // 4 + 2)]
        with store.write() as s:
            pk = apply_match(s, m, now).match_pk
        now += timedelta(minutes=30)
    deleted = rollup_samples(store, START + timedelta(days=2), full_resolution_days=1)
    assert deleted == 9
    assert [p.kills["red"] for p in queries.score_history(reader, pk)] == [3, 7, 11]
    assert rollup_samples(store, START + timedelta(days=2), full_resolution_days=1) == 0


def test_score_history_is_thinned_to_max_points_keeping_the_newest(store, reader):
    m = make_match()
    now = START
    for i in range(10):
        m = evolve(m)
        m["kills"]["red"] = i
        with store.write() as s:
            pk = apply_match(s, m, now).match_pk
        now += timedelta(minutes=1)
    assert len(queries.score_history(reader, pk, max_points=None)) == 10
    thin = queries.score_history(reader, pk, max_points=4)
    assert [p.kills["red"] for p in thin] == [0, 3, 6, 9]
    assert [p.kills["red"] for p in queries.score_history(reader, pk, since=START + timedelta(minutes=8))] == [8, 9]
