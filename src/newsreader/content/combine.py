"""trafilatura's body, completed where readability-lxml and the page agree.

trafilatura finds a story's text best of the open extractors, but inside the story it
sometimes leaves out a block the page shows between two blocks it kept: a table, a
list, a quotation, a subheading, a paragraph in an unusual box, or the second copy of
a paragraph the page prints twice in a row (trafilatura takes two equal paragraphs
next to each other for its own doubling, and keeps one). readability-lxml, which
scores a page by other signals, often keeps those. A block goes back into the body
when the page shows it inside the story's span, trafilatura does not have it (or has
it fewer times), and readability kept it too (as many times): two extractors and the
page then agree that it is story.

Finding the candidates costs one walk over the page; readability runs only when there
are some (on most pages there are none) and the story is short enough for it to read
quickly.
"""

from __future__ import annotations

import copy
import re
from typing import NamedTuple, cast

from lxml import etree, html
from lxml.html import HtmlElement

from newsreader.content.anchors import (
    TEXT_BLOCKS,
    BodyBlocks,
    block_text,
    in_furniture,
    is_leaf,
    is_text_division,
    slot,
)
from newsreader.content.metadata import BYLINE_PREFIX, DATE_LINE

__all__ = [
    "MAX_STORY_ELEMENTS",
    "MAX_STORY_TEXT",
    "Gap",
    "Gaps",
    "fill_gaps",
    "missing_blocks",
    "story_page",
]

# What is put back whole: a leaf inside one of these brings all of it.
_UNITS = frozenset({"table", "ul", "ol", "dl", "blockquote", "pre"})
_CONTAINERS = frozenset({"body", "article", "main", "section", "div", "html"})
_DROPPED = ("script", "style", "noscript", "template", "form", "button", "iframe", "svg")
_WORDS = re.compile(r"\w+")
# Letters and digits a missing block other than a subheading must have to be worth a
# second opinion: shorter ones are labels, and readability's time is better saved.
_MIN_LETTERS = 80
MAX_STORY_TEXT = 30_000
"""Characters of story text past which readability is not asked (see :func:`story_page`)."""
MAX_STORY_ELEMENTS = 500
"""Elements of the story's part of the page past which readability is not asked either."""
# How much of a long block's start and end readability must hold, in letters and digits.
_EDGE = 300


def _flat(text: str) -> str:
    """Letters and digits only, lowercased: how two extractors' texts are compared
    whatever their spacing and punctuation."""
    return "".join(_WORDS.findall(text.lower()))


def _unit(leaf: etree._Element) -> etree._Element:
    """The block to put back for a leaf: the table, list or quotation it is part of."""
    unit = leaf
    for ancestor in leaf.iterancestors():
        if ancestor.tag in _CONTAINERS:
            break
        if ancestor.tag in _UNITS:
            unit = ancestor
    return unit


class Gap(NamedTuple):
    """One block of the page that an extractor's body lacks."""

    unit: etree._Element
    """The page's block (a table, list or quotation whole)."""
    before: int
    """The body block it follows."""
    copies: int = 1
    """How many times readability must hold its text: more than once for a paragraph
    the page prints several times and the body fewer."""


class Gaps(NamedTuple):
    """What the page shows inside the story that an extractor's body lacks."""

    blocks: list[Gap]
    """Each missing block of the page, in the page's order (missing copies last)."""
    region: etree._Element | None
    """The smallest element of the page holding the whole story, as the body has it."""


def missing_blocks(page: HtmlElement, body: etree._Element) -> Gaps:
    """The page's blocks inside the story's span that ``body`` lacks; furniture
    (navigation, boxes of other stories, sharing, the author) is no candidate."""
    index = BodyBlocks(body)
    if not index:
        return Gaps([], None)
    last = len(index.blocks) - 1
    have = _flat(block_text(body))
    current: int | None = None
    first_seen: etree._Element | None = None
    last_seen: etree._Element | None = None
    waiting: list[Gap] = []
    found: list[Gap] = []
    seen: set[etree._Element] = set()  # the elements themselves: an id() can be reused
    for element, text, block in index.walk(page, divisions=True):
        if block is not None:
            current = block
            first_seen = first_seen if first_seen is not None else element
            last_seen = element
            found += waiting  # closed by a block of the story: inside its span
            waiting = []
            if current == last:
                break
            continue
        if current is None or not text:
            continue
        unit = _unit(element)
        if unit in seen:
            continue
        seen.add(unit)
        text = block_text(unit)
        flat = _flat(text)
        if _candidate(unit, text, flat, have):
            waiting.append(Gap(unit, current))
    region = _common_ancestor(first_seen, last_seen)
    if region is not None:
        parent = region.getparent()
        if region is first_seen and parent is not None:
            region = parent  # a story of one block: its copies sit beside it
        found += _missing_copies(region, index)
    return Gaps(found, region)


