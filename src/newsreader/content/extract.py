"""An HTML page to an :class:`Article`: main content only, with its metadata.

trafilatura finds the main content (it scores best of the open extractors on news
pages: 0.934 on our development set against 0.880 for readability-lxml). Around it,
newsreader adds what a reader wants and an extractor does not do (0.964 on the same
set, see ``bench/README.md``):

- metadata read from JSON-LD, OpenGraph and the visible page (:mod:`.metadata`);
- the lede put first, once, and the article's figures where the page shows them,
  each with its caption and without its photo credit (:mod:`.figures`);
- the title, the byline and the date line kept out of the body;
- what the page hides from its readers taken out before extraction;
- what trafilatura lets through around the story taken out block by block: link
  lists, "read more" teasers, share and subscribe lines, photo credits, copyright
  notices, tag lists, disguised ads, and the author bio or contact lines that end
  so many pages;
- readability-lxml as a second opinion: a block trafilatura leaves out inside the
  story comes back when readability kept it too (:mod:`.combine`), and readability's
  body replaces one where trafilatura finds next to nothing;
- links made absolute and filtered, and the body rendered by :mod:`.markdown`.

Every rule looks at one block's text and links, in several languages; none knows a site.
"""

from __future__ import annotations

import copy
import functools
import logging
import re
import sys
import types
from collections import Counter
from collections.abc import Container
from html import escape
from itertools import islice, pairwise
from typing import NamedTuple, cast
from urllib.parse import urldefrag

from lxml import etree
from lxml.html import HtmlElement

from newsreader.content.anchors import drop_keeping_tail
from newsreader.content.combine import fill_gaps, missing_blocks, story_page
from newsreader.content.dates import parse_date
from newsreader.content.figures import (
    FIGURE_MARK,
    collect_images,
    is_duplicate_caption,
    place_figures,
    strip_pictures,
)
from newsreader.content.language import guess_language
from newsreader.content.markdown import convert_body
from newsreader.content.metadata import (
    BYLINE_PREFIX,
    DATE_LINE,
    PageMeta,
    fill_from_body,
    read_metadata,
    strip_byline_prefix,
)
from newsreader.content.river import drop_river, find_river
from newsreader.content.sanitize import safe_url
from newsreader.errors import ParseError
from newsreader.ids import article_id, path_key
from newsreader.models import Article, Image
from newsreader.startup import LazyPattern

__all__ = ["extract_article", "parse_html"]

for _name in ("trafilatura", "htmldate", "courlan", "justext", "readability"):
    # Their warnings ("discarding data: None") are not the user's business: one
    # failure line comes from our own error instead.
    logging.getLogger(_name).addHandler(logging.NullHandler())
    logging.getLogger(_name).propagate = False

