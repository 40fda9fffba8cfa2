"""Reading a cached article: the one place where a feed entry's HTML becomes Markdown.

Sync stores entries as they came (HTML plus a quick plain text for search) because
converting ten thousand summaries would cost more than the rest of the sync; the
first reading converts one, here, and the store keeps the result.
"""

from __future__ import annotations

from html import escape
from typing import TYPE_CHECKING

from newsreader.store import Store

if TYPE_CHECKING:
    from newsreader.rows import StoredArticle

__all__ = ["load_article", "render_pending"]


def render_pending(stored: StoredArticle) -> StoredArticle:
    """The article with its Markdown made from ``content_html`` if that is still to do."""
    article = stored.article
    if article.markdown or not article.content_html:
        return stored
    from newsreader.content.markdown import convert_body

    lede = f"<p>{escape(article.lede, quote=False)}</p>" if article.lede else ""
    body = convert_body(lede + article.content_html, article.url)
    return stored._replace(
        article=article._replace(
            markdown=body.markdown,
            text=body.text,
            headings=body.headings,
            content_html=None,
        ),
    )


def load_article(store: Store, ref: str) -> StoredArticle | None:
    """One cached article, ready to show (Markdown rendered and kept on first read)."""
    stored = store.article(ref)
    if stored is None:
        return None
    rendered = render_pending(stored)
    if rendered is not stored and not store.read_only:
        article = rendered.article
        store.set_body(
            article.id, markdown=article.markdown, text=article.text, headings=article.headings
        )
    return rendered
