"""Bring every source into the offline cache: orchestration only.

    sources ──► kind.collect (fetch + parse, per kind) ──► writer thread ──► store
                                                     └──► full text: pages of new entries

What a source *is* and how it is fetched belongs to its kind (:mod:`newsreader.sources`:
feed, folder, file); this module runs them all at once and offers them what they
share (:class:`~newsreader.sources.kind.SyncRun`): one asyncio loop and one HTTP client
with a global and a per-host limit on requests in flight; worker processes for the CPU
work (parsing feeds and full-text pages) while this process fetches and writes; one
writer thread that merges what queues up into few transactions (SQLite releases the GIL,
so writing overlaps with the rest); progress for the CLI's bar and the reader's status
line. Full-text pages are fetched after their feed is stored, so they never hold up
the feed part, and a page that fails leaves the summary in place.

A source that fails keeps all it had in the cache; its error is recorded on it
(``newsreader sources`` shows it), and ``Retry-After`` sets its earliest next fetch. A
cache that cannot be written (a full disk) stops the whole sync with one error.

The CLI and the TUI call the same :func:`run_sync` with a progress callback.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import os
import time
from collections.abc import (
    AsyncIterator,
    Callable,
    Coroutine,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal, TypeVar
from urllib.parse import urlsplit

from newsreader.config import Config, SourceConfig
from newsreader.errors import NewsreaderError, ParseError, StoreError, UsageError
from newsreader.models import Article, RawDocument
from newsreader.rows import SourceState
from newsreader.sources.feed import PARSER_MODULES, next_fetch
from newsreader.sources.registry import kind_of

if TYPE_CHECKING:
    from newsreader.processes import WorkerPool
    from newsreader.sources.head_start import HeadStart
    from newsreader.sources.transfer import Client
    from newsreader.store import PreparedBody, Store, UpsertResult

__all__ = [
    "SourceResult",
    "SyncProgress",
    "SyncReport",
    "active_sources",
    "default_workers",
    "run_sync",
    "sync",
]

T = TypeVar("T")
Status = Literal["synced", "unchanged", "not_due", "failed"]


@dataclass(frozen=True, slots=True)
class SourceResult:
    """What one source's sync did."""

    name: str
    status: Status
    new: int = 0
    updated: int = 0
    error: str | None = None
    next_fetch_at: str | None = None
    """UTC; for ``not_due``, when the source may be fetched again."""


@dataclass(frozen=True, slots=True)
class SyncProgress:
    """A snapshot for progress displays; sent after every source and every page."""

    total: int
    """Sources in this sync."""
    done: int
    new: int
    updated: int
    errors: int
    last: SourceResult | None = None
    """The source that just finished (None for full-text progress)."""
    pages_total: int = 0
    """Full-text pages queued so far."""
    pages_done: int = 0


@dataclass(frozen=True, slots=True)
class SyncReport:
    """The outcome of a whole sync."""

    results: tuple[SourceResult, ...]
    seconds: float
    pages_fetched: int = 0
    pages_failed: int = 0

    @property
    def failed(self) -> tuple[SourceResult, ...]:
        return tuple(r for r in self.results if r.status == "failed")

    @property
    def ok(self) -> bool:
        return not self.failed

    @property
    def new(self) -> int:
        return sum(r.new for r in self.results)

    @property
    def updated(self) -> int:
        return sum(r.updated for r in self.results)

    def summary(self) -> str:
        """One line: counts, then the names of the sources that failed."""
        count = len(self.results)
        parts = [
            f"{count} source{'s' if count != 1 else ''}",
            f"{self.new} new",
            f"{self.updated} updated",
        ]
        unchanged = sum(1 for r in self.results if r.status == "unchanged")
        not_due = sum(1 for r in self.results if r.status == "not_due")
        if unchanged:
            parts.append(f"{unchanged} unchanged")
        if not_due:
            parts.append(f"{not_due} not due yet")
        if self.pages_fetched or self.pages_failed:
            parts.append(f"{self.pages_fetched} full texts")
        line = ", ".join(parts) + f" in {self.seconds:.1f} s"
        if self.failed:
            names = ", ".join(r.name for r in self.failed[:5])
            more = f" and {len(self.failed) - 5} more" if len(self.failed) > 5 else ""
            line += f"; {len(self.failed)} failed: {names}{more}"
        return line


