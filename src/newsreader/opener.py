"""Open one location: a file, a URL or a cached article id; cache what was opened.

The pipeline behind ``newsreader open`` and the reader's ``:`` prompt. A URL whose
fetch fails falls back to the cached copy (with a warning); ``offline`` never touches
the network.
"""

from __future__ import annotations

import os
import re
from typing import TYPE_CHECKING, NamedTuple

from newsreader.errors import FetchError, NewsreaderError, NotCachedError
from newsreader.ids import ID_PATTERN, article_id
from newsreader.models import Article, Document, RawDocument
from newsreader.sources.limits import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from newsreader.store import Store

__all__ = ["Opened", "looks_like_url", "open_location"]

_URL_SCHEME = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):")


class Opened(NamedTuple):
    """What was opened, and what the user should be told about it."""

    document: Document
    warning: str | None = None
    """One line: a cached copy was shown because the network failed, or the cache
    could not be written."""
    from_cache: bool = False
    raw: RawDocument | None = None
    """The bytes it was read from (None for a cached copy): a page's static comments
    are read from them."""


def looks_like_url(target: str) -> bool:
    """A ``scheme:`` prefix that is not the name of an existing file."""
    return bool(_URL_SCHEME.match(target)) and not os.path.exists(target)


def _cached(store: Store | None, ref: str) -> Article | None:
    if store is None:
        return None
    from newsreader.reading import load_article

    stored = load_article(store, ref)
    return stored.article if stored else None


def _remember(store: Store | None, document: Document) -> str | None:
    """Cache an opened article; a cache that cannot be written costs a warning only."""
    if store is None or not isinstance(document, Article):
        return None
    if store.read_only:
        return "not cached: the cache is read-only"
    try:
        store.upsert_articles(None, [document])
    except NewsreaderError as error:
        return f"not cached: {error}"
    return None


def open_location(
    target: str,
    *,
    store: Store | None = None,
    offline: bool = False,
    timeout: float = DEFAULT_TIMEOUT,
) -> Opened:
    """Open ``target`` (path, http(s) URL or cached id) and cache what was read."""
    from newsreader.content import parse_document

    if looks_like_url(target):
        from newsreader.sources.http import check_url, fetch_url

        check_url(target)
        if offline:
            cached = _cached(store, article_id(target))
            if cached is None:
                raise NotCachedError(f"not in the cache (offline): {target}")
            return Opened(cached, from_cache=True)
        try:
            raw = fetch_url(target, timeout=timeout)
        except FetchError as error:
            cached = _cached(store, article_id(target))
            if cached is None:
                raise
            return Opened(cached, warning=f"{error}; showing the cached copy", from_cache=True)
        document = parse_document(raw)
        return Opened(document, warning=_remember(store, document), raw=raw)
    if not os.path.exists(target) and ID_PATTERN.fullmatch(target):
        cached = _cached(store, target)
        if cached is None:
            raise NotCachedError(f"no file and no cached article with id {target!r}")
        return Opened(cached, from_cache=True)
    from newsreader.sources.local import read_file

    raw = read_file(target)
    document = parse_document(raw)
    return Opened(document, warning=_remember(store, document), raw=raw)
