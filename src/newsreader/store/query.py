"""What users type into search, made safe for FTS5, and snippets made into plain text.

FTS5 has its own query language (``AND``, ``NEAR``, ``col:``, parentheses); a user's
``c++ (beta`` must not be a syntax error, nor ``title:x`` a column filter. So the
query is rebuilt from what the user meant:

- every word is a quoted string, and all of them must match;
- ``"a phrase"`` stays a phrase;
- ``-word`` (or ``-"a phrase"``) leaves out the articles that contain it;
- the last word also matches as a prefix (``crep`` finds "crêpes"), because people
  search as they type, unless the text ends with a space (the word is finished), the
  word is a phrase or a single letter; a trailing ``*`` asks for a prefix anywhere.

Case and accents are the tokenizer's business (``remove_diacritics 2``); letters it
does not decompose (``œ``, ``æ``, ``ß``, ``ﬁ``…) are folded by :func:`fold`, on the query
here as on the indexed text (see :data:`newsreader.store.schema.FOLDS`).
"""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from typing import NamedTuple

from newsreader.startup import LazyPattern
from newsreader.store.schema import FOLDS

__all__ = [
    "HIGHLIGHT_END",
    "HIGHLIGHT_START",
    "SearchQuery",
    "fold",
    "fts_query",
    "make_snippet",
    "parse_query",
    "split_highlights",
]

HIGHLIGHT_START = "\ue000"
HIGHLIGHT_END = "\ue001"
"""Private-use characters that mark matches in FTS snippets: never markup, and never
produced by the sanitiser's output on purpose."""

_TERM = LazyPattern(r'(-?)(?:"([^"]*)"?|(\S+))')
_FOLD_TABLE = {ord(letter): spelled for letter, spelled in FOLDS}


def fold(text: str) -> str:
    """``text`` with the letters FTS5 does not fold spelt out (``œufs`` -> ``oeufs``).

    One character becomes one or more letters, never a separator, so a token keeps
    its place: the positions FTS5 records for the folded text are those of the
    original, which is what snippets and highlights are made from."""
    return text.translate(_FOLD_TABLE)


class SearchQuery(NamedTuple):
    """A query as FTS5 expressions: the whole match, and the same terms restricted to
    the title and to the lede (for ranking: title hits first, then lede hits)."""

    match: str
    in_title: str
    in_lede: str


def _quoted(phrase: str) -> str:
    return '"' + " ".join(fold(phrase).split()).replace('"', '""') + '"'


def parse_query(text: str) -> SearchQuery | None:
    """The FTS5 expressions for free text; None when nothing searchable is left (only
    punctuation, or only ``-word`` exclusions)."""
    wanted: list[str] = []
    unwanted: list[str] = []
    last_plain = -1
    for match in _TERM.finditer(text):
        minus, phrase, word = match.groups()
        prefix = False
        plain = phrase is None
        if plain:
            prefix = word.endswith("*")
            phrase = word.rstrip("*").replace('"', " ")
        if not any(char.isalnum() for char in phrase):
            continue
        term = _quoted(phrase) + ("*" if prefix else "")
        if minus:
            unwanted.append(term)
            last_plain = -1  # the last word typed is an exclusion: left as it is
            continue
        wanted.append(term)
        last_plain = len(wanted) - 1 if plain and not prefix else -1
    if not wanted:
        return None
    if last_plain == len(wanted) - 1 and not text[-1:].isspace() and len(wanted[-1]) > 3:
        wanted[last_plain] += "*"
    expression = "(" + " AND ".join(wanted) + ")"
    if unwanted:
        expression += " NOT (" + " OR ".join(unwanted) + ")"
    anywhere = " OR ".join(wanted)
    return SearchQuery(
        match=expression,
        in_title=f"{{title}} : ({anywhere})",
        in_lede=f"{{lede}} : ({anywhere})",
    )


def fts_query(text: str) -> str | None:
    """The FTS5 query for free text; None when nothing searchable is left."""
    query = parse_query(text)
    return query.match if query else None


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


SNIPPET_LEAD = 40
"""Characters of context kept before the first match."""
SNIPPET_LENGTH = 200
"""Characters of a snippet at most (a table cuts it further, keeping the match)."""
_MARKS = {ord(HIGHLIGHT_START): None, ord(HIGHLIGHT_END): None}


def _unfold_spans(original: str, spans: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """Spans of ``folded`` (``fold(original)``) as spans of ``original``: each letter of
    ``original`` became one or more letters, so a running sum maps one onto the other."""
    starts: list[int] = []
    length = 0
    for char in original:
        starts.append(length)
        length += len(fold(char))
    starts.append(length)
    mapped = []
    for start, end in spans:
        first = bisect_right(starts, start) - 1
        last = bisect_right(starts, end - 1) - 1
        mapped.append((first, last + 1))
    return tuple(mapped)


def _window(text: str, spans: Sequence[tuple[int, int]]) -> tuple[str, tuple[tuple[int, int], ...]]:
    """About :data:`SNIPPET_LENGTH` characters of ``text`` from shortly before its first
    match, cut at spaces, its white space made single spaces, with ``…`` where cut."""
    first = spans[0][0] if spans else 0
    begin = max(0, first - SNIPPET_LEAD)
    if begin:
        space = text.find(" ", begin, first)
        begin = space + 1 if space >= 0 else begin
    end = min(len(text), max(begin + SNIPPET_LENGTH, spans[0][1] if spans else 0))
    if end < len(text):
        space = text.rfind(" ", spans[0][1] if spans else begin, end)
        end = space if space > begin else end
    out: list[str] = ["…"] if begin else []
    position: dict[int, int] = {}
    length = len(out)
    for index in range(begin, end):
        position[index] = length
        char = text[index]
        if char.isspace():
            if out and out[-1] == " ":
                continue
            char = " "
        out.append(char)
        length += 1
    position[end] = length
    kept = tuple(
        (position[start], position[stop])
        for start, stop in spans
        if begin <= start and stop <= end and position[stop] > position[start]
    )
    snippet = "".join(out).strip()
    shift = len("".join(out)) - len("".join(out).lstrip())
    kept = tuple((a - shift, b - shift) for a, b in kept)
    return snippet + ("…" if end < len(text) else ""), kept


def make_snippet(
    originals: Sequence[str | None], highlighted: Sequence[str | None]
) -> tuple[str, tuple[tuple[int, int], ...]]:
    """The passage of a hit that shows its match, with the match spans.

    ``highlighted`` are the columns (title, lede, text) as the index holds them (folded,
    matches between :data:`HIGHLIGHT_START` and :data:`HIGHLIGHT_END`), ``originals``
    the same columns as written: the passage is taken from the column with the most
    matches (the body first on a tie, then the lede, as the title is shown anyway) and
    starts just before its first match, so it never leaves the match out, as FTS5's
    own ``snippet()`` may when it cuts the text into fixed fragments.
    """
    columns: list[tuple[str, tuple[tuple[int, int], ...]]] = []
    for index in (2, 1, 0):
        original = (originals[index] or "").translate(_MARKS)
        plain, spans = split_highlights(highlighted[index] or "")
        if plain == fold(original):
            columns.append((original, _unfold_spans(original, spans)))
        else:  # not the text the index was made from (it changed meanwhile)
            columns.append((plain, spans))
    found = [column for column in columns if column[1]]
    if found:
        return _window(*max(found, key=lambda column: len(column[1])))
    return _window(next((c for c in columns if c[0].strip()), columns[0])[0], ())
