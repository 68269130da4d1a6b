"""Guild Wars 2 build template chat links: decode, encode, name, match to the catalog.

A pure module: no network, no database; the only I/O is reading its own package data
(palette and legend tables), lazily, on the first name lookup.
"""

from warclaw.chatcode.build_link import (
    BuildTemplate,
    RangerPets,
    RevenantLegends,
    SpecializationChoice,
    build_bytes,
    decode_build,
    encode_build,
    legends_block,
    pets_block,
)
from warclaw.chatcode.errors import ChatCodeError
from warclaw.chatcode.match import match_build
from warclaw.chatcode.palettes import (
    legend,
    palette_skill,
    profession_name,
    skill_name,
    slot_skill_names,
    slot_skills,
    weapon_name,
)

__all__ = [
    "BuildTemplate", "ChatCodeError", "RangerPets", "RevenantLegends", "SpecializationChoice",
    "build_bytes", "decode_build", "encode_build", "legend", "legends_block", "match_build",
    "palette_skill", "pets_block", "profession_name", "skill_name", "slot_skill_names", "slot_skills",
    "weapon_name",
]
