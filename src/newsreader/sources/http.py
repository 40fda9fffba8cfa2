"""HTTP with manners and limits: the only way to the network (the transfers themselves
are :mod:`newsreader.sources.transfer`'s, which only this module calls).

Every request goes through :func:`fetch`, on one shared client
(:class:`~newsreader.sources.transfer.Client`: libcurl's multi interface on the event
loop, cheap to start and cheap per request, which a sync of hundreds of feeds notices),
and gets what the client alone does not promise:

- an overall deadline per request (a server that trickles a byte a second within the
  read timeout would otherwise never time out);
- a size cap counted after decompression, with gzip/deflate inflated here in bounded
  steps so that a 10 KB gzip bomb never becomes 10 GB in memory, and that yield to the
  event loop, so the deadline fires even while a bomb inflates (several gzip members
  are one body; junk after the last one is ignored, as browsers do);
- redirects followed by hand: at most :data:`MAX_REDIRECTS`, http/https only, loops
  detected;
- conditional requests (``If-None-Match`` / ``If-Modified-Since``) and the response's
  validators and ``Cache-Control: max-age`` handed back for the next sync; a 304 to a
  request that was not conditional is an error, never "unchanged";
- every failure turned into a one-line :class:`~newsreader.errors.FetchError`.

:func:`request` is the same machinery for APIs (an aggregator account): any method, a
form body, extra headers, the same deadline and size cap, and the answer handed back
whatever its status, because an API caller must tell a 401 from a 500. It follows no
redirect: an API that redirects is misconfigured, and following by hand would carry
the credentials to wherever the Location points.
"""

from __future__ import annotations

import asyncio
import os
import re
import zlib
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, NamedTuple
from urllib.parse import urlencode, urljoin, urlsplit

from newsreader import __version__
from newsreader.errors import FetchError, FetchTimeoutError, TooLargeError, UsageError
from newsreader.models import RawDocument
from newsreader.sources.limits import DEFAULT_MAX_BYTES, DEFAULT_TIMEOUT, MAX_REDIRECTS

if TYPE_CHECKING:
    from newsreader.sources.head_start import HeadStart
    from newsreader.sources.transfer import Client, Response

__all__ = [
    "DEFAULT_MAX_BYTES",
    "DEFAULT_TIMEOUT",
    "MAX_HEADERS",
    "MAX_REDIRECTS",
    "USER_AGENT",
    "NotModified",
    "Reply",
    "check_url",
    "fetch",
    "fetch_headers",
    "fetch_url",
    "make_client",
    "request",
]

USER_AGENT = (
    f"newsreader/{__version__} (terminal news reader; +https://pypi.org/project/newsreader/)"
)
_ACCEPT = (
    "text/html,application/xhtml+xml,application/rss+xml,application/atom+xml,"
    "application/feed+json,application/json;q=0.9,application/xml;q=0.9,text/*;q=0.8,*/*;q=0.5"
)
_STEP = 64 * 1024
_MAX_AGE = re.compile(r"max-age\s*=\s*\"?([0-9]+)", re.I)
_DIGITS = re.compile(r"[0-9]+")
"""ASCII digits only: ``str.isdigit`` also takes "²", which ``int`` refuses."""
MAX_HEADERS = 128
"""Response headers accepted; more is a flood, refused before it is read."""


@dataclass(frozen=True, slots=True)
class NotModified:
    """A 304 answer to a conditional request: the cached copy is still current."""

    location: str
    max_age: int | None = None


def check_url(url: str) -> str:
    """Return ``url`` if newsreader may fetch it (http or https with a host)."""
    shown = repr(url[:200]) + ("…" if len(url) > 200 else "")
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError:
        raise UsageError(f"invalid URL: {shown}") from None
    if parts.scheme.lower() not in ("http", "https"):
        scheme = parts.scheme[:20] + ":"
        raise UsageError(f"unsupported URL scheme {scheme!r}: only http and https")
    if not parts.hostname:
        raise UsageError(f"invalid URL (no host): {shown}")
    return url


def make_client(
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_connections: int = 32,
    user_agent: str = USER_AGENT,
    head_start: HeadStart | None = None,
) -> Client:
    """The shared client: pooled connections, raw bodies (we inflate them, within the
    size cap), no automatic redirects, no cookies, no proxy but the one
    :func:`proxy_for` names. Create it inside the event loop that uses it."""
    from newsreader.sources.transfer import Client

    return Client(
        headers={"User-Agent": user_agent, "Accept": _ACCEPT, "Accept-Encoding": "gzip, deflate"},
        connect_timeout=min(timeout, 10.0),
        max_connections=max_connections,
        max_headers=MAX_HEADERS,
        head_start=head_start,
    )


