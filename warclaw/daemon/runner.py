"""The daemon process around the pollers: pidfile, logging, signals, config reload.

Signal handlers only record what happened; the loop acts on it. First SIGTERM/SIGINT: stop
polling, let the write in progress commit, exit 0. A second one: exit at once (SQLite rolls an
unfinished transaction back on the next open). SIGHUP, or any change of the config file seen by
watchfiles, reloads the config; an invalid edit is logged and the last good config stays.
SIGUSR1 polls every endpoint now.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import os
import signal
from pathlib import Path

import platformdirs
from sqlalchemy.exc import SQLAlchemyError

from warclaw.cli.context import Context
from warclaw.config import ALERT_TEAMS, APP_NAME, Config, default_data_dir, find_config_path
from warclaw.daemon.alerts import check_rule_teams, team_problem
from warclaw.daemon.dblock import CHECK_SECONDS, DatabaseLock
from warclaw.daemon.logs import SECRETS, setup_logging
from warclaw.daemon.pidfile import PidFile
from warclaw.daemon.service import SyncService
from warclaw.errors import ConfigError, UserError
from warclaw.store.db import Store, StoreError, WriteRefused, describe_db_error, safe_url, sqlite_path
from warclaw.store.status import set_meta
from warclaw.store.types import utcnow

log = logging.getLogger("warclaw.daemon")


def pidfile_path(cfg: Config) -> Path:
    """Configured, else next to the SQLite database (one daemon per database), else in the data dir
    under a name of the database's own (daemons for two PostgreSQL databases never share one; the
    database lock, dblock.py, is what keeps one daemon per PostgreSQL database)."""
    if cfg.daemon.pidfile:
        return cfg.path(cfg.daemon.pidfile)
    db = sqlite_path(cfg.database_url())
    if db:
        return db.with_name(db.name + ".pid")
    digest = hashlib.sha256(safe_url(cfg.database_url()).encode()).hexdigest()[:12]
    return default_data_dir() / f"warclaw-{digest}.pid"


def log_path(cfg: Config) -> Path:
    if cfg.daemon.log_file:
        return cfg.path(cfg.daemon.log_file)
    return Path(platformdirs.user_log_dir(APP_NAME)) / "daemon.log"


def registry_path(config_file: Path) -> Path:
    """Where a daemon started with ``config_file`` notes its pidfile, so that stop/status/reload find
    it after that config was broken by an edit (the config then no longer says where it is)."""
    key = hashlib.sha256(str(config_file).encode()).hexdigest()[:20]
    return Path(platformdirs.user_state_dir(APP_NAME)) / "daemons" / f"{key}.pidfile"


def _announce(ctx: Context, cfg: Config, store: Store) -> None:
    """This daemon's account of itself in its pidfile record, and its pidfile in the registry."""
    held = PidFile.held
    if held is None:
        return
    config_file = find_config_path(ctx.config_path)
    held.update(database=safe_url(store.url), config=str(config_file) if config_file else None,
                log=str(log_path(cfg)), started_at=utcnow().isoformat(timespec="seconds"), db_writes="ok")
    if config_file is not None:
        reg = registry_path(config_file)
        try:
            reg.parent.mkdir(parents=True, exist_ok=True)
            reg.write_text(f"{held.path}\n")
        except OSError as e:
            log.warning("cannot note the pidfile in %s (%s): control commands will need a valid config", reg, e.strerror)


def _health_changed(reason: str | None, since: object) -> None:
    if PidFile.held is not None:
        PidFile.held.update(db_writes="ok" if reason is None else "failing", db_error=reason, db_since=str(since))


def open_store_for_writing(cfg: Config) -> Store:
    """Open (and upgrade) the database and prove we can write to it, or fail with one line."""
    store = Store.open(cfg.database_url(), busy_timeout_ms=cfg.database.busy_timeout_ms)
    try:
        with store.write() as s:
            set_meta(s, "last_opened_for_writing", utcnow().isoformat())
    except Exception as e:
        store.close()
        raise StoreError(describe_db_error(store.url, e)) from None
    return store


