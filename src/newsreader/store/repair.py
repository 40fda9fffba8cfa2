"""Mending a damaged cache: copy the damage aside, salvage what still reads, start whole.

Damage is never deleted. First the damaged file and its WAL are *copied* to
``newsreader.db.corrupt-<UTC timestamp>`` (``-wal``), byte for byte, before any
connection of this process closes (a closing connection may checkpoint into the file).
Then every row that still reads (sources, sections, articles and their bodies, reader
state, cached comments, the reader's remembered state) is copied into a new store,
which takes the damaged one's place in one of two ways:

- **In place**, when SQLite can still open a write transaction on the file (pages
  damaged, header intact: the usual case, "database disk image is malformed"). The new
  store is written over the damaged one through SQLite's backup API, under SQLite's own
  write lock. The file is never renamed, so the other processes using it keep valid
  connections and see the mended content at their next read.
- **Replaced**, when even the header is unusable (not a database, empty, shorter than
  its header says). No process can be working with such a file; once none holds a
  lock on it, its ``-wal`` and ``-shm`` join the copy and the new store is renamed
  over it.

Both run under the lock file, so two processes that hit the same damage repair it
once: the lock file counts repairs, and a process that saw damage before the latest
repair simply tries again. See :mod:`newsreader.store.db` for the rules on descriptors.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
import sys
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any, NamedTuple

from newsreader.errors import StoreError
from newsreader.store import db
from newsreader.store.upsert import count_inserted

__all__ = ["Salvaged", "copy_aside", "move_aside", "recover", "recover_locked", "repair_count"]

_HOLDER_WAIT = 2.0
"""Seconds to wait for a momentary lock (a process looking at the damaged header) to go."""
_CHUNK = 500
_GIVE_UP_AFTER = 40
"""Unreadable or empty chunks in a row after which a table whose size is unknown ends."""


class Salvaged(NamedTuple):
    """What a repair kept."""

    articles: int = 0
    lost: int = 0
    """Articles whose row could not be read at all."""
    sources: int = 0


# --- the repair counter in the lock file -------------------------------------------------


def repair_count(path: Path) -> int:
    """How many repairs the lock file has recorded (read before waiting for it)."""
    try:
        with open(db.lock_path(path), "rb") as handle:
            return int(handle.read(32).strip() or 0)
    except (OSError, ValueError):
        return 0


def _record_repair(path: Path) -> None:
    count = repair_count(path) + 1
    fd = os.open(db.lock_path(path), os.O_WRONLY | os.O_CREAT | getattr(os, "O_CLOEXEC", 0))
    try:
        os.write(fd, f"{count:>20}\n".encode())
    finally:
        os.close(fd)


# --- other processes ------------------------------------------------------------------


def _holder(path: Path) -> int | None:
    """The pid of another process holding an SQLite lock on ``path``, if any.

    Reads the POSIX locks with ``F_GETLK`` (Linux layout of ``struct flock``); our
    own locks never conflict with our own query, so only other processes show. The
    descriptor is a :func:`db.raw_file`. Elsewhere than Linux, nobody is assumed.
    """
    if not sys.platform.startswith("linux"):
        return None
    import fcntl

    try:
        with db.raw_file(path) as fd:
            # SQLite's lock bytes: pending, reserved, and the shared range.
            for start, length in ((0x40000000, 1), (0x40000001, 1), (0x40000002, 510)):
                query = struct.pack("hhqqi4x", fcntl.F_WRLCK, os.SEEK_SET, start, length, 0)
                answer = fcntl.fcntl(fd, fcntl.F_GETLK, query)
                kind, _, _, _, pid = struct.unpack("hhqqi4x", answer)
                if kind != fcntl.F_UNLCK:
                    return int(pid)
    except OSError:
        return None
    return None


def _opener(path: Path) -> int | None:
    """The pid of another process with the file (or its WAL or shared memory) open,
    from ``/proc`` (Linux): a process may hold a connection without holding a lock."""
    proc = Path("/proc")
    if not (proc / "self" / "fd").is_dir():
        return None
    inodes = set()
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(OSError):
            info = os.stat(f"{path}{suffix}")
            inodes.add((info.st_dev, info.st_ino))
    me = os.getpid()
    for entry in proc.iterdir():
        if not entry.name.isdigit() or int(entry.name) == me:
            continue
        with contextlib.suppress(OSError):
            for fd in (entry / "fd").iterdir():
                with contextlib.suppress(OSError):
                    info = os.stat(fd)
                    if (info.st_dev, info.st_ino) in inodes:
                        return int(entry.name)
    return None


def _wait_for_no_holder(path: Path) -> None:
    deadline = time.monotonic() + _HOLDER_WAIT
    while True:
        pid = _holder(path) or _opener(path)
        if pid is None:
            return
        if time.monotonic() > deadline:
            who = f"process {pid}" if pid > 0 else "another process"
            raise StoreError(
                f"the cache {path} is damaged and {who} still has it open; "
                "close the other newsreader and try again"
            )
        time.sleep(0.05)


# --- setting damage aside ----------------------------------------------------------------


def _aside_name(path: Path, now: datetime) -> Path:
    stem = f"{path.name}.corrupt-{db.timestamp(now)}"
    target = path.with_name(stem)
    counter = 1
    while any(os.path.lexists(f"{target}{suffix}") for suffix in ("", "-wal", "-shm")):
        target = path.with_name(f"{stem}-{counter}")
        counter += 1
    return target


def move_aside(path: Path, now: datetime) -> Path:
    """Rename a cache nobody holds (and its WAL and shared memory) out of the way.

    Returns the new name of the main file. A stale WAL left next to a fresh store
    would be replayed into it, so it moves along.
    """
    target = _aside_name(path, now)
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.rename(f"{path}{suffix}", f"{target}{suffix}")
    return target


def copy_aside(path: Path, now: datetime) -> Path:
    """Byte copies of the damaged file and its WAL (the originals stay in place); safe
    while this process still has connections to them (:func:`db.raw_file`)."""
    target = _aside_name(path, now)
    try:
        for suffix in ("", "-wal"):
            try:
                with db.raw_file(f"{path}{suffix}") as fd, open(f"{target}{suffix}", "xb") as out:
                    while chunk := os.read(fd, 1 << 20):
                        out.write(chunk)
            except FileNotFoundError:
                continue
    except OSError as error:
        raise StoreError(
            f"the cache {path} is damaged, and it cannot be copied aside to repair it: "
            f"{error.strerror or error}; free some space and try again"
        ) from None
    return target


# --- salvage -------------------------------------------------------------------------------


def _columns(conn: sqlite3.Connection, table: str) -> list[str]:
    return [row[1] for row in conn.execute(f"PRAGMA table_info({table})")]


def _rows(
    conn: sqlite3.Connection, table: str, columns: Sequence[str]
) -> Iterator[tuple[Any, ...]]:
    """Every row of a rowid table that still reads, by rowid ranges; a range that
    fails is read row by row, and the rows that fail alone are skipped."""
    if not columns:
        return
    select = f"SELECT rowid, {', '.join(columns)} FROM {table} NOT INDEXED"  # noqa: S608
    try:
        (top,) = conn.execute(f"SELECT max(rowid) FROM {table}").fetchone()  # noqa: S608
    except sqlite3.DatabaseError:
        top = -1  # unknown: read until a long run of nothing
    if top is None:
        return
    start, idle = 0, 0
    while (top >= 0 and start <= top) or (top < 0 and idle < _GIVE_UP_AFTER):
        end = start + _CHUNK
        try:
            chunk = conn.execute(
                f"{select} WHERE rowid >= ? AND rowid < ? ORDER BY rowid", (start, end)
            ).fetchall()
        except sqlite3.DatabaseError:
            chunk = []
            for rowid in range(start, end):
                with contextlib.suppress(sqlite3.DatabaseError):
                    row = conn.execute(f"{select} WHERE rowid = ?", (rowid,)).fetchone()
                    if row is not None:
                        chunk.append(row)
        idle = 0 if chunk else idle + 1
        yield from chunk
        start = end


def _all_rows(
    conn: sqlite3.Connection, table: str, columns: Sequence[str]
) -> list[tuple[Any, ...]]:
    if not columns:
        return []
    with contextlib.suppress(sqlite3.DatabaseError):
        return conn.execute(f"SELECT {', '.join(columns)} FROM {table}").fetchall()  # noqa: S608
    return []


def _common(source: sqlite3.Connection, target: sqlite3.Connection, table: str) -> list[str]:
    try:
        have = set(_columns(source, table))
    except sqlite3.DatabaseError:
        return []
    return [column for column in _columns(target, table) if column in have]


def _insert(conn: sqlite3.Connection, table: str, columns: Sequence[str], rows: Any) -> None:
    if not columns:
        return
    marks = ", ".join("?" for _ in columns)
    conn.executemany(
        f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})",  # noqa: S608
        rows,
    )


def salvage(source: sqlite3.Connection, target: sqlite3.Connection) -> Salvaged:
    """Copy what still reads in ``source`` into the empty store ``target``.

    Counts are rebuilt as rows arrive (:func:`~newsreader.store.upsert.count_inserted`
    for each batch of articles, then the triggers for their states); bodies wait for the
    search index (``indexed = 0``). An article whose body is lost keeps an empty one
    and a blank content hash, so the next sync of its source writes the text again.
    """
    counted = {"sections": ("total", "unread"), "sources": ("article_count",)}
    kept: dict[str, set[int]] = {}
    with db.transaction(target, write=True):
        for table in ("sections", "sources"):
            columns = [c for c in _common(source, target, table) if c not in counted[table]]
            rows = list(_rows(source, table, columns)) if "id" in columns else []
            _insert(target, table, columns, (row[1:] for row in rows))
            kept[table] = {row[columns.index("id") + 1] for row in rows}

        article_columns = _common(source, target, "articles")
        if not {"rid", "source_id", "section_id", "content_hash"} <= set(article_columns):
            article_columns = []
        body_columns = _common(source, target, "bodies")
        state_columns = [c for c in _common(source, target, "reader_state") if c != "rid"]
        articles = lost = 0
        if article_columns:
            rid_at = article_columns.index("rid")
            source_at = article_columns.index("source_id")
            section_at = article_columns.index("section_id")
            hash_at = article_columns.index("content_hash")
            batch: list[list[Any]] = []
            for row in _rows(source, "articles", article_columns):
                values = list(row[1:])
                if values[source_at] not in kept["sources"]:
                    values[source_at] = None
                if values[section_at] not in kept["sections"]:
                    values[section_at] = None
                batch.append(values)
                if len(batch) >= _CHUNK:
                    articles += _articles(
                        source,
                        target,
                        batch,
                        article_columns,
                        body_columns,
                        state_columns,
                        rid_at,
                        hash_at,
                    )
                    batch = []
            articles += _articles(
                source, target, batch, article_columns, body_columns, state_columns, rid_at, hash_at
            )
            with contextlib.suppress(sqlite3.DatabaseError):
                (total,) = source.execute("SELECT articles FROM totals").fetchone()
                lost = max(0, int(total) - articles)
        ui_columns = _common(source, target, "ui_state")
        if ui_columns:
            _insert(target, "ui_state", ui_columns, _all_rows(source, "ui_state", ui_columns))
        _comments(source, target)
        _link_stories(source, target)
        _accounts(source, target)
    return Salvaged(articles=articles, lost=lost, sources=len(kept["sources"]))


def _comments(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """The cached comments of the articles that were saved (offline reading)."""
    columns = _common(source, target, "comments")
    if "rid" not in columns:
        return
    kept = {rid for (rid,) in target.execute("SELECT rid FROM articles")}
    rid_at = columns.index("rid")
    rows = [row for row in _all_rows(source, "comments", columns) if row[rid_at] in kept]
    _insert(target, "comments", columns, rows)


def _link_stories(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """Keep which articles tell the same story (and which sources carry which article)
    where both ends were saved; a story whose first article is lost starts again."""
    if "story_of" in _columns(target, "articles"):
        target.execute(
            "UPDATE articles SET story_of = NULL WHERE story_of IS NOT NULL"
            " AND story_of NOT IN (SELECT rid FROM articles)"
        )
    columns = _common(source, target, "carriers")
    if columns == ["rid", "source_id"]:
        target.executemany(
            "INSERT OR IGNORE INTO carriers (rid, source_id) SELECT ?, ?"
            " WHERE EXISTS (SELECT 1 FROM articles WHERE rid = ?)"
            " AND EXISTS (SELECT 1 FROM sources WHERE id = ?)",
            [(rid, sid, rid, sid) for rid, sid in _all_rows(source, "carriers", columns)],
        )


_ACCOUNT_TABLES = {
    "account_feeds": "EXISTS (SELECT 1 FROM sources WHERE id = ?1)",
    "account_items": "EXISTS (SELECT 1 FROM sources WHERE id = ?1)"
    " AND EXISTS (SELECT 1 FROM articles WHERE rid = ?3)",
    "account_queue": "EXISTS (SELECT 1 FROM sources WHERE id = ?1)",
}
"""The aggregator accounts' tables and which of their rows still point somewhere (the
first columns are source_id, item, rid); copied after the reading state, so that the
offline queue's triggers see nothing to queue."""


