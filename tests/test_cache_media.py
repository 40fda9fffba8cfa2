"""The cache on troublesome media: a disk that fills up, a read-only one.

Real file systems: a tiny tmpfs mounted in a private mount namespace (``unshare -m``,
which needs root; CI runs as root), or plain permissions where that is not possible.
"""

from __future__ import annotations

import json
import os
import shlex
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.checks import assert_one_line_error
from tests.conftest import Run
from tests.server import LoopbackServer
from tests.soak import ChangingFeeds, write_config

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux mounts")

CAN_MOUNT = (
    hasattr(os, "geteuid")
    and os.geteuid() == 0
    and shutil.which("unshare") is not None
    and subprocess.run(["unshare", "-m", "true"], capture_output=True, check=False).returncode == 0
)


def newsreader(home: Path, *args: str) -> str:
    """A shell command running the CLI on ``home``."""
    words = [sys.executable, "-m", "newsreader", "--data-dir", str(home), *args]
    return " ".join(shlex.quote(word) for word in words)


def in_namespace(script: str, timeout: float = 180) -> subprocess.CompletedProcess[str]:
    """Run a shell script in a private mount namespace: its mounts vanish with it."""
    return subprocess.run(
        ["unshare", "-m", "sh", "-ec", script],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
        check=False,
    )


def captured(folder: Path, name: str) -> Run:
    """What a command run in the namespace wrote to ``name.out``/``.err``/``.code``."""
    return Run(
        int((folder / f"{name}.code").read_text()),
        (folder / f"{name}.out").read_text(encoding="utf-8"),
        (folder / f"{name}.err").read_text(encoding="utf-8"),
    )


def step(out: Path, name: str, command: str) -> str:
    """A script line that runs ``command`` and keeps its outputs and exit code."""
    base = shlex.quote(str(out / name))
    return f"set +e; {command} >{base}.out 2>{base}.err; echo $? >{base}.code; set -e"


@pytest.mark.skipif(not CAN_MOUNT, reason="needs root to mount a small file system")
def test_a_full_disk_is_one_line_and_loses_nothing(tmp_path: Path, server: LoopbackServer) -> None:
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    out.mkdir()
    feeds = ChangingFeeds(server, feeds=30, items=60)
    write_config(tmp_path, feeds)
    lines = [
        f"mount -t tmpfs -o size=1500k tmpfs {shlex.quote(str(home))}",
        f"cp {shlex.quote(str(tmp_path / 'config.toml'))} {shlex.quote(str(home))}/",
    ]
    for attempt in range(4):  # the disk fills during the first; the others start full
        lines.append(step(out, f"sync{attempt}", newsreader(home, "sync", "--force")))
    lines.append(step(out, "list", newsreader(home, "list", "--format", "json", "--limit", "5000")))
    lines.append(f"cp {shlex.quote(str(home))}/newsreader.db* {shlex.quote(str(out))}/")
    done = in_namespace("\n".join(lines))
    assert done.returncode == 0, done.stderr
    for attempt in range(4):
        sync = captured(out, f"sync{attempt}")
        assert sync.code == 1
        assert "Traceback" not in sync.stderr and "InvalidStateError" not in sync.stderr
        last = sync.stderr.strip().splitlines()[-1]
        assert last.startswith("newsreader: error: ") and "full" in last, sync.stderr
    listed = captured(out, "list")
    assert listed.code == 0, listed.stderr
    kept = json.loads(listed.stdout)
    assert kept  # what the first sync committed before the disk filled stays readable
    conn = sqlite3.connect(out / "newsreader.db")
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        (count,) = conn.execute("SELECT count(*) FROM articles").fetchone()
    finally:
        conn.close()
    assert count == len(kept)


def _read_only_commands(home: Path, out: Path, article: str) -> list[str]:
    return [
        step(out, "list", newsreader(home, "list", "--limit", "3")),
        step(out, "sections", newsreader(home, "sections")),
        step(out, "search", newsreader(home, "search", "réforme", "--format", "json")),
        step(out, "open", newsreader(home, "open", article, "--format", "text")),
        step(out, "info", newsreader(home, "cache", "info")),
        step(out, "mark", newsreader(home, "mark", "read", article)),
        step(out, "sync", newsreader(home, "sync")),
    ]


def test_a_read_only_cache_reads(tmp_path: Path, server: LoopbackServer) -> None:
    """Reading works on a cache that cannot be written, search included (the words a
    sync left unindexed are found too); writing is one clear line."""
    home, out = tmp_path / "home", tmp_path / "out"
    home.mkdir()
    out.mkdir()
    feeds = ChangingFeeds(server, feeds=3, items=10)
    write_config(home, feeds)
    first = subprocess.run(
        newsreader(home, "sync"), shell=True, capture_output=True, text=True, check=False
    )
    assert first.returncode == 0, first.stderr
    listing = subprocess.run(
        newsreader(home, "list", "--format", "json"),
        shell=True,
        capture_output=True,
        text=True,
        check=False,
    )
    article = json.loads(listing.stdout)[0]["id"]
    if CAN_MOUNT:
        media = tmp_path / "media"
        media.mkdir()
        copy = media / "home"
        script = [
            f"mount -t tmpfs tmpfs {shlex.quote(str(media))}",
            f"cp -a {shlex.quote(str(home))} {shlex.quote(str(copy))}",
            f"mount -o remount,ro {shlex.quote(str(media))}",
            *_read_only_commands(copy, out, article),
        ]
        done = in_namespace("\n".join(script))
        assert done.returncode == 0, done.stderr
    else:
        for path in [home, *home.iterdir()]:
            path.chmod(0o555 if path.is_dir() else 0o444)
        for line in _read_only_commands(home, out, article):
            subprocess.run(["sh", "-c", line], check=False, timeout=120)
    for name in ("list", "sections", "search", "open", "info"):
        run = captured(out, name)
        assert run.code == 0, (name, run.stderr)
        assert "Traceback" not in run.stderr
    hits = json.loads(captured(out, "search").stdout)
    # Never indexed (the sync leaves words for later), found all the same.
    assert hits and all(h["title"].startswith("Feed ") for h in hits)
    assert all("réforme" in h["snippet"] for h in hits)
    for name in ("mark", "sync"):
        line = assert_one_line_error(captured(out, name))
        assert "read-only" in line