def active_sources(config: Config) -> tuple[SourceConfig, ...]:
    """The configured sources, or the bundled demo edition when there are none."""
    if config.sources:
        return config.sources
    from newsreader.demo import demo_sources

    return demo_sources()


@functools.lru_cache(maxsize=4096)
def _host(url: str) -> str:
    """The key of a URL's per-host limit (kept: each source's URL is asked for at every
    request, and again for the next sync's plan)."""
    try:
        return (urlsplit(url).hostname or "").lower()
    except ValueError:
        return ""


@dataclass
class _Tally:
    """Running counts behind the progress snapshots."""

    total: int
    done: int = 0
    new: int = 0
    updated: int = 0
    errors: int = 0
    pages_total: int = 0
    pages_done: int = 0
    pages_failed: int = 0
    results: list[SourceResult] = field(default_factory=list)


WRITER_CACHE_KIB = 2048
"""The page cache of the sync's writer thread (see :meth:`Store.limit_page_cache`): 2 MiB
of a cold sync's peak of 68 MB, where 4 MiB took 2.7 MB more for a few per cent less
of the writer's CPU (bench/README.md "Sync")."""


GATHER_BATCHES = 4
GATHER_SECONDS = 0.1
"""A transaction waits for more sources' batches while feeds are being parsed (their
batches are coming), up to :data:`GATHER_BATCHES` of them or this long. Each
transaction rewrites the index pages it touches: the 200 feeds of a cold sync took
0.89 s of CPU written one per transaction, 0.74 s five at a time, 0.63 s twenty at a
time (bench/README.md "Sync")."""


