"""Alerts as Discord webhook payloads: one embed per alert, or digest embeds for a burst.

Names in alerts (guilds, teams, objectives) come from the API, so they are made terminal-safe and
their markdown is escaped; every payload carries ``allowed_mentions: {"parse": []}`` so nothing
in it can ping ``@everyone`` or a role. Sizes stay within Discord's embed limits (10 embeds, 4,096
characters of description, 6,000 characters in all per message).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from warclaw.common import clean

EMBEDS_PER_MESSAGE = 10
DESCRIPTION_MAX = 4000   # Discord allows 4,096; a margin for the line that does not fit
MESSAGE_CHARS_MAX = 5800  # Discord allows 6,000 over all embeds of a message
TITLE_MAX = 250
FOOTER_MAX = 2000         # Discord allows 2,048
LINE_MAX = 300

TEAM_COLORS = {"red": 0xE74C3C, "green": 0x2ECC71, "blue": 0x3498DB}
GREY = 0x95A5A6
# Put on an alert sent again by hand (`warclaw alerts resend`): it may be in the channel already.
RESENT = " (resent)"

_MARKDOWN = re.compile(r"([\\*_~`|>#\[\]()-])")


def md(text: object, max_len: int = 120) -> str:
    """Untrusted text for a Discord embed: terminal-safe, markdown escaped, mentions defused."""
    s = clean(text, max_len)
    s = _MARKDOWN.sub(r"\\\1", s)
    return s.replace("@", "@\u200b")  # a zero-width space: "@everyone" shows but cannot ping


def color_of(team: str | None) -> int:
    return TEAM_COLORS.get((team or "").lower(), GREY)


def timestamp_tag(when: datetime) -> str:
    """Discord's timestamp markup: every reader sees the time in their own time zone."""
    return f"<t:{int(when.timestamp())}:t>"


def id_marker(ids: Sequence[int]) -> str:
    """The outbox ids of a message, compact (``#12–15, #18``): each message says which alerts it
    carries, so a reader (or a test) can match an alert marked unconfirmed to what the channel shows."""
    out: list[str] = []
    run: list[int] = []
    for i in sorted(ids):
        if run and i == run[-1] + 1:
            run.append(i)
            continue
        if run:
            out.append(f"#{run[0]}" if len(run) == 1 else f"#{run[0]}–{run[-1]}")
        run = [i]
    if run:
        out.append(f"#{run[0]}" if len(run) == 1 else f"#{run[0]}–{run[-1]}")
    return ", ".join(out)


def alert_embed(alert: dict[str, Any], rule: str, marker: int | None = None) -> dict[str, Any]:
    footer = f"warclaw · {rule}" + (f" · #{marker}" if marker is not None else "")
    embed: dict[str, Any] = {
        "title": alert["title"][:TITLE_MAX],
        "color": int(alert.get("color", GREY)),
        "footer": {"text": footer + (RESENT if alert.get("resent") else "")},
    }
    if alert.get("description"):
        embed["description"] = alert["description"][:DESCRIPTION_MAX]
    if alert.get("timestamp"):
        embed["timestamp"] = alert["timestamp"]
    return embed


def _size(embed: dict[str, Any]) -> int:
    return len(embed.get("title", "")) + len(embed.get("description", "")) + len(embed["footer"]["text"])


def messages_for(alerts: Sequence[dict[str, Any]], rule: str, *, username: str,
                 digest_after: int, ids: Sequence[int] | None = None) -> list[tuple[int, dict[str, Any]]]:
    """Webhook payloads for the alerts of one rule, oldest first: ``(how many alerts, payload)``.

    Up to ``digest_after`` alerts: one message with an embed each. More (a burst, or what piled up
    during a cooldown): digest messages, one line per alert, as few messages as the limits allow.
    ``ids`` (the outbox ids, one per alert) go into the footers: ``warclaw · rule · #12`` or
    ``warclaw · rule · #12–40 · digest``.
    """
    base = {"username": username, "allowed_mentions": {"parse": []}}
    marks: list[int | None] = list(ids) if ids is not None else [None] * len(alerts)
    if len(alerts) <= digest_after:
        return [(len(alerts), {**base, "embeds": [alert_embed(a, rule, m) for a, m in zip(alerts, marks, strict=True)]})]
    out: list[tuple[int, dict[str, Any]]] = []
    embeds: list[dict[str, Any]] = []
    lines: list[str] = []
    line_ids: list[int] = []
    count = in_message = 0
    total = len(alerts)

    def footer(these: list[int]) -> str:
        return f"warclaw · {rule} · {id_marker(these)} · digest" if these else f"warclaw · {rule} · digest"

    def close_embed() -> None:
        nonlocal lines, line_ids
        if lines:
            embeds.append({"title": "", "description": "\n".join(lines), "color": GREY,
                           "footer": {"text": footer(line_ids)}})
            lines, line_ids = [], []

    def close_message() -> None:
        nonlocal embeds, in_message
        close_embed()
        if embeds:
            out.append((in_message, {**base, "embeds": embeds}))
        embeds, in_message = [], 0

    for a, mark in zip(alerts, marks, strict=True):
        line = (a.get("line") or a["title"])[:LINE_MAX] + (RESENT if a.get("resent") else "")
        mark_len = len(str(mark)) + 4 if mark is not None else 0  # the footer grows by one id at most
        desc_len = sum(len(x) + 1 for x in lines)
        if desc_len + len(line) + 1 > DESCRIPTION_MAX or len(footer(line_ids)) + mark_len > FOOTER_MAX:
            close_embed()
        used = sum(_size(e) for e in embeds) + sum(len(x) + 1 for x in lines) + len(footer(line_ids)) + 120
        if (used + len(line) + 1 + mark_len > MESSAGE_CHARS_MAX
                or (not lines and len(embeds) >= EMBEDS_PER_MESSAGE)):
            close_message()
        lines.append(line)
        if mark is not None:
            line_ids.append(mark)
        in_message += 1
        count += 1
    close_message()
    # Title each digest message with its place in the burst.
    first = 1
    for n, payload in out:
        payload["embeds"][0]["title"] = f"{total} alerts ({first}–{first + n - 1})" if len(out) > 1 else f"{total} alerts"
        first += n
    return out
