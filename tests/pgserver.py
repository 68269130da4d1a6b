"""A throwaway PostgreSQL server for the tests: a real ``postgres`` process on a free loopback port,
its cluster in a temporary directory, gone at the end of the session.

The server binaries come from the system's packages (``make postgres`` installs them when missing;
``$WARCLAW_PG_BINDIR`` points elsewhere). PostgreSQL refuses to run as root, so as root the cluster
belongs to the ``postgres`` system user (created by the package) and is run through ``runuser``.
Durability is off (``fsync``, ``synchronous_commit``) unless asked for: the data lives for one
test session (the benchmark asks for it, to compare with SQLite fairly).
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import uuid
from pathlib import Path

import pytest

SUPERUSER = "warclaw_test"


class PgUnavailable(RuntimeError):
    pass


def find_bindir() -> Path | None:
    if os.environ.get("WARCLAW_PG_BINDIR"):
        return Path(os.environ["WARCLAW_PG_BINDIR"])
    candidates = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4]))
    if candidates:
        return Path(candidates[-1]).parent
    found = shutil.which("initdb")
    return Path(found).resolve().parent if found else None


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgServer:
    def __init__(self, durable: bool = False) -> None:
        self.durable = durable
        bindir = find_bindir()
        if bindir is None or not (bindir / "postgres").exists():
            raise PgUnavailable("PostgreSQL server binaries not found: run `make postgres` "
                                "(apt-get install postgresql) or set WARCLAW_PG_BINDIR")
        self.bindir = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="warclaw-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.port = 0
        self._as: list[str] = []
        if os.geteuid() == 0:
            try:
                owner = pwd.getpwnam("postgres")
            except KeyError:
                raise PgUnavailable("running as root, and there is no 'postgres' user to run the server as") from None
            os.chown(self.dir, owner.pw_uid, owner.pw_gid)
            self._as = ["runuser", "-u", "postgres", "--"]
        self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "--auth=trust", "-E", "UTF8", "--no-sync",
                  "--no-instructions")
        self._start()

    def _run(self, tool: str, *args: str) -> subprocess.CompletedProcess[str]:
        proc = subprocess.run([*self._as, str(self.bindir / tool), *args], capture_output=True, text=True,
                              timeout=120, cwd=self.dir)
        if proc.returncode != 0:
            raise PgUnavailable(f"{tool} failed: {(proc.stderr or proc.stdout).strip()}")
        return proc

    def _start(self) -> None:
        last = ""
        for _attempt in range(5):  # a free port may be taken by someone else before the server binds it
            self.port = free_port()
            opts = f"-p {self.port} -h 127.0.0.1 -k {self.dir} -c max_connections=300"
            if not self.durable:
                opts += " -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
            try:
                self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", opts, "start")
                return
            except PgUnavailable as e:
                last = str(e) + " " + (self.log.read_text()[-500:] if self.log.exists() else "")
        raise PgUnavailable(f"the PostgreSQL server did not start: {last}")

    def url(self, database: str, user: str = SUPERUSER, password: str | None = None) -> str:
        auth = f"{user}:{password}" if password else user
        return f"postgresql+psycopg://{auth}@127.0.0.1:{self.port}/{database}"

    def admin(self):
        import psycopg

        return psycopg.connect(f"postgresql://{SUPERUSER}@127.0.0.1:{self.port}/postgres", autocommit=True)

    def create_database(self, template: str | None = None) -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        with self.admin() as conn:
            conn.execute(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
        return name

    def drop_database(self, name: str) -> None:
        with self.admin() as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')

    def stop(self) -> None:
        try:
            self._run("pg_ctl", "-D", str(self.data), "-m", "immediate", "-w", "stop")
        except PgUnavailable:
            pass
        shutil.rmtree(self.dir, ignore_errors=True)


ENGINES = ("sqlite", "postgresql")
# Runs a test once per engine: its `engine` fixture is the engine, `engine_url` a database of it.
both_engines = pytest.mark.parametrize("engine", ENGINES, indirect=True)
