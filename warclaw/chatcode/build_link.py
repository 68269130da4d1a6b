"""The build template chat link (type 0x0D): bytes <-> :class:`BuildTemplate`.

Layout (all integers little-endian), per the team's API notes section 10:

    0      type 0x0D
    1      profession code (1 Guardian .. 9 Revenant)
    2..7   3 x (specialization id u8, trait byte: 2 bits each adept/master/grandmaster)
    8..27  10 x u16 skill palette ids, terrestrial and aquatic interleaved per slot
    28..43 profession block: ranger pets, revenant legends, else zeros
    44     weapons: count u8 + count x u16 palette ids          (absent before mid-2023)
    ..     skill variants: count u8 + count x u32 skill ids     (absent before mid-2023)
"""

from __future__ import annotations

import base64
import binascii
import struct
from dataclasses import dataclass

from warclaw.chatcode.errors import ChatCodeError

BUILD_LINK_TYPE = 0x0D
LEGACY_SIZE = 44  # codes written before the 2023 weapon/variant arrays end here
PROFESSION_CODES = range(1, 10)
RANGER, REVENANT = 4, 9

_HEAD = struct.Struct("<BB" + "BB" * 3 + "H" * 10 + "16s")
assert _HEAD.size == LEGACY_SIZE

# Other link types, so a pasted item or map link gets a message that says what it is.
_OTHER_LINK_TYPES = {
    0x01: "coin", 0x02: "item", 0x03: "NPC text", 0x04: "map", 0x05: "PvP game", 0x06: "skill",
    0x07: "trait", 0x08: "user", 0x09: "recipe", 0x0A: "wardrobe skin", 0x0B: "outfit",
    0x0C: "WvW objective", 0x0E: "achievement",
}
_MAX_SHOWN = 40  # characters of the input quoted in an error message


@dataclass(frozen=True)
class SpecializationChoice:
    id: int  # /v2/specializations id, 0 = empty line
    traits: tuple[int, int, int]  # adept, master, grandmaster: 0 none, 1 top, 2 middle, 3 bottom


@dataclass(frozen=True)
class RangerPets:
    terrestrial: tuple[int, int]  # /v2/pets ids, 0 = none
    aquatic: tuple[int, int]


@dataclass(frozen=True)
class RevenantLegends:
    terrestrial: tuple[int, int]  # legend codes (/v2/legends ``code``), active first
    aquatic: tuple[int, int]
    inactive_terrestrial_utilities: tuple[int, int, int]  # palette ids of the swapped-out legend
    inactive_aquatic_utilities: tuple[int, int, int]


@dataclass(frozen=True)
class BuildTemplate:
    profession: int  # profession code, 1..9
    specializations: tuple[SpecializationChoice, SpecializationChoice, SpecializationChoice]
    terrestrial: tuple[int, int, int, int, int]  # palette ids: heal, utility 1-3, elite (0 = empty)
    aquatic: tuple[int, int, int, int, int]
    # Kept raw so that any decodable code re-encodes to itself; :attr:`pets`/:attr:`legends` read it.
    profession_block: bytes = bytes(16)
    weapons: tuple[int, ...] | None = None  # weapon palette ids; None = legacy code without the arrays
    skill_variants: tuple[int, ...] | None = None  # /v2/skills ids; None exactly when weapons is None

    @property
    def pets(self) -> RangerPets | None:
        if self.profession != RANGER:
            return None
        b = self.profession_block
        return RangerPets(terrestrial=(b[0], b[1]), aquatic=(b[2], b[3]))

    @property
    def legends(self) -> RevenantLegends | None:
        if self.profession != REVENANT:
            return None
        b = self.profession_block
        utils = struct.unpack_from("<6H", b, 4)
        return RevenantLegends(terrestrial=(b[0], b[1]), aquatic=(b[2], b[3]),
                               inactive_terrestrial_utilities=utils[:3],
                               inactive_aquatic_utilities=utils[3:])

    @property
    def is_legacy(self) -> bool:
        return self.weapons is None


def pets_block(pets: RangerPets) -> bytes:
    """The profession block of a ranger template."""
    return bytes([*pets.terrestrial, *pets.aquatic]) + bytes(12)


def legends_block(legends: RevenantLegends) -> bytes:
    """The profession block of a revenant template."""
    return bytes([*legends.terrestrial, *legends.aquatic]) + struct.pack(
        "<6H", *legends.inactive_terrestrial_utilities, *legends.inactive_aquatic_utilities)


def _shown(text: str) -> str:
    return repr(text if len(text) <= _MAX_SHOWN else text[:_MAX_SHOWN] + "...")


def link_payload(code: str) -> str:
    """The base64 text of a chat link, with or without the ``[&...]`` wrapper."""
    text = code.strip()
    if not text:
        raise ChatCodeError("empty chat code")
    if text.startswith("[&") != text.endswith("]"):
        missing = "closing ']'" if text.startswith("[&") else "opening '[&'"
        raise ChatCodeError(f"chat code {_shown(text)} is missing its {missing}")
    if text.startswith("[&"):
        text = text[2:-1].strip()
        if not text:
            raise ChatCodeError("empty chat code: nothing between [& and ]")
    return text


