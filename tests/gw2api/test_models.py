"""Every recorded response parses into its model; failures name the file and the field."""

from __future__ import annotations

import fnmatch
from typing import Any

import pytest

from warclaw.gw2api import BadResponseError
from warclaw.gw2api import models as m
from warclaw.gw2api.fake import recorded
from warclaw.gw2api.models import parse

# Recorded file (glob) -> the type its body is. ``*.examples.json`` are arrays of example bodies.
MODELS: list[tuple[str, Any]] = [
    ("wvw/matches/*.single.json", m.Match),
    ("wvw/matches/*.bulk.json", list[m.Match]),
    ("wvw/matches*/*.ids.json", list[str]),
    ("wvw/matches_overview/*.single.json", m.MatchOverview),
    ("wvw/matches_overview/*.bulk.json", list[m.MatchOverview]),
    ("wvw/matches_overview/*.examples.json", list[m.MatchOverview]),
    ("wvw/matches_scores/*.single.json", m.MatchScores),
    ("wvw/matches_scores/*.bulk.json", list[m.MatchScores]),
    ("wvw/matches_scores/*.examples.json", list[m.MatchScores]),
    ("wvw/matches_stats/*.single.json", m.MatchStats),
    ("wvw/matches_stats/*.bulk.json", list[m.MatchStats]),
    ("wvw/matches_stats/*.examples.json", list[m.MatchStats]),
    ("wvw/objectives/*.single.json", m.Objective),
    ("wvw/objectives/*.bulk.json", list[m.Objective]),
    ("wvw/objectives/*.examples.json", list[m.Objective]),
    ("wvw/objectives/*.ids.json", list[str]),
    ("wvw/upgrades/*.single.json", m.Upgrade),
    ("wvw/upgrades/*.bulk.json", list[m.Upgrade]),
    ("wvw/upgrades/*.examples.json", list[m.Upgrade]),
    ("wvw/upgrades/*.ids.json", list[int]),
    ("wvw/ranks/*.single.json", m.Rank),
    ("wvw/ranks/*.bulk.json", list[m.Rank]),
    ("wvw/ranks/*.examples.json", list[m.Rank]),
    ("wvw/ranks/*.ids.json", list[int]),
    ("wvw/timers/*.examples.json", list[m.WvwTimer]),
    ("wvw/nusphere_wvw_root.json", list[str]),
    ("worlds/*.single.json", m.World),
    ("worlds/nusphere_world_*.json", m.World),
    ("worlds/*.bulk.json", list[m.World]),
    ("worlds/*.examples.json", list[m.World]),
    ("worlds/*.ids.json", list[int]),
    ("account/apigen_account_wvw.examples.json", list[m.AccountWvw]),
    ("account/apigen_account_schema-*.examples.json", list[m.Account]),
    ("account/gw2sharp_account.*.json", m.Account),
    ("account/nusphere_account.json", m.Account),
    ("tokeninfo/*tokeninfo*.examples.json", list[m.TokenInfo]),
    ("tokeninfo/gw2sharp_tokeninfo_*.json", m.TokenInfo),
    ("guild/gw2sharp_guild_id.*.json", m.Guild),
    ("guild/apigen_guild.examples.json", list[m.Guild]),
    ("guild/gw2sharp_guild_members.json", list[m.GuildMember]),
    ("guild/apigen_guild_members.examples.json", list[m.GuildMember]),
    ("characters/gw2sharp_character_core.json", m.CharacterCore),
    ("characters/apigen_character_core_*.examples.json", list[m.CharacterCore]),
    ("characters/gw2sharp_character_buildtabs.single.json", m.BuildTab),
    ("characters/gw2sharp_character_buildtabs.bulk.json", list[m.BuildTab]),
    ("characters/gw2sharp_character_buildtabs.ids.json", list[int]),
    ("characters/apigen_character_buildtab.examples.json", list[m.BuildTab]),
    ("characters/gw2sharp_character.single.json", m.Character),
    ("characters/gw2sharp_characters.bulk.json", list[m.Character]),
    ("characters/gw2sharp_characters.ids.json", list[str]),
    ("characters/apigen_character_schema-*.examples.json", list[m.Character]),
    ("professions/*.single.json", m.Profession),
    ("professions/*.bulk.json", list[m.Profession]),
    ("professions/*.examples.json", list[m.Profession]),
    ("professions/*.ids.json", list[str]),
    ("specializations/*.single.json", m.Specialization),
    ("specializations/*.bulk.json", list[m.Specialization]),
    ("specializations/*.examples.json", list[m.Specialization]),
    ("specializations/*.ids.json", list[int]),
    ("legends/*.single.json", m.Legend),
    ("legends/*.bulk.json", list[m.Legend]),
    ("legends/*.examples.json", list[m.Legend]),
    ("legends/*.ids.json", list[str]),
    ("pets/*.single.json", m.Pet),
    ("pets/*.bulk.json", list[m.Pet]),
    ("pets/*.examples.json", list[m.Pet]),
    ("pets/*.ids.json", list[int]),
    ("wvw/abilities/*.single.json", m.Ability),
    ("wvw/abilities/*.bulk.json", list[m.Ability]),
    ("wvw/abilities/*.examples.json", list[m.Ability]),
    ("wvw/abilities/*.ids.json", list[int]),
    ("build/gw2sharp_build.json", m.GameBuild),
    ("build/apigen_build.examples.json", list[m.GameBuild]),
]
# Recorded files that are not bodies of an endpoint Warclaw models (with the reason).
NOT_MODELLED = {
    "characters/apigen_character_skills.examples.json": "removed with schema 2019-12-19 (use buildtabs)",
    "characters/apigen_character_specializations.examples.json": "removed with schema 2019-12-19",
    "characters/gw2sharp_character_skills.json": "removed with schema 2019-12-19",
    "characters/gw2sharp_character_specializations.json": "removed with schema 2019-12-19",
    "guild/apigen_guild_ranks.examples.json": "guild ranks are not used",
    "tokeninfo/apigen_createsubtoken.examples.json": "subtokens are not created by Warclaw",
    "tokeninfo/gw2sharp_createsubtoken.json": "subtokens are not created by Warclaw",
    "headers/captured_headers.json": "headers, not a body",
}


