"""Facts every part of Warclaw shares: secrets and their masks, untrusted text, API times, team colours.

This module imports only the standard library so that the engine, the store, the daemon, the API
client and the TUI may all use it without breaking the one-way dependencies.
"""

from __future__ import annotations

import math
import os
import re
import unicodedata
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

# --- secrets -------------------------------------------------------------------------------------

# Classic GW2 API keys: a GUID followed by a second GUID whose last group is split
# (8-4-4-4-20-4-4-4-12), upper-case hex. Subtokens from /v2/createsubtoken are JWTs.
_HEX = "[0-9A-Fa-f]"
CLASSIC_KEY = re.compile(
    rf"{_HEX}{{8}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{20}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{4}}-{_HEX}{{12}}"
)
JWT_KEY = re.compile(r"[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}")
# A key pasted into the wrong place may be cut or reflowed; any run of 20+ hex digits and dashes
# that holds at least one full GUID-sized group is treated as key material too.
_KEYISH = re.compile(rf"{_HEX}{{8}}-(?:{_HEX}{{4}}-){{2,}}[0-9A-Fa-f-]{{4,}}")


def mask(secret: str) -> str:
    """``ABCD…1234``; short strings are fully hidden so that nothing useful leaks."""
    if len(secret) < 12:
        return "…"
    return f"{secret[:4]}…{secret[-4:]}"


# A Discord webhook URL is a password: whoever has it can post as the webhook. Its secret part is the
# token after the numeric id (https://discord.com/api/webhooks/<id>/<token>, also /api/v10/...); the
# pattern matches the path anywhere, so a URL inside an error message or a bare path is caught too.
WEBHOOK_PATH = re.compile(r"(/webhooks/\d{1,25}/)([A-Za-z0-9_-]{8,})")


def mask_webhook_url(url: str) -> str:
    """``https://discord.com/api/webhooks/1234/abcd…wxyz``: the token masked, the rest kept to tell webhooks apart."""
    return WEBHOOK_PATH.sub(lambda m: m.group(1) + mask(m.group(2)), url)


def scrub_secrets(text: str) -> str:
    """Mask anything in ``text`` that looks like a GW2 API key (classic, subtoken or a fragment) or
    a Discord webhook token."""
    text = mask_webhook_url(text)
    text = CLASSIC_KEY.sub(lambda m: mask(m.group(0)), text)
    text = JWT_KEY.sub(lambda m: mask(m.group(0)), text)
    return _KEYISH.sub(lambda m: mask(m.group(0)), text)


# --- untrusted text ------------------------------------------------------------------------------

# ESC-introduced sequences: CSI (ESC [ ... final), OSC (ESC ] ... BEL or ST), other two-byte escapes.
_ESCAPE_SEQ = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b[@-_]?")


def _visible(ch: str) -> str:
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # the Unicode "control pictures": ␀ ␊ ␛ ...
    if code == 0x7F:
        return "\u2421"
    return f"\\u{code:04x}"


def clean(text: object, max_len: int | None = None) -> str:
    """Untrusted text made safe to show on a terminal, in a log line or in a table cell.

    Escape sequences are dropped; any other control character (C0, DEL, C1, bidi overrides) is
    shown as a visible stand-in, so nothing from the API or a roster file can move the cursor,
    retitle the terminal or clear the screen. ``max_len`` cuts with an ellipsis.
    """
    s = text if isinstance(text, str) else str(text)
    if s.isprintable():
        out = s
    else:
        s = _ESCAPE_SEQ.sub("", s)
        out = "".join(
            ch if ch.isprintable() or (ch == " ") else (_visible(ch) if unicodedata.category(ch) in {"Cc", "Cf", "Zl", "Zp"} else ch)
            for ch in s
        )
    if max_len is not None and len(out) > max_len:
        out = out[: max(0, max_len - 1)] + "…"
    return out


def markup_safe(text: object, max_len: int | None = None) -> str:
    """:func:`clean` text, with Rich/Textual markup escaped, for interpolation into markup."""
    # Only a bracket that opens something tag-like is markup (the same rule Rich applies); the
    # backslashes before it are doubled so they stay literal.
    s = _TAG_LIKE.sub(lambda m: m.group(1) * 2 + "\\" + m.group(2), clean(text, max_len))
    # A trailing backslash would escape whatever markup the caller puts after the text.
    return s + "\\" if s.endswith("\\") else s


