"""The one set of map names, and how a guild is named while its name is not known yet."""

from __future__ import annotations

from warclaw.common import clean

# API map type -> the name commanders use, and its short form for narrow columns.
MAP_NAMES = {
    "Center": "Eternal Battlegrounds",
    "RedHome": "Red Borderlands",
    "BlueHome": "Blue Borderlands",
    "GreenHome": "Green Borderlands",
}
MAP_SHORT = {"Center": "EBG", "RedHome": "Red BL", "BlueHome": "Blue BL", "GreenHome": "Green BL"}
MAP_ORDER = tuple(MAP_NAMES)

GUILD_PENDING = "guild (name pending)"  # seen claiming, /v2/guild/:id not answered yet
GUILD_UNKNOWN = "unknown guild"  # the API did not name it (404, or refused)


def map_name(map_type: str | None, short: bool = False) -> str:
    if not map_type:
        return ""
    return (MAP_SHORT if short else MAP_NAMES).get(map_type, clean(map_type, 20))


def guild_label(name: str | None, tag: str | None, failed: bool = False, short: bool = False) -> str:
    """``[TAG] Name`` (``[TAG]`` when short), cleaned for a terminal; a placeholder, never a hex id."""
    if name or tag:
        t = f"[{clean(tag, 8)}]" if tag else ""
        if short and t:
            return t
        return f"{t} {clean(name, 40)}".strip() if name else t
    return GUILD_UNKNOWN if failed else GUILD_PENDING
