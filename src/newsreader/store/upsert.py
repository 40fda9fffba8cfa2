"""Writing a batch of articles for one source: new, updated or unchanged.

The rules that keep a cache trustworthy live here:

- Text is sanitised again on the way in (the same functions content/ uses), so nothing
  that skipped content/ can put control characters into the cache.
- An article is rewritten only when its content hash changed, and then field by field:
  an empty field in the new version never blanks a stored one, so a fetch that came
  back thin (a summary instead of the page, a failed extraction) cannot erase text.
- An article belongs to the first source that stored it; another source carrying the
  same URL does not take it over (``open`` of a URL, with no source, may refresh it),
  it is remembered as one more carrier of it.
- A new article with the title of another source's article stored within a day of it
  is the same story (``story_of``, see migration 4 in :mod:`newsreader.store.schema`);
  it joins that story read if the story was read.
- What a feed says about an article's comments (a count, the comment feed, the page)
  and its reading time are not content: they are written when they change, without
  a new version, so a comment count that grows never marks an article "changed".
"""

from __future__ import annotations

import functools
import hashlib
import json
import sqlite3
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import NamedTuple

from newsreader.content.dates import utc_key
from newsreader.content.readtime import reading_minutes
from newsreader.content.sanitize import clean_line, clean_text, safe_url
from newsreader.errors import StoreError
from newsreader.ids import ID_LENGTH
from newsreader.models import Article, Image
from newsreader.store.schema import UNDATED

__all__ = [
    "ArticleInput",
    "FetchMeta",
    "PreparedBatch",
    "PreparedBody",
    "UpsertResult",
    "count_inserted",
    "prepare",
    "prepare_batch",
    "prepare_body",
    "sections_of_sources",
    "upsert",
]

_FUTURE_SLACK = timedelta(days=1)
_HEX = frozenset("0123456789abcdef")


class ArticleInput(NamedTuple):
    """An article plus where it was read from, for sources that re-scan files."""

    article: Article
    origin: str | None = None
    """The file path (or feed guid) it came from; keys :meth:`Store.file_stamps`."""
    mtime: float | None = None
    """The file's modification time when it was read."""


class FetchMeta(NamedTuple):
    """What a successful fetch tells about the next one (stored on the source)."""

    etag: str | None = None
    last_modified: str | None = None
    next_fetch_at: str | None = None
    """UTC ISO instant; None means "whenever sync runs next"."""


class UpsertResult(NamedTuple):
    """How a batch changed the cache."""

    new: int = 0
    updated: int = 0
    """Stored before, and some content changed."""
    unchanged: int = 0
    """Same content (not rewritten), or owned by another source."""
    new_ids: tuple[str, ...] = ()
    """Ids of the new articles, in batch order (sync fetches their full text)."""
    updated_ids: tuple[str, ...] = ()
    """Ids of the articles whose content changed."""

    @property
    def total(self) -> int:
        return self.new + self.updated + self.unchanged


class _Row(NamedTuple):
    """An article as it is written: cleaned, with its hash. (A named tuple: built ten
    thousand times per sync, where a frozen dataclass's __init__ costs five times more.)"""

    id: str
    category: str | None
    title: str | None
    url: str | None
    author: str | None
    published: str | None
    updated: str | None
    language: str | None
    publisher: str | None
    image: str | None
    lede: str | None
    markdown: str
    text: str
    headings: str | None
    html: str | None
    images: str | None
    """JSON ``[[src, alt, caption], ...]`` (None for no figure)."""
    origin: str | None
    mtime: float | None
    content_hash: str
    date_key: str | None
    minutes: int | None
    """Reading time of ``text``; None for an entry kept as HTML (counted later)."""
    comment_count: int | None
    comments_feed: str | None
    comments_page: str | None


# Columns of articles/bodies that carry content, in the order of _Row and the SELECT below.
_SMALL = (
    "category",
    "title",
    "url",
    "author",
    "published",
    "updated",
    "language",
    "publisher",
    "image",
)