def _accounts(source: sqlite3.Connection, target: sqlite3.Connection) -> None:
    """Keep the accounts' item map, subscriptions and offline queue (changes not yet
    sent to the server are the user's data too)."""
    for table, condition in _ACCOUNT_TABLES.items():
        columns = _common(source, target, table)
        if not columns or columns[0] != "source_id":
            continue
        marks = ", ".join(f"?{n}" for n in range(1, len(columns) + 1))
        insert = (
            f"INSERT OR IGNORE INTO {table} ({', '.join(columns)}) SELECT {marks} WHERE {condition}"
        )
        target.executemany(insert, _all_rows(source, table, columns))


def _by_rid(
    source: sqlite3.Connection, table: str, columns: Sequence[str], rids: Sequence[int]
) -> dict[int, tuple[Any, ...]]:
    """Rows of ``table`` for these rids (one by one where the batch fails)."""
    if not columns or not rids:
        return {}
    select = f"SELECT rid, {', '.join(columns)} FROM {table} NOT INDEXED"  # noqa: S608
    found: dict[int, tuple[Any, ...]] = {}
    try:
        for row in source.execute(f"{select} WHERE rid >= ? AND rid <= ?", (min(rids), max(rids))):
            found[row[0]] = row[1:]
        return found
    except sqlite3.DatabaseError:
        found = {}
    for rid in rids:
        with contextlib.suppress(sqlite3.DatabaseError):
            row = source.execute(f"{select} WHERE rid = ?", (rid,)).fetchone()
            if row is not None:
                found[rid] = row[1:]
    return found


