"""Opening the cache: connections, pragmas, migrations and damaged files.

Every connection gets the same settings: WAL (readers never wait for the writer),
``busy_timeout`` (a second writer waits instead of failing), foreign keys on, and
``synchronous=NORMAL`` (a committed transaction survives the process being killed).

A cache file that is not a database, is truncated, or that SQLite reports as damaged
is never deleted: it is renamed ``newsreader.db.corrupt-<UTC timestamp>`` (with its
``-wal``/``-shm`` companions, so it can still be examined) and a fresh store takes its
place. Creating, repairing and replacing the file happen under a lock file
(``newsreader.db.lock``) so that two processes starting at once do not both repair, and a
fresh store is built under a temporary name and renamed into place only when complete:
a file at the cache path is either a whole store or damage, never a half-made one.
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
import sys
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from newsreader.errors import NotCachedError, StoreError
from newsreader.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "Damaged",
    "connect",
    "inspect_file",
    "is_busy",
    "is_damage",
    "migrate",
    "open_database",
    "replace_damaged",
    "set_aside",
    "split_script",
    "transaction",
]

DEFAULT_BUSY_TIMEOUT = 15.0
"""Seconds a writer waits for another one before giving up (a sync batch takes < 1 s)."""

_MAGIC = b"SQLite format 3\x00"
_SQLITE_BUSY = 5
_SQLITE_LOCKED = 6
_SQLITE_CORRUPT = 11
_SQLITE_NOTADB = 26
_MISSING = "missing"


class Damaged(Exception):  # noqa: N818 - a condition, not an error the user sees
    """The file at the cache path is not a usable SQLite database."""


def _code(error: BaseException) -> int | None:
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_busy(error: BaseException) -> bool:
    """True for "database is locked/busy": another connection holds the lock."""
    return _code(error) in (_SQLITE_BUSY, _SQLITE_LOCKED)


def is_damage(error: BaseException) -> bool:
    """True when SQLite says the file is damaged or not a database at all."""
    return _code(error) in (_SQLITE_CORRUPT, _SQLITE_NOTADB)


def split_script(script: str) -> list[str]:
    """Split SQL into statements (triggers keep their inner ``;``).

    ``executescript`` would commit the surrounding transaction, so migrations run
    statement by statement instead.
    """
    statements: list[str] = []
    pending = ""
    for line in script.splitlines(keepends=True):
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            statements.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending.strip()[:60]!r}")
    return statements


def connect(
    path: Path, *, busy_timeout: float = DEFAULT_BUSY_TIMEOUT, create: bool = False
) -> sqlite3.Connection:
    """A configured connection to an existing file (or a new one when ``create``).

    ``mode=rw`` makes a vanished file an error instead of a new empty database: a
    file moved aside by another process must not be silently recreated here.
    """
    mode = "rwc" if create else "rw"
    uri = f"{path.resolve().as_uri()}?mode={mode}"
    conn = sqlite3.connect(
        uri, uri=True, isolation_level=None, check_same_thread=False, timeout=busy_timeout
    )
    try:
        conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("PRAGMA temp_store = MEMORY")
        conn.execute("PRAGMA cache_size = -16384")
        # Checkpoint every ~16 MB of WAL rather than 4 MB: a sync writes batches back to
        # back, and index pages touched by several batches are then copied back once.
        conn.execute("PRAGMA wal_autocheckpoint = 4000")
        conn.execute("PRAGMA journal_size_limit = 33554432")
    except BaseException:
        conn.close()
        raise
    return conn


@contextlib.contextmanager
def transaction(conn: sqlite3.Connection, *, write: bool) -> Iterator[sqlite3.Connection]:
    """One transaction: ``BEGIN IMMEDIATE`` for writes, so the write lock is taken
    (and waited for) up front instead of failing halfway when a read turns into a
    write; rolled back on any exception, including KeyboardInterrupt."""
    conn.execute("BEGIN IMMEDIATE" if write else "BEGIN")
    try:
        yield conn
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    conn.execute("COMMIT")


def migrate(conn: sqlite3.Connection, target: int = SCHEMA_VERSION) -> int:
    """Bring the schema to ``target`` in one transaction; returns the version found.

    The version is read again inside the write transaction, so two processes opening
    an old store at once migrate it once.
    """
    with transaction(conn, write=True):
        (found,) = conn.execute("PRAGMA user_version").fetchone()
        if found > SCHEMA_VERSION:
            raise StoreError(
                f"the cache was written by a newer newsreader (schema {found}, "
                f"this one knows {SCHEMA_VERSION}); upgrade newsreader"
            )
        for version in range(found, target):
            for statement in split_script(MIGRATIONS[version]):
                conn.execute(statement)
        if found < target:
            conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            conn.execute(f"PRAGMA user_version = {target}")
    return int(found)


def _wal_has_frames(path: Path) -> bool:
    try:
        return os.path.getsize(f"{path}-wal") > 32
    except OSError:
        return False


def inspect_file(path: Path) -> str | None:
    """Why the file cannot be a database (or ``"missing"``); None if it looks whole.

    Only the 100-byte header is read: opening must not scan a big cache.
    """
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            header = handle.read(100)
    except FileNotFoundError:
        return _MISSING
    except OSError as error:
        raise StoreError(f"cannot read the cache {path}: {error.strerror or error}") from None
    if size == 0:
        return "the file is empty"
    if len(header) < 100 or not header.startswith(_MAGIC):
        return "not an SQLite database"
    (page_size,) = struct.unpack(">H", header[16:18])
    page_size = 65536 if page_size == 1 else page_size
    (pages,) = struct.unpack(">I", header[28:32])
    # The page count in the header is valid only when it was written together with
    # the change counter; pages may also still sit in the WAL, which SQLite replays.
    header_valid = header[24:28] == header[92:96]
    if header_valid and pages and size < page_size * pages and not _wal_has_frames(path):
        return "the file is truncated"
    return None


def _check(conn: sqlite3.Connection, path: Path) -> None:
    """Read what a store must have (cheap: header and schema only), then migrate."""
    try:
        (app_id,) = conn.execute("PRAGMA application_id").fetchone()
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        (tables,) = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if app_id != APPLICATION_ID and (app_id or tables or version):
            raise StoreError(
                f"{path} is an SQLite file but not a newsreader cache; "
                "move it or choose another --data-dir"
            )
        (journal,) = conn.execute("PRAGMA journal_mode").fetchone()
        if str(journal).lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        if version != SCHEMA_VERSION:
            migrate(conn)
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            raise Damaged(str(error)) from None
        raise


def _lock_path(path: Path) -> Path:
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed, never removed: removing
    a lock file races with the next process that opens it)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    try:
        if sys.platform == "win32":
            import msvcrt

            msvcrt.locking(fd, msvcrt.LK_LOCK, 1)  # retries for 10 s, then raises
            try:
                yield
            finally:
                os.lseek(fd, 0, os.SEEK_SET)
                msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        else:
            import fcntl

            fcntl.flock(fd, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)


def _timestamp(now: datetime) -> str:
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def set_aside(path: Path, now: datetime) -> Path:
    """Rename a damaged cache (and its WAL and shared-memory files) out of the way.

    Returns the new name of the main file. Never deletes anything; a stale WAL left
    next to a fresh store would be replayed into it, so it moves along.
    """
    stem = f"{path.name}.corrupt-{_timestamp(now)}"
    target = path.with_name(stem)
    counter = 1
    while any(os.path.lexists(f"{target}{suffix}") for suffix in ("", "-wal", "-shm")):
        target = path.with_name(f"{stem}-{counter}")
        counter += 1
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.rename(f"{path}{suffix}", f"{target}{suffix}")
    return target


def _create_fresh(path: Path, busy_timeout: float) -> None:
    """Build an empty, migrated store beside ``path`` and move it into place whole."""
    temp = path.with_name(f"{path.name}.new-{os.getpid()}-{os.urandom(4).hex()}")
    conn = connect(temp, busy_timeout=busy_timeout, create=True)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        migrate(conn)
    except BaseException:
        conn.close()
        for suffix in ("", "-wal", "-shm"):
            with contextlib.suppress(FileNotFoundError):
                os.remove(f"{temp}{suffix}")  # our own half-made file, never user data
        raise
    conn.close()  # the last connection checkpoints: the file is complete, no WAL left
    try:
        os.link(temp, path)
    except FileExistsError:
        pass  # someone else's store got there first (without the lock): use theirs
    except OSError:
        # No hard links on this file system: a rename does the job under the lock.
        os.replace(temp, path)
        return
    os.remove(temp)


def _describe(path: Path, reason: str, moved_to: Path) -> str:
    return (
        f"the cache {path} could not be read ({reason}); it was moved to "
        f"{moved_to.name} and a new, empty cache was started"
    )


def open_database(
    path: Path,
    *,
    create: bool = True,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    notice: Callable[[str], None] | None = None,
    now: Callable[[], datetime] | None = None,
) -> tuple[sqlite3.Connection, Path | None]:
    """Open the store at ``path``, creating or replacing it when needed.

    Returns the connection and, when a damaged file was set aside, its new path (the
    one-line explanation went to ``notice``). Raises
    :class:`~newsreader.errors.NotCachedError` when there is no store and ``create`` is
    False, :class:`~newsreader.errors.StoreError` when the file belongs to something
    else or to a newer newsreader.
    """
    path = Path(os.path.abspath(path))
    clock = now or (lambda: datetime.now(UTC))
    problem = inspect_file(path)
    if problem is None:
        try:
            return _open_checked(path, busy_timeout), None
        except Damaged as damage:
            problem = str(damage)
        except sqlite3.OperationalError:
            if path.exists():
                raise
            problem = _MISSING  # moved aside by another process since we looked
    if problem == _MISSING and not create:
        raise NotCachedError(f"no cache yet at {path}")

    from newsreader.paths import ensure_dir

    ensure_dir(path.parent)
    with _file_lock(_lock_path(path)):
        # Another process may have repaired or created it while we waited.
        recovered: Path | None = None
        problem = inspect_file(path)
        if problem is None:
            try:
                return _open_checked(path, busy_timeout), None
            except Damaged as damage:
                problem = str(damage)
        if problem != _MISSING or os.path.lexists(f"{path}-wal"):
            # A leftover WAL without its database is set aside too (see set_aside).
            recovered = set_aside(path, clock())
            if problem != _MISSING and notice is not None:
                notice(_describe(path, problem, recovered))
            if problem == _MISSING:
                recovered = None
        _create_fresh(path, busy_timeout)
        return _open_checked(path, busy_timeout), recovered


def _open_checked(path: Path, busy_timeout: float) -> sqlite3.Connection:
    try:
        conn = connect(path, busy_timeout=busy_timeout)
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            raise Damaged(str(error)) from None
        raise
    try:
        _check(conn, path)
    except BaseException:
        conn.close()
        raise
    return conn


def replace_damaged(
    path: Path,
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    now: Callable[[], datetime] | None = None,
) -> Path:
    """Set the cache aside and put a fresh one in its place; returns the new name.

    For damage found after opening (see :class:`~newsreader.errors.StoreCorruptError`).
    """
    path = Path(os.path.abspath(path))
    with _file_lock(_lock_path(path)):
        moved = set_aside(path, (now or (lambda: datetime.now(UTC)))())
        _create_fresh(path, busy_timeout)
    return moved
