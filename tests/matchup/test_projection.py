"""The projection (seeded Monte Carlo) and "what do we need" (exact), on the recorded week."""

from __future__ import annotations

import itertools
import random

import pytest

from warclaw.common import parse_api_time
from warclaw.gw2api.fake import recorded
from warclaw.matchup import need, projection
from warclaw.matchup import rules as r

from .brute import COLORS, holds_whatever_happens

LIVE_2025 = "wvw/matches/tyria_2025-04-18_match_2-1.single.json"


def _week(with_hours=False):
    m = recorded.load(LIVE_2025)
    start = parse_api_time(m["start_time"])
    finished = m["skirmishes"][:-1]
    schedule = r.rules().week_schedule("eu", start, len(finished))
    scores = [s["scores"] for s in finished]
    if with_hours:
        return schedule, scores, [r.skirmish_start(start, n).hour for n in range(1, len(schedule) + 1)]
    return schedule, scores


def _certain(team, vp, remaining, wins):
    """Brute force: 1st for sure if ``team`` wins the slots in ``wins`` and nothing else?"""
    return holds_whatever_happens(team, vp, remaining, wins, all)


@pytest.mark.parametrize("seed", range(40))
def test_need_is_the_exact_fewest_wins(seed):
    rng = random.Random(seed)
    bands = [(15, 14, 12), (22, 18, 14), (31, 24, 17), (51, 37, 24)]
    remaining = [rng.choice(bands) for _ in range(rng.randint(1, 5))]
    vp = {c: rng.randint(0, 120) for c in COLORS}
    team = rng.choice(COLORS)
    brute = next((k for k in range(len(remaining) + 1)
                  if any(_certain(team, vp, remaining, set(w)) for w in itertools.combinations(range(len(remaining)), k))),
                 None)
    found = need.wins_needed(team, vp, remaining)
    assert (None if found is None else found[0]) == brute
    if found is not None:
        assert _certain(team, vp, remaining, set(found[1]))  # and the skirmishes it names do it


def test_need_picks_prime_time_first():
    remaining = [(15, 14, 12), (51, 37, 24), (22, 18, 14)]
    assert need.wins_needed("red", {"red": 0, "blue": 10, "green": 0}, remaining) == (2, [1, 2])
    assert need.wins_needed("red", {"red": 100, "blue": 0, "green": 0}, remaining) == (0, [])
    assert need.wins_needed("red", {"red": 0, "blue": 200, "green": 0}, remaining) is None


def test_the_projection_is_seeded_and_its_chances_add_up():
    schedule, scores = _week()
    known = list(enumerate(scores[:30], start=1))
    vp = r.week_vp("eu", parse_api_time("2025-04-11T18:00:00Z"), known)
    a = projection.project(vp, schedule, known, 31, samples=500, seed="x")
    b = projection.project(vp, schedule, known, 31, samples=500, seed="x")
    assert a == b
    assert all(abs(sum(p.place_chances) - 1) < 0.01 for p in a.values())
    for team, p in a.items():
        assert vp[team] < p.p10 <= p.p50 <= p.p90
    # Green won 24 of the first 30 skirmishes, every prime-time one: the favourite by far.
    assert a["green"].place_chances[0] > 0.9


def test_place_chances_count_that_the_rates_are_barely_known_early(monkeypatch):
    schedule, scores = _week()
    start = parse_api_time("2025-04-11T18:00:00Z")
    hours = [r.skirmish_start(start, n).hour for n in range(1, len(schedule) + 1)]
    # After one skirmish (green won it by 2.5x) the samples alone make green the sure winner.
    one = list(enumerate(scores[:1], start=1))
    vp = r.week_vp("eu", start, one)
    weighed = projection.project(vp, schedule, one, 2, samples=1000, seed="x", hours=hours)
    monkeypatch.setattr(projection, "PLACE_PRIOR", 0)
    alone = projection.project(vp, schedule, one, 2, samples=1000, seed="x", hours=hours)
    assert alone["green"].place_chances[0] > 0.9
    # Weighed 1 skirmish against 2 of a week with unknown rates: favourite, far from sure.
    assert 0.4 < weighed["green"].place_chances[0] < alone["green"].place_chances[0] - 0.2
    assert all(abs(sum(p.place_chances) - 1) < 0.01 for p in weighed.values())
    assert [(p.p10, p.p50, p.p90) for p in weighed.values()] == [(p.p10, p.p50, p.p90) for p in alone.values()]


