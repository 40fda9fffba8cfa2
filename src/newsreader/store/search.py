"""Full-text search, and the index it reads.

The words of a stored body go into the FTS5 table ``search`` when it is stored, or
later: a sync defers them (:meth:`SearchMixin.index_pending` catches up, and a search
does so first, so that it sees everything). A cache that cannot be written cannot
index, so there a search also looks through the unindexed bodies, in an index built
in the connection's memory. What users type is made safe for FTS5 in
:mod:`newsreader.store.query`.
"""

from __future__ import annotations

import sqlite3
from typing import Any

from newsreader.content.sanitize import index_text
from newsreader.rows import SearchHit
from newsreader.store.articles import FIRST_OF_STORY, LIST_COLUMNS, NAMES, STATE_COLUMNS
from newsreader.store.base import StoreBase
from newsreader.store.columns import make, records
from newsreader.store.query import (
    HIGHLIGHT_END,
    HIGHLIGHT_START,
    fold,
    make_snippet,
    parse_query,
)

__all__ = ["SEARCH_CANDIDATES", "SearchMixin", "hits_sql"]

SEARCH_CANDIDATES = 2000
"""How many of the most recent matches :meth:`SearchMixin.search` ranks (see there)."""

_RANKED = """
WITH ranked AS MATERIALIZED (
    SELECT {fts}.rowid AS rid,
        {fts}.rank
        - 1e6 * ({fts}.rowid IN (SELECT rowid FROM {fts}
            WHERE {fts} MATCH :in_title AND rowid >= :floor))
        - 1e3 * ({fts}.rowid IN (SELECT rowid FROM {fts}
            WHERE {fts} MATCH :in_lede AND rowid >= :floor)) AS tiered
    FROM {fts} CROSS JOIN articles AS a ON a.rid = {fts}.rowid
    WHERE {fts} MATCH :match AND {fts}.rowid >= :floor {where}
    ORDER BY tiered LIMIT :limit OFFSET :offset)
SELECT {columns},
    highlight({fts}, 0, :start, :end) AS marked_title,
    highlight({fts}, 1, :start, :end) AS marked_lede,
    highlight({fts}, 2, :start, :end) AS marked_text,
    written.{original}title AS written_title, written.{original}lede AS written_lede,
    written.{original}text AS written_text,
    ranked.tiered AS rank, {state}
FROM ranked
CROSS JOIN {fts} ON {fts}.rowid = ranked.rid
CROSS JOIN articles AS a ON a.rid = ranked.rid
CROSS JOIN {written} AS written ON written.rid = ranked.rid
CROSS JOIN reader_state AS st ON st.rid = a.rid {names}
WHERE {fts} MATCH :match
ORDER BY ranked.tiered"""
"""A page of :class:`~newsreader.rows.SearchHit` rows from the FTS table ``{fts}``,
best first: articles with a searched word in their title, then in their lede, then
the rest, each group by bm25 (whose column weights alone cannot put a title first:
FTS5 adds the weighted counts before it saturates them, so five mentions in a body
outweigh one in a title). Each row carries its columns as indexed, matches marked
(``marked_*``), and as written (``written_*``, from ``{written}``), from which
:func:`~newsreader.store.query.make_snippet` makes the snippet. Only the page is
marked (the ranking reads the index alone)."""

_WRITTEN = {"search": ("bodies", ""), "unindexed": ("temp.unindexed_text", "written_")}
"""Where each FTS table's text as written is, and its columns' prefix there."""


def hits_sql(fts: str, where: str = "") -> str:
    """:data:`_RANKED` for the FTS table ``fts`` with extra conditions ``where``."""
    written, original = _WRITTEN[fts]
    return _RANKED.format(
        fts=fts,
        where=where,
        columns=LIST_COLUMNS,
        state=STATE_COLUMNS,
        names=NAMES,
        written=written,
        original=original,
    )


