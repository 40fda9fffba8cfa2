"""Opening the cache: connections, pragmas, migrations, and the rules that keep it whole.

Every connection gets the same settings: WAL (readers never wait for the writer),
``busy_timeout`` (a second writer waits instead of failing), foreign keys on, and
``synchronous=NORMAL`` (a committed transaction survives the process being killed).

Several processes use one cache at once (the reader, ``open``, ``list``, two syncs).
SQLite keeps them apart with POSIX advisory locks, and those locks belong to the
*process*: closing any descriptor of the database file in a process silently drops
every lock that process holds on it, after which another process may checkpoint,
truncate or delete the WAL under it, or write at the same time (SQLite's "How To
Corrupt An SQLite Database File", section 2.2). Hence these rules:

1. **A descriptor of ``newsreader.db``, ``-wal`` or ``-shm`` that is not SQLite's is
   closed only while this process holds no connection to the cache** (SQLite shares
   its own descriptors between its connections, so its closes are safe). Reading the
   header at open and copying a damaged file aside go through :func:`raw_file`, whose
   descriptor is closed at once when no connection is open, or else kept open until
   the last connection closes. Every connection is made by :func:`connect` and
   registered until it closes (:func:`connections_open`), which is what makes this
   checkable.
2. **Nothing runs before the first connection but ``stat``, the header read through
   :func:`raw_file`, and the lock file** (``newsreader.db.lock``, a separate file,
   flock'ed by whoever creates or repairs the cache, so two processes starting at once
   do not both do it). A file whose header is not a database is never handed to
   SQLite: closing a connection to it would "checkpoint" its unreadable WAL, found
   empty, and delete it.
3. **A forked process never uses an inherited connection.** newsreader starts its helper
   processes with ``spawn`` (a fresh interpreter; SQLite opens its files close-on-exec,
   so nothing of the cache is inherited). Should anything else fork this process, the
   child keeps its copies of the connections referenced and unused (closing them there
   could checkpoint and delete a WAL the parent is using), and a :class:`Store` refuses
   to work in it.
4. **A file that other processes may hold is never renamed or replaced.** Damage is
   mended in place through SQLite (the backup API writes the salvaged store into the
   live file under SQLite's write lock, so every other connection stays valid). Only a
   file whose header SQLite cannot read at all is renamed, and only once no other
   process holds a lock on it.
5. **Every write is one transaction** (:func:`transaction`, ``BEGIN IMMEDIATE``).
"""

from __future__ import annotations

import contextlib
import os
import sqlite3
import struct
import sys
import threading
import weakref
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path

from newsreader.errors import NotCachedError, StoreError
from newsreader.store.schema import APPLICATION_ID, MIGRATIONS, SCHEMA_VERSION

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "Damaged",
    "connect",
    "connections_open",
    "error_code",
    "is_busy",
    "is_damage",
    "migrate",
    "open_database",
    "raw_file",
    "split_script",
    "transaction",
]

DEFAULT_BUSY_TIMEOUT = 15.0
"""Seconds a writer waits for another one before giving up (a sync batch takes < 1 s)."""

SQLITE_PERM = 3
SQLITE_BUSY = 5
SQLITE_LOCKED = 6
SQLITE_READONLY = 8
SQLITE_IOERR = 10
SQLITE_CORRUPT = 11
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_NOTADB = 26
_MISSING = "missing"
_MAGIC = b"SQLite format 3\x00"


class Damaged(Exception):  # noqa: N818 - a condition, not an error the user sees
    """The file at the cache path is not a usable SQLite database."""


