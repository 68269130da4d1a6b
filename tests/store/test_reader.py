"""The sqlite3 reader: opening (URLs, schema checks, one-line errors), snapshots, data_version, and
values read back equal to what the ORM returns."""

from __future__ import annotations

import sqlite3
from datetime import timedelta

import pytest
from pgserver import both_engines
from sqlalchemy import select
from waiting import wait_for

from warclaw.store import Store, StoreError, queries, rosters
from warclaw.store.db import sqlite_path
from warclaw.store.ingest import apply_guild, apply_match, apply_objectives, apply_teams
from warclaw.store.migrate import head_revision
from warclaw.store.models import (
    Event,
    Heartbeat,
    Match,
    MatchMap,
    Objective,
    ObjectiveState,
    PollLog,
    Skirmish,
)
from warclaw.store.reader import (
    Reader,
    SchemaUpgradeDue,
    from_db_time,
    open_reader,
    sqlite_target,
    to_db_time,
)
from warclaw.store.status import beat, record_poll, set_meta

from .factory import START, evolve, find_obj, iso, make_match

T = START + timedelta(hours=1)


def set_revision(path, rev: str) -> None:
    con = sqlite3.connect(path)
    con.execute("UPDATE alembic_version SET version_num = ?", (rev,))
    con.commit()
    con.close()


def stamp(store, rev: str) -> None:
    with store.engine.begin() as conn:
        conn.exec_driver_sql(f"UPDATE alembic_version SET version_num = '{rev}'")


@pytest.mark.parametrize("url", ["mysql://u:secret@db/warclaw", "nonsense://::", "just-a-word"])
def test_only_sqlite_and_postgresql_urls_are_read(url):
    with pytest.raises(StoreError, match="SQLite and PostgreSQL databases only") as e:
        Reader.open(url)
    assert "\n" not in str(e.value) and "secret" not in str(e.value)


def test_an_in_memory_database_is_refused():
    for url in ("sqlite://", "sqlite:///:memory:"):
        with pytest.raises(StoreError, match="in-memory"):
            Reader.open(url)


def test_a_missing_file_means_upgrade_due_and_is_not_created(tmp_path, db_url):
    with pytest.raises(SchemaUpgradeDue) as e:
        Reader.open(db_url)
    assert e.value.state == "missing" and e.value.url == db_url
    assert not (tmp_path / "warclaw.db").exists()


def test_an_empty_database_means_upgrade_due(tmp_path, db_url):
    sqlite3.connect(tmp_path / "warclaw.db").close()
    with pytest.raises(SchemaUpgradeDue) as e:
        Reader.open(db_url)
    assert e.value.state == "missing" and e.value.revision is None


def test_open_reader_creates_the_schema_then_reads(tmp_path, db_url):
    with open_reader(db_url) as r:
        assert r.revision == head_revision()
        assert queries.find_match(r) is None
    with Reader.open(db_url) as r:  # now at head: no upgrade needed
        assert r.revision == head_revision()


def test_an_older_revision_means_upgrade_due(tmp_path, store, db_url):
    set_revision(tmp_path / "warclaw.db", "0001")
    with pytest.raises(SchemaUpgradeDue) as e:
        Reader.open(db_url)
    assert e.value.state == "outdated" and e.value.revision == "0001"


@both_engines
def test_a_newer_revision_is_refused_in_one_line(engine, tmp_path, store, db_url):
    stamp(store, "f00dcafe")
    with pytest.raises(StoreError, match=r"revision f00dcafe, newer than this warclaw") as e:
        Reader.open(db_url)
    assert not isinstance(e.value, SchemaUpgradeDue)
    where = str(tmp_path / "warclaw.db") if engine == "sqlite" else db_url.split("//", 1)[1].split("/", 1)[0]
    assert where in str(e.value) and "\n" not in str(e.value)
    with pytest.raises(StoreError, match="newer"):  # and open_reader does not try to "upgrade" it
        open_reader(db_url)


def test_a_file_that_is_not_a_database_gives_one_line(tmp_path, db_url):
    (tmp_path / "warclaw.db").write_bytes(b"this is not an SQLite file, just text, long enough" * 40)
    with pytest.raises(StoreError) as e:
        Reader.open(db_url)
    msg = str(e.value)
    assert msg.startswith(f"database {tmp_path / 'warclaw.db'}") and "not a database" in msg and "\n" not in msg


def test_a_database_locked_by_another_process_gives_one_line(tmp_path, db_url):
    Store.open(db_url).close()
    other = sqlite3.connect(tmp_path / "warclaw.db", isolation_level=None)
    other.execute("PRAGMA locking_mode = EXCLUSIVE")
    other.execute("BEGIN EXCLUSIVE")
    try:
        with pytest.raises(StoreError, match="stayed locked by another process") as e:
            Reader.open(db_url, busy_timeout_ms=50)
        assert "\n" not in str(e.value)
    finally:
        other.execute("ROLLBACK")
        other.close()


