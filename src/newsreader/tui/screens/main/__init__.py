"""The reader's main screen (:mod:`.screen`), a package so that its parts can be split
out of the one module."""

from __future__ import annotations

from newsreader.tui.screens.main.screen import NARROW_BELOW, PAGE, MainScreen

__all__ = ["NARROW_BELOW", "PAGE", "MainScreen"]
