"""One daemon per database on PostgreSQL (a session advisory lock, any machine), and
`daemon status --json`."""

from __future__ import annotations

import json
import socket
import threading

from pgserver import both_engines

from warclaw.store.queries import daemon_status
from warclaw.store.types import utcnow

from .conftest import Daemon, Env, wait_for


def other_machine(env: Env, name: str, url: str | None = None) -> Env:
    """The same database seen from another machine: its own data dir, pidfile and log."""
    d = env.dir / name
    d.mkdir()
    return Env(d, env.api, url or env.url)


def test_a_second_daemon_on_another_machine_is_refused_naming_the_first(pg_empty_url, api, tmp_path):
    first = Env(tmp_path, api, pg_empty_url)
    d1 = Daemon(first)
    try:
        d1.wait_started()
        second = other_machine(first, "laptop")
        r = second.warclaw("daemon", "run", timeout=60)
        assert r.returncode != 0
        line = r.stderr.strip().splitlines()[-1]
        assert line == (f"warclaw: a warclaw daemon is already running for database {pg_empty_url}: "
                        f"daemon on {socket.gethostname()}, pid {d1.proc.pid}")
        assert "Traceback" not in r.stderr
        r = second.warclaw("daemon", "start", timeout=60)  # refused before detaching, in one line
        assert r.returncode != 0 and f"pid {d1.proc.pid}" in r.stderr.strip().splitlines()[-1]

        st = json.loads(second.warclaw("daemon", "status", "--json").stdout)
        assert st["running"] and st["pid"] is None  # no pidfile on the laptop, but the lock sees it
        assert st["lock_holder"] == f"daemon on {socket.gethostname()}, pid {d1.proc.pid}"

        d1.kill()  # kill -9: the server releases the session's lock
        d3 = Daemon(second)
        d3.wait_started()
        wait_for(lambda: second.read(lambda r: daemon_status(r, utcnow()).pid == d3.proc.pid), timeout=60,
                 what="the new daemon's heartbeat")
        rc, out = d3.terminate()
        assert rc == 0, out
        second.close()
    finally:
        if d1.alive():
            d1.kill()
        first.close()


def test_daemons_for_two_databases_run_side_by_side(pg_server, pg_empty_url, api, tmp_path):
    other_db = pg_server.create_database()
    try:
        a = Env(tmp_path, api, pg_empty_url)
        b = other_machine(a, "b", pg_server.url(other_db))
        da, db = Daemon(a), Daemon(b)
        da.wait_started()
        db.wait_started()
        for e, d in ((a, da), (b, db)):
            st = json.loads(e.warclaw("daemon", "status", "--json").stdout)
            assert st["lock_holder"].endswith(f"pid {d.proc.pid}")
            rc, out = d.terminate()
            assert rc == 0, out
        a.close()
        b.close()
    finally:
        pg_server.drop_database(other_db)


@both_engines
def test_status_json_reports_endpoints_and_staleness(env):
    assert env.warclaw("sync", "--once").returncode == 0
    r = env.warclaw("daemon", "status", "--json")
    assert r.returncode == 3  # no daemon runs
    st = json.loads(r.stdout)
    assert st["running"] is False and st["heartbeat"] is None and st["lock_holder"] is None
    matches = next(e for e in st["endpoints"] if e["endpoint"] == "matches")
    assert matches["last_success_at"].endswith("Z") and matches["failing"] is False
    assert st["data"]["last_poll_at"] and st["data"]["stale_seconds"] >= 0
    text = env.warclaw("daemon", "status").stdout
    assert "daemon: not running" in text and "data: last changed" in text and "matches" in text


def test_the_default_pidfile_off_sqlite_is_named_for_its_database(tmp_path):
    from warclaw.config import Config
    from warclaw.daemon.runner import pidfile_path

    paths = set()
    for db in ("postgresql://u:pw1@db/guild_a", "postgresql://u:pw2@db/guild_b", "postgresql://u:other@db/guild_a"):
        cfg = Config()
        cfg.database.url = db
        paths.add(pidfile_path(cfg))
    assert len(paths) == 2  # one per database (the password is not part of its identity)
    assert not any("pw" in str(p) for p in paths)


# --- the lock's session ended by the server while the daemon runs ---------------------------------

def _admin(url: str):
    import psycopg

    from warclaw.store.reader import postgres_conninfo

    return psycopg.connect(postgres_conninfo(url)[0], autocommit=True)


def _terminate_lock_session(admin, pid: int) -> int:
    """pg_terminate_backend on the daemon's lock connection (named for its pid); returns how many."""
    return admin.execute("SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                         " WHERE application_name = %s", [f"warclaw daemon on {socket.gethostname()}, pid {pid}"]
                         ).fetchone()[0]


