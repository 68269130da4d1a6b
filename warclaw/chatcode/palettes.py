"""Names for the ids in a build link, from the package's own data (no network, no database).

Build links hold skill *palette* ids, which only mean something per profession
(``/v2/professions`` ``skills_by_palette``); revenant slots are further resolved through the
active legend. The tables are read lazily, once, from ``warclaw/chatcode/data``.
"""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from functools import cache
from importlib import resources

from warclaw.chatcode.build_link import REVENANT, BuildTemplate

PROFESSIONS = {1: "Guardian", 2: "Warrior", 3: "Engineer", 4: "Ranger", 5: "Thief",
               6: "Elementalist", 7: "Mesmer", 8: "Necromancer", 9: "Revenant"}

# GW2ChatLinks Weapon.kt (via the API notes); the 2024 land spear is not in that list.
WEAPONS = {0x05: "Axe", 0x23: "Longbow", 0x2F: "Dagger", 0x31: "Focus", 0x32: "Greatsword",
           0x33: "Hammer", 0x35: "Mace", 0x36: "Pistol", 0x55: "Rifle", 0x56: "Scepter",
           0x57: "Shield", 0x59: "Staff", 0x5A: "Sword", 0x66: "Torch", 0x67: "Warhorn",
           0x6B: "Short bow"}

# /v2/legends once numbered legend bytes from 13 (Legend1 = 13, Gw2Sharp's recorded responses),
# and one published test code uses that numbering; the game now writes 1.. .
_OLD_LEGEND_OFFSET = 12

SLOT_NAMES = ("heal", "utility 1", "utility 2", "utility 3", "elite")


@dataclass(frozen=True)
class Legend:
    code: int
    name: str
    heal: int | None
    elite: int | None
    utilities: tuple[int, ...]


def _data_text(name: str) -> str:
    return resources.files("warclaw.chatcode.data").joinpath(name).read_text(encoding="ascii")


@cache
def _palette(profession: int) -> dict[int, int]:
    name = PROFESSIONS.get(profession)
    if name is None:
        return {}
    rows = csv.reader(io.StringIO(_data_text(f"palette_{name}.csv")), delimiter=";")
    next(rows)
    return {int(p): int(s) for p, s in rows}


@cache
def _skills() -> dict[int, tuple[int, str]]:
    """skill id -> (palette id, name)."""
    rows = csv.reader(io.StringIO(_data_text("skill-ids.csv")), delimiter=";")
    next(rows)
    out = {}
    for skill, palette, name in rows:
        # The source quotes shouted names ("Stand Your Ground!") several times over.
        bare = name.strip('"')
        out[int(skill)] = (int(palette), f'"{bare}"' if name.startswith('"') else bare)
    return out


@cache
def _legends() -> dict[int, Legend]:
    raw = json.loads(_data_text("legends.json"))["legends"]
    return {d["code"]: Legend(d["code"], d["name"], d["heal"], d["elite"], tuple(d["utilities"])) for d in raw}


def profession_name(code: int) -> str | None:
    return PROFESSIONS.get(code)


def weapon_name(palette_id: int) -> str | None:
    return WEAPONS.get(palette_id)


def legend(code: int) -> Legend | None:
    legends = _legends()
    if code in legends:
        return legends[code]
    old = code - _OLD_LEGEND_OFFSET
    return legends.get(old) if 1 <= old <= 6 else None


def skill_name(skill_id: int) -> str | None:
    entry = _skills().get(skill_id)
    return entry[1] if entry else None


def palette_skill(profession: int, palette_id: int) -> int | None:
    """The /v2/skills id in a palette slot (for revenants: the slot's placeholder skill)."""
    return _palette(profession).get(palette_id) if palette_id else None


def _legend_skill(legend_code: int, palette_id: int) -> int | None:
    found = legend(legend_code)
    if found is None or not palette_id:
        return None
    skills = _skills()
    for sid in (found.heal, found.elite, *found.utilities):
        if sid is not None and sid in skills and skills[sid][0] == palette_id:
            return sid
    return None


def slot_skills(template: BuildTemplate, aquatic: bool = False) -> list[int | None]:
    """/v2/skills ids of heal, utilities, elite (None for an empty or unknown slot)."""
    palette_ids = template.aquatic if aquatic else template.terrestrial
    legends = template.legends
    if template.profession == REVENANT and legends is not None:
        active = (legends.aquatic if aquatic else legends.terrestrial)[0]
        return [_legend_skill(active, p) for p in palette_ids]
    return [palette_skill(template.profession, p) for p in palette_ids]


def slot_skill_names(template: BuildTemplate, aquatic: bool = False) -> list[str | None]:
    return [skill_name(s) if s else None for s in slot_skills(template, aquatic)]