_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "div", "figcaption")
_TEXT_BLOCKS = ("p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "blockquote", "pre", "td", "th")
_HEADINGS = frozenset({"h1", "h2", "h3", "h4", "h5", "h6"})
_WORDS = re.compile(r"\w+")  # cheap to compile, used on every block
_CJK_RANGES = ((0x3040, 0x30FF), (0x3400, 0x4DBF), (0x4E00, 0x9FFF), (0xAC00, 0xD7AF))
_NUMBER_START = re.compile(r"\d{1,9}[.)]\s")
# Where a number at the start of a line is already shown as the author wrote it.
_KEEP_NUMBERS = frozenset({"li", "pre", "code"})
_NUMBERED_LINE = LazyPattern(r"^(#{1,6} +)?(\d{1,9})([.)])( .*)$", re.MULTILINE)
_SENTENCE_END = LazyPattern(r"[.!?…][\"'»”“)]*$")
# Soft hyphens and zero-width spaces: invisible in a browser, but they cut words in
# two for search, for the terminal and for anyone comparing text.
_INVISIBLE = LazyPattern(
    r"[\u00ad\u200b\u2060]|&(?:shy|#173|#x0*ad|#8203|#x0*200b);", re.IGNORECASE
)

# -- boilerplate vocabulary (several languages; matched on one block's text) -------------

# A block made of one of these labels and nothing else is page furniture.
_UI_LABEL = LazyPattern(
    r"^\W*(?:advertisement|advertising|anzeige|werbung|publicit[ée]|sponsored|"
    r"share|share this(?: article| story)?|share (?:on|via) \w+|teilen|partager|compartir|"
    r"print|drucken|imprimer|"
    r"tweet|e-?mail|comments?|view comments|kommentare?|commentaires?|comentarios?|"
    r"loading|wird geladen|chargement|back to top|nach oben|zum seitenanfang|haut de page|"
    r"mehr infos?|more info|read more|weiterlesen|lire la suite|leer m[aá]s|zur[üu]ck|back|"
    r"(?:story|article) continues below(?: advertisement)?|continue reading(?: below)?|"
    r"scroll to continue(?: with content)?|skip advert|ad)"
    r"\W*(?:\d+\W*)?$",
    re.IGNORECASE,
)
# "Tags: ferries, harbour": a list of topic links under a story.
_TAGS_LABEL = LazyPattern(
    r"^\W*(?:tags?|tagged(?: with)?|topics?|keywords|schlagw[öo]rter|stichw[öo]rter|themen|"
    r"mots[- ]cl[ée]s|[ée]tiquettes|sujets|etiquetas|temas|argomenti)\s*:",
    re.IGNORECASE,
)
# Lines that point elsewhere: "Read also: …", "À lire aussi", "Mehr zum Thema".
_READ_MORE = LazyPattern(
    r"^\W*(?:read (?:more|also|next)|see also|also read|you (?:may|might) also like|"
    r"(?:[àa] )?lire (?:aussi|[ée]galement|la suite)|voir aussi|sur le m[êe]me sujet|"
    r"lesen sie (?:auch|mehr|weiter)|mehr (?:lesen|zum thema)|weiterlesen|auch interessant|"
    r"das k[öo]nnte sie (?:auch )?interessieren|siehe auch|"
    r"lee (?:tambi[ée]n|m[áa]s)|leer m[áa]s|m[áa]s sobre|te puede interesar|"
    r"veja tamb[ée]m|leia (?:tamb[ée]m|mais)|leggi anche)\b",
    re.IGNORECASE,
)
# Words that start real sentences too ("Related studies show …"): only a label, one
# followed by a colon or an arrow ("More on coronavirus:", "Related »"), counts.
_MORE_LABEL = LazyPattern(
    r"^\W*(?:related(?: articles?| stories| posts?| content)?|more(?: (?:on|from|about) [^:]{1,40})?|"
    r"recommended(?: for you| reading| stories)?|mehr (?:dazu|aus [^:]{1,40}|zu [^:]{1,40})|"
    r"weitere (?:themen|artikel|beitr[äa]ge|nachrichten))\s*(?::|»|>>|›|$)",
    re.IGNORECASE,
)
# Photo credits: "Foto: …", "(Credit: …)", "© Getty Images".
_CREDIT = LazyPattern(
    r"^\W*(?:(?:photos?|fotos?|bild(?:er)?|images?|pictures?|illustrations?|cr[ée]dits?(?: photos?)?|"
    r"copyright|sources?|quelle|fuente|fonte|beitragsbild|titelbild|symbolbild|"
    r"bildquelle|fotoquelle|fotocredit|video|kuvat?|billede|bilde|zdj[eę]cie|afbeelding|"
    r"imagen|immagine|fotografia)(?:\s+[\w'’-]+){0,2}\s*:|©|\(c\)\s|"
    r"(?:image|media|photo|picture|video) (?:copyright|caption|credit|source))",
    re.IGNORECASE,
)
# A caption that ends with its credit: "Jane Doe in Paris. (Photo: AFP)".
_ENDS_WITH_CREDIT = LazyPattern(
    r"(?:^|[\s(\[|/])(?:fotos?|photos?|bild|image|picture|cr[ée]dits?(?: photos?)?|credits?|kuvat?|"
    r"billede|bilde|zdj[eę]cie|afbeelding|imagen|immagine)\s*:"
    r"[^.!?:]{2,80}[)\]]?\s*\.?$",
    re.IGNORECASE,
)
_STOCK_PHOTO = LazyPattern(
    r"\b(?:getty ?images|shutterstock|istock(?:photo)?|adobe ?stock|imago(?: images)?|"
    r"picture[- ]alliance|unsplash|pixabay|keystone|ap photo|afp photo|reuters/)",
    re.IGNORECASE,
)
_COPYRIGHT = LazyPattern(
    r"all rights reserved|alle rechte vorbehalten|tous droits r[ée]serv[ée]s|"
    r"todos los derechos reservados|tutti i diritti riservati|copyrighted (?:property|material)|"
    r"without (?:the )?(?:prior |express )?written permission|"
    r"written permission (?:is|must be) (?:required|obtained)|reproduction (?:interdite|prohibited)|"
    r"(?:this|the) (?:material|article|content|story) may not be "
    r"(?:re)?(?:published|broadcast|rewritten|redistributed)|"
    r"^\W*(?:©|\(c\)|copyright)\s*(?:\d{4}|by\b)|"
    r"^\W*(?:alle )?angaben ohne gew[äa]hr\W*$",
    re.IGNORECASE,
)
# Calls to act: subscribe, follow, download the app, sign up.
_PROMO = LazyPattern(
    r"\b(?:subscribe|sign up|newsletter|follow us|download (?:the|our)\b.*\bapps?|"
    r"abonnieren|abonnez-vous|s'abonner|inscrivez-vous|folgen sie uns|folge uns|suivez-nous|"
    r"s[íi]guenos|seguici|suscr[íi]bete|jetzt (?:registrieren|anmelden|testen|abonnieren)|"
    r"click here|klicken sie hier|hier klicken|cliquez ici|"
    r"(?:share|teilen|partager) (?:this|on|auf|sur)\b|"
    r"follow [\w@ .'-]{1,40} on (?:twitter|x|facebook|instagram|linkedin|threads|bluesky|mastodon)\b|"
    r"contact (?:the )?(?:author|reporter|writer)|"
    r"(?:views|opinions) expressed|do not necessarily reflect)",
    re.IGNORECASE,
)
# "Jane Doe is a freelance writer based in Lyon.": a bio, when it ends the page.
_BIO = LazyPattern(
    r"^[A-ZÀ-Þ][\w'’-]+(?: [A-ZÀ-Þ][\w'’.-]+){1,3},? (?:is|was|ist|war|est|était|es|era|è) "
    r"(?:an?|the|ein|eine|der|die|un|une|le|la|el|uno?|il|freelance|senior|chief|deputy)\b",
)
_BIO_WORDS = LazyPattern(
    r"\b(?:writer|journalist|reporter|editor|author|columnist|correspondent|contributor|"
    r"freelancer?|blogger|founder|consultant|photographer|producer|podcaster|"
    r"redakteur(?:in)?|autor(?:in)?|journalistin|korrespondent(?:in)?|"
    r"journaliste|r[ée]dact(?:eur|rice)|[ée]crivain|chroniqueur|periodista|redactora?|escritora?|"
    r"giornalista|scrittore)",
    re.IGNORECASE,
)
_READING_TIME = LazyPattern(
    r"^\W*(?:\d+\s*(?:min(?:ute)?s?|minuten?)\.?\s*(?:read|lesezeit|lecture|de lectura)|"
    r"(?:reading time|lesezeit|lesedauer|temps de lecture|tiempo de lectura)\W*\d+.*)$",
    re.IGNORECASE,
)
# The unmistakable ones, in the second person: trusted anywhere in the body.
_PROMO_STRONG = LazyPattern(
    r"\b(?:follow us|folgen sie uns|folge uns|suivez-nous|s[íi]guenos|seguici|click here|"
    r"klicken sie hier|hier klicken|cliquez ici|abonnieren sie|abonnez-vous|inscrivez-vous|"
    r"suscr[íi]bete|sign up (?:for|to|here|now|today)|subscribe (?:to|now|here|for|today)|"
    r"(?:our|unseren?|notre|nos|nuestro) (?:free |daily |weekly |kostenlosen |gratuite )?newsletters?|"
    r"download (?:the|our)\b.{0,40}\bapps?\b|jetzt (?:registrieren|anmelden|testen|abonnieren)|"
    r"submit (?:your|a) (?:letters?|news ?tips?|tips?|stor(?:y|ies)|photos?|videos?)\b)",
    re.IGNORECASE,
)
_PERSON_NAME = LazyPattern(r"[A-ZÀ-Þ][\w.'-]+(?: [\w.'-]+){1,3}")
_AUTHOR_HEADING = LazyPattern(
    r"^\W*(?:about the author|the author|über (?:den|die) autor(?:in)?|zu[rm] autor(?:in)?|"
    r"[àa] propos de l'auteur|l'auteur|sobre el autor|el autor)\W*$",
    re.IGNORECASE,
)
_HIDDEN_XPATH = (
    "//*[@hidden or contains(@style, 'none') or contains(@style, 'hidden')]"
    "[not(self::script or self::style or self::template or self::meta or self::link)]"
)
_HIDDEN_STYLE = LazyPattern(
    r"^hidden$|(?:^|;)\s*(?:display\s*:\s*none|visibility\s*:\s*hidden)\s*(?:!important\s*)?(?:;|$)",
    re.IGNORECASE,
)
# Words spelled with Latin and Cyrillic look-alike letters ("Аdvеrtіѕе"): text written
# to slip past filters, never an article's.
_MIXED_SCRIPT = LazyPattern(r"\b(?=[^\W\d_]*[A-Za-z])(?=[^\W\d_]*[\u0400-\u04ff])[^\W\d_]+\b")
# Blocks whose tail text is a block of its own, not the rest of a sentence (a link or
# an emphasis left at the top level keeps its tail).
_LOOSE_AFTER = frozenset(
    {"p", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol", "table", "blockquote", "pre", "div"}
)
# Items a list must have for its share of link items to tell a menu from a list the
# author wrote.
_WRITTEN_LIST = 3
# Words a paragraph must have, stopping in the middle of a sentence, for the link
# after it to be taken for the end of that sentence.
_CUT_SENTENCE = 4
# Words of prose under a heading that is a link for it to be the paragraph's
# subheading rather than a teaser's headline over its summary.
_LINKED_HEADING = 30
# MathML: its namespace, and the elements that hold a formula's symbols.
_MATHML = "{http://www.w3.org/1998/Math/MathML}"
_MATH_LEAVES = tuple(
    prefix + tag for prefix in ("", _MATHML) for tag in ("mi", "mn", "mo", "mtext", "ms")
)
# How many blocks at the top of a body may still be header (title, byline, date).
_HEAD_BLOCKS = 4
# A body shorter than this (in characters) is a failed extraction, not a story.
_TOO_SHORT = 250
# Paragraphs and divisions of a page that reach the extractor. Its time grows with the
# square of their number (libxml2 merging XPath node sets): 8,000 paragraphs take 3 s,
# 40,000 take 90 s. A longer page (a book on one page, or one built to stall readers)
# is read up to here.
MAX_BLOCKS = 10_000
_CONTACT = LazyPattern(
    r"^\W*(?:tel|t[ée]l[ée]?phone|telefon|phone|mobil|fax|e-?mail|mail|kontakt|contact|adresse|address)\b",
    re.IGNORECASE,
)
# "Created … - Last modified …", "Zuletzt aktualisiert am …": a date stamp line.
_DATED = LazyPattern(
    r"\b(?:created|modified|updated|posted|published|veröffentlicht|aktualisiert|geändert|"
    r"erstellt|publi[ée]|mis à jour|modifi[ée]|publicado|actualizado|pubblicato|aggiornato)\b|"
    r"^\W*(?:stand|zuletzt|last)\b",
    re.IGNORECASE,
)
_MONTH_NAMES = LazyPattern(
    r"\b(?:january|february|march|april|june|july|august|september|october|november|december|"
    r"janvier|février|mars|avril|juin|juillet|août|septembre|octobre|novembre|décembre|"
    r"januar|jänner|februar|märz|mai|juni|juli|oktober|dezember|"
    r"jan|feb|mar|apr|jun|jul|aug|sep|sept|oct|okt|nov|dec|dez)\b\.?",
    re.IGNORECASE,
)
_DATE_WORDS = LazyPattern(
    r"\b(?:am|um|uhr|at|on|le|à|el|de|del|h|min|stand|updated|aktualisiert|"
    r"mon|tue|wed|thu|fri|sat|sun|monday|tuesday|wednesday|thursday|friday|saturday|sunday|"
    r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|"
    r"lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche|"
    r"[ap]\.?m\.?|cet|cest|mez|mesz|gmt|utc|[a-z]{1,4}t|"
    r"categor(?:y|ies)|kategorien?|cat[ée]gories?|rubri(?:k|que)|filed|under|posted|in)\b|\d+",
    re.IGNORECASE,
)


def _norm(text: str | None) -> str:
    """Words only, lowercased: how two blocks are compared for duplication."""
    return " ".join(_WORDS.findall((text or "").lower()))


def parse_html(html: str) -> HtmlElement:
    """Parse a page once; raise :class:`ParseError` when there is no document in it."""
    from trafilatura.utils import load_html

    try:
        tree = load_html(_INVISIBLE.sub("", html))
    except (ValueError, TypeError, etree.ParserError) as error:
        raise ParseError(f"not an HTML page ({error})") from None
    if tree is None or not len(tree):
        raise ParseError("not an HTML page: nothing to read in it")
    return tree


def _drop_hidden(tree: HtmlElement) -> None:
    """Remove what the page hides from its readers (``hidden``, ``display: none``,
    ``visibility: hidden`` written on the element): copies for other screens, closed
    menus and dialogs, text kept for scripts.

    An element holding most of the page's text is left alone: some pages hide their
    whole body until a script has run.
    """
    found = tree.xpath(_HIDDEN_XPATH)
    if not found:
        return
    total = len(tree.text_content())
    removed: set[etree._Element] = set()
    for element in found:
        if element.tag in ("html", "body", "head") or not _HIDDEN_STYLE.search(
            "hidden" if element.get("hidden") is not None else element.get("style") or ""
        ):
            continue
        if any(ancestor in removed for ancestor in element.iterancestors()):
            continue
        if len(element.text_content()) > 0.8 * total:
            continue
        removed.add(element)
        drop_keeping_tail(element)


def _math_as_text(tree: HtmlElement) -> None:
    """Formulas written in MathML become their text, one space between symbols
    (``a x 2 + b x + c = 0``): extractors drop ``<math>`` with everything in it, and
    on a page that draws its formulas with CSS (MathJax) or an SVG the MathML copy is
    the only text they have. The TeX source kept beside it (``<annotation>``) is no
    reading.

    A custom element around a formula (MathJax's ``<mjx-container>``, holding its
    drawing and the MathML for screen readers) is unknown to extractors, which drop it
    whole: the text takes the place of the outermost one that holds no other formula.
    """
    maths = list(tree.iter("math", _MATHML + "math"))
    if not maths:
        return
    held: Counter[etree._Element] = Counter()
    for math in maths:
        for ancestor in math.iterancestors():
            if "-" not in str(ancestor.tag):
                break
            held[ancestor] += 1
    for math in maths:
        place = math
        for ancestor in math.iterancestors():
            if held[ancestor] != 1:
                break
            place = ancestor
        parent = place.getparent()
        if parent is None:
            continue
        symbols = (" ".join("".join(leaf.itertext()).split()) for leaf in math.iter(*_MATH_LEAVES))
        replacement = etree.Element("span")
        replacement.text = " ".join(symbol for symbol in symbols if symbol)
        replacement.tail = place.tail
        parent.replace(place, cast("HtmlElement", replacement))


def _bounded(tree: HtmlElement) -> bool:
    """Keep the first :data:`MAX_BLOCKS` paragraphs and divisions of the page and cut
    everything from the next one on, in document order; True if anything was cut."""
    first_dropped = next(islice(tree.iter("p", "div"), MAX_BLOCKS, None), None)
    if first_dropped is None:
        return False
    # What precedes it in document order is what starts before it: its ancestors (whose
    # text after it goes too) and their earlier children. The rest goes, with its tail.
    node = first_dropped
    while (parent := node.getparent()) is not None:
        for later in list(node.itersiblings()):
            parent.remove(later)
        node.tail = None
        node = parent
    parent = first_dropped.getparent()
    if parent is not None:
        parent.remove(first_dropped)
    return True


def _main_content(tree: HtmlElement, url: str | None) -> etree._Element | None:
    """The article body as simple HTML (p, h2, ul, blockquote, table, a).

    Images stay out: with them trafilatura keeps the caption and credit line of every
    picture of the page as paragraphs; :mod:`.figures` puts the article's own
    pictures back from the page, with their captions.
    """
    import trafilatura
    from trafilatura.htmlprocessing import convert_to_html

    # No URL for trafilatura: it resolves relative links against the site's root
    # ("#notes" and "next.html" on /news/a.html lose their path); the converter
    # resolves them against the page instead.
    document = trafilatura.bare_extraction(
        tree,
        include_comments=False,
        include_tables=True,
        include_images=False,
        include_links=True,
        include_formatting=True,
        with_metadata=False,
    )
    content = getattr(document, "body", None)
    if content is None:
        return None
    html: etree._Element = convert_to_html(content)
    _inline_code(html)
    _unlink_in_page(html, url)
    return html


def _load_readability() -> None:
    """Import readability-lxml without its charset guesser.

    It imports chardet (~9 ms) for pages given as bytes; newsreader hands it parsed
    trees only. While it loads, a stand-in that guesses nothing (readability then
    assumes UTF-8) takes the place of the faster guesser it tries first, unless a
    real one is loaded already.
    """
    if "readability.readability" in sys.modules or {"chardet", "cchardet"} & set(sys.modules):
        return
    stand_in = types.ModuleType("cchardet")
    stand_in.detect = lambda data: {"encoding": None, "confidence": 0.0}  # type: ignore[attr-defined]
    sys.modules["cchardet"] = stand_in
    try:
        import readability.readability  # noqa: F401
    finally:
        del sys.modules["cchardet"]


def _second_opinion(page: HtmlElement, url: str | None) -> etree._Element | None:
    """readability-lxml's idea of the article in ``page``, which it may change (pass
    a copy): on the story's part of a page to confirm blocks trafilatura left out
    (:mod:`.combine`), on a whole page where trafilatura found next to nothing.

    Imported here: most pages never need it.
    """
    from lxml.html import document_fromstring

    _load_readability()
    from readability import Document
    from readability.readability import Unparseable

    try:
        summary = Document(page, url=url).summary(html_partial=True)
        tree = document_fromstring(summary)
    except (Unparseable, ValueError, TypeError, etree.LxmlError):
        return None
    body = tree if tree.tag == "body" else tree.find("body")
    body = body if body is not None else tree
    _unlink_in_page(body, url)
    return body


class _Body(NamedTuple):
    """One extractor's body, cleaned, with the figures placed in it."""

    element: etree._Element
    figures: list[Image]


def _longer_body(
    body: _Body | None, page: HtmlElement, base: str | None, meta: PageMeta
) -> _Body | None:
    """readability's body instead of a near-empty one, when it is clearly longer."""
    alternative = _second_opinion(copy.deepcopy(page), base)
    if alternative is None:
        return body
    figures = _clean_body(alternative, meta, page, base)
    found = len(_block_text(body.element)) if body is not None else 0
    if len(_block_text(alternative)) >= max(2 * _TOO_SHORT, 3 * found):
        return _Body(alternative, figures)
    return body


def _inline_code(body: etree._Element) -> None:
    """trafilatura turns every ``<code>`` into ``<pre>``: a word of code inside a
    sentence must stay inline, or the sentence breaks into three blocks; and a
    ``<pre><code>`` block becomes a ``<pre>`` inside a ``<pre>``, which the converter
    closes at once, leaving the code outside any code block: the inner one goes."""
    for inner in list(body.iter("pre")):
        outer = inner.getparent()
        if (
            outer is not None
            and outer.tag == "pre"
            and len(outer) == 1
            and not ((outer.text or "").strip() or (inner.tail or "").strip())
        ):
            outer.text = inner.text
            outer[:] = list(inner)  # the inner block's content takes its place
    for element in body.iter("pre"):
        parent = element.getparent()
        if parent is None or "\n" in _block_text_raw(element):
            continue
        inline = parent.tag not in ("body", "div", "blockquote", "section") or bool(
            (element.tail or "").strip() or (parent.text or "").strip()
        )
        if inline:
            element.tag = "code"


def _block_text_raw(element: etree._Element) -> str:
    return "".join(element.itertext()).strip()


def _block_text(element: etree._Element) -> str:
    return " ".join("".join(element.itertext()).split())


def _word_count(text: str) -> int:
    """Words, counting each CJK character as one (those scripts put no spaces)."""
    words = len(text.split())
    if text.isascii() or max(text) < "\u3040":
        return words  # no CJK character at all: the usual case, decided in C
    return words + len(_cjk_pattern().findall(text))


@functools.cache
def _cjk_pattern() -> re.Pattern[str]:
    # Compiled on first need: a class over these ranges costs ~5 ms to build.
    return re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _CJK_RANGES) + "]")


