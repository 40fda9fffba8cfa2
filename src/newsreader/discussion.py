"""An article's comments: fetched from where its feed or page says, cached, read offline.

The pipeline behind ``newsreader open --comments`` and the reader's ``c``. Where the
comments are read from, in order: the comment feed the article's feed announced
(``wfw:commentRss``, Atom ``replies``), the page it named for them (RSS
``<comments>``), else the article's own page, whose static comment section is read.
The fetch goes through :mod:`newsreader.sources.http` with the same deadline and size
cap as any other. What was fetched replaces the cached comments; a fetch that fails
shows the cached ones with a warning, and never touches them.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, NamedTuple

from newsreader.errors import FetchError, NewsreaderError, NotCachedError, ParseError
from newsreader.models import Article, Comment, RawDocument
from newsreader.sources.limits import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from newsreader.store import Store

__all__ = ["Discussion", "comments_location", "load_comments"]


class Discussion(NamedTuple):
    """An article's comments, in reading order, and what the user should be told."""

    comments: tuple[Comment, ...]
    fetched_at: str | None = None
    """UTC, when they were fetched into the cache (None: just read, not cached)."""
    warning: str | None = None
    """One line: cached comments were shown because the fetch failed, or they could
    not be cached."""
    from_cache: bool = False


def comments_location(article: Article) -> str | None:
    """Where the comments of ``article`` are fetched from (None: nowhere known)."""
    url = article.comments_feed or article.comments_page or article.url
    return url if url and url.startswith(("http://", "https://")) else None


def _keep(store: Store | None, article: Article, comments: tuple[Comment, ...]) -> Discussion:
    """Cache what was just read; a cache that cannot be written costs a warning only."""
    if store is None or not article.id:
        return Discussion(comments)
    if store.read_only:
        return Discussion(comments, warning="comments not cached: the cache is read-only")
    try:
        if not store.set_comments(article.id, comments):
            return Discussion(comments)
        cached = store.comments(article.id)
    except NewsreaderError as error:
        return Discussion(comments, warning=f"comments not cached: {error}")
    return Discussion(comments, fetched_at=cached.fetched_at if cached else None)


def load_comments(
    article: Article,
    *,
    store: Store | None = None,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
    raw: RawDocument | None = None,
) -> Discussion:
    """The comments of ``article``, fetched (and cached) unless ``offline``.

    ``raw`` is the page the article was just read from, if it was: when its feed
    announced no comment feed, its static comments are read from it, without fetching
    the page again. Raises :class:`~newsreader.errors.FetchError` or
    :class:`~newsreader.errors.ParseError` when the fetch fails and nothing is cached,
    :class:`~newsreader.errors.NotCachedError` offline with nothing cached.
    """
    from newsreader.content.comments import read_comments

    cached = store.comments(article.id) if store is not None and article.id else None
    have_cache = cached is not None and cached.fetched_at is not None
    if raw is not None and not article.comments_feed and not article.comments_page:
        try:
            comments = read_comments(raw)
        except ParseError:
            comments = ()
        return _keep(store, article, comments)
    if offline:
        if cached is None or not have_cache:
            raise NotCachedError("no cached comments for this article (offline)")
        return Discussion(cached.comments, cached.fetched_at, from_cache=True)
    location = comments_location(article)
    if location is None:
        if have_cache and cached is not None:
            return Discussion(cached.comments, cached.fetched_at, from_cache=True)
        return Discussion(())
    from newsreader.sources.http import fetch_url

    try:
        comments = read_comments(fetch_url(location, timeout=timeout))
    except (FetchError, ParseError) as error:
        if cached is None or not have_cache:
            raise
        return Discussion(
            cached.comments,
            cached.fetched_at,
            warning=f"{error}; showing the cached comments",
            from_cache=True,
        )
    return _keep(store, article, comments)
