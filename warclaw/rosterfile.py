r"""Roster files: the engine's TOML and a CSV that sign-up sheets can be pasted into.

CSV columns (header row required, any order, case-insensitive, each once): ``name``, ``builds``
(separated by ``;`` or ``/``, preference order), and optionally ``commander``, ``lock_party``,
``lock_build``, ``with`` (names separated by ``;`` or ``/``; a name holding one of them is written
with a backslash before it, ``Foo\;Bar``), ``present``. Flags accept yes/no, true/false, 1/0, x or
empty. A row with more cells than the header is refused, not cut. Every problem names the file,
the row and the column. A cell that a spreadsheet would run as a formula (``=``, ``+``, ``-``,
``@``, tab, CR first) is exported behind a ``'`` and read back without it.

A roster read from a file gets every check ``optimize`` makes (the engine's own validation,
locks against the party count, ``with`` groups against the party size), so nothing is stored that
the optimizer would refuse later.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import tomli_w

from warclaw.common import clean
from warclaw.engine import Catalog, InfeasibleRoster, Roster, roster_from_mapping
from warclaw.engine.problem import build_problem
from warclaw.engine.roster import player_from_mapping
from warclaw.engine.solver import resolve_mode
from warclaw.errors import UserError
from warclaw.files import read_text, read_toml

CSV_COLUMNS = ["name", "builds", "commander", "lock_party", "lock_build", "with", "present"]
_EXTRA = "\x00extra"  # DictReader's key for cells past the header
TRUE = {"yes", "y", "true", "1", "x"}
FALSE = {"no", "n", "false", "0", ""}


def _flag(value: str, where: str) -> bool:
    v = value.strip().lower()
    if v in TRUE:
        return True
    if v in FALSE:
        return False
    raise UserError(f"{where}: expected yes or no, got {clean(value, 40)!r}")


_SEPARATORS = ";/"


def _list(value: str) -> list[str]:
    """A cell's names split at ``;`` or ``/``; a backslash keeps the next separator (or backslash) in a name."""
    parts, cur, chars = [], [], iter(value)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            cur.append(nxt if nxt and nxt in _SEPARATORS + "\\" else ch + nxt)
        elif ch in _SEPARATORS:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return [part.strip() for part in parts if part.strip()]


def _join(names: list[str]) -> str:
    """The inverse of :func:`_list`, for any name."""
    return ";".join(re.sub(r"([;/\\])", r"\\\1", n) for n in names)


# A cell a spreadsheet would run as a formula (CSV injection): exported with a leading ' (the
# spreadsheets' own "text" mark), which an import drops again, so the round trip stays exact.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_QUOTE = "'"


def guard_cell(value: str) -> str:
    """The cell as exported: a leading ' before a formula character, and before a ' that an import
    would otherwise take for the mark (so ``'=x`` comes back as ``'=x``)."""
    if value.startswith(FORMULA_START) or (value.startswith(_QUOTE) and unguard_cell(value) != value):
        return _QUOTE + value
    return value


def unguard_cell(value: str) -> str:
    """The inverse of :func:`guard_cell`: ``'=x`` is ``=x``, ``''=x`` is ``'=x``; a name such as
    ``'Tis`` (a ' before anything else) is kept as it is."""
    if len(value) > 1 and value[0] == _QUOTE and (value[1] == _QUOTE or value[1:].startswith(FORMULA_START)):
        return value[1:]
    return value


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

    reader = csv.DictReader(io.StringIO(text), restkey=_EXTRA)
    try:
        fieldnames = reader.fieldnames
    except csv.Error as e:
        raise UserError(f"{source}: row 1: not a readable CSV row: {e}") from None
    if not fieldnames:
        raise UserError(f"{source}: empty CSV; expected a header row with at least name,builds")
    named = [c.strip().lower() for c in fieldnames if c and c.strip()]
    twice = sorted({c for c in named if named.count(c) > 1})
    if twice:
        raise UserError(f"{source}: CSV header has column {clean(twice[0], 40)!r} twice; each column may appear once")
    columns = {c.strip().lower(): c for c in fieldnames if c and c.strip()}
    missing = [c for c in ("name", "builds") if c not in columns]
    if missing:
        raise UserError(f"{source}: CSV header lacks column {missing[0]!r}; expected: {', '.join(CSV_COLUMNS)}")
    unknown = sorted(set(columns) - set(CSV_COLUMNS))
    if unknown:
        raise UserError(f"{source}: unknown CSV column {clean(unknown[0], 40)!r}; expected: {', '.join(CSV_COLUMNS)}")
    unnamed = [c for c in fieldnames if not (c and c.strip())]
    players = []
    for row in _rows(reader, source):
        row_no = reader.line_num  # DictReader skips blank lines; this is the sheet's own line
        def cell(col: str, row=row) -> str:
            return unguard_cell((row.get(columns[col]) or "").strip()) if col in columns else ""

        extra = [v for v in row.get(_EXTRA, []) if v.strip()] + [row[c] for c in unnamed if (row.get(c) or "").strip()]
        if extra:
            raise UserError(f"{source}: row {row_no}: {len(extra)} cell(s) beyond the header's columns "
                            f"({clean(extra[0], 40)!r}); add a column name or remove the cell")
        if not any((v or "").strip() for k, v in row.items() if isinstance(v, str)):
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
                bad(f"{where}, column lock_party: expected a party number, got {clean(cell('lock_party'), 40)!r}")
        if cell("lock_build"):
            p["lock_build"] = cell("lock_build")
        if cell("with"):
            p["with"] = _list(cell("with"))
        players.append(p)
        rows.append(row_no)
    return {"players": players}, rows