def _link_share(element: etree._Element, text: str) -> float:
    """How much of a block's text is link text: near 1 for menus and teaser lists.

    Only links to another page count (see :func:`_unlink_in_page`): an e-mail address
    written out as a link is an address to write to, not a link away.
    """
    if not text:
        return 0.0
    linked = 0
    for a in element.iter("a"):
        href, label = a.get("href") or "", _block_text(a)
        if href and not (href.startswith("mailto:") and "@" in label):
            linked += len(label)
    return min(1.0, linked / len(text))


def _unlink_in_page(body: etree._Element, url: str | None) -> None:
    """Links to a place on the same page (a table of contents, a footnote mark, a
    heading's permalink) and anchors without a target lead nowhere else: their text
    stays, as text, and does not make its block a link list."""
    page = urldefrag(url)[0] if url else None
    for link in body.iter("a"):
        href = (link.get("href") or "").strip()
        if not href or href.startswith("#") or (page and urldefrag(href)[0] == page):
            link.attrib.pop("href", None)


def _text_blocks(body: etree._Element) -> list[etree._Element]:
    """The innermost text blocks, in reading order."""
    return [
        element
        for element in body.iter(*_TEXT_BLOCKS)
        if next(element.iterdescendants(*_TEXT_BLOCKS), None) is None
    ]


