"""What a commander decides on, from a match's state: the running skirmish's worth, the next peak,
each team's projected final VP with odds, and the wins it needs for 1st and to stay out of 3rd.

One function for ``warclaw matchup --json`` and the TUI's Matchup screen, so both show the same.
"""

from __future__ import annotations

import copy
import math
import threading
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from functools import lru_cache

from warclaw.matchup import need as need_mod
from warclaw.matchup import projection
from warclaw.matchup.rules import (
    Rules,
    ranking,
    region_of,
    rules,
    skirmish_at,
    skirmish_count,
    skirmish_end,
    skirmish_start,
)

TICK = timedelta(minutes=5)
COLORS = ("red", "blue", "green")


def _iso(t: datetime) -> str:
    return t.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def running_number(start: datetime, end: datetime, clock: datetime, listed: Sequence[int]) -> int:
    """The running skirmish: by the clock, or the API's newest entry if that is further on.

    The API's list can lag a skirmish behind (the new entry arrives ~15 min late), and our clock
    can lag the API's (a replayed week, data_time a few minutes old), so the later of the two.
    """
    return min(skirmish_count(start, end), max(skirmish_at(start, end, clock), max(listed, default=0)))


# Recent results by their inputs: the TUI asks every refresh, the data changes once per poll.
_MEMO: dict[tuple[object, ...], dict[str, object]] = {}
_MEMO_SIZE = 16
_MEMO_LOCK = threading.Lock()  # the TUI queries from worker threads


def outlook(
    match_id: str,
    start: datetime,
    end: datetime,
    clock: datetime,
    vp: Mapping[str, int],
    skirmishes: Sequence[tuple[int, Mapping[str, int]]],
    ppt: Mapping[str, int],
    table: Rules | None = None,
    samples: int = projection.SAMPLES,
    team_ids: Sequence[int] = (),
) -> dict[str, object]:
    """``skirmish``, ``next_peak`` and per team ``projection``, ``need`` and ``need_not_third`` (JSON-ready).

    ``clock`` is the match's "now" (the API's clock for a replayed week); ``vp`` the awarded
    victory points; ``skirmishes`` the API's ``(number, scores)``, the running one included.

    The clock matters only through the running skirmish's number and its 5-minute ticks left, so
    the result is a function of those and the data: it is kept for the next call with the same
    (the TUI refreshing without a new poll gets it back without recomputing; a fresh copy each time).
    """
    shipped = table is None or table is rules()
    table = table or rules()
    total = skirmish_count(start, end)
    ended = clock >= end
    number = total if ended else running_number(start, end, clock, [n for n, _ in skirmishes])
    ticks_left = 0 if ended else max(0, math.ceil((skirmish_end(start, end, number) - clock) / TICK))
    key = (match_id, start, end, number, ended, ticks_left, tuple(sorted(vp.items())),
           tuple((n, tuple(sorted(s.items()))) for n, s in skirmishes), tuple(sorted(ppt.items())),
           samples, tuple(team_ids))
    with _MEMO_LOCK:
        found = _MEMO.get(key) if shipped else None
    if found is None:
        found = _outlook(match_id, start, end, number, ended, ticks_left, vp, skirmishes, ppt, table, samples,
                         team_ids)
        if shipped:
            with _MEMO_LOCK:
                while len(_MEMO) >= _MEMO_SIZE:
                    _MEMO.pop(next(iter(_MEMO)))
                _MEMO[key] = found
    return copy.deepcopy(found)


def need_label(need: int | None, possible: bool) -> str:
    """A need as every screen and export shows it: ``win N``, ``in hand`` (0), ``help`` (not
    certain even winning every skirmish left, but reachable) or ``out`` (out of reach)."""
    if need is None:
        return "help" if possible else "out"
    return "in hand" if need == 0 else f"win {need}"


def clear_caches() -> None:
    """Forget every kept result (for benchmarks: the cost of a first call)."""
    with _MEMO_LOCK:
        _MEMO.clear()
    _needs.cache_clear()
    projection.clear_cache()


