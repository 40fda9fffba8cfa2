"""`newsreader open URL` against a real server on 127.0.0.1 that misbehaves on purpose."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from collections.abc import AsyncIterator

import pytest

from newsreader.errors import FetchError, TooLargeError
from newsreader.sources.http import read_body
from tests import server as srv
from tests.checks import assert_clean, assert_one_line_error
from tests.conftest import FIXTURES, SAMPLES, run_cli
from tests.server import LoopbackServer

PAGE = (SAMPLES / "alibaba-datacenter-fr.html").read_bytes()
FRENCH = (
    "<html><head><title>Été</title></head><body><article><h1>Un été à Genève</h1>"
    + (
        "<p>Les données de l'été sont arrivées très tôt à Genève, où l'on a mesuré des "
        "températures élevées pendant des semaines entières, à la surprise générale.</p>" * 5
    )
    + "</article></body></html>"
)


def test_page_over_http(server: LoopbackServer) -> None:
    url = server.route("/article", srv.static(PAGE))
    data = run_cli("open", url, "--format", "json").json()
    assert data["kind"] == "article"
    assert data["title"] == "Un centre de données d'Alibaba en France ?"
    # The canonical URL from the page wins over the address it was fetched from.
    assert (
        data["url"]
        == "https://lepetitjournal.example/international/alibaba-centre-de-donnees-france"
    )
    path, headers = server.requests[-1]
    assert path == "/article"
    assert headers["User-Agent"].startswith("newsreader/")


def test_relative_links_become_absolute(server: LoopbackServer) -> None:
    body = FRENCH.replace(
        "</article>",
        '<p>Lire <a href="/dossier/ete">le dossier complet sur '
        "les canicules</a> et la suite de cette longue enquête sur le climat.</p></article>",
    )
    url = server.route("/ete", srv.static(body))
    markdown = run_cli("open", url, "--format", "json").json()["markdown"]
    assert f"({server.base}/dossier/ete)" in markdown


@pytest.mark.parametrize(
    "content_type", ["application/rss+xml", "text/xml; charset=utf-8", "application/octet-stream"]
)
def test_feed_over_http(server: LoopbackServer, content_type: str) -> None:
    url = server.route(
        "/feed", srv.static((FIXTURES / "feeds" / "rss2.xml").read_bytes(), content_type)
    )
    data = run_cli("open", url, "--format", "json").json()
    assert data["kind"] == "feed"
    assert len(data["items"]) == 2


def test_json_feed_over_http(server: LoopbackServer) -> None:
    url = server.route(
        "/feed.json",
        srv.static((FIXTURES / "feeds" / "feed-1.1.json").read_bytes(), "application/feed+json"),
    )
    assert run_cli("open", url, "--format", "json").json()["title"] == "Carnet de bord"


def test_redirects_are_followed(server: LoopbackServer) -> None:
    server.route("/final", srv.static(PAGE))
    server.route("/step2", srv.redirect("/final", 301))
    url = server.route("/step1", srv.redirect(server.url("/step2"), 307))
    assert run_cli("open", url, "--format", "json").json()["kind"] == "article"


@pytest.mark.parametrize(
    ("status", "expected"),
    [(404, "HTTP 404"), (500, "HTTP 500"), (403, "HTTP 403"), (410, "HTTP 410")],
)
def test_http_errors(server: LoopbackServer, status: int, expected: str) -> None:
    url = server.route("/error", srv.static("<h1>nope</h1>", status=status))
    assert expected in assert_one_line_error(run_cli("open", url))


def test_an_answer_without_a_reason_phrase_gets_the_standard_one(
    server: LoopbackServer,
) -> None:
    # HTTP/2 sends none, and HTTP/1.1 allows an empty one.
    def handle(handler: srv.BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 404 \r\nContent-Length: 0\r\n\r\n")

    url = server.route("/bare", handle)
    line = assert_one_line_error(run_cli("open", url))
    assert "HTTP 404 Not Found from 127.0.0.1" in line


def test_hostile_reason_phrase_is_cleaned(server: LoopbackServer) -> None:
    def handle(handler: srv.BaseHTTPRequestHandler) -> None:
        handler.wfile.write(b"HTTP/1.1 500 Bad \x1b[31mthings\x1b[0m\r\nContent-Length: 0\r\n\r\n")

    url = server.route("/reason", handle)
    line = assert_one_line_error(run_cli("open", url))
    assert "HTTP 500" in line and "\x1b" not in line


def test_redirect_loop(server: LoopbackServer) -> None:
    server.route("/a", srv.redirect("/b"))
    url = server.route("/b", srv.redirect("/a"))
    assert "redirect loop" in assert_one_line_error(run_cli("open", url))


def test_too_many_redirects(server: LoopbackServer) -> None:
    for step in range(8):
        server.route(f"/r{step}", srv.redirect(f"/r{step + 1}"))
    server.route("/r8", srv.static(PAGE))
    assert "too many redirects" in assert_one_line_error(run_cli("open", server.url("/r0")))


@pytest.mark.parametrize(
    "location", ["file:///etc/passwd", "javascript:alert(1)", "ftp://ftp.example/x"]
)
def test_redirect_to_other_schemes_is_refused(server: LoopbackServer, location: str) -> None:
    url = server.route("/evil", srv.redirect(location))
    assert "non-http" in assert_one_line_error(run_cli("open", url))


def test_gzip_bomb_is_capped(server: LoopbackServer) -> None:
    url = server.route("/bomb", srv.gzip_bomb(64 * 1024 * 1024))
    line = assert_one_line_error(run_cli("open", url, timeout=60))
    assert "too large" in line and "decompressed" in line


def test_endless_body_is_capped(server: LoopbackServer) -> None:
    url = server.route("/endless", srv.endless())
    assert "too large" in assert_one_line_error(run_cli("open", url, timeout=60))


def test_declared_huge_body_is_refused_before_download(server: LoopbackServer) -> None:
    def handle(handler: srv.BaseHTTPRequestHandler) -> None:
        handler.send_response(200)
        handler.send_header("Content-Type", "text/html")
        handler.send_header("Content-Length", str(50 * 1024 * 1024))
        handler.end_headers()
        handler.wfile.write(b"<p>only a little</p>")

    url = server.route("/huge", handle)
    assert "too large" in assert_one_line_error(run_cli("open", url))


def test_trickling_body_hits_the_overall_deadline(server: LoopbackServer) -> None:
    url = server.route("/slow", srv.trickle(server.stop, interval=0.1))
    # Each byte arrives well within the read timeout; only the overall deadline ends it.
    run = run_cli("open", url, "--timeout", "1.5", timeout=20)
    assert "within 1.5 s" in assert_one_line_error(run)


def test_silent_server_times_out(server: LoopbackServer) -> None:
    url = server.route("/silent", srv.silent(server.stop))
    run = run_cli("open", url, "--timeout", "1", timeout=20)
    assert "timed out" in assert_one_line_error(run) or "within 1 s" in run.stderr


def test_connection_refused() -> None:
    port = srv.free_port()
    line = assert_one_line_error(run_cli("open", f"http://127.0.0.1:{port}/x"))
    assert "refused" in line


def test_dns_failure() -> None:
    # .invalid is reserved (RFC 2606): it never resolves.
    line = assert_one_line_error(
        run_cli("open", "http://no-such-host.invalid/article", "--timeout", "10")
    )
    assert "resolve" in line


def test_connection_reset(server: LoopbackServer) -> None:
    url = server.route("/reset", srv.reset)
    line = assert_one_line_error(run_cli("open", url))
    assert "127.0.0.1" in line


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (FRENCH.encode("utf-8"), "text/html; charset=iso-8859-1"),  # header lies: bytes are UTF-8
        (FRENCH.encode("cp1252"), "text/html; charset=utf-8"),  # header lies: bytes are Latin-1
        (FRENCH.encode("cp1252"), "text/html"),  # nothing declared
        (
            FRENCH.replace("<head>", '<head><meta charset="windows-1252">').encode("cp1252"),
            "text/html",
        ),
        (b"\xef\xbb\xbf" + FRENCH.encode("utf-8"), "text/html; charset=windows-1252"),  # BOM wins
    ],
)
def test_charsets_never_turn_into_mojibake(
    server: LoopbackServer, body: bytes, content_type: str
) -> None:
    url = server.route("/charset", srv.static(body, content_type))
    data = run_cli("open", url, "--format", "json").json()
    assert data["title"] == "Un été à Genève"
    assert "Les données de l'été sont arrivées très tôt à Genève" in data["markdown"]
    assert "Ã" not in data["markdown"] and "\ufffd" not in data["markdown"]
    assert_clean(data["markdown"])


def test_html_error_page_served_as_feed_is_read_as_a_page(server: LoopbackServer) -> None:
    url = server.route("/feed.xml", srv.static(FRENCH, "application/rss+xml"))
    assert run_cli("open", url, "--format", "json").json()["kind"] == "article"


# -- decompression, in process ------------------------------------------------------------


def _chunks(data: bytes, size: int) -> AsyncIterator[bytes]:
    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(data), size):
            yield data[start : start + size]

    return chunks()


def _read(data: bytes, encoding: str, *, size: int = 65536, cap: int = 10 << 20) -> bytes:
    return asyncio.run(read_body(_chunks(data, size), encoding, cap))


ZEROS = b"\0" * (1 << 20)
TEXT = b"<p>Les donn\xc3\xa9es de l'\xc3\xa9t\xc3\xa9</p>" * 4000


@pytest.mark.parametrize("size", [1, 5, 4096, 1 << 20])
@pytest.mark.parametrize(
    ("body", "encoding", "expected"),
    [
        # A member that ends in the very step that fills the output, then more bytes:
        # this used to loop forever.
        (gzip.compress(ZEROS) + b"JUNK", "gzip", ZEROS),
        (gzip.compress(ZEROS) * 2, "gzip", ZEROS * 2),
        (zlib.compress(ZEROS) + b"JUNK", "deflate", ZEROS),
        (
            gzip.compress(TEXT) + gzip.compress(ZEROS) + gzip.compress(TEXT),
            "gzip",
            TEXT + ZEROS + TEXT,
        ),
        (gzip.compress(TEXT) + b"\x1f", "gzip", TEXT),
        (gzip.compress(TEXT) + b"\x1f\x8b not a member", "x-gzip", TEXT),
        (gzip.compress(TEXT) + b"\0" * 1000, "gzip", TEXT),
        (zlib.compress(TEXT)[2:-4], "deflate", TEXT),  # raw deflate, no zlib wrapper
    ],
    ids=[
        "gzip+junk",
        "two-members",
        "zlib+junk",
        "three-members",
        "magic-byte",
        "bad-member",
        "zero-padding",
        "raw-deflate",
    ],
)
def test_hostile_compressed_bodies_decode(
    body: bytes, encoding: str, expected: bytes, size: int
) -> None:
    if size == 1 and len(body) > 20000:
        size = 7  # byte by byte is the same code path, only slower
    assert _read(body, encoding, size=size) == expected


def test_corrupt_compressed_body_is_one_error() -> None:
    with pytest.raises(FetchError, match="corrupt compressed body"):
        _read(b"\x1f\x8b\x08\x00garbage" * 10, "gzip")


@pytest.mark.parametrize("encoding", ["gzip", "deflate"])
def test_inflated_size_is_capped(encoding: str) -> None:
    body = gzip.compress(ZEROS * 4) if encoding == "gzip" else zlib.compress(ZEROS * 4)
    with pytest.raises(TooLargeError, match="once decompressed"):
        _read(body * 3, encoding, cap=3 << 20)


def test_decompression_yields_to_the_event_loop() -> None:
    """One small chunk that inflates to megabytes must not hold the loop: the overall
    deadline is a timer on that loop."""
    body = gzip.compress(b"\0" * (8 << 20))
    assert len(body) < 65536

    async def main() -> int:
        ticks = 0
        done = False

        async def tick() -> None:
            nonlocal ticks
            while not done:
                ticks += 1
                await asyncio.sleep(0)

        ticker = asyncio.create_task(tick())
        await asyncio.sleep(0)
        before = ticks
        assert await read_body(_chunks(body, len(body)), "gzip", 10 << 20) == b"\0" * (8 << 20)
        done = True
        await ticker
        return ticks - before

    # 8 MB is 128 steps of 64 KB; the loop gets its turn at least every 4 of them.
    assert asyncio.run(main()) >= 32


def test_deadline_fires_while_inflating() -> None:
    body = gzip.compress(b"\0" * (8 << 20))

    async def main() -> None:
        async with asyncio.timeout(0):
            await read_body(_chunks(body, len(body)), "gzip", 10 << 20)

    with pytest.raises(TimeoutError):
        asyncio.run(main())


def test_proxy_from_the_environment(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The loopback server plays the proxy: it receives the absolute address.
    server.route("http://news.invalid/article", srv.static(PAGE))
    monkeypatch.setenv("HTTP_PROXY", server.base)
    data = run_cli("open", "http://news.invalid/article", "--format", "json").json()
    assert data["title"] == "Un centre de données d'Alibaba en France ?"
    assert server.requests[-1][0] == "http://news.invalid/article"


def test_no_proxy_is_honoured(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    url = server.route("/article", srv.static(PAGE))
    monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")  # nothing listens there
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    assert run_cli("open", url, "--format", "json").json()["kind"] == "article"
    assert server.requests[-1][0] == "/article"