def _is_link_block(
    element: etree._Element, text: str, story: Container[etree._Element] = frozenset()
) -> bool:
    """A block that is (nearly) all link: a menu entry, a teaser, a "more" link.

    A whole sentence that happens to be one link (a linked paragraph) stays, and so
    do the blocks and lists in ``story`` (see :func:`_story_links`).
    """
    if element.tag in ("pre", "td", "th") or _link_share(element, text) < 0.8:
        return False
    if element in story or element.getparent() in story:
        return False
    sentence = (
        element.tag == "p"
        and _word_count(text) >= 10
        and _SENTENCE_END.search(text) is not None
        and len(element.findall(".//a")) == 1
    )
    return not sentence


def _story_links(blocks: list[etree._Element]) -> set[etree._Element]:
    """Where a block that is all link is still story: in a list the author wrote, at
    the end of a sentence that the paragraph before it started, and over a paragraph.

    A list where most items are text and a few happen to be one link is a list the
    author wrote (a changelog whose entries link their bug); a menu or a list of other
    stories is links from one end to the other. trafilatura sometimes cuts a paragraph
    in front of a link ("Register | here."): the link that ends the sentence, after a
    paragraph that stops in the middle of one, is the rest of that paragraph. A
    heading that links the thing it is about (a product, a film, the report) over a
    paragraph of prose is that paragraph's subheading; a teaser's headline is over a
    line or two of summary.
    """
    story: set[etree._Element] = set()
    lists: set[etree._Element] = set()
    previous = ""
    for element in blocks:
        text = _block_text(element)
        parent = element.getparent()
        if element.tag == "li" and parent is not None and parent.tag in ("ul", "ol"):
            lists.add(parent)
        if (
            element.tag == "p"
            and _word_count(previous) >= _CUT_SENTENCE
            and previous[-1:].isalpha()
            and _SENTENCE_END.search(text) is not None
        ):
            story.add(element)
        previous = text if element.tag == "p" else ""
    for heading, after in pairwise(blocks):
        if heading.tag in _HEADINGS and after.tag == "p":
            text = _block_text(after)
            if _word_count(text) >= _LINKED_HEADING and _link_share(after, text) < 0.5:
                story.add(heading)
    for parent in lists:
        items = [child for child in parent if child.tag == "li"]
        if len(items) < _WRITTEN_LIST:
            continue
        linked = sum(1 for item in items if _link_share(item, _block_text(item)) >= 0.8)
        if 2 * linked < len(items):
            story.add(parent)
    return story


