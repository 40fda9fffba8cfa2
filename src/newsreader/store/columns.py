"""Query results made into rows by column name, never by position.

A SELECT that makes rows of :mod:`newsreader.rows` names each column after a field of
the row (``coalesce(src.name, a.publisher) AS source``), and :func:`make` passes the
columns to the row by those names. So a new column is one entry in the SELECT list
plus the field; a column that is no field, or a field that no column gives, fails
on the first call (and ``tests/test_store_columns.py`` checks every SELECT against
its row type).

SQLite has no booleans: a field declared ``bool`` gets ``bool(value)``. A row inside
a row takes the columns named ``"<field>.<name>"`` (see :func:`nested`).

SQL is composed here from this package's constants only; values are always bound
parameters.
"""

from __future__ import annotations

import sqlite3
from typing import Any, TypeVar

__all__ = ["make", "nested", "records"]

R = TypeVar("R")


def records(cursor: sqlite3.Cursor) -> list[dict[str, Any]]:
    """Every row of an executed query, as ``{column name: value}``."""
    names = [column[0] for column in cursor.description]
    return [dict(zip(names, values, strict=True)) for values in cursor]


_BOOLEANS: dict[type, tuple[str, ...]] = {}


def _booleans(row_type: type) -> tuple[str, ...]:
    """The fields of ``row_type`` declared ``bool`` (looked up once per type)."""
    found = _BOOLEANS.get(row_type)
    if found is None:
        # A named tuple keeps its postponed annotations as ForwardRef("bool").
        annotations = row_type.__annotations__.items()
        found = _BOOLEANS[row_type] = tuple(
            name
            for name, kind in annotations
            if getattr(kind, "__forward_arg__", kind) in ("bool", bool)
        )
    return found


def make(row_type: type[R], record: dict[str, Any]) -> R:
    """The row of type ``row_type`` whose fields are the columns of ``record`` (whose
    booleans it converts in place)."""
    for name in _booleans(row_type):
        if name in record:
            record[name] = bool(record[name])
    return row_type(**record)


def nested(record: dict[str, Any], field: str) -> dict[str, Any]:
    """Take the columns ``"<field>.<name>"`` out of ``record``, as ``{name: value}``:
    the fields of the row that ``field`` holds."""
    prefix = field + "."
    return {
        name.removeprefix(prefix): record.pop(name)
        for name in [name for name in record if name.startswith(prefix)]
    }
