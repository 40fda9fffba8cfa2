"""Feed autodiscovery: the feeds a web page announces in its ``<head>``.

``<link rel="alternate" type="application/rss+xml|atom+xml|feed+json" href=…>`` is
how sites say "this page has a feed"; ``newsreader add https://site/`` subscribes to
the first one.
"""

from __future__ import annotations

from dataclasses import dataclass

from newsreader.content.sanitize import clean_line, safe_url

__all__ = ["FEED_TYPES", "DiscoveredFeed", "discover_feeds"]

FEED_TYPES = {
    "application/rss+xml": "rss",
    "application/atom+xml": "atom",
    "application/feed+json": "json",
    "application/json": "json",
    "application/rdf+xml": "rss",
    "text/xml": "rss",
}


@dataclass(frozen=True, slots=True)
class DiscoveredFeed:
    url: str
    title: str | None
    kind: str
    """rss, atom or json"""


def discover_feeds(html: str, base_url: str) -> list[DiscoveredFeed]:
    """The feeds announced by a page, in page order, without duplicates."""
    from lxml import etree
    from lxml.html import document_fromstring

    try:
        tree = document_fromstring(html)
    except (etree.ParserError, ValueError):
        return []
    feeds: list[DiscoveredFeed] = []
    seen: set[str] = set()
    for link in tree.iter("link"):
        rel = (link.get("rel") or "").lower().split()
        kind = FEED_TYPES.get((link.get("type") or "").split(";")[0].strip().lower())
        if "alternate" not in rel or kind is None:
            continue
        url = safe_url(link.get("href"), base_url)
        if url is None or not url.startswith(("http://", "https://")) or url in seen:
            continue
        seen.add(url)
        feeds.append(DiscoveredFeed(url=url, title=clean_line(link.get("title")), kind=kind))
    return feeds
