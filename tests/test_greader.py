"""The Google Reader API client: against a real Miniflux for what a server does, and
against the loopback server for what a broken or hostile one does."""

from __future__ import annotations

import json
import threading
from collections.abc import AsyncIterator
from http.server import BaseHTTPRequestHandler
from urllib.parse import parse_qs, parse_qsl, urlsplit

import pytest

from newsreader.errors import (
    AuthError,
    FetchError,
    FetchTimeoutError,
    ParseError,
    TokenExpiredError,
    TooLargeError,
    UnsupportedError,
    UsageError,
)
from newsreader.sources.greader import (
    READ,
    STARRED,
    GReaderClient,
    item_number,
    long_item_id,
)
from newsreader.sources.http import make_client
from tests import server as srv
from tests.aggregator import Miniflux, MinifluxUser
from tests.server import LoopbackServer

pytestmark = pytest.mark.anyio

API = "/reader/api/0/"


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
async def http() -> AsyncIterator[object]:
    async with make_client(timeout=10) as client:
        yield client


def stories(server: LoopbackServer, count: int, *, first_day: int = 1) -> bytes:
    items = [
        {
            "title": f"Story {n}",
            "link": server.url(f"/story/{n}"),
            "guid": server.url(f"/story/{n}"),
            "pubDate": f"{first_day + n - 1:02d} Dec 2025 09:00:00 +0000",
            "description": f"<p>Body of story {n}</p>",
        }
        for n in range(1, count + 1)
    ]
    return srv.rss("Loopback news", items, link=server.url("/"))


def serve(server: LoopbackServer, path: str, count: int, **options: int) -> str:
    return server.route(path, srv.static(stories(server, count, **options), "application/rss+xml"))


def assert_secret_free(error: BaseException, *secrets: str) -> str:
    """One line, and none of the secrets in it."""
    message = str(error)
    assert "\n" not in message
    for secret in secrets:
        assert secret not in message
    return message


async def logged_in(http: object, miniflux: Miniflux, user: MinifluxUser) -> GReaderClient:
    client = GReaderClient(http, miniflux.url)  # type: ignore[arg-type]
    await client.login(user.greader_username, user.greader_password)
    return client


# -- against the real Miniflux ------------------------------------------------------


@pytest.mark.aggregator
async def test_login_and_who_am_i(
    http: object, miniflux: Miniflux, miniflux_user: MinifluxUser
) -> None:
    client = await logged_in(http, miniflux, miniflux_user)
    token = client.auth_token
    assert token and token.startswith(miniflux_user.greader_username + "/")
    info = await client.user_info()
    assert info.user_id == str(miniflux_user.id)
    assert info.user_name == miniflux_user.username
    # Miniflux's edit token is the auth token itself.
    assert await client.edit_token() == token
    assert token not in repr(client)


@pytest.mark.aggregator
@pytest.mark.parametrize("wrong", ["password", "user"])
async def test_wrong_credentials_are_one_clear_line(
    http: object, miniflux: Miniflux, miniflux_user: MinifluxUser, wrong: str
) -> None:
    client = GReaderClient(http, miniflux.url)  # type: ignore[arg-type]
    username = miniflux_user.greader_username + ("x" if wrong == "user" else "")
    password = miniflux_user.greader_password + ("x" if wrong == "password" else "")
    with pytest.raises(AuthError) as caught:
        await client.login(username, password)
    message = assert_secret_free(caught.value, password, miniflux_user.greader_password)
    assert message == "127.0.0.1 refused the login: wrong user name or password (HTTP 401)"
    assert caught.value.status == 401
    assert client.auth_token is None


@pytest.mark.aggregator
async def test_subscriptions_and_folders(
    http: object, miniflux: Miniflux, miniflux_user: MinifluxUser, server: LoopbackServer
) -> None:
    tech = miniflux_user.create_category("Tech")
    feed_url = serve(server, "/tech.xml", 2)
    feed_id = miniflux_user.add_feed(feed_url, tech)
    client = await logged_in(http, miniflux, miniflux_user)

    (subscription,) = await client.subscriptions()
    assert subscription.id == f"feed/{feed_id}"
    assert subscription.url == feed_url
    assert subscription.title == "Loopback news"
    assert subscription.html_url == server.url("/")
    assert subscription.folders == ("Tech",)

    tags = {tag.label: tag for tag in await client.tags()}
    assert tags["Tech"].type == "folder"
    assert tags["Tech"].id.endswith("/label/Tech")
    assert any(tag.id.endswith("/state/com.google/starred") for tag in tags.values())


