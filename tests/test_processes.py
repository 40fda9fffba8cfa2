"""The sync's helper processes: answers, errors, a call that never ends, a worker that
dies, and the requests a worker holds at once.

Real ``python -m newsreader.worker`` processes; the work sent is standard-library
functions, which any worker can import.
"""

from __future__ import annotations

import asyncio
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from newsreader.processes import (
    CallTimeoutError,
    WorkerCrashedError,
    WorkerPool,
    siblings_supported,
)

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


async def test_a_bare_stop_iteration_in_the_work_fails_its_call_instead_of_hanging() -> None:
    """asyncio refuses StopIteration as a future's error; it comes back as RuntimeError,
    as it would from the same work run in a coroutine."""
    pool = WorkerPool(1)
    try:
        with pytest.raises(RuntimeError, match="StopIteration"):
            await asyncio.wait_for(pool.run(next, iter([])), 20)
        assert await pool.run(math.sqrt, 4.0) == 2.0  # the same worker, still serving
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


async def _until(condition: Any, seconds: float = 30.0) -> None:
    """Wait (bounded) for a state the test cannot await directly."""
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "waited too long"
        await asyncio.sleep(0.01)


async def test_a_request_queued_behind_a_stuck_one_is_served_by_the_replacement() -> None:
    """A worker holds two requests at once; when the first outlives the deadline, the
    second, which it never began, goes to the worker that replaces it."""
    pool = WorkerPool(1, deadline=2.0)
    try:
        await pool.run(os.getpid)  # started: its start-up no longer counts
        stuck = asyncio.ensure_future(pool.run(time.sleep, 60))
        await _until(lambda: len(pool._all[0].waiting) == 1)
        queued = asyncio.ensure_future(pool.run(math.sqrt, 9.0))
        await _until(lambda: queued.done() or len(pool._all[0].waiting) == 2)
        with pytest.raises(CallTimeoutError):
            await stuck
        assert await queued == 3.0
    finally:
        await pool.close()


async def test_the_deadline_counts_from_when_the_worker_can_begin_the_call() -> None:
    """Two calls of 1.5 s each on one worker both succeed under a 2.5 s deadline, though
    the second was sent 3 s before its answer."""
    pool = WorkerPool(1, deadline=2.5)
    try:
        await pool.run(os.getpid)
        first, second = await asyncio.gather(
            pool.run(time.sleep, 1.5), pool.run(time.sleep, 1.5), return_exceptions=True
        )
        assert first is None and second is None
    finally:
        await pool.close()


async def test_a_cancelled_calls_answer_never_reaches_the_next_call() -> None:
    pool = WorkerPool(1)
    try:
        pid = await pool.run(os.getpid)
        cancelled = asyncio.ensure_future(pool.run(time.sleep, 0.5))  # answers None
        await _until(lambda: len(pool._all[0].waiting) == 1)
        cancelled.cancel()
        assert await pool.run(math.sqrt, 9.0) == 3.0
        assert await pool.run(os.getpid) == pid  # the same worker, still serving
    finally:
        await pool.close()


async def test_every_call_a_dead_worker_held_fails_and_none_waits_forever() -> None:
    """A worker killed from outside (out of memory) with requests in its pipe: each of
    them, and any call waiting for room, fails at once (the sync then parses in-process)."""
    pool = WorkerPool(1)
    try:
        await pool.run(os.getpid)
        calls = [asyncio.ensure_future(pool.run(time.sleep, 30)) for _ in range(4)]
        (worker,) = pool._all
        await _until(lambda: len(worker.waiting) == 2)
        worker.process.kill()
        results = await asyncio.wait_for(asyncio.gather(*calls, return_exceptions=True), 20)
        assert all(isinstance(result, WorkerCrashedError) for result in results)
        with pytest.raises(WorkerCrashedError):
            await pool.run(math.sqrt, 4.0)
    finally:
        await pool.close()


async def test_closing_kills_a_worker_still_busy_with_a_cancelled_call() -> None:
    """Ctrl-C during a long parse: nobody waits for the answer, so the sync does not wait
    for the worker to finish it."""
    pool = WorkerPool(1)
    try:
        await pool.run(os.getpid)
        call = asyncio.ensure_future(pool.run(time.sleep, 60))
        (worker,) = pool._all
        await _until(lambda: len(worker.waiting) == 1)
        call.cancel()
    finally:
        await pool.close()
    assert worker.process.returncode == -signal.SIGKILL


