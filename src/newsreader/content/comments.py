"""Comments: what feeds announce about them, comment feeds, and static comment sections.

Three readers, pure functions like the rest of content/:

- :func:`announced`: what a feed says of each entry's comments. RSS ``<comments>``
  (the page that shows them), ``wfw:commentRss`` (a feed of them) and
  ``slash:comments`` (a count); Atom threading (RFC 4685): ``link rel="replies"``
  (a feed, or a page when its type says HTML), with ``thr:count`` on the link, and
  ``thr:total``. The feed parser reads none of these reliably (``slash:comments`` and
  ``<comments>`` share a local name), so the feed is walked once more, with lxml, when
  its text mentions one of them.
- :func:`parse_comment_feed`: a comment feed (RSS or Atom) as :class:`Comment` records,
  threaded by ``thr:in-reply-to``.
- :func:`page_comments`: the comments a page prints as static HTML (WordPress's and
  Drupal's markup, schema.org ``Comment`` microdata): what ``open URL --comments``
  shows. Comments that a script loads after the page are not in the HTML, so not here.

Comment text is untrusted like any body: it goes through the same sanitising
converter (:func:`newsreader.content.markdown.convert_body`), and every URL through
:func:`~newsreader.content.sanitize.safe_url`, http(s) only.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator, Sequence
from copy import deepcopy
from typing import TYPE_CHECKING, Any, NamedTuple

from newsreader.content.dates import parse_date, utc_key
from newsreader.content.sanitize import clean_line, clean_text, safe_url
from newsreader.models import Comment, RawDocument
from newsreader.startup import LazyPattern

if TYPE_CHECKING:
    from lxml.etree import _Element

__all__ = [
    "MAX_COMMENTS",
    "Announced",
    "announced",
    "depths",
    "mentions_comments",
    "page_comments",
    "parse_comment_feed",
    "read_comments",
    "threaded",
]

MAX_COMMENTS = 2000
"""Comments read from one feed or page; a thread longer than this is cut (its oldest
are kept)."""
MAX_DEPTH = 8
"""Replies deeper than this are shown at this depth (the text would have no room)."""

_SLASH = "http://purl.org/rss/1.0/modules/slash/"
_WFW = "http://wellformedweb.org/CommentAPI/"
_THR = "http://purl.org/syndication/thread/1.0"
_ATOM = "http://www.w3.org/2005/Atom"
_RSS1 = "http://purl.org/rss/1.0/"
_FEED_TYPES = ("application/atom+xml", "application/rss+xml", "application/xml", "text/xml")
_BLANKS = LazyPattern(r"\s+")
_HINTS = ("commentRss", "commentRSS", _SLASH, _THR, "<comments", ":comments")


class Announced(NamedTuple):
    """What a feed says of one entry's comments."""

    keys: tuple[str, ...]
    """The entry's id and links, to find it among the parsed entries."""
    total: int | None = None
    """How many comments it has."""
    feed: str | None = None
    page: str | None = None


def mentions_comments(text: str) -> bool:
    """Does a feed's text name anything :func:`announced` reads? (A substring test: the
    second walk costs nothing for feeds that announce no comments.) Four of the six
    hints contain "comment": a feed without that word is told by three scans."""
    if "comment" not in text:
        return _SLASH in text or _THR in text
    return any(hint in text for hint in _HINTS)


def _local(element: _Element) -> tuple[str, str]:
    """``(namespace, local name)`` of an element ("" for no namespace)."""
    tag = element.tag
    if not isinstance(tag, str):
        return "", ""
    if tag.startswith("{"):
        namespace, _, local = tag[1:].partition("}")
        return namespace, local
    return "", tag


def _count(value: str | None) -> int | None:
    value = (value or "").strip()
    if not value.isascii() or not value.isdigit() or len(value) > 9:
        return None
    return int(value)


def _http(value: str | None, base: str | None) -> str | None:
    url = safe_url((value or "").strip(), base)
    return url if url and url.startswith(("http://", "https://")) else None


