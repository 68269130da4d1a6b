"""`warclaw demo` (what `make demo` runs): the whole product, offline, on bundled data.

Starts the fake GW2 API (the replay scenario, sped up 60x: a score tick every 5 s) and the sync
daemon against it, both as real processes, then opens the TUI on the bundled 40-player roster.
Quitting the TUI stops the rest. The data dir is kept (default ``<user data dir>/demo``, printed at
start and at exit): the rosters edited in the demo are there next time, and ``warclaw --config
<dir>/config.toml tui --roster demo`` opens them without the demo; ``--fresh`` starts over.
Without a terminal (a pipe, CI) it prints the matchup the daemon stored and an optimized squad
instead of opening the TUI.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

from warclaw.cli import discord_cmds
from warclaw.cli.context import Context
from warclaw.errors import UserError

DEMO_TEAM = "12008"  # the recorded account's team; it plays in EU 2-3 of the replay


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="the offline demo: fake API + daemon + TUI on bundled data")
    p.add_argument("--speed", type=float, default=60.0, help="scenario seconds per real second (default 60)")
    p.add_argument("--no-tui", action="store_true", help="print the matchup and a squad plan instead of the TUI")
    p.add_argument("--dir", type=Path, help="the demo's data dir, kept between runs (default: <user data dir>/demo)")
    p.add_argument("--fresh", action="store_true", help="start over: empty the data dir, roster edits included")
    p.set_defaults(func=cmd_demo)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait(what: str, check, seconds: float, procs: list[subprocess.Popen]) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        for p in procs:
            if p.poll() is not None:
                raise UserError(f"demo: {what}: a helper process exited early (code {p.returncode})")
        with contextlib.suppress(Exception):
            if check():
                return
        time.sleep(0.2)
    raise UserError(f"demo: {what} did not happen within {seconds:.0f} s")


def _stop(procs: list[subprocess.Popen]) -> None:
    # One after the other: the daemon (started last) still reaches the fake Discord with its stop alert.
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=10)
        except subprocess.TimeoutExpired:
            p.kill()


def _leave(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)


def cmd_demo(args: argparse.Namespace, ctx: Context) -> int:
    import urllib.request  # here, not at the top: every command builds the parser that imports this module

    from warclaw.config import default_data_dir
    from warclaw.gw2api.fake import DEFAULT_KEY

    tmp = (args.dir or default_data_dir() / "demo").expanduser()
    if args.fresh and tmp.exists():
        shutil.rmtree(tmp)
    tmp.mkdir(parents=True, exist_ok=True)
    port = _free_port()
    base = f"http://127.0.0.1:{port}"
    config = tmp / "config.toml"
    config.write_text(
        f'[api]\nbase_url = "{base}"\nkey = "{DEFAULT_KEY}"\n'
        f'[database]\nurl = "{tmp / "warclaw.db"}"\n'
        f'[daemon]\nregion = "eu"\nteam = "{DEMO_TEAM}"\nmatch_poll_seconds = 5\n'
        f'log_file = "{tmp / "daemon.log"}"\npidfile = "{tmp / "daemon.pid"}"\n'
        '[engine]\ntime_limit_seconds = 10\n')
    env = {**os.environ, "WARCLAW_CONFIG": str(config)}
    env.pop("WARCLAW_DB", None)
    env.pop("WARCLAW_API_BASE", None)
    me = [sys.executable, "-m", "warclaw"]
    procs: list[subprocess.Popen] = []
    out = open(tmp / "processes.log", "w")  # noqa: SIM115 - closed in finally
    print(f"Warclaw demo in {tmp}")
    # Closing the terminal (SIGHUP) or a kill (SIGTERM) leaves as q does: the finally below stops
    # every helper. The daemon takes SIGHUP as "reload", so it would otherwise poll on, orphaned.
    for sig in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, _leave)
    try:
        procs.append(subprocess.Popen([*me, "fakeapi", "--port", str(port), "--scenario", "replay", "--speed",
                                       str(args.speed)], env=env, stdout=out, stderr=subprocess.STDOUT))
        _wait("the fake GW2 API answering", lambda: urllib.request.urlopen(f"{base}/v2/build", timeout=1).status == 200,
              20, procs)
        print(f"  fake GW2 API (replay scenario, {args.speed:g}x) on {base}")
        dbase = f"http://127.0.0.1:{_free_port()}"
        procs.append(subprocess.Popen([*me, "fakediscord", "--port", dbase.rsplit(":", 1)[1]], env=env, stdout=out,
                                      stderr=subprocess.STDOUT))
        _wait("the fake Discord answering", lambda: urllib.request.urlopen(f"{dbase}/_control/messages", timeout=1),
              20, procs)
        hook = discord_cmds.demo_webhook(dbase)
        with config.open("a") as f:
            f.write(discord_cmds.demo_alerts_config(hook))
        print(f"  fake Discord on {dbase} (alerts of team {DEMO_TEAM}: GET {dbase}/_control/messages)")
        procs.append(subprocess.Popen([*me, "daemon", "run"], env=env, stdout=out, stderr=subprocess.STDOUT))

        def has_matchup() -> bool:
            r = subprocess.run([*me, "matchup", "--json"], env=env, capture_output=True, text=True, timeout=30)
            return r.returncode == 0 and json.loads(r.stdout).get("match_id") is not None

        _wait("the daemon's first sync", has_matchup, 60, procs)
        print("  sync daemon running; matchup stored")
        listed = subprocess.run([*me, "roster", "list"], env=env, capture_output=True, text=True)
        if not any(line.split()[:1] == ["demo"] for line in listed.stdout.splitlines()):
            subprocess.run([*me, "roster", "import", str(_sample()), "--name", "demo"], env=env, check=True,
                           stdout=subprocess.DEVNULL)  # only the first time: edits made in the demo stay
        if args.no_tui or not (sys.stdin.isatty() and sys.stdout.isatty()):
            subprocess.run([*me, "matchup"], env=env, check=False)
            print()
            subprocess.run([*me, "optimize", str(_sample()), "--discord", "-"], env=env, check=False,
                           input=hook, text=True)
            _show_discord(dbase, settle=20.0)
            return 0
        code = subprocess.run([*me, "tui", "--roster", "demo"], env=env).returncode
        _show_discord(dbase)
        return code
    finally:
        _stop(list(reversed(procs)))
        out.close()
        print(f"The demo's rosters are kept in {tmp} (`warclaw demo` opens them again; --fresh starts over;\n"
              f"  without the demo: warclaw --config {config} tui --roster demo)")


def _show_discord(base: str, settle: float = 0.0) -> None:
    """What the fake Discord received; ``settle``: first wait up to that long for a few alerts."""
    with contextlib.suppress(OSError, ValueError):
        deadline = time.monotonic() + settle
        while time.monotonic() < deadline and sum(x.startswith(("alert", "digest"))
                                                  for x in discord_cmds.received_lines(base)[1]) < 3:
            time.sleep(0.5)
        count, lines = discord_cmds.received_lines(base)
        print(f"\nThe fake Discord received {count} alert(s) and plan(s) so far:" if lines else "\nNo Discord messages yet.")
        for line in lines:
            print(f"  {line}")


def _sample() -> Path:
    # Not warclaw.files: that loads the optimizer, and a hang-up landing inside a C extension's
    # import turns the SystemExit into an ImportError (a traceback instead of a clean stop).
    from warclaw.data import sample_roster_path

    return sample_roster_path()
