"""The build catalog: specs, builds and game modes, validated from plain mappings.

The shipped catalog and a user's override file are both TOML mappings; a user file is merged
field by field over the shipped one (so a commander can tune one number), then validated as a
whole. Every error names the entry and the field.
"""

from __future__ import annotations

import copy
import math
from dataclasses import dataclass, field
from typing import Any

from warclaw.engine.errors import CatalogError

PARTY_CAPABILITIES: tuple[str, ...] = (
    "stability", "quickness", "alacrity", "might", "fury", "protection", "resistance", "aegis",
    "regeneration", "vigor", "superspeed", "resolution", "swiftness", "heal", "cleanse",
)
SQUAD_CAPABILITIES: tuple[str, ...] = ("strip", "cc", "damage")


@dataclass(frozen=True)
class Spec:
    key: str
    name: str
    profession: str
    elite: bool
    id: int | None = None
    expansion: str = ""


@dataclass(frozen=True)
class Build:
    id: str
    name: str
    spec: str
    profession: str
    roles: tuple[str, ...]
    party: dict[str, float]
    squad: dict[str, float]
    confidence: str = "estimate"
    modes: tuple[str, ...] = ()
    sources: tuple[str, ...] = ()
    notes: str = ""
    utility: tuple[str, ...] = ()      # squad utility tags (stealth, portal, reflect, ...)


@dataclass(frozen=True)
class PartySlot:
    """A place every party should fill: ``count`` members whose build is in ``builds``."""

    slot: str
    count: int
    weight: float
    required: bool
    builds: tuple[str, ...]


@dataclass(frozen=True)
class Mode:
    id: str
    name: str
    party_size: int
    party_targets: dict[str, float]
    party_weights: dict[str, float]
    squad_targets: dict[str, float]
    squad_weights: dict[str, float]
    preference_weight: float
    change_penalty: float
    description: str = ""
    confidence: str = "estimate"
    party_slots: tuple[PartySlot, ...] = ()
    squad_utility_min: dict[str, int] = field(default_factory=dict)
    squad_utility_weights: dict[str, float] = field(default_factory=dict)

    def counted_utilities(self) -> tuple[str, ...]:
        """Utilities that count: a minimum above 0 and a weight."""
        return tuple(u for u, m in self.squad_utility_min.items()
                     if m > 0 and self.squad_utility_weights.get(u, 0) != 0)

    def counted_slots(self) -> tuple[PartySlot, ...]:
        return tuple(s for s in self.party_slots if s.weight != 0)

    def counted_party_caps(self) -> tuple[str, ...]:
        """Capabilities that count: a target above 0 and a weight (a missing one does not count)."""
        return tuple(k for k in PARTY_CAPABILITIES
                     if self.party_targets.get(k, 0) > 0 and self.party_weights.get(k, 0) != 0)

    def counted_squad_caps(self) -> tuple[str, ...]:
        return tuple(k for k, t in self.squad_targets.items()
                     if t > 0 and self.squad_weights.get(k, 0) != 0)


@dataclass(frozen=True)
class Catalog:
    specs: dict[str, Spec]
    builds: dict[str, Build]
    modes: dict[str, Mode]
    professions: dict[str, dict[str, Any]] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def builds_of_spec(self, spec: str) -> list[Build]:
        return [b for b in self.builds.values() if b.spec == spec]

    def mode(self, mode_id: str) -> Mode:
        try:
            return self.modes[mode_id]
        except KeyError:
            raise CatalogError(
                f"unknown mode {mode_id!r}; expected one of: {', '.join(sorted(self.modes))}") from None


