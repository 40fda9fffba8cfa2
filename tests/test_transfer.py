"""The request engine (libcurl on the event loop) against real loopback servers: HTTPS
certificates, URLs as users paste them, bodies nobody reads, and requests stopped
half-way."""

from __future__ import annotations

import asyncio
import ssl
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest
import trustme

from newsreader.models import RawDocument
from newsreader.sources.http import fetch, make_client
from newsreader.sources.transfer import wire_url
from tests import server as srv
from tests.checks import assert_one_line_error
from tests.conftest import SAMPLES, run_cli
from tests.server import LoopbackServer

PAGE = (SAMPLES / "alibaba-datacenter-fr.html").read_bytes()
TITLE = "Un centre de données d'Alibaba en France ?"


@pytest.fixture(scope="module")
def authority() -> trustme.CA:
    return trustme.CA()


def _https(authority: trustme.CA, *hosts: str) -> LoopbackServer:
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    authority.issue_cert(*hosts).configure_cert(context)
    server = LoopbackServer(tls=context)
    server.route("/article", srv.static(PAGE))
    return server


@pytest.fixture
def https_server(authority: trustme.CA) -> Iterator[LoopbackServer]:
    server = _https(authority, "127.0.0.1")
    yield server
    server.close()


@pytest.fixture
def trusted(authority: trustme.CA, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The test authority is the one trusted (as a system's bundle would be)."""
    bundle = tmp_path / "ca.pem"
    authority.cert_pem.write_to_path(str(bundle))
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))


@pytest.mark.usefixtures("trusted")
def test_https_with_a_trusted_certificate(https_server: LoopbackServer) -> None:
    data = run_cli("open", https_server.url("/article"), "--format", "json").json()
    assert data["title"] == TITLE
    assert https_server.requests[-1][0] == "/article"


def test_https_certificate_of_an_unknown_authority_is_refused(
    https_server: LoopbackServer,
) -> None:
    line = assert_one_line_error(run_cli("open", https_server.url("/article")))
    assert "TLS error talking to 127.0.0.1" in line
    assert not https_server.requests  # nothing was asked of a server we cannot trust


@pytest.mark.usefixtures("trusted")
def test_https_certificate_for_another_host_is_refused(authority: trustme.CA) -> None:
    server = _https(authority, "news.example")
    try:
        line = assert_one_line_error(run_cli("open", server.url("/article")))
    finally:
        server.close()
    assert "TLS error talking to 127.0.0.1" in line
    assert not server.requests


def test_a_pasted_address_with_accents_and_spaces_is_sent_encoded(
    server: LoopbackServer,
) -> None:
    server.route("/%C3%A9conomie/un%20article", srv.static(PAGE))
    data = run_cli("open", server.url("/économie/un article"), "--format", "json").json()
    assert data["title"] == TITLE
    assert server.requests[-1][0] == "/%C3%A9conomie/un%20article"


def test_addresses_are_made_ascii_once() -> None:
    assert wire_url("http://127.0.0.1/a%20b?q=%C3%A9") == "http://127.0.0.1/a%20b?q=%C3%A9"
    assert wire_url("https://bücher.example/été?q=à#part") == (
        "https://xn--bcher-kva.example/%C3%A9t%C3%A9?q=%C3%A0"
    )
    with pytest.raises(ValueError, match="control character"):
        wire_url("http://127.0.0.1/a\r\nX-Injected: 1")


def test_the_body_of_a_redirect_is_not_read_past_the_cap(server: LoopbackServer) -> None:
    server.route("/article", srv.static(PAGE))
    bulky = b"<p>moved</p>" * (2 * 1024 * 1024)  # 24 MB, over the 10 MB cap

    def moved(handler: BaseHTTPRequestHandler) -> None:
        srv.respond(handler, bulky, status=301, headers={"Location": "/article"})

    server.route("/old", moved)
    data = run_cli("open", server.url("/old"), "--format", "json").json()
    assert data["title"] == TITLE


def test_an_error_page_over_the_cap_still_reports_its_status(server: LoopbackServer) -> None:
    server.route("/gone", srv.static(b"<p>gone</p>" * (2 * 1024 * 1024), status=410))
    line = assert_one_line_error(run_cli("open", server.url("/gone")))
    assert "HTTP 410" in line


class _Hanging:
    """A route that takes the request, never answers, and notes when the client
    closes the connection."""

    def __init__(self) -> None:
        self.asked = threading.Event()
        self.hung_up = threading.Event()

    def __call__(self, handler: BaseHTTPRequestHandler) -> None:
        self.asked.set()
        handler.connection.settimeout(30)
        try:
            if not handler.rfile.read(1):  # EOF: the client went away
                self.hung_up.set()
        except OSError:
            self.hung_up.set()


def test_a_request_past_its_deadline_is_stopped_and_the_client_goes_on(
    server: LoopbackServer,
) -> None:
    hanging = _Hanging()
    silent = server.route("/silent", hanging)
    article = server.route("/article", srv.static(PAGE))

    async def main() -> bytes:
        async with make_client(timeout=30) as client:
            with pytest.raises(TimeoutError):
                async with asyncio.timeout(1):
                    await fetch(client, silent, timeout=30)
            # Its connection closes now, not when the client does.
            hung_up = await asyncio.to_thread(hanging.hung_up.wait, 10)
            assert hung_up, "the stopped request kept its connection open"
            done = await fetch(client, article, timeout=30)
            assert isinstance(done, RawDocument)
            return done.body

    assert asyncio.run(main()) == PAGE


def test_closing_the_client_stops_what_is_in_flight(server: LoopbackServer) -> None:
    hanging = _Hanging()
    silent = server.route("/silent", hanging)

    async def main() -> None:
        client = make_client(timeout=30)
        request = asyncio.ensure_future(fetch(client, silent, timeout=30))
        await asyncio.to_thread(hanging.asked.wait, 10)
        await client.close()
        with pytest.raises(asyncio.CancelledError):
            await request

    asyncio.run(main())
    assert hanging.hung_up.wait(10), "closing the client left a connection open"
