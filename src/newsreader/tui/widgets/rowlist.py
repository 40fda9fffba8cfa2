"""A cursor over rows drawn with Textual's line API: the base of both lists.

``ListView`` and ``OptionList`` build a widget (or measure a prompt) per item and slow
down past about a thousand (textual #2783, #5498); a news cache holds a hundred
times that. Here a row is only drawn when it is on screen, from the subclass's data,
and cached as a :class:`~textual.strip.Strip` until the data or the width changes.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["RowList"]


class RowList(ScrollView, can_focus=True):
    """A scrolling list with a cursor; subclasses say how many rows and draw one.

    | Key | Action |
    |---|---|
    | `j`, `down` | Cursor down |
    | `k`, `up` | Cursor up |
    | `g`, `home` | First row |
    | `G`, `end` | Last row |
    | `pagedown`, `pageup` | A screenful down / up |
    | `enter` | Choose the row under the cursor |

    A click moves the cursor and chooses the row; the wheel scrolls. A row may take
    several lines (:attr:`row_height`: a search result and its snippet).
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding(
            "j,down",
            "cursor_down",
            "Down",
            show=False,
            id="cursor-down",
            tooltip="Move down (a line in the article)",
        ),
        Binding(
            "k,up",
            "cursor_up",
            "Up",
            show=False,
            id="cursor-up",
            tooltip="Move up (a line in the article)",
        ),
        Binding("g,home", "first", "Top", show=False, id="top", tooltip="Go to the top"),
        Binding(
            "G,end",
            "last",
            "Bottom",
            show=False,
            id="bottom",
            tooltip="Go to the last row (the true end of the list)",
        ),
        Binding(
            "pagedown",
            "page_down_rows",
            "Page down",
            show=False,
            id="list-page-down",
            tooltip="A screenful down",
        ),
        Binding(
            "pageup",
            "page_up_rows",
            "Page up",
            show=False,
            id="list-page-up",
            tooltip="A screenful up",
        ),
        Binding(
            "enter",
            "choose",
            "Open",
            id="open",
            tooltip="Open the article (in the sections: go to its articles)",
        ),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"rowlist--cursor", "rowlist--empty"}

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.cursor = 0
        """Index of the row under the cursor (0 when the list is empty)."""
        self.empty_message = ""
        """Shown, dimmed, when there are no rows."""
        self.row_height = 1
        """Lines each row takes (set before :meth:`rows_changed`)."""
        self._row_cache: LRUCache[int, list[Strip]] = LRUCache(1024)
        self._cache_width = 0

    # -- what subclasses provide ---------------------------------------------------------

    @property
    def row_count(self) -> int:
        """How many rows there are."""
        raise NotImplementedError

    def render_row(self, index: int, width: int) -> Strip:
        """Row ``index`` drawn in ``width`` cells, without the cursor highlight."""
        raise NotImplementedError

    def render_row_lines(self, index: int, width: int) -> list[Strip]:
        """Every line of row ``index`` (:attr:`row_height` of them; one by default)."""
        return [self.render_row(index, width)]

    def cursor_moved(self, index: int) -> None:
        """The cursor came to rest on ``index`` (post a message here)."""

    def row_chosen(self, index: int) -> None:
        """``enter`` or a click on row ``index``."""

    # -- data changes --------------------------------------------------------------------

    def rows_changed(self, *, keep_scroll: bool = True) -> None:
        """Call after the rows changed: re-measure, clamp the cursor, redraw."""
        self._row_cache.clear()
        self.virtual_size = Size(0, self.row_count * self.row_height)
        self.cursor = max(0, min(self.cursor, self.row_count - 1))
        if not keep_scroll:
            self.scroll_to(y=0, animate=False)
        self.refresh()

    def refresh_row(self, index: int) -> None:
        """Redraw one row (its data changed)."""
        self._row_cache.discard(index)
        self._refresh_row_lines(index)

    def _refresh_row_lines(self, index: int) -> None:
        for line in range(self.row_height):
            self.refresh_line(index * self.row_height + line)

    @property
    def rows_on_screen(self) -> int:
        """Whole rows the view shows at once (at least one)."""
        return max(self.scrollable_content_region.height // self.row_height, 1)

    @property
    def top_row(self) -> int:
        """The row at the top of the view."""
        return int(self.scroll_y) // self.row_height

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._row_cache.clear()

    # -- cursor --------------------------------------------------------------------------

    def move_cursor(self, index: int, *, notify: bool = True, center: bool = False) -> None:
        """Put the cursor on ``index`` (clamped) and scroll it into view."""
        count = self.row_count
        if count == 0:
            return
        index = max(0, min(index, count - 1))
        previous, self.cursor = self.cursor, index
        if previous != index:
            self._refresh_row_lines(previous)
            self._refresh_row_lines(index)
        self.scroll_cursor_visible(center=center)
        if notify:
            self.cursor_moved(index)

    def scroll_cursor_visible(self, *, center: bool = False) -> None:
        """Scroll just enough that the cursor row is on screen (or, with ``center``,
        put it in the middle). The view's height is known only once it is laid out:
        before that, nothing can be judged, so the screen asks again on resize."""
        height = self.rows_on_screen
        top = self.top_row
        step = self.row_height
        if center:
            self.scroll_to(y=max(0, self.cursor - (height - 1) // 2) * step, animate=False)
        elif self.cursor < top:
            self.scroll_to(y=self.cursor * step, animate=False)
        elif self.cursor >= top + height:
            self.scroll_to(y=(self.cursor - height + 1) * step, animate=False)

    def action_cursor_down(self) -> None:
        self.move_cursor(self.cursor + 1)

    def action_cursor_up(self) -> None:
        self.move_cursor(self.cursor - 1)

    def action_first(self) -> None:
        self.move_cursor(0)

    def action_last(self) -> None:
        self.move_cursor(self.row_count - 1)

    def action_page_down_rows(self) -> None:
        self.move_cursor(self.cursor + max(self.rows_on_screen - 1, 1))

    def action_page_up_rows(self) -> None:
        self.move_cursor(self.cursor - max(self.rows_on_screen - 1, 1))

    def action_choose(self) -> None:
        if self.row_count:
            self.row_chosen(self.cursor)

    async def _on_click(self, event: events.Click) -> None:
        await super()._on_click(event)
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = (offset.y + int(self.scroll_y)) // self.row_height
        if 0 <= index < self.row_count:
            self.move_cursor(index)
            self.row_chosen(index)

    # -- drawing -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        line = y + int(self.scroll_y)
        index, part = divmod(line, self.row_height)
        base = self.rich_style
        count = self.row_count
        if index >= count:
            if count == 0 and y == 0 and self.empty_message:
                style = self.get_component_rich_style("rowlist--empty", partial=True)
                text = f" {self.empty_message}"[:width]
                return Strip([Segment(text, base + style)]).extend_cell_length(width, base)
            return Strip.blank(width, base)
        if width != self._cache_width:
            self._row_cache.clear()
            self._cache_width = width
        strips = self._row_cache.get(index)
        if strips is None:
            strips = [
                strip.crop_extend(0, width, None) for strip in self.render_row_lines(index, width)
            ]
            self._row_cache[index] = strips
        strip = strips[part] if part < len(strips) else Strip.blank(width)
        if index == self.cursor:
            strip = self._under_cursor(strip)
        # The widget's own style goes under everything the row and the cursor set.
        return strip.apply_style(base).apply_offsets(0, line)

    def _under_cursor(self, strip: Strip) -> Strip:
        """The cursor's colours over every segment of the row (a source name in the
        theme's blue would vanish on a blue cursor), keeping each one's emphasis."""
        cursor = self.cursor_style
        return Strip(
            [
                Segment(text, style + cursor if style else cursor, control)
                for text, style, control in strip
            ],
            strip.cell_length,
        ).apply_style(cursor)

    @property
    def cursor_style(self) -> Style:
        """The cursor row's style (its component class, which depends on focus)."""
        return self.get_component_rich_style("rowlist--cursor", partial=True)