def error_code(error: BaseException) -> int | None:
    """SQLite's primary result code of an error (None for non-SQLite errors)."""
    code = getattr(error, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def is_busy(error: BaseException) -> bool:
    """True for "database is locked/busy": another connection holds the lock."""
    return error_code(error) in (SQLITE_BUSY, SQLITE_LOCKED)


def is_damage(error: BaseException) -> bool:
    """True when SQLite says the file is damaged or not a database at all."""
    return error_code(error) in (SQLITE_CORRUPT, SQLITE_NOTADB)


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


# --- connections, and which ones this process holds --------------------------------------


class Connection(sqlite3.Connection):
    """A connection that knows its file and its process (see the rules above)."""

    key: str
    """The database file's absolute path, as registered."""
    pid: int
    """The process that opened it; a forked child must leave it alone."""

    def close(self) -> None:
        if self.pid != os.getpid():
            return  # inherited through a fork: closing it here could delete the WAL
        super().close()
        _forget(self)


_registry_lock = threading.Lock()
_registry: dict[str, weakref.WeakSet[Connection]] = {}
_inherited: list[Connection] = []
"""Connections copied into a forked child: kept referenced so that they are never
closed (by the garbage collector) in the child."""


_deferred: dict[str, list[int]] = {}
"""Descriptors from :func:`raw_file` waiting for the last connection to their cache."""


def _forget(conn: Connection) -> None:
    with _registry_lock:
        live = _registry.get(conn.key)
        if live is not None:
            live.discard(conn)
            if not live:
                del _registry[conn.key]
        _close_deferred(conn.key)


def _close_deferred(key: str) -> None:
    """Close the raw descriptors of ``key`` if no connection to it is left (registry
    lock held)."""
    if _registry.get(key):
        return
    for fd in _deferred.pop(key, ()):
        with contextlib.suppress(OSError):
            os.close(fd)


def _cache_key(path: str | os.PathLike[str]) -> str:
    """The database a file belongs to: its ``-wal`` and ``-shm`` count as the database."""
    name = os.path.abspath(path)
    for suffix in ("-wal", "-shm"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


@contextlib.contextmanager
def raw_file(path: str | os.PathLike[str]) -> Iterator[int]:
    """A read-only descriptor of a cache file that is safe to close (rule 1): closed
    on exit if this process holds no connection to the cache, else when the last one
    closes (closing it earlier would drop that connection's locks)."""
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
    try:
        yield fd
    finally:
        key = _cache_key(path)
        with _registry_lock:
            _deferred.setdefault(key, []).append(fd)
            _close_deferred(key)


def connections_open(path: Path) -> int:
    """How many connections this process holds to ``path`` (rule 1)."""
    with _registry_lock:
        return len(_registry.get(str(path), ()))


def _after_fork_in_child() -> None:
    global _registry_lock
    _registry_lock = threading.Lock()  # another thread may have held it at the fork
    for live in _registry.values():
        _inherited.extend(live)
    _registry.clear()
    _deferred.clear()  # the parent's to close; the child's copies just stay open


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_after_fork_in_child)


def connect(
    path: Path,
    *,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    create: bool = False,
    read_only: bool = False,
    salvage: bool = False,
) -> Connection:
    """A configured connection to an existing file (or a new one when ``create``).

    ``mode=rw`` makes a vanished file an error instead of a new empty database: a
    file moved aside by another process must not be silently recreated here.
    ``read_only`` is for a cache on read-only media or without write permission: if
    SQLite cannot even make the WAL's shared-memory file there and no WAL exists, the
    file is opened as immutable (nobody can be writing to it). ``salvage`` is for
    reading what is left of a damaged file: no settings that make SQLite read the
    schema, and a file shorter than its header says is read up to where it ends.
    """
    key = os.path.abspath(path)
    uri = Path(key).as_uri()
    if read_only:
        candidates = [f"{uri}?mode=ro"]
        if not os.path.lexists(f"{key}-wal"):
            candidates.append(f"{uri}?mode=ro&immutable=1")
    else:
        candidates = [f"{uri}?mode={'rwc' if create else 'rw'}"]
    conn: Connection | None = None
    for index, candidate in enumerate(candidates):
        try:
            conn = sqlite3.connect(
                candidate,
                uri=True,
                isolation_level=None,
                check_same_thread=False,
                timeout=busy_timeout,
                factory=Connection,
            )
            conn.key, conn.pid = key, os.getpid()
            with _registry_lock:
                _registry.setdefault(key, weakref.WeakSet()).add(conn)
            if salvage:
                conn.execute("PRAGMA writable_schema = ON")
                conn.execute("PRAGMA query_only = ON")
            else:
                _configure(conn, busy_timeout, read_only=read_only)
            break
        except BaseException as error:
            if conn is not None:
                conn.close()
                conn = None
            if not isinstance(error, sqlite3.OperationalError) or index == len(candidates) - 1:
                raise
    assert conn is not None
    return conn


def _configure(conn: Connection, busy_timeout: float, *, read_only: bool) -> None:
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout * 1000)}")
    conn.execute("PRAGMA temp_store = MEMORY")
    conn.execute("PRAGMA cache_size = -16384")
    if read_only:
        # Reading the schema here makes a file SQLite cannot open fail now, not later.
        # (mode=ro already refuses writes; temporary tables stay possible for search.)
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return
    conn.execute("PRAGMA foreign_keys = ON")
    conn.execute("PRAGMA synchronous = NORMAL")
    # Checkpoint every ~16 MB of WAL rather than 4 MB: a sync writes batches back to
    # back, and index pages touched by several batches are then copied back once.
    conn.execute("PRAGMA wal_autocheckpoint = 4000")
    conn.execute("PRAGMA journal_size_limit = 33554432")


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
            with contextlib.suppress(sqlite3.Error):  # the cause is what matters
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


