"""The sources of the cache: their settings and what their fetches left behind.

A source is registered from the config before each sync (nothing is written when its
settings did not change, the usual case); a fetch records its success or failure here,
or together with the articles it brought (:func:`record_fetch`, called in the same
transaction by :meth:`~newsreader.store.articles.ArticlesMixin.upsert_batches`).
Removing a source keeps its starred articles.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from datetime import datetime

from newsreader.content.sanitize import clean_line
from newsreader.errors import StoreError
from newsreader.rows import SourceState
from newsreader.store.base import StoreBase, utc
from newsreader.store.columns import make, records
from newsreader.store.upsert import FetchMeta

__all__ = ["SOURCES", "SourcesMixin", "record_fetch"]

SOURCES = """
SELECT name, kind, location, section, flash, etag, last_modified, next_fetch_at,
    last_fetch_at, last_success_at, last_error, last_error_at, error_count, fetch_count,
    article_count, last_new, last_updated
FROM sources
"""
""":class:`~newsreader.rows.SourceState` rows: the columns are its fields."""


def _sources(conn: sqlite3.Connection, where: str, params: tuple[object, ...]) -> list[SourceState]:
    return [make(SourceState, record) for record in records(conn.execute(SOURCES + where, params))]


def _get_source(conn: sqlite3.Connection, name: str) -> SourceState | None:
    found = _sources(conn, "WHERE name = ?", (name,))
    return found[0] if found else None


def _resection(conn: sqlite3.Connection, source_id: int, section: str | None) -> None:
    """Move a source's articles to its new section (None: each to its own category)."""
    if section is not None:
        conn.execute("INSERT OR IGNORE INTO sections (name) VALUES (?)", (section,))
    else:
        conn.execute(
            "INSERT OR IGNORE INTO sections (name) SELECT DISTINCT category"
            " FROM articles WHERE source_id = ? AND category IS NOT NULL",
            (source_id,),
        )
    conn.execute(
        "UPDATE articles SET section_id ="
        " (SELECT id FROM sections WHERE name = coalesce(?, articles.category))"
        " WHERE source_id = ?",
        (section, source_id),
    )


def _upsert_source(
    conn: sqlite3.Connection,
    name: str,
    kind: str,
    location: str | None,
    section: str | None,
    flash: bool,
    now: str,
) -> SourceState:
    before = conn.execute(
        "SELECT id, kind, location, section, flash FROM sources WHERE name = ?", (name,)
    ).fetchone()
    if before is not None and tuple(before[1:]) == (kind, location, section, int(flash)):
        state = _get_source(conn, name)
        assert state is not None
        return state  # nothing to write: the common case at every sync
    conn.execute(
        "INSERT INTO sources (name, kind, location, section, flash, added_at)"
        " VALUES (?, ?, ?, ?, ?, ?)"
        " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind,"
        " location = excluded.location, section = excluded.section,"
        " flash = excluded.flash",
        (name, kind, location, section, int(flash), now),
    )
    if before is not None and before[2] != location:
        conn.execute(
            "UPDATE sources SET etag = NULL, last_modified = NULL,"
            " next_fetch_at = NULL WHERE id = ?",
            (before[0],),
        )
    if before is not None and before[3] != section:
        _resection(conn, before[0], section)
    state = _get_source(conn, name)
    assert state is not None  # just written in this transaction
    return state


def record_fetch(
    conn: sqlite3.Connection, name: str, meta: FetchMeta, not_modified: bool, now: str
) -> None:
    """Note a successful fetch of source ``name`` inside the caller's transaction."""
    etag, last_modified = clean_line(meta.etag), clean_line(meta.last_modified)
    # On a 304 a missing validator means "unchanged"; on a 200 it means "none".
    changed = conn.execute(
        "UPDATE sources SET last_fetch_at = ?, last_success_at = ?, error_count = 0,"
        " fetch_count = fetch_count + 1,"
        " etag = CASE WHEN ? THEN coalesce(?, etag) ELSE ? END,"
        " last_modified = CASE WHEN ? THEN coalesce(?, last_modified) ELSE ? END,"
        " next_fetch_at = ? WHERE name = ?",
        (
            now,
            now,
            not_modified,
            etag,
            etag,
            not_modified,
            last_modified,
            last_modified,
            meta.next_fetch_at,
            name,
        ),
    ).rowcount
    if not changed:
        raise StoreError(f"unknown source: {name!r}")


