"""The VP projection against the flat average, on the recorded 2025 EU week replayed skirmish by
skirmish (issue 13): after each finished skirmish k, both project the final VP from skirmishes
1..k, and each is scored by its mean error over the three teams against the recorded final
(1394 / 1662 / 2162 after 82 skirmishes). Then the same check on the 18 recorded 2020-12 weeks
(each cut where its recording ends, 44-49 skirmishes in), scored under their own flat 5/4/3 rule
and with the 2025 schedule applied to their placements.

How the model's constants were chosen is in ``warclaw/matchup/projection.py``: on the first half
of the 2025 week (points 13-41); its second half and the 2020 weeks are the check. The model mixes
two readings of the week (placements, war scores); each alone is printed too, to show why.

    python -m bench matchup
"""

from __future__ import annotations

import copy
import statistics
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from unittest import mock

from warclaw.common import parse_api_time
from warclaw.gw2api.fake import recorded
from warclaw.matchup import projection
from warclaw.matchup import rules as r
from warclaw.matchup.rules import VP

LIVE_2025 = "wvw/matches/tyria_2025-04-18_match_2-1.single.json"
WEEKS_2020 = (("wvw/matches/gw2sharp_2020-12_matches_all.bulk.json", None),
              # the scores endpoint carries no start_time: EU weeks start Friday 18:00, NA Saturday 02:00
              ("wvw/matches_scores/gw2sharp_2020-12_scores_all.bulk.json", {"eu": "2020-12-18T18:00:00Z",
                                                                           "na": "2020-12-19T02:00:00Z"}))
FIRST_DAY = 12  # skirmishes in 24 hours
HALF = 41  # the constants were chosen on points 13..HALF
UNIFORM_BRIER = 2 / 3  # place chances of 1/3 each, whatever happens


def _mean(values) -> float:  # type: ignore[no-untyped-def]
    values = list(values)
    return sum(values) / len(values)


def _hours(start, count):  # type: ignore[no-untyped-def]
    return [r.skirmish_start(start, n).hour for n in range(1, count + 1)]


def main() -> None:
    m = recorded.load(LIVE_2025)
    start = parse_api_time(m["start_time"])
    finished = m["skirmishes"][:-1]
    schedule = r.rules().week_schedule("eu", start, len(finished))
    scores = [s["scores"] for s in finished]
    t0 = time.perf_counter()
    points = projection.backtest(schedule, scores, start=1, samples=projection.SAMPLES,
                                 hours=_hours(start, len(schedule)))
    elapsed = time.perf_counter() - t0
    print(f"Recorded EU week 2-1 (2025-04-11), replayed: {len(points)} projections of {projection.SAMPLES} samples"
          f" in {elapsed:.1f} s ({1000 * elapsed / len(points):.0f} ms each)")
    print("mean error per team in VP against the final; 'p10-p90' = teams whose final VP fell inside the band;"
          " both projections are whole VP, so 'tie' is an exact tie (the same summed error)")
    print(f"{'after':>6} {'day':>4} {'flat':>7} {'ours':>7} {'better':>7} {'p10-p90':>8} {'1st chance of winner':>21}")
    for p in points:
        if p.finished <= FIRST_DAY and p.finished not in (1, 3, 6, 12):
            continue
        mark = "yes" if p.error < p.flat_error else ("tie" if p.error == p.flat_error else "NO")
        print(f"{p.finished:>6} {1 + (p.finished - 1) // FIRST_DAY:>4} {p.flat_error:>7.1f} {p.error:>7.1f} {mark:>7}"
              f" {p.in_band:>6}/3 {100 * p.leader_chance:>20.0f}%")
    after = [p for p in points if p.finished > FIRST_DAY]
    worse = [p for p in after if p.error >= p.flat_error]
    print(f"after the first day ({len(after)} points): mean error flat {sum(p.flat_error for p in after) / len(after):.1f}"
          f" VP, ours {sum(p.error for p in after) / len(after):.1f} VP; ours better at {len(after) - len(worse)}"
          f" of {len(after)} points, not better at {len(worse)}"
          f" ({', '.join(f'{p.finished}: {p.error - p.flat_error:+.1f}' for p in worse) or 'none'})")
    for name, part in (("chosen on", [p for p in after if p.finished <= HALF]),
                       ("held out", [p for p in after if p.finished > HALF])):
        print(f"  {name} points {part[0].finished}-{part[-1].finished}: better at"
              f" {sum(p.error < p.flat_error for p in part)}/{len(part)},"
              f" mean error {sum(p.error for p in part) / len(part):.1f} VP (flat {sum(p.flat_error for p in part) / len(part):.1f})")
    print(f"final VP inside p10-p90: {sum(p.in_band for p in after)}/{3 * len(after)} team-points"
          f" (an 80% band would hold ~{round(0.8 * 3 * len(after))})")
    first_day = [p for p in points if p.finished <= FIRST_DAY]
    print(f"place chances against the final places (Brier, 0 = sure and right, {UNIFORM_BRIER:.3f} = 1/3 each):"
          f" first day {_mean(p.brier for p in first_day):.3f}, after {_mean(p.brier for p in after):.3f}")
    print()
    _weeks_2020()
    print()
    _readings_alone(schedule, scores, _hours(start, len(schedule)))
    print()
    query_speed()


