"""Feed entries as articles for the cache, and the full text of a page merged in.

An entry is kept as its HTML: converted to Markdown on first reading (see
:mod:`newsreader.reading`), turned into text for the search index when the store
indexes it (:meth:`newsreader.store.Store.index_pending`). A sync of ten thousand
entries does neither.
Its id comes from its link when it has one, so that the entry and the page opened with
``newsreader open URL`` are one article; otherwise from its guid within the feed.
"""

from __future__ import annotations

import re

from newsreader.content.sanitize import index_text
from newsreader.ids import article_id
from newsreader.models import Article, Feed, FeedItem

__all__ = ["SUMMARY_ONLY_CHARS", "entry_article", "is_summary_only", "with_full_text"]

SUMMARY_ONLY_CHARS = 1200
"""An entry with less text than this is taken for a teaser (full_text = "auto")."""
_TEASER_END = re.compile(
    r"(\[?(…|\.\.\.)\]?|read more|continue reading|lire la suite|la suite|weiterlesen|"
    r"leer más|continua a leggere|\[&#8230;\])\s*$",
    re.IGNORECASE,
)


def entry_article(
    item: FeedItem, feed: Feed, feed_key: str, *, section: str | None = None
) -> Article | None:
    """The article for one entry; None for an entry with nothing to identify it by.

    ``feed_key`` (the feed's URL or path) scopes guids, which are only unique per feed.
    ``section`` files the entry (a source's section is the feed's own title unless the
    configuration names one); without it, the entry's first category is used.
    """
    if item.url:
        key = item.url
    elif item.guid:
        key = f"{feed_key}#{item.guid}"
    elif item.title:
        key = f"{feed_key}#{item.title}#{item.published or ''}"
    else:
        return None
    html = item.content_html or item.summary_html
    return Article(
        id=article_id(key),
        title=item.title,
        url=item.url,
        section=section or item.section,
        author=item.author,
        published=item.published,
        updated=item.updated,
        language=item.language or feed.language,
        source=feed.title,
        content_html=html,
        comment_count=item.comment_count,
        comments_feed=item.comments_feed,
        comments_page=item.comments_page,
    )


def is_summary_only(article: Article) -> bool:
    """Does the entry carry only a teaser, so that its page is worth fetching?"""
    text = article.text or index_text(article.content_html)
    return len(text) < SUMMARY_ONLY_CHARS or bool(_TEASER_END.search(text[-40:]))


def with_full_text(entry: Article, page: Article) -> Article:
    """The entry with the body extracted from its page; what the feed says about the
    entry (title, date, link) wins over what the page says."""
    return entry._replace(
        title=entry.title or page.title,
        author=entry.author or page.author,
        published=entry.published or page.published,
        updated=entry.updated or page.updated,
        language=entry.language or page.language,
        lede=page.lede,
        markdown=page.markdown,
        text=page.text,
        headings=page.headings,
        image=page.image or entry.image,
        images=page.images or entry.images,
        content_html=None,
    )
