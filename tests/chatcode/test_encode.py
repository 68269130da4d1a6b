"""Encoding built templates: any valid template survives encode -> decode unchanged."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warclaw.chatcode import (
    BuildTemplate,
    RangerPets,
    RevenantLegends,
    SpecializationChoice,
    decode_build,
    encode_build,
    legends_block,
    pets_block,
)

u8, u16, u32 = st.integers(0, 0xFF), st.integers(0, 0xFFFF), st.integers(0, 0xFFFFFFFF)
trait = st.integers(0, 3)
line = st.builds(SpecializationChoice, u8, st.tuples(trait, trait, trait))
five = st.tuples(u16, u16, u16, u16, u16)


@st.composite
def templates(draw) -> BuildTemplate:
    legacy = draw(st.booleans())
    return BuildTemplate(
        profession=draw(st.integers(1, 9)),
        specializations=draw(st.tuples(line, line, line)),
        terrestrial=draw(five), aquatic=draw(five),
        profession_block=draw(st.binary(min_size=16, max_size=16)),
        weapons=None if legacy else tuple(draw(st.lists(u16, max_size=6))),
        skill_variants=None if legacy else tuple(draw(st.lists(u32, max_size=6))),
    )


@settings(max_examples=300, deadline=None)
@given(templates())
def test_any_template_round_trips(template):
    code = encode_build(template)
    assert code.startswith("[&DQ") and code.endswith("]")
    assert decode_build(code) == template


def test_pets_and_legends_blocks_read_back():
    pets = RangerPets(terrestrial=(59, 17), aquatic=(21, 47))
    ranger = BuildTemplate(4, (SpecializationChoice(30, (1, 1, 1)),) * 3, (0,) * 5, (0,) * 5, pets_block(pets), (), ())
    assert decode_build(encode_build(ranger)).pets == pets

    legends = RevenantLegends((4, 2), (3, 0), (4564, 4651, 0), (0, 0, 4614))
    rev = BuildTemplate(9, (SpecializationChoice(0, (0, 0, 0)),) * 3, (4572,) * 5, (0,) * 5, legends_block(legends))
    back = decode_build(encode_build(rev))
    assert back.legends == legends and back.pets is None and back.is_legacy


@pytest.mark.parametrize(("change", "message"), [
    ({"weapons": ()}, "both present"),
    ({"profession_block": b"\x00"}, "16 bytes"),
    ({"terrestrial": (70000, 0, 0, 0, 0)}, "out of range"),
    ({"specializations": (SpecializationChoice(1, (4, 0, 0)),) * 3}, "0..3"),
])
def test_unencodable_templates_raise_value_error(change, message):
    base = dict(profession=1, specializations=(SpecializationChoice(16, (1, 2, 3)),) * 3,
                terrestrial=(0,) * 5, aquatic=(0,) * 5)
    with pytest.raises(ValueError, match=message):
        encode_build(BuildTemplate(**{**base, **change}))
