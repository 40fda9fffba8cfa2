"""What commands print: one table of formats for lists, one for documents, one ``emit``.

A command that lists things builds a :class:`Listing` (its items, how each becomes a
JSON object, and the table's columns) and calls :func:`emit`; ``open`` calls
:func:`emit_document`. The argument parser takes its ``--format`` choices from
:data:`LIST_FORMATS` and :data:`DOCUMENT_FORMATS`, so adding a format is one function
and one entry in a table here.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Generic, NamedTuple, TypeVar

if TYPE_CHECKING:
    from newsreader.models import Comment, Document
    from newsreader.table import Column

__all__ = [
    "DOCUMENT_FORMATS",
    "LIST_FORMATS",
    "Details",
    "Field",
    "Listing",
    "emit",
    "emit_document",
    "json_text",
    "write",
]

T = TypeVar("T")


def write(text: str) -> None:
    """Write to stdout (the reader of a pipe may leave: cli.py handles BrokenPipe)."""
    import sys

    sys.stdout.write(text)
    sys.stdout.flush()


def json_text(data: Any) -> str:
    """The project's JSON: UTF-8 as is (no ``\\u`` escapes), indented, one trailing newline."""
    return json.dumps(data, ensure_ascii=False, indent=2) + "\n"


class Field(NamedTuple, Generic[T]):
    """One column of a table: its heading and how an item fills it."""

    column: Column
    cell: Callable[[T], str]
    spans: Callable[[T], Sequence[tuple[int, int]]] | None = None
    """The parts of the cell to highlight (a search match), for a ``marked`` column."""


class Listing(NamedTuple, Generic[T]):
    """Something a command lists, in every list format."""

    items: Sequence[T]
    record: Callable[[T], Any]
    """The JSON value of one item."""
    fields: Sequence[Field[T]]
    """The table's columns."""
    empty: str = ""
    """What the table says when there is nothing (JSON says ``[]``)."""
    footer: Sequence[Sequence[str]] = ()
    """Table rows after the items (totals)."""
    document: Callable[[list[Any]], Any] | None = None
    """For JSON, wraps the records (``{"sections": [...], "totals": ...}``)."""


class Details(NamedTuple):
    """One thing described: aligned label/value lines in a table, an object in JSON."""

    record: Mapping[str, object]
    lines: Sequence[tuple[str, str]]


def _table(listing: Listing[Any] | Details) -> str:
    from newsreader.table import render_table

    if isinstance(listing, Details):
        width = max((len(label) for label, _ in listing.lines), default=0)
        return "".join(f"{label.ljust(width)}  {value}\n" for label, value in listing.lines)
    if not listing.items and listing.empty:
        return listing.empty + "\n"
    rows = [[field.cell(item) for field in listing.fields] for item in listing.items]
    marks = [
        [tuple(field.spans(item)) if field.spans else () for field in listing.fields]
        for item in listing.items
    ]
    rows += [list(row) for row in listing.footer]
    return render_table([field.column for field in listing.fields], rows, marks=marks)


def _json(listing: Listing[Any] | Details) -> str:
    if isinstance(listing, Details):
        return json_text(listing.record)
    records = [listing.record(item) for item in listing.items]
    return json_text(listing.document(records) if listing.document else records)


LIST_FORMATS: dict[str, Callable[[Listing[Any] | Details], str]] = {
    "table": _table,
    "json": _json,
}
"""``--format`` of the commands that list things; the first is the default."""


def emit(listing: Listing[Any] | Details, fmt: str) -> None:
    """Print ``listing`` in ``fmt`` (one of :data:`LIST_FORMATS`)."""
    write(LIST_FORMATS[fmt](listing))


def _markdown(document: Document, comments: Sequence[Comment] | None = None) -> str:
    from newsreader.render import render

    return render(document, markdown=True, comments=comments)


def _text(document: Document, comments: Sequence[Comment] | None = None) -> str:
    from newsreader.render import render

    return render(document, markdown=False, comments=comments)


def _document_json(document: Document, comments: Sequence[Comment] | None = None) -> str:
    from newsreader.render import document_json

    return json_text(document_json(document, comments))


DOCUMENT_FORMATS: dict[str, Callable[..., str]] = {
    "md": _markdown,
    "text": _text,
    "json": _document_json,
}
"""``--format`` of ``open``; the first is the default. Each takes the document and,
for an article, its comments (None: not asked for)."""


def emit_document(document: Document, fmt: str, comments: Sequence[Comment] | None = None) -> None:
    """Print one article or feed in ``fmt`` (one of :data:`DOCUMENT_FORMATS`), with
    the article's ``comments`` when they were asked for."""
    write(DOCUMENT_FORMATS[fmt](document, comments))
