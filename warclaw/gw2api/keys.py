"""API keys: shape validation and masking.

A key is a secret that grants account access, so the only place its full text exists is the
``Authorization`` header; everything printable (repr, str, logs, errors) shows ``ABCD…1234``.
"""

from __future__ import annotations

import re

from warclaw.common import mask, scrub_secrets
from warclaw.gw2api.errors import InvalidKeyError

__all__ = ["ApiKey", "mask"]

# Classic keys: a GUID followed by a second GUID with its last group split (8-4-4-4-20-4-4-4-12),
# upper-case hex. Subtokens from /v2/createsubtoken are JWTs (three base64url segments).
_CLASSIC = re.compile(r"^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{20}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$")
_JWT = re.compile(r"^[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}$")


class ApiKey:
    """A validated key. ``str()``/``repr()`` are masked; ``.secret`` is for the HTTP header only."""

    __slots__ = ("_secret",)

    def __init__(self, secret: str):
        secret = secret.strip()
        if not (_CLASSIC.match(secret.upper()) or _JWT.match(secret)):
            raise InvalidKeyError(
                f"API key {mask(secret)} is not a GW2 API key (expected 72 characters like "
                "XXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXXXXXXXXXX-XXXX-XXXX-XXXX-XXXXXXXXXXXX, or a subtoken)"
            )
        self._secret = secret

    @property
    def secret(self) -> str:
        return self._secret

    @property
    def masked(self) -> str:
        return mask(self._secret)

    def scrub(self, text: str) -> str:
        """Replace any occurrence of the key in ``text`` (e.g. an echoed URL), or of anything else
        shaped like a key, by its mask."""
        return scrub_secrets(text.replace(self._secret, self.masked))

    def __str__(self) -> str:
        return self.masked

    def __repr__(self) -> str:
        return f"ApiKey({self.masked})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ApiKey) and other._secret == self._secret

    def __hash__(self) -> int:
        return hash(self._secret)
