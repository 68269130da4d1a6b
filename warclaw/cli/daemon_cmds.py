"""``warclaw daemon run|start|stop|status|reload`` and ``warclaw sync --once``."""

from __future__ import annotations

import argparse
import signal

from warclaw.cli.context import Context
from warclaw.cli.output import echo
from warclaw.common import safe_line
from warclaw.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("daemon", help="the sync daemon that keeps the database current")
    dsub = p.add_subparsers(dest="daemon_command", metavar="ACTION", required=True)
    run = dsub.add_parser("run", help="run in the foreground (for systemd); logs also to stderr")
    run.add_argument("--detach", action="store_true", help=argparse.SUPPRESS)  # used by `start`
    run.set_defaults(func=_run)
    dsub.add_parser("start", help="start detached in the background").set_defaults(func=_start)
    dsub.add_parser("stop", help="stop the detached daemon (it finishes its current write)").set_defaults(func=_stop)
    st = dsub.add_parser("status", help="is it running; last poll of each endpoint")
    st.add_argument("--json", action="store_true", help="print JSON (for monitoring scripts)")
    st.set_defaults(func=_status)
    dsub.add_parser("reload", help="re-read the config file (same as SIGHUP)").set_defaults(func=_reload)
    dsub.add_parser("poll", help="poll every endpoint now (same as SIGUSR1)").set_defaults(func=_poll)

    s = sub.add_parser("sync", help="poll the API once into the database, without a daemon")
    s.add_argument("--once", action="store_true", required=True, help="one full poll cycle, then exit")
    s.set_defaults(func=_sync)


def _run(args: argparse.Namespace, ctx: Context) -> int:
    if args.detach:
        from warclaw.daemon.control import run_detached

        return run_detached(ctx)
    from warclaw.daemon.runner import serve

    return serve(ctx, to_stderr=True)


def _start(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.daemon.control import start

    return start(ctx)


def _stop(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.daemon.control import stop

    return stop(ctx)


def _status(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.daemon.control import status

    return status(ctx, as_json=args.json)


def _reload(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.daemon.control import signal_running

    return signal_running(ctx, signal.SIGHUP, "reload its config")


def _poll(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.daemon.control import signal_running

    return signal_running(ctx, signal.SIGUSR1, "poll now")


def _sync(args: argparse.Namespace, ctx: Context) -> int:
    import asyncio

    from warclaw.daemon.runner import open_store_for_writing
    from warclaw.daemon.service import SyncService

    cfg = ctx.config
    store = open_store_for_writing(cfg)

    async def once() -> dict[str, str | None]:
        svc = SyncService(store, cfg)
        try:
            return await svc.cycle_once()
        finally:
            await svc.aclose()

    try:
        results = asyncio.run(once())
    finally:
        store.close()
    for name, error in results.items():
        echo(f"{name:<8} {'ok' if error is None else 'FAILED: ' + safe_line(error)}")
    if results.get("matches") is not None:
        raise UserError(f"sync failed: no match data fetched ({results['matches']})")
    return 0
