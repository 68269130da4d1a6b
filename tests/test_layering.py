"""Dependencies point one way: the engine imports no UI, database or HTTP library."""

import subprocess
import sys


def test_engine_imports_no_io_libraries():
    code = (
        "import sys, warclaw.engine, warclaw.engine.solver;"
        "bad = [m for m in ('textual', 'sqlalchemy', 'httpx', 'warclaw.store', 'warclaw.tui', 'warclaw.gw2api')"
        " if m in sys.modules];"
        "print(','.join(bad))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == ""


def test_the_tui_reads_the_database_without_sqlalchemy(tmp_path):
    # SQLAlchemy + the ORM cost ~20 MB: the TUI's screens and status bar read through sqlite3 only.
    from tui.fixtures import seed_matchup  # tests/tui: a match with events, objectives, a daemon

    from warclaw.store import Store

    url = f"sqlite:///{tmp_path / 'warclaw.db'}"
    with Store.open(url) as store:  # a migrated database with data
        seed_matchup(store)
    code = (
        "import sys;"
        "import warclaw.store.reader, warclaw.store.queries, warclaw.tui.data, warclaw.tui.app;"
        "from datetime import UTC, datetime;"
        "from warclaw.store import queries as q;"
        "from warclaw.store.reader import Reader;"
        "from warclaw.tui import data as d;"
        "now = datetime.now(UTC);"
        "r = Reader.open(sys.argv[1]);"
        "m = d.load_matchup(r, None, None, now); e = d.load_events(r, m.match.pk); st = d.load_status(r, now);"
        "d.load_fingerprint(r); q.matchup(r, m.match.pk, now); q.recent_events(r); q.daemon_status(r, now);"
        "q.fingerprint(r); r.close();"
        "print(len(m.objectives), len(e), st.state,"
        " [m for m in sys.modules if m.split('.')[0] in ('sqlalchemy', 'alembic')])"
    )
    out = subprocess.run([sys.executable, "-c", code, url], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "16 5 running []"
