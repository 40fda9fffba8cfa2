"""A client for the Google Reader API that self-hosted aggregators speak: I/O only.

An aggregator account (Miniflux, FreshRSS, Inoreader, The Old Reader, BazQux...) keeps a
user's subscriptions and read/starred state on a server; this module talks to it and
hands back plain records. Turning items into articles, remembering what was synced and
queueing offline changes belong to the callers (content/, store/, sync).

Every call goes through :func:`newsreader.sources.http.request`: the shared client, an
overall deadline, a size cap on every body, no redirect followed. Failures are the
project's errors, each one line:

- a refused login (wrong user name or password) is :class:`~newsreader.errors.AuthError`;
- a 401 on a call after login is :class:`~newsreader.errors.TokenExpiredError`, so the
  caller can log in again once and retry;
- malformed JSON, or JSON of the wrong shape, is :class:`~newsreader.errors.ParseError`;
- an endpoint the server lacks is :class:`~newsreader.errors.UnsupportedError`;
- anything else (refused connection, 5xx, 429 with its ``Retry-After``) is
  :class:`~newsreader.errors.FetchError`.

No message, ``repr`` or exception ever holds the password, the auth token, the edit
token or an app key: messages name the host and the call only, and whatever the server
wrote back is cut short and has every secret blanked out first.

Where the API lives, from each server's own documentation
(the ``base_url`` below is what :class:`GReaderClient` takes):

========== ============================================ ==============================
server     ``base_url``                                 notes
========== ============================================ ==============================
Miniflux   ``https://host/`` (plus its ``BASE_PATH``)   login ``accounts/ClientLogin``,
                                                        API ``reader/api/0/``; enable
                                                        it per user under Settings >
                                                        Integrations, with a user name
                                                        and password of its own [1]_
FreshRSS   ``https://host/api/greader.php/``            the API password set in the
                                                        user's profile, not the login
                                                        one; the server must pass
                                                        ``%2F`` in paths [2]_
Inoreader  ``https://www.inoreader.com/``               ``AppId`` and ``AppKey`` headers
                                                        on every request (a registered
                                                        app); ClientLogin only for apps
                                                        not yet on OAuth 2.0 [3]_
========== ============================================ ==============================

.. [1] https://miniflux.app/docs/google_reader.html and ``internal/googlereader/README.md``
   in miniflux/v2 (v2.3.5): GET calls authenticate with ``Authorization: GoogleLogin
   auth=TOKEN``, POST calls with ``T=TOKEN`` in the form (the edit token is the auth
   token there).
.. [2] https://freshrss.github.io/FreshRSS/en/developers/06_GoogleReader_API.html and
   https://freshrss.github.io/FreshRSS/en/users/06_Mobile_access.html: POST calls need
   the ``Authorization`` header *and* the separate edit token of ``reader/api/0/token``.
.. [3] https://www.inoreader.com/developers/app-auth and
   https://www.inoreader.com/developers/item-ids

What differs between servers, and how this client copes:

- It sends the ``Authorization`` header on every call and ``T`` (from
  ``reader/api/0/token``) in every POST form, which satisfies all three.
- Miniflux does not implement ``stream/contents`` (it answers ``[]``, miniflux/v2 issues
  #1548 and #2129): :meth:`GReaderClient.stream_contents` raises
  :class:`~newsreader.errors.UnsupportedError` there; :meth:`GReaderClient.item_ids`
  plus :meth:`GReaderClient.item_contents` work on every server.
- Item ids come as decimal numbers from ``stream/items/ids`` and as
  ``tag:google.com,2005:reader/item/<16 hex digits>`` in items; this client sends the
  long form, which every server accepts, and hands both as :attr:`Item.number`.
- Miniflux's continuation is a numeric offset into a list sorted by published date
  alone (``ORDER BY published_at LIMIT n OFFSET c``, no tie-breaker), so across pages
  ids can repeat or go missing when items share a date or arrive meanwhile: ask for
  large pages (it allows 10,000) and treat ids as a set. Its ``ot`` filters on the
  *published* date too; FreshRSS and Inoreader filter ``ot`` on the time the server got
  the item.
"""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator, Callable, Iterable, Sequence
from typing import TYPE_CHECKING, Any, NamedTuple
from urllib.parse import quote, quote_plus, urlsplit

