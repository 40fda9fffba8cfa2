"""Articles: storing a source's batch, and reading lists, one article, the section list.

Lists are pages (``limit``/``offset`` or the ``after`` cursor), never whole tables,
ordered by ``sort_key`` then ``rid``: one walk of the date index. The columns every
list shows are one SELECT list, :data:`LIST_COLUMNS`, shared with search hits.
"""

from __future__ import annotations

import json
import sqlite3
import unicodedata
from collections.abc import Iterable, Sequence
from typing import Any

from newsreader.content.readtime import reading_minutes
from newsreader.content.sanitize import index_text
from newsreader.errors import AmbiguousIdError, StoreError
from newsreader.ids import ID_PATTERN
from newsreader.models import Article, Image
from newsreader.rows import ArticleRef, Headline, SectionCount, StoredArticle, Totals
from newsreader.store.base import StoreBase
from newsreader.store.columns import make, nested, records
from newsreader.store.sources import record_fetch
from newsreader.store.upsert import (
    ArticleInput,
    FetchMeta,
    PreparedBatch,
    PreparedBody,
    UpsertResult,
    prepare_body,
    sections_of_sources,
    unique_rows,
    upsert,
)

__all__ = [
    "FIRST_OF_STORY",
    "HEADLINES",
    "LIST_COLUMNS",
    "NAMES",
    "REFS",
    "REPEATS",
    "SECTIONS",
    "STARRED_REFS",
    "STATE_COLUMNS",
    "STORED",
    "TOTALS",
    "ArticlesMixin",
]

LIST_COLUMNS = """
    a.id AS id, a.title AS title, a.url AS url, coalesce(src.name, a.publisher) AS source,
    sec.name AS section, a.author AS author, a.published AS published,
    a.updated AS updated, a.sort_key AS sort_key"""
"""What every list of articles shows, for ``articles AS a`` joined with :data:`NAMES`:
the fields that :class:`~newsreader.rows.ArticleRef`, :class:`~newsreader.rows.Headline`
and :class:`~newsreader.rows.SearchHit` share."""

NAMES = """
LEFT JOIN sources AS src ON src.id = a.source_id
LEFT JOIN sections AS sec ON sec.id = a.section_id"""
"""The names of the source (``src``) and section (``sec``) of ``articles AS a``."""

STATE_COLUMNS = """
    a.rid AS seq, st.read AS read, st.starred AS starred,
    st.read AND st.read_version < a.version AS updated_since_read,
    (SELECT group_concat(name, char(31)) FROM (
        SELECT coalesce(os.name, o.publisher) AS name FROM articles AS o
        LEFT JOIN sources AS os ON os.id = o.source_id
        WHERE o.story_of = a.rid AND coalesce(os.name, o.publisher) IS NOT NULL
        UNION ALL
        SELECT cs.name FROM carriers AS c JOIN sources AS cs ON cs.id = c.source_id
        WHERE c.rid = a.rid)) AS also,
    a.minutes AS minutes, a.comment_count AS comment_count"""
"""The reading state of ``articles AS a`` joined with ``reader_state AS st``, its row
number (the paging cursor), ``also``: the other sources of its story (see
migration 4 in :mod:`newsreader.store.schema`), two small index probes a row,
separated by U+001F (a control character: never part of a stored name), and the
reading time and comment count the list shows."""

_REF_COLUMNS = f"{LIST_COLUMNS}, {STATE_COLUMNS}"

FIRST_OF_STORY = """
    (a.story_of IS NULL OR NOT EXISTS (SELECT 1 FROM articles AS f WHERE f.rid = a.story_of))"""
"""True for the article a virtual list shows for its story: the first one stored (or
any, once the first is gone)."""

_ARTICLES_FIRST = """
FROM articles AS a
CROSS JOIN reader_state AS st ON st.rid = a.rid"""
_STARRED_FIRST = """
FROM reader_state AS st
CROSS JOIN articles AS a ON a.rid = st.rid"""
"""For the starred list: start from the few starred rows (a partial index) instead of
walking every article by date."""

