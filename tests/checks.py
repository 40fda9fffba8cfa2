"""Assertions shared by tests: what "clean output" and "one-line error" mean."""

from __future__ import annotations

import re
from functools import cache
from typing import Any

from tests.conftest import Run

FORBIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
# A script-capable scheme, unless a space follows it: "Big data: the trends" is prose,
# not a link (a space after the colon ends any URL).
UNSAFE_LINK = re.compile(r"(?i)(javascript|vbscript|data|file):(?![ \t])")
_SCHEME = re.compile(r"([A-Za-z][A-Za-z0-9+.-]*):")
_IGNORED_IN_URLS = re.compile("[\x00-\x20\x7f]")  # what browsers skip in a scheme


def assert_clean(text: str) -> None:
    """No terminal-interpreted bytes, no script, no unsafe link target."""
    problem = unclean(text)
    assert problem is None, problem


def unclean(text: str) -> str | None:
    """Why ``text`` is not clean output, or None."""
    match = FORBIDDEN.search(text)
    if match is not None:
        return f"control character {match.group()!r} in output"
    if "<script" in text.lower():
        return "<script in output"
    link = UNSAFE_LINK.search(text)
    if link is not None:
        return f"unsafe link text {text[link.start() : link.end() + 20]!r}"
    return None


@cache
def _renderer() -> Any:
    from markdown_it import MarkdownIt

    parser = MarkdownIt("commonmark", {"html": True}).enable(["table", "strikethrough"])
    parser.validateLink = lambda url: True  # see every link, whatever its scheme
    return parser


def live_markup(markdown: str) -> str | None:
    """What a CommonMark renderer would make live in ``markdown``: a link or image whose
    target is not an absolute http(s)/mailto URL, any raw HTML, or a control or bidi
    character that a character reference spells (the renderer decodes ``&#x202e;``).
    None when there is nothing (newsreader writes no raw HTML: every ``<`` of text is
    escaped)."""
    stack = list(_renderer().parse(markdown))
    while stack:
        token = stack.pop()
        if token.children:
            stack.extend(token.children)
        if token.type in ("html_inline", "html_block"):
            return f"raw HTML {token.content[:60]!r}"
        if token.type == "text" and (char := FORBIDDEN.search(token.content)):
            return f"rendered text holds {char.group()!r}: {token.content[:60]!r}"
        target = token.attrGet("href") if token.type == "link_open" else None
        if token.type == "image":
            target = token.attrGet("src")
        if target is None:
            continue
        target = _IGNORED_IN_URLS.sub("", str(target))
        scheme = _SCHEME.match(target)
        if scheme is None or scheme.group(1).lower() not in ("http", "https", "mailto"):
            return f"{token.type} to {target[:60]!r}"
    return None


def assert_clean_markdown(markdown: str) -> None:
    """Clean text that no Markdown renderer turns into a live link or raw HTML."""
    assert_clean(markdown)
    problem = live_markup(markdown)
    assert problem is None, problem


def assert_one_line_error(run: Run, code: int = 1) -> str:
    """Exactly one line on stderr, the expected exit code, nothing on stdout."""
    assert run.code == code, (run.code, run.stderr)
    assert "Traceback" not in run.stderr
    lines = run.stderr.splitlines()
    assert len(lines) == 1, run.stderr
    assert lines[0].startswith("newsreader: error: ")
    assert run.stdout == ""
    assert FORBIDDEN.search(run.stderr) is None, "control character in the error line"
    return lines[0]