from newsreader.errors import (
    AuthError,
    FetchError,
    ParseError,
    TokenExpiredError,
    TooLargeError,
    UnsupportedError,
    UsageError,
)
from newsreader.sources.http import Reply, request
from newsreader.sources.limits import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT

if TYPE_CHECKING:
    from newsreader.sources.transfer import Client

__all__ = [
    "CONTENTS_BATCH",
    "EDIT_BATCH",
    "KEPT_UNREAD",
    "READ",
    "READING_LIST",
    "STARRED",
    "Enclosure",
    "GReaderClient",
    "IdsPage",
    "Item",
    "QuickAdd",
    "StreamPage",
    "Subscription",
    "Tag",
    "UserInfo",
    "feed_stream",
    "item_number",
    "label_stream",
    "long_item_id",
]

READING_LIST = "user/-/state/com.google/reading-list"
"""Every item of every subscription."""
READ = "user/-/state/com.google/read"
"""The tag of read items (add it to mark read, remove it to mark unread)."""
STARRED = "user/-/state/com.google/starred"
KEPT_UNREAD = "user/-/state/com.google/kept-unread"

EDIT_BATCH = 250
"""Items per ``edit-tag`` request: small enough for FreshRSS, which reads at most 1 MB of
a request body, and for proxies that cap a form."""
CONTENTS_BATCH = 100
"""Items per ``stream/items/contents`` request; a batch whose answer passes the size cap
is split in two and asked again."""
IDS_PAGE = 1000
"""Ids per ``stream/items/ids`` page by default (Inoreader's maximum; Miniflux allows
10,000)."""
MAX_PAGES = 10_000
"""Pages an iterator follows before giving up: a server whose continuation never ends
must not keep a sync going forever."""

_LONG_PREFIX = "tag:google.com,2005:reader/item/"
_STATE = re.compile(r"user/[^/]*/state/com\.google/(.+)\Z")
_LABEL = re.compile(r"user/[^/]*/label/(.+)\Z", re.S)
_MASK = (1 << 64) - 1
_MESSAGE = 120


def label_stream(name: str) -> str:
    """The stream id of a folder or label (``user/-/label/NAME``)."""
    return "user/-/label/" + name


def feed_stream(url: str) -> str:
    """The stream id that names a feed by its URL, as ``subscription/edit`` takes it."""
    return "feed/" + url


def long_item_id(value: int | str) -> str:
    """An item id in the long form every server accepts.

    ``value`` is an :attr:`Item.number` or a decimal string (what ``stream/items/ids``
    lists, possibly negative: Google Reader's ids were signed 64-bit) or already a long
    form id. Bare 16-digit hexadecimal ids are refused: they cannot be told apart from
    16-digit decimal ones (FreshRSS's ids are microsecond timestamps).
    """
    return _LONG_PREFIX + format(item_number(value) & _MASK, "016x")


def item_number(value: int | str) -> int:
    """An item id as a non-negative 64-bit integer (see :func:`long_item_id`)."""
    if isinstance(value, int):
        number = value
    else:
        text = value.strip()
        try:
            if text.startswith(_LONG_PREFIX):
                number = int(text[len(_LONG_PREFIX) :], 16)
            elif re.fullmatch(r"-?[0-9]{1,20}", text):
                number = int(text)
            else:
                raise ValueError(text)
        except ValueError:
            raise ParseError(f"not a Google Reader item id: {text[:60]!r}") from None
    if not -(1 << 63) <= number <= _MASK:
        raise ParseError(f"item id out of range: {number}")
    return number & _MASK


class UserInfo(NamedTuple):
    """Who the token belongs to (``reader/api/0/user-info``)."""

    user_id: str
    user_name: str | None


class Tag(NamedTuple):
    """A folder, a label or a state (``tag/list``)."""

    id: str
    label: str | None
    """The folder or label name; None for states such as starred."""
    type: str | None
    """``folder`` or ``tag`` where the server says (Inoreader, Miniflux, FreshRSS)."""


class Subscription(NamedTuple):
    """One feed of the account (``subscription/list``)."""

    id: str
    """The stream id the server gives it, ``feed/42`` (Miniflux, FreshRSS) or
    ``feed/URL`` (Inoreader): the handle for unsubscribing and per-feed streams."""
    title: str | None
    url: str | None
    """The feed's own URL."""
    html_url: str | None
    """The site's home page."""
    folders: tuple[str, ...]
    """Folder names (Miniflux gives exactly one: its category)."""
    icon_url: str | None


