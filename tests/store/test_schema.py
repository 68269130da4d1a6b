from __future__ import annotations

import sqlite3
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from warclaw.store import Store, StoreError
from warclaw.store.migrate import current_revision, head_revision
from warclaw.store.models import Base


def test_open_creates_the_schema_at_head(store):
    assert current_revision(store) == head_revision()
    with store.engine.connect() as conn:
        assert (
            compare_metadata(MigrationContext.configure(conn, opts={"compare_type": True}), Base.metadata)
            == []
        )


def test_sqlite_connections_use_wal_foreign_keys_and_busy_timeout(store):
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 1000


def test_reopening_is_a_no_op(db_url):
    Store.open(db_url).close()
    with Store.open(db_url) as s:
        assert current_revision(s) == head_revision()


def test_a_database_newer_than_the_code_is_refused(tmp_path, db_url):
    Store.open(db_url).close()
    con = sqlite3.connect(tmp_path / "warclaw.db")
    con.execute("UPDATE alembic_version SET version_num = 'f00dcafe'")
    con.commit()
    con.close()
    with pytest.raises(StoreError, match=r"revision f00dcafe, newer than this warclaw"):
        Store.open(db_url)
    with pytest.raises(StoreError, match="newer"):
        Store.open(db_url, upgrade=False)


def test_bad_urls_give_one_line_errors(tmp_path):
    with pytest.raises(StoreError, match="not a valid SQLAlchemy URL"):
        Store.open("nonsense://::")
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError) as e:
        Store.open(f"sqlite:///{blocker}/sub/warclaw.db")
    assert "\n" not in str(e.value)


def test_processes_opening_a_fresh_database_together_do_not_race(tmp_path, db_url):
    code = "import sys; from warclaw.store import Store; Store.open(sys.argv[1]).close()"
    procs = [subprocess.Popen([sys.executable, "-c", code, db_url], stderr=subprocess.PIPE) for _ in range(4)]
    errors = [p.communicate(timeout=60)[1].decode() for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0, 0], errors
    with Store.open(db_url) as s:
        assert current_revision(s) == head_revision()
        assert s.integrity_check() == "ok"


def test_the_readers_and_alembic_know_the_same_revisions():
    from alembic.script import ScriptDirectory

    from warclaw.store import schema
    from warclaw.store.migrate import _alembic_config

    script = ScriptDirectory.from_config(_alembic_config())
    assert {s.revision: s.down_revision for s in script.walk_revisions()} == schema.revisions()
    assert schema.head() == script.get_current_head() == head_revision()


def test_learning_the_revisions_imports_neither_sqlalchemy_nor_alembic():
    code = ("import sys; from warclaw.store import schema; h = schema.head(); "
            "print(h, [m for m in ('sqlalchemy', 'alembic') if m in sys.modules])")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.split()
    assert out == [head_revision(), "[]"]