def proxy_for(url: str) -> str | None:
    """The proxy the environment names for ``url`` (``HTTP_PROXY``, ``HTTPS_PROXY``,
    ``NO_PROXY``, as curl and wget read them), or None.

    Read here, once per request, rather than by libcurl, so that the rules are
    Python's own (``urllib.request``), whatever libcurl was built with.
    """
    scheme = url.partition(":")[0].lower()
    environ = os.environ
    if f"{scheme}_proxy" not in environ and f"{scheme.upper()}_PROXY" not in environ:
        return None  # the usual case, without importing urllib.request (5 ms)
    from urllib.request import getproxies_environment, proxy_bypass

    proxies = getproxies_environment()
    parts = urlsplit(url)
    proxy = proxies.get(parts.scheme)
    if not proxy or proxy_bypass(parts.hostname or ""):  # NO_PROXY
        return None
    return proxy


_GZIP_MAGIC = b"\x1f\x8b"
_YIELD_EVERY = 4
"""Decompression steps between two yields to the event loop (each step is at most
:data:`_STEP` bytes of output, well under a millisecond)."""


class _Inflater:
    """gzip/deflate decoding in bounded steps (zlib's ``max_length``).

    Servers get compression wrong in ways browsers forgive, and so does this: gzip
    members one after another are one body (RFC 1952 allows it), bytes after the last
    complete member or zlib stream are ignored (broken servers pad or append junk),
    and "deflate" may come as raw deflate without its zlib wrapper. Every step either
    produces output or consumes input, so :meth:`inflate` always returns; the caller
    counts the output against the size cap.
    """

    def __init__(self, encoding: str) -> None:
        self.gzip = "deflate" not in encoding
        self.decoder: zlib._Decompress | None = self._gzip_member() if self.gzip else None
        self.members = 0
        """Complete gzip members (or zlib streams) decoded so far."""
        self.finished = False
        """True once what follows the last member is junk: the body is complete."""
        self.pending = b""
        """Bytes too few to tell what comes next (a zlib header, one more gzip member)."""

    @staticmethod
    def _gzip_member() -> zlib._Decompress:
        return zlib.decompressobj(16 + zlib.MAX_WBITS)

    def inflate(self, data: bytes) -> Iterator[bytes]:
        """Yield the decompressed bytes of ``data``, at most 64 KB at a time."""
        if self.pending:
            data, self.pending = self.pending + data, b""
        more = bool(data)
        while more and not self.finished:
            if self.decoder is None:
                if len(data) < 2:
                    self.pending = data  # two bytes tell what comes next
                    return
                if not self.gzip:
                    # Some servers send raw deflate without the zlib header (RFC 1950:
                    # compression method 8, header a multiple of 31).
                    wrapped = data[0] & 0x0F == 8 and (data[0] << 8 | data[1]) % 31 == 0
                    self.decoder = zlib.decompressobj(
                        zlib.MAX_WBITS if wrapped else -zlib.MAX_WBITS
                    )
                elif data.startswith(_GZIP_MAGIC):
                    self.decoder = self._gzip_member()
                else:
                    self.finished = True  # trailing junk
                    return
            try:
                piece = self.decoder.decompress(data, _STEP)
            except zlib.error:
                if self.members:
                    self.finished = True  # junk that looked like one more member
                    return
                raise FetchError("the server sent a corrupt compressed body") from None
            if piece:
                yield piece
            if self.decoder.eof:
                # At the end of a member zlib keeps what follows in unused_data (and,
                # when the output limit was reached, a copy in unconsumed_tail).
                self.members += 1
                data = self.decoder.unused_data
                self.decoder = None
                if not self.gzip:
                    self.finished = True  # one zlib stream per body: the rest is junk
                    return
                more = bool(data)
                continue
            tail = self.decoder.unconsumed_tail
            if tail and not piece and len(tail) >= len(data):
                self.pending = tail  # no progress without more input (never seen: a guard)
                return
            # Go on while input is left, or while the output filled the step (zlib
            # may hold more output for the input it already took).
            more = bool(tail) or len(piece) == _STEP
            data = tail


