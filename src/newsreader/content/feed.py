"""RSS 0.9x/1.0/2.0, Atom and JSON Feed documents to a :class:`Feed`.

XML feeds are parsed by fastfeedparser: lxml underneath, with a recovering parser for
broken feeds, no entity resolution, and about 0.6 ms for a 50-item feed where
feedparser takes 27 ms (see ``bench/README.md``). Before it sees the bytes, the text is
decoded by our own charset rules, the DOCTYPE's internal subset (where entity bombs
live) is removed, and HTML named entities that XML does not know (``&eacute;``, common
in hand-made feeds) become characters.

JSON Feed 1.0 and 1.1 are read here, by the spec (https://jsonfeed.org/version/1.1).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from newsreader.content.charset import decode
from newsreader.content.dates import parse_date
from newsreader.content.language import primary_language
from newsreader.content.sanitize import (
    clean_line,
    clean_text,
    clean_utf8,
    has_hidden_text,
    is_unsafe_url,
    quick_text,
    safe_url,
    strip_tags,
)
from newsreader.errors import ParseError
from newsreader.models import Feed, FeedItem

__all__ = [
    "SUMMARY_LIMIT",
    "parse_feed",
    "parse_json_feed",
    "parse_xml_feed",
    "prepare_xml",
    "shorten",
    "summary_text",
]

SUMMARY_LIMIT = 2000
"""Characters of plain-text summary kept per entry; the full HTML goes to ``content_html``."""

_XML_DECLARATION = re.compile(r"\A\s*<\?xml[^>]*\?>")
_DOCTYPE_SUBSET = re.compile(r"<!DOCTYPE[^>\[]*\[.*?\]\s*>", re.S | re.I)
_DOCTYPE = re.compile(r"<!DOCTYPE[^>\[]*>", re.I)
_ANY_DOCTYPE = re.compile(r"<!DOCTYPE", re.I)
# Named entities but XML's five: the escaped HTML of every description is full of
# &lt; and &gt;, which must not cost a Python call each.
_NAMED_ENTITY = re.compile(r"&(?!(?:amp|lt|gt|quot|apos);)([A-Za-z][A-Za-z0-9]{1,31});")
# Every numeric reference gets a look (a list of the code points that need one missed
# the decimal spelling of the bidi isolates): those to what clean_text removes are decoded.
_CHAR_REF = re.compile(r"&#([xX][0-9a-fA-F]{1,8}|[0-9]{1,10});")
_XML_ENTITIES = frozenset({"amp", "lt", "gt", "quot", "apos"})
_CHANNEL_LANGUAGE = re.compile(
    r"<(?:\w+:)?language>\s*([A-Za-z]{2,3}(?:[-_][A-Za-z0-9]+)*)\s*<", re.I
)
_ROOT_LANGUAGE = re.compile(
    r"<(?:\w+:)?(?:feed|rss|rdf:RDF)\b[^>]*\bxml:lang=[\"']([A-Za-z-]+)", re.I
)
_TTL = re.compile(r"<ttl>\s*([0-9]{1,6})\s*</ttl>", re.I)
_XHTML_TYPE = re.compile(rb"""\btype\s*=\s*["'](?:xhtml|application/xhtml\+xml)["']""")
_SCRIPTS = ("script", "style", "noscript", "template")
_UTF8_DECLARATION = b'<?xml version="1.0" encoding="utf-8"?>'


def _html_entity(match: re.Match[str]) -> str:
    name = match.group(1)
    if name in _XML_ENTITIES:
        return match.group(0)
    char = html.unescape(f"&{name};")
    if char.startswith("&"):  # not an HTML entity either: leave it to the parser
        return match.group(0)
    return {"<": "&lt;", "&": "&amp;", ">": "&gt;"}.get(char, char)


def _char_ref(match: re.Match[str]) -> str:
    """A numeric character reference to a character that :func:`clean_text` removes,
    decoded, so that the pass after it removes it with the rest of its escape sequence
    (``&#27;[31m`` goes whole, as a raw ESC would); the parser would otherwise bring the
    character back, or refuse it."""
    digits = match.group(1)
    try:
        code = int(digits[1:], 16) if digits[:1] in "xX" else int(digits)
        char = chr(code)
    except (ValueError, OverflowError):
        return ""
    return match.group(0) if clean_text(char) == char else char


def prepare_xml(text: str) -> bytes:
    """Make feed text safe and parseable: no entity declarations, UTF-8 bytes, and no
    character (raw or as a reference) that :func:`clean_text` would remove, so that
    every string the parser returns is clean without another pass."""
    # Each step looks first with a substring search (one pass in C) and runs its
    # pattern only where it may match: patterns that can start anywhere try every
    # position of a 100 KB feed.
    declaration = _XML_DECLARATION.match(text)
    if declaration:
        text = text[declaration.end() :]
    if _ANY_DOCTYPE.search(text):
        text = _DOCTYPE_SUBSET.sub("", text, count=1)
        text = _DOCTYPE.sub("", text, count=1)
    text = _NAMED_ENTITY.sub(_html_entity, text)
    if "&#" in text:
        text = _CHAR_REF.sub(_char_ref, text)
    data = clean_utf8(text)
    if b"xhtml" in data and _XHTML_TYPE.search(data):
        data = _flatten_xhtml(data)
    # Declared, because the parser's fallback for damaged feeds (libxml2's HTML parser)
    # would read undeclared bytes as Latin-1.
    return _UTF8_DECLARATION + data


def _flatten_xhtml(data: bytes) -> bytes:
    """Atom text constructs of type "xhtml" rewritten as the parser reads them best:
    titles (and subtitles, rights) as their visible text, summaries and content as
    escaped HTML. fastfeedparser loses xhtml titles and summaries, and gives the text
    of an entry's scripts and styles as its description."""
    from lxml import etree

    parser = etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, remove_comments=True
    )
    try:
        root = etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return data
    if root is None:
        return data
    for element in list(
        root.iter("{*}title", "{*}subtitle", "{*}rights", "{*}summary", "{*}content")
    ):
        if element.get("type") not in ("xhtml", "application/xhtml+xml"):
            continue
        for node in element.iter():
            if isinstance(node.tag, str) and node.tag.startswith("{") and node is not element:
                node.tag = etree.QName(node).localname  # XHTML elements as plain HTML
        # RFC 4287: the content is inside one xhtml:div, which is no part of it.
        children = list(element)
        container = children[0] if len(children) == 1 and children[0].tag == "div" else element
        if etree.QName(element).localname in ("summary", "content"):
            inner = html.escape(container.text or "", quote=False) + "".join(
                etree.tostring(child, encoding="unicode", method="html", with_tail=True)
                for child in container
            )
            kind = "html"
        else:
            etree.strip_elements(container, *_SCRIPTS, with_tail=False)
            inner = " ".join("".join(container.itertext()).split())
            kind = "text"
        for child in children:
            element.remove(child)
        element.text = inner
        element.set("type", kind)
    return bytes(etree.tostring(root, encoding="utf-8", xml_declaration=False))


