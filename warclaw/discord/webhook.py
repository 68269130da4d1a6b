"""An async Discord webhook client (httpx): execute, edit, delete, with Discord's rate limits honoured.

Discord rate-limits each webhook by a bucket and tells the client on every answer
(``X-RateLimit-Remaining``, ``X-RateLimit-Reset-After``): when the bucket is empty the client waits
for it to refill instead of provoking a 429; a 429 is waited out (``Retry-After``, else the body's
``retry_after``, else ``X-RateLimit-Reset-After``) and retried. 5xx answers, timeouts and dropped
connections are retried with jittered exponential backoff within a bounded time; other 4xx answers
are permanent (a deleted webhook, a bad payload). The URL is a secret: every error and log line
carries it masked.
"""

from __future__ import annotations

import asyncio
import logging
import random
import re
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx

from warclaw.common import mask_webhook_url

log = logging.getLogger("warclaw.discord")


class WebhookError(Exception):
    """A delivery failed; the message names the webhook masked. ``permanent``: retrying cannot help."""

    permanent = False
    # Set by a multi-message post that failed part way: the message ids in the channel now.
    message_ids: list[str] | None = None

    def __init__(self, url: str, problem: str, status: int | None = None):
        self.url_masked = mask_webhook_url(url)
        self.status = status
        super().__init__(f"webhook {self.url_masked}: {mask_webhook_url(problem)}")


class WebhookGone(WebhookError):
    """404 Unknown Webhook / 401 Invalid Webhook Token: deleted or mistyped; fix the config."""

    permanent = True


class PayloadRejected(WebhookError):
    """400 (and other 4xx): Discord refused the message itself."""

    permanent = True


class WebhookUnavailable(WebhookError):
    """5xx, refused connections, timeouts before sending, or 429s past the time allowed: not
    delivered, try later."""


class DeliveryInDoubt(WebhookError):
    """The request was sent but no answer came (read timeout, connection dropped): Discord may have
    posted the message. A post is not repeated after this, so that nothing is ever posted twice."""


@dataclass
class RetryPolicy:
    attempts: int = 4           # tries for 5xx/timeouts/connection errors
    base_delay: float = 0.5
    max_delay: float = 15.0
    total_seconds: float = 60.0  # give up (WebhookUnavailable) past this, rate-limit waits included
    timeout: float = 10.0


@dataclass
class _Bucket:
    remaining: int | None = None
    reset_at: float = 0.0  # monotonic
    lock: asyncio.Lock | None = None


def is_webhook_url(url: str) -> bool:
    """The shape of a Discord webhook URL (http(s)://host/api[/vN]/webhooks/<id>/<token>)."""
    try:
        u = httpx.URL(url)
    except (httpx.InvalidURL, TypeError):
        return False
    parts = [p for p in u.path.split("/") if p]
    if u.scheme not in ("http", "https") or not u.host or "webhooks" not in parts:
        return False
    rest = parts[parts.index("webhooks") + 1:]
    return len(rest) == 2 and rest[0].isdigit() and len(rest[1]) >= 8