REFS = f"SELECT {_REF_COLUMNS} {_ARTICLES_FIRST} {NAMES}"
""":class:`~newsreader.rows.ArticleRef` rows; add WHERE and ORDER BY."""
STARRED_REFS = f"SELECT {_REF_COLUMNS} {_STARRED_FIRST} {NAMES}"
""":data:`REFS` for a list of starred articles only."""

HEADLINES = f"SELECT {LIST_COLUMNS}, a.rid AS rid FROM articles AS a {NAMES}"  # noqa: S608
""":class:`~newsreader.rows.Headline` rows, and ``rid`` to merge the lists of several
sources in their order."""

STORED = f"""
SELECT a.id AS "article.id", a.title AS "article.title", a.url AS "article.url",
    sec.name AS "article.section", a.author AS "article.author",
    a.published AS "article.published", a.updated AS "article.updated",
    a.language AS "article.language", b.lede AS "article.lede",
    b.markdown AS "article.markdown", b.text AS "article.text",
    b.headings AS "article.headings", b.images AS "article.images",
    a.publisher AS "article.source",
    a.image AS "article.image", b.html AS "article.content_html",
    a.comment_count AS "article.comment_count", a.comments_feed AS "article.comments_feed",
    a.comments_page AS "article.comments_page",
    a.minutes AS minutes, a.comments_fetched_at AS comments_fetched_at,
    src.name AS source, st.read AS read, st.starred AS starred, st.read_at AS read_at,
    st.read AND st.read_version < a.version AS updated_since_read,
    a.fetched_at AS fetched_at, a.changed_at AS changed_at
FROM articles AS a
JOIN bodies AS b ON b.rid = a.rid
JOIN reader_state AS st ON st.rid = a.rid {NAMES}"""  # noqa: S608
""":class:`~newsreader.rows.StoredArticle` rows, the article's own fields as
``article.<field>`` (``headings`` is JSON)."""

SECTIONS = "SELECT name, total, unread FROM sections WHERE total > 0"
""":class:`~newsreader.rows.SectionCount` rows (the counts are kept by triggers)."""
TOTALS = "SELECT articles, unread, starred FROM totals"
"""The one :class:`~newsreader.rows.Totals` row (kept by triggers)."""
REPEATS = f"""
SELECT count(*) AS articles, coalesce(sum(st.read = 0), 0) AS unread,
    coalesce(sum(st.starred), 0) AS starred
FROM articles AS a INDEXED BY articles_by_story
CROSS JOIN reader_state AS st ON st.rid = a.rid
WHERE a.story_of IS NOT NULL AND NOT {FIRST_OF_STORY}"""  # noqa: S608
"""A :class:`~newsreader.rows.Totals` row of the articles that repeat a story the
virtual lists already show (a walk of the small partial index of story members)."""


def _fold(name: str) -> str:
    """Sort key for section names: case and accents ignored (Économie near Europe)."""
    decomposed = unicodedata.normalize("NFKD", name.casefold())
    return "".join(char for char in decomposed if not unicodedata.combining(char))


