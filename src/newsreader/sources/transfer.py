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
conditional requests, messages). Each request is set up by
:mod:`newsreader.sources.curl`, which says what it promises (size cap, header flood,
http and https only, no redirect, cookie, ``.netrc`` or environment proxy); this module
adds that a cancelled request (the caller's deadline) is removed from libcurl at once,
which closes its connection. A client given a :class:`~newsreader.sources.head_start.HeadStart`
answers a request the head start already sent, the very same one, with that answer.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import pycurl

from newsreader.sources.curl import (
    Response,
    Transfer,
    TransferError,
    default_headers,
    prepare,
    request_lines,
    wire_url,
)

if TYPE_CHECKING:
    from newsreader.sources.head_start import HeadStart

__all__ = ["Client", "Response", "TransferError", "wire_url"]


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
        head_start: HeadStart | None = None,
    ) -> None:
        self._loop = asyncio.get_running_loop()
        self._headers = default_headers(headers)
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
        self._active: dict[pycurl.Curl, Transfer] = {}
        self._spare: list[pycurl.Curl] = []
        self._closed = False
        self.head_start = head_start
        if head_start is not None:
            head_start.attach(self._loop)

    @property
    def connect_ms(self) -> int:
        """libcurl's connect timeout, in milliseconds (a head start's must be the same)."""
        return self._connect_ms

    def request_lines(self, headers: Mapping[str, str] | None) -> tuple[str, ...]:
        """The header lines this client sends with ``headers`` (its own, overridden)."""
        return request_lines(self._headers, headers)

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
        lines = request_lines(self._headers, headers)
        if self.head_start is not None:
            early = self.head_start.take(
                (method, target, lines, body, max_bytes, timeout, proxy, keep_error_body)
            )
            if early is not None:
                # Shielded: this request's deadline may cancel the wait, never the
                # head start's own record of the answer.
                outcome = await asyncio.shield(early)
                if isinstance(outcome, TransferError):
                    raise outcome
                if outcome is not None:
                    return outcome
                # Stopped before its answer: sent from here after all.
        done: asyncio.Future[Response] = self._loop.create_future()
        transfer = Transfer(max_bytes, self._max_headers, keep_error_body)
        transfer.done = done
        curl = self._spare.pop() if self._spare else pycurl.Curl()
        try:
            prepare(
                curl,
                transfer,
                method,
                target,
                lines,
                body,
                timeout=timeout,
                connect_ms=self._connect_ms,
                proxy=proxy,
            )
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
        outcome = transfer.outcome(curl, failure)
        if isinstance(outcome, TransferError):
            transfer.done.set_exception(outcome)
        else:
            transfer.done.set_result(outcome)

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
