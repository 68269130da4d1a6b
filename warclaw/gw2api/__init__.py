"""Warclaw's GW2 API client: typed models, a polite async client, static-data caching.

Public entry points: :class:`Gw2Client`, :class:`StaticData`, the errors in :mod:`.errors`, the
models in :mod:`.models` and the team-name table in :mod:`.teams`. The fake server for tests and
the demo lives in :mod:`warclaw.gw2api.fake`.
"""

from warclaw.gw2api.cache import StaticData
from warclaw.gw2api.client import ApiResponse, BulkResult, Gw2Client
from warclaw.gw2api.errors import (
    ApiUnavailableError,
    BadRequestError,
    BadResponseError,
    Gw2ApiError,
    InvalidKeyError,
    MissingPermissionError,
    NotFoundError,
    RateLimitedError,
)
from warclaw.gw2api.keys import ApiKey, mask
from warclaw.gw2api.ratelimit import TokenBucket
from warclaw.gw2api.retry import RetryPolicy
from warclaw.gw2api.teams import team_label, team_name

__all__ = [
    "ApiKey", "ApiResponse", "ApiUnavailableError", "BadRequestError", "BadResponseError", "BulkResult",
    "Gw2ApiError", "Gw2Client", "InvalidKeyError", "MissingPermissionError", "NotFoundError",
    "RateLimitedError", "RetryPolicy", "StaticData", "TokenBucket", "mask", "team_label", "team_name",
]
