"""The reader app: configuration, cache, clock, keymap, theme and palette commands.

Build it with :class:`NewsReaderApp` (tests pass a temp store and a fixed clock) or
run it with :func:`newsreader.tui.run`. The app itself holds no reading state: the
:class:`~newsreader.tui.screens.main.MainScreen` owns the selection.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import replace
from typing import Any, ClassVar

from textual import on, work
from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.screen import Screen
from textual.theme import Theme

from newsreader.config import Config
from newsreader.errors import NewsreaderError
from newsreader.store import Store
from newsreader.tui.clock import AppClock
from newsreader.tui.messages import CacheRepaired
from newsreader.tui.screens.help import HelpScreen, KeyHelp
from newsreader.tui.screens.main import MainScreen
from newsreader.tui.widgets.article_view import ArticleView
from newsreader.tui.widgets.rowlist import RowList
from newsreader.tui.widgets.ticker import Ticker

__all__ = ["UI_STATE_KEY", "NewsReaderApp"]

UI_STATE_KEY = "tui"
"""The store's ``ui_state`` key holding what the reader remembers between runs."""

REPLACED_COMMANDS = frozenset({"Keys", "Maximize", "Minimize", "Quit"})
"""Textual's palette commands the reader leaves out: its own "All keys" and "Quit"
(which remembers where the reader was) do what they would, and a maximized pane is
what the narrow layout already is."""

UNOFFERED_THEMES = frozenset({"ansi-dark", "ansi-light"})
"""Built-in themes the reader does not offer: their colours are the terminal's own
palette, which the reader cannot know, so it could not promise readable contrast."""


