"""Many real processes on one cache at once, and the checks that say it survived.

Used by ``tests/test_cache_soak.py`` (a bounded run in the suite) and ``bench/soak.py``
(as many rounds as asked). Everything is real: a loopback feed server whose feeds change
on every fetch, the ``newsreader`` CLI in subprocesses, and a long-lived process that
holds connections in several threads the way the reader does (``READER`` below).
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from xml.sax.saxutils import escape

from tests.server import LoopbackServer, respond

TROUBLE = re.compile(r"damaged|malformed|locked|Traceback|disk I/O error", re.IGNORECASE)
"""What no command may ever print during a soak."""

WORDS = [
    "les",
    "données",
    "de",
    "la",
    "semaine",
    "montrent",
    "que",
    "le",
    "gouvernement",
    "et",
    "les",
    "entreprises",
    "préparent",
    "une",
    "réforme",
    "the",
    "council",
    "said",
    "on",
    "tuesday",
    "that",
    "local",
    "companies",
    "and",
    "the",
    "region",
    "agree",
]


class ChangingFeeds:
    """``/feed/<n>.xml``: RSS whose entries change on every fetch (a new entry, and
    the text of the others), so every sync writes; ``/page?f=<n>&i=<m>``: the entry's page,
    longer than its teaser, for full-text fetching. No validators: never a 304."""

    def __init__(self, server: LoopbackServer, feeds: int, items: int) -> None:
        self.server, self.feeds, self.items = server, feeds, items
        # A sync killed mid-request resets its connections: expected, not worth a dump.
        server.httpd.handle_error = lambda request, address: None  # type: ignore[method-assign]
        self.fetches = [0] * feeds
        self.lock = threading.Lock()
        for number in range(feeds):
            server.route(f"/feed/{number}.xml", self._feed(number))
        server.route("/page", self._page)  # /page?f=N&i=M (the query is not routed)

    def url(self, number: int) -> str:
        return self.server.url(f"/feed/{number}.xml")

    def _feed(self, number: int) -> Callable[[BaseHTTPRequestHandler], None]:
        def handle(handler: BaseHTTPRequestHandler) -> None:
            with self.lock:
                self.fetches[number] += 1
                fetch = self.fetches[number]
            rng = random.Random(number * 1000 + fetch)
            entries = []
            for item in range(fetch, fetch + self.items):
                words = " ".join(rng.choice(WORDS) for _ in range(12))
                link = self.server.url(f"/page?f={number}&amp;i={item}")
                entries.append(
                    f"<item><title>Feed {number} story {item}</title><link>{link}</link>"
                    f"<guid>{link}</guid>"
                    f"<pubDate>Tue, 25 Nov 2025 {item % 24:02d}:{item % 60:02d}:00 +0100</pubDate>"
                    f"<description>{escape(words)} (fetch {fetch})</description></item>"
                )
            body = (
                '<?xml version="1.0" encoding="utf-8"?><rss version="2.0"><channel>'
                f"<title>Feed {number}</title><link>{self.server.base}/</link>"
                + "".join(entries)
                + "</channel></rss>"
            ).encode()
            respond(handler, body, content_type="application/rss+xml; charset=utf-8")

        return handle

    def _page(self, handler: BaseHTTPRequestHandler) -> None:
        rng = random.Random(handler.path)
        paragraphs = "".join(
            f"<p>{' '.join(rng.choice(WORDS) for _ in range(40))}.</p>" for _ in range(8)
        )
        body = (
            f"<html><head><title>Story {escape(handler.path)}</title></head><body>"
            f"<article><h1>Story {escape(handler.path)}</h1>{paragraphs}</article></body></html>"
        ).encode()
        respond(handler, body)


def write_config(home: Path, feeds: ChangingFeeds, *, timeout: float = 10) -> None:
    sources = "\n".join(
        f'[[source]]\nname = "feed{n}"\nurl = "{feeds.url(n)}"\nsection = "Section {n % 6}"\n'
        for n in range(feeds.feeds)
    )
    (home / "config.toml").write_text(
        f"[sync]\ntimeout = {timeout}\nconcurrency = 8\n\n{sources}", encoding="utf-8"
    )


def cli(home: Path, *args: str) -> list[str]:
    """The command line for ``newsreader --data-dir HOME ARGS``."""
    return [sys.executable, "-m", "newsreader", "--data-dir", str(home), *args]


def run(home: Path, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    return subprocess.run(
        cli(home, *args), capture_output=True, text=True, timeout=timeout, env=env, check=False
    )


READER = r'''
"""A long-lived process using the cache from several threads, like the reader: its
workers come and go (a new thread, a new connection), and every moment it checks that
no file of the cache it holds open was deleted under it."""
import os, random, sys, threading, time
from newsreader.reading import load_article
from newsreader.store import Store

db, seconds = sys.argv[1], float(sys.argv[2])
store = Store.open(db, notice=lambda line: print("NOTICE", line, flush=True))
deadline = time.monotonic() + seconds
problems = []
counts = {"calls": 0, "threads": 0, "checks": 0}
lock = threading.Lock()

def deleted_files():
    gone = []
    for fd in os.listdir("/proc/self/fd"):
        try:
            target = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
        if os.path.basename(db) in target and target.endswith("(deleted)"):
            gone.append(target)
    return gone

def task(kind, rng):
    if kind == 0:
        rows = store.articles(limit=50)
        store.sections(); store.totals()
        if rows:
            store.articles(limit=50, after=rows[-1])
    elif kind == 1:
        rows = store.articles(limit=100)
        if rows:
            ref = rng.choice(rows)
            load_article(store, ref.id)
            store.mark_read(ref.id, read=rng.random() < 0.7)
    elif kind == 2:
        store.search(rng.choice(["données", "council", "réforme", "tuesday story"]), limit=20)
    else:
        store.set_ui_state("soak", {"at": time.time()})
        store.headlines(20)

def worker(kind, seed):
    rng = random.Random(seed)
    try:
        for _ in range(rng.randint(3, 10)):
            task(kind, rng)
            with lock:
                counts["calls"] += 1
    except Exception as error:
        problems.append(f"{type(error).__name__}: {error}")

def watch():
    while time.monotonic() < deadline:
        gone = deleted_files()
        if gone:
            problems.append(f"DELETED {gone}")
        with lock:
            counts["checks"] += 1
        time.sleep(0.05)

watcher = threading.Thread(target=watch); watcher.start()
seed = 0
while time.monotonic() < deadline and not problems:
    threads = [threading.Thread(target=worker, args=(k, seed + k)) for k in range(4)]
    seed += 4
    for t in threads: t.start()
    for t in threads: t.join()
    counts["threads"] += len(threads)
watcher.join()
store.close()
for problem in problems[:20]:
    print("PROBLEM", problem, flush=True)
print("READER", counts["calls"], counts["threads"], counts["checks"], flush=True)
'''


@dataclass
class Loop:
    """One process that runs a command again and again until the deadline."""

    name: str
    commands: list[list[str]]
    runs: int = 0
    failures: list[str] = field(default_factory=list)
    output: list[str] = field(default_factory=list)


def _loop(home: Path, loop: Loop, deadline: float, ok_codes: tuple[int, ...]) -> None:
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    index = 0
    while time.monotonic() < deadline:
        args = loop.commands[index % len(loop.commands)]
        index += 1
        done = subprocess.run(
            cli(home, *args), capture_output=True, text=True, timeout=180, env=env, check=False
        )
        loop.runs += 1
        loop.output.append(done.stderr)
        if done.returncode not in ok_codes:
            loop.failures.append(f"{' '.join(args)}: exit {done.returncode}: {done.stderr[-300:]}")


@dataclass
class SoakResult:
    """What one round of the soak saw."""

    seconds: float
    processes: int
    runs: dict[str, int]
    reader_calls: int
    integrity: list[str]
    check: list[str]
    trouble: list[str]
    failures: list[str]
    reader_problems: list[str]
    starred_lost: int
    articles: int


def cached_ids(home: Path, limit: int = 200) -> list[str]:
    done = run(home, "list", "--limit", str(limit), "--format", "json")
    assert done.returncode == 0, done.stderr
    return [row["id"] for row in json.loads(done.stdout)]


def integrity(db: Path) -> list[str]:
    conn = sqlite3.connect(db)
    try:
        return [row[0] for row in conn.execute("PRAGMA integrity_check")]
    finally:
        conn.close()


def starred(db: Path) -> set[str]:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return {
            row[0]
            for row in conn.execute(
                "SELECT a.id FROM articles AS a JOIN reader_state AS s ON s.rid = a.rid"
                " WHERE s.starred = 1"
            )
        }
    finally:
        conn.close()


def soak_round(home: Path, seconds: float, *, seed: int = 0) -> SoakResult:
    """Run everything at once on the cache in ``home`` for ``seconds``, then check it.

    The cache must already hold articles (a first sync). Processes: the reader-like
    one, a sync with full text, a sync without, and one loop each of list/search,
    open and mark (read, star), all for the same stretch of time.
    """
    from newsreader.store import Store

    rng = random.Random(seed)
    db = home / "newsreader.db"
    ids = cached_ids(home)
    to_star = rng.sample(ids, min(10, len(ids)))
    before = run(home, "mark", "star", *to_star)
    assert before.returncode == 0, before.stderr
    starred_before = starred(db)

    started = time.monotonic()
    deadline = started + seconds
    script = home / "reader_like.py"
    script.write_text(READER, encoding="utf-8")
    reader = subprocess.Popen(
        [sys.executable, str(script), str(db), str(seconds)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    sample = rng.sample(ids, min(20, len(ids)))
    loops = [
        (Loop("sync full text", [["sync", "--force", "--full-text"]]), (0, 1)),
        (Loop("sync", [["sync", "--force", "--no-full-text"]]), (0, 1)),
        (
            Loop(
                "list/search",
                [["list", "--limit", "20"], ["search", "données"], ["sections"]],
            ),
            (0,),
        ),
        (Loop("open", [["open", i, "--format", "text"] for i in sample[:6]]), (0,)),
        (
            Loop(
                "mark",
                [
                    ["mark", "read", *sample[6:10]],
                    ["mark", "unread", *sample[10:14]],
                    ["mark", "star", *to_star],
                ],
            ),
            (0,),
        ),
    ]
    threads = [
        threading.Thread(target=_loop, args=(home, loop, deadline, codes)) for loop, codes in loops
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    out, err = reader.communicate(timeout=120)
    elapsed = time.monotonic() - started

    lines = out.splitlines()
    reader_problems = [line for line in lines if line.startswith("PROBLEM")]
    if reader.returncode != 0:
        reader_problems.append(f"reader exit {reader.returncode}: {err[-500:]}")
    reader_line = next((line for line in lines if line.startswith("READER")), "READER 0 0 0")
    texts = [(loop.name, text) for loop, _ in loops for text in loop.output]
    texts += [("reader", out), ("reader", err)]
    trouble = [
        f"{name}: {text[max(0, m.start() - 200) : m.end() + 1500]}"
        for name, text in texts
        for m in TROUBLE.finditer(text)
    ]
    with Store.open(db, notice=None) as store:
        check = store.check()
        articles = store.totals().articles
    return SoakResult(
        seconds=elapsed,
        processes=len(loops) + 1,
        runs={loop.name: loop.runs for loop, _ in loops},
        reader_calls=int(reader_line.split()[1]),
        integrity=integrity(db),
        check=check,
        trouble=trouble,
        failures=[f for loop, _ in loops for f in loop.failures],
        reader_problems=reader_problems,
        starred_lost=len(starred_before - starred(db)),
        articles=articles,
    )


# --- killing syncs -----------------------------------------------------------------------


def children(pid: int) -> list[int]:
    """Pids whose parent is ``pid`` (Linux /proc)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
        except OSError:
            continue
        match = re.search(r"^PPid:\s+(\d+)", status, re.MULTILINE)
        if match and int(match.group(1)) == pid:
            found.append(int(entry.name))
    return found


