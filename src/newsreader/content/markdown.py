"""An article body in HTML, turned into Markdown and plain text with markdownify.

Every kind of document ends here: HTML pages after extraction, plain-text pages and
Markdown files after they are rebuilt as simple HTML. One converter means one link
policy (http, https and mailto only; relative links made absolute; everything else
kept as plain text), one list of dropped elements (scripts, forms, embeds) and one
sanitiser pass for all of them.
"""

from __future__ import annotations

import re
import warnings
from typing import TYPE_CHECKING, Any, NamedTuple

from newsreader import startup
from newsreader.content.sanitize import (
    clean_line,
    clean_markup,
    clean_text,
    defang,
    quick_text,
    safe_url,
)

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

__all__ = ["Body", "convert_body", "escape_inline", "markdown_url"]

# Elements whose content is never article text. Dropped with everything inside.
DROPPED_TAGS = frozenset(
    {
        "script",
        "style",
        "noscript",
        "template",
        "iframe",
        "object",
        "embed",
        "applet",
        "form",
        "button",
        "input",
        "select",
        "option",
        "textarea",
        "svg",
        "math",
        "canvas",
        "audio",
        "video",
        "source",
        "track",
        "map",
        "head",
        "title",
        "meta",
        "link",
        "base",
        "frame",
        "frameset",
        "dialog",
        "portal",
    }
)
# ``<`` that would open a tag or comment when the Markdown is rendered somewhere else.
_TAG_OPENER = re.compile(r"<(?=[A-Za-z/!?])")
_SCRIPT_OPENER = re.compile(r"<(?=/?script)", re.IGNORECASE)
_BLANK_RUNS = re.compile(r"\n{3,}")
_TRAILING_SPACES = re.compile(r"[ \t]+\n")

# Text that Markdown would read as syntax: the backslash itself first, code spans,
# emphasis, and the brackets without which there is no link, image or reference
# definition ("[x](javascript:…)" in a page's text stays text).
_INLINE_SPECIALS = re.compile(r"([\\`*_\[\]])")
# "&#27;" or "&lt;" written as text would be decoded by a Markdown renderer: "&" is
# escaped before "#" (any number) and a named reference. At the end of a text node,
# "&" and "<" are escaped too: the next element's text may complete them ("&#x" then
# "202e;" is a bidi override; "<" then a dropped link's "f" then "em>" is a tag).
_ENTITY_LIKE = re.compile(r"&(?=#|[A-Za-z][A-Za-z0-9]*(?:;|\Z)|\Z)")
_TEXT_TAG_OPENER = re.compile(r"<(?=[A-Za-z/!?]|\Z)")
_BACKTICK_RUNS = re.compile(r"`+")
_HUGE_HEADING = re.compile(r"[hH]\d{5}")
# markdownify's whitespace patterns take time in the square of a run of blanks (a page
# of 200,000 tabs: minutes); no run longer than this reaches them.
_LONG_BLANKS = re.compile(r"[ \t\n]{65,}")
_PLAIN_NUMBER = re.compile(r"[0-9]{1,6}")
# Characters that end or confuse a link destination ("(url)"); safe_url() has already
# encoded the rest (spaces, "<", ">").
_DESTINATION_SPECIALS = re.compile(r"[()\\]")


def escape_inline(text: str) -> str:
    """Escape text for Markdown so that it reads as the same text, never as syntax:
    no link, image, code span, emphasis, character reference or raw HTML."""
    text = _INLINE_SPECIALS.sub(r"\\\1", text)
    if "&" in text:
        text = _ENTITY_LIKE.sub(r"\\&", text)
    return _TEXT_TAG_OPENER.sub("&lt;", text) if "<" in text else text


def markdown_url(url: str) -> str:
    """A URL (already through :func:`~.sanitize.safe_url`) as a Markdown link
    destination: parentheses encoded, so that none ends the link early."""
    return _DESTINATION_SPECIALS.sub(lambda match: f"%{ord(match.group()):02X}", url)


def _plain_number(el: Any, attribute: str) -> None:
    """Drop a number attribute markdownify would give to ``int()`` unless it is plain
    and short ("²" and "½" pass ``str.isnumeric`` but not ``int``)."""
    value = el.get(attribute) if el is not None else None
    if value is not None and not (isinstance(value, str) and _PLAIN_NUMBER.fullmatch(value)):
        del el[attribute]


def _literal(text: str) -> str:
    """Code as Markdown shows it, literally. Code cannot be broken out of (fences and
    spans are longer than any backtick run inside), so markup in it stays text and is
    kept as written, for readers who copy it; only ``<script`` gets the look-alike
    ``＜`` it gets everywhere, so no copy of the output carries one."""
    return _SCRIPT_OPENER.sub("\uff1c", text) if "<" in text else text


class Body(NamedTuple):
    """The converted body of one document."""

    markdown: str
    text: str
    headings: tuple[str, ...]


