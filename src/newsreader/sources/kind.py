"""What a kind of source is, for the sync that brings it in.

A *kind* (a feed, a folder, a file; later an aggregator account) owns two things:
which configured sources are its own, and how one of them is collected: fetched (the
I/O is the kind's) and turned into articles. The sync (:mod:`newsreader.sync`) owns the
rest and offers it to every kind through :class:`SyncRun`: the shared HTTP client and
its limits on requests in flight, a place for CPU work (a worker process when the sync
has one), reads of what the cache remembers, the writer, progress, and the full-text
fetch of entries that carry only a teaser.

Adding a kind is one module and one entry in :mod:`newsreader.sources.registry`.
:mod:`newsreader.sources.feed` is the worked example: ``claims`` takes sources with a
``url``; ``collect`` sends a conditional request through ``run.slot(url)``, answers
"unchanged" to a 304, parses the feed through ``run.offload`` (the parsing function is
module-level so that it can travel to a worker process), and returns the prepared batch,
the validators for next time, and the entries whose linked page is worth fetching.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any, ClassVar, Literal, NamedTuple, Protocol, TypeVar

from newsreader.models import Article

if TYPE_CHECKING:
    from newsreader.config import Config, SourceConfig
    from newsreader.rows import SourceState
    from newsreader.sources.transfer import Client
    from newsreader.store import ArticleInput, FetchMeta, PreparedBatch, Store, UpsertResult

__all__ = ["Collected", "SourceKind", "SyncRun"]

T = TypeVar("T")


class Collected(NamedTuple):
    """What collecting one source gave: what to store, and what to do next."""

    status: Literal["synced", "unchanged", "not_due"] = "synced"
    """``unchanged``: nothing to write (a 304); ``not_due``: not fetched, it asked for
    time (see ``next_fetch_at``)."""
    batch: PreparedBatch | Sequence[ArticleInput] = ()
    """The articles to store (a batch prepared by the parser, or plain inputs)."""
    meta: FetchMeta | None = None
    """Validators and the earliest next fetch, recorded with the articles."""
    candidates: tuple[Article, ...] = ()
    """Entries worth fetching the linked page of (kept only if new or changed)."""
    warning: str | None = None
    """A problem that did not stop the source (files that could not be read)."""
    next_fetch_at: str | None = None
    """For ``not_due``: when the source may be fetched again (UTC)."""
    written: UpsertResult | None = None
    """What the kind already stored itself, page by page through :meth:`SyncRun.write`
    (an account's hundred thousand items never sit in memory at once); counted with
    ``batch``, and its new and updated ids let ``candidates`` through."""


class SyncRun(Protocol):
    """What the sync offers the kinds while it runs."""

    config: Config
    store: Store
    """The cache: kinds read from it through :meth:`read`, and write only through
    :meth:`write`."""
    force: bool
    """Fetch even sources that asked to be left alone for now."""
    now: datetime

    @property
    def client(self) -> Client:
        """The one HTTP client of the sync (pooled connections, no redirects)."""

    def slot(self, url: str) -> AbstractAsyncContextManager[None]:
        """Hold one of the requests in flight (global and per-host limits) for ``url``."""

    async def offload(self, function: Callable[..., T], *args: Any) -> T:
        """Run CPU work (a module-level function of picklable arguments) in a worker
        process when the sync has one, else here. Meant for what makes the source's
        batch: while it runs, the writer may hold its next transaction for that batch."""

    async def read(self, function: Callable[..., T], *args: Any) -> T:
        """Run a store call (``run.store.file_stamps``...) on the sync's store thread."""

    async def write(self, function: Callable[..., T], *args: Any) -> T:
        """Run a store write on the sync's store thread, for kinds that store as they
        go (see :attr:`Collected.written`); one call is one transaction."""

    def full_text_mode(self, source: SourceConfig) -> str:
        """``never``, ``auto`` or ``always``: which entries' pages to fetch."""

    def user_agent(self, source: SourceConfig) -> str | None:
        """The User-Agent for this source's requests (None: the client's own)."""


class SourceKind(Protocol):
    """One kind of source (see the module docstring for adding one)."""

    name: ClassVar[str]
    """Stored with the source (``newsreader sources`` shows it)."""
    needs_network: ClassVar[bool]
    """False for kinds that ``--offline`` may still sync (local files)."""

    def claims(self, source: SourceConfig) -> bool:
        """Whether this configured source is of this kind (the registry asks in order)."""

    def location(self, source: SourceConfig) -> str | None:
        """The URL or path stored with the source."""

    def next_request(
        self, source: SourceConfig, state: SourceState | None, run: SyncRun
    ) -> tuple[str, dict[str, str]] | None:
        """The request (URL, and the headers it adds to the client's) that
        :meth:`collect` sends first for a source in ``state``, for the next sync's head
        start (:mod:`newsreader.sources.head_start`); None for none."""

    async def collect(
        self, source: SourceConfig, state: SourceState | None, run: SyncRun
    ) -> Collected:
        """Fetch the source and turn what came into articles; raise a
        :class:`~newsreader.errors.NewsreaderError` when it fails (the sync records it
        on the source and keeps what the cache holds)."""