def descendants(pid: int) -> set[int]:
    """Pids started by ``pid``, directly or not, still alive (Linux /proc)."""
    found: set[int] = set()
    frontier = [pid]
    while frontier:
        frontier = [child for parent in frontier for child in children(parent) if alive(child)]
        found.update(frontier)
    return found


def command_line(pid: int) -> str:
    try:
        return (
            (Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" "))
            .decode(errors="replace")
            .strip()
        )
    except OSError:
        return ""


def alive(pid: int) -> bool:
    """Running (a zombie waiting to be reaped by init is not alive)."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return not re.search(r"^State:\s+Z", status, re.MULTILINE)


@dataclass
class KillResult:
    rounds: int
    helpers_seen: int
    orphans: list[int]
    integrity: list[str]
    starred_lost: int
    read_lost: int


def read_ids(db: Path) -> set[str]:
    conn = sqlite3.connect(f"{db.as_uri()}?mode=ro", uri=True)
    try:
        return {
            row[0]
            for row in conn.execute(
                "SELECT a.id FROM articles AS a JOIN reader_state AS s ON s.rid = a.rid"
                " WHERE s.read = 1"
            )
        }
    finally:
        conn.close()


def _watch_children(pid: int, seen: set[int], stop: threading.Event) -> None:
    while not stop.is_set():
        seen.update(children(pid))
        stop.wait(0.02)


def kill_rounds(home: Path, rounds: int, *, seed: int = 0, orphan_wait: float = 5.0) -> KillResult:
    """Stop a full-text sync at a random moment, ``rounds`` times, with SIGKILL, SIGTERM
    or SIGINT in turn (killed, timed out, interrupted); afterwards no process it started
    may be left, and the cache must be whole with every read and starred mark kept."""
    rng = random.Random(seed)
    db = home / "newsreader.db"
    ids = cached_ids(home)
    assert run(home, "mark", "star", *ids[:5]).returncode == 0
    assert run(home, "mark", "read", *ids[5:15]).returncode == 0
    starred_before, read_before = starred(db), read_ids(db)
    env = {**os.environ, "PYTHONIOENCODING": "utf-8"}
    orphans: list[int] = []
    helpers = 0
    stops = (signal.SIGKILL, signal.SIGTERM, signal.SIGINT)
    for number in range(rounds):
        sync = subprocess.Popen(
            cli(home, "sync", "--force", "--full-text"),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=env,
        )
        seen: set[int] = set()
        stop = threading.Event()
        watcher = threading.Thread(target=_watch_children, args=(sync.pid, seen, stop))
        watcher.start()
        time.sleep(rng.uniform(0.2, 2.5))  # a random moment: the thing under test
        os.kill(sync.pid, stops[number % len(stops)])
        try:
            sync.wait(timeout=60)
        except subprocess.TimeoutExpired:
            for pid in [sync.pid, *descendants(sync.pid)]:
                with contextlib.suppress(OSError):
                    os.kill(pid, signal.SIGKILL)
            sync.wait()
            stop.set()
            watcher.join()
            raise AssertionError(
                f"round {number}: the sync did not end within 60 s of"
                f" {stops[number % len(stops)].name}"
            ) from None
        stop.set()
        watcher.join()
        helpers += len(seen)
        give_up = time.monotonic() + orphan_wait
        while any(alive(pid) for pid in seen) and time.monotonic() < give_up:
            time.sleep(0.02)
        orphans += [pid for pid in seen if alive(pid)]
        for pid in orphans:
            os.kill(pid, signal.SIGKILL)  # never leave them behind, even when failing
    return KillResult(
        rounds=rounds,
        helpers_seen=helpers,
        orphans=orphans,
        integrity=integrity(db),
        starred_lost=len(starred_before - starred(db)),
        read_lost=len(read_before - read_ids(db)),
    )


def prepared_home(
    home: Path, server: LoopbackServer, *, feeds: int = 40, items: int = 50
) -> ChangingFeeds:
    """A data dir with a config of ``feeds`` changing feeds and a first sync done."""
    changing = ChangingFeeds(server, feeds, items)
    write_config(home, changing)
    first = run(home, "sync", "--no-full-text")
    assert first.returncode == 0, first.stderr
    return changing
