"""What a commander decides on, from a match's state: the running skirmish's worth, the next peak,
each team's projected final VP with odds, and the wins it needs for 1st and to stay out of 3rd.

One function for ``warclaw matchup --json`` and the TUI's Matchup screen, so both show the same.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta

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
    """
    table = table or rules()
    region = region_of(match_id, team_ids)
    total = skirmish_count(start, end)
    schedule = table.week_schedule(region, start, total)
    by_number = {n: s for n, s in skirmishes}
    ended = clock >= end
    number = total if ended else running_number(start, end, clock, list(by_number))
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
                        **_needs(c, vp, [], number)}
        out["teams"] = teams
        return out
    vp = _with_late_awards(vp, schedule, finished)
    current = by_number.get(number)
    running = None
    if current is not None:
        ticks_left = max(0, math.ceil((ends_at - clock) / TICK))
        running = projection.Running(scores=current, ppt=ppt, ticks_left=ticks_left)
    hours = [skirmish_start(start, n).astimezone(UTC).hour for n in range(1, total + 1)]
    proj = projection.project(vp, schedule, finished, number, running, samples=samples,
                              seed=f"{match_id}:{_iso(start)}:{number}", hours=hours)
    remaining = schedule[number - 1:]
    for c in COLORS:
        teams[c] = {"projection": proj[c].as_json(), **_needs(c, vp, remaining, number)}
    out["teams"] = teams
    return out


def _needs(team: str, vp: Mapping[str, int], remaining: Sequence[tuple[int, int, int]], number: int) -> dict[str, object]:
    """``need`` / ``need_not_third``: the fewest skirmish wins from the running one (``number``) on
    that make 1st / 1st-or-2nd certain (a tie on VP counts against the team), None if out of
    reach; ``*_skirmishes`` name them."""
    out: dict[str, object] = {}
    for key, found in (("need", need_mod.wins_needed(team, vp, remaining)),
                       ("need_not_third", need_mod.wins_needed_not_third(team, vp, remaining))):
        out[key] = None if found is None else found[0]
        out[f"{key}_skirmishes"] = [] if found is None else [number + i for i in found[1]]
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