def _clean_body(value: str | None) -> str:
    """clean_text, skipped for text that holds nothing it would change."""
    if not value:
        return ""
    return clean_text(value)  # a single scan when there is nothing to clean


def _digest(values: Iterable[str | None]) -> str:
    """A hash of the content fields; None and "" differ, fields cannot run together."""
    joined = "\x00".join("\x01" if value is None else value for value in values)
    return hashlib.sha256(joined.encode("utf-8", "surrogatepass")).hexdigest()[:32]


def image_list(images: Iterable[Image]) -> str | None:
    """Figures as stored: JSON ``[[src, alt, caption], ...]``, only http(s) sources, text
    cleaned; None for none."""
    kept = [
        [src, clean_line(image.alt), clean_line(image.caption)]
        for image in images
        if (src := safe_url(image.src))
    ]
    return json.dumps(kept, ensure_ascii=False) if kept else None


def _date(value: str | None) -> tuple[str | None, str | None]:
    """A stored date and its UTC sort key, or (None, None) for anything unparseable."""
    value = clean_line(value)
    key = utc_key(value)
    return (value, key) if key else (None, None)


def prepare(item: Article | ArticleInput) -> _Row:
    """Clean and hash one article (outside the transaction: it is pure CPU)."""
    article, origin, mtime = (
        (item.article, item.origin, item.mtime)
        if isinstance(item, ArticleInput)
        else (item, None, None)
    )
    if len(article.id) != ID_LENGTH or not set(article.id) <= _HEX:
        raise ValueError(f"not an article id: {article.id!r}")
    published, published_key = _date(article.published)
    updated, updated_key = _date(article.updated)
    headings = [line for line in map(clean_line, article.headings) if line]
    category = clean_line(article.section)
    title = clean_line(article.title)
    url = safe_url(article.url)
    author = clean_line(article.author)
    language = clean_line(article.language)
    publisher = clean_line(article.source)
    image = safe_url(article.image)
    lede = _clean_body(article.lede).strip() or None
    markdown = _clean_body(article.markdown)
    text = _clean_body(article.text)
    heading_list = json.dumps(headings, ensure_ascii=False) if headings else None
    images = image_list(article.images)
    # Entry HTML is never shown as it is: it is input for content/markdown.py, which
    # cleans what it makes of it (and content/feed.py already cleaned the feed whole).
    html = article.content_html or None
    digest = _digest(
        (
            category,
            title,
            url,
            author,
            published,
            updated,
            language,
            publisher,
            image,
            lede,
            markdown,
            text,
            heading_list,
            html,
            # Only when there are figures: articles stored before figures were kept
            # hash as they did, so the next sync does not count them as changed.
            *((images,) if images else ()),
        )
    )
    return _Row(
        id=article.id,
        category=category,
        title=title,
        url=url,
        author=author,
        published=published,
        updated=updated,
        language=language,
        publisher=publisher,
        image=image,
        lede=lede,
        markdown=markdown,
        text=text,
        headings=heading_list,
        html=html,
        images=images,
        origin=clean_line(origin),
        mtime=mtime,
        content_hash=digest,
        date_key=published_key or updated_key,
        minutes=reading_minutes(text, language) if text or not html else None,
        comment_count=_count(article.comment_count),
        comments_feed=safe_url(article.comments_feed),
        comments_page=safe_url(article.comments_page),
    )


def _count(value: object) -> int | None:
    """A comment count as stored: a non-negative integer SQLite can hold, else None."""
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        return None
    return value


@functools.lru_cache(maxsize=64)
def _future_limit(fetched_at: str) -> str:
    limit = datetime.fromisoformat(fetched_at.replace("Z", "+00:00")) + _FUTURE_SLACK
    return limit.strftime("%Y-%m-%dT%H:%M:%SZ")


def _sort_key(date_key: str | None, fetched_at: str) -> str:
    """Order by the article's date (published, else updated); an undated article sorts
    after every dated one. A date far in the future (a feed's typo) would pin the
    article to the top for years, so it counts as the fetch time instead."""
    if not date_key:
        return UNDATED
    return fetched_at if date_key > _future_limit(fetched_at) else date_key


