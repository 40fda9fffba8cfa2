"""Subscription lists in and out: OPML 2.0 both ways, newsboat's ``urls`` file in.

Sections become OPML outline folders on export and come back as sections on import
(``News/World`` is a folder in a folder), and ``flash`` and ``full_text`` travel as
attributes in newsreader's own namespace (:data:`NAMESPACE`), which other readers
ignore: ``export`` then ``import`` gives the same sources. Local folder sources have no
place in OPML: export skips them (and says how many it skipped).

What import cannot use is never dropped silently: each such entry is a
:class:`Dropped` with its reason (a ``javascript:`` feed URL, a newsboat query or
``exec:`` line...). A file that is not well-formed XML (a truncated download) is an
error, not an empty list.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Iterator
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import NamedTuple
from xml.sax.saxutils import quoteattr

from newsreader.config import FULL_TEXT_MODES, FullText, SourceConfig
from newsreader.content.sanitize import clean_line, safe_url
from newsreader.errors import ParseError

__all__ = [
    "NAMESPACE",
    "Dropped",
    "Subscriptions",
    "export_opml",
    "parse_newsboat_urls",
    "parse_opml",
    "parse_subscriptions",
    "read_newsboat_urls",
    "read_opml",
]

NAMESPACE = "urn:newsreader:opml:1"
"""The XML namespace of newsreader's outline attributes (``flash``, ``fullText``)."""
_PREFIX = "newsreader"


class Dropped(NamedTuple):
    """An entry of a subscription list that import cannot use."""

    entry: str
    """Its title or its line, cut to a readable length."""
    reason: str


class Subscriptions(NamedTuple):
    """What a subscription list holds: the sources, and what had to be left out."""

    sources: list[SourceConfig]
    dropped: list[Dropped]


def _entry(text: str) -> str:
    line = clean_line(text) or "(untitled)"
    return line if len(line) <= 60 else line[:59] + "…"


def _why_not(value: str | None) -> str:
    """Why a feed URL cannot be subscribed to."""
    if not value or not value.strip():
        return "no feed URL"
    scheme = value.strip().split(":", 1)[0].lower() if ":" in value else ""
    if scheme and scheme not in ("http", "https"):
        return f"{scheme[:20]}: URL"
    return "not an http(s) feed URL"


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


def _attributes(outline: object) -> dict[str, str]:
    """An outline's attributes by lower-case local name (``xmlURL`` is ``xmlurl``), and
    newsreader's own as ``newsreader:name``."""
    from lxml import etree

    found: dict[str, str] = {}
    for key, value in outline.attrib.items():  # type: ignore[attr-defined]
        name = etree.QName(key)
        prefix = f"{_PREFIX}:" if name.namespace == NAMESPACE else ""
        found.setdefault(prefix + name.localname.lower(), value)
    return found


def _full_text(value: str | None) -> FullText | None:
    for mode in FULL_TEXT_MODES:
        if value == mode:
            return mode
    return None


