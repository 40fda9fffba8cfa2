"""The reader's own small values: which section is shown, and one list row.

The store hands out :class:`~newsreader.models.ArticleRef` rows for sections and
:class:`~newsreader.models.SearchHit` rows for searches; the article list shows both,
so both become a :class:`Row`.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal

from newsreader.rows import ArticleRef, SearchHit, StoredArticle, sources_of

__all__ = ["ALL", "STARRED", "UNREAD", "Row", "SectionKey"]

SectionKind = Literal["all", "unread", "starred", "section", "search"]


@dataclass(frozen=True, slots=True)
class SectionKey:
    """One entry of the section list: a virtual section, a real one, or a search."""

    kind: SectionKind
    name: str = ""
    """The section's name, or the search query."""

    @property
    def virtual(self) -> bool:
        """All, Unread, Starred and searches: lists across sources, which show a story
        carried by several sources once."""
        return self.kind != "section"

    @property
    def label(self) -> str:
        """What the section list and the status line call it."""
        if self.kind == "section":
            return self.name
        if self.kind == "search":
            return f"Search: {self.name}"
        return self.kind.capitalize()

    def to_json(self) -> dict[str, str]:
        return {"kind": self.kind, "name": self.name}

    @classmethod
    def from_json(cls, value: Any) -> SectionKey | None:
        """The key saved by :meth:`to_json`, or None for anything else."""
        if not isinstance(value, dict):
            return None
        kind, name = value.get("kind"), value.get("name", "")
        if kind not in ("all", "unread", "starred", "section", "search"):
            return None
        if not isinstance(name, str) or (kind in ("section", "search") and not name):
            return None
        return cls(kind, name)


ALL = SectionKey("all")
UNREAD = SectionKey("unread")
STARRED = SectionKey("starred")


@dataclass(frozen=True, slots=True)
class Row:
    """One article in the article list."""

    id: str
    title: str | None
    source: str | None
    section: str | None
    sort_key: str
    read: bool | None
    """None when not known (an article opened from a location)."""
    starred: bool
    updated: bool
    """Read, then changed by a later sync."""
    ref: ArticleRef | None = None
    """The store row, the cursor for the next page (None for search results)."""
    also: tuple[str, ...] = ()
    """The other sources that carry the same story."""
    snippet: str = ""
    """A search result's matching passage (plain text)."""
    highlights: tuple[tuple[int, int], ...] = ()
    """The matched words in :attr:`snippet`, as ``(start, end)`` offsets."""
    minutes: int | None = None
    """Reading time (None while the cache has not counted it)."""
    comments: int | None = None
    """Comment count, as the feed announced it or as many as were fetched."""

    @classmethod
    def from_ref(cls, ref: ArticleRef) -> Row:
        return cls(
            id=ref.id,
            title=ref.title,
            source=ref.source,
            section=ref.section,
            sort_key=ref.sort_key,
            read=ref.read,
            starred=ref.starred,
            updated=ref.updated_since_read,
            ref=ref,
            also=sources_of(ref.also, ref.source),
            minutes=ref.minutes,
            comments=ref.comment_count,
        )

    @classmethod
    def from_stored(cls, stored: StoredArticle) -> Row:
        """The row of an article just opened (its list row may not be loaded)."""
        return cls(
            id=stored.article.id,
            title=stored.article.title,
            source=stored.source,
            section=stored.article.section,
            sort_key=stored.fetched_at,
            read=stored.read,
            starred=stored.starred,
            updated=stored.updated_since_read,
            minutes=stored.minutes,
            comments=stored.article.comment_count,
        )

    @classmethod
    def from_hit(cls, hit: SearchHit) -> Row:
        return cls(
            id=hit.id,
            title=hit.title,
            source=hit.source,
            section=hit.section,
            sort_key=hit.sort_key,
            read=hit.read,
            starred=hit.starred,
            updated=hit.updated_since_read,
            also=sources_of(hit.also, hit.source),
            snippet=hit.snippet,
            highlights=hit.highlights,
            minutes=hit.minutes,
            comments=hit.comment_count,
        )

    @property
    def unread(self) -> bool:
        return self.read is False or self.updated
