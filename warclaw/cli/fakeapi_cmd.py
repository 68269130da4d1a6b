"""``warclaw fakeapi [--port N] [--scenario NAME] [--speed X]``: run the fake GW2 API (demo, manual tests)."""

from __future__ import annotations

import argparse
import signal
import time
from typing import NoReturn

from warclaw.cli.context import Context
from warclaw.errors import UserError

# Spelled out (a test checks it matches warclaw.gw2api.fake.SCENARIOS) because importing the fake
# here would make every `warclaw` command pay for httpx and pydantic at start-up.
SCENARIOS = ("recorded", "replay", "stormy", "frozen")


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fakeapi", help="run a fake GW2 API on 127.0.0.1 (recorded data, a replayed matchup)")
    p.add_argument("--port", type=int, default=8765, help="port to listen on; 0 picks a free one (default 8765)")
    p.add_argument("--scenario", choices=SCENARIOS, default="replay", help="what the fake world does (default replay)")
    p.add_argument("--speed", type=float, default=60.0, help="scenario seconds per real second (default 60: a score tick every 5 s)")
    p.add_argument("--seed", type=int, default=0, help="seed for objective flips, kills and random faults")
    p.add_argument("--no-rate-limit", action="store_true", help="do not answer 429 past 300 burst / 5 per s")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.gw2api.fake import DEFAULT_KEY, FakeGW2Api

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be 0-65535, not {args.port}")
    if args.speed < 0:
        raise UserError(f"--speed must be >= 0, not {args.speed:g}")
    api = FakeGW2Api(args.scenario, port=args.port, speed=args.speed, seed=args.seed, rate_limit=not args.no_rate_limit)
    try:
        api.start()
    except OSError as e:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {e.strerror} (try --port 0)") from None
    def stop(signum: int, frame: object) -> NoReturn:
        raise KeyboardInterrupt  # SIGTERM (e.g. from `make demo` cleaning up) stops as cleanly as Ctrl-C

    signal.signal(signal.SIGTERM, stop)
    try:
        print(f"fake GW2 API ({args.scenario}, speed x{args.speed:g}) listening on {api.base_url}", flush=True)
        print(f"  use it:   warclaw --api-base {api.base_url} ...   (or api.base_url in the config)", flush=True)
        # A published test key of the fake server (it grants every permission there, nothing elsewhere).
        print(f"  fake key: {DEFAULT_KEY}", flush=True)
        print("  Ctrl-C to stop", flush=True)
        while True:
            time.sleep(1.0)
    except KeyboardInterrupt:
        return 0
    finally:
        api.stop()
