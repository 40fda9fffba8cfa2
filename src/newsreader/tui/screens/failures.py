"""The sync failures screen (``E``): each source whose last sync failed, and why."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import ClassVar

from rich.table import Table
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Static

from newsreader.tui.text import one_line

__all__ = ["Failure", "FailuresScreen"]


@dataclass(frozen=True, slots=True)
class Failure:
    """One source that failed: its name, the error (untrusted: a server wrote part of
    it) and when, already in the reader's time."""

    source: str
    error: str
    when: str


class FailuresScreen(ModalScreen[None]):
    """Every source whose last sync failed, with its error.

    | Key | Action |
    |---|---|
    | `escape`, `q`, `E` | Close |
    | `j`/`k`, `down`/`up` | Scroll |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,E", "dismiss", "Close", id="failures-close"),
        Binding("j,down", "scroll(1)", show=False, id="failures-down"),
        Binding("k,up", "scroll(-1)", show=False, id="failures-up"),
    ]

    def __init__(self, failures: Sequence[Failure]) -> None:
        super().__init__()
        self.failures = list(failures)

    def compose(self) -> ComposeResult:
        count = len(self.failures)
        if count:
            title = f"Sync failures: {count} source{'' if count == 1 else 's'}"
        else:
            title = "Sync failures: none, every source synced"
        table = Table(
            title=Text(title, style="bold"),
            caption=Text("esc to close · R syncs again"),
            expand=True,
            box=None,
            header_style="bold",
            pad_edge=False,
        )
        table.add_column("source", style="bold", no_wrap=True, max_width=30)
        table.add_column("error", ratio=1)
        table.add_column("when", no_wrap=True)
        for failure in self.failures:
            table.add_row(
                Text(one_line(failure.source)),
                Text(one_line(failure.error, "failed")),
                Text(failure.when),
            )
        with VerticalScroll(id="failures"):
            yield Static(table, id="failures-table")

    def action_scroll(self, lines: int) -> None:
        self.query_one("#failures", VerticalScroll).scroll_relative(y=lines, animate=False)
