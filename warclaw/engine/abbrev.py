"""The one set of short names for capabilities, party slots and builds, used on every screen and export.

The TUI's heat map, the plain-text report and the Discord/clipboard text all read these tables,
so a commander sees ``stb`` for stability and ``FB-sup`` for a support Firebrand everywhere.
Capabilities and slots are three letters (a heat-map column is four wide); a build is its elite
spec's usual community short name and its role, e.g. ``Scrap-heal``, ``Chrono-sup``.
"""

from __future__ import annotations

# Party capabilities and squad capabilities (catalog.PARTY_CAPABILITIES / SQUAD_CAPABILITIES).
CAP3: dict[str, str] = {
    "stability": "stb", "quickness": "qck", "alacrity": "alc", "might": "mgt", "fury": "fur",
    "protection": "prt", "resistance": "res", "aegis": "aeg", "regeneration": "rgn", "vigor": "vig",
    "superspeed": "ssp", "resolution": "rso", "swiftness": "swf", "heal": "hel", "cleanse": "cln",
    "strip": "str", "cc": "cc", "damage": "dmg",
}

# Party slots of a mode's party template (the catalog's ``party_slots``).
SLOT3: dict[str, str] = {
    "stab": "stb", "heal": "hel", "boon": "bn", "strip": "str", "dps": "dps", "boon_dps": "bdp",
    "support": "sup", "ranged_dps": "rdp", "reflect_or_strip": "r/s",
}

# Specializations (core professions and elite specs, the catalog's spec keys).
SPEC: dict[str, str] = {
    "guardian": "Guard", "warrior": "War", "engineer": "Engi", "ranger": "Rgr", "thief": "Thief",
    "elementalist": "Ele", "mesmer": "Mes", "necromancer": "Necro", "revenant": "Rev",
    "dragonhunter": "DH", "firebrand": "FB", "willbender": "WB", "luminary": "Lumi",
    "berserker": "Zerk", "spellbreaker": "SB", "bladesworn": "BS", "paragon": "Para",
    "scrapper": "Scrap", "holosmith": "Holo", "mechanist": "Mech", "amalgam": "Amal",
    "druid": "Druid", "soulbeast": "Slb", "untamed": "Unt", "galeshot": "Gale",
    "daredevil": "DD", "deadeye": "DE", "specter": "Spec", "antiquary": "Anti",
    "tempest": "Temp", "weaver": "Weav", "catalyst": "Cata", "evoker": "Evo",
    "chronomancer": "Chrono", "mirage": "Mir", "virtuoso": "Virt", "troubadour": "Troub",
    "reaper": "Reap", "scourge": "Scg", "harbinger": "Harb", "ritualist": "Rit",
    "herald": "Her", "renegade": "Ren", "vindicator": "Vind", "conduit": "Cond",
}

# The role part of a build id (``<spec>-<role>``).
ROLE: dict[str, str] = {
    "support": "sup", "dps": "dps", "heal": "heal", "strip": "strip", "boon": "boon", "roaming": "roam",
}

# A build id that follows no known pattern (a user catalog's) is shown cut to this many characters.
BUILD_MAX = 12


def cap(key: str) -> str:
    """A capability's three letters (an unknown one: its first three)."""
    return CAP3.get(key, key[:3])


def slot(key: str) -> str:
    return SLOT3.get(key, key[:3])


def build(build_id: str) -> str:
    """``firebrand-support`` -> ``FB-sup``; a spec name alone (``scrapper``) -> ``Scrap``."""
    if build_id in SPEC:
        return SPEC[build_id]
    spec, _, role = build_id.rpartition("-")
    if spec in SPEC and role in ROLE:
        return f"{SPEC[spec]}-{ROLE[role]}"
    return build_id if len(build_id) <= BUILD_MAX else build_id[: BUILD_MAX - 1] + "…"