class _BatchingWriter:
    """Hands store writes to one thread, merging what queues up meanwhile.

    While one transaction runs, the batches of other sources wait here; the next
    transaction takes them all, and while feeds are still being parsed it waits for
    theirs too (:data:`GATHER_SECONDS`). Two hundred feeds then cost a handful of
    commits, and the writer never falls far behind the network. Nothing waits when
    nothing is being parsed: 304s and the last feeds are written at once.
    """

    def __init__(self, store: Store, executor: ThreadPoolExecutor) -> None:
        self.store = store
        self.executor = executor
        self.pending: list[tuple[Any, asyncio.Future[Any]]] = []
        self.flushing = False
        self.parsing = 0
        """Sources being parsed: each will queue a batch (or fail) soon."""
        self.changed = asyncio.Event()
        """Set when a batch is queued or a parse ends."""

    @contextlib.contextmanager
    def coming(self) -> Iterator[None]:
        """Around a source's parse: the next transaction may wait for its batch."""
        self.parsing += 1
        try:
            yield
        finally:
            self.parsing -= 1
            self.changed.set()

    async def _gather(self) -> None:
        """Let more batches join the transaction while parses are under way."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + GATHER_SECONDS
        while len(self.pending) < GATHER_BATCHES and self.parsing:
            self.changed.clear()
            try:
                async with asyncio.timeout_at(deadline):
                    await self.changed.wait()
            except TimeoutError:
                return

    async def upsert(self, source: str, articles: Any, meta: Any) -> UpsertResult:
        from newsreader.store import PreparedBatch, prepare_batch

        # Cleaned and hashed before the writer thread sees it: that thread then spends
        # its time inside SQLite, which runs without the GIL, in parallel with parsing.
        batch = articles if isinstance(articles, PreparedBatch) else prepare_batch(articles)
        return await self._queue((source, batch, meta))

    async def not_modified(self, source: str, meta: Any) -> None:
        """A 304: its fetch is recorded in the transaction of whatever else is queued,
        so that two hundred unchanged feeds cost a few commits, not two hundred."""
        await self._queue((source, None, meta))

    async def _queue(self, item: tuple[str, Any, Any]) -> UpsertResult:
        future: asyncio.Future[UpsertResult] = asyncio.get_running_loop().create_future()
        self.pending.append((item, future))
        self.changed.set()
        if not self.flushing:
            self.flushing = True
            asyncio.get_running_loop().create_task(self.flush())
        return await future

    async def flush(self) -> None:
        try:
            while self.pending:
                await self._gather()
                batch, self.pending = self.pending, []
                items = [item for item, _ in batch]
                results: list[Any]
                try:
                    results = await self._write(items)
                except StoreError as error:  # the cache cannot be written: the sync stops
                    results = [error] * len(items)
                except Exception as error:  # noqa: BLE001 - handed to its waiters
                    # A bug met in one source's rows rolled the transaction back. When
                    # several shared it, each is written again alone: only that one fails.
                    results = [error] if len(items) == 1 else await self._one_by_one(items)
                except BaseException as error:  # noqa: BLE001 - handed to every waiter
                    results = [error] * len(items)
                for (_, future), result in zip(batch, results, strict=True):
                    if future.done():  # a waiter cancelled (the sync is ending)
                        continue
                    if isinstance(result, BaseException):
                        future.set_exception(result)
                    else:
                        future.set_result(result)
        finally:
            self.flushing = False

    async def _write(self, items: list[Any]) -> list[Any]:
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(
            self.executor, functools.partial(self.store.upsert_batches, items, defer_index=True)
        )

    async def _one_by_one(self, items: list[Any]) -> list[Any]:
        results: list[Any] = []
        for item in items:
            try:
                results += await self._write([item])
            except BaseException as error:  # noqa: BLE001 - handed to its waiter
                results.append(error)
        return results


class _Sync:
    """One sync run: the loop-side state shared by the source and page tasks."""

    def __init__(
        self,
        config: Config,
        store: Store,
        *,
        client: Client,
        force: bool,
        full_text: bool | None,
        progress: Callable[[SyncProgress], None] | None,
        now: datetime,
        total: int,
        page_workers: int = 0,
    ) -> None:
        self.config = config
        self.store = store
        self.client = client
        self.force = force
        self.full_text = full_text
        self.progress = progress
        self.now = now
        self.tally = _Tally(total=total)
        self.requests = asyncio.Semaphore(config.concurrency)
        self.pages = asyncio.Semaphore(config.full_text_concurrency)
        self.hosts: dict[str, asyncio.Semaphore] = {}
        self.parsers: WorkerPool | None = None
        self.page_workers = page_workers
        self.grown = False
        self.writer = ThreadPoolExecutor(max_workers=1, thread_name_prefix="newsreader-store")
        self.batches = _BatchingWriter(store, self.writer)
        # Sources between "fetch starts" and "stored": bounds the parsed articles
        # waiting for the writer (memory), without starving the network. One and a
        # half times the requests in flight: twice as many held 2 MB more at a cold
        # sync's peak (bench/README.md "Sync").
        self.pipeline = asyncio.Semaphore(config.concurrency + config.concurrency // 2)
        self.page_tasks: list[asyncio.Task[None]] = []

    # -- plumbing ------------------------------------------------------------------------

    async def write(self, function: Callable[..., T], *args: Any, **kwargs: Any) -> T:
        """Run a store call on the writer thread (one connection, GIL released in SQLite)."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.writer, lambda: function(*args, **kwargs))

    def host_limit(self, url: str) -> asyncio.Semaphore:
        host = _host(url)
        if host not in self.hosts:
            self.hosts[host] = asyncio.Semaphore(self.config.per_host)
        return self.hosts[host]

    def report(self, last: SourceResult | None = None) -> None:
        if self.progress is None:
            return
        t = self.tally
        self.progress(
            SyncProgress(
                total=t.total,
                done=t.done,
                new=t.new,
                updated=t.updated,
                errors=t.errors,
                last=last,
                pages_total=t.pages_total,
                pages_done=t.pages_done,
            )
        )

    def finish(self, result: SourceResult) -> SourceResult:
        t = self.tally
        t.done += 1
        t.new += result.new
        t.updated += result.updated
        t.errors += result.status == "failed"
        t.results.append(result)
        self.report(result)
        return result

    async def fail(self, source: SourceConfig, error: NewsreaderError) -> SourceResult:
        retry_after = getattr(error, "retry_after", None)
        next_at = next_fetch(self.now, retry_after)
        await self.write(self.store.record_failure, source.name, str(error), next_fetch_at=next_at)
        return SourceResult(source.name, "failed", error=str(error), next_fetch_at=next_at)

    # -- one source ----------------------------------------------------------------------

    async def start(
        self,
        source: SourceConfig,
        state: SourceState | None,
        prepared: asyncio.Task[list[SourceState]],
        index: int,
    ) -> SourceResult:
        """:meth:`source` with ``state``, or with its registered state (the
        ``index``-th of ``prepared``) when there is none to start with."""
        if state is None:
            state = (await asyncio.shield(prepared))[index]
        return await self.source(source, state)

    async def source(self, source: SourceConfig, state: SourceState | None) -> SourceResult:
        """Collect one source through its kind and store what came."""
        from newsreader.store import FetchMeta, UpsertResult

        name = source.name
        try:
            async with self.pipeline:
                got = await kind_of(source).collect(source, state, self)
                if got.status == "not_due":
                    result = SourceResult(name, "not_due", next_fetch_at=got.next_fetch_at)
                elif got.status == "unchanged":
                    meta = got.meta or FetchMeta()
                    await self.batches.not_modified(name, meta)
                    result = SourceResult(name, "unchanged")
                else:
                    stored = await self.batches.upsert(name, got.batch, got.meta or FetchMeta())
                    written = got.written or UpsertResult()
                    self.queue_full_text(
                        source,
                        got.candidates,
                        {
                            *stored.new_ids,
                            *stored.updated_ids,
                            *written.new_ids,
                            *written.updated_ids,
                        },
                    )
                    result = SourceResult(
                        name,
                        "synced",
                        new=stored.new + written.new,
                        updated=stored.updated + written.updated,
                        error=got.warning,
                    )
        except StoreError:
            raise  # the cache cannot be written (full disk...): the whole sync stops
        except NewsreaderError as error:
            result = await self.fail(source, error)
        except Exception as error:  # noqa: BLE001 - a bug stops this source, not the sync
            result = await self.fail(source, self.bug(error))
        return self.finish(result)

    def bug(self, error: Exception) -> NewsreaderError:
        """A bug met while syncing one source: its traceback goes to a crash report in
        the cache's folder, and the source fails with one line that says where."""
        from newsreader.crash import write_report

        report = write_report(error, data_dir=str(self.store.path.parent), command="sync")
        where = f" (details in {report})" if report else ""
        return NewsreaderError(f"internal error ({type(error).__name__}), a bug{where}")

    # -- what the kinds are offered (SyncRun) --------------------------------------------

    @contextlib.asynccontextmanager
    async def slot(self, url: str) -> AsyncIterator[None]:
        """One of the requests in flight, globally and for ``url``'s host."""
        async with self.host_limit(url), self.requests:
            yield

    async def _hold(self, url: str, released: asyncio.Future[None]) -> None:
        """Hold a slot for a request of the head start still in flight, until it ends
        or a source takes it under a slot of its own: the limits on requests in flight
        count it once. (Its holder starts before the sources: it takes a slot first.)"""
        async with self.slot(url):
            await asyncio.wait([released])

    async def offload(self, function: Callable[..., T], *args: Any) -> T:
        """A source's parsing, on a worker process when there is one: the writer may
        wait for the batch it makes."""
        with self.batches.coming():
            return await self._cpu(function, *args)

    async def _cpu(self, function: Callable[..., T], *args: Any) -> T:
        """CPU work on a worker process when there is one, else right here."""
        if self.parsers is not None:
            from newsreader.processes import CallTimeoutError, WorkerCrashedError

            try:
                return await self.parsers.run(function, *args)
            except WorkerCrashedError:
                self.parsers = None  # a worker died (out of memory?): carry on in-process
            except CallTimeoutError as error:  # this document only; never in-process
                raise ParseError(f"reading it {error}") from None
        return function(*args)

    async def read(self, function: Callable[..., T], *args: Any) -> T:
        """A store call on the writer thread (the one connection this sync uses)."""
        return await self.write(function, *args)

    def user_agent(self, source: SourceConfig) -> str | None:
        return source.user_agent or self.config.user_agent

    # -- full text -----------------------------------------------------------------------

    def full_text_mode(self, source: SourceConfig) -> str:
        """Which entries' pages to fetch: the source's mode, or what the sync was told."""
        if self.full_text is False:
            return "never"
        mode = self.config.full_text_for(source)
        if self.full_text is True and mode == "never":
            return "auto"
        return mode

    def queue_full_text(
        self, source: SourceConfig, candidates: Iterable[Article], ids: set[str]
    ) -> None:
        """Fetch the pages of the new or changed ``candidates`` (entries that the
        source's full_text mode wants the page of)."""
        for article in candidates:
            if article.id in ids:
                self.tally.pages_total += 1
                self.page_tasks.append(asyncio.create_task(self.page(source, article)))

    async def page(self, source: SourceConfig, entry: Article) -> None:
        from newsreader.sources.http import fetch

        assert entry.url is not None
        if self.parsers is not None and not self.grown:
            # Extracting pages is most of a full-text sync's work: every core gets a
            # worker (feeds alone keep one core for this process, and less memory).
            self.grown = True
            await self.parsers.grow(self.page_workers)
        try:
            async with self.pages, self.slot(entry.url):
                raw = await fetch(
                    self.client,
                    entry.url,
                    timeout=self.config.timeout,
                    user_agent=self.user_agent(source),
                )
            assert isinstance(raw, RawDocument)
            body = await self._cpu(_page_body, raw, entry)
            await self.write(self.store.set_prepared_body, entry.id, body)
        except NewsreaderError:
            self.tally.pages_failed += 1  # the summary stays: nothing is lost
        except Exception as error:  # noqa: BLE001 - a bug loses this page, not the sync
            self.bug(error)
            self.tally.pages_failed += 1
        finally:
            self.tally.pages_done += 1
            self.report()

    def prune(self, grown: list[SourceConfig]) -> None:
        """Keep each source that grew within its ``max_articles`` (starred ones stay)."""
        if not grown:
            return
        counts = {state.name: state.article_count for state in self.store.sources()}
        for source in grown:
            keep = self.config.max_articles_for(source)
            if counts.get(source.name, 0) > keep:
                self.store.prune(keep, source=source.name)

    # -- everything ----------------------------------------------------------------------

    async def run(
        self,
        sources: Sequence[SourceConfig],
        parsers: WorkerPool | None = None,
        *,
        forget_demo: bool = False,
        known: Mapping[str, SourceState] | None = None,
    ) -> SyncReport:
        """Every source, then their full-text pages; with ``forget_demo`` the demo
        edition leaves the cache first (before the sources are registered: a source of
        the configuration may have a demo source's name).

        ``known`` holds the states the cache had before this sync (read by the caller):
        a source found there with the same kind and location starts at once, while the
        writer registers the sources; any other waits for its registered state. Every
        write goes through the writer after the registration, so none can come first.
        """
        started = time.monotonic()
        self.parsers = parsers
        try:
            specs = [
                (s.name, kind.name, kind.location(s), s.section, s.flash)
                for s, kind in ((s, kind_of(s)) for s in sources)
            ]
            prepared = asyncio.create_task(
                self.write(_prepare_cache, self.store, specs, forget_demo)
            )
            leaving = _demo_names() if forget_demo else frozenset()
            # Before the sources, so that they take their slots first.
            holding = [
                asyncio.create_task(self._hold(url, released))
                for url, released in (
                    self.client.head_start.in_flight() if self.client.head_start else ()
                )
            ]
            started_sources: list[asyncio.Task[SourceResult]] = []
            for index, (source, spec) in enumerate(zip(sources, specs, strict=True)):
                state = (known or {}).get(source.name)
                if state is not None and (
                    (state.kind, state.location) != spec[1:3] or source.name in leaving
                ):
                    state = None
                started_sources.append(
                    asyncio.create_task(self.start(source, state, prepared, index))
                )
            await _all_or_none([prepared, *holding, *started_sources])
            while self.page_tasks:
                tasks, self.page_tasks = self.page_tasks, []
                await _all_or_none(tasks)
            grown = {r.name for r in self.tally.results if r.new}
            await self.write(self.prune, [s for s in sources if s.name in grown])
        finally:
            leftover, self.page_tasks = self.page_tasks, []
            for task in leftover:  # only when the sync stopped early
                task.cancel()
            await asyncio.gather(*leftover, return_exceptions=True)
            self.writer.shutdown(wait=True)
        order = {source.name: index for index, source in enumerate(sources)}
        results = sorted(self.tally.results, key=lambda r: order[r.name])
        fetched = self.tally.pages_done - self.tally.pages_failed
        return SyncReport(
            results=tuple(results),
            seconds=time.monotonic() - started,
            pages_fetched=fetched,
            pages_failed=self.tally.pages_failed,
        )


