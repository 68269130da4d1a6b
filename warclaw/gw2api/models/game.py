"""Game-wide static data: /v2/build, /v2/worlds, /v2/professions, /v2/specializations."""

from __future__ import annotations

from pydantic import StrictBool, StrictInt, StrictStr

from warclaw.gw2api.models.base import ApiModel


class GameBuild(ApiModel):
    id: StrictInt


class World(ApiModel):
    id: StrictInt
    name: str
    population: str  # Low/Medium/High/VeryHigh/Full, and whatever comes next


class ProfessionSkill(ApiModel):
    id: StrictInt
    slot: str
    type: str | None = None


class ProfessionWeapon(ApiModel):
    specialization: StrictInt | None = None
    flags: list[str] = []
    skills: list[ProfessionSkill] = []


class TrainingStep(ApiModel):
    cost: StrictInt
    type: str
    skill_id: StrictInt | None = None
    trait_id: StrictInt | None = None


class Training(ApiModel):
    id: StrictInt
    category: str
    name: str
    track: list[TrainingStep]


class Profession(ApiModel):
    id: StrictStr
    name: str
    code: StrictInt | None = None  # chat-link palette code, schema >= 2019-12-19
    icon: str
    icon_big: str
    specializations: list[StrictInt]
    weapons: dict[str, ProfessionWeapon] = {}
    flags: list[str] = []
    skills: list[ProfessionSkill] = []
    training: list[Training] = []
    skills_by_palette: list[tuple[StrictInt, StrictInt]] | None = None

    def palette(self) -> dict[int, int]:
        """Palette id -> skill id, as used by build chat links."""
        return dict(self.skills_by_palette or [])


class Specialization(ApiModel):
    id: StrictInt
    name: str
    profession: str
    elite: StrictBool
    minor_traits: list[StrictInt]
    major_traits: list[StrictInt]
    weapon_trait: StrictInt | None = None
    icon: str = ""
    background: str = ""
    profession_icon: str | None = None
    profession_icon_big: str | None = None


class Legend(ApiModel):
    """/v2/legends: a Revenant legend; ``code`` is its byte in build chat links (schema >= 2019-12-19)."""

    id: StrictStr
    code: StrictInt | None = None
    swap: StrictInt
    heal: StrictInt
    elite: StrictInt
    utilities: list[StrictInt]


class PetSkill(ApiModel):
    id: StrictInt


class Pet(ApiModel):
    """/v2/pets: Ranger pets (their ids appear in build chat links)."""

    id: StrictInt
    name: str
    description: str = ""
    icon: str = ""
    skills: list[PetSkill] = []