def _workers_of_this_process() -> list[int]:
    from tests.soak import command_line, descendants

    return [pid for pid in descendants(os.getpid()) if "newsreader.worker" in command_line(pid)]


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc")
@pytest.mark.parametrize("size", [1, 2])
async def test_every_task_cancelled_as_a_worker_starts_ends_and_leaves_no_worker(
    size: int,
) -> None:
    """Ctrl-C or SIGTERM as a sync's workers start: asyncio then cancels every task and
    waits for them. A cancelled start once waited for good, and the sync never ended
    (Python 3.11's create_subprocess_exec). Cancelled at each step of a start, every
    task must end at once and no worker may be left (nor a fork of one)."""
    for steps in range(1, 8):
        others = asyncio.all_tasks()  # the test's own (the test runner's)
        pool = WorkerPool(size)
        starting = asyncio.ensure_future(pool.start())
        for _ in range(steps):
            await asyncio.sleep(0)
        tasks = asyncio.all_tasks() - others
        for task in tasks:
            task.cancel()
        _, pending = await asyncio.wait(tasks, timeout=10)
        assert not pending, f"cancelled after {steps} steps: {pending}"
        assert starting.done()
        await asyncio.wait_for(pool.close(), 20)
        assert _workers_of_this_process() == []


forks = pytest.mark.skipif(not siblings_supported(), reason="workers fork on Linux only")


def _parent_of(pid: int) -> int:
    with open(f"/proc/{pid}/stat") as stat:
        return int(stat.read().split(") ")[-1].split()[1])


async def _pids_serving(pool: WorkerPool, count: int) -> set[int]:
    """The pids that answer ``count`` calls sent at once (each worker holds two)."""
    return set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(count))))


@forks
async def test_a_pool_of_two_is_one_interpreter_and_its_fork_and_both_serve() -> None:
    pool = WorkerPool(2)
    try:
        first, second = (worker.process for worker in pool._all) if pool._all else (None, None)
        assert first is None  # nothing starts before the first call
        pids = await _pids_serving(pool, 4)
        first, second = (worker.process for worker in pool._all)
        assert pids == {first.pid, second.pid}
        assert _parent_of(first.pid) == os.getpid()
        assert _parent_of(second.pid) == first.pid
    finally:
        await pool.close()
    assert not _alive(first.pid) and not _alive(second.pid)
    assert _workers_of_this_process() == []


@forks
async def test_the_fork_goes_on_when_the_worker_that_forked_it_is_stopped() -> None:
    """The first worker, stuck past the deadline, is killed and replaced; its fork,
    which watches this process and not its parent, keeps serving."""
    pool = WorkerPool(2, deadline=2.0)
    try:
        await _pids_serving(pool, 4)
        first, second = (worker.process for worker in pool._all)
        with pytest.raises(CallTimeoutError):
            await pool.run(time.sleep, 60)  # the first worker: the least busy, first
        await first.wait()
        assert not _alive(first.pid)
        await _until(lambda: _parent_of(second.pid) != first.pid)  # an orphan now
        # Five times as long as a worker takes to see that its parent is gone: on the
        # fork, now first in the pool.
        assert pool._all[0].process is second
        assert await pool.run(time.sleep, 0.5) is None
        assert second.pid in await _pids_serving(pool, 4)
        assert _alive(second.pid)
    finally:
        await pool.close()
    assert _workers_of_this_process() == []


@forks
async def test_a_fork_stuck_past_the_deadline_is_killed_and_replaced() -> None:
    pool = WorkerPool(2, deadline=2.0)
    try:
        await _pids_serving(pool, 4)
        first, second = (worker.process for worker in pool._all)
        stuck = await asyncio.gather(
            pool.run(time.sleep, 60), pool.run(time.sleep, 60), return_exceptions=True
        )
        assert all(isinstance(result, CallTimeoutError) for result in stuck)
        assert first.returncode == second.returncode == -signal.SIGKILL
        assert not _alive(first.pid) and not _alive(second.pid)
        assert await pool.run(math.sqrt, 9.0) == 3.0  # by the workers started in their place
    finally:
        await pool.close()
    assert _workers_of_this_process() == []


_OWNER = """
import asyncio, os, sys, time
from newsreader.processes import WorkerPool

async def main():
    pool = WorkerPool(2)
    pids = set(await asyncio.gather(*(pool.run(os.getpid) for _ in range(4))))
    busy = [asyncio.ensure_future(pool.run(time.sleep, 60)) for _ in range(2)]
    await asyncio.sleep(0.5)  # both workers sleeping in their call
    print(*sorted(pids), flush=True)
    await asyncio.sleep(60)

asyncio.run(main())
"""