def shorten(text: str, limit: int) -> str:
    """``text`` cut at a word boundary to at most ``limit`` characters, ``…`` marking
    the cut."""
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + "…"


def summary_text(value: str | None) -> str | None:
    """The plain text of a summary, cut to :data:`SUMMARY_LIMIT` characters."""
    return shorten(quick_text(value), SUMMARY_LIMIT) or None


def _cleaned(value: str | None) -> str | None:
    return clean_text(value) or None


def _title(value: str | None) -> str | None:
    """A one-line text field that may carry markup (titles, names, categories)."""
    if value and "<" not in value and "&" not in value:
        return clean_line(value)  # plain text: no tag to strip (the usual case)
    return clean_line(strip_tags(value))


def _guid(value: object) -> str | None:
    """An entry's id, unless it is a script URL that would end up printed somewhere."""
    if not isinstance(value, str) or is_unsafe_url(value):
        return None
    return clean_line(value)


def _first_text(*values: Any) -> str | None:
    for value in values:
        if isinstance(value, str) and value and not value.isspace():
            return value
    return None


def _entry_author(entry: dict[str, Any]) -> str | None:
    names = []
    for author in entry.get("authors") or []:
        name = author.get("name") if isinstance(author, dict) else author
        if isinstance(name, str) and (line := _title(name)) and line not in names:
            names.append(line)
    if not names and isinstance(entry.get("author"), str):
        line = _title(entry["author"])
        names = [line] if line else []
    return ", ".join(names[:10]) or None


