"""The fake GW2 API: a real HTTP/1.1 server on 127.0.0.1 (stdlib ThreadingHTTPServer, own thread)."""

from __future__ import annotations

import json
import logging
import threading
import time
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from typing import Any
from urllib.parse import parse_qsl, unquote, urlsplit

from warclaw.fakehttp import FakeHandler, FakeHttpServer
from warclaw.gw2api.fake import recorded
from warclaw.gw2api.fake.faults import Fault, FaultSet
from warclaw.gw2api.fake.routes import (
    ALL_PERMISSIONS,
    KeyInfo,
    Reply,
    Request,
    Router,
    max_age_for,
    parse_schema,
)
from warclaw.gw2api.fake.scenario import Scenario, ScenarioClock, make_scenario
from warclaw.gw2api.keys import mask

log = logging.getLogger("warclaw.gw2api.fake")

# A key of the right shape for the fake server only; it grants every permission.
DEFAULT_KEY = "C0FFEE00-1111-2222-3333-44445555666677778888-9999-AAAA-BBBB-CCCCDDDDEEEE"

_HTML_PAGE = (
    "<!DOCTYPE html><html><head><title>{status} Error</title></head>"
    "<body><h1>{status} Error</h1><p>The server encountered a temporary error.</p></body></html>"
)
_STATUS_TEXT = {"500": "", "503": "API not active"}


@dataclass(frozen=True)
class RequestRecord:
    """One request as the fake saw it (the key is masked)."""

    path: str
    query: dict[str, str]
    status: int  # 0 = connection dropped
    key: str  # masked, "" if none
    faults: tuple[str, ...]


class _ServerBucket:
    """The API's own limit (300 burst, 5/s per IP), in real time, so a flooding client sees 429s."""

    def __init__(self, capacity: float, rate: float):
        self.capacity, self.rate = capacity, rate
        self.tokens, self.stamp = capacity, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