def model_for(path: str) -> Any:
    return next((tp for pattern, tp in MODELS if fnmatch.fnmatchcase(path, pattern)), None)


FILES = [f for f in recorded.all_files() if not f.startswith("errors/") and f not in NOT_MODELLED]


def test_every_recorded_file_has_a_model() -> None:
    unmapped = [f for f in FILES if model_for(f) is None]
    assert unmapped == []


@pytest.mark.parametrize("path", FILES)
def test_recorded_file_parses(path: str) -> None:
    parsed = parse(model_for(path), recorded.load(path), path)
    assert parsed is not None
    if isinstance(parsed, list):
        assert parsed, f"{path} parsed to an empty list"


def test_error_bodies_have_text_or_error() -> None:
    for path in (f for f in recorded.all_files() if f.startswith("errors/text_")):
        assert isinstance(recorded.load(path)["text"], str)
    assert recorded.load("errors/error_not_found_2025.json") == {"error": "not found"}


def test_parse_failure_names_file_and_field() -> None:
    body = recorded.load("wvw/matches/tyria_2025-04-18_match_2-1.single.json")
    del body["maps"][2]["objectives"][5]["owner"]
    with pytest.raises(BadResponseError) as err:
        parse(m.Match, body, "wvw/matches/tyria_2025-04-18_match_2-1.single.json")
    assert str(err.value).startswith("wvw/matches/tyria_2025-04-18_match_2-1.single.json: field maps.2.objectives.5.owner:")


def test_strict_where_it_matters() -> None:
    body = recorded.load("wvw/matches_stats/gw2sharp_2020-12_stats_2-1.single.json")
    body["kills"]["red"] = "33975"
    with pytest.raises(BadResponseError, match=r"field kills\.red"):
        parse(m.MatchStats, body, "stats")


def test_tolerant_of_new_fields_and_enum_values() -> None:
    body = recorded.load("wvw/matches/tyria_2025-04-18_match_2-1.single.json")
    body["maps"][0]["objectives"][0]["owner"] = "Purple"
    body["maps"][0]["type"] = "DesertHome"
    body["brand_new"] = {"x": 1}
    match = parse(m.Match, body, "x")
    assert match.maps[0].objectives[0].owner == "Purple"
    assert match.model_extra == {"brand_new": {"x": 1}}


def test_post_2024_team_ids_and_names() -> None:
    match = parse(m.Match, recorded.load("wvw/matches/tyria_2025-04-18_match_2-1.single.json"), "x")
    assert match.team_ids() == {"red": 12014, "blue": 12006, "green": 12007}
    assert match.color_of(12006) == "blue" and match.color_of(2202) == "blue"
    old = parse(m.Match, recorded.load("wvw/matches/gw2sharp_2020-12_match_2-1.single.json"), "x")
    assert old.team_ids() == {"red": None, "blue": None, "green": None}


def test_team_table() -> None:
    from warclaw.gw2api.teams import all_teams, team_label, team_name, team_region

    assert team_name(12008) == "Frost Citadel" and team_name(11001) == "Moogooloo"
    assert len(all_teams("na")) == 12 and len(all_teams("eu")) == 15
    assert team_region(12016) == "eu" and team_name(12016) is None and team_label(12016) == "Team 12016"


def test_account_team_and_timer_shapes() -> None:
    acc = parse(list[m.Account], recorded.load("account/apigen_account_schema-2024-07-20.examples.json"), "x")[0]
    assert acc.team_id == 12008
    classic = parse(m.Account, recorded.load("account/nusphere_account.json"), "x")
    assert classic.team_id is None and classic.wvw_rank == 514
    # The wiki documents the lockout body as an array holding one object; accept both forms.
    one = recorded.example("wvw/timers/apigen_timers.examples.json")
    assert parse(m.WvwTimer, [one], "x") == parse(m.WvwTimer, one, "x")


def test_guild_team_map_values_are_strings() -> None:
    teams = parse(m.WvwGuildTeams, {"ABC": "12008", "DEF": "garbage"}, "x")
    assert teams.team_of("ABC") == 12008 and teams.team_of("DEF") is None and teams.team_of("nope") is None
