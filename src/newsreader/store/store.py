"""The offline cache: the one object the rest of newsreader asks for stored things.

Every public method is one transaction (writes take the lock up front and wait for
other writers), returns plain frozen rows from :mod:`newsreader.models`, and turns
SQLite failures into :class:`~newsreader.errors.StoreError` with a one-line message.

Each thread gets its own connection, opened on first use: the TUI's thread workers
and a sync can share one :class:`Store`. Lists are pages (``limit``/``offset`` or the
``after`` cursor), never whole tables.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import sys
import threading
import time
import unicodedata
import weakref
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, NamedTuple, TypeVar

from newsreader.content.sanitize import clean_line, clean_text
from newsreader.errors import (
    AmbiguousIdError,
    StoreCorruptError,
    StoreError,
    StoreReadOnlyError,
)
from newsreader.ids import ID_PATTERN
from newsreader.models import Article

if TYPE_CHECKING:
    # Built on first use by the functions below: `open FILE` only writes, and should not
    # pay for creating classes it never instantiates.
    from newsreader.rows import (
        ArticleRef,
        Headline,
        SearchHit,
        SectionCount,
        SourceState,
        StoredArticle,
        Totals,
    )
from newsreader.store import db
from newsreader.store.query import HIGHLIGHT_END, HIGHLIGHT_START, fts_query, split_highlights
from newsreader.store.upsert import (
    ArticleInput,
    FetchMeta,
    PreparedBatch,
    UpsertResult,
    unique_rows,
    upsert,
)

__all__ = ["DEFAULT_KEEP", "SEARCH_CANDIDATES", "Store", "StoreInfo", "print_notice"]

DEFAULT_KEEP = 2000
"""Articles kept per source by :meth:`Store.prune` (starred ones are always kept)."""
SEARCH_CANDIDATES = 2000
"""How many of the most recent matches :meth:`Store.search` ranks (see there)."""

T = TypeVar("T")
JSONValue = Any
"""What UI state may hold: anything :func:`json.dumps` accepts."""


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


def print_notice(message: str) -> None:
    """Default way to tell the user about a repaired cache: one line on stderr."""
    sys.stderr.write(f"newsreader: {message}\n")
    sys.stderr.flush()


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _fold(name: str) -> str:
    """Sort key for section names: case and accents ignored (Économie near Europe)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


_REF = """
SELECT a.rid, a.id, a.title, coalesce(src.name, a.publisher), sec.name, a.published,
    a.sort_key, st.read, st.starred, st.read AND st.read_version < a.version
FROM articles AS a
CROSS JOIN reader_state AS st ON st.rid = a.rid
LEFT JOIN sources AS src ON src.id = a.source_id
LEFT JOIN sections AS sec ON sec.id = a.section_id
"""
_STARRED_REF = _REF.replace(
    "FROM articles AS a\nCROSS JOIN reader_state AS st ON st.rid = a.rid",
    "FROM reader_state AS st\nCROSS JOIN articles AS a ON a.rid = st.rid",
)
_SEARCH_FLOOR = """
SELECT min(rowid) FROM (
    SELECT search.rowid AS rowid FROM search
    CROSS JOIN articles AS a ON a.rid = search.rowid
    WHERE search MATCH :match {0}
    ORDER BY search.rowid DESC LIMIT :candidates)
"""
_SEARCH = """
SELECT a.id, a.title, coalesce(src.name, a.publisher), sec.name, a.published, a.sort_key,
    snippet(search, -1, :start, :end, '…', 16), search.rank
FROM search
CROSS JOIN articles AS a ON a.rid = search.rowid
LEFT JOIN sources AS src ON src.id = a.source_id
LEFT JOIN sections AS sec ON sec.id = a.section_id
WHERE search MATCH :match AND search.rowid >= :floor {0}
ORDER BY search.rank LIMIT :limit OFFSET :offset
"""
_UNINDEXED = """
SELECT a.id, a.title, coalesce(src.name, a.publisher), sec.name, a.published, a.sort_key,
    snippet(unindexed, -1, :start, :end, '…', 16), bm25(unindexed, 10.0, 4.0, 1.0)
FROM temp.unindexed
CROSS JOIN articles AS a ON a.rid = unindexed.rowid
LEFT JOIN sources AS src ON src.id = a.source_id
LEFT JOIN sections AS sec ON sec.id = a.section_id
WHERE unindexed MATCH :match {0}
ORDER BY 8 LIMIT :limit + :offset
"""