class ArticlesMixin(StoreBase):
    """Writing a source's articles; reading lists, one article, sections and counts."""

    # --- writing -----------------------------------------------------------------------

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
            tuple[
                str | None,
                Iterable[Article | ArticleInput] | PreparedBatch | None,
                FetchMeta | None,
            ]
        ],
        *,
        defer_index: bool = False,
    ) -> list[UpsertResult]:
        """Several sources' batches (source, articles, meta) in one transaction: a sync
        hands over whatever arrived while the previous write ran, so that two hundred
        feeds cost a few commits, not two hundred.

        Articles None: the source answered "not modified"; only its fetch is recorded,
        as :meth:`record_success` with ``not_modified`` does. With ``defer_index`` the
        new words wait for :meth:`index_pending` (a sync leaves them for later; a search
        or an idle reader indexes them)."""
        prepared = [
            (source, None if articles is None else unique_rows(articles), meta)
            for source, articles, meta in batches
        ]

        def work(conn: sqlite3.Connection) -> list[UpsertResult]:
            now = self._now()
            results = []
            sections = None  # read once, and only for a batch with articles (not 304s)
            for source, rows, meta in prepared:
                if rows is None:
                    if source is None:
                        raise StoreError("a batch without articles needs its source")
                    record_fetch(conn, source, meta or FetchMeta(), True, self._now())
                    results.append(UpsertResult())
                    continue
                if sections is None:
                    sections = sections_of_sources(conn)
                result = upsert(
                    conn, source, rows, now, defer_index=defer_index, source_sections=sections
                )
                if source is not None:
                    conn.execute(
                        "UPDATE sources SET last_new = ?, last_updated = ? WHERE name = ?",
                        (result.new, result.updated, source),
                    )
                    if meta is not None:
                        record_fetch(conn, source, meta, False, self._now())
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

    def set_body(
        self,
        ref: str,
        *,
        markdown: str,
        text: str,
        headings: Iterable[str],
        lede: str | None = None,
        images: Iterable[Image] = (),
    ) -> bool:
        """Replace an article's body without making it a new version.

        For the Markdown made from a feed entry's HTML on first reading, and for the
        full text fetched from the entry's page: the story did not change, only how
        much of it the cache holds, so read state stays and the next sync of the same
        entry still counts as unchanged. The entry HTML, no longer needed, is dropped.
        """
        body = prepare_body(
            markdown=markdown, text=text, headings=headings, lede=lede, images=images
        )
        return self.set_prepared_body(ref, body)

    def set_prepared_body(self, ref: str, body: PreparedBody) -> bool:
        """:meth:`set_body` with a body cleaned beforehand (:func:`prepare_body`)."""

        def work(conn: sqlite3.Connection) -> bool:
            found = conn.execute("SELECT language FROM articles WHERE id = ?", (ref,)).fetchone()
            if found is None:
                return False
            minutes = body.minutes
            if minutes is None:
                minutes = reading_minutes(body.text, found[0])
            conn.execute("UPDATE articles SET minutes = ? WHERE id = ?", (minutes, ref))
            return bool(
                conn.execute(
                    "UPDATE bodies SET markdown = ?, text = ?, headings = ?, html = NULL,"
                    " lede = coalesce(?, lede), images = coalesce(?, images), indexed = 1"
                    " WHERE rid = (SELECT rid FROM articles WHERE id = ?)",
                    (body.markdown, body.text, body.headings, body.lede, body.images, ref),
                ).rowcount
            )

        return self._run(work, write=True)

    def count_pending(self, *, batch: int = 500, limit: int | None = None) -> int:
        """Count the reading time of the articles stored without one (before the cache
        kept it, or kept as entry HTML), ``batch`` rows a transaction; returns how many.

        The reader runs it in the background after it starts and after a sync."""
        if self.read_only:
            return 0
        done = 0
        while limit is None or done < limit:
            size = batch if limit is None else min(batch, limit - done)

            def work(conn: sqlite3.Connection, size: int = size) -> int:
                rows = conn.execute(
                    "SELECT a.rid, a.language, b.text, b.html"
                    " FROM articles AS a INDEXED BY articles_uncounted"
                    " LEFT JOIN bodies AS b ON b.rid = a.rid"
                    " WHERE a.minutes IS NULL LIMIT ?",
                    (size,),
                ).fetchall()
                conn.executemany(
                    "UPDATE articles SET minutes = ? WHERE rid = ?",
                    [
                        (reading_minutes(text or index_text(html), language), rid)
                        for rid, language, text, html in rows
                    ],
                )
                return len(rows)

            count = self._run(work, write=True)
            done += count
            if count < size:
                break
        return done

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
        newer_than: ArticleRef | None = None,
        last: bool = False,
        stories: bool = False,
    ) -> list[ArticleRef]:
        """A page of list rows, newest first. ``after`` (the last row of the previous
        page) pages without the cost of a growing ``offset``.

        From the other end: ``last`` gives the list's oldest ``limit`` rows and
        ``newer_than`` the ``limit`` rows just above a row, both still newest first,
        each one walk of the same index backwards (the reader's ``G``, and paging up
        from there). With ``stories``, a story carried by several sources is one row
        (the virtual lists), whose ``also`` names the other sources."""

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
            if newer_than is not None:
                where.append("(a.sort_key, a.rid) > (?, ?)")
                params += [newer_than.sort_key, newer_than.seq]
            if stories:
                where.append(FIRST_OF_STORY)
            sql = STARRED_REFS if starred else REFS
            if where:
                sql += " WHERE " + " AND ".join(where)
            backwards = last or newer_than is not None
            order = "ASC" if backwards else "DESC"
            sql += f" ORDER BY a.sort_key {order}, a.rid {order} LIMIT ? OFFSET ?"
            cursor = conn.execute(sql, (*params, limit, offset))
            rows = [make(ArticleRef, record) for record in records(cursor)]
            return rows[::-1] if backwards else rows

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
        found = self._run(
            lambda conn: records(conn.execute(STORED + " WHERE a.id = ?", (article_id,)))
        )
        if not found:
            return None
        (record,) = found
        fields = nested(record, "article")
        headings, images = fields.pop("headings"), fields.pop("images")
        article = Article(
            **fields,
            headings=tuple(json.loads(headings)) if headings else (),
            images=tuple(Image(*image) for image in json.loads(images)) if images else (),
        )
        return make(StoredArticle, {**record, "article": article})

    def sections(self) -> list[SectionCount]:
        """Sections that hold articles, with total and unread counts (kept by triggers:
        no scan), sorted by name ignoring case and accents."""
        counts = self._run(
            lambda conn: [make(SectionCount, record) for record in records(conn.execute(SECTIONS))]
        )
        return sorted(counts, key=lambda s: (_fold(s.name), s.name))

    def totals(self) -> Totals:
        """Counts for the virtual sections All, Unread and Starred."""
        (record,) = self._run(lambda conn: records(conn.execute(TOTALS)))
        return make(Totals, record)

    def repeats(self) -> Totals:
        """How many articles the virtual lists leave out as repeats of a story they
        show (All, Unread and Starred count them in :meth:`totals`)."""
        (record,) = self._run(lambda conn: records(conn.execute(REPEATS)))
        return make(Totals, record)

    def headlines(self, limit: int = 20, *, flash_only: bool = False) -> list[Headline]:
        """The newest titled articles for the ticker, optionally only from sources
        flagged ``flash``."""
        where = " WHERE a.title IS NOT NULL"
        order = " ORDER BY a.sort_key DESC, a.rid DESC LIMIT ?"

        def work(conn: sqlite3.Connection) -> list[dict[str, Any]]:
            if not flash_only:
                return records(conn.execute(HEADLINES + where + order, (limit,)))
            found: list[dict[str, Any]] = []
            # One index walk per flash source, merged here: cheaper than filtering
            # the whole date index when the flash sources are quiet.
            for (source_id,) in conn.execute("SELECT id FROM sources WHERE flash = 1").fetchall():
                found += records(
                    conn.execute(
                        HEADLINES + where + " AND a.source_id = ?" + order, (source_id, limit)
                    )
                )
            found.sort(key=lambda record: (record["sort_key"], record["rid"]), reverse=True)
            return found[:limit]

        headlines = []
        for record in self._run(work):
            del record["rid"]
            headlines.append(make(Headline, record))
        return headlines