def _unlinked(el: Any, text: str) -> str:
    """The text of a link whose target is dropped; nothing when the text *is* the
    target (``<javascript:alert(1)>``), so no unsafe URL survives as text either."""
    href = " ".join(str(el.get("href") or "").split())
    return "" if href and text.strip().replace("\\", "") == href else text


def _converters() -> tuple[Any, Any]:
    """Build the two converter classes on first use (markdownify imports bs4)."""
    startup.beautifulsoup()  # bs4 without its optional imports, before markdownify
    from markdownify import ATX, MarkdownConverter

    base: Any = MarkdownConverter  # markdownify ships no type information

    class MarkdownBody(base):  # type: ignore[misc]
        """markdownify with newsreader's link policy and escaping."""

        def __init__(self, base_url: str | None) -> None:
            super().__init__(
                heading_style=ATX,
                bullets="-",
                strip=list(DROPPED_TAGS),
                escape_misc=False,
                autolinks=True,
            )
            self.base_url = base_url

        def escape(self, text: str, parent_tags: Any) -> str:
            # Text that looks like Markdown or HTML must stay text when rendered.
            return escape_inline(text)

        def get_conv_fn(self, tag_name: str) -> Any:
            if _HUGE_HEADING.match(tag_name):
                return None  # "<h99999…>" is no heading (markdownify would int() it)
            return base.get_conv_fn(self, tag_name)

        def convert_a(self, el: Any, text: str, parent_tags: Any) -> str:
            if "_noformat" in parent_tags:
                return text
            href = safe_url(el.get("href"), self.base_url)
            if href is None:
                return _unlinked(el, text)
            el["href"] = markdown_url(href)
            el.attrs.pop("title", None)
            return str(base.convert_a(self, el, text, parent_tags))

        def convert_img(self, el: Any, text: str, parent_tags: Any) -> str:
            src = safe_url(el.get("src"), self.base_url)
            if src is None or src.startswith("mailto:"):
                return ""
            alt = clean_line(el.get("alt")) or ""
            if "_noformat" in parent_tags:
                return alt  # inside code, where it shows as it is
            if "_inline" in parent_tags:
                return escape_inline(alt)
            return f"![{escape_inline(alt)}]({markdown_url(src)})"

        def convert_li(self, el: Any, text: str, parent_tags: Any) -> str:
            _plain_number(el.parent, "start")
            return str(base.convert_li(self, el, text, parent_tags))

        def convert_td(self, el: Any, text: str, parent_tags: Any) -> str:
            _plain_number(el, "colspan")
            return str(base.convert_td(self, el, text, parent_tags))

        def convert_th(self, el: Any, text: str, parent_tags: Any) -> str:
            _plain_number(el, "colspan")
            return str(base.convert_th(self, el, text, parent_tags))

        def convert_code(self, el: Any, text: str, parent_tags: Any) -> str:
            if "_noformat" in parent_tags:
                return text
            # A code span is one line (Markdown reads its line breaks as spaces), so no
            # blank line or heading end can cut it open; in a table cell, "|" would.
            text = _literal(" ".join(text.split("\n")))
            if "_inline" in parent_tags:
                text = text.replace("|", "\\|")
            return str(base.convert_code(self, el, text, parent_tags))

        convert_kbd = convert_samp = convert_code

        def convert_pre(self, el: Any, text: str, parent_tags: Any) -> str:
            if not text:
                return ""
            if "_noformat" in parent_tags or "_inline" in parent_tags:
                return self.convert_code(el, text, parent_tags - {"_noformat"})
            # The fence is longer than any run of backticks inside, so nothing in the
            # block can close it.
            longest = max((len(run) for run in _BACKTICK_RUNS.findall(text)), default=0)
            fence = "`" * max(3, longest + 1)
            return f"\n\n{fence}\n{_literal(text)}\n{fence}\n\n"

        def convert_figcaption(self, el: Any, text: str, parent_tags: Any) -> str:
            text = text.strip()
            return f"\n\n*{text}*\n\n" if text else ""

        def convert_figure(self, el: Any, text: str, parent_tags: Any) -> str:
            """A picture with its caption on the line below it, as one block."""
            if "_inline" in parent_tags:
                return text
            lines = [line for line in text.strip().split("\n") if line.strip()]
            return "\n\n" + "\n".join(lines) + "\n\n" if lines else ""

        # Drop-in for the tags listed in DROPPED_TAGS that markdownify converts itself.
        def convert_video(self, el: Any, text: str, parent_tags: Any) -> str:
            return ""

    class TextBody(MarkdownBody):
        """The same walk, without Markdown syntax: for ``--format text``."""

        def escape(self, text: str, parent_tags: Any) -> str:
            return text

        def convert_a(self, el: Any, text: str, parent_tags: Any) -> str:
            if safe_url(el.get("href"), self.base_url) is None:
                return _unlinked(el, text)
            return text

        def convert_img(self, el: Any, text: str, parent_tags: Any) -> str:
            return ""

        def convert_figcaption(self, el: Any, text: str, parent_tags: Any) -> str:
            text = text.strip()
            return f"\n\n{text}\n\n" if text else ""

        def convert_hN(self, n: int, el: Any, text: str, parent_tags: Any) -> str:  # noqa: N802
            if "_inline" in parent_tags:
                return text
            return f"\n\n{' '.join(text.split())}\n\n"

        def convert_b(self, el: Any, text: str, parent_tags: Any) -> str:
            return text

        convert_strong = convert_em = convert_i = convert_b
        convert_code = convert_kbd = convert_samp = convert_del = convert_s = convert_b
        convert_sub = convert_sup = convert_b

        def convert_blockquote(self, el: Any, text: str, parent_tags: Any) -> str:
            text = text.strip()
            if "_inline" in parent_tags:
                return f" {text} "
            return (
                "\n\n"
                + "\n".join(f"  {line}" if line else "" for line in text.split("\n"))
                + "\n\n"
            )

        def convert_li(self, el: Any, text: str, parent_tags: Any) -> str:
            return MarkdownBody.convert_li(self, el, text, parent_tags).replace("- ", "• ", 1)

        def convert_hr(self, el: Any, text: str, parent_tags: Any) -> str:
            return "\n\n"

        def convert_pre(self, el: Any, text: str, parent_tags: Any) -> str:
            return f"\n\n{text}\n\n" if text else ""

        def convert_tr(self, el: Any, text: str, parent_tags: Any) -> str:
            cells = [" ".join(c.get_text(" ").split()) for c in el.find_all(["td", "th"])]
            return "  ".join(cells) + "\n"

        def convert_table(self, el: Any, text: str, parent_tags: Any) -> str:
            return "\n\n" + text.strip("\n") + "\n\n"

    return MarkdownBody, TextBody