@pytest.mark.aggregator
async def test_ids_and_contents_page_by_page(
    http: object, miniflux: Miniflux, miniflux_user: MinifluxUser, server: LoopbackServer
) -> None:
    feed_id = miniflux_user.add_feed(serve(server, "/five.xml", 5))
    expected = {e["id"]: e for e in miniflux_user.entries()}
    client = await logged_in(http, miniflux, miniflux_user)

    pages = [page async for page in client.iter_item_ids(count=2)]
    assert [len(page.ids) for page in pages] == [2, 2, 1]
    assert [page.continuation for page in pages] == ["2", "4", None]
    ids = [number for page in pages for number in page.ids]
    assert sorted(ids) == sorted(expected)

    batches = [batch async for batch in client.iter_item_contents(ids, batch=2)]
    assert [len(batch) for batch in batches] == [2, 2, 1]
    items = {item.number: item for batch in batches for item in batch}
    assert set(items) == set(expected)
    for number, item in items.items():
        entry = expected[number]
        assert item.id == long_item_id(number)
        assert item.title == entry["title"]
        assert item.url == entry["url"]
        assert item.feed == f"feed/{feed_id}"
        assert item.content is not None and "Body of story" in item.content
        assert not item.read and not item.starred
        assert item.published is not None and item.crawled_msec is not None

    # On Miniflux `ot` filters on the published date (Dec 1..5 here).
    since = 1764925200 - 86400  # 4 Dec 2025 09:00 UTC
    newer = [n async for page in client.iter_item_ids(since=since) for n in page.ids]
    assert sorted(expected[n]["title"] for n in newer) == ["Story 5"]


@pytest.mark.aggregator
async def test_miniflux_has_no_stream_contents(
    http: object, miniflux: Miniflux, miniflux_user: MinifluxUser
) -> None:
    client = await logged_in(http, miniflux, miniflux_user)
    with pytest.raises(UnsupportedError, match="does not implement stream/contents"):
        await client.stream_contents()


@pytest.mark.aggregator
async def test_read_and_star_round_trip(
    http: object, miniflux: Miniflux, miniflux_user: MinifluxUser, server: LoopbackServer
) -> None:
    miniflux_user.add_feed(serve(server, "/three.xml", 3))
    one, two, three = (e["id"] for e in miniflux_user.entries())
    client = await logged_in(http, miniflux, miniflux_user)

    assert await client.mark_read([one, two]) == 2
    assert await client.set_starred([long_item_id(three)]) == 1
    state = {e["id"]: (e["status"], e["starred"]) for e in miniflux_user.entries()}
    assert state == {one: ("read", False), two: ("read", False), three: ("unread", True)}

    await client.mark_read([two], read=False)
    await client.set_starred([three], starred=False)
    await client.edit_tag([one], add=[STARRED], batch=1)
    state = {e["id"]: (e["status"], e["starred"]) for e in miniflux_user.entries()}
    assert state == {one: ("read", True), two: ("unread", False), three: ("unread", False)}

    # ... and the API reads the state back: unread ids, and the read flag on items.
    unread = [n async for page in client.iter_item_ids(exclude=READ) for n in page.ids]
    assert sorted(unread) == [two, three]
    (item,) = await client.item_contents([one])
    assert item.read and item.starred


@pytest.mark.aggregator
async def test_subscribe_into_a_folder_then_unsubscribe(
    http: object, miniflux: Miniflux, miniflux_user: MinifluxUser, server: LoopbackServer
) -> None:
    feed_url = serve(server, "/science.xml", 1)
    client = await logged_in(http, miniflux, miniflux_user)

    added = await client.subscribe(feed_url, folder="Science", title="Loopback science")
    assert added is not None
    assert added.folders == ("Science",)
    assert added.title == "Loopback science"
    (feed,) = miniflux_user.feeds()
    assert f"feed/{feed['id']}" == added.id
    assert feed["category"]["title"] == "Science"
    assert feed["feed_url"] == feed_url

    await client.unsubscribe([added.id])
    assert miniflux_user.feeds() == []
    assert await client.subscriptions() == ()


