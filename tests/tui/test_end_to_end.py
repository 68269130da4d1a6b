"""End to end: the fake GW2 API, the daemon (a real process) and the TUI on one database.
A flip in the replayed matchup appears on the Events screen without a key press."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta

import pytest
import tomli_w

from warclaw.gw2api.fake import DEFAULT_KEY, FakeGW2Api
from warclaw.store import Store
from warclaw.tui.app import utcnow

from .helpers import cells, settle, status


async def wait_for(pilot, cond, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not cond():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)
        await pilot.pause()


@pytest.fixture
def api():
    with FakeGW2Api(scenario="replay", rate_limit=False) as fake:
        yield fake


async def test_flip_from_the_fake_api_reaches_the_events_screen(api, tmp_path, make_app) -> None:
    db = tmp_path / "warclaw.db"
    config = tmp_path / "config.toml"
    config.write_text(tomli_w.dumps({
        "api": {"key": DEFAULT_KEY, "timeout_seconds": 2.0},
        "daemon": {"region": "eu", "log_file": str(tmp_path / "daemon.log"), "match_poll_seconds": 5.0,
                   "heartbeat_seconds": 1.0, "backoff_max_seconds": 5.0},
    }))
    env = {**os.environ, "WARCLAW_CONFIG": str(config), "WARCLAW_DB": str(db), "WARCLAW_API_BASE": api.base_url}
    daemon = subprocess.Popen([sys.executable, "-m", "warclaw.daemon", "run"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    store = Store.open(f"sqlite:///{db}")
    try:
        app = make_app(store, live=True, poll_interval=0.1, clock=utcnow)
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(app, pilot)
            await wait_for(pilot, lambda: app.state.matchup.view is not None, 40, "the daemon's first poll")
            await wait_for(pilot, lambda: "● daemon" in status(app), 10, "the heartbeat")
            await pilot.press("3")
            before = {r[3] for r in cells(app, "events")}
            api.clock.advance(timedelta(minutes=45))  # the replay moves on: objectives change hands
            daemon.send_signal(signal.SIGUSR1)  # poll now
            await wait_for(pilot, lambda: any(r[1] == "capture" and r[3] not in before for r in cells(app, "events")),
                           30, "a capture on the Events screen")
    finally:
        daemon.send_signal(signal.SIGTERM)
        try:
            daemon.wait(timeout=20)
        except subprocess.TimeoutExpired:
            daemon.kill()
        store.close()
