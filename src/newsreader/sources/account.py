"""The account kind: an aggregator (Miniflux, FreshRSS, Inoreader...) over the Google
Reader API, synced both ways with the offline cache.

The cache stays the truth for reading: everything the account had at its last sync can
be read, marked and starred offline; those changes wait in the cache's queue (filled by
triggers, see :mod:`newsreader.store.accounts`) and are replayed here. One sync, in
order:

1. **Log in** with the kept token (:mod:`newsreader.sources.credentials`), or the
   password when there is none. A token refused later (HTTP 401) means one new login
   and the same call again; refused twice, the sync of the account fails in one line.
2. **Subscriptions**: the feeds and their folders; a folder is the section of its
   feeds' articles (a feed outside any folder files them under its own title).
3. **Read the server's state**: the ids of every unread item and every starred one
   (``stream/items/ids``, 10,000 a page, following the continuation), and of the items
   that arrived since the last sync (``ot``: a day before it, as the server dates them;
   at the first sync, the newest :data:`FIRST_SYNC_OTHERS`).
4. **Replay the queue**, each change absolute (``a``/``r`` of the read or starred tag),
   so that sending one twice (a reply lost when the server stopped) never flips a state
   back. The rule when both sides changed an item, per field (read, starred):

   - the server already shows the queued value: nothing to send;
   - the server still shows what it showed at the last sync (the value before the
     first queued change): the change made here is sent;
   - otherwise the server changed that field too, and the change made here undid itself
     (marked read, then unread again): the newer change wins, the time newsreader
     recorded against the server's date of the item (``updated``; Miniflux moves it at
     every change of the entry, its state included; servers that date only content
     changes lose to the change made here). Ties go to the change made here.

   A change that reached the server leaves the queue; one that did not stays for the
   next sync, and so does a change made again while the sync ran.
5. **New items**: the ids of step 3 that the cache does not hold, newest first, with
   their full content (``stream/items/contents``, 100 a request, a few requests in
   flight), each page stored as it comes, so memory holds a few pages whatever the
   account's size; a sync stopped halfway keeps what it stored and goes on from there.
   Our full-text fetch of the linked page runs only where the account's ``full_text``
   says so (default ``never``: the server has the content) and the item is a teaser.
6. **Apply the server's state** to every item the cache holds: read unless the server
   lists it unread, starred when it lists it starred, except items with a change still
   queued (made during the sync: newer).

Item ids are stable per server; the cache maps them to its articles (an article's id
comes from its link, so an item and the same story from a feed are one article).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterable, Sequence
from contextlib import AbstractAsyncContextManager, nullcontext
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple, TypeVar

from newsreader.config import SourceConfig
from newsreader.errors import AuthError, FetchError, ParseError, TokenExpiredError, UsageError
from newsreader.models import Article
from newsreader.sources.kind import Collected, SyncRun
from newsreader.sources.limits import DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from newsreader.rows import SourceState
    from newsreader.sources.greader import GReaderClient, Item, Subscription
    from newsreader.sources.transfer import Client
    from newsreader.store import PreparedBatch, UpsertResult
    from newsreader.store.accounts import AccountItem, QueuedChange

__all__ = [
    "FIRST_SYNC_OTHERS",
    "AccountBatch",
    "AccountKind",
    "Session",
    "account_batch",
]

T = TypeVar("T")

IDS_PER_PAGE = 10_000
"""Ids per ``stream/items/ids`` request: Miniflux's maximum (others cap it lower and
say so with a continuation). Miniflux pages by offset into a list sorted by date
alone, so large pages also make ids shifting between pages rarer."""
MAX_ID_PAGES = 1_000
"""Pages one listing may take (ten million ids): past that the server is broken."""
CONTENT_REQUESTS = 4
"""Content requests in flight for one account (within the sync's per-host limit)."""
FIRST_SYNC_OTHERS = 1_000
"""A first sync brings every unread and starred item, and this many of the newest
others (read ones: enough to see what was read lately, not the server's history)."""
SINCE_SLACK = timedelta(days=1)
"""An incremental sync asks for the items since a day before the last one: servers
date items in their own way (Miniflux by publication), and a late item is still new."""


class Session:
    """One account's client, logged in: the kept token first, else the password; a
    token refused on the way means one new login and the same call again."""

    def __init__(
        self,
        source: SourceConfig,
        data_dir: Path,
        http: Client,
        *,
        timeout: float = DEFAULT_TIMEOUT,
        slot: Callable[[str], AbstractAsyncContextManager[None]] | None = None,
    ) -> None:
        if source.account is None:
            raise UsageError(f"{source.name!r} is not an account")
        # The client and its credentials are imported here: every sync imports this
        # module for its kind, and most have no account (3 ms).
        from newsreader.sources.credentials import TokenFile

        self.source = source
        self.account = source.account
        self.tokens = TokenFile(data_dir, source.name, source.account)
        self._http = http
        self._timeout = timeout
        self._slot = slot
        self._client: GReaderClient | None = None
        self._relogged = False
        self._lock = asyncio.Lock()

    @property
    def client(self) -> GReaderClient:
        if self._client is None:
            raise AuthError(f"account {self.source.name!r} is not logged in")
        return self._client

    @property
    def host(self) -> str:
        return self.client.host

    async def start(self, given_password: str | None = None) -> None:
        """Log in: with ``given_password`` (a prompt's), else the kept token, else the
        password from the account's command or variable."""
        from newsreader.sources.credentials import app_key
        from newsreader.sources.greader import GReaderClient

        key = await asyncio.to_thread(app_key, self.account, self.source.name)
        token = None if given_password else self.tokens.load()
        self._client = GReaderClient(
            self._http,
            self.account.url,
            auth_token=token,
            app_id=self.account.app_id,
            app_key=key,
            timeout=self._timeout,
        )
        if token is None:
            await self.login(given_password)

    async def login(self, given_password: str | None = None) -> None:
        """A new token for the account's user and password, kept in its 0600 file."""
        from newsreader.sources.credentials import password

        secret = given_password
        if secret is None:
            secret = await asyncio.to_thread(password, self.account, self.source.name)
        if secret is None:
            name = self.source.name
            raise AuthError(
                f"account {name!r} needs its password: set password_command or "
                f"password_env, or run `newsreader account login {name}`"
            )
        try:
            token = await self._limited(self.client.login(self.account.user, secret))
        except AuthError:
            self.tokens.delete()
            raise
        await asyncio.to_thread(self.tokens.save, token)

    async def call(self, method: Callable[..., Awaitable[T]], *args: Any, **options: Any) -> T:
        """``method(client, *args, **options)`` (a :class:`GReaderClient` method),
        logging in again once if the server no longer takes the token (the second
        refusal is the error)."""
        token = self.client.auth_token
        try:
            return await self._limited(method(self.client, *args, **options))
        except TokenExpiredError:
            async with self._lock:
                if self.client.auth_token == token:  # not already renewed by another call
                    if self._relogged:
                        raise
                    self._relogged = True
                    self.tokens.delete()
                    await self.login()
            return await self._limited(method(self.client, *args, **options))

    async def _limited(self, work: Awaitable[T]) -> T:
        slot = self._slot(self.account.url) if self._slot else nullcontext()
        async with slot:
            return await work


class AccountBatch(NamedTuple):
    """A page of items made ready for the store (CPU work, for a worker process)."""

    batch: PreparedBatch
    items: tuple[AccountItem, ...]
    candidates: tuple[Article, ...]
    """Teasers whose linked page the account's ``full_text`` wants fetched."""


class FeedInfo(NamedTuple):
    title: str | None
    section: str | None


def _iso(seconds: int | None) -> str | None:
    if seconds is None or not 0 < seconds < 253402300800:  # before year 10000
        return None
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def item_article(item: Item, feed: FeedInfo | None, host: str) -> Article | None:
    """The article for one server item (its id from its link, else from the item id)."""
    from newsreader.content.entries import entry_article
    from newsreader.models import Feed, FeedItem

    title = item.feed_title or (feed.title if feed else None)
    entry = FeedItem(
        title=item.title,
        url=item.url,
        guid=item.id,
        published=_iso(item.published),
        author=item.author,
        summary_html=item.summary,
        content_html=item.content,
    )
    document = Feed(title=title, url=item.site_url)
    section = (feed.section if feed else None) or title
    return entry_article(entry, document, f"greader:{host}:{item.feed or ''}", section=section)


def account_batch(
    items: Sequence[Item], feeds: dict[str, FeedInfo], host: str, full_text: str
) -> AccountBatch:
    """Articles, the item map and the full-text candidates of a page of items."""
    from newsreader.content.entries import is_summary_only
    from newsreader.store import prepare_batch
    from newsreader.store.accounts import AccountItem

    articles: list[Article] = []
    mapped: list[AccountItem] = []
    for item in items:
        article = item_article(item, feeds.get(item.feed or ""), host)
        if article is None:
            continue
        articles.append(article)
        mapped.append(AccountItem(article.id, item.number, item.feed, item.read, item.starred))
    candidates = tuple(
        a
        for a in articles
        if a.url and full_text != "never" and (full_text == "always" or is_summary_only(a))
    )
    return AccountBatch(prepare_batch(articles), tuple(mapped), candidates)


def _feed_infos(subscriptions: Iterable[Subscription]) -> dict[str, FeedInfo]:
    return {s.id: FeedInfo(s.title, s.folders[0] if s.folders else s.title) for s in subscriptions}


async def _contents(client: GReaderClient, numbers: Sequence[int]) -> tuple[Item, ...]:
    """The items of ``numbers``, in as many requests as the size cap takes."""
    found: list[Item] = []
    async for page in client.iter_item_contents(numbers):
        found.extend(page)
    return tuple(found)


class _AccountSync:
    """One sync of one account (see the module docstring for the steps)."""

    def __init__(
        self, session: Session, source: SourceConfig, state: SourceState | None, run: SyncRun
    ) -> None:
        self.session = session
        self.source = source
        self.name = source.name
        self.state = state
        self.run = run

    async def ids(self, stream: str, *, limit: int | None = None, **options: Any) -> list[int]:
        """Every id of a stream (or the ``limit`` first), newest first, following the
        continuation."""
        from newsreader.sources.greader import GReaderClient

        found: list[int] = []
        seen: set[str] = set()
        continuation: str | None = None
        for _ in range(MAX_ID_PAGES):
            page = await self.session.call(
                GReaderClient.item_ids,
                stream,
                count=min(IDS_PER_PAGE, limit or IDS_PER_PAGE),
                continuation=continuation,
                **options,
            )
            found.extend(page.ids)
            if limit is not None and len(found) >= limit:
                return found[:limit]
            if not page.continuation or not page.ids:
                return found
            if page.continuation in seen:
                raise ParseError(f"{self.session.host} repeated a continuation: stopping")
            seen.add(page.continuation)
            continuation = page.continuation
        raise FetchError(f"{self.session.host} kept sending pages past {MAX_ID_PAGES}")

    async def collect(self) -> Collected:
        from newsreader.sources.greader import READ, READING_LIST, STARRED, GReaderClient
        from newsreader.store import FetchMeta
        from newsreader.store.accounts import AccountFeed

        run, store = self.run, self.run.store
        subscriptions = await self.session.call(GReaderClient.subscriptions)
        await run.write(
            store.set_account_feeds,
            self.name,
            [
                AccountFeed(s.id, s.title, s.url, s.folders[0] if s.folders else None)
                for s in subscriptions
            ],
        )
        unread = set(await self.ids(READING_LIST, exclude=READ))
        starred = set(await self.ids(STARRED))
        queue = await run.read(store.account_queue, self.name)
        if queue:
            await self.replay(queue, unread, starred)
        since = self.since()
        if since is None:
            recent = await self.ids(READING_LIST, limit=FIRST_SYNC_OTHERS)
        else:
            recent = await self.ids(READING_LIST, since=int(since.timestamp()))
        known = await run.read(store.account_items, self.name)
        keep = run.config.max_articles_for(self.source)
        wanted = [n for n in dict.fromkeys([*unread, *starred, *recent]) if n not in known]
        del recent, known
        written, candidates = await self.contents(wanted[:keep], _feed_infos(subscriptions))
        await run.write(store.apply_account_state, self.name, unread, starred)
        return Collected(meta=FetchMeta(), written=written, candidates=candidates)

    def since(self) -> datetime | None:
        """Where the items that arrived since the last sync start; None at the first."""
        last = self.state.last_success_at if self.state else None
        if last:
            try:
                return datetime.fromisoformat(last.replace("Z", "+00:00")) - SINCE_SLACK
            except ValueError:
                pass
        return None

    async def replay(self, queue: list[QueuedChange], unread: set[int], starred: set[int]) -> None:
        """Send the queued changes the server should take; settle the rest (see the
        rule in the module docstring). ``unread`` and ``starred`` follow what was sent."""
        from newsreader.sources.greader import READ, STARRED, GReaderClient

        store = self.run.store

        def on_server(change: QueuedChange) -> bool:
            if change.field == "read":
                return change.item not in unread
            return change.item in starred

        agreed: list[QueuedChange] = []
        send: list[QueuedChange] = []
        disputed: list[QueuedChange] = []
        for change in queue:
            server = on_server(change)
            if server == change.value:
                agreed.append(change)
            elif server == change.base:
                send.append(change)
            else:
                disputed.append(change)
        server_won: list[QueuedChange] = []
        if disputed:
            dated = await self.server_dates([c.item for c in disputed])
            for change in disputed:
                server_date = dated.get(change.item)
                if server_date is not None and server_date > change.changed_at:
                    server_won.append(change)
                else:
                    send.append(change)
        if agreed or server_won:
            await self.run.write(store.settle_account_queue, self.name, agreed, server_won)
        groups: dict[tuple[str, bool], list[QueuedChange]] = {}
        for change in send:
            groups.setdefault((change.field, change.value), []).append(change)
        for (field, value), changes in groups.items():
            tag = READ if field == "read" else STARRED
            numbers = [c.item for c in changes]
            add, remove = ([tag], []) if value else ([], [tag])
            await self.session.call(GReaderClient.edit_tag, numbers, add=add, remove=remove)
            await self.run.write(store.settle_account_queue, self.name, changes)
            listed = unread if field == "read" else starred
            if (field == "read") == value:
                listed.difference_update(numbers)
            else:
                listed.update(numbers)

    async def server_dates(self, numbers: list[int]) -> dict[int, int]:
        """When the server last changed each item (``updated``, else its crawl time)."""
        from newsreader.sources.greader import CONTENTS_BATCH

        dates: dict[int, int] = {}
        for start in range(0, len(numbers), CONTENTS_BATCH):
            chunk = numbers[start : start + CONTENTS_BATCH]
            items = await self.session.call(_contents, chunk)
            for item in items:
                moment = item.updated or (item.crawled_msec // 1000 if item.crawled_msec else None)
                if moment is not None:
                    dates[item.number] = moment
        return dates

    async def contents(
        self, wanted: list[int], feeds: dict[str, FeedInfo]
    ) -> tuple[UpsertResult, tuple[Article, ...]]:
        """Fetch and store the items ``wanted``, a page at a time, a few in flight."""
        from newsreader.sources.greader import CONTENTS_BATCH
        from newsreader.store import UpsertResult

        run = self.run
        mode = run.full_text_mode(self.source)
        host = self.session.host
        totals = {"new": 0, "updated": 0, "unchanged": 0}
        fresh: list[str] = []
        candidates: list[Article] = []

        async def page(numbers: list[int]) -> None:
            items = await self.session.call(_contents, numbers)
            ready = await run.offload(account_batch, items, feeds, host, mode)
            stored = await run.write(
                run.store.store_account_items, self.name, ready.batch, ready.items
            )
            totals["new"] += stored.new
            totals["updated"] += stored.updated
            totals["unchanged"] += stored.unchanged
            if ready.candidates:
                ids = {*stored.new_ids, *stored.updated_ids}
                kept = [a for a in ready.candidates if a.id in ids]
                candidates.extend(kept)
                fresh.extend(a.id for a in kept)

        pending: set[asyncio.Task[None]] = set()
        try:
            for start in range(0, len(wanted), CONTENTS_BATCH):
                if len(pending) >= CONTENT_REQUESTS:
                    done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                    _raise_first(done)
                chunk = wanted[start : start + CONTENTS_BATCH]
                pending.add(asyncio.create_task(page(chunk)))
            while pending:
                done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
                _raise_first(done)
        finally:
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        result = UpsertResult(
            new=totals["new"],
            updated=totals["updated"],
            unchanged=totals["unchanged"],
            new_ids=tuple(fresh),
        )
        return result, tuple(candidates)


def _raise_first(done: Iterable[asyncio.Task[None]]) -> None:
    """Raise the first error among finished tasks, after looking at every one (an error
    nobody retrieved ends up as a traceback on stderr when the loop closes)."""
    errors = [error for task in done if (error := task.exception()) is not None]
    if errors:
        raise errors[0]


class AccountKind:
    """Sources that are ``[[account]]`` tables: an aggregator over the Google Reader API."""

    name: ClassVar[str] = "greader"
    needs_network: ClassVar[bool] = True

    def claims(self, source: SourceConfig) -> bool:
        return source.account is not None

    def location(self, source: SourceConfig) -> str | None:
        return source.account.url if source.account else None

    def next_request(
        self, source: SourceConfig, state: SourceState | None, run: SyncRun
    ) -> tuple[str, dict[str, str]] | None:
        return None  # an account signs in first: nothing to send ahead

    async def collect(
        self, source: SourceConfig, state: SourceState | None, run: SyncRun
    ) -> Collected:
        session = Session(
            source,
            run.store.path.parent,
            run.client,
            timeout=run.config.timeout,
            slot=run.slot,
        )
        await session.start()
        return await _AccountSync(session, source, state, run).collect()
