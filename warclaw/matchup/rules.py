"""Victory points by region and time of day, tiers by points per tick, and the skirmish clock.

The numbers live in ``warclaw/data/wvw_rules.toml`` (dated, so that a rule change is a data edit);
this module reads and checks them, and answers "what is skirmish *n* of this week worth".
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import cache
from importlib import resources

SKIRMISH = timedelta(hours=2)
REGIONS = ("eu", "na")
RULES_FILE = "wvw_rules.toml"
# Match ids are region-tier ("2-1"); team ids 11xxx/12xxx and legacy worlds 1xxx/2xxx.
_REGION_DIGIT = {"1": "na", "2": "eu"}

VP = tuple[int, int, int]  # victory points for 1st, 2nd, 3rd


class RulesError(ValueError):
    """A rules file that cannot be used; the message is one line naming the file and field."""


@dataclass(frozen=True)
class VpRule:
    since: date
    source: str
    # region -> rows (from_hour, to_hour, (first, second, third)), covering 0..24 in order
    hours: Mapping[str, tuple[tuple[int, int, VP], ...]]

    def at_hour(self, region: str, hour: int) -> VP:
        for lo, hi, vp in self.hours[region]:
            if lo <= hour < hi:
                return vp
        raise AssertionError("rows cover 0..24")  # checked when loaded


@dataclass(frozen=True)
class Rules:
    victory_points: tuple[VpRule, ...]  # oldest first
    tier_points_tick: Mapping[str, tuple[int, ...]]

    def rule_for(self, week_start: datetime) -> VpRule:
        """The rule set in force when the week started (a week keeps its rules to the end)."""
        day = week_start.astimezone(UTC).date()
        found = self.victory_points[0]
        for rule in self.victory_points:
            if rule.since <= day:
                found = rule
        return found

    def skirmish_vp(self, region: str | None, week_start: datetime, number: int) -> VP:
        """Victory points for 1st/2nd/3rd of skirmish ``number`` (1-based) of the week."""
        rule = self.rule_for(week_start)
        hour = skirmish_start(week_start, number).astimezone(UTC).hour
        return rule.at_hour(region if region in rule.hours else "eu", hour)

    def week_schedule(self, region: str | None, week_start: datetime, count: int) -> list[VP]:
        """The victory points of skirmishes 1..count."""
        return [self.skirmish_vp(region, week_start, n) for n in range(1, count + 1)]

    def tier(self, objective_type: str, points_tick: int | None) -> int | None:
        """The upgrade tier given by ``points_tick``; None where the table does not know it."""
        ticks = self.tier_points_tick.get(objective_type)
        if not ticks or points_tick is None or points_tick not in ticks:
            return None
        return ticks.index(points_tick)


def _fail(name: str, field: str, expected: str) -> RulesError:
    return RulesError(f"{name}: {field}: expected {expected}")


def _int(value: object) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def parse_rules(text: str, name: str = RULES_FILE) -> Rules:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise RulesError(f"{name}: not valid TOML: {exc}") from None
    entries = doc.get("victory_points")
    if not isinstance(entries, list) or not entries:
        raise _fail(name, "victory_points", "a list of [[victory_points]] tables")
    vp_rules = []
    for i, entry in enumerate(entries):
        where = f"victory_points[{i}]"
        since = entry.get("since")
        if isinstance(since, datetime):
            since = since.date()
        if not isinstance(since, date):
            raise _fail(name, f"{where}.since", "a date such as 2025-03-28")
        hours: dict[str, tuple[tuple[int, int, VP], ...]] = {}
        for region in REGIONS:
            rows = entry.get(region)
            if not isinstance(rows, list) or not rows:
                raise _fail(name, f"{where}.{region}", "rows [from_hour, to_hour, first, second, third]")
            parsed, hour = [], 0
            for j, row in enumerate(rows):
                if not (isinstance(row, list) and len(row) == 5 and all(_int(v) for v in row)):
                    raise _fail(name, f"{where}.{region}[{j}]", "5 integers [from_hour, to_hour, first, second, third]")
                lo, hi, first, second, third = row
                if lo != hour or not lo < hi <= 24:
                    raise _fail(name, f"{where}.{region}[{j}]", f"hours from {hour} (rows in order, no gaps, up to 24)")
                if not first >= second >= third >= 0:
                    raise _fail(name, f"{where}.{region}[{j}]", "first >= second >= third >= 0")
                parsed.append((lo, hi, (first, second, third)))
                hour = hi
            if hour != 24:
                raise _fail(name, f"{where}.{region}", "rows up to hour 24")
            hours[region] = tuple(parsed)
        vp_rules.append(VpRule(since=since, source=str(entry.get("source", "")), hours=hours))
    if [r.since for r in vp_rules] != sorted(r.since for r in vp_rules):
        raise _fail(name, "victory_points", "entries ordered by `since`")
    ticks = doc.get("tier_points_tick")
    if not isinstance(ticks, dict):
        raise _fail(name, "tier_points_tick", "a table of objective type = [tier 0, 1, 2, 3 points]")
    tier_ticks = {}
    for otype, values in ticks.items():
        if not (isinstance(values, list) and values and all(_int(v) for v in values) and values == sorted(set(values))):
            raise _fail(name, f"tier_points_tick.{otype}", "increasing integers, one per tier")
        tier_ticks[otype] = tuple(values)
    return Rules(victory_points=tuple(vp_rules), tier_points_tick=tier_ticks)


@cache
def rules() -> Rules:
    """The shipped rules (read once)."""
    text = resources.files("warclaw.data").joinpath(RULES_FILE).read_text("utf-8")
    return parse_rules(text, f"warclaw/data/{RULES_FILE}")


# --- the skirmish clock -------------------------------------------------------------------------


def has_tiers(objective_type: str) -> bool:
    """Camps, towers, keeps and castles: the types with upgrade tiers in the shipped table, and so
    with a lord (righteous indignation after a capture) and points per tick at every tier; Ruins,
    Mercenary camps and spawns have none of these."""
    return objective_type in rules().tier_points_tick


def skirmish_count(start: datetime, end: datetime) -> int:
    """Skirmishes in a week: ``end_time`` is start + 7 d - 2 min, so 84 (the last one 2 min short)."""
    return max(1, round((end - start) / SKIRMISH))


def skirmish_start(start: datetime, number: int) -> datetime:
    return start + (number - 1) * SKIRMISH


def skirmish_end(start: datetime, end: datetime, number: int) -> datetime:
    """When skirmish ``number`` ends; the last one ends with the match at ``end_time``."""
    return min(start + number * SKIRMISH, end)


def skirmish_at(start: datetime, end: datetime, now: datetime) -> int:
    """The number of the skirmish running at ``now`` by the clock (clamped to 1..count)."""
    count = skirmish_count(start, end)
    return min(count, max(1, int((now - start) / SKIRMISH) + 1))


def region_of(match_id: str | None, team_ids: Iterable[int] = ()) -> str | None:
    """``eu`` or ``na`` from the match id ("2-1"), else from a team or world id; None if neither tells."""
    if match_id and match_id.split("-", 1)[0] in _REGION_DIGIT:
        return _REGION_DIGIT[match_id.split("-", 1)[0]]
    for tid in team_ids:
        text = str(tid)
        if len(text) >= 4 and text[-4] in _REGION_DIGIT:
            return _REGION_DIGIT[text[-4]]
    return None


def ranking(scores: Mapping[str, int], colors: Sequence[str] = ("red", "blue", "green")) -> tuple[str, ...]:
    """Teams from 1st to 3rd by score. Ties (none in the recordings) keep the order of ``colors``."""
    return tuple(sorted(colors, key=lambda c: -scores.get(c, 0)))


def week_vp(
    region: str | None, week_start: datetime, finished: Iterable[tuple[int, Mapping[str, int]]],
    table: Rules | None = None,
) -> dict[str, int]:
    """Victory points of a week from its finished skirmishes ``(number, scores)``."""
    table = table or rules()
    out = {"red": 0, "blue": 0, "green": 0}
    for number, scores in finished:
        vp = table.skirmish_vp(region, week_start, number)
        for color, points in zip(ranking(scores), vp, strict=True):
            out[color] += points
    return out
