"""A server that misbehaves in every way we know, against `open` and `sync`.

One source per way to misbehave. A good sync seeds the cache with every source's
articles; then each source's URL misbehaves its own way, and one ``newsreader sync``
runs while ``newsreader open URL`` reads every URL. Each must end within the 2 s
timeout (the processes are given 30 s: past that the test fails) with one clean
line, and the cached articles of every source must be exactly what they were. The
quirks a browser forgives (several gzip members, junk after the last one, raw
deflate, a lying charset header) are read, and change nothing either: the server
sends the same feed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from tests import server as srv
from tests.checks import FORBIDDEN, assert_clean, assert_one_line_error
from tests.conftest import Run
from tests.server import Handler, LoopbackServer

TIMEOUT = 2
CONCURRENT_OPENS = 6


def feed(slug: str) -> bytes:
    """The good feed of one source: its own three articles, French accents included."""
    return srv.rss(
        "Le Journal de l'été",
        [
            {
                "title": f"Été à Genève, épisode {number}",
                "link": f"https://news.example/{slug}/{number}",
                "guid": f"https://news.example/{slug}/{number}",
                "pubDate": f"Thu, 06 Nov 2025 {number:02d}:00:00 +0100",
                "description": f"Les données de l'été, épisode {number} : très chaud à Genève.",
            }
            for number in range(3)
        ],
    )


TITLES = [f"Été à Genève, épisode {number}" for number in range(3)]


@dataclass(frozen=True)
class Scenario:
    """One way to misbehave on one source's URL. ``expected`` is a word of the one-line
    error it must produce; None for a quirk that must be read (and change nothing)."""

    name: str
    make: Callable[[bytes, threading.Event], Handler]
    expected: str | None

    @property
    def slug(self) -> str:
        return "".join(c if c.isalnum() else "-" for c in self.name.lower())


def _zeros(size: int) -> bytes:
    return b"\0" * size


SCENARIOS = [
    # faults: one line, nothing lost
    Scenario("trickle", lambda body, stop: srv.trickle(stop, interval=0.1), f"within {TIMEOUT} s"),
    Scenario("silent", lambda body, stop: srv.silent(stop), f"within {TIMEOUT} s"),
    Scenario("reset", lambda body, stop: srv.reset, "127.0.0.1"),
    Scenario("500", lambda body, stop: srv.static("<h1>down</h1>", status=500), "HTTP 500"),
    Scenario("502", lambda body, stop: srv.static("", status=502), "HTTP 502"),
    Scenario(
        "503 retry-after",
        lambda body, stop: srv.static("", status=503, headers={"Retry-After": "120"}),
        "HTTP 503",
    ),
    Scenario(
        "429 retry-after",
        lambda body, stop: srv.static("", status=429, headers={"Retry-After": "3600"}),
        "HTTP 429",
    ),
    Scenario(
        "429 retry-after odd date",
        lambda body, stop: srv.static("", status=429, headers={"Retry-After": "Mon, 99 Foo 99999"}),
        "HTTP 429",
    ),
    Scenario(
        "redirect loop", lambda body, stop: srv.redirect("/loop/redirect-loop"), "redirect loop"
    ),
    Scenario("redirect file", lambda body, stop: srv.redirect("file:///etc/passwd"), "non-http"),
    Scenario("redirect ftp", lambda body, stop: srv.redirect("ftp://ftp.example/feed"), "non-http"),
    Scenario(
        "redirect javascript", lambda body, stop: srv.redirect("javascript:alert(1)"), "non-http"
    ),
    Scenario(
        "redirect bad port", lambda body, stop: srv.redirect("http://127.0.0.1:99999/x"), "invalid"
    ),
    Scenario("gzip bomb", lambda body, stop: srv.gzip_bomb(64 << 20), "decompressed"),
    Scenario("deflate bomb", lambda body, stop: srv.deflate_bomb(64 << 20), "decompressed"),
    Scenario(
        "gzip bomb and junk", lambda body, stop: srv.gzip_junk(_zeros(16 << 20)), "decompressed"
    ),
    Scenario("endless body", lambda body, stop: srv.endless(), "too large"),
    Scenario(
        "corrupt gzip",
        lambda body, stop: srv.encoded(b"\x1f\x8b\x08\x00" + b"junk" * 100, "gzip"),
        "corrupt",
    ),
    Scenario("content-length too big", lambda body, stop: srv.short_body(body), "broke"),
    Scenario("content-length no number", lambda body, stop: srv.bad_length(body), "broke"),
    Scenario("chunked garbage", lambda body, stop: srv.chunked_garbage(body * 50), "broke"),
    Scenario("header flood", lambda body, stop: srv.header_flood(20_000), "broke"),
    Scenario("huge header", lambda body, stop: srv.header_flood(size=1 << 20), "broke"),
    Scenario("unsolicited 304", lambda body, stop: srv.not_modified, "not conditional"),
    Scenario(
        "binary",
        lambda body, stop: srv.static(bytes(range(256)) * 64, "application/rss+xml"),
        "binary",
    ),
    # quirks a browser forgives: read, and the same feed changes nothing
    Scenario("gzip members", lambda body, stop: srv.gzip_members(body, parts=3), None),
    Scenario("gzip and junk", lambda body, stop: srv.gzip_junk(body), None),
    Scenario(
        "gzip and a false member", lambda body, stop: srv.gzip_junk(body, b"\x1f\x8b rubbish"), None
    ),
    Scenario(
        "raw deflate", lambda body, stop: srv.encoded(zlib.compress(body)[2:-4], "deflate"), None
    ),
    Scenario(
        "charset says utf-8, bytes are cp1252",
        lambda body, stop: srv.recoded(body, "cp1252", "utf-8"),
        None,
    ),
    Scenario(
        "charset says latin-1, bytes are utf-8",
        lambda body, stop: srv.recoded(body, "utf-8", "iso-8859-1"),
        None,
    ),
    Scenario(
        "utf-16 without a bom, charset unknown",
        lambda body, stop: srv.recoded(body, "utf-16-le", "x-unknown"),
        None,
    ),
]


def _spawn(home: Path, *args: str) -> subprocess.Popen[bytes]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8", "NEWSREADER_HOME": str(home)}
    return subprocess.Popen(
        [sys.executable, "-m", "newsreader", "--data-dir", str(home), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    )


def _wait(process: subprocess.Popen[bytes]) -> Run:
    try:
        out, err = process.communicate(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.communicate()
        raise AssertionError(f"{process.args} did not end within 30 s") from None
    return Run(process.returncode, out.decode("utf-8"), err.decode("utf-8"))


def _articles(home: Path) -> dict[str, list[Any]]:
    """Every cached article of every source, whole (content, dates, state)."""
    from newsreader.store import Store

    store = Store.open(home / "newsreader.db")
    try:
        return {
            scenario.name: [
                store.article(ref.id) for ref in store.articles(source=scenario.name, limit=100)
            ]
            for scenario in SCENARIOS
        }
    finally:
        store.close()


@dataclass
class Outcome:
    """What one hostile sync and the `open` of every URL did."""

    before: dict[str, list[Any]]
    after: dict[str, list[Any]]
    sync: Run
    opens: dict[str, Run]


@pytest.fixture(scope="module")
def outcome(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Outcome]:
    """Seed a cache with a good sync of every source, make each source's URL misbehave
    its own way, then sync again while `open` reads every URL."""
    server = LoopbackServer()
    home = tmp_path_factory.mktemp("hostile")
    config = [f"[sync]\ntimeout = {TIMEOUT}\nconcurrency = 64\nper_host = 64\n"]
    for scenario in SCENARIOS:
        server.route(f"/{scenario.slug}", srv.static(feed(scenario.slug), "application/rss+xml"))
        config.append(
            f'[[source]]\nname = "{scenario.name}"\nurl = "{server.url("/" + scenario.slug)}"\n'
            'full_text = "never"\n'
        )
    (home / "config.toml").write_text("\n".join(config))
    try:
        seeded = _wait(_spawn(home, "sync"))
        assert seeded.code == 0, seeded.stderr
        assert seeded.stdout.startswith(f"{len(SCENARIOS)} sources, {3 * len(SCENARIOS)} new")
        before = _articles(home)
        for scenario in SCENARIOS:
            server.route(f"/{scenario.slug}", scenario.make(feed(scenario.slug), server.stop))
        server.route("/loop/redirect-loop", srv.redirect("/redirect-loop"))
        sync = _spawn(home, "sync", "--force")
        opens: dict[str, Run] = {}
        waiting: list[tuple[str, subprocess.Popen[bytes]]] = []
        for scenario in SCENARIOS:
            url = server.url("/" + scenario.slug)
            waiting.append(
                (scenario.name, _spawn(home, "open", url, "--timeout", str(TIMEOUT), "-f", "json"))
            )
            if len(waiting) >= CONCURRENT_OPENS:
                name, process = waiting.pop(0)
                opens[name] = _wait(process)
        for name, process in waiting:
            opens[name] = _wait(process)
        yield Outcome(before=before, after=_articles(home), sync=_wait(sync), opens=opens)
    finally:
        server.close()


def _sync_line(outcome: Outcome, name: str) -> str:
    """The one progress line of source ``name`` ("failed     NAME: why")."""
    pattern = re.compile(rf"(?:failed|synced|unchanged|not due) +{re.escape(name)}(?::|$)")
    lines = [line for line in outcome.sync.stderr.splitlines() if pattern.match(line)]
    assert len(lines) == 1, outcome.sync.stderr
    return lines[0]


FAULTS = [scenario for scenario in SCENARIOS if scenario.expected]
QUIRKS = [scenario for scenario in SCENARIOS if not scenario.expected]


@pytest.mark.parametrize("scenario", FAULTS, ids=[scenario.name for scenario in FAULTS])
def test_a_fault_is_one_line_and_loses_nothing(outcome: Outcome, scenario: Scenario) -> None:
    assert scenario.expected is not None
    # `open`: a feed URL is no cached article, so no fallback: one error line.
    line = assert_one_line_error(outcome.opens[scenario.name])
    assert scenario.expected in line, line
    # `sync`: one line for the source, and the cache keeps what it had.
    line = _sync_line(outcome, scenario.name)
    assert line.startswith(f"failed     {scenario.name}: "), line
    assert scenario.expected in line, line
    assert len(outcome.before[scenario.name]) == 3
    assert outcome.after[scenario.name] == outcome.before[scenario.name]


@pytest.mark.parametrize("scenario", QUIRKS, ids=[scenario.name for scenario in QUIRKS])
def test_a_quirk_is_read_and_changes_nothing(outcome: Outcome, scenario: Scenario) -> None:
    opened = outcome.opens[scenario.name]
    assert opened.code == 0, opened.stderr
    assert opened.stderr == ""
    data = opened.json()
    assert data["title"] == "Le Journal de l'été"
    assert [item["title"] for item in data["items"]] == TITLES
    assert_clean(opened.stdout)
    assert _sync_line(outcome, scenario.name) == f"synced     {scenario.name}: 0 new, 0 updated"
    assert outcome.after[scenario.name] == outcome.before[scenario.name]


def test_the_hostile_sync_is_clean_lines_and_a_summary(outcome: Outcome) -> None:
    run = outcome.sync
    assert run.code == 1
    assert "Traceback" not in run.stderr and FORBIDDEN.search(run.stderr) is None
    assert len(run.stderr.splitlines()) == len(SCENARIOS)  # one line per source
    summary = run.stdout.splitlines()
    assert len(summary) == 1
    assert f"{len(SCENARIOS)} sources, 0 new, 0 updated" in summary[0]
    assert f"{len(FAULTS)} failed: " in summary[0]
