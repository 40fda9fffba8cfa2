"""The offline cache: the one object the rest of newsreader asks for stored things.

Every public method is one transaction (writes take the lock up front and wait for
other writers), returns plain frozen rows from :mod:`newsreader.rows`, and turns
SQLite failures into :class:`~newsreader.errors.StoreError` with a one-line message.

Each thread gets its own connection, opened on first use: the TUI's thread workers
and a sync can share one :class:`Store`. Lists are pages (``limit``/``offset`` or the
``after`` cursor), never whole tables.

:class:`Store` is made of one mixin per domain over :class:`~newsreader.store.base.StoreBase`,
which owns the connections; a new method goes to the mixin of its domain.
"""

from __future__ import annotations

from newsreader.store.accounts import AccountsMixin
from newsreader.store.articles import ArticlesMixin
from newsreader.store.base import StoreBase, print_notice
from newsreader.store.comments import CommentsMixin
from newsreader.store.maintenance import DEFAULT_KEEP, MaintenanceMixin, StoreInfo
from newsreader.store.reader_state import ReaderStateMixin
from newsreader.store.search import SEARCH_CANDIDATES, SearchMixin
from newsreader.store.sources import SourcesMixin

__all__ = ["DEFAULT_KEEP", "SEARCH_CANDIDATES", "Store", "StoreInfo", "print_notice"]


class Store(
    SourcesMixin,
    AccountsMixin,
    ArticlesMixin,
    CommentsMixin,
    ReaderStateMixin,
    MaintenanceMixin,  # before SearchMixin, which it builds on
    SearchMixin,
    StoreBase,
):
    """The SQLite cache. Open with :meth:`open`; use as a context manager or
    :meth:`close` it. Safe to share between threads (one connection each).

    Damage that SQLite reports while the store is in use ("database disk image is
    malformed") is repaired on the spot (:mod:`newsreader.store.repair`): the threads
    of this process finish what they were doing, every connection closes, the damage is
    copied aside and what still reads is salvaged, ``notice`` gets one line, and the
    call that met the damage runs again on the mended cache.
    """
