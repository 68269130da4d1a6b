"""Fuzzing: whatever is pasted, only ChatCodeError escapes, and what decodes re-encodes to itself."""

from __future__ import annotations

import base64

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from warclaw.chatcode import ChatCodeError, decode_build, encode_build, match_build, slot_skill_names

from .vectors import raw_vectors

REAL = [base64.b64decode(v["chat_code"][2:-1]) for v in raw_vectors()]
FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@st.composite
def mutated_real_bytes(draw) -> bytes:
    data = bytearray(draw(st.sampled_from(REAL)))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "cut", "insert", "append"]))
        pos = draw(st.integers(0, max(len(data) - 1, 0)))
        if op == "flip" and data:
            data[pos] ^= 1 << draw(st.integers(0, 7))
        elif op == "set" and data:
            data[pos] = draw(st.integers(0, 255))
        elif op == "cut":
            del data[pos:]
        elif op == "insert":
            data[pos:pos] = draw(st.binary(min_size=1, max_size=6))
        else:
            data += draw(st.binary(min_size=1, max_size=9))
    return bytes(data)


def _wrapped(text: str, wrap: bool) -> str:
    return f"[&{text}]" if wrap else text


def _check(code: str, catalog) -> None:
    try:
        t = decode_build(code)
    except ChatCodeError as e:
        assert str(e) and "\n" not in str(e)
        return
    again = encode_build(t)
    assert decode_build(again) == t
    assert encode_build(decode_build(again)) == again
    slot_skill_names(t)
    slot_skill_names(t, aquatic=True)
    build_id, confidence, reason = match_build(t, catalog)
    assert 0.0 <= confidence <= 1.0 and reason


@FUZZ
@given(data=st.binary(max_size=80), wrap=st.booleans())
def test_random_bytes(data, wrap, catalog):
    _check(_wrapped(_b64(data), wrap), catalog)


@FUZZ
@given(data=st.binary(min_size=44, max_size=80), profession=st.integers(1, 9), wrap=st.booleans())
def test_random_build_bodies(data, profession, wrap, catalog):
    # Type byte and profession fixed so that the fuzzer reaches the array and block parsing.
    _check(_wrapped(_b64(bytes([0x0D, profession]) + data[2:]), wrap), catalog)


@FUZZ
@given(data=mutated_real_bytes(), wrap=st.booleans())
def test_mutated_real_codes(data, wrap, catalog):
    _check(_wrapped(_b64(data), wrap), catalog)


@FUZZ
@given(code=st.sampled_from(REAL).map(_b64), edits=st.lists(
    st.tuples(st.integers(0, 200), st.sampled_from("A/+=]&[ é\n\x00z9")), max_size=4), wrap=st.booleans())
def test_mutated_real_code_text(code, edits, wrap, catalog):
    text = _wrapped(code, wrap)
    for pos, ch in edits:
        pos = pos % (len(text) + 1)
        text = text[:pos] + ch + text[pos + 1:]
    _check(text, catalog)


@FUZZ
@given(text=st.text(max_size=120))
def test_random_text(text, catalog):
    _check(text, catalog)
