"""Make untrusted text safe to store and to print in a terminal.

Everything that comes from a file or the network passes through here once, in
content/, before it becomes an :class:`~newsreader.models.Article` or a
:class:`~newsreader.models.Feed`. After that, no view has to worry about escape
sequences: what is left is printable text, tabs and newlines.
"""

from __future__ import annotations

import functools
import html
import re
from typing import Any
from urllib.parse import urljoin, urlsplit, urlunsplit

from newsreader.startup import LazyPattern

__all__ = [
    "SAFE_LINK_SCHEMES",
    "clean_line",
    "clean_markup",
    "clean_text",
    "clean_utf8",
    "decode_control_refs",
    "defang",
    "has_hidden_text",
    "index_text",
    "is_unsafe_url",
    "quick_text",
    "safe_url",
    "strip_tags",
]

# C0 controls but tab and newline, DEL, C1 controls (ESC-less CSI is 0x9b), the bidi
# embedding/override/isolate characters that can reorder what the terminal shows
# ("Trojan Source"), lone surrogates that a JSON "\ud800" can smuggle in and that no
# encoder can print, and U+FFFE/U+FFFF: with the C0 controls, what XML forbids, so that
# cleaned text can always be handed to lxml.
_UNSAFE = LazyPattern(
    "[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff\ufffe\uffff]"
)
# Whole escape sequences go, not just their ESC byte, so "\x1b[31m" leaves no "[31m"
# behind: CSI (ESC [ or the C1 byte 0x9b), OSC/DCS/APC/PM strings up to BEL or ST, and
# the other escapes (ESC, intermediates, a final byte: "ESC c" resets the terminal,
# "ESC ( 0" switches its character set). A string stops at the next string introducer
# too, so that text full of introducers without an end costs one short look each.
_ESCAPES = LazyPattern(
    r"(?:\x1b\[|\x9b)[0-?]*[ -/]*[@-~]"
    r"|(?:\x1b[\]PX^_]|[\x90\x9d\x9e\x9f])[^\x07\x1b\x9c\x90\x9d\x9e\x9f]{0,4096}(?:\x07|\x1b\\|\x9c)"
    r"|\x1b[!-/]*[0-~]"
)
_NEWLINES = LazyPattern(r"\r\n?|[\u2028\u2029\x85]")
# Any character one of the three substitutions would touch.
_NEEDS_CLEANING = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff\ud800-\udfff\ufffe\uffff]"
)
_SPACES = re.compile(r"\s+")
# The same characters in UTF-8: the C0 controls but tab and newline, and DEL, are bytes of
# their own; the others start with one of three lead bytes. Deleting every other byte
# leaves what to look at (one pass in C), and a pattern that starts with its lead byte
# finds a whole sequence quickly; a pattern that can start with any of them cannot.
_UTF8_HARMLESS = bytes(
    byte for byte in range(256) if byte in (9, 10) or 0x20 <= byte < 0x7F or byte >= 0x80
).translate(None, b"\xc2\xe2\xef")
_UTF8_NEEDS_CLEANING = {
    0xC2: re.compile(b"\xc2[\x80-\x9f]"),  # C1 controls, NEL among them
    0xE2: re.compile(b"\xe2(?:\x80[\xa8-\xae]|\x81[\xa6-\xa9])"),  # separators, bidi
    0xEF: re.compile(b"\xef(?:\xbb\xbf|\xbf[\xbe\xbf])"),  # BOM, U+FFFE, U+FFFF
}
_NUMERIC_REF = re.compile(
    r"&#(?:[xX]0*([0-9A-Fa-f]{1,6})(?![0-9A-Fa-f])|0*([0-9]{1,7})(?![0-9]));?"
)

# Plain text that spells an active tag is shown with a look-alike "<", so that no copy
# of it, pasted or piped into something that renders HTML, can run; text that spells a
# script-capable URL ("javascript:alert(1)", "data:text/html,…") gets a look-alike
# colon, so that no terminal, Markdown renderer or browser can follow it. A scheme
# name followed by a space ("Big data: the trends") is prose and stays as it is.
_DEFANG = re.compile(
    r"<(?=/?(?:script|iframe|object|embed|style|svg|math|frame))"
    r"|(?<=javascript):(?![ \t])|(?<=vbscript):(?![ \t])"
    r"|(?<=data):(?![ \t])|(?<=file):(?![ \t])",
    re.I,
)
_UNSAFE_SCHEME = LazyPattern(r"^\s*(?:javascript|vbscript|data|file)\s*:", re.I)

