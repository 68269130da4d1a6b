"""The app reads through a sqlite3 Reader and opens its SQLAlchemy Store only when it must write
(the roster screens) or create/upgrade the schema, as `warclaw tui` runs it (openers, not objects)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import psycopg
import pytest
from pgserver import both_engines

from warclaw.store import Store
from warclaw.store.reader import Reader
from warclaw.tui.app import WarclawApp

from .fixtures import NOW
from .helpers import settle, status, text


def openers(url: str, calls: list[str]):
    def open_reader() -> Reader:
        calls.append("reader")
        return Reader.open(url)

    def open_store() -> Store:
        calls.append("store")
        return Store.open(url)

    return open_store, open_reader


@both_engines
async def test_screens_read_without_a_store_until_the_roster_is_edited(engine, store, db_url, catalog, tmp_path) -> None:
    calls: list[str] = []
    open_store, open_reader = openers(db_url, calls)
    app = WarclawApp(open_store, None, reader=open_reader, clock=lambda: NOW, live=False, export_dir=tmp_path,
                     catalog_path=None)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert "● daemon" in status(app) and app.state.matchup.view is not None
        for key in "23":
            await pilot.press(key)
            await pilot.pause()
        assert calls == ["reader"] and app.database.store is None
        await pilot.press("4")  # the roster screen: the engine and the store load now
        await settle(app, pilot)
        assert calls == ["reader", "store"] and app.database.store is not None and app.planner.book is not None
    app.database.closer.join(5)  # what the app opened is closed once its database thread is idle
    assert app.database.reader.engine == engine
    with pytest.raises(sqlite3.ProgrammingError if engine == "sqlite" else psycopg.OperationalError):
        app.database.reader.conn.execute("SELECT 1")


async def test_a_fresh_database_gets_its_schema_from_the_store_then_is_read(tmp_path, catalog) -> None:
    url = f"sqlite:///{tmp_path / 'new' / 'warclaw.db'}"
    calls: list[str] = []
    open_store, open_reader = openers(url, calls)
    app = WarclawApp(open_store, None, reader=open_reader, clock=lambda: NOW, live=False, export_dir=tmp_path)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        assert calls == ["reader", "store", "reader"]
        assert "warclaw daemon start" in text(app, "match-title")
        assert isinstance(app.database.reader, Reader) and app.database.store is not None  # kept for later writes
    assert (tmp_path / "new" / "warclaw.db").exists()


async def test_a_newer_database_exits_with_one_line(store, db_url, tmp_path: Path) -> None:
    con = sqlite3.connect(tmp_path / "warclaw.db")
    con.execute("UPDATE alembic_version SET version_num = 'f00dcafe'")
    con.commit()
    con.close()
    open_store, open_reader = openers(db_url, [])
    app = WarclawApp(open_store, None, reader=open_reader, clock=lambda: NOW, live=False, export_dir=tmp_path)
    async with app.run_test(size=(80, 24)):
        await app.loaded.wait()
    assert app.return_value == 2  # run() returns it as the exit status
