"""The ticker's headlines: which ones it carries, reading them, pausing, hiding.

The ticker widget only scrolls what it is given; this concern decides what that is (the
flash-info sections' latest headlines, or the latest of all when no section is a flash
one) and reads it again when the cache changes.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work

from newsreader.rows import Headline
from newsreader.tui.screens.main.concern import Concern
from newsreader.tui.widgets.ticker import Ticker

if TYPE_CHECKING:
    from newsreader.store import Store

__all__ = ["HEADLINES", "TickerConcern", "read_headlines"]

HEADLINES = 30
"""Headlines the ticker carries."""


def read_headlines(store: Store) -> list[Headline]:
    """The headlines the ticker carries (worker threads only)."""
    return store.headlines(HEADLINES, flash_only=True) or store.headlines(HEADLINES)


class TickerConcern(Concern):
    """Feeds the ticker its headlines; pauses, focuses and hides it."""

    def __init__(self, *, ticker: Ticker) -> None:
        super().__init__()
        self.ticker = ticker
        """The ticker this concern feeds."""

    def show(self, headlines: list[Headline]) -> None:
        self.ticker.set_headlines(headlines)

    @work(
        thread=True,
        exclusive=True,
        group="headlines",
        exit_on_error=False,
        description="Loading headlines",
    )
    def load(self) -> None:
        """Read the headlines again (after a sync, or a mended cache)."""
        self.deliver(self.ticker.set_headlines, read_headlines(self.store))

    def focus_ticker(self) -> None:
        """Show the ticker (even if hidden) and focus it: ←/→ step, enter opens."""
        self.ticker.display = True
        self.ticker.focus()

    def toggle_pause(self) -> None:
        ticker = self.ticker
        ticker.paused = not ticker.paused
        self.notify("Ticker paused." if ticker.paused else "Ticker running.", timeout=2)

    def toggle_shown(self) -> None:
        self.ticker.display = not self.ticker.display