class QuickAdd(NamedTuple):
    """What ``subscription/quickadd`` found and subscribed to."""

    stream_id: str
    title: str | None
    query: str | None
    """The feed URL the server settled on (Miniflux)."""


class Enclosure(NamedTuple):
    url: str
    type: str | None


class Item(NamedTuple):
    """One item with its content, as the server describes it (nothing is parsed here)."""

    id: str
    """Long form, ``tag:google.com,2005:reader/item/<16 hex>``."""
    number: int
    """The same id as a number: what ``stream/items/ids`` lists, the key to match on."""
    title: str | None
    url: str | None
    """``canonical`` when given, else the ``alternate`` link."""
    author: str | None
    published: int | None
    """Unix seconds (the publisher's date)."""
    updated: int | None
    """Unix seconds. Miniflux sends its ``changed_at``, which moves when the read or
    starred state changes too; other servers, when the content changed."""
    crawled_msec: int | None
    """When the server first stored the item (``crawlTimeMsec``)."""
    timestamp_usec: int | None
    """The server's ordering time (``timestampUsec``): the published date on Miniflux,
    the arrival time on FreshRSS and Inoreader."""
    content: str | None
    """HTML: ``content``, else ``summary``."""
    summary: str | None
    feed: str | None
    """The subscription's stream id (``origin.streamId``)."""
    feed_title: str | None
    site_url: str | None
    categories: tuple[str, ...]
    """Every stream the item is in: states, folders, labels."""
    enclosures: tuple[Enclosure, ...] = ()

    @property
    def read(self) -> bool:
        return "read" in self._states()

    @property
    def starred(self) -> bool:
        return "starred" in self._states()

    @property
    def labels(self) -> tuple[str, ...]:
        """Folder and label names among the categories."""
        return tuple(m.group(1) for c in self.categories if (m := _LABEL.match(c)))

    def _states(self) -> set[str]:
        # Servers write the user's number where clients write "-": user/1/state/...
        return {m.group(1) for c in self.categories if (m := _STATE.match(c))}


class StreamPage(NamedTuple):
    """One page of ``stream/contents``."""

    items: tuple[Item, ...]
    continuation: str | None
    """Pass it back as ``continuation`` for the next page; None on the last one."""
    skipped: int = 0
    """Items dropped because they had no usable id."""


class IdsPage(NamedTuple):
    """One page of ``stream/items/ids``."""

    ids: tuple[int, ...]
    continuation: str | None
    timestamps_usec: tuple[int | None, ...] = ()
    """Each id's ``timestampUsec`` where the server gives it (FreshRSS, Inoreader)."""


