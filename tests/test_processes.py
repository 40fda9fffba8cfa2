"""The sync's helper processes: answers, errors, and a call that never ends.

Real ``python -m newsreader.worker`` processes; the work sent is standard-library
functions, which any worker can import.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import pytest

from newsreader.processes import CallTimeoutError, WorkerPool

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read().split(") ")[-1][:1] not in ("Z", "X")
    except FileNotFoundError:
        return False


async def test_a_call_returns_its_result_or_raises_its_error() -> None:
    pool = WorkerPool(1)
    try:
        assert await pool.run(math.sqrt, 16.0) == 4.0
        with pytest.raises(ValueError, match="invalid literal"):
            await pool.run(int, "not a number")
        assert await pool.run(math.sqrt, 81.0) == 9.0  # the same worker, still serving
    finally:
        await pool.close()


async def test_a_call_past_the_deadline_stops_its_worker_and_the_next_one_is_served() -> None:
    """A parser caught in a loop (or a worker stopped from outside) must not hold up a
    sync: the call fails, its worker is killed and replaced."""
    pool = WorkerPool(1, deadline=2.0)  # the replacement's start counts in its first call
    try:
        assert await pool.run(os.getpid) != os.getpid()
        (stuck,) = pool._all
        with pytest.raises(CallTimeoutError, match="longer than 2 s"):
            await pool.run(time.sleep, 60)
        await stuck.process.wait()
        assert not _alive(stuck.process.pid)
        (replacement,) = pool._all
        assert replacement is not stuck
        assert await pool.run(math.sqrt, 4.0) == 2.0
    finally:
        await pool.close()


async def test_a_feed_whose_parsing_outlives_the_deadline_fails_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The sync gives up on that feed (one line, its cached articles kept) and the
    other feeds are parsed by the replacement worker."""
    from newsreader import processes
    from newsreader.config import Config, SourceConfig
    from newsreader.store import Store
    from newsreader.sync import sync
    from tests import server as srv

    def feed(title: str, count: int) -> bytes:
        entries = [{"title": f"{title} {n}", "guid": f"{title}-{n}"} for n in range(count)]
        return srv.rss(title, entries)

    httpd = srv.LoopbackServer()
    try:
        huge = httpd.route("/huge", srv.static(feed("Huge", 2), "application/rss+xml"))
        small = httpd.route("/small", srv.static(feed("Small", 3), "application/rss+xml"))
        config = Config(
            sources=(
                SourceConfig(name="Huge", url=huge, full_text="never"),
                SourceConfig(name="Small", url=small, full_text="never"),
            )
        )
        with Store.open(tmp_path / "cache.db") as store:
            first = await sync(config, store, parse_workers=1)
            assert first.ok and first.new == 5
            # 40,000 undated entries take seconds to parse (10 s on a 2-vCPU VM); six, a
            # few milliseconds
            httpd.route("/huge", srv.static(feed("Huge", 40_000), "application/rss+xml"))
            httpd.route("/small", srv.static(feed("Small", 6), "application/rss+xml"))
            monkeypatch.setattr(processes, "CALL_DEADLINE", 2.0)
            report = await sync(config, store, parse_workers=1, force=True)
            huge_result, small_result = report.results
            assert huge_result.status == "failed"
            assert huge_result.error is not None
            assert "longer than 2 s" in huge_result.error and "\n" not in huge_result.error
            assert small_result.status == "synced" and small_result.new == 3
            titles = {article.title for article in store.articles()}
            assert {"Huge 0", "Huge 1"} <= titles  # what the feed had is still cached
    finally:
        httpd.close()
