"""The readers' SQL, spelt with the ORM's table and column names, without SQLAlchemy.

A query names a column as ``matches.api_id`` through ``Table("matches").api_id``, checked against
:mod:`warclaw.store.columns` (generated from :mod:`warclaw.store.models`, the one hand-written
schema): a name the models do not have raises :class:`SchemaMismatch` when the query is built,
naming the table and the column, instead of an SQL error at run time or a value read from the
wrong place. A :class:`Select` gives the ``SELECT`` list and reads each row by its labels, every
value decoded by its column's kind (instants as aware UTC datetimes, JSON decoded, booleans as
bool) exactly as the ORM returns it, so no query reads a row by position.

Plain SQL text comes out (``str()`` of a table or a column), portable between SQLite and
PostgreSQL, with the readers' ``?`` placeholders.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from warclaw.store.columns import TABLES
from warclaw.store.reader import Reader, from_db_json, from_db_time


class SchemaMismatch(LookupError):
    """A reader's query names a table or column that :mod:`warclaw.store.models` does not have."""


def _bool(value: Any) -> bool | None:
    return None if value is None else bool(value)  # SQLite stores 0/1


# How a stored value of each kind becomes what the ORM returns (None: as the driver gives it).
DECODERS: dict[str, Callable[[Any], Any] | None] = {
    "time": from_db_time, "json": from_db_json, "bool": _bool, "int": None, "float": None, "str": None,
}


@dataclass(frozen=True, slots=True)
class Column:
    """A column of a table (or an expression over columns), with the label it is read back by."""

    sql: str  # e.g. "e.kind", or "count(*)"
    label: str
    kind: str

    def __str__(self) -> str:
        return self.sql

    def as_(self, label: str) -> Column:
        return replace(self, label=label)


def expr(sql: str, label: str, kind: str) -> Column:
    """An SQL expression read as a column of ``kind`` (e.g. ``max(...)`` of a time column)."""
    if kind not in DECODERS:
        raise SchemaMismatch(f"expression {label!r}: unknown kind {kind!r}; expected one of {sorted(DECODERS)}")
    return Column(sql, label, kind)


class Table:
    """A table of the models, optionally under an alias: ``Table("events", "e").kind`` is ``e.kind``."""

    __slots__ = ("_alias", "_columns", "_name")

    def __init__(self, name: str, alias: str | None = None):
        columns = TABLES.get(name)
        if columns is None:
            raise SchemaMismatch(f"warclaw.store.models has no table {name!r}")
        self._name = name
        self._alias = alias
        self._columns = columns

    def __getattr__(self, column: str) -> Column:
        if column.startswith("__"):
            raise AttributeError(column)
        kind = self._columns.get(column)
        if kind is None:
            raise SchemaMismatch(f"table {self._name} of warclaw.store.models has no column {column!r}")
        return Column(f"{self._alias or self._name}.{column}", column, kind)

    def __str__(self) -> str:
        """The table in a FROM clause: ``events e`` (aliased) or ``events``."""
        return f"{self._name} {self._alias}" if self._alias else self._name

    def columns(self, *names: str) -> tuple[Column, ...]:
        return tuple(getattr(self, n) for n in names)


class Select:
    """A ``SELECT`` list whose rows are read by label: ``sql`` is ``SELECT a AS x, ...``, and
    :meth:`record` turns a row into ``{label: decoded value}``."""

    __slots__ = ("_decoded", "columns", "labels", "sql")

    def __init__(self, *columns: Column):
        labels = [c.label for c in columns]
        twice = sorted({lb for lb in labels if labels.count(lb) > 1})
        if twice:
            raise SchemaMismatch(f"a query reads the label {twice[0]!r} twice; give one of them another with as_()")
        self.columns = columns
        self.labels = tuple(labels)
        self.sql = "SELECT " + ", ".join(f'{c.sql} AS "{c.label}"' for c in columns)
        # Only the columns whose stored value differs from what the ORM returns are touched.
        self._decoded = tuple((c.label, i, decode) for i, c in enumerate(columns)
                              if (decode := DECODERS[c.kind]) is not None)

    def record(self, row: Sequence[Any]) -> dict[str, Any]:
        # The row's cells are in the order of this very list (the SQL was written from it).
        out = dict(zip(self.labels, row, strict=True))  # a row of another length: ValueError
        for label, i, decode in self._decoded:
            out[label] = decode(row[i])
        return out

    def all(self, reader: Reader, rest: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Every row of ``SELECT ... <rest>`` (``rest`` from FROM on), as records."""
        return [self.record(r) for r in reader.rows(f"{self.sql} {rest}", params)]

    def one(self, reader: Reader, rest: str, params: Sequence[Any] = ()) -> dict[str, Any] | None:
        row = reader.row(f"{self.sql} {rest}", params)
        return None if row is None else self.record(row)
