"""Roster files: the engine's TOML and a CSV that sign-up sheets can be pasted into.

CSV columns (header row required, any order, case-insensitive): ``name``, ``builds`` (separated
by ``;`` or ``/``, preference order), and optionally ``commander``, ``lock_party``,
``lock_build``, ``with`` (names separated by ``;``), ``present``. Flags accept yes/no, true/false,
1/0, x or empty. Every problem names the file, the row and the column.
"""

from __future__ import annotations

import csv
import io
import re
from pathlib import Path
from typing import Any

import tomli_w

from warclaw.engine import Catalog, roster_from_mapping
from warclaw.engine.roster import player_from_mapping
from warclaw.errors import UserError
from warclaw.files import read_text, read_toml

CSV_COLUMNS = ["name", "builds", "commander", "lock_party", "lock_build", "with", "present"]
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}


def _flag(value: str, where: str) -> bool:
    v = value.strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise UserError(f"{where}: expected yes or no, got {value!r}")


def _list(value: str) -> list[str]:
    return [part.strip() for part in re.split(r"[;/]", value) if part.strip()]


def roster_from_csv(text: str, source: str) -> dict[str, Any]:
    return _csv_rows(text, source)[0]


def _csv_rows(text: str, source: str, problems: list[str] | None = None) -> tuple[dict[str, Any], list[int]]:
    """The sheet's players and their line numbers. With ``problems``, a bad cell is noted there and
    the row kept without it, so that one pass names every bad row; without, the first one raises."""
    rows: list[int] = []

    def bad(message: str) -> None:
        if problems is None:
            raise UserError(message)
        problems.append(message)

    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames:
        raise UserError(f"{source}: empty CSV; expected a header row with at least name,builds")
    columns = {c.strip().lower(): c for c in reader.fieldnames if c}
    missing = [c for c in ("name", "builds") if c not in columns]
    if missing:
        raise UserError(f"{source}: CSV header lacks column {missing[0]!r}; expected: {', '.join(CSV_COLUMNS)}")
    unknown = sorted(set(columns) - set(CSV_COLUMNS))
    if unknown:
        raise UserError(f"{source}: unknown CSV column {unknown[0]!r}; expected: {', '.join(CSV_COLUMNS)}")
    players = []
    for row in reader:
        row_no = reader.line_num  # DictReader skips blank lines; this is the sheet's own line
        def cell(col: str, row=row) -> str:
            return (row.get(columns[col]) or "").strip() if col in columns else ""

        if not any((v or "").strip() for v in row.values() if isinstance(v, str)):
            continue  # blank lines in pasted sheets
        where = f"{source}: row {row_no}"
        p: dict[str, Any] = {"name": cell("name"), "builds": _list(cell("builds"))}
        for flag in ("commander", "present"):
            if cell(flag):
                try:
                    p[flag] = _flag(cell(flag), f"{where}, column {flag}")
                except UserError as e:
                    bad(str(e))
        if cell("lock_party"):
            try:
                p["lock_party"] = int(cell("lock_party"))
            except ValueError:
                bad(f"{where}, column lock_party: expected a party number, got {cell('lock_party')!r}")
        if cell("lock_build"):
            p["lock_build"] = cell("lock_build")
        if cell("with"):
            p["with"] = _list(cell("with"))
        players.append(p)
        rows.append(row_no)
    return {"players": players}, rows


def roster_to_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for p in data.get("players", []):
        w.writerow([p["name"], ";".join(p["builds"]), "yes" if p.get("commander") else "",
                    p.get("lock_party") or "", p.get("lock_build") or "", ";".join(p.get("with", [])),
                    "" if p.get("present", True) else "no"])
    return out.getvalue()


def read_roster_file(path: str | Path, catalog: Catalog) -> dict[str, Any]:
    """A roster mapping from a .toml or .csv file, validated against the catalog. Every bad row is
    named, one line each (a sign-up sheet is fixed in one go, not one error at a time)."""
    p = Path(path)
    problems: list[str] = []
    rows: list[int] | None = None
    if p.suffix.lower() == ".csv":
        text = read_text(p, "roster", encoding="utf-8-sig")  # sheets saved by Excel start with a BOM
        data, rows = _csv_rows(text, str(p), problems)
    else:
        data = read_toml(p, "roster")

    def where(message: str) -> str:  # a sheet's row, not the index in the parsed list
        return re.sub(r"players\[(\d+)\]", lambda m: f"row {rows[int(m.group(1))]}", message) if rows else message

    players = data.get("players") if isinstance(data, dict) else None
    if isinstance(players, list):
        for i, player in enumerate(players):
            try:
                player_from_mapping(player, catalog, f"{p}: players[{i}]")
            except UserError as e:
                problems.append(where(str(e)))
    if not problems:
        try:
            roster_from_mapping(data, catalog, source=str(p))  # every check the optimizer would make
        except UserError as e:
            problems.append(where(str(e)))
    if problems:
        raise UserError("\n".join(problems))
    return data


def roster_text(data: dict[str, Any], path: Path) -> str:
    """The file's text: CSV for a .csv name, the roster TOML otherwise."""
    return roster_to_csv(data) if path.suffix.lower() == ".csv" else tomli_w.dumps(data)


def write_roster_file(data: dict[str, Any], path: str | Path) -> None:
    p = Path(path)
    text = roster_text(data, p)
    try:
        p.write_text(text, encoding="utf-8")
    except OSError as e:
        raise UserError(f"{p}: cannot write roster file: {e.strerror}") from None
