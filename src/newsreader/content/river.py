"""Rivers of other stories that an extractor took for part of the article.

Around many stories a page shows a river: a column or a list of cards, each a teaser
of another story (a headline, a summary, a source), or a gallery of pictures with a
caption each. trafilatura sometimes takes such a river into the body, before or after
the story, because its paragraphs look like prose. A river is recognised by its
shape in the page: many sibling boxes of one kind (same tag, same class), each
holding a block or two of the body along with its own heading, source or date line.

The same shape is also the shape of a listicle ("11 day trips around Berlin"), whose
cards are the article itself. So the shape only raises the question, and
readability-lxml, which reads the whole page by other signals, answers it: when its
story holds most of what the body has outside the cards and next to nothing of the
cards, the cards are something beside the story and leave the body. When its story
is one of the cards, or is made of them, they stay.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from itertools import islice
from typing import NamedTuple

from lxml import etree

from newsreader.content.anchors import (
    TEXT_BLOCKS,
    BodyBlocks,
    block_text,
    drop_keeping_tail,
    is_leaf,
)

__all__ = ["River", "drop_river", "find_river"]

_WORDS = re.compile(r"\w+")
# Where no card is looked for further up: the page itself, and tables.
_NO_CARD = frozenset({"body", "html", "table", "tbody", "thead", "tfoot", "tr", "td", "th"})
# Elements that only mark up words: never a card of their own.
_INLINE = frozenset({"span", "a", "b", "i", "em", "strong", "small", "font", "u", "br", "p"})
# How far above a block its card may be.
_CARD_DEPTH = 8
# Sibling boxes of one kind that make a series, and cards of a series the body must
# hold for it to be a river rather than a few boxes that happen to look alike.
_SIBLINGS = 3
_MIN_CARDS = 5
# Share of the body's text a series must make for readability to be asked about it,
# and what the body must hold besides: a story of its own (twice the shortest body
# newsreader accepts).
_MIN_SHARE = 0.3
_MIN_REST = 500
# A teaser card gives the body a headline, a summary, a source line: no more than a
# few blocks and a short paragraph's worth of text (the median card of the series).
# Cards that each give a long passage are the story's own sections.
_CARD_BLOCKS = 3
_CARD_TEXT = 800
# What readability's story must hold of the body outside the cards (most of it), and
# the share of the cards it may hold (next to none: the story's own teaser may be
# among them).
_REST_HELD = 0.5
_CARDS_HELD = 0.2


class River(NamedTuple):
    """A series of cards whose blocks are in an extractor's body."""

    cards: list[list[etree._Element]]
    """The body's blocks that come from each card of the series."""

    @property
    def blocks(self) -> list[etree._Element]:
        """All the body's blocks that come from the cards."""
        return [block for card in self.cards for block in card]


def _flat(text: str) -> str:
    """Letters and digits only, lowercased: how two extractors' texts are compared."""
    return "".join(_WORDS.findall(text.lower()))


def _signature(element: etree._Element) -> tuple[str, str]:
    return str(element.tag), element.get("class") or ""


def _card(
    element: etree._Element, kinds: dict[etree._Element, Counter[tuple[str, str]]]
) -> etree._Element | None:
    """The box of a series that ``element`` sits in, if any: the nearest ancestor
    with two siblings or more of the same tag and class. A box that holds a single
    text block is a wrapper of paragraphs (``<div class="paragraph">`` around each),
    not a card; the rows of a table are data, not cards. ``kinds`` keeps, for each
    parent met, how many children of each kind it has."""
    for depth, box in enumerate((element, *element.iterancestors())):
        if depth > _CARD_DEPTH or box.tag in _NO_CARD:
            return None
        parent = box.getparent()
        if parent is None:
            return None
        if box.tag in _INLINE:
            continue
        if parent not in kinds:
            kinds[parent] = Counter(_signature(child) for child in parent)
        if kinds[parent][_signature(box)] >= _SIBLINGS:
            blocks = (b for b in box.iter(*TEXT_BLOCKS) if is_leaf(b) and block_text(b))
            return box if next(islice(blocks, 1, None), None) is not None else None
    return None


def find_river(page: etree._Element, body: etree._Element) -> River | None:
    """The series of cards that makes the largest part of ``body``, when it has
    enough cards and enough of the body's text to be worth asking about."""
    index = BodyBlocks(body)
    if not index:
        return None
    unused = {i: True for i in range(len(index.blocks))}
    series: dict[etree._Element, dict[etree._Element, list[int]]] = {}
    kinds: dict[etree._Element, Counter[tuple[str, str]]] = {}
    for element in page.iter(*TEXT_BLOCKS):
        if not is_leaf(element):
            continue
        text = block_text(element)
        number = next((i for i in index.where(text) if unused.get(i)), None)
        if number is None:
            continue
        unused[number] = False
        card = _card(element, kinds)
        if card is not None and (parent := card.getparent()) is not None:
            series.setdefault(parent, {}).setdefault(card, []).append(number)
    total = sum(len(block_text(block)) for block in index.blocks)
    best: River | None = None
    best_size = 0
    for cards in series.values():
        if len(cards) < _MIN_CARDS:
            continue
        found = [[index.blocks[i] for i in numbers] for numbers in cards.values()]
        sizes = [sum(len(block_text(block)) for block in card) for card in found]
        if (
            statistics.median(len(card) for card in found) > _CARD_BLOCKS
            or statistics.median(sizes) > _CARD_TEXT
        ):
            continue
        if sum(sizes) > best_size:
            best, best_size = River(found), sum(sizes)
    if best is None or best_size < _MIN_SHARE * total or total - best_size < _MIN_REST:
        return None
    return best


def drop_river(body: etree._Element, river: River, second: etree._Element) -> bool:
    """Take ``river``'s blocks out of ``body`` when ``second``, readability's story
    for the whole page, holds most of the rest of the body and next to none of the
    cards. Returns whether it did."""
    theirs = _flat(block_text(second))
    if not theirs:
        return False
    in_river = set(river.blocks)
    rest = [_flat(block_text(b)) for b in BodyBlocks(body).blocks if b not in in_river]
    rest_size = sum(len(flat) for flat in rest)
    if not rest_size or sum(len(f) for f in rest if _held(f, theirs)) < _REST_HELD * rest_size:
        return False
    held = sum(1 for card in river.cards if any(_held(_flat(block_text(b)), theirs) for b in card))
    if held > _CARDS_HELD * len(river.cards):
        return False
    for block in river.blocks:
        drop_keeping_tail(_whole_item(block, in_river))
    return True


def _whole_item(block: etree._Element, in_river: set[etree._Element]) -> etree._Element:
    """What goes with a block of a card: the list item it is part of, with the card's
    headline link and source line, when the item holds no other block of the body."""
    item = block
    while (parent := item.getparent()) is not None and parent.tag in ("li", "dd", "dt"):
        others = (b for b in parent.iter(*TEXT_BLOCKS) if b is not parent and is_leaf(b))
        if any(b not in in_river for b in others):
            break
        item = parent
    return item


def _held(flat: str, theirs: str) -> bool:
    """Does the other extractor's text hold this block (its start, for a long one)?"""
    return bool(flat) and flat[:200] in theirs
