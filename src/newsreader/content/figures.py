"""The pictures of an article, with their captions, where the page shows them.

The extractors decide which text is the article; which pictures belong to it is
decided here, from the page itself and that text: a picture belongs to the article
when it sits between two of the article's blocks in the page, or, for the lead
picture, just above the story with nothing but the headline, the standfirst and a
byline or date line in between. Pictures in link lists, share bars, author boxes and
teasers, pictures inside a sentence (emoji, icons), tracking pixels and sources that
are not http(s) never count.

Each picture found is put into the article body as ``<figure><img><figcaption>`` at
its place in reading order, so that every output format shows it where the page does.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import NamedTuple
from urllib.parse import urlsplit

from lxml import etree
from lxml.html import HtmlElement

from newsreader.content.anchors import (
    TEXT_BLOCKS,
    BodyBlocks,
    block_text,
    drop_keeping_tail,
    in_furniture,
    inside_figure,
    near_ancestors,
    slot,
)
from newsreader.content.sanitize import clean_line, safe_url
from newsreader.models import Image
from newsreader.startup import LazyPattern

__all__ = [
    "FIGURE_MARK",
    "caption_text",
    "collect_images",
    "image_source",
    "is_duplicate_caption",
    "is_tracker",
    "place_figures",
    "strip_pictures",
]

FIGURE_MARK = "data-newsreader-figure"
"""Attribute that marks the figures :func:`place_figures` put into a body."""

_WORDS = re.compile(r"\w+")
# Where a lazy-loading script keeps the real picture until it is scrolled into view,
# in the order they are trusted; ``src`` then holds a placeholder.
_LAZY_SOURCES = (
    "data-src",
    "data-lazy-src",
    "data-original",
    "data-lazy",
    "data-hi-res-src",
    "data-full-src",
    "data-url",
)
_LAZY_SETS = ("data-srcset", "data-lazy-srcset")
_SRCSET_SPLIT = LazyPattern(r",\s+|(?<=\d[wx]),")
# Hosts and file names of counters and placeholders, not pictures.
_TRACKER = LazyPattern(
    r"(?:^|[./])(?:doubleclick\.net|google-analytics\.com|googletagmanager\.com|"
    r"googlesyndication\.com|googleadservices\.com|scorecardresearch\.com|quantserve\.com|"
    r"facebook\.com/tr\b|facebook\.net|pixel\.wp\.com|stats\.wp\.com|chartbeat\.(?:net|com)|"
    r"omtrdc\.net|2o7\.net|ioam\.de|ivwbox\.de|vgwort\.de|xiti\.com|gemius\.pl|"
    r"imrworldwide\.com|amazon-adsystem\.com|adnxs\.com|bat\.bing\.com|analytics\.|"
    r"pixel\.|tracking\.|tracker\.|counter\.|piwik|matomo|hotjar|newrelic|nr-data\.net)",
    re.IGNORECASE,
)
# The file names lazy-loading scripts give their stand-ins ("blank.gif", "lazy-1x1.png").
_PLACEHOLDER = LazyPattern(
    r"/(?:pixel|spacer|blank|transparent|clear|empty|dot|tracking|placeholder|lazy|loading|"
    r"loader|grey|gray)?[-_]?(?:\d+x\d+)?\.(?:gif|png|svg)$",
    re.IGNORECASE,
)
_IMAGE_FILE = LazyPattern(r"\.(?:jpe?g|png|gif|webp|avif|bmp|tiff?)(?:$|[?#])", re.IGNORECASE)
_ICON_WORDS = LazyPattern(r"(?:^|[\s_-])(?:emoji|emoticon|smiley|icon|wp-smiley)(?:$|[\s_-])", re.I)
_CAPTION_CLASS = LazyPattern(
    r"caption|legend|legende|légende|bildunterschrift|bildtext|image-?text|photo-?text|"
    r"description",
    re.IGNORECASE,
)
# "Foto: Jane Doe", "(Photo: AFP)", "© Reuters", "/ Getty Images" at a caption's end.
_CAPTION_CREDIT = LazyPattern(
    r"[\s(\[|]*(?:(?:fotos?|photos?|bild|image|credits?|cr[ée]dits?(?: photos?)?|quelle|source|"
    r"copyright|kuvat?|billede|bilde|zdj[eę]cie|afbeelding|imagen|immagine)\s*:|©|\(c\)\s).*$|"
    r"\s/\s*[^/]{2,40}$",
    re.IGNORECASE,
)
_CONTAINERS = frozenset({"body", "article", "main", "section"})
# Smallest width or height, in pixels, of a picture worth showing: below it are icons,
# bullets, counters and social buttons.
_MIN_SIDE = 50
# How much text (a byline, a date line, a share bar) may separate the lead picture
# from the story, besides the headline and the standfirst.
_LEAD_GAP = 200
_MAX_FIGURES = 100


def is_duplicate_caption(text: str) -> bool:
    """``CaptionCaption``: a caption and its copy run together (alt text + figcaption)."""
    half = len(text) // 2
    return len(text) % 2 == 0 and half > 3 and text[:half] == text[half:]


def caption_text(raw: str | None) -> str | None:
    """A caption without its photo credit (``… Foto: Jane Doe``, ``… / AFP``); None
    when nothing but a credit or a single word is left."""
    text = clean_line(raw)
    if not text:
        return None
    if is_duplicate_caption(text):
        text = text[: len(text) // 2]
    text = _CAPTION_CREDIT.sub("", text).strip(" |/-–—·•,;:")
    words = _WORDS.findall(text)
    if len(words) >= 2 or (words and not text.isascii() and len(text) >= 4):
        return text
    return None


def _norm(text: str | None) -> str:
    return " ".join(_WORDS.findall((text or "").lower()))


def _http_url(value: str | None, base: str | None) -> str | None:
    value = (value or "").strip()
    if not value:
        return None
    if value.startswith("//") and not base:
        value = "https:" + value  # protocol-relative, read from a file
    url = safe_url(value, base)
    return url if url and url.startswith(("http://", "https://")) else None


def _largest(srcset: str | None) -> str | None:
    """The widest candidate of a ``srcset`` (``a.jpg 480w, b.jpg 1200w`` -> ``b.jpg``)."""
    best, best_size = None, -1.0
    # Candidates are separated by a comma and a space, or by a comma right after a
    # descriptor; a comma inside a URL ("w_300,h_200") separates nothing.
    for candidate in _SRCSET_SPLIT.split(srcset or ""):
        parts = candidate.split()
        if not parts:
            continue
        size = 1.0
        if len(parts) > 1 and parts[1][-1:] in ("w", "x"):
            try:
                size = float(parts[1][:-1])
            except ValueError:
                size = 1.0
        if size > best_size:
            best, best_size = parts[0], size
    return best


def image_source(img: etree._Element, base: str | None) -> str | None:
    """The absolute http(s) URL a reader would see for ``img``, or None.

    Lazy-loading attributes first (``data-src`` and kin hold the real picture while
    ``src`` holds a placeholder), then ``src``, then the widest ``srcset`` candidate
    (of the image or of its ``<picture>``'s sources). ``data:`` and script URLs never.
    """
    candidates: list[str | None] = [img.get(name) for name in _LAZY_SOURCES]
    candidates += [_largest(img.get(name)) for name in _LAZY_SETS]
    candidates += [img.get("src"), _largest(img.get("srcset"))]
    # libxml2 does not know <source> is empty: the <img> may sit inside one.
    picture = next((a for a in near_ancestors(img, 3) if a.tag == "picture"), None)
    if picture is not None:
        candidates += [
            _largest(source.get("srcset") or source.get("data-srcset"))
            for source in picture.iter("source")
        ]
    for candidate in candidates:
        url = _http_url(candidate, base)
        if url and not _PLACEHOLDER.search(urlsplit(url).path):
            return url
    return None


def _pixels(value: str | None) -> int | None:
    found = re.match(r"\s*(\d{1,6})(?:\.\d*)?\s*(?:px)?\s*$", value or "")
    return int(found.group(1)) if found else None


def is_tracker(img: etree._Element, src: str) -> bool:
    """A counter, an icon or a placeholder rather than a picture: tiny declared size
    (``width="1"``), a tracker's host, an emoji or icon class."""
    style = (img.get("style") or "").replace(" ", "").lower()
    sides = [_pixels(img.get("width")), _pixels(img.get("height"))]
    for side in ("width", "height"):
        found = re.search(rf"(?:^|;){side}:(\d+)px", style)
        if found:
            sides.append(int(found.group(1)))
    if any(side is not None and side < _MIN_SIDE for side in sides):
        return True
    if "display:none" in style or "visibility:hidden" in style:
        return True
    parts = urlsplit(src)
    if _TRACKER.search(parts.netloc + parts.path) or "/emoji/" in parts.path:
        return True
    return bool(_ICON_WORDS.search(img.get("class") or ""))


def _is_inline(img: etree._Element) -> bool:
    """Inside a sentence: in a paragraph or list item that has text of its own."""
    for ancestor in img.iterancestors():
        if ancestor.tag in TEXT_BLOCKS:
            return bool(block_text(ancestor))
        if ancestor.tag in _CONTAINERS or ancestor.tag in ("div", "figure"):
            return False
    return False


def _links_elsewhere(img: etree._Element, src: str, base: str | None) -> bool:
    """Inside a link to another page (a teaser), not to the picture itself."""
    for ancestor in near_ancestors(img, 3):
        if ancestor.tag == "a":
            href = _http_url(ancestor.get("href"), base)
            return bool(href) and href != src and not _IMAGE_FILE.search(href or "")
    return False


def _figure_of(img: etree._Element) -> etree._Element | None:
    for ancestor in near_ancestors(img, 6):
        if ancestor.tag == "figure":
            return ancestor
    return None


def _loose_caption(img: etree._Element) -> str | None:
    """The caption of a picture outside ``<figure>``: the text of a caption-classed
    element next to it in a small box holding only that picture
    (``<div class="wp-caption"><img><p class="wp-caption-text">``)."""
    for ancestor in near_ancestors(img, 2):
        if ancestor.tag in _CONTAINERS or sum(1 for _ in ancestor.iter("img")) > 1:
            return None
        for element in ancestor.iterdescendants():
            if not isinstance(element.tag, str) or element.find(".//img") is not None:
                continue
            if _CAPTION_CLASS.search(element.get("class") or ""):
                return caption_text("".join(element.itertext()))
    return None


def _picture(img: etree._Element, base: str | None) -> tuple[Image, etree._Element] | None:
    """The picture ``img`` shows and the element that holds it (its figure, or itself).

    A figure whose picture has no address a reader could open (``data:``, or relative
    in a file read without its URL) keeps its caption: the image's ``src`` is then "".
    """
    src = image_source(img, base)
    if is_tracker(img, src or ""):
        return None
    figure = _figure_of(img)
    if figure is None and (_is_inline(img) or (src and _links_elsewhere(img, src, base))):
        return None
    if in_furniture(img):
        return None
    if figure is not None:
        figcaption = next(figure.iter("figcaption"), None)
        caption = caption_text("".join(figcaption.itertext())) if figcaption is not None else None
    else:
        caption = _loose_caption(img)
    if src is None and caption is None:
        return None
    alt = clean_line(img.get("alt")) or None
    return Image(src=src or "", alt=alt, caption=caption), figure if figure is not None else img


def strip_pictures(body: etree._Element) -> None:
    """Take the pictures and figures out of an extractor's body (their text with
    them): :func:`place_figures` puts back those that belong to the story."""
    for element in list(body.iter("figure", "picture", "img")):
        drop_keeping_tail(element)


class _Pending(NamedTuple):
    """A picture met in the page, waiting for the next block of the story."""

    img: etree._Element
    before: int | None
    """The block of the body the page showed last before it (None: above the story)."""
    since: int
    """Characters of page text between that block (or the page's start) and it."""


def _new_figure(image: Image, number: int) -> etree._Element:
    figure = etree.Element("figure", {FIGURE_MARK: str(number)})
    if image.src:
        etree.SubElement(figure, "img", src=image.src, alt=image.caption or image.alt or "")
    if image.caption:
        etree.SubElement(figure, "figcaption").text = image.caption
    return figure


def place_figures(
    page: HtmlElement, body: etree._Element, base: str | None, header: Iterable[str | None] = ()
) -> list[Image]:
    """Put the article's pictures into ``body`` at their place in the page.

    ``header`` holds the texts shown above the story (title, headline, standfirst),
    which do not count as distance between the lead picture and the story. Returns the
    pictures in the order they were placed, which is their order in the page.
    """
    index = BodyBlocks(body)
    if not index:
        return []
    last = len(index.blocks) - 1
    skip = {_norm(text) for text in header if text}
    current: int | None = None  # the last block of the body the walk has met
    since = 0  # characters of page text since that block
    pending: list[_Pending] = []  # pictures met since that block
    lead: list[etree._Element] = []  # candidates for the lead picture, nearest last
    interior: list[tuple[etree._Element, int]] = []
    for element, text, found in index.walk(page, "img"):
        if element.tag == "img":
            pending.append(_Pending(element, current, since))
            continue
        if current == last and (not pending or since):
            break  # past the story's last block: what follows can only be furniture
        if found is None:
            if _norm(text) not in skip:
                since += len(text)
                if current is None:  # too far above the story to be its lead picture
                    pending = [w for w in pending if since - w.since <= _LEAD_GAP]
            continue
        for waiting in pending:
            if waiting.before is not None:
                interior.append((waiting.img, waiting.before))
            elif since - waiting.since <= _LEAD_GAP:
                lead.append(waiting.img)
        current, since, pending = found, 0, []
    # Pictures right after the story's last block, with no text in between, end it.
    interior += [(w.img, w.before) for w in pending if w.before is not None and not w.since]
    return _put(body, index, _choose(lead, interior, base))


def _choose(
    lead: list[etree._Element], interior: list[tuple[etree._Element, int]], base: str | None
) -> list[tuple[Image, int | None]]:
    """The pictures worth showing among those met, each once: the nearest valid lead
    candidate (placed before the story), then the others in page order. Judged only
    now, so that the page's many other images (menus, teasers) cost nothing."""
    chosen: list[tuple[Image, int | None]] = []
    held: set[etree._Element] = set()
    sources: set[str] = set()

    def take(img: etree._Element, before: int | None) -> bool:
        picture = _picture(img, base)
        if picture is None or (picture[0].src or None) in sources or picture[1] in held:
            return False
        held.add(picture[1])
        sources.add(picture[0].src)
        chosen.append((picture[0], before))
        return True

    for img in reversed(lead):
        if take(img, None):
            break
    for img, before in interior:
        if len(chosen) >= _MAX_FIGURES:
            break
        take(img, before)
    return chosen


def _put(
    body: etree._Element, index: BodyBlocks, chosen: list[tuple[Image, int | None]]
) -> list[Image]:
    placed: list[Image] = []
    after: dict[int, etree._Element] = {}
    for image, before in chosen:
        figure = _new_figure(image, len(placed))
        if before is None:
            slot(index.blocks[0], body).addprevious(figure)
        else:
            after.get(before, slot(index.blocks[before], body)).addnext(figure)
            after[before] = figure
        placed.append(image)
    _drop_caption_copies(body, placed)
    return placed


def _drop_caption_copies(root: etree._Element, placed: list[Image]) -> None:
    """The extractor may have kept a caption as a paragraph: the figure carries it now."""
    captions = {_norm(image.caption) for image in placed if image.caption}
    if not captions:
        return
    longest = max(len(image.caption or "") for image in placed) * 2 + 100  # credit included
    for block in list(root.iter("p")):
        text = block_text(block)
        parent = block.getparent()
        if len(text) > longest or parent is None or inside_figure(block):
            continue
        if _norm(text) in captions or _norm(caption_text(text)) in captions:
            parent.remove(block)


def collect_images(body: etree._Element, placed: list[Image]) -> tuple[Image, ...]:
    """The placed pictures still in ``body`` after cleaning, in reading order (a
    caption whose picture has no address stays in the body but is no image)."""
    return tuple(
        image
        for figure in body.iter("figure")
        if (mark := figure.get(FIGURE_MARK)) is not None
        and int(mark) < len(placed)
        and (image := placed[int(mark)]).src
    )