_TAG_LIKE = re.compile(r"(\\*)(\[[a-z#/@][^[]*?])")


def clean_lines(text: object) -> str:
    """:func:`clean` applied to each line of ``text``: a report or a table keeps its line breaks,
    but no line can carry an escape sequence or another control character."""
    s = text if isinstance(text, str) else str(text)
    return "\n".join(clean(line) for line in s.split("\n"))


def safe_line(text: object) -> str:
    """An error or log message as it may be shown: :func:`clean` (one line, nothing that drives
    a terminal) and then :func:`scrub_secrets` (a key pasted into any field is masked)."""
    return scrub_secrets(clean(text))


# --- API times and teams -------------------------------------------------------------------------


def age_text(seconds: float | None) -> str:
    """How long ago, as a status line or bar shows it: ``42s``, ``12m``, ``3h05m``, ``4d``."""
    if seconds is None:
        return "never"
    s = int(max(0, seconds))
    if s < 120:
        return f"{s}s"
    if s < 7200:
        return f"{s // 60}m"
    if s < 172800:
        return f"{s // 3600}h{s % 3600 // 60:02d}m"
    return f"{s // 86400}d"


def compact_number(value: float, step: float | None = None) -> str:
    """A number as a chart axis or a narrow column shows it: ``950``, ``1.2k``, ``583k``, ``1.2M``.

    ``step``: the spacing of numbers shown together (an axis's ticks); they get enough decimals to
    differ (``10.5k`` beside ``11.0k``). Without it: three significant figures at most."""
    for div, suffix in ((1.0, ""), (1e3, "k"), (1e6, "M"), (1e9, "B")):
        v = value / div
        if step is not None:
            decimals = max(0, math.ceil(-math.log10(step / div) - 1e-9)) if step > 0 else 0
            text = f"{v:.{decimals}f}"
        else:
            text = f"{v:.1f}" if abs(v) < 9.95 else f"{v:.0f}"
            text = text.removesuffix(".0")
        if abs(float(text)) < 1000 or suffix == "B":
            return ("0" if float(text) == 0 else text) + suffix
    raise AssertionError("unreachable")


COLORS = ("red", "blue", "green")


def parse_api_time(value: str) -> datetime:
    """An API timestamp (``2025-04-18T18:00:00Z``) as an aware UTC datetime."""
    return datetime.fromisoformat(value.replace("Z", "+00:00")).astimezone(UTC)


# --- input limits --------------------------------------------------------------------------------

# Every file a person hands Warclaw (config, roster, plan, catalog) is read at most this far: the
# largest real one is a few hundred kB, and `--config /dev/zero` must fail at once, not eat memory.
MAX_FILE_BYTES = 16 * 1024 * 1024
# A config, roster or plan is at most four tables deep; parsers recurse, so deeper input is refused.
MAX_DEPTH = 32
# Names (players, rosters, builds): the database's columns hold 80 characters.
MAX_NAME_LEN = 80
# The highest party number a lock may name: 50,000 players, far past any raid, and well inside the
# database's 64-bit integers (`lock_party = 10**20` is refused, not an OverflowError).
MAX_PARTY = 10_000


class InputTooLarge(ValueError):
    """A file over :data:`MAX_FILE_BYTES`, or nested deeper than :data:`MAX_DEPTH`; ``str()`` says
    so in words, for a message that names the file."""


def read_bounded(path: str | os.PathLike[str], limit: int = MAX_FILE_BYTES) -> bytes:
    """The file's bytes, refusing (:class:`InputTooLarge`) to read more than ``limit``: devices and
    endless files (``/dev/zero``) fail after ``limit`` bytes instead of filling memory."""
    with open(path, "rb") as fh:
        data = fh.read(limit + 1)
    if len(data) > limit:
        raise InputTooLarge(f"larger than {limit // (1024 * 1024)} MiB, refused")
    return data


def nesting_depth(value: object, limit: int = MAX_DEPTH) -> int:
    """How deep lists and dicts nest in ``value``, counted without recursion and up to ``limit + 1``."""
    deepest = 0
    stack: list[tuple[object, int]] = [(value, 0)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, (list, tuple, dict)):
            depth += 1
            deepest = max(deepest, depth)
            if depth > limit:
                return depth
            stack.extend((v, depth) for v in (node.values() if isinstance(node, dict) else node))
    return deepest


