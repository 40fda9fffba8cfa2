"""Raw documents to articles and feeds: pure functions, no I/O.

:func:`parse_document` is the one entry point: it decides what the bytes are (HTML
page, feed, JSON Feed, Markdown, plain text) from the bytes themselves first, then
the HTTP content type or the file extension, and hands them to the right reader.
"""

from __future__ import annotations

import re
from pathlib import PurePath
from typing import Literal

from newsreader.models import Document, RawDocument

__all__ = ["Kind", "detect_kind", "parse_document"]

Kind = Literal["html", "feed", "json", "markdown", "text"]

_BY_EXTENSION: dict[str, Kind] = {
    ".html": "html",
    ".htm": "html",
    ".xhtml": "html",
    ".shtml": "html",
    ".xml": "feed",
    ".rss": "feed",
    ".atom": "feed",
    ".rdf": "feed",
    ".json": "json",
    ".jsonfeed": "json",
    ".md": "markdown",
    ".markdown": "markdown",
    ".mdown": "markdown",
    ".txt": "text",
    ".text": "text",
}
_BY_TYPE: dict[str, Kind] = {
    "text/html": "html",
    "application/xhtml+xml": "html",
    "application/rss+xml": "feed",
    "application/atom+xml": "feed",
    "application/rdf+xml": "feed",
    "application/xml": "feed",
    "text/xml": "feed",
    "application/feed+json": "json",
    "application/json": "json",
    "text/markdown": "markdown",
    "text/x-markdown": "markdown",
    "text/plain": "text",
}
_PROLOGUE = re.compile(
    r"\A(?:\s+|<\?xml[^>]*\?>|<!--.*?-->|<!DOCTYPE\s+(?!html)[^>\[]*(?:\[.*?\])?\s*>)*", re.S | re.I
)
# lxml reads text that does not start with <html> (or a doctype and <html>) as a
# fragment, whose root may be its first element: an <svg> or a <form> that the
# extraction libraries then remove, root and all (an AssertionError in lxml).
_FULL_HTML = re.compile(r"\A\s*(?:<!doctype[^>]*>\s*)?<html[\s>/]", re.I)
_FEED_ROOT = re.compile(r"<(?:[\w-]+:)?(?:rss|feed|RDF)\b", re.I)
_HTML_ROOT = re.compile(r"<(?:!doctype\s+html|html|head|body)\b", re.I)


def _sniff(text: str) -> Kind | None:
    """What the first bytes say, when they say it clearly."""
    head = text[:4096]
    prologue = _PROLOGUE.match(head)
    start = head[prologue.end() :] if prologue else head
    if _FEED_ROOT.match(start):
        return "feed"
    if _HTML_ROOT.match(start):
        return "html"
    if start[:1] in ("{", "["):
        return "json"
    return None


def detect_kind(raw: RawDocument, text: str) -> Kind:
    """Decide how to read a document: its bytes, then its type, then its name."""
    sniffed = _sniff(text)
    if sniffed:
        return sniffed
    if raw.content_type in _BY_TYPE:
        declared = _BY_TYPE[raw.content_type]
        return "text" if declared == "feed" and "<" not in text[:4096] else declared
    if not raw.is_url:
        by_name = _BY_EXTENSION.get(PurePath(raw.location).suffix.lower())
        if by_name:
            return by_name
    return "html" if re.search(r"<(p|div|article|h1|title)\b", text[:65536], re.I) else "text"


def parse_document(raw: RawDocument) -> Document:
    """Turn raw bytes into an :class:`Article` or a :class:`Feed`.

    Raises :class:`~newsreader.errors.ParseError` for anything unreadable. Whatever the
    bytes, nothing else escapes: an exception from a parser is a bug, but one document
    must not take a whole sync down with it, so it becomes a ParseError too, with the
    original as its ``__cause__`` (the fuzz tests count those as crashes).
    """
    from newsreader.errors import NewsreaderError, ParseError

    try:
        return _parse(raw)
    except NewsreaderError:
        raise
    except RecursionError:
        raise ParseError("the document is nested too deeply to read") from None
    except MemoryError:
        raise
    except Exception as error:  # a bug: see the docstring
        raise ParseError(
            f"cannot read this document: internal error ({type(error).__name__})"
        ) from error


def _parse(raw: RawDocument) -> Document:
    from newsreader.content.charset import decode
    from newsreader.content.sanitize import clean_markup, clean_text
    from newsreader.errors import ParseError

    if not raw.body.strip():
        raise ParseError("empty document: nothing to read")
    text = decode(raw.body, raw.charset)
    kind = detect_kind(raw, text)
    # Cleaned once, here, before any parser sees it: control characters, escape
    # sequences, bidi overrides, and what XML forbids (lxml refuses such strings);
    # in markup, also those written as references ("&#27;[31m" goes whole). XML feeds
    # are cleaned by prepare_xml, after it has decoded character references.
    if kind in ("html", "markdown"):
        text = clean_markup(text)
    elif kind != "feed":
        text = clean_text(text)
    if not text.strip():
        raise ParseError("empty document: nothing to read")
    if kind == "html":
        from newsreader.content.extract import extract_article

        if not _FULL_HTML.match(text):
            text = "<html>" + text  # a document, whatever comes first
        return extract_article(text, raw.location)
    if kind in ("feed", "json"):
        from newsreader.content.feed import parse_json_feed, parse_xml_feed

        location = raw.location if raw.is_url else None
        if kind == "json":
            return parse_json_feed(text, location)
        return parse_xml_feed(text, location)
    if kind == "markdown":
        from newsreader.content.markdown_doc import parse_markdown

        return parse_markdown(text, raw.location)
    from newsreader.content.text import parse_text_page

    return parse_text_page(text, raw.location)
