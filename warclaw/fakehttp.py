"""What the fake servers (the fake GW2 API, the fake Discord) share: a real HTTP/1.1 server on
127.0.0.1 in a thread of its own, started on a free port (or a given one) and stopped, and the
handler basics (no Nagle delay, no stderr log, dropping a connection without an answer).

Standard library only, outside both parts, so that :mod:`warclaw.gw2api.fake` and
:mod:`warclaw.discord.fake` import it without importing each other.
"""

from __future__ import annotations

import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


class FakeHandler(BaseHTTPRequestHandler):
    """Keep-alive HTTP/1.1; ``self.server.owner`` is the fake that answers."""

    protocol_version = "HTTP/1.1"
    sys_version = ""
    server: OwnedServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in two writes; without NODELAY, Nagle + delayed ACK add ~40 ms each.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002 - stdlib signature
        pass  # each fake keeps its own request log; stderr noise helps nobody

    def drop(self) -> None:
        """Close the connection without an answer (the client sees it dropped)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class OwnedServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True
    owner: Any


class FakeHttpServer:
    """One listening server for ``owner`` with ``handler``: ``start()``, ``stop()``, and ``start()``
    again on the same port (an outage and its end)."""

    def __init__(self, owner: object, handler: type[FakeHandler], *, host: str = "127.0.0.1", port: int = 0,
                 name: str = "fake-http"):
        self.owner, self.handler, self.host, self.name = owner, handler, host, name
        self._port = port
        self._httpd: OwnedServer | None = None

    def start(self) -> None:
        httpd = OwnedServer((self.host, self._port), self.handler)
        httpd.owner = self.owner
        self._httpd = httpd
        self._port = int(httpd.server_address[1])  # a restart after stop() keeps the port
        threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True,
                         name=self.name).start()

    def stop(self) -> None:
        """Stop listening: connections are refused until ``start()``."""
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None

    @property
    def running(self) -> bool:
        return self._httpd is not None

    @property
    def port(self) -> int:
        """The port bound (or to bind: 0 before the first start picks a free one)."""
        return self._port

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self._port}"
