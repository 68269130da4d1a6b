"""What the commands print: every line terminal-safe.

Roster names, world and guild names, API error texts and file contents are untrusted; they reach
stdout through :func:`echo`, which applies :func:`warclaw.common.clean` to each line, so nothing a
command prints can retitle the terminal, clear the screen or move the cursor. Error lines (stderr)
also mask anything shaped like an API key (:func:`error_line`).
"""

from __future__ import annotations

import sys

from warclaw.common import clean_lines, safe_line


def echo(text: object = "") -> None:
    print(clean_lines(text))


def error_line(text: object) -> None:
    print(f"warclaw: {safe_line(text)}", file=sys.stderr)
