"""``python -m newsreader``: the same entry point as the console script."""

from newsreader.cli import entry

entry()
