"""Malformed codes raise ChatCodeError (a UserError) with one line that says what is wrong."""

from __future__ import annotations

import base64

import pytest

from warclaw.chatcode import ChatCodeError, decode_build
from warclaw.errors import UserError

from .vectors import other_link_cases

GUARDIAN = "[&DQEQLyo6GzkmDyYPihI2AUgBSAH+AP4AtRKJEgAAAAAAAAAAAAAAAAAAAAACBQAvAAA=]"


def _raw(code: str) -> bytes:
    return base64.b64decode(code[2:-1])


def _wrap(data: bytes) -> str:
    return "[&" + base64.b64encode(data).decode() + "]"


def _with(data: bytes, offset: int, value: int) -> bytes:
    return data[:offset] + bytes([value]) + data[offset + 1:]


RAW = _raw(GUARDIAN)

MALFORMED = [
    ("", "empty chat code"),
    ("   ", "empty chat code"),
    ("[&]", "nothing between"),
    ("[&DQEQ", "missing its closing ']'"),
    ("DQEQ]", "missing its opening '[&'"),
    ("[&DQ*Q]", "not base64: character(s) '*'"),
    ("[&DQ Q]", "not base64: character(s) ' '"),
    ("[&DQ=Q]", "not base64: misplaced '=' padding"),
    ("[&DQEQL]", "cannot be complete"),
    ("[&DQéQ]", "non-ASCII"),
    ("[&AgGqtgAA]", "type byte 0x02 (item link), expected 0x0D"),
    (_wrap(b"\xff" + RAW[1:]), "type byte 0xFF (unknown link type)"),
    (_wrap(RAW[:43]), "truncated: 43 byte(s), expected at least 44"),
    (_wrap(RAW[:45]), "truncated"),
    (_wrap(RAW[:47]), "2 weapons need 4 bytes"),
    (_wrap(RAW[:-1]), "skill variants count is missing"),
    (_wrap(RAW + b"\x00"), "1 unexpected byte(s) after the skill variants"),
    (_wrap(_with(RAW, 1, 0)), "unknown profession code 0 (expected 1..9)"),
    (_wrap(_with(RAW, 1, 10)), "unknown profession code 10"),
    (_wrap(_with(RAW, 3, 0xC0)), "invalid trait byte 0xC0 in specialization line 1"),
]


@pytest.mark.parametrize(("code", "message"), MALFORMED, ids=[m for _, m in MALFORMED])
def test_malformed_code_says_what_is_wrong(code, message):
    with pytest.raises(ChatCodeError) as info:
        decode_build(code)
    text = str(info.value)
    assert message in text
    assert "\n" not in text and text.strip() == text
    assert isinstance(info.value, UserError)


@pytest.mark.parametrize("case", other_link_cases(), ids=lambda c: c["type"])
def test_other_link_types_are_named(case):
    names = {"map": "map", "skill": "skill", "trait": "trait", "recipe": "recipe", "skin": "wardrobe skin",
             "outfit": "outfit", "objective": "WvW objective", "item": "item"}
    with pytest.raises(ChatCodeError, match=f"not a build template link: .*\\({names[case['type']]} link\\)"):
        decode_build(case["code"])


def test_long_input_is_shortened_in_the_message():
    with pytest.raises(ChatCodeError) as info:
        decode_build("[&" + "*" * 500 + "]")
    assert len(str(info.value)) < 150


def test_missing_padding_and_surrounding_space_are_forgiven():
    code = "[&DQEQLyo6GzkmDyYPihI2AUgBSAH+AP4AtRKJEgAAAAAAAAAAAAAAAAAAAAAAAA==]"
    assert decode_build("  " + code[:-3] + "]\n") == decode_build(code)
    assert decode_build(code[2:-1]) == decode_build(code)