def _lock_holder(admin) -> tuple[str, int] | None:
    """(application name, server pid) of the session holding the daemons' lock."""
    from warclaw.daemon.dblock import DAEMON_LOCK_KEY

    row = admin.execute("SELECT a.application_name, a.pid FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
                        " WHERE l.locktype = 'advisory' AND l.granted AND l.objid = %s", [DAEMON_LOCK_KEY]).fetchone()
    return None if row is None else (row[0], row[1])


def _writes(admin) -> tuple:
    """Everything the daemon writes all the time: heartbeats, the poll log, meta."""
    return tuple(admin.execute(q).fetchall() for q in (
        "SELECT component, pid, state, beat_at FROM heartbeats ORDER BY component",
        "SELECT endpoint, last_attempt_at, total_failures FROM poll_log ORDER BY endpoint",
        "SELECT key, value FROM meta ORDER BY key"))


def test_a_daemon_whose_lock_session_is_ended_takes_it_again(pg_empty_url, api, tmp_path):
    env = Env(tmp_path, api, pg_empty_url)
    d = Daemon(env)
    admin = _admin(pg_empty_url)
    try:
        d.wait_started()
        name = f"warclaw daemon on {socket.gethostname()}, pid {d.proc.pid}"
        wait_for(lambda: (_lock_holder(admin) or ("",))[0] == name, timeout=30, what="the daemon's lock")
        _, first = _lock_holder(admin)
        assert _terminate_lock_session(admin, d.proc.pid) == 1
        # Nobody else took the database: the next check (or write) takes the lock again.
        wait_for(lambda: (h := _lock_holder(admin)) is not None and h[0] == name and h[1] != first, timeout=30,
                 what="the lock taken again on a new session")
        assert d.alive()
        rc, out = d.terminate()
        assert rc == 0, out
        assert "the connection holding the database lock was lost: taking the lock again" in out
        assert "Traceback" not in out
    finally:
        if d.alive():
            d.kill()
        admin.close()
        env.close()


def test_a_daemon_whose_lock_was_taken_meanwhile_stops_writing_at_once(pg_empty_url, api, tmp_path):
    """The lock's session ends and another holder takes the lock before the daemon looks again
    (here the test's own session, as a second daemon would, and then the write lock as its first
    write would): the daemon's next check (every 2 s; the heartbeat is set to a minute) or write
    refuses, not one write is made after that, and it exits (status 1) with one line."""
    env = Env(tmp_path, api, pg_empty_url)
    env.settings["daemon"]["heartbeat_seconds"] = 60.0
    env.write_config()
    d = Daemon(env)
    admin, rival = _admin(pg_empty_url), _admin(pg_empty_url)
    try:
        from warclaw.daemon.dblock import DAEMON_LOCK_KEY
        from warclaw.store.db import WRITE_LOCK_KEY

        d.wait_started()
        wait_for(lambda: _writes(admin)[1], timeout=30, what="the daemon's first poll")
        # The rival queues for the lock first, so it has it the moment the session ends (before
        # the daemon can take it again: a waiter goes first).
        waiting = threading.Thread(target=rival.execute, args=("SELECT pg_advisory_lock(%s)", [DAEMON_LOCK_KEY]))
        waiting.start()
        wait_for(lambda: admin.execute("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
                                       " AND objid = %s", [DAEMON_LOCK_KEY]).fetchone()[0] == 1,
                 timeout=30, what="the rival waiting for the lock")
        assert _terminate_lock_session(admin, d.proc.pid) == 1
        waiting.join(timeout=30)
        assert not waiting.is_alive()
        with rival.transaction():  # as the next daemon's first write: after any write in flight
            rival.execute("SELECT pg_advisory_xact_lock(%s)", [WRITE_LOCK_KEY])
        before = _writes(admin)
        out, _ = d.proc.communicate(timeout=30)  # well before its next heartbeat (60 s)
        assert d.proc.returncode == 1, out
        assert _writes(admin) == before  # not one write once the lock was gone, not even "stopped"
        lost = [line for line in out.splitlines() if "lost the database lock" in line]
        assert len(lost) == 1, out
        assert lost[0].endswith(f"lost the database lock, stopping: a warclaw daemon is already running for"
                                f" database {pg_empty_url}: a session from 127.0.0.1 (server pid"
                                f" {rival.info.backend_pid})")
        assert "Traceback" not in out and "database writes fail" not in out
    finally:
        if d.alive():
            d.kill()
        admin.close()
        rival.close()
        env.close()
