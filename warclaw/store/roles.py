"""A guild's shared PostgreSQL database: its roles and what each may do.

- ``warclaw_daemon`` owns the database and its schema: it runs the migrations, writes matches, and
  is the only role that reads API key secrets (to send them to the API).
- ``warclaw_officers`` is the group of the officers' login roles: they read everything else and
  edit rosters, plans and keys; they may add a key's secret (``roster add-key``) and delete it,
  never read it (``api_key_secrets``: INSERT and DELETE only), and cannot change the schema.

:func:`grant_officers` applies that to every table; ``Store.open`` runs it after each migration
on PostgreSQL, so tables added later are covered. :func:`setup_shared_database` is
``warclaw db setup-postgres``: roles, database and schema in one command.
"""

from __future__ import annotations

import os
import secrets
import stat
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.engine import Connection, make_url

from warclaw.errors import UserError

DAEMON_ROLE = "warclaw_daemon"
OFFICERS_ROLE = "warclaw_officers"
SECRET_TABLES = ("api_key_secrets",)


def grant_officers(conn: Connection) -> bool:
    """Give ``warclaw_officers`` its rights on the current schema; False if the role does not exist."""
    if not conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :r"), {"r": OFFICERS_ROLE}).first():
        return False
    role = OFFICERS_ROLE
    for stmt in (
        f"GRANT USAGE ON SCHEMA public TO {role}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {role}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {role}",
        f"REVOKE INSERT, UPDATE, DELETE ON alembic_version FROM {role}",
        *(f"REVOKE ALL ON {t} FROM {role}" for t in SECRET_TABLES),
        *(f"GRANT INSERT, DELETE ON {t} TO {role}" for t in SECRET_TABLES),
        *(f"GRANT SELECT (key_id) ON {t} TO {role}" for t in SECRET_TABLES),  # to delete by key
    ):
        conn.execute(text(stmt))
    return True


@dataclass(frozen=True)
class SetupResult:
    database: str
    files: list[Path]
    created: list[str]


def _password() -> str:
    return secrets.token_urlsafe(24)


def _write_config(path: Path, url: str) -> None:
    """A config file holding a role's URL (with its password), readable by its owner only."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, stat.S_IRUSR | stat.S_IWUSR)
    with os.fdopen(fd, "w") as f:
        f.write(f'# written by `warclaw db setup-postgres`; keep it private (it holds a password)\n'
                f'[database]\nurl = "{url}"\n')


def setup_shared_database(admin_url: str, database: str, officers: list[str], out_dir: Path) -> SetupResult:
    """Create the roles and the database (what exists is kept), the schema, and the grants; write
    one config file per login role into ``out_dir`` (mode 0600: the passwords go nowhere else)."""
    import psycopg
    from psycopg import sql

    from warclaw.store.db import Store, safe_url

    u = make_url(admin_url)
    if u.get_backend_name() != "postgresql":
        raise UserError(f"admin URL {safe_url(admin_url)}: expected a postgresql:// URL of a role that may create roles and databases")
    conninfo = u.set(drivername="postgresql").render_as_string(hide_password=False)
    created: list[str] = []
    files: list[Path] = []
    logins = {DAEMON_ROLE: None, **{name: None for name in officers}}
    try:
        with psycopg.connect(conninfo, autocommit=True, connect_timeout=10) as admin:
            def exists(q: str, name: str) -> bool:
                return admin.execute(q, [name]).fetchone() is not None

            if not exists("SELECT 1 FROM pg_roles WHERE rolname = %s", OFFICERS_ROLE):
                admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN").format(sql.Identifier(OFFICERS_ROLE)))
                created.append(f"role {OFFICERS_ROLE}")
            for name in logins:
                password = _password()
                if exists("SELECT 1 FROM pg_roles WHERE rolname = %s", name):
                    admin.execute(sql.SQL("ALTER ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(name), sql.Literal(password)))
                else:
                    admin.execute(sql.SQL("CREATE ROLE {} LOGIN PASSWORD {}").format(
                        sql.Identifier(name), sql.Literal(password)))
                    created.append(f"role {name}")
                if name != DAEMON_ROLE:
                    admin.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(OFFICERS_ROLE), sql.Identifier(name)))
                logins[name] = password
            if not exists("SELECT 1 FROM pg_database WHERE datname = %s", database):
                admin.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database),
                                                                            sql.Identifier(DAEMON_ROLE)))
                created.append(f"database {database}")
            admin.execute(sql.SQL("REVOKE ALL ON DATABASE {} FROM PUBLIC").format(sql.Identifier(database)))
            admin.execute(sql.SQL("GRANT CONNECT, TEMPORARY ON DATABASE {} TO {}").format(
                sql.Identifier(database), sql.Identifier(OFFICERS_ROLE)))
    except psycopg.Error as e:
        raise UserError(f"database server {safe_url(admin_url)}: {str(e).strip().splitlines()[0]}") from None

    def role_url(name: str) -> str:
        return u.set(drivername="postgresql", username=name, password=logins[name], database=database) \
            .render_as_string(hide_password=False)

    # The schema, created by its owner; Store.open grants the officers their rights after migrating.
    with Store.open(role_url(DAEMON_ROLE)) as store, store.engine.begin() as conn:
        grant_officers(conn)  # also when the schema was there already (officers added later)
    for name in logins:
        path = out_dir / ("daemon.toml" if name == DAEMON_ROLE else f"officer-{name}.toml")
        _write_config(path, role_url(name))
        files.append(path)
    return SetupResult(database, files, created)