# An absolute http(s) URL made only of characters a URL may hold as they are: the
# common case, returned without parsing. "%" is checked apart (it must start an escape).
_PLAIN_HTTP_URL = re.compile(
    r"https?://[A-Za-z0-9.-]+(?::([0-9]{1,5}))?(?:[/?#][A-Za-z0-9._~!$&'()*+,;=:@/?#%-]*)?\Z"
)
_BAD_PERCENT = re.compile(r"%(?![0-9A-Fa-f]{2})")
# What may not appear in a URL as it is (RFC 3986): spaces and controls (removed
# before), quotes, angle brackets, and the rest below; "[" and "]" only in a host.
# Characters beyond ASCII stay (an IRI), so that ids made from URLs do not change.
_NOT_IN_URL = re.compile(r"[\x00-\x20\"<>\\^`{|}\x7f\[\]]")
_NOT_IN_HOST = re.compile(r"[\x00-\x20\"<>\\^`{|}\x7f/?#]")
# A scheme name inside a URL ("https://x.example/?next=javascript:alert(1)") is spelt
# with an escaped colon, so that not even a naive scan finds a script URL in output.
_SCHEME_INSIDE = re.compile(r"(javascript|vbscript|data|file):", re.I)

SAFE_LINK_SCHEMES = frozenset({"http", "https", "mailto"})
"""Link schemes that survive into Markdown; ``javascript:``, ``data:``, ``file:`` do not."""


def clean_text(value: str | None) -> str:
    """Strip control, bidi-override and surrogate characters; normalise newlines."""
    if not value:
        return ""
    if _NEEDS_CLEANING.search(value) is None:
        return value  # the common case: one scan instead of three substitutions
    # \x85 (NEL) is C1 but means "newline": turn it, CR and the Unicode separators
    # into \n before the control characters go.
    return _UNSAFE.sub("", _NEWLINES.sub("\n", _ESCAPES.sub("", value)))


def clean_utf8(value: str) -> bytes:
    """``clean_text(value).encode("utf-8")``, looking for what to clean in the bytes: a
    whole feed (100 KB) is checked in a fifth of the time the character class takes."""
    try:
        data = value.encode("utf-8")
    except UnicodeEncodeError:  # lone surrogates: cleaning removes them
        return clean_text(value).encode("utf-8")
    suspects = data.translate(None, _UTF8_HARMLESS)
    if not suspects:
        return data
    if suspects.translate(None, b"\xc2\xe2\xef") or any(
        lead in suspects and pattern.search(data) for lead, pattern in _UTF8_NEEDS_CLEANING.items()
    ):
        return clean_text(value).encode("utf-8")
    return data


def _look_alike(match: re.Match[str]) -> str:
    return "\uff1c" if match.group() == "<" else "\uff1a"


def _control_ref(match: re.Match[str]) -> str:
    hex_digits, digits = match.groups()
    code = int(hex_digits, 16) if hex_digits else int(digits)
    if code > 0x10FFFF:
        return match.group(0)
    # HTML reads 0x80-0x9F as windows-1252 ("&#150;" is "–"), but for the five it
    # leaves undefined: html.unescape knows that table.
    char = html.unescape(f"&#{code};") if 0x80 <= code <= 0x9F else chr(code)
    return char if _UNSAFE.fullmatch(char) else match.group(0)


def decode_control_refs(value: str) -> str:
    """Numeric character references to what :func:`clean_text` removes (C0 and C1
    controls, bidi controls, surrogates, U+FFFE/U+FFFF), decoded, so that the
    :func:`clean_text` that must follow removes each with its whole escape sequence:
    ``&#27;[31m`` goes whole, as a raw ESC would (``html.unescape`` and parsers drop
    the ESC alone, or keep it, and the rest stays as debris)."""
    if "&#" not in value:
        return value
    return _NUMERIC_REF.sub(_control_ref, value)


def _escaped_control_ref(match: re.Match[str]) -> str:
    return "&amp;" + match.group(0)[1:] if _control_ref(match) != match.group(0) else match.group(0)


def clean_markup(value: str) -> str:
    """HTML or Markdown source cleaned like :func:`clean_text`, control characters
    written as numeric references included (:func:`decode_control_refs`). What the
    removal brings together cannot spell another one: in ``&&#11;#xFFFE;`` the ``&`` and
    the ``#xFFFE;`` meet once the VT goes, and that reference is escaped (shown as
    text), never decoded: parsers would put U+FFFE in their trees."""
    cleaned = clean_text(decode_control_refs(value))
    if "&#" not in cleaned:
        return cleaned
    return _NUMERIC_REF.sub(_escaped_control_ref, cleaned)


