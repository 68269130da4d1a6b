"""The async GW2 API client: one instance per process, shared by every caller.

Polite (one token bucket for all calls), exact (every body validated into a model) and hard to
knock over (retries with jittered backoff inside a bounded time, typed errors after that).
Time is injectable (``clock``, ``sleep``, ``rng``) so tests can run a 90-second retry storm in
milliseconds.

    async with Gw2Client.from_config(cfg.api) as api:
        match = await api.match_for_world(12008)
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar
from urllib.parse import quote

import httpx

from warclaw import __version__
from warclaw.config import ApiConfig
from warclaw.gw2api import models as m
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
from warclaw.gw2api.keys import ApiKey
from warclaw.gw2api.models.base import parse
from warclaw.gw2api.ratelimit import TokenBucket
from warclaw.gw2api.retry import RetryPolicy, parse_retry_after
from warclaw.gw2api.scopes import required_scopes

log = logging.getLogger("warclaw.gw2api")

T = TypeVar("T")
MAX_IDS = 200  # the API's hard limit per ids= request
_MAX_AGE = re.compile(r"max-age=(\d+)")
_TRANSIENT_KEY_TEXTS = ("invalid key", "invalid access token", "errbaddata", "errinternal")


@dataclass
class ApiResponse:
    status: int
    data: Any
    headers: httpx.Headers

    @property
    def max_age(self) -> float | None:
        """``Cache-Control: max-age`` in seconds, if the response said."""
        found = _MAX_AGE.search(self.headers.get("cache-control", ""))
        return float(found.group(1)) if found else None

    @property
    def page_total(self) -> int | None:
        raw = self.headers.get("x-page-total")
        return int(raw) if raw and raw.isdigit() else None

    @property
    def result_total(self) -> int | None:
        raw = self.headers.get("x-result-total")
        return int(raw) if raw and raw.isdigit() else None


class BulkResult(list[T], Generic[T]):
    """A bulk answer (a plain list) plus the smallest ``max-age`` among the responses it took."""

    max_age: float | None = None


class _Retry(Exception):
    """Internal: this attempt failed in a way worth another try."""

    def __init__(self, kind: str, error: Gw2ApiError, wait: float | None = None):
        self.kind = kind
        self.error = error
        self.wait = wait


def _error_text(resp: httpx.Response) -> str:
    """The API's ``{"text": ...}`` (or 2025-style ``{"error": ...}``), or a short hint of what came instead."""
    try:
        body = resp.json()
    except ValueError:
        body = None
    if isinstance(body, dict):
        for field in ("text", "error"):
            if isinstance(body.get(field), str):
                return str(body[field])
    raw = resp.text.strip()
    if "<html" in raw[:200].lower() or "<!doctype" in raw[:200].lower():
        return "HTML error page"
    return raw[:80] or "empty body"