_CONVERTERS: tuple[Any, Any] | None = None


def _tidy(value: str) -> str:
    value = clean_text(value)
    value = _TRAILING_SPACES.sub("\n", value)
    return _BLANK_RUNS.sub("\n\n", value).strip()


_HEADINGS = ("h1", "h2", "h3", "h4", "h5", "h6")
_MAX_HEADINGS = 200
_HEADING_NODES = 2000
_HEADING_CHARS = 300


def _heading_text(tag: Any) -> str | None:
    """The text of a heading, read from at most a few thousand nodes: a page of
    headings nested in headings (libxml2 does not close an open one) would otherwise
    cost the square of their number."""
    from bs4.element import CData, NavigableString

    parts: list[str] = []
    size = 0
    for count, node in enumerate(tag.descendants):
        if count >= _HEADING_NODES or size >= _HEADING_CHARS:
            break
        if type(node) in (NavigableString, CData):  # what get_text() reads: no comments
            parts.append(node)
            size += len(node)
    return clean_line(" ".join(parts)[:_HEADING_CHARS])


def _first_blanks(match: re.Match[str]) -> str:
    return match.group()[:64]


def parse_fragment(html: str) -> BeautifulSoup:
    """Parse an HTML fragment with lxml's parser (fast, and it never raises).

    bs4's warnings about its input (it "looks like XML", "like a URL") are advice to
    a programmer; here they would be lines on the user's stderr about a feed's text.
    """
    soup_class = startup.beautifulsoup()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return soup_class(html, "lxml")


def convert_body(html: str, base_url: str | None = None) -> Body:
    """Convert an HTML body fragment to Markdown, plain text and its heading list."""
    global _CONVERTERS
    if _CONVERTERS is None:
        _CONVERTERS = _converters()
    markdown_cls, text_cls = _CONVERTERS
    # lxml refuses what XML forbids; a reference to ESC goes with its sequence.
    html = clean_markup(html)
    soup = parse_fragment(_LONG_BLANKS.sub(_first_blanks, html))
    for tag in soup.find_all(DROPPED_TAGS):
        tag.decompose()
    headings = tuple(
        heading
        for tag in soup.find_all(_HEADINGS, limit=_MAX_HEADINGS)
        if (heading := _heading_text(tag))
    )
    try:
        # Defanged whole: the text of code spans and blocks, which no escape reaches.
        markdown = defang(_tidy(markdown_cls(base_url).convert_soup(soup)))
        text = defang(_tidy(text_cls(base_url).convert_soup(soup)))
    except RecursionError:
        # markdownify walks the tree recursively: an entry nested a few hundred levels
        # deep (a hostile feed) is read as its text, one paragraph a line.
        text = quick_text(html)
        markdown = "\n\n".join(escape_inline(line) for line in text.split("\n"))
        text = text.replace("\n", "\n\n")
    return Body(markdown=markdown, text=text, headings=headings)
