from __future__ import annotations

import pytest

from warclaw.store import Store
from warclaw.store.reader import Reader


@pytest.fixture
def db_url(engine_url) -> str:
    """The test's database: a SQLite file, or with `@both_engines` also a PostgreSQL database."""
    return engine_url


@pytest.fixture
def store(db_url):
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture
def reader(store):
    """A reader on the same database (sqlite3 or psycopg), as the TUI and the CLI read it."""
    r = Reader.open(store.url)
    yield r
    r.close()
