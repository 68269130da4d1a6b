import os
from collections.abc import Iterator

import pytest

from warclaw.files import load_catalog


@pytest.fixture(scope="session")
def catalog():
    return load_catalog()


# --- PostgreSQL: a real server for the suites that run on both engines ----------------------------
# A test (or module) runs on both engines with `@both_engines` (tests/pgserver.py); its `engine`
# fixture is then "sqlite" or "postgresql", and `engine_url` a fresh database of that engine.


@pytest.fixture(scope="session")
def pg_server():
    from pgserver import PgServer, PgUnavailable

    try:
        server = PgServer()
    except PgUnavailable as e:
        if os.environ.get("WARCLAW_TEST_PG") == "skip":
            pytest.skip(f"{e} (WARCLAW_TEST_PG=skip)")
        pytest.fail(str(e), pytrace=False)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def pg_template(pg_server) -> str:
    """A database with the schema at head, copied for each test (faster than migrating each)."""
    from warclaw.store import Store

    name = pg_server.create_database()
    Store.open(pg_server.url(name)).close()
    return name


@pytest.fixture
def pg_url(pg_server, pg_template) -> Iterator[str]:
    """A fresh PostgreSQL database with the schema at head."""
    name = pg_server.create_database(template=pg_template)
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def pg_empty_url(pg_server) -> Iterator[str]:
    """A fresh, empty PostgreSQL database (no schema yet)."""
    name = pg_server.create_database()
    yield pg_server.url(name)
    pg_server.drop_database(name)


@pytest.fixture
def engine(request) -> str:
    return getattr(request, "param", "sqlite")


@pytest.fixture
def engine_url(request, engine, tmp_path) -> str:
    """A database of the test's engine: a SQLite file (created on first open) or a PostgreSQL
    database with the schema at head."""
    if engine == "postgresql":
        return request.getfixturevalue("pg_url")
    return f"sqlite:///{tmp_path / 'warclaw.db'}"
