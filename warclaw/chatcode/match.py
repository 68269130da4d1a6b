"""Which catalog build a decoded build template is: spec from the third line, role from evidence.

The role evidence is a handful of well-known support signals (healing/boon trait lines and
utility skills) against damage signals. It is a heuristic, so the confidence says how much
evidence there was and the reason lists it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from warclaw.chatcode.build_link import BuildTemplate
from warclaw.chatcode.catalog_lookup import core_spec, elite_spec
from warclaw.chatcode.palettes import profession_name, slot_skill_names

if TYPE_CHECKING:  # the engine pulls in the solvers; decoding a code does not need them
    from warclaw.engine import Build, Catalog

# Core trait lines (/v2/specializations ids, as in the catalog's core_specializations) whose
# traits are mostly healing, cleansing or boon sharing, and those that are mostly damage.
SUPPORT_LINES = {
    49: "Honor", 46: "Virtues", 11: "Tactics", 29: "Alchemy", 47: "Inventions", 25: "Nature Magic",
    20: "Shadow Arts", 17: "Water", 37: "Arcane", 23: "Inspiration", 45: "Chaos", 19: "Blood Magic",
    12: "Salvation", 9: "Retribution",
}
DAMAGE_LINES = {
    16: "Radiance", 42: "Zeal", 4: "Strength", 36: "Arms", 51: "Discipline", 6: "Explosives",
    38: "Firearms", 8: "Marksmanship", 30: "Skirmishing", 28: "Deadly Arts", 35: "Critical Strikes",
    31: "Fire", 41: "Air", 1: "Dueling", 10: "Domination", 24: "Illusions", 53: "Spite",
    39: "Curses", 50: "Soul Reaping", 15: "Devastation", 14: "Corruption",
}
# Utility/heal/elite skills that squads take for their party rather than for damage.
SUPPORT_SKILLS = frozenset({
    "Mantra of Solace", "Mantra of Liberation", "Mantra of Lore", "Mantra of Potence",
    '"Stand Your Ground!"', "Wall of Reflection", "Purging Flames", "Sanctuary", "Signet of Mercy",
    '"Feel My Wrath!"', "Shelter", "Renewed Focus",
    "Winds of Disenchantment", "Banner of Tactics", '"Shake It Off!"', '"For Great Justice!"',
    "Med Kit", "Elixir Gun", "Healing Turret", "Bulwark Gyro", "Purge Gyro", "Medic Gyro",
    "Glyph of Rejuvenation", "Glyph of the Tides", "Healing Spring", "Spirit of Nature",
    "Water Spirit", '"We Heal As One!"', "Natural Convergence",
    "Well of Gloom", "Shadow Refuge",
    '"Wash the Pain Away!"', '"Aftershock!"', '"Rebound!"', '"Feel the Burn!"', '"Flash-Freeze!"',
    '"Eye of the Storm!"', "Glyph of Elemental Harmony", "Arcane Brilliance",
    "Well of Eternity", "Well of Action", "Well of Recall", "Signet of Inspiration",
    "Ventari's Will", "Project Tranquility", "Natural Harmony", "Protective Solace", "Purifying Essence",
    "Facet of Nature", "Facet of Light", "Infuse Light", "Energy Expulsion",
    "Plague Signet", "Signet of Vampirism", "Consume Conditions",
})
_SUPPORT_ROLES = frozenset({"heal", "boon", "support", "stab", "cleanse"})

LOW_CONFIDENCE = 0.2


def _is_support(build: Build) -> bool:
    return bool(build.roles) and build.roles[0] != "dps" and bool(_SUPPORT_ROLES & set(build.roles))


def _evidence(template: BuildTemplate) -> tuple[list[str], list[str]]:
    support: list[str] = []
    damage: list[str] = []
    for line in template.specializations:
        if line.id in SUPPORT_LINES:
            support.append(SUPPORT_LINES[line.id])
        elif line.id in DAMAGE_LINES:
            damage.append(DAMAGE_LINES[line.id])
    for name in slot_skill_names(template):
        if name in SUPPORT_SKILLS:
            support.append(name)
    return support, damage


def match_build(decoded: BuildTemplate, catalog: Catalog) -> tuple[str | None, float, str]:
    """``(catalog build id or None, confidence 0..1, reason)`` for a decoded build template."""
    prof = profession_name(decoded.profession) or f"profession {decoded.profession}"
    spec = elite_spec(decoded, catalog) or core_spec(decoded, catalog)
    if spec is None:
        return None, 0.0, f"the catalog has no spec of {prof}"
    third = decoded.specializations[2].id
    elite_note = "" if spec.elite else f" (third line {third} is not an elite spec the catalog knows)"
    builds = catalog.builds_of_spec(spec.key)
    if not builds:
        return None, 0.0, f"the catalog has no build for {spec.key}{elite_note}"
    support, damage = _evidence(decoded)
    score = len(support) - len(damage)
    if len(builds) == 1:
        only = builds[0]
        kind = "support" if _is_support(only) else "damage"
        agree, against = (support, damage) if kind == "support" else (damage, support)
        # Evidence all pointing the other way is no match: a Devastation Renegade is not renegade-boon.
        if against and not agree:
            other = "damage" if kind == "support" else "support"
            return None, LOW_CONFIDENCE, (f"{spec.key}{elite_note} with {', '.join(against)}: the traits point to a "
                                          f"{other} build, but the only catalog build of the spec is {only.id} "
                                          f"({kind}); no match")
        if agree and not against:
            return only.id, 0.8, (f"{spec.key}{elite_note} with {', '.join(agree)}: the only catalog build of the "
                                  f"spec, a {kind} build → {only.id}")
        mixed = f" (mixed evidence: {', '.join(support + damage)})" if agree else ""
        return only.id, 0.6, f"{spec.key}{elite_note}: the only catalog build of the spec → {only.id}{mixed}"

    supports = [b for b in builds if _is_support(b)]
    dps = [b for b in builds if not _is_support(b)]
    if score != 0 and supports and dps:
        chosen = supports[0] if score > 0 else dps[0]
        shown = support if score > 0 else damage
        confidence = min(0.9, 0.5 + 0.1 * abs(score))
        return chosen.id, confidence, f"{spec.key}{elite_note} with {', '.join(shown)} → {chosen.id}"
    why = "no support or damage evidence" if not support and not damage else \
        f"evidence is even ({', '.join(support + damage)})" if score == 0 else \
        f"all {spec.key} builds have the same kind of role ({', '.join(support + damage)})"
    return builds[0].id, LOW_CONFIDENCE, f"{spec.key}{elite_note}: {why}; first catalog build → {builds[0].id}"