_FLOOR = """
SELECT min(rowid) FROM (
    SELECT search.rowid AS rowid FROM search
    CROSS JOIN articles AS a ON a.rid = search.rowid
    WHERE search MATCH :match {where}
    ORDER BY search.rowid DESC LIMIT :candidates)
"""
"""The oldest of the ``candidates`` most recently stored matches."""

_COUNT = """
SELECT count(*) FROM search CROSS JOIN articles AS a ON a.rid = search.rowid
WHERE search MATCH :match {where}"""
_COUNT_UNINDEXED = """
SELECT count(*) FROM temp.unindexed CROSS JOIN articles AS a ON a.rid = unindexed.rowid
WHERE unindexed MATCH :match {where}"""
"""How many match, in the index and (read-only caches) among the unindexed bodies."""


def _search_unindexed(
    conn: sqlite3.Connection, where: str, params: dict[str, Any]
) -> list[dict[str, Any]]:
    """Matches among the bodies a sync left out of the search index, for a cache that
    cannot be written (so cannot index them): they go into an index in this
    connection's memory, built on the first search and kept with the connection (its
    text in ``temp.unindexed_text``, folded as in ``search`` and as written, for the
    snippets)."""
    if not conn.execute("SELECT 1 FROM bodies WHERE indexed = 0 LIMIT 1").fetchone():
        return []
    built = conn.execute("SELECT 1 FROM temp.sqlite_master WHERE name = 'unindexed'").fetchone()
    if not built:
        conn.execute(
            "CREATE TABLE temp.unindexed_text (rid INTEGER PRIMARY KEY, title, lede, text,"
            " written_title, written_lede, written_text)"
        )
        conn.execute(
            "CREATE VIRTUAL TABLE temp.unindexed USING fts5("
            "title, lede, text, content = 'unindexed_text', content_rowid = 'rid',"
            " tokenize = 'unicode61 remove_diacritics 2')"
        )
        conn.execute(
            "INSERT INTO unindexed (unindexed, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)')"
        )
        rows = [
            (rid, title, lede, text or index_text(html))
            for rid, title, lede, text, html in conn.execute(
                "SELECT rid, title, lede, text, html FROM bodies WHERE indexed = 0"
            ).fetchall()
        ]
        folded = [
            (rid, fold(title or ""), fold(lede or ""), fold(text or ""), title, lede, text)
            for rid, title, lede, text in rows
        ]
        conn.executemany("INSERT INTO temp.unindexed_text VALUES (?, ?, ?, ?, ?, ?, ?)", folded)
        conn.execute("INSERT INTO unindexed (unindexed) VALUES ('rebuild')")
    return records(conn.execute(hits_sql("unindexed", where), {**params, "floor": 0}))


def _in_section(section: str | None, stories: bool) -> str:
    """The search's extra conditions on ``articles AS a``."""
    where = ""
    if section is not None:
        where += " AND a.section_id = (SELECT id FROM sections WHERE name = :section)"
    if stories:
        where += f" AND {FIRST_OF_STORY}"
    return where


def _hit(record: dict[str, Any]) -> SearchHit:
    columns = ("title", "lede", "text")
    written = [record.pop(f"written_{column}") for column in columns]
    marked = [record.pop(f"marked_{column}") for column in columns]
    snippet, spans = make_snippet(written, marked)
    return make(SearchHit, {**record, "snippet": snippet, "highlights": spans})