def _rows(reader: csv.DictReader, source: str) -> Iterator[dict[str, Any]]:
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error as e:  # e.g. a cell over the csv module's 131,072 characters
            raise UserError(f"{source}: row {reader.line_num + 1}: not a readable CSV row: {e}") from None
        yield row


def roster_to_csv(data: dict[str, Any]) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for p in data.get("players", []):
        w.writerow([guard_cell(str(c)) for c in (
            p["name"], _join(p["builds"]), "yes" if p.get("commander") else "", p.get("lock_party") or "",
            p.get("lock_build") or "", _join(p.get("with", [])), "" if p.get("present", True) else "no")])
    return out.getvalue()


@dataclass(frozen=True)
class RosterFile:
    """A roster file read and checked field by field: its mapping (the roster TOML's shape), the
    engine's roster, and for a sheet the line of each player (messages name rows, not indexes)."""

    path: Path
    data: dict[str, Any]
    roster: Roster
    rows: list[int] | None

    def where(self, message: str) -> str:
        return _where(message, self.rows)


def _where(message: str, rows: list[int] | None) -> str:
    """A sheet's row, not the index in the parsed list."""
    return re.sub(r"players\[(\d+)\]", lambda m: f"row {rows[int(m.group(1))]}", message) if rows else message


def is_csv(path: Path) -> bool:
    """A sign-up sheet: a ``.csv`` name, or (a regular file named neither ``.csv`` nor ``.toml``,
    e.g. ``signup.txt``) one whose first line is a CSV header with the columns name and builds."""
    suffix = path.suffix.lower()
    if suffix in (".csv", ".toml"):
        return suffix == ".csv"
    try:
        if not path.is_file():
            return False  # a pipe is read once, as TOML (read_toml names any problem)
        with open(path, "rb") as fh:
            first = fh.read(4096).decode("utf-8", "replace").removeprefix("\ufeff").lstrip().partition("\n")[0]
    except OSError:
        return False
    cells = {c.strip().strip('"').lower() for c in first.split(",")}
    return {"name", "builds"} <= cells


def load_roster_file(path: str | Path, catalog: Catalog) -> RosterFile:
    """A .toml or .csv roster (by its extension; a .toml or any other name is read as TOML) with the
    engine's checks of every field: what ``optimize`` reads and ``roster import`` stores. Every bad
    row is named, one line each (a sign-up sheet is fixed in one go, not one error at a time)."""
    p = Path(path)
    problems: list[str] = []
    rows: list[int] | None = None
    if is_csv(p):
        text = read_text(p, "roster", encoding="utf-8-sig")  # sheets saved by Excel start with a BOM
        data, rows = _csv_rows(text, str(p), problems)
    else:
        data = read_toml(p, "roster")
    players = data.get("players") if isinstance(data, dict) else None
    if isinstance(players, list):
        for i, player in enumerate(players):
            try:
                player_from_mapping(player, catalog, f"{p}: players[{i}]")
            except UserError as e:
                problems.append(_where(str(e), rows))
    roster = None
    if not problems:
        try:
            roster = roster_from_mapping(data, catalog, source=str(p))
        except UserError as e:
            problems.append(_where(str(e), rows))
    if problems or roster is None:
        raise UserError("\n".join(problems))
    return RosterFile(p, data, roster, rows)


def read_roster_file(path: str | Path, catalog: Catalog, default_mode: str | None = None) -> dict[str, Any]:
    """A roster mapping from a .toml or .csv file, with every check the optimizer would make
    (``default_mode`` when the roster names none, as ``optimize`` would use): the fields
    (:func:`load_roster_file`), then the locks and ``with`` groups of the present players."""
    f = load_roster_file(path, catalog)
    try:
        check_feasible(f.roster, catalog, str(f.path), default_mode)
    except InfeasibleRoster as e:
        raise InfeasibleRoster(f.where(str(e))) from None  # exit status 3, as optimize
    return f.data


def check_feasible(roster: Roster, catalog: Catalog, source: str, default_mode: str | None = None) -> None:
    """The locks and ``with`` groups of the present players against the party count and size."""
    if not any(p.present for p in roster.players):
        return  # nobody to plan yet (e.g. a guild imported as absent): the locks are checked when they come
    mode = resolve_mode(catalog, roster, default_mode)
    try:
        build_problem(roster.present(), catalog, mode)
    except InfeasibleRoster as e:
        raise InfeasibleRoster(f"{source}: infeasible roster: {e}") from None


def roster_text(data: dict[str, Any], path: Path) -> str:
    """The file's text: CSV for a .csv name, the roster TOML otherwise."""
    return roster_to_csv(data) if path.suffix.lower() == ".csv" else tomli_w.dumps(data)


def write_roster_file(data: dict[str, Any], path: str | Path) -> None:
    p = Path(path)
    text = roster_text(data, p)
    # A file is written beside its real path and renamed over it, so a full disk leaves the old
    # file whole, never half a new one; a device or pipe (/dev/stdout) is written to as it is.
    target = Path(os.path.realpath(p))
    tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
    try:
        if p.exists() and not p.is_file():
            with open(p, "w", encoding="utf-8") as fh:
                fh.write(text)
            return
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, target)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise UserError(f"{p}: cannot write roster file: {e.strerror or e}") from None
