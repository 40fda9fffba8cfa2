"""Keeping the cache small and sound: prune, vacuum, check, recount, info.

What ``newsreader cache`` runs. The kept counts (per section, per source, the totals)
are maintained by triggers; :meth:`MaintenanceMixin.check` compares them with the rows
and :meth:`MaintenanceMixin.recount` recomputes them. A check indexes the words still
waiting for the search index first, so maintenance builds on
:class:`~newsreader.store.search.SearchMixin`.
"""

from __future__ import annotations

import contextlib
import sqlite3
from pathlib import Path
from typing import NamedTuple

from newsreader.store import db
from newsreader.store.search import SearchMixin

__all__ = ["DEFAULT_KEEP", "MaintenanceMixin", "StoreInfo"]

DEFAULT_KEEP = 2000
"""Articles kept per source by :meth:`MaintenanceMixin.prune` (starred ones are always
kept)."""


class StoreInfo(NamedTuple):
    """What ``newsreader cache info`` prints."""

    path: Path
    size_bytes: int
    """The database file plus its WAL."""
    schema_version: int
    articles: int
    unread: int
    starred: int
    sources: int
    sections: int


_COUNT_CHECK = """
SELECT 'section ' || sec.name || ' total', sec.total,
    (SELECT count(*) FROM articles AS a WHERE a.section_id = sec.id) AS real
FROM sections AS sec WHERE sec.total != real
UNION ALL
SELECT 'section ' || sec.name || ' unread', sec.unread,
    (SELECT count(*) FROM articles AS a JOIN reader_state AS st ON st.rid = a.rid
     WHERE a.section_id = sec.id AND st.read = 0) AS real
FROM sections AS sec WHERE sec.unread != real
UNION ALL
SELECT 'source ' || s.name, s.article_count,
    (SELECT count(*) FROM articles AS a WHERE a.source_id = s.id) AS real
FROM sources AS s WHERE s.article_count != real
UNION ALL
SELECT 'all articles', t.articles, (SELECT count(*) FROM articles) AS real
FROM totals AS t WHERE t.articles != real
UNION ALL
SELECT 'all unread', t.unread, (SELECT count(*) FROM reader_state WHERE read = 0) AS real
FROM totals AS t WHERE t.unread != real
UNION ALL
SELECT 'all starred', t.starred, (SELECT count(*) FROM reader_state WHERE starred = 1) AS real
FROM totals AS t WHERE t.starred != real
"""
_RECOUNT = """
UPDATE sections SET
    total = (SELECT count(*) FROM articles AS a WHERE a.section_id = sections.id),
    unread = (SELECT count(*) FROM articles AS a JOIN reader_state AS st ON st.rid = a.rid
              WHERE a.section_id = sections.id AND st.read = 0);
UPDATE sources SET article_count = (SELECT count(*) FROM articles AS a
                                    WHERE a.source_id = sources.id);
UPDATE totals SET articles = (SELECT count(*) FROM articles),
    unread = (SELECT count(*) FROM reader_state WHERE read = 0),
    starred = (SELECT count(*) FROM reader_state WHERE starred = 1);
"""


class MaintenanceMixin(SearchMixin):
    """Pruning, vacuuming, checking and recounting the cache; its size and counts."""

    def prune(self, keep: int = DEFAULT_KEEP, *, source: str | None = None) -> int:
        """Keep the newest ``keep`` articles of each source (and of the articles without
        one) plus every starred article; returns how many were deleted. With ``source``,
        only that source is pruned (sources may set their own ``max_articles``)."""
        if keep < 0:
            raise ValueError("keep must be >= 0")

        def work(conn: sqlite3.Connection) -> int:
            deleted = 0
            if source is None:
                owners = [row[0] for row in conn.execute("SELECT id FROM sources")] + [None]
            else:
                owners = [
                    row[0]
                    for row in conn.execute("SELECT id FROM sources WHERE name = ?", (source,))
                ]
            for owner in owners:
                deleted += conn.execute(
                    "DELETE FROM articles WHERE rid IN (SELECT a.rid FROM articles AS a"
                    " WHERE a.source_id IS ? ORDER BY a.sort_key DESC, a.rid DESC"
                    " LIMIT -1 OFFSET ?)"
                    " AND rid NOT IN (SELECT rid FROM reader_state WHERE starred = 1)",
                    (owner, keep),
                ).rowcount
            return deleted

        return self._run(work, write=True)

    def vacuum(self) -> tuple[int, int]:
        """Merge the search index, rebuild the file without free pages and truncate
        the WAL; returns the size in bytes before and after."""
        before = self._size()

        def optimize(conn: sqlite3.Connection) -> None:
            conn.execute("INSERT INTO search (search) VALUES ('optimize')")

        self._run(optimize, write=True)
        conn = self._connection()
        try:
            conn.execute("VACUUM")
            conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        except sqlite3.Error as error:
            raise self._translate(error) from None
        return before, self._size()

    def _size(self) -> int:
        total = 0
        for suffix in ("", "-wal"):
            with contextlib.suppress(FileNotFoundError):
                total += Path(f"{self.path}{suffix}").stat().st_size
        return total

    def check(self) -> list[str]:
        """Problems found by a full check (SQLite's integrity check, the search index,
        the kept counts); an empty list means healthy. Reads the whole file.

        Bodies still waiting for the search index are indexed first: deferred work is
        not damage, and FTS5's check compares the index with every stored body."""
        self.index_pending()

        def work(conn: sqlite3.Connection) -> list[str]:
            problems = [row[0] for row in conn.execute("PRAGMA integrity_check") if row[0] != "ok"]
            try:
                conn.execute("INSERT INTO search (search, rank) VALUES ('integrity-check', 1)")
            except sqlite3.DatabaseError as error:
                problems.append(f"search index: {error}")
            problems += [
                f"counts: {name} is {kept}, should be {real}"
                for name, kept, real in conn.execute(_COUNT_CHECK)
            ]
            return problems

        return self._run(work)

    def recount(self) -> None:
        """Recompute the kept counts from the rows (repair after a bug, or a check)."""

        def work(conn: sqlite3.Connection) -> None:
            for statement in db.split_script(_RECOUNT):
                conn.execute(statement)

        self._run(work, write=True)

    def info(self) -> StoreInfo:
        """Size and counts, from the kept counts (no table scan)."""

        def work(conn: sqlite3.Connection) -> tuple[int, ...]:
            totals = conn.execute("SELECT articles, unread, starred FROM totals").fetchone()
            (sources,) = conn.execute("SELECT count(*) FROM sources").fetchone()
            (sections,) = conn.execute("SELECT count(*) FROM sections WHERE total > 0").fetchone()
            (version,) = conn.execute("PRAGMA user_version").fetchone()
            return (*totals, sources, sections, version)

        articles, unread, starred, sources, sections, version = self._run(work)
        return StoreInfo(
            path=self.path,
            size_bytes=self._size(),
            schema_version=version,
            articles=articles,
            unread=unread,
            starred=starred,
            sources=sources,
            sections=sections,
        )
