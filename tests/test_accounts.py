"""Aggregator accounts against a real Miniflux: the CLI as a user runs it (``account
add``, ``sync``, ``mark``, ``add``/``remove --account``), the server set up and checked
through Miniflux's own REST API.

One Miniflux serves the whole session (tests/conftest.py); each test has its own user.
"""

from __future__ import annotations

import stat
from pathlib import Path
from typing import Any

import pytest

from tests import server as srv
from tests.aggregator import Miniflux, MinifluxUser
from tests.conftest import Run, run_cli
from tests.server import LoopbackServer

pytestmark = pytest.mark.aggregator

PASSWORD_ENV = "NEWSREADER_TEST_ACCOUNT_PASSWORD"


def stories(
    server: LoopbackServer, first: int, last: int, *, feed: str = "news"
) -> list[dict[str, str]]:
    return [
        {
            "title": f"{feed.title()} story {n}",
            "link": server.url(f"/{feed}/{n}"),
            "guid": server.url(f"/{feed}/{n}"),
            "pubDate": f"Mon, {1 + n % 28:02d} Dec 2025 09:{n % 60:02d}:00 +0000",
            "description": f"<p>Body of {feed} story {n}</p>",
        }
        for n in range(first, last + 1)
    ]


def serve(server: LoopbackServer, count: int, *, feed: str = "news", first: int = 1) -> str:
    body = srv.rss(
        f"Loopback {feed}", stories(server, first, count, feed=feed), link=server.url("/")
    )
    return server.route(f"/{feed}.xml", srv.static(body, "application/rss+xml"))


def add_account(
    user: MinifluxUser, miniflux: Miniflux, monkeypatch: pytest.MonkeyPatch, name: str = "mf"
) -> Run:
    monkeypatch.setenv(PASSWORD_ENV, user.greader_password)
    return run_cli(
        "account",
        "add",
        "greader",
        miniflux.url,
        "--user",
        user.greader_username,
        "--name",
        name,
        "--password-env",
        PASSWORD_ENV,
    )


def listed(**filters: str) -> dict[str, dict[str, Any]]:
    """Cached articles by title (``newsreader list`` as JSON)."""
    args = ["list", "--limit", "1000", "-f", "json"]
    for key, value in filters.items():
        args += [f"--{key}", value]
    done = run_cli(*args)
    assert done.code == 0, done.stderr
    return {row["title"]: row for row in done.json()}


def by_title(user: MinifluxUser) -> dict[str, dict[str, Any]]:
    return {entry["title"]: entry for entry in user.entries()}


def sync() -> Run:
    done = run_cli("sync")
    return done


def test_first_sync_brings_folders_entries_and_state(
    miniflux: Miniflux,
    miniflux_user: MinifluxUser,
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    isolated_home: Path,
) -> None:
    science = miniflux_user.create_category("Science")
    miniflux_user.add_feed(serve(server, 3), science)
    entries = by_title(miniflux_user)
    miniflux_user.set_status([entries["News story 1"]["id"]], "read")
    miniflux_user.set_starred([entries["News story 2"]["id"]], True)

    added = add_account(miniflux_user, miniflux, monkeypatch)
    assert added.code == 0, added.stderr
    assert miniflux_user.greader_password not in added.stdout + added.stderr

    done = sync()
    assert done.code == 0, done.stderr
    assert "3 new" in done.stdout
    rows = listed()
    assert set(rows) == {"News story 1", "News story 2", "News story 3"}
    assert rows["News story 1"]["read"] is True
    assert rows["News story 2"]["starred"] is True
    assert rows["News story 3"]["read"] is False
    assert {row["section"] for row in rows.values()} == {"Science"}
    article = run_cli("open", rows["News story 3"]["id"], "--format", "text")
    assert "Body of news story 3" in article.stdout

    # The token is kept private; the password nowhere in the data dir or the config.
    tokens = list((isolated_home / "accounts").iterdir())
    assert len(tokens) == 1
    assert stat.S_IMODE(tokens[0].stat().st_mode) == 0o600
    assert stat.S_IMODE((isolated_home / "accounts").stat().st_mode) == 0o700
    for path in isolated_home.rglob("*"):
        if path.is_file():
            assert miniflux_user.greader_password.encode() not in path.read_bytes(), path

    # Nothing changed: a re-sync fetches no content and changes nothing.
    again = sync()
    assert again.code == 0, again.stderr
    assert "0 new" in again.stdout