def _is_date_only(text: str) -> bool:
    """``27.01.2022``, ``Monday, 13 January 2020, 14:05``: a date and nothing else."""
    if len(text) > 80 or not parse_date(text):
        return False
    return not _WORDS.findall(_MONTH_NAMES.sub(" ", _DATE_WORDS.sub(" ", text)))


def _is_date_stamp(text: str, words: int) -> bool:
    """``Created 03-10-2004 - Last modified …``: a stamp, not a sentence with a date."""
    if words > 12 or (words > 8 and _SENTENCE_END.search(text)):
        return False
    return bool(_DATED.search(text)) and parse_date(text) is not None


# A word that every branch of _COPYRIGHT contains: a block without one is decided by
# a few substring searches, where the pattern would be tried at every position.
_COPYRIGHT_WORDS = (
    "rights",
    "rechte",
    "droits",
    "derechos",
    "diritti",
    "copyright",
    "permission",
    "reproduction",
    "may not be",
    "©",
    "(c)",
    "angaben",
)


def _may_be_copyright(text: str) -> bool:
    folded = text.casefold()
    return any(word in folded for word in _COPYRIGHT_WORDS)


def _boilerplate_reason(
    element: etree._Element, text: str, story: Container[etree._Element] = frozenset()
) -> str | None:
    """Why a block is page furniture rather than story, or None when it is story.
    ``story`` holds the blocks and lists whose links are story (:func:`_story_links`)."""
    if element.tag in ("td", "th"):
        return None  # a table is data: its short cells and dates belong to it
    words = _word_count(text)
    if _is_link_block(element, text, story):
        return "links"
    if words <= 6 and (_UI_LABEL.match(text) or _READING_TIME.match(text)):
        return "label"
    if _TAGS_LABEL.match(text) and _link_share(element, text) >= 0.4:
        return "tags"
    if words <= 30 and (_READ_MORE.match(text) or _MORE_LABEL.match(text)):
        return "read-more"
    if words <= 15 and (_CREDIT.match(text) or _STOCK_PHOTO.search(text)):
        return "credit"
    if words <= 40 and ":" in text and _ENDS_WITH_CREDIT.search(text):
        return "caption"
    if words <= 60 and _may_be_copyright(text) and _COPYRIGHT.search(text):
        return "copyright"
    if _is_date_only(text) or _is_date_stamp(text, words):
        return "date"
    if words <= 30 and _PROMO_STRONG.search(text):
        return "promo"
    if not text.isascii() and len(_MIXED_SCRIPT.findall(text)) >= 2:
        return "disguised"
    return None


