"""The VP projection against the flat average, on the recorded 2025 EU week replayed skirmish by
skirmish (issue 13): after each finished skirmish k, both project the final VP from skirmishes
1..k, and each is scored by its mean error over the three teams against the recorded final
(1394 / 1662 / 2162 after 82 skirmishes).

    python -m bench matchup
"""

from __future__ import annotations

import time

from warclaw.common import parse_api_time
from warclaw.gw2api.fake import recorded
from warclaw.matchup import projection
from warclaw.matchup import rules as r

LIVE_2025 = "wvw/matches/tyria_2025-04-18_match_2-1.single.json"
FIRST_DAY = 12  # skirmishes in 24 hours


def main() -> None:
    m = recorded.load(LIVE_2025)
    start = parse_api_time(m["start_time"])
    finished = m["skirmishes"][:-1]
    schedule = r.rules().week_schedule("eu", start, len(finished))
    ranks = [r.ranking(s["scores"]) for s in finished]
    t0 = time.perf_counter()
    points = projection.backtest(schedule, ranks, start=1, samples=projection.SAMPLES)
    elapsed = time.perf_counter() - t0
    print(f"Recorded EU week 2-1 (2025-04-11), replayed: {len(points)} projections of {projection.SAMPLES} samples"
          f" in {elapsed:.1f} s ({1000 * elapsed / len(points):.0f} ms each)")
    print("mean error per team in VP against the final; 'p10-p90' = teams whose final VP fell inside the band")
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
          f" points, not better at {len(worse)} ({', '.join(f'{p.finished}: {p.error - p.flat_error:+.1f}' for p in worse)})")
    print(f"final VP inside p10-p90: {sum(p.in_band for p in after)}/{3 * len(after)} team-points"
          f" (an 80% band would hold ~{round(0.8 * 3 * len(after))})")


if __name__ == "__main__":
    main()
