"""Subscription lists in and out: OPML 2.0 both ways, newsboat's ``urls`` file in.

Sections become OPML outline folders on export and come back as sections on import,
so ``export`` then ``import`` gives the same sources. Local folder sources have no
place in OPML: export skips them (and says how many it skipped).
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from xml.sax.saxutils import quoteattr

from newsreader.config import SourceConfig
from newsreader.content.sanitize import clean_line, safe_url
from newsreader.errors import ParseError

__all__ = ["export_opml", "parse_newsboat_urls", "parse_opml", "parse_subscriptions"]


def _unique(name: str, taken: set[str]) -> str:
    """``name``, or ``name (2)``... when another source already has it."""
    candidate, number = name, 2
    while candidate.casefold() in taken:
        candidate = f"{name} ({number})"
        number += 1
    taken.add(candidate.casefold())
    return candidate


def _feed_url(value: str | None) -> str | None:
    url = safe_url(value)
    return url if url and url.startswith(("http://", "https://")) else None


def parse_opml(data: bytes) -> list[SourceConfig]:
    """Sources from an OPML document; nested outlines without a feed are sections."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, recover=True, remove_comments=True, load_dtd=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ParseError(f"not an OPML file ({error})") from None
    if root is None or etree.QName(root).localname.lower() != "opml":
        raise ParseError("not an OPML file: no <opml> root element")
    body = next((child for child in root if etree.QName(child).localname.lower() == "body"), None)
    if body is None:
        raise ParseError("not an OPML file: no <body>")
    taken: set[str] = set()
    sources: list[SourceConfig] = []

    def walk(element: etree._Element, section: str | None, depth: int) -> None:
        if depth > 20:
            return
        for outline in element:
            if (
                not isinstance(outline.tag, str)
                or etree.QName(outline).localname.lower() != "outline"
            ):
                continue
            label = clean_line(outline.get("title") or outline.get("text"))
            url = _feed_url(outline.get("xmlUrl") or outline.get("xmlurl"))
            if url:
                sources.append(
                    SourceConfig(
                        name=_unique(label or url, taken),
                        url=url,
                        section=section or clean_line(outline.get("category")),
                    )
                )
            else:
                walk(outline, label or section, depth + 1)

    walk(body, None, 0)
    return sources


def parse_newsboat_urls(text: str) -> list[SourceConfig]:
    """newsboat's ``urls`` file: ``URL [tag ...] ["~Title"]``; the first tag is the section.

    Query feeds, ``exec:`` and ``filter:`` lines are skipped (they are not feeds),
    as are ``!``-hidden tags.
    """
    taken: set[str] = set()
    sources: list[SourceConfig] = []
    for line in text.splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        try:
            words = shlex.split(line, comments=True)
        except ValueError:
            words = line.split()
        if not words:
            continue
        url = _feed_url(words[0])
        if url is None:
            continue
        title = next((w[1:] for w in words[1:] if w.startswith("~")), None)
        tags = [w for w in words[1:] if not w.startswith(("~", "!"))]
        sources.append(
            SourceConfig(
                name=_unique(clean_line(title) or url, taken),
                url=url,
                section=clean_line(tags[0]) if tags else None,
            )
        )
    return sources


def parse_subscriptions(data: bytes) -> list[SourceConfig]:
    """OPML or a newsboat ``urls`` file, told apart by their first bytes."""
    head = data.lstrip()[:200].lower()
    if head.startswith((b"<?xml", b"<opml", b"<!--")):
        return parse_opml(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError("neither OPML nor a newsboat urls file (not UTF-8 text)") from None
    sources = parse_newsboat_urls(text)
    if not sources:
        raise ParseError("neither OPML nor a newsboat urls file: no feed URL found")
    return sources


def _outline(source: SourceConfig, indent: str) -> str:
    url = source.url or ""
    return (
        f'{indent}<outline type="rss" text={quoteattr(source.name)} '
        f"title={quoteattr(source.name)} xmlUrl={quoteattr(url)}/>"
    )


def export_opml(
    sources: Iterable[SourceConfig],
    title: str = "newsreader subscriptions",
    now: datetime | None = None,
) -> str:
    """OPML 2.0 with one folder per section (sources without a section at the top)."""
    feeds = [s for s in sources if s.url]
    sections: dict[str, list[SourceConfig]] = {}
    loose: list[SourceConfig] = []
    for source in feeds:
        (sections.setdefault(source.section, []) if source.section else loose).append(source)
    created = format_datetime(now or datetime.now(UTC))

    def lines() -> Iterator[str]:
        yield '<?xml version="1.0" encoding="UTF-8"?>'
        yield '<opml version="2.0">'
        yield "  <head>"
        yield f"    <title>{quoteattr(title)[1:-1]}</title>"
        yield f"    <dateCreated>{created}</dateCreated>"
        yield "  </head>"
        yield "  <body>"
        for section, members in sections.items():
            yield f"    <outline text={quoteattr(section)} title={quoteattr(section)}>"
            yield from (_outline(source, "      ") for source in members)
            yield "    </outline>"
        yield from (_outline(source, "    ") for source in loose)
        yield "  </body>"
        yield "</opml>"

    return "\n".join(lines()) + "\n"
