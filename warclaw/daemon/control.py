"""``warclaw daemon start|stop|status|reload``: a detached daemon for people without systemd.

``start`` runs ``warclaw daemon run --detach`` as a child: it checks everything that can fail
(database, log file, another instance) while it still has a terminal to complain to, then
detaches with python-daemon, which takes the pidfile lock in the detached process. ``start``
waits until that lock is held, so its exit status says whether the daemon really runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

from warclaw.cli.context import Context
from warclaw.cli.output import echo, error_line
from warclaw.common import safe_line
from warclaw.config import Config, find_config_path
from warclaw.daemon.dblock import DatabaseLock
from warclaw.daemon.pidfile import AlreadyRunning, PidFile
from warclaw.daemon.runner import (
    log_path,
    open_store_for_writing,
    pidfile_path,
    registry_path,
    rule_team_problems,
    serve,
)
from warclaw.errors import ConfigError, UserError

START_TIMEOUT = 20.0
STOP_TIMEOUT = 30.0


def _global_args(ctx: Context) -> list[str]:
    args = []
    if ctx.config_path:
        args += ["--config", ctx.config_path]
    if ctx.db:
        args += ["--db", ctx.db]
    if ctx.api_base:
        args += ["--api-base", ctx.api_base]
    return args


def _wait(predicate, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.05)
    return predicate()


@dataclass
class Located:
    """The daemon a control command talks to: its pidfile (the source of truth: the lock is held
    exactly while it runs), its pid if it runs, and the config as far as it could be read."""

    pidfile: PidFile
    pid: int | None
    config: Config


def _locate(ctx: Context) -> Located:
    """Find the daemon: by the config when it is valid; when it is broken, by the pidfile the
    daemon noted for that config file at its start, else by --db and the defaults. A broken config
    must not keep an operator from stopping or inspecting the daemon it was meant to reconfigure."""
    try:
        cfg = ctx.config
    except ConfigError as e:
        problem = e.problems[0]
    else:
        pf = PidFile(pidfile_path(cfg))
        return Located(pf, pf.running_pid(), cfg)
    fallback = Config()
    if ctx.db:
        fallback.database.url = ctx.db
    config_file = find_config_path(ctx.config_path)
    candidates: list[tuple[PidFile, str]] = []
    if not ctx.db and config_file is not None:
        try:
            noted = registry_path(config_file).read_text().strip()
        except OSError:
            noted = ""
        if noted:
            candidates.append((PidFile(noted), f"found the daemon started with this config by its pidfile {noted}"))
    default = PidFile(pidfile_path(fallback))
    candidates.append((default, "using defaults and --db to find the daemon"))
    for pf, how in candidates:
        pid = pf.running_pid()
        if pid is not None or pf is default:
            error_line(f"{problem} ({how})")
            db = pf.record().get("database") if pid else None
            if isinstance(db, str) and db.startswith("sqlite"):
                fallback.database.url = db  # the database the running daemon says it writes
            return Located(pf, pid, fallback)
    raise AssertionError("unreachable")  # the default candidate always returns


def _which(loc: Located) -> str:
    """Which daemon, in the words of its own record: pid and database."""
    db = loc.pidfile.record().get("database")
    return f"pid {loc.pid}" + (f", database {db}" if isinstance(db, str) else "")


def start(ctx: Context) -> int:
    pidfile = PidFile(pidfile_path(ctx.config))
    running = pidfile.running_pid()
    if running:
        raise AlreadyRunning(f"the warclaw daemon is already running (pid {running})")
    # The lean entry point: the detached daemon never loads the optimizer.
    cmd = [sys.executable, "-m", "warclaw.daemon", *_global_args(ctx), "daemon", "run", "--detach"]
    proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=START_TIMEOUT)
    if proc.returncode != 0:
        lines = [ln for ln in proc.stderr.strip().splitlines() if ln.strip()]
        # A config refused names every bad key, one line each; otherwise the last line says why.
        said = [ln for ln in lines if ln.startswith("warclaw: ")] if proc.returncode == ConfigError.exit_code else []
        msgs = [ln.removeprefix("warclaw: ") for ln in said or lines[-1:]] or [f"exit status {proc.returncode}"]
        raise UserError("\n".join(f"the daemon did not start: {m}" for m in msgs))
    if not _wait(lambda: pidfile.running_pid() is not None, START_TIMEOUT):
        raise UserError(f"the daemon did not start within {START_TIMEOUT:.0f} s: see {log_path(ctx.config)}")
    echo(f"warclaw daemon started (pid {pidfile.running_pid()}); log: {log_path(ctx.config)}")
    return 0


def run_detached(ctx: Context) -> int:
    """The child of ``start``: check, detach, serve."""
    import daemon

    cfg = ctx.config
    pidfile = PidFile(pidfile_path(cfg))
    running = pidfile.running_pid()
    if running:
        raise AlreadyRunning(f"the warclaw daemon is already running (pid {running})")
    dblock = DatabaseLock.for_url(cfg.database_url())
    holder = dblock.holder() if dblock else None  # PostgreSQL: a daemon on any machine counts
    if holder:
        raise AlreadyRunning(f"a warclaw daemon is already running for database {dblock.where}: {holder}")
    store = open_store_for_writing(cfg)  # a clear error here, while stderr still reaches a person
    try:
        problems = rule_team_problems(store, cfg)
    finally:
        store.close()
    if problems:
        raise ConfigError(problems)
    log = log_path(cfg)
    try:
        log.parent.mkdir(parents=True, exist_ok=True)
        log.open("a").close()
    except OSError as e:
        raise UserError(f"log file {log}: cannot open: {e.strerror}") from None
    with daemon.DaemonContext(pidfile=pidfile, working_directory="/", umask=0o022, detach_process=True):
        return serve(ctx, to_stderr=False, hold_pidfile=False)


def stop(ctx: Context) -> int:
    loc = _locate(ctx)
    pid, pidfile = loc.pid, loc.pidfile
    if pid is None:
        echo(f"warclaw daemon is not running (pidfile {pidfile.path})")
        return 0
    which = _which(loc)
    os.kill(pid, signal.SIGTERM)
    if not _wait(lambda: not pidfile.locked_by_other(), STOP_TIMEOUT):
        raise UserError(f"the daemon (pid {pid}) did not stop within {STOP_TIMEOUT:.0f} s; `kill -9 {pid}` if it hangs")
    echo(f"warclaw daemon stopped ({which})")
    return 0


def signal_running(ctx: Context, sig: signal.Signals, what: str) -> int:
    loc = _locate(ctx)
    if loc.pid is None:
        raise UserError("warclaw daemon is not running")
    os.kill(loc.pid, sig)
    echo(f"asked the warclaw daemon ({_which(loc)}) to {what}")
    return 0


def status(ctx: Context, as_json: bool = False) -> int:
    """Whether the daemon runs (its lock, never the heartbeat alone), its heartbeat, whether the
    database takes its writes, each endpoint's last poll and the alerts' deliveries (``--json``: the
    same for monitoring scripts); exit status 0 if running, else 3. Reads only: never creates or
    upgrades a database."""
    import json
    from datetime import UTC, datetime

    from warclaw.daemon import report
    from warclaw.store.queries import alert_outbox, daemon_status
    from warclaw.store.reader import Reader, SchemaUpgradeDue

    loc = _locate(ctx)
    cfg, pid = loc.config, loc.pid
    url = cfg.database_url()
    dblock = DatabaseLock.for_url(url)
    holder = dblock.holder() if dblock else None
    now = datetime.now(UTC)
    outbox: list = []
    try:
        with Reader.open(url, busy_timeout_ms=cfg.database.busy_timeout_ms) as reader, reader.snapshot():
            rep = report.build(reader, daemon_status(reader, now), now, pid=pid, pidfile=str(loc.pidfile.path),
                               lock_holder=holder, database=reader.where)
            outbox = alert_outbox(reader)
    except SchemaUpgradeDue as e:
        note = "no Warclaw database there yet" if e.state == "missing" else f"schema {e.state}: upgraded at the daemon's next start"
        rep = report.without_database(pid=pid, pidfile=str(loc.pidfile.path), lock_holder=holder, database=url, note=note)
    rep["daemon"] = report.own_record(loc.pidfile.record() if pid else {})
    if as_json:
        rep["alerts"] = [{"rule": r.rule, "counts": r.counts, "last_sent_at": report.iso(r.last_sent_at),
                          "last_error": r.last_error} for r in outbox]  # error texts are stored masked
        echo(json.dumps(rep, indent=2))
    else:
        echo("\n".join(report.text_lines(rep)))
        _print_alerts(cfg, outbox)
    return 0 if rep["running"] else 3


def _print_alerts(cfg: Config, outbox: list) -> None:
    """Each rule's last delivery and what waits in the outbox; webhook URLs masked."""
    from warclaw.common import mask_webhook_url

    rows = {r.rule: r for r in outbox}
    names = [r.name for r in cfg.alerts.rules] + [n for n in rows if n not in {r.name for r in cfg.alerts.rules}]
    if not names:
        return
    waiting = sum(r.counts.get("pending", 0) + r.counts.get("sending", 0) for r in outbox)
    doubt = sum(r.counts.get("unconfirmed", 0) for r in outbox)
    failed = sum(r.counts.get("failed", 0) for r in outbox)
    expired = sum(r.counts.get("expired", 0) for r in outbox)
    echo(f"alerts: outbox {waiting} waiting, {sum(r.counts.get('sent', 0) for r in outbox)} sent, "
          f"{failed} failed, {doubt} unconfirmed, {expired} expired")
    hooks = {r.name: r.webhook for r in cfg.alerts.rules}
    for name in names:
        r = rows.get(name)
        hook = hooks.get(name)
        where = f"-> {hook} ({mask_webhook_url(cfg.alerts.webhooks.get(hook, '?'))})" if hook else "(no longer in the config)"
        last = r.last_sent_at.strftime("%Y-%m-%d %H:%M:%S") if r and r.last_sent_at else "never"
        line = f"  {name:<16} {where}; last delivery {last}"
        if r and (r.counts.get("pending") or r.counts.get("sending")):
            line += f"; {r.counts.get('pending', 0) + r.counts.get('sending', 0)} waiting"
        if r and r.counts.get("failed"):
            line += f"; {r.counts['failed']} failed"
        if r and r.counts.get("unconfirmed"):
            line += f"; {r.counts['unconfirmed']} unconfirmed"
        if r and r.counts.get("expired"):
            line += f"; {r.counts['expired']} expired"
        if r and r.last_error and any(r.counts.get(k) for k in ("pending", "sending", "failed", "unconfirmed", "expired")):
            line += f"; last problem: {safe_line(r.last_error)}"
        echo(line)
