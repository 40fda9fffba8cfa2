"""Every start-up trick of newsreader, in one place, with what each is worth.

``newsreader open FILE`` is a one-shot process that spends most of its life importing
modules; these are what keep it short. Each was measured on the seed page with ``python
bench/startup.py --runs 21`` (``newsreader open`` to a pipe, 239 ms with all of them;
each turned off in turn; medians; see bench/README.md "Start-up"), and stays because it
pays:

- **The collector tuned for one-shot commands** (:func:`tune_collector`,
  :func:`freeze_collector`; without it ``open`` takes 286 ms: worth 16 %). Everything
  imported lives until exit, yet CPython's collector walks it again at every threshold
  and once more at shutdown. One-shot commands collect young objects every 100,000
  allocations instead of every 700, and freeze what is left before exiting. ``sync``
  churns through documents: its start-up is tuned the same way, then it freezes what
  start-up made and goes back to the defaults as its work begins
  (:func:`settle_collector`; an all-304 sync of 200 feeds, medians of 15: 284 ms
  without, 276 ms with: worth 3 %). The reader keeps the defaults.
- **bs4 without its optional imports** (:func:`beautifulsoup`; 286 ms without it: worth
  16 %). bs4 imports soupsieve (CSS selectors: 40-60 ms of regex compiling), chardet and
  html5lib when they are installed; newsreader uses none of them (markdownify is given
  text that ``content/charset.py`` already decoded).
- **Regular expressions compiled on first use** (:class:`LazyPattern`; 249 ms without:
  worth 4 %). CPython compiles a pattern in Python code, 0.1 to 1 ms for each of the
  multilingual word lists that ``content/`` matches page blocks against; a page needs
  about half of them. Patterns that every document needs stay plain ``re.compile``
  calls: the indirection costs a little on each call, and they are called hundreds of
  thousands of times in a sync.
- **Imports inside the functions that need them**, everywhere a module is heavy and only
  some commands use it (Textual, pycurl, trafilatura, the store): not a helper, a rule,
  checked by ``tests/test_layers.py`` for the reader's libraries. A sync waits for its
  imports before its first request, so its path imports only what every sync needs
  (``-X importtime``): ``urllib.request`` only when a proxy variable is set (5 ms),
  ``email.utils`` for a dated ``Retry-After`` (2.4 ms), the account client and its
  credentials for an account (2.8 ms), ``pickle`` with a parser process's first call
  (1.3 ms).
- **Named tuples for the records** the store hands out (:mod:`newsreader.rows`) and
  that travel through the pipeline (:mod:`newsreader.models`): a frozen dataclass
  costs its generated methods at import; the eight row types took 4.7 ms as
  dataclasses, 1.5 ms as named tuples.
- **A sync's first requests sent before the sync has loaded** (the head start,
  :mod:`newsreader.sources.head_start`, started by :mod:`newsreader.launch`): a bare
  ``newsreader sync`` forks a helper that sends the requests the previous sync planned
  while this process imports, reads config.toml and opens the cache; the sync then
  takes the helper's answers. An all-304 sync of 200 feeds at 50 ms: its first
  request left at 0.20-0.25 s, now at 0.06-0.08 s; 0.92-1.03 s in all, now 0.77-0.82 s
  (bench/README.md "Sync").
- **No interpreter teardown** (:func:`exit_now`, the console script's and ``python -m
  newsreader``'s way out): once a command is done, freeing every module and object one
  by one only delays the exit. After an all-304 sync, exit handlers to process end
  took 7-8 ms with the teardown, 3 ms without.

Dropped because it did not pay: importing the store's row types lazily (1-3 % when it
was measured, within the noise, for seven extra import statements).
"""

from __future__ import annotations

import gc
import re
import sys
import warnings
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, NoReturn

if TYPE_CHECKING:
    from bs4 import BeautifulSoup

__all__ = [
    "LazyPattern",
    "beautifulsoup",
    "exit_now",
    "freeze_collector",
    "settle_collector",
    "tune_collector",
]


_DEFAULT_THRESHOLDS = gc.get_threshold()


def tune_collector() -> None:
    """For a command's start-up: collect young objects every 100,000 allocations."""
    gc.set_threshold(100_000, 50, 50)


def settle_collector() -> None:
    """Start-up over, before a long-running command's work (a sync, a parser process):
    what start-up imported leaves the collector's walks for good, and the default
    thresholds come back for the documents to come."""
    gc.freeze()
    gc.set_threshold(*_DEFAULT_THRESHOLDS)


def freeze_collector() -> None:
    """At the end of a one-shot command (files and cache closed): nothing left for the
    collector to walk at shutdown."""
    gc.freeze()


def exit_now(code: int) -> NoReturn:
    """End the process with ``code`` once the command line is done, without the
    interpreter's teardown (freeing every module and object one by one), when nothing
    is left that the teardown would do: the exit handlers run and the standard
    streams flush here, and no thread but this one is alive. Otherwise, or when a
    stream cannot flush (a reader that went away), the usual exit."""
    import atexit
    import os
    import threading

    if threading.active_count() > 1:
        sys.exit(code)
    atexit._run_exitfuncs()
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):
        sys.exit(code)
    os._exit(code)


def beautifulsoup() -> type[BeautifulSoup]:
    """The ``BeautifulSoup`` class, imported without soupsieve, chardet, cchardet or
    html5lib unless something else in the process already loaded them."""
    skipped = [
        name for name in ("soupsieve", "chardet", "cchardet", "html5lib") if name not in sys.modules
    ]
    if "bs4" not in sys.modules:
        for name in skipped:
            sys.modules[name] = None  # type: ignore[assignment]
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # bs4 warns that selectors are off
                import bs4  # noqa: F401
        finally:
            for name in skipped:
                del sys.modules[name]
    from bs4 import BeautifulSoup

    return BeautifulSoup


class LazyPattern:
    """A stand-in for ``re.compile(source, flags)`` that compiles when first used."""

    __slots__ = ("_compiled", "_flags", "_source")

    def __init__(self, source: str, flags: int | re.RegexFlag = 0) -> None:
        self._source = source
        self._flags = flags
        self._compiled: re.Pattern[str] | None = None

    @property
    def compiled(self) -> re.Pattern[str]:
        """The compiled pattern (compiled now if it was not yet)."""
        compiled = self._compiled
        if compiled is None:
            compiled = self._compiled = re.compile(self._source, self._flags)
        return compiled

    @property
    def pattern(self) -> str:
        return self._source

    def search(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.search(string, pos, endpos)

    def match(self, string: str, pos: int = 0, endpos: int = sys.maxsize) -> re.Match[str] | None:
        return self.compiled.match(string, pos, endpos)

    def fullmatch(
        self, string: str, pos: int = 0, endpos: int = sys.maxsize
    ) -> re.Match[str] | None:
        return self.compiled.fullmatch(string, pos, endpos)

    def finditer(self, string: str) -> Iterator[re.Match[str]]:
        return self.compiled.finditer(string)

    def findall(self, string: str) -> list[Any]:
        return self.compiled.findall(string)

    def split(self, string: str, maxsplit: int = 0) -> list[str]:
        return self.compiled.split(string, maxsplit)

    def sub(self, repl: str | Callable[[re.Match[str]], str], string: str, count: int = 0) -> str:
        return self.compiled.sub(repl, string, count)

    def __repr__(self) -> str:
        return f"LazyPattern({self._source!r}, {self._flags!r})"