# --- opening -------------------------------------------------------------------------------


def writable(path: Path) -> bool:
    """Whether this process may write the cache (file and folder), by ``access`` only."""
    folder = os.path.dirname(path) or "."
    if not os.access(folder, os.W_OK):
        return False
    return not os.path.exists(path) or os.access(path, os.W_OK)


def _wal_has_frames(path: Path) -> bool:
    try:
        return os.path.getsize(f"{path}-wal") > 32
    except OSError:
        return False


def inspect_file(path: Path) -> str | None:
    """Why the file cannot be a database (or ``"missing"``); None if it looks whole.

    Only the 100-byte header is read, through :func:`raw_file`: opening must not scan
    a big cache, and must not hand SQLite a file that is not a database (rule 2).
    Damage deeper in the file is SQLite's to find, and so is everything once this
    process holds a connection (each new thread's first connection would otherwise
    leave one more descriptor waiting for the last connection to close).
    """
    try:
        size = path.stat().st_size
        if connections_open(path):
            return None if size else "the file is empty"
        with raw_file(path) as fd:
            header = os.read(fd, 100)
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
    # What SQLite itself checks before calling a file "not a database".
    if (
        page_size < 512
        or page_size & (page_size - 1)
        or header[18] not in (1, 2)
        or header[19] not in (1, 2)
        or header[21:24] != b"\x40\x20\x20"
    ):
        return "not an SQLite database"
    (pages,) = struct.unpack(">I", header[28:32])
    # The page count in the header is valid only when it was written together with
    # the change counter; pages may also still sit in the WAL, which SQLite replays.
    header_valid = header[24:28] == header[92:96]
    if header_valid and pages and size < page_size * pages and not _wal_has_frames(path):
        return "the file is truncated"
    return None


def check_schema(conn: sqlite3.Connection, path: Path, *, read_only: bool = False) -> None:
    """Read what a store must have (cheap: header and schema only), then migrate.

    SQLite reads the header here, so a file that is not a database, or shorter than
    its header says, fails now with an error :func:`is_damage` recognises.
    """
    try:
        (app_id,) = conn.execute("PRAGMA application_id").fetchone()
        (version,) = conn.execute("PRAGMA user_version").fetchone()
        (tables,) = conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if app_id != APPLICATION_ID and (app_id or tables or version):
            raise StoreError(
                f"{path} is an SQLite file but not a newsreader cache; "
                "move it or choose another --data-dir"
            )
        if read_only:
            if version != SCHEMA_VERSION:
                raise StoreError(
                    f"the cache {path} is read-only and was written by "
                    f"{'an older' if version < SCHEMA_VERSION else 'a newer'} newsreader "
                    f"(schema {version}); open it once where it can be written"
                )
            return
        (journal,) = conn.execute("PRAGMA journal_mode").fetchone()
        if str(journal).lower() != "wal":
            conn.execute("PRAGMA journal_mode = WAL")
        if version != SCHEMA_VERSION:
            migrate(conn)
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            raise Damaged(str(error)) from None
        raise


def lock_path(path: Path) -> Path:
    """The lock file that serialises creating and repairing the cache at ``path``."""
    return path.with_name(path.name + ".lock")


