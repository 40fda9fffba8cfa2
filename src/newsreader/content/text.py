"""A news page saved as plain text, given back its structure.

Copying a page out of a browser keeps the words and loses the markup: the section
line, title, lede, caption (often twice: alt text run into the caption), byline and
date line all arrive as bare lines, followed by the body with its sub-headings as
short lines, and page furniture at the end (comments, e-mail notice, "Flash infos").
This module reads that shape back:

    Édition internationale                    <- section (short line before the title)
    Un centre de données d'Alibaba en France ? <- title (short line before the lede)
    Le 24 septembre 2025, Alibaba Cloud, …     <- lede (first paragraph, before the byline)
    Base d'Alibaba à HangzhouBase d'Alibaba …  <- doubled caption: dropped
    Base d'Alibaba à Hangzhou                  <- caption: kept once
    Écrit par Juliette Robieux                 <- author
    Publié le 6 novembre 2025, mis à jour le … <- published, updated
    Alibaba Cloud ouvre un centre …            <- sub-heading (short line before prose)
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from html import escape

from newsreader.content.dates import parse_date
from newsreader.content.language import guess_language
from newsreader.content.markdown import convert_body
from newsreader.content.metadata import BYLINE_PREFIX, DATE_LINE, strip_byline_prefix
from newsreader.content.sanitize import clean_line, clean_text, safe_url
from newsreader.errors import ParseError
from newsreader.ids import article_id, path_key
from newsreader.models import Article

__all__ = ["parse_text_page"]

# A line that starts the page furniture after the article: everything from it on goes.
_FURNITURE = re.compile(
    r"^(commentaires?|\d+\s+commentaires?|comments?|\d+\s+comments?|leave a (comment|reply)|"
    r"laisser un commentaire|r(é|e)agir|flash[- ]infos?|(à|a) lire aussi|lire aussi|sur le m(ê|e)me sujet|"
    r"related( articles| stories)?|read more|more stories|newsletter|partager( cet article)?|"
    r"share( this( article)?)?|votre (adresse )?e-?mail ne sera (jamais )?publi(é|e)e?.*|"
    r"your email address will not be published.*|mots-cl(é|e)s.*|tags?\s*:.*)$",
    re.IGNORECASE,
)
_SENTENCE_END = re.compile(r"[.;:,…]$")
_UPDATED_PART = re.compile(
    r"(mis\s+à\s+jour|modifi\w*|actualis\w*|updated|modified|aktualisiert)\s*(le|on|am|:)?\s*(?P<date>.+)$",
    re.IGNORECASE,
)
_SHORT = 100


@dataclass
class _Page:
    section: str | None = None
    title: str | None = None
    lede: str | None = None
    author: str | None = None
    published: str | None = None
    updated: str | None = None
    caption: str | None = None
    body: list[tuple[str, str]] = field(default_factory=list)
    """(kind, text) with kind "h" for a sub-heading and "p" for a paragraph."""


def _paragraphs(text: str) -> list[str]:
    """Non-empty lines as paragraphs; hard-wrapped blocks are joined back first."""
    blocks = [b for b in re.split(r"\n\s*\n", text) if b.strip()]
    lines = [line for block in blocks for line in block.split("\n") if line.strip()]
    lengths = sorted(len(line) for line in lines)
    multi_line_blocks = sum(1 for b in blocks if b.strip().count("\n"))
    wrapped = (
        bool(lengths)
        and multi_line_blocks * 2 >= len(blocks)
        and 50 <= lengths[len(lengths) * 9 // 10] <= 90
    )
    if wrapped:  # a hard-wrapped text file: a paragraph is a block
        return [" ".join(b.split()) for b in blocks]
    return [" ".join(line.split()) for line in lines]


def _is_short(line: str) -> bool:
    return len(line) <= _SHORT and not _SENTENCE_END.search(line)


def _is_doubled(line: str) -> bool:
    half = len(line) // 2
    return len(line) % 2 == 0 and half > 3 and line[:half] == line[half:]


def _read_dates(line: str, page: _Page) -> None:
    updated = _UPDATED_PART.search(line)
    if updated:
        page.updated = page.updated or parse_date(updated.group("date"))
        line = line[: updated.start()]
    page.published = page.published or parse_date(line)


def _read(paragraphs: list[str]) -> _Page:
    page = _Page()
    for index, line in enumerate(paragraphs):
        if index and _FURNITURE.match(line):
            paragraphs = paragraphs[:index]
            break
    # The header: lines up to the first sub-heading after the byline/date lines, or up to
    # the first real paragraph when the page has neither.
    header_end = 0
    for index, line in enumerate(paragraphs[:12]):
        if (DATE_LINE.match(line) and len(line) < 160) or (
            BYLINE_PREFIX.match(line) and len(line) < 80
        ):
            header_end = index + 1
    if header_end == 0:
        header_end = next((i for i, p in enumerate(paragraphs) if not _is_short(p)), 0)
    header, rest = paragraphs[:header_end], paragraphs[header_end:]
    shorts: list[str] = []
    longs: list[str] = []
    for line in header:
        if DATE_LINE.match(line) and len(line) < 160:
            _read_dates(line, page)
        elif BYLINE_PREFIX.match(line) and len(line) < 80:
            page.author = page.author or clean_line(strip_byline_prefix(line))
        elif _is_doubled(line):
            page.caption = page.caption or line[: len(line) // 2]
        elif _is_short(line) and not longs:
            shorts.append(line)
        elif _is_short(line):
            page.caption = page.caption or line  # a short line after the lede: a caption
        else:
            longs.append(line)
    if shorts:
        page.title = shorts[-1]
        page.section = shorts[-2] if len(shorts) >= 2 else None
    if longs:
        page.lede = longs[0]
        page.body.extend(("p", line) for line in longs[1:])
    if page.caption and page.caption == page.title:
        page.caption = None
    for index, line in enumerate(rest):
        following = rest[index + 1] if index + 1 < len(rest) else ""
        heading = _is_short(line) and len(line.split()) <= 15 and len(following) > len(line)
        if _is_doubled(line) or (page.caption and line == page.caption):
            continue
        page.body.append(("h" if heading else "p", line))
    return page


def parse_text_page(text: str, location: str) -> Article:
    """Read a plain-text news page (see the module docstring for the shape)."""
    paragraphs = _paragraphs(clean_text(text))
    if not paragraphs:
        raise ParseError("empty document: no text in it")
    page = _read(paragraphs)
    html = []
    if page.lede:
        html.append(f"<p>{escape(page.lede, quote=False)}</p>")
    if page.caption:
        html.append(
            f"<figure><figcaption>{escape(page.caption, quote=False)}</figcaption></figure>"
        )
    for kind, line in page.body:
        tag = "h2" if kind == "h" else "p"
        html.append(f"<{tag}>{escape(line, quote=False)}</{tag}>")
    body = convert_body("".join(html))
    is_url = location.startswith(("http://", "https://"))
    return Article(
        id=article_id(location if is_url else path_key(location)),
        title=clean_line(page.title),
        url=safe_url(location) if is_url else None,
        section=clean_line(page.section),
        author=page.author,
        published=page.published,
        updated=page.updated,
        language=guess_language(body.text),
        lede=clean_line(page.lede),
        markdown=body.markdown,
        text=body.text,
        headings=body.headings,
        source=None if is_url else location,
    )
