"""A guild's shared PostgreSQL database (`warclaw db setup-postgres`): the daemon's role reads API
key secrets, the officers' roles edit rosters and keys and never read a secret."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import tomllib
import uuid

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import ProgrammingError

from warclaw.store import Store
from warclaw.store import rosters as R
from warclaw.store.keys import keys_to_refresh, link_player, list_keys, save_key
from warclaw.store.models import ApiKeySecret
from warclaw.store.reader import Reader

SECRET = "ABCDEF01-2345-6789-ABCD-EF0123456789ABCDEF01-2345-6789-ABCD-EF0123456789"


@pytest.fixture
def shared(pg_server, tmp_path):
    name = f"guild_{uuid.uuid4().hex[:8]}"
    out = tmp_path / "conf"
    (tmp_path / "config.toml").write_text("")
    r = subprocess.run([sys.executable, "-m", "warclaw", "db", "setup-postgres", pg_server.url("postgres"),
                        "--database", name, "--officer", "alice", "--out", str(out)],
                       capture_output=True, text=True, timeout=120,
                       env={**os.environ, "WARCLAW_CONFIG": str(tmp_path / "config.toml")})
    assert r.returncode == 0, r.stderr
    urls = {f.stem: tomllib.loads(f.read_text())["database"]["url"] for f in out.glob("*.toml")}
    yield urls, out, r.stdout
    pg_server.drop_database(name)


def test_setup_writes_private_config_files_and_prints_no_password(shared):
    urls, out, stdout = shared
    assert set(urls) == {"daemon", "officer-alice"}
    for f in out.glob("*.toml"):
        assert stat.S_IMODE(f.stat().st_mode) == 0o600
    for url in urls.values():
        password = url.split(":", 2)[2].split("@", 1)[0]
        assert len(password) >= 20 and password not in stdout
    assert "warclaw_daemon" in stdout and "warclaw_officers" in stdout


def test_officers_edit_rosters_and_keys_but_never_read_a_secret(shared, tmp_path):
    urls, out, _ = shared
    with Store.open(urls["officer-alice"]) as officer:
        with officer.write() as s:
            R.save_roster(s, "raid", {"players": [{"name": "Aelin.1234", "builds": ["firebrand"]}]})
            key_id = save_key(s, SECRET, token_name="raid key", permissions=["account", "characters"])
            link_player(s, "raid", "Aelin.1234", key_id)
        with officer.read() as s:
            assert [k.masked for k in list_keys(s)] == ["ABCD…6789"]
        with pytest.raises(ProgrammingError, match="permission denied"), officer.read() as s:
            s.scalar(select(ApiKeySecret.secret))
        with pytest.raises(ProgrammingError, match="permission denied"), officer.write() as s:
            s.execute(text("UPDATE alembic_version SET version_num = 'x'"))
    with Reader.open(urls["officer-alice"]) as r:  # the TUI's reads
        assert r.scalar("SELECT count(*) FROM roster_players") == 1
    with Store.open(urls["daemon"]) as daemon, daemon.read() as s:
        assert keys_to_refresh(s) == [(key_id, SECRET)]  # the daemon sends it to the API
    # `roster keys` as an officer: masked keys, without reading a secret.
    r = subprocess.run([sys.executable, "-m", "warclaw", "--config", str(out / "officer-alice.toml"), "roster", "keys"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert "ABCD…6789" in r.stdout and SECRET not in r.stdout + r.stderr


def test_an_officer_cannot_upgrade_the_schema_and_is_told_in_one_line(shared, pg_server):
    from warclaw.store.errors import StoreError

    urls, _, _ = shared
    with Store.open(urls["daemon"]) as daemon, daemon.engine.begin() as conn:
        conn.execute(text("UPDATE alembic_version SET version_num = '0004'"))  # as if warclaw were older there
    with pytest.raises(StoreError) as e:
        Store.open(urls["officer-alice"])
    msg = str(e.value)
    assert "\n" not in msg and "permission denied" in msg and "daemon's role" in msg
    assert urls["officer-alice"].split(":", 2)[2].split("@")[0] not in msg  # no password
