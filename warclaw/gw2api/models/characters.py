"""/v2/characters, /v2/characters/:id/core and /buildtabs."""

from __future__ import annotations

from datetime import datetime

from pydantic import StrictBool, StrictInt, StrictStr

from warclaw.gw2api.models.base import ApiModel


class BuildSpecialization(ApiModel):
    id: StrictInt | None = None
    traits: list[StrictInt | None] = []


class BuildSkills(ApiModel):
    heal: StrictInt | None = None
    utilities: list[StrictInt | None] = []
    elite: StrictInt | None = None


class BuildPets(ApiModel):
    terrestrial: list[StrictInt | None] = []
    aquatic: list[StrictInt | None] = []


class CharacterBuild(ApiModel):
    name: str = ""
    profession: str
    specializations: list[BuildSpecialization | None]  # an empty line slot is null
    skills: BuildSkills
    aquatic_skills: BuildSkills | None = None
    legends: list[str | None] | None = None
    aquatic_legends: list[str | None] | None = None
    pets: BuildPets | None = None


class BuildTab(ApiModel):
    tab: StrictInt
    is_active: StrictBool
    build: CharacterBuild


class CharacterCore(ApiModel):
    name: StrictStr
    race: str
    gender: str
    profession: str
    level: StrictInt
    guild: str | None = None
    age: StrictInt
    created: datetime
    last_modified: datetime | None = None
    deaths: StrictInt
    title: StrictInt | None = None


class Character(CharacterCore):
    """A full /v2/characters/:id record; only the parts Warclaw uses are typed, the rest stays in extras."""

    build_tabs_unlocked: StrictInt | None = None
    active_build_tab: StrictInt | None = None
    build_tabs: list[BuildTab] | None = None