@forks
def test_busy_workers_end_soon_after_the_process_that_started_them_is_killed() -> None:
    """SIGKILL of a sync while both its workers parse: the one it started sees its
    parent go, the fork sees its answers' pipe left without a reader."""
    owner = subprocess.Popen([sys.executable, "-c", _OWNER], stdout=subprocess.PIPE, text=True)
    try:
        assert owner.stdout is not None
        pids = [int(pid) for pid in owner.stdout.readline().split()]
        assert len(pids) == 2 and all(_alive(pid) for pid in pids)
    finally:
        owner.kill()
        owner.wait(10)
        if owner.stdout is not None:
            owner.stdout.close()
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids):
        assert time.monotonic() < deadline, "a worker outlived its owner by 10 s"
        time.sleep(0.02)


async def test_a_sync_whose_parser_process_dies_stores_every_feed_in_process(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from newsreader import processes
    from newsreader.config import Config, SourceConfig
    from newsreader.store import Store
    from newsreader.sync import sync
    from tests import server as srv

    real_send = processes._Worker.send

    async def send_then_die(worker: processes._Worker, payload: bytes) -> Any:
        answer = await real_send(worker, payload)
        worker.process.kill()  # with this request, and maybe the next, in its pipe
        return answer

    monkeypatch.setattr(processes._Worker, "send", send_then_die)
    httpd = srv.LoopbackServer()
    try:
        sources = []
        for n in range(6):
            entries = [{"title": f"Feed {n} item {i}", "guid": f"{n}-{i}"} for i in range(3)]
            url = httpd.route(
                f"/{n}", srv.static(srv.rss(f"Feed {n}", entries), "application/rss+xml")
            )
            sources.append(SourceConfig(name=f"Feed {n}", url=url, full_text="never"))
        with Store.open(tmp_path / "cache.db") as store:
            report = await asyncio.wait_for(
                sync(Config(sources=tuple(sources)), store, parse_workers=1), 60
            )
            assert report.ok and report.new == 18
            assert len(store.articles(limit=100)) == 18
    finally:
        httpd.close()


async def test_a_sync_announces_the_end_of_its_start_up_before_any_request(
    tmp_path: Path,
) -> None:
    """The command line settles the collector there (start-up tuned, the documents
    collected with the defaults): once, before the first feed is asked for."""
    from newsreader.config import Config, SourceConfig
    from newsreader.store import Store
    from newsreader.sync import sync
    from tests import server as srv

    httpd = srv.LoopbackServer()
    try:
        entries = [{"title": "One", "guid": "one"}]
        url = httpd.route("/feed", srv.static(srv.rss("Feed", entries), "application/rss+xml"))
        seen: list[int] = []
        config = Config(sources=(SourceConfig(name="Feed", url=url, full_text="never"),))
        with Store.open(tmp_path / "cache.db") as store:
            report = await sync(
                config, store, parse_workers=1, started=lambda: seen.append(len(httpd.requests))
            )
        assert report.ok and report.new == 1
        assert seen == [0]
        assert len(httpd.requests) == 1
    finally:
        httpd.close()


def test_settling_the_collector_brings_back_its_defaults() -> None:
    import gc

    from newsreader import startup

    fresh = subprocess.run(
        [sys.executable, "-c", "import gc; print(*gc.get_threshold())"],
        capture_output=True,
        text=True,
        check=True,
    )
    defaults = tuple(int(n) for n in fresh.stdout.split())
    before = gc.get_threshold()
    gc.unfreeze()  # what an earlier command froze in this test process
    try:
        startup.tune_collector()
        assert gc.get_threshold()[0] == 100_000
        startup.settle_collector()
        assert gc.get_threshold() == defaults
        assert gc.get_freeze_count() > 0  # start-up's objects left the walks
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def test_a_parser_process_loads_no_event_loop() -> None:
    """A parser process imports what parsing needs and nothing of its parent's side:
    asyncio alone would hold up its first feed by 30 ms (the cold sync's first feeds
    wait for the worker)."""

    code = (
        "import importlib, sys\n"
        "import newsreader.worker\n"
        "from newsreader.sources.feed import PARSER_MODULES\n"
        "for module in PARSER_MODULES: importlib.import_module(module)\n"
        "print(' '.join(sorted(m for m in ('asyncio', 'newsreader.processes',"
        " 'newsreader.config', 'newsreader.sync') if m in sys.modules)))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=True
    )
    assert done.stdout.split() == []
