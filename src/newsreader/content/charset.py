"""Bytes to text without mojibake.

Servers and pages lie about their charset often enough that a declaration is only a
hint. The order: a byte-order mark wins; then bytes that are valid UTF-8 are UTF-8
(a Latin-1 page that happens to be valid UTF-8 is vanishingly rare, while a UTF-8 page
labelled ``iso-8859-1`` is common); then the HTTP header, ``<meta charset>`` or the
XML declaration; then statistical sniffing (charset-normalizer).
"""

from __future__ import annotations

import codecs
import re

from newsreader.errors import ParseError

__all__ = ["decode", "looks_binary"]

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)
_META_CHARSET = re.compile(
    rb"""<meta[^>]+charset\s*=\s*["']?\s*([a-zA-Z0-9_:.+-]+)""", re.IGNORECASE
)
_XML_ENCODING = re.compile(rb"""<\?xml[^>]+encoding\s*=\s*["']([a-zA-Z0-9_.:+-]+)""")
# WHATWG: browsers read these labels as windows-1252, and so do pages written for them.
_ALIASES = {
    "iso-8859-1": "cp1252",
    "latin-1": "cp1252",
    "latin1": "cp1252",
    "ascii": "cp1252",
    "us-ascii": "cp1252",
    "iso8859-1": "cp1252",
    "x-sjis": "shift_jis",
}
_WESTERN_LOOKALIKES = frozenset(
    {
        "cp1250",
        "cp1252",
        "cp1254",
        "cp1257",
        "latin_1",
        "iso8859_2",
        "iso8859_3",
        "iso8859_4",
        "iso8859_9",
        "iso8859_10",
        "iso8859_13",
        "iso8859_14",
        "iso8859_15",
        "iso8859_16",
        "mac_roman",
        "mac_latin2",
        "cp850",
        "cp437",
        "cp858",
    }
)
_CONTROL_BYTES = bytes(range(0x00, 0x09)) + bytes(range(0x0E, 0x20))
# Terminal escape sequences (CSI, OSC/DCS/APC/PM strings, two-byte escapes) are hostile
# text, not binary: content/sanitize.py removes them whole once the text is decoded.
_ESCAPE_BYTES = re.compile(
    rb"\x1b\[[0-?]*[ -/]*[@-~]|\x1b[\]PX^_][^\x07\x1b]{0,4096}(?:\x07|\x1b\\)|\x1b[!-/]*[0-~]"
)
# What the first characters of an XML or HTML document look like in UTF-16 and UTF-32
# without a byte-order mark (XML 1.0, appendix F): "<" and "?" or a letter.
_WIDE_SIGNATURES = (
    (re.compile(rb"\A(?:\x00\x00\x00[\t\n\r ])*\x00\x00\x00<\x00\x00\x00[?!A-Za-z]"), "utf-32-be"),
    (re.compile(rb"\A(?:[\t\n\r ]\x00\x00\x00)*<\x00\x00\x00[?!A-Za-z]\x00\x00\x00"), "utf-32-le"),
    (re.compile(rb"\A(?:\x00[\t\n\r ])*\x00<\x00[?!A-Za-z]"), "utf-16-be"),
    (re.compile(rb"\A(?:[\t\n\r ]\x00)*<\x00[?!A-Za-z]\x00"), "utf-16-le"),
)
# Python codecs that are no charset a document can be written in: decoding with them
# fails in odd ways ("undefined") or reinterprets the text (escapes, IDNA, UTF-7,
# which browsers refuse for the scripts it can smuggle).
_NOT_CHARSETS = frozenset(
    {"idna", "punycode", "undefined", "unicode-escape", "raw-unicode-escape", "utf-7", "charmap"}
)


def _codec(label: str | bytes | None) -> str | None:
    """The Python codec for a declared label, or None if Python does not know it."""
    if not label:
        return None
    name = label.decode("ascii", "ignore") if isinstance(label, bytes) else label
    name = name.strip().strip("\"'").lower()[:40]
    name = _ALIASES.get(name, name)
    try:
        info = codecs.lookup(name)
    except (LookupError, ValueError, UnicodeError):  # unknown, or a NUL in the name
        return None
    if not info._is_text_encoding or info.name in _NOT_CHARSETS:
        return None
    return info.name


def _declared_in_document(head: bytes) -> str | None:
    match = _XML_ENCODING.search(head) or _META_CHARSET.search(head)
    return _codec(match.group(1)) if match else None


def _wide_codec(head: bytes) -> str | None:
    """UTF-16 or UTF-32 without a byte-order mark, told by where the zero bytes of a
    document's first characters fall."""
    for signature, codec in _WIDE_SIGNATURES:
        if signature.match(head):
            return codec
    return None


def looks_binary(body: bytes) -> bool:
    """True for images, archives and other bytes that no page or feed is made of."""
    head = body[:8192]
    if any(head.startswith(bom) for bom, _ in _BOMS) or _wide_codec(head):
        return False
    # A stray NUL or escape sequence is hostile text, not a binary file: only a real
    # share of control bytes (as in images, archives, random data) means "binary",
    # and more of it in text that is valid UTF-8 (which random bytes never are).
    if b"\x1b" in head:
        head = _ESCAPE_BYTES.sub(b"", head)
    controls = len(head) - len(head.translate(None, _CONTROL_BYTES))  # one pass in C
    if controls <= len(head) // 10 and _valid_utf8(head):
        return False
    return head.count(b"\x00") > max(4, len(head) // 200) or controls > max(16, len(head) // 20)


def _valid_utf8(head: bytes) -> bool:
    """UTF-8 all through, but for a character cut at the end of the sample."""
    try:
        head.decode("utf-8")
    except UnicodeDecodeError as error:
        return error.reason == "unexpected end of data" and error.start >= len(head) - 3
    return True


def decode(body: bytes, declared: str | None = None) -> str:
    """Decode a page or feed. ``declared`` is the HTTP header's charset, if any.

    Raises :class:`ParseError` for bytes that are clearly not text.
    """
    for bom, codec in _BOMS:
        if body.startswith(bom):
            return body[len(bom) :].decode(codec, errors="replace")
    wide = _wide_codec(body[:64])
    if wide:
        return body.decode(wide, errors="replace")
    if looks_binary(body):
        raise ParseError("binary data, not a page or feed")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError:
        pass
    for label in (_codec(declared), _declared_in_document(body[:4096])):
        if label and label not in ("utf-8", "utf-16", "utf-32"):
            try:
                return body.decode(label)
            except UnicodeError:
                continue
    from charset_normalizer import from_bytes  # only paid for on undeclared legacy pages

    best = from_bytes(body[:65536]).best()
    guess = best.encoding if best is not None and best.encoding else "cp1252"
    if guess in _WESTERN_LOOKALIKES:
        # Single-byte Latin code pages decode the same bytes equally "well"; unlabelled
        # pages in them are overwhelmingly windows-1252, as browsers assume.
        try:
            return body.decode("cp1252")
        except UnicodeDecodeError:
            pass
    return body.decode(guess, errors="replace")