def _recorded_2020() -> list[tuple[str, list[VP], list[VP], list[dict[str, int]], list[int]]]:
    """Every 2020-12 recording: id, its own schedule (flat 5/4/3), the 2025 schedule applied to
    its hours, the finished skirmishes' scores and the hour each starts at."""
    rule_2025 = r.rules().victory_points[-1]
    out = []
    for path, starts in WEEKS_2020:
        for m in recorded.load(path):
            region = r.region_of(m["id"])
            start = parse_api_time(m["start_time"] if starts is None else starts[region])
            finished = m["skirmishes"][:-1]
            hours = _hours(start, len(finished))
            out.append((m["id"], r.rules().week_schedule(region, start, len(finished)),
                        [rule_2025.at_hour(region, h) for h in hours], [s["scores"] for s in finished], hours))
    return out


def _weeks_2020(samples: int = 500) -> None:
    """The check on data the constants never saw: every 2020-12 recording, points after day one."""
    rows = {"own rule (5/4/3)": [0, 0, 0.0, 0.0, 0], "2025 schedule applied": [0, 0, 0.0, 0.0, 0]}
    brier: dict[str, list[float]] = {"first day": [], "after": []}
    weeks = _recorded_2020()
    t0 = time.perf_counter()
    for match_id, own, applied, scores, hours in weeks:
        for label, schedule in (("own rule (5/4/3)", own), ("2025 schedule applied", applied)):
            every = projection.backtest(schedule, scores, start=1, samples=samples, seed=match_id, hours=hours)
            pts = [p for p in every if p.finished > FIRST_DAY]
            if label.startswith("2025"):
                brier["first day"] += [p.brier for p in every if p.finished <= FIRST_DAY]
                brier["after"] += [p.brier for p in pts]
            row = rows[label]
            row[0] += sum(p.error < p.flat_error for p in pts)
            row[1] += len(pts)
            row[2] += sum(p.error for p in pts)
            row[3] += sum(p.flat_error for p in pts)
            row[4] += sum(p.in_band for p in pts)
    print(f"The 2020-12 recordings ({len(weeks)} weeks, each replayed to where it ends; {samples} samples,"
          f" {time.perf_counter() - t0:.1f} s): points after the first day")
    for label, (won, count, err, flat_err, band) in rows.items():
        print(f"  {label:<22} ours better at {won}/{count} ({100 * won / count:.0f} %),"
              f" mean error ours {err / count:.1f} VP, flat {flat_err / count:.1f} VP;"
              f" final VP inside p10-p90 {band}/{3 * count} ({100 * band / (3 * count):.0f} %)")
    print(f"  place chances against the places where each recording ends (Brier, 2025 schedule applied;"
          f" {UNIFORM_BRIER:.3f} = 1/3 each): first day {_mean(brier['first day']):.3f},"
          f" after {_mean(brier['after']):.3f}")


