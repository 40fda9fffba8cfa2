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