class Gw2Client:
    def __init__(
        self,
        config: ApiConfig | None = None,
        *,
        key: str | ApiKey | None = None,
        limiter: TokenBucket | None = None,
        policy: RetryPolicy | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        check_permissions: bool = True,
    ):
        self.config = config or ApiConfig()
        raw_key = key if key is not None else (self.config.key or None)
        # Shape is checked here, before any request, so a typo never reaches the API.
        self.key: ApiKey | None = raw_key if isinstance(raw_key, ApiKey) or raw_key is None else ApiKey(raw_key)
        self.limiter = limiter or TokenBucket(clock=clock, sleep=sleep)
        self.policy = policy or RetryPolicy()
        self._clock = clock
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._check_permissions = check_permissions
        self._tokeninfo: m.TokenInfo | None = None
        t = self.config.timeout_seconds
        self._http = httpx.AsyncClient(
            base_url=self.config.base_url,
            timeout=httpx.Timeout(t, connect=min(t, 5.0)),
            limits=httpx.Limits(max_connections=20, max_keepalive_connections=10),
            headers={"User-Agent": f"warclaw/{__version__}", "Accept": "application/json"},
            transport=transport,
            follow_redirects=False,
        )

    @classmethod
    def from_config(cls, config: ApiConfig, **kw: Any) -> Gw2Client:
        return cls(config, **kw)

    def __repr__(self) -> str:
        return f"Gw2Client(base_url={self.config.base_url!r}, key={self.key!r}, lang={self.config.lang!r})"

    async def __aenter__(self) -> Gw2Client:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    async def aclose(self) -> None:
        await self._http.aclose()

    # ------------------------------------------------------------------ transport + retries

    async def get(self, path: str, params: dict[str, Any] | None = None, *, auth: bool | None = None) -> ApiResponse:
        """GET one endpoint with retries; returns the decoded JSON and headers, or raises a typed error."""
        scopes = required_scopes(path)
        if auth is None:
            auth = scopes is not None
        if auth:
            if self.key is None:
                raise InvalidKeyError("this endpoint needs an API key (set api.key in the config)", endpoint=path)
            if scopes and self._check_permissions and path != "/v2/tokeninfo":
                await self._require(path, scopes)
        query: dict[str, Any] = {"v": self.config.schema_version} if self.config.schema_version else {}
        query["lang"] = self.config.lang
        query.update(params or {})
        headers = {"Authorization": f"Bearer {self.key.secret}"} if auth and self.key else {}

        deadline = self._clock() + self.policy.total_seconds
        failures = {"transient": 0, "rate": 0, "auth": 0}
        while True:
            await self.limiter.acquire()
            try:
                return await self._attempt(path, query, headers, authed=bool(headers))
            except _Retry as retry:
                failures[retry.kind] += 1
                n = failures[retry.kind]
                if n >= self.policy.attempts_for(retry.kind):
                    raise retry.error from None
                wait = retry.wait if retry.wait is not None else self.policy.delay(retry.kind, n, self._rng)
                if self._clock() + wait > deadline:
                    raise retry.error from None
                log.warning("GET %s: %s; retry %d in %.1fs", path, self._scrub(str(retry.error.text)), n, wait)
                await self._sleep(wait)

    async def _attempt(self, path: str, query: dict[str, Any], headers: dict[str, str], *, authed: bool) -> ApiResponse:
        try:
            resp = await self._http.get(path, params=query, headers=headers)
        except httpx.TimeoutException:
            err = ApiUnavailableError(f"no answer within {self.config.timeout_seconds:g}s", endpoint=path, text="timeout")
            raise _Retry("transient", err) from None
        except httpx.TransportError as e:
            reason = self._scrub(f"{type(e).__name__}: {e}".rstrip(": "))
            raise _Retry("transient", ApiUnavailableError(f"connection failed ({reason})", endpoint=path, text=reason)) from None

        status = resp.status_code
        if 200 <= status < 300:
            return ApiResponse(status, self._decode(resp, path), resp.headers)

        text = self._scrub(_error_text(resp))
        low = text.lower()
        kw: dict[str, Any] = {"endpoint": path, "status": status, "text": text}
        if status == 429:
            self.limiter.drain()
            wait = parse_retry_after(resp.headers.get("retry-after"), time.time())
            raise _Retry("rate", RateLimitedError(f"rate limited (HTTP 429: {text})", retry_after=wait, **kw), wait)
        if status >= 500:
            raise _Retry("transient", ApiUnavailableError(f"API unavailable (HTTP {status}: {text})", **kw))
        if authed and any(t in low for t in _TRANSIENT_KEY_TEXTS) and status in (400, 401, 403):
            # Valid keys are randomly refused by the API; only a persistent refusal means a bad key.
            raise _Retry("auth", InvalidKeyError(f"API key {self.key} was refused (HTTP {status}: {text})", **kw))
        if status in (401, 403):
            scope = re.match(r"requires scope (\w+)", low)
            if scope or "requires at least one scope" in low:
                perm = scope.group(1) if scope else text
                raise MissingPermissionError(f"API key {self.key} lacks the '{perm}' permission ({text})", permission=perm, **kw)
            if "membership required" in low or "guild leader" in low:
                raise MissingPermissionError(f"not allowed: {text}", permission="guild membership", **kw)
            who = f"API key {self.key}" if self.key else "a request without an API key"
            raise InvalidKeyError(f"{who} was refused (HTTP {status}: {text})", **kw)
        if status == 404:
            raise NotFoundError(f"not found ({text})", **kw)
        if status == 400:
            raise BadRequestError(f"bad request ({text})", **kw)
        raise BadResponseError(f"unexpected HTTP {status} ({text})", **kw)

    def _decode(self, resp: httpx.Response, path: str) -> Any:
        ctype = resp.headers.get("content-type", "")
        if "json" not in ctype:
            # A CDN error page served with 200: transient, like a 502.
            err = BadResponseError(f"expected JSON, got {ctype or 'no content type'}", endpoint=path, status=resp.status_code, text=_error_text(resp))
            raise _Retry("transient", err)
        try:
            return resp.json()
        except ValueError:
            err = BadResponseError("body is not valid JSON (truncated?)", endpoint=path, status=resp.status_code, text="invalid JSON")
            raise _Retry("transient", err) from None

    def _scrub(self, text: str) -> str:
        return self.key.scrub(text) if self.key else text

    async def _require(self, path: str, scopes: Iterable[str]) -> None:
        info = await self.tokeninfo()
        missing = [s for s in scopes if s not in info.permissions]
        if missing:
            have = ", ".join(info.permissions) or "none"
            raise MissingPermissionError(
                f"API key {self.key} lacks the '{missing[0]}' permission (it has: {have})",
                permission=missing[0],
                endpoint=path,
            )

    # ------------------------------------------------------------------ typed helpers

    async def get_model(self, path: str, tp: type[T] | Any, params: dict[str, Any] | None = None) -> T:
        resp = await self.get(path, params)
        return parse(tp, resp.data, f"GET {path}")

    async def get_many(self, path: str, tp: type[T], ids: Sequence[int | str] | None = None) -> BulkResult[T]:
        """Objects of a bulk endpoint: all of them (``ids=None``) or the given ids, ≤200 per request.

        Unknown ids are skipped: the API may fail a whole request for one unknown id ("all ids
        provided are invalid"), so a failed chunk is split until the bad id stands alone.
        """
        out: BulkResult[T] = BulkResult()
        if ids is None:
            try:
                resp = await self.get(path, {"ids": "all"})
            except BadRequestError:
                resp = None  # endpoint without ids=all
            if resp is not None and isinstance(resp.data, list) and resp.data:
                out.extend(parse(list[tp], resp.data, f"GET {path}?ids=all"))  # type: ignore[valid-type]
                out.max_age = resp.max_age
                return out
            # An empty ids=all is a known CDN/API hiccup: ask for the id list and fetch by chunks.
            ids = await self.get_model(path, list[int | str])
        unique = list(dict.fromkeys(ids))
        known: dict[str, set[str] | None] = {}
        for i in range(0, len(unique), MAX_IDS):
            await self._fetch_chunk(path, tp, unique[i : i + MAX_IDS], out, known)
        return out

    async def _fetch_chunk(
        self, path: str, tp: type[T], chunk: list[int | str], out: BulkResult[T], known: dict[str, set[str] | None], filtered: bool = False
    ) -> None:
        try:
            resp = await self.get(path, {"ids": ",".join(str(i) for i in chunk)})
        except NotFoundError:
            if len(chunk) == 1:
                log.info("GET %s: id %s is unknown, skipped", path, chunk[0])
                return
            if not filtered:
                # One id list request usually finds the culprits; splitting is the fallback.
                ids = await self._known_ids(path, known)
                if ids is not None:
                    kept = [i for i in chunk if str(i) in ids]
                    if len(kept) < len(chunk):
                        log.info("GET %s: %d unknown id(s) skipped", path, len(chunk) - len(kept))
                    if kept:
                        await self._fetch_chunk(path, tp, kept, out, known, filtered=True)
                    return
            mid = len(chunk) // 2
            await self._fetch_chunk(path, tp, chunk[:mid], out, known, filtered=True)
            await self._fetch_chunk(path, tp, chunk[mid:], out, known, filtered=True)
            return
        out.extend(parse(list[tp], resp.data, f"GET {path}?ids=…"))  # type: ignore[valid-type]
        if resp.max_age is not None:
            out.max_age = resp.max_age if out.max_age is None else min(out.max_age, resp.max_age)

    async def _known_ids(self, path: str, cache: dict[str, set[str] | None]) -> set[str] | None:
        if path not in cache:
            try:
                cache[path] = {str(i) for i in await self.get_model(path, list[int | str])}
            except Gw2ApiError:
                cache[path] = None
        return cache[path]

    async def get_pages(self, path: str, tp: type[T], page_size: int = MAX_IDS) -> list[T]:
        """Every object of a paginated endpoint, following ``X-Page-Total``."""
        out: list[T] = []
        page = 0
        while True:
            resp = await self.get(path, {"page": page, "page_size": page_size})
            out.extend(parse(list[tp], resp.data, f"GET {path}?page={page}"))  # type: ignore[valid-type]
            page += 1
            total = resp.page_total
            if total is None or page >= total:
                return out

    # ------------------------------------------------------------------ endpoints

    async def build(self) -> m.GameBuild:
        return await self.get_model("/v2/build", m.GameBuild)

    async def tokeninfo(self) -> m.TokenInfo:
        """The key's name and permissions; cached, since permissions of a key never change."""
        if self._tokeninfo is None:
            self._tokeninfo = await self.get_model("/v2/tokeninfo", m.TokenInfo)
        return self._tokeninfo

    async def account(self) -> m.Account:
        return await self.get_model("/v2/account", m.Account)

    async def account_wvw(self) -> m.AccountWvw:
        return await self.get_model("/v2/account/wvw", m.AccountWvw)

    async def worlds(self, ids: Sequence[int] | None = None) -> BulkResult[m.World]:
        return await self.get_many("/v2/worlds", m.World, ids)

    async def objectives(self, ids: Sequence[str] | None = None) -> BulkResult[m.Objective]:
        return await self.get_many("/v2/wvw/objectives", m.Objective, ids)

    async def upgrades(self, ids: Sequence[int] | None = None) -> BulkResult[m.Upgrade]:
        return await self.get_many("/v2/wvw/upgrades", m.Upgrade, ids)

    async def ranks(self, ids: Sequence[int] | None = None) -> BulkResult[m.Rank]:
        return await self.get_many("/v2/wvw/ranks", m.Rank, ids)

    async def professions(self, ids: Sequence[str] | None = None) -> BulkResult[m.Profession]:
        return await self.get_many("/v2/professions", m.Profession, ids)

    async def specializations(self, ids: Sequence[int] | None = None) -> BulkResult[m.Specialization]:
        return await self.get_many("/v2/specializations", m.Specialization, ids)

    async def legends(self, ids: Sequence[str] | None = None) -> BulkResult[m.Legend]:
        return await self.get_many("/v2/legends", m.Legend, ids)

    async def pets(self, ids: Sequence[int] | None = None) -> BulkResult[m.Pet]:
        return await self.get_many("/v2/pets", m.Pet, ids)

    async def wvw_abilities(self, ids: Sequence[int] | None = None) -> BulkResult[m.Ability]:
        return await self.get_many("/v2/wvw/abilities", m.Ability, ids)

    async def match_ids(self) -> list[str]:
        return await self.get_model("/v2/wvw/matches", list[str])

    async def matches(self, ids: Sequence[str] | None = None) -> BulkResult[m.Match]:
        return await self.get_many("/v2/wvw/matches", m.Match, ids)

    async def match(self, match_id: str) -> m.Match:
        return await self.get_model(f"/v2/wvw/matches/{match_id}", m.Match)

    async def match_for_world(self, world_or_team: int) -> m.Match:
        """The current match of a legacy world id or a post-2024 team id."""
        return await self.get_model("/v2/wvw/matches", m.Match, {"world": world_or_team})

    async def match_overview(self, match_id: str) -> m.MatchOverview:
        return await self.get_model(f"/v2/wvw/matches/overview/{match_id}", m.MatchOverview)

    async def match_scores(self, match_id: str) -> m.MatchScores:
        return await self.get_model(f"/v2/wvw/matches/scores/{match_id}", m.MatchScores)

    async def match_stats(self, match_id: str) -> m.MatchStats:
        return await self.get_model(f"/v2/wvw/matches/stats/{match_id}", m.MatchStats)

    async def wvw_guild_teams(self, region: str) -> m.WvwGuildTeams:
        if region not in ("na", "eu"):
            raise BadRequestError(f"region must be 'na' or 'eu', not {region!r}", endpoint="/v2/wvw/guilds")
        return await self.get_model(f"/v2/wvw/guilds/{region}", m.WvwGuildTeams)

    async def wvw_timer(self, which: str = "lockout") -> m.WvwTimer:
        return await self.get_model(f"/v2/wvw/timers/{which}", m.WvwTimer)

    async def guild(self, guild_id: str, *, details: bool = False) -> m.Guild:
        """Public fields (name, tag, emblem) by default. ``details=True`` sends the key for motd,
        influence, members...; the API then answers 403 unless the key's account is a member."""
        path = f"/v2/guild/{guild_id}"
        resp = await self.get(path, auth=details)
        return parse(m.Guild, resp.data, f"GET {path}")

    async def guild_members(self, guild_id: str) -> list[m.GuildMember]:
        return await self.get_model(f"/v2/guild/{guild_id}/members", list[m.GuildMember])

    async def characters(self) -> list[str]:
        return await self.get_model("/v2/characters", list[str])

    async def character_core(self, name: str) -> m.CharacterCore:
        return await self.get_model(f"/v2/characters/{_seg(name)}/core", m.CharacterCore)

    async def character_buildtabs(self, name: str) -> list[m.BuildTab]:
        return await self.get_model(f"/v2/characters/{_seg(name)}/buildtabs", list[m.BuildTab], {"tabs": "all"})


def _seg(name: str) -> str:
    """Character names contain spaces; a '/' or '?' in a name must not split the path."""
    return quote(name, safe="")