def _search_unindexed(
    conn: sqlite3.Connection, where: str, params: dict[str, Any]
) -> list[tuple[Any, ...]]:
    """Matches among the bodies a sync left out of the search index, for a cache that
    cannot be written (so cannot index them): they go into an index in this
    connection's memory, built on the first search and kept with the connection."""
    from newsreader.content.sanitize import index_text

    if not conn.execute("SELECT 1 FROM bodies WHERE indexed = 0 LIMIT 1").fetchone():
        return []
    built = conn.execute("SELECT 1 FROM temp.sqlite_master WHERE name = 'unindexed'").fetchone()
    if not built:
        conn.execute(
            "CREATE VIRTUAL TABLE temp.unindexed USING fts5("
            "title, lede, text, tokenize = 'unicode61 remove_diacritics 2')"
        )
        conn.executemany(
            "INSERT INTO temp.unindexed (rowid, title, lede, text) VALUES (?, ?, ?, ?)",
            (
                (rid, title, lede, text or index_text(html))
                for rid, title, lede, text, html in conn.execute(
                    "SELECT rid, title, lede, text, html FROM bodies WHERE indexed = 0"
                ).fetchall()
            ),
        )
    return conn.execute(_UNINDEXED.format(where), params).fetchall()


_SOURCES = """
SELECT name, kind, location, section, flash, etag, last_modified, next_fetch_at,
    last_fetch_at, last_success_at, last_error, last_error_at, error_count, fetch_count,
    article_count, last_new, last_updated
FROM sources
"""


def _ref(row: sqlite3.Row | tuple[Any, ...]) -> ArticleRef:
    from newsreader.rows import ArticleRef

    return ArticleRef(
        id=row[1],
        title=row[2],
        source=row[3],
        section=row[4],
        published=row[5],
        sort_key=row[6],
        read=bool(row[7]),
        starred=bool(row[8]),
        updated_since_read=bool(row[9]),
        seq=row[0],
    )


def _source(row: tuple[Any, ...]) -> SourceState:
    from newsreader.rows import SourceState

    (
        name,
        kind,
        location,
        section,
        flash,
        etag,
        last_modified,
        next_fetch_at,
        last_fetch_at,
        last_success_at,
        last_error,
        last_error_at,
        error_count,
        fetch_count,
        article_count,
        last_new,
        last_updated,
    ) = row
    return SourceState(
        name=name,
        kind=kind,
        location=location,
        section=section,
        flash=bool(flash),
        etag=etag,
        last_modified=last_modified,
        next_fetch_at=next_fetch_at,
        last_fetch_at=last_fetch_at,
        last_success_at=last_success_at,
        last_error=last_error,
        last_error_at=last_error_at,
        error_count=error_count,
        fetch_count=fetch_count,
        article_count=article_count,
        last_new=last_new,
        last_updated=last_updated,
    )