@contextlib.contextmanager
def _file_lock(path: Path) -> Iterator[None]:
    """Hold an exclusive lock on ``path`` (created if needed, never removed: removing
    a lock file races with the next process that opens it)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o600)
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


def timestamp(now: datetime) -> str:
    """The UTC stamp in the names of files set aside."""
    return now.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def create_fresh(path: Path, busy_timeout: float) -> None:
    """Build an empty, migrated store beside ``path`` and move it into place whole:
    a file at the cache path is either a whole store or damage, never a half-made one."""
    temp = build_empty(path, busy_timeout)
    try:
        os.link(temp, path)
    except FileExistsError:
        pass  # someone else's store got there first (without the lock): use theirs
    except OSError:
        # No hard links on this file system: a rename does the job under the lock.
        os.replace(temp, path)
        return
    os.remove(temp)


def build_empty(path: Path, busy_timeout: float) -> Path:
    """An empty, migrated store in a new file beside ``path``; returns its name."""
    temp = path.with_name(f"{path.name}.new-{os.getpid()}-{os.urandom(4).hex()}")
    conn = connect(temp, busy_timeout=busy_timeout, create=True)
    try:
        conn.execute("PRAGMA journal_mode = WAL")
        migrate(conn)
    except BaseException:
        conn.close()
        remove_scratch(temp)
        raise
    conn.close()  # the last connection checkpoints: the file is complete, no WAL left
    return temp


def remove_scratch(temp: Path) -> None:
    """Delete a store this process built under a temporary name (never user data)."""
    for suffix in ("", "-wal", "-shm"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(f"{temp}{suffix}")


def open_database(
    path: Path,
    *,
    create: bool = True,
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
    notice: Callable[[str], None] | None = None,
    now: Callable[[], datetime] | None = None,
) -> tuple[Connection, Path | None, bool]:
    """Open the store at ``path``, creating or repairing it when needed.

    Returns the connection, where a damaged file was copied or moved aside (the
    one-line explanation went to ``notice``), and whether the cache is read-only.
    Raises :class:`~newsreader.errors.NotCachedError` when there is no store and
    ``create`` is False, :class:`~newsreader.errors.StoreError` when the file belongs
    to something else or to a newer newsreader, or cannot be repaired.
    """
    from newsreader.store import repair

    path = Path(os.path.abspath(path))
    clock = now or (lambda: datetime.now(UTC))
    problem = inspect_file(path)
    if problem is None:
        read_only = not writable(path)
        try:
            return _open_checked(path, busy_timeout, read_only), None, read_only
        except Damaged as damage:
            if read_only:
                raise StoreError(
                    f"the cache {path} is damaged ({damage}) and read-only: "
                    "copy it somewhere writable to repair it"
                ) from None
            problem = str(damage)
        except sqlite3.OperationalError:
            if path.exists():
                raise
            problem = _MISSING  # moved aside by another process since we looked
    if problem == _MISSING and not create:
        raise NotCachedError(f"no cache yet at {path}")

    from newsreader.paths import ensure_dir

    ensure_dir(path.parent)
    with _file_lock(lock_path(path)):
        # Another process may have repaired or created it while we waited.
        problem = inspect_file(path)
        if problem is None:
            try:
                return _open_checked(path, busy_timeout, False), None, False
            except Damaged as damage:
                problem = str(damage)
        if problem == _MISSING:
            if os.path.lexists(f"{path}-wal"):
                # A WAL without its database would be replayed into a fresh store.
                repair.move_aside(path, clock())
            create_fresh(path, busy_timeout)
            return _open_checked(path, busy_timeout, False), None, False
        moved = repair.recover_locked(
            path, problem, busy_timeout=busy_timeout, now=clock(), notice=notice
        )
        return _open_checked(path, busy_timeout, False), moved, False


def _open_checked(path: Path, busy_timeout: float, read_only: bool) -> Connection:
    try:
        conn = connect(path, busy_timeout=busy_timeout, read_only=read_only)
    except sqlite3.DatabaseError as error:
        if is_damage(error):
            raise Damaged(str(error)) from None
        raise
    try:
        check_schema(conn, path, read_only=read_only)
    except BaseException:
        conn.close()
        raise
    return conn