class _Sections:
    """Section name to id, creating sections on first use."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn
        self._ids: dict[str, int] = {}

    def id(self, name: str | None) -> int | None:
        if not name:
            return None
        if name not in self._ids:
            self._conn.execute("INSERT OR IGNORE INTO sections (name) VALUES (?)", (name,))
            (self._ids[name],) = self._conn.execute(
                "SELECT id FROM sections WHERE name = ?", (name,)
            ).fetchone()
        return self._ids[name]


_INSERT_ARTICLE = """
INSERT INTO articles (rid, id, source_id, section_id, category, title, url, author,
    published, updated, language, publisher, image, sort_key, fetched_at, changed_at,
    content_hash, origin, mtime, minutes, comment_count, comments_feed, comments_page)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_INSERT_BODY = """
INSERT INTO bodies (rid, title, lede, text, markdown, headings, html, images, indexed)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
"""
_OLD_CONTENT = """
SELECT a.rid, a.category, a.title, a.url, a.author, a.published, a.updated, a.language,
    a.publisher, a.image, b.lede, b.markdown, b.text, b.headings, a.fetched_at, b.html,
    b.images
FROM articles AS a JOIN bodies AS b ON b.rid = a.rid
WHERE a.rid IN (SELECT value FROM json_each(?))
"""


def _update_extras(conn: sqlite3.Connection, rid: int, row: _Row, old: tuple[object, ...]) -> None:
    """Write what the feed now says of the comments, and a reading time not yet known,
    when they differ from the stored ones (one UPDATE only then: a sync of ten
    thousand unchanged entries writes nothing)."""
    old_minutes, *old_links = old
    new = (row.comment_count, row.comments_feed, row.comments_page)
    changed = any(
        value is not None and value != was for value, was in zip(new, old_links, strict=True)
    )
    if not changed and (old_minutes is not None or row.minutes is None):
        return
    conn.execute(
        "UPDATE articles SET comment_count = coalesce(?, comment_count),"
        " comments_feed = coalesce(?, comments_feed), comments_page = coalesce(?, comments_page),"
        " minutes = coalesce(minutes, ?) WHERE rid = ?",
        (*new, row.minutes, rid),
    )


def _needs_text(row: _Row) -> bool:
    """An entry stored as HTML only: its index text is made when it is indexed."""
    return bool(row.html) and not row.text


def _nonblank(new: str | None, old: str | None) -> str | None:
    return old if new is None or new == "" else new


_SourceSections = dict[int, tuple[str | None, bool]]
"""Each source's configured section, and whether the source is a folder."""


def _section_name(
    source_sections: _SourceSections, owner: int | None, category: str | None
) -> str | None:
    """Where an article is filed: its source's section, else its own category. A
    folder's subfolders are sections under its section (``Notes/Voyages``)."""
    section, folder = (
        source_sections.get(owner, (None, False)) if owner is not None else (None, False)
    )
    if section and folder and category:
        return f"{section}/{category}"
    return section or category


def sections_of_sources(conn: sqlite3.Connection) -> _SourceSections:
    """Each source's configured section, and whether it is a folder."""
    return {
        rid: (section, bool(folder))
        for rid, section, folder in conn.execute("SELECT id, section, kind = 'folder' FROM sources")
    }


