"""Every recorded real code decodes to what its source (and the layout) says, and round-trips."""

from __future__ import annotations

import re

import pytest

from warclaw.chatcode import decode_build, encode_build, legend, profession_name, slot_skill_names
from warclaw.chatcode.catalog_lookup import specialization_name

from .vectors import expectations

CASES = expectations()
IDS = [f"{i}-{code[2:10]}" for i, (code, _, _) in enumerate(CASES)]


def test_every_source_is_represented():
    assert len(CASES) == 19


@pytest.mark.parametrize(("code", "expected", "layout"), CASES, ids=IDS)
def test_round_trip(code, expected, layout):
    assert encode_build(decode_build(code)) == code


@pytest.mark.parametrize(("code", "expected", "layout"), CASES, ids=IDS)
def test_matches_the_layout_decoding(code, expected, layout):
    t = decode_build(code)
    assert t.profession == layout["profession"]
    assert [(s.id, list(s.traits)) for s in t.specializations] == [
        (s["id"], s["traits"]) for s in layout["specializations"]]
    assert list(t.terrestrial) == layout["terrestrial"]
    assert list(t.aquatic) == layout["aquatic"]
    assert t.profession_block.hex() == layout["context_hex"]
    assert t.is_legacy == (layout["bytes"] == 44)
    if not t.is_legacy:
        assert list(t.weapons) == layout["weapons"]
        assert list(t.skill_variants) == layout["skill_variants"]
    if "pets" in layout:
        assert [list(t.pets.terrestrial), list(t.pets.aquatic)] == [
            layout["pets"]["terrestrial"], layout["pets"]["aquatic"]]
    else:
        assert t.pets is None
    if "legends" in layout:
        lg = t.legends
        assert [list(lg.terrestrial), list(lg.aquatic)] == [
            layout["legends"]["terrestrial"], layout["legends"]["aquatic"]]
        inactive = layout["inactive_legend_utilities"]
        assert [list(lg.inactive_terrestrial_utilities), list(lg.inactive_aquatic_utilities)] == [
            inactive["terrestrial"], inactive["aquatic"]]
    else:
        assert t.legends is None


@pytest.mark.parametrize(("code", "expected", "layout"), CASES, ids=IDS)
def test_matches_what_the_source_recorded(code, expected, layout, catalog):
    t = decode_build(code)
    checked = 0
    if "profession" in expected:
        assert t.profession == expected["profession"]
        checked += 1
    if "profession_name" in expected:
        assert profession_name(t.profession) == expected["profession_name"]
        checked += 1
    if "specializations" in expected:
        assert [(s.id, list(s.traits)) for s in t.specializations] == [
            (sid, list(traits)) for sid, traits in expected["specializations"]]
        checked += 1
    if "specialization_names" in expected:
        assert [specialization_name(t, s.id, catalog) for s in t.specializations] == expected["specialization_names"]
        checked += 1
    for key in ("terrestrial", "aquatic"):
        if key in expected:
            assert list(getattr(t, key)) == list(expected[key])
            checked += 1
    if "pets" in expected:
        assert (list(t.pets.terrestrial), list(t.pets.aquatic)) == tuple(map(list, expected["pets"]))
        checked += 1
    if "terrestrial_pets" in expected:
        assert list(t.pets.terrestrial) == expected["terrestrial_pets"]
        checked += 1
    if "legends" in expected:
        assert (list(t.legends.terrestrial), list(t.legends.aquatic)) == tuple(map(list, expected["legends"]))
        checked += 1
    if "inactive_utilities" in expected:
        assert (list(t.legends.inactive_terrestrial_utilities),
                list(t.legends.inactive_aquatic_utilities)) == tuple(map(list, expected["inactive_utilities"]))
        checked += 1
    if "weapons" in expected:
        assert list(t.weapons or ()) == expected["weapons"]
        checked += 1
    if "skill_variants" in expected:
        assert list(t.skill_variants) == expected["skill_variants"]
        checked += 1
    if "slot_skill_names" in expected:
        # HsBuildCodes prints shouts without their quotes and exclamation mark.
        bare = [re.sub(r'^"|!?"$', "", n) if n else None for n in slot_skill_names(t)]
        assert bare == expected["slot_skill_names"]
        checked += 1
    assert checked >= 2, "every vector must check at least the profession and one more field"


def test_legacy_and_current_forms_hold_the_same_build():
    by_prefix: dict[str, list] = {}
    for code, _, _ in CASES:
        t = decode_build(code)
        key = encode_build(t.__class__(t.profession, t.specializations, t.terrestrial, t.aquatic,
                                       t.profession_block))
        by_prefix.setdefault(key, []).append(t)
    paired = [ts for ts in by_prefix.values() if len(ts) > 1]
    assert len(paired) >= 5
    for ts in paired:
        assert {t.is_legacy for t in ts} == {True, False}


def test_revenant_legend_numberings_resolve():
    # The game's numbering (1..) and the older one from 13 name the same legends.
    assert legend(2).name == legend(14).name
    assert "Shiro" in legend(2).name
    assert legend(99) is None
