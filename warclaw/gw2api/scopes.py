"""Which endpoints need a key and which permissions (scopes) they need (API_NOTES.md §3)."""

from __future__ import annotations

import re

# Ordered: first match wins. ``None`` = no key needed; a tuple = key needed with these permissions.
_RULES: list[tuple[re.Pattern[str], tuple[str, ...] | None]] = [
    (re.compile(r"^/v2/tokeninfo$"), ()),
    (re.compile(r"^/v2/account/wvw$"), ("account", "wvw")),
    (re.compile(r"^/v2/account(/.*)?$"), ("account",)),
    (re.compile(r"^/v2/characters/[^/]+/buildtabs(/.*)?$"), ("account", "characters", "builds")),
    (re.compile(r"^/v2/characters(/.*)?$"), ("account", "characters")),
    (re.compile(r"^/v2/guild/[^/]+/members$"), ("account", "guilds")),
]
# /v2/guild/:id answers without a key; with one it adds member-only fields, but a non-member's key
# gets 403 instead of the public fields (arenanet/api-cdi#647), so the key is sent only on request.


def required_scopes(path: str) -> tuple[str, ...] | None:
    for pattern, scopes in _RULES:
        if pattern.match(path):
            return scopes
    return None