def _page_body(raw: RawDocument, entry: Article) -> PreparedBody:
    """The body of ``entry`` from its linked page, ready for the store (extracted,
    cleaned, its reading time counted); CPU only, for a worker process. ParseError when
    the page is no article, or holds no more than the entry."""
    from newsreader.content import parse_document
    from newsreader.content.entries import with_full_text
    from newsreader.store import prepare_body

    page = parse_document(raw)
    if not isinstance(page, Article) or len(page.text) <= len(entry.text):
        raise ParseError("the page holds no more than the entry")
    full = with_full_text(entry, page)
    return prepare_body(
        markdown=full.markdown,
        text=full.text,
        headings=full.headings,
        lede=full.lede,
        images=full.images,
        language=entry.language,  # as the entry was stored
        counted=True,
    )


async def _all_or_none(tasks: list[asyncio.Task[Any]]) -> None:
    """Wait for every task; when one fails, cancel the others, wait for them to end,
    and raise its error (no task is left behind to fail unseen)."""
    try:
        await asyncio.gather(*tasks)
    except BaseException:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        raise


def default_workers() -> int:
    """Worker processes for a sync on this machine: two where there are two cores or
    more, none on one. A cold sync keeps one worker busy all along while this process
    (fetching, writing) needs half a core: on two cores a second worker ends it a
    fifth sooner, and as a fork of the first it costs about 8 MB (bench/README.md
    "Sync"). Full-text pages, whose extraction is most of the work, get one per core
    (at most four)."""
    return 2 if (os.cpu_count() or 1) >= 2 else 0


