"""The cache under stress: damaged files, concurrent processes, a writer killed mid-batch.

Processes are real (a helper script run with ``sys.executable``); files are real
SQLite files in tmp_path. Nothing here waits on a timer to decide an outcome: the
helpers report what they did on stdout and the tests act on those lines.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path

import pytest

from newsreader.ids import article_id
from newsreader.models import Article
from newsreader.store import Store

HELPER = r"""
import os, sys, time
from newsreader.ids import article_id
from newsreader.models import Article
from newsreader.store import Store

def article(name, batch, n):
    url = f"https://{name}.example/{batch}/{n}"
    return Article(id=article_id(url), title=f"{name} {batch} {n}", url=url,
                   published=f"2025-11-{1 + n % 28:02d}T10:00:00+01:00",
                   text=f"Body of {name} {batch} {n}. " * 40, markdown=f"Body {n}")

mode, db = sys.argv[1], sys.argv[2]
if mode == "count":  # say when the repair lock is wanted, then count the articles
    import contextlib
    from newsreader.store import db as store_db
    plain_lock = store_db._file_lock
    @contextlib.contextmanager
    def lock(path):
        print("LOCKING", flush=True)
        with plain_lock(path):
            yield
    store_db._file_lock = lock
if mode == "wait":  # start together: wait for the go file
    go = sys.argv[3]
    while not os.path.exists(go):
        time.sleep(0.001)
    mode = sys.argv[4]
    sys.argv[3:] = sys.argv[5:]
store = Store.open(db)
if mode == "write":
    name, batches, size = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    store.upsert_source(name, kind="feed", location=f"https://{name}.example/rss",
                        section=name.title())
    for batch in range(batches):
        store.upsert_articles(name, [article(name, batch, n) for n in range(size)])
        store.articles(limit=50)
        store.sections()
    print("done", flush=True)
elif mode == "count":
    print("articles", store.totals().articles)
    print("done", flush=True)
elif mode == "read":
    for _ in range(int(sys.argv[3])):
        store.articles(limit=50)
        store.sections()
        store.totals()
        store.search("body")
    print("done", flush=True)
elif mode == "hold":  # take the write lock and keep it until the release file exists
    release = sys.argv[3]
    store.upsert_source("holder", kind="feed")
    conn = store._connection()
    def hold():
        if not conn.in_transaction:
            return 0
        print("HOLDING", flush=True)
        while not os.path.exists(release):
            time.sleep(0.005)
        conn.set_progress_handler(None, 0)
        return 0
    conn.set_progress_handler(hold, 1000)
    store.upsert_articles("holder", [article("holder", 0, n) for n in range(50)])
    print("done", flush=True)
elif mode == "kill":  # commit some batches, then stop for good in the middle of one
    batches, size = int(sys.argv[3]), int(sys.argv[4])
    store.upsert_source("victim", kind="feed", section="Victim")
    for batch in range(batches):
        store.upsert_articles("victim", [article("victim", batch, n) for n in range(size)])
        print("COMMITTED", batch, flush=True)
    conn = store._connection()
    base = conn.total_changes
    def stall():
        if conn.in_transaction and conn.total_changes - base > size:
            print("MID", conn.total_changes - base, flush=True)
            time.sleep(600)
        return 0
    conn.set_progress_handler(stall, 500)
    store.upsert_articles("victim", [article("victim", batches, n) for n in range(size * 3)])
    print("NOT KILLED", flush=True)