def defang(value: str) -> str:
    """``<script>`` written as text becomes ``＜script>``, ``javascript:alert(1)``
    becomes ``javascript：alert(1)``: readable, never executable."""
    return _DEFANG.sub(_look_alike, value) if _may_need_defang(value) else value


def _names_a_scheme(value: str) -> bool:
    """Whether :data:`_SCHEME_INSIDE` may match: three substring searches in C first
    (a URL with a port has a colon, and the pattern, case-blind, tries every position)."""
    lowered = value.lower()
    return "script:" in lowered or "data:" in lowered or "file:" in lowered


def _may_need_defang(value: str) -> bool:
    """A cheap first look for :func:`defang`: most text holds no "<" and no scheme name
    before a colon (three substring searches in C, where the pattern would try every
    position)."""
    if "<" in value:
        return True
    return ":" in value and _names_a_scheme(value)


def is_unsafe_url(value: str | None) -> bool:
    """True for strings that start with a script-capable scheme (``javascript:``...)."""
    return bool(value) and _UNSAFE_SCHEME.match(_SPACES.sub("", clean_text(value))) is not None


def clean_line(value: str | None) -> str | None:
    """Clean text meant for one line (title, author, section): whitespace collapsed.

    Returns None for values that are empty once cleaned, so that missing stays missing.
    """
    if value is None:
        return None
    if _already_clean_line(value):
        return value  # the common case, decided without a regular expression
    line = _SPACES.sub(" ", defang(clean_text(value))).strip()
    return line or None


def _already_clean_line(value: str) -> bool:
    """True when :func:`clean_line` would return ``value`` unchanged: printable (which
    rules out controls, bidi overrides, line breaks, tabs and odd spaces), no double or
    edge spaces, nothing to defang."""
    return (
        value.isprintable()
        and bool(value)
        and value[0] != " "
        and value[-1] != " "
        and "  " not in value
        and not _may_need_defang(value)
    )


def safe_url(href: str | None, base: str | None = None) -> str | None:
    """Resolve ``href`` against ``base`` and keep it only if its scheme is safe.

    Whitespace and control characters inside the URL are removed first, because
    browsers ignore them too (``java\\tscript:`` is ``javascript:``). What a URL may
    not contain (``<script>``, quotes, a lone ``%``) is percent-encoded, and a URL
    without a valid host or port is no URL. The result is stable:
    ``safe_url(safe_url(x)) == safe_url(x)``.
    """
    if not href:
        return None
    plain = _PLAIN_HTTP_URL.match(href)
    if (
        plain
        and ("%" not in href or _BAD_PERCENT.search(href) is None)
        and (":" not in href[8:] or not _names_a_scheme(href) or not _SCHEME_INSIDE.search(href, 8))
        and (plain.group(1) is None or int(plain.group(1)) <= 65535)
    ):
        return href  # already absolute, lowercase scheme, nothing to strip: the usual case
    href = _SPACES.sub("", clean_text(href))
    if not href:
        return None
    try:
        if base and urlsplit(base).scheme in ("http", "https"):
            href = urljoin(base, href)
        parts = urlsplit(href)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:  # e.g. an invalid IPv6 literal, a port out of range
        return None
    scheme = parts.scheme.lower()
    if scheme not in SAFE_LINK_SCHEMES:
        return None
    if scheme != "mailto" and (not parts.hostname or _NOT_IN_HOST.search(parts.netloc)):
        return None
    netloc = _SCHEME_INSIDE.sub(r"\1%3A", parts.netloc) if ":" in parts.netloc else parts.netloc
    return urlunsplit(
        (scheme, netloc, _encoded(parts.path), _encoded(parts.query), _encoded(parts.fragment))
    )


def _encoded(part: str) -> str:
    """A URL component with what a URL may not contain percent-encoded."""
    if "%" in part:
        part = _BAD_PERCENT.sub("%25", part)
    part = _NOT_IN_URL.sub(lambda match: f"%{ord(match.group()):02X}", part)
    return _SCHEME_INSIDE.sub(r"\1%3A", part) if ":" in part else part


_INVISIBLE = frozenset(
    {"script", "style", "noscript", "template", "head", "title", "iframe", "object"}
)
_LOOKS_LIKE_MARKUP = re.compile(r"<[A-Za-z/!]|&[#A-Za-z0-9]+;")


