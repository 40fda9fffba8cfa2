"""What users type into search, made safe for FTS5, and snippets made into plain text.

FTS5 has its own query language (``AND``, ``NEAR``, ``col:``, parentheses); a user's
``c++ (beta`` must not be a syntax error, nor ``title:x`` a column filter. Every word
becomes a quoted string, ``"a phrase"`` stays a phrase, and a trailing ``*`` asks for
a prefix. Terms are ANDed.
"""

from __future__ import annotations

from newsreader.lazy_pattern import LazyPattern

__all__ = ["HIGHLIGHT_END", "HIGHLIGHT_START", "fts_query", "split_highlights"]

HIGHLIGHT_START = "\ue000"
HIGHLIGHT_END = "\ue001"
"""Private-use characters that mark matches in FTS snippets: never markup, and never
produced by the sanitiser's output on purpose."""

_TERM = LazyPattern(r'"([^"]*)"?|(\S+)')


def fts_query(text: str) -> str | None:
    """The FTS5 query for free text; None when nothing searchable is left."""
    terms: list[str] = []
    for match in _TERM.finditer(text):
        phrase, word = match.groups()
        prefix = False
        if phrase is None:
            prefix = word.endswith("*")
            phrase = word.rstrip("*").replace('"', " ")
        if not any(char.isalnum() for char in phrase):
            continue
        terms.append('"' + phrase.strip().replace('"', '""') + '"' + ("*" if prefix else ""))
    return " ".join(terms) or None


def split_highlights(raw: str) -> tuple[str, tuple[tuple[int, int], ...]]:
    """Remove the match markers from a snippet; return the text and the match spans.

    A marker that arrived inside the article text itself is dropped without a span.
    """
    out: list[str] = []
    spans: list[tuple[int, int]] = []
    length = 0
    start: int | None = None
    for char in raw:
        if char == HIGHLIGHT_START:
            start = length
        elif char == HIGHLIGHT_END:
            if start is not None and length > start:
                spans.append((start, length))
            start = None
        else:
            out.append(char)
            length += 1
    return "".join(out), tuple(spans)