def test_a_migration_generated_from_the_template_is_accepted_by_the_readers(tmp_path, monkeypatch):
    """`alembic revision` with the project's own template (single-quoted ids, as Mako's repr writes
    them): Alembic upgrades to it, and the sqlite3 reader opens the database at that revision and
    runs its queries there."""
    import shutil
    from datetime import UTC, datetime

    from alembic import command

    from warclaw.store import migrate, queries, schema
    from warclaw.store.reader import Reader

    scripts = tmp_path / "migrations"
    shutil.copytree(schema.MIGRATIONS_DIR, scripts, ignore=shutil.ignore_patterns("__pycache__"))
    monkeypatch.setattr(schema, "MIGRATIONS_DIR", scripts)
    monkeypatch.setattr(migrate, "MIGRATIONS_DIR", scripts)
    schema.revisions.cache_clear()
    try:
        before = schema.head()
        command.revision(migrate._alembic_config(), message="a column for the future", rev_id="a1b2c3d4e5f6")
        generated = next(scripts.glob("versions/a1b2c3d4e5f6_*.py")).read_text()
        assert "revision = 'a1b2c3d4e5f6'" in generated and f"down_revision = '{before}'" in generated
        schema.revisions.cache_clear()
        assert schema.head() == "a1b2c3d4e5f6" and schema.revisions()["a1b2c3d4e5f6"] == before

        url = f"sqlite:///{tmp_path / 'warclaw.db'}"
        with Store.open(url) as s:  # created at the new head through Alembic
            assert current_revision(s) == "a1b2c3d4e5f6"
        with Reader.open(url) as r:
            assert r.revision == "a1b2c3d4e5f6"
            # ...and its queries, whose columns come from the models, read it
            assert queries.daemon_status(r, datetime.now(UTC)).state is None
            assert queries.fingerprint(r)["events"] is None and queries.list_matches(r) == []
    finally:
        schema.revisions.cache_clear()


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"], indirect=True)
def test_upgrading_keeps_every_player_a_race_stored_twice_renamed(engine, request, tmp_path):
    """Before revision 0004 concurrent writers could store a name twice in one roster; the upgrade
    to the unique constraint keeps every row and renames the later copies."""
    from alembic import command
    from sqlalchemy import text

    from warclaw.store import migrate

    url = request.getfixturevalue("pg_empty_url") if engine == "postgresql" else f"sqlite:///{tmp_path / 'old.db'}"
    with Store.open(url, upgrade=False) as s:
        cfg = migrate._alembic_config()
        with s.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0002")
        with s.engine.begin() as conn:
            conn.execute(text("INSERT INTO rosters (id, name, updated_at) VALUES (1, 'raid', '2026-11-30 20:00:00')"))
            for pid, name in enumerate(["Aelin.1234", "Aelin.1234", "Bran.5678", "Aelin.1234", "Aelin.1234 (2)"]):
                conn.execute(text("INSERT INTO roster_players (id, roster_id, position, name, builds, commander,"
                                  " with_players, present, derived_builds) VALUES (:i, 1, :i, :n, '[]', false, '[]',"
                                  " true, '[]')"), {"i": pid + 1, "n": name})
    with Store.open(url) as s:
        assert current_revision(s) == head_revision()
        with s.engine.connect() as conn:
            names = [r[0] for r in conn.execute(text("SELECT name FROM roster_players ORDER BY id"))]
    assert names == ["Aelin.1234", "Aelin.1234 (3)", "Bran.5678", "Aelin.1234 (4)", "Aelin.1234 (2)"]


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"], indirect=True)
def test_upgrading_moves_key_secrets_to_their_own_table(engine, request, tmp_path):
    from alembic import command
    from sqlalchemy import select, text

    from warclaw.common import mask
    from warclaw.store import migrate
    from warclaw.store.keys import fingerprint, key_characters, keys_to_refresh, list_keys
    from warclaw.store.models import ApiKeyRecord

    secret = "0123ABCD-0000-1111-2222-333344445555FFFFEEEE-DDDD-CCCC-BBBB-AAAA99998888"
    url = request.getfixturevalue("pg_empty_url") if engine == "postgresql" else f"sqlite:///{tmp_path / 'old.db'}"
    with Store.open(url, upgrade=False) as s:
        cfg = migrate._alembic_config()
        with s.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "0004")
        with s.engine.begin() as conn:
            conn.execute(text("INSERT INTO api_keys (id, secret, permissions, status, invalid_count, added_at)"
                              " VALUES (7, :s, '[]', 'ok', 0, '2026-11-30 20:00:00')"), {"s": secret})
            conn.execute(text("INSERT INTO account_characters (key_id, name, position, profession, level, elite_specs)"
                              " VALUES (7, 'Aelin Stormborn', 0, 'Guardian', 80, '[]')"))
    with Store.open(url) as s, s.read() as session:
        assert keys_to_refresh(session) == [(7, secret)]
        assert [k.masked for k in list_keys(session)] == [mask(secret)]
        assert session.scalar(select(ApiKeyRecord.fingerprint)) == fingerprint(secret)
        assert secret not in str(session.execute(text("SELECT * FROM api_keys")).all())
        assert key_characters(session, 7)[0]["name"] == "Aelin Stormborn"  # the rebuilt table kept its children


