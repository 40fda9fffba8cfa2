"""The keys screen (``?``): every binding, its keys after the user's keymap, its id."""

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

__all__ = ["HelpScreen", "KeyHelp"]


@dataclass(frozen=True, slots=True)
class KeyHelp:
    """One line of the keys screen."""

    group: str
    keys: str
    description: str
    binding_id: str


class HelpScreen(ModalScreen[None]):
    """A table of all keys; the id column is what ``[keymap]`` in config.toml takes.

    | Key | Action |
    |---|---|
    | `escape`, `q`, `?` | Close |
    | `j`/`k`, `down`/`up` | Scroll |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "dismiss", "Close", id="help-close"),
        Binding("j,down", "scroll(1)", show=False, id="help-down"),
        Binding("k,up", "scroll(-1)", show=False, id="help-up"),
    ]

    def __init__(self, rows: Sequence[KeyHelp]) -> None:
        super().__init__()
        self.rows = list(rows)

    def compose(self) -> ComposeResult:
        # Text, never str: Rich would read "[keymap]" in a caption as markup.
        table = Table(
            title=Text("Keys · esc to close", style="bold"),
            caption=Text(
                "The mouse works too: click a pane, a row, a link or a headline; the"
                ' wheel scrolls.\nRebind any key in config.toml, table [keymap]: id = "keys".'
            ),
            expand=True,
            box=None,
            header_style="bold",
            pad_edge=False,
        )
        table.add_column("", style="bold", no_wrap=True)
        table.add_column("keys", no_wrap=True)
        table.add_column("action")
        table.add_column("id", no_wrap=True)
        previous = ""
        for row in self.rows:
            group = row.group if row.group != previous else ""
            previous = row.group
            table.add_row(Text(group), Text(row.keys), Text(row.description), Text(row.binding_id))
        with VerticalScroll(id="help"):
            yield Static(table, id="help-table")

    def action_scroll(self, lines: int) -> None:
        self.query_one("#help", VerticalScroll).scroll_relative(y=lines, animate=False)
