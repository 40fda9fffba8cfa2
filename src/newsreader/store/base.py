"""The base of :class:`~newsreader.store.Store`: connections, repair, one transaction per call.

Each thread gets its own connection, opened on first use: the TUI's thread workers
and a sync can share one store. Every call of a domain goes through :meth:`StoreBase._run`,
which makes it one transaction (writes take the lock up front and wait for other
writers), turns SQLite failures into :class:`~newsreader.errors.StoreError` with a
one-line message, and mends damage on the spot: the repair gate lets the calls in
flight finish, holds new ones back, closes every connection, has
:mod:`newsreader.store.repair` mend the file, and runs the call again.

The domains (:mod:`~newsreader.store.sources`, :mod:`~newsreader.store.articles`,
...) build on this class and never open, close or keep a connection themselves: the
rules that keep a shared cache whole (which descriptors may exist, what a fork may
inherit) are kept here and in :mod:`newsreader.store.db`.
"""

from __future__ import annotations

import os
import sqlite3
import sys
import threading
import time
import weakref
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from newsreader.errors import StoreCorruptError, StoreError, StoreReadOnlyError
from newsreader.store import db

__all__ = ["StoreBase", "print_notice", "utc"]

T = TypeVar("T")


def print_notice(message: str) -> None:
    """Default way to tell the user about a repaired cache: one line on stderr."""
    sys.stderr.write(f"newsreader: {message}\n")
    sys.stderr.flush()