def _articles(
    source: sqlite3.Connection,
    target: sqlite3.Connection,
    batch: list[list[Any]],
    article_columns: Sequence[str],
    body_columns: Sequence[str],
    state_columns: Sequence[str],
    rid_at: int,
    hash_at: int,
) -> int:
    if not batch:
        return 0
    rids = [values[rid_at] for values in batch]
    wanted_body = [c for c in body_columns if c not in ("rid", "indexed")]
    bodies = _by_rid(source, "bodies", wanted_body, rids)
    states = _by_rid(source, "reader_state", state_columns, rids)
    for values in batch:
        if values[rid_at] not in bodies:
            values[hash_at] = ""  # the body is lost: the next sync stores it again
    (after,) = target.execute("SELECT coalesce(max(rid), 0) FROM articles").fetchone()
    _insert(target, "articles", article_columns, batch)  # rows by rising rid (see _rows)
    count_inserted(target, after)
    title_at = article_columns.index("title") if "title" in article_columns else None
    body_rows = []
    for values in batch:
        rid = values[rid_at]
        body = bodies.get(rid)
        if body is None:
            title = values[title_at] if title_at is not None else None
            body = tuple(title if c == "title" else None for c in wanted_body)
        body_rows.append((rid, *body, 0))
    columns = ["rid", *wanted_body, "indexed"]
    _insert(target, "bodies", columns, _fill_defaults(body_rows, columns))
    if state_columns:
        assignments = ", ".join(f"{c} = ?" for c in state_columns)
        target.executemany(
            f"UPDATE reader_state SET {assignments} WHERE rid = ?",  # noqa: S608
            [(*state, rid) for rid, state in states.items()],
        )
    return len(batch)


