"""The footer: Textual's, with the keys that must never be cut off kept at its right.

Textual's footer lists the active keys left to right and cuts what does not fit, so
at 80 columns the last ones (``?`` for the keys, ``q`` to quit) went first. Here those
two are docked at the right end, beside the palette's ``^p``, and the rest is cut from
the middle instead; below 100 columns the footer is compact.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

__all__ = ["ESSENTIAL_ACTIONS", "ReaderFooter"]

ESSENTIAL_ACTIONS = ("app.help", "app.quit", "help", "quit")
"""Actions whose keys stay in the footer at any width (quit, all keys)."""

COMPACT_BELOW = 100


class ReaderFooter(Footer):
    """A footer whose quit and keys items never scroll out of sight."""

    DEFAULT_CSS: ClassVar[str] = """
    ReaderFooter FooterKey.-essential {
        dock: right;
    }
    """

    def compose(self) -> ComposeResult:
        essential: list[FooterKey] = []
        for widget in super().compose():
            if isinstance(widget, FooterKey) and widget.action in ESSENTIAL_ACTIONS:
                widget.add_class("-essential")
                essential.append(widget)
                continue
            yield widget
        # Docked right in turn: the first docked is the rightmost, so "? Keys" last.
        yield from reversed(essential)

    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < COMPACT_BELOW
