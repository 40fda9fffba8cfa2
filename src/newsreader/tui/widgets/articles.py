"""The article list: a page of rows at a time from the store, drawn with the line API."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.message import Message
from textual.strip import Strip

from newsreader.table import cell_width, truncate
from newsreader.tui.model import Row
from newsreader.tui.text import age, one_line
from newsreader.tui.widgets.rowlist import RowList

__all__ = ["ArticleList"]

MORE_AHEAD = 30
"""Ask for the next page when the cursor or the view comes this close to the end."""
SOURCE_WIDTH = 18
"""Widest the source column gets (a fifth of the list, at least 10 cells)."""
SOURCE_FROM = 46
"""Narrower lists leave the source out: the title needs the room more."""
AGE_WIDTH = 6


class ArticleList(RowList):
    """Titles, sources and ages; unread rows marked; more rows fetched on demand.

    | Key | Action |
    |---|---|
    | `j`/`k`, `down`/`up` | Next / previous article |
    | `g`/`G`, `home`/`end` | First / last loaded article |
    | `pagedown`/`pageup` | A screenful down / up |
    | `enter`, click | Open the article |

    Markers: `●` unread, `↻` changed since read, `★` starred. Titles are cut by
    terminal cells, so CJK and emoji keep the source and age columns aligned.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *RowList.COMPONENT_CLASSES,
        "article-list--unread",
        "article-list--read",
        "article-list--marker",
        "article-list--star",
        "article-list--source",
        "article-list--age",
        "article-list--more",
    }

    class ArticleSelected(Message):
        """``enter`` or a click on an article: open it."""

        def __init__(self, article_list: ArticleList, row: Row) -> None:
            super().__init__()
            self.article_list = article_list
            self.row = row

        @property
        def control(self) -> ArticleList:
            return self.article_list

    class MoreWanted(Message):
        """The reader is near the end of the loaded rows and there are more."""

        def __init__(self, article_list: ArticleList, generation: int) -> None:
            super().__init__()
            self.article_list = article_list
            self.generation = generation

        @property
        def control(self) -> ArticleList:
            return self.article_list

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: list[Row] = []
        """The loaded rows, newest first."""
        self.has_more = False
        """The store holds rows past the last loaded one."""
        self.generation = 0
        """Bumped whenever the list is replaced: results for an older one are stale."""
        self.now = datetime.now(UTC)
        """The instant ages are counted from (the app's clock sets it)."""
        self._asked = False
        self._index: dict[str, int] = {}

    @property
    def row_count(self) -> int:
        return len(self.rows) + (1 if self.has_more else 0)

    @property
    def current(self) -> Row | None:
        """The row under the cursor."""
        return self.rows[self.cursor] if self.cursor < len(self.rows) else None

    def index_of(self, article_id: str) -> int | None:
        return self._index.get(article_id)

    # -- data from the screen ------------------------------------------------------------

    def set_rows(
        self,
        rows: Sequence[Row],
        *,
        has_more: bool,
        keep: str | None = None,
        reset: bool = False,
    ) -> None:
        """Show ``rows``. With ``keep`` (an article id), the cursor stays on that
        article and the view scrolls by as many rows as were added above it, so the
        reader sees the same lines; with ``reset`` the list starts from the top."""
        old_index = self._index.get(keep) if keep else None
        self.rows = list(rows)
        self._index = {row.id: number for number, row in enumerate(self.rows)}
        self.has_more = has_more
        self._asked = False
        if reset:
            self.generation += 1
            self.cursor = 0
            self.rows_changed(keep_scroll=False)
            return
        new_index = self._index.get(keep) if keep else None
        if new_index is not None:
            shift = new_index - (old_index if old_index is not None else self.cursor)
            self.cursor = new_index
            self.rows_changed()
            if shift:
                self.scroll_to(y=max(0, int(self.scroll_y) + shift), animate=False)
        else:
            self.rows_changed()
        self._maybe_ask()

    def append_rows(self, rows: Sequence[Row], *, has_more: bool) -> None:
        """Add the next page."""
        for row in rows:
            if row.id not in self._index:  # a sync may have shifted a row across pages
                self._index[row.id] = len(self.rows)
                self.rows.append(row)
        self.has_more = has_more
        self._asked = False
        self.rows_changed()
        self._maybe_ask()

    def update_row(self, article_id: str, **changes: Any) -> Row | None:
        """Change one row in place (read, starred...); returns the new row."""
        index = self._index.get(article_id)
        if index is None:
            return None
        row = replace(self.rows[index], **changes)
        self.rows[index] = row
        self.refresh_row(index)
        return row

    # -- cursor --------------------------------------------------------------------------

    def cursor_moved(self, index: int) -> None:
        self._maybe_ask()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._maybe_ask()

    def _maybe_ask(self) -> None:
        if not self.has_more or self._asked:
            return
        bottom = max(self.cursor, int(self.scroll_y) + self.scrollable_content_region.height)
        if bottom >= len(self.rows) - MORE_AHEAD:
            self._asked = True
            self.post_message(self.MoreWanted(self, self.generation))

    def row_chosen(self, index: int) -> None:
        if index < len(self.rows):
            self.post_message(self.ArticleSelected(self, self.rows[index]))

    def move_to(self, article_id: str, *, notify: bool = False) -> bool:
        """Put the cursor on an article if it is loaded."""
        index = self._index.get(article_id)
        if index is None:
            return False
        self.move_cursor(index, notify=notify)
        return True

    # -- drawing -------------------------------------------------------------------------

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(name, partial=True)

    def render_row(self, index: int, width: int) -> Strip:
        if index >= len(self.rows):
            return Strip([Segment("  loading more…", self._style("article-list--more"))])
        row = self.rows[index]
        marker = "↻" if row.updated else "●" if row.read is False else " "
        star = "★" if row.starred else " "
        when = age(row.sort_key, self.now)
        show_source = width >= SOURCE_FROM
        source_width = min(SOURCE_WIDTH, max(width // 5, 10)) if show_source else 0
        fixed = 4 + AGE_WIDTH + (source_width + 2 if show_source else 0) + 1
        title_room = max(width - fixed, 4)
        title = truncate(one_line(row.title, "(untitled)"), title_room)
        title_style = self._style("article-list--unread" if row.unread else "article-list--read")
        segments = [
            Segment(" "),
            Segment(marker, self._style("article-list--marker")),
            Segment(star, self._style("article-list--star")),
            Segment(" "),
            Segment(title, title_style),
            Segment(" " * (title_room - cell_width(title))),
        ]
        if show_source:
            source = truncate(one_line(row.source), source_width)
            segments += [
                Segment("  "),
                Segment(source, self._style("article-list--source")),
                Segment(" " * (source_width - cell_width(source))),
            ]
        segments += [
            Segment(" " + when.rjust(AGE_WIDTH), self._style("article-list--age")),
        ]
        return Strip(segments)