@both_engines
def test_the_reader_cannot_write(reader):
    with pytest.raises(StoreError, match="read-only|readonly"):
        reader.rows("DELETE FROM meta")
    with pytest.raises(StoreError, match="read-only|readonly"), reader.snapshot():
        reader.rows("DELETE FROM meta")


def test_urls_resolve_to_the_same_file_as_the_store(tmp_path):
    for url in (f"sqlite:///{tmp_path}/a.db", "sqlite:///relative.db", "sqlite:///sub/dir/warclaw.db", f"sqlite+pysqlite:///{tmp_path}/a%20b.db",
                f"sqlite:///file:{tmp_path}/a.db?mode=ro&uri=true"):
        assert sqlite_target(url)[2] == sqlite_path(url), url
    assert sqlite_target(f"sqlite:///file:{tmp_path}/a.db?mode=ro&uri=true")[:2] == (f"file:{tmp_path}/a.db?mode=ro", True)


def test_the_read_only_uri_form_reads(tmp_path, store):
    with store.write() as s:
        set_meta(s, "account_team_id", "12007")
    with Reader.open(f"sqlite:///file:{tmp_path / 'warclaw.db'}?mode=ro&uri=true") as r:
        assert queries.read_meta(r, "account_team_id") == "12007"


@both_engines
def test_data_version_changes_when_another_connection_commits(store, reader):
    v0 = reader.data_version()
    assert reader.data_version() == v0
    with store.write() as s:
        rosters.save_roster(s, "raid", {"players": []})
    # SQLite: at once; PostgreSQL: when the notification has crossed the socket (milliseconds).
    wait_for(lambda: reader.data_version() != v0, what="data_version to change")


@both_engines
def test_a_snapshot_sees_one_state_of_the_database(store, reader):
    with store.write() as s:
        set_meta(s, "k", "before")
    with reader.snapshot():
        assert queries.read_meta(reader, "k") == "before"
        with store.write() as s:  # the daemon commits meanwhile (WAL: the writer is not blocked)
            set_meta(s, "k", "after")
        with reader.snapshot():  # nested: still the outer transaction
            assert queries.read_meta(reader, "k") == "before"
    assert queries.read_meta(reader, "k") == "after"


def seed(store):
    m = make_match()
    with store.write() as s:
        apply_teams(s, {12014: "Great House Aviary", 12007: "Bloodstone Gulch", 12006: "Palawadan"})
        apply_objectives(s, [{"id": "38-3", "name": "Mendon's Gap", "type": "Tower", "map_type": "Center",
                              "map_id": 38, "coord": [11766.3, 14793.5, -2133.39]}])
        apply_match(s, m, T)
    m2 = evolve(m)
    m2["scores"] = {"red": 10, "green": 20, "blue": 30}
    m2["maps"][0]["kills"] = {"red": 1, "green": 2, "blue": 3}
    m2["skirmishes"][0]["map_scores"] = [{"type": "Center", "scores": {"red": 1, "green": 2, "blue": 3}}]
    find_obj(m2, "38-3").update(owner="Red", last_flipped=iso(T + timedelta(seconds=5)), claimed_by="G1",
                                claimed_at=iso(T + timedelta(seconds=50)))
    odd = T + timedelta(minutes=1, microseconds=123456)  # stored with microseconds
    with store.write() as s:
        r = apply_match(s, m2, T + timedelta(minutes=1))
        apply_guild(s, "G1", {"id": "G1", "name": "Lords of Tyria", "tag": "LoT"}, T)
        beat(s, odd, started_at=T)
        record_poll(s, "matches", odd, duration_ms=12, next_attempt_at=odd + timedelta(seconds=30))
        record_poll(s, "guilds", odd, error="HTTP 503 from /v2/guild")
    return r.match_pk


