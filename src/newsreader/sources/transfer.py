"""Requests on libcurl's multi interface, driven by the asyncio event loop.

libcurl (through :mod:`pycurl`) makes the requests: connections, TLS, HTTP/1.1 and
HTTP/2, chunked bodies, proxies. It is the engine newsboat uses too. Compared with an
asyncio HTTP client it costs little at start-up (importing it takes 0.03 s, where
aiohttp took 0.17 s, before the first request of every sync) and little per request,
because the transfer itself never runs Python. libcurl tells the loop which sockets to
watch and when to wake it (``M_SOCKETFUNCTION``, ``M_TIMERFUNCTION``); the loop hands
each ready socket back to it (``socket_action``). Nothing here blocks the loop.

This module knows transfers only: :mod:`newsreader.sources.http` puts the manners and
limits on top (the overall deadline, decompression within the size cap, redirects,
conditional requests, messages). What this module promises it:

- the raw body (still compressed) is never held beyond ``max_bytes``: a declared
  ``Content-Length`` over it is refused before the body is read, and the transfer is
  stopped as soon as more arrives;
- at most ``max_headers`` response headers are read (a flood is refused);
- only http and https are spoken (a URL of another scheme never reaches a socket);
- no redirect is followed, no cookie kept, no ``.netrc`` read, no proxy taken from the
  environment (the caller names the proxy), no content decoded;
- a cancelled request (the caller's deadline) is removed from libcurl at once, which
  closes its connection.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
from collections.abc import Mapping
from typing import Any, NamedTuple
from urllib.parse import quote, urlsplit, urlunsplit

import pycurl

__all__ = ["Client", "Response", "TransferError"]

_BACKSTOP_MS = 1000
"""How long after the caller's deadline libcurl's own timeout ends a transfer."""
_SAFE = "/:?#[]@!$&'()*+,;=%~"
"""What stays as it is when a URL is made ASCII (percent escapes already there too)."""


class TransferError(Exception):
    """A request that failed before a whole answer came: libcurl's error code, its
    message, the operating system's error number when it has one, and what this
    module itself refused (``reason``: ``too-large`` or ``header-flood``)."""

    def __init__(self, code: int, message: str, *, os_errno: int = 0, reason: str = "") -> None:
        super().__init__(message)
        self.code = code
        self.os_errno = os_errno
        self.reason = reason


class Response(NamedTuple):
    """One whole answer (a named tuple, as the other records on the request path)."""

    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    """Every header of the final answer, names lowercased, in order."""
    body: bytes
    """The raw body, as sent (``Content-Encoding`` not undone), at most ``max_bytes``."""

    def header(self, name: str, default: str = "") -> str:
        """The first value of header ``name`` (lowercase), or ``default``."""
        return next((value for key, value in self.headers if key == name), default)


def wire_url(url: str) -> str:
    """``url`` as libcurl takes it: the host IDNA-encoded, other non-ASCII characters
    and spaces percent-encoded (UTF-8), the fragment dropped (never sent).

    Raises ValueError (or UnicodeError) for what cannot be made a URL.
    """
    if not url.isprintable():
        raise ValueError("control character in URL")
    if url.isascii() and " " not in url and "#" not in url:
        return url
    parts = urlsplit(url)
    netloc = parts.netloc
    host = parts.hostname or ""
    if not host.isascii():
        userinfo, at, _ = netloc.rpartition("@")
        port = f":{parts.port}" if parts.port is not None else ""
        netloc = f"{userinfo}{at}{host.encode('idna').decode('ascii')}{port}"
    return urlunsplit(
        (
            parts.scheme,
            quote(netloc, safe=_SAFE),
            quote(parts.path, safe=_SAFE),
            quote(parts.query, safe=_SAFE),
            "",
        )
    )


class _Transfer:
    """One request in flight: where its answer is gathered, and the future it ends in."""

    __slots__ = (
        "body",
        "declared",
        "done",
        "headers",
        "keep_error_body",
        "max_bytes",
        "max_headers",
        "reason",
        "refused",
        "size",
        "status",
    )

    def __init__(
        self,
        done: asyncio.Future[Response],
        max_bytes: int,
        max_headers: int,
        keep_error_body: bool,
    ) -> None:
        self.done = done
        self.max_bytes = max_bytes
        self.max_headers = max_headers
        self.keep_error_body = keep_error_body
        self.body: list[bytes] = []
        self.size = 0
        self.headers: list[tuple[str, str]] = []
        self.status = 0
        self.reason = ""
        self.declared = 0
        self.refused = ""
        """Why this module stopped the transfer, when it did."""

    def on_header(self, line: bytes) -> int | None:
        """libcurl's header callback: one raw header line at a time. (No callback may
        raise: pycurl would print the traceback.)"""
        text = _decode(line).rstrip("\r\n")
        if text.startswith("HTTP/"):
            # A new answer (after a 100 Continue, or the proxy's): start again.
            _, _, rest = text.partition(" ")
            code, _, reason = rest.partition(" ")
            self.status = int(code) if code.isascii() and code.isdigit() else 0
            self.reason = reason.strip()[:200]
            self.headers.clear()
            self.declared = 0
            return None
        if not text:
            if self.declared > self.max_bytes and self.status >= 200 and self._kept():
                self.refused = "too-large"
                return 0  # stops the transfer (CURLE_WRITE_ERROR)
            return None
        if text[0] in " \t" and self.headers:  # an obsolete folded continuation
            name, value = self.headers[-1]
            self.headers[-1] = (name, f"{value} {text.strip()}")
            return None
        name, colon, value = text.partition(":")
        if not colon:
            return None
        if len(self.headers) >= self.max_headers:
            self.refused = "header-flood"
            return 0
        name = name.strip().lower()
        value = value.strip()
        if name == "content-length":
            digits = value[:20]
            self.declared = int(digits) if digits.isascii() and digits.isdigit() else 0
        self.headers.append((name, value))
        return None

    def _kept(self) -> bool:
        return self.keep_error_body or 200 <= self.status < 300

    def on_body(self, data: bytes) -> int | None:
        """libcurl's write callback: raw body bytes as they come."""
        self.size += len(data)
        kept = self._kept()
        if self.size > self.max_bytes:
            # A body nobody reads is cut short, and the answer stands without it.
            self.refused = "too-large" if kept else "enough"
            return 0
        if kept:
            self.body.append(data)
        return None

    def response(self) -> Response:
        reason = self.reason or _phrase(self.status)
        return Response(self.status, reason, tuple(self.headers), b"".join(self.body))