def _missing_copies(region: etree._Element, index: BodyBlocks) -> list[Gap]:
    """The paragraphs ``region`` prints more often than the body: one gap for each
    copy missing, after the body's last copy.

    Only paragraphs long enough not to be labels count ("Advertisement" between every
    two paragraphs is furniture, however often it is printed), and only those the body
    has at least once: the story's own text, said again.
    """
    body_copies: dict[str, list[int]] = {}
    for number, block in enumerate(index.blocks):
        flat = _flat(block_text(block))
        if len(flat) >= _MIN_LETTERS:
            body_copies.setdefault(flat, []).append(number)
    if not body_copies:
        return []
    page_copies: dict[str, list[etree._Element]] = {}
    captions = {e for figure in region.iter("figure") for e in figure.iter(*TEXT_BLOCKS, "div")}
    for element in region.iter(*TEXT_BLOCKS, "div"):
        if element in captions or not (
            is_text_division(element) if element.tag == "div" else is_leaf(element)
        ):
            continue
        flat = _flat(block_text(element))
        if flat in body_copies and _unit(element) is element and not in_furniture(element):
            page_copies.setdefault(flat, []).append(element)
    gaps: list[Gap] = []
    for flat, elements in page_copies.items():
        have = body_copies[flat]
        for copy_number in range(len(have) + 1, len(elements) + 1):
            gaps.append(Gap(_unit(elements[copy_number - 1]), have[-1], copy_number))
    return gaps


def _common_ancestor(
    first: etree._Element | None, last: etree._Element | None
) -> etree._Element | None:
    if first is None or last is None:
        return None
    above = {first, *first.iterancestors()}
    for ancestor in (last, *last.iterancestors()):
        if ancestor in above:
            return ancestor
    return None


def story_page(region: etree._Element) -> HtmlElement | None:
    """A page made of a copy of ``region`` alone, what the second extractor reads: it
    then weighs the story's own blocks rather than the whole page's, and is quicker.

    None when the story is too long to ask: readability's time grows faster than the
    text and the markup (every candidate box measures its whole text again), and past
    a few hundred elements or a few tens of thousands of characters it would take
    longer than trafilatura itself.
    """
    story = copy.deepcopy(region)
    story.tail = None
    for element in list(story.iter("script", "style", "noscript", "template")):
        parent = element.getparent()
        if element is not story and parent is not None:
            parent.remove(element)  # their text is no reading
    if (
        len("".join(story.itertext())) > MAX_STORY_TEXT
        or sum(1 for _ in story.iter()) > MAX_STORY_ELEMENTS
    ):
        return None
    page = html.document_fromstring("<html><body></body></html>")
    body = page.find("body")
    if body is not None:
        body.append(cast("HtmlElement", story))
    return page


def _candidate(unit: etree._Element, text: str, flat: str, have: str) -> bool:
    """A block the body lacks that could be story: a subheading, or something longer
    than a label; not a header line, a link list or furniture."""
    tag = str(unit.tag)
    heading = len(tag) == 2 and tag[0] == "h"
    return bool(
        (len(flat) >= _MIN_LETTERS or (heading and flat))
        and flat not in have
        and not _header_line(text)
        and not _mostly_links(unit, text)
        and not in_furniture(unit)
    )


def _header_line(text: str) -> bool:
    """A byline or a date line: the article's header shows them, the body never does."""
    if len(text) > 160:
        return False
    return bool(DATE_LINE.match(text)) or (
        bool(BYLINE_PREFIX.match(text)) and len(text.split()) <= 8
    )


def _mostly_links(unit: etree._Element, text: str) -> bool:
    """A menu or a list of other stories: the cleaning would drop it anyway."""
    linked = sum(
        len(block_text(a))
        for a in unit.iter("a")
        if (href := a.get("href") or "") and not href.startswith("#")
    )
    return linked >= 0.5 * len(text)


def _agrees(flat: str, second: str) -> bool:
    if len(flat) <= 2 * _EDGE:
        return flat in second
    return flat[:_EDGE] in second and flat[-_EDGE:] in second


def fill_gaps(body: etree._Element, gaps: list[Gap], second: etree._Element) -> int:
    """Put back into ``body`` the ``gaps`` (from :func:`missing_blocks`) that
    ``second``, readability's body for the same page, holds too. Returns how many."""
    if not gaps:
        return 0
    index = BodyBlocks(body)
    theirs = _flat(block_text(second))
    after: dict[int, etree._Element] = {}
    added = 0
    for unit, before, copies in gaps:
        flat = _flat(block_text(unit))
        if not _agrees(flat, theirs) or (copies > 1 and theirs.count(flat) < copies):
            continue
        block = copy.deepcopy(unit)
        block.tail = None
        for element in list(block.iter(*_DROPPED)):
            parent = element.getparent()
            if element is not block and parent is not None:
                parent.remove(element)
        if block.tag not in ("table", "ul", "ol", "dl", "blockquote", "pre", "p") and (
            not str(block.tag).startswith("h") or len(str(block.tag)) != 2
        ):
            block.tag = "p"  # a leaf in a <td> or <li> of its own, or a bare <div>
        anchor = after.get(before, slot(index.blocks[before], body))
        anchor.addnext(block)
        after[before] = block
        added += 1
    return added
