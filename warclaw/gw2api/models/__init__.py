"""Pydantic models of every GW2 API endpoint Warclaw uses (see each module for its endpoints)."""

from warclaw.gw2api.models.account import Account, AccountWvw, AccountWvwInfo, TokenInfo
from warclaw.gw2api.models.base import ApiModel, TeamIdLists, TeamInts, describe_error, parse
from warclaw.gw2api.models.characters import (
    BuildPets,
    BuildSkills,
    BuildSpecialization,
    BuildTab,
    Character,
    CharacterBuild,
    CharacterCore,
)
from warclaw.gw2api.models.game import GameBuild, Legend, Pet, Profession, Specialization, World
from warclaw.gw2api.models.guild import Guild, GuildEmblem, GuildMember
from warclaw.gw2api.models.wvw import (
    COLORS,
    Ability,
    MapBonus,
    Match,
    MatchMap,
    MatchObjective,
    MatchOverview,
    MatchScores,
    MatchStats,
    Objective,
    Rank,
    Skirmish,
    Upgrade,
    WvwGuildTeams,
    WvwTimer,
)

__all__ = [
    "COLORS", "Ability", "Legend", "Pet", "Account", "AccountWvw", "AccountWvwInfo", "ApiModel", "BuildPets", "BuildSkills",
    "BuildSpecialization", "BuildTab", "Character", "CharacterBuild", "CharacterCore", "GameBuild",
    "Guild", "GuildEmblem", "GuildMember", "MapBonus", "Match", "MatchMap", "MatchObjective",
    "MatchOverview", "MatchScores", "MatchStats", "Objective", "Profession", "Rank", "Skirmish",
    "Specialization", "TeamIdLists", "TeamInts", "TokenInfo", "Upgrade", "World", "WvwGuildTeams",
    "WvwTimer", "describe_error", "parse",
]
