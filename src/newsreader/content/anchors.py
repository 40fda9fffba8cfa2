"""Where an extractor's body sits in the page it came from.

An extractor hands back the story's blocks without saying where in the page each one
was. Walking the page in reading order and recognising the blocks the body kept (by
their first words) tells where the story starts, where it ends, and what the page
shows between two of its blocks: the pictures (:mod:`.figures`) and the blocks the
extractor left out (:mod:`.combine`).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from itertools import islice

from lxml import etree

from newsreader.startup import LazyPattern

__all__ = [
    "TEXT_BLOCKS",
    "BodyBlocks",
    "block_text",
    "drop_keeping_tail",
    "in_furniture",
    "inside_figure",
    "is_leaf",
    "is_text_division",
    "near_ancestors",
    "slot",
]

TEXT_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th")
"""Elements that hold a block of text (the innermost of them are the blocks)."""
_CONTAINERS = frozenset({"body", "article", "main", "section", "div", "html"})
# What a division written as a paragraph never holds.
_BLOCK_TAGS = (*TEXT_BLOCKS, "div", "ul", "ol", "dl", "table", "section", "article", "figure")
_WORDS = re.compile(r"\w+")
_FURNITURE_TAGS = frozenset({"nav", "footer", "aside", "form", "button", "select", "noscript"})
# Boxes that say what they hold is no part of the story: other stories, the author,
# the site, sharing, advertising. Only an element's nearest ancestors are looked at, so
# that a page-wide class ("has-sidebar" on the body) does not hide the whole story.
_NOT_ARTICLE = LazyPattern(
    r"related|recommend|teaser|promo|sponsor|advert|(?:^|[\s_-])ads?(?:$|[\s_-])|banner|"
    r"newsletter|subscri|share|sharing|social|author|avatar|byline|profile|logo|icon|"
    r"comment|sidebar|widget|breadcrumb|footer|menu|popup|modal|cookie|consent|outbrain|"
    r"taboola|more-|read-?more|next-|prev-|pagination|rating",
    re.IGNORECASE,
)


def block_text(element: etree._Element) -> str:
    """An element's text with its whitespace collapsed."""
    return " ".join("".join(element.itertext()).split())


def is_leaf(element: etree._Element) -> bool:
    """A text block with no other text block inside it."""
    return next(element.iterdescendants(*TEXT_BLOCKS), None) is None


def is_text_division(element: etree._Element) -> bool:
    """A ``<div>`` written as a paragraph: text of its own and no block inside it
    (older pages and many templates never use ``<p>``)."""
    if element.tag != "div" or next(element.iterdescendants(*_BLOCK_TAGS), None) is not None:
        return False
    return bool(block_text(element))


def inside_figure(element: etree._Element) -> bool:
    """Part of a figure (its caption), which is no block of the story's text."""
    for count, ancestor in enumerate(element.iterancestors()):
        if count >= 4 or ancestor.tag in ("body", "html"):
            return False
        if ancestor.tag in ("figure", "figcaption"):
            return True
    return False


def near_ancestors(element: etree._Element, levels: int) -> list[etree._Element]:
    found: list[etree._Element] = []
    for ancestor in element.iterancestors():
        if ancestor.tag in ("body", "html") or len(found) >= levels:
            break
        found.append(ancestor)
    return found


def in_furniture(element: etree._Element) -> bool:
    """Inside navigation, a form, an aside, a site header, or a box (nearby classes)
    of other stories, sharing, the author or advertising."""
    for ancestor in element.iterancestors():
        tag = ancestor.tag
        if tag in _FURNITURE_TAGS:
            return True
        if tag == "header":
            return not any(a.tag in ("article", "main") for a in ancestor.iterancestors())
    return any(
        _NOT_ARTICLE.search(f"{a.get('class') or ''} {a.get('id') or ''}")
        for a in near_ancestors(element, 4)
    )


def _key(text: str) -> str | None:
    """How a block is recognised: its first ten words, lowercased."""
    words = [word.group() for word in islice(_WORDS.finditer(text.lower()), 10)]
    return " ".join(words) if words else None


def slot(block: etree._Element, root: etree._Element) -> etree._Element:
    """Where something goes next to a block of ``root``: after the block, or after the
    list, table or quotation it is part of (never inside one)."""
    while (parent := block.getparent()) is not None and block is not root:
        if parent is root or parent.tag in _CONTAINERS:
            return block
        block = parent
    return block


class BodyBlocks:
    """The text blocks of a body, in order, and a way to find a page's block among them."""

    def __init__(self, body: etree._Element) -> None:
        self.body = body
        self.blocks = [b for b in body.iter(*TEXT_BLOCKS) if is_leaf(b) and not inside_figure(b)]
        self._where: dict[str, list[int]] = {}
        for index, block in enumerate(self.blocks):
            if key := _key(block_text(block)):
                self._where.setdefault(key, []).append(index)

    def __bool__(self) -> bool:
        return bool(self._where)

    def where(self, text: str) -> list[int]:
        """Every block that starts like ``text``, in order."""
        return self._where.get(_key(text) or "", [])

    def find(self, text: str, after: int | None) -> int | None:
        """The first block after block ``after`` that starts like ``text``."""
        for index in self._where.get(_key(text) or "", ()):
            if after is None or index > after:
                return index
        return None

    def walk(
        self, page: etree._Element, *also: str, divisions: bool = False
    ) -> Iterator[tuple[etree._Element, str, int | None]]:
        """The page's leaf text blocks in reading order, as ``(element, text, index)``:
        ``index`` is the body block the element is (each found after the previous
        one), or None when the body does not have it. Elements named in ``also`` come
        in their place with no text; figure captions are skipped. With ``divisions``,
        a division written as a paragraph (:func:`is_text_division`) counts as a
        block too, unless it sits inside one."""
        current: int | None = None
        tags = (*TEXT_BLOCKS, "div") if divisions else TEXT_BLOCKS
        captions = {e for figure in page.iter("figure") for e in figure.iter(*tags)}
        leaf: etree._Element | None = None  # the last text block met
        for element in page.iter(*tags, *also):
            if element.tag in also:
                yield element, "", None
                continue
            if element in captions:
                continue
            if element.tag == "div":
                if not is_text_division(element) or (
                    leaf is not None and any(a is leaf for a in element.iterancestors())
                ):
                    continue
            elif not is_leaf(element):
                continue
            else:
                leaf = element
            text = block_text(element)
            found = self.find(text, current)
            if found is not None:
                current = found
            yield element, text, found


def drop_keeping_tail(element: etree._Element) -> None:
    """Remove an element but keep the text that follows it (its tail), which belongs to
    its parent's flow, not to the element."""
    parent = element.getparent()
    if parent is None:
        return
    if element.tail and element.tail.strip():
        previous = element.getprevious()
        if previous is not None:
            previous.tail = (previous.tail or "") + element.tail
        else:
            parent.text = (parent.text or "") + element.tail
    parent.remove(element)