class WebhookClient:
    def __init__(self, policy: RetryPolicy | None = None, *, transport: httpx.AsyncBaseTransport | None = None,
                 sleep: Callable[[float], Awaitable[None]] = asyncio.sleep, rng: random.Random | None = None):
        self.policy = policy or RetryPolicy()
        self._http = httpx.AsyncClient(timeout=self.policy.timeout, transport=transport,
                                       headers={"User-Agent": "warclaw (https://github.com/warclaw, 0.1)"})
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._buckets: dict[str, _Bucket] = {}
        self.rate_limited = 0  # 429s seen (for tests and status)

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> WebhookClient:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # --- the webhook API

    async def execute(self, url: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Post a message; returns Discord's message object (``?wait=true``), so its id can be kept."""
        return await self._request("POST", url, payload, params={"wait": "true"}, repeatable=False)

    async def edit(self, url: str, message_id: str, payload: dict[str, Any]) -> dict[str, Any]:
        return await self._request("PATCH", f"{url.rstrip('/')}/messages/{message_id}", payload, bucket=url)

    async def delete(self, url: str, message_id: str) -> None:
        await self._request("DELETE", f"{url.rstrip('/')}/messages/{message_id}", None, bucket=url)

    # --- one request, with waits and retries

    def _bucket(self, key: str) -> _Bucket:
        b = self._buckets.get(key)
        if b is None:
            b = self._buckets[key] = _Bucket(lock=asyncio.Lock())
        return b

    async def _request(self, method: str, url: str, payload: dict[str, Any] | None, *,
                       params: dict[str, str] | None = None, bucket: str | None = None,
                       repeatable: bool = True) -> Any:
        """``repeatable=False`` (a post): once the request may have reached Discord, it is not sent
        again; edits and deletes are idempotent and retried."""
        b = self._bucket(bucket or url)
        assert b.lock is not None
        deadline = time.monotonic() + self.policy.total_seconds
        failures = 0
        async with b.lock:  # one request at a time per webhook: the bucket's counts stay true
            while True:
                now = time.monotonic()
                if b.remaining == 0 and b.reset_at > now:
                    await self._wait(url, b.reset_at - now, deadline, "rate limit bucket empty")
                try:
                    r = await self._http.request(method, url, json=payload, params=params)
                except (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout) as e:
                    failures += 1  # nothing was sent
                    await self._retry(url, failures, deadline, _describe(e))
                    continue
                except (httpx.TimeoutException, httpx.NetworkError, httpx.RemoteProtocolError) as e:
                    if not repeatable:
                        raise DeliveryInDoubt(url, f"{_describe(e)} after the request was sent: it may have been posted") from None
                    failures += 1
                    await self._retry(url, failures, deadline, _describe(e))
                    continue
                self._note_limits(b, r)
                if r.status_code == 429:
                    self.rate_limited += 1
                    await self._wait(url, self._retry_after(r), deadline, "429 rate limited")
                    continue
                if r.status_code >= 500:
                    failures += 1
                    await self._retry(url, failures, deadline, f"HTTP {r.status_code}")
                    continue
                if r.status_code in (401, 404):
                    raise WebhookGone(url, f"HTTP {r.status_code} {_discord_message(r)} (deleted or mistyped webhook?)",
                                      r.status_code)
                if r.status_code >= 400:
                    raise PayloadRejected(url, f"HTTP {r.status_code} {_discord_message(r)}", r.status_code)
                return r.json() if r.status_code == 200 and r.content else None

    def _note_limits(self, b: _Bucket, r: httpx.Response) -> None:
        try:
            remaining = r.headers.get("X-RateLimit-Remaining")
            reset_after = r.headers.get("X-RateLimit-Reset-After")
            if remaining is not None:
                b.remaining = int(remaining)
            if reset_after is not None:
                b.reset_at = time.monotonic() + float(reset_after)
        except ValueError:
            pass  # a garbled header: rely on 429s instead

    @staticmethod
    def _retry_after(r: httpx.Response) -> float:
        for value in (r.headers.get("Retry-After"), _json_field(r, "retry_after"), r.headers.get("X-RateLimit-Reset-After")):
            try:
                if value is not None and float(value) >= 0:
                    return float(value)
            except (TypeError, ValueError):
                continue
        return 1.0

    async def _wait(self, url: str, seconds: float, deadline: float, why: str) -> None:
        if time.monotonic() + seconds > deadline:
            raise WebhookUnavailable(url, f"{why}; waiting {seconds:.1f}s more would pass the {self.policy.total_seconds:g}s allowed")
        await self._sleep(max(0.0, seconds))

    async def _retry(self, url: str, failures: int, deadline: float, problem: str) -> None:
        if failures >= self.policy.attempts:
            raise WebhookUnavailable(url, f"{problem} ({failures} attempts)")
        delay = min(self.policy.max_delay, self.policy.base_delay * 2 ** (failures - 1))
        delay *= 0.5 + self._rng.random()  # jitter: many daemons do not retry in step
        log.debug("%s: %s, retry in %.1fs", mask_webhook_url(url), problem, delay)
        await self._wait(url, delay, deadline, problem)


def _describe(e: Exception) -> str:
    """``ConnectError`` -> ``connect error``; httpx's own text may carry the URL, so it is left out."""
    name = type(e).__name__
    return re.sub(r"(?<!^)(?=[A-Z])", " ", name).lower().replace(" exception", "") or "connection failed"


def _json_field(r: httpx.Response, key: str) -> Any:
    try:
        body = r.json()
    except ValueError:
        return None
    return body.get(key) if isinstance(body, dict) else None


def _discord_message(r: httpx.Response) -> str:
    """Discord's error as one line: ``Invalid Form Body (50035): content: Must be 2000 or fewer in length.``"""
    try:
        body = r.json()
    except ValueError:
        return r.reason_phrase
    if not isinstance(body, dict):
        return r.reason_phrase
    text = f"{body.get('message', r.reason_phrase)} ({body.get('code', '?')})"
    details = []

    def walk(node: Any, path: str) -> None:
        if isinstance(node, dict):
            for k, v in node.items():
                if k == "_errors" and isinstance(v, list):
                    details.extend(f"{path or 'body'}: {e.get('message', '')}" for e in v if isinstance(e, dict))
                else:
                    walk(v, f"{path}.{k}" if path else str(k))

    walk(body.get("errors"), "")
    return text + (": " + "; ".join(details[:3]) if details else "")
