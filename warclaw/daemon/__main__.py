"""``python -m warclaw.daemon run|start|stop|status|reload|poll``: the lean entry point for services.

The full ``warclaw`` command registers every sub-command, and the optimizer's (OR-Tools, NumPy)
imports cost about 1.5 s and ~100 MB of memory that a months-long sync daemon never uses. This
entry point offers the same global options and error handling with only the daemon's commands.
"""

from __future__ import annotations

import sys

from warclaw import cli

DAEMON_MODULES = ["warclaw.cli.daemon_cmds", "warclaw.cli.db_cmds", "warclaw.cli.matchup_cmds"]
GLOBAL_WITH_VALUE = ("--config", "--db", "--api-base")
DAEMON_ACTIONS = ("run", "start", "stop", "status", "reload", "poll")


def main() -> int:
    cli.COMMAND_MODULES = DAEMON_MODULES
    argv = sys.argv[1:]
    # `python -m warclaw.daemon run` reads as `warclaw daemon run`; global options may come first.
    i = next((n for n, a in enumerate(argv) if not a.startswith("-") and (n == 0 or argv[n - 1] not in GLOBAL_WITH_VALUE)), None)
    if i is not None and argv[i] in DAEMON_ACTIONS:
        argv = [*argv[:i], "daemon", *argv[i:]]
    return cli.main(argv)


if __name__ == "__main__":
    raise SystemExit(main())