class GReaderClient:
    """One account on one server, on top of the shared HTTP client.

    ``base_url`` is where ``accounts/ClientLogin`` and ``reader/api/0/`` hang (see the
    module docstring for each server). Give ``auth_token`` to reuse a token from an
    earlier :meth:`login`; the password itself is never kept.
    """

    def __init__(
        self,
        http: Client,
        base_url: str,
        *,
        auth_token: str | None = None,
        app_id: str | None = None,
        app_key: str | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        max_bytes: int = DEFAULT_MAX_BYTES,
    ) -> None:
        try:
            parts = urlsplit(base_url)
            hostname = parts.hostname
        except ValueError:
            hostname = None
        if hostname is None or parts.scheme not in ("http", "https"):
            raise UsageError("an account's address must be an http(s) URL with a host")
        if parts.username is not None or parts.password is not None:
            # Never echoed: the part before the @ is a password more often than not.
            raise UsageError("an account's address must not hold a user name or password")
        self._http = http
        self._base = base_url if base_url.endswith("/") else base_url + "/"
        self.host = hostname
        """The server's host name, for messages."""
        self._token = auth_token
        self._edit_token: str | None = None
        self._app_id = app_id
        self._app_key = app_key
        self.timeout = timeout
        self.max_bytes = max_bytes

    def __repr__(self) -> str:
        state = "logged in" if self._token else "not logged in"
        return f"<GReaderClient {self._base} {state}>"

    @property
    def auth_token(self) -> str | None:
        """The token of the last login, for the caller to keep (in a 0600 file)."""
        return self._token

    # -- authentication ------------------------------------------------------------

    async def login(self, username: str, password: str) -> str:
        """Exchange a user name and password for an auth token (``ClientLogin``).

        Raises :class:`AuthError` when the server refuses them. The token is kept for
        the next calls and returned; the password is not kept.
        """
        self._token = None
        self._edit_token = None
        reply = await self._send(
            "POST",
            "accounts/ClientLogin",
            form=[("Email", username), ("Passwd", password)],
            accept="text/plain",
            extra_secrets=(password,),
        )
        if reply.status in (401, 403):
            raise AuthError(
                f"{self.host} refused the login: wrong user name or password (HTTP {reply.status})",
                status=reply.status,
            )
        self._check_status(reply, "login")
        token = None
        for line in reply.body.decode("utf-8", "replace").splitlines():
            key, _, value = line.partition("=")
            if key.strip() == "Auth" and value.strip():
                token = value.strip()
        if token is None:
            # BazQux and others answer 200 with "Error=BadAuthentication".
            raise AuthError(f"{self.host} refused the login: no auth token in its answer")
        self._token = token
        return token

    async def edit_token(self) -> str:
        """The short-lived token that POST calls carry as ``T`` (``reader/api/0/token``)."""
        if self._edit_token is None:
            reply = await self._api("GET", "token", what="token", accept="text/plain")
            token = reply.body.decode("utf-8", "replace").strip()
            if not token or len(token) > 4096 or any(c.isspace() for c in token):
                raise ParseError(f"{self.host} sent no usable edit token")
            self._edit_token = token
        return self._edit_token

    async def user_info(self) -> UserInfo:
        """Who the token belongs to; a cheap way to check a kept token still works."""
        data = _object(await self._json("GET", "user-info", what="user-info"), self, "user-info")
        user_id = _text(data.get("userId"))
        if user_id is None:
            raise ParseError(f"{self.host} sent user-info without a userId")
        return UserInfo(user_id, _text(data.get("userName")))

    # -- reading -------------------------------------------------------------------

    async def subscriptions(self) -> tuple[Subscription, ...]:
        """Every feed of the account, with its folders."""
        what = "subscription/list"
        data = _object(await self._json("GET", what, what=what), self, what)
        result = []
        for entry in _list(data.get("subscriptions"), self, what):
            if not isinstance(entry, dict) or not (stream := _text(entry.get("id"))):
                continue
            folders = tuple(
                name
                for c in _list(entry.get("categories") or [], self, what)
                if isinstance(c, dict) and (name := _folder_name(c))
            )
            result.append(
                Subscription(
                    id=stream,
                    title=_text(entry.get("title")),
                    url=_text(entry.get("url")),
                    html_url=_text(entry.get("htmlUrl")),
                    folders=folders,
                    icon_url=_text(entry.get("iconUrl")),
                )
            )
        return tuple(result)

    async def tags(self) -> tuple[Tag, ...]:
        """Folders, labels and the starred state (``tag/list``)."""
        what = "tag/list"
        data = _object(await self._json("GET", what, what=what), self, what)
        result = []
        for entry in _list(data.get("tags"), self, what):
            if isinstance(entry, dict) and (tag_id := _text(entry.get("id"))):
                label = _text(entry.get("label"))
                if label is None and (match := _LABEL.match(tag_id)):
                    label = match.group(1)
                result.append(Tag(tag_id, label, _text(entry.get("type"))))
        return tuple(result)

    async def stream_contents(
        self,
        stream: str = READING_LIST,
        *,
        count: int = 100,
        continuation: str | None = None,
        since: int | None = None,
        until: int | None = None,
        exclude: str | None = None,
        include: str | None = None,
        oldest_first: bool = False,
    ) -> StreamPage:
        """One page of items with their content.

        ``since``/``until`` are Unix seconds (``ot``/``nt``); ``exclude`` a stream to
        leave out (``xt``, e.g. :data:`READ` for unread only); ``include`` a stream the
        items must be in (``it``, not every server honours it). Raises
        :class:`UnsupportedError` on servers without this call (Miniflux).
        """
        params = _stream_params(count, continuation, since, until, exclude, include, oldest_first)
        what = "stream/contents"
        data = await self._json("GET", f"stream/contents/{_stream_path(stream)}", what, params)
        if isinstance(data, list):
            raise UnsupportedError(
                f"{self.host} does not implement {what} (it answered a list); "
                "use stream/items/ids with stream/items/contents"
            )
        return self._stream_page(_object(data, self, what), what)

    async def iter_stream_contents(
        self, stream: str = READING_LIST, *, max_pages: int = MAX_PAGES, **options: Any
    ) -> AsyncIterator[StreamPage]:
        """Every page of :meth:`stream_contents`, following the continuation."""
        continuation = options.pop("continuation", None)
        seen: set[str] = set()
        for _ in range(max_pages):
            page = await self.stream_contents(stream, continuation=continuation, **options)
            yield page
            continuation = _next(page.continuation, seen, self, "stream/contents")
            if continuation is None:
                return
        raise FetchError(f"{self.host} kept sending pages past {max_pages}")

    async def item_ids(
        self,
        stream: str = READING_LIST,
        *,
        count: int = IDS_PAGE,
        continuation: str | None = None,
        since: int | None = None,
        until: int | None = None,
        exclude: str | None = None,
        include: str | None = None,
        oldest_first: bool = False,
    ) -> IdsPage:
        """One page of item ids of a stream, without content: the cheap way to learn
        what is new, unread or starred (same options as :meth:`stream_contents`)."""
        params = _stream_params(count, continuation, since, until, exclude, include, oldest_first)
        what = "stream/items/ids"
        data = _object(await self._json("GET", what, what, [("s", stream), *params]), self, what)
        ids: list[int] = []
        stamps: list[int | None] = []
        for ref in _list(data.get("itemRefs") or [], self, what):
            if not isinstance(ref, dict):
                continue
            value = ref.get("id")
            if isinstance(value, bool) or not isinstance(value, int | str):
                continue
            try:
                ids.append(item_number(value))
            except ParseError:
                continue
            stamps.append(_number(ref.get("timestampUsec")))
        return IdsPage(tuple(ids), _continuation(data.get("continuation")), tuple(stamps))

    async def iter_item_ids(
        self, stream: str = READING_LIST, *, max_pages: int = MAX_PAGES, **options: Any
    ) -> AsyncIterator[IdsPage]:
        """Every page of :meth:`item_ids`, following the continuation."""
        continuation = options.pop("continuation", None)
        seen: set[str] = set()
        for _ in range(max_pages):
            page = await self.item_ids(stream, continuation=continuation, **options)
            yield page
            continuation = _next(page.continuation, seen, self, "stream/items/ids")
            if continuation is None or not page.ids:
                return
        raise FetchError(f"{self.host} kept sending pages past {max_pages}")

    async def item_contents(self, ids: Sequence[int | str]) -> tuple[Item, ...]:
        """The items with these ids, in one request (keep it to :data:`CONTENTS_BATCH`)."""
        if not ids:
            return ()
        what = "stream/items/contents"
        form = [("i", long_item_id(i)) for i in ids]
        data = await self._json("POST", what, what, form=form)
        if isinstance(data, list):
            raise UnsupportedError(f"{self.host} does not implement {what}")
        return self._stream_page(_object(data, self, what), what).items

    async def iter_item_contents(
        self, ids: Iterable[int | str], *, batch: int = CONTENTS_BATCH
    ) -> AsyncIterator[tuple[Item, ...]]:
        """The items of ``ids`` a batch at a time, so memory stays bounded whatever the
        count; a batch too large for the size cap is split until it fits."""
        pending: list[int | str] = []
        for value in ids:
            pending.append(value)
            if len(pending) >= batch:
                async for items in self._contents_fitting(pending):
                    yield items
                pending = []
        if pending:
            async for items in self._contents_fitting(pending):
                yield items

    async def _contents_fitting(self, ids: list[int | str]) -> AsyncIterator[tuple[Item, ...]]:
        try:
            items = await self.item_contents(ids)
        except TooLargeError:
            if len(ids) == 1:
                raise
            half = len(ids) // 2
            async for items in self._contents_fitting(ids[:half]):
                yield items
            async for items in self._contents_fitting(ids[half:]):
                yield items
            return
        yield items

    # -- writing -------------------------------------------------------------------

    async def edit_tag(
        self,
        ids: Iterable[int | str],
        *,
        add: Sequence[str] = (),
        remove: Sequence[str] = (),
        batch: int = EDIT_BATCH,
    ) -> int:
        """Add and remove tags (states or labels) on items, ``batch`` ids a request.

        Returns how many ids were sent. Batches already sent stay done when a later
        one fails: the request is idempotent, so sending the whole set again is safe.
        """
        if not add and not remove:
            raise ValueError("edit_tag needs a tag to add or to remove")
        tags = [("a", tag) for tag in add] + [("r", tag) for tag in remove]
        chunk: list[str] = []
        sent = 0
        for value in ids:
            chunk.append(long_item_id(value))
            if len(chunk) >= batch:
                await self._write("edit-tag", [*tags, *(("i", i) for i in chunk)])
                sent += len(chunk)
                chunk = []
        if chunk:
            await self._write("edit-tag", [*tags, *(("i", i) for i in chunk)])
            sent += len(chunk)
        return sent

    async def mark_read(self, ids: Iterable[int | str], read: bool = True) -> int:
        """Mark items read (or unread, with ``read=False``)."""
        if read:
            return await self.edit_tag(ids, add=[READ])
        return await self.edit_tag(ids, remove=[READ])

    async def set_starred(self, ids: Iterable[int | str], starred: bool = True) -> int:
        """Star items (or unstar them, with ``starred=False``)."""
        if starred:
            return await self.edit_tag(ids, add=[STARRED])
        return await self.edit_tag(ids, remove=[STARRED])

    async def subscribe(
        self, feed_url: str, *, folder: str | None = None, title: str | None = None
    ) -> Subscription | None:
        """Subscribe to a feed by its URL, in ``folder`` (created when missing).

        Returns the new subscription as :meth:`subscriptions` lists it (one more
        request: ``subscription/edit`` answers only ``OK``), or None when the server
        lists it under another URL (after a redirect, say).
        """
        form = [("ac", "subscribe"), ("s", feed_stream(feed_url))]
        if folder:
            form.append(("a", label_stream(folder)))
        if title:
            form.append(("t", title))
        await self._write("subscription/edit", form)
        return next((s for s in await self.subscriptions() if s.url == feed_url), None)

    async def unsubscribe(self, streams: Sequence[str]) -> None:
        """Unsubscribe from feeds by their stream ids (:attr:`Subscription.id`)."""
        if streams:
            await self._write(
                "subscription/edit", [("ac", "unsubscribe"), *(("s", s) for s in streams)]
            )

    async def quickadd(self, url: str) -> QuickAdd | None:
        """Subscribe to the feed the server finds at ``url`` (a site or a feed).

        None when it found none. The URL goes in the query string, where Miniflux (which
        merges query and form) and older FreshRSS (query only) both read it.
        """
        what = "subscription/quickadd"
        data = await self._json("POST", what, what, [("quickadd", url)], form=[])
        found = _object(data, self, what)
        if not _number(found.get("numResults")):
            return None
        stream = found.get("streamId")
        if isinstance(stream, int) and not isinstance(stream, bool):
            stream = f"feed/{stream}"  # FreshRSS gives the bare number
        stream_id = _text(stream)
        if stream_id is None:
            raise ParseError(f"{self.host} subscribed but named no stream")
        return QuickAdd(stream_id, _text(found.get("streamName")), _text(found.get("query")))

    # -- plumbing ------------------------------------------------------------------

    def _stream_page(self, data: dict[str, Any], what: str) -> StreamPage:
        items = []
        skipped = 0
        for raw in _list(data.get("items") or [], self, what):
            item = _item(raw) if isinstance(raw, dict) else None
            if item is None:
                skipped += 1
            else:
                items.append(item)
        return StreamPage(tuple(items), _continuation(data.get("continuation")), skipped)

    async def _write(self, path: str, form: list[tuple[str, str]]) -> None:
        reply = await self._api("POST", path, what=path, form=form, accept="text/plain")
        if reply.body.strip() != b"OK":
            # Miniflux answers [] with a 200 to the calls it lacks.
            raise UnsupportedError(f"{self.host} did not apply {path} (no OK in its answer)")

    async def _json(
        self,
        method: str,
        path: str,
        what: str,
        params: Sequence[tuple[str, str]] = (),
        *,
        form: list[tuple[str, str]] | None = None,
    ) -> Any:
        params = [*params, ("output", "json")]
        reply = await self._api(method, path, what=what, params=params, form=form)
        try:
            return json.loads(reply.body)
        except (ValueError, RecursionError):
            raise ParseError(f"{self.host} sent malformed JSON for {what}") from None

    async def _api(
        self,
        method: str,
        path: str,
        *,
        what: str,
        params: Sequence[tuple[str, str]] = (),
        form: list[tuple[str, str]] | None = None,
        accept: str = "application/json",
    ) -> Reply:
        """One call under ``reader/api/0/``: the token, one retry with a fresh edit
        token when a POST is refused, and every status turned into an error."""
        if self._token is None:
            raise AuthError(f"not logged in to {self.host}")
        for attempt in (1, 2):
            sent_form = None
            if form is not None:
                sent_form = [*form, ("T", await self.edit_token())]
            reply = await self._send(
                method, "reader/api/0/" + path, params=params, form=sent_form, accept=accept
            )
            if reply.status == 401 and form is not None and attempt == 1:
                self._edit_token = None  # a stale edit token: fetch a new one, once
                continue
            if reply.status == 401:
                self._edit_token = None
                raise TokenExpiredError(
                    f"{self.host} no longer accepts the session token ({what}: HTTP 401); "
                    "log in again",
                    status=401,
                )
            if reply.status == 403:
                raise AuthError(f"{self.host} refused access to {what} (HTTP 403)", status=403)
            self._check_status(reply, what)
            return reply
        raise AssertionError("unreachable")  # pragma: no cover

    async def _send(
        self,
        method: str,
        path: str,
        *,
        params: Sequence[tuple[str, str]] = (),
        form: list[tuple[str, str]] | None = None,
        accept: str,
        extra_secrets: tuple[str, ...] = (),
    ) -> Reply:
        headers = {"Accept": accept}
        if self._token:
            headers["Authorization"] = "GoogleLogin auth=" + self._token
        if self._app_id and self._app_key:
            headers["AppId"] = self._app_id
            headers["AppKey"] = self._app_key
        try:
            return await request(
                self._http,
                method,
                self._base + path,
                params=params,
                form=form,
                headers=headers,
                timeout=self.timeout,
                max_bytes=self.max_bytes,
            )
        except FetchError as error:
            raise self._clean(error, *extra_secrets) from None

    def _check_status(self, reply: Reply, what: str) -> None:
        status = reply.status
        if 200 <= status < 300:
            return
        if 300 <= status < 400:
            target = _where(reply.location)
            raise FetchError(
                f"{self.host} redirects {what} (HTTP {status}"
                + (f" to {target}" if target else "")
                + "): set the account's address to where the API lives",
                status=status,
            )
        # The server's words, secrets blanked before they are cut short (a cut could
        # leave half a token unrecognisable), and never at login: the password was
        # just sent, and a server's login page has nothing to add to "HTTP 500".
        detail = "" if what == "login" else _server_message(reply, self._redact)
        raise FetchError(
            f"{what} failed on {self.host}: HTTP {status} {reply.reason}".rstrip()
            + (f" ({detail})" if detail else ""),
            status=status,
            retry_after=reply.retry_after,
        )

    def _secrets(self) -> list[str]:
        found = [s for s in (self._token, self._edit_token, self._app_key) if s]
        # Tokens are often USER/DIGEST: the digest alone is the secret part.
        found += [s.rpartition("/")[2] for s in found if len(s.rpartition("/")[2]) >= 16]
        return found

    def _redact(self, text: str, *extra: str) -> str:
        for secret in [*self._secrets(), *extra]:
            if len(secret) >= 3:
                for form in {secret, quote(secret, safe=""), quote(secret), quote_plus(secret)}:
                    text = text.replace(form, "…")
        return text

    def _clean(self, error: FetchError, *extra: str) -> FetchError:
        """The same error with every secret blanked out of its message."""
        message = self._redact(str(error), *extra)
        if message == str(error):
            return error
        return type(error)(message, status=error.status, retry_after=error.retry_after)


