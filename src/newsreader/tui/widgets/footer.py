"""The footer: Textual's, with the keys that must never be cut off first.

Textual's footer lists the active keys left to right and cuts what does not fit, so
at 80 columns the last ones (``?`` for the keys, ``q`` to quit) went first. Here those
two (and ``esc`` while it goes back) come first, and what does not fit is cut from
the end; below 100 columns the footer is compact.
"""

from __future__ import annotations

from textual import events
from textual.app import ComposeResult
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

__all__ = ["ESSENTIAL_ACTIONS", "ReaderFooter"]

ESSENTIAL_ACTIONS = ("app.quit", "quit", "app.help", "help", "screen.back", "back")
"""Actions whose keys stay in the footer at any width: quit, all keys, and ``esc``
where it goes back (the narrow layout's article)."""

COMPACT_BELOW = 100


class ReaderFooter(Footer):
    """A footer whose quit and keys items never scroll out of sight."""

    def compose(self) -> ComposeResult:
        widgets = list(super().compose())
        essential = [
            widget
            for widget in widgets
            if isinstance(widget, FooterKey) and widget.action in ESSENTIAL_ACTIONS
        ]
        yield from essential
        yield from (widget for widget in widgets if widget not in essential)

    def on_resize(self, event: events.Resize) -> None:
        self.compact = event.size.width < COMPACT_BELOW
