"""World-vs-World models: matches (+ overview/scores/stats), objectives, upgrades, ranks, guilds, timers."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import RootModel, StrictInt, StrictStr, model_validator

from warclaw.gw2api.models.base import ApiModel, TeamIdLists, TeamInts
from warclaw.gw2api.teams import is_team_id

COLORS = ("red", "blue", "green")


class MapBonus(ApiModel):
    type: str
    owner: str


class MatchObjective(ApiModel):
    id: StrictStr
    type: str
    owner: str
    last_flipped: datetime | None = None
    points_tick: StrictInt
    points_capture: StrictInt
    # Spawn/Ruins/Mercenary omit these keys entirely (API_NOTES §7).
    claimed_by: str | None = None
    claimed_at: datetime | None = None
    yaks_delivered: StrictInt | None = None
    guild_upgrades: list[StrictInt] = []


class MatchMap(ApiModel):
    id: StrictInt
    type: str
    scores: TeamInts
    bonuses: list[MapBonus] = []
    objectives: list[MatchObjective]
    deaths: TeamInts
    kills: TeamInts


class SkirmishMapScore(ApiModel):
    type: str
    scores: TeamInts


class Skirmish(ApiModel):
    id: StrictInt
    scores: TeamInts
    map_scores: list[SkirmishMapScore]


class _Teams(ApiModel):
    worlds: TeamInts
    all_worlds: TeamIdLists

    def team_id(self, color: str) -> int | None:
        """The post-2024 team id (11xxx/12xxx) of a colour, or None for a pre-restructuring match."""
        return next((w for w in self.all_worlds.by_color(color) if is_team_id(w)), None)

    def team_ids(self) -> dict[str, int | None]:
        return {c: self.team_id(c) for c in COLORS}

    def color_of(self, world_or_team: int) -> str | None:
        for c in COLORS:
            if world_or_team == self.worlds.by_color(c) or world_or_team in self.all_worlds.by_color(c):
                return c
        return None


class Match(_Teams):
    id: StrictStr
    start_time: datetime
    end_time: datetime
    scores: TeamInts
    deaths: TeamInts
    kills: TeamInts
    victory_points: TeamInts | None = None
    skirmishes: list[Skirmish] = []
    maps: list[MatchMap]


class MatchOverview(_Teams):
    id: StrictStr
    start_time: datetime
    end_time: datetime


class MapScores(ApiModel):
    id: StrictInt
    type: str
    scores: TeamInts


class MatchScores(ApiModel):
    id: StrictStr
    scores: TeamInts
    victory_points: TeamInts | None = None
    skirmishes: list[Skirmish] = []
    maps: list[MapScores]


class MapStats(ApiModel):
    id: StrictInt
    type: str
    deaths: TeamInts
    kills: TeamInts


class MatchStats(ApiModel):
    id: StrictStr
    deaths: TeamInts
    kills: TeamInts
    maps: list[MapStats]


class Objective(ApiModel):
    """Static objective data from /v2/wvw/objectives (optional fields are missing for some types)."""

    id: StrictStr
    name: str
    sector_id: StrictInt
    type: str
    map_type: str
    map_id: StrictInt
    upgrade_id: StrictInt | None = None
    coord: list[float] | None = None
    label_coord: list[float] | None = None
    marker: str | None = None
    chat_link: str | None = None


class UpgradeEffect(ApiModel):
    name: str
    description: str = ""
    icon: str = ""


class UpgradeTier(ApiModel):
    name: str
    yaks_required: StrictInt
    upgrades: list[UpgradeEffect]


class Upgrade(ApiModel):
    id: StrictInt
    tiers: list[UpgradeTier]


class Rank(ApiModel):
    id: StrictInt
    title: str
    min_rank: StrictInt


class WvwTimer(ApiModel):
    """/v2/wvw/timers/lockout and /teamAssignment: one instant per region."""

    na: datetime
    eu: datetime

    @model_validator(mode="before")
    @classmethod
    def _unwrap(cls, data: Any) -> Any:
        # The wiki documents an array holding one object; the example and api-generator a bare object.
        if isinstance(data, list) and len(data) == 1:
            return data[0]
        return data


class WvwGuildTeams(RootModel[dict[str, str]]):
    """/v2/wvw/guilds/{na,eu}: guild id -> team id, sent as a *string*."""

    def team_of(self, guild_id: str) -> int | None:
        raw = self.root.get(guild_id) or self.root.get(guild_id.upper())
        return int(raw) if raw and raw.isdigit() else None


class AbilityRank(ApiModel):
    cost: StrictInt
    effect: str


class Ability(ApiModel):
    """/v2/wvw/abilities: WvW mastery lines."""

    id: StrictInt
    name: str
    description: str = ""
    icon: str = ""
    ranks: list[AbilityRank]