@pytest.mark.aggregator
async def test_quickadd_finds_the_feed_of_a_site(
    http: object, miniflux: Miniflux, miniflux_user: MinifluxUser, server: LoopbackServer
) -> None:
    feed_url = serve(server, "/site.xml", 1)
    page = (
        "<html><head><title>Site</title>"
        f'<link rel="alternate" type="application/rss+xml" href="{feed_url}">'
        "</head><body>Hello</body></html>"
    )
    site = server.route("/site/", srv.static(page))
    client = await logged_in(http, miniflux, miniflux_user)

    found = await client.quickadd(site)
    assert found is not None
    (feed,) = miniflux_user.feeds()
    assert found.stream_id == f"feed/{feed['id']}"
    assert found.query == feed_url
    assert found.title == "Loopback news"


@pytest.mark.aggregator
async def test_expired_token_is_told_apart_and_a_new_login_works(
    http: object, miniflux: Miniflux, miniflux_user: MinifluxUser, server: LoopbackServer
) -> None:
    miniflux_user.add_feed(serve(server, "/expiring.xml", 1))
    (entry,) = miniflux_user.entries()
    client = await logged_in(http, miniflux, miniflux_user)
    old = client.auth_token
    assert old is not None
    assert len(await client.subscriptions()) == 1

    miniflux_user.reset_google_reader_password()  # every token so far is now refused
    with pytest.raises(TokenExpiredError) as caught:
        await client.subscriptions()
    assert_secret_free(caught.value, old, miniflux_user.greader_password)
    assert caught.value.status == 401
    with pytest.raises(TokenExpiredError):  # a write: stale T, then /token refused too
        await client.mark_read([entry["id"]])

    await client.login(miniflux_user.greader_username, miniflux_user.greader_password)
    assert client.auth_token != old
    await client.mark_read([entry["id"]])
    assert miniflux_user.entry(entry["id"])["status"] == "read"


async def test_calls_before_login_are_an_auth_error(http: object) -> None:
    client = GReaderClient(http, "http://127.0.0.1:9/")  # type: ignore[arg-type]
    with pytest.raises(AuthError, match=r"not logged in to 127\.0\.0\.1"):
        await client.subscriptions()


# -- against the loopback server: what a broken or hostile server does ----------------

TOKEN = "alice/0123456789abcdef0123456789abcdef"
PASSWORD = "correct horse battery staple"


def loopback(
    server: LoopbackServer, http: object, *, timeout: float = 5, max_bytes: int = 1 << 20
) -> GReaderClient:
    return GReaderClient(
        http,  # type: ignore[arg-type]
        server.url("/api/greader.php/"),
        auth_token=TOKEN,
        timeout=timeout,
        max_bytes=max_bytes,
    )


def route(server: LoopbackServer, path: str, handler: srv.Handler) -> None:
    server.route("/api/greader.php" + API + path, handler)


def json_body(
    data: object, status: int = 200, headers: dict[str, str] | None = None
) -> srv.Handler:
    return srv.static(json.dumps(data), "application/json", status=status, headers=headers)


async def test_malformed_json_is_a_parse_error(server: LoopbackServer, http: object) -> None:
    route(server, "subscription/list", srv.static('{"subscriptions": [', "application/json"))
    with pytest.raises(ParseError) as caught:
        await loopback(server, http).subscriptions()
    assert str(caught.value) == "127.0.0.1 sent malformed JSON for subscription/list"


async def test_json_of_the_wrong_shape_is_a_parse_error(
    server: LoopbackServer, http: object
) -> None:
    route(server, "subscription/list", json_body({"subscriptions": "nope"}))
    with pytest.raises(ParseError, match="without the expected list"):
        await loopback(server, http).subscriptions()
    route(server, "tag/list", srv.static("[" * 100_000 + "]" * 100_000, "application/json"))
    with pytest.raises(ParseError):
        await loopback(server, http).tags()