def _stream_params(
    count: int,
    continuation: str | None,
    since: int | None,
    until: int | None,
    exclude: str | None,
    include: str | None,
    oldest_first: bool,
) -> list[tuple[str, str]]:
    params = [("n", str(max(1, int(count))))]
    if continuation:
        params.append(("c", continuation))
    if since is not None:
        params.append(("ot", str(int(since))))
    if until is not None:
        params.append(("nt", str(int(until))))
    if exclude:
        params.append(("xt", exclude))
    if include:
        params.append(("it", include))
    if oldest_first:
        params.append(("r", "o"))
    return params


def _stream_path(stream: str) -> str:
    """A stream id as the tail of a ``stream/contents/`` path: its slashes stay (servers
    route on them), a feed URL inside is escaped whole (FreshRSS matches it as one
    segment)."""
    if stream.startswith("feed/"):
        return "feed/" + quote(stream[5:], safe="")
    return quote(stream, safe="/")


def _next(continuation: str | None, seen: set[str], client: GReaderClient, what: str) -> str | None:
    if continuation is None:
        return None
    if continuation in seen:
        raise ParseError(f"{client.host} repeated a continuation of {what}: stopping")
    seen.add(continuation)
    return continuation


def _continuation(value: object) -> str | None:
    if isinstance(value, bool) or value in (None, "", 0, "0"):
        return None
    if isinstance(value, int | str):
        return str(value)[:512]
    return None


