"""``warclaw db upgrade``: create the database or bring its schema up to date;
``warclaw db setup-postgres``: a guild's shared PostgreSQL database in one command."""

from __future__ import annotations

import argparse
from pathlib import Path

from warclaw.cli.context import Context
from warclaw.cli.output import echo


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("db", help="database maintenance")
    dsub = p.add_subparsers(dest="db_command", metavar="ACTION", required=True)
    up = dsub.add_parser("upgrade", help="create the database or upgrade its schema (also done on every start)")
    up.set_defaults(func=upgrade)
    sp = dsub.add_parser("setup-postgres", help="create a shared PostgreSQL database: roles, database, schema")
    sp.add_argument("admin_url", help="a role that may create roles and databases, e.g. postgresql://postgres@host/postgres")
    sp.add_argument("--database", default="warclaw", help="the database to create (default: warclaw)")
    sp.add_argument("--officer", action="append", default=[], metavar="NAME",
                    help="an officer's login role to create (repeat for each officer)")
    sp.add_argument("--out", default=".", metavar="DIR",
                    help="where to write each role's config file (mode 0600; default: here)")
    sp.set_defaults(func=setup_postgres)


def upgrade(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.store import Store
    from warclaw.store.db import safe_url
    from warclaw.store.migrate import upgrade_schema
    from warclaw.store.roles import grant_officers

    url = ctx.config.database_url()
    with Store.open(url, upgrade=False) as store:
        before, after = upgrade_schema(store)
        if store.is_postgres:  # idempotent: also covers an officers' role created after the schema
            with store.engine.begin() as conn:
                grant_officers(conn)
    where = safe_url(url)
    if before == after:
        echo(f"database {where}: schema already at revision {after}")
    else:
        echo(f"database {where}: schema upgraded from {before or 'empty'} to revision {after}")
    return 0


def setup_postgres(args: argparse.Namespace, ctx: Context) -> int:
    from warclaw.store.roles import DAEMON_ROLE, OFFICERS_ROLE, setup_shared_database

    result = setup_shared_database(args.admin_url, args.database, args.officer, Path(args.out))
    print(f"database {result.database}: schema at head; "
          + ("created " + ", ".join(result.created) if result.created else "roles and database were there already"))
    print(f"roles: {DAEMON_ROLE} (owns the schema, reads API keys), {OFFICERS_ROLE} "
          f"(rosters, plans and keys; never reads a key's secret)")
    for path in result.files:
        print(f"  {path}  (--config for {'the daemon' if path.name == 'daemon.toml' else path.stem})")
    return 0
