"""Untrusted text loses everything a terminal would interpret."""

from __future__ import annotations

import pytest

from newsreader.content.charset import decode
from newsreader.content.sanitize import clean_line, clean_text, safe_url, strip_tags
from newsreader.errors import ParseError


def test_escape_sequences_go_whole() -> None:
    dirty = "a\x1b[31mred\x1b[0m b\x1b]0;title\x07c \x9b2J d\x1b]8;;https://x\x1b\\link"
    assert clean_text(dirty) == "ared bc  dlink"


@pytest.mark.parametrize(
    "char", ["\x00", "\x07", "\x08", "\x0b", "\x1b", "\x7f", "\x85x", "\u202e", "\u2066", "\ud800"]
)
def test_control_and_bidi_characters_removed(char: str) -> None:
    out = clean_text(f"left{char} right")
    assert all(c not in out for c in char if c != "x")
    assert out.startswith("left") and out.endswith(" right")


def test_newlines_and_tabs_survive() -> None:
    assert clean_text("a\r\nb\rc\td\u2028e") == "a\nb\nc\td\ne"


def test_clean_line_collapses_and_keeps_missing_missing() -> None:
    assert clean_line("  Un\n titre\t long ") == "Un titre long"
    assert clean_line("\x1b[0m  ") is None
    assert clean_line(None) is None


@pytest.mark.parametrize(
    ("href", "base", "expected"),
    [
        ("/a/b", "https://site.example/x/y", "https://site.example/a/b"),
        ("c", "https://site.example/x/y", "https://site.example/x/c"),
        ("HTTPS://Site.example/Z", None, "https://Site.example/Z"),
        ("mailto:redaction@site.example", None, "mailto:redaction@site.example"),
        ("javascript:alert(1)", None, None),
        ("JaVa\tScRiPt:alert(1)", "https://site.example/", None),
        (" data:text/html;base64,PHNjcmlwdD4=", None, None),
        ("file:///etc/passwd", None, None),
        ("ftp://files.example/x", None, None),
        ("/relative/without/base", None, None),
        ("http://[::1", None, None),
    ],
)
def test_safe_url(href: str, base: str | None, expected: str | None) -> None:
    assert safe_url(href, base) == expected


def test_strip_tags() -> None:
    assert strip_tags("Un &amp; deux <script>alert(1)</script><b>gras</b>") == "Un & deux gras"
    assert strip_tags("a < b and c > d") == "a < b and c > d"
    assert strip_tags("<p>one</p><p>two</p>") == "one\ntwo"


def test_charset_header_lies_but_bytes_are_utf8() -> None:
    body = "<p>Données à l'été</p>".encode()
    assert decode(body, "iso-8859-1") == "<p>Données à l'été</p>"


def test_charset_from_meta_when_bytes_are_latin1() -> None:
    body = '<meta charset="windows-1252"><p>Données à l’été</p>'.encode("cp1252")
    assert "Données à l’été" in decode(body, "utf-8")


def test_charset_sniffed_without_any_declaration() -> None:
    body = ("<p>" + "Les données de l'été sont arrivées très tôt à Genève. " * 20 + "</p>").encode(
        "cp1252"
    )
    assert "données de l'été" in decode(body, None)


def test_bom_wins() -> None:
    assert decode(b"\xff\xfe" + "Été".encode("utf-16-le")) == "Été"
    assert decode(b"\xef\xbb\xbf" + "Été".encode(), "cp1252") == "Été"


def test_binary_is_refused() -> None:
    with pytest.raises(ParseError):
        decode(bytes(range(256)) * 10)


def test_every_kind_of_escape_goes_whole() -> None:
    # ESC c resets the terminal, ESC ( 0 switches to line drawing, ESC # 8 fills the
    # screen with "E", ESC 7 / ESC 8 save and restore the cursor.
    dirty = "a\x1bcb \x1b(0x\x1b(B \x1b#8y \x1b7z\x1b8 \x1b[31mred\x1b[0m \x1b]0;t\x07ok \x1b"
    assert clean_text(dirty) == "ab x y z red ok "


def test_cleaning_a_whole_feed_in_utf8_agrees_with_clean_text() -> None:
    """A feed is checked for what to clean as UTF-8 bytes; whatever the text holds
    (controls, C1 and their UTF-8 neighbours, separators, bidi controls, BOMs,
    surrogates, accents, curly quotes), the bytes are those of clean_text."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from newsreader.content.sanitize import clean_utf8

    near = [*range(0x00, 0x21), *range(0x7E, 0xA2), 0xAD, 0xFF, 0x100, 0x2019, 0x2027]
    near += [*range(0x2028, 0x2030), *range(0x2065, 0x206B), 0xD7FF, 0xD800, 0xDFFF, 0xE000]
    near += [0xFEFE, 0xFEFF, 0xFFFD, 0xFFFE, 0xFFFF, 0x10000, 0x1F600]
    alphabet = st.sampled_from([chr(code) for code in near]) | st.characters()

    @settings(max_examples=3000, deadline=None, database=None)
    # A list joined, not st.text(alphabet): text() leaves out what it takes for
    # unprintable (U+FFFE, the bidi controls), which are the point here.
    @given(st.lists(alphabet, max_size=40).map("".join), st.sampled_from(["", "é", "Ā", "’", "😀"]))
    def agree(text: str, widest: str) -> None:
        value = widest + text  # the string's width (1, 2 or 4 bytes a character) varies
        assert clean_utf8(value) == clean_text(value).encode("utf-8"), repr(value)

    agree()