class NewsReaderApp(App[int]):
    """The terminal news reader.

    | Key | Action |
    |---|---|
    | `q` | Quit (remembering section, article, scroll) |
    | `?` | All keys |
    | `ctrl+p` | Command palette: sync, search, themes, ticker, open location |
    """

    CSS_PATH = "app.tcss"
    TITLE = "newsreader"

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("q", "quit", "Quit", id="quit", tooltip="Quit, remembering where you were"),
        Binding("question_mark", "help", "Keys", id="help", tooltip="All keys and their ids"),
        Binding(
            "ctrl+p",
            "command_palette",
            "Palette",
            id="command-palette",
            show=False,
            priority=True,
            tooltip="Sync, search, themes, ticker, open a location",
        ),
    ]

    def __init__(
        self,
        *,
        config: Config,
        store: Store,
        offline: bool = False,
        clock: AppClock | None = None,
        ui_state: Mapping[str, Any] | None = None,
        sync_on_start: bool = True,
        notices: Iterable[str] = (),
    ) -> None:
        """``ui_state`` is what the last run remembered (read from the store when
        None: one tiny query, before the first frame, so the theme does not flash)."""
        super().__init__()
        for name in UNOFFERED_THEMES:
            self.unregister_theme(name)
        self.config = config
        """The user's configuration (read-only)."""
        self.store = store
        """The cache; thread workers use it (one connection per thread)."""
        self.offline = offline
        """Started with --offline: nothing touches the network."""
        self.clock = clock or AppClock()
        """Wall and animation time (fixed in tests)."""
        self.sync_on_start = sync_on_start
        """Sync every source in the background once the cache is shown."""
        state = store.ui_state(UI_STATE_KEY, {}) if ui_state is None else ui_state
        self.ui_state: dict[str, Any] = dict(state) if isinstance(state, Mapping) else {}
        """What the reader remembers between runs (section, article, scroll, theme)."""
        self.notices = list(notices)
        """Messages from opening the cache (a damaged file set aside), shown on mount."""
        self._unknown_theme: str | None = None
        theme = self.ui_state.get("theme") or config.theme
        if isinstance(theme, str) and theme:
            if theme in self.available_themes:
                self.theme = theme
            else:
                self._unknown_theme = theme

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables plus the reader's own ``$reader-*`` colours, made
        readable in this theme (:mod:`newsreader.tui.palette`)."""
        from newsreader.tui.palette import reader_variables

        variables = super().get_css_variables()
        variables.update(reader_variables(variables))
        return variables

    def get_default_screen(self) -> Screen[Any]:
        return MainScreen()

    @property
    def main(self) -> MainScreen:
        """The reader's screen (whatever is pushed on top of it)."""
        screen = self.screen_stack[0]
        assert isinstance(screen, MainScreen)
        return screen

    def on_mount(self) -> None:
        keymap = dict(self.config.keymap)
        known = {help_row.binding_id for help_row in self.key_help()}
        unknown = sorted(set(keymap) - known)
        for binding_id in unknown:
            del keymap[binding_id]
        self.set_keymap(keymap)
        if unknown:
            self.notify(
                f"[keymap] has unknown binding ids: {', '.join(unknown)} (press ? for the ids)",
                severity="warning",
                markup=False,
                timeout=10,
            )
        for message in self.notices:
            self.notify(message, severity="warning", markup=False, timeout=15)
        if self.store.read_only:
            self.notify(
                "The cache is read-only: reading works; read marks, stars and syncs are not saved.",
                severity="warning",
                markup=False,
                timeout=10,
            )
        if self._unknown_theme:
            self.notify(
                f"Unknown theme {self._unknown_theme!r}; choose one with ctrl+p → Theme.",
                severity="warning",
                markup=False,
            )
        self.theme_changed_signal.subscribe(self, self._theme_changed)

    def cache_repaired(self, message: str) -> None:
        """Tell the user, once, that the cache was mended; any thread may call it."""
        self.post_message(CacheRepaired(message))

    @on(CacheRepaired)
    def _cache_repaired(self, event: CacheRepaired) -> None:
        self.notify(event.message, severity="warning", markup=False, timeout=15)
        if isinstance(self.screen_stack[0], MainScreen):
            self.main.reload()

    def _theme_changed(self, theme: Theme) -> None:
        self.ui_state["theme"] = theme.name
        self._save_state(dict(self.ui_state), then=None)

    # -- keys -----------------------------------------------------------------------------

    def key_help(self) -> list[KeyHelp]:
        """Every binding with an id, with the keys it has after the user's keymap."""
        groups: list[tuple[str, Iterable[BindingType]]] = [
            ("Move", RowList.BINDINGS),
            ("Article", ArticleView.BINDINGS),
            ("Reader", MainScreen.BINDINGS),
            ("Ticker", Ticker.BINDINGS),
            ("App", NewsReaderApp.BINDINGS),
        ]
        keymap = self.config.keymap
        seen: set[str] = set()
        rows = []
        for group, bindings in groups:
            for binding in bindings:
                if not isinstance(binding, Binding) or not binding.id or binding.id in seen:
                    continue
                seen.add(binding.id)
                keys = keymap.get(binding.id, binding.key)
                shown = ", ".join(
                    self.get_key_display(replace(binding, key=key.strip(), key_display=None))
                    for key in keys.split(",")
                    if key.strip()
                )
                description = binding.tooltip or binding.description
                rows.append(KeyHelp(group, shown, description, binding.id))
        return rows

    def action_help(self) -> None:
        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen(self.key_help()))

    # -- command palette ------------------------------------------------------------------

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's commands (theme, screenshot...) but those the reader has its own
        of, then the reader's. The palette reads every help text as markup, so ours
        hold no square brackets (a test checks each renders as written)."""
        for command in super().get_system_commands(screen):
            if command.title not in REPLACED_COMMANDS:
                yield command
        main = self.main
        commands: list[tuple[str, str, Callable[[], Any]]] = [
            ("Sync all sources", "Fetch every source now (R)", main.action_sync_all),
            (
                "Sync this source",
                "Fetch the current article's source (r)",
                main.action_sync_current,
            ),
            ("Search", "Full-text search of the cache (/)", main.action_search),
            ("Toggle ticker", "Show or hide the flash-info ticker", main.action_toggle_ticker),
            ("Pause ticker", "Pause or resume the ticker (t)", main.action_pause_ticker),
            (
                "Open location",
                "Open a file or a URL, cached like `newsreader open` (:)",
                main.action_open_location,
            ),
            (
                "All keys",
                "Every key and its id, for the keymap table of config.toml (?)",
                self.action_help,
            ),
            (
                "Sync failures",
                "The sources whose last sync failed, and why (E)",
                main.action_show_failures,
            ),
            ("Quit", "Quit, remembering where you were (q)", self.action_quit),
        ]
        for title, help_text, callback in commands:
            yield SystemCommand(title, help_text, callback)

    # -- quitting -------------------------------------------------------------------------

    async def action_quit(self) -> None:
        """Remember where the reader was, then exit."""
        try:
            state = self.main.remembered()
        except Exception:  # noqa: BLE001 - never let remembering block quitting
            self.exit(0)
            return
        self.ui_state = state
        self._save_state(state, then=lambda: self.exit(0))

    @work(thread=True, group="ui-state", exit_on_error=False, description="Saving the reader state")
    def _save_state(self, state: dict[str, Any], then: Callable[[], None] | None) -> None:
        try:
            self.store.set_ui_state(UI_STATE_KEY, state)
        except NewsreaderError as error:
            if then is None:  # not quitting: the reader is there to read it
                self.notify(f"Not remembered: {error}", severity="warning", markup=False)
        finally:
            if then is not None:
                self.call_from_thread(then)
