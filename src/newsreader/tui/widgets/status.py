"""The status line: where the reader is, whether the cache is fresh, sync progress."""

from __future__ import annotations

from typing import ClassVar

from textual.content import Content
from textual.reactive import reactive
from textual.style import Style
from textual.widget import Widget

from newsreader.tui.text import one_line

__all__ = ["StatusLine"]


class StatusLine(Widget):
    """``newsreader │ Économie │ ● online │ synced 14:05 │ syncing 3/12``.

    Every value is an attribute the screen sets; untrusted parts (section names,
    error messages) go into a :class:`~textual.content.Content` as plain text.
    """

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "status--app",
        "status--online",
        "status--offline",
        "status--error",
        "status--progress",
        "status--dim",
    }

    section: reactive[str] = reactive("")
    """The section shown."""
    offline: reactive[bool] = reactive(False)
    """Started with --offline: the reader never touches the network. (A sync that
    reached no server is a failure, said by :attr:`error`, not this mode.)"""
    last_sync: reactive[str] = reactive("")
    """``HH:MM`` (or a date) of the last successful sync, empty if never."""
    progress: reactive[str] = reactive("")
    """``syncing 3/12 · 25 new`` while a sync runs."""
    error: reactive[str] = reactive("")
    """What went wrong with the last sync (one line), empty if nothing."""

    def render(self) -> Content:
        separator = Content.styled(" │ ", self._css("dim"))
        parts: list[Content] = [Content.styled(" newsreader", self._css("app"))]
        if self.section:
            parts.append(Content(one_line(self.section)))
        if self.offline:
            parts.append(Content.styled("○ offline (--offline)", self._css("offline")))
        else:
            parts.append(Content.styled("● online", self._css("online")))
        if self.progress:
            parts.append(Content.styled(one_line(self.progress), self._css("progress")))
        elif self.last_sync:
            parts.append(Content.styled(f"synced {self.last_sync}", self._css("dim")))
        else:
            parts.append(Content.styled("never synced", self._css("dim")))
        if self.error:
            parts.append(Content.styled(f"⚠ {one_line(self.error)}", self._css("error")))
        return separator.join(parts)

    def _css(self, name: str) -> Style:
        return self.get_visual_style(f"status--{name}", partial=True)
