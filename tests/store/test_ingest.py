from __future__ import annotations

from datetime import timedelta

from pgserver import both_engines
from sqlalchemy import func, select

from warclaw.store import queries
from warclaw.store.ingest import apply_match, apply_objectives, guilds_to_fetch
from warclaw.store.models import Event, ObjectiveState, ScoreSample
from warclaw.store.reader import Reader

from .factory import START, evolve, find_obj, iso, make_match

pytestmark = both_engines  # every test here runs on SQLite and on PostgreSQL

T = START + timedelta(hours=1)


def ingest(store, data, now):
    with store.write() as s:
        return apply_match(s, data, now)


def events(store, kind=None):
    with store.read() as s:
        q = select(Event).order_by(Event.occurred_at, Event.id)
        if kind:
            q = q.where(Event.kind == kind)
        return [(e.kind, e.objective_id, e.team, e.prev_team, e.occurred_at) for e in s.scalars(q)]


def count(store, model):
    with store.read() as s:
        return s.scalar(select(func.count()).select_from(model))


def test_first_sight_stores_state_without_events(store):
    r = ingest(store, make_match(), T)
    assert r.new and r.changed and r.events == 0
    assert count(store, ObjectiveState) == 16
    assert events(store) == []


def test_a_capture_is_dated_by_last_flipped_and_written_once(store):
    m = make_match()
    ingest(store, m, T)
    m2 = evolve(m)
    flipped = T + timedelta(seconds=30)
    find_obj(m2, "38-3").update(owner="Red", last_flipped=iso(flipped))
    r = ingest(store, m2, T + timedelta(minutes=1))
    assert r.events == 1
    assert events(store) == [("captured", "38-3", "Red", "Green", flipped)]
    # The same data again (a retry, a restarted daemon): nothing new.
    assert ingest(store, m2, T + timedelta(minutes=2)).events == 0
    assert len(events(store)) == 1


def test_frozen_data_counts_as_stale_and_writes_no_sample(store):
    m = make_match()
    ingest(store, m, T)
    samples = count(store, ScoreSample)
    r = ingest(store, m, T + timedelta(minutes=40))
    assert not r.changed
    assert count(store, ScoreSample) == samples
    with Reader.open(store.url) as reader:
        view = queries.matchup(reader, r.match_pk, T + timedelta(minutes=40))
    assert view["stale_seconds"] == 40 * 60
    assert view["updated_at"] == iso(T + timedelta(minutes=40))


def test_a_resync_burst_yields_one_capture_per_objective_at_its_true_time(store):
    m = make_match()
    ingest(store, m, T)
    # The API froze for an hour; meanwhile 38-3 flipped twice and 95-2 once. The burst shows the end state.
    burst = evolve(m)
    t_a, t_b = T + timedelta(minutes=20), T + timedelta(minutes=50)
    find_obj(burst, "38-3").update(owner="Blue", last_flipped=iso(t_b))
    find_obj(burst, "95-2").update(owner="Green", last_flipped=iso(t_a))
    now = T + timedelta(hours=1)
    for _ in range(3):  # the burst arrives, then repeats while the API settles
        ingest(store, burst, now)
        now += timedelta(seconds=15)
    got = events(store, "captured")
    assert got == [("captured", "95-2", "Green", "Neutral", t_a), ("captured", "38-3", "Blue", "Green", t_b)]


def test_an_older_copy_from_a_lagging_node_does_not_move_state_back(store):
    m = make_match()
    ingest(store, m, T)
    newer = evolve(m)
    find_obj(newer, "38-3").update(owner="Red", last_flipped=iso(T + timedelta(minutes=5)))
    ingest(store, newer, T + timedelta(minutes=6))
    older = evolve(m)
    older["kills"]["red"] = 1  # different data, so it is not skipped as unchanged
    ingest(store, older, T + timedelta(minutes=7))
    with store.read() as s:
        assert s.get(ObjectiveState, (1, "38-3")).owner == "Red"
    assert len(events(store, "captured")) == 1


def test_claims_and_tier_upgrades_become_events(store):
    m = make_match()
    ingest(store, m, T)
    m2 = evolve(m)
    # A keep scoring 12 instead of 8 per tick is at tier 1 (the points tell the tier, not the yaks).
    find_obj(m2, "38-4").update(
        claimed_by="GUILD-1", claimed_at=iso(T + timedelta(seconds=10)), yaks_delivered=5, points_tick=12
    )
    ingest(store, m2, T + timedelta(minutes=1))
    got = events(store)
    assert ("claimed", "38-4", "Blue", None, T + timedelta(seconds=10)) in got
    assert [e[0] for e in got if e[1] == "38-4"] == ["claimed", "upgraded"]
    with store.read() as s:
        assert s.get(ObjectiveState, (1, "38-4")).upgrade_tier == 1
    with store.read() as s:
        assert guilds_to_fetch(s) == ["GUILD-1"]