def _first_content(entry: dict[str, Any]) -> str | None:
    for content in entry.get("content") or []:
        value = content.get("value") if isinstance(content, dict) else None
        if isinstance(value, str) and value.strip():
            return value
    return None


def _entry_section(tags: Iterable[Any] | None) -> str | None:
    for tag in tags or []:
        term = tag.get("label") or tag.get("term") if isinstance(tag, dict) else tag
        if isinstance(term, str) and (line := _title(term)):
            return line
    return None


_PUBLISHED_TAGS = ("pubDate", "published", "issued", "date")
_UPDATED_TAGS = ("updated", "modified")
_DATE_TAGS = frozenset(_PUBLISHED_TAGS + _UPDATED_TAGS)


def _first_dates(values: dict[str, str]) -> tuple[str | None, str | None]:
    published = next((values[t] for t in _PUBLISHED_TAGS if t in values), None)
    updated = next((values[t] for t in _UPDATED_TAGS if t in values), None)
    return published, updated


def _entry_dates(root: Any, count: int) -> list[tuple[str | None, str | None]] | None:
    """Each entry's published and updated dates as the feed wrote them, in order.

    fastfeedparser turns dates into UTC (the publisher's offset, and so the day they
    meant, is lost) and fills a missing ``published`` with ``updated``; an Atom entry
    with only ``<updated>`` has no publication date, and says so. None when the
    entries found here are not the parser's (a feed too broken to tell).
    """
    if root is None:
        return None
    found: list[tuple[str | None, str | None]] = []
    for element in root.iter("{*}item", "{*}entry"):
        values: dict[str, str] = {}
        for child in element:
            tag = child.tag
            if not isinstance(tag, str):
                continue
            # "{namespace}name", or "prefix:name" for an undeclared prefix; the name
            # first, so that a description's text is never copied out of the tree.
            name = tag.rpartition("}")[2].rpartition(":")[2]
            if name in _DATE_TAGS and name not in values:
                text = (child.text or "").strip()
                if text:
                    values[name] = text
        found.append(_first_dates(values))
    return found if len(found) == count else None


_ENTRY_PART = re.compile(
    r"<(/?)(?:[A-Za-z_][\w.-]*:)?"
    r"(item|entry|source|pubDate|published|issued|date|updated|modified)[\s/>]"
)


def _scanned_dates(text: str) -> list[tuple[str | None, str | None]] | None:
    """The same as :func:`_entry_dates`, read from the text by one pattern instead of
    a second parse of the whole document (a sixth of a feed's parsing time); None
    for anything unusual (entries inside entries, a date in CDATA...). What it finds
    is only used once checked against the parser's own reading
    (:func:`_dates_agree`)."""
    found: list[tuple[str | None, str | None]] = []
    values: dict[str, str] | None = None
    in_source = 0
    for match in _ENTRY_PART.finditer(text):
        closing, name = match.groups()
        if name in ("item", "entry"):
            if closing:
                if values is None:
                    return None
                found.append(_first_dates(values))
                values = None
            elif values is not None:
                return None
            else:
                values, in_source = {}, 0
        elif values is None:
            continue
        elif name == "source":  # an Atom entry's source feed has dates of its own
            in_source += -1 if closing else 1
        elif not closing and not in_source and name not in values:
            start = text.find(">", match.end() - 1)
            if start < 0 or text[start - 1] == "/":
                continue
            stop = text.find("<", start)
            if stop < 0:
                return None  # the document ends inside a date
            value = text[start + 1 : stop].strip()
            if value:
                values[name] = value
    return found if values is None else None