def test_the_running_skirmish_counts_its_score_and_ppt():
    schedule = [(51, 37, 24)] * 2
    running = projection.Running(scores={"red": 9000, "blue": 100, "green": 100},
                                 ppt={"red": 300, "blue": 100, "green": 100}, ticks_left=2)
    out = projection.project({c: 0 for c in COLORS}, schedule[:1], [], 1, running, samples=300)
    assert out["red"].p10 == 51 and out["red"].place_chances[0] == 1.0


def test_replayed_week_the_projection_beats_the_flat_average():
    # The check, as `make bench` runs it (2000 samples, seed 0): after every finished
    # skirmish from the second day on, the p50's error is below the flat average's.
    schedule, scores, hours = _week(with_hours=True)
    points = projection.backtest(schedule, scores, start=13, samples=projection.SAMPLES, hours=hours)
    assert len(points) == 69  # skirmishes 13..81 finished, each replayed
    ours = sum(p.error for p in points) / len(points)
    flat = sum(p.flat_error for p in points) / len(points)
    assert ours < flat / 4  # on average: ~7.7 VP off per team against 39.6
    assert [p.finished for p in points if p.error >= p.flat_error] == []


def test_slots_shrink_toward_the_week_only_as_far_as_they_differ():
    # Red wins every night skirmish (slot 0), blue every other one: the slots differ far beyond
    # noise, so each slot keeps its own winner. The same results spread evenly over the slots
    # give every slot the week's rate.
    schedule = [(15, 14, 12)] * 24
    hours = [(2 * i) % 24 for i in range(24)]
    night = [(n, ("red", "blue", "green") if hours[n - 1] < 4 else ("blue", "red", "green")) for n in range(1, 24)]
    chances = projection.placement_chances(schedule, night, hours)
    first = projection.ORDERS.index(("red", "blue", "green"))
    other = projection.ORDERS.index(("blue", "red", "green"))
    assert chances[0][first] > 0.6 and chances[2][other] > 0.6
    mixed = [(n, ("red", "blue", "green") if n % 2 else ("blue", "red", "green")) for n in range(1, 24)]
    even = projection.placement_chances(schedule, mixed, hours)
    assert all(abs(even[s][first] - even[0][first]) < 1e-9 for s in even)
    assert all(abs(sum(c) - 1) < 1e-9 for c in chances.values())


def _scored(orders_margins):
    """Finished skirmishes from (order 1st to 3rd, score of 1st, 2nd, 3rd)."""
    return [(n, dict(zip(order, points, strict=True))) for n, (order, points) in enumerate(orders_margins, start=1)]


def test_score_chances_read_margins_that_placements_cannot():
    # The same placements every skirmish (red 1st, blue 2nd): once by a street, once by a hair.
    schedule = [(15, 14, 12)] * 12
    clear = _scored([(("red", "blue", "green"), (9000, 3000, 1000))] * 6 + [(("red", "blue", "green"), (8000, 3500, 1200))] * 5)
    close = _scored([(("red", "blue", "green"), (3100, 3000, 2900))] * 6 + [(("red", "blue", "green"), (3050, 3000, 2950))] * 5)
    sure, unsure = projection.score_chances(schedule, clear)[0], projection.score_chances(schedule, close)[0]
    rbg = projection.ORDERS.index(("red", "blue", "green"))
    assert sure[rbg] > 0.95 and 0.3 < unsure[rbg] < sure[rbg] - 0.3
    assert projection.placement_chances(schedule, [(n, r.ranking(sc)) for n, sc in clear]) == \
        projection.placement_chances(schedule, [(n, r.ranking(sc)) for n, sc in close])
    assert all(abs(sum(c) - 1) < 1e-9 for c in (sure, unsure))


