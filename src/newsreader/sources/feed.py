"""The feed kind: a source with a ``url``, an RSS, Atom or JSON feed fetched over HTTP.

Conditional requests (ETag, Last-Modified) make an unchanged feed a 304 that is neither
parsed nor written. ``Retry-After`` (on failures, see the sync), the feed's ``<ttl>``
and ``Cache-Control: max-age`` set the earliest next fetch, capped at a day.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, ClassVar, NamedTuple

from newsreader.errors import ParseError
from newsreader.models import Article, Feed, RawDocument
from newsreader.sources.kind import Collected, SyncRun

if TYPE_CHECKING:
    from newsreader.config import SourceConfig
    from newsreader.rows import SourceState
    from newsreader.store import PreparedBatch

__all__ = [
    "MAX_WAIT",
    "PARSER_MODULES",
    "FeedKind",
    "ParsedFeed",
    "articles_of",
    "next_fetch",
    "parse_feed",
]

MAX_WAIT = 24 * 3600
"""Longest a feed may ask us to wait (``ttl``, ``max-age``, ``Retry-After``): a year-long
ttl is a typo, not a wish."""


def utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def next_fetch(now: datetime, *seconds: float | None) -> str | None:
    """The earliest next fetch for the longest of the waits asked (None: none asked)."""
    wait = max((s for s in seconds if s), default=None)
    if not wait:
        return None
    return utc(now + timedelta(seconds=min(wait, MAX_WAIT)))


class ParsedFeed(NamedTuple):
    """The CPU part of a feed's sync, done: what the loop needs back from it."""

    ttl: int | None
    batch: PreparedBatch
    candidates: tuple[Article, ...]
    """Entries worth fetching the page of (per the source's full_text mode)."""


def articles_of(document: Article | Feed, raw: RawDocument) -> list[Article]:
    """The articles of a document: itself, or a feed's entries. A source without a
    configured section is filed under the feed's own title (the store puts a
    configured section first)."""
    from newsreader.content.entries import entry_article

    if isinstance(document, Article):
        return [document]
    articles = (
        entry_article(item, document, raw.location, section=document.title)
        for item in document.items
    )
    return [article for article in articles if article is not None]


PARSER_MODULES = (
    "newsreader.sources.feed",
    "newsreader.content",
    "newsreader.content.feed",
    "newsreader.content.entries",
    "newsreader.store",
    "fastfeedparser",
)
"""What :func:`parse_feed` imports on its first call (about a third of a second of a
cold sync's first feed): a parser process imports them while it waits for that feed."""


def parse_feed(raw: RawDocument, full_text: str) -> ParsedFeed:
    """Parse a feed, turn its entries into articles and prepare them for the store.

    Pure CPU and picklable both ways, so that it can run in a worker process while the
    loop keeps fetching.
    """
    from newsreader.content import parse_document
    from newsreader.content.entries import is_summary_only
    from newsreader.store import prepare_batch

    document = parse_document(raw)
    if not isinstance(document, Feed):
        # A URL source is a feed (``add`` finds it); a page here is an error page.
        title = f" ({document.title})" if document.title else ""
        raise ParseError(f"not a feed: the server sent an HTML page{title}")
    articles = articles_of(document, raw)
    candidates = tuple(
        article
        for article in articles
        if article.url
        and full_text != "never"
        and (full_text == "always" or is_summary_only(article))
    )
    return ParsedFeed(document.ttl, prepare_batch(articles), candidates)


class FeedKind:
    """Sources with a ``url``."""

    name: ClassVar[str] = "feed"
    needs_network: ClassVar[bool] = True

    def claims(self, source: SourceConfig) -> bool:
        return source.url is not None

    def location(self, source: SourceConfig) -> str | None:
        return source.url

    def next_request(
        self, source: SourceConfig, state: SourceState | None, run: SyncRun
    ) -> tuple[str, dict[str, str]] | None:
        """The conditional GET :meth:`collect` sends for a source in ``state``."""
        from newsreader.sources.http import fetch_headers

        if source.url is None or state is None:
            return None
        headers = fetch_headers(
            etag=state.etag, last_modified=state.last_modified, user_agent=run.user_agent(source)
        )
        return source.url, headers

    async def collect(
        self, source: SourceConfig, state: SourceState | None, run: SyncRun
    ) -> Collected:
        from newsreader.sources.http import NotModified, fetch
        from newsreader.store import FetchMeta

        assert source.url is not None
        due_at = state.next_fetch_at if state is not None else None
        if due_at and not run.force and due_at > utc(run.now):
            return Collected("not_due", next_fetch_at=due_at)
        async with run.slot(source.url):
            answer = await fetch(
                run.client,
                source.url,
                timeout=run.config.timeout,
                etag=state.etag if state else None,
                last_modified=state.last_modified if state else None,
                user_agent=run.user_agent(source),
            )
        if isinstance(answer, NotModified):
            return Collected(
                "unchanged", meta=FetchMeta(next_fetch_at=next_fetch(run.now, answer.max_age))
            )
        parsed = await run.offload(parse_feed, answer, run.full_text_mode(source))
        meta = FetchMeta(
            etag=answer.etag,
            last_modified=answer.last_modified,
            next_fetch_at=next_fetch(run.now, (parsed.ttl or 0) * 60, answer.max_age),
        )
        return Collected(batch=parsed.batch, meta=meta, candidates=parsed.candidates)
