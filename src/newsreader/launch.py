"""The console script and ``python -m newsreader``.

A bare ``newsreader sync`` first sends the requests its plan holds, on a thread of
their own (:mod:`newsreader.sources.head_start`), and only then loads the command line
and everything a sync needs; any other command goes straight to :mod:`newsreader.cli`.
"""

from __future__ import annotations

import sys
from typing import NoReturn

__all__ = ["main"]


def main() -> NoReturn:
    """Run the command line of ``sys.argv``; the process ends with it."""
    if sys.argv[1:] == ["sync"]:
        from newsreader.sources.head_start import begin

        begin()
    from newsreader.cli import entry

    entry()
