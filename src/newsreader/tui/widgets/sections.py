"""The section list: All, Unread, Starred, the real sections, and the last search."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.message import Message
from textual.strip import Strip

from newsreader.table import cell_width, truncate
from newsreader.tui.model import SectionKey
from newsreader.tui.text import one_line
from newsreader.tui.widgets.rowlist import RowList

__all__ = ["SectionEntry", "SectionList"]


@dataclass(frozen=True, slots=True)
class SectionEntry:
    """One line of the section list."""

    key: SectionKey
    count: int
    """Unread articles (Starred: starred ones; a search: its hits)."""


class SectionList(RowList):
    """Sections with their unread counts; moving the cursor shows the section.

    | Key | Action |
    |---|---|
    | `j`/`k`, `down`/`up` | Next / previous section (the article list follows) |
    | `g`/`G` | First / last section |
    | `enter`, click | Go to the article list |
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        *RowList.COMPONENT_CLASSES,
        "section-list--count",
        "section-list--virtual",
        "section-list--read",
    }

    class SectionHighlighted(Message):
        """The cursor came to a section: show its articles."""

        def __init__(self, section_list: SectionList, key: SectionKey) -> None:
            super().__init__()
            self.section_list = section_list
            self.key = key

        @property
        def control(self) -> SectionList:
            return self.section_list

    class SectionSelected(SectionHighlighted):
        """``enter`` or a click on a section: go read it."""

    class WidthWanted(Message):
        """The longest name or count changed: the screen may size the pane again."""

        def __init__(self, section_list: SectionList, width: int) -> None:
            super().__init__()
            self.section_list = section_list
            self.width = width

        @property
        def control(self) -> SectionList:
            return self.section_list

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.entries: list[SectionEntry] = []
        """What is shown, in order (set through :meth:`set_entries`)."""
        self.natural_width = 0
        """Cells the longest entry needs, name and count (the border included)."""
        self.border_title = "Sections"

    @property
    def row_count(self) -> int:
        return len(self.entries)

    @property
    def current(self) -> SectionKey | None:
        """The section under the cursor."""
        return self.entries[self.cursor].key if self.entries else None

    def set_entries(
        self, entries: Sequence[SectionEntry], *, select: SectionKey | None = None
    ) -> None:
        """Replace the entries, keeping the cursor on the same section (or ``select``)
        without announcing a move: counts changing is not the reader moving."""
        keep = select or self.current
        self.entries = list(entries)
        natural = 1 + max((self._entry_width(entry) for entry in self.entries), default=0)
        if natural != self.natural_width:
            self.natural_width = natural
            self.post_message(self.WidthWanted(self, natural))
        keys = [entry.key for entry in self.entries]
        if keep in keys:
            self.cursor = keys.index(keep)
        self.rows_changed()
        self.scroll_cursor_visible()

    def select(self, key: SectionKey, *, notify: bool = True) -> bool:
        """Move the cursor to ``key``; False when the list has no such section."""
        for index, entry in enumerate(self.entries):
            if entry.key == key:
                self.move_cursor(index, notify=notify)
                return True
        return False

    def cursor_moved(self, index: int) -> None:
        self.post_message(self.SectionHighlighted(self, self.entries[index].key))

    def row_chosen(self, index: int) -> None:
        self.post_message(self.SectionSelected(self, self.entries[index].key))

    @staticmethod
    def _entry_width(entry: SectionEntry) -> int:
        count = f"{entry.count:,}" if entry.count else ""
        return 1 + cell_width(one_line(entry.key.label, "—")) + 2 + cell_width(count) + 1

    def render_row(self, index: int, width: int) -> Strip:
        entry = self.entries[index]
        virtual = entry.key.kind != "section"
        name_style = Style()
        if virtual:
            name_style = self.get_component_rich_style("section-list--virtual", partial=True)
        elif entry.count == 0:
            name_style = self.get_component_rich_style("section-list--read", partial=True)
        count_style = self.get_component_rich_style("section-list--count", partial=True)
        count = f"{entry.count:,}" if entry.count else ""
        room = max(width - 2 - (cell_width(count) + 1 if count else 0), 1)
        name = truncate(one_line(entry.key.label, "—"), room)
        gap = width - 2 - cell_width(name) - cell_width(count)
        segments = [Segment(" "), Segment(name, name_style), Segment(" " * max(gap, 1))]
        if count:
            segments.append(Segment(count, count_style))
        segments.append(Segment(" "))
        return Strip(segments)