def test_score_chances_give_each_slot_its_own_noise():
    # Red outscores blue by 1.4x on average (of the logs) in every slot: at night (00-04) by 4.2x
    # at midnight and 0.47x (2nd behind blue) at 02:00, at prime time (20-24) by 1.4x every
    # time. Night scores swing, prime-time ones do not: red's 1st is surer at prime time.
    schedule = [(15, 14, 12)] * 24
    hours = [(2 * i) % 24 for i in range(24)]
    finished = []
    for n in range(1, 24):
        factor = {0: 1.4 * 3, 2: 1.4 / 3}.get(hours[n - 1], 1.4)
        finished.append((n, {"red": round(3000 * factor), "blue": 3000, "green": 1000}))
    chances = projection.score_chances(schedule, finished, hours)
    red_1st = {s: sum(p for p, o in zip(chances[s], projection.ORDERS, strict=True) if o[0] == "red") for s in (0, 5)}
    assert red_1st[5] > 0.9 and red_1st[5] > red_1st[0] + 0.2


def test_running_chances_follow_score_and_ppt():
    level = projection.running_chances(projection.Running(scores=dict.fromkeys(COLORS, 1000),
                                                          ppt=dict.fromkeys(COLORS, 200), ticks_left=12))
    assert all(abs(c - 1 / 6) < 1e-6 for c in level)  # three equal teams: every order alike
    lead = projection.running_chances(projection.Running(scores={"red": 3000, "blue": 1000, "green": 900},
                                                         ppt={"red": 200, "blue": 200, "green": 200}, ticks_left=12))
    assert abs(sum(lead) - 1) < 1e-9
    assert sum(c for c, o in zip(lead, projection.ORDERS, strict=True) if o[0] == "red") > 0.999
    # Blue leads green by 100 with 12 ticks (a spread of ~230) to go: likelier 2nd, far from sure.
    blue_2nd = lead[projection.ORDERS.index(("red", "blue", "green"))]
    assert 0.55 < blue_2nd < 0.8
    over = projection.running_chances(projection.Running(scores={"red": 10, "blue": 20, "green": 30},
                                                         ppt=dict.fromkeys(COLORS, 0), ticks_left=0))
    assert over[projection.ORDERS.index(("green", "blue", "red"))] == 1.0  # no time left: the score stands


def _outlook_args(share, red_bonus=0):
    from datetime import timedelta

    m = recorded.load(LIVE_2025)
    start, end = parse_api_time(m["start_time"]), parse_api_time(m["end_time"])
    sk = [(s["id"], s["scores"]) for s in m["skirmishes"][:41]]
    sk[-1] = (41, {c: int(v * share) + (red_bonus if c == "red" else 0) for c, v in sk[-1][1].items()})
    vp = r.week_vp("eu", start, sk[:40])
    clock = start + timedelta(hours=80, minutes=50)
    return ("2-1", start, end, clock, vp, sk, {"red": 150, "blue": 200, "green": 300})


def test_outlook_is_kept_for_the_same_data_and_recomputed_for_new():
    from datetime import timedelta

    from warclaw.matchup import outlook

    args = _outlook_args(0.5)
    a = outlook.outlook(*args, samples=500)
    a["teams"]["red"]["projection"]["p50"] = -1  # a caller's change does not reach the kept copy
    b = outlook.outlook(*args, samples=500)
    assert b["teams"]["red"]["projection"]["p50"] > 0
    # A few seconds later, same data and the same 5-minute tick: the same answer.
    later = (*args[:3], args[3] + timedelta(seconds=20), *args[4:])
    assert outlook.outlook(*later, samples=500) == b
    # Recomputed from nothing it is the same again (seeded), and new data gives a new answer.
    outlook.clear_caches()
    assert outlook.outlook(*args, samples=500) == b
    # Red's running skirmish (night, 15/14/12) pulled far ahead: red's odds of winning it go to ~1.
    moved = _outlook_args(0.5, red_bonus=20000)
    c = outlook.outlook(*moved, samples=500)
    assert c["skirmish"] == b["skirmish"]
    assert c["teams"]["red"]["projection"]["p50"] > b["teams"]["red"]["projection"]["p50"]
