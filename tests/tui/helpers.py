"""Waiting for workers, and reading what a screen shows, in Pilot tests."""

from __future__ import annotations

import asyncio
import io
import time

from rich.console import Console
from textual.widgets import DataTable, Static

from warclaw.tui.app import WarclawApp


async def settle(app: WarclawApp, pilot, solve_timeout: float = 20.0) -> None:
    """Wait for the initial load, pending database work and any running solve."""
    await asyncio.wait_for(app.loaded.wait(), 10)
    deadline = time.monotonic() + solve_timeout
    while True:
        await app.workers.wait_for_complete()
        await pilot.pause()
        busy = app.state.solving or any(w.is_running for w in app.workers)
        if not busy:
            break
        if time.monotonic() > deadline:
            raise AssertionError(f"still busy after {solve_timeout}s: {app.state.solving}")
        await asyncio.sleep(0.05)
    await pilot.pause()


def cells(app: WarclawApp, table_id: str) -> list[list[str]]:
    table = app.screen.query_one(f"#{table_id}", DataTable)
    return [[str(getattr(c, "plain", c)) for c in table.get_row_at(i)] for i in range(table.row_count)]


def column(app: WarclawApp, table_id: str, index: int) -> list[str]:
    return [row[index] for row in cells(app, table_id)]


def text(app: WarclawApp, widget_id: str) -> str:
    w = app.screen.query_one(f"#{widget_id}", Static)
    r = w.render()
    return str(getattr(r, "plain", r))


def screen_lines(app: WarclawApp) -> list[str]:
    """The terminal's lines as drawn now (what `export_screenshot` puts in its SVG, as text): cut
    columns and lines show here, not in a widget's own text."""
    console = Console(width=app.size.width, height=app.size.height, file=io.StringIO(), record=True,
                      force_terminal=True, color_system=None, legacy_windows=False)
    console.print(app.screen._compositor.render_update(full=True))
    return console.export_text().splitlines()


def status(app: WarclawApp) -> str:
    return text(app, "status")


def members(app: WarclawApp) -> list[list[str]]:
    """The Squad screen's players, party by party (free places left out)."""
    return [[n for n in row if n] for row in app.screen.grid()]


def flat_members(app: WarclawApp) -> list[str]:
    return [n for row in members(app) for n in row]


async def click_header(pilot, table: DataTable, title: str) -> None:
    """A mouse click on the header of ``table``'s column titled ``title`` (a sort mark aside)."""
    x = 0
    for col in table.columns.values():
        if col.label.plain.split()[0] == title:
            await pilot.click(table, offset=(x + 1, 0))
            await pilot.pause()
            return
        x += col.get_render_width(table)
    raise AssertionError(f"no column {title!r} in {[c.label.plain for c in table.columns.values()]}")
