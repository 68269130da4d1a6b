"""Fixtures for daemon tests: the real fake API over HTTP, a real SQLite file, a real process."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
import tomli_w
from waiting import wait_for  # noqa: F401 - the daemon tests import it from here

from warclaw.gw2api.fake import DEFAULT_KEY, FakeGW2Api
from warclaw.store import Store
from warclaw.store.reader import Reader, open_reader


@pytest.fixture
def api() -> Iterator[FakeGW2Api]:
    with FakeGW2Api(scenario="replay", rate_limit=False) as fake:
        yield fake


class Env:
    """A data dir with a config file, and helpers to run `warclaw` against it."""

    def __init__(self, tmp: Path, api: FakeGW2Api, url: str | None = None):
        self.dir = tmp
        self.api = api
        self.db = tmp / "warclaw.db"
        # A SQLite file by default; with `@both_engines` also an empty PostgreSQL database.
        self.url = url or f"sqlite:///{self.db}"
        self.engine = "postgresql" if url else "sqlite"
        self.config = tmp / "config.toml"
        self.log = tmp / "daemon.log"
        self._reader: Store | None = None
        self._sqlite_reader: Reader | None = None
        self.settings: dict[str, Any] = {
            "api": {"key": DEFAULT_KEY, "timeout_seconds": 1.0},
            "daemon": {
                "region": "eu",
                "log_file": str(self.log),
                "match_poll_seconds": 5.0,
                "guild_poll_seconds": 5.0,
                "heartbeat_seconds": 1.0,
                "backoff_max_seconds": 5.0,
            },
        }
        if url:  # off SQLite the pidfile would default to the user's data dir, shared by every test
            self.settings["daemon"]["pidfile"] = str(tmp / "warclaw.pid")
        self.write_config()
        self.env = {
            **os.environ,
            "WARCLAW_CONFIG": str(self.config),
            "WARCLAW_DB": url or str(self.db),
            "WARCLAW_API_BASE": api.base_url,
            "PYTHONUNBUFFERED": "1",
        }

    def write_config(self, text: str | None = None) -> None:
        tmp = self.config.with_suffix(".tmp")
        tmp.write_text(text if text is not None else tomli_w.dumps(self.settings))
        os.replace(tmp, self.config)

    def warclaw(self, *args: str, timeout: float = 60, lean: bool = True) -> subprocess.CompletedProcess[str]:
        """Run a command; ``lean`` uses `python -m warclaw.daemon` (same commands, without the
        optimizer's 1.5 s of imports), else the full `python -m warclaw`."""
        entry = "warclaw.daemon" if lean else "warclaw"
        return subprocess.run([sys.executable, "-m", entry, *args], env=self.env, capture_output=True,
                              text=True, timeout=timeout)

    def spawn(self, *args: str) -> subprocess.Popen[str]:
        return subprocess.Popen([sys.executable, "-m", "warclaw", *args], env=self.env, stdout=subprocess.PIPE,
                                stderr=subprocess.STDOUT, text=True)

    def sync_in_process(self) -> None:
        """One poll cycle without a subprocess: setup for tests that are not about the CLI."""
        import asyncio

        from warclaw.config import parse_config
        from warclaw.daemon.service import SyncService

        cfg = parse_config(self.settings)
        cfg.api.base_url = self.api.base_url
        with self.store() as store:
            async def once() -> dict[str, str | None]:
                svc = SyncService(store, cfg)
                try:
                    return await svc.cycle_once()
                finally:
                    await svc.aclose()

            assert asyncio.run(once())["matches"] is None

    def store(self) -> Store:
        return Store.open(self.url)

    def query(self, fn: Callable[[Any], Any]) -> Any:
        """Run ``fn(session)`` on one long-lived reader, as the TUI would."""
        if self._reader is None:
            self._reader = self.store()
        with self._reader.read() as s:
            return fn(s)

    def read(self, fn: Callable[[Reader], Any]) -> Any:
        """Run ``fn(reader)`` on one long-lived reader (sqlite3 or psycopg: the queries of
        warclaw.store.queries), as the TUI reads."""
        if self._sqlite_reader is None:
            self._sqlite_reader = open_reader(self.url)
        with self._sqlite_reader.snapshot():
            return fn(self._sqlite_reader)

    def close(self) -> None:
        if self._reader is not None:
            self._reader.close()
        if self._sqlite_reader is not None:
            self._sqlite_reader.close()


@pytest.fixture
def env(request, tmp_path, api, engine) -> Iterator[Env]:
    e = Env(tmp_path, api, request.getfixturevalue("pg_empty_url") if engine == "postgresql" else None)
    yield e
    e.close()


class Daemon:
    """The daemon in the foreground, as systemd runs it (`python -m warclaw.daemon run`)."""

    def __init__(self, env: Env):
        self.env = env
        self.proc = subprocess.Popen([sys.executable, "-m", "warclaw.daemon", "run"], env=env.env,
                                     stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def poke(self) -> None:
        self.proc.send_signal(signal.SIGUSR1)

    def alive(self) -> bool:
        return self.proc.poll() is None

    def terminate(self, timeout: float = 20) -> tuple[int, str]:
        if self.alive():
            self.proc.send_signal(signal.SIGTERM)
        out, _ = self.proc.communicate(timeout=timeout)
        return self.proc.returncode, out

    def wait_started(self, timeout: float = 20) -> None:
        """Block until the daemon logged that it opened the database and starts polling."""
        deadline = time.monotonic() + timeout
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            if "warclaw daemon starting" in line:
                return
            if time.monotonic() > deadline:
                break
        raise AssertionError("the daemon did not start")

    def kill(self) -> None:
        self.proc.kill()
        self.proc.communicate(timeout=10)


@pytest.fixture
def daemon(env) -> Iterator[Callable[[], Daemon]]:
    started: list[Daemon] = []

    def start() -> Daemon:
        d = Daemon(env)
        started.append(d)
        return d

    yield start
    for d in started:
        if d.alive():
            d.kill()