def _select(config: Config, names: Iterable[str] | None) -> tuple[SourceConfig, ...]:
    sources = active_sources(config)
    if not names:
        return sources
    chosen = []
    for name in names:
        folded = name.casefold()
        match = next((s for s in sources if s.name.casefold() == folded), None)
        if match is None:
            raise UsageError(f"no source named {name!r} (see `newsreader sources`)")
        chosen.append(match)
    return tuple(chosen)


async def sync(
    config: Config,
    store: Store,
    *,
    names: Iterable[str] | None = None,
    force: bool = False,
    full_text: bool | None = None,
    progress: Callable[[SyncProgress], None] | None = None,
    client: Client | None = None,
    now: datetime | None = None,
    parse_workers: int = 0,
    started: Callable[[], None] | None = None,
    head_start: HeadStart | None = None,
) -> SyncReport:
    """Sync ``names`` (default: every active source) into ``store``.

    ``full_text`` overrides the sources' setting (True: fetch pages of teaser entries
    even where the source says never; False: fetch none). ``progress`` is called on
    the loop's thread after each source and each full-text page. ``parse_workers``
    processes parse feeds while this one fetches and writes (fresh interpreters that
    die with this one, see :mod:`newsreader.processes`; the command line uses them on
    machines with a spare core). ``started`` is called once, when the sync's own
    start-up (its HTTP client) is over and the sources' work begins. ``head_start``
    holds the answers to the requests this sync's plan sent before it started (see
    :mod:`newsreader.sources.head_start`); a whole sync writes the next one's plan.
    """
    from newsreader import processes
    from newsreader.sources.http import make_client

    sources = _select(config, names)
    wanted = parse_workers > 0 and any(kind_of(s).needs_network for s in sources)
    parsers = (
        processes.WorkerPool(
            parse_workers, preload=PARSER_MODULES, deadline=processes.CALL_DEADLINE
        )
        if wanted
        else None
    )
    try:
        # A read on this thread's own connection, the one the caller opened: a thread of
        # its own would open one more (3 ms) while nothing else runs yet anyway.
        known = {state.name: state for state in store.sources()}
        if parsers is not None and _some_never_fetched(known, sources):
            # Those feeds will be parsed for sure: the workers import their parsers now,
            # while this process imports its HTTP client. (A sync of feeds fetched before
            # may well be all 304s, and starts workers only if a feed changed.)
            await parsers.start()
        own_client = client is None
        http = client or make_client(
            timeout=config.timeout,
            max_connections=config.concurrency,
            user_agent=config.user_agent or _default_agent(),
            head_start=head_start,
        )
        if started is not None:
            started()
        try:
            run = _Sync(
                config,
                store,
                client=http,
                force=force,
                full_text=full_text,
                progress=progress,
                now=now or datetime.now(UTC),
                total=len(sources),
                page_workers=max(parse_workers, min(4, os.cpu_count() or 1))
                if parse_workers
                else 0,
            )
            report = await run.run(
                sources, parsers, forget_demo=bool(config.sources and not names), known=known
            )
            if own_client and names is None and config.stamp is not None:
                _save_plan(run, sources)
            return report
        finally:
            if own_client:
                await http.close()
    finally:  # even when stopped while the workers start
        if head_start is not None:
            head_start.close()
        if parsers is not None:
            await parsers.close()


