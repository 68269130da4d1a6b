"""Roster files: TOML and sign-up CSV in and out of the database, through the real CLI."""

import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from warclaw.common import name_problem
from warclaw.errors import UserError
from warclaw.rosterfile import read_roster_file, roster_from_csv, roster_to_csv

SHEET = """Name,Builds,Commander,Lock_Party,With,Present
Aelin.1234,firebrand; scrapper-heal,yes,1,,
Bran.5678,herald-boon/ reaper,,,Aelin.1234,
,,,,,
Cora.9,scourge-strip,no,,,no
"""


def test_csv_sheet_parses_with_flags_lists_and_blank_lines(catalog, tmp_path):
    path = tmp_path / "signup.csv"
    path.write_text(SHEET)
    data = read_roster_file(path, catalog)
    assert data["players"] == [
        {"name": "Aelin.1234", "builds": ["firebrand", "scrapper-heal"], "commander": True, "lock_party": 1},
        {"name": "Bran.5678", "builds": ["herald-boon", "reaper"], "with": ["Aelin.1234"]},
        {"name": "Cora.9", "builds": ["scourge-strip"], "commander": False, "present": False},
    ]
    assert roster_from_csv(roster_to_csv(data), "x")["players"][1] == data["players"][1]


@pytest.mark.parametrize("text,message", [
    ("builds\nfirebrand\n", "CSV header lacks column 'name'"),
    ("name,builds,colour\nA,firebrand,red\n", "unknown CSV column 'colour'"),
    ("name,builds,commander\nA,firebrand,maybe\n", "row 2, column commander: expected yes or no, got 'maybe'"),
    ("name,builds,lock_party\nA,firebrand,first\n", "row 2, column lock_party: expected a party number"),
    ("name,builds\n\nA,nope\n", "row 3 (A).builds: 'nope' is neither a catalog build id nor a spec name"),
])
def test_bad_csv_names_row_and_column(catalog, tmp_path, text, message):
    path = tmp_path / "s.csv"
    path.write_text(text)
    with pytest.raises(UserError) as e:
        read_roster_file(path, catalog)
    assert message in str(e.value) and "\n" not in str(e.value)


def test_import_export_round_trip_through_the_database(tmp_path):
    db = tmp_path / "w.db"
    sheet = tmp_path / "raid.csv"
    sheet.write_text(SHEET)

    def run(*args):
        return subprocess.run([sys.executable, "-m", "warclaw", "--db", str(db), "roster", *args],
                              capture_output=True, text=True)

    assert run("import", str(sheet)).returncode == 0
    out = tmp_path / "raid.toml"
    exported = run("export", str(out))
    assert exported.returncode == 0, exported.stderr
    assert 'name = "Cora.9"' in out.read_text() and "present = false" in out.read_text()
    listed = run("list")
    assert "raid" in listed.stdout and "2/3" in listed.stdout
    missing = run("show", "nope")
    assert missing.returncode == 1 and "Traceback" not in missing.stderr


def test_every_bad_row_is_named_at_once(catalog, tmp_path):
    path = tmp_path / "s.csv"
    path.write_text("name,builds,commander,lock_party\nA,firebrand,maybe,\nB,nope,,\nC,firebrand,,first\nD,firebrand,,\n")
    with pytest.raises(UserError) as e:
        read_roster_file(path, catalog)
    lines = str(e.value).splitlines()
    assert lines == [
        f"{path}: row 2, column commander: expected yes or no, got 'maybe'",
        f"{path}: row 4, column lock_party: expected a party number, got 'first'",
        f"{path}: row 3 (B).builds: 'nope' is neither a catalog build id nor a spec name",
    ]


# --- formula injection: guarded on export, exact on re-import --------------------------------------

FORMULA_NAMES = ["=HYPERLINK(\"http://x\",\"y\")", "+1", "-2", "@SUM(A1)", "'=already", "''=twice", "'Tis.1234",
                 "'", "''", "a=b", "=1,2"]


def _cells(text: str) -> list[str]:
    import csv
    import io

    return [c for row in list(csv.reader(io.StringIO(text)))[1:] for c in row]


def test_formula_cells_are_neutralised_on_export_and_read_back_exactly():
    from warclaw.rosterfile import FORMULA_START

    data = {"players": [{"name": n, "builds": ["firebrand"], "lock_build": "firebrand",
                         "with": [m for m in FORMULA_NAMES if m != n][:2]} for n in FORMULA_NAMES]}
    text = roster_to_csv(data)
    assert not [c for c in _cells(text) if c.startswith(FORMULA_START)]
    assert '"\'=HYPERLINK(""http://x"",""y"")"' in text and "'Tis.1234" in text and "''Tis" not in text
    assert roster_from_csv(text, "x")["players"] == [
        {k: v for k, v in p.items()} for p in data["players"]]


def test_a_typed_quote_before_a_formula_character_is_the_spreadsheets_text_mark():
    sheet = "name,builds\n'=A.1234,firebrand\n'Tis.1234,'-x\n"
    assert [(p["name"], p["builds"]) for p in roster_from_csv(sheet, "x")["players"]] == [
        ("=A.1234", ["firebrand"]), ("'Tis.1234", ["-x"])]


_NAME_CHARS = st.characters(blacklist_categories=("Cc", "Cf", "Zl", "Zp", "Cs"))
_names = st.text(_NAME_CHARS, min_size=1, max_size=20).map(str.strip).filter(lambda n: n and name_problem(n) is None)
_names = st.one_of(_names, st.tuples(st.sampled_from(["=", "+", "-", "@", "'", "''", "'=", "\\", ";", "/"]), _names)
                   .map("".join).filter(lambda n: name_problem(n) is None))


@settings(max_examples=300, deadline=None)
@given(st.lists(_names, min_size=1, max_size=8, unique=True), st.data())
def test_csv_round_trip_is_exact_and_formula_free_for_any_names(names, data):
    from warclaw.rosterfile import FORMULA_START

    players = []
    for n in names:
        p = {"name": n, "builds": data.draw(st.lists(_names, min_size=1, max_size=3))}
        withs = data.draw(st.lists(st.sampled_from(names), max_size=3, unique=True))
        if withs:
            p["with"] = withs
        if data.draw(st.booleans()):
            p["lock_build"] = p["builds"][0]
        players.append(p)
    text = roster_to_csv({"players": players})
    assert not [c for c in _cells(text) if c.startswith(FORMULA_START)]
    assert roster_from_csv(text, "sheet.csv")["players"] == players
