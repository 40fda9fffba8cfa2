"""The reader's panes, declared once, and the one layout state that shows them.

:data:`PANES` lists the panes left to right. The screen builds each one from its entry,
shows or hides it from the layout state (:class:`PaneLayout`), and moves the focus
through them in table order: ``tab``/``h``/``l`` go from pane to pane in the wide
layout, and bring the neighbouring pane forward in the narrow one, where a single pane
has the whole width. Nothing else in the screen names a pane to lay it out.

Adding a pane
-------------
Three places, nothing more. The section list is the worked example:

1. **One widget file**, ``tui/widgets/sections.py``: :class:`SectionList` draws its
   rows, can take the focus (``tab``/``h``/``l`` move to every pane), posts messages
   up (``SectionList.SectionHighlighted``) and never touches the store or a sibling
   widget.
2. **One entry** in :data:`PANES`, at its place from left to right::

       Pane("sections", SectionList, alone_class="-show-sections"),

   The screen composes it as ``SectionList(id="sections", classes="pane")``, the wide
   layout shows it (unless ``S`` left it out), the narrow layout shows it alone when
   ``h`` brings it forward from the article list, and the screen has the class
   ``-show-sections`` while it does.
3. **One CSS block** in ``tui/app.tcss``, ``#sections { width: $sections-width; … }``:
   its look in the wide layout. The narrow layout gives every pane the whole width
   with one rule for all of them (``#panes > .pane``), so the new block needs none.

If the pane shows what is in the cache, a concern reads it (see
:mod:`~newsreader.tui.screens.main.concern`) and the screen routes the pane's
messages; the layout needs nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Literal

from textual.widget import Widget

from newsreader.tui.widgets.article_view import ArticleView
from newsreader.tui.widgets.articles import ArticleList
from newsreader.tui.widgets.sections import SectionList

__all__ = [
    "ARTICLE_WIDTH",
    "HOME",
    "NARROW_BELOW",
    "PANES",
    "SECTIONS_WIDTH",
    "ColumnWidths",
    "Pane",
    "PaneLayout",
    "column_widths",
]

NARROW_BELOW = 100
"""Below this many columns the panes stack: one at a time, the whole width."""
SECTIONS_WIDTH = (16, 34)
"""The section list is as wide as its longest entry, within these bounds."""
ARTICLE_WIDTH = 84
"""The article pane's widest: a measure of 80 cells (the text's own margins and the
scrollbar besides). The article list takes the rest: titles get the room."""


@dataclass(frozen=True, slots=True)
class ColumnWidths:
    """The wide layout's fixed columns (the article list takes what is left)."""

    sections: int
    article: int


def column_widths(width: int, sections_natural: int) -> ColumnWidths:
    """Column widths for a screen ``width`` cells wide: the section list as wide as
    its longest entry (``sections_natural``, 0 when hidden) within
    :data:`SECTIONS_WIDTH`; the article pane at most :data:`ARTICLE_WIDTH` and never
    wider than the list."""
    low, high = SECTIONS_WIDTH
    sections = min(max(sections_natural, low), high) if sections_natural else 0
    article = min(ARTICLE_WIDTH, (width - sections - 1) // 2)
    return ColumnWidths(sections, max(article, 1))


Width = Literal["wide", "narrow"]
"""The two layouts: panes side by side, or one pane alone."""


@dataclass(frozen=True, slots=True)
class Pane:
    """One pane of the reader: where it sits, how it is built, when it is shown."""

    id: str
    """Its DOM id; its CSS block in ``app.tcss`` is ``#id``."""
    widget: type[Widget]
    """Built as ``widget(id=id, classes="pane")`` (so the widget takes ``id`` and
    ``classes`` keywords, as Textual's own do)."""
    layouts: frozenset[Width] = field(default=frozenset({"wide", "narrow"}))
    """The layouts that show it: side by side in ``"wide"``, alone in ``"narrow"``."""
    needs_article: bool = False
    """The narrow layout brings it forward only while an article is open."""
    alone_class: str = ""
    """The screen's class while the narrow layout shows this pane alone (a hook for the
    stylesheet; empty for none)."""

    def build(self) -> Widget:
        return self.widget(id=self.id, classes="pane")


PANES: tuple[Pane, ...] = (
    Pane("sections", SectionList, alone_class="-show-sections"),
    Pane("articles", ArticleList),
    Pane("article", ArticleView, needs_article=True, alone_class="-reading"),
)
"""The panes, left to right."""

HOME = "articles"
"""The pane the narrow layout shows first, and goes back to (``escape``)."""


@dataclass(frozen=True, slots=True)
class PaneLayout:
    """Which panes are shown, as one value: the screen's ``pane_layout`` reactive.

    Its two choices are kept apart, so each survives the other layout: the narrow
    layout's pane is still the one shown after a spell at full width, and panes left out
    of the wide layout stay out after a spell of narrow.
    """

    narrow: bool = False
    """Fewer than :data:`NARROW_BELOW` columns: one pane at a time."""
    alone: str = HOME
    """The pane the narrow layout shows (its id)."""
    hidden: frozenset[str] = frozenset()
    """Panes the wide layout leaves out (``S`` toggles the section list)."""

    def shows(self, pane: Pane) -> bool:
        """Whether ``pane`` is on screen in this layout."""
        if self.narrow:
            return "narrow" in pane.layouts and pane.id == self.alone
        return "wide" in pane.layouts and pane.id not in self.hidden

    def classes(self) -> dict[str, bool]:
        """The screen's CSS classes for this layout (True: set, False: removed)."""
        classes = {"-narrow": self.narrow, "-wide": not self.narrow}
        for pane in PANES:
            if pane.alone_class:
                classes[pane.alone_class] = pane.id == self.alone
            classes[f"-hide-{pane.id}"] = pane.id in self.hidden
        return classes

    def resized(self, width: int) -> PaneLayout:
        return replace(self, narrow=width < NARROW_BELOW)

    def forward(self, pane_id: str) -> PaneLayout:
        """Bring a pane forward: alone when narrow. When wide, every pane is already
        there: only a narrow choice of another pane is dropped (back to :data:`HOME`)."""
        if self.narrow:
            return replace(self, alone=pane_id)
        return self if self.alone == pane_id else replace(self, alone=HOME)

    def toggle_hidden(self, pane_id: str) -> PaneLayout:
        return replace(self, hidden=self.hidden ^ {pane_id})

    def neighbour(self, step: int, *, article_open: bool) -> Pane | None:
        """The narrow layout's next pane to the right (``step`` 1) or left (-1) of the one
        shown, None at either end or when it wants an article and none is open."""
        order = [pane for pane in PANES if "narrow" in pane.layouts]
        ids = [pane.id for pane in order]
        index = ids.index(self.alone) + step if self.alone in ids else -1
        if not 0 <= index < len(order):
            return None
        pane = order[index]
        return None if pane.needs_article and not article_open else pane