def upsert(
    conn: sqlite3.Connection,
    source: str | None,
    rows: list[_Row],
    now: str,
    *,
    defer_index: bool = False,
    source_sections: _SourceSections | None = None,
) -> UpsertResult:
    """Write ``rows`` (already :func:`prepare`-d, ids unique) inside the caller's
    transaction; see the module docstring for the rules. ``source_sections`` (from
    :func:`sections_of_sources`) saves reading them again for each source of a
    transaction that writes many."""
    source_id: int | None = None
    if source_sections is None:
        source_sections = sections_of_sources(conn)
    if source is not None:
        found = conn.execute("SELECT id FROM sources WHERE name = ?", (source,)).fetchone()
        if found is None:
            raise StoreError(f"unknown source: {source!r} (add it before storing articles)")
        source_id = found[0]
    sections = _Sections(conn)
    existing = {
        row[1]: row
        for row in conn.execute(
            "SELECT rid, id, source_id, content_hash, origin, mtime, minutes, comment_count,"
            " comments_feed, comments_page FROM articles"
            " WHERE id IN (SELECT value FROM json_each(?))",
            (json.dumps([row.id for row in rows]),),
        )
    }
    unchanged = 0
    fresh: list[_Row] = []
    candidates: dict[int, tuple[_Row, int | None]] = {}
    carried: list[tuple[int, int]] = []
    for row in rows:
        old = existing.get(row.id)
        if old is None:
            fresh.append(row)
            continue
        rid, _, owner, old_hash, old_origin, old_mtime = old[:6]
        if source_id is not None and owner is not None and owner != source_id:
            carried.append((rid, source_id))
            unchanged += 1
            continue
        _update_extras(conn, rid, row, old[6:])
        new_owner = owner if owner is not None else source_id
        if old_hash == row.content_hash:
            if new_owner != owner or (row.origin, row.mtime) != (old_origin, old_mtime):
                conn.execute(
                    "UPDATE articles SET source_id = ?, section_id = ?, "
                    "origin = coalesce(?, origin), mtime = coalesce(?, mtime) WHERE rid = ?",
                    (
                        new_owner,
                        sections.id(_section_name(source_sections, new_owner, row.category)),
                        row.origin,
                        row.mtime,
                        rid,
                    ),
                )
            unchanged += 1
            continue
        candidates[rid] = (row, new_owner)
    if carried:
        conn.executemany("INSERT OR IGNORE INTO carriers (rid, source_id) VALUES (?, ?)", carried)
    (last_rid,) = conn.execute("SELECT coalesce(max(rid), 0) FROM articles").fetchone()
    _insert_new(conn, fresh, last_rid, source_id, sections, source_sections, now, defer_index)
    if fresh:
        _join_stories(conn, last_rid, now)
    updated = _update_changed(conn, candidates, sections, source_sections, now, defer_index)
    unchanged += len(candidates) - len(updated)
    return UpsertResult(
        new=len(fresh),
        updated=len(updated),
        unchanged=unchanged,
        new_ids=tuple(row.id for row in fresh),
        updated_ids=tuple(updated),
    )


def _insert_new(
    conn: sqlite3.Connection,
    rows: list[_Row],
    after: int,
    source_id: int | None,
    sections: _Sections,
    source_sections: _SourceSections,
    now: str,
    defer_index: bool,
) -> None:
    """Insert new articles as rows ``after + 1``, ``after + 2``... (``after`` is the
    highest row id in the table: the ids SQLite would give them), with two
    ``executemany`` calls: the loop over rows runs in C, so a writer thread holds the
    GIL only to bind each row. Then their reading state and the counts, once for the
    batch (:func:`count_inserted`)."""
    if not rows:
        return
    conn.executemany(
        _INSERT_ARTICLE,
        [
            (
                rid,
                row.id,
                source_id,
                sections.id(_section_name(source_sections, source_id, row.category)),
                row.category,
                row.title,
                row.url,
                row.author,
                row.published,
                row.updated,
                row.language,
                row.publisher,
                row.image,
                _sort_key(row.date_key, now),
                now,
                now,
                row.content_hash,
                row.origin,
                row.mtime,
                row.minutes,
                row.comment_count,
                row.comments_feed,
                row.comments_page,
            )
            for rid, row in zip(range(after + 1, after + 1 + len(rows)), rows, strict=True)
        ],
    )
    conn.executemany(
        _INSERT_BODY,
        [
            (
                rid,
                row.title,
                row.lede,
                row.text,
                row.markdown,
                row.headings,
                row.html,
                row.images,
                int(not defer_index and not _needs_text(row)),
            )
            for rid, row in zip(range(after + 1, after + 1 + len(rows)), rows, strict=True)
        ],
    )
    count_inserted(conn, after)


