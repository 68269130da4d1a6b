"""``warclaw db upgrade``: create the database or bring its schema up to date."""

from __future__ import annotations

import argparse

from warclaw.cli.context import Context


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dsub.add_parser("upgrade", help="create the database or upgrade its schema (also done on every start)")
    up.set_defaults(func=upgrade)


def upgrade(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.store import Store
    from warclaw.store.db import safe_url
    from warclaw.store.migrate import upgrade_schema

    url = ctx.config.database_url()
    with Store.open(url, upgrade=False) as store:
        before, after = upgrade_schema(store)
    where = safe_url(url)
    if before == after:
        print(f"database {where}: schema already at revision {after}")
    else:
        print(f"database {where}: schema upgraded from {before or 'empty'} to revision {after}")
    return 0
