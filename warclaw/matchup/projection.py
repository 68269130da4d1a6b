"""Final victory points with odds: a seeded Monte Carlo over the skirmishes still to play.

Each remaining skirmish is worth what the schedule says for its time of day, so what matters is
who places where. The chance of each of the six placements of a future skirmish, per time slot of
the UTC day (teams are stronger at some hours), is a mix of two readings of the week so far (5/8
placements, 3/8 scores):

- by placements (``placement_chances``): for each pair of teams, how often one placed above the
  other, prime-time skirmishes counting more than night ones, each slot's rate shrunk toward the
  whole week's rate by as much as the slots really differ (empirical Bayes);
- by scores (``score_chances``): each team's log war score, centred on the skirmish's mean, has a
  mean per slot (shrunk the same way toward the team's week mean) and a noise per slot (night
  scores swing twice as much as prime-time ones), and a future skirmish's order is that of three
  normal draws. Margins tell what placements cannot (a narrow 2nd is not a safe one), but one odd
  night moves them a lot; placements are robust to it and blind to margins. The scores alone do
  better on the 2020 weeks, the placements alone on the 2025 one; their mix beats the flat
  average at more points than either alone on both, with the lowest error on the 2025 week (on
  the 2020 weeks the scores alone are 0.1 VP lower; ``bench/bench_matchup.py``).

The running skirmish is drawn from its own score and points per tick: each team's score at its
end is its score now plus its PPT for the ticks left, with noise growing with the time left.

How the constants were chosen (``bench/bench_matchup.py`` prints the check), on the first half of
the recorded 2025 EU week (points 13-41) only: the setting with the most wins against the flat
average there, then the lowest mean error; the week's second half and the 18 recorded 2020-12
weeks (flat 5/4/3, and with the 2025 schedule applied to their placements) are the check.
The placements' constants (slot width 2/4/8 h or none, stake exponent 1-3, recency decay 1 or
0.99 per skirmish, shrinkage scale 0.5/1/2) were chosen so first. The scores' reading and the mix
then on a grid of the mix's weight on placements (0, 1/4, 1/2, 3/4), the slot noise's weight
toward the pooled noise (none, 1 or 3 skirmishes), a pseudo-count pulling the week means toward
equal teams (0, 1, 3), a carry-over of the last skirmish's residual into the next ones (0 or 0.3
per skirmish) and the scores' slot width (4 or 8 h): best was 1/2, 1, 0, 0.3, 4 h at 10.8 VP;
without the carry-over 10.9 VP, within the seed-to-seed spread (0.1-0.2 VP) and 2.5x cheaper,
so no carry-over. The weight was then refined on a grid of sixteenths between 1/2 and 3/4, each
scored over 8 seeds (the mean's seed noise ~0.02 VP), still on the first half only: 1/2 10.77,
9/16 10.58, 5/8 10.54, 11/16 10.64, 3/4 10.94 VP (all 29 of 29 points); 5/8 was kept (0.6, off
the grid, 10.53: level). It costs a little on the checks: the week's second half 5.6 VP (1/2:
5.0; better than the flat average at 40 of 40 against 38), the 2020 weeks 17.0 VP (16.6).
``PLACE_PRIOR`` (the place chances' weighing, see ``project``; it leaves the p50 and band alone)
was chosen on the 2025 week's first day by the Brier score of the place chances against the
final places, grid 0/1/2/4/8/16 (2: 0.139, none: 0.190); the 2020 weeks are its check.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from itertools import accumulate, permutations

from warclaw.matchup.rules import VP, ranking

COLORS = ("red", "blue", "green")
ORDERS = tuple(permutations(COLORS))  # the six placements, 1st to 3rd
PRIOR = 0.05  # pseudo-skirmishes in which each team placed above each other one
VALUE_EXP = 3.0  # a finished skirmish counts by (its VP / the most a skirmish gives) ** VALUE_EXP
SLOT_HOURS = 4  # time slots of the UTC day with their own placement chances (00-04, 04-08, ...)
SHRINK_SCALE = 0.5  # the empirical-Bayes pseudo-count toward the week's rate, scaled
SCORE_SD = 0.2  # prior noise of a team's centred log score in one skirmish (2020 weeks: 0.14-0.30)
SCORE_SD_WEIGHT = 4  # skirmishes' worth of that prior in the week's pooled noise
SLOT_NOISE_WEIGHT = 1  # skirmishes' worth of the pooled noise in a slot's own
PLACEMENT_WEIGHT = 0.625  # the mix: placements' chances, the rest the scores'
PLACE_PRIOR = 2  # finished skirmishes' worth of "rates unknown" in the place chances (see ``project``)
PRIOR_SHARE = 4  # that week drawn with 1/PRIOR_SHARE of the samples
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


def placement_chances(
    schedule: Sequence[VP], finished: Sequence[tuple[int, tuple[str, ...]]], hours: Sequence[int] | None = None,
) -> dict[int, list[float]]:
    """Chances of the six placements (``ORDERS``) of a future skirmish, per time slot of the day.

    ``hours[n - 1]`` is the UTC hour at which skirmish ``n`` starts (None: one slot for all).
    Pairwise: for each ordered pair of teams the week's rate of one placing above the other, each
    finished skirmish weighted by its stakes cubed (prime time, where full populations play, tells
    more about the week than night capping, which is also worth little), and each slot's own rate
    shrunk toward it. A placement's chance is the product of its three pairwise chances: three
    numbers per slot instead of five ordering frequencies, so the race for 2nd is estimated from
    every skirmish, not only from those with the same winner.
    """
    def slot(n: int) -> int:
        return hours[n - 1] // SLOT_HOURS if hours else 0

    top = max(sum(v) for v in schedule)
    pairs = [(a, b) for a in COLORS for b in COLORS if a != b]
    above = dict.fromkeys(pairs, PRIOR)
    cells: dict[tuple[str, str], dict[int, list[int]]] = {pair: {} for pair in pairs}  # slot -> [n, above]
    for n, order in finished:
        w = (sum(schedule[n - 1]) / top) ** VALUE_EXP
        for i in range(3):
            for j in range(3):
                if i != j:
                    cell = cells[(order[i], order[j])].setdefault(slot(n), [0, 0])
                    cell[0] += 1
                    if i < j:
                        above[(order[i], order[j])] += w
                        cell[1] += 1
    week = {pair: above[pair] / (above[pair] + above[(pair[1], pair[0])]) for pair in pairs}
    shrink = {pair: _pseudo_count(cells[pair]) for pair in pairs}
    slots = {slot(n) for n in range(1, len(schedule) + 1)}
    out = {}
    for s in slots:
        chance = {}
        for pair in pairs:
            n, x = cells[pair].get(s, (0, 0))
            m = shrink[pair]
            chance[pair] = week[pair] if math.isinf(m) else (x + m * week[pair]) / (n + m)
        weights = [chance[(o[0], o[1])] * chance[(o[0], o[2])] * chance[(o[1], o[2])] for o in ORDERS]
        total = sum(weights)
        out[s] = [w / total for w in weights]
    return out


def _pseudo_count(cells: Mapping[int, Sequence[int]]) -> float:
    """How many skirmishes of the week's rate a slot's own rate is shrunk with (method of moments:
    the spread of the slots' rates beyond binomial noise; infinite when they do not spread)."""
    total = sum(n for n, _ in cells.values())
    if total == 0 or len(cells) < 2:
        return math.inf
    rate = sum(x for _, x in cells.values()) / total
    spread = sum(n * (x / n - rate) ** 2 for n, x in cells.values())
    denom = total - sum(n * n for n, _ in cells.values()) / total
    between = (spread - (len(cells) - 1) * rate * (1 - rate)) / denom if denom > 0 else 0.0
    if between <= 0:
        return math.inf
    return max(PRIOR, SHRINK_SCALE * (rate * (1 - rate) / between - 1))


# The running skirmish's order: the middle team's final score integrated over a grid of z values
# (+-6 standard deviations, 121 points: the six chances add up to 1 within 1e-9).
_GRID = [-6 + i / 10 for i in range(121)]
_DENSITY = [math.exp(-z * z / 2) / math.sqrt(2 * math.pi) / 10 for z in _GRID]


def running_chances(running: Running) -> list[float]:
    """Chances of the six placements (``ORDERS``) of the running skirmish at its end.

    Each team's score at the end is its score now plus its PPT for the ticks left, with normal
    noise: war score per tick wanders with captures and lost objectives, by a third of the average
    PPT (at least 10) per tick, growing with the square root of the ticks left.
    """
    mean_ppt = sum(running.ppt.get(c, 0) for c in COLORS) / 3
    spread = max(10.0, mean_ppt / 3) * math.sqrt(max(0, running.ticks_left))
    expected = [running.scores.get(c, 0) + running.ppt.get(c, 0) * running.ticks_left for c in COLORS]
    return order_chances(expected, spread)


def order_chances(means: Sequence[float], spread: float) -> list[float]:
    """Chances of the six orders (``ORDERS``) of three normal draws with these means (in
    ``COLORS`` order) and one standard deviation; no spread: the means' own order, ties to the
    team first in ``COLORS``."""
    if max(means) == min(means):
        return [1 / 6] * 6
    if not spread:
        order = tuple(sorted(COLORS, key=lambda c: -means[COLORS.index(c)]))
        return [1.0 if o == order else 0.0 for o in ORDERS]

    # The middle team's final score y = its mean + spread * z over the grid; for each middle team
    # and each other team, P(that team's draw > y) on the grid (6 lists, shared by the 6 orders).
    root2 = math.sqrt(2)
    over = {(m, f): [0.5 * math.erfc((z + (means[m] - means[f]) / spread) / root2) for z in _GRID]
            for m in range(3) for f in range(3) if f != m}
    out = []
    for o in ORDERS:
        first, middle, last = (COLORS.index(c) for c in o)
        out.append(sum(d * a * (1 - b) for d, a, b in zip(_DENSITY, over[(middle, first)], over[(middle, last)],
                                                          strict=True)))
    norm = sum(out)
    return [x / norm for x in out]


def score_chances(
    schedule: Sequence[VP], finished: Sequence[tuple[int, Mapping[str, int]]], hours: Sequence[int] | None = None,
) -> dict[int, list[float]]:
    """Chances of the six placements (``ORDERS``) of a future skirmish per time slot, from the
    finished skirmishes' war scores (``(number, scores)``).

    A team's log score minus the skirmish's mean log score (so a busy prime time and a quiet night
    are on one scale) is its slot's mean plus normal noise. A slot's means are shrunk toward the
    team's week mean by as much as the slots really differ beyond the noise (method of moments,
    as in ``placement_chances``); the noise is the slot's own, shrunk toward the week's pooled
    one by ``SLOT_NOISE_WEIGHT`` skirmishes (that one toward ``SCORE_SD`` by ``SCORE_SD_WEIGHT``).
    """
    def slot(n: int) -> int:
        return hours[n - 1] // SLOT_HOURS if hours else 0

    cells: dict[int, list[list[float]]] = {}  # slot -> the centred log scores of its skirmishes
    for n, scores in finished:
        logs = [math.log(max(1, scores.get(c, 0))) for c in COLORS]
        mean = sum(logs) / 3
        cells.setdefault(slot(n), []).append([x - mean for x in logs])
    count = sum(len(xs) for xs in cells.values())
    week = [sum(x[i] for xs in cells.values() for x in xs) / count if count else 0.0 for i in range(3)]
    means = {s: [sum(x[i] for x in xs) / len(xs) for i in range(3)] for s, xs in cells.items()}
    # Squared residuals per slot (two free values per skirmish: the three add up to 0).
    squares = {s: sum((x[i] - means[s][i]) ** 2 for x in xs for i in range(3)) for s, xs in cells.items()}
    dof = 2 * (count - len(cells))
    pooled = (sum(squares.values()) + 2 * SCORE_SD_WEIGHT * SCORE_SD ** 2) / (max(0, dof) + 2 * SCORE_SD_WEIGHT)
    between = sum(len(xs) * (means[s][i] - week[i]) ** 2 - pooled for s, xs in cells.items() for i in range(3))
    shrink = pooled / (between / (3 * count)) if count and between > 0 else math.inf  # pseudo-skirmishes
    out = {}
    for s in {slot(n) for n in range(1, len(schedule) + 1)}:
        xs = cells.get(s, [])
        if xs and not math.isinf(shrink):
            mean = [(len(xs) * means[s][i] + shrink * week[i]) / (len(xs) + shrink) for i in range(3)]
        else:
            mean = week
        noise = (squares.get(s, 0.0) + 2 * SLOT_NOISE_WEIGHT * pooled) / (2 * max(0, len(xs) - 1) + 2 * SLOT_NOISE_WEIGHT)
        out[s] = order_chances(mean, math.sqrt(noise))
    return out


def future_chances(
    schedule: Sequence[VP], finished: Sequence[tuple[int, Mapping[str, int]]], hours: Sequence[int] | None = None,
) -> dict[int, list[float]]:
    """The six placements' chances of a future skirmish per time slot: the mix of the placements'
    reading and the scores' (the module's docstring says why both and why 5/8)."""
    by_place = placement_chances(schedule, [(n, ranking(scores)) for n, scores in finished], hours)
    by_score = score_chances(schedule, finished, hours)
    return {s: [PLACEMENT_WEIGHT * a + (1 - PLACEMENT_WEIGHT) * b for a, b in zip(by_place[s], by_score[s], strict=True)]
            for s in by_place}


def project(
    vp: Mapping[str, int],
    schedule: Sequence[VP],
    finished: Sequence[tuple[int, Mapping[str, int]]],
    first_open: int,
    running: Running | None = None,
    samples: int = SAMPLES,
    seed: int | str = 0,
    hours: Sequence[int] | None = None,
) -> dict[str, Projection]:
    """Projected final VP per team from the awarded ``vp``. ``finished`` = (number, war scores)
    of finished skirmishes; skirmishes ``first_open``..len(schedule) are still to come,
    ``first_open`` being ``running`` (drawn from its score and PPT) when that is given; ``hours``
    the UTC hour each skirmish starts at (for the time slots; None: no slots).

    The place chances also count that the week's rates are known only as well as the finished
    skirmishes tell them: they are the samples' weighed by the finished skirmishes against
    ``PLACE_PRIOR`` skirmishes' worth of a week whose rates are not known at all (every order
    alike from now on; the VP and the running skirmish's score stay what they are, so a decided
    place stays sure). Without it the first day's place chances on the 2020 weeks were worse than
    1/3 each. The band and p50 are the samples' own (with that weight they were worse).
    """
    first = first_open + (1 if running is not None and first_open <= len(schedule) else 0)
    slots = tuple(hours) if hours else None
    kept = tuple((n, tuple((c, scores.get(c, 0)) for c in COLORS)) for n, scores in finished)  # hashable
    finals = _finals(vp, schedule, _future(tuple(schedule), kept, first, slots, samples, str(seed)),
                     running, first_open, f"{seed}:running")
    places = _place_counts(finals)
    shares = [[n / samples for n in counts] for counts in places]
    if finished and first <= len(schedule):
        weight = len(finished) / (len(finished) + PLACE_PRIOR)
        few = max(1, samples // PRIOR_SHARE)
        unknown = _place_counts(_finals(vp, schedule, _future(tuple(schedule), (), first, None, few, f"{seed}:prior"),
                                        running, first_open, f"{seed}:running:prior"))
        shares = [[weight * p + (1 - weight) * n / few for p, n in zip(mine, theirs, strict=True)]
                  for mine, theirs in zip(shares, unknown, strict=True)]
    out = {}
    for i, c in enumerate(COLORS):
        values = sorted(finals[i])
        out[c] = Projection(
            p10=values[int(0.1 * (samples - 1))],
            p50=values[int(0.5 * (samples - 1))],
            p90=values[int(0.9 * (samples - 1))],
            place_chances=tuple(round(p, 3) for p in shares[i]),  # type: ignore[arg-type]
        )
    return out


def _finals(
    vp: Mapping[str, int], schedule: Sequence[VP], drawn_future: tuple[list[int], int, int],
    running: Running | None, first_open: int, seed: str,
) -> list[list[int]]:
    """Each team's final VP per sample: the awarded ``vp``, the future's packed draws and (if
    given) the running skirmish, drawn once per sample from its score and PPT."""
    future, future_total, bits = drawn_future
    if running is not None and first_open <= len(schedule):
        # The running skirmish, packed the same way: one draw per sample added to the future's sums.
        points = schedule[first_open - 1]
        packed = [points[o.index("red")] | points[o.index("blue")] << bits for o in ORDERS]
        drawn = random.Random(seed).choices(packed, weights=running_chances(running), k=len(future))
        future = list(map(int.__add__, future, drawn))
        future_total += sum(points)
    mask = (1 << bits) - 1
    base_r, base_b, base_g = (vp.get(c, 0) for c in COLORS)
    red = [base_r + (f & mask) for f in future]
    blue = [base_b + (f >> bits) for f in future]
    top = base_r + base_b + base_g + future_total
    return [red, blue, [top - r - b for r, b in zip(red, blue, strict=True)]]


def _place_counts(finals: Sequence[Sequence[int]]) -> list[list[int]]:
    """Per team, the samples in which it finishes 1st, 2nd, 3rd by VP; a tie goes to the team
    first in COLORS (as ``sorted`` would)."""
    places = [[0, 0, 0] for _ in COLORS]
    for r, b, g in zip(*finals, strict=True):
        pr = (b > r) + (g > r)
        pb = (r >= b) + (g > b)
        places[0][pr] += 1
        places[1][pb] += 1
        places[2][3 - pr - pb] += 1
    return places


BLOCK = 4  # skirmishes of one class drawn at once from their exact joint distribution


@lru_cache(maxsize=16)  # two per projection: the week so far and the week with rates unknown
def _future(
    schedule: tuple[VP, ...], finished: tuple[tuple[int, tuple[tuple[str, int], ...]], ...], first: int,
    hours: tuple[int, ...] | None, samples: int, seed: str,
) -> tuple[list[int], int, int]:
    """The skirmishes ``first``.. drawn ``samples`` times: per sample red's and blue's VP packed
    into one int (red in the low ``bits``, blue above: adding up skirmishes is one integer sum per
    draw), the fixed total of all three (green's is what is left), and ``bits``. Cached: it changes only when a skirmish ends, the running one every poll.

    Skirmishes with the same VP and time slot share their placement chances, so they are drawn in
    blocks of ``BLOCK`` from the exact distribution of a block's packed sum (a few dozen values),
    all samples at once: ~4x fewer draws than one per skirmish, and no per-sample Python loop.
    """
    rng = random.Random(f"{seed}:future")
    bits = max(1, (len(schedule) * max(v[0] for v in schedule)).bit_length())
    chances = future_chances(schedule, [(n, dict(scores)) for n, scores in finished], hours)
    classes: dict[tuple[VP, int], int] = {}
    for n in range(first, len(schedule) + 1):
        key = (schedule[n - 1], hours[n - 1] // SLOT_HOURS if hours else 0)
        classes[key] = classes.get(key, 0) + 1
    sums = [0] * samples
    total = 0
    for (points, slot), count in classes.items():
        total += count * sum(points)
        packed = [points[o.index("red")] | points[o.index("blue")] << bits for o in ORDERS]
        single = list(zip(packed, chances[slot], strict=True))
        for size, times in ((BLOCK, count // BLOCK), (count % BLOCK, 1)):
            if not size or not times:
                continue
            values, cum = _block(single, size)
            drawn = rng.choices(values, cum_weights=cum, k=samples * times)
            per_sample = drawn if times == 1 else list(map(sum, zip(*[iter(drawn)] * times, strict=True)))
            sums = list(map(int.__add__, sums, per_sample))
    return sums, total, bits


def clear_cache() -> None:
    """Forget the kept draws of future skirmishes (for benchmarks)."""
    _future.cache_clear()


def _block(single: Sequence[tuple[int, float]], size: int) -> tuple[list[int], list[float]]:
    """The exact distribution of the packed sum of ``size`` independent draws from ``single``."""
    dist = {0: 1.0}
    for _ in range(size):
        step: dict[int, float] = {}
        for value, p in dist.items():
            for v, q in single:
                step[value + v] = step.get(value + v, 0.0) + p * q
        dist = step
    return list(dist), list(accumulate(dist.values()))


@dataclass(frozen=True)
class BacktestPoint:
    finished: int  # skirmishes known when projecting
    flat_error: float  # mean over the teams of |flat projection - final VP| (the measure)
    error: float  # the same for this projection's p50
    in_band: int  # teams whose final VP lies within p10..p90
    leader_chance: float  # chance given to the team that finished 1st
    brier: float  # mean over the teams of the squared error of place_chances against the final places


def backtest(
    schedule: Sequence[VP], skirmishes: Sequence[Mapping[str, int]], start: int = 1,
    samples: int = SAMPLES, seed: int | str = 0, hours: Sequence[int] | None = None, stop: int | None = None,
) -> list[BacktestPoint]:
    """Replay a week skirmish by skirmish (``skirmishes``: the war scores of each): after each
    finished skirmish k (``start`` <= k < len(skirmishes), up to ``stop``), project the final VP
    from skirmishes 1..k and compare with the true final. ``hours``: the UTC hour each skirmish
    starts at."""
    rankings = [ranking(scores) for scores in skirmishes]
    n = len(rankings)
    sched = list(schedule[:n])
    final = {c: 0 for c in COLORS}
    for order, points in zip(rankings, sched, strict=True):
        for color, p in zip(order, points, strict=True):
            final[color] += p
    places = sorted(COLORS, key=lambda c: -final[c])
    winner = places[0]
    out = []
    vp = {c: 0 for c in COLORS}
    for k, (order, points) in enumerate(zip(rankings, sched, strict=True), start=1):
        for color, p in zip(order, points, strict=True):
            vp[color] += p
        if k < start or k >= n or (stop is not None and k > stop):
            continue
        known = list(enumerate(skirmishes[:k], start=1))
        proj = project(vp, sched, known, k + 1, samples=samples, seed=f"{seed}:{k}", hours=hours)
        old = flat(vp, k, n)
        out.append(BacktestPoint(
            finished=k,
            flat_error=sum(abs(old[c] - final[c]) for c in COLORS) / 3,
            error=sum(abs(proj[c].p50 - final[c]) for c in COLORS) / 3,
            in_band=sum(proj[c].p10 <= final[c] <= proj[c].p90 for c in COLORS),
            leader_chance=proj[winner].place_chances[0],
            brier=sum((proj[c].place_chances[i] - (places.index(c) == i)) ** 2 for c in COLORS for i in range(3)) / 3,
        ))
    return out
