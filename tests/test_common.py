"""The shared facts: secrets masked wherever they appear, untrusted text that cannot drive a terminal."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from rich.text import Text

from warclaw.common import (
    clean,
    clean_lines,
    compact_number,
    markup_safe,
    mask,
    parse_api_time,
    safe_line,
    scrub_secrets,
)

KEY = "ABCDEF12-3456-7890-ABCD-EF1234567890ABCDEF12-3456-7890-ABCD-EF1234567890"


def test_mask_shows_only_the_ends():
    assert mask(KEY) == "ABCD…7890"
    assert mask("short") == "…"


@pytest.mark.parametrize(
    "text",
    [
        f'[api] base_url = "{KEY}"',
        f"error: {KEY[:57]} is not a URL",  # a key cut short in an error message
        f"key={KEY.lower()}",
    ],
)
def test_scrub_secrets_masks_keys_and_fragments_in_any_text(text):
    out = scrub_secrets(text)
    assert KEY[8:40].lower() not in out.lower()
    assert "…" in out


@pytest.mark.parametrize(
    "hostile",
    ["\x1b]0;pwned\x07title", "\x1b[2J\x1b[Hclear", "a\x1bcb", "nul\x00x", "new\nline", "\x9bCSI", "bidi\u202eevil"],
)
def test_clean_leaves_no_control_bytes(hostile):
    out = clean(hostile)
    assert "\x1b" not in out and "\x9b" not in out and "\n" not in out and "\x00" not in out and "\u202e" not in out
    assert out.isprintable()


def test_clean_keeps_printable_text_and_cuts_with_an_ellipsis():
    assert clean("Aelin.1234 [TAG]") == "Aelin.1234 [TAG]"
    assert clean("x" * 10, max_len=5) == "xxxx…"


@given(st.text(alphabet=st.characters(blacklist_characters="\\\\")))
def test_markup_safe_renders_exactly_the_cleaned_text(s):
    assert Text.from_markup(markup_safe(s)).plain == clean(s)
    # As it is used: interpolated between markup tags.
    assert Text.from_markup(f"[bold]{markup_safe(s)}[/bold][dim]x[/dim]").plain == clean(s) + "x"


@given(st.text())
def test_markup_safe_never_lets_markup_through(s):
    # Rich reads backslashes before a bracket as escapes, so they may show doubled; what matters is
    # that no untrusted text styles, links or closes anything, and that nothing raises.
    t = Text.from_markup(f"[bold]{markup_safe(s)}[/bold][dim]x[/dim]")
    assert t.plain.endswith("x") and t.plain.replace("\\", "")[:-1] == clean(s).replace("\\", "")
    assert sorted((sp.start, sp.end, str(sp.style)) for sp in t.spans) == sorted([(0, len(t.plain) - 1, "bold"), (len(t.plain) - 1, len(t.plain), "dim")])


@pytest.mark.parametrize("tag", ["[/]", "[b]", "\\", "[link=x]y[/link]", "\\[b]"])
def test_markup_safe_guild_tags(tag):
    assert Text.from_markup(f"[bold]{markup_safe(tag)}[/bold]").plain == tag


def test_parse_api_time_is_utc():
    t = parse_api_time("2025-04-18T18:00:00Z")
    assert t.utcoffset().total_seconds() == 0 and t.hour == 18


def test_clean_lines_keeps_line_breaks_only():
    assert clean_lines("a\x1b[2J\nb\x07\r") == "a\nb\u2407\u240d"


def test_safe_line_is_one_terminal_safe_line_with_keys_masked():
    out = safe_line(f"bad\x1b]0;t\x07 value\n{KEY}")
    assert out.isprintable() and "\n" not in out and KEY[8:40] not in out and "ABCD…7890" in out


@pytest.mark.parametrize("value, text", [(0, "0"), (950, "950"), (999.6, "1k"), (1234, "1.2k"), (12_345, "12k"),
                                         (583_405, "583k"), (999_999, "1M"), (1_234_567, "1.2M"), (-1500, "-1.5k")])
def test_compact_number_reads_at_a_glance(value, text):
    assert compact_number(value) == text


def test_compact_number_with_a_step_keeps_neighbours_apart():
    assert [compact_number(v, 200) for v in (800, 1000, 1200)] == ["800", "1.0k", "1.2k"]
    assert [compact_number(v, 500) for v in (10_000, 10_500)] == ["10.0k", "10.5k"]
    assert [compact_number(v, 20_000) for v in (980_000, 1_000_000)] == ["980k", "1.00M"]


@given(st.floats(min_value=1, max_value=1e10), st.integers(min_value=2, max_value=12))
def test_compact_number_ticks_are_distinct_and_short(step, n):
    labels = [compact_number(k * step, step) for k in range(n)]
    assert len(set(labels)) == n
    assert all(len(x) <= 8 for x in labels)