def utc(moment: datetime) -> str:
    """The stamp the cache stores for an instant: UTC, to the second."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


class StoreBase:
    """What every domain of the store stands on: the per-thread connections, the
    repair gate, :meth:`_run` and :meth:`_translate`, and opening and closing."""

    def __init__(
        self,
        path: Path,
        *,
        busy_timeout: float,
        notice: Callable[[str], None] | None,
        clock: Callable[[], datetime],
    ) -> None:
        self.path = path
        """The database file."""
        self.recovered: Path | None = None
        """Where the latest damaged copy of the cache went, else None."""
        self.read_only = False
        """True when the cache cannot be written (read-only media or permissions):
        reading works, writes raise :class:`~newsreader.errors.StoreReadOnlyError`."""
        self._busy_timeout = busy_timeout
        self._notice = notice
        self._clock = clock
        self._pid = os.getpid()
        self._local = threading.local()
        self._lock = threading.Lock()
        self._connections: list[tuple[weakref.ref[threading.Thread], sqlite3.Connection]] = []
        self._closed = False
        # The repair gate: calls in flight are counted; a repair waits for them to end
        # and holds new ones back; every connection of an older generation is closed.
        self._gate = threading.Condition()
        self._active = 0
        self._repairing = False
        self._generation = 0
        self._repair_failed: str | None = None

    # --- lifecycle ---------------------------------------------------------------------

    @classmethod
    def open(
        cls,
        path: str | Path | None = None,
        *,
        create: bool = True,
        notice: Callable[[str], None] | None = print_notice,
        clock: Callable[[], datetime] | None = None,
        busy_timeout: float = db.DEFAULT_BUSY_TIMEOUT,
    ) -> Self:
        """Open (creating, migrating or repairing as needed) the cache at ``path``,
        by default :func:`newsreader.paths.db_path`.

        ``notice`` receives the one line telling the user that a damaged cache was set
        aside (stderr by default; the TUI passes its notifier). ``clock`` returns the
        current time, for tests. Raises NotCachedError when the file is absent and
        ``create`` is False.
        """
        if path is None:
            from newsreader.paths import db_path

            path = db_path()
        store = cls(
            Path(os.path.abspath(path)),
            busy_timeout=busy_timeout,
            notice=notice,
            clock=clock or (lambda: datetime.now(UTC)),
        )
        store._connection(create=create)
        return store

    def _connection(self, *, create: bool = True) -> sqlite3.Connection:
        """This thread's connection, opened (and the file checked) on first use."""
        if os.getpid() != self._pid:
            raise StoreError("the cache cannot be used from a forked process")
        local = self._local
        conn: sqlite3.Connection | None = getattr(local, "conn", None)
        if conn is not None and local.generation == self._generation:
            return conn
        if self._closed:
            raise StoreError("the cache is closed")
        generation = self._generation
        try:
            conn, recovered, read_only = db.open_database(
                self.path,
                create=create,
                busy_timeout=self._busy_timeout,
                notice=self._notice,
                now=self._clock,
            )
        except sqlite3.Error as error:
            raise self._translate(error) from None
        except OSError as error:
            raise StoreError(
                f"cannot open the cache {self.path}: {error.strerror or error}"
            ) from None
        if recovered is not None:
            self.recovered = recovered
        self.read_only = read_only
        with self._lock:
            alive = []
            for owner, other in self._connections:
                thread = owner()
                if thread is None or not thread.is_alive():
                    other.close()  # its thread is gone: nobody else may use it
                else:
                    alive.append((owner, other))
            alive.append((weakref.ref(threading.current_thread()), conn))
            self._connections = alive
        local.conn, local.generation = conn, generation
        return conn

    def _close_connections(self) -> None:
        with self._lock:
            connections, self._connections = self._connections, []
        for _, conn in connections:
            conn.close()
        self._local = threading.local()

    def limit_page_cache(self, kib: int) -> None:
        """Keep at most ``kib`` KiB of pages in this thread's connection (16 MiB by
        default, for the reader's queries). A thread that only writes new rows, as a
        sync's writer does, rereads little: 4 MiB wrote a cold sync of 10,000 articles
        as fast and with 13 MB less memory. Until the connection is made again."""
        self._run(lambda conn: conn.execute(f"PRAGMA cache_size = -{int(kib)}"))

    def close(self) -> None:
        """Close every connection once the calls in flight in other threads are done
        (closing a connection under a running statement would crash); the last one to
        close checkpoints the WAL. Later calls raise StoreError."""
        with self._gate:
            self._closed = True
            while self._active or self._repairing:
                self._gate.wait()
        self._close_connections()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()

    def recover(self) -> Path:
        """Set the cache aside and salvage it into a fresh one, now (what a damaged
        read does by itself); call it when no other thread is using the store.
        Returns where the damaged copy went."""
        from newsreader.store import repair

        self._repair(self._generation, repair.repair_count(self.path), "asked for", force=True)
        assert self.recovered is not None
        return self.recovered

    def _repair(self, generation: int, seen: int, reason: str, *, force: bool = False) -> None:
        """Mend the damage one call met (once, whichever thread sees it first)."""
        from newsreader.store import repair

        with self._gate:
            while self._repairing:
                self._gate.wait()
            if self._generation != generation and not force:
                return  # another thread has just mended it
            if self._repair_failed is not None:
                raise StoreCorruptError(self._repair_failed)
            self._repairing = True
            while self._active:
                self._gate.wait()
        try:
            # The copy of the damage is made while the connections are still open (a
            # closing connection may checkpoint into the file); then they all close.
            moved = repair.recover(
                self.path,
                reason,
                seen=-1 if force else seen,
                busy_timeout=self._busy_timeout,
                now=self._clock,
                notice=self._notice,
                release=self._close_connections,
            )
            if moved is not None:
                self.recovered = moved
        except StoreError as error:
            self._repair_failed = str(error)
            raise StoreCorruptError(str(error)) from None
        finally:
            with self._gate:
                self._repairing = False
                self._generation += 1
                self._gate.notify_all()

    # --- plumbing ----------------------------------------------------------------------

    def _now(self) -> str:
        return utc(self._clock())

    def _translate(self, error: sqlite3.Error) -> StoreError:
        code = db.error_code(error)
        if db.is_damage(error):
            return StoreCorruptError(f"the cache {self.path} is damaged ({error})")
        if db.is_busy(error):
            return StoreError(
                "the cache is busy: another newsreader has been writing to it "
                f"for over {self._busy_timeout:g} s; try again"
            )
        if code == db.SQLITE_FULL:
            return StoreError(
                f"the disk of the cache {self.path} is full: nothing was changed; "
                "free some space and try again"
            )
        if code == db.SQLITE_READONLY:
            return StoreReadOnlyError(
                f"the cache {self.path} is read-only: reading works, changes cannot be saved"
            )
        if code in (db.SQLITE_CANTOPEN, db.SQLITE_PERM):
            return StoreError(f"cannot open the cache {self.path}: permission denied or missing")
        if code == db.SQLITE_IOERR:
            return StoreError(f"the disk of the cache {self.path} failed ({error}); try again")
        return StoreError(f"cache error: {error}")

    def _run(self, work: Callable[[sqlite3.Connection], T], *, write: bool = False) -> T:
        """Run ``work`` in one transaction, waiting out other writers, mending damage.

        SQLite's busy handler covers almost every wait; the loop covers the few cases
        where SQLite reports "busy" without waiting (e.g. a WAL being recovered).
        """
        if write and self.read_only:
            raise StoreReadOnlyError(
                f"the cache {self.path} is read-only: reading works, changes cannot be saved"
            )
        deadline = time.monotonic() + self._busy_timeout
        delay = 0.005
        repaired = False
        while True:
            damage: tuple[int, int, str] | None = None
            with self._gate:
                while self._repairing:
                    self._gate.wait()
                if self._closed:
                    raise StoreError("the cache is closed")
                self._active += 1
                generation = self._generation
            try:
                conn = self._connection()
                with db.transaction(conn, write=write):
                    return work(conn)
            except sqlite3.ProgrammingError:
                raise
            except sqlite3.Error as error:
                if db.is_busy(error) and time.monotonic() < deadline:
                    time.sleep(delay)
                    delay = min(delay * 2, 0.25)
                    continue
                if not db.is_damage(error) or repaired or self.read_only:
                    raise self._translate(error) from None
                from newsreader.store import repair

                damage = (generation, repair.repair_count(self.path), str(error))
            finally:
                with self._gate:
                    self._active -= 1
                    self._gate.notify_all()
            assert damage is not None
            self._repair(*damage)
            repaired = True
