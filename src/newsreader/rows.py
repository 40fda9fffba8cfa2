"""Rows the store hands to the views: read-only snapshots of the cache.

Apart from :mod:`newsreader.models`, which holds what goes into the store: these are
what comes out of it. Named tuples, as the models are: a frozen dataclass costs its
generated methods at import, and every command imports these (4.7 ms for the eight). The fields are named like the columns of the store's SELECT
lists, which is how the store fills them (:mod:`newsreader.store.columns`): a new column
is one field here and one entry in the SELECT list.
"""

from __future__ import annotations

from typing import NamedTuple

from newsreader.models import Article, Comment

__all__ = [
    "ALSO_SEPARATOR",
    "ArticleRef",
    "CachedComments",
    "Headline",
    "SearchHit",
    "SectionCount",
    "SourceState",
    "StoredArticle",
    "Totals",
    "sources_of",
]

ALSO_SEPARATOR = "\x1f"
"""Between the names of an ``also`` field."""


def sources_of(also: str | None, source: str | None = None) -> tuple[str, ...]:
    """The names in an ``also`` field, once each, without ``source`` (the row's own)."""
    names: dict[str, None] = {}
    for name in (also or "").split(ALSO_SEPARATOR):
        if name and name != source:
            names[name] = None
    return tuple(names)


class ArticleRef(NamedTuple):
    """One row of an article list: enough to draw the row, not the body."""

    id: str
    title: str | None
    url: str | None
    source: str | None
    """The configured source's name, else the publisher named by the article."""
    section: str | None
    author: str | None
    published: str | None
    """ISO 8601 as the article gave it (offset kept); None when undated."""
    updated: str | None
    sort_key: str
    """UTC instant the lists are ordered by: published, else updated; undated last."""
    read: bool
    starred: bool
    updated_since_read: bool
    """Read, then its content changed on a later sync."""
    seq: int
    """The store's row number; with ``sort_key`` it is the cursor for the next page."""
    also: str | None = None
    """The other sources carrying the same story, separated by U+001F (which no stored
    name contains), None if none; :func:`sources_of` splits it."""
    minutes: int | None = None
    """Reading time in minutes (None while not counted; 0 for no text)."""
    comment_count: int | None = None
    """Comments, as the feed counts them or as many as were fetched; None if unknown."""


class StoredArticle(NamedTuple):
    """A whole cached article with its reading state."""

    article: Article
    source: str | None
    """The configured source's name (``article.source`` is the publisher's)."""
    read: bool
    starred: bool
    read_at: str | None
    updated_since_read: bool
    fetched_at: str
    """UTC, when the cache first stored it."""
    changed_at: str
    """UTC, when its content last changed in the cache."""
    minutes: int | None = None
    """Reading time in minutes (None while not counted)."""
    comments_fetched_at: str | None = None
    """UTC, when its comments were last fetched into the cache (None: never)."""


class SectionCount(NamedTuple):
    """A section of the section list with its counts."""

    name: str
    total: int
    unread: int


class Totals(NamedTuple):
    """The counts of the virtual sections All, Unread and Starred."""

    articles: int
    unread: int
    starred: int


class Headline(NamedTuple):
    """A title for the flash ticker."""

    id: str
    title: str
    url: str | None
    source: str | None
    section: str | None
    author: str | None
    published: str | None
    updated: str | None
    sort_key: str


class SearchHit(NamedTuple):
    """A search result: a list row plus the matching passage."""

    id: str
    title: str | None
    url: str | None
    source: str | None
    section: str | None
    author: str | None
    published: str | None
    updated: str | None
    sort_key: str
    snippet: str
    """Plain text around the match, ``…`` where it was cut."""
    highlights: tuple[tuple[int, int], ...]
    """``(start, end)`` offsets of the matched words in ``snippet``."""
    rank: float
    """bm25 score: lower is better (title counts most, then lede, then body)."""
    seq: int = 0
    """The store's row number."""
    read: bool = False
    starred: bool = False
    updated_since_read: bool = False
    also: str | None = None
    """The other sources carrying the same story, as in :class:`ArticleRef`."""
    minutes: int | None = None
    comment_count: int | None = None


class SourceState(NamedTuple):
    """A configured source and what the last fetches left behind."""

    name: str
    kind: str
    """What the location is: ``feed``, ``page``, ``folder``, ``file``..."""
    location: str | None
    """URL or path."""
    section: str | None
    """Section its articles go to (wins over the article's own category)."""
    flash: bool
    """Its headlines feed the flash ticker."""
    etag: str | None
    last_modified: str | None
    next_fetch_at: str | None
    """UTC; do not fetch before (Retry-After, ttl, max-age)."""
    last_fetch_at: str | None
    last_success_at: str | None
    last_error: str | None
    last_error_at: str | None
    error_count: int
    """Failures since the last success."""
    fetch_count: int
    article_count: int
    last_new: int
    """New articles stored by the last upsert."""
    last_updated: int
    """Articles whose content changed in the last upsert."""


class CachedComments(NamedTuple):
    """An article's comments as the cache last stored them, in reading order."""

    comments: tuple[Comment, ...]
    fetched_at: str | None
    """UTC, when they were fetched; None when they never were."""