def xml_root(data: bytes) -> _Element | None:
    """The element tree of prepared feed XML (recovering, no entities, no network), or
    None: the second reading of a feed, for what fastfeedparser does not keep."""
    from lxml import etree

    parser = etree.XMLParser(
        recover=True, resolve_entities=False, no_network=True, remove_comments=True
    )
    try:
        return etree.fromstring(data, parser)
    except (etree.LxmlError, ValueError):
        return None


def _entries(root: _Element) -> Iterator[_Element]:
    for element in root.iter():
        local = _local(element)[1]
        if local in ("item", "entry"):
            yield element


def announced(root: _Element, base: str | None = None) -> list[Announced]:
    """For each entry of a feed (its tree from :func:`xml_root`, in document order),
    what it says of its comments; an entry that says nothing gets an empty record."""
    found: list[Announced] = []
    for entry in _entries(root):
        keys: list[str] = []
        count = feed = page = None
        for child in entry:
            namespace, local = _local(child)
            text = (child.text or "").strip()
            if local in ("link", "guid", "id") and namespace in ("", _ATOM, _RSS1):
                rel = child.get("rel")
                if local == "link" and rel == "replies":
                    target = _http(child.get("href"), base)
                    kind = (child.get("type") or "").split(";")[0].strip().lower()
                    if kind in ("text/html", "application/xhtml+xml"):
                        page = page or target
                    else:
                        feed = feed or target
                    thr = _count(child.get(f"{{{_THR}}}count"))
                    count = thr if thr is not None else count
                elif rel in (None, "alternate"):
                    key = child.get("href") or text
                    if key:
                        keys.append(key.strip())
            elif (namespace, local) in ((_SLASH, "comments"), (_THR, "total")):
                count = _count(text) if _count(text) is not None else count
            elif namespace == _WFW and local.lower() == "commentrss":
                feed = _http(text, base) or feed
            elif local == "comments" and namespace in ("", _RSS1):
                page = _http(text, base) or page
        found.append(Announced(tuple(keys), count, feed, page))
    return found


# -- comment feeds ---------------------------------------------------------------------


def _body(html: str | None, base: str | None) -> tuple[str, str]:
    """Markdown and text of a comment's HTML, through the sanitising converter."""
    if not html or not html.strip():
        return "", ""
    from newsreader.content.markdown import convert_body

    if "<pre" not in html.lower():
        html = _BLANKS.sub(" ", html)  # a line break in the source is no break in the text
    body = convert_body(html, base)
    return body.markdown.strip(), body.text.strip()


def _bodies(htmls: Sequence[str | None], base: str | None) -> list[tuple[str, str]]:
    """:func:`_body` of every comment, converted in one pass: the converter costs about
    2 ms a call whatever the size, so 500 comments took a second one by one. The
    comments are joined with a paragraph holding a random token, and the output split
    there; if a comment's markup swallowed a separator (an unclosed ``<pre>``), the
    split does not come out right and each is converted alone."""
    if len(htmls) < 2:
        return [_body(html, base) for html in htmls]
    import secrets

    from newsreader.content.markdown import convert_body

    marker = f"NRCOMMENTBREAK{secrets.token_hex(8)}"
    parts = []
    for html in htmls:
        html = html or ""
        if "<pre" in html.lower():
            return [_body(html, base) for html in htmls]
        parts.append(f"<div>{_BLANKS.sub(' ', html)}</div>")
    body = convert_body(f"<p>{marker}</p>".join(parts), base)
    split = re.compile(rf"^[ \t]*{marker}[ \t]*$", re.M)
    markdowns, texts = split.split(body.markdown), split.split(body.text)
    if len(markdowns) != len(htmls) or len(texts) != len(htmls):
        return [_body(html, base) for html in htmls]
    return [(m.strip(), t.strip()) for m, t in zip(markdowns, texts, strict=True)]


