"""`warclaw catalog`, `warclaw optimize`, `warclaw score`: the squad optimizer from the shell."""

from __future__ import annotations

import argparse
import json
import sys

from warclaw.cli.context import Context
from warclaw.cli.output import echo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("catalog", help="show the build catalog (builds, specs, modes)")
    p.add_argument("--json", action="store_true", help="the resolved catalog as JSON")
    p.set_defaults(func=cmd_catalog)

    p = sub.add_parser("optimize", help="assign every player of a roster a build and a party")
    p.add_argument("roster", help="roster file: TOML, or a CSV sign-up sheet (.csv) as roster import reads it")
    p.add_argument("--mode", help="game mode (default: the roster's, then config engine.default_mode)")
    p.add_argument("--time-limit", type=_positive, help="seconds (default: config engine.time_limit_seconds)")
    p.add_argument("--previous", help="previous plan JSON: re-plan with the change penalty")
    p.add_argument("--seed", type=int, help="solver seed (default: config engine.seed)")
    p.add_argument("--allow-large", action="store_true",
                   help="plan a roster of more than 200 present players (heuristics only above 200)")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.add_argument("--discord", metavar="WEBHOOK", nargs="?", const="", help="post the plan to a Discord webhook: a URL, - (the URL from"
                   " stdin) or a name of [alerts.webhooks]; alone: alerts.plan_webhook. Posting the same roster again edits the messages")
    p.set_defaults(func=cmd_optimize)

    p = sub.add_parser("score", help="score any plan (for example one written by hand)")
    p.add_argument("roster", help="roster file: TOML, or a CSV sign-up sheet (.csv) as roster import reads it")
    p.add_argument("plan", help="plan JSON file (the shape `optimize --json` prints)")
    p.add_argument("--mode")
    p.add_argument("--previous", help="previous plan JSON, to count the change penalty")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_score)


def _positive(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds > 0, got {text!r}")
    return v


def _catalog(ctx: Context):
    from warclaw.files import load_catalog

    return load_catalog(ctx.config.engine.catalog or None)


def _mode(ctx: Context, catalog, roster, explicit: str | None):
    return catalog.mode(explicit or roster.mode or ctx.config.engine.default_mode)


def cmd_catalog(args: argparse.Namespace, ctx: Context) -> int:
    catalog = _catalog(ctx)
    if args.json:
        from warclaw.engine.report import catalog_mapping

        json.dump(catalog_mapping(catalog), sys.stdout, indent=2)
        echo()
        return 0
    echo(f"{'build':<24} {'spec':<14} {'confidence':<13} {'party (top boons)':<44} squad")
    for b in sorted(catalog.builds.values(), key=lambda b: (b.profession, b.id)):
        top = sorted(((v, k) for k, v in b.party.items() if v > 0), reverse=True)[:4]
        party = ", ".join(f"{k} {v:.1f}" for v, k in top) or "-"
        squad = " ".join(f"{k}{v:g}" for k, v in b.squad.items() if v)
        echo(f"{b.id:<24} {b.spec:<14} {b.confidence:<13} {party:<44} {squad}")
    echo()
    for m in catalog.modes.values():
        echo(f"mode {m.id:<8} party of {m.party_size}, preference {m.preference_weight:g}, "
              f"change penalty {m.change_penalty:g} ({m.confidence}): {m.name}")
    echo("\nAll numbers are estimates (see `confidence`); override any field with config engine.catalog.")
    return 0


def cmd_optimize(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.engine import InfeasibleRoster, RosterError, optimize
    from warclaw.engine.report import plan_text, result_mapping
    from warclaw.files import load_plan
    from warclaw.rosterfile import load_roster_file

    catalog = _catalog(ctx)
    roster = load_roster_file(args.roster, catalog).roster
    mode = _mode(ctx, catalog, roster, args.mode)
    previous = load_plan(args.previous) if args.previous else None
    discord_url = _discord_url(args, ctx) if args.discord is not None else None  # before a long solve
    res = optimize(roster, catalog, mode, time_limit=args.time_limit or ctx.config.engine.time_limit_seconds,
                   previous=previous, seed=ctx.config.engine.seed if args.seed is None else args.seed,
                   allow_large=args.allow_large)
    if res.status == "refused":
        raise RosterError(f"{args.roster}: {res.reason}")
    if args.json:
        json.dump(result_mapping(res), sys.stdout, indent=2)
        echo()
    elif res.status == "infeasible":
        raise InfeasibleRoster(f"{args.roster}: infeasible roster: {res.reason}")
    else:
        echo(plan_text(res, {p.name for p in roster.players if p.commander}, mode))
    if discord_url and res.plan is not None:
        _post_to_discord(args, ctx, res, {p.name for p in roster.players if p.commander}, discord_url)
    return 3 if res.status == "infeasible" else 0


def _discord_url(args: argparse.Namespace, ctx: Context) -> str:
    from warclaw.discord.post import webhook_url
    from warclaw.errors import UserError

    choice = sys.stdin.readline().strip() if args.discord == "-" else args.discord
    if args.discord == "-" and not choice:
        raise UserError("--discord -: no webhook URL on stdin")
    try:
        return webhook_url(ctx.config.alerts, choice)
    except ValueError as e:
        raise UserError(f"--discord: {e}") from None


def _post_to_discord(args: argparse.Namespace, ctx: Context, res, commanders: set[str], url: str) -> None:
    from pathlib import Path

    from warclaw.common import mask_webhook_url
    from warclaw.discord.post import post_plan
    from warclaw.discord.webhook import WebhookError
    from warclaw.errors import UserError
    from warclaw.store.db import Store

    key = f"file:{Path(args.roster).resolve()}"
    with Store.open(ctx.config.database_url(), busy_timeout_ms=ctx.config.database.busy_timeout_ms) as store:
        try:
            out = post_plan(res, commanders, url, plan_key=key, store=store, username=ctx.config.alerts.username)
        except WebhookError as e:
            raise UserError(f"--discord: {e}") from None
    what = ", ".join(f"{n} {w}" for n, w in ((out.edited, "edited"), (out.posted, "posted"), (out.deleted, "deleted")) if n)
    print(f"plan sent to Discord {mask_webhook_url(url)}: {what}", file=sys.stderr)
    for note in out.notes:
        print(f"  {note}", file=sys.stderr)


def cmd_score(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.engine import score_plan
    from warclaw.engine.report import move_text, score_mapping
    from warclaw.files import load_plan
    from warclaw.rosterfile import load_roster_file

    catalog = _catalog(ctx)
    roster = load_roster_file(args.roster, catalog).roster.present()
    mode = _mode(ctx, catalog, roster, args.mode)
    plan = load_plan(args.plan)
    previous = load_plan(args.previous) if args.previous else None
    sb = score_plan(plan, roster, catalog, mode, previous)
    if args.json:
        json.dump(score_mapping(sb), sys.stdout, indent=2)
        echo()
    else:
        echo(f"score {sb.score:.4f} (party {sb.party:.2f} + slots {sb.slots:.2f} + squad {sb.squad:.2f}"
              f" + utility {sb.utility:.2f} + preference {sb.preference:.2f} - change {sb.change:.2f})")
        for v in sb.violations:
            echo(f"violation: {v}")
        for d in sb.deficits:
            echo(f"deficit: {d}")
        for m in sb.moves:
            echo(f"moved: {move_text(*m)}")
    return 1 if sb.violations else 0