def rule_team_problems(store: Store, cfg: Config) -> list[str]:
    """Alert rules naming a team or world the database and the shipped team list do not know (what
    cannot be checked yet is logged as a warning)."""
    if all(r.team in ALERT_TEAMS for r in cfg.alerts.rules):
        return []
    with store.read() as s:
        problems, unchecked = check_rule_teams(s, cfg)
    for line in unchecked:
        log.warning("%s", line)
    return problems


def _team_check(store: Store):
    """For a reload: a rule's named team looked up in the database as the config is read."""
    def check(team: str) -> str | None:
        try:
            with store.read() as s:
                problem, warning = team_problem(s, team)
        except SQLAlchemyError as e:  # not checkable now: the scan will match what it can
            log.warning("alerts: rule team %r not checked: %s", team, describe_db_error(store.url, e))
            return None
        if warning:
            log.warning("alerts: rule team %s", warning)
        return problem
    return check


def _remember_secrets(cfg: Config) -> None:
    SECRETS.secrets = ([cfg.api.key] if cfg.api.key else []) + list(cfg.alerts.webhooks.values())


def serve(ctx: Context, *, to_stderr: bool, hold_pidfile: bool = True) -> int:
    """Run the daemon in this process until SIGTERM; ``hold_pidfile=False`` when python-daemon holds it."""
    # Until the event loop installs its handlers, a SIGTERM is only noted, and the loop stops at
    # once when it starts. (Raising SystemExit from the handler was lost whenever the signal landed
    # in a garbage-collector callback, which ignores exceptions: the daemon then ran on.)
    _EARLY_SIGNALS.clear()
    signal.signal(signal.SIGTERM, _note_early_signal)
    signal.signal(signal.SIGINT, _note_early_signal)
    cfg = ctx.config
    pid = PidFile(pidfile_path(cfg)) if hold_pidfile else None
    if pid:
        pid.acquire()
    dblock = DatabaseLock.for_url(cfg.database_url())  # PostgreSQL: one daemon per database, any machine
    try:
        if dblock:
            dblock.acquire()
        _remember_secrets(cfg)
        setup_logging(log_path(cfg), max_bytes=cfg.daemon.log_max_bytes, backups=cfg.daemon.log_backups,
                      to_stderr=to_stderr)
        store = open_store_for_writing(cfg)
        problems = rule_team_problems(store, cfg)
        if problems:
            store.close()
            for problem in problems:
                log.error("%s", problem)
            raise ConfigError(problems)
        log.info("warclaw daemon starting (pid %d): database %s, API %s, region %s",
                 os.getpid(), safe_url(store.url), cfg.api.base_url, cfg.daemon.region)
        _announce(ctx, cfg, store)
        try:
            asyncio.run(_main(ctx, store, dblock))
        finally:
            # The loop put the default handlers back on closing; a SIGTERM during the last clean-up
            # (a second `stop`, systemd) must not kill the process half-way through it.
            signal.signal(signal.SIGTERM, _note_early_signal)
            signal.signal(signal.SIGINT, _note_early_signal)
            store.close()
        log.info("warclaw daemon stopped")
        return 1 if dblock is not None and dblock.lost else 0  # lost: logged once, where it was found
    finally:
        if dblock:
            dblock.release()
        if pid:
            pid.release()


_EARLY_SIGNALS: list[str] = []


def _note_early_signal(signum: int, _frame: object) -> None:
    _EARLY_SIGNALS.append(signal.Signals(signum).name)


def _start_metrics(cfg: Config, store: Store):
    """The Prometheus endpoint when ``daemon.metrics_port`` is set (off by default)."""
    if not cfg.daemon.metrics_port:
        return None
    from warclaw.daemon.metrics import Metrics

    metrics = Metrics(store)
    try:
        metrics.serve(cfg.daemon.metrics_host, cfg.daemon.metrics_port)
    except OSError as e:
        metrics.close()
        raise UserError(f"daemon.metrics_port {cfg.daemon.metrics_port}: cannot listen on "
                        f"{cfg.daemon.metrics_host}: {e.strerror or e}") from None
    return metrics