def _outlook(
    match_id: str, start: datetime, end: datetime, number: int, ended: bool, ticks_left: int,
    vp: Mapping[str, int], skirmishes: Sequence[tuple[int, Mapping[str, int]]], ppt: Mapping[str, int],
    table: Rules, samples: int, team_ids: Sequence[int],
) -> dict[str, object]:
    region = region_of(match_id, team_ids)
    total = skirmish_count(start, end)
    schedule = table.week_schedule(region, start, total)
    by_number = {n: s for n, s in skirmishes}
    finished = [(n, ranking(by_number[n])) for n in sorted(by_number) if n < number or ended]
    ends_at = skirmish_end(start, end, number)
    out: dict[str, object] = {
        "skirmish": {"number": number, "ends_at": _iso(ends_at), "vp": list(schedule[number - 1])},
        "skirmishes_total": total,
        "region": region,
        "rules_since": table.rule_for(start).since.isoformat(),
        "next_peak": _next_peak(schedule, start, number),
    }
    teams: dict[str, dict[str, object]] = {}
    vp = {c: int(vp.get(c, 0)) for c in COLORS}
    if ended:
        order = sorted(COLORS, key=lambda c: -vp[c])
        for c in COLORS:
            chances = [0.0, 0.0, 0.0]
            chances[order.index(c)] = 1.0
            teams[c] = {"projection": {"p10": vp[c], "p50": vp[c], "p90": vp[c], "place_chances": chances},
                        **_needs(c, tuple(vp.items()), (), number)}
        out["teams"] = teams
        return out
    vp = _with_late_awards(vp, schedule, finished)
    current = by_number.get(number)
    running = None
    if current is not None:
        running = projection.Running(scores=current, ppt=ppt, ticks_left=ticks_left)
    hours = [skirmish_start(start, n).astimezone(UTC).hour for n in range(1, total + 1)]
    scored = [(n, by_number[n]) for n, _ in finished]
    proj = projection.project(vp, schedule, scored, number, running, samples=samples,
                              seed=f"{match_id}:{_iso(start)}:{number}", hours=hours)
    remaining = tuple(schedule[number - 1:])
    for c in COLORS:
        teams[c] = {"projection": proj[c].as_json(), **_needs(c, tuple(vp.items()), remaining, number)}
    out["teams"] = teams
    return out


@lru_cache(maxsize=32)
def _needs(team: str, vp_items: tuple[tuple[str, int], ...], remaining: tuple[tuple[int, int, int], ...],
           number: int) -> dict[str, object]:
    """``need`` / ``need_not_third``: the fewest skirmish wins from the running one (``number``) on
    that make 1st / 1st-or-2nd certain (a tie on VP counts against the team), None if even winning
    all of them does not; ``*_skirmishes`` name them; ``first_possible`` / ``not_third_possible``:
    whether that place can still be reached at all (with help), so a None reads as "needs help"
    or "out of reach". Kept: they change only when VP are awarded."""
    vp = dict(vp_items)
    out: dict[str, object] = {}
    for key, found, place in (("need", need_mod.wins_needed(team, vp, remaining), 1),
                              ("need_not_third", need_mod.wins_needed_not_third(team, vp, remaining), 2)):
        out[key] = None if found is None else found[0]
        out[f"{key}_skirmishes"] = [] if found is None else [number + i for i in found[1]]
        out["first_possible" if place == 1 else "not_third_possible"] = (
            found is not None or need_mod.still_possible(team, vp, remaining, place))
    return out


def _with_late_awards(vp: dict[str, int], schedule: Sequence[tuple[int, int, int]],
                      finished: Sequence[tuple[int, tuple[str, ...]]]) -> dict[str, int]:
    """The awarded VP, plus those of finished skirmishes the API has not counted yet.

    Around a skirmish's end the API's victory points can lag its skirmish list: if the total is
    short by exactly the value of the newest finished skirmish(es), they are added by placement.
    """
    gap = sum(sum(schedule[n - 1]) for n, _ in finished) - sum(vp.values())
    late = []
    for n, order in reversed(finished):
        if gap <= 0 or sum(schedule[n - 1]) > gap:
            break
        late.append((n, order))
        gap -= sum(schedule[n - 1])
    if gap != 0 or not late:
        return vp
    out = dict(vp)
    for n, order in late:
        for color, points in zip(order, schedule[n - 1], strict=True):
            out[color] += points
    return out


def _next_peak(schedule: Sequence[tuple[int, int, int]], start: datetime, number: int) -> dict[str, object] | None:
    """The next skirmish after the running one in the week's most valuable band (None if flat)."""
    peak = max(schedule, key=lambda v: v[0])
    if peak == min(schedule, key=lambda v: v[0]):
        return None
    for n in range(number + 1, len(schedule) + 1):
        if schedule[n - 1] == peak:
            return {"number": n, "starts_at": _iso(skirmish_start(start, n)), "vp": list(peak)}
    return None
