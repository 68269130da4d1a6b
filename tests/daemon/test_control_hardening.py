"""Daemon paths and control (issue 15, items 2, 3 and 8), with the daemon as a real process.

Relative paths mean the same file before and after `start` detaches into `/`; a symlink is the
same database; control commands find a running daemon when its config is broken; after kill -9
`status` says "not running" with the last heartbeat's age; a pidfile that is a directory and a
full disk are one line, and the heartbeat on a full disk logs once per change of state.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
import tomli_w

from warclaw.daemon.pidfile import PidFile

from .conftest import wait_for


def relative_env(env, **extra: str) -> dict[str, str]:
    """The environment without WARCLAW_DB/WARCLAW_CONFIG: the paths come from the command line."""
    e = {k: v for k, v in env.env.items() if k not in ("WARCLAW_DB", "WARCLAW_CONFIG")}
    return {**e, **extra}


def run_in(cwd, environ, *args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "warclaw.daemon", *args], cwd=cwd, env=environ,
                          capture_output=True, text=True, timeout=timeout)


def test_relative_db_and_config_mean_the_same_files_after_start_detaches(env, tmp_path):
    work = tmp_path / "work"
    work.mkdir()
    settings = {**env.settings, "daemon": {**env.settings["daemon"], "log_file": "logs/daemon.log"}}
    (work / "rel.toml").write_text(tomli_w.dumps(settings))
    environ = relative_env(env)
    r = run_in(work, environ, "--config", "rel.toml", "--db", "rel.db", "start")
    assert r.returncode == 0, r.stderr
    assert "started (pid" in r.stdout and str(work / "logs" / "daemon.log") in r.stdout
    try:
        assert (work / "rel.db").exists() and (work / "rel.db.pid").exists()
        assert not os.path.exists("/rel.db")
        # The same daemon, seen from elsewhere through ./, ../ and a symlink.
        sub = work / "sub"
        sub.mkdir()
        (sub / "link.db").symlink_to(work / "rel.db")
        for cwd, db in ((work, "./rel.db"), (sub, "../rel.db"), (sub, "link.db")):
            r = run_in(cwd, environ, "--config", str(work / "rel.toml"), "--db", db, "status")
            assert r.returncode == 0 and "daemon: running, pid" in r.stdout, (db, r.stdout, r.stderr)
        # A second daemon through the symlink is refused: one database, one daemon.
        r = run_in(sub, environ, "--config", str(work / "rel.toml"), "--db", "link.db", "run")
        assert r.returncode == 1 and "already running" in r.stderr
        # The relative --config reaches the detached daemon as an absolute path: a reload works.
        r = run_in(work, environ, "--config", "rel.toml", "--db", "rel.db", "reload")
        assert r.returncode == 0, r.stderr
        wait_for(lambda: "config reloaded from " + str(work / "rel.toml") in (work / "logs" / "daemon.log").read_text(),
                 what="the reload in the log")
    finally:
        r = run_in(work, environ, "--config", "rel.toml", "--db", "rel.db", "stop")
    assert r.returncode == 0 and "stopped (pid" in r.stdout and str(work / "rel.db") in r.stdout


def test_control_commands_find_the_daemon_when_its_config_breaks(env, daemon):
    env.settings["database"] = {"url": str(env.db)}
    env.write_config()
    env.env.pop("WARCLAW_DB")
    d = daemon()
    d.wait_started()
    wait_for(lambda: PidFile(env.db.with_name("warclaw.db.pid")).running_pid() == d.proc.pid, what="the pidfile")
    env.write_config("[database\nurl = broken")  # no longer TOML at all: the config cannot say where the db is
    default_db = env.dir / "default-data"
    env.env["XDG_DATA_HOME"] = str(default_db)  # so that a fallback to defaults would be visible
    r = env.warclaw("daemon", "status")
    assert r.returncode == 0, (r.stdout, r.stderr)
    assert f"daemon: running, pid {d.proc.pid}" in r.stdout and str(env.db) in r.stdout
    assert "not valid TOML" in r.stderr and "found the daemon started with this config" in r.stderr
    assert not default_db.exists()  # status never creates a database
    r = env.warclaw("daemon", "stop")
    assert r.returncode == 0 and f"stopped (pid {d.proc.pid}, database sqlite:///{env.db})" in r.stdout
    assert d.proc.wait(timeout=30) == 0


def test_after_kill_9_status_says_not_running_with_the_last_heartbeat(env, daemon):
    d = daemon()
    d.wait_started()
    wait_for(lambda: env.read(lambda r: r.row("SELECT beat_at FROM heartbeats")), what="a heartbeat")
    d.kill()
    r = env.warclaw("daemon", "status")
    assert r.returncode == 3
    first = r.stdout.splitlines()[0]
    assert first.startswith("daemon: not running") and "last heartbeat was" in first and "did not stop cleanly" in first
    assert "running, pid" not in r.stdout and "heartbeat: running" not in r.stdout
    r = env.warclaw("daemon", "stop")
    assert r.returncode == 0 and "not running" in r.stdout


def test_status_without_a_database_creates_none(env):
    r = env.warclaw("daemon", "status")
    assert r.returncode == 3 and "no heartbeat" in r.stdout and "no Warclaw database there yet" in r.stdout
    assert not env.db.exists()


def test_a_pidfile_that_is_a_directory_is_one_line(env, tmp_path):
    env.settings["daemon"]["pidfile"] = str(tmp_path)
    env.write_config()
    for action in ("start", "run", "status", "stop"):
        r = env.warclaw("daemon", action)
        assert r.returncode != 0 and "Traceback" not in r.stderr, r.stderr
        assert r.stderr.strip() == f"warclaw: pidfile {tmp_path}: is a directory; daemon.pidfile must name a file"


def test_a_sigterm_during_start_up_stops_the_daemon(env, daemon):
    d = daemon()
    d.wait_started()  # logged just before the event loop starts: the window where a SIGTERM was lost
    d.proc.send_signal(signal.SIGTERM)
    code, out = d.terminate(timeout=30)
    assert code == 0, out


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MiB tmpfs: a disk that really fills up (needs root; skipped elsewhere)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (not root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def fill(disk) -> None:
    try:
        with open(disk / "filler", "wb") as fh:
            while True:
                fh.write(b"\0" * 65536)
    except OSError:
        pass  # full (perhaps already before the filler: then it is not even created)


def test_a_full_disk_logs_once_backs_off_and_shows_in_status(env, daemon, small_disk):
    env.db = small_disk / "warclaw.db"
    env.env["WARCLAW_DB"] = str(env.db)
    env.settings["daemon"]["heartbeat_seconds"] = 1.0
    env.settings["daemon"]["backoff_max_seconds"] = 5.0
    env.write_config()
    d = daemon()
    d.wait_started()
    wait_for(lambda: "matches  last success" in env.warclaw("daemon", "status").stdout, what="a first poll")
    env.api.advance(hours=2)
    fill(small_disk)
    d.poke()
    wait_for(lambda: "database writes fail" in env.log.read_text(), timeout=30, what="the failure in the log")
    time.sleep(6)  # at 1 s a beat this would be 6 more lines without the once-per-state rule
    d.poke()
    r = env.warclaw("daemon", "status")
    assert r.returncode == 0 and "database writes FAILING since" in r.stdout and "disk is full" in r.stdout, r.stdout
    log = env.log.read_text()
    assert log.count("database writes fail") == 1, log
    assert log.count("ERROR") <= 2, log
    (small_disk / "filler").unlink(missing_ok=True)
    d.poke()
    wait_for(lambda: "database writes work again" in env.log.read_text(), timeout=30, what="the recovery in the log")
    wait_for(lambda: "FAILING" not in env.warclaw("daemon", "status").stdout, what="status after recovery")
    code, out = d.terminate()
    assert code == 0, out