async def test_server_errors_carry_status_retry_after_and_the_servers_words(
    server: LoopbackServer, http: object
) -> None:
    route(server, "tag/list", srv.static("Busy", "text/plain", 503, {"Retry-After": "30"}))
    with pytest.raises(FetchError) as caught:
        await loopback(server, http).tags()
    assert str(caught.value) == "tag/list failed on 127.0.0.1: HTTP 503 Service Unavailable (Busy)"
    assert (caught.value.status, caught.value.retry_after) == (503, 30)

    route(server, "subscription/list", json_body({"error_message": "database\nis down"}, 500))
    with pytest.raises(FetchError) as caught:
        await loopback(server, http).subscriptions()
    assert str(caught.value).endswith("HTTP 500 Internal Server Error (database)")


async def test_a_server_echoing_secrets_never_gets_them_into_a_message(
    server: LoopbackServer, http: object
) -> None:
    def echo(handler: BaseHTTPRequestHandler) -> None:
        body = server.posted[-1][1] if handler.command == "POST" else b""
        said = f"{handler.headers.get('Authorization')} {body.decode()}"
        srv.respond(handler, said.encode(), status=500, content_type="text/plain")

    server.route("/api/greader.php/accounts/ClientLogin", echo)
    client = loopback(server, http)
    with pytest.raises(FetchError) as caught:
        await client.login("alice", PASSWORD)
    assert_secret_free(caught.value, PASSWORD, "horse", "correct+horse")

    route(server, "user-info", echo)
    with pytest.raises(FetchError) as caught:
        await loopback(server, http).user_info()
    assert_secret_free(caught.value, TOKEN, "0123456789abcdef")


async def test_login_without_a_token_in_the_answer(server: LoopbackServer, http: object) -> None:
    server.route(
        "/api/greader.php/accounts/ClientLogin",
        srv.static("Error=BadAuthentication\n", "text/plain"),
    )
    with pytest.raises(AuthError, match="no auth token"):
        await loopback(server, http).login("alice", PASSWORD)


async def test_stream_contents_follows_the_continuation(
    server: LoopbackServer, http: object
) -> None:
    def page(handler: BaseHTTPRequestHandler) -> None:
        query = parse_qs(urlsplit(handler.path).query)
        start = int(query.get("c", ["0"])[0])
        items = [
            {
                "id": f"tag:google.com,2005:reader/item/{n:016x}",
                "title": f"Item {n}",
                "crawlTimeMsec": str(1700000000000 + n),
                "timestampUsec": str(1700000000000000 + n),
                "published": 1700000000 + n,
                "alternate": [{"href": f"https://site.example/{n}", "type": "text/html"}],
                "summary": {"content": f"<p>{n}</p>"},
                "categories": ["user/-/state/com.google/reading-list", "user/-/label/News"]
                + (["user/-/state/com.google/starred"] if n == 2 else []),
                "origin": {"streamId": "feed/7", "title": "Seven"},
            }
            for n in range(start + 1, min(start + 2, 5) + 1)
        ]
        answer: dict[str, object] = {"items": items}
        if start + 2 < 5:
            answer["continuation"] = str(start + 2)
        srv.respond(handler, json.dumps(answer).encode(), content_type="application/json")

    route(server, "stream/contents/user/-/state/com.google/reading-list", page)
    client = loopback(server, http)
    pages = [p async for p in client.iter_stream_contents(count=2, since=1700000000, exclude=READ)]
    assert [[item.title for item in p.items] for p in pages] == [
        ["Item 1", "Item 2"],
        ["Item 3", "Item 4"],
        ["Item 5"],
    ]
    two = pages[0].items[1]
    assert two.starred and not two.read
    assert two.labels == ("News",)
    assert two.url == "https://site.example/2"
    assert two.content == "<p>2</p>" and two.feed == "feed/7"
    queries = [dict(parse_qsl(urlsplit(path).query)) for path, _ in server.requests]
    assert [q.get("c") for q in queries] == [None, "2", "4"]
    assert all(q["ot"] == "1700000000" and q["xt"] == READ and q["n"] == "2" for q in queries)
    assert all(
        headers["Authorization"] == f"GoogleLogin auth={TOKEN}" for _, headers in server.requests
    )


async def test_a_continuation_that_comes_back_stops_the_loop(
    server: LoopbackServer, http: object
) -> None:
    route(server, "stream/items/ids", json_body({"itemRefs": [{"id": "1"}], "continuation": "x"}))
    with pytest.raises(ParseError, match="repeated a continuation"):
        async for _ in loopback(server, http).iter_item_ids():
            pass
    assert len(server.requests) == 2