def link_bytes(code: str) -> bytes:
    """Decode the base64 of a chat link (any type)."""
    text = link_payload(code)
    if not text.isascii():
        raise ChatCodeError(f"chat code {_shown(text)} is not base64: it has non-ASCII characters")
    if len(text) % 4 == 1:
        raise ChatCodeError(f"chat code {_shown(text)} is not base64: {len(text)} characters cannot be complete")
    try:
        # Padding is often lost when a code is pasted, so a missing '=' is added back.
        data = base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except binascii.Error:
        bad = sorted({c for c in text if not (c.isalnum() or c in "+/=")})
        what = f"character(s) {''.join(bad)!r}" if bad else "misplaced '=' padding"
        raise ChatCodeError(f"chat code {_shown(text)} is not base64: {what}") from None
    if not data:
        raise ChatCodeError(f"chat code {_shown(text)} decodes to no bytes")
    return data


def decode_build(code: str) -> BuildTemplate:
    """Decode a ``[&DQ...]`` build template link; :class:`ChatCodeError` says what is wrong."""
    data = link_bytes(code)
    if data[0] != BUILD_LINK_TYPE:
        kind = _OTHER_LINK_TYPES.get(data[0])
        what = f"{kind} link" if kind else "unknown link type"
        raise ChatCodeError(f"not a build template link: type byte 0x{data[0]:02X} ({what}), "
                            f"expected 0x{BUILD_LINK_TYPE:02X}")
    if len(data) < LEGACY_SIZE:
        raise ChatCodeError(f"build template link is truncated: {len(data)} byte(s), expected at least {LEGACY_SIZE}")
    fields = _HEAD.unpack_from(data)
    profession = fields[1]
    if profession not in PROFESSION_CODES:
        raise ChatCodeError(f"build template link has unknown profession code {profession} (expected 1..9)")
    specs = []
    for line in range(3):
        spec_id, trait_byte = fields[2 + 2 * line], fields[3 + 2 * line]
        if trait_byte >> 6:
            raise ChatCodeError(f"build template link has an invalid trait byte 0x{trait_byte:02X} "
                                f"in specialization line {line + 1} (top two bits must be 0)")
        traits = (trait_byte & 3, (trait_byte >> 2) & 3, (trait_byte >> 4) & 3)
        specs.append(SpecializationChoice(spec_id, traits))
    palette = fields[8:18]
    weapons, variants = _decode_arrays(data)
    return BuildTemplate(
        profession=profession,
        specializations=(specs[0], specs[1], specs[2]),
        terrestrial=tuple(palette[0::2]),  # type: ignore[arg-type]
        aquatic=tuple(palette[1::2]),  # type: ignore[arg-type]
        profession_block=fields[18],
        weapons=weapons,
        skill_variants=variants,
    )


def _decode_arrays(data: bytes) -> tuple[tuple[int, ...] | None, tuple[int, ...] | None]:
    if len(data) == LEGACY_SIZE:
        return None, None
    pos = LEGACY_SIZE
    arrays: list[tuple[int, ...]] = []
    for name, item in (("weapons", "H"), ("skill variants", "I")):
        if pos >= len(data):
            raise ChatCodeError(f"build template link is truncated: {len(data)} bytes, the {name} count is missing")
        count = data[pos]
        fmt = struct.Struct(f"<{count}{item}")
        if pos + 1 + fmt.size > len(data):
            raise ChatCodeError(f"build template link is truncated: {count} {name} need {fmt.size} bytes "
                                f"at offset {pos + 1}, only {len(data) - pos - 1} left")
        arrays.append(fmt.unpack_from(data, pos + 1))
        pos += 1 + fmt.size
    if pos != len(data):
        raise ChatCodeError(f"build template link has {len(data) - pos} unexpected byte(s) after the skill variants")
    return arrays[0], arrays[1]


def build_bytes(template: BuildTemplate) -> bytes:
    """The raw bytes of a template; ``ValueError`` if a field does not fit its slot."""
    if (template.weapons is None) != (template.skill_variants is None):
        raise ValueError("weapons and skill_variants are both present (2023+ code) or both None (legacy code)")
    if len(template.profession_block) != 16:
        raise ValueError(f"profession_block must be 16 bytes, got {len(template.profession_block)}")
    trait_fields: list[int] = []
    for s in template.specializations:
        if any(not 0 <= t <= 3 for t in s.traits):
            raise ValueError(f"trait choices must be 0..3, got {s.traits}")
        trait_fields += [s.id, s.traits[0] | s.traits[1] << 2 | s.traits[2] << 4]
    slots = [v for pair in zip(template.terrestrial, template.aquatic, strict=True) for v in pair]
    try:
        out = _HEAD.pack(BUILD_LINK_TYPE, template.profession, *trait_fields, *slots, template.profession_block)
        if template.weapons is not None and template.skill_variants is not None:
            out += struct.pack(f"<B{len(template.weapons)}H", len(template.weapons), *template.weapons)
            out += struct.pack(f"<B{len(template.skill_variants)}I", len(template.skill_variants),
                               *template.skill_variants)
    except struct.error as e:
        raise ValueError(f"build template field out of range: {e}") from None
    return out


def encode_build(template: BuildTemplate) -> str:
    """The ``[&...]`` chat link of a template."""
    return "[&" + base64.b64encode(build_bytes(template)).decode("ascii") + "]"