def read_opml(data: bytes) -> Subscriptions:
    """Sources from an OPML document; nested outlines without a feed are sections
    (their path joined with ``/``)."""
    from lxml import etree

    parser = etree.XMLParser(
        resolve_entities=False, no_network=True, remove_comments=True, load_dtd=False
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as error:
        raise ParseError(f"not a well-formed OPML file ({error.msg}); is it complete?") from None
    if root is None or etree.QName(root).localname.lower() != "opml":
        raise ParseError("not an OPML file: no <opml> root element")
    body = next((child for child in root if etree.QName(child).localname.lower() == "body"), None)
    if body is None:
        raise ParseError("not an OPML file: no <body>")
    taken: set[str] = set()
    sources: list[SourceConfig] = []
    dropped: list[Dropped] = []

    def walk(element: etree._Element, section: str | None, depth: int) -> None:
        if depth > 20:
            return
        for outline in element:
            if (
                not isinstance(outline.tag, str)
                or etree.QName(outline).localname.lower() != "outline"
            ):
                continue
            attributes = _attributes(outline)
            label = clean_line(attributes.get("title") or attributes.get("text"))
            feed = attributes.get("xmlurl")
            url = _feed_url(feed)
            if url:
                sources.append(
                    SourceConfig(
                        name=_unique(label or url, taken),
                        url=url,
                        section=section or clean_line(attributes.get("category")),
                        flash=attributes.get(f"{_PREFIX}:flash") == "true",
                        full_text=_full_text(attributes.get(f"{_PREFIX}:fulltext")),
                    )
                )
            elif len(outline):
                path = f"{section}/{label}" if section and label else label or section
                walk(outline, path, depth + 1)
            elif feed is not None or attributes.get("type", "").lower() in ("rss", "atom"):
                dropped.append(Dropped(_entry(label or feed or ""), _why_not(feed)))

    walk(body, None, 0)
    return Subscriptions(sources, dropped)


def parse_opml(data: bytes) -> list[SourceConfig]:
    """The sources of an OPML document (see :func:`read_opml`)."""
    return read_opml(data).sources


_NEWSBOAT_SPECIAL = {
    "query": "newsboat query feed",
    "exec": "newsboat exec: command",
    "filter": "newsboat filter: command",
}


def read_newsboat_urls(text: str) -> Subscriptions:
    """newsboat's ``urls`` file: ``URL [tag ...] ["~Title"]``; the first tag is the section.

    Query feeds, ``exec:`` and ``filter:`` lines are not feeds: they are dropped, each
    with its reason, as is any URL that is not http(s); ``!``-hidden tags are ignored.
    """
    taken: set[str] = set()
    sources: list[SourceConfig] = []
    dropped: list[Dropped] = []
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
        if url is None and ":" not in words[0]:
            continue  # not an entry at all (a urls file holds URLs)
        if url is None:
            scheme = words[0].split(":", 1)[0].lower()
            reason = _NEWSBOAT_SPECIAL.get(scheme) or _why_not(words[0])
            dropped.append(Dropped(_entry(words[0]), reason))
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
    return Subscriptions(sources, dropped)


def parse_newsboat_urls(text: str) -> list[SourceConfig]:
    """The sources of a newsboat ``urls`` file (see :func:`read_newsboat_urls`)."""
    return read_newsboat_urls(text).sources


def parse_subscriptions(data: bytes) -> Subscriptions:
    """OPML or a newsboat ``urls`` file, told apart by their first bytes."""
    head = data.lstrip()[:200].lower()
    if head.startswith((b"<?xml", b"<opml", b"<!--", b"\xef\xbb\xbf")):
        return read_opml(data)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ParseError("neither OPML nor a newsboat urls file (not UTF-8 text)") from None
    found = read_newsboat_urls(text)
    if not found.sources and not found.dropped:
        raise ParseError("neither OPML nor a newsboat urls file: no feed URL found")
    return found


def _outline(source: SourceConfig, indent: str) -> str:
    url = source.url or ""
    extra = ""
    if source.flash:
        extra += f' {_PREFIX}:flash="true"'
    if source.full_text:
        extra += f" {_PREFIX}:fullText={quoteattr(source.full_text)}"
    return (
        f'{indent}<outline type="rss" text={quoteattr(source.name)} '
        f"title={quoteattr(source.name)} xmlUrl={quoteattr(url)}{extra}/>"
    )


class _Folder:
    """A section path as nested outline folders: its sources, then its subfolders."""

    def __init__(self) -> None:
        self.sources: list[SourceConfig] = []
        self.folders: dict[str, _Folder] = {}

    def add(self, path: list[str], source: SourceConfig) -> None:
        if not path:
            self.sources.append(source)
            return
        self.folders.setdefault(path[0], _Folder()).add(path[1:], source)

    def lines(self, depth: int) -> Iterator[str]:
        indent = "  " * (depth + 2)
        for name, folder in self.folders.items():
            yield f"{indent}<outline text={quoteattr(name)} title={quoteattr(name)}>"
            yield from folder.lines(depth + 1)
            yield f"{indent}</outline>"
        yield from (_outline(source, indent) for source in self.sources)


def export_opml(
    sources: Iterable[SourceConfig],
    title: str = "newsreader subscriptions",
    now: datetime | None = None,
) -> str:
    """OPML 2.0 with one folder per section (``News/World`` a folder in a folder;
    sources without a section at the top)."""
    tree = _Folder()
    for source in sources:
        if source.url:
            path = [part for part in (source.section or "").split("/") if part.strip()]
            tree.add(path, source)
    created = format_datetime(now or datetime.now(UTC))

    def lines() -> Iterator[str]:
        yield '<?xml version="1.0" encoding="UTF-8"?>'
        yield f'<opml version="2.0" xmlns:{_PREFIX}="{NAMESPACE}">'
        yield "  <head>"
        yield f"    <title>{quoteattr(title)[1:-1]}</title>"
        yield f"    <dateCreated>{created}</dateCreated>"
        yield "  </head>"
        yield "  <body>"
        yield from tree.lines(0)
        yield "  </body>"
        yield "</opml>"

    return "\n".join(lines()) + "\n"