def _readings_alone(schedule, scores, hours) -> None:  # type: ignore[no-untyped-def]
    """Why the mix: each of the model's two readings alone on the 2025 week (and the 2020 weeks
    with the 2025 schedule applied), against the flat average, points after the first day."""
    weeks = _recorded_2020()
    print("Each reading of the week alone (placements' weight 1 or 0; the model mixes them 5/8-3/8), after the first day:")
    for label, weight in (("placements alone", 1.0), ("scores alone", 0.0), ("the mix", projection.PLACEMENT_WEIGHT)):
        with mock.patch.object(projection, "PLACEMENT_WEIGHT", weight):
            projection.clear_cache()
            after = [p for p in projection.backtest(schedule, scores, samples=projection.SAMPLES, hours=hours)
                     if p.finished > FIRST_DAY]
            half = [p for p in after if p.finished <= HALF]
            old = [p for match_id, _, applied, week, week_hours in weeks
                   for p in projection.backtest(applied, week, samples=500, seed=match_id, hours=week_hours)
                   if p.finished > FIRST_DAY]
        print(f"  {label:<17} 2025: better at {sum(p.error < p.flat_error for p in after)}/{len(after)},"
              f" {_mean(p.error for p in after):.1f} VP (first half {_mean(p.error for p in half):.1f});"
              f" 2020 (2025 schedule): better at {sum(p.error < p.flat_error for p in old)}/{len(old)},"
              f" {_mean(p.error for p in old):.1f} VP")
    projection.clear_cache()


def _week_at(body: dict, finished: int, running_share: float) -> dict:
    """The recorded week as the API showed it during skirmish ``finished + 1``: its skirmishes cut
    there (the running one at ``running_share`` of its recorded score), VP as they stood."""
    out = copy.deepcopy(body)
    start = parse_api_time(out["start_time"])
    sk = out["skirmishes"][:finished + 1]
    sk[-1]["scores"] = {c: int(v * running_share) for c, v in sk[-1]["scores"].items()}
    out["skirmishes"] = sk
    schedule = r.rules().week_schedule("eu", start, finished)
    out["victory_points"] = r.week_vp("eu", start, [(s["id"], s["scores"]) for s in sk[:finished]])
    assert sum(out["victory_points"].values()) == sum(sum(v) for v in schedule)
    return out


def _median_ms(times: list[float]) -> str:
    times = sorted(1000 * t for t in times)
    return f"median {statistics.median(times):5.1f} ms, max {times[-1]:5.1f} ms"


def query_speed(runs: int = 15) -> None:
    """The TUI's current-matchup call (``queries.matchup`` through the sqlite3 reader, as the TUI
    and ``warclaw matchup`` run it) on the recorded week ingested as the daemon would, at three
    points of the week: nothing changed since the last call (the TUI's refresh), a new poll moved
    the running skirmish's score, and the first call (``warclaw matchup``, or a skirmish just ended:
    everything recomputed)."""
    from warclaw.matchup import outlook
    from warclaw.store import Store, queries
    from warclaw.store.ingest import apply_match
    from warclaw.store.reader import Reader

    body = recorded.load(LIVE_2025)
    start = parse_api_time(body["start_time"])
    print("The TUI's current-matchup call (queries.matchup, sqlite3), recorded week ingested; 2000 samples")
    print(f"  {'during skirmish':<16} {'first call / skirmish ended':>30} {'new poll (score moved)':>30} {'nothing changed':>30}")
    with tempfile.TemporaryDirectory() as d:
        for number in (1, 41, 83):
            url = f"sqlite:///{Path(d) / f'week{number}.db'}"
            now = start + timedelta(hours=2 * (number - 1), minutes=50)
            with Store.open(url) as store, Reader.open(url) as reader:
                with store.write() as s:
                    pk = apply_match(s, _week_at(body, number - 1, 0.4), now).match_pk
                first, polled, same = [], [], []
                for _ in range(runs):
                    outlook.clear_caches()
                    t0 = time.perf_counter()
                    queries.matchup(reader, pk, now)
                    first.append(time.perf_counter() - t0)
                for i in range(runs):
                    with store.write() as s:  # the next poll: the running skirmish's score moved
                        apply_match(s, _week_at(body, number - 1, 0.4 + 0.01 * (i + 1)), now)
                    t0 = time.perf_counter()
                    queries.matchup(reader, pk, now)
                    polled.append(time.perf_counter() - t0)
                for i in range(runs):
                    t0 = time.perf_counter()
                    queries.matchup(reader, pk, now + timedelta(seconds=i))  # the TUI's clock moves on
                    same.append(time.perf_counter() - t0)
            print(f"  {f'{number} of 84':<16} {_median_ms(first):>30} {_median_ms(polled):>30} {_median_ms(same):>30}")
    print("  (before the caches and the block sampler: 40-90 ms for every call)")


if __name__ == "__main__":
    main()