def _phrase(status: int) -> str:
    """The standard reason phrase, for an answer that gave none (HTTP/2 never does)."""
    from http import HTTPStatus

    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return ""


def _decode(line: bytes) -> str:
    try:
        return line.decode("utf-8")
    except UnicodeDecodeError:
        return line.decode("latin-1")


class Client:
    """One libcurl multi handle on the running event loop: pooled connections, a DNS
    cache, at most ``max_connections`` open at once (further requests wait inside
    libcurl). Create it inside the loop that uses it; :meth:`close` it there."""

    def __init__(
        self,
        *,
        headers: Mapping[str, str],
        connect_timeout: float,
        max_connections: int = 32,
        max_headers: int = 128,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._headers = {name.lower(): (name, value) for name, value in headers.items()}
        self._connect_ms = max(1, int(connect_timeout * 1000))
        self._max_headers = max_headers
        self._multi = pycurl.CurlMulti()
        self._multi.setopt(pycurl.M_SOCKETFUNCTION, self._on_socket)
        self._multi.setopt(pycurl.M_TIMERFUNCTION, self._on_timer)
        self._multi.setopt(pycurl.M_MAX_TOTAL_CONNECTIONS, max_connections)
        self._multi.setopt(pycurl.M_MAXCONNECTS, max_connections)
        self._timer: asyncio.TimerHandle | None = None
        self._watched: dict[int, int] = {}
        """Socket → the events the loop watches on it for libcurl."""
        self._active: dict[pycurl.Curl, _Transfer] = {}
        self._spare: list[pycurl.Curl] = []
        self._ca: tuple[str | None, str | None] | None = None
        self._closed = False

    async def __aenter__(self) -> Client:
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.close()

    async def send(
        self,
        method: str,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        body: bytes | None = None,
        max_bytes: int,
        timeout: float,
        proxy: str | None = None,
        keep_error_body: bool = True,
    ) -> Response:
        """Send one request and return the whole answer, whatever its status.

        ``timeout`` is the caller's deadline; libcurl ends the transfer itself a second
        later, should the caller not. Without ``keep_error_body`` the body of an
        answer that is not 2xx is not kept, and no more than ``max_bytes`` of it read.
        Raises :class:`TransferError`, or ValueError for a URL libcurl cannot take.
        """
        if self._closed:
            raise RuntimeError("the HTTP client is closed")
        target = wire_url(url)
        done: asyncio.Future[Response] = self._loop.create_future()
        transfer = _Transfer(done, max_bytes, self._max_headers, keep_error_body)
        curl = self._spare.pop() if self._spare else pycurl.Curl()
        try:
            self._prepare(curl, transfer, method, target, headers, body, timeout, proxy)
        except BaseException:
            curl.close()
            raise
        self._active[curl] = transfer
        self._multi.add_handle(curl)
        # Start it now rather than on the timer libcurl asks for: each new request
        # would push that timer back, and a burst of answers would send the next
        # requests only once the last answer is handled.
        self._act(pycurl.SOCKET_TIMEOUT, 0)
        try:
            return await done
        finally:
            if self._active.pop(curl, None) is not None:  # cancelled: stop it now
                self._multi.remove_handle(curl)
            self._recycle(curl)

    def _prepare(
        self,
        curl: pycurl.Curl,
        transfer: _Transfer,
        method: str,
        url: str,
        headers: Mapping[str, str] | None,
        body: bytes | None,
        timeout: float,
        proxy: str | None,
    ) -> None:
        merged = dict(self._headers)
        for name, value in (headers or {}).items():
            merged[name.lower()] = (name, value)
        lines = ["Expect:"]  # no 100-continue round trip before a form
        for name, value in merged.values():
            if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
                raise ValueError("line break in a request header")
            lines.append(f"{name}: {value}")
        curl.setopt(pycurl.URL, url)
        curl.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
        curl.setopt(pycurl.NOSIGNAL, 1)
        curl.setopt(pycurl.FOLLOWLOCATION, 0)
        curl.setopt(pycurl.HTTP_CONTENT_DECODING, 0)
        # The caller's deadline (the same ``timeout``, on the loop) is the one that
        # speaks; libcurl's own is a backstop a second later, so that the two never race
        # for the message. The connect timeout counts only when it comes first.
        deadline = max(1, int(timeout * 1000))
        backstop = deadline + _BACKSTOP_MS
        connect = self._connect_ms if self._connect_ms < deadline else backstop
        curl.setopt(pycurl.CONNECTTIMEOUT_MS, connect)
        curl.setopt(pycurl.TIMEOUT_MS, backstop)
        # "": no proxy from the environment either. A proxy's own answer to CONNECT
        # comes before the server's, which starts the headers again (on_header).
        curl.setopt(pycurl.PROXY, proxy or "")
        curl.setopt(pycurl.HTTPHEADER, lines)
        curl.setopt(pycurl.HEADERFUNCTION, transfer.on_header)
        curl.setopt(pycurl.WRITEFUNCTION, transfer.on_body)
        if url[:6].lower() == "https:":
            cafile, capath = self._certificates()
            if cafile:
                curl.setopt(pycurl.CAINFO, cafile)
            if capath:
                curl.setopt(pycurl.CAPATH, capath)
        verb = method.upper()
        if verb == "GET" and body is None:
            curl.setopt(pycurl.HTTPGET, 1)
        elif verb == "POST":
            curl.setopt(pycurl.POST, 1)
            curl.setopt(pycurl.POSTFIELDS, body or b"")
        else:
            curl.setopt(pycurl.CUSTOMREQUEST, verb)
            if body is not None:
                curl.setopt(pycurl.POSTFIELDS, body)

    def _certificates(self) -> tuple[str | None, str | None]:
        """Where Python's own TLS finds the trusted certificates (``SSL_CERT_FILE``
        and ``SSL_CERT_DIR`` included): the bundled libcurl's built-in place may not
        exist on this system. Imported on the first https request only."""
        if self._ca is None:
            import ssl

            paths = ssl.get_default_verify_paths()
            cafile = paths.cafile if paths.cafile and os.path.isfile(paths.cafile) else None
            capath = paths.capath if paths.capath and os.path.isdir(paths.capath) else None
            self._ca = (cafile, capath)
        return self._ca

    def _recycle(self, curl: pycurl.Curl) -> None:
        if self._closed or len(self._spare) >= 64:
            curl.close()
            return
        curl.reset()  # drops the callbacks, and with them the transfer
        self._spare.append(curl)

    # -- libcurl's side: sockets, the timer, finished transfers ------------------------

    def _on_socket(self, event: int, fd: int, multi: Any, data: Any) -> None:
        loop = self._loop
        old = self._watched.get(fd, 0)
        new = 0 if event == pycurl.POLL_REMOVE else event & (pycurl.POLL_IN | pycurl.POLL_OUT)
        if old & pycurl.POLL_IN and not new & pycurl.POLL_IN:
            loop.remove_reader(fd)
        if old & pycurl.POLL_OUT and not new & pycurl.POLL_OUT:
            loop.remove_writer(fd)
        if new & pycurl.POLL_IN and not old & pycurl.POLL_IN:
            loop.add_reader(fd, self._act, fd, pycurl.CSELECT_IN)
        if new & pycurl.POLL_OUT and not old & pycurl.POLL_OUT:
            loop.add_writer(fd, self._act, fd, pycurl.CSELECT_OUT)
        if new:
            self._watched[fd] = new
        else:
            self._watched.pop(fd, None)

    def _on_timer(self, milliseconds: int) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if milliseconds >= 0 and not self._closed:
            self._timer = self._loop.call_later(
                milliseconds / 1000, self._act, pycurl.SOCKET_TIMEOUT, 0
            )

    def _act(self, fd: int, events: int) -> None:
        if self._closed:
            return
        if fd == pycurl.SOCKET_TIMEOUT:
            self._timer = None
        try:
            while True:
                code, _running = self._multi.socket_action(fd, events)
                if code != pycurl.E_CALL_MULTI_PERFORM:
                    break
        except pycurl.error as error:  # the multi handle itself failed (out of memory...)
            for curl, transfer in list(self._active.items()):
                with contextlib.suppress(pycurl.error):
                    self._multi.remove_handle(curl)
                del self._active[curl]
                if not transfer.done.done():
                    transfer.done.set_exception(TransferError(-1, str(error)))
            return
        self._collect()

    def _collect(self) -> None:
        while True:
            queued, succeeded, failed = self._multi.info_read()
            for curl in succeeded:
                self._finish(curl, None)
            for curl, code, message in failed:
                self._finish(curl, (code, message))
            if not queued:
                return

    def _finish(self, curl: pycurl.Curl, failure: tuple[int, str] | None) -> None:
        self._multi.remove_handle(curl)
        transfer = self._active.pop(curl, None)
        if transfer is None or transfer.done.done():
            return
        if failure is None or transfer.refused == "enough":
            transfer.done.set_result(transfer.response())
            return
        code, message = failure
        os_errno = int(curl.getinfo(pycurl.OS_ERRNO) or 0)
        transfer.done.set_exception(
            TransferError(code, message, os_errno=os_errno, reason=transfer.refused)
        )

    async def close(self) -> None:
        """Stop every transfer left and close the connections."""
        if self._closed:
            return
        self._closed = True
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        for curl, transfer in list(self._active.items()):
            self._multi.remove_handle(curl)
            if not transfer.done.done():
                transfer.done.cancel()
        self._active.clear()
        for curl in self._spare:
            curl.close()
        self._spare.clear()
        self._multi.close()
        for fd, events in list(self._watched.items()):
            if events & pycurl.POLL_IN:
                self._loop.remove_reader(fd)
            if events & pycurl.POLL_OUT:
                self._loop.remove_writer(fd)
        self._watched.clear()