def _feed_comment(entry: _Element, base: str | None) -> tuple[Comment, str | None, str | None]:
    """One entry of a comment feed (its body still to convert), its HTML and its
    title (used when it has no body)."""
    ident = link = author = published = updated = parent = html = title = None
    summary = None
    for child in entry:
        namespace, local = _local(child)
        text = child.text or ""
        if local in ("guid", "id") and ident is None:
            ident = clean_line(text)
        elif local == "link" and namespace in ("", _ATOM, _RSS1):
            rel = child.get("rel")
            if rel in (None, "alternate") and link is None:
                link = _http(child.get("href") or text, base)
        elif local == "in-reply-to" and namespace == _THR:
            parent = clean_line(child.get("ref")) or parent
        elif local in ("creator", "author") and author is None:
            name = child.find(f"{{{_ATOM}}}name") if namespace == _ATOM else None
            author = clean_line((name.text if name is not None else None) or text)
        elif local in ("pubDate", "published", "date", "issued") and published is None:
            published = parse_date(text.strip())
        elif local in ("updated", "modified"):
            updated = parse_date(text.strip())
        elif local in ("encoded", "content") and html is None:
            html = _inner(child)
        elif local in ("description", "summary"):
            summary = _inner(child)
        elif local == "title":
            title = clean_line(text)
    comment = Comment(
        id=ident or link,
        parent=parent,
        author=author,
        published=published or updated,
        url=link,
    )
    return comment, html or summary, title


def _inner(element: _Element) -> str:
    """An element's content as HTML: escaped HTML as it is (RSS, Atom type="html"),
    XHTML content serialised."""
    from lxml import etree

    children = list(element)
    if not children:
        return element.text or ""
    return (element.text or "") + "".join(
        etree.tostring(child, encoding="unicode", method="html", with_tail=True)
        for child in children
    )


def parse_comment_feed(text: str, location: str | None = None) -> tuple[Comment, ...]:
    """The comments of a comment feed (RSS or Atom, given as text), in reading order:
    threads by ``thr:in-reply-to``, oldest first. Raises
    :class:`~newsreader.errors.ParseError` for a document that is not a feed."""
    from newsreader.content.feed import prepare_xml
    from newsreader.errors import ParseError

    root = xml_root(prepare_xml(text))
    if root is None or _local(root)[1] not in ("rss", "feed", "RDF"):
        raise ParseError("not a comment feed (RSS or Atom)")
    base = location if location and location.startswith(("http://", "https://")) else None
    read = []
    for entry in _entries(root):
        read.append(_feed_comment(entry, base))
        if len(read) >= MAX_COMMENTS:
            break
    comments: list[Comment] = []
    bodies = _bodies([html for _, html, _ in read], base)
    for (comment, _, title), (markdown, text) in zip(read, bodies, strict=True):
        if not markdown and title:
            markdown = text = title
        if markdown:
            comments.append(comment._replace(markdown=markdown, text=text))
    return threaded(comments, by_date=True)


# -- threads ---------------------------------------------------------------------------


def threaded(comments: Sequence[Comment], *, by_date: bool = False) -> tuple[Comment, ...]:
    """``comments`` in reading order: each reply right after the comment it answers
    (and that comment's earlier replies), a comment whose parent is not among them
    (the article itself, or a comment not fetched) at the top level. With
    ``by_date``, comments at one level go oldest first (undated ones last, in their
    order); else they keep their order (a page prints them as it means them read)."""
    ids = {comment.id for comment in comments if comment.id}
    children: dict[str | None, list[int]] = {}
    for index, comment in enumerate(comments):
        parent = comment.parent if comment.parent in ids and comment.parent != comment.id else None
        children.setdefault(parent, []).append(index)

    def order(indexes: list[int]) -> list[int]:
        if not by_date:
            return indexes

        def key(index: int) -> tuple[bool, str, int]:
            moment = utc_key(comments[index].published)
            return (moment is None, moment or "", index)

        return sorted(indexes, key=key)

    result: list[int] = []
    seen: set[int] = set()
    stack = list(reversed(order(children.get(None, []))))
    while stack or len(seen) < len(comments):
        if not stack:  # a cycle of replies: start it anywhere
            stack.append(next(i for i in range(len(comments)) if i not in seen))
        index = stack.pop()
        if index in seen:
            continue
        seen.add(index)
        result.append(index)
        ident = comments[index].id
        if ident:
            stack.extend(reversed(order(children.get(ident, []))))
    return tuple(comments[index] for index in result)