_COUNT_INSERTED = (
    "INSERT INTO reader_state (rid) SELECT rid FROM articles WHERE rid > :after",
    "UPDATE sections SET total = total + batch.n, unread = unread + batch.n FROM ("
    " SELECT section_id, count(*) AS n FROM articles NOT INDEXED WHERE rid > :after"
    " GROUP BY section_id"
    ") AS batch WHERE sections.id = batch.section_id",
    "UPDATE sources SET article_count = article_count + batch.n FROM ("
    " SELECT source_id, count(*) AS n FROM articles NOT INDEXED WHERE rid > :after"
    " GROUP BY source_id"
    ") AS batch WHERE sources.id = batch.source_id",
    "UPDATE totals SET articles = articles + batch.n, unread = unread + batch.n FROM ("
    " SELECT count(*) AS n FROM articles WHERE rid > :after) AS batch",
)


def count_inserted(conn: sqlite3.Connection, after: int) -> None:
    """Give the articles just inserted above row ``after`` their reading state (unread,
    unstarred) and count them in their section, their source and the totals: what a
    per-row trigger did before migration 9, in four statements for the whole batch."""
    for statement in _COUNT_INSERTED:
        conn.execute(statement, {"after": after})


_JOIN_STORIES = """
UPDATE articles SET story_of = m.first FROM (
    SELECT a.rid AS rid, min(coalesce(o.story_of, o.rid)) AS first
    FROM articles AS a
    JOIN articles AS o INDEXED BY articles_by_title ON o.title = a.title AND o.rid < a.rid
        AND o.source_id IS NOT a.source_id
        AND o.sort_key BETWEEN strftime('%Y-%m-%dT%H:%M:%SZ', a.sort_key, '-1 day')
            AND strftime('%Y-%m-%dT%H:%M:%SZ', a.sort_key, '+1 day')
    WHERE a.rid > :after AND a.title IS NOT NULL
    GROUP BY a.rid
) AS m
WHERE articles.rid = m.rid
"""
_READ_WITH_STORY = """
UPDATE reader_state SET read = 1, read_at = :now, read_version = 1
WHERE rid IN (
    SELECT a.rid FROM articles AS a JOIN reader_state AS first ON first.rid = a.story_of
    WHERE a.rid > :after AND a.story_of IS NOT NULL AND first.read = 1)
"""


def _join_stories(conn: sqlite3.Connection, after: int, now: str) -> None:
    """Make the articles inserted after row ``after`` part of the stories they repeat
    (one walk of the new rows, one probe of the title index each), read if the
    story was."""
    if conn.execute(_JOIN_STORIES, {"after": after}).rowcount:
        conn.execute(_READ_WITH_STORY, {"after": after, "now": now})


