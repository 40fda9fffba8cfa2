"""The values that travel from sources through content to the store and the views.

All immutable named tuples: once content/ has built an article, nobody downstream edits
it (``article._replace(...)`` makes a changed copy). Named tuples rather than frozen
dataclasses because a dataclass generates its methods when its module is imported,
about a millisecond each, and ``newsreader open`` starts often. Text fields are already
sanitised (see :mod:`newsreader.content.sanitize`); dates are ISO 8601
strings so they sort, store and print without conversion.
"""

from __future__ import annotations

from typing import Literal, NamedTuple

__all__ = ["Article", "Comment", "Document", "Feed", "FeedItem", "Image", "RawDocument"]


class RawDocument(NamedTuple):
    """Bytes as a source delivered them, before any parsing."""

    body: bytes
    """The payload, already decompressed and within the size cap."""
    location: str
    """The final URL (after redirects) or the absolute file path."""
    content_type: str | None = None
    """MIME type from the HTTP header, or guessed from the file extension."""
    charset: str | None = None
    """Charset from the HTTP header, if any: a hint, not the truth."""
    is_url: bool = False
    """True when ``location`` is an http(s) URL."""
    etag: str | None = None
    last_modified: str | None = None
    max_age: int | None = None
    """Seconds the server asked us to wait before fetching again (Cache-Control)."""


class Image(NamedTuple):
    """A picture of an article, where the page shows it."""

    src: str
    """Absolute http(s) URL of the picture (the largest the page offers when it lists sizes)."""
    alt: str | None = None
    """The page's alternative text, if any."""
    caption: str | None = None
    """The caption the page prints with it, without the photo credit."""


class Article(NamedTuple):
    """One readable article, the unit the store caches and the views show."""

    id: str
    """Stable id from the canonical URL, feed guid or file path (see :mod:`newsreader.ids`)."""
    title: str | None
    url: str | None
    """Canonical URL when the page names one, else where it was read from (http only)."""
    section: str | None = None
    author: str | None = None
    published: str | None = None
    """ISO 8601; a date alone (``2025-11-06``) when the source gives no time of day."""
    updated: str | None = None
    language: str | None = None
    lede: str | None = None
    """The chapô: the standfirst paragraph under the title, as plain text."""
    markdown: str = ""
    """Body as Markdown, starting with the lede; no title, no metadata line."""
    text: str = ""
    """The same body as plain text."""
    headings: tuple[str, ...] = ()
    source: str | None = None
    """Who published it: site name, feed title or file path."""
    image: str | None = None
    """The lead picture: the article's first figure, else the page's sharing image."""
    images: tuple[Image, ...] = ()
    """The figures in the body, in reading order (tracking pixels and icons left out)."""
    content_html: str | None = None
    """A feed entry's HTML not yet turned into ``markdown`` (done on first reading, see
    :mod:`newsreader.reading`): converting every entry of every sync would cost more
    than the whole rest of a sync. ``text`` holds a quick plain-text version meanwhile."""
    comment_count: int | None = None
    """How many comments the publisher counts (``slash:comments``, ``thr:total``, or the
    comments read from its page or feed); None when nothing says."""
    comments_feed: str | None = None
    """The feed of its comments (``wfw:commentRss``, Atom ``link rel="replies"``)."""
    comments_page: str | None = None
    """The page that shows its comments (RSS ``<comments>``)."""
    kind: Literal["article"] = "article"


class Comment(NamedTuple):
    """One reader's comment on an article, from a comment feed or the article's page.

    Untrusted like any other text: ``markdown`` and ``text`` come out of the same
    sanitising converter as article bodies."""

    id: str | None
    """The comment's own id (feed guid, Atom id, or the page's anchor): what replies
    name in ``parent``."""
    parent: str | None = None
    """The id of the comment it answers (RFC 4685 ``thr:in-reply-to``); None for a
    comment on the article itself."""
    author: str | None = None
    published: str | None = None
    """ISO 8601, the publisher's offset kept."""
    url: str | None = None
    """Where the comment can be read on the web (http/https only)."""
    markdown: str = ""
    text: str = ""


class FeedItem(NamedTuple):
    """One entry of a feed, as the feed describes it (the linked page is not fetched)."""

    title: str | None
    url: str | None
    guid: str | None = None
    published: str | None = None
    updated: str | None = None
    author: str | None = None
    summary_html: str | None = None
    """The entry's summary (or description) as the feed gave it, already cleaned of
    control characters; see :attr:`summary` for the text."""
    content_html: str | None = None
    """The entry's HTML content (or summary) for conversion to Markdown when stored."""
    section: str | None = None
    """The entry's first category, if any."""
    language: str | None = None
    comment_count: int | None = None
    """``slash:comments``, ``thr:total`` or the replies link's ``thr:count``."""
    comments_feed: str | None = None
    """``wfw:commentRss``, or an Atom ``link rel="replies"`` to a feed."""
    comments_page: str | None = None
    """RSS ``<comments>``, or an Atom ``link rel="replies"`` to a page."""

    @property
    def summary(self) -> str | None:
        """Plain-text summary for listings, worked out when asked: a sync stores
        thousands of entries and never needs it."""
        from newsreader.content.feed import summary_text

        return summary_text(self.summary_html)


class Feed(NamedTuple):
    """A parsed RSS, Atom or JSON Feed document."""

    title: str | None
    url: str | None
    """The site the feed belongs to (its home page link)."""
    feed_url: str | None = None
    description: str | None = None
    language: str | None = None
    items: tuple[FeedItem, ...] = ()
    ttl: int | None = None
    """Minutes the feed asks readers to wait between fetches (RSS ``<ttl>``)."""
    kind: Literal["feed"] = "feed"


Document = Article | Feed
"""What ``newsreader open`` can print: an article or a feed."""
