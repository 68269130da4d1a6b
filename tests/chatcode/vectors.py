"""The recorded real codes, with each source's expectations put into one shape."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).parent / "data"
_TRAIT_WORDS = {"Top": 1, "Middle": 2, "Bottom": 3}
_GW2SHARP_SLOTS = ("Healing", "Utility1", "Utility2", "Utility3", "Elite")


def raw_vectors() -> list[dict[str, Any]]:
    return json.loads((DATA / "build_template_vectors.json").read_text(encoding="utf-8"))["vectors"]


def other_link_cases() -> list[dict[str, Any]]:
    return json.loads((DATA / "other_chat_code_vectors.json").read_text(encoding="utf-8"))["cases"]


def _from_gw2e(e: dict) -> dict:
    out: dict[str, Any] = {
        "profession": e["profession"],
        "specializations": [(e[f"specialization{i}"], list(e[f"traitChoices{i}"])) for i in (1, 2, 3)],
        "terrestrial": [e["terrestrialHealSkill"], *(e[f"terrestrialUtilitySkill{i}"] for i in (1, 2, 3)),
                        e["terrestrialEliteSkill"]],
        "aquatic": [e["aquaticHealSkill"], *(e[f"aquaticUtilitySkill{i}"] for i in (1, 2, 3)), e["aquaticEliteSkill"]],
    }
    if "terrestrialPet1" in e:
        out["pets"] = ([e["terrestrialPet1"], e["terrestrialPet2"]], [e["aquaticPet1"], e["aquaticPet2"]])
    if "terrestrialLegend1" in e:
        out["legends"] = ([e["terrestrialLegend1"], e["terrestrialLegend2"]],
                          [e["aquaticLegend1"], e["aquaticLegend2"]])
    if "selectedWeapons" in e:
        out["weapons"] = e["selectedWeapons"]
        out["skill_variants"] = e["selectedSkillVariants"]
    return out


def _from_gw2chatlinks(e: dict) -> dict:
    # GW2ChatLinks counts trait choices from 0 (top = 0); the code stores top = 1.
    out: dict[str, Any] = {
        "profession": e["professionId"],
        "specializations": [(sid, [t + 1 for t in traits]) for sid, traits in e["specializations"]],
        "terrestrial": e["skills"],
        "aquatic": e["aquaticSkills"],
    }
    if "pets" in e:
        out["pets"] = (e["pets"], e["aquaticPets"])
    if "legends" in e:
        out["legends"] = (e["legends"], e["aquaticLegends"])
        out["inactive_utilities"] = (e["inactiveLegendUtilitySkills"], e["inactiveAquaticLegendUtilitySkills"])
    if "weapons" in e:
        out["weapons"] = e["weapons"]
        out["skill_variants"] = e["weaponSkillOverrides"]
    return out


def _from_gw2sharp(e: dict) -> dict:
    return {
        "profession_name": e["Profession"],
        "specializations": [(e[f"Specialization{i}Id"], e[f"Specialization{i}Traits"]) for i in (1, 2, 3)],
        "terrestrial": [e[f"Terrestrial{p}SkillPaletteId"] for p in _GW2SHARP_SLOTS],
        "aquatic": [e[f"Aquatic{p}SkillPaletteId"] for p in _GW2SHARP_SLOTS],
    }


def _from_hsbuildcodes(e: dict) -> dict:
    out: dict[str, Any] = {"profession": int(e["profession"].split("(")[1].rstrip(")")),
                           "profession_name": e["profession"].split(" (")[0]}
    if "specializations" in e:
        out["specializations"] = [(s["id"], [_TRAIT_WORDS[w] for w in s["traits"].split(",")])
                                  for s in e["specializations"]]
        out["specialization_names"] = [s["name"] for s in e["specializations"]]
    if "slot_skills" in e:
        out["slot_skill_names"] = [None if n == "(none)" else n for n in e["slot_skills"]]
    if "pets" in e:
        out["terrestrial_pets"] = e["pets"]
    if e.get("weapons") == "none":
        out["weapons"] = []
    return out


def expectations() -> list[tuple[str, dict[str, Any], dict[str, Any]]]:
    """(code, normalized source expectation, decoded_by_layout) for every recorded vector."""
    out = []
    previous: dict[str, Any] = {}
    for v in raw_vectors():
        e, src = v["expected_as_in_source"], v["source"]
        if isinstance(e, str):  # "same as previous (legacyCode)": the pre-2023 form of the code above
            norm = {k: val for k, val in previous.items() if k not in ("weapons", "skill_variants")}
        elif "gw2e-chat-codes" in src:
            norm = _from_gw2e(e)
        elif "GW2ChatLinks" in src:
            norm = _from_gw2chatlinks(e)
        elif "Gw2Sharp" in src:
            norm = _from_gw2sharp(e)
        elif "HsBuildCodes" in src:
            norm = _from_hsbuildcodes(e)
        else:
            raise AssertionError(f"no reader for the expectations of {src}")
        previous = norm
        out.append((v["chat_code"], norm, v["decoded_by_layout"]))
    return out