def test_without_points_tick_the_tier_comes_from_yaks_and_the_upgrades_thresholds(store):
    with store.write() as s:
        apply_objectives(
            s,
            [
                {
                    "id": "38-4",
                    "name": "Overlook",
                    "type": "Keep",
                    "map_type": "Center",
                    "map_id": 38,
                    "upgrade_id": 7,
                }
            ],
            [{"id": 7, "tiers": [{"yaks_required": 20}, {"yaks_required": 40}, {"yaks_required": 80}]}],
        )
    m = make_match()
    find_obj(m, "38-4")["yaks_delivered"] = 59
    del find_obj(m, "38-4")["points_tick"]  # the renamed/removed-field fault, or an odd node
    ingest(store, m, T)
    with store.read() as s:
        assert s.get(ObjectiveState, (1, "38-4")).upgrade_tier == 1
    m2 = evolve(m)
    find_obj(m2, "38-4")["yaks_delivered"] = 60
    ingest(store, m2, T + timedelta(minutes=1))
    with store.read() as s:
        assert s.get(ObjectiveState, (1, "38-4")).upgrade_tier == 2
    assert [e[0] for e in events(store) if e[1] == "38-4"] == ["upgraded"]


def test_a_skirmish_ending_is_an_event_with_the_result(store):
    m = make_match(skirmishes=1)
    m["skirmishes"][0]["scores"] = {"red": 300, "green": 500, "blue": 100}
    ingest(store, m, T)
    m2 = evolve(m)
    m2["skirmishes"].append({"id": 2, "scores": {"red": 0, "green": 0, "blue": 0}, "map_scores": []})
    ingest(store, m2, START + timedelta(hours=2, minutes=1))
    with store.read() as s:
        ev = s.scalars(select(Event).where(Event.kind == "skirmish_ended")).one()
    assert ev.team == "green"
    assert ev.detail == {
        "skirmish": 1,
        "scores": {"red": 300, "green": 500, "blue": 100},
        "places": {"red": 2, "green": 1, "blue": 3},
    }
    assert ev.occurred_at == START + timedelta(hours=2)


def test_a_new_week_is_a_new_match_and_a_reset_event(store):
    ingest(store, make_match(), T)
    week2 = START + timedelta(days=7)
    r = ingest(store, make_match(start=week2), week2 + timedelta(minutes=5))
    assert r.new
    assert events(store, "match_reset") == [("match_reset", None, None, None, week2)]
    with Reader.open(store.url) as reader:
        assert queries.find_match(reader, "2-1").start_time == week2


def test_score_samples_are_written_only_on_change(store):
    m = make_match()
    ingest(store, m, T)
    m2 = evolve(m)
    find_obj(m2, "38-2")["yaks_delivered"] = 3  # objective-only change
    ingest(store, m2, T + timedelta(seconds=15))
    assert count(store, ScoreSample) == 1
    m3 = evolve(m2)
    m3["kills"]["red"] = 5
    ingest(store, m3, T + timedelta(seconds=30))
    assert count(store, ScoreSample) == 2


def test_a_diff_interrupted_before_commit_is_redone_exactly_once(store):
    m = make_match()
    ingest(store, m, T)
    m2 = evolve(m)
    find_obj(m2, "96-3").update(owner="Blue", last_flipped=iso(T + timedelta(seconds=40)))

    class Crash(Exception):
        pass

    try:
        with store.write() as s:
            apply_match(s, m2, T + timedelta(minutes=1))
            raise Crash  # the daemon dies before the commit
    except Crash:
        pass
    assert events(store) == []
    ingest(store, m2, T + timedelta(minutes=2))
    ingest(store, m2, T + timedelta(minutes=3))
    assert len(events(store, "captured")) == 1


def test_guild_names_are_cached_and_asked_again_when_due(store):
    from warclaw.store.ingest import apply_guild, note_guilds

    with store.write() as s:
        note_guilds(s, ["G-NEW", "G-OLD", "G-GONE"], T)
        apply_guild(s, "G-OLD", {"name": "Old Name", "tag": "OLD"}, T)
        apply_guild(s, "G-GONE", None, T, "404 no such id")
    with store.read() as s:
        assert guilds_to_fetch(s, now=T + timedelta(hours=1)) == ["G-NEW"]  # the others are cached
        assert guilds_to_fetch(s, now=T + timedelta(days=2)) == ["G-NEW", "G-GONE"]  # a failure, a day on
        due = guilds_to_fetch(s, now=T + timedelta(days=8))  # names weekly (both asked at T: either order)
        assert due[0] == "G-NEW" and set(due) == {"G-NEW", "G-GONE", "G-OLD"}
