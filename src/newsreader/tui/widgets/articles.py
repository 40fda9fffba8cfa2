"""The article list: a page of rows at a time from the store, drawn with the line API.

Columns are sized from what they hold: the source column is as wide as the longest
source name loaded (up to :data:`SOURCE_WIDTH`), the title gets the rest. A search
result takes two lines: its row, then the matching passage with the matched words
highlighted.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.content import Content
from textual.message import Message
from textual.strip import Strip

from newsreader.table import cell_width, truncate
from newsreader.tui.model import Row
from newsreader.tui.text import age, one_line
from newsreader.tui.widgets.rowlist import RowList

__all__ = ["ArticleList"]

MORE_AHEAD = 30
"""Ask for the next page when the cursor or the view comes this close to the end."""
SOURCE_WIDTH = 24
"""Widest the source column gets (and at most a third of the list)."""
SOURCE_FROM = 46
"""Narrower lists leave the source out: the title needs the room more."""
AGE_WIDTH = 6
GAP = 2
"""Cells between the title, the source and the age: a date never runs into a name."""
SNIPPET_INDENT = 4
"""A search result's passage starts under its title."""
TIME_WIDTH = 7
"""The reading time column: ``4 min`` … ``999 min``."""
COMMENTS_WIDTH = 5
"""The comment count column: ``❝12``, up to ``❝9999``."""
DETAILS_FROM = 60
"""Narrower lists leave reading times and comment counts out."""
COMMENT_MARK = "❝"
"""Before a comment count (a quotation mark: what others said)."""


def reading_time(minutes: int | None) -> str:
    """``4 min``; empty when unknown or no text."""
    if not minutes:
        return ""
    return f"{min(minutes, 999)} min"


def comment_label(count: int | None) -> str:
    """``❝12``; empty for none."""
    if not count:
        return ""
    return f"{COMMENT_MARK}{min(count, 9999)}"


