"""A real HTTP server on 127.0.0.1 that misbehaves on request.

Each route is a function that writes a whole raw HTTP response (or deliberately does
not), so tests exercise the real client against slow, broken and hostile servers
rather than a mock. Tests add routes with :meth:`LoopbackServer.route`.
"""

from __future__ import annotations

import gzip
import socket
import threading
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
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

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
    "conditional",
    "endless",
    "free_port",
    "gzip_bomb",
    "redirect",
    "reset",
    "respond",
    "rss",
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