async def _main(ctx: Context, store: Store, dblock: DatabaseLock | None = None) -> None:
    svc = SyncService(store, ctx.config, on_health_change=_health_changed)
    svc.metrics = _start_metrics(ctx.config, store)
    loop = asyncio.get_running_loop()
    reload_requested = asyncio.Event()
    stopping = False

    def on_stop(name: str) -> None:
        nonlocal stopping
        if stopping:
            log.warning("second %s: exiting now", name)
            os._exit(1)
        stopping = True
        log.info("%s: finishing the current write, then exiting", name)
        svc.stop.set()

    def on_hup() -> None:
        if not stopping:  # a reload during shutdown would only race it
            reload_requested.set()

    loop.add_signal_handler(signal.SIGTERM, on_stop, "SIGTERM")
    loop.add_signal_handler(signal.SIGINT, on_stop, "SIGINT")
    loop.add_signal_handler(signal.SIGHUP, on_hup)
    loop.add_signal_handler(signal.SIGUSR1, svc.poke)
    if _EARLY_SIGNALS:
        on_stop(_EARLY_SIGNALS[0])
    helpers = [
        asyncio.create_task(_reload_loop(ctx, svc, reload_requested)),
        asyncio.create_task(_watch_config(ctx, reload_requested, svc.stop)),
    ]
    if dblock is not None:
        store.write_guard = dblock.guard  # no write without the lock (a lost session is found here)
        helpers.append(asyncio.create_task(_keep_lock(ctx, dblock, svc.stop)))
    try:
        await svc.run()
    finally:
        for t in helpers:
            t.cancel()
        await asyncio.gather(*helpers, return_exceptions=True)
        if svc.metrics is not None:
            svc.metrics.close()


async def _keep_lock(ctx: Context, dblock: DatabaseLock, stop: asyncio.Event) -> None:
    """Look at the database lock every few seconds between writes (each write checks it too:
    ``store.write_guard``); the daemon stops once another daemon has the database."""
    loop = asyncio.get_running_loop()
    dblock.on_lost = lambda _why: loop.call_soon_threadsafe(stop.set)
    while not stop.is_set():
        try:
            await asyncio.wait_for(stop.wait(), timeout=min(CHECK_SECONDS, ctx.config.daemon.heartbeat_seconds))
            return
        except TimeoutError:
            pass
        try:
            await asyncio.to_thread(dblock.check_or_refuse)
        except WriteRefused as e:
            if dblock.lost is None:
                log.warning("%s (will retry)", e)


async def _reload_loop(ctx: Context, svc, requested: asyncio.Event) -> None:
    while True:
        await requested.wait()
        requested.clear()
        fresh = Context(config_path=ctx.config_path, db=ctx.db, api_base=ctx.api_base,
                        team_check=_team_check(svc.store))
        try:
            cfg = await asyncio.to_thread(getattr, fresh, "config")  # reads the database for rule teams
        except ConfigError as e:
            for problem in e.problems:  # one line per bad key, as at start
                log.error("config reload failed, keeping the last good config: %s", problem)
            continue
        try:
            svc.reconfigure(cfg)  # e.g. a malformed api.key is only caught when the client is built
        except UserError as e:
            log.error("config reload failed, keeping the last good config: %s", e)
            continue
        _remember_secrets(cfg)
        log.info("config reloaded from %s", cfg.source or "defaults")


async def _watch_config(ctx: Context, requested: asyncio.Event, stop: asyncio.Event) -> None:
    path = find_config_path(ctx.config_path)
    if path is None or not path.parent.is_dir():
        return
    from watchfiles import awatch

    target = path.resolve()

    def is_config(_change: object, changed: str) -> bool:
        return Path(changed).resolve() == target

    # The directory, not the file: editors save by writing a new file and renaming it over.
    async for _ in awatch(path.parent, watch_filter=is_config, stop_event=stop, debounce=300, recursive=False):
        log.info("config file %s changed", path)
        requested.set()