def depths(comments: Iterable[Comment]) -> list[int]:
    """How deep each comment of a :func:`threaded` sequence is (0: on the article),
    at most :data:`MAX_DEPTH`."""
    depth_of: dict[str, int] = {}
    found: list[int] = []
    for comment in comments:
        depth = depth_of.get(comment.parent, -1) + 1 if comment.parent else 0
        depth = min(depth, MAX_DEPTH)
        if comment.id and comment.id not in depth_of:
            depth_of[comment.id] = depth
        found.append(depth)
    return found


# -- comment sections of pages ---------------------------------------------------------

_COMMENT_CLASS = LazyPattern(r"(?:^|\s)(?:comment|commentaire|comentario|kommentar)(?:\s|$)", re.I)
_COMMENT_ID = LazyPattern(r"^(?:comment|commentaire|comentario|kommentar)-?[0-9]+$", re.I)
_HIDDEN_STYLE = LazyPattern(r"display\s*:\s*none|visibility\s*:\s*hidden", re.I)
_SAYS = LazyPattern(r"\s*(?:says|dit|dice|sagt|a dit|schreibt)\s*:?\s*$", re.I)
_AUTHOR_CLASS = LazyPattern(
    r"(?:^|\s)(?:fn|comment-author|author|username|user-name|nickname)(?:\s|$)"
)
_DATE_CLASS = LazyPattern(r"(?:^|\s)(?:comment-date|comment-time|date|published|timestamp)(?:\s|$)")
_TEXT_CLASS = LazyPattern(
    r"(?:^|\s)(?:comment-content|comment-text|comment_text|comment-body-text|"
    r"field--name-comment-body|commentaire-texte|text)(?:\s|$)"
)
_META_CLASS = LazyPattern(
    r"(?:^|\s)(?:comment-meta|comment-metadata|comment-author|reply|comment-reply-link|"
    r"comment-actions|comment-footer|comment-header|vcard|avatar)(?:\s|$)"
)
_DROPPED = ("script", "style", "noscript", "template", "form", "button", "svg", "iframe")


def _is_comment(element: Any) -> bool:
    itemtype = element.get("itemtype") or ""
    if itemtype.rstrip("/").lower().endswith(("schema.org/comment", "schema.org/usercomments")):
        return True
    if element.tag in ("form", "textarea", "section", "body", "html", "main"):
        return False
    return bool(
        _COMMENT_CLASS.search(element.get("class") or "")
        or _COMMENT_ID.match(element.get("id") or "")
    )


def _hidden(element: Any) -> bool:
    """The element or one of its ancestors is not shown."""
    node = element
    while node is not None:
        if (
            node.get("hidden") is not None
            or (node.get("aria-hidden") or "").lower() == "true"
            or _HIDDEN_STYLE.search(node.get("style") or "")
            or node.tag in _DROPPED
        ):
            return True
        node = node.getparent()
    return False


def _first(element: Any, test: Any) -> Any:
    """The first descendant of ``element`` passing ``test``, not inside a reply."""
    for node in element.iterdescendants():
        if not isinstance(node.tag, str):
            continue
        if _inside_other(node, element):
            continue
        if test(node):
            return node
    return None


def _inside_other(node: Any, comment: Any) -> bool:
    """``node`` belongs to a reply nested in ``comment``, not to ``comment`` itself."""
    parent = node.getparent()
    while parent is not None and parent is not comment:
        if _is_comment(parent):
            return True
        parent = parent.getparent()
    return _is_comment(node)


def _prop(name: str) -> Any:
    return lambda node: name in (node.get("itemprop") or "").split()


def _classed(pattern: LazyPattern) -> Any:
    return lambda node: bool(pattern.search(node.get("class") or ""))


def _author(element: Any) -> str | None:
    node = _first(element, _prop("author"))
    if node is None:
        node = _first(element, _classed(_AUTHOR_CLASS))
    if node is None:
        node = _first(element, lambda n: n.tag == "cite")
    if node is None:
        return None
    name = _first(node, _prop("name"))
    value = (name if name is not None else node).text_content()
    line = clean_line(_SAYS.sub("", " ".join(value.split())))
    return line[:200] if line else None