def parse_nested(parse: Callable[[str], Any], text: str, limit: int = MAX_DEPTH) -> Any:
    """``parse(text)`` (``tomllib.loads``, ``json.loads``), refusing input nested deeper than
    ``limit`` (:class:`InputTooLarge`) instead of letting the recursive parser or a later walk over
    the result raise RecursionError."""
    try:
        data = parse(text)
    except RecursionError:
        raise InputTooLarge(f"nested more than {limit} levels deep, refused") from None
    if nesting_depth(data, limit) > limit:
        raise InputTooLarge(f"nested more than {limit} levels deep, refused")
    return data


# What clean() would not show as written (controls, format characters such as bidi overrides,
# line and paragraph separators), and lone surrogates, which no database can store.
_NOT_IN_NAMES = frozenset({"Cc", "Cf", "Zl", "Zp", "Cs"})


def name_problem(value: object, max_len: int = MAX_NAME_LEN) -> str | None:
    """Why ``value`` cannot be a name (a player, roster or build), or None if it can.

    A name is shown on terminals and in CSV cells and compared with ``with`` lists, so control
    characters (newlines, NUL, escapes), surrounding spaces and overlong text are refused.
    """
    if not isinstance(value, str) or not value.strip():
        return "expected a non-empty string"
    if len(value) > max_len:
        return f"expected at most {max_len} characters, got {len(value)}"
    bad = next((ch for ch in value if unicodedata.category(ch) in _NOT_IN_NAMES), None)
    if bad is not None:
        return f"must not contain control characters (found {_visible(bad)}): {clean(value)!r}"
    if value != value.strip():
        return f"must not start or end with spaces: {value!r}"
    return None


# --- roster fields -------------------------------------------------------------------------------

# A player of the roster TOML (the engine's shape; the database stores the same fields).
PLAYER_KEYS = frozenset({"name", "builds", "commander", "lock_party", "lock_build", "with", "present"})
# A roster's own keys: ``name`` is allowed (and ignored) in a file, the name is given where it is stored.
ROSTER_KEYS = frozenset({"mode", "players", "name"})


def player_problem(d: object, where: str, *, builds_required: bool = True) -> str | None:
    """Why the mapping ``d`` cannot be a roster player, as one line starting with ``where``, or None.

    The one check of a player's fields that needs no build catalog, for the engine (which then
    resolves the builds against its catalog) and for the store (``builds_required=False``: a player
    linked to an API key is stored before the daemon derives his builds). So ``roster import``, the
    TUI's edits and ``optimize`` refuse the same players with the same words.
    """
    if not isinstance(d, dict):
        return f"{where}: expected a table with name and builds"
    unknown = set(d) - PLAYER_KEYS
    if unknown:
        return (f"{where}: unknown key {clean(sorted(map(str, unknown))[0], 40)!r};"
                f" expected: {', '.join(sorted(PLAYER_KEYS))}")
    name = d.get("name")
    problem = name_problem(name)
    if problem:
        return f"{where}.name: {problem}"
    where = f"{where} ({name})"
    builds = d.get("builds", None if builds_required else [])
    if not isinstance(builds, list) or not all(isinstance(b, str) for b in builds):
        return f"{where}.builds: expected a list of build ids or spec names"
    if builds_required and not builds:
        return f"{where}.builds: expected at least one build id or spec name"
    for b in builds:
        problem = name_problem(b)
        if problem:
            return f"{where}.builds: {clean(b, 60)!r}: {problem}"
    for flag in ("commander", "present"):
        if not isinstance(d.get(flag, False), bool):
            return f"{where}.{flag}: expected true or false"
    lock_party = d.get("lock_party")
    if lock_party is not None and (isinstance(lock_party, bool) or not isinstance(lock_party, int)
                                   or not 1 <= lock_party <= MAX_PARTY):
        return f"{where}.lock_party: expected a party number from 1 to {MAX_PARTY}, got {clean(repr(lock_party), 40)}"
    lock_build = d.get("lock_build")
    if lock_build is not None:
        if not isinstance(lock_build, str):
            return f"{where}.lock_build: expected a build id or spec name"
        problem = name_problem(lock_build)
        if problem:
            return f"{where}.lock_build: {problem}"
    with_ = d.get("with", [])
    if not isinstance(with_, list) or not all(isinstance(w, str) for w in with_):
        return f"{where}.with: expected a list of player names"
    for w in with_:
        problem = name_problem(w)
        if problem:
            return f"{where}.with: player name {clean(w, 40)!r}: {problem}"
    return None