def _fill_defaults(rows: list[tuple[Any, ...]], columns: Sequence[str]) -> list[tuple[Any, ...]]:
    """NOT NULL text columns of bodies get '' where the salvaged value is missing."""
    required = {"text", "markdown"}
    at = [index for index, column in enumerate(columns) if column in required]
    fixed = []
    for row in rows:
        values = list(row)
        for index in at:
            if values[index] is None:
                values[index] = ""
        fixed.append(tuple(values))
    return fixed


# --- the whole repair -------------------------------------------------------------------


def _header_usable(path: Path, busy_timeout: float) -> bool:
    """Whether SQLite can start a write transaction on the file (what the backup API
    needs of its destination); False when even the header is unusable."""
    try:
        conn = db.connect(path, busy_timeout=busy_timeout, salvage=True)
    except sqlite3.DatabaseError as error:
        if db.is_damage(error):
            return False
        raise
    try:
        conn.execute("PRAGMA writable_schema = OFF")  # a short file must fail here
        conn.execute("PRAGMA query_only = OFF")
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("PRAGMA schema_version").fetchone()
        conn.execute("ROLLBACK")
        return True
    except sqlite3.DatabaseError as error:
        if db.is_damage(error):
            return False
        raise
    finally:
        conn.close()


def _salvage_into(fresh: Path, source_path: Path, busy_timeout: float) -> Salvaged:
    target = db.connect(fresh, busy_timeout=busy_timeout)
    try:
        try:
            source = db.connect(source_path, busy_timeout=busy_timeout, salvage=True)
        except sqlite3.DatabaseError:
            return Salvaged()
        try:
            return salvage(source, target)
        finally:
            source.close()
    finally:
        target.close()


