"""One request on a libcurl easy handle: its options, and how its answer is gathered.

No event loop here: :mod:`newsreader.sources.transfer` drives these requests on the
asyncio loop, and :mod:`newsreader.sources.head_start` on a thread of its own before
that loop exists. Both send exactly the same request for the same arguments, which is
what lets a sync take an answer the head start got (see :func:`request_lines`).

What a request promises its driver:

- the raw body (still compressed) is never held beyond ``max_bytes``: a declared
  ``Content-Length`` over it is refused before the body is read, and the transfer is
  stopped as soon as more arrives;
- at most ``max_headers`` response headers are read (a flood is refused);
- only http and https are spoken (a URL of another scheme never reaches a socket);
- no redirect is followed, no cookie kept, no ``.netrc`` read, no proxy taken from the
  environment (the caller names the proxy), no content decoded.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping
from typing import Any, NamedTuple

import pycurl

__all__ = [
    "Response",
    "Transfer",
    "TransferError",
    "certificates",
    "prepare",
    "request_lines",
    "wire_url",
]

BACKSTOP_MS = 1000
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
    from urllib.parse import quote, urlsplit, urlunsplit

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


class Transfer:
    """One request in flight: where its answer is gathered, and (``done``) whatever
    its driver delivers the answer through."""

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

    def __init__(self, max_bytes: int, max_headers: int, keep_error_body: bool) -> None:
        self.done: Any = None
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

    def outcome(
        self, curl: pycurl.Curl, failure: tuple[int, str] | None
    ) -> Response | TransferError:
        """The answer once libcurl is done with ``curl`` (``failure``: its error code
        and message), or the error to raise instead."""
        if failure is None or self.refused == "enough":
            return self.response()
        code, message = failure
        os_errno = int(curl.getinfo(pycurl.OS_ERRNO) or 0)
        return TransferError(code, message, os_errno=os_errno, reason=self.refused)


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


def default_headers(headers: Mapping[str, str]) -> dict[str, tuple[str, str]]:
    """A client's own headers, by lowercased name, for :func:`request_lines`."""
    return {name.lower(): (name, value) for name, value in headers.items()}


def request_lines(
    defaults: Mapping[str, tuple[str, str]], headers: Mapping[str, str] | None
) -> tuple[str, ...]:
    """The header lines of a request: the client's ``defaults`` (from
    :func:`default_headers`), overridden by the request's own ``headers`` whatever their
    case. Raises ValueError for a line break in a name or a value."""
    merged = dict(defaults)
    for name, value in (headers or {}).items():
        merged[name.lower()] = (name, value)
    lines = ["Expect:"]  # no 100-continue round trip before a form
    for name, value in merged.values():
        if "\r" in value or "\n" in value or "\r" in name or "\n" in name:
            raise ValueError("line break in a request header")
        lines.append(f"{name}: {value}")
    return tuple(lines)


def prepare(
    curl: pycurl.Curl,
    transfer: Transfer,
    method: str,
    url: str,
    lines: tuple[str, ...],
    body: bytes | None,
    *,
    timeout: float,
    connect_ms: int,
    proxy: str | None,
) -> None:
    """Set ``curl`` up for one request to ``url`` (already :func:`wire_url`)."""
    curl.setopt(pycurl.URL, url)
    curl.setopt(pycurl.PROTOCOLS, pycurl.PROTO_HTTP | pycurl.PROTO_HTTPS)
    curl.setopt(pycurl.NOSIGNAL, 1)
    curl.setopt(pycurl.FOLLOWLOCATION, 0)
    curl.setopt(pycurl.HTTP_CONTENT_DECODING, 0)
    # The caller's deadline (the same ``timeout``, on its side) is the one that
    # speaks; libcurl's own is a backstop a second later, so that the two never race
    # for the message. The connect timeout counts only when it comes first.
    deadline = max(1, int(timeout * 1000))
    backstop = deadline + BACKSTOP_MS
    connect = connect_ms if connect_ms < deadline else backstop
    curl.setopt(pycurl.CONNECTTIMEOUT_MS, connect)
    curl.setopt(pycurl.TIMEOUT_MS, backstop)
    # "": no proxy from the environment either. A proxy's own answer to CONNECT
    # comes before the server's, which starts the headers again (on_header).
    curl.setopt(pycurl.PROXY, proxy or "")
    curl.setopt(pycurl.HTTPHEADER, list(lines))
    curl.setopt(pycurl.HEADERFUNCTION, transfer.on_header)
    curl.setopt(pycurl.WRITEFUNCTION, transfer.on_body)
    if url[:6].lower() == "https:":
        cafile, capath = certificates()
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


@functools.cache
def certificates() -> tuple[str | None, str | None]:
    """Where Python's own TLS finds the trusted certificates (``SSL_CERT_FILE`` and
    ``SSL_CERT_DIR`` included): the bundled libcurl's built-in place may not exist on
    this system. Looked up on the first https request only."""
    import ssl

    paths = ssl.get_default_verify_paths()
    cafile = paths.cafile if paths.cafile and os.path.isfile(paths.cafile) else None
    capath = paths.capath if paths.capath and os.path.isdir(paths.capath) else None
    return cafile, capath
