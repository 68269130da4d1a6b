"""Which catalog builds an account can play, from its characters (for keys' roster players).

Read straight from the catalog TOML with tomllib (shipped ``warclaw/data/catalog.toml`` plus the
user's ``engine.catalog`` file, table by table) so that the daemon never loads the optimizer: a
build needs only its ``profession`` and ``spec``, a spec its API ``id`` and whether it is ``elite``.

Rule: a level-80 character of a profession can play that profession's catalog builds. When the API
tells which elite specializations a character has equipped (its build tabs or per-mode
specializations), the elite builds are limited to the elite specs seen on the account's
characters of that profession; when it does not tell, every elite build of the profession counts.
"""

from __future__ import annotations

import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any

from warclaw.common import InputTooLarge, parse_nested, read_bounded
from warclaw.errors import UserError

MAX_LEVEL = 80


@dataclass(frozen=True)
class CatalogBuilds:
    builds: list[tuple[str, str, str]]  # (build id, profession lower-case, spec id), catalog order
    elite_spec_ids: dict[int, str]  # API specialization id -> catalog spec id (elites only)
    elite_specs: frozenset[str]


@dataclass(frozen=True)
class CharacterInfo:
    name: str
    profession: str
    level: int
    elite_specs: tuple[str, ...] = ()  # catalog spec ids the API showed on this character


def _read(path: str | Path) -> dict[str, Any]:
    try:
        return parse_nested(tomllib.loads, read_bounded(Path(path)).decode("utf-8"))
    except OSError as e:
        raise UserError(f"{path}: cannot read catalog: {e.strerror or e}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError, InputTooLarge) as e:
        raise UserError(f"{path}: not valid TOML: {e}") from None


def load_catalog_builds(user_catalog: str | None = None) -> CatalogBuilds:
    data = tomllib.loads(resources.files("warclaw.data").joinpath("catalog.toml").read_text(encoding="utf-8"))
    specs: dict[str, dict[str, Any]] = {k: dict(v) for k, v in data.get("specs", {}).items()}
    builds: dict[str, dict[str, Any]] = {k: dict(v) for k, v in data.get("builds", {}).items()}
    if user_catalog:
        over = _read(user_catalog)
        for table, target in (("specs", specs), ("builds", builds)):
            for key, value in (over.get(table) or {}).items():
                if isinstance(value, Mapping):
                    target.setdefault(key, {}).update(value)
    out = []
    for bid, b in builds.items():
        spec = str(b.get("spec", ""))
        prof = b.get("profession") or specs.get(spec, {}).get("profession")
        if spec and prof:
            out.append((bid, str(prof).lower(), spec))
    elite = {k for k, s in specs.items() if s.get("elite")}
    ids = {int(s["id"]): k for k, s in specs.items() if k in elite and isinstance(s.get("id"), int)}
    return CatalogBuilds(out, ids, frozenset(elite))


def elite_specs_of(character: Mapping[str, Any], catalog: CatalogBuilds) -> tuple[str, ...]:
    """Catalog elite spec ids equipped on a /v2/characters record (build tabs, per-mode specs)."""
    seen: list[int] = []
    for tab in character.get("build_tabs") or []:
        for s in ((tab or {}).get("build") or {}).get("specializations") or []:
            if isinstance(s, Mapping) and isinstance(s.get("id"), int):
                seen.append(s["id"])
    per_mode = character.get("specializations")
    if isinstance(per_mode, Mapping):
        for lines in per_mode.values():
            for s in lines or []:
                if isinstance(s, Mapping) and isinstance(s.get("id"), int):
                    seen.append(s["id"])
    return tuple(dict.fromkeys(catalog.elite_spec_ids[i] for i in seen if i in catalog.elite_spec_ids))


def derive_builds(characters: Iterable[CharacterInfo], catalog: CatalogBuilds) -> list[str]:
    """Catalog build ids the account can play, professions in the order of its characters."""
    professions: dict[str, set[str]] = {}
    for c in characters:
        if c.level >= MAX_LEVEL:
            professions.setdefault(c.profession.lower(), set()).update(c.elite_specs)
    out: list[str] = []
    for prof, seen in professions.items():
        for bid, bprof, spec in catalog.builds:
            if bprof != prof:
                continue
            if seen and spec in catalog.elite_specs and spec not in seen:
                continue  # the API told us which elites are equipped, and not this one
            out.append(bid)
    return out


def merge_builds(current: list[str], previous_derived: list[str], derived: list[str]) -> tuple[list[str], list[str]]:
    """The player's own builds first (their order kept), then the newly derived ones.

    The player's own list is ``current`` without the trailing run of builds the last refresh
    appended; a derived build the player moved up is theirs from then on. Returns (builds, the
    derived builds appended).
    """
    own = list(current)
    previous = set(previous_derived)
    while own and own[-1] in previous:
        own.pop()
    mine = set(own)
    appended = [b for b in dict.fromkeys(derived) if b not in mine]
    return own + appended, appended
