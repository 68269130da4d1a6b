"""Every bad input of issue 15 is one line naming the file and field, as real `warclaw` processes;
nothing is stored that `optimize` would refuse, and nothing already stored is lost."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import tomli_w

from warclaw.common import MAX_PARTY
from warclaw.rosterfile import roster_from_csv, roster_to_csv

DEEP = 50_000


def warclaw(*args: str, cwd: Path | None = None, env: dict[str, str] | None = None,
            timeout: float = 120) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "warclaw", *args], capture_output=True, text=True, cwd=cwd,
                          env={**os.environ, "WARCLAW_CONFIG": os.devnull, **(env or {})}, timeout=timeout)


def one_line(r: subprocess.CompletedProcess[str], *expected: str) -> str:
    assert r.returncode != 0, r.stdout
    assert "Traceback" not in r.stderr, r.stderr[-2000:]
    line = r.stderr.strip()
    assert line.count("\n") == 0 and line.startswith("warclaw: "), r.stderr[-2000:]
    assert len(line) < 400, line[:400]
    for e in expected:
        assert e in line, line
    return line


def player(name: str, **extra: str) -> str:
    fields = "".join(f"{k} = {v}\n" for k, v in extra.items())
    return f'[[players]]\nname = "{name}"\nbuilds = ["firebrand"]\n{fields}'


@pytest.fixture
def db(tmp_path) -> str:
    return str(tmp_path / "w.db")


@pytest.mark.parametrize("kind", ["roster", "plan", "config", "catalog"])
def test_input_nested_50000_deep_is_one_line(tmp_path, db, kind):
    toml = tmp_path / "deep.toml"
    toml.write_text("x = " + "[" * DEEP + "]" * DEEP + "\n")
    ok = tmp_path / "ok.toml"
    ok.write_text(player("A"))
    if kind == "roster":
        r, where = warclaw("optimize", str(toml)), str(toml)
    elif kind == "plan":
        plan = tmp_path / "deep.json"
        plan.write_text("[" * DEEP + "]" * DEEP)
        r, where = warclaw("optimize", str(ok), "--previous", str(plan)), str(plan)
    elif kind == "config":
        r, where = warclaw("--config", str(toml), "roster", "list"), str(toml)
    else:
        cfg = tmp_path / "c.toml"
        cfg.write_text(f'[engine]\ncatalog = "{toml}"\n')
        r, where = warclaw("--config", str(cfg), "--db", db, "roster", "import", str(ok)), str(toml)
    one_line(r, where, "nested more than 32 levels deep")


def test_config_from_dev_zero_fails_at_once_with_one_line():
    one_line(warclaw("--config", "/dev/zero", "roster", "list", timeout=30), "/dev/zero", "larger than 16 MiB")


def test_a_directory_as_a_file_is_one_line(tmp_path):
    one_line(warclaw("optimize", str(tmp_path)), str(tmp_path), "is a directory")
    one_line(warclaw("--config", str(tmp_path), "roster", "list"), "is a directory")


@pytest.mark.parametrize("name,expected", [
    ("A\\nB", "players[0].name: must not contain control characters (found ␊)"),
    ("A\\u0000B", "players[0].name: must not contain control characters (found ␀)"),
    ("A\\u001b]0;x\\u0007", "players[0].name: must not contain control characters (found ␛)"),
    (" Aelin", "players[0].name: must not start or end with spaces"),
    ("x" * 1_000_000, "players[0].name: expected at most 80 characters, got 1000000"),
], ids=["newline", "nul", "escape", "spaces", "1MB"])
def test_bad_names_are_refused_by_import_and_optimize_naming_the_field(tmp_path, db, name, expected):
    f = tmp_path / "r.toml"
    f.write_text(player(name))
    one_line(warclaw("--db", db, "roster", "import", str(f)), str(f), expected)
    one_line(warclaw("optimize", str(f)), expected)
    assert not Path(db).exists() or sqlite3.connect(db).execute("SELECT count(*) FROM roster_players").fetchone() == (0,)


def test_a_bad_roster_name_is_refused(tmp_path, db):
    f = tmp_path / "r.toml"
    f.write_text(player("A"))
    one_line(warclaw("--db", db, "roster", "import", str(f), "--name", "raid\n2"), "roster name", "control characters")


@pytest.mark.parametrize("fmt", ["toml", "csv"])
def test_lock_party_10_pow_20_is_one_line(tmp_path, db, fmt):
    f = tmp_path / f"r.{fmt}"
    big = str(10**20)
    f.write_text(player("A", lock_party=big) if fmt == "toml" else f"name,builds,lock_party\nA,firebrand,{big}\n")
    where = "players[0] (A).lock_party" if fmt == "toml" else "row 2 (A).lock_party"
    expected = f"{where}: expected a party number from 1 to {MAX_PARTY}, got {big}"
    one_line(warclaw("--db", db, "roster", "import", str(f)), expected)
    one_line(warclaw("optimize", str(f)), expected)  # a sign-up sheet too, with the same line


@pytest.mark.parametrize("text,expected", [
    ("name,builds\n" + "A" * 131_073 + ",firebrand\n", "row 2: not a readable CSV row: field larger than field limit"),
    ("name,builds,name\nA,firebrand,B\n", "CSV header has column 'name' twice"),
    ("name,Builds,BUILDS\nA,firebrand,scourge\n", "CSV header has column 'builds' twice"),
    ("name,builds\nA,firebrand,scrapper-heal\n", "row 2: 1 cell(s) beyond the header's columns ('scrapper-heal')"),
    ("name,builds,\nA,firebrand,B\n", "row 2: 1 cell(s) beyond the header's columns ('B')"),
], ids=["huge-cell", "dup-header", "dup-header-case", "extra-cell", "unnamed-column"])
def test_csv_that_would_lose_data_is_refused(tmp_path, db, text, expected):
    f = tmp_path / "s.csv"
    f.write_text(text)
    one_line(warclaw("--db", db, "roster", "import", str(f)), str(f), expected)


def test_import_makes_the_checks_optimize_makes(tmp_path, db):
    cycle = tmp_path / "cycle.toml"
    names = [f"P{i}" for i in range(7)]
    cycle.write_text("".join(player(n, **{"with": f'["{names[(i + 1) % 7]}"]'}) for i, n in enumerate(names))
                     + "".join(player(f"Q{i}") for i in range(5)))
    expected = "infeasible roster: 7 players in one 'with' group (P0, P1, P2, P3, P4, P5, P6), but a party holds 5"
    one_line(warclaw("optimize", str(cycle)), str(cycle), expected)
    r = warclaw("--db", db, "roster", "import", str(cycle))
    assert r.returncode == 3
    one_line(r, str(cycle), expected)
    lock = tmp_path / "lock.csv"
    lock.write_text("name,builds,lock_party\nA,firebrand,3\nB,firebrand,\n")
    one_line(warclaw("--db", db, "roster", "import", str(lock)), str(lock),
             "infeasible roster: A is locked to party 3, but 2 players make only 1 party of 5")
    # A guild imported with everyone absent has nobody to plan yet: its locks are not judged.
    absent = tmp_path / "absent.csv"
    absent.write_text("name,builds,lock_party,present\nA,firebrand,3,no\n")
    assert warclaw("--db", db, "roster", "import", str(absent)).returncode == 0


NAMES = ["A/B.1234", "C;D.5678", "back\\slash", "tail\\", "comma, \"quoted\"", "Ünïcødé.9", "=1+2", "semi;/both"]


def test_csv_round_trip_is_exact_for_any_name(tmp_path, db):
    toml = tmp_path / "odd.toml"
    players = [{"name": n, "builds": ["firebrand"]} for n in NAMES]
    players[0]["with"] = NAMES[1:4]
    players[4]["with"] = NAMES[5:]
    toml.write_text(tomli_w.dumps({"players": players}))
    # Through the database and back, as real processes: TOML -> db -> CSV -> db -> TOML.
    assert warclaw("--db", db, "roster", "import", str(toml), "--name", "odd").returncode == 0
    csv_file = tmp_path / "odd.csv"
    assert warclaw("--db", db, "roster", "export", str(csv_file), "--name", "odd").returncode == 0
    r = warclaw("--db", db, "roster", "import", str(csv_file), "--name", "odd2")
    assert r.returncode == 0, r.stderr
    a, b = tmp_path / "a.toml", tmp_path / "b.toml"
    assert warclaw("--db", db, "roster", "export", str(a), "--name", "odd").returncode == 0
    assert warclaw("--db", db, "roster", "export", str(b), "--name", "odd2").returncode == 0
    assert a.read_text() == b.read_text()
    back = [{k: v for k, v in p.items() if k in ("name", "builds", "with")} for p in tomllib.loads(b.read_text())["players"]]
    assert back == players


def test_csv_lists_keep_separators_in_names():
    data = {"players": [{"name": n, "builds": ["firebrand"], "with": [m for m in NAMES if m != n]} for n in NAMES]}
    back = roster_from_csv(roster_to_csv(data), "x")
    assert [p["with"] for p in back["players"]] == [p["with"] for p in data["players"]]
    # A sign-up sheet's own separators still split.
    assert roster_from_csv("name,builds,with\nA,firebrand/ scourge,B; C/D\n", "x")["players"][0] == {
        "name": "A", "builds": ["firebrand", "scourge"], "with": ["B", "C", "D"]}


@pytest.mark.parametrize("url", ["sqlite://", "sqlite:///:memory:"])
def test_an_in_memory_database_is_refused(tmp_path, url):
    f = tmp_path / "r.toml"
    f.write_text(player("A"))
    one_line(warclaw("--db", url, "roster", "import", str(f)), "in memory and would keep nothing")


def test_another_applications_sqlite_file_is_refused_not_migrated(tmp_path):
    foreign = tmp_path / "app.db"
    with sqlite3.connect(foreign) as con:
        con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("INSERT INTO users (name) VALUES ('alice')")
    f = tmp_path / "r.toml"
    f.write_text(player("A"))
    for args in (("roster", "import", str(f)), ("roster", "list"), ("matchup",), ("db", "upgrade")):
        one_line(warclaw("--db", str(foreign), *args), "is not a Warclaw database", "(users)")
    tables = {t for (t,) in sqlite3.connect(foreign).execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert tables == {"users"}


def test_a_database_missing_roster_players_is_one_line(tmp_path, db):
    f = tmp_path / "r.toml"
    f.write_text(player("A"))
    assert warclaw("--db", db, "roster", "import", str(f), "--name", "raid").returncode == 0
    with sqlite3.connect(db) as con:
        con.execute("DROP TABLE roster_players")
    for args in (("roster", "import", str(f)), ("roster", "list"), ("roster", "show", "raid"),
                 ("roster", "export", str(tmp_path / "x.csv"), "--name", "raid")):
        one_line(warclaw("--db", db, *args), "no such table: roster_players")


def test_relative_database_paths_mean_one_file(tmp_path):
    f = tmp_path / "r.toml"
    f.write_text(player("A"))
    sub = tmp_path / "sub"
    sub.mkdir()
    (sub / "link.db").symlink_to(tmp_path / "w.db")
    assert warclaw("--db", "w.db", "roster", "import", str(f), "--name", "raid", cwd=tmp_path).returncode == 0
    for cwd, url in ((tmp_path, "./w.db"), (sub, "../w.db"), (sub, "link.db"), (sub, "sqlite:///../w.db")):
        r = warclaw("--db", url, "roster", "list", cwd=cwd)
        assert r.returncode == 0 and r.stdout.startswith("raid"), (url, r.stdout, r.stderr)
    # In a config file, a relative database.url is relative to the config file, not the shell.
    cfg = tmp_path / "c.toml"
    cfg.write_text('[database]\nurl = "w.db"\n')
    r = warclaw("--config", str(cfg), "roster", "list", cwd=sub)
    assert r.stdout.startswith("raid") and not (sub / "w.db").exists()


@pytest.fixture
def small_disk(tmp_path):
    """An 8 MiB tmpfs: a disk that really fills up (needs root; skipped elsewhere)."""
    mnt = tmp_path / "disk"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (not root)")
    try:
        yield mnt
    finally:
        subprocess.run(["umount", "-l", str(mnt)], check=False)


def test_roster_import_on_a_full_disk_is_one_line_and_loses_nothing(tmp_path, small_disk):
    db = str(small_disk / "w.db")
    small = tmp_path / "raid.toml"
    small.write_text(player("Aelin.1234"))
    assert warclaw("--db", db, "roster", "import", str(small), "--name", "raid").returncode == 0
    export = small_disk / "raid.csv"
    assert warclaw("--db", db, "roster", "export", str(export), "--name", "raid").returncode == 0
    before = export.read_text()
    big = tmp_path / "big.toml"
    big.write_text("".join(player(f"P{i}.1234", present="false") for i in range(150)))
    filler = small_disk / "filler"
    try:
        with open(filler, "wb") as fh:
            while True:
                fh.write(b"\0" * 65536)
    except OSError:
        pass  # full (perhaps already before the filler: then it is not even created)
    one_line(warclaw("--db", db, "roster", "import", str(big), "--name", "raid"), "the disk is full")
    one_line(warclaw("--db", db, "roster", "export", str(export), "--name", "raid"))
    assert export.read_text() == before  # the old export is whole, not half a new one
    filler.unlink(missing_ok=True)
    r = warclaw("--db", db, "roster", "show", "raid")
    assert r.returncode == 0 and "1 players" in r.stdout and "Aelin.1234" in r.stdout


# --- optimize and score read sign-up sheets, with import's checks and lines -----------------------

SHEET = ("name,builds,commander,lock_party,with\n"
         "Aelin.1234,firebrand,yes,1,Bran.5678\nBran.5678,scourge;firebrand,,,Aelin.1234\nCara.9,scrapper,,,\n")


@pytest.mark.parametrize("suffix", [".csv", ".txt"])
def test_optimize_and_score_read_a_csv_sign_up_sheet(tmp_path, suffix):
    """A .csv by its name, another name by its header line; the plan then scores."""
    sheet = tmp_path / f"signup{suffix}"
    sheet.write_text(SHEET)
    r = warclaw("optimize", str(sheet), "--json", "--time-limit", "5")
    assert r.returncode == 0, r.stderr
    plan = json.loads(r.stdout)
    members = {m["name"]: p["number"] for p in plan["parties"] for m in p["members"]}
    assert set(members) == {"Aelin.1234", "Bran.5678", "Cara.9"} and members["Aelin.1234"] == 1
    plan_file = tmp_path / "plan.json"
    plan_file.write_text(r.stdout)
    s = warclaw("score", str(sheet), str(plan_file), "--json")
    assert s.returncode == 0, s.stderr
    scored = json.loads(s.stdout)
    assert scored["valid"] and scored["score"] == pytest.approx(plan["score"])


BAD_SHEETS = {
    "cells": ("name,builds,lock_party,commander\nA,firebrand,x,\nB,nonsense,,\nC,firebrand,,perhaps\n",
              ["row 2, column lock_party: expected a party number, got 'x'",
               "row 4, column commander: expected yes or no, got 'perhaps'",
               "row 3 (B).builds: 'nonsense' is neither a catalog build id nor a spec name"]),
    "names": ("name,builds,with\nA,firebrand,Z\nA,scourge,\n", ["players: 'A' is listed twice"]),
    "with": ("name,builds,with\nA,firebrand,Z\n", ["players (A).with: unknown player 'Z'"]),
    "infeasible": ("name,builds,lock_party\nA,firebrand,3\nB,firebrand,\n",
                   ["infeasible roster: A is locked to party 3, but 2 players make only 1 party of 5"]),
}


@pytest.mark.parametrize("case", BAD_SHEETS)
def test_a_bad_sheet_gets_the_same_lines_from_optimize_and_import(tmp_path, db, case):
    text, expected = BAD_SHEETS[case]
    sheet = tmp_path / "bad.csv"
    sheet.write_text(text)
    opt, imp = warclaw("optimize", str(sheet)), warclaw("--db", db, "roster", "import", str(sheet))
    assert opt.returncode == imp.returncode != 0
    assert "Traceback" not in opt.stderr + imp.stderr
    lines = opt.stderr.strip().splitlines()
    assert lines == imp.stderr.strip().splitlines()
    assert sorted(lines) == sorted(f"warclaw: {sheet}: {e}" for e in expected)


# --- plan files: party numbers in range, names as the roster's -----------------------------------

@pytest.mark.parametrize("number,shown", [
    ("100000000000000000000", "100000000000000000000"), ("-3", "-3"), ("0", "0"), ("10001", "10001"),
    ("1.5", "1.5"), ('"1"', '"1"'), ("true", "true"), ("1e400", "Infinity"), ("null", "null"),
    ("[[1]]", "[[1]]"),
], ids=["10**20", "negative", "zero", "above-max", "float", "text", "bool", "inf", "null", "list"])
def test_a_plan_with_an_absurd_party_number_is_one_line(tmp_path, number, shown):
    sheet = tmp_path / "signup.csv"
    sheet.write_text(SHEET)
    plan = tmp_path / "plan.json"
    members = '[{"name": "Aelin.1234", "build": "firebrand-support"}, {"name": "Bran.5678", "build": "scourge-strip"}]'
    plan.write_text('{"parties": [{"number": ' + number + ', "members": ' + members + '}]}')
    expected = (f"{plan}: parties[0] (Aelin.1234 and 1 more).number: expected a party number from 1 to {MAX_PARTY},"
                f" got {shown}")
    assert one_line(warclaw("score", str(sheet), str(plan))) == f"warclaw: {expected}"
    assert one_line(warclaw("optimize", str(sheet), "--previous", str(plan))) == f"warclaw: {expected}"


@pytest.mark.parametrize("member,expected", [
    ('{"name": "' + "x" * 100_000 + '", "build": "firebrand-support"}',
     "parties[0].members[0].name: expected at most 80 characters, got 100000"),
    ('{"name": "A\\u001b]0;owned\\u0007", "build": "firebrand-support"}',
     "parties[0].members[0].name: must not contain control characters (found ␛)"),
    ('{"name": "Aelin.1234", "build": "fire\\nbrand"}',
     "parties[0].members[0] (Aelin.1234).build: must not contain control characters (found ␊)"),
], ids=["long-name", "escape-name", "newline-build"])
def test_a_plan_member_name_or_build_is_checked_as_the_rosters(tmp_path, member, expected):
    sheet = tmp_path / "signup.csv"
    sheet.write_text(SHEET)
    plan = tmp_path / "plan.json"
    plan.write_text('{"parties": [{"number": 1, "members": [' + member + ']}]}')
    one_line(warclaw("score", str(sheet), str(plan)), str(plan), expected)


@pytest.mark.parametrize("text,expected", [
    ('name = "raid"\n' + player("A"), None),  # a file's own name: optimize ignored it, import refused it
    (player("A", lock_build='"scourge"'), "players[0] (A).lock_build: 'scourge' is not one of the player's builds ['firebrand']"),
    (player("A", commander='"yes"'), "players[0] (A).commander: expected true or false"),
    (player("A", **{"with": '["A"]'}), "players (A).with: a player cannot be 'with' themselves"),
    ('[[players]]\nname = "A"\nbuilds = ["firebrand", ""]\n', "players[0] (A).builds: '': expected a non-empty string"),
], ids=["file-name", "lock-build", "flag", "with-self", "empty-build"])
def test_import_and_optimize_accept_and_refuse_the_same_roster_files(tmp_path, db, text, expected):
    f = tmp_path / "r.toml"
    f.write_text(text)
    opt, imp = warclaw("optimize", str(f), "--time-limit", "2"), warclaw("--db", db, "roster", "import", str(f))
    if expected is None:
        assert opt.returncode == imp.returncode == 0, opt.stderr + imp.stderr
        return
    assert one_line(opt) == one_line(imp) == f"warclaw: {f}: {expected}"
