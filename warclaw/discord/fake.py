"""A fake Discord webhook server: a real HTTP/1.1 server on 127.0.0.1 (stdlib, its own thread).

Shaped like Discord's documented webhook API (https://discord.com/developers/docs/resources/webhook,
.../topics/rate-limits, .../topics/opcodes-and-status-codes#json):

- ``POST /api/webhooks/{id}/{token}`` (also ``/api/v10/...``) with a JSON body: 204 No Content, or
  200 and the message object with ``?wait=true``;
- ``GET|PATCH|DELETE /api/webhooks/{id}/{token}/messages/{message_id}``: the message, an edit (200,
  the edited message), a delete (204);
- ``GET /api/webhooks/{id}/{token}``: the webhook object;
- 400 ``{"code": 50035, "errors": ..., "message": "Invalid Form Body"}`` for a bad payload (content
  over 2,000 characters, more than 10 embeds, an embed over its limits), ``50006`` "Cannot send an
  empty message", ``50109`` for a body that is not JSON; 404 ``10015`` "Unknown Webhook" for a
  deleted or unknown webhook, 401 ``50027`` "Invalid Webhook Token", 404 ``10008`` "Unknown Message";
- a per-webhook rate limit (5 requests per 2 s by default, as Discord's webhook buckets), with the
  ``X-RateLimit-Limit/-Remaining/-Reset/-Reset-After/-Bucket`` headers on every answer and 429 with
  ``Retry-After`` and ``{"message": "You are being rate limited.", "retry_after": s, "global": false}``.

Faults on demand, from Python (``inject(kind, count=1, **params)``) or over HTTP
(``POST /_control/faults {"kind": ..., "count": ...}``): ``429`` (with ``retry_after`` seconds),
``500``/``502``/``503``, ``slow`` (answer after ``seconds``), ``drop`` (close the connection without
an answer, the request not processed), ``drop_after`` (process the request, e.g. post the message,
then close the connection without an answer: what a client sees when Discord's answer is lost),
``count=None`` until ``clear_faults()``. ``GET /_control/messages`` lists what was
received; ``POST /_control/webhooks {"name": ...}`` creates a webhook and returns its URL.
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, urlsplit

from warclaw.common import mask_webhook_url
from warclaw.fakehttp import FakeHandler, FakeHttpServer

log = logging.getLogger("warclaw.discord.fake")

DISCORD_EPOCH_MS = 1_420_070_400_000
FAULT_KINDS = frozenset({"429", "500", "502", "503", "slow", "drop", "drop_after"})

# Discord's documented limits (resources/message#create-message, resources/message#embed-object-embed-limits).
CONTENT_MAX = 2000
EMBEDS_MAX = 10
USERNAME_MAX = 80
EMBED_LIMITS = {"title": 256, "description": 4096}
EMBED_FIELDS_MAX = 25
FIELD_NAME_MAX, FIELD_VALUE_MAX = 256, 1024
FOOTER_MAX, AUTHOR_MAX = 2048, 256
EMBEDS_TOTAL_MAX = 6000


@dataclass
class Webhook:
    id: str
    token: str
    name: str
    channel_id: str
    guild_id: str
    deleted: bool = False
    # The rate-limit bucket: request times within the current window.
    window_start: float = 0.0
    used: int = 0


@dataclass
class Received:
    """One accepted message (edits update it in place and count in ``edits``)."""

    webhook: str  # webhook name
    id: str
    payload: dict[str, Any]
    received_at: float
    edits: int = 0

    @property
    def content(self) -> str:
        return str(self.payload.get("content") or "")

    @property
    def embeds(self) -> list[dict[str, Any]]:
        return list(self.payload.get("embeds") or [])


@dataclass
class RequestRecord:
    method: str
    path: str  # the token masked
    status: int  # 0 = connection dropped
    at: float
    fault: str | None = None


@dataclass
class _Fault:
    kind: str
    count: int | None
    params: dict[str, Any] = field(default_factory=dict)
    fired: int = 0


def _problem(status: int, code: int, message: str, errors: dict | None = None) -> tuple[int, dict]:
    body: dict[str, Any] = {"message": message, "code": code}
    if errors is not None:
        body["errors"] = errors
    return status, body


def _too_long(limit: int) -> dict:
    return {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {limit} or fewer in length."}]}


def payload_errors(payload: Any) -> dict[str, Any]:
    """Discord's ``errors`` object for a bad message payload (empty: the payload is fine)."""
    if not isinstance(payload, dict):
        return {"_errors": [{"code": "MODEL_TYPE_CONVERT", "message": "Only dictionaries may be used in a ModelType"}]}
    errors: dict[str, Any] = {}
    content = payload.get("content")
    if content is not None and not isinstance(content, str):
        errors["content"] = {"_errors": [{"code": "BASE_TYPE_STRING", "message": "Must be a string."}]}
    elif isinstance(content, str) and len(content) > CONTENT_MAX:
        errors["content"] = _too_long(CONTENT_MAX)
    username = payload.get("username")
    if isinstance(username, str) and len(username) > USERNAME_MAX:
        errors["username"] = _too_long(USERNAME_MAX)
    embeds = payload.get("embeds")
    if embeds is not None:
        if not isinstance(embeds, list):
            errors["embeds"] = {"_errors": [{"code": "LIST_TYPE_CONVERT", "message": "Only iterables may be used in a ListType"}]}
        elif len(embeds) > EMBEDS_MAX:
            errors["embeds"] = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": f"Must be {EMBEDS_MAX} or fewer in length."}]}
        else:
            total = 0
            for i, e in enumerate(embeds):
                problems = _embed_errors(e)
                if problems:
                    errors.setdefault("embeds", {})[str(i)] = problems
                if isinstance(e, dict):
                    total += sum(len(str(e.get(k) or "")) for k in ("title", "description"))
                    total += sum(len(str(f.get("name", ""))) + len(str(f.get("value", "")))
                                 for f in e.get("fields") or [] if isinstance(f, dict))
                    total += len(str((e.get("footer") or {}).get("text", ""))) if isinstance(e.get("footer"), dict) else 0
                    total += len(str((e.get("author") or {}).get("name", ""))) if isinstance(e.get("author"), dict) else 0
            if total > EMBEDS_TOTAL_MAX and "embeds" not in errors:
                errors["embeds"] = {"_errors": [{"code": "MAX_EMBED_SIZE_EXCEEDED", "message": "Embed size exceeds maximum size of 6000"}]}
    return errors


