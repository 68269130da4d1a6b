"""`warclaw fakediscord`: a fake Discord webhook server; `warclaw alerts test RULE`: send a sample alert."""

from __future__ import annotations

import argparse
import signal
import time
from typing import NoReturn

from warclaw.cli.context import Context
from warclaw.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("fakediscord", help="run a fake Discord webhook server on 127.0.0.1 (tests, the demo)")
    p.add_argument("--port", type=int, default=8766, help="port to listen on; 0 picks a free one (default 8766)")
    p.add_argument("--webhook", action="append", metavar="NAME",
                   help="create a webhook with this name and print its URL (repeatable; default: alerts)")
    p.add_argument("--rate-limit", type=int, default=5, help="requests per webhook per window (default 5, as Discord)")
    p.add_argument("--rate-window", type=float, default=2.0, help="seconds of the rate-limit window (default 2)")
    p.set_defaults(func=run_fake)

    p = sub.add_parser("alerts", help="Discord alert rules: send a sample through a rule's webhook")
    asub = p.add_subparsers(dest="alerts_command", metavar="ACTION", required=True)
    t = asub.add_parser("test", help="send a sample alert for RULE to its webhook now")
    t.add_argument("rule", help="a rule name from [[alerts.rules]] in the config")
    t.set_defaults(func=run_alert_test)
    asub.add_parser("list", help="the configured rules and their webhooks (masked)").set_defaults(func=run_alert_list)


def run_fake(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.discord.fake import FakeDiscord

    if not 0 <= args.port <= 65535:
        raise UserError(f"--port must be 0-65535, not {args.port}")
    if args.rate_limit < 1 or args.rate_window <= 0:
        raise UserError("--rate-limit must be >= 1 and --rate-window > 0")
    fake = FakeDiscord(port=args.port, rate_limit=args.rate_limit, rate_window=args.rate_window)
    try:
        fake.start()
    except OSError as e:
        raise UserError(f"cannot listen on 127.0.0.1:{args.port}: {e.strerror} (try --port 0)") from None

    def stop(signum: int, frame: object) -> NoReturn:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    try:
        print(f"fake Discord listening on {fake.base_url}", flush=True)
        # The fake's own URLs: they open nothing anywhere else, so printing them whole is fine.
        for name in args.webhook or ["alerts"]:
            print(f"  webhook {name}: {fake.create_webhook(name)}", flush=True)
        print(f"  received messages: GET {fake.base_url}/_control/messages   Ctrl-C to stop", flush=True)
        while True:
            time.sleep(1.0)
    except KeyboardInterrupt:
        return 0
    finally:
        fake.stop()


def run_alert_test(args: argparse.Namespace, ctx: Context) -> int:
    import asyncio

    from warclaw.daemon.alerts import send_sample
    from warclaw.discord.webhook import WebhookError

    try:
        url, message_id = asyncio.run(send_sample(ctx.config, args.rule))
    except LookupError as e:
        raise UserError(str(e.args[0])) from None
    except WebhookError as e:
        raise UserError(f"alert rule {args.rule}: {e}") from None
    print(f"sent a sample alert for rule {args.rule} to {url} (message {message_id})")
    return 0


def run_alert_list(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.common import mask_webhook_url

    cfg = ctx.config.alerts
    if not cfg.rules:
        print("no alert rules: add [[alerts.rules]] to the config (see config.example.toml)")
    for r in cfg.rules:
        where = mask_webhook_url(cfg.webhooks.get(r.webhook, "?"))
        extra = "".join(f"; {k} {', '.join(v)}" for k, v in (("maps", r.maps), ("types", r.types), ("guilds", r.guilds)) if v)
        cooldown = f"; cooldown {r.cooldown_seconds:g}s" if r.cooldown_seconds else ""
        print(f"{r.name}: {', '.join(r.events)} for team {r.team}{extra}{cooldown} -> {r.webhook} ({where})")
    return 0