def merge_mappings(base: dict, override: dict) -> dict:
    """Deep-merge ``override`` into a copy of ``base`` (tables merge, everything else replaces)."""
    out = copy.deepcopy(base)
    for key, value in override.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = merge_mappings(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out


def _num(where: str, value: Any, lo: float | None = None, hi: float | None = None) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise CatalogError(f"{where}: expected a number, got {value!r}")
    if (lo is not None and value < lo) or (hi is not None and value > hi):
        rng = f"in {lo}..{hi}" if hi is not None else f">= {lo}"
        raise CatalogError(f"{where}: expected a number {rng}, got {value!r}")
    return float(value)


def _table(where: str, value: Any) -> dict:
    if not isinstance(value, dict):
        raise CatalogError(f"{where}: expected a table, got {type(value).__name__}")
    return value


def _str(where: str, value: Any) -> str:
    if not isinstance(value, str) or not value:
        raise CatalogError(f"{where}: expected a non-empty string, got {value!r}")
    return value


def _strs(where: str, value: Any) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise CatalogError(f"{where}: expected a list of strings, got {value!r}")
    return tuple(value)


def _caps(where: str, value: Any, allowed: tuple[str, ...] | None, lo: float, hi: float | None) -> dict:
    out = {}
    for k, v in _table(where, value).items():
        if allowed is not None and k not in allowed:
            raise CatalogError(f"{where}.{k}: unknown capability; expected one of: {', '.join(allowed)}")
        out[k] = _num(f"{where}.{k}", v, lo, hi)
    return out


def _spec(key: str, d: Any, source: str) -> Spec:
    w = f"{source}: specs.{key}"
    d = _table(w, d)
    sid = d.get("id")
    if sid is not None and (isinstance(sid, bool) or not isinstance(sid, int)):
        raise CatalogError(f"{w}.id: expected an integer API id, got {sid!r}")
    return Spec(key=key, name=_str(f"{w}.name", d.get("name")), profession=_str(f"{w}.profession", d.get("profession")),
                elite=bool(d.get("elite", False)), id=sid, expansion=str(d.get("expansion", "")))


def _build(bid: str, d: Any, specs: dict[str, Spec], source: str) -> Build:
    w = f"{source}: builds.{bid}"
    d = _table(w, d)
    spec = _str(f"{w}.spec", d.get("spec"))
    if spec not in specs:
        raise CatalogError(f"{w}.spec: unknown spec {spec!r}")
    profession = d.get("profession", specs[spec].profession)
    if profession != specs[spec].profession:
        raise CatalogError(f"{w}.profession: {profession!r} does not match spec {spec!r} ({specs[spec].profession})")
    party = _caps(f"{w}.party", d.get("party", {}), PARTY_CAPABILITIES, 0.0, 1.0)
    squad = _caps(f"{w}.squad", d.get("squad", {}), None, 0.0, None)
    return Build(
        id=bid, name=str(d.get("name", bid)), spec=spec, profession=profession,
        roles=_strs(f"{w}.roles", d.get("roles", [])), party=party, squad=squad,
        confidence=str(d.get("confidence", "estimate")), modes=_strs(f"{w}.modes", d.get("modes", [])),
        sources=_strs(f"{w}.sources", d.get("sources", [])), notes=str(d.get("notes", "")),
        utility=_strs(f"{w}.utility", d.get("utility", [])),
    )


SLOT_KEYS = ("slot", "count", "weight", "required", "builds")


def _int(where: str, value: Any, lo: int, hi: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not lo <= value <= hi:
        raise CatalogError(f"{where}: expected an integer {lo}..{hi}, got {value!r}")
    return value


def _slots(where: str, value: Any, builds: dict[str, Build], size: int) -> tuple[PartySlot, ...]:
    if not isinstance(value, list):
        raise CatalogError(f"{where}: expected a list of {{slot, count, weight, required, builds}}")
    out, seen = [], set()
    for i, d in enumerate(value):
        w = f"{where}[{i}]"
        d = _table(w, d)
        unknown = sorted(set(d) - set(SLOT_KEYS) - {"note"})
        if unknown:
            raise CatalogError(f"{w}.{unknown[0]}: unknown field; expected: {', '.join(SLOT_KEYS)}")
        name = _str(f"{w}.slot", d.get("slot"))
        if name in seen:
            raise CatalogError(f"{w}.slot: slot {name!r} is listed twice")
        seen.add(name)
        required = d.get("required", False)
        if not isinstance(required, bool):
            raise CatalogError(f"{w}.required: expected true or false, got {required!r}")
        members = _strs(f"{w}.builds", d.get("builds", []))
        for b in members:
            if b not in builds:
                raise CatalogError(f"{w}.builds: unknown build {b!r}")
        out.append(PartySlot(slot=name, count=_int(f"{w}.count", d.get("count", 1), 1, size),
                             weight=_num(f"{w}.weight", d.get("weight", 0.0), 0.0), required=required,
                             builds=members))
    return tuple(out)


def _utility_min(where: str, value: Any) -> dict[str, int]:
    return {k: _int(f"{where}.{k}", v, 0, 1000) for k, v in _table(where, value).items()}


def _mode(mid: str, d: Any, source: str, builds: dict[str, Build]) -> Mode:
    w = f"{source}: modes.{mid}"
    d = _table(w, d)
    size = d.get("party_size", 5)
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= 10:
        raise CatalogError(f"{w}.party_size: expected an integer 1..10, got {size!r}")
    return Mode(
        id=mid, name=str(d.get("name", mid)), party_size=size,
        party_targets=_caps(f"{w}.party_targets", d.get("party_targets", {}), PARTY_CAPABILITIES, 0.0, None),
        party_weights=_caps(f"{w}.party_weights", d.get("party_weights", {}), PARTY_CAPABILITIES, 0.0, None),
        squad_targets=_caps(f"{w}.squad_targets", d.get("squad_targets", {}), None, 0.0, None),
        squad_weights=_caps(f"{w}.squad_weights", d.get("squad_weights", {}), None, 0.0, None),
        preference_weight=_num(f"{w}.preference_weight", d.get("preference_weight", 0.0), 0.0),
        change_penalty=_num(f"{w}.change_penalty", d.get("change_penalty", 0.0), 0.0),
        description=str(d.get("description", "")), confidence=str(d.get("confidence", "estimate")),
        party_slots=_slots(f"{w}.party_slots", d.get("party_slots", []), builds, size),
        squad_utility_min=_utility_min(f"{w}.squad_utility_min", d.get("squad_utility_min", {})),
        squad_utility_weights=_caps(f"{w}.squad_utility_weights", d.get("squad_utility_weights", {}), None, 0.0, None),
    )


def _slots_by_name(data: dict, override: dict) -> dict:
    """A user file may give a mode's ``party_slots`` as a table keyed by slot name
    (``[modes.zerg.party_slots.heal] weight = 50``): each entry is merged over the shipped slot of
    that name (a new name adds a slot), so one weight can be tuned without repeating the list."""
    override = copy.deepcopy(override)
    for mid, mode in (override.get("modes") or {}).items():
        if not isinstance(mode, dict) or not isinstance(mode.get("party_slots"), dict):
            continue
        base = ((data.get("modes") or {}).get(mid) or {}).get("party_slots") or []
        slots = [dict(s) for s in base if isinstance(s, dict)]
        for name, fields in mode["party_slots"].items():
            if not isinstance(fields, dict):
                raise CatalogError(f"modes.{mid}.party_slots.{name}: expected a table of slot fields")
            hit = next((s for s in slots if s.get("slot") == name), None)
            if hit is None:
                slots.append({"slot": name, **fields})
            else:
                hit.update(fields)
        mode["party_slots"] = slots
    return override


def catalog_from_mapping(data: dict, override: dict | None = None, source: str = "catalog",
                         override_source: str = "user catalog") -> Catalog:
    """Validate a catalog mapping, with an optional user override merged over it."""
    if override:
        try:
            override = _slots_by_name(data, override)
        except CatalogError as e:
            raise CatalogError(f"{override_source}: {e}") from None
    merged = merge_mappings(data, override) if override else data
    # Errors in the merged result come from the override when it touched that entry.
    def src(section: str, key: str) -> str:
        return override_source if override and key in (override.get(section) or {}) else source

    for section in ("specs", "builds", "modes"):
        _table(f"{source}: {section}", merged.get(section, {}))
    specs = {k: _spec(k, v, src("specs", k)) for k, v in merged.get("specs", {}).items()}
    builds = {k: _build(k, v, specs, src("builds", k)) for k, v in merged.get("builds", {}).items()}
    modes = {k: _mode(k, v, src("modes", k), builds) for k, v in merged.get("modes", {}).items()}
    if not builds:
        raise CatalogError(f"{source}: builds: the catalog has no builds")
    if not modes:
        raise CatalogError(f"{source}: modes: the catalog has no modes")
    return Catalog(specs=specs, builds=builds, modes=modes, professions=dict(merged.get("professions", {})),
                   meta=dict(merged.get("meta", {})))