def _update_changed(
    conn: sqlite3.Connection,
    candidates: dict[int, tuple[_Row, int | None]],
    sections: _Sections,
    source_sections: _SourceSections,
    now: str,
    defer_index: bool,
) -> list[str]:
    """Merge the new versions into the stored ones; returns the ids that really changed."""
    if not candidates:
        return []
    updated: list[str] = []
    olds = conn.execute(_OLD_CONTENT, (json.dumps(list(candidates)),)).fetchall()
    for old in olds:
        rid = old[0]
        row, owner = candidates[rid]
        old_small = old[1:10]
        old_lede, old_markdown, old_text, old_headings, fetched_at, old_html, old_images = old[
            10:17
        ]
        small: tuple[str | None, ...] = tuple(
            _nonblank(getattr(row, name), value)
            for name, value in zip(_SMALL, old_small, strict=True)
        )
        lede = _nonblank(row.lede, old_lede)
        if row.text or row.markdown or row.html:
            body = (row.markdown, row.text, row.headings, row.html, row.images or old_images)
        else:
            body = (old_markdown, old_text, old_headings, old_html, old_images)
        section_id = sections.id(_section_name(source_sections, owner, small[0]))
        old_body = (old_markdown, old_text, old_headings, old_html, old_images)
        if small == old_small and lede == old_lede and body == old_body:
            # Nothing visible changed (the new version only lacked fields): remember
            # its hash so the next identical fetch is recognised without this work.
            conn.execute(
                "UPDATE articles SET content_hash = ?, source_id = ?, section_id = ?,"
                " origin = coalesce(?, origin), mtime = coalesce(?, mtime)"
                " WHERE rid = ?",
                (row.content_hash, owner, section_id, row.origin, row.mtime, rid),
            )
            continue
        published, updated_date = small[4], small[5]
        date_key = utc_key(published) or utc_key(updated_date)
        conn.execute(
            "UPDATE articles SET category = ?, title = ?, url = ?, author = ?, published = ?,"
            " updated = ?, language = ?, publisher = ?, image = ?, source_id = ?,"
            " section_id = ?, sort_key = ?, changed_at = ?, version = version + 1,"
            " content_hash = ?, origin = coalesce(?, origin), mtime = coalesce(?, mtime),"
            " minutes = CASE WHEN ? THEN ? ELSE minutes END"
            " WHERE rid = ?",
            (
                *small,
                owner,
                section_id,
                _sort_key(date_key, fetched_at),
                now,
                row.content_hash,
                row.origin,
                row.mtime,
                body[1] != old_text or body[3] != old_html,  # a new body: its own time
                row.minutes,
                rid,
            ),
        )
        title = small[1]
        if (title, lede, body[1]) != (old_small[1], old_lede, old_text):
            conn.execute(
                "UPDATE bodies SET title = ?, lede = ?, text = ?, markdown = ?,"
                " headings = ?, html = ?, images = ?, indexed = ? WHERE rid = ?",
                (
                    title,
                    lede,
                    body[1],
                    body[0],
                    body[2],
                    body[3],
                    body[4],
                    int(not defer_index and not (body[3] and not body[1])),
                    rid,
                ),
            )
        elif body != old_body:
            # Not a searched column: leave the FTS index alone.
            conn.execute(
                "UPDATE bodies SET markdown = ?, headings = ?, html = ?, images = ? WHERE rid = ?",
                (body[0], body[2], body[3], body[4], rid),
            )
        updated.append(row.id)
    return updated


class PreparedBatch(NamedTuple):
    """Articles already cleaned and hashed (:func:`prepare_batch`), ready to write.

    Preparing is pure CPU; a sync does it on its own thread so that the writer thread
    spends its time in SQLite, where it does not hold the GIL.
    """

    rows: tuple[_Row, ...]


class PreparedBody(NamedTuple):
    """An article's new body as it is written: cleaned, headings and figures encoded,
    and its reading time when the language was known. Made where the body was made
    (a parser process, for full-text pages), so that the writer only writes."""

    markdown: str
    text: str
    headings: str | None
    lede: str | None
    images: str | None
    minutes: int | None
    """None: counted in the transaction, in the stored article's language."""


def prepare_body(
    *,
    markdown: str,
    text: str,
    headings: Iterable[str],
    lede: str | None = None,
    images: Iterable[Image] = (),
    language: str | None = None,
    counted: bool = False,
) -> PreparedBody:
    """Clean a body for :meth:`Store.set_prepared_body`; with ``counted``, its reading
    time is counted here, in ``language`` (the article's, as stored)."""
    lines = [line for line in (clean_line(h) for h in headings) if line]
    text = clean_text(text)
    return PreparedBody(
        markdown=clean_text(markdown),
        text=text,
        headings=json.dumps(lines, ensure_ascii=False) if lines else None,
        lede=clean_line(lede),
        images=image_list(images),
        minutes=reading_minutes(text, clean_line(language)) if counted else None,
    )


def prepare_batch(items: Iterable[Article | ArticleInput]) -> PreparedBatch:
    """Prepare a batch; when an id appears twice, the last version wins."""
    rows: dict[str, _Row] = {}
    for item in items:
        row = prepare(item)
        rows.pop(row.id, None)
        rows[row.id] = row
    return PreparedBatch(tuple(rows.values()))


def unique_rows(items: Iterable[Article | ArticleInput] | PreparedBatch) -> list[_Row]:
    """The rows of a batch, preparing it unless that was done already."""
    batch = items if isinstance(items, PreparedBatch) else prepare_batch(items)
    return list(batch.rows)