def _is_promo(text: str) -> bool:
    """A call to subscribe, follow or download: only trusted near the end of a page."""
    return _word_count(text) <= 30 and bool(_PROMO.search(text))


def _is_title(element: etree._Element, text: str, meta: PageMeta) -> bool:
    """The headline again, perhaps with a kicker or a date run into it, or worded as
    the page's ``<h1>`` rather than as its metadata title."""
    words = _norm(text)
    for title in {_norm(meta.title), _norm(meta.headline)}:
        if not title or not words:
            continue
        if words == title:
            return True
        longer, shorter = (words, title) if len(words) > len(title) else (title, words)
        contained = f" {shorter} " in f" {longer} " or (
            len(shorter.split()) >= 3 and shorter in longer  # "27.01.2022Title": run together
        )
        if contained and len(shorter.split()) >= 0.6 * len(longer.split()):
            return True
        if element.tag in _HEADINGS and _overlap(words, title) >= 0.75:
            return True
    return False


def _overlap(one: str, other: str) -> float:
    """Shared words over all words (Jaccard): "amid outbreak" ~ "amid virus outbreak"."""
    first, second = set(one.split()), set(other.split())
    return len(first & second) / len(first | second) if first and second else 0.0


def _is_author_bio(text: str, author: str | None) -> bool:
    """``Jane Doe is a freelance writer …``: the bio box after a story.

    Only a full name as the page writes it (two capitalised words or more) counts:
    a one-word "author" is often the publication, whose name may start a sentence.
    """
    if not author or _word_count(text) > 90:
        return False
    text = text.replace("’", "'")
    for name in re.split(r",|&|\band\b|\bund\b|\bet\b", author.replace("’", "'")):
        name = " ".join(name.split())
        if _PERSON_NAME.fullmatch(name) and text.startswith(name):
            return True
    return False


