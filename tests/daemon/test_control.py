"""Detached start/stop/status/reload, the pidfile lock, config reload, logging of secrets."""

from __future__ import annotations

import logging
import os

from sqlalchemy import select

from warclaw.daemon.logs import SECRETS, setup_logging
from warclaw.daemon.pidfile import PidFile
from warclaw.gw2api.fake import DEFAULT_KEY
from warclaw.store.models import Match

from .conftest import wait_for


def match_ids(env):
    return env.query(lambda s: set(s.scalars(select(Match.api_id))))


def test_start_status_reload_stop(env):
    r = env.warclaw("daemon", "start", lean=False)
    assert r.returncode == 0, r.stderr
    assert r.stdout.startswith("warclaw daemon started (pid ")
    pidfile = env.db.with_name("warclaw.db.pid")
    pid = int(pidfile.read_text())
    try:
        wait_for(lambda: {"2-1", "2-3"} <= match_ids(env), what="the detached daemon's first poll")

        r = env.warclaw("daemon", "start")
        assert r.returncode == 1 and f"already running (pid {pid})" in r.stderr
        r = env.warclaw("daemon", "run")
        assert r.returncode == 1 and "already running" in r.stderr and "Traceback" not in r.stderr

        r = env.warclaw("daemon", "status")
        assert r.returncode == 0 and f"running, pid {pid}" in r.stdout and "matches  last success" in r.stdout

        # An invalid edit is logged and the last good config stays; the daemon keeps polling.
        env.write_config("[daemon]\nregion = 'mars'\n")
        wait_for(lambda: "config reload failed, keeping the last good config" in env.log.read_text(),
                 what="the invalid edit to be noticed")
        # A valid edit (seen by watchfiles) switches region; `reload` (SIGHUP) also works.
        env.settings["daemon"]["region"] = "na"
        env.write_config()
        wait_for(lambda: "1-1" in match_ids(env), timeout=20, what="NA matches after the config change")
        r = env.warclaw("daemon", "reload")
        assert r.returncode == 0
        wait_for(lambda: env.log.read_text().count("config reloaded") >= 2, what="SIGHUP reload")
    finally:
        r = env.warclaw("daemon", "stop")
    assert r.returncode == 0 and f"stopped (pid {pid}, database sqlite:///{env.db})" in r.stdout
    assert not pidfile.exists()
    r = env.warclaw("daemon", "status")
    assert r.returncode == 3 and "not running" in r.stdout
    log = env.log.read_text()
    assert DEFAULT_KEY not in log and "Traceback" not in log


def test_a_stale_pidfile_does_not_block_a_start(env, daemon):
    pidfile = env.db.with_name("warclaw.db.pid")
    pidfile.write_text("999999\n")  # a daemon that died with kill -9 long ago; no one holds the lock
    d = daemon()
    d.wait_started()
    wait_for(lambda: pidfile.exists() and pidfile.read_text().strip() == str(d.proc.pid), what="our pid in the pidfile")
    assert PidFile(pidfile).running_pid() == d.proc.pid
    rc, out = d.terminate()
    assert rc == 0, out
    assert not pidfile.exists()


def test_stop_when_nothing_runs_says_so(env):
    r = env.warclaw("daemon", "stop")
    assert r.returncode == 0 and "not running" in r.stdout
    r = env.warclaw("daemon", "reload")
    assert r.returncode == 1 and r.stderr.strip() == "warclaw: warclaw daemon is not running"


def test_the_log_rotates_and_masks_the_api_key(tmp_path):
    log_file = tmp_path / "daemon.log"
    handlers = setup_logging(log_file, max_bytes=10_000, backups=2, to_stderr=False)
    SECRETS.secrets = [DEFAULT_KEY]
    try:
        for i in range(300):
            logging.getLogger("warclaw.test").info("poll %d with key %s", i, DEFAULT_KEY)
    finally:
        SECRETS.secrets = []
        for h in handlers:
            logging.getLogger().removeHandler(h)
            h.close()
    files = sorted(os.listdir(tmp_path))
    assert files == ["daemon.log", "daemon.log.1", "daemon.log.2"]
    text = "".join((tmp_path / f).read_text() for f in files)
    assert DEFAULT_KEY not in text
    assert f"{DEFAULT_KEY[:4]}…{DEFAULT_KEY[-4:]}" in text
