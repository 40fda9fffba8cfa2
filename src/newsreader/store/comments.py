"""Comments: the last fetched comments of an article, kept for offline reading.

They are a copy of what the comment feed (or the page) held at the last successful
fetch, replaced whole by the next one: a fetch that fails never reaches the store, so
it cannot blank them. Cleaned again on the way in, as article bodies are.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable

from newsreader.content.dates import utc_key
from newsreader.content.sanitize import clean_line, clean_text, safe_url
from newsreader.models import Comment
from newsreader.rows import CachedComments
from newsreader.store.base import StoreBase

__all__ = ["CommentsMixin"]


def _date(value: str | None) -> str | None:
    value = clean_line(value)
    return value if utc_key(value) else None


def _row(rid: int, position: int, comment: Comment) -> tuple[object, ...]:
    return (
        rid,
        position,
        clean_line(comment.id),
        clean_line(comment.parent),
        clean_line(comment.author),
        _date(comment.published),
        safe_url(comment.url),
        clean_text(comment.markdown or ""),
        clean_text(comment.text or ""),
    )


class CommentsMixin(StoreBase):
    """Storing and reading an article's cached comments."""

    def set_comments(self, ref: str, comments: Iterable[Comment]) -> bool:
        """Replace the cached comments of article ``ref`` (an id) with ``comments``, in
        reading order, in one transaction; its comment count becomes theirs. False
        when the article is not cached."""
        comments = list(comments)

        def work(conn: sqlite3.Connection) -> bool:
            found = conn.execute("SELECT rid FROM articles WHERE id = ?", (ref,)).fetchone()
            if found is None:
                return False
            rid = found[0]
            conn.execute("DELETE FROM comments WHERE rid = ?", (rid,))
            conn.executemany(
                "INSERT INTO comments (rid, position, id, parent, author, published, url,"
                " markdown, text) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                [_row(rid, position, comment) for position, comment in enumerate(comments)],
            )
            conn.execute(
                "UPDATE articles SET comments_fetched_at = ?, comment_count = ? WHERE rid = ?",
                (self._now(), len(comments), rid),
            )
            return True

        return self._run(work, write=True)

    def comments(self, ref: str) -> CachedComments | None:
        """The cached comments of article ``ref`` (an id); None when the article is
        not cached. ``fetched_at`` is None when they were never fetched."""

        def work(conn: sqlite3.Connection) -> CachedComments | None:
            found = conn.execute(
                "SELECT rid, comments_fetched_at FROM articles WHERE id = ?", (ref,)
            ).fetchone()
            if found is None:
                return None
            rows = conn.execute(
                "SELECT id, parent, author, published, url, markdown, text FROM comments"
                " WHERE rid = ? ORDER BY position",
                (found[0],),
            ).fetchall()
            return CachedComments(tuple(Comment(*row) for row in rows), found[1])

        return self._run(work)