def _text(value: object) -> str | None:
    if isinstance(value, str):
        return value or None
    return None


def _number(value: object) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?[0-9]{1,20}", value.strip()):
        return int(value)
    return None


def _href(value: object) -> str | None:
    if isinstance(value, list):
        for link in value:
            if isinstance(link, dict) and (href := _text(link.get("href"))):
                return href
    return None


def _html(value: object) -> str | None:
    return _text(value.get("content")) if isinstance(value, dict) else None


def _folder_name(category: dict[str, Any]) -> str | None:
    label = _text(category.get("label"))
    if label:
        return label
    match = _LABEL.match(_text(category.get("id")) or "")
    return match.group(1) if match else None


def _item(raw: dict[str, Any]) -> Item | None:
    """One item of a ``stream/contents`` or ``stream/items/contents`` answer."""
    value = raw.get("id")
    if isinstance(value, bool) or not isinstance(value, int | str):
        return None
    try:
        number = item_number(value)
    except ParseError:
        return None
    origin = raw.get("origin")
    if not isinstance(origin, dict):
        origin = {}
    content = _html(raw.get("content"))
    summary = _html(raw.get("summary"))
    attached = raw.get("enclosure")
    enclosures = tuple(
        Enclosure(url, _text(e.get("type")))
        for e in (attached if isinstance(attached, list) else [])
        if isinstance(e, dict) and (url := _text(e.get("url") or e.get("href")))
    )
    return Item(
        id=long_item_id(number),
        number=number,
        title=_text(raw.get("title")),
        url=_href(raw.get("canonical")) or _href(raw.get("alternate")),
        author=_text(raw.get("author")),
        published=_number(raw.get("published")),
        updated=_number(raw.get("updated")),
        crawled_msec=_number(raw.get("crawlTimeMsec")),
        timestamp_usec=_number(raw.get("timestampUsec")),
        content=content or summary,
        summary=summary,
        feed=_text(origin.get("streamId")),
        feed_title=_text(origin.get("title")),
        site_url=_text(origin.get("htmlUrl")),
        categories=tuple(c for c in raw.get("categories") or () if isinstance(c, str)),
        enclosures=enclosures,
    )