def _save_plan(run: _Sync, sources: Sequence[SourceConfig]) -> None:
    """Write down what the next sync will send first, for its head start: each
    source's next request as its kind sees it, with the states this sync left."""
    from newsreader.sources.curl import wire_url
    from newsreader.sources.head_start import Plan, PlannedRequest, save_plan
    from newsreader.sources.http import DEFAULT_MAX_BYTES, MAX_HEADERS

    config = run.config
    assert config.stamp is not None
    states = {state.name: state for state in run.store.sources()}
    requests = []
    for source in sources:
        state = states.get(source.name)
        planned = kind_of(source).next_request(source, state, run)
        if planned is None or state is None:
            continue
        url, headers = planned
        try:
            lines = run.client.request_lines(headers)
            requests.append(
                PlannedRequest(wire_url(url), _host(url), lines, _epoch(state.next_fetch_at))
            )
        except (ValueError, UnicodeError):
            continue  # a URL or a header no request can carry: that sync will say so
    plan = Plan(
        config_stamp=config.stamp,
        concurrency=config.concurrency,
        per_host=config.per_host,
        timeout=config.timeout,
        max_bytes=DEFAULT_MAX_BYTES,
        max_headers=MAX_HEADERS,
        connect_ms=run.client.connect_ms,
        requests=tuple(requests),
    )
    save_plan(run.store.path.parent, plan)