class ArticleList(RowList):
    """Titles, sources and ages; unread rows marked; more rows fetched on demand.

    | Key | Action |
    |---|---|
    | `j`/`k`, `down`/`up` | Next / previous article |
    | `g`/`G`, `home`/`end` | First / last article of the list (read from the store) |
    | `pagedown`/`pageup` | A screenful down / up |
    | `enter`, click | Open the article |

    Markers: `●` unread, `↻` changed since read, `★` starred; `+1` after the source: one
    more source carries the story. Before the source, the reading time (`4 min`) and
    the comment count (`❝12`), when the list is wide enough and some row has one.
    Titles are cut by terminal cells, so CJK and emoji keep the columns aligned.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *RowList.COMPONENT_CLASSES,
        "article-list--unread",
        "article-list--read",
        "article-list--marker",
        "article-list--star",
        "article-list--source",
        "article-list--age",
        "article-list--details",
        "article-list--more",
        "article-list--snippet",
        "article-list--match",
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

    class EarlierWanted(MoreWanted):
        """The reader is near the first loaded row of a list read from its end."""

    class EndWanted(MoreWanted):
        """``G`` with rows past the loaded ones: the last page is wanted."""

    class StartWanted(MoreWanted):
        """``g`` in a list read from its end: the first page is wanted."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.rows: list[Row] = []
        """The loaded rows, newest first."""
        self.has_more = False
        """The store holds rows past the last loaded one."""
        self.has_before = False
        """The store holds rows above the first loaded one (the list was read from its
        end, with ``G``)."""
        self.first_offset = 0
        """A search's rank of the first loaded row (0 unless read from the end)."""
        self.generation = 0
        """Bumped whenever the list is replaced: results for an older one are stale."""
        self.now = datetime.now(UTC)
        """The instant ages are counted from (the app's clock sets it)."""
        self._asked = False
        self._asked_before = False
        self._index: dict[str, int] = {}
        self._source_width = 0
        self._times = False
        self._comments = False
        self.border_title = "Articles"

    @property
    def row_count(self) -> int:
        return len(self.rows) + (1 if self.has_more else 0)

    @property
    def current(self) -> Row | None:
        """The row under the cursor."""
        return self.rows[self.cursor] if self.cursor < len(self.rows) else None

    def index_of(self, article_id: str) -> int | None:
        return self._index.get(article_id)

    def set_title(self, label: str, number: str) -> None:
        """The pane's title: the section's name (untrusted: never markup) and a count."""
        self.border_title = Content(f"{one_line(label)} · {number}")

    # -- data from the screen ------------------------------------------------------------

    def set_rows(
        self,
        rows: Sequence[Row],
        *,
        has_more: bool,
        keep: str | None = None,
        reset: bool = False,
        snippets: bool | None = None,
    ) -> None:
        """Show ``rows``. With ``keep`` (an article id), the cursor stays on that
        article; the view stays at the top if it was there (new articles show), else
        it scrolls by as many rows as were added above, so the reader sees the same
        lines. With ``reset`` the list starts from the top. ``snippets``: rows are
        search results, two lines each."""
        old_index = self._index.get(keep) if keep else None
        was_at_top = int(self.scroll_y) == 0
        if snippets is not None:
            self.row_height = 2 if snippets else 1
        self._replace(rows)
        self.has_more = has_more
        self.has_before = False
        self.first_offset = 0
        if reset:
            self.generation += 1
            self.cursor = 0
            self.rows_changed(keep_scroll=False)
            self._maybe_ask()
            return
        new_index = self._index.get(keep) if keep else None
        if new_index is not None:
            shift = new_index - (old_index if old_index is not None else self.cursor)
            self.cursor = new_index
            self.rows_changed()
            if shift and not was_at_top:
                self.scroll_to(
                    y=max(0, int(self.scroll_y) + shift * self.row_height), animate=False
                )
            self.scroll_cursor_visible()
        else:
            self.rows_changed()
        self._maybe_ask()

    def show_end(self, rows: Sequence[Row], *, more_before: bool, offset: int = 0) -> None:
        """Show the last page of the list (``G``), the cursor on its last row."""
        self.generation += 1
        self._replace(rows)
        self.has_more = False
        self.has_before = more_before
        self.first_offset = offset
        self.cursor = max(len(self.rows) - 1, 0)
        self.rows_changed()
        self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        self.scroll_cursor_visible()
        self.cursor_moved(self.cursor)

    def prepend_rows(self, rows: Sequence[Row], *, more_before: bool, offset: int = 0) -> None:
        """Add the page above the first loaded row; the reader sees the same lines."""
        added = [row for row in rows if row.id not in self._index]
        self._replace([*added, *self.rows])
        self.has_before = more_before
        self.first_offset = offset
        self._asked_before = False
        self.cursor += len(added)
        self.rows_changed()
        if added:
            self.scroll_to(
                y=int(self.scroll_y) + len(added) * self.row_height, animate=False, immediate=True
            )
        self._maybe_ask()

    def append_rows(self, rows: Sequence[Row], *, has_more: bool) -> None:
        """Add the next page."""
        for row in rows:
            if row.id not in self._index:  # a sync may have shifted a row across pages
                self._index[row.id] = len(self.rows)
                self.rows.append(row)
        self.has_more = has_more
        self._asked = False
        self._measure()
        self.rows_changed()
        self._maybe_ask()

    def _replace(self, rows: Sequence[Row]) -> None:
        self.rows = list(rows)
        self._index = {row.id: number for number, row in enumerate(self.rows)}
        self._asked = self._asked_before = False
        self._measure()

    def _measure(self) -> None:
        """The source column's width: the widest source label loaded; whether any
        loaded row has a reading time or comments to show."""
        self._source_width = max((cell_width(self._source(row)) for row in self.rows), default=0)
        self._times = any(row.minutes for row in self.rows)
        self._comments = any(row.comments for row in self.rows)

    def update_row(self, article_id: str, **changes: Any) -> Row | None:
        """Change one row in place (read, starred...); returns the new row."""
        index = self._index.get(article_id)
        if index is None:
            return None
        row = replace(self.rows[index], **changes)
        self.rows[index] = row
        if "comments" in changes and row.comments and not self._comments:
            self._comments = True
            self.refresh()
        self.refresh_row(index)
        return row

    # -- cursor --------------------------------------------------------------------------

    def cursor_moved(self, index: int) -> None:
        self._maybe_ask()

    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._maybe_ask()

    def _maybe_ask(self) -> None:
        near_top = min(self.cursor, self.top_row) <= MORE_AHEAD
        if self.has_before and not self._asked_before and near_top:
            self._asked_before = True
            self.post_message(self.EarlierWanted(self, self.generation))
        if not self.has_more or self._asked:
            return
        bottom = max(self.cursor, self.top_row + self.rows_on_screen)
        if bottom >= len(self.rows) - MORE_AHEAD:
            self._asked = True
            self.post_message(self.MoreWanted(self, self.generation))

    def action_first(self) -> None:
        if self.has_before:
            self.post_message(self.StartWanted(self, self.generation))
            return
        super().action_first()

    def action_last(self) -> None:
        if self.has_more:
            self.post_message(self.EndWanted(self, self.generation))
            return
        super().action_last()

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

    @staticmethod
    def _source(row: Row) -> str:
        source = one_line(row.source)
        return f"{source} +{len(row.also)}" if row.also else source

    def render_row_lines(self, index: int, width: int) -> list[Strip]:
        first = self.render_row(index, width)
        if self.row_height == 1:
            return [first]
        if index >= len(self.rows):
            return [first, Strip.blank(width)]
        return [first, self._snippet_line(self.rows[index], width)]

    def _snippet_line(self, row: Row, width: int) -> Strip:
        """The matching passage under a search result, its matched words highlighted."""
        text = Text(" " * SNIPPET_INDENT, end="", no_wrap=True)
        passage = Text(one_line(row.snippet), style=self._style("article-list--snippet"))
        if len(passage.plain) == len(row.snippet):  # offsets hold only if nothing moved
            match = self._style("article-list--match")
            for start, end in row.highlights:
                passage.stylize(match, start, end)
        text.append_text(passage)
        text.truncate(width, overflow="ellipsis")
        return Strip(list(text.render(self.app.console)), text.cell_len)

    def render_row(self, index: int, width: int) -> Strip:
        if index >= len(self.rows):
            return Strip([Segment("  loading more…", self._style("article-list--more"))])
        row = self.rows[index]
        marker = "↻" if row.updated else "●" if row.read is False else " "
        star = "★" if row.starred else " "
        when = age(row.sort_key, self.now)
        show_source = width >= SOURCE_FROM and self._source_width > 0
        source_width = min(self._source_width, SOURCE_WIDTH, width // 3) if show_source else 0
        show_time = width >= DETAILS_FROM and self._times
        show_comments = width >= DETAILS_FROM and self._comments
        fixed = 4 + (source_width + GAP if show_source else 0) + GAP + AGE_WIDTH + 1
        fixed += (TIME_WIDTH + 1 if show_time else 0) + (COMMENTS_WIDTH + 1 if show_comments else 0)
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
        details = self._style("article-list--details")
        if show_time:
            segments.append(Segment(" " + reading_time(row.minutes).rjust(TIME_WIDTH), details))
        if show_comments:
            label = comment_label(row.comments)
            segments.append(Segment(" " + label.rjust(COMMENTS_WIDTH), details))
        if show_source:
            more = f" +{len(row.also)}" if row.also else ""  # cut the name, never the +1
            source = truncate(one_line(row.source), max(source_width - len(more), 1)) + more
            segments += [
                Segment(" " * GAP),
                Segment(source, self._style("article-list--source")),
                Segment(" " * (source_width - cell_width(source))),
            ]
        segments += [
            Segment(" " * GAP),
            Segment(when.rjust(AGE_WIDTH), self._style("article-list--age")),
            Segment(" "),
        ]
        return Strip(segments)
