"""Tables for the terminal: columns measured in cells, not characters.

A CJK character or most emoji take two cells, a combining accent none; measuring with
``len()`` would misalign every row that holds one. Widths come from the Unicode East
Asian Width property (stdlib :mod:`unicodedata`), which is what terminals use too.
"""

from __future__ import annotations

import shutil
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

__all__ = ["Column", "cell_width", "render_table", "truncate"]

_ZERO_WIDTH = {"\u200b", "\u200c", "\u200d", "\u2060", "\ufe0e", "\ufe0f"}


@lru_cache(maxsize=4096)
def _char_width(char: str) -> int:
    if char in _ZERO_WIDTH or unicodedata.combining(char):
        return 0
    return 2 if unicodedata.east_asian_width(char) in ("W", "F") else 1


def cell_width(text: str) -> int:
    """Terminal cells that ``text`` takes."""
    if text.isascii():
        return len(text)
    return sum(_char_width(char) for char in text)


def truncate(text: str, width: int) -> str:
    """``text`` cut to ``width`` cells, with an ellipsis when something was cut."""
    if cell_width(text) <= width:
        return text
    if width <= 0:
        return ""
    out: list[str] = []
    used = 0
    for char in text:
        w = _char_width(char)
        if used + w > width - 1:
            break
        out.append(char)
        used += w
    return "".join(out) + "…"


def _pad(text: str, width: int, right: bool) -> str:
    gap = " " * max(0, width - cell_width(text))
    return gap + text if right else text + gap


@dataclass(frozen=True, slots=True)
class Column:
    header: str
    flexible: bool = False
    """Takes the width that is left, and is cut first when space runs out."""
    right: bool = False
    marked: bool = False
    """Its highlighted spans are drawn in bold reverse video (a terminal, not a pipe)."""


Spans = tuple[tuple[int, int], ...]
_MARK_ON = "\x1b[1;7m"
_MARK_OFF = "\x1b[0m"


def _keep_visible(text: str, spans: Spans, width: int) -> tuple[str, Spans]:
    """``text`` cut at its start (``…``) so that its first span fits in ``width`` cells;
    the spans follow."""
    if not spans or cell_width(text[: spans[0][1]]) <= width - 1:
        return text, spans
    start = spans[0][0]
    lead = max(0, start - 10)  # a few characters of what comes before
    space = text.find(" ", lead, start)
    lead = space + 1 if space >= 0 else lead
    moved = "…" + text[lead:]
    shift = 1 - lead
    return moved, tuple((a + shift, b + shift) for a, b in spans if a >= lead)


def _marked(text: str, spans: Spans) -> str:
    """``text`` with its spans between the highlight escapes (spans cut by the
    column's width end where the text ends)."""
    out, position = [], 0
    for start, end in spans:
        if start >= len(text) or start < position:
            continue
        end = min(end, len(text))
        out += [text[position:start], _MARK_ON, text[start:end], _MARK_OFF]
        position = end
    out.append(text[position:])
    return "".join(out)


_MIN_FLEXIBLE = 8


def _shrink(widths: list[int], flexible: list[int], overflow: int) -> None:
    """Take ``overflow`` cells from the flexible columns, widest first, so that the
    columns end up as even as the space allows (never under :data:`_MIN_FLEXIBLE`)."""
    while overflow > 0:
        candidates = [i for i in flexible if widths[i] > _MIN_FLEXIBLE]
        if not candidates:
            return
        widest = max(widths[i] for i in candidates)
        tops = [i for i in candidates if widths[i] == widest]
        below = max([widths[i] for i in candidates if widths[i] < widest] + [_MIN_FLEXIBLE])
        cut = min(overflow, (widest - below) * len(tops))
        share, extra = divmod(cut, len(tops))
        for rank, index in enumerate(tops):
            widths[index] -= share + (1 if rank < extra else 0)
        overflow -= cut


def render_table(
    columns: Sequence[Column],
    rows: Sequence[Sequence[str]],
    width: int | None = None,
    marks: Sequence[Sequence[Spans]] = (),
) -> str:
    """Rows as aligned text that fits ``width`` cells (the terminal's by default).

    ``marks`` are spans of cells (by row, then column) that must stay visible: such a
    cell is cut at its start rather than lose its first span, and in a ``marked``
    column the spans are highlighted. Their text must be a single line already."""
    width = width or shutil.get_terminal_size((100, 24)).columns
    cells = [
        [
            value if marks[r:] and marks[r][i] else " ".join((value or "").split())
            for i, value in enumerate(row)
        ]
        for r, row in enumerate(rows)
    ]
    natural = [
        max([cell_width(column.header), *(cell_width(row[i]) for row in cells)])
        for i, column in enumerate(columns)
    ]
    gaps = 2 * (len(columns) - 1)
    widths = list(natural)
    flexible = [i for i, column in enumerate(columns) if column.flexible]
    _shrink(widths, flexible, sum(widths) + gaps - width)
    lines = []
    for number, row in enumerate([[c.header for c in columns], *cells]):
        spans = marks[number - 1] if 0 < number <= len(marks) else [()] * len(row)
        plain, shown = [], []
        for i, value in enumerate(row):
            value, kept = _keep_visible(value, spans[i], widths[i])
            cut = truncate(value, widths[i])
            padded = _pad(cut, widths[i], columns[i].right)
            plain.append(padded)
            marked = columns[i].marked and kept and not columns[i].right
            shown.append(_marked(cut, kept) + padded[len(cut) :] if marked else padded)
        line = "  ".join(plain).rstrip()
        if cell_width(line) > width:  # fixed columns wider than the terminal
            lines.append(truncate(line, width))
        else:
            lines.append("  ".join(shown).rstrip())
    return "\n".join(lines) + "\n"
