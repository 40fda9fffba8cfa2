"""The store's SELECT lists name the fields of the rows they make: every one of them,
checked against its row type, so that a column and a field that drift apart fail here
first."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from newsreader.models import Article
from newsreader.rows import (
    ArticleRef,
    Headline,
    SearchHit,
    SectionCount,
    SourceState,
    StoredArticle,
    Totals,
)
from newsreader.store import Store
from newsreader.store.articles import HEADLINES, REFS, SECTIONS, STARRED_REFS, STORED, TOTALS
from newsreader.store.columns import make, nested
from newsreader.store.search import hits_sql
from newsreader.store.sources import SOURCES


def fields(row_type: type) -> set[str]:
    return set(row_type._fields)  # type: ignore[attr-defined]  # a named tuple


ARTICLE = {f"article.{name}" for name in Article._fields} - {"article.kind"}
"""An article's own fields in a StoredArticle row (``kind`` is always "article")."""

MARKED = {
    f"{kind}_{column}" for kind in ("marked", "written") for column in ("title", "lede", "text")
}
"""The columns of a hit its snippet is made from (see store/query.py make_snippet)."""

SELECTS = {
    "sources": (SOURCES, fields(SourceState)),
    "list rows": (REFS, fields(ArticleRef)),
    "starred list rows": (STARRED_REFS, fields(ArticleRef)),
    "headlines": (HEADLINES, fields(Headline) | {"rid"}),
    "one article": (STORED, fields(StoredArticle) - {"article"} | ARTICLE),
    "sections": (SECTIONS, fields(SectionCount)),
    "totals": (TOTALS, fields(Totals)),
    "search hits": (hits_sql("search"), fields(SearchHit) - {"highlights", "snippet"} | MARKED),
    "unindexed hits": (
        hits_sql("unindexed"),
        fields(SearchHit) - {"highlights", "snippet"} | MARKED,
    ),
}
"""What each SELECT returns: its row type's fields, except those made from other
columns (a hit's highlights come out of its snippet), and the columns used to order."""


@pytest.fixture
def conn(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    with Store.open(tmp_path / "newsreader.db", notice=None) as store:
        connection = store._connection()
        # What a search of a cache that cannot be written builds in memory.
        connection.execute(
            "CREATE TABLE temp.unindexed_text (rid INTEGER PRIMARY KEY, title, lede, text,"
            " written_title, written_lede, written_text)"
        )
        connection.execute("CREATE VIRTUAL TABLE temp.unindexed USING fts5(title, lede, text)")
        yield connection


@pytest.mark.parametrize("name", SELECTS)
def test_every_select_returns_the_fields_of_its_row(conn: sqlite3.Connection, name: str) -> None:
    sql, expected = SELECTS[name]
    query = {"match": "x", "in_title": "x", "in_lede": "x", "floor": 0, "limit": 1, "offset": 0}
    cursor = conn.execute(sql + " LIMIT 0", {"start": "[", "end": "]", **query})
    returned = [column[0] for column in cursor.description]
    assert len(returned) == len(set(returned)), f"{name}: a column is named twice"
    assert set(returned) == expected


def test_a_row_is_made_by_name_and_its_booleans_are_booleans() -> None:
    record = {"name": "World", "total": 3, "unread": 1}
    assert make(SectionCount, dict(reversed(record.items()))) == SectionCount("World", 3, 1)
    state = make(
        StoredArticle,
        {
            "article": Article(id="a" * 16, title=None, url=None),
            "source": None,
            "read": 1,
            "starred": 0,
            "read_at": None,
            "updated_since_read": 0,
            "fetched_at": "2025-11-06T12:00:00Z",
            "changed_at": "2025-11-06T12:00:00Z",
        },
    )
    assert (state.read, state.starred, state.updated_since_read) == (True, False, False)


def test_a_column_that_is_no_field_fails_at_once() -> None:
    with pytest.raises(TypeError):
        make(Totals, {"articles": 1, "unread": 0, "starred": 0, "pinned": 0})
    with pytest.raises(TypeError):
        make(Totals, {"articles": 1, "unread": 0})


def test_nested_columns_leave_the_outer_row() -> None:
    record = {"article.id": "x", "article.title": "T", "source": "wire"}
    assert nested(record, "article") == {"id": "x", "title": "T"}
    assert record == {"source": "wire"}