class SourcesMixin(StoreBase):
    """Adding, listing and removing sources; recording their fetches."""

    def upsert_source(
        self,
        name: str,
        *,
        kind: str,
        location: str | None = None,
        section: str | None = None,
        flash: bool = False,
    ) -> SourceState:
        """Add a source or update its settings, keeping its fetch history.

        A new location forgets the HTTP validators (they belonged to the old URL); a new
        section moves the source's articles.
        """
        (state,) = self.register_sources([(name, kind, location, section, flash)])
        return state

    def register_sources(
        self, specs: Iterable[tuple[str, str, str | None, str | None, bool]]
    ) -> list[SourceState]:
        """:meth:`upsert_source` for many sources (name, kind, location, section, flash)
        in one transaction: what a sync does first, for every configured source."""
        cleaned = []
        for name, kind, location, section, flash in specs:
            clean = clean_line(name)
            if not clean:
                raise ValueError("a source needs a name")
            cleaned.append((clean, kind, location, clean_line(section), flash))

        def work(conn: sqlite3.Connection) -> list[SourceState]:
            return [_upsert_source(conn, *spec, self._now()) for spec in cleaned]

        return self._run(work, write=True)

    def source(self, name: str) -> SourceState | None:
        """One source by name."""
        return self._run(lambda conn: _get_source(conn, name))

    def sources(self) -> list[SourceState]:
        """All sources, by name."""
        return self._run(lambda conn: _sources(conn, "ORDER BY name", ()))

    def due_sources(self, now: datetime | None = None) -> list[SourceState]:
        """Sources whose ``next_fetch_at`` has passed (or was never set)."""
        moment = utc(now) if now else self._now()
        return self._run(
            lambda conn: _sources(
                conn, "WHERE next_fetch_at IS NULL OR next_fetch_at <= ? ORDER BY name", (moment,)
            )
        )

    def remove_source(self, name: str) -> int:
        """Forget a source and its articles, except starred ones (they stay, labelled
        with the source's name). Returns how many articles went."""

        def work(conn: sqlite3.Connection) -> int:
            found = conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
            if found is None:
                return 0
            conn.execute(
                "UPDATE articles SET publisher = coalesce(publisher, ?) WHERE source_id = ?",
                (name, found[0]),
            )
            deleted = conn.execute(
                "DELETE FROM articles WHERE source_id = ? AND rid NOT IN"
                " (SELECT rid FROM reader_state WHERE starred = 1)",
                (found[0],),
            ).rowcount
            conn.execute("DELETE FROM sources WHERE id = ?", (found[0],))
            return int(deleted)

        return self._run(work, write=True)

    def record_success(
        self, name: str, meta: FetchMeta | None = None, *, not_modified: bool = False
    ) -> None:
        """Note a successful fetch (a 304 too, with ``not_modified``: then missing
        validators keep their stored values instead of being cleared)."""
        self._run(
            lambda conn: record_fetch(conn, name, meta or FetchMeta(), not_modified, self._now()),
            write=True,
        )

    def record_failure(self, name: str, error: str, *, next_fetch_at: str | None = None) -> None:
        """Note a failed fetch; the cached articles are left exactly as they were."""
        message = (clean_line(error) or "unknown error")[:500]

        def work(conn: sqlite3.Connection) -> None:
            now = self._now()
            changed = conn.execute(
                "UPDATE sources SET last_fetch_at = ?, last_error = ?, last_error_at = ?,"
                " error_count = error_count + 1, fetch_count = fetch_count + 1,"
                " next_fetch_at = ? WHERE name = ?",
                (now, message, now, next_fetch_at, name),
            ).rowcount
            if not changed:
                raise StoreError(f"unknown source: {name!r}")

        self._run(work, write=True)
