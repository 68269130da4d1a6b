"""The ``warclaw`` command line.

Each sub-command lives in a module of this package that exposes ``register(subparsers)``; the
module adds its parsers and sets ``func=handler`` where ``handler(args, ctx) -> int``.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Sequence

from warclaw import __version__
from warclaw.cli.context import Context
from warclaw.cli.output import error_line
from warclaw.errors import ConfigError, UserError

# Modules are imported lazily by name so that `warclaw catalog` does not pay for textual or httpx.
COMMAND_MODULES = [
    "warclaw.cli.fakeapi_cmd",
    "warclaw.cli.engine_cmds",
    "warclaw.cli.db_cmds",
    "warclaw.cli.daemon_cmds",
    "warclaw.cli.matchup_cmds",
    "warclaw.cli.tui_cmds",
    "warclaw.cli.chatcode_cmds",
    "warclaw.cli.roster_cmds",
    "warclaw.cli.demo_cmd",
    "warclaw.cli.discord_cmds",
]


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="warclaw", description="Guild Wars 2 WvW commander's toolkit.")
    parser.add_argument("--version", action="version", version=f"warclaw {__version__}")
    parser.add_argument("--config", help="config file (default: $WARCLAW_CONFIG, then the platform config dir)")
    parser.add_argument("--db", help="database URL or SQLite file path (default: config database.url, $WARCLAW_DB)")
    parser.add_argument("--api-base", help="GW2 API base URL (default: config api.base_url, $WARCLAW_API_BASE)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMAND_MODULES:
        importlib.import_module(name).register(sub)
    return parser


def _database_error(err: Exception, ctx: Context) -> str | None:
    """One line for a database error that no command foresaw (a damaged or foreign database, a
    disk that filled up mid-write), or None if ``err`` is not a database error. The transaction it
    interrupted was rolled back, so nothing was half-written."""
    import sqlite3

    sa = sys.modules.get("sqlalchemy.exc")
    if not (isinstance(err, sqlite3.Error) or (sa is not None and isinstance(err, sa.SQLAlchemyError))):
        return None
    from warclaw.store.errors import describe_error

    try:
        url = ctx.config.database_url()
    except UserError:
        url = "(from the config)"
    if sa is not None:
        from warclaw.store.db import safe_url

        url = safe_url(url)
    return describe_error(url.removeprefix("sqlite:///"), err)


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            parser.print_help()
            return 0
        from warclaw.cli import tui_cmds  # `warclaw` alone opens the TUI

        args.func = tui_cmds.run
    ctx = Context(
        config_path=args.config,
        db=args.db or os.environ.get("WARCLAW_DB"),
        api_base=args.api_base or os.environ.get("WARCLAW_API_BASE"),
    )
    try:
        return int(args.func(args, ctx) or 0)
    except ConfigError as e:
        for line in e.problems:
            error_line(line)
        return e.exit_code
    except UserError as e:
        for line in str(e).split("\n"):  # some errors name several problems, one line each
            error_line(line)
        return e.exit_code
    except KeyboardInterrupt:
        return 130
    except BrokenPipeError:
        # `warclaw matchup | head`: the reader left; say nothing more.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    except Exception as e:
        line = _database_error(e, ctx)
        if line is None:
            raise
        error_line(line)
        return 1