def _is_tail_furniture(element: etree._Element, author: str | None) -> bool:
    """What may follow the last paragraph of a story but is no part of it."""
    text = _block_text(element)
    words = _word_count(text)
    sentence = _SENTENCE_END.search(text) is not None
    return bool(
        (element.tag in _HEADINGS and not sentence)
        or _is_promo(text)
        or _AUTHOR_HEADING.match(text)
        or _is_author_bio(text, author)
        or (words <= 70 and bool(_BIO.match(text)) and bool(_BIO_WORDS.search(text)))
        or (words <= 12 and _CONTACT.match(text))
        or (
            words <= 6
            and bool(BYLINE_PREFIX.match(text))
            and bool(_PERSON_NAME.fullmatch(strip_byline_prefix(text)))
        )
    )


def _drop_furniture(blocks: list[etree._Element], meta: PageMeta) -> list[etree._Element]:
    """Drop boilerplate blocks anywhere, then trim the top and the tail of the story."""
    kept: list[etree._Element] = []
    story = _story_links(blocks)
    for index, element in enumerate(blocks):
        text = _block_text(element)
        if not text:
            continue
        if _boilerplate_reason(element, text, story) or (
            index < _HEAD_BLOCKS and _is_title(element, text, meta)
        ):
            drop_keeping_tail(element)
        else:
            kept.append(element)
    # The story ends at its last real paragraph: what follows it is bios, tags,
    # contact lines, calls to subscribe and headings that announce something removed.
    # A heading over a figure announces the figure: the story goes on there.
    while kept and not _before_figure(kept[-1]) and _is_tail_furniture(kept[-1], meta.author):
        drop_keeping_tail(kept.pop())
    return kept


def _before_figure(element: etree._Element) -> bool:
    """Is one of the article's figures placed after this block?"""
    for later in element.itersiblings():
        if later.get(FIGURE_MARK) is not None:
            return True
    parent = element.getparent()
    return parent is not None and parent.tag not in ("body", "html") and _before_figure(parent)


def _repeats_header(element: etree._Element, raw: str, words: str, meta: PageMeta) -> bool:
    """A block that says again what the header shows: the title, the lede, a byline
    naming the author, a date line."""
    if element.tag in ("h1", "h2", "p") and words == _norm(meta.title):
        return True
    lede = _norm(meta.lede)
    if lede and (words == lede or (len(words.split()) >= 6 and words in lede)):
        return True  # the lede, or a paragraph the lede already contains
    if len(raw) >= 160:
        return False
    author = _norm(meta.author)
    return bool(DATE_LINE.match(raw)) or bool(
        author and BYLINE_PREFIX.match(raw) and author in words
    )


def _clean_body(
    body: etree._Element, meta: PageMeta, page: HtmlElement, base: str | None
) -> list[Image]:
    """Put the article's figures in place, drop from the body what the header already
    shows (title, lede, byline, dates), then the page furniture around the story.

    Returns the figures placed (see :func:`.figures.collect_images` for those kept).
    """
    if meta.url and meta.url != base:
        # Footnote marks and tables of contents often link the page by its full
        # canonical address: in-page too, whatever ``<base>`` the page sets.
        _unlink_in_page(body, meta.url)
    _wrap_loose_text(body)
    fill_from_body([_block_text(b) for b in _text_blocks(body)[:_HEAD_BLOCKS]], meta)
    strip_pictures(body)
    placed = place_figures(page, body, base, (meta.title, meta.headline, meta.lede))
    for element in list(body.iter(*_BLOCKS)):
        if element.getparent() is None:
            continue
        raw = _block_text(element)
        words = _norm(raw)
        if not words:
            drop = element.tag != "div" and element.find(".//img") is None
        else:
            drop = _repeats_header(element, raw, words, meta) or is_duplicate_caption(raw)
        if drop:
            drop_keeping_tail(element)
    _drop_copied_passages(body)
    _drop_furniture(_text_blocks(body), meta)
    _drop_empty_containers(body)
    return placed


def _wrap_loose_text(body: etree._Element) -> None:
    """Text an extractor left between blocks, outside any of them, becomes a paragraph
    of its own, so that the rules below see it like any other block (a date line that
    trafilatura left loose after a heading, for one)."""
    root = body.find("body") if body.tag == "html" else body
    if root is None:
        return
    first = next(iter(root), None)
    if root.text and root.text.strip() and (first is None or first.tag in _LOOSE_AFTER):
        paragraph = etree.Element("p")
        paragraph.text, root.text = root.text.strip(), None
        root.insert(0, paragraph)
    for child in list(root):
        if child.tail and child.tail.strip() and child.tag in _LOOSE_AFTER:
            paragraph = etree.Element("p")
            paragraph.text, child.tail = child.tail.strip(), None
            child.addnext(paragraph)