class SearchMixin(StoreBase):
    """Searching, and keeping the search index up to date."""

    def pending_index(self) -> int:
        """How many stored bodies wait for :meth:`index_pending`."""
        return int(
            self._run(
                lambda conn: conn.execute(
                    "SELECT count(*) FROM bodies WHERE indexed = 0"
                ).fetchone()[0]
            )
        )

    def index_pending(self, *, batch: int = 2000, limit: int | None = None) -> int:
        """Put the words of not-yet-indexed bodies into the search index.

        Entries stored as HTML only get their plain text made here. Works in
        transactions of ``batch`` rows, so readers are never held up for long; stops
        after ``limit`` rows (all by default). Returns how many rows were indexed.
        """
        if self.read_only:
            return 0  # nothing can be written; search reads the index as it is
        done = 0
        while limit is None or done < limit:
            size = batch if limit is None else min(batch, limit - done)

            def work(conn: sqlite3.Connection, size: int = size) -> int:
                rows = conn.execute(
                    "SELECT rid, text, html FROM bodies WHERE indexed = 0 LIMIT ?", (size,)
                ).fetchall()
                conn.executemany(
                    "UPDATE bodies SET text = ?, indexed = 1 WHERE rid = ?",
                    [(text or index_text(html), rid) for rid, text, html in rows],
                )
                return len(rows)

            count = self._run(work, write=True)
            done += count
            if count < size:
                break
        return done

    def search(
        self,
        query: str,
        *,
        limit: int = 50,
        offset: int = 0,
        section: str | None = None,
        candidates: int = SEARCH_CANDIDATES,
        stories: bool = False,
    ) -> list[SearchHit]:
        """Full-text search over title, lede and body, best first (title hits, then
        lede hits, then the rest, each by bm25), accents, case and ligatures ignored.
        ``query`` is free text (see :mod:`newsreader.store.query`).

        bm25 ranks the ``candidates`` most recently stored matches: all of them for a
        specific query, the recent ones for a word found in half the cache, which keeps
        a one-word search fast whatever the cache size (and news readers want recent).

        With ``stories``, a story that several sources carry is one hit (the first
        stored article of it, as in the reader's virtual lists).
        """
        parsed = parse_query(query)
        if parsed is None:
            return []
        self._index_before_search()
        marks = (HIGHLIGHT_START, HIGHLIGHT_END)
        in_section = _in_section(section, stories)

        def work(conn: sqlite3.Connection) -> list[SearchHit]:
            params = {
                **parsed._asdict(),
                "section": section,
                "candidates": candidates,
                "start": marks[0],
                "end": marks[1],
                "limit": limit,
                "offset": offset,
            }
            where = in_section
            extra = _search_unindexed(conn, where, params) if self.read_only else []
            if extra:  # merged below: both lists from their start
                params = {**params, "limit": limit + offset, "offset": 0}
            (floor,) = conn.execute(_FLOOR.format(where=where), params).fetchone()
            found = []
            if floor is not None:
                found = records(conn.execute(hits_sql("search", where), {**params, "floor": floor}))
            hits = [_hit(record) for record in found + extra]
            if extra:
                hits = sorted(hits, key=lambda hit: hit.rank)[offset : offset + limit]
            return hits

        generation = self._generation
        hits = self._run(work)
        if self._generation != generation:  # mended meanwhile: its words wait for the index
            self._index_before_search()
            hits = self._run(work)
        return hits

    def search_count(
        self,
        query: str,
        *,
        section: str | None = None,
        candidates: int = SEARCH_CANDIDATES,
        stories: bool = False,
    ) -> tuple[int, int]:
        """How many hits :meth:`search` pages through for ``query`` (at most
        ``candidates``, see there), and how many articles match in all."""
        parsed = parse_query(query)
        if parsed is None:
            return 0, 0
        match = parsed.match
        self._index_before_search()
        where = _in_section(section, stories)

        def work(conn: sqlite3.Connection) -> tuple[int, int]:
            params = {"match": match, "section": section, "candidates": candidates}
            (total,) = conn.execute(_COUNT.format(where=where), params).fetchone()
            if self.read_only and _search_unindexed(
                conn,
                where,
                {**parsed._asdict(), **params, "start": "", "end": "", "limit": 1, "offset": 0},
            ):
                sql = _COUNT_UNINDEXED.format(where=where)
                (unindexed,) = conn.execute(sql, params).fetchone()
                return min(int(total), candidates) + int(unindexed), int(total) + int(unindexed)
            return min(int(total), candidates), int(total)

        return self._run(work)

    def _index_before_search(self) -> None:
        """A sync leaves words unindexed: index them, so that search sees everything."""
        if not self.read_only and self._run(
            lambda conn: conn.execute("SELECT 1 FROM bodies WHERE indexed = 0 LIMIT 1").fetchone()
        ):
            self.index_pending()
