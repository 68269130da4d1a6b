from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from warclaw.store import Store
from warclaw.store import rosters as rs
from warclaw.tui.app import WarclawApp

from .fixtures import NOW, seed_matchup

# Ten players: solved to proven optimality in well under a second, so tests stay fast.
TINY = {
    "mode": "zerg",
    "players": [
        {"name": "Aelin.1234", "builds": ["firebrand-support", "herald-boon"], "commander": True},
        {"name": "Bran.5678", "builds": ["scrapper-heal", "tempest-heal"], "with": ["Cora.9012"]},
        {"name": "Cora.9012", "builds": ["herald-boon", "renegade-boon"]},
        {"name": "Dax.3456", "builds": ["scourge-strip", "reaper-dps"]},
        {"name": "Eira.7890", "builds": ["spellbreaker-strip", "berserker-dps"]},
        {"name": "Fenn.1111", "builds": ["firebrand-support", "willbender-dps"]},
        {"name": "Gale.2222", "builds": ["druid-heal", "scrapper-heal"]},
        {"name": "Hale.3333", "builds": ["chronomancer-support", "virtuoso-dps"]},
        {"name": "Iris.4444", "builds": ["reaper-dps", "scourge-strip"]},
        {"name": "Jax.5555", "builds": ["weaver-dps", "catalyst-dps"]},
    ],
}

# A fixed plan for TINY (hand-written, valid), so snapshots do not depend on solver tie-breaks.
TINY_PLAN = {"parties": [
    {"number": 1, "members": [{"name": "Aelin.1234", "build": "firebrand-support"},
                              {"name": "Bran.5678", "build": "scrapper-heal"},
                              {"name": "Cora.9012", "build": "herald-boon"},
                              {"name": "Dax.3456", "build": "scourge-strip"},
                              {"name": "Eira.7890", "build": "spellbreaker-strip"}]},
    {"number": 2, "members": [{"name": "Fenn.1111", "build": "firebrand-support"},
                              {"name": "Gale.2222", "build": "druid-heal"},
                              {"name": "Hale.3333", "build": "chronomancer-support"},
                              {"name": "Iris.4444", "build": "reaper-dps"},
                              {"name": "Jax.5555", "build": "weaver-dps"}]},
]}


@pytest.fixture
def db_url(request, engine: str, tmp_path: Path) -> str:
    """A SQLite file; with `@both_engines` also a PostgreSQL database (a copy of the seeded one)."""
    if engine == "postgresql":
        return request.getfixturevalue("pg_seeded_url")
    return f"sqlite:///{tmp_path / 'warclaw.db'}"


@pytest.fixture(scope="session")
def pg_seeded_template(pg_server) -> str:
    name = pg_server.create_database()
    s = Store.open(pg_server.url(name))
    seed_matchup(s)
    s.close()
    return name


@pytest.fixture
def pg_seeded_url(pg_server, pg_seeded_template):
    name = pg_server.create_database(template=pg_seeded_template)
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture(scope="session")
def seeded_db(tmp_path_factory) -> Path:
    """The fixed matchup, written once; each test gets its own copy."""
    path = tmp_path_factory.mktemp("template") / "warclaw.db"
    s = Store.open(f"sqlite:///{path}")
    seed_matchup(s)
    with s.engine.connect() as conn:  # fold the WAL into the file so one copy is the whole database
        conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    s.close()
    return path


@pytest.fixture
def store(db_url: str, engine: str, seeded_db: Path, tmp_path: Path):
    if engine == "sqlite":
        shutil.copyfile(seeded_db, tmp_path / "warclaw.db")
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture
def empty_store(db_url: str):
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture
def saved_plan(store: Store) -> Store:
    """The tiny roster with the fixed plan saved for it."""
    with store.write() as s:
        rs.save_roster(s, "default", TINY)
        rs.save_plan(s, "default", "zerg", 0.0, {**TINY_PLAN, "status": "feasible", "bound": 0})
    return store


@pytest.fixture
def make_app(catalog, tmp_path: Path):
    def make(store: Store, **kw) -> WarclawApp:
        kw.setdefault("seed_roster", TINY)
        kw.setdefault("clock", lambda: NOW)
        kw.setdefault("live", False)
        kw.setdefault("time_limit", 5.0)
        kw.setdefault("export_dir", tmp_path)
        return WarclawApp(store, catalog, **kw)
    return make
