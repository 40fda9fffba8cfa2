"""What the main screen's concerns stand on: the selection they read, and their base.

The screen's work that talks to the cache is split by concern, one module each, so
each can be read (and changed) alone: :mod:`.lists`, :mod:`.article`, :mod:`.sync`,
:mod:`.ticker`. A concern is a widget that draws nothing, composed into the screen
next to the panes:

- the screen hands it what it needs when it builds it (attributes down): the
  :class:`Selection` to read, and the widgets it fills;
- it tells the screen what the screen must act on with messages (messages up): the
  reader should see another article, the counts are stale, a sync wrote articles;
- its workers run on the screen (:meth:`Concern.run_worker`), so the screen's one
  ``Worker.StateChanged`` handler sees every failure, and a worker ends with the screen.

Only the screen writes the selection; a concern reads it to drop results the reader
has moved on from.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, ParamSpec, TypeVar

from textual.widget import Widget
from textual.worker import Worker, WorkType, get_current_worker

from newsreader.tui.model import ALL, SectionKey

if TYPE_CHECKING:
    from newsreader.store import Store
    from newsreader.tui.app import NewsReaderApp

__all__ = ["Concern", "Selection"]

P = ParamSpec("P")
R = TypeVar("R")


@dataclass(slots=True)
class Selection:
    """What the reader has chosen. The screen owns and writes it."""

    section: SectionKey = ALL
    """The section whose articles the list shows."""
    open_id: str | None = None
    """The article in the pane (None when it shows something else)."""


class Concern(Widget):
    """One concern of the main screen: its state, its workers, the widgets it fills.

    It is never drawn (``display`` is off) and never focused; it is a widget so that
    it can run workers, set timers and post messages that bubble up to the screen.
    """

    def __init__(self) -> None:
        super().__init__()
        self.display = False

    @property
    def reader(self) -> NewsReaderApp:
        """The app, typed (it carries the store, the config and the clock)."""
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Store:
        return self.reader.store

    def run_worker(
        self,
        work: WorkType[R],
        name: str | None = "",
        group: str = "default",
        description: str = "",
        exit_on_error: bool = True,
        start: bool = True,
        exclusive: bool = False,
        thread: bool = False,
    ) -> Worker[R]:
        """Run ``@work`` methods on the screen: its one ``Worker.StateChanged`` handler
        turns a failure into a notification, and a worker ends with the screen. Every
        worker of every concern runs there, so a group name belongs to one concern."""
        return self.screen.run_worker(
            work,
            name=name,
            group=group,
            description=description,
            exit_on_error=exit_on_error,
            start=start,
            exclusive=exclusive,
            thread=thread,
        )

    def deliver(self, callback: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
        """From a worker thread: run ``callback`` on the UI thread unless cancelled."""
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(callback, *args, **kwargs)