async def read_body(chunks: AsyncIterator[bytes], encoding: str, max_bytes: int) -> bytes:
    """The body from its raw chunks, decompressed per ``encoding``, within ``max_bytes``
    (counted before and after decompression).

    Decompression yields to the event loop every few steps, so the caller's overall
    deadline can fire even while a small body inflates.
    """
    inflater = None if encoding == "identity" else _Inflater(encoding)
    parts: list[bytes] = []
    size = received = 0
    async for raw in chunks:
        received += len(raw)
        if received > max_bytes:
            raise TooLargeError(f"response too large: over {max_bytes} bytes")
        if inflater is None:
            size += len(raw)
            if size > max_bytes:
                raise TooLargeError(f"response too large: over {max_bytes} bytes")
            parts.append(raw)
            continue
        for step, piece in enumerate(inflater.inflate(raw), start=1):
            size += len(piece)
            if size > max_bytes:
                raise TooLargeError(f"response too large: over {max_bytes} bytes once decompressed")
            parts.append(piece)
            if step % _YIELD_EVERY == 0:
                await asyncio.sleep(0)
        await asyncio.sleep(0)
        if inflater.finished:
            break  # what follows the last member is ignored: no need to download it
    return b"".join(parts)


async def _raw_pieces(raw: bytes) -> AsyncIterator[bytes]:
    for start in range(0, len(raw), _STEP):
        yield raw[start : start + _STEP]


async def _body(response: Response, max_bytes: int) -> bytes:
    encoding = (response.header("content-encoding") or "identity").strip().lower()
    if encoding not in ("identity", "gzip", "x-gzip", "deflate"):
        raise FetchError(f"unsupported content encoding {encoding[:40]!r}")
    if encoding == "identity":
        return response.body  # the client kept it within max_bytes
    return await read_body(_raw_pieces(response.body), encoding, max_bytes)


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    value = value.strip()
    if _DIGITS.fullmatch(value):
        return float(value[:12])  # beyond that, "wait forever" (sync caps the wait)
    from email.utils import parsedate_to_datetime  # a date here is rare: not at start-up

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    from datetime import UTC, datetime

    if moment.tzinfo is None:
        return None
    return max(0.0, (moment - datetime.now(UTC)).total_seconds())


def _host(url: str) -> str:
    """The host, for messages (the URL, cut, when it has none)."""
    try:
        return (urlsplit(url).hostname or url)[:200]
    except ValueError:
        return url[:200]


def _causes(error: BaseException) -> list[BaseException]:
    chain: list[BaseException] = []
    current: BaseException | None = error
    while current is not None and len(chain) < 10:
        chain.append(current)
        current = current.__cause__ or current.__context__
    return chain


_TLS_ERRORS = frozenset((35, 58, 59, 60, 64, 66, 77, 80, 82, 83, 90, 91))
"""libcurl's codes for a TLS handshake or certificate that failed."""
_BROKEN = frozenset((8, 16, 18, 52, 55, 56, 61, 92, 95, 100))
"""libcurl's codes for an answer cut short or malformed (``CURLE_PARTIAL_FILE``,
``CURLE_RECV_ERROR``, ``CURLE_WEIRD_SERVER_REPLY``, HTTP/2 errors, headers too large)."""


def _describe(error: BaseException, url: str, max_bytes: int) -> FetchError:
    """One line for a transport failure, saying what a user can act on."""
    from newsreader.sources.transfer import TransferError

    host = _host(url)
    if not isinstance(error, TransferError):  # a URL that cannot be sent as it is
        return FetchError(f"invalid URL: {url[:200]}")
    text = str(error).strip().splitlines()[0][:120] if str(error).strip() else ""
    code = error.code
    if error.reason == "too-large":
        return TooLargeError(f"response too large: over {max_bytes} bytes")
    if error.reason == "header-flood":
        return FetchError(f"connection to {host} broke: more than {MAX_HEADERS} headers")
    if code == 28:
        return FetchTimeoutError(f"timed out connecting to or reading from {host}")
    if code == 6:
        return FetchError(f"cannot resolve host {host!r} (DNS lookup failed)")
    if code == 5:
        return FetchError(f"cannot resolve the proxy for {host} (DNS lookup failed)")
    if code in _TLS_ERRORS:
        return FetchError(f"TLS error talking to {host}: {text}")
    if code == 7:
        if error.os_errno in (111, 61, 10061):  # ECONNREFUSED on Linux, BSD, Windows
            return FetchError(f"connection refused by {host}")
        import os

        reason = os.strerror(error.os_errno) if error.os_errno else text
        return FetchError(f"cannot connect to {host}: {reason[:120]}")
    if code in (1, 3):
        return FetchError(f"invalid URL: {url[:200]}")
    if code in _BROKEN:
        return FetchError(f"connection to {host} broke: {text or 'closed by the server'}")
    return FetchError(f"request to {host} failed: {text or f'libcurl error {code}'}")


