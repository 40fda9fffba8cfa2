"""A real HTTP server on 127.0.0.1 that misbehaves on request.

Each route is a function that writes a whole raw HTTP response (or deliberately does
not), so tests exercise the real client against slow, broken and hostile servers
rather than a mock. Tests add routes with :meth:`LoopbackServer.route` (and change
them: a route may answer well once, then misbehave).

The faults: a trickling or silent server, a reset connection, error statuses (with
``Retry-After``), redirects (loops, to ``file:``, ``ftp:``, ``javascript:``), gzip and
deflate bombs, an endless body, gzip in several members or followed by junk, a
Content-Length that lies or is no number, chunked encoding gone wrong, a flood of
headers, a 304 nobody asked for and a charset header that lies. Every handler ends
when its bytes are written, the client leaves or the server stops.
"""

from __future__ import annotations

import gzip
import socket
import ssl
import threading
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

Handler = Callable[[BaseHTTPRequestHandler], None]


def respond(
    handler: BaseHTTPRequestHandler,
    body: bytes,
    *,
    status: int = 200,
    content_type: str = "text/html; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> None:
    """Send a complete response with a Content-Length."""
    handler.send_response(status)
    handler.send_header("Content-Type", content_type)
    handler.send_header("Content-Length", str(len(body)))
    for name, value in (headers or {}).items():
        handler.send_header(name, value)
    handler.end_headers()
    handler.wfile.write(body)


def redirect(location: str, status: int = 302) -> Handler:
    def handle(handler: BaseHTTPRequestHandler) -> None:
        respond(handler, b"", status=status, headers={"Location": location})

    return handle


def static(
    body: bytes | str,
    content_type: str = "text/html; charset=utf-8",
    status: int = 200,
    headers: dict[str, str] | None = None,
) -> Handler:
    data = body.encode("utf-8") if isinstance(body, str) else body

    def handle(handler: BaseHTTPRequestHandler) -> None:
        respond(handler, data, status=status, content_type=content_type, headers=headers)

    return handle


def trickle(stop: threading.Event, interval: float = 0.2) -> Handler:
    """Headers at once, then one byte every ``interval`` seconds until the client leaves."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html; charset=utf-8")
        handler.send_header("Content-Length", "1000000")
        handler.end_headers()
        try:
            while not stop.wait(interval):
                handler.wfile.write(b"x")
                handler.wfile.flush()
        except OSError:
            return

    return handle


def silent(stop: threading.Event) -> Handler:
    """Accept the request and never answer."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        stop.wait(30)

    return handle


def gzip_bomb(inflated: int = 64 * 1024 * 1024) -> Handler:
    """A small gzip body that inflates to ``inflated`` bytes of zeros."""
    payload = gzip.compress(b"\0" * inflated, compresslevel=9)

    def handle(handler: BaseHTTPRequestHandler) -> None:
        respond(handler, payload, headers={"Content-Encoding": "gzip"})

    return handle


def endless(chunk: bytes = b"<p>" + b"a" * 65536 + b"</p>") -> Handler:
    """A chunked body that never ends (no Content-Length to refuse it early)."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Transfer-Encoding", "chunked")
        handler.end_headers()
        try:
            for _ in range(100_000):
                handler.wfile.write(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
        except OSError:
            return

    return handle


def encoded(body: bytes, encoding: str, *, content_type: str = "application/rss+xml") -> Handler:
    """``body`` already compressed by the caller, sent with ``Content-Encoding``."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        respond(handler, body, content_type=content_type, headers={"Content-Encoding": encoding})

    return handle


def gzip_members(body: bytes, parts: int = 3, **options: str) -> Handler:
    """``body`` as several gzip members one after another (legal, RFC 1952)."""
    size = len(body) // parts + 1
    members = b"".join(gzip.compress(body[i : i + size]) for i in range(0, len(body), size))
    return encoded(members, "gzip", **options)


def gzip_junk(body: bytes, junk: bytes = b"\r\nJUNK AFTER THE END", **options: str) -> Handler:
    """A gzip body followed by bytes that are no gzip member (a broken server)."""
    return encoded(gzip.compress(body) + junk, "gzip", **options)


def deflate_bomb(inflated: int = 64 * 1024 * 1024) -> Handler:
    """A small zlib ("deflate") body that inflates to ``inflated`` bytes of zeros."""
    return encoded(zlib.compress(b"\0" * inflated, 9), "deflate", content_type="text/html")


def raw(head: bytes, body: bytes = b"", *, close: bool = True) -> Handler:
    """Exactly these bytes on the wire (status line and headers included), then close."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        try:
            handler.wfile.write(head + body)
            handler.wfile.flush()
        except OSError:
            pass
        handler.close_connection = close

    return handle


def short_body(body: bytes, missing: int = 1000) -> Handler:
    """A Content-Length ``missing`` bytes larger than the body, then the connection closes."""
    head = (
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\n"
        b"Content-Length: " + str(len(body) + missing).encode() + b"\r\nConnection: close\r\n\r\n"
    )
    return raw(head, body)


def bad_length(body: bytes) -> Handler:
    """A Content-Length that is not a number."""
    return raw(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nContent-Length: 12abc\r\n\r\n",
        body,
    )


def chunked_garbage(body: bytes) -> Handler:
    """A chunked body whose second chunk size is no hexadecimal number."""
    return raw(
        b"HTTP/1.1 200 OK\r\nContent-Type: application/rss+xml\r\nTransfer-Encoding: chunked\r\n\r\n"
        + f"{len(body) // 2:x}\r\n".encode()
        + body[: len(body) // 2]
        + b"\r\nzz; not a size\r\n"
        + body[len(body) // 2 :]
        + b"\r\n0\r\n\r\n"
    )


def header_flood(count: int = 20_000, size: int = 0) -> Handler:
    """A status line, then ``count`` headers (or one header ``size`` bytes long)."""
    if size:
        headers = b"X-Flood: " + b"a" * size + b"\r\n"
    else:
        headers = b"".join(b"X-Flood-%d: %d\r\n" % (number, number) for number in range(count))
    return raw(b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n" + headers + b"\r\n<p>x</p>")


def not_modified(handler: BaseHTTPRequestHandler) -> None:
    """304 Not Modified, whatever the request asked (nothing conditional, or not)."""
    handler.send_response(304)
    handler.send_header("ETag", '"never-asked"')
    handler.end_headers()


def recoded(body: bytes, codec: str, declared: str) -> Handler:
    """``body`` (UTF-8) re-encoded in ``codec`` and labelled ``charset=declared``."""
    data = body.decode("utf-8").encode(codec)
    return static(data, f"application/rss+xml; charset={declared}")


def reset(handler: BaseHTTPRequestHandler) -> None:
    """Close the connection without a response."""
    handler.connection.setsockopt(
        socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
    )
    handler.close_connection = True
    handler.connection.close()


@dataclass
class LoopbackServer:
    """A threaded HTTP server bound to 127.0.0.1 on a free port."""

    routes: dict[str, Handler] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    stop: threading.Event = field(default_factory=threading.Event)
    posted: list[tuple[str, bytes]] = field(default_factory=list)
    """Path and body of every POST, in order (an API client's form)."""
    tls: ssl.SSLContext | None = None
    """Serve HTTPS with this context (its certificate loaded) instead of HTTP."""

    def __post_init__(self) -> None:
        server = self

        class RequestHandler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                server.requests.append((self.path, dict(self.headers.items())))
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    respond(self, b"<h1>Not found</h1>", status=404)
                else:
                    route(self)

            def do_POST(self) -> None:
                length = self.headers.get("Content-Length", "0")
                body = self.rfile.read(int(length)) if length.isdigit() else b""
                server.requests.append((self.path, dict(self.headers.items())))
                server.posted.append((self.path, body))
                route = server.routes.get(self.path.split("?")[0])
                if route is None:
                    respond(self, b"<h1>Not found</h1>", status=404)
                else:
                    route(self)

            def log_message(self, format: str, *args: object) -> None:
                return  # keep test output clean

        ThreadingHTTPServer.request_queue_size = 64  # the default 5 drops SYNs under load
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), RequestHandler)
        self.httpd.daemon_threads = True
        if self.tls is not None:
            # The handshake happens in the handler's thread, on its first read: one
            # refused by the client never stops the server.
            self.httpd.socket = self.tls.wrap_socket(
                self.httpd.socket, server_side=True, do_handshake_on_connect=False
            )
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"{'https' if self.tls else 'http'}://{host}:{port}"

    def url(self, path: str) -> str:
        return self.base + path

    def route(self, path: str, handler: Handler) -> str:
        """Serve ``handler`` at ``path``; returns the full URL."""
        self.routes[path] = handler
        return self.url(path)

    def close(self) -> None:
        self.stop.set()
        self.httpd.shutdown()
        self.httpd.server_close()


