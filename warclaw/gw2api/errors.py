"""The typed errors of the GW2 API client.

Callers act on the class (re-prompt for a key, skip an id, wait and poll again); ``str()`` is one
line naming the endpoint and the API's own ``{"text": ...}`` message, never the key.
"""

from __future__ import annotations

from warclaw.errors import UserError


class Gw2ApiError(UserError):
    """Anything the GW2 API client gives up on."""

    def __init__(self, message: str, *, endpoint: str = "", status: int | None = None, text: str = ""):
        self.endpoint = endpoint
        self.status = status
        self.text = text
        super().__init__(f"{endpoint}: {message}" if endpoint else message)


class InvalidKeyError(Gw2ApiError):
    """The key is malformed, unknown or revoked (after the transient 'invalid key' retries)."""


class MissingPermissionError(Gw2ApiError):
    """The key lacks a permission (scope) the endpoint needs; ``permission`` names it."""

    def __init__(self, message: str, *, permission: str, **kw: object):
        self.permission = permission
        super().__init__(message, **kw)  # type: ignore[arg-type]


class NotFoundError(Gw2ApiError):
    """Unknown id(s): ``no such id`` / ``all ids provided are invalid``."""


class BadRequestError(Gw2ApiError):
    """A 400 about the request itself (id list too long, page out of range); retrying cannot help."""


class RateLimitedError(Gw2ApiError):
    """Still answered 429 after backing off for the whole retry budget."""

    def __init__(self, message: str, *, retry_after: float | None = None, **kw: object):
        self.retry_after = retry_after
        super().__init__(message, **kw)  # type: ignore[arg-type]


class ApiUnavailableError(Gw2ApiError):
    """5xx, timeouts or dropped connections that outlasted the retry budget."""


class BadResponseError(Gw2ApiError):
    """A body that is not the JSON we expect: truncated, HTML, or a field missing or of the wrong type."""
