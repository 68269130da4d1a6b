"""Live refresh: a write by another connection (the daemon) shows up without a key press."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

from pgserver import both_engines

from warclaw.store import Store
from warclaw.store.status import beat

from .fixtures import NOW, flip
from .helpers import cells, settle, status


async def wait_for(pilot, cond, timeout: float = 5.0) -> float:
    t0 = time.perf_counter()
    while not cond():
        if time.perf_counter() - t0 > timeout:
            raise AssertionError("the screen did not refresh by itself")
        await asyncio.sleep(0.02)
        await pilot.pause()
    return time.perf_counter() - t0


@both_engines
async def test_daemon_write_appears_on_events_and_maps(store, db_url, make_app) -> None:
    app = make_app(store, live=True, poll_interval=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        await pilot.press("3")
        await pilot.pause()
        assert len(cells(app, "events")) == 5
        other = Store.open(db_url)  # another connection, as the daemon would hold
        try:
            flip(other, NOW + timedelta(minutes=1))
            await wait_for(pilot, lambda: len(cells(app, "events")) == 6)
            assert cells(app, "events")[0][3].startswith("Langor Tower (Green) taken by Blue")  # cut at 80: "…"
            await pilot.press("2")
            await pilot.pause()
            tower = next(r for r in cells(app, "objectives") if r[1] == "Langor Tower (Gree…")  # cut at 80 columns
            assert tower[3] == "Blue"
            # the daemon stops beating: the status bar says so once its state is written
            with other.write() as s:
                beat(s, NOW - timedelta(hours=2), state="stopped")
            await wait_for(pilot, lambda: "no daemon" in status(app))
        finally:
            other.close()


@both_engines
async def test_nothing_reloads_while_nothing_changes(store, make_app) -> None:
    app = make_app(store, live=True, poll_interval=0.05)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        first = app.state.matchup
        await asyncio.sleep(0.4)
        await pilot.pause()
        assert app.state.matchup is first  # data_version unchanged: no query ran