def _embed_errors(e: Any) -> dict[str, Any]:
    if not isinstance(e, dict):
        return {"_errors": [{"code": "MODEL_TYPE_CONVERT", "message": "Only dictionaries may be used in a ModelType"}]}
    out: dict[str, Any] = {}
    for key, limit in EMBED_LIMITS.items():
        if key in e and (not isinstance(e[key], str) or len(e[key]) > limit):
            out[key] = _too_long(limit)
    if "color" in e and (not isinstance(e["color"], int) or isinstance(e["color"], bool) or not 0 <= e["color"] <= 0xFFFFFF):
        out["color"] = {"_errors": [{"code": "NUMBER_TYPE_MAX", "message": "int value should be <= 16777215."}]}
    fields = e.get("fields")
    if fields is not None:
        if not isinstance(fields, list) or len(fields) > EMBED_FIELDS_MAX:
            out["fields"] = _too_long(EMBED_FIELDS_MAX)
        else:
            for j, f in enumerate(fields):
                fe: dict[str, Any] = {}
                if not isinstance(f, dict):
                    fe["_errors"] = [{"code": "MODEL_TYPE_CONVERT", "message": "Only dictionaries may be used in a ModelType"}]
                else:
                    for key, limit in (("name", FIELD_NAME_MAX), ("value", FIELD_VALUE_MAX)):
                        v = f.get(key)
                        if not isinstance(v, str) or not v:
                            fe[key] = {"_errors": [{"code": "BASE_TYPE_REQUIRED", "message": "This field is required"}]}
                        elif len(v) > limit:
                            fe[key] = _too_long(limit)
                if fe:
                    out.setdefault("fields", {})[str(j)] = fe
    return out


