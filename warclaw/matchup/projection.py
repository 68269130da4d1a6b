"""Final victory points with odds: a seeded Monte Carlo over the skirmishes still to play.

Each remaining skirmish is worth what the schedule says for its time of day, so what matters is
who places where. The chance of each of the six placements of a future skirmish comes from the
week so far (``order_weights``): how often each team placed above each other one, prime-time
skirmishes counting more than night ones, plus a small prior so that nothing is impossible.
The running skirmish is drawn from its own score and points per tick: each team's score at its
end is its score now plus its PPT for the ticks left, with noise growing with the time left.

The weights were chosen on the recorded 2025 EU week, where the projection replayed skirmish by
skirmish beats the flat average (``flat``) at every point after the first day (``make bench``
prints the comparison).
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from itertools import accumulate, permutations

from warclaw.matchup.rules import VP

COLORS = ("red", "blue", "green")
ORDERS = tuple(permutations(COLORS))  # the six placements, 1st to 3rd
PRIOR = 0.05  # pseudo-skirmishes in which each team placed above each other one
VALUE_EXP = 2.0  # a finished skirmish counts by (its VP / the most a skirmish gives) ** VALUE_EXP
TICKS_PER_SKIRMISH = 24  # 5-minute ticks in 2 hours
SAMPLES = 2000


@dataclass(frozen=True)
class Running:
    """The skirmish being played: scores so far, points per tick now, ticks still to come."""

    scores: Mapping[str, int]
    ppt: Mapping[str, int]
    ticks_left: int


@dataclass(frozen=True)
class Projection:
    p10: int
    p50: int
    p90: int
    place_chances: tuple[float, float, float]

    def as_json(self) -> dict[str, object]:
        return {"p10": self.p10, "p50": self.p50, "p90": self.p90, "place_chances": list(self.place_chances)}


def flat(vp: Mapping[str, int], finished: int, total: int) -> dict[str, int]:
    """The old projection: every team keeps its average VP per finished skirmish."""
    return {c: round(vp[c] + (vp[c] / finished if finished else 0.0) * max(0, total - finished)) for c in COLORS}


def order_weights(schedule: Sequence[VP], finished: Sequence[tuple[int, tuple[str, ...]]]) -> list[float]:
    """Unnormalized chances of the six placements (``ORDERS``) of a skirmish still to come.

    Pairwise: how often each team placed above each other one, each finished skirmish weighted
    by its stakes squared (prime time, where full populations play, tells more about the week
    than night capping, which is also worth little); a placement's chance is the product of its
    three pairwise chances. Three numbers per week instead of five ordering frequencies: the race
    for 2nd is estimated from every skirmish, not only from those with the same winner.
    """
    top = max(sum(v) for v in schedule)
    above = {(a, b): PRIOR for a in COLORS for b in COLORS if a != b}
    for n, order in finished:
        w = (sum(schedule[n - 1]) / top) ** VALUE_EXP
        for i in range(3):
            for j in range(i + 1, 3):
                above[(order[i], order[j])] += w
    chance = {pair: above[pair] / (above[pair] + above[(pair[1], pair[0])]) for pair in above}
    return [chance[(o[0], o[1])] * chance[(o[0], o[2])] * chance[(o[1], o[2])] for o in ORDERS]


def _running_sampler(running: Running, rng: random.Random):  # type: ignore[no-untyped-def]
    mean_ppt = sum(running.ppt.get(c, 0) for c in COLORS) / 3
    # War score per tick wanders with captures and lost objectives; a third of the average PPT per
    # tick (at least 10) is the spread, growing with the square root of the ticks left.
    spread = max(10.0, mean_ppt / 3) * math.sqrt(max(0, running.ticks_left))
    expected = {c: running.scores.get(c, 0) + running.ppt.get(c, 0) * running.ticks_left for c in COLORS}

    def draw() -> tuple[str, ...]:
        final = {c: expected[c] + rng.gauss(0.0, spread) for c in COLORS} if spread else expected
        return tuple(sorted(COLORS, key=lambda c: -final[c]))

    return draw


def project(
    vp: Mapping[str, int],
    schedule: Sequence[VP],
    finished: Sequence[tuple[int, tuple[str, ...]]],
    first_open: int,
    running: Running | None = None,
    samples: int = SAMPLES,
    seed: int | str = 0,
) -> dict[str, Projection]:
    """Projected final VP per team from the awarded ``vp``. ``finished`` = (number, placement
    1st to 3rd) of finished skirmishes; skirmishes ``first_open``..len(schedule) are still to come,
    ``first_open`` being ``running`` (drawn from its score and PPT) when that is given."""
    rng = random.Random(seed)
    # Every future skirmish has the same placement chances, so per sample each band's placements
    # are drawn at once and added up by count (~60 ms for a whole week of 2000 samples).
    cum = list(accumulate(order_weights(schedule, finished)))
    bands: dict[VP, int] = {}
    for number in range(first_open + (1 if running else 0), len(schedule) + 1):
        bands[schedule[number - 1]] = bands.get(schedule[number - 1], 0) + 1
    # points[o][i]: what placement o gives team COLORS[i] in the band
    band_draws = [(count, [[band[order.index(c)] for c in COLORS] for order in ORDERS]) for band, count in bands.items()]
    draw_running = _running_sampler(running, rng) if running and first_open <= len(schedule) else None
    running_vp = schedule[first_open - 1] if draw_running else None
    finals: dict[str, list[int]] = {c: [] for c in COLORS}
    places = {c: [0, 0, 0] for c in COLORS}
    base = [vp.get(c, 0) for c in COLORS]
    indices = range(len(ORDERS))
    for _ in range(samples):
        total = list(base)
        if draw_running and running_vp:
            for color, pts in zip(draw_running(), running_vp, strict=True):
                total[COLORS.index(color)] += pts
        for count, points in band_draws:
            drawn = rng.choices(indices, cum_weights=cum, k=count)
            for o in indices:
                n = drawn.count(o)
                if n:
                    row = points[o]
                    total[0] += n * row[0]
                    total[1] += n * row[1]
                    total[2] += n * row[2]
        for i, c in enumerate(COLORS):
            finals[c].append(total[i])
        for place, i in enumerate(sorted(range(3), key=lambda i: -total[i])):
            places[COLORS[i]][place] += 1
    out = {}
    for c in COLORS:
        values = sorted(finals[c])
        out[c] = Projection(
            p10=values[int(0.1 * (samples - 1))],
            p50=values[int(0.5 * (samples - 1))],
            p90=values[int(0.9 * (samples - 1))],
            place_chances=tuple(round(n / samples, 3) for n in places[c]),  # type: ignore[arg-type]
        )
    return out


@dataclass(frozen=True)
class BacktestPoint:
    finished: int  # skirmishes known when projecting
    flat_error: float  # mean over the teams of |flat projection - final VP| (the measure)
    error: float  # the same for this projection's p50
    in_band: int  # teams whose final VP lies within p10..p90
    leader_chance: float  # chance given to the team that finished 1st


def backtest(
    schedule: Sequence[VP], rankings: Sequence[tuple[str, ...]], start: int = 1,
    samples: int = SAMPLES, seed: int | str = 0,
) -> list[BacktestPoint]:
    """Replay a week skirmish by skirmish: after each finished skirmish k (``start`` <= k <
    len(rankings)), project the final VP from skirmishes 1..k and compare with the true final."""
    n = len(rankings)
    sched = list(schedule[:n])
    final = {c: 0 for c in COLORS}
    for order, points in zip(rankings, sched, strict=True):
        for color, p in zip(order, points, strict=True):
            final[color] += p
    winner = max(COLORS, key=lambda c: final[c])
    out = []
    vp = {c: 0 for c in COLORS}
    for k, (order, points) in enumerate(zip(rankings, sched, strict=True), start=1):
        for color, p in zip(order, points, strict=True):
            vp[color] += p
        if k < start or k >= n:
            continue
        known = list(enumerate(rankings[:k], start=1))
        proj = project(vp, sched, known, k + 1, samples=samples, seed=f"{seed}:{k}")
        old = flat(vp, k, n)
        out.append(BacktestPoint(
            finished=k,
            flat_error=sum(abs(old[c] - final[c]) for c in COLORS) / 3,
            error=sum(abs(proj[c].p50 - final[c]) for c in COLORS) / 3,
            in_band=sum(proj[c].p10 <= final[c] <= proj[c].p90 for c in COLORS),
            leader_chance=proj[winner].place_chances[0],
        ))
    return out
