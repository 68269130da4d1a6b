from __future__ import annotations

import pytest

from warclaw.store import Store
from warclaw.store.reader import Reader


@pytest.fixture
def db_url(tmp_path) -> str:
    return f"sqlite:///{tmp_path / 'warclaw.db'}"


@pytest.fixture
def store(db_url):
    s = Store.open(db_url)
    yield s
    s.close()


@pytest.fixture
def reader(store):
    """A reader on the same database (sqlite3), as the TUI and the CLI read it."""
    r = Reader.open(store.url)
    yield r
    r.close()