# Block elements: their end is a line break in the text of a fragment.
_BREAKS = (
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "tr",
    "blockquote",
    "ul",
    "ol",
    "table",
    "section",
    "article",
    "figure",
    "pre",
)


_ACTIVE_MARKERS = (
    "<script",
    "<style",
    "<!--",
    "<iframe",
    "<object",
    "<noscript",
    "<template",
    "<head",
    "<title",
)
_ACTIVE_CONTENT = re.compile(
    r"<(?:script|style|noscript|template|iframe|object|head|title)\b|<!--", re.I
)
_BLOCK_TAG = re.compile(
    r"</?(?:p|div|br|li|h[1-6]|tr|blockquote|ul|ol|table|section|article|figure|pre)\b[^>]*>", re.I
)
_ANY_TAG = re.compile(r"</?[A-Za-z][^>]*>")


@functools.cache
def _fragment_parser() -> Any:
    from lxml import etree

    return etree.HTMLParser(
        recover=True, no_network=True, remove_comments=True, remove_pis=True, default_doctype=False
    )


def quick_text(value: str | None) -> str:
    """Plain text of an HTML fragment, for search indexes and previews of feed entries.

    Two regular expressions and :func:`html.unescape` (about 20 µs for a 2 KB summary;
    a sync does ten thousand); fragments with scripts, styles or comments go through
    lxml instead, so their content never becomes text. Block elements end lines.
    """
    if not value:
        return ""
    value = clean_markup(value)
    if "<" not in value and "&" not in value:
        text = value
    elif _ACTIVE_CONTENT.search(value) is None:
        text = _ANY_TAG.sub("", _BLOCK_TAG.sub("\n", value))
        if "&" in text:
            # Tags gone, "&#823<b></b>8;" is "&#8238;" (a bidi override): references are
            # read only now, and what they spell is cleaned once more.
            text = clean_text(html.unescape(clean_markup(text)))
    else:
        text = clean_text(_parsed_text(value))
    lines = (" ".join(line.split()) for line in text.split("\n"))
    return defang("\n".join(line for line in lines if line))


def has_hidden_text(value: str) -> bool:
    """True for HTML whose scripts, styles, comments or templates hold text that is
    never shown (and must never become text)."""
    return _ACTIVE_CONTENT.search(value) is not None


def index_text(value: str | None) -> str:
    """Text of an HTML fragment for the search index, as cheaply as possible.

    One tag-stripping pass, entities decoded, nothing else: what a sync computes for
    each of thousands of feed entries (about 15 µs each), until the entry is first
    read and its real text replaces this (see :mod:`newsreader.reading`). Fragments
    with scripts, styles or comments take the careful :func:`quick_text` path so that
    their content never becomes text.
    """
    if not value:
        return ""
    if "<" in value:
        lowered = value.lower()
        if any(marker in lowered for marker in _ACTIVE_MARKERS):
            return quick_text(value)
        value = _ANY_TAG.sub(" ", value)
    if "&" in value:
        if "&#" in value:  # a reference may spell a control character
            value = clean_markup(value)
        value = html.unescape(value)
    return defang(value)


def _parsed_text(value: str) -> str:
    from lxml import etree

    try:
        root = etree.fromstring(f"<div>{clean_text(value)}</div>", _fragment_parser())
    except (etree.ParserError, ValueError):
        root = None
    if root is None:
        return clean_text(value)
    etree.strip_elements(root, *_INVISIBLE, with_tail=False)
    for element in root.iter(*_BREAKS):
        element.tail = "\n" + (element.tail or "")
    return "".join(root.itertext())


def strip_tags(value: str | None) -> str:
    """The visible text of an HTML fragment (feed summaries, titles with markup).

    Text without anything that looks like a tag or an entity is returned as it is,
    so a plain-text title like ``a < b`` survives.
    """
    value = clean_markup(value) if value else clean_text(value)
    if not _LOOKS_LIKE_MARKUP.search(value):
        return defang(value)
    from lxml import etree
    from lxml.html import fragment_fromstring

    try:
        root = fragment_fromstring(value, create_parent="div")
    except (etree.ParserError, ValueError):
        return defang(value)
    for element in list(root.iter(*_INVISIBLE)):
        element.drop_tree()
    for element in root.iter(*_BREAKS):
        # Block boundaries become newlines so "<p>a</p><p>b</p>" does not read "ab".
        element.tail = "\n" + (element.tail or "")
    return defang(clean_text(root.text_content())).strip()
