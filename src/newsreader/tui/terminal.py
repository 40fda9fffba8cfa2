"""Markdown drawn for a terminal, for ``newsreader open`` on a TTY (Rich only).

Rich comes with Textual, so it costs no dependency; this module imports Rich and never
Textual, so ``open`` stays quick. The text has been sanitised by the content layer:
Rich's Markdown reads it as CommonMark, never as Rich markup.
"""

from __future__ import annotations

__all__ = ["render_markdown"]

MEASURE = 100
"""Widest a rendered article gets: long lines are hard to read."""


def render_markdown(text: str, width: int) -> str:
    """``text`` (Markdown) as terminal lines with colours and wrapping, at most
    :data:`MEASURE` cells wide."""
    from rich.console import Console
    from rich.markdown import Markdown

    console = Console(
        width=min(width, MEASURE), force_terminal=True, highlight=False, emoji=False, markup=False
    )
    with console.capture() as captured:
        console.print(Markdown(text, hyperlinks=False))
    return captured.get()
