"""`warclaw roster list|show|import|export`: rosters in the database, to and from TOML/CSV files."""

from __future__ import annotations

import argparse
from pathlib import Path

from warclaw.cli.context import Context
from warclaw.errors import UserError


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("roster", help="rosters in the database: list, show, import, export")
    rsub = p.add_subparsers(dest="roster_command", metavar="ACTION", required=True)
    a = rsub.add_parser("list", help="the saved rosters")
    a.set_defaults(func=cmd_list)
    a = rsub.add_parser("show", help="one roster's players")
    a.add_argument("name")
    a.set_defaults(func=cmd_show)
    a = rsub.add_parser("import", help="save a roster TOML or sign-up CSV into the database")
    a.add_argument("file", help="roster .toml or .csv")
    a.add_argument("--name", help="roster name (default: the file name without extension)")
    a.set_defaults(func=cmd_import)
    a = rsub.add_parser("export", help="write a roster from the database to TOML or CSV")
    a.add_argument("file", help="target .toml or .csv")
    a.add_argument("--name", help="roster name (default: the only roster, or the file name)")
    a.set_defaults(func=cmd_export)


def _store(ctx: Context):
    from warclaw.store import Store

    return Store.open(ctx.config.database_url())


def cmd_list(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.store.rosters import list_rosters

    with _store(ctx) as store, store.read() as s:
        rows = list_rosters(s)
    if not rows:
        print("no rosters yet: `warclaw roster import FILE` adds one")
    for r in rows:
        print(f"{r.name:<24} {r.present:>3}/{r.players:<3} present  mode {r.mode or '-':<8} updated {r.updated_at:%Y-%m-%d %H:%M}")
    return 0


def cmd_show(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.store.rosters import load_roster

    with _store(ctx) as store, store.read() as s:
        data = load_roster(s, args.name, include_absent=True)
    print(f"roster {args.name} (mode {data.get('mode') or '-'}), {len(data['players'])} players")
    for p in data["players"]:
        flags = [f for f, on in (("commander", p.get("commander")), ("absent", not p.get("present", True))) if on]
        if p.get("lock_party"):
            flags.append(f"party {p['lock_party']}")
        if p.get("lock_build"):
            flags.append(f"build {p['lock_build']}")
        if p.get("with"):
            flags.append("with " + ", ".join(p["with"]))
        print(f"  {p['name']:<22} {', '.join(p['builds']):<50} {' · '.join(flags)}")
    return 0


def cmd_import(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.files import load_catalog
    from warclaw.rosterfile import read_roster_file
    from warclaw.store.rosters import save_roster

    data = read_roster_file(args.file, load_catalog(ctx.config.engine.catalog or None))
    name = args.name or Path(args.file).stem
    with _store(ctx) as store, store.write() as s:
        save_roster(s, name, data)
    print(f"roster {name}: {len(data['players'])} players saved")
    return 0


def cmd_export(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.rosterfile import write_roster_file
    from warclaw.store.rosters import list_rosters, load_roster

    with _store(ctx) as store, store.read() as s:
        name = args.name
        if name is None:
            names = [r.name for r in list_rosters(s)]
            stem = Path(args.file).stem
            if stem in names:
                name = stem
            elif len(names) == 1:
                name = names[0]
            else:
                raise UserError(f"--name: which roster? saved rosters: {', '.join(names) or 'none'}")
        data = load_roster(s, name, include_absent=True)
    write_roster_file(data, args.file)
    print(f"roster {name}: {len(data['players'])} players written to {args.file}")
    return 0
