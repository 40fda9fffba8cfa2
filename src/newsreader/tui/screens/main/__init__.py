"""The reader's main screen, in a few modules (read :mod:`.screen` first):

- :mod:`.screen`: :class:`MainScreen`, which owns the selection, the keys and the
  layout, and wires the panes and the concerns together;
- :mod:`.panes`: the one table of panes and the one layout state (and how to add a pane);
- :mod:`.concern`: the selection and the base of the concerns;
- :mod:`.lists`, :mod:`.article`, :mod:`.sync`, :mod:`.ticker`: the concerns, each with
  its workers.
"""

from __future__ import annotations

from newsreader.tui.screens.main.lists import PAGE
from newsreader.tui.screens.main.panes import NARROW_BELOW
from newsreader.tui.screens.main.screen import MainScreen

__all__ = ["NARROW_BELOW", "PAGE", "MainScreen"]