def test_the_readers_column_catalogue_is_the_models():
    """warclaw.store.columns (what the readers name, without SQLAlchemy) is generated from the ORM's
    metadata; a column renamed, added or retyped in the models without regenerating fails here."""
    from warclaw.store import columns_gen

    assert columns_gen.TARGET.read_text(encoding="utf-8") == columns_gen.render(), (
        "run: python -m warclaw.store.columns_gen")
    assert columns_gen.main(["--check"]) == 0


def test_a_column_added_or_renamed_in_the_models_changes_the_catalogue():
    from sqlalchemy import Column, Integer, MetaData, Table

    from warclaw.store import columns_gen
    from warclaw.store.columns import TABLES

    md = MetaData()
    for name, table in Base.metadata.tables.items():
        cols = [Column(c.name, c.type) for c in table.columns]
        if name == "meta":
            cols.append(Column("note_count", Integer))
        if name == "matches":
            cols = [Column("match_code", c.type) if c.name == "api_id" else c for c in cols]
        Table(name, md, *cols)
    text = columns_gen.render(md)
    scope: dict = {}
    exec(compile(text, "columns.py", "exec"), scope)
    assert scope["TABLES"]["meta"] == {**TABLES["meta"], "note_count": "int"}
    assert "api_id" not in scope["TABLES"]["matches"] and scope["TABLES"]["matches"]["match_code"] == "str"


def test_a_query_naming_a_column_the_models_lack_fails_when_built_naming_it():
    """The readers' queries are built from the catalogue at import: a column the models no longer
    have (here matches.api_id renamed) stops the import with one line naming table and column."""
    code = ("import warclaw.store.columns as c; c.TABLES['matches']['match_code'] = c.TABLES['matches'].pop('api_id');"
            "import warclaw.store.queries")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert out.returncode == 1
    assert out.stderr.strip().splitlines()[-1] == (
        "warclaw.store.tables.SchemaMismatch: table matches of warclaw.store.models has no column 'api_id'")


def test_a_select_reads_rows_by_label_decoded_by_kind():
    from datetime import UTC, datetime

    from warclaw.store.tables import SchemaMismatch, Select, Table, expr

    rp = Table("roster_players", "p")
    sel = Select(rp.name, rp.commander, rp.builds, Table("rosters").updated_at, expr("count(*)", "n", "int"))
    assert sel.sql == ('SELECT p.name AS "name", p.commander AS "commander", p.builds AS "builds",'
                       ' rosters.updated_at AS "updated_at", count(*) AS "n"')
    assert sel.record(("Aelin", 1, '["firebrand"]', "2026-11-30 20:00:00.000000", 3)) == {
        "name": "Aelin", "commander": True, "builds": ["firebrand"],
        "updated_at": datetime(2026, 11, 30, 20, tzinfo=UTC), "n": 3}
    with pytest.raises(SchemaMismatch, match="no table 'players'"):
        Table("players")
    with pytest.raises(SchemaMismatch, match="label 'name' twice"):
        Select(rp.name, Table("rosters").name)
    with pytest.raises(ValueError):  # a row that is not this list's (one cell short)
        sel.record(("Aelin", 1, "[]", None))


@pytest.mark.parametrize("engine", ["sqlite", "postgresql"], indirect=True)
def test_the_migrated_database_has_exactly_the_catalogues_columns(engine, request, tmp_path):
    """Migrations, models and the readers' catalogue agree column for column, on both engines
    (in any order: 0005 rebuilt api_keys, and the readers never rely on a column's position)."""
    from warclaw.store.columns import TABLES
    from warclaw.store.reader import Reader

    url = request.getfixturevalue("pg_empty_url") if engine == "postgresql" else f"sqlite:///{tmp_path / 'w.db'}"
    Store.open(url).close()
    with Reader.open(url) as r:
        for table, columns in TABLES.items():
            if r.engine == "sqlite":
                names = [row[1] for row in r.rows(f"PRAGMA table_info({table})")]
            else:
                names = [row[0] for row in r.rows(
                    "SELECT column_name FROM information_schema.columns WHERE table_schema = current_schema()"
                    " AND table_name = ? ORDER BY ordinal_position", [table])]
            assert sorted(names) == sorted(columns), table  # the order is free: rows are read by label
