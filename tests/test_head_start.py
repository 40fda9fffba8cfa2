"""A sync's head start: the requests of the last sync's plan, sent by a forked helper
while ``newsreader sync`` loads, and taken by the sync only for the very same request.

Every test runs the real command line as a subprocess against a real loopback server,
which records each request it gets.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests import server as srv
from tests.conftest import run_cli
from tests.server import LoopbackServer
from tests.test_sync import configure, items

PLAN = "sync-plan.txt"

# The sync as the console script runs it, telling on stderr what its head start sent
# when the sync took over (the only thing it adds to the real command).
_OBSERVED = """
import sys
from newsreader.sources import head_start
original = head_start.HeadStart.attach
def attach(self, loop):
    original(self, loop)
    flying = len(self._holding)
    print(f"head start: {self.sent} sent {flying} in flight", file=sys.stderr, flush=True)
head_start.HeadStart.attach = attach
sys.argv = ["newsreader", "sync"]
from newsreader.launch import main
main()
"""


def observed_sync() -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", _OBSERVED],
        capture_output=True,
        text=True,
        timeout=60,
        env=dict(os.environ, PYTHONIOENCODING="utf-8"),
        check=False,
    )


def sent_early(run: subprocess.CompletedProcess[str]) -> int:
    """How many requests the head start had sent when the sync took over (0: none)."""
    for line in run.stderr.splitlines():
        if line.startswith("head start: "):
            return int(line.split()[2])
    return 0


def flying_early(run: subprocess.CompletedProcess[str]) -> int:
    """How many of them were still in flight then."""
    for line in run.stderr.splitlines():
        if line.startswith("head start: "):
            return int(line.split()[4])
    return 0


def feeds(server: LoopbackServer, count: int, **options: str) -> list[dict[str, str]]:
    sources = []
    for number in range(count):
        url = server.route(
            f"/feed/{number}",
            srv.conditional(
                srv.rss(f"Feed {number}", items(2, f"https://n{number}.example/")),
                etag=f'"v{number}"',
                **options,
            ),
        )
        sources.append({"name": f"Feed {number}", "url": url})
    return sources


def requested(server: LoopbackServer, path: str) -> int:
    return sum(1 for seen, _ in server.requests if seen == path)


def test_a_second_sync_takes_the_answers_its_head_start_got(
    isolated_home: Path, server: LoopbackServer
) -> None:
    configure(isolated_home, *feeds(server, 3))
    first = run_cli("sync")
    assert first.code == 0, first.stderr
    plan = isolated_home / PLAN
    assert plan.stat().st_mode & 0o777 == 0o600  # validators: readable by the user only
    server.requests.clear()

    second = observed_sync()

    assert second.returncode == 0, second.stderr
    assert sent_early(second) == 3
    assert "3 unchanged" in second.stdout
    # Each feed once: the sync took the head start's answers instead of asking again.
    assert [requested(server, f"/feed/{n}") for n in range(3)] == [1, 1, 1]
    assert all(headers.get("If-None-Match") for _, headers in server.requests)


def test_the_sync_sends_itself_what_differs_from_the_plan(
    isolated_home: Path, server: LoopbackServer
) -> None:
    configure(isolated_home, *feeds(server, 2))
    assert run_cli("sync").code == 0
    plan = isolated_home / PLAN
    # A plan whose validators are not the cache's any more: the head start's request
    # is not the one the sync makes, so its answer (a whole feed) is not taken.
    plan.write_text(plan.read_text().replace('If-None-Match: "v0"', 'If-None-Match: "old"'))
    server.requests.clear()

    second = observed_sync()

    assert second.returncode == 0, second.stderr
    assert sent_early(second) == 2
    assert "2 unchanged" in second.stdout
    etags = [h.get("If-None-Match") for path, h in server.requests if path == "/feed/0"]
    assert sorted(etags) == ['"old"', '"v0"']  # the sync asked with the cache's own
    assert requested(server, "/feed/1") == 1


def test_a_source_removed_from_the_config_is_never_asked_for_again(
    isolated_home: Path, server: LoopbackServer
) -> None:
    sources = feeds(server, 2)
    configure(isolated_home, *sources)
    assert run_cli("sync").code == 0
    configure(isolated_home, sources[0])  # config.toml changed: the plan no longer holds
    server.requests.clear()

    second = observed_sync()

    assert second.returncode == 0, second.stderr
    assert sent_early(second) == 0
    assert requested(server, "/feed/1") == 0
    assert requested(server, "/feed/0") == 1


@pytest.mark.parametrize("args", [("sync", "--offline"), ("--offline", "sync"), ("sync", "Feed 0")])
def test_only_a_bare_sync_has_a_head_start(
    isolated_home: Path, server: LoopbackServer, args: tuple[str, ...]
) -> None:
    configure(isolated_home, *feeds(server, 2))
    assert run_cli("sync").code == 0
    server.requests.clear()

    run = run_cli(*args)

    assert requested(server, "/feed/1") == 0  # never asked for by this command
    if "--offline" in args:
        assert run.code == 2
        assert server.requests == []
    else:
        assert run.code == 0, run.stderr
        assert requested(server, "/feed/0") == 1


def test_a_source_that_asked_for_time_is_not_sent_early(
    isolated_home: Path, server: LoopbackServer
) -> None:
    configure(isolated_home, *feeds(server, 2, headers={"Cache-Control": "max-age=3600"}))
    assert run_cli("sync").code == 0
    server.requests.clear()

    second = observed_sync()

    assert second.returncode == 0, second.stderr
    assert server.requests == []
    assert "2 not due yet" in second.stdout


def test_a_proxy_in_the_environment_means_no_head_start(
    isolated_home: Path, server: LoopbackServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    configure(isolated_home, *feeds(server, 2))
    assert run_cli("sync").code == 0
    server.requests.clear()
    monkeypatch.setenv("HTTP_PROXY", f"http://127.0.0.1:{srv.free_port()}")

    second = observed_sync()

    # Every request went the proxy's way (and failed there): none reached the server.
    assert server.requests == []
    assert second.returncode == 1
    assert sent_early(second) == 0


@pytest.mark.parametrize(
    "damage",
    [b"", b"\x00\xff garbage", b"newsreader-sync-plan 1\nversion 0\n", None],
)
def test_a_broken_plan_is_no_head_start_and_no_failure(
    isolated_home: Path, server: LoopbackServer, damage: bytes | None
) -> None:
    configure(isolated_home, *feeds(server, 2))
    assert run_cli("sync").code == 0
    plan = isolated_home / PLAN
    if damage is None:  # a plan that says it sends to another scheme
        plan.write_text(plan.read_text().replace(" http://", " file://"))
    else:
        plan.write_bytes(damage)
    server.requests.clear()

    second = observed_sync()

    assert second.returncode == 0, second.stderr
    assert sent_early(second) == 0
    assert "Traceback" not in second.stderr
    assert [requested(server, f"/feed/{n}") for n in range(2)] == [1, 1]


def test_the_limits_on_requests_in_flight_hold_across_the_hand_over(
    isolated_home: Path, server: LoopbackServer
) -> None:
    lock = threading.Lock()
    flying = [0, 0]  # now, most

    def slow(handler: BaseHTTPRequestHandler) -> None:
        conditional = bool(handler.headers.get("If-None-Match"))
        late = conditional and not handler.path.endswith(("/0", "/1", "/2"))
        with lock:
            flying[0] += 1
            flying[1] = max(flying)
        time.sleep(0.6 if late else 0.05)  # still in flight when the sync takes over
        with lock:
            flying[0] -= 1
        if conditional:
            srv.not_modified(handler)
        else:
            srv.respond(handler, srv.rss("Slow", items(1)), headers={"ETag": '"s"'})

    sources = []
    for number in range(9):
        sources.append({"name": f"Slow {number}", "url": server.route(f"/slow/{number}", slow)})
    configure(isolated_home, *sources, extra="[sync]\nconcurrency = 3\nper_host = 3\n")
    assert run_cli("sync").code == 0
    plan = isolated_home / PLAN
    # The first source's planned request is not the sync's any more (its validator
    # changed): the sync sends its own while the head start's later ones are in flight.
    plan.write_text(plan.read_text().replace('If-None-Match: "s"', 'If-None-Match: "old"', 1))
    flying[1] = 0

    second = observed_sync()

    assert second.returncode == 0, second.stderr
    assert flying_early(second) >= 1  # the sync took over with requests in flight
    assert "9 unchanged" in second.stdout
    assert 1 <= flying[1] <= 3  # never more than the configured requests in flight


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
def test_the_helper_ends_when_the_sync_is_killed(
    isolated_home: Path, server: LoopbackServer
) -> None:
    release = threading.Event()
    arrived = threading.Event()

    def held(handler: BaseHTTPRequestHandler) -> None:
        if handler.headers.get("If-None-Match"):
            arrived.set()
            release.wait(30)
        srv.conditional(srv.rss("Held", items(1)), etag='"h"')(handler)

    configure(isolated_home, {"name": "Held", "url": server.route("/held", held)})
    assert run_cli("sync").code == 0
    sync = subprocess.Popen(
        [sys.executable, "-m", "newsreader", "sync"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        assert arrived.wait(30)
        helpers = _children(sync.pid)
        assert helpers, "the head start's helper is a child of the sync"
        sync.send_signal(signal.SIGKILL)
        sync.wait(10)
        deadline = time.monotonic() + 10
        while any(_alive(pid) for pid in helpers) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert not any(_alive(pid) for pid in helpers)
    finally:
        release.set()
        if sync.poll() is None:
            sync.kill()
            sync.wait()


def _children(pid: int) -> list[int]:
    found = []
    for task in os.listdir(f"/proc/{pid}/task"):
        with open(f"/proc/{pid}/task/{task}/children") as children:
            found += [int(child) for child in children.read().split()]
    return found


def _alive(pid: int) -> bool:
    """Still running (a zombie waiting for its reaper counts as ended)."""
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().rpartition(")")[2].split()[0] != "Z"
    except OSError:
        return False
