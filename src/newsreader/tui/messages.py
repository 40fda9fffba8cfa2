"""Messages that cross from a worker thread (or another thread) to the reader.

Widget messages live on the widget that sends them (``ArticleList.ArticleSelected``),
and a concern's on the concern (``SyncConcern.CacheChanged``); these are the ones a
thread posts, so they belong to no widget: the sync's progress and end (to the
screen's sync concern) and a mended cache (to the app).
"""

from __future__ import annotations

from textual.message import Message

from newsreader.sync import SyncProgress, SyncReport

__all__ = ["CacheRepaired", "SyncFinished", "SyncProgressed"]


class SyncProgressed(Message):
    """A sync made progress (posted from the worker thread after each source/page)."""

    def __init__(self, progress: SyncProgress) -> None:
        super().__init__()
        self.progress = progress

    def can_replace(self, message: Message) -> bool:
        # Only the latest snapshot matters: a burst of pages collapses into one update.
        return isinstance(message, SyncProgressed)


class SyncFinished(Message):
    """A sync ended; ``report`` is None when it raised (the worker reports the error)."""

    def __init__(self, report: SyncReport | None, names: tuple[str, ...]) -> None:
        super().__init__()
        self.report = report
        self.names = names


class CacheRepaired(Message):
    """The cache was found damaged and mended (posted from whichever thread met the
    damage); ``message`` is the one line for the user."""

    def __init__(self, message: str) -> None:
        super().__init__()
        self.message = message