def synced(done: Run) -> Run:
    assert done.code == 0, done.stderr
    return done


def account_ready(
    miniflux: Miniflux,
    user: MinifluxUser,
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    count: int = 3,
) -> int:
    """A feed of ``count`` stories on the server, the account added and synced once;
    returns the Miniflux feed id."""
    feed_id = user.add_feed(serve(server, count))
    assert add_account(user, miniflux, monkeypatch).code == 0
    synced(sync())
    return feed_id


def test_incremental_sync_brings_only_the_new_entries(
    miniflux: Miniflux,
    miniflux_user: MinifluxUser,
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    feed_id = account_ready(miniflux, miniflux_user, server, monkeypatch)
    first = listed()
    run_cli("mark", "read", first["News story 1"]["id"])
    synced(sync())

    serve(server, 5)
    miniflux_user.refresh(feed_id)
    done = synced(sync())
    assert "2 new, 0 updated" in done.stdout
    rows = listed()
    assert len(rows) == 5
    assert rows["News story 1"]["read"] is True  # what was read here stays read
    assert rows["News story 5"]["read"] is False
    assert "2 new" not in synced(sync()).stdout


def test_read_and_star_offline_reach_the_server_at_the_next_sync(
    miniflux: Miniflux,
    miniflux_user: MinifluxUser,
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account_ready(miniflux, miniflux_user, server, monkeypatch)
    rows = listed()
    one, two = rows["News story 1"]["id"], rows["News story 2"]["id"]
    assert run_cli("--offline", "mark", "read", one).code == 0
    assert run_cli("--offline", "mark", "star", two).code == 0
    assert run_cli("--offline", "sync").code == 2  # --offline never reaches the server
    before = by_title(miniflux_user)
    assert before["News story 1"]["status"] == "unread"
    assert before["News story 2"]["starred"] is False

    synced(sync())
    after = by_title(miniflux_user)
    assert after["News story 1"]["status"] == "read"
    assert after["News story 2"]["starred"] is True
    assert after["News story 3"]["status"] == "unread"

    # Sent once, never flipped back by a second sync; unread and unstar go the same way.
    synced(sync())
    assert by_title(miniflux_user)["News story 1"]["status"] == "read"
    run_cli("mark", "unread", one)
    run_cli("mark", "unstar", two)
    synced(sync())
    final = by_title(miniflux_user)
    assert final["News story 1"]["status"] == "unread"
    assert final["News story 2"]["starred"] is False
    rows = listed()
    assert rows["News story 1"]["read"] is False
    assert rows["News story 2"]["starred"] is False


def test_read_and_star_on_the_server_show_here_after_a_sync(
    miniflux: Miniflux,
    miniflux_user: MinifluxUser,
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account_ready(miniflux, miniflux_user, server, monkeypatch)
    run_cli("mark", "read", listed()["News story 3"]["id"])
    synced(sync())
    entries = by_title(miniflux_user)
    miniflux_user.set_status([entries["News story 1"]["id"]], "read")
    miniflux_user.set_starred([entries["News story 2"]["id"]], True)
    miniflux_user.set_status([entries["News story 3"]["id"]], "unread")

    synced(sync())
    rows = listed()
    assert rows["News story 1"]["read"] is True
    assert rows["News story 2"]["starred"] is True
    assert rows["News story 3"]["read"] is False


def server_changed_later(miniflux: Miniflux, entry_id: int) -> None:
    """Date the server's last change of an entry a minute from now: its change is then
    the newer one whatever the clocks' resolution (Miniflux dates to the second)."""
    assert miniflux.postgres is not None
    miniflux.postgres.sql(
        f"UPDATE entries SET changed_at = now() + interval '1 minute' WHERE id = {int(entry_id)}",
        "miniflux",
    )


def test_both_sides_changing_the_same_entry(
    miniflux: Miniflux,
    miniflux_user: MinifluxUser,
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account_ready(miniflux, miniflux_user, server, monkeypatch, count=4)
    rows = listed()
    ids = {n: rows[f"News story {n}"]["id"] for n in range(1, 5)}
    entries = {n: by_title(miniflux_user)[f"News story {n}"]["id"] for n in range(1, 5)}

    # 1. Different fields of one entry: read here, starred there; both stay.
    run_cli("mark", "read", ids[1])
    miniflux_user.set_starred([entries[1]], True)
    # 2. The same field: read there, and here read then unread again, later: ours wins.
    miniflux_user.set_status([entries[2]], "read")
    run_cli("mark", "read", ids[2])
    run_cli("mark", "unread", ids[2])
    # 3. The same, but the server's change is the newer one: the server's wins.
    run_cli("mark", "read", ids[3])
    run_cli("mark", "unread", ids[3])
    miniflux_user.set_status([entries[3]], "read")
    server_changed_later(miniflux, entries[3])
    # 4. Both made the same change: nothing to undo anywhere.
    run_cli("mark", "star", ids[4])
    miniflux_user.set_starred([entries[4]], True)

    synced(sync())
    server = {n: miniflux_user.entry(entries[n]) for n in range(1, 5)}
    here = listed()
    mine = {n: here[f"News story {n}"] for n in range(1, 5)}
    assert (server[1]["status"], server[1]["starred"]) == ("read", True)
    assert (mine[1]["read"], mine[1]["starred"]) == (True, True)
    assert server[2]["status"] == "unread" and mine[2]["read"] is False
    assert server[3]["status"] == "read" and mine[3]["read"] is True
    assert server[4]["starred"] is True and mine[4]["starred"] is True

    # Settled: another sync changes nothing on either side.
    synced(sync())
    assert {n: miniflux_user.entry(entries[n])["status"] for n in range(1, 5)} == {
        n: server[n]["status"] for n in range(1, 5)
    }
    assert listed() == here


def test_subscription_added_and_removed_from_newsreader(
    miniflux: Miniflux,
    miniflux_user: MinifluxUser,
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    account_ready(miniflux, miniflux_user, server, monkeypatch, count=1)
    tech = serve(server, 2, feed="tech")
    added = run_cli("add", tech, "--account", "mf", "--section", "Technology")
    assert added.code == 0, added.stderr
    feeds = {f["feed_url"]: f for f in miniflux_user.feeds()}
    assert feeds[tech]["category"]["title"] == "Technology"

    synced(sync())
    rows = listed()
    assert rows["Tech story 1"]["section"] == "Technology"
    run_cli("mark", "star", rows["Tech story 2"]["id"])

    removed = run_cli("remove", "Loopback tech", "--account", "mf")
    assert removed.code == 0, removed.stderr
    assert "1 cached article removed" in removed.stdout
    assert tech not in {f["feed_url"] for f in miniflux_user.feeds()}
    rows = listed()
    assert "Tech story 1" not in rows
    assert rows["Tech story 2"]["starred"] is True  # starred articles stay, as for any source
    assert "News story 1" in rows
    synced(sync())
    assert "Tech story 1" not in listed()

    missing = run_cli("remove", "No such feed", "--account", "mf")
    assert missing.code == 1
    assert missing.stderr.count("\n") == 1


def test_wrong_password_is_one_line_and_adds_nothing(
    miniflux: Miniflux, miniflux_user: MinifluxUser, monkeypatch: pytest.MonkeyPatch
) -> None:
    wrong = "not-" + miniflux_user.greader_password
    monkeypatch.setenv(PASSWORD_ENV, wrong)
    done = run_cli(
        "account",
        "add",
        "greader",
        miniflux.url,
        "--user",
        miniflux_user.greader_username,
        "--password-env",
        PASSWORD_ENV,
    )
    assert done.code == 1
    assert done.stderr.count("\n") == 1
    assert "refused the login: wrong user name or password" in done.stderr
    assert wrong not in done.stdout + done.stderr
    assert run_cli("sources", "-f", "json").json()[0].get("account") is not True

    # An account whose password changed since: the sync says so in one line.
    assert add_account(miniflux_user, miniflux, monkeypatch).code == 0
    miniflux_user.reset_google_reader_password()  # the kept token stops working
    monkeypatch.setenv(PASSWORD_ENV, wrong)
    failed = sync()
    assert failed.code == 1
    assert "mf: 127.0.0.1 refused the login: wrong user name or password" in failed.stderr
    assert wrong not in failed.stdout + failed.stderr


def test_an_expired_token_means_one_new_login(
    miniflux: Miniflux,
    miniflux_user: MinifluxUser,
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    isolated_home: Path,
) -> None:
    feed_id = account_ready(miniflux, miniflux_user, server, monkeypatch, count=1)
    (token_file,) = (isolated_home / "accounts").iterdir()
    old = token_file.read_bytes()
    miniflux_user.reset_google_reader_password()
    serve(server, 2)
    miniflux_user.refresh(feed_id)
    done = synced(sync())
    assert "1 new" in done.stdout
    assert token_file.read_bytes() != old
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600

    # Without a password to log in again with, one line says what to do.
    miniflux_user.reset_google_reader_password()
    monkeypatch.delenv(PASSWORD_ENV)
    failed = sync()
    assert failed.code == 1
    assert f"the environment variable {PASSWORD_ENV} is not set" in failed.stderr
    assert len(listed()) == 2  # the cache keeps everything


class Relay:
    """A loopback relay in front of the real Miniflux that can stop answering: the
    server going away in the middle of a sync, as the client sees it."""

    def __init__(self, target: str) -> None:
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        import httpx

        self.cut: str | None = None
        """While set, requests whose path holds it get their connection dropped."""
        self.passed: list[str] = []
        relay = self
        upstream = httpx.Client(base_url=target, timeout=30, trust_env=False)
        self._upstream = upstream

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def forward(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if relay.cut is not None and relay.cut in self.path:
                    self.close_connection = True
                    self.connection.close()  # the server is gone: no answer at all
                    return
                relay.passed.append(self.path)
                headers = {
                    k: v
                    for k, v in self.headers.items()
                    if k.lower() not in ("host", "content-length")
                }
                answer = upstream.request(self.command, self.path, content=body, headers=headers)
                self.send_response(answer.status_code)
                for key, value in answer.headers.items():
                    if key.lower() not in (
                        "content-length",
                        "transfer-encoding",
                        "content-encoding",
                        "connection",
                    ):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(answer.content)))
                self.end_headers()
                self.wfile.write(answer.content)

            def do_GET(self) -> None:
                self.forward()

            def do_POST(self) -> None:
                self.forward()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        threading.Thread(target=self.httpd.serve_forever, daemon=True).start()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}/"

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self._upstream.close()


@pytest.fixture
def relay(miniflux: Miniflux) -> Any:
    front = Relay(miniflux.url)
    yield front
    front.close()


def test_server_stopped_mid_sync_keeps_the_cache_and_the_queue(
    miniflux: Miniflux,
    miniflux_user: MinifluxUser,
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
    relay: Relay,
) -> None:
    feed_id = miniflux_user.add_feed(serve(server, 2))
    monkeypatch.setenv(PASSWORD_ENV, miniflux_user.greader_password)
    added = run_cli(
        "account",
        "add",
        "greader",
        relay.url,
        "--user",
        miniflux_user.greader_username,
        "--name",
        "mf",
        "--password-env",
        PASSWORD_ENV,
    )
    assert added.code == 0, added.stderr
    synced(sync())
    before = listed()
    run_cli("mark", "star", before["News story 1"]["id"])
    serve(server, 250)
    miniflux_user.refresh(feed_id)

    # The server goes away once the first page of new entries is asked for.
    relay.cut = "stream/items/contents"
    failed = sync()
    assert failed.code == 1
    assert [line for line in failed.stderr.splitlines() if "mf" in line] == [
        line for line in failed.stderr.splitlines() if line.startswith("failed     mf: ")
    ], failed.stderr
    assert len(failed.stderr.splitlines()) == 1, failed.stderr
    assert "Traceback" not in failed.stderr
    rows = listed()
    assert {title: row["id"] for title, row in rows.items() if title in before} == {
        title: row["id"] for title, row in before.items()
    }
    assert rows["News story 1"]["starred"] is True
    # The star was sent before the server went away; the new entries wait.
    assert by_title(miniflux_user)["News story 1"]["starred"] is True

    # All of it stops: nothing is sent, the star stays queued here.
    run_cli("mark", "read", rows["News story 2"]["id"])
    relay.cut = "/"
    down = sync()
    assert down.code == 1
    assert by_title(miniflux_user)["News story 2"]["status"] == "unread"
    assert listed()["News story 2"]["read"] is True

    # Back: everything arrives once, and the queued read reaches the server.
    relay.cut = None
    done = synced(sync())
    assert len(listed()) == 250
    assert "248 new" in done.stdout
    assert by_title(miniflux_user)["News story 2"]["status"] == "read"
    assert by_title(miniflux_user)["News story 1"]["starred"] is True


def fake_server(server: LoopbackServer, *, api: dict[str, srv.Handler]) -> str:
    """A Google Reader API on the loopback server: a login that works, then ``api``."""
    base = "/api/greader.php/"
    server.route(
        base + "accounts/ClientLogin",
        srv.static("SID=x\nAuth=alice/f00dfeedf00dfeed\n", "text/plain"),
    )
    server.route(base + "reader/api/0/token", srv.static("edit-token", "text/plain"))
    for path, handler in api.items():
        server.route(base + "reader/api/0/" + path, handler)
    return server.url(base)


def add_fake(server: LoopbackServer, url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    from newsreader.config import AccountConfig, SourceConfig, save_accounts
    from newsreader.paths import resolve

    monkeypatch.setenv(PASSWORD_ENV, "fake-password")
    account = AccountConfig(type="greader", url=url, user="alice", password_env=PASSWORD_ENV)
    save_accounts(resolve().config_file, added=[SourceConfig(name="fake", account=account)])


def test_malformed_json_is_one_line_and_the_cache_stays(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fake_server(
        server, api={"subscription/list": srv.static('{"subscriptions": [', "application/json")}
    )
    add_fake(server, url, monkeypatch)
    done = sync()
    assert done.code == 1
    assert "failed     fake: 127.0.0.1 sent malformed JSON for subscription/list" in done.stderr


def test_a_token_refused_right_after_login_is_an_error_after_one_retry(
    server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    url = fake_server(
        server, api={"subscription/list": srv.static("Unauthorized", "text/plain", status=401)}
    )
    add_fake(server, url, monkeypatch)
    done = sync()
    assert done.code == 1
    assert "no longer accepts the session token" in done.stderr
    assert "f00dfeedf00dfeed" not in done.stderr + done.stdout
    logins = [path for path, _ in server.requests if path.endswith("ClientLogin")]
    assert len(logins) == 2  # the first login, and one more: never a loop


def test_403_is_one_line(server: LoopbackServer, monkeypatch: pytest.MonkeyPatch) -> None:
    url = fake_server(
        server, api={"subscription/list": srv.static("Forbidden", "text/plain", status=403)}
    )
    add_fake(server, url, monkeypatch)
    done = sync()
    assert done.code == 1
    assert (
        "failed     fake: 127.0.0.1 refused access to subscription/list (HTTP 403)" in done.stderr
    )


# -- the reader ----------------------------------------------------------------------


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.mark.anyio
async def test_the_reader_marks_offline_and_r_syncs_the_account(
    miniflux: Miniflux,
    miniflux_user: MinifluxUser,
    server: LoopbackServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from newsreader.config import load_config
    from newsreader.paths import resolve
    from newsreader.store import Store
    from tests.test_tui import make_app, settle

    account_ready(miniflux, miniflux_user, server, monkeypatch, count=2)
    config = load_config(resolve().config_file)
    with Store.open(resolve().db_path, notice=None) as store:
        offline = make_app(store, config, offline=True)
        async with offline.run_test(size=(120, 30)) as pilot:
            await settle(offline, pilot)
            current = offline.main.articles.current
            assert current is not None and current.source == "mf"
            await pilot.press("s")  # star it, offline
            await pilot.press("R")
            await settle(offline, pilot)
            assert any("Offline" in n.message for n in offline._notifications)
        starred_title = current.title
        assert by_title(miniflux_user)[starred_title]["starred"] is False

        app = make_app(store, config)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(app, pilot)
            await pilot.press("r")  # the current article's source: the account
            await settle(app, pilot)
            assert not app.main.syncing
            assert app.main.status.last_sync
            assert not app.main.status.error
        assert by_title(miniflux_user)[starred_title]["starred"] is True