class _Handler(FakeHandler):
    server_version = "cloudflare"

    def _dispatch(self) -> None:
        try:
            self.server.owner._handle(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # a bug in the fake must be an answer, not a hung test
            log.exception("fake Discord failed on %s %s", self.command, mask_webhook_url(self.path))
            self.send_body(500, json.dumps({"message": f"fake server error: {type(e).__name__}", "code": 0}).encode(), {})

    do_GET = do_POST = do_PATCH = do_DELETE = _dispatch  # noqa: N815 - stdlib names

    def send_body(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if status != 204:
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        if status != 204:
            self.wfile.write(data)


class FakeDiscord:
    """A fake Discord: ``with FakeDiscord() as d: url = d.create_webhook("alerts")`` then POST to ``url``."""

    def __init__(self, *, port: int = 0, host: str = "127.0.0.1", rate_limit: int = 5,
                 rate_window: float = 2.0, seed: int = 0):
        self._http = FakeHttpServer(self, _Handler, host=host, port=port, name="fake-discord")
        self.rate_limit, self.rate_window = rate_limit, rate_window
        self.seed = seed
        self.webhooks: dict[str, Webhook] = {}
        self.messages: list[Received] = []
        self.requests: list[RequestRecord] = []
        self._faults: list[_Fault] = []
        self._lock = threading.Lock()
        self._seq = 0
        self._active = 0

    # -- lifecycle

    def start(self) -> FakeDiscord:
        self._http.start()
        return self

    def stop(self) -> None:
        """Stop listening (an outage: connections are refused); ``start()`` again on the same port."""
        self._http.stop()

    def __enter__(self) -> FakeDiscord:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        return self._http.port

    @property
    def base_url(self) -> str:
        return self._http.base_url

    # -- driving it

    def create_webhook(self, name: str = "warclaw") -> str:
        """A new webhook; returns its URL (the token is derived from name and seed, so stable across runs)."""
        with self._lock:
            digest = hashlib.sha256(f"{self.seed}:{name}".encode()).hexdigest()
            wid = str(int(digest[:15], 16))
            token = hashlib.sha256(f"token:{self.seed}:{name}".encode()).hexdigest()[:68]
            self.webhooks[wid] = Webhook(wid, token, name, channel_id=str(int(digest[15:30], 16)),
                                         guild_id=str(int(digest[30:45], 16)))
        return f"{self.base_url}/api/webhooks/{wid}/{token}"

    def delete_webhook(self, name: str) -> None:
        """The webhook is deleted in Discord: from now on it answers 404 Unknown Webhook."""
        with self._lock:
            for w in self.webhooks.values():
                if w.name == name:
                    w.deleted = True

    def inject(self, kind: str, count: int | None = 1, **params: Any) -> None:
        if kind not in FAULT_KINDS:
            raise ValueError(f"unknown fault kind {kind!r}; known: {', '.join(sorted(FAULT_KINDS))}")
        with self._lock:
            self._faults.append(_Fault(kind, count, params))

    def clear_faults(self) -> None:
        with self._lock:
            self._faults.clear()

    def received(self, webhook: str | None = None) -> list[Received]:
        with self._lock:
            return [m for m in self.messages if webhook is None or m.webhook == webhook]

    def count(self, status: int | None = None, method: str | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if (status is None or r.status == status)
                       and (method is None or r.method == method))

    # -- one request

    def _take_fault(self) -> _Fault | None:
        with self._lock:
            for f in self._faults:
                if f.count is None or f.fired < f.count:
                    f.fired += 1
                    return f
            return None

    def _record(self, h: _Handler, status: int, fault: str | None = None) -> None:
        with self._lock:
            self.requests.append(RequestRecord(h.command, mask_webhook_url(urlsplit(h.path).path), status,
                                               time.monotonic(), fault))

    def _read_body(self, h: _Handler) -> bytes:
        length = int(h.headers.get("Content-Length") or 0)
        return h.rfile.read(length) if length > 0 else b""

    @property
    def in_flight(self) -> int:
        """Requests being answered now (e.g. sleeping on a ``slow`` fault)."""
        return self._active

    def _handle(self, h: _Handler) -> None:
        with self._lock:
            self._active += 1
        try:
            self._answer(h)
        finally:
            with self._lock:
                self._active -= 1

    def _answer(self, h: _Handler) -> None:
        url = urlsplit(h.path)
        query = dict(parse_qsl(url.query))
        parts = [p for p in url.path.split("/") if p]
        body = self._read_body(h)
        if parts[:1] == ["_control"]:
            status, answer = self._control(h.command, parts[1:], body)
            self._send(h, status, answer, {})
            return
        fault = self._take_fault()
        if fault is not None and fault.kind == "drop":
            self._record(h, 0, "drop")
            h.drop()
            return
        if fault is not None and fault.kind == "slow":
            time.sleep(float(fault.params.get("seconds", 3.0)))
        if parts[:2] == ["api", "webhooks"] or (len(parts) > 2 and parts[0] == "api" and parts[1].startswith("v")
                                                and parts[2] == "webhooks"):
            parts = parts[parts.index("webhooks") + 1:]
        else:
            self._record(h, 404)
            self._send(h, *_problem(404, 0, "404: Not Found"), {})
            return
        if len(parts) < 2:
            self._record(h, 405)
            self._send(h, *_problem(405, 0, "405: Method Not Allowed"), {})
            return
        hook = self.webhooks.get(parts[0])
        if hook is None or hook.deleted:
            self._record(h, 404)
            self._send(h, *_problem(404, 10015, "Unknown Webhook"), {})
            return
        if parts[1] != hook.token:
            self._record(h, 401)
            self._send(h, *_problem(401, 50027, "Invalid Webhook Token"), {})
            return
        limited, headers = self._rate(hook)
        if fault is not None and fault.kind in ("500", "502", "503"):
            self._record(h, int(fault.kind), fault.kind)
            self._send(h, int(fault.kind), {"message": "upstream error", "code": 0}, {})
            return
        if limited is not None and fault is not None and fault.kind == "drop_after":
            with self._lock:  # not processed: the fault waits for a request that is
                fault.fired -= 1
            fault = None
        if limited is not None or (fault is not None and fault.kind == "429"):
            retry = float(fault.params.get("retry_after", 1.0)) if limited is None and fault is not None else limited
            assert retry is not None
            headers.update({"Retry-After": str(max(1, math.ceil(retry))), "X-RateLimit-Remaining": "0",
                            "X-RateLimit-Reset-After": f"{retry:.3f}", "X-RateLimit-Scope": "shared"})
            self._record(h, 429, fault.kind if fault else None)
            self._send(h, 429, {"message": "You are being rate limited.", "retry_after": round(retry, 3),
                                "global": False}, headers)
            return
        status, answer = self._webhook(h.command, hook, parts[2:], body, query)
        if fault is not None and fault.kind == "drop_after":
            self._record(h, 0, "drop_after")  # processed (a post is recorded), but no answer
            h.drop()
            return
        self._record(h, status)
        self._send(h, status, answer, headers)

    def _rate(self, hook: Webhook) -> tuple[float | None, dict[str, str]]:
        """Count one request against the webhook's bucket: (seconds to wait if over, headers)."""
        now = time.monotonic()
        with self._lock:
            if now - hook.window_start >= self.rate_window:
                hook.window_start, hook.used = now, 0
            reset_after = max(0.0, hook.window_start + self.rate_window - now)
            over = hook.used >= self.rate_limit
            if not over:
                hook.used += 1
            remaining = max(0, self.rate_limit - hook.used)
        headers = {
            "X-RateLimit-Bucket": hashlib.sha1(hook.id.encode()).hexdigest()[:32],
            "X-RateLimit-Limit": str(self.rate_limit),
            "X-RateLimit-Remaining": str(remaining),
            "X-RateLimit-Reset": f"{time.time() + reset_after:.3f}",
            "X-RateLimit-Reset-After": f"{reset_after:.3f}",
        }
        return (reset_after if over else None), headers

    def _snowflake(self) -> str:
        with self._lock:
            self._seq += 1
            return str(((int(time.time() * 1000) - DISCORD_EPOCH_MS) << 22) | (self._seq & 0x3FFFFF))

    def _message_object(self, hook: Webhook, m: Received, edited: str | None) -> dict[str, Any]:
        p = m.payload
        ts = datetime.fromtimestamp(m.received_at, UTC).isoformat()
        return {
            "id": m.id, "type": 0, "content": p.get("content") or "", "channel_id": hook.channel_id,
            "author": {"id": hook.id, "username": p.get("username") or hook.name, "avatar": None,
                       "discriminator": "0000", "public_flags": 0, "flags": 0, "bot": True, "global_name": None},
            "attachments": [], "embeds": p.get("embeds") or [], "mentions": [], "mention_roles": [],
            "pinned": False, "mention_everyone": False, "tts": bool(p.get("tts")), "timestamp": ts,
            "edited_timestamp": edited, "flags": int(p.get("flags") or 0), "components": [],
            "webhook_id": hook.id,
        }

    def _parse(self, body: bytes) -> tuple[dict | None, tuple[int, dict] | None]:
        try:
            payload = json.loads(body.decode("utf-8")) if body else None
        except (UnicodeDecodeError, json.JSONDecodeError):
            return None, _problem(400, 50109, "The request body contains invalid JSON.")
        errors = payload_errors(payload)
        if errors:
            return None, _problem(400, 50035, "Invalid Form Body", errors)
        return payload, None

    def _webhook(self, method: str, hook: Webhook, rest: list[str], body: bytes,
                 query: dict[str, str]) -> tuple[int, Any]:
        if not rest:
            if method == "POST":
                payload, problem = self._parse(body)
                if problem:
                    return problem
                assert payload is not None
                if not (payload.get("content") or payload.get("embeds")):
                    return _problem(400, 50006, "Cannot send an empty message")
                m = Received(hook.name, self._snowflake(), payload, time.time())
                with self._lock:
                    self.messages.append(m)
                if query.get("wait", "").lower() == "true":
                    return 200, self._message_object(hook, m, None)
                return 204, None
            if method == "GET":
                return 200, {"type": 1, "id": hook.id, "name": hook.name, "avatar": None,
                             "channel_id": hook.channel_id, "guild_id": hook.guild_id,
                             "application_id": None, "token": hook.token}
            return _problem(405, 0, "405: Method Not Allowed")
        if len(rest) != 2 or rest[0] != "messages":
            return _problem(404, 0, "404: Not Found")
        with self._lock:
            m = next((x for x in self.messages if x.id == rest[1] and x.webhook == hook.name), None)
        if m is None:
            return _problem(404, 10008, "Unknown Message")
        if method == "GET":
            return 200, self._message_object(hook, m, None)
        if method == "DELETE":
            with self._lock:
                self.messages.remove(m)
            return 204, None
        if method == "PATCH":
            payload, problem = self._parse(body)
            if problem:
                return problem
            assert payload is not None
            with self._lock:
                m.payload = {**m.payload, **{k: v for k, v in payload.items() if k in ("content", "embeds",
                                                                                        "allowed_mentions")}}
                m.edits += 1
            return 200, self._message_object(hook, m, datetime.now(UTC).isoformat())
        return _problem(405, 0, "405: Method Not Allowed")

    def _control(self, method: str, rest: list[str], body: bytes) -> tuple[int, Any]:
        try:
            data = json.loads(body) if body else {}
        except json.JSONDecodeError:
            return 400, {"message": "control: body is not JSON"}
        if rest == ["messages"] and method == "GET":
            return 200, [{"webhook": m.webhook, "id": m.id, "payload": m.payload, "edits": m.edits,
                          "received_at": m.received_at} for m in self.received()]
        if rest == ["webhooks"] and method == "POST":
            return 200, {"url": self.create_webhook(str(data.get("name") or "warclaw"))}
        if rest == ["faults"] and method == "POST":
            try:
                self.inject(str(data.get("kind")), data.get("count", 1), **(data.get("params") or {}))
            except (ValueError, TypeError) as e:
                return 400, {"message": str(e)}
            return 204, None
        if rest == ["faults"] and method == "DELETE":
            self.clear_faults()
            return 204, None
        return 404, {"message": "control: unknown endpoint"}

    def _send(self, h: _Handler, status: int, answer: Any, headers: dict[str, str]) -> None:
        headers = {"Date": format_datetime(datetime.now(UTC), usegmt=True), **headers}
        h.send_body(status, b"" if answer is None else json.dumps(answer).encode(), headers)
