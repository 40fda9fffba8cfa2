"""What the reader did: read and starred articles, and the UI state it remembers.

Reading state lives in ``reader_state``, apart from the content a sync rewrites (see
:mod:`newsreader.store.schema`), so it survives every re-sync; the section counts
follow it through triggers. UI state is a small key → JSON table (last section, last
article, theme...).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import Any

from newsreader.store.base import StoreBase

__all__ = ["JSONValue", "ReaderStateMixin"]

JSONValue = Any
"""What UI state may hold: anything :func:`json.dumps` accepts."""

_STORY = """(
    WITH chosen(rid, first) AS (
        SELECT rid, coalesce(story_of, rid) FROM articles
        WHERE id IN (SELECT value FROM json_each(:keys)))
    SELECT rid FROM chosen UNION SELECT first FROM chosen
    UNION SELECT o.rid FROM articles AS o JOIN chosen AS c ON o.story_of = c.first)"""
"""The rids of the articles ``:keys`` (JSON ids) and of every article of their stories."""

_MARK_READ = f"""
UPDATE reader_state SET read = 1, read_at = :now,
    read_version = (SELECT version FROM articles WHERE rid = reader_state.rid)
WHERE rid IN {_STORY}
    AND (read = 0 OR read_version < (SELECT version FROM articles WHERE rid = reader_state.rid))
"""  # noqa: S608 - this module's constants only
_MARK_UNREAD = f"""
UPDATE reader_state SET read = 0, read_at = NULL WHERE read = 1 AND rid IN {_STORY}
"""  # noqa: S608 - this module's constants only


class ReaderStateMixin(StoreBase):
    """Marking articles read or starred; remembering UI state."""

    def mark_read(self, ids: str | Iterable[str], read: bool = True) -> int:
        """Mark articles read (which also clears "updated since read") or unread, with
        every other article of their story (the same story from another source, see
        migration 4 in :mod:`newsreader.store.schema`). Returns how many changed;
        unknown ids are ignored."""
        keys = json.dumps([ids] if isinstance(ids, str) else list(ids))
        if read:
            sql = _MARK_READ
            params: dict[str, Any] = {"now": self._now(), "keys": keys}
        else:
            sql, params = _MARK_UNREAD, {"keys": keys}
        return self._run(lambda conn: int(conn.execute(sql, params).rowcount), write=True)

    def set_starred(self, ids: str | Iterable[str], starred: bool = True) -> int:
        """Star or unstar articles; returns how many changed."""
        keys = json.dumps([ids] if isinstance(ids, str) else list(ids))
        return self._run(
            lambda conn: int(
                conn.execute(
                    "UPDATE reader_state SET starred = ?, starred_at = ? WHERE starred != ? AND rid IN"
                    " (SELECT rid FROM articles WHERE id IN (SELECT value FROM json_each(?)))",
                    (int(starred), self._now() if starred else None, int(starred), keys),
                ).rowcount
            ),
            write=True,
        )

    def mark_all_read(self, *, section: str | None = None, source: str | None = None) -> int:
        """Mark everything (or one section, or one source) read; returns how many."""
        sql = (
            "UPDATE reader_state SET read = 1, read_at = :now, read_version ="
            " (SELECT version FROM articles WHERE rid = reader_state.rid)"
            " WHERE read = 0 AND rid IN (SELECT rid FROM articles WHERE"
            " (:section IS NULL OR section_id ="
            "  (SELECT id FROM sections WHERE name = :section)) AND"
            " (:source IS NULL OR source_id = (SELECT id FROM sources WHERE name = :source)))"
        )
        return self._run(
            lambda conn: int(
                conn.execute(
                    sql, {"now": self._now(), "section": section, "source": source}
                ).rowcount
            ),
            write=True,
        )

    def ui_state(self, key: str, default: JSONValue = None) -> JSONValue:
        """A remembered UI value (last section, last article, scroll, theme...)."""
        row = self._run(
            lambda conn: conn.execute("SELECT value FROM ui_state WHERE key = ?", (key,)).fetchone()
        )
        return default if row is None else json.loads(row[0])

    def set_ui_state(self, key: str, value: JSONValue) -> None:
        """Remember a UI value (JSON-encoded; None forgets it)."""
        if value is None:
            self._run(
                lambda conn: conn.execute("DELETE FROM ui_state WHERE key = ?", (key,)), write=True
            )
            return
        encoded = json.dumps(value, ensure_ascii=False)
        self._run(
            lambda conn: conn.execute(
                "INSERT INTO ui_state (key, value) VALUES (?, ?)"
                " ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, encoded),
            ),
            write=True,
        )
