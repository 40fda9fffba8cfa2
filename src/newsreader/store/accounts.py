"""Aggregator accounts in the cache: the server's items mapped to our articles, the
account's subscriptions, and the offline queue of read/starred changes.

The queue fills itself: triggers on ``reader_state`` (see the accounts' migration in
:mod:`newsreader.store.schema`) queue every change of an article that came from an
account, however it was made (the reader, ``mark``, a story read in another source).
What the sync applies from the server runs with ``account_applying.active`` set inside
its own transaction, so it is never queued back; the flag is cleared before the commit,
so no other connection ever sees it set.

Server item ids are unsigned 64-bit numbers; SQLite's integers are signed, so they are
stored shifted into the signed range (:func:`_signed`) and shifted back when read.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Sequence
from typing import NamedTuple

from newsreader.content.sanitize import clean_line
from newsreader.errors import StoreError
from newsreader.store.base import StoreBase
from newsreader.store.upsert import PreparedBatch, UpsertResult, upsert

__all__ = ["AccountFeed", "AccountItem", "AccountsMixin", "QueuedChange"]

_TOP = 1 << 63
_CHUNK = 5000


def _signed(number: int) -> int:
    return number - (1 << 64) if number >= _TOP else number


def _unsigned(number: int) -> int:
    return number + (1 << 64) if number < 0 else number


class QueuedChange(NamedTuple):
    """A read or starred change made here, not yet on the server."""

    item: int
    field: str
    """``read`` or ``starred``."""
    value: bool
    base: bool
    """The value before the first queued change (what the server had at the last sync)."""
    changed_at: float
    """Unix seconds of the latest change."""
    revision: int = 0
    """How many times it changed since queued (settling spares a newer revision)."""


class AccountItem(NamedTuple):
    """One server item as it is stored: which article, which feed, which state."""

    article_id: str
    item: int
    feed: str | None
    read: bool
    starred: bool


class AccountFeed(NamedTuple):
    """One subscription of an account, as the server last listed it."""

    stream: str
    title: str | None
    url: str | None
    folder: str | None


def _source_id(conn: sqlite3.Connection, name: str) -> int:
    found = conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
    if found is None:
        raise StoreError(f"unknown source: {name!r}")
    return int(found[0])


def _applying(conn: sqlite3.Connection, active: bool) -> None:
    conn.execute("UPDATE account_applying SET active = ? WHERE id = 1", (int(active),))


def _load_ids(conn: sqlite3.Connection, table: str, numbers: Iterable[int]) -> None:
    """A temporary table of item ids (one connection's, gone at its close)."""
    conn.execute(f"CREATE TEMP TABLE IF NOT EXISTS {table} (item INTEGER PRIMARY KEY)")
    conn.execute(f"DELETE FROM temp.{table}")  # noqa: S608 - this module's names
    batch: list[tuple[int]] = []
    for number in numbers:
        batch.append((_signed(number),))
        if len(batch) >= _CHUNK:
            conn.executemany(f"INSERT OR IGNORE INTO temp.{table} VALUES (?)", batch)  # noqa: S608
            batch = []
    conn.executemany(f"INSERT OR IGNORE INTO temp.{table} VALUES (?)", batch)  # noqa: S608


_MINE = (
    "SELECT i.rid, i.item FROM account_items AS i WHERE i.source_id = :source"
    " AND NOT EXISTS (SELECT 1 FROM account_queue AS q"
    " WHERE q.source_id = i.source_id AND q.item = i.item)"
)
"""The account's items that have no change queued."""
_APPLY = (
    (
        "read = 1, read_at = :now,"
        " read_version = (SELECT version FROM articles WHERE rid = reader_state.rid)",
        "read = 0",
        "NOT IN",
        "server_unread",
    ),
    ("read = 0, read_at = NULL", "read = 1", "IN", "server_unread"),
    ("starred = 1, starred_at = :now", "starred = 0", "IN", "server_starred"),
    ("starred = 0, starred_at = NULL", "starred = 1", "NOT IN", "server_starred"),
)
"""How the server's state is applied: (assignment, current state, membership, list)."""


class AccountsMixin(StoreBase):
    """What the account kind and the ``--account`` commands keep in the cache."""

    def account_items(self, name: str) -> set[int]:
        """The server ids of every item of account ``name`` the cache holds."""

        def work(conn: sqlite3.Connection) -> set[int]:
            source_id = _source_id(conn, name)
            return {
                _unsigned(row[0])
                for row in conn.execute(
                    "SELECT item FROM account_items WHERE source_id = ?", (source_id,)
                )
            }

        return self._run(work)

    def store_account_items(
        self, name: str, batch: PreparedBatch, items: Sequence[AccountItem]
    ) -> UpsertResult:
        """Store a page of the account's items and map them to their articles, in one
        transaction. A newly mapped item takes the server's read and starred state
        (not queued: it is the server's)."""

        def work(conn: sqlite3.Connection) -> UpsertResult:
            source_id = _source_id(conn, name)
            result = upsert(conn, name, list(batch.rows), self._now(), defer_index=True)
            new = []
            for item in items:
                found = conn.execute(
                    "SELECT rid FROM articles WHERE id = ?", (item.article_id,)
                ).fetchone()
                if found is None:
                    continue
                inserted = conn.execute(
                    "INSERT OR IGNORE INTO account_items (source_id, item, rid, feed)"
                    " VALUES (?, ?, ?, ?)",
                    (source_id, _signed(item.item), found[0], item.feed),
                ).rowcount
                if inserted:
                    new.append((int(item.read), int(item.starred), found[0]))
            _applying(conn, True)
            conn.executemany(
                "UPDATE reader_state SET read = ?1, starred = ?2,"
                " read_at = CASE WHEN ?1 THEN coalesce(read_at, ?4) END,"
                " read_version = CASE WHEN ?1 THEN"
                "  (SELECT version FROM articles WHERE rid = ?3) ELSE read_version END,"
                " starred_at = CASE WHEN ?2 THEN coalesce(starred_at, ?4) END"
                " WHERE rid = ?3 AND (read != ?1 OR starred != ?2)",
                [(*state, self._now()) for state in new],
            )
            _applying(conn, False)
            return result

        return self._run(work, write=True)

    def apply_account_state(self, name: str, unread: Iterable[int], starred: Iterable[int]) -> int:
        """Make the cache show the server's state: every item of the account is read
        unless ``unread`` lists it, starred when ``starred`` lists it. Items with a
        queued change are left alone (that change is newer). Returns how many articles
        changed."""

        def work(conn: sqlite3.Connection) -> int:
            source_id = _source_id(conn, name)
            _load_ids(conn, "server_unread", unread)
            _load_ids(conn, "server_starred", starred)
            _applying(conn, True)
            params = {"source": source_id, "now": self._now()}
            changed = 0
            for assign, when, member, table in _APPLY:
                changed += conn.execute(
                    f"UPDATE reader_state SET {assign} WHERE {when} AND rid IN (SELECT rid FROM ({_MINE}) AS m WHERE m.item {member} (SELECT item FROM temp.{table}))",  # noqa: S608 - this module's constants
                    params,
                ).rowcount
            _applying(conn, False)
            conn.execute("DELETE FROM temp.server_unread")
            conn.execute("DELETE FROM temp.server_starred")
            return int(changed)

        return self._run(work, write=True)

    def account_queue(self, name: str) -> list[QueuedChange]:
        """The changes made here that the server has not been told about yet."""

        def work(conn: sqlite3.Connection) -> list[QueuedChange]:
            source_id = _source_id(conn, name)
            return [
                QueuedChange(_unsigned(item), field, bool(value), bool(base), changed_at, revision)
                for item, field, value, base, changed_at, revision in conn.execute(
                    "SELECT item, field, value, base, changed_at, revision FROM account_queue"
                    " WHERE source_id = ? ORDER BY item, field",
                    (source_id,),
                )
            ]

        return self._run(work)

    def settle_account_queue(
        self,
        name: str,
        sent: Sequence[QueuedChange],
        server_won: Sequence[QueuedChange] = (),
    ) -> None:
        """Take replayed changes off the queue. ``sent`` reached the server; for
        ``server_won`` the server's newer state (the opposite of the queued value) is
        applied here. A change made again meanwhile (a newer revision) stays."""

        def work(conn: sqlite3.Connection) -> None:
            source_id = _source_id(conn, name)
            settled = [*sent, *server_won]
            conn.executemany(
                "DELETE FROM account_queue WHERE source_id = ? AND item = ? AND field = ?"
                " AND revision = ?",
                [(source_id, _signed(c.item), c.field, c.revision) for c in settled],
            )
            _applying(conn, True)
            for change in server_won:
                column = "read" if change.field == "read" else "starred"
                conn.execute(
                    f"UPDATE reader_state SET {column} = ? WHERE rid IN"  # noqa: S608
                    " (SELECT rid FROM account_items WHERE source_id = ? AND item = ?)"
                    " AND NOT EXISTS (SELECT 1 FROM account_queue WHERE source_id = ?"
                    "  AND item = ? AND field = ?)",
                    (
                        int(not change.value),
                        source_id,
                        _signed(change.item),
                        source_id,
                        _signed(change.item),
                        change.field,
                    ),
                )
            _applying(conn, False)

        self._run(work, write=True)

    def set_account_feeds(self, name: str, feeds: Sequence[AccountFeed]) -> None:
        """Remember the account's subscriptions as the server lists them now."""

        def work(conn: sqlite3.Connection) -> None:
            source_id = _source_id(conn, name)
            conn.execute("DELETE FROM account_feeds WHERE source_id = ?", (source_id,))
            conn.executemany(
                "INSERT OR REPLACE INTO account_feeds (source_id, stream, title, url, folder)"
                " VALUES (?, ?, ?, ?, ?)",
                [
                    (source_id, f.stream, clean_line(f.title), f.url, clean_line(f.folder))
                    for f in feeds
                ],
            )

        self._run(work, write=True)

    def account_feeds(self, name: str) -> list[AccountFeed]:
        """The account's subscriptions as the last sync saw them (by title)."""

        def work(conn: sqlite3.Connection) -> list[AccountFeed]:
            found = conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
            if found is None:
                return []
            return [
                AccountFeed(*row)
                for row in conn.execute(
                    "SELECT stream, title, url, folder FROM account_feeds WHERE source_id = ?"
                    " ORDER BY title COLLATE NOCASE",
                    (found[0],),
                )
            ]

        return self._run(work)

    def remove_account_feed(self, name: str, stream: str) -> int:
        """Forget one subscription of an account and its articles, except starred ones
        (as removing a source does). Returns how many articles went."""

        def work(conn: sqlite3.Connection) -> int:
            found = conn.execute("SELECT id FROM sources WHERE name = ?", (name,)).fetchone()
            if found is None:
                return 0
            source_id = found[0]
            rids = json.dumps(
                [
                    row[0]
                    for row in conn.execute(
                        "SELECT rid FROM account_items WHERE source_id = ? AND feed = ?",
                        (source_id, stream),
                    )
                ]
            )
            conn.execute(
                "DELETE FROM account_queue WHERE source_id = ? AND item IN"
                " (SELECT item FROM account_items WHERE source_id = ? AND feed = ?)",
                (source_id, source_id, stream),
            )
            deleted = conn.execute(
                "DELETE FROM articles WHERE source_id = ? AND rid IN"
                " (SELECT value FROM json_each(?)) AND rid NOT IN"
                " (SELECT rid FROM reader_state WHERE starred = 1)",
                (source_id, rids),
            ).rowcount
            conn.execute(
                "DELETE FROM account_feeds WHERE source_id = ? AND stream = ?",
                (source_id, stream),
            )
            return int(deleted)

        return self._run(work, write=True)