class _Handler(FakeHandler):
    server_version = "Quaggans"

    def do_GET(self) -> None:  # noqa: N802 - stdlib name
        try:
            self.server.owner._handle(self)
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True  # the client gave up (e.g. its timeout fired first)
        except Exception as e:  # a bug in the fake must show up as an answer, not a hung test
            log.exception("fake GW2 API failed on %s", self.path.split("?")[0])
            self.send_body(
                500, json.dumps({"text": f"fake server error: {type(e).__name__}"}).encode(),
                {"Content-Type": "application/json; charset=utf-8"},
            )

    def send_body(self, status: int, data: bytes, headers: dict[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)


class FakeGW2Api:
    """See the package docstring of :mod:`warclaw.gw2api.fake` for the whole API."""

    def __init__(
        self,
        scenario: str = "replay",
        *,
        port: int = 0,
        speed: float = 0.0,
        seed: int = 0,
        rate_limit: bool = True,
        host: str = "127.0.0.1",
    ):
        self.scenario: Scenario = make_scenario(scenario, seed)
        self.clock = ScenarioClock(self.scenario.start, speed)
        self.faults = FaultSet(seed)
        self.scenario.install_faults(self.faults)
        self.keys: dict[str, KeyInfo] = {}
        self.add_key(DEFAULT_KEY, ALL_PERMISSIONS, name="warclaw fake key")
        self.build_id: int | None = None
        self.requests: list[RequestRecord] = []
        self._bucket = _ServerBucket(300, 5.0) if rate_limit else None
        self._router = Router(self)
        self._lock = threading.Lock()
        self._http = FakeHttpServer(self, _Handler, host=host, port=port, name="fake-gw2api")

    # -- lifecycle

    def start(self) -> FakeGW2Api:
        self._http.start()
        return self

    def stop(self) -> None:
        self._http.stop()

    def __enter__(self) -> FakeGW2Api:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def serve_forever(self) -> None:
        """Block until interrupted (for ``warclaw fakeapi``)."""
        self.start()
        try:
            while True:
                time.sleep(3600)
        finally:
            self.stop()

    @property
    def port(self) -> int:
        if not self._http.running:
            raise RuntimeError("the fake API is not running; use it as a context manager or call start()")
        return self._http.port

    @property
    def base_url(self) -> str:
        return f"http://{self._http.host}:{self.port}"

    # -- driving it

    def now(self) -> datetime:
        return self.clock.now()

    def advance(self, *, minutes: float = 0, seconds: float = 0, hours: float = 0) -> datetime:
        """Move scenario time forward; the next request sees the ticks that happened meanwhile."""
        self.clock.advance(timedelta(hours=hours, minutes=minutes, seconds=seconds))
        return self.clock.now()

    def set_speed(self, speed: float) -> None:
        self.clock.set_speed(speed)

    def inject_fault(self, path: str, kind: str, count: int | None = 1, probability: float = 1.0, **params: Any) -> Fault:
        return self.faults.add(path, kind, count, probability, **params)

    def clear_faults(self, path: str | None = None) -> None:
        self.faults.clear(path)

    def add_key(self, key: str, permissions: tuple[str, ...] | list[str] = ALL_PERMISSIONS, name: str = "fake key") -> str:
        self.keys[key] = KeyInfo(key, name, tuple(permissions))
        return key

    def set_build(self, build_id: int) -> None:
        """Pretend a game update shipped: /v2/build answers ``build_id`` from now on."""
        self.build_id = build_id

    def count(self, path: str | None = None, status: int | None = None) -> int:
        with self._lock:
            return sum(1 for r in self.requests if (path is None or r.path == path) and (status is None or r.status == status))

    def reset_log(self) -> None:
        with self._lock:
            self.requests.clear()

    # -- one request

    def _handle(self, h: _Handler) -> None:
        url = urlsplit(h.path)
        path = unquote(url.path).rstrip("/") or "/"
        query = dict(parse_qsl(url.query, keep_blank_values=True))
        auth = h.headers.get("Authorization", "")
        secret = auth[7:].strip() if auth.lower().startswith("bearer ") else query.pop("access_token", "")
        query.pop("access_token", None)
        key = self.keys.get(secret) if secret else None
        now = self.clock.now()
        req = Request(
            path=path, query=query, lang=query.get("lang", "en"), schema=parse_schema(query.get("v")),
            key=key, key_sent=bool(secret), now=now,
        )
        authed = key is not None and Router.needs_key(path)
        fired = self.faults.take(path, authed=authed, ids_all=query.get("ids") == "all")
        req.faults = fired

        def done(status: int) -> None:
            with self._lock:
                self.requests.append(RequestRecord(path, query, status, mask(secret) if secret else "", tuple(f.kind for f in fired)))

        if self._bucket is not None and not self._bucket.take():
            status, data, headers = self._json(429, {"text": recorded.error_text("too_many_requests")}, path)
            done(status)
            h.send_body(status, data, headers)
            return

        replaced = next((f for f in fired if f.kind in _REPLACING), None)
        if replaced is not None:
            if replaced.kind == "drop":
                done(0)
                h.drop()
                return
            status, data, headers = self._faulty(replaced, path)
            done(status)
            h.send_body(status, data, headers)
            return

        status, body = self._answer(req)
        status, data, headers = self._json(status, body, path, req)
        if status == 200:
            data = self._shape(req, data)
        done(status)
        slow = req.fault("slow")
        if slow is not None:
            time.sleep(float(slow.params.get("seconds", 3.0)))
        h.send_body(status, data, headers)

    def _answer(self, req: Request) -> tuple[int, Any]:
        frozen = req.fault("frozen")
        url_key = req.path + "?" + "&".join(f"{k}={v}" for k, v in sorted(req.query.items()) if k not in ("v",))
        if frozen is not None:
            if frozen.started_at is None:
                frozen.started_at = req.now
            if req.now - frozen.started_at >= timedelta(minutes=float(frozen.params.get("minutes", 60))):
                self.faults.remove(frozen)  # re-synced: the live data comes back in one burst
            elif url_key in frozen.frozen_bodies:
                return 200, frozen.frozen_bodies[url_key]
        for kind in ("invalid_key", "errbaddata"):
            f = req.fault(kind)
            if f is not None:
                if kind == "errbaddata":
                    return 400, {"text": recorded.error_text("ErrBadData")}
                return int(f.params.get("status", 403)), {"text": recorded.error_text("invalid_key")}
        try:
            body = self._router.dispatch(req)
        except Reply as r:
            return r.status, {"text": r.text}
        if frozen is not None and frozen in self.faults.active():
            frozen.frozen_bodies.setdefault(url_key, body)
        return 200, body

    def _json(self, status: int, body: Any, path: str, req: Request | None = None) -> tuple[int, bytes, dict[str, str]]:
        data = json.dumps(body, ensure_ascii=False).encode("utf-8")
        return status, data, self._headers(path, "application/json; charset=utf-8", req)

    def _headers(self, path: str, ctype: str, req: Request | None = None) -> dict[str, str]:
        age = max_age_for(path)
        now = datetime.now(UTC)
        headers = {
            "Content-Type": ctype,
            "Date": format_datetime(now, usegmt=True),
            "Cache-Control": f"public, max-age={age}",
            "Expires": format_datetime(now + timedelta(seconds=age), usegmt=True),
            "X-Rate-Limit-Limit": "600",  # what the real API claims; the real limit is 300/5 per s
            "Access-Control-Allow-Origin": "*",
            "X-Content-Type-Options": "nosniff",
            "X-Frame-Options": "SAMEORIGIN",
            "X-Powered-By": "ARR/3.0",
            "Strict-Transport-Security": "max-age=31536000; includeSubDomains; preload",
        }
        if req is not None:
            headers.setdefault("Content-Language", req.lang)
            headers.update(req.headers)
        return headers

    def _faulty(self, fault: Fault, path: str) -> tuple[int, bytes, dict[str, str]]:
        kind = fault.kind
        if kind in ("429", "429-retry-after"):
            status, data, headers = self._json(429, {"text": recorded.error_text("too_many_requests")}, path)
            if kind == "429-retry-after":
                headers["Retry-After"] = str(fault.params.get("retry_after", 1))
            return status, data, headers
        if kind == "error":
            return self._json(int(fault.params.get("status", 400)), {"text": str(fault.params.get("text", ""))}, path)
        if kind in ("500", "503"):
            text = _STATUS_TEXT[kind]
            body = json.dumps({"text": text}).encode() if text else b""
            return int(kind), body, self._headers(path, "application/json; charset=utf-8")
        status = int(fault.params.get("status", 200 if kind == "html" else kind))
        page = _HTML_PAGE.format(status=status).encode()
        return status, page, self._headers(path, "text/html; charset=utf-8")

    def _shape(self, req: Request, data: bytes) -> bytes:
        for f in req.faults:
            if f.kind == "remove_field":
                data = json.dumps(_walk(json.loads(data), f.params["field"], None)).encode()
            elif f.kind == "rename_field":
                data = json.dumps(_walk(json.loads(data), f.params["field"], f.params["to"])).encode()
            elif f.kind == "set_field":
                data = json.dumps(_set(json.loads(data), f.params["field"], f.params["value"])).encode()
        if req.fault("truncated"):
            data = data[: max(1, len(data) // 2)]
        return data


_REPLACING = frozenset({"429", "429-retry-after", "500", "502", "503", "504", "drop", "html", "error"})


def _walk(node: Any, field: str, rename_to: str | None) -> Any:
    """Remove (or rename) ``field`` in every object of a JSON value."""
    if isinstance(node, list):
        return [_walk(x, field, rename_to) for x in node]
    if isinstance(node, dict):
        out = {}
        for k, v in node.items():
            v = _walk(v, field, rename_to)
            if k == field:
                if rename_to is not None:
                    out[rename_to] = v
                continue
            out[k] = v
        return out
    return node


def _set(node: Any, field: str, value: Any) -> Any:
    """Set ``field`` to ``value`` in every object of a JSON value that has it."""
    if isinstance(node, list):
        return [_set(x, field, value) for x in node]
    if isinstance(node, dict):
        return {k: (value if k == field else _set(v, field, value)) for k, v in node.items()}
    return node