async def test_writes_carry_the_edit_token_and_go_in_batches(
    server: LoopbackServer, http: object
) -> None:
    route(server, "token", srv.static("edit-token-57\n", "text/plain"))
    route(server, "edit-tag", srv.static("OK", "text/plain"))
    client = loopback(server, http)
    assert await client.edit_tag(["1", 2, -1, "3", 4], add=[READ], remove=[STARRED], batch=2) == 5
    posts = [parse_qs(body.decode()) for path, body in server.posted]
    assert [len(p["i"]) for p in posts] == [2, 2, 1]
    assert all(
        p["T"] == ["edit-token-57"] and p["a"] == [READ] and p["r"] == [STARRED] for p in posts
    )
    assert posts[0]["i"] == [long_item_id(1), long_item_id(2)]
    assert posts[1]["i"][0] == "tag:google.com,2005:reader/item/ffffffffffffffff"  # signed -1
    assert sum(path.endswith("/token") for path, _ in server.requests) == 1  # fetched once


async def test_a_write_the_server_does_not_do_is_unsupported(
    server: LoopbackServer, http: object
) -> None:
    route(server, "token", srv.static("t", "text/plain"))
    route(server, "subscription/edit", json_body([]))  # Miniflux's catch-all answer
    with pytest.raises(UnsupportedError, match="did not apply subscription/edit"):
        await loopback(server, http).unsubscribe(["feed/1"])


async def test_redirects_are_not_followed(server: LoopbackServer, http: object) -> None:
    route(server, "tag/list", srv.redirect("https://elsewhere.example/api/?token=secret", 301))
    with pytest.raises(FetchError) as caught:
        await loopback(server, http).tags()
    message = assert_secret_free(caught.value, "secret")
    assert "redirects tag/list (HTTP 301 to https://elsewhere.example/api/)" in message
    assert len(server.requests) == 1


async def test_limits_apply_to_api_calls(server: LoopbackServer, http: object) -> None:
    route(server, "tag/list", json_body({"tags": [{"id": "x" * 1000}] * 2000}))
    with pytest.raises(TooLargeError):
        await loopback(server, http, max_bytes=100_000).tags()

    stop = threading.Event()
    route(server, "user-info", srv.trickle(stop, 0.1))
    try:
        with pytest.raises(FetchTimeoutError, match=r"did not answer in full within 0\.5 s"):
            await loopback(server, http, timeout=0.5).user_info()
    finally:
        stop.set()


async def test_a_batch_too_large_is_split(server: LoopbackServer, http: object) -> None:
    def contents(handler: BaseHTTPRequestHandler) -> None:
        asked = parse_qs(server.posted[-1][1].decode())["i"]
        items = [{"id": i, "title": "t", "content": {"content": "x" * 3000}} for i in asked]
        srv.respond(handler, json.dumps({"items": items}).encode(), content_type="application/json")

    route(server, "token", srv.static("t", "text/plain"))
    route(server, "stream/items/contents", contents)
    client = loopback(server, http, max_bytes=10_000)
    batches = [b async for b in client.iter_item_contents(range(1, 9), batch=8)]
    assert sorted(item.number for b in batches for item in b) == list(range(1, 9))
    assert all(len(b) <= 2 for b in batches)


def test_an_address_holding_credentials_is_refused_without_echoing_them() -> None:
    with pytest.raises(UsageError) as caught:
        GReaderClient(None, "https://me:hunter22@rss.example/")  # type: ignore[arg-type]
    assert_secret_free(caught.value, "hunter22", "me:")
    with pytest.raises(UsageError):
        GReaderClient(None, "ftp://rss.example/")  # type: ignore[arg-type]


def test_item_ids_in_every_form() -> None:
    assert long_item_id(12345) == "tag:google.com,2005:reader/item/0000000000003039"
    assert long_item_id("12345") == long_item_id(12345)
    assert item_number("tag:google.com,2005:reader/item/2f2") == 0x2F2
    assert item_number(long_item_id(-2)) == (1 << 64) - 2
    with pytest.raises(ParseError):
        item_number("000000000000048c")  # bare hex: ambiguous with 16-digit decimals
    with pytest.raises(ParseError):
        item_number(str(1 << 64))