def _published(element: Any) -> str | None:
    for test in (
        lambda n: n.tag == "time" and n.get("datetime"),
        lambda n: bool({"dateCreated", "datePublished"} & set((n.get("itemprop") or "").split())),
        _classed(_DATE_CLASS),
    ):
        node = _first(element, test)
        if node is None:
            continue
        for value in (node.get("datetime"), node.get("content"), node.text_content()):
            parsed = parse_date(" ".join((value or "").split()))
            if parsed:
                return parsed
    return None


def _text_html(element: Any) -> str:
    """The HTML of a comment's own text: its marked text block, else the comment
    without its replies, its author, date and reply links."""
    from lxml import etree

    node = _first(element, _prop("text"))
    if node is None:
        node = _first(element, _classed(_TEXT_CLASS))
    copy = deepcopy(node if node is not None else element)
    for child in list(copy.iter()):
        if child is copy or not isinstance(child.tag, str):
            continue
        if child.getparent() is None:
            continue  # removed with an ancestor
        if (
            _is_comment(child)
            or child.tag in _DROPPED
            or child.tag in ("time", "footer", "header", "img")
            or _META_CLASS.search(child.get("class") or "")
            or child.get("itemprop") in ("author", "dateCreated", "datePublished")
        ):
            _drop_keep_tail(child)
    return str(etree.tostring(copy, encoding="unicode", method="html"))


def _drop_keep_tail(child: Any) -> None:
    """Remove ``child`` but keep the text that follows it."""
    parent = child.getparent()
    previous = child.getprevious()
    if previous is not None:
        previous.tail = (previous.tail or "") + (child.tail or "")
    else:
        parent.text = (parent.text or "") + (child.tail or "")
    parent.remove(child)


def page_comments(html: str, url: str | None = None) -> tuple[Comment, ...]:
    """The comments a page shows as static HTML, threaded as the page nests them, in
    the page's order. ``html`` is the decoded page; ``url`` resolves links."""
    from lxml import etree
    from lxml.html import document_fromstring

    try:
        root = document_fromstring(clean_text(html) or "<html></html>")
    except (etree.LxmlError, ValueError):
        return ()
    base = url if url and url.startswith(("http://", "https://")) else None
    comments: list[Comment] = []
    htmls: list[str] = []
    ids: dict[Any, str] = {}
    for number, element in enumerate(root.iter()):
        if not isinstance(element.tag, str) or not _is_comment(element) or _hidden(element):
            continue
        # The outermost element of one comment only (WordPress's li.comment holds an
        # article.comment-body: the body is no second comment).
        parent_node = element.getparent()
        while parent_node is not None and not _is_comment(parent_node):
            parent_node = parent_node.getparent()
        anchor = element.get("id")
        if not anchor:
            inner = _first(element, lambda n: bool(n.get("id")))
            anchor = inner.get("id") if inner is not None else None
        ident = clean_line(anchor) or f"comment-{number}"
        ids[element] = ident
        comments.append(
            Comment(
                id=ident,
                parent=ids.get(parent_node) if parent_node is not None else None,
                author=_author(element),
                published=_published(element),
                url=_http(f"#{anchor}", base) if anchor and base else None,
            )
        )
        htmls.append(_text_html(element))
        if len(comments) >= MAX_COMMENTS:
            break
    kept = [
        comment._replace(markdown=markdown, text=text)
        for comment, (markdown, text) in zip(comments, _bodies(htmls, base), strict=True)
        if text
    ]
    return threaded(kept)


def read_comments(raw: RawDocument) -> tuple[Comment, ...]:
    """The comments in a fetched document: a comment feed, or a page's static comment
    section (none for a page without one). Raises
    :class:`~newsreader.errors.ParseError` for anything else."""
    from newsreader.content import detect_kind
    from newsreader.content.charset import decode
    from newsreader.content.sanitize import clean_markup
    from newsreader.errors import ParseError

    text = clean_markup(decode(raw.body, raw.charset))
    kind = detect_kind(raw, text)
    location = raw.location if raw.is_url else None
    if kind == "feed":
        return parse_comment_feed(text, location)
    if kind == "html":
        return page_comments(text, location)
    raise ParseError("not a comment feed or a page with comments")