def _instant(value: object) -> datetime | None:
    """An ISO date (the feed parser's, or :func:`parse_date`'s) as a datetime, to
    compare instants; None for none, or for what is not one."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def _dates_agree(
    dates: list[tuple[str | None, str | None]], entries: list[Any]
) -> list[tuple[str | None, str | None]] | None:
    """``dates`` parsed, if every one is the instant the feed parser read for the same
    entry (it fills a missing published date with the updated one), else None."""
    if len(dates) != len(entries):
        return None
    parsed = []
    for (published, updated), entry in zip(dates, entries, strict=True):
        ours = (parse_date(published), parse_date(updated))
        theirs = entry.get("published"), entry.get("updated")
        if theirs != ours:  # else the same, to the letter
            if _instant(theirs[0]) != _instant(ours[0] or ours[1]):
                return None
            if ("updated" in entry or ours[1] is not None) and _instant(theirs[1]) != _instant(
                ours[1]
            ):
                return None
        parsed.append(ours)
    return parsed


def _dates(
    text: str, data: bytes, entries: list[Any], root: Any
) -> tuple[list[tuple[str | None, str | None]], Any]:
    """Each entry's (published, updated), parsed, with the publisher's offsets; and
    the document's tree when it had to be read for them (else ``root`` as given). A
    tree already read (for comment links) is walked; else the text is scanned, and
    read as a tree only when the scan does not agree with the parser."""
    if root is None:
        scanned = _scanned_dates(text)
        agreed = _dates_agree(scanned, entries) if scanned is not None else None
        if agreed is not None:
            return agreed, root
        from newsreader.content.comments import xml_root

        root = xml_root(data)
    walked = _entry_dates(root, len(entries))
    if walked is None:
        return [
            (parse_date(entry.get("published")), parse_date(entry.get("updated")))
            for entry in entries
        ], root
    return [(parse_date(published), parse_date(updated)) for published, updated in walked], root


def parse_xml_feed(text: str, location: str | None = None) -> Feed:
    """Parse an RSS or Atom document given as text."""
    import fastfeedparser

    head = text[:4096]
    try:
        data = prepare_xml(text)
        parsed = fastfeedparser.parse(data)
    except Exception as error:  # noqa: BLE001 - the parser raises ValueError, lxml errors, ...
        message = str(error).split("\n")[0][:120]
        raise ParseError(f"not an RSS, Atom or JSON feed ({message})") from None
    info = parsed.get("feed") or {}
    site = safe_url(info.get("link"), location)
    base = site or (location if location and location.startswith("http") else None)
    items = []
    entries = parsed.get("entries") or []
    # What fastfeedparser does not keep: the publisher's offsets (from the text when
    # they agree with its reading) and comment links (from a second reading, shared).
    from newsreader.content.comments import mentions_comments, xml_root

    mentions = bool(entries) and mentions_comments(text)
    root = xml_root(data) if mentions else None
    dates, root = _dates(text, data, entries, root) if entries else ([], root)
    threads = _comment_links(root, base, entries) if mentions else {}
    for number, entry in enumerate(entries):
        published, updated = dates[number]
        link = safe_url(_first_text(entry.get("link"), entry.get("id")), base)
        if link and link.startswith("mailto:"):
            link = None
        summary = _first_text(entry.get("summary"), entry.get("description"))
        content = _first_content(entry)
        if content is not None and content != summary and summary is entry.get("description"):
            # fastfeedparser describes an entry that has no description with the text
            # of its content, unescaped, the text of scripts and styles included: that
            # text is cleaned again, or the content itself is the summary.
            summary = content if has_hidden_text(content) else _cleaned(summary)
        summary_html = summary or None  # the document was cleaned as a whole
        items.append(
            FeedItem(
                title=_title(entry.get("title")),
                url=link,
                guid=_guid(entry.get("id")),
                published=published,
                updated=updated,
                author=_entry_author(entry),
                summary_html=summary_html,
                content_html=content if content is not None else summary_html,
                section=_entry_section(entry.get("tags")),
                **threads.get(number, {}),
            )
        )
    ttl = _TTL.search(head) or _TTL.search(text[:65536])
    language = _CHANNEL_LANGUAGE.search(head) or _ROOT_LANGUAGE.search(head)
    title = _title(info.get("title"))
    if title is None and not items:
        raise ParseError("not an RSS, Atom or JSON feed: no title and no entries")
    return Feed(
        title=title,
        url=site,
        feed_url=safe_url(location) if location and location.startswith("http") else None,
        description=summary_text(info.get("subtitle")),
        language=primary_language(language.group(1) if language else info.get("language")),
        items=tuple(items),
        ttl=int(ttl.group(1)) if ttl else None,
    )


def _comment_links(root: Any, base: str | None, entries: list[Any]) -> dict[int, dict[str, Any]]:
    """What the feed says of each entry's comments, by entry number (see
    :func:`newsreader.content.comments.announced`), for the entries that say something.
    Entries are matched by position when the walk found as many as the parser, else by
    id or link."""
    from newsreader.content.comments import announced

    if root is None or not entries:
        return {}
    found = announced(root, base)
    if len(found) != len(entries):
        by_key = {key: item for item in found for key in item.keys}
        matched = []
        for entry in entries:
            keys = (entry.get("id"), entry.get("link"))
            matched.append(
                next((by_key[k] for k in keys if isinstance(k, str) and k in by_key), None)
            )
    else:
        matched = list(found)
    return {
        number: {
            "comment_count": item.total,
            "comments_feed": item.feed,
            "comments_page": item.page,
        }
        for number, item in enumerate(matched)
        if item is not None and (item.total is not None or item.feed or item.page)
    }


def _json_authors(node: dict[str, Any]) -> str | None:
    authors = node.get("authors")
    if not isinstance(authors, list):
        authors = [node.get("author")] if isinstance(node.get("author"), dict) else []
    names = [
        line
        for author in authors[:10]
        if isinstance(author, dict)
        and isinstance(author.get("name"), str)
        and (line := clean_line(author["name"]))
    ]
    return ", ".join(names) or None


def _string(value: Any) -> str | None:
    """JSON Feed fields are strings; anything else (a number id in 1.0) is coerced."""
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return None


def parse_json_feed(text: str, location: str | None = None) -> Feed:
    """Parse a JSON Feed 1.0 or 1.1 document given as text."""
    try:
        data = json.loads(text)
    except RecursionError:
        raise ParseError("invalid JSON: nested too deeply") from None
    except ValueError as error:
        raise ParseError(f"invalid JSON: {error}") from None
    if not isinstance(data, dict):
        raise ParseError("not a JSON Feed: the document is not a JSON object")
    version = data.get("version")
    is_feed = isinstance(version, str) and "jsonfeed.org/version/" in version
    if not is_feed and not (isinstance(data.get("items"), list) and "title" in data):
        raise ParseError("not a JSON Feed: no jsonfeed.org version and no items")
    items_data = data.get("items")
    if not isinstance(items_data, list):
        raise ParseError("not a JSON Feed: 'items' is not a list")
    site = safe_url(_string(data.get("home_page_url")), location)
    base = site or (location if location and location.startswith("http") else None)
    feed_language = primary_language(_string(data.get("language")))
    items = []
    for item in items_data:
        if not isinstance(item, dict):
            continue
        url = safe_url(_string(item.get("url")), base) or safe_url(
            _string(item.get("external_url")), base
        )
        content_html = _string(item.get("content_html"))
        content_text = _string(item.get("content_text"))
        if content_html is None and content_text:
            content_html = "".join(
                f"<p>{html.escape(p)}</p>" for p in content_text.split("\n\n") if p.strip()
            )
        summary = _string(item.get("summary")) or content_text or content_html
        tags = item.get("tags") if isinstance(item.get("tags"), list) else None
        items.append(
            FeedItem(
                title=_title(_string(item.get("title"))),
                url=url if url and not url.startswith("mailto:") else None,
                guid=_guid(_string(item.get("id"))),
                published=parse_date(_string(item.get("date_published"))),
                updated=parse_date(_string(item.get("date_modified"))),
                author=_json_authors(item) or _json_authors(data),
                summary_html=_cleaned(summary),
                content_html=clean_text(content_html) if content_html else None,
                section=_entry_section(tags),
                language=primary_language(_string(item.get("language"))) or feed_language,
            )
        )
    return Feed(
        title=_title(_string(data.get("title"))),
        url=site,
        feed_url=safe_url(_string(data.get("feed_url")))
        or (safe_url(location) if location and location.startswith("http") else None),
        description=summary_text(_string(data.get("description"))),
        language=feed_language,
        items=tuple(items),
    )


def parse_feed(body: bytes, location: str | None = None, charset: str | None = None) -> Feed:
    """Parse feed bytes of either kind (JSON Feed when the text starts with ``{``)."""
    text = decode(body, charset)
    if text.lstrip()[:1] in ("{", "["):
        return parse_json_feed(text, location)
    return parse_xml_feed(text, location)
