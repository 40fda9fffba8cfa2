"""The cache under real concurrent use: a reader, two syncs, CLI loops, and kills.

Bounded versions of ``bench/soak.py``. Everything runs as real processes on one cache
in a temp dir, against a loopback server whose feeds change on every fetch.
"""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest

from tests.server import LoopbackServer
from tests.soak import (
    TROUBLE,
    children,
    kill_rounds,
    prepared_home,
    run,
    soak_round,
)

pytestmark = pytest.mark.skipif(
    not sys.platform.startswith("linux"), reason="watches processes and descriptors in /proc"
)


def test_everything_at_once_leaves_the_cache_whole(tmp_path: Path, server: LoopbackServer) -> None:
    home = tmp_path / "home"
    home.mkdir()
    prepared_home(home, server, feeds=30, items=40)
    result = soak_round(home, seconds=20, seed=1)
    assert result.integrity == ["ok"]
    assert result.check == []
    assert result.trouble == [], result.trouble
    assert result.failures == []
    assert result.reader_problems == []  # no error, and its WAL was never deleted
    assert result.starred_lost == 0
    assert result.runs["sync full text"] >= 1 and result.runs["sync"] >= 2
    assert result.reader_calls > 50
    assert result.articles >= 30 * 40


def test_a_killed_sync_leaves_no_process_and_loses_nothing(
    tmp_path: Path, server: LoopbackServer
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    prepared_home(home, server, feeds=30, items=40)
    result = kill_rounds(home, rounds=6, seed=2)
    assert result.helpers_seen > 0  # the kills did land after helpers started
    assert result.orphans == []
    assert result.integrity == ["ok"]
    assert result.starred_lost == 0 and result.read_lost == 0


def test_a_command_beside_the_reader_leaves_its_wal_alone(tmp_path: Path) -> None:
    """The reader holds connections in two threads (the second opened after the
    first); a CLI command runs and exits; the reader's WAL and shared memory are still
    there, and it can still write."""
    home = tmp_path / "home"
    assert run(home, "list").returncode == 0  # creates the cache
    script = tmp_path / "holder.py"
    script.write_text(
        "import os, sys, threading\n"
        "from newsreader.store import Store\n"
        "store = Store.open(sys.argv[1], notice=None)\n"
        "store.totals()\n"
        "thread = threading.Thread(target=store.sections); thread.start(); thread.join()\n"
        "held, release = threading.Event(), threading.Event()\n"
        "def hold():\n"
        "    store.totals(); held.set(); release.wait()\n"
        "worker = threading.Thread(target=hold); worker.start(); held.wait()\n"
        "print('READY', flush=True)\n"
        "sys.stdin.readline()\n"
        "def link(fd):\n"
        "    try:\n"
        "        return os.readlink(f'/proc/self/fd/{fd}')\n"
        "    except OSError:\n"
        "        return ''\n"
        "gone = [link(fd) for fd in os.listdir('/proc/self/fd')]\n"
        "gone = [g for g in gone if 'newsreader.db' in g and '(deleted)' in g]\n"
        "print(f'DELETED {gone}' if gone else 'KEPT', flush=True)\n"
        "store.set_ui_state('after', 1)\n"
        "print('WROTE', store.ui_state('after'), flush=True)\n"
        "release.set(); worker.join()\n",
        encoding="utf-8",
    )
    holder = subprocess.Popen(
        [sys.executable, str(script), str(home / "newsreader.db")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert holder.stdin is not None and holder.stdout is not None
    timer = threading.Timer(60, holder.kill)  # a hang fails the test instead of the suite
    timer.start()
    try:
        assert holder.stdout.readline().strip() == "READY"
        listed = run(home, "list", "--limit", "2")
        assert listed.returncode == 0 and TROUBLE.search(listed.stderr) is None
        assert Path(f"{home / 'newsreader.db'}-wal").exists()
        assert Path(f"{home / 'newsreader.db'}-shm").exists()
        holder.stdin.write("\n")
        holder.stdin.flush()
        assert holder.stdout.readline().strip() == "KEPT"
        assert holder.stdout.readline().strip() == "WROTE 1"
    finally:
        holder.communicate(timeout=30)
        timer.cancel()
    assert run(home, "cache", "info").returncode == 0


def test_sync_helpers_hold_nothing_of_the_cache(tmp_path: Path, server: LoopbackServer) -> None:
    """The sync's parser processes are spawned: not one descriptor of the cache in
    them, whatever the parent had open."""
    home = tmp_path / "home"
    home.mkdir()
    prepared_home(home, server, feeds=20, items=40)
    sync = subprocess.Popen(
        [sys.executable, "-m", "newsreader", "--data-dir", str(home), "sync", "--force"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    seen: dict[int, list[str]] = {}
    stop = threading.Event()

    def watch() -> None:
        while not stop.is_set() and sync.poll() is None:
            for pid in children(sync.pid):
                try:
                    # Between fork and exec a child is still a copy of the sync (its
                    # descriptors close at exec): look only at the worker it becomes.
                    if b"newsreader.worker" not in Path(f"/proc/{pid}/cmdline").read_bytes():
                        continue
                    links = [
                        os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")
                    ]
                except OSError:
                    continue
                seen[pid] = seen.get(pid, []) + [link for link in links if "newsreader.db" in link]
            stop.wait(0.01)

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        assert sync.wait(timeout=120) == 0
    finally:
        stop.set()
        watcher.join()
    assert seen, "the sync started no helper process"
    assert all(links == [] for links in seen.values()), seen
