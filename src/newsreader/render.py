"""Articles and feeds as the CLI prints them: Markdown, plain text or JSON objects.

The content layer has already cleaned every string, so rendering is only layout. The
JSON shape is the scripting API: the same keys for every document (missing values are
``null``), plus ``items`` for feeds.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from newsreader.content.markdown import escape_inline, markdown_url
from newsreader.models import Article, Comment, Document, Feed, FeedItem

__all__ = ["comments_json", "document_json", "metadata_line", "render", "render_comments"]

_SUMMARY_PREVIEW = 400


def metadata_line(article: Article) -> str:
    """``section · author · published · updated … · source``, skipping what is missing."""
    parts = [article.section, article.author, article.published]
    if article.updated and article.updated != article.published:
        parts.append(f"updated {article.updated}")
    parts.append(article.url or article.source)
    return " · ".join(part for part in parts if part)


def _preview(summary: str | None) -> str | None:
    from newsreader.content.feed import shorten

    return shorten(summary, _SUMMARY_PREVIEW) if summary else None


def _item_line(item: FeedItem) -> str:
    return " · ".join(p for p in (item.published, item.author, item.section) if p)


def _feed_body(feed: Feed, markdown: bool) -> str:
    blocks: list[str] = []
    if feed.description:
        blocks.append(escape_inline(feed.description) if markdown else feed.description)
    for item in feed.items:
        title = item.title or "(untitled)"
        if markdown:
            heading = (
                f"## [{escape_inline(title)}]({markdown_url(item.url)})"
                if item.url
                else f"## {escape_inline(title)}"
            )
        else:
            heading = title + (f"\n{item.url}" if item.url else "")
        lines = [heading]
        if meta := _item_line(item):
            lines.append(escape_inline(meta) if markdown else meta)
        if preview := _preview(item.summary):
            lines.append("\n" + (escape_inline(preview) if markdown else preview))
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def _feed_line(feed: Feed) -> str:
    count = len(feed.items)
    parts = [
        f"{count} entr{'y' if count == 1 else 'ies'}",
        feed.language,
        feed.url or feed.feed_url,
    ]
    return " · ".join(p for p in parts if p)


def _comment_line(comment: Comment) -> str:
    return " · ".join(p for p in (comment.author or "(anonymous)", comment.published) if p)


def render_comments(comments: Sequence[Comment], *, markdown: bool) -> str:
    """The comments as a section that follows the article: a heading, then each
    comment (author · date, its text), replies nested under what they answer (a
    quote level per reply in Markdown, two spaces of indent in text)."""
    from newsreader.content.comments import depths

    count = len(comments)
    heading = f"Comments ({count})" if count else "Comments: none"
    blocks = [f"## {heading}" if markdown else heading]
    for depth, comment in zip(depths(comments), comments, strict=True):
        meta = _comment_line(comment)
        if markdown:
            lines = [f"**{escape_inline(meta)}**", "", *comment.markdown.splitlines()]
            prefix = "> " * depth
            blocks.append("\n".join((prefix + line).rstrip() for line in lines))
        else:
            lines = [meta, *comment.text.splitlines()]
            blocks.append("\n".join(("  " * depth + line).rstrip() for line in lines))
    return "\n\n".join(blocks) + "\n"


def comments_json(comments: Sequence[Comment]) -> list[dict[str, Any]]:
    """The comments as JSON records, in reading order, each with its ``depth``."""
    from newsreader.content.comments import depths

    return [
        {**comment._asdict(), "depth": depth}
        for depth, comment in zip(depths(comments), comments, strict=True)
    ]


def document_json(document: Document, comments: Sequence[Comment] | None = None) -> dict[str, Any]:
    """The JSON object for one document (the ``--format json`` API); an article's
    ``comments`` are null unless they were asked for."""
    if isinstance(document, Article):
        from newsreader.content.readtime import reading_minutes

        data = document._asdict()
        data.pop("content_html", None)  # internal: entry HTML waiting to become Markdown
        data["headings"] = list(document.headings)
        data["images"] = [image._asdict() for image in document.images]
        data["reading_minutes"] = reading_minutes(document.text, document.language)
        data["comments"] = comments_json(comments) if comments is not None else None
        return {"kind": data.pop("kind"), **data}
    return {
        "kind": "feed",
        "id": None,
        "title": document.title,
        "url": document.url,
        "feed_url": document.feed_url,
        "section": None,
        "author": None,
        "published": max((i.published for i in document.items if i.published), default=None),
        "updated": None,
        "language": document.language,
        "lede": document.description,
        "markdown": _feed_body(document, markdown=True),
        "text": _feed_body(document, markdown=False),
        "headings": [item.title for item in document.items if item.title],
        "ttl": document.ttl,
        "items": [
            {
                "title": item.title,
                "url": item.url,
                "guid": item.guid,
                "published": item.published,
                "updated": item.updated,
                "author": item.author,
                "section": item.section,
                "summary": item.summary,
            }
            for item in document.items
        ],
    }


def render(document: Document, *, markdown: bool, comments: Sequence[Comment] | None = None) -> str:
    """The whole printout of one document as Markdown or plain text, ending with a
    newline, its ``comments`` after it when given (JSON is :func:`document_json`,
    printed by :mod:`newsreader.output`)."""
    printed = _render(document, markdown=markdown)
    if comments is None:
        return printed
    return printed + "\n" + render_comments(comments, markdown=markdown)


def _render(document: Document, *, markdown: bool) -> str:
    title = document.title or "(untitled)"
    if isinstance(document, Article):
        meta = metadata_line(document)
        body = document.markdown if markdown else document.text
    else:
        meta = _feed_line(document)
        body = _feed_body(document, markdown)
    if markdown:
        head = (
            f"# {escape_inline(title)}\n\n{escape_inline(meta)}"
            if meta
            else f"# {escape_inline(title)}"
        )
    else:
        head = f"{title}\n{meta}" if meta else title
    return f"{head}\n\n{body}\n" if body else f"{head}\n"
