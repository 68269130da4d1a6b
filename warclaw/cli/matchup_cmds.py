"""``warclaw matchup [--match ID] [--json]``: the current state of a matchup, from the database."""

from __future__ import annotations

import argparse
import json
from typing import Any

from warclaw.cli.context import Context
from warclaw.cli.output import echo
from warclaw.common import age_text
from warclaw.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("matchup", help="show the current state of a matchup (from the database)")
    p.add_argument("--match", metavar="ID", help="match id such as 2-1 (default: the configured team's match)")
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.set_defaults(func=run)


def run(args: argparse.Namespace, ctx: Context) -> int:
    from datetime import UTC, datetime

    from warclaw.store.queries import find_match, matchup, read_meta
    from warclaw.store.reader import open_reader

    cfg = ctx.config
    # sqlite3 only: SQLAlchemy is imported just to create or upgrade the schema when that is due.
    with open_reader(cfg.database_url()) as reader, reader.snapshot():
        team = cfg.daemon.team or read_meta(reader, "account_team_id")
        if args.match:
            found = find_match(reader, args.match)
            if found is None:
                raise UserError(f"match {args.match!r} is not in the database (ids look like 2-1; see `warclaw sync --once`)")
        elif team:
            found = find_match(reader, team=team)
            if found is None:
                raise UserError(f"team {team!r} is in no match of the database: run the daemon or `warclaw sync --once` first")
        else:
            found = find_match(reader)
            if found is None:
                raise UserError("no matchup in the database yet: start `warclaw daemon start` or run `warclaw sync --once`")
        view = matchup(reader, found.pk, datetime.now(UTC))
    assert view is not None
    echo(json.dumps(view, indent=2) if args.json else render(view))
    return 0


def render(view: dict[str, Any]) -> str:
    from warclaw.common import clean
    from warclaw.matchup.names import map_name
    from warclaw.matchup.outlook import need_label

    stale = view["stale_seconds"]
    sk = view["skirmish"]
    first, second, third = sk["vp"]
    lines = [
        f"Match {view['match_id']} ({view['region'].upper()})  {view['start_time']} -> {view['end_time']}",
        f"updated {view['updated_at']}, data unchanged for {age_text(stale)}" + ("  [STALE]" if stale >= 600 else ""),
        f"skirmish {sk['number']}/{view['skirmishes_total']} ends {sk['ends_at']}, worth {first}/{second}/{third} VP",
    ]
    peak = view.get("next_peak")
    if peak:
        lines.append(f"next peak: skirmish {peak['number']} at {peak['starts_at']} ({'/'.join(map(str, peak['vp']))} VP)")
    lines += [
        "",
        f"{'team':<28} {'score':>8} {'VP':>5} {'kills':>7} {'deaths':>7} {'K/D':>5} {'PPT':>4} {'skirm':>6}"
        f"  {'final VP p10-p50-p90':>20} {'1st/2nd/3rd':>12} {'need':>7} {'not 3rd':>7}",
    ]
    for t in view["teams"]:
        name = f"{t['color']:<5} {clean(t['name'] or t['team_id'])}"
        kd = f"{t['kills'] / t['deaths']:.2f}" if t["deaths"] else "-"
        p = t["projection"]
        chances = "/".join(f"{round(100 * c)}" for c in p["place_chances"]) + "%"
        need = need_label(t["need"], t["first_possible"])
        not_third = need_label(t["need_not_third"], t["not_third_possible"])
        skirm = "late" if t["skirmish_score"] is None else str(t["skirmish_score"])
        lines.append(
            f"{name[:28]:<28} {t['score']:>8} {t['victory_points']:>5} {t['kills']:>7} {t['deaths']:>7} {kd:>5}"
            f" {t['ppt']:>4} {skirm:>6}  {p['p10']:>6}-{p['p50']}-{p['p90']:<6} {chances:>12} {need:>7} {not_third:>7}"
        )
    lines.append("need / not 3rd = fewest skirmish wins from now on that make 1st / 1st-or-2nd certain"
                 " (a tie counts against; help = not certain even winning all, yet reachable; out = out of reach)")
    lines += ["", f"{'map':<22} {'score r/g/b':>22}  {'held r/g/b/neutral':>20}  {'0-PPT r/g/b/neutral':>20}"]
    for m in view["maps"]:
        sc = "/".join(str(m["scores"][c]) for c in ("red", "green", "blue"))
        held = "/".join(str(m["objectives"][c]) for c in ("red", "green", "blue", "neutral"))
        other = "/".join(str(m["others"][c]) for c in ("red", "green", "blue", "neutral"))
        lines.append(f"{map_name(m['type']):<22} {sc:>22}  {held:>20}  {other:>20}")
    return "\n".join(lines)