def _object(data: Any, client: GReaderClient, what: str) -> dict[str, Any]:
    if isinstance(data, dict):
        return data
    if isinstance(data, list) and not data:
        raise UnsupportedError(f"{client.host} does not implement {what} (it answered [])")
    raise ParseError(f"{client.host} sent {type(data).__name__} where {what} is an object")


def _list(value: Any, client: GReaderClient, what: str) -> list[Any]:
    if isinstance(value, list):
        return value
    raise ParseError(f"{client.host} sent {what} without the expected list")


def _where(location: str | None) -> str | None:
    """Scheme, host and path of a redirect target: never its query (secrets travel there
    on some servers)."""
    if not location:
        return None
    try:
        parts = urlsplit(location.strip())
    except ValueError:
        return None
    if not parts.scheme:
        return parts.path[:120] or None
    return f"{parts.scheme}://{parts.netloc.rpartition('@')[2]}{parts.path}"[:160]


def _server_message(reply: Reply, redact: Callable[[str], str]) -> str:
    """The server's own words about a failure, short: Miniflux's ``error_message``, else
    the first line of a plain-text body; ``redact`` runs before anything is cut."""
    text = reply.body[:65536].decode("utf-8", "replace")
    if reply.content_type == "application/json":
        try:
            data = json.loads(reply.body)
        except (ValueError, RecursionError):
            data = None
        if isinstance(data, dict):
            message = data.get("error_message") or data.get("error")
            text = message if isinstance(message, str) else ""
    elif reply.content_type not in (None, "text/plain"):
        return ""  # an HTML error page says nothing a one-line message could use
    text = redact(text)
    line = next((line.strip() for line in text.splitlines() if line.strip()), "")
    return line[:_MESSAGE]
