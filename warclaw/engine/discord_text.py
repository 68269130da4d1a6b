"""A plan as Discord messages: code blocks of at most 2,000 characters, split between parties.

The same text is the clipboard and file export, so what a commander pastes and what Warclaw posts
read alike. Each message is one complete code block (monospace keeps the columns; Discord renders
no markdown and pings nobody inside it), the commander's party comes first, a party never spans
two messages, and the deficits take one line. Names come from roster files and the API, so they
are made terminal-safe (:func:`warclaw.common.clean`) and cannot close the code block.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from warclaw.common import clean
from warclaw.engine import abbrev

if TYPE_CHECKING:  # only the type: posting a finished plan need not load the solvers
    from warclaw.engine.solver import SolveResult

# Discord's limit for a message's content (https://discord.com/developers/docs/resources/message).
MESSAGE_LIMIT = 2000
FENCE = "```"
NAME_MAX = 24       # longer names are cut with an ellipsis (GW2 account names are at most ~27)
DEFICITS_MAX = 500  # the deficits line is cut here, saying how many more there are
COMMANDER_MARK = "*"


def fence_safe(text: object, max_len: int | None = None) -> str:
    """Untrusted text for the inside of a code block: terminal-safe, and no backtick can end the block."""
    return clean(text, max_len).replace("`", "\u02cb")  # MODIFIER LETTER GRAVE ACCENT looks alike


def _deficits_line(deficits: list[str]) -> str:
    if not deficits:
        return "Deficits: none"
    line = "Deficits: "
    for i, d in enumerate(deficits):
        part = ("; " if i else "") + fence_safe(d)
        rest = len(deficits) - i
        if len(line) + len(part) > DEFICITS_MAX - len(f"; … and {rest} more"):
            return line + f"; … and {rest} more" if i else line + f"… {rest} deficits"
        line += part
    return line


def _header(res: SolveResult, n_players: int) -> str:
    if res.status == "optimal":
        proof = "proven optimal"
    else:
        gap = (res.bound - res.score) / res.bound if res.bound else 0.0
        proof = f"within {gap:.1%} of the bound"
    moved = len(res.breakdown.moved) if res.breakdown else 0
    extra = f" · {moved} moved" if moved else ""
    return f"{fence_safe(res.mode, 20)} · {n_players} players · score {res.score:.2f} ({proof}){extra}"


def _party_chunks(res: SolveResult, commanders: set[str] | frozenset[str]) -> list[list[str]]:
    """One list of lines per party, the commander's party first."""
    assert res.plan is not None
    parties = res.plan.parties()
    width = min(NAME_MAX, max((len(fence_safe(n)) for n in res.plan.assignments), default=4))
    cov = res.breakdown.coverage if res.breakdown else {}
    order = sorted(parties, key=lambda g: (not any(n in commanders for n, _ in parties[g]), g))
    chunks = []
    for g in order:
        low = [f"{abbrev.cap(k)} {v:.0%}" for k, v in cov.get(g, {}).items() if v < 1]
        lines = [f"Party {g}" + (" · low: " + " ".join(low) if low else " · all boons covered")]
        for name, build in sorted(parties[g], key=lambda m: (m[0] not in commanders, m[0].casefold())):
            mark = COMMANDER_MARK if name in commanders else " "
            lines.append(f" {mark} {fence_safe(name, NAME_MAX):<{width}}  {fence_safe(abbrev.build(build))}")
        chunks.append(lines)
    return chunks


def _block(lines: list[str]) -> str:
    return f"{FENCE}\n" + "\n".join(lines) + f"\n{FENCE}"


def _pack(first: list[str], chunks: list[list[str]], limit: int) -> list[list[str]]:
    """Whole parties into as few messages as fit ``limit``; the first message starts with ``first``.

    Each message's block begins with a ``Squad plan i/n`` line, filled in afterwards (its width is
    reserved here).
    """
    overhead = len(_block([])) + len("Squad plan 99/99 · ")  # fences and the title
    messages: list[list[str]] = [list(first)]
    size = overhead + sum(len(x) + 1 for x in first)
    for chunk in chunks:
        need = sum(len(x) + 1 for x in chunk)
        if size + need > limit and messages[-1]:
            messages.append([])
            size = overhead
        if overhead + need > limit:  # a party too big for any message (never with 5-10 players): by line
            for line in chunk:
                if size + len(line) + 1 > limit and messages[-1]:
                    messages.append([])
                    size = overhead
                messages[-1].append(line)
                size += len(line) + 1
            continue
        messages[-1] += chunk
        size += need
    return messages


def plan_messages(res: SolveResult, commanders: set[str] | frozenset[str] = frozenset(),
                  limit: int = MESSAGE_LIMIT) -> list[str]:
    """The plan as Discord messages, each one code block of at most ``limit`` characters."""
    if res.plan is None:
        return [_block([f"No plan: {fence_safe(res.reason or res.status, limit - 40)}"])]
    deficits = res.breakdown.deficits if res.breakdown else []
    first = [_header(res, len(res.plan.assignments)), _deficits_line(deficits)]
    packed = _pack(first, _party_chunks(res, commanders), limit)
    n = len(packed)
    out = []
    for i, lines in enumerate(packed, 1):
        title = f"Squad plan {i}/{n}" if n > 1 else "Squad plan"
        if i == 1:  # the header line follows the title
            lines = [f"{title} · {lines[0]}", *lines[1:]]
        else:
            lines = [title, *lines]
        out.append(_block(lines))
    return out


def plan_export_text(res: SolveResult, commanders: set[str] | frozenset[str] = frozenset()) -> str:
    """The clipboard / file export: the Discord messages one after another."""
    return "\n".join(plan_messages(res, commanders)) + "\n"