def _transport_errors() -> tuple[type[BaseException], ...]:
    from newsreader.sources.transfer import TransferError

    return (TransferError, ValueError, UnicodeError)


async def _request(
    client: Client,
    url: str,
    *,
    max_bytes: int,
    timeout: float,
    headers: dict[str, str],
) -> RawDocument | NotModified:
    conditional = "If-None-Match" in headers or "If-Modified-Since" in headers
    failures = _transport_errors()
    seen: set[str] = set()
    for _ in range(MAX_REDIRECTS + 1):
        seen.add(url)
        try:
            response = await client.send(
                "GET",
                url,
                headers=headers,
                max_bytes=max_bytes,
                timeout=timeout,
                proxy=proxy_for(url),
                keep_error_body=False,
            )
        except failures as error:
            raise _describe(error, url, max_bytes) from None
        status = response.status
        if status in (301, 302, 303, 307, 308):
            location = response.header("location")
            if not location:
                raise FetchError(f"HTTP {status} redirect from {_host(url)} without a Location")
            try:
                target = urljoin(url, location.strip())
                parts = urlsplit(target)
                parts.port  # noqa: B018 - raises ValueError for a port that is not a number
            except ValueError:
                raise FetchError("redirect to an invalid URL") from None
            scheme = parts.scheme.lower()
            if scheme not in ("http", "https"):
                raise FetchError(
                    f"refused redirect to a non-http location ({scheme[:20] or 'none'}:)"
                )
            if not parts.hostname:
                raise FetchError("redirect to an invalid URL (no host)")
            if target in seen:
                raise FetchError(f"redirect loop at {_host(target)}")
            url = target
            continue
        max_age_match = _MAX_AGE.search(response.header("cache-control"))
        max_age = int(max_age_match.group(1)[:12]) if max_age_match else None
        if status == 304:
            if not conditional:
                # Nothing was asked conditionally, so there is no copy to keep.
                raise FetchError(
                    f"HTTP 304 Not Modified from {_host(url)} to a request that was "
                    "not conditional",
                    status=status,
                )
            return NotModified(location=url, max_age=max_age)
        if status >= 400:
            reason = (response.reason or "")[:100]
            raise FetchError(
                f"HTTP {status} {reason} from {_host(url)}".strip(),
                status=status,
                retry_after=_retry_after(response.header("retry-after")),
            )
        if status >= 300 or status < 200:
            raise FetchError(f"unexpected HTTP {status} from {_host(url)}", status=status)
        body = await _body(response, max_bytes)
        content_type = response.header("content-type")
        mime, _, params = content_type.partition(";")
        charset = re.search(r"charset\s*=\s*[\"']?([^\"';\s]{1,40})", params, re.I)
        return RawDocument(
            body=body,
            location=url,
            content_type=mime.strip().lower() or None,
            charset=charset.group(1) if charset else None,
            is_url=True,
            etag=response.header("etag") or None,
            last_modified=response.header("last-modified") or None,
            max_age=max_age,
        )
    raise FetchError(f"too many redirects (more than {MAX_REDIRECTS})")


def _header_safe(value: str) -> bool:
    """True for a value an HTTP request header can carry as it is."""
    return value.isascii() and value.isprintable() and len(value) <= 1024


def fetch_headers(
    *, etag: str | None, last_modified: str | None, user_agent: str | None
) -> dict[str, str]:
    """The headers :func:`fetch` adds to the client's own (a sync's head start plans
    the same request)."""
    headers: dict[str, str] = {}
    # Validators are the server's own words sent back; one that no header can carry
    # (non-ASCII, control characters) makes the request unconditional instead.
    if etag and _header_safe(etag):
        headers["If-None-Match"] = etag
    if last_modified and _header_safe(last_modified):
        headers["If-Modified-Since"] = last_modified
    if user_agent:
        headers["User-Agent"] = user_agent
    return headers