def _write_over(fresh: Path, path: Path, busy_timeout: float) -> None:
    """Put the new store's pages into the live file through SQLite (in place)."""
    source = db.connect(fresh, busy_timeout=busy_timeout)
    try:
        live = db.connect(path, busy_timeout=busy_timeout)
        try:
            source.backup(live)
        finally:
            live.close()
    finally:
        source.close()


def _replace(fresh: Path, path: Path, evidence: Path) -> None:
    """Rename the new store over a file nobody can be using; its WAL and shared memory
    join the copy of the damage (a stale WAL would be replayed into the new store)."""
    if db.connections_open(path):
        raise StoreError("internal error: the cache is still open in this process")
    _wait_for_no_holder(path)
    for suffix in ("-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.replace(f"{path}{suffix}", f"{evidence}{suffix}")
    os.replace(fresh, path)


def _describe(path: Path, reason: str, evidence: Path, saved: Salvaged, moved: bool) -> str:
    where = f"it was moved to {evidence.name}" if moved else f"a copy is in {evidence.name}"
    if saved.articles or saved.sources:
        kept = f"{saved.articles} articles"
        if saved.lost:
            kept += f" (of {saved.articles + saved.lost})"
        kept += f", {saved.sources} sources and your reading state were saved into a fresh cache"
    else:
        kept = "a new, empty cache was started"
    return f"the cache {path} was damaged ({reason}); {where}, and {kept}"


def recover_locked(
    path: Path,
    reason: str,
    *,
    busy_timeout: float,
    now: datetime,
    notice: Callable[[str], None] | None,
    release: Callable[[], None] | None = None,
) -> Path:
    """Repair the cache at ``path`` (the caller holds the lock file); returns where the
    copy of the damage went. ``release`` closes this process's connections, once the
    copy is made. Raises StoreError when the damage cannot be set aside (no space for
    the copy, or a file without a header still held by another process)."""
    evidence = copy_aside(path, now)
    if release is not None:
        release()
    try:
        header = db.inspect_file(path)
        usable = header is None and _header_usable(path, busy_timeout)
        fresh = db.build_empty(path, busy_timeout)
        try:
            # A file that is not a database is never handed to SQLite (db, rule 2).
            readable = header is None or header == "the file is truncated"
            saved = _salvage_into(fresh, path, busy_timeout) if readable else Salvaged()
            if usable:
                _write_over(fresh, path, busy_timeout)
            else:
                _replace(fresh, path, evidence)
        finally:
            db.remove_scratch(fresh)
    except sqlite3.Error as error:
        raise StoreError(
            f"the cache {path} is damaged and could not be repaired: {error}"
        ) from None
    except OSError as error:
        raise StoreError(
            f"the cache {path} is damaged and could not be repaired: {error.strerror or error}"
        ) from None
    _record_repair(path)
    if notice is not None:
        notice(_describe(path, reason, evidence, saved, moved=not usable))
    return evidence


def recover(
    path: Path,
    reason: str,
    *,
    seen: int,
    busy_timeout: float,
    now: Callable[[], datetime],
    notice: Callable[[str], None] | None,
    release: Callable[[], None],
) -> Path | None:
    """Repair damage found at run time, unless another process repaired the cache
    since this one saw the damage (``seen`` is :func:`repair_count` from then; -1
    repairs anyway). Returns where the copy of the damage went, or None when there
    was nothing left to do (``release`` is called either way)."""
    with db._file_lock(db.lock_path(path)):
        if seen >= 0 and repair_count(path) != seen:
            release()
            return None
        return recover_locked(
            path, reason, busy_timeout=busy_timeout, now=now(), notice=notice, release=release
        )