def _drop_copied_passages(body: etree._Element) -> None:
    """A passage of the story printed twice (a print and a mobile version of the
    article, both in the page): the second copy goes.

    Only paragraphs that repeat together with a neighbour of different text count: a
    single paragraph said twice may be the author's own repetition, and is kept.
    """
    paragraphs = [
        (element, words)
        for element in body.iter("p")
        if len(words := _norm(_block_text(element))) > 20
    ]
    seen: set[str] = set()
    repeated: list[bool] = []
    for _, words in paragraphs:
        repeated.append(words in seen)
        seen.add(words)
    for index, (element, words) in enumerate(paragraphs):
        if not repeated[index]:
            continue
        neighbours = (index - 1, index + 1)
        if any(
            0 <= other < len(paragraphs) and repeated[other] and paragraphs[other][1] != words
            for other in neighbours
        ):
            drop_keeping_tail(element)


def _drop_empty_containers(body: etree._Element) -> None:
    """Lists, quotes and tables left without any text once their blocks are gone."""
    for element in list(body.iter("ul", "ol", "blockquote", "table", "tr", "div", "dl")):
        if (
            element.getparent() is not None
            and not _block_text(element)
            and element.find(".//img") is None
        ):
            drop_keeping_tail(element)


def _numbered_blocks(body: etree._Element) -> set[str]:
    """Paragraphs, headings and lines after a line break whose text starts with a
    number: ``1. Bio: …``, or a ranking written one line per place."""
    numbered = {
        _first_words(text)
        for element in body.iter("p", "h1", "h2", "h3", "h4", "h5", "h6")
        if _NUMBER_START.match(text := _block_text(element))
    }
    for line_break in body.iter("br"):
        line = (line_break.tail or "").strip()
        parent = line_break.getparent()
        if _NUMBER_START.match(line) and parent is not None and parent.tag not in _KEEP_NUMBERS:
            numbered.add(_first_words(line))
    return numbered


def _first_words(text: str) -> str:
    return " ".join(_norm(text).split()[:6])


def _escape_numbers(markdown: str, numbered: set[str]) -> str:
    """``1\\. Bio``: a paragraph that starts with a number must not turn into a list.

    markdownify leaves ``1. `` at the start of a paragraph as it is, and every
    Markdown reader then shows a list item and drops the number the author wrote.
    """
    if not numbered:
        return markdown

    def escape(match: re.Match[str]) -> str:
        heading, number, mark, rest = match.groups()
        if _first_words(number + rest) in numbered:
            return f"{heading or ''}{number}\\{mark}{rest}"
        return match.group(0)

    return _NUMBERED_LINE.sub(escape, markdown)


def _complete(main: etree._Element, page: HtmlElement, base: str | None) -> None:
    """Put back into trafilatura's body the blocks it left out inside the story that
    readability, reading the story's part of the page, keeps too (:mod:`.combine`)."""
    gaps = missing_blocks(page, main)
    story = story_page(gaps.region) if gaps.blocks and gaps.region is not None else None
    agreed = _second_opinion(story, base) if story is not None else None
    if agreed is not None and fill_gaps(main, gaps.blocks, agreed):
        _unlink_in_page(main, base)  # the blocks put back come from the page as it is


def _drop_river(main: etree._Element, page: HtmlElement, base: str | None) -> None:
    """Take out of trafilatura's body a river of other stories it took for part of
    the article, when readability, reading the whole page, finds the story beside the
    river rather than in it (:mod:`.river`). readability runs only on pages whose body
    is in good part such a series of cards."""
    river = find_river(page, main)
    if river is None:
        return
    second = _second_opinion(copy.deepcopy(page), base)
    if second is not None:
        drop_river(main, river, second)


def _document_base(tree: HtmlElement, url: str | None) -> str | None:
    """What relative links and pictures resolve against: the page's ``<base href>``
    (itself relative to the page), else the page's own URL."""
    element = next(tree.iter("base"), None)
    href = element.get("href") if element is not None else None
    resolved = safe_url(href, url) if href else None
    if resolved and resolved.startswith(("http://", "https://")):
        return resolved
    return url


def extract_article(html: str, location: str) -> Article:
    """Extract the article of one HTML page.

    ``location`` is the page's URL (links resolve against it) or its file path.
    """
    tree = parse_html(html)
    is_url = location.startswith(("http://", "https://"))
    meta = read_metadata(tree, location)  # before any cut: JSON-LD may sit at the end
    _drop_hidden(tree)
    _math_as_text(tree)
    _bounded(tree)
    base = _document_base(tree, meta.url or (location if is_url else None))
    body: _Body | None = None
    main = _main_content(tree, base)
    if main is not None:
        _drop_river(main, tree, base)
        _complete(main, tree, base)
        body = _Body(main, _clean_body(main, meta, tree, base))
    if body is None or len(_block_text(body.element)) < _TOO_SHORT:
        body = _longer_body(body, tree, base, meta)
    parts: list[str] = []
    numbered: set[str] = set()
    images: tuple[Image, ...] = ()
    if body is not None:
        numbered = _numbered_blocks(body.element)
        images = collect_images(body.element, body.figures)
        parts.append(etree.tostring(body.element, encoding="unicode", method="html"))
    intro = f"<p>{escape(meta.lede, quote=False)}</p>" if meta.lede else ""
    converted = convert_body(intro + "".join(parts), base)
    markdown = _escape_numbers(converted.markdown, numbered)
    if not converted.text and not meta.title:
        raise ParseError("no article found in this page")
    key = meta.url or (location if is_url else path_key(location))
    return Article(
        id=article_id(key),
        title=meta.title,
        url=meta.url,
        section=meta.section,
        author=meta.author,
        published=meta.published,
        updated=meta.updated,
        language=meta.language or guess_language(converted.text),
        lede=meta.lede,
        markdown=markdown,
        text=converted.text,
        headings=converted.headings,
        source=meta.site_name or (None if is_url else location),
        image=images[0].src if images else meta.image,
        images=images,
    )