@both_engines
def test_values_come_back_as_the_orm_returns_them(store, reader):
    pk = seed(store)
    now = T + timedelta(minutes=2)
    with store.read() as s:
        match = s.get(Match, pk)
        events = {e.id: e for e in s.scalars(select(Event))}
        states = {o.objective_id: o for o in s.scalars(select(ObjectiveState).where(ObjectiveState.match_id == pk))}
        coords = {o.id: o.coord for o in s.scalars(select(Objective))}
        maps = {mp.map_type: mp for mp in s.scalars(select(MatchMap).where(MatchMap.match_id == pk))}
        skirmish_maps = [k.map_scores for k in s.scalars(select(Skirmish).order_by(Skirmish.number))]
        hb = s.get(Heartbeat, "daemon")
        polls = {p.endpoint: p for p in s.scalars(select(PollLog))}

        found = queries.find_match(reader, "2-1")
        assert (found.start_time, found.end_time) == (match.start_time, match.end_time)
        assert found.start_time.tzinfo is not None
        assert queries.match_data_time(reader, pk) == match.data_time
        for e in queries.recent_events(reader, pk):
            orm = events[e.id]
            assert (e.occurred_at, e.detail, e.kind, e.team) == (orm.occurred_at, orm.detail, orm.kind, orm.team)
        for o in queries.objectives(reader, pk):
            orm = states[o.objective_id]
            assert (o.last_flipped, o.claimed_at, o.owner) == (orm.last_flipped, orm.claimed_at, orm.owner)
            assert o.coord == coords.get(o.objective_id)
        assert queries.objectives(reader, pk, map_type="Center")[2].coord == [11766.3, 14793.5, -2133.39]
        view = queries.matchup(reader, pk, now)
        for mp in view["maps"]:
            assert mp["kills"] == maps[mp["type"]].kills and mp["scores"] == maps[mp["type"]].scores
        assert [k.map_scores for k in queries.skirmishes(reader, pk)] == skirmish_maps
        assert skirmish_maps[0] == [{"type": "Center", "scores": {"red": 1, "green": 2, "blue": 3}}]

        st = queries.daemon_status(reader, now)
        assert (st.pid, st.state, st.started_at, st.beat_at) == (hb.pid, hb.state, hb.started_at, hb.beat_at)
        assert st.beat_at.microsecond == 123456 and st.heartbeat_age_seconds == (now - hb.beat_at).total_seconds()
        for e in st.endpoints:
            orm = polls[e.endpoint]
            assert (e.last_attempt_at, e.last_success_at, e.last_error_at, e.next_attempt_at, e.last_error,
                    e.consecutive_failures) == (orm.last_attempt_at, orm.last_success_at, orm.last_error_at,
                                                orm.next_attempt_at, orm.last_error, orm.consecutive_failures)
        assert [e.endpoint for e in st.endpoints] == ["guilds", "matches"] and st.endpoints[0].failing

        fp = queries.fingerprint(reader)
        assert fp["match"] == match.changed_at and fp["polled"] == match.polled_at
        assert fp["events"] == max(events) and fp["status"] == (hb.beat_at, polls["guilds"].last_attempt_at)
        assert fp["roster"] is None and fp["plans"] is None


def test_stored_time_format_round_trips(store):
    t = T + timedelta(microseconds=7)
    with store.write() as s:
        beat(s, t, started_at=t)
    con = sqlite3.connect(sqlite_path(store.url))
    stored = con.execute("SELECT beat_at FROM heartbeats").fetchone()[0]
    con.close()
    assert stored == to_db_time(t) and from_db_time(stored) == t


@both_engines
def test_no_daemon_yet(reader):
    st = queries.daemon_status(reader, T)
    assert st.state is None and st.beat_at is None and st.endpoints == [] and not st.alive()


def test_a_store_given_to_open_reader_upgrade_is_used(tmp_path, db_url):
    opened = []

    def upgrade():
        opened.append(Store.open(db_url))

    with open_reader(db_url, upgrade=upgrade) as r:
        assert r.revision == head_revision()
    assert len(opened) == 1
    opened[0].close()


def test_postgresql_open_reader_creates_the_schema_then_reads(pg_empty_url):
    with pytest.raises(SchemaUpgradeDue) as e:
        Reader.open(pg_empty_url)
    assert e.value.state == "missing"
    with open_reader(pg_empty_url) as r:
        assert r.engine == "postgresql" and r.revision == head_revision()
        assert queries.find_match(r) is None


def test_postgresql_errors_are_one_line_without_the_password(pg_server):
    url = pg_server.url("no_such_db", password="s3cret-pw")
    with pytest.raises(StoreError) as e:
        Reader.open(url)
    msg = str(e.value)
    assert "no_such_db" in msg and "s3cret-pw" not in msg and "\n" not in msg
    assert "***" in msg


def test_postgresql_reader_reconnects_after_losing_its_connection(pg_server, pg_url):
    with Store.open(pg_url) as store, Reader.open(pg_url) as r:
        with store.write() as s:
            set_meta(s, "k", "v1")
        v0 = r.data_version()
        with pg_server.admin() as admin:  # as a server restart or a dropped network would
            admin.execute("SELECT pg_terminate_backend(%s)", [r.conn.info.backend_pid])
        assert queries.read_meta(r, "k") == "v1"  # opened again
        assert r.data_version() != v0  # commits may have been missed: the TUI reloads
