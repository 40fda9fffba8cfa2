"""The reader's main screen (:mod:`.screen`), a package so that its parts can be split
out of the one module; :mod:`.panes` holds the one table of panes and the layout state."""

from __future__ import annotations

from newsreader.tui.screens.main.lists import PAGE
from newsreader.tui.screens.main.panes import NARROW_BELOW
from newsreader.tui.screens.main.screen import MainScreen

__all__ = ["NARROW_BELOW", "PAGE", "MainScreen"]
