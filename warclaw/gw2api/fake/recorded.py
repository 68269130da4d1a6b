"""Loading the recorded API responses shipped in ``data/`` (copied from the shared recordings).

Every body the fake server sends is one of these files or a transformation of one; nothing here is
made up. See ``data/SOURCES.md`` for where each file came from.
"""

from __future__ import annotations

import copy
import json
from functools import cache
from importlib import resources
from typing import Any

DATA = resources.files("warclaw.gw2api.fake").joinpath("data")


@cache
def _load(relpath: str) -> Any:
    return json.loads(DATA.joinpath(relpath).read_text("utf-8"))


def load(relpath: str) -> Any:
    """A fresh deep copy of a recorded body, safe to mutate."""
    return copy.deepcopy(_load(relpath))


def shared(relpath: str) -> Any:
    """The cached body itself, without copying: callers must not mutate it."""
    return _load(relpath)


def example(relpath: str, index: int = 0) -> Any:
    """One element of an api-generator ``*.examples.json`` file (an array of example bodies)."""
    return copy.deepcopy(_load(relpath)[index])


# The static WvW bodies the fake serves, which the replay reads too (tier thresholds by yaks).
OBJECTIVES = "wvw/objectives/tyria_2025_objectives_all_en.bulk.json"
UPGRADES = "wvw/upgrades/gw2sharp_upgrades_all.bulk.json"

# The recorded /v2/guild/:id bodies, one per guild (gw2sharp_guild_id.1 is .2 without the member
# fields). Scenarios claim objectives with these guilds' ids, so every claim has a guild to name.
GUILD_FILES = ("guild/gw2sharp_guild_id.2.json", "guild/gw2sharp_guild_id.3.json", "guild/apigen_guild.examples.json")


def guild_bodies() -> list[dict[str, Any]]:
    """The recorded guilds' full bodies (as a member with ``guilds`` sees them)."""
    return [example(f) if f.endswith(".examples.json") else load(f) for f in GUILD_FILES]


def guild_ids() -> list[str]:
    return [b["id"] for b in guild_bodies()]


def error_text(name: str) -> str:
    """The ``text`` of a recorded error body, e.g. ``error_text("invalid_key")`` -> ``"invalid key"``."""
    body = _load(f"errors/text_{name}.json")
    return str(body["text"])


def all_files() -> list[str]:
    """Relative paths of every recorded JSON file (for tests that parse them all)."""
    out: list[str] = []

    def walk(node: Any, prefix: str) -> None:
        for child in node.iterdir():
            if child.is_dir():
                walk(child, f"{prefix}{child.name}/")
            elif child.name.endswith(".json"):
                out.append(prefix + child.name)

    walk(DATA, "")
    return sorted(out)