"""


@pytest.fixture
def helper(tmp_path: Path) -> Path:
    script = tmp_path / "store_helper.py"
    script.write_text(HELPER, encoding="utf-8")
    return script


def spawn(helper: Path, *args: object) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, str(helper), *map(str, args)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def finish(process: subprocess.Popen[str], timeout: float = 120) -> str:
    out, err = process.communicate(timeout=timeout)
    assert process.returncode == 0, err
    assert err == ""  # no "database is locked", no warning, nothing
    assert out.strip().endswith("done")
    return out


def wait_for(process: subprocess.Popen[str], prefix: str) -> str:
    assert process.stdout is not None
    for line in process.stdout:
        if line.startswith(prefix):
            return line
    _, err = process.communicate(timeout=30)
    raise AssertionError(f"helper ended before {prefix!r}: {err}")


def expected_article(name: str, batch: int, n: int) -> tuple[str, str]:
    return article_id(f"https://{name}.example/{batch}/{n}"), f"Body of {name} {batch} {n}. " * 40


# --- damaged files ---------------------------------------------------------------------

FIXED_NOW = datetime(2025, 11, 6, 9, 30, tzinfo=UTC)


def _valid_store(path: Path, articles: int) -> None:
    with Store.open(path, notice=None) as store:
        store.upsert_articles(
            None,
            [
                Article(
                    id=article_id(f"https://x/{n}"),
                    title=f"T{n}",
                    url=f"https://x/{n}",
                    text="words " * 300,
                )
                for n in range(articles)
            ],
        )


def _truncated(path: Path) -> None:
    _valid_store(path, 200)
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


DAMAGE = {
    "garbage": lambda path: path.write_bytes(os.urandom(20_000)),
    "zero bytes": lambda path: path.write_bytes(b""),
    "tiny header": lambda path: path.write_bytes(b"SQLite format 3\x00\x10"),
    "header then garbage": lambda path: path.write_bytes(b"SQLite format 3\x00" + os.urandom(8192)),
    "truncated": _truncated,
}


@pytest.mark.parametrize("damage", list(DAMAGE))
def test_a_damaged_file_is_set_aside_never_deleted(tmp_path: Path, damage: str) -> None:
    path = tmp_path / "newsreader.db"
    DAMAGE[damage](path)
    original = path.read_bytes()
    notices: list[str] = []
    with Store.open(path, notice=notices.append, clock=lambda: FIXED_NOW) as store:
        moved = tmp_path / "newsreader.db.corrupt-20251106T093000Z"
        assert store.recovered == moved
        assert moved.read_bytes() == original
        assert len(notices) == 1 and "\n" not in notices[0]
        assert moved.name in notices[0]
        salvaged = {r.title for r in store.articles(limit=500)}
        if damage == "truncated":  # the first half of the file still reads
            assert salvaged and salvaged <= {f"T{n}" for n in range(200)}
            assert f"{len(salvaged)} articles" in notices[0]
        else:
            assert salvaged == set()
        store.upsert_articles(
            None, [Article(id=article_id("https://y/1"), title="fresh", url="https://y/1")]
        )
        assert {r.title for r in store.articles(limit=500)} == salvaged | {"fresh"}
        assert store.check() == []
    assert sorted(p.name for p in tmp_path.iterdir() if not p.name.endswith(".lock")) == [
        "newsreader.db",
        moved.name,
    ]


def test_the_wal_of_a_damaged_file_moves_with_it(tmp_path: Path) -> None:
    path = tmp_path / "newsreader.db"
    path.write_bytes(os.urandom(4096))
    Path(f"{path}-wal").write_bytes(b"old journal" * 100)
    with Store.open(path, notice=None, clock=lambda: FIXED_NOW) as store:
        assert store.recovered is not None
        assert Path(f"{store.recovered}-wal").read_bytes() == b"old journal" * 100
        assert store.totals().articles == 0


def test_two_damaged_files_in_the_same_second_both_survive(tmp_path: Path) -> None:
    path = tmp_path / "newsreader.db"
    moved = []
    for content in (b"first", b"second"):
        path.write_bytes(content)
        with Store.open(path, notice=None, clock=lambda: FIXED_NOW) as store:
            moved.append(store.recovered)
    assert moved[0] != moved[1]
    assert [m.read_bytes() for m in moved if m] == [b"first", b"second"]


def _overwrite_page(path: Path, table: str) -> None:
    """Fill the root page of ``table`` (or index) with garbage; the header stays valid."""
    with sqlite3.connect(path) as conn:
        (root,) = conn.execute(
            "SELECT rootpage FROM sqlite_master WHERE name = ?", (table,)
        ).fetchone()
        (page_size,) = conn.execute("PRAGMA page_size").fetchone()
    conn.close()
    with path.open("r+b") as handle:
        handle.seek((root - 1) * page_size)
        handle.write(b"\xff" * page_size)


def test_damage_found_after_opening_is_repaired_on_the_spot(tmp_path: Path) -> None:
    path = tmp_path / "newsreader.db"
    _valid_store(path, 50)
    original = path.read_bytes()
    _overwrite_page(path, "articles")
    damaged = path.read_bytes()
    assert damaged != original
    notices: list[str] = []
    store = Store.open(path, notice=notices.append, clock=lambda: FIXED_NOW)  # header fine
    assert store.articles() == []  # the table's root page is gone: nothing to salvage
    assert len(notices) == 1 and "\n" not in notices[0]
    copy = tmp_path / "newsreader.db.corrupt-20251106T093000Z"
    assert copy.read_bytes() == damaged and copy.name in notices[0]
    assert store.recovered == copy
    assert store.check() == []
    store.upsert_articles(
        None, [Article(id=article_id("https://y/1"), title="new", url="https://y/1")]
    )
    assert [r.title for r in store.articles()] == ["new"]
    store.close()


def test_a_damaged_index_loses_nothing(tmp_path: Path) -> None:
    """Damage in an index leaves the rows readable: every article, body, read and
    starred mark and remembered reader state comes through the repair."""
    path = tmp_path / "newsreader.db"
    with Store.open(path, notice=None) as store:
        store.upsert_source("wire", kind="feed", location="https://w.example/rss", section="Wire")
        store.upsert_articles(
            "wire",
            [
                Article(
                    id=article_id(f"https://w/{n}"),
                    title=f"T{n}",
                    url=f"https://w/{n}",
                    text=f"body number {n} " * 50,
                    published=f"2025-11-{1 + n % 28:02d}T10:00:00+01:00",
                )
                for n in range(300)
            ],
        )
        store.mark_read([article_id(f"https://w/{n}") for n in range(0, 300, 3)])
        store.set_starred([article_id(f"https://w/{n}") for n in range(0, 300, 10)])
        store.set_ui_state("reader", {"section": "Wire"})
        before = [(r.id, r.read, r.starred) for r in store.articles(limit=1000)]
    _overwrite_page(path, "articles_by_date")
    notices: list[str] = []
    with Store.open(path, notice=notices.append) as store:
        after = [(r.id, r.read, r.starred) for r in store.articles(limit=1000)]
        assert sorted(after) == sorted(before)
        assert len(notices) == 1 and "300 articles, 1 sources" in notices[0]
        assert store.ui_state("reader") == {"section": "Wire"}
        totals = store.totals()
        assert (totals.articles, totals.unread, totals.starred) == (300, 200, 30)
        stored = store.article(article_id("https://w/7"))
        assert stored is not None and stored.article.text.startswith("body number 7")
        assert [h.title for h in store.search("number")][:1]  # the index is rebuilt
        assert store.check() == []


# --- processes -------------------------------------------------------------------------


def test_processes_starting_together_on_no_store(tmp_path: Path, helper: Path) -> None:
    db, go = tmp_path / "data" / "newsreader.db", tmp_path / "go"
    workers = [spawn(helper, "wait", db, go, "write", f"w{n}", 6, 20) for n in range(3)]
    workers.append(spawn(helper, "wait", db, go, "read", 20))
    go.touch()
    for worker in workers:
        finish(worker)
    with Store.open(db, notice=None) as store:
        assert store.totals().articles == 3 * 6 * 20
        assert [s.total for s in store.sections()] == [120, 120, 120]
        assert store.check() == []
    assert [p.name for p in db.parent.iterdir() if "corrupt" in p.name or ".new-" in p.name] == []


def test_processes_starting_together_on_a_damaged_store(tmp_path: Path, helper: Path) -> None:
    db, go = tmp_path / "newsreader.db", tmp_path / "go"
    db.write_bytes(b"this is not a database" * 100)
    workers = [spawn(helper, "wait", db, go, "write", f"w{n}", 2, 10) for n in range(3)]
    go.touch()
    errors = []
    for worker in workers:
        _, err = worker.communicate(timeout=120)
        assert worker.returncode == 0, err
        errors += err.splitlines()
    aside = [p for p in tmp_path.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1  # repaired once, not once per process
    assert aside[0].read_bytes() == b"this is not a database" * 100
    assert len(errors) == 1 and "moved to" in errors[0]  # told once, in one line
    with Store.open(db, notice=None) as store:
        assert store.totals().articles == 60


def test_repair_rechecks_the_file_under_the_lock(tmp_path: Path, helper: Path) -> None:
    """A process that saw damage waits for the repair lock, then looks again: a store
    another process put in place meanwhile is used, not set aside."""
    from newsreader.store import db as store_db

    path = tmp_path / "newsreader.db"
    path.write_bytes(b"garbage" * 1000)
    _valid_store(tmp_path / "valid.db", 3)
    with store_db._file_lock(path.with_name("newsreader.db.lock")):
        opener = spawn(helper, "count", path)
        wait_for(opener, "LOCKING")  # it saw the damage and wants to repair it
        os.replace(tmp_path / "valid.db", path)  # the repair another process would do
    out = finish(opener)
    assert "articles 3" in out
    assert [p.name for p in tmp_path.iterdir() if "corrupt" in p.name] == []


def test_writers_wait_for_a_long_transaction(tmp_path: Path, helper: Path) -> None:
    """A writer holds the lock; other writers and readers started meanwhile succeed."""
    db, release = tmp_path / "newsreader.db", tmp_path / "release"
    Store.open(db, notice=None).close()
    holder = spawn(helper, "hold", db, release)
    wait_for(holder, "HOLDING")
    others = [spawn(helper, "write", db, f"w{n}", 3, 10) for n in range(2)]
    reader = spawn(helper, "read", db, 5)
    finish(reader)  # WAL: readers never wait for the writer
    with Store.open(db, notice=None) as store:
        assert store.totals().articles == 0  # the holder has not committed; no one else could
    release.touch()
    finish(holder)
    for other in others:
        finish(other)
    with Store.open(db, notice=None) as store:
        assert store.totals().articles == 50 + 2 * 3 * 10
        assert store.check() == []


@pytest.mark.skipif(sys.platform == "win32", reason="SIGKILL is POSIX")
def test_a_writer_killed_mid_batch_loses_only_that_batch(tmp_path: Path, helper: Path) -> None:
    db, batches, size = tmp_path / "newsreader.db", 3, 100
    victim = spawn(helper, "kill", db, batches, size)
    committed = [wait_for(victim, "COMMITTED") for _ in range(batches)]
    assert len(committed) == batches
    wait_for(victim, "MID")  # inside the transaction, rows written but not committed
    os.kill(victim.pid, signal.SIGKILL)
    victim.communicate(timeout=30)
    assert victim.returncode == -signal.SIGKILL
    assert Path(f"{db}-wal").stat().st_size > 0  # the uncommitted frames were left behind

    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
    conn.close()
    with Store.open(db, notice=None) as store:
        assert store.check() == []
        assert store.totals().articles == batches * size
        for batch in range(batches):
            for n in range(0, size, 7):
                key, text = expected_article("victim", batch, n)
                stored = store.article(key)
                assert stored is not None and stored.article.text == text
        assert store.article(expected_article("victim", batches, 0)[0]) is None
        assert store.sections()[0].total == batches * size