def _epoch(moment: str | None) -> float:
    """Seconds since the epoch of a stored UTC time (0 for none)."""
    if not moment:
        return 0.0
    try:
        when = datetime.fromisoformat(moment.replace("Z", "+00:00"))
    except ValueError:
        return 0.0
    return (when if when.tzinfo else when.replace(tzinfo=UTC)).timestamp()


def _some_never_fetched(known: Mapping[str, SourceState], sources: Sequence[SourceConfig]) -> bool:
    """Whether a network source has no validators yet (so its next fetch is a full one)."""
    for source in sources:
        state = known.get(source.name)
        if kind_of(source).needs_network and (
            state is None or not (state.etag or state.last_modified)
        ):
            return True
    return False


def _default_agent() -> str:
    from newsreader.sources.http import USER_AGENT

    return USER_AGENT


def _prepare_cache(
    store: Store,
    specs: list[tuple[str, str, str | None, str | None, bool]],
    forget_demo: bool,
) -> list[SourceState]:
    """The writer's first call (one call: each is a trip to the writer's thread): its
    page cache limited, the demo edition forgotten when asked, the sources registered;
    their states come back. The requests of sources the cache knows leave meanwhile."""
    store.limit_page_cache(WRITER_CACHE_KIB)
    if forget_demo:
        _forget_demo(store)
    return store.register_sources(specs)


def _demo_names() -> frozenset[str]:
    from newsreader.demo import demo_sources

    return frozenset(source.name for source in demo_sources())


def _forget_demo(store: Store) -> None:
    """Once real sources are configured, the demo edition leaves the cache (starred
    demo articles stay, like those of any removed source)."""
    for name in _demo_names():
        if store.source(name) is not None:
            store.remove_source(name)


def run_sync(config: Config, store: Store, **options: Any) -> SyncReport:
    """:func:`sync` from synchronous code (the CLI, or a TUI thread worker).

    In the main thread, SIGTERM (``kill``, ``timeout``) stops the sync the way Ctrl-C
    does: the tasks are cancelled, helper processes stopped and the client closed,
    then KeyboardInterrupt is raised.
    """
    return asyncio.run(_stoppable(sync(config, store, **options)))


async def _stoppable(work: Coroutine[Any, Any, SyncReport]) -> SyncReport:
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread() or not hasattr(signal, "SIGTERM"):
        return await work
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    stopped = []

    def stop() -> None:
        stopped.append(True)
        task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, stop)
    except (NotImplementedError, RuntimeError):  # no signal handlers on this loop
        return await work
    try:
        return await work
    except asyncio.CancelledError:
        if stopped:
            raise KeyboardInterrupt from None
        raise
    finally:
        loop.remove_signal_handler(signal.SIGTERM)