def free_port() -> int:
    """A port nothing listens on (for 'connection refused')."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


__all__ = [
    "LoopbackServer",
    "bad_length",
    "chunked_garbage",
    "conditional",
    "deflate_bomb",
    "encoded",
    "endless",
    "free_port",
    "gzip_bomb",
    "gzip_junk",
    "gzip_members",
    "header_flood",
    "not_modified",
    "raw",
    "recoded",
    "redirect",
    "reset",
    "respond",
    "rss",
    "short_body",
    "silent",
    "static",
    "trickle",
]


def conditional(
    body: bytes,
    *,
    etag: str = '"v1"',
    last_modified: str | None = None,
    content_type: str = "application/rss+xml; charset=utf-8",
    headers: dict[str, str] | None = None,
) -> Handler:
    """A feed that answers 304 to a request carrying its ETag (or Last-Modified)."""

    def handle(handler: BaseHTTPRequestHandler) -> None:
        extra = {"ETag": etag, **(headers or {})}
        if last_modified:
            extra["Last-Modified"] = last_modified
        if handler.headers.get("If-None-Match") == etag or (
            last_modified and handler.headers.get("If-Modified-Since") == last_modified
        ):
            handler.send_response(304)
            for name, value in extra.items():
                handler.send_header(name, value)
            handler.send_header("Content-Length", "0")
            handler.end_headers()
            return
        respond(handler, body, content_type=content_type, headers=extra)

    return handle


def rss(
    title: str,
    items: list[dict[str, str]],
    *,
    ttl: int | None = None,
    link: str = "https://site.example/",
) -> bytes:
    """A small RSS 2.0 document; each item dict may hold title, link, guid, pubDate,
    description."""
    from xml.sax.saxutils import escape

    parts = [
        f'<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
        f"<title>{escape(title)}</title><link>{escape(link)}</link>"
    ]
    if ttl is not None:
        parts.append(f"<ttl>{ttl}</ttl>")
    for item in items:
        parts.append(
            "<item>" + "".join(f"<{k}>{escape(v)}</{k}>" for k, v in item.items()) + "</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")