async def fetch(
    client: Client,
    url: str,
    *,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
    etag: str | None = None,
    last_modified: str | None = None,
    user_agent: str | None = None,
) -> RawDocument | NotModified:
    """GET ``url`` within ``timeout`` seconds overall and ``max_bytes`` of body.

    With ``etag`` / ``last_modified`` the request is conditional and may return
    :class:`NotModified`. Raises :class:`FetchError` (or a subclass) on any failure.
    """
    check_url(url)
    headers = fetch_headers(etag=etag, last_modified=last_modified, user_agent=user_agent)
    try:
        async with asyncio.timeout(timeout):
            return await _request(
                client, url, max_bytes=max_bytes, timeout=timeout, headers=headers
            )
    except TimeoutError:
        raise FetchTimeoutError(
            f"{_host(url)} did not answer in full within {timeout:g} s"
        ) from None


def fetch_url(
    url: str, *, timeout: float = DEFAULT_TIMEOUT, max_bytes: int = DEFAULT_MAX_BYTES
) -> RawDocument:
    """Fetch one URL from synchronous code (``newsreader open``)."""

    async def run() -> RawDocument:
        async with make_client(timeout=timeout) as client:
            result = await fetch(client, url, timeout=timeout, max_bytes=max_bytes)
        if not isinstance(result, RawDocument):  # fetch() never does this unasked
            raise FetchError(f"HTTP 304 Not Modified from {_host(url)}", status=304)
        return result

    return asyncio.run(run())


class Reply(NamedTuple):
    """A whole answer to :func:`request`, whatever its status (a named tuple: this
    module is imported by ``newsreader open`` on every URL, and a dataclass costs its
    generated methods at import)."""

    status: int
    reason: str
    body: bytes
    """The body, decompressed, never over the size cap."""
    content_type: str | None
    """The media type alone, lowercased (``application/json``)."""
    location: str | None
    """The ``Location`` header of a redirect, as sent."""
    retry_after: float | None
    """Seconds the server asked us to wait (429, 503)."""
    headers: tuple[tuple[str, str], ...] = ()
    """Every response header, names lowercased, for the few a caller needs."""

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (any case), or None."""
        wanted = name.lower()
        return next((value for key, value in self.headers if key == wanted), None)


async def request(
    client: Client,
    method: str,
    url: str,
    *,
    params: Sequence[tuple[str, str]] = (),
    form: Sequence[tuple[str, str]] | None = None,
    headers: dict[str, str] | None = None,
    timeout: float = DEFAULT_TIMEOUT,
    max_bytes: int = DEFAULT_MAX_BYTES,
) -> Reply:
    """Send one API request within ``timeout`` seconds overall and ``max_bytes`` of body.

    ``params`` and ``form`` are ordered pairs so that a key may repeat (``i=1&i=2``);
    ``form`` is sent url-encoded. The reply comes back for every status; transport
    failures, the deadline and the size cap raise :class:`FetchError` like
    :func:`fetch`, with messages that name the host only (a URL's query may hold
    secrets).
    """
    check_url(url)
    failures = _transport_errors()
    content: bytes | None = None
    sent = dict(headers or {})
    if form is not None:
        content = urlencode(list(form)).encode("ascii")
        sent.setdefault("Content-Type", "application/x-www-form-urlencoded")
    if params:
        url = f"{url}{'&' if urlsplit(url).query else '?'}{urlencode(list(params))}"
    try:
        async with asyncio.timeout(timeout):
            try:
                response = await client.send(
                    method,
                    url,
                    body=content,
                    headers=sent,
                    max_bytes=max_bytes,
                    timeout=timeout,
                    proxy=proxy_for(url),
                )
            except failures as error:
                raise _describe(error, _host_only(url), max_bytes) from None
            body = await _body(response, max_bytes)
            mime = response.header("content-type").partition(";")[0]
            return Reply(
                status=response.status,
                reason=response.reason,
                body=body,
                content_type=mime.strip().lower() or None,
                location=response.header("location") or None,
                retry_after=_retry_after(response.header("retry-after") or None),
                headers=response.headers,
            )
    except TimeoutError:
        raise FetchTimeoutError(
            f"{_host(url)} did not answer in full within {timeout:g} s"
        ) from None


def _host_only(url: str) -> str:
    """The URL without its query, for messages (an API's query may hold secrets)."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return _host(url)
    return f"{parts.scheme}://{parts.netloc}{parts.path}"