class Store:
    """The SQLite cache. Open with :meth:`open`; use as a context manager or
    :meth:`close` it. Safe to share between threads (one connection each).

    Damage that SQLite reports while the store is in use ("database disk image is
    malformed") is repaired on the spot (:mod:`newsreader.store.repair`): the threads
    of this process finish what they were doing, every connection closes, the damage is
    copied aside and what still reads is salvaged, ``notice`` gets one line, and the
    call that met the damage runs again on the mended cache.
    """

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: float,
        notice: Callable[[str], None] | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.path = path
        """The database file."""
        self.recovered: Path | None = None
        """Where the latest damaged copy of the cache went, else None."""
        self.read_only = False
        """True when the cache cannot be written (read-only media or permissions):
        reading works, writes raise :class:`~newsreader.errors.StoreReadOnlyError`."""
        self._busy_timeout = busy_timeout
        self._notice = notice
        self._clock = clock
        self._pid = os.getpid()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[tuple[weakref.ref[threading.Thread], sqlite3.Connection]] = []
        self._closed = False
        # The repair gate: calls in flight are counted; a repair waits for them to end
        # and holds new ones back; every connection of an older generation is closed.
        self._gate = threading.Condition()
        self._active = 0
        self._repairing = False
        self._generation = 0
        self._repair_failed: str | None = None

    # --- lifecycle ---------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        create: bool = True,
        notice: Callable[[str], None] | None = print_notice,
        clock: Callable[[], datetime] | None = None,
        busy_timeout: float = db.DEFAULT_BUSY_TIMEOUT,
    ) -> Store:
        """Open (creating, migrating or repairing as needed) the cache at ``path``,
        by default :func:`newsreader.paths.db_path`.

        ``notice`` receives the one line telling the user that a damaged cache was set
        aside (stderr by default; the TUI passes its notifier). ``clock`` returns the
        current time, for tests. Raises NotCachedError when the file is absent and
        ``create`` is False.
        """
        if path is None:
            from newsreader.paths import db_path

            path = db_path()
        store = cls(
            Path(os.path.abspath(path)),
            busy_timeout=busy_timeout,
            notice=notice,
            clock=clock or (lambda: datetime.now(UTC)),
        )
        store._connection(create=create)
        return store

    def _connection(self, *, create: bool = True) -> sqlite3.Connection:
        """This thread's connection, opened (and the file checked) on first use."""
        if os.getpid() != self._pid:
            raise StoreError("the cache cannot be used from a forked process")
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is not None and local.generation == self._generation:
            return conn
        if self._closed:
            raise StoreError("the cache is closed")
        generation = self._generation
        try:
            conn, recovered, read_only = db.open_database(
                self.path,
                create=create,
                busy_timeout=self._busy_timeout,
                notice=self._notice,
                now=self._clock,
            )
        except sqlite3.Error as error:
            raise self._translate(error) from None
        except OSError as error:
            raise StoreError(
                f"cannot open the cache {self.path}: {error.strerror or error}"
            ) from None
        if recovered is not None:
            self.recovered = recovered
        self.read_only = read_only
        with self._lock:
            alive = []
            for owner, other in self._connections:
                thread = owner()
                if thread is None or not thread.is_alive():
                    other.close()  # its thread is gone: nobody else may use it
                else:
                    alive.append((owner, other))
            alive.append((weakref.ref(threading.current_thread()), conn))
            self._connections = alive
        local.conn, local.generation = conn, generation
        return conn

    def _close_connections(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for _, conn in connections:
            conn.close()
        self._local = threading.local()

    def close(self) -> None:
        """Close every connection once the calls in flight in other threads are done
        (closing a connection under a running statement would crash); the last one to
        close checkpoints the WAL. Later calls raise StoreError."""
        with self._gate:
            self._closed = True
            while self._active or self._repairing:
                self._gate.wait()
        self._close_connections()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def recover(self) -> Path:
        """Set the cache aside and salvage it into a fresh one, now (what a damaged
        read does by itself); call it when no other thread is using the store.
        Returns where the damaged copy went."""
        from newsreader.store import repair

        self._repair(self._generation, repair.repair_count(self.path), "asked for", force=True)
        assert self.recovered is not None
        return self.recovered

    def _repair(self, generation: int, seen: int, reason: str, *, force: bool = False) -> None:
        """Mend the damage one call met (once, whichever thread sees it first)."""
        from newsreader.store import repair

        with self._gate:
            while self._repairing:
                self._gate.wait()
            if self._generation != generation and not force:
                return  # another thread has just mended it
            if self._repair_failed is not None:
                raise StoreCorruptError(self._repair_failed)
            self._repairing = True
            while self._active:
                self._gate.wait()
        try:
            # The copy of the damage is made while the connections are still open (a
            # closing connection may checkpoint into the file); then they all close.
            moved = repair.recover(
                self.path,
                reason,
                seen=-1 if force else seen,
                busy_timeout=self._busy_timeout,
                now=self._clock,
                notice=self._notice,
                release=self._close_connections,
            )
            if moved is not None:
                self.recovered = moved
        except StoreError as error:
            self._repair_failed = str(error)
            raise StoreCorruptError(str(error)) from None
        finally:
            with self._gate:
                self._repairing = False
                self._generation += 1
                self._gate.notify_all()

    # --- plumbing ----------------------------------------------------------------------

    def _now(self) -> str:
        return _utc(self._clock())

    def _translate(self, error: sqlite3.Error) -> StoreError:
        code = db.error_code(error)
        if db.is_damage(error):
            return StoreCorruptError(f"the cache {self.path} is damaged ({error})")
        if db.is_busy(error):
            return StoreError(
                "the cache is busy: another newsreader has been writing to it "
                f"for over {self._busy_timeout:g} s; try again"
            )
        if code == db.SQLITE_FULL:
            return StoreError(
                f"the disk of the cache {self.path} is full: nothing was changed; "
                "free some space and try again"
            )
        if code == db.SQLITE_READONLY:
            return StoreReadOnlyError(
                f"the cache {self.path} is read-only: reading works, changes cannot be saved"
            )
        if code in (db.SQLITE_CANTOPEN, db.SQLITE_PERM):
            return StoreError(f"cannot open the cache {self.path}: permission denied or missing")
        if code == db.SQLITE_IOERR:
            return StoreError(f"the disk of the cache {self.path} failed ({error}); try again")
        return StoreError(f"cache error: {error}")

    def _run(self, work: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        """Run ``work`` in one transaction, waiting out other writers, mending damage.

        SQLite's busy handler covers almost every wait; the loop covers the few cases
        where SQLite reports "busy" without waiting (e.g. a WAL being recovered).
        """
        if write and self.read_only:
            raise StoreReadOnlyError(
                f"the cache {self.path} is read-only: reading works, changes cannot be saved"
            )
        deadline = time.monotonic() + self._busy_timeout
        delay = 0.005
        repaired = False
        while True:
            damage: tuple[int, int, str] | None = None
            with self._gate:
                while self._repairing:
                    self._gate.wait()
                if self._closed:
                    raise StoreError("the cache is closed")
                self._active += 1
                generation = self._generation
            try:
                conn = self._connection()
                with db.transaction(conn, write=write):
                    return work(conn)
            except sqlite3.ProgrammingError:
                raise
            except sqlite3.Error as error:
                if db.is_busy(error) and time.monotonic() < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 0.25)
                    continue
                if not db.is_damage(error) or repaired or self.read_only:
                    raise self._translate(error) from None
                from newsreader.store import repair

                damage = (generation, repair.repair_count(self.path), str(error))
            finally:
                with self._gate:
                    self._active -= 1
                    self._gate.notify_all()
            assert damage is not None
            self._repair(*damage)
            repaired = True

    # --- sources -----------------------------------------------------------------------

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
            return [self._upsert_source(conn, *spec) for spec in cleaned]

        return self._run(work, write=True)

    def _upsert_source(
        self,
        conn: sqlite3.Connection,
        name: str,
        kind: str,
        location: str | None,
        section: str | None,
        flash: bool,
    ) -> SourceState:
        before = conn.execute(
            "SELECT id, kind, location, section, flash FROM sources WHERE name = ?", (name,)
        ).fetchone()
        if before is not None and tuple(before[1:]) == (kind, location, section, int(flash)):
            state = self._get_source(conn, name)
            assert state is not None
            return state  # nothing to write: the common case at every sync
        conn.execute(
            "INSERT INTO sources (name, kind, location, section, flash, added_at)"
            " VALUES (?, ?, ?, ?, ?, ?)"
            " ON CONFLICT (name) DO UPDATE SET kind = excluded.kind,"
            " location = excluded.location, section = excluded.section,"
            " flash = excluded.flash",
            (name, kind, location, section, int(flash), self._now()),
        )
        if before is not None and before[2] != location:
            conn.execute(
                "UPDATE sources SET etag = NULL, last_modified = NULL,"
                " next_fetch_at = NULL WHERE id = ?",
                (before[0],),
            )
        if before is not None and before[3] != section:
            self._resection(conn, before[0], section)
        state = self._get_source(conn, name)
        assert state is not None  # just written in this transaction
        return state

    @staticmethod
    def _resection(conn: sqlite3.Connection, source_id: int, section: str | None) -> None:
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

    @staticmethod
    def _get_source(conn: sqlite3.Connection, name: str) -> SourceState | None:
        row = conn.execute(_SOURCES + "WHERE name = ?", (name,)).fetchone()
        return _source(row) if row else None

    def source(self, name: str) -> SourceState | None:
        """One source by name."""
        return self._run(lambda conn: self._get_source(conn, name))

    def sources(self) -> list[SourceState]:
        """All sources, by name."""
        return self._run(
            lambda conn: [_source(row) for row in conn.execute(_SOURCES + "ORDER BY name")]
        )

    def due_sources(self, now: datetime | None = None) -> list[SourceState]:
        """Sources whose ``next_fetch_at`` has passed (or was never set)."""
        moment = _utc(now) if now else self._now()
        return self._run(
            lambda conn: [
                _source(row)
                for row in conn.execute(
                    _SOURCES + "WHERE next_fetch_at IS NULL OR next_fetch_at <= ? ORDER BY name",
                    (moment,),
                )
            ]
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
            lambda conn: self._success(conn, name, meta or FetchMeta(), not_modified), write=True
        )

    def _success(
        self, conn: sqlite3.Connection, name: str, meta: FetchMeta, not_modified: bool
    ) -> None:
        now = self._now()
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

    # --- writing articles ---------------------------------------------------------------

    def upsert_articles(
        self,
        source: str | None,
        articles: Iterable[Article | ArticleInput],
        *,
        meta: FetchMeta | None = None,
    ) -> UpsertResult:
        """Store one source's batch in one transaction; report new/updated/unchanged.

        ``source`` names a source added with :meth:`upsert_source` (None for an article
        opened directly). With ``meta``, the source's fetch state is recorded in the
        same transaction, so validators never get ahead of the articles they cover.
        """
        return self.upsert_batches([(source, articles, meta)])[0]

    def upsert_batches(
        self,
        batches: Sequence[
            tuple[str | None, Iterable[Article | ArticleInput] | PreparedBatch, FetchMeta | None]
        ],
        *,
        defer_index: bool = False,
    ) -> list[UpsertResult]:
        """Several sources' batches (source, articles, meta) in one transaction: a sync
        hands over whatever arrived while the previous write ran, so that two hundred
        feeds cost a few commits, not two hundred.

        With ``defer_index`` the new words wait for :meth:`index_pending` (a sync leaves
        them for later; a search or an idle reader indexes them)."""
        prepared = [(source, unique_rows(articles), meta) for source, articles, meta in batches]

        def work(conn: sqlite3.Connection) -> list[UpsertResult]:
            now = self._now()
            results = []
            for source, rows, meta in prepared:
                result = upsert(conn, source, rows, now, defer_index=defer_index)
                if source is not None:
                    conn.execute(
                        "UPDATE sources SET last_new = ?, last_updated = ? WHERE name = ?",
                        (result.new, result.updated, source),
                    )
                    if meta is not None:
                        self._success(conn, source, meta, False)
                results.append(result)
            return results

        return self._run(work, write=True)

    def file_stamps(self, source: str) -> dict[str, tuple[str, float | None, str]]:
        """For folder sources: origin path → (article id, mtime, content hash), so an
        unchanged file need not be parsed again."""
        return self._run(
            lambda conn: {
                origin: (article_id, mtime, digest)
                for origin, article_id, mtime, digest in conn.execute(
                    "SELECT a.origin, a.id, a.mtime, a.content_hash FROM articles AS a"
                    " JOIN sources AS s ON s.id = a.source_id"
                    " WHERE s.name = ? AND a.origin IS NOT NULL",
                    (source,),
                )
            }
        )

    # --- reading -----------------------------------------------------------------------

    def articles(
        self,
        *,
        section: str | None = None,
        source: str | None = None,
        unread: bool = False,
        starred: bool = False,
        limit: int = 50,
        offset: int = 0,
        after: ArticleRef | None = None,
    ) -> list[ArticleRef]:
        """A page of list rows, newest first. ``after`` (the last row of the previous
        page) pages without the cost of a growing ``offset``."""

        def work(conn: sqlite3.Connection) -> list[ArticleRef]:
            where: list[str] = []
            params: list[Any] = []
            for column, table, name in (
                ("section_id", "sections", section),
                ("source_id", "sources", source),
            ):
                if name is None:
                    continue
                found = conn.execute(
                    f"SELECT id FROM {table} WHERE name = ?",  # noqa: S608
                    (name,),
                ).fetchone()
                if found is None:
                    return []
                where.append(f"a.{column} = ?")
                params.append(found[0])
            if unread:
                where.append("st.read = 0")
            if starred:
                where.append("st.starred = 1")
            if after is not None:
                where.append("(a.sort_key, a.rid) < (?, ?)")
                params += [after.sort_key, after.seq]
            sql = _STARRED_REF if starred else _REF
            if where:
                sql += " WHERE " + " AND ".join(where)
            sql += " ORDER BY a.sort_key DESC, a.rid DESC LIMIT ? OFFSET ?"
            return [_ref(row) for row in conn.execute(sql, (*params, limit, offset))]

        return self._run(work)

    def resolve_id(self, ref: str) -> str | None:
        """The full id for an id or an unambiguous prefix of 6+ hex characters.

        Returns None when nothing matches; raises AmbiguousIdError when several do.
        """
        ref = ref.strip().lower()
        if not ID_PATTERN.fullmatch(ref):
            return None
        rows = self._run(
            lambda conn: conn.execute(
                "SELECT id FROM articles WHERE id >= ? AND id < ? ORDER BY id LIMIT 2",
                (ref, ref + "g"),
            ).fetchall()
        )
        if len(rows) > 1:
            raise AmbiguousIdError(
                f"{ref} matches several cached articles; give more characters of the id"
            )
        return str(rows[0][0]) if rows else None

    def article(self, ref: str) -> StoredArticle | None:
        """One whole article by id or unambiguous prefix; None when not cached."""
        article_id = self.resolve_id(ref)
        if article_id is None:
            return None
        row = self._run(
            lambda conn: conn.execute(
                "SELECT a.id, a.title, a.url, sec.name, a.author, a.published, a.updated,"
                " a.language, b.lede, b.markdown, b.text, b.headings, a.publisher, a.image,"
                " src.name, st.read, st.starred, st.read_at, st.read AND st.read_version < a.version,"
                " a.fetched_at, a.changed_at, b.html"
                " FROM articles AS a JOIN bodies AS b ON b.rid = a.rid"
                " JOIN reader_state AS st ON st.rid = a.rid"
                " LEFT JOIN sources AS src ON src.id = a.source_id"
                " LEFT JOIN sections AS sec ON sec.id = a.section_id"
                " WHERE a.id = ?",
                (article_id,),
            ).fetchone()
        )
        if row is None:
            return None
        article = Article(
            id=row[0],
            title=row[1],
            url=row[2],
            section=row[3],
            author=row[4],
            published=row[5],
            updated=row[6],
            language=row[7],
            lede=row[8],
            markdown=row[9],
            text=row[10],
            headings=tuple(json.loads(row[11])) if row[11] else (),
            source=row[12],
            image=row[13],
            content_html=row[21],
        )
        from newsreader.rows import StoredArticle

        return StoredArticle(
            article=article,
            source=row[14],
            read=bool(row[15]),
            starred=bool(row[16]),
            read_at=row[17],
            updated_since_read=bool(row[18]),
            fetched_at=row[19],
            changed_at=row[20],
        )

    def set_body(
        self,
        ref: str,
        *,
        markdown: str,
        text: str,
        headings: Iterable[str],
        lede: str | None = None,
    ) -> bool:
        """Replace an article's body without making it a new version.

        For the Markdown made from a feed entry's HTML on first reading, and for the
        full text fetched from the entry's page: the story did not change, only how
        much of it the cache holds, so read state stays and the next sync of the same
        entry still counts as unchanged. The entry HTML, no longer needed, is dropped.
        """
        lines = [line for line in (clean_line(h) for h in headings) if line]

        def work(conn: sqlite3.Connection) -> bool:
            return bool(
                conn.execute(
                    "UPDATE bodies SET markdown = ?, text = ?, headings = ?, html = NULL,"
                    " lede = coalesce(?, lede), indexed = 1"
                    " WHERE rid = (SELECT rid FROM articles WHERE id = ?)",
                    (
                        clean_text(markdown),
                        clean_text(text),
                        json.dumps(lines, ensure_ascii=False) if lines else None,
                        clean_line(lede),
                        ref,
                    ),
                ).rowcount
            )

        return self._run(work, write=True)

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
        from newsreader.content.sanitize import index_text

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

    def sections(self) -> list[SectionCount]:
        """Sections that hold articles, with total and unread counts (kept by triggers:
        no scan), sorted by name ignoring case and accents."""
        rows = self._run(
            lambda conn: conn.execute(
                "SELECT name, total, unread FROM sections WHERE total > 0"
            ).fetchall()
        )
        from newsreader.rows import SectionCount

        return sorted((SectionCount(*row) for row in rows), key=lambda s: (_fold(s.name), s.name))

    def totals(self) -> Totals:
        """Counts for the virtual sections All, Unread and Starred."""
        row = self._run(
            lambda conn: conn.execute("SELECT articles, unread, starred FROM totals").fetchone()
        )
        from newsreader.rows import Totals

        return Totals(*row)

    def headlines(self, limit: int = 20, *, flash_only: bool = False) -> list[Headline]:
        """The newest titled articles for the ticker, optionally only from sources
        flagged ``flash``."""
        sql = (
            "SELECT a.id, a.title, coalesce(src.name, a.publisher), sec.name, a.published,"
            " a.sort_key, a.rid FROM articles AS a"
            " LEFT JOIN sources AS src ON src.id = a.source_id"
            " LEFT JOIN sections AS sec ON sec.id = a.section_id"
            " WHERE a.title IS NOT NULL {0} ORDER BY a.sort_key DESC, a.rid DESC LIMIT ?"
        )

        def work(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            if not flash_only:
                return conn.execute(sql.format(""), (limit,)).fetchall()
            rows: list[tuple[Any, ...]] = []
            # One index walk per flash source, merged here: cheaper than filtering
            # the whole date index when the flash sources are quiet.
            for (source_id,) in conn.execute("SELECT id FROM sources WHERE flash = 1").fetchall():
                rows += conn.execute(sql.format("AND a.source_id = ?"), (source_id, limit))
            rows.sort(key=lambda row: (row[5], row[6]), reverse=True)
            return rows[:limit]

        from newsreader.rows import Headline

        return [Headline(*row[:6]) for row in self._run(work)]

    def search(
        self,
        query: str,
        *,
        limit: int = 50,
        offset: int = 0,
        section: str | None = None,
        candidates: int = SEARCH_CANDIDATES,
    ) -> list[SearchHit]:
        """Full-text search over title, lede and body, best first (bm25: title counts
        most), accents and case ignored. ``query`` is free text (see
        :func:`newsreader.store.query.fts_query`).

        bm25 ranks the ``candidates`` most recently stored matches: all of them for a
        specific query, the recent ones for a word found in half the cache, which keeps
        a one-word search fast whatever the cache size (and news readers want recent).
        """
        match = fts_query(query)
        if match is None:
            return []
        self._index_before_search()
        marks = (HIGHLIGHT_START, HIGHLIGHT_END)
        in_section = "AND a.section_id = (SELECT id FROM sections WHERE name = :section)"

        def work(conn: sqlite3.Connection) -> list[tuple[Any, ...]]:
            params = {
                "match": match,
                "section": section,
                "candidates": candidates,
                "start": marks[0],
                "end": marks[1],
                "limit": limit,
                "offset": offset,
            }
            where = in_section if section is not None else ""
            extra = _search_unindexed(conn, where, params) if self.read_only else []
            if extra:  # merged below: both lists from their start
                params = {**params, "limit": limit + offset, "offset": 0}
            (floor,) = conn.execute(_SEARCH_FLOOR.format(where), params).fetchone()
            rows = []
            if floor is not None:
                rows = conn.execute(_SEARCH.format(where), {**params, "floor": floor}).fetchall()
            if extra:
                rows = sorted(rows + extra, key=lambda row: row[7])[offset : offset + limit]
            return rows

        from newsreader.rows import SearchHit

        generation = self._generation
        rows = self._run(work)
        if self._generation != generation:  # mended meanwhile: its words wait for the index
            self._index_before_search()
            rows = self._run(work)
        hits = []
        for row in rows:
            snippet, spans = split_highlights(row[6] or "")
            hits.append(
                SearchHit(
                    id=row[0],
                    title=row[1],
                    source=row[2],
                    section=row[3],
                    published=row[4],
                    sort_key=row[5],
                    snippet=snippet,
                    highlights=spans,
                    rank=row[7],
                )
            )
        return hits

    def _index_before_search(self) -> None:
        """A sync leaves words unindexed: index them, so that search sees everything."""
        if not self.read_only and self._run(
            lambda conn: conn.execute("SELECT 1 FROM bodies WHERE indexed = 0 LIMIT 1").fetchone()
        ):
            self.index_pending()

    # --- reader state ------------------------------------------------------------------

    def mark_read(self, ids: str | Iterable[str], read: bool = True) -> int:
        """Mark articles read (which also clears "updated since read") or unread.
        Returns how many changed; unknown ids are ignored."""
        keys = json.dumps([ids] if isinstance(ids, str) else list(ids))
        if read:
            sql = (
                "UPDATE reader_state SET read = 1, read_at = ?, read_version ="
                " (SELECT version FROM articles WHERE rid = reader_state.rid)"
                " WHERE rid IN (SELECT rid FROM articles WHERE id IN"
                " (SELECT value FROM json_each(?)))"
                " AND (read = 0 OR read_version <"
                " (SELECT version FROM articles WHERE rid = reader_state.rid))"
            )
            params: tuple[Any, ...] = (self._now(), keys)
        else:
            sql = (
                "UPDATE reader_state SET read = 0, read_at = NULL WHERE read = 1 AND rid IN"
                " (SELECT rid FROM articles WHERE id IN (SELECT value FROM json_each(?)))"
            )
            params = (keys,)
        return self._run(lambda conn: int(conn.execute(sql, params).rowcount), write=True)

    def set_starred(self, ids: str | Iterable[str], starred: bool = True) -> int:
        """Star or unstar articles; returns how many changed."""
        keys = json.dumps([ids] if isinstance(ids, str) else list(ids))
        return self._run(
            lambda conn: int(
                conn.execute(
                    "UPDATE reader_state SET starred = ?, starred_at = ? WHERE starred != ? AND rid IN"
                    " (SELECT rid FROM articles WHERE id IN (SELECT value FROM json_each(?)))",
                    (int(starred), self._now() if starred else None, int(starred), keys),
                ).rowcount
            ),
            write=True,
        )

    def mark_all_read(self, *, section: str | None = None, source: str | None = None) -> int:
        """Mark everything (or one section, or one source) read; returns how many."""
        sql = (
            "UPDATE reader_state SET read = 1, read_at = :now, read_version ="
            " (SELECT version FROM articles WHERE rid = reader_state.rid)"
            " WHERE read = 0 AND rid IN (SELECT rid FROM articles WHERE"
            " (:section IS NULL OR section_id ="
            "  (SELECT id FROM sections WHERE name = :section)) AND"
            " (:source IS NULL OR source_id = (SELECT id FROM sources WHERE name = :source)))"
        )
        return self._run(
            lambda conn: int(
                conn.execute(
                    sql, {"now": self._now(), "section": section, "source": source}
                ).rowcount
            ),
            write=True,
        )

    def ui_state(self, key: str, default: JSONValue = None) -> JSONValue:
        """A remembered UI value (last section, last article, scroll, theme...)."""
        row = self._run(
            lambda conn: conn.execute("SELECT value FROM ui_state WHERE key = ?", (key,)).fetchone()
        )
        return default if row is None else json.loads(row[0])

    def set_ui_state(self, key: str, value: JSONValue) -> None:
        """Remember a UI value (JSON-encoded; None forgets it)."""
        if value is None:
            self._run(
                lambda conn: conn.execute("DELETE FROM ui_state WHERE key = ?", (key,)), write=True
            )
            return
        encoded = json.dumps(value, ensure_ascii=False)
        self._run(
            lambda conn: conn.execute(
                "INSERT INTO ui_state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, encoded),
            ),
            write=True,
        )

    # --- maintenance -------------------------------------------------------------------

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

        def work(conn: sqlite3.Connection) -> tuple[Any, ...]:
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
