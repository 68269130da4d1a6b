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
    ls = asub.add_parser("list", help="the rules and their webhooks (masked), the outbox's counts and the "
                         "alerts that need a look (unconfirmed, failed, expired)")
    ls.add_argument("--limit", type=int, default=20, help="alerts listed at most (newest; default 20)")
    ls.set_defaults(func=run_alert_list)
    rs = asub.add_parser("resend", help="send alerts of the outbox again by id (see `alerts list`): an unconfirmed "
                         "one goes out marked (resent), a failed or expired one as it was")
    rs.add_argument("ids", nargs="+", type=int, metavar="ID")
    rs.set_defaults(func=run_alert_resend)


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
    _print_outbox(ctx, max(1, args.limit))
    return 0


def _print_outbox(ctx: Context, limit: int) -> None:
    """The outbox's counts and its alerts that need a look; nothing if there is no database yet."""
    from warclaw.common import clean, safe_line
    from warclaw.store.queries import alert_outbox, outbox_alerts
    from warclaw.store.reader import Reader, SchemaUpgradeDue

    cfg = ctx.config
    try:
        with Reader.open(cfg.database_url(), busy_timeout_ms=cfg.database.busy_timeout_ms) as reader, reader.snapshot():
            rules = alert_outbox(reader)
            rows = outbox_alerts(reader, limit=limit)
    except SchemaUpgradeDue:
        return  # no outbox yet: the daemon creates it
    counts: dict[str, int] = {}
    for r in rules:
        for status, n in r.counts.items():
            counts[status] = counts.get(status, 0) + n
    if not counts:
        return
    print(f"outbox: {counts.get('pending', 0) + counts.get('sending', 0)} waiting, {counts.get('sent', 0)} sent, "
          f"{counts.get('failed', 0)} failed, {counts.get('unconfirmed', 0)} unconfirmed, {counts.get('expired', 0)} expired")
    for a in rows:
        when = a.occurred_at.strftime("%Y-%m-%d %H:%M") if a.occurred_at else "?"
        why = f": {clean(safe_line(a.last_error), 160)}" if a.last_error else ""
        print(f"  #{a.id} {a.status:<11} {when} {a.rule}: {clean(safe_line(a.title.replace(chr(92), '')), 80)}{why}")
    if counts.get("unconfirmed"):
        print("unconfirmed: the request was sent but no answer came, so the alert may or may not be in the channel; "
              "each message's footer names its alerts (#id): `warclaw alerts resend ID` sends a missing one again")


def run_alert_resend(args: argparse.Namespace, ctx: Context) -> int:
    from sqlalchemy import select

    from warclaw.store import Store
    from warclaw.store.models import AlertOutbox
    from warclaw.store.queries import ATTENTION
    from warclaw.store.reader import Reader, SchemaUpgradeDue

    cfg = ctx.config
    wanted = sorted(set(args.ids))
    problems: list[str] = []
    try:  # never creates or upgrades a database: the daemon does
        Reader.open(cfg.database_url(), busy_timeout_ms=cfg.database.busy_timeout_ms).close()
    except SchemaUpgradeDue as e:
        state = "no database there yet" if e.state == "missing" else f"schema {e.state}"
        raise UserError(f"no alert outbox to resend from ({state}): the daemon creates or upgrades it") from None
    with Store.open(cfg.database_url(), upgrade=False, busy_timeout_ms=cfg.database.busy_timeout_ms) as store, \
            store.write() as s:
        rows = {r.id: r for r in s.scalars(select(AlertOutbox).where(AlertOutbox.id.in_(wanted)))}
        for i in wanted:
            r = rows.get(i)
            if r is None:
                problems.append(f"alert #{i}: not in the outbox")
            elif r.status not in ATTENTION:
                problems.append(f"alert #{i}: {r.status}, only {', '.join(ATTENTION)} alerts are sent again")
        if problems:
            raise UserError("\n".join(problems))
        for r in rows.values():
            # By hand: not expired again; an unconfirmed one may be in the channel already, so it says so.
            r.alert = {**r.alert, "requeued": True, **({"resent": True} if r.status == "unconfirmed" else {})}
            r.status, r.next_attempt_at, r.last_error = "pending", None, None
    print(f"alert(s) {', '.join(f'#{i}' for i in wanted)} queued again: the running daemon sends them "
          "(or the next one started)")
    return 0


# --- for `warclaw demo`: the fake Discord's webhook, the demo's rules, what arrived ---------------

def demo_webhook(base_url: str) -> str:
    """A webhook on a running fake Discord (its control endpoint); returns the URL."""
    import json
    import urllib.request

    req = urllib.request.Request(f"{base_url}/_control/webhooks", data=b'{"name": "alerts"}', method="POST",
                                 headers={"Content-Type": "application/json"})
    with urllib.request.urlopen(req, timeout=5) as r:
        return str(json.load(r)["url"])


def demo_alerts_config(url: str) -> str:
    """The demo's [alerts] section: our team's objectives, and the daemon's start/stop and skirmishes;
    the squad plan (D on the TUI's Squad screen) goes to the same webhook."""
    return (f'[alerts]\nwebhooks = {{ raid = "{url}" }}\nscan_seconds = 1.0\nplan_webhook = "raid"\n'
            '[[alerts.rules]]\nname = "objectives"\nevents = ["capture", "loss", "claim", "tier"]\n'
            'team = "ours"\nwebhook = "raid"\ncooldown_seconds = 5\n'
            '[[alerts.rules]]\nname = "raid-night"\nevents = ["daemon", "skirmish", "stale"]\nwebhook = "raid"\n')


def received_lines(base_url: str, limit: int = 12) -> tuple[int, list[str]]:
    """What the fake Discord received, one line per alert or plan (alerts by title, plans by first
    line): how many in all, and the last ``limit`` (after a "... N earlier" line if cut)."""
    import json
    import re
    import urllib.request

    from warclaw.common import clean

    def plain(text: str, n: int) -> str:  # the markdown escapes undone for the terminal
        return clean(re.sub(r"\\(.)", r"\1", text), n)

    with urllib.request.urlopen(f"{base_url}/_control/messages", timeout=5) as r:
        messages = json.load(r)
    lines = []
    for m in messages:
        p = m["payload"]
        edited = f" (edited {m['edits']}x)" if m["edits"] else ""
        if p.get("content"):
            lines.append("plan: " + clean(p["content"].strip("`\n").splitlines()[0], 90) + edited)
            continue
        embeds = p.get("embeds") or []
        if embeds and embeds[0].get("footer", {}).get("text", "").endswith("digest"):
            n = sum(len((e.get("description") or "").splitlines()) for e in embeds)
            lines.append(f"digest of {n} alerts: " + plain(embeds[0]["description"].splitlines()[0], 80))
        else:
            lines += ["alert: " + plain(e.get("title", ""), 90) for e in embeds]
    more = len(lines) - limit
    return len(lines), (lines[-limit:] if more <= 0 else [f"... {more} earlier", *lines[-limit:]])
