"""The reader's main screen: it composes the panes and the concerns, and wires them.

- **Panes**: built from the one table in :mod:`.panes`, shown or hidden by one layout
  state (:attr:`MainScreen.pane_layout`, applied by its one watcher).
- **Concerns**: the work that talks to the cache, one module each (:mod:`.lists`,
  :mod:`.article`, :mod:`.sync`, :mod:`.ticker`), composed as widgets that draw nothing.
- **The screen** owns the selection (which section, which article is open), the key
  bindings and the layout. It hands each concern the selection and the widgets it
  fills (attributes down); widgets and concerns post messages, and the screen's
  handlers decide what follows (messages up). Every worker runs on the screen, and one
  ``Worker.StateChanged`` handler turns a failed one into a notification.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.worker import Worker, WorkerState

from newsreader.errors import NewsreaderError
from newsreader.tui.model import Row, SectionKey
from newsreader.tui.screens.main.article import ArticleConcern
from newsreader.tui.screens.main.concern import Selection
from newsreader.tui.screens.main.lists import ListsConcern
from newsreader.tui.screens.main.panes import HOME, PANES, PaneLayout, column_widths
from newsreader.tui.screens.main.sync import GROUP as SYNC_GROUP
from newsreader.tui.screens.main.sync import SyncConcern
from newsreader.tui.screens.main.ticker import TickerConcern
from newsreader.tui.screens.prompt import PromptScreen
from newsreader.tui.text import one_line
from newsreader.tui.widgets.article_view import ArticleView
from newsreader.tui.widgets.articles import ArticleList
from newsreader.tui.widgets.footer import ReaderFooter
from newsreader.tui.widgets.sections import SectionList
from newsreader.tui.widgets.status import StatusLine
from newsreader.tui.widgets.ticker import Ticker

if TYPE_CHECKING:
    from newsreader.store import Store
    from newsreader.tui.app import NewsReaderApp

__all__ = ["FAILURE_REPEAT_SECONDS", "MainScreen"]

W = TypeVar("W", bound=Widget)

FAILURE_REPEAT_SECONDS = 30.0
"""A failure notified once is not notified again for this long (the status line keeps it)."""


class MainScreen(Screen[None]):
    """Sections | articles | article, with the status line above and the ticker below.

    | Key | Action |
    |---|---|
    | `tab`/`shift+tab`, `h`/`l` | Next / previous pane |
    | `space`/`b` | Page the article down / up |
    | `n`/`p` | Next / previous unread article |
    | `m` | Toggle read |
    | `s` | Toggle star |
    | `/` | Search (results become a section) |
    | `r`/`R` | Sync the current source / all sources |
    | `E` | The sources whose last sync failed, and why |
    | `o` | Open the article in the browser |
    | `c` | Fetch and show the article's comments |
    | `y` | Copy the article's link |
    | `f` | Focus the ticker |
    | `t` | Pause / resume the ticker |
    | `:` | Open a path or URL |
    | `S` | Show / hide the section list |
    | `escape` | Back (narrow layout) |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("tab", "pane(1)", "Next pane", show=False, id="pane-next"),
        Binding("shift+tab", "pane(-1)", "Previous pane", show=False, id="pane-previous"),
        Binding("l", "pane(1)", "Right pane", show=False, id="pane-right"),
        Binding("h", "pane(-1)", "Left pane", show=False, id="pane-left"),
        Binding(
            "space",
            "page_article(1)",
            "Page down",
            show=False,
            id="page-down",
            tooltip="Page the article down",
        ),
        Binding(
            "b",
            "page_article(-1)",
            "Page up",
            show=False,
            id="page-up",
            tooltip="Page the article up",
        ),
        Binding(
            "n",
            "next_unread",
            "Next unread",
            id="next-unread",
            tooltip="Open the next unread article",
        ),
        Binding(
            "p",
            "previous_unread",
            "Previous unread",
            show=False,
            id="previous-unread",
            tooltip="Open the previous unread article",
        ),
        Binding("m", "toggle_read", "Read", id="toggle-read", tooltip="Mark read / unread"),
        Binding("s", "toggle_star", "Star", id="toggle-star", tooltip="Star / unstar"),
        Binding(
            "slash",
            "search",
            "Search",
            id="search",
            tooltip="Full-text search; the results become a section",
        ),
        Binding(
            "r",
            "sync_current",
            "Sync source",
            show=False,
            id="sync-source",
            tooltip="Sync the current article's source",
        ),
        Binding("R", "sync_all", "Sync", id="sync-all", tooltip="Sync all sources"),
        Binding(
            "E",
            "show_failures",
            "Failures",
            show=False,
            id="sync-failures",
            tooltip="The sources whose last sync failed, and why",
        ),
        Binding(
            "o",
            "open_browser",
            "Browser",
            show=False,
            id="open-browser",
            tooltip="Open the article in the browser (http/https)",
        ),
        Binding(
            "i",
            "open_figure",
            "Picture",
            show=False,
            id="open-figure",
            tooltip="Open the picture of the first figure in view (http/https)",
        ),
        Binding(
            "c",
            "comments",
            "Comments",
            show=False,
            id="show-comments",
            tooltip="Fetch the article's comments and show them below it (cached)",
        ),
        Binding(
            "y",
            "copy_link",
            "Copy link",
            show=False,
            id="copy-link",
            tooltip="Copy the article's link",
        ),
        Binding(
            "f",
            "focus_ticker",
            "Ticker",
            show=False,
            id="focus-ticker",
            tooltip="Focus the ticker (←/→ step, enter opens)",
        ),
        Binding(
            "t",
            "pause_ticker",
            "Pause ticker",
            show=False,
            id="pause-ticker",
            tooltip="Pause / resume the ticker",
        ),
        Binding(
            "colon",
            "open_location",
            "Open location",
            show=False,
            id="open-location",
            tooltip="Open a path or URL (cached like `newsreader open`)",
        ),
        Binding(
            "S",
            "toggle_sections",
            "Sections",
            show=False,
            id="toggle-sections",
            tooltip="Show / hide the section list",
        ),
        Binding(
            "escape",
            "back",
            "Back",
            id="back",
            tooltip="Back to the list (narrow layout), or from the ticker",
        ),
    ]

    pane_layout: var[PaneLayout] = var(PaneLayout())
    """Which panes are shown: the one layout state (see :mod:`.panes`). Not called
    ``layout``: that is Textual's own layout engine on every widget."""

    def __init__(self) -> None:
        super().__init__(id="main")
        self.selection = Selection()
        """What the reader has chosen; the concerns read it, only the screen writes it."""
        self._panes = {pane.id: pane.build() for pane in PANES}
        self._status = StatusLine(id="status")
        self._ticker = Ticker(id="ticker", clock=self.reader.clock.monotonic)
        self.lists = ListsConcern(
            self.selection, sections=self.sections_widget, articles=self.articles
        )
        """Sections and the article list."""
        self.article = ArticleConcern(self.selection, view=self.view, articles=self.articles)
        """The open article: loading, marking, links, locations."""
        self.sync = SyncConcern(status=self._status)
        """Syncing and the status line's account of it."""
        self.headlines = TickerConcern(ticker=self._ticker)
        """The ticker's headlines."""
        self._last_failure = ""
        self._last_failure_at = 0.0

    @property
    def reader(self) -> NewsReaderApp:
        """The app, typed (it carries the store, the config and the clock)."""
        return self.app  # type: ignore[return-value]

    @property
    def store(self) -> Store:
        return self.reader.store

    @property
    def section(self) -> SectionKey:
        """The section whose articles the list shows."""
        return self.selection.section

    @property
    def open_id(self) -> str | None:
        """The article in the pane (None when it shows something else)."""
        return self.selection.open_id

    @property
    def syncing(self) -> bool:
        """A sync worker is running."""
        return self.sync.running

    # -- composing ------------------------------------------------------------------------

    def compose(self) -> ComposeResult:
        yield self._status
        with Horizontal(id="panes"):
            yield from self._panes.values()
        yield self._ticker
        yield ReaderFooter()
        yield from (self.lists, self.article, self.sync, self.headlines)

    def pane(self, pane_id: str, kind: type[W]) -> W:
        """The pane built from the :data:`~.panes.PANES` entry ``pane_id``."""
        widget = self._panes[pane_id]
        if not isinstance(widget, kind):
            kind_name, widget_name = kind.__name__, type(widget).__name__
            raise TypeError(f"pane {pane_id!r} is a {widget_name}, not a {kind_name}")
        return widget

    @property
    def sections_widget(self) -> SectionList:
        return self.pane("sections", SectionList)

    @property
    def articles(self) -> ArticleList:
        return self.pane("articles", ArticleList)

    @property
    def view(self) -> ArticleView:
        return self.pane("article", ArticleView)

    @property
    def ticker(self) -> Ticker:
        return self._ticker

    @property
    def status(self) -> StatusLine:
        return self._status

    def on_mount(self) -> None:
        reader = self.reader
        self.status.offline = reader.offline
        self.ticker.display = reader.config.ticker
        self.view.border_title = "Article"
        self.articles.focus()  # always the list first; the remembered state may say the article
        self.lists.start(reader.ui_state)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """``escape`` is shown in the footer only where it does something: reading in
        the narrow layout (back to the list), or in the ticker."""
        if action == "back":
            return (self.narrow and self.pane_layout.alone != HOME) or isinstance(
                self.focused, Ticker
            )
        return True

    # -- failures -------------------------------------------------------------------------

    @on(Worker.StateChanged)
    def _worker_failed(self, event: Worker.StateChanged) -> None:
        """The one place a failed worker becomes a notification."""
        if event.state != WorkerState.ERROR:
            return
        error = event.worker.error
        if isinstance(error, NewsreaderError):
            message = str(error)
        else:
            message = f"{type(error).__name__}: {error}"
        what = event.worker.description or event.worker.name
        line = one_line(f"{what} failed: {message}")
        now = self.reader.clock.monotonic()
        if self._last_failure != line or now - self._last_failure_at > FAILURE_REPEAT_SECONDS:
            # The same failure again and again (a cache that cannot be written, say)
            # is said once, not once per keypress.
            self.notify(line, severity="error", timeout=10, markup=False)
            self._last_failure, self._last_failure_at = line, now
        if event.worker.group == SYNC_GROUP:
            self.sync.failed(message)

    # -- layout ---------------------------------------------------------------------------

    @property
    def narrow(self) -> bool:
        return self.pane_layout.narrow

    def on_resize(self, event: events.Resize) -> None:
        self.pane_layout = self.pane_layout.resized(event.size.width)
        self._size_columns()

    def watch_pane_layout(self, layout: PaneLayout) -> None:
        """The one place the layout reaches the screen: its classes, and which panes show."""
        self.update_classes(layout.classes(), animate=False)
        for pane in PANES:
            self._panes[pane.id].display = layout.shows(pane)
        self._size_columns()
        self.refresh_bindings()

    @on(SectionList.WidthWanted)
    def _size_columns(self) -> None:
        """Size the wide layout's columns from their content and the screen's width
        (see :func:`~.panes.column_widths`); the narrow layout's panes take the
        whole width from the stylesheet."""
        sections, article = self.sections_widget, self.view
        if self.narrow:
            sections.styles.width = None
            article.styles.width = None
            return
        shown = "sections" not in self.pane_layout.hidden
        widths = column_widths(self.size.width, sections.natural_width if shown else 0)
        sections.styles.width = widths.sections or None
        article.styles.width = widths.article

    def _bring_forward(self, pane_id: str) -> None:
        """Focus a pane; the narrow layout shows it alone (see :meth:`PaneLayout.forward`)."""
        self.pane_layout = self.pane_layout.forward(pane_id)
        self._panes[pane_id].focus()

    def _show_reading(self) -> None:
        """The article pane gets the focus (and, when narrow, the whole width)."""
        self._bring_forward("article")

    def _go_to_list(self) -> None:
        self._bring_forward(HOME)

    def _shown_panes(self) -> list[Widget]:
        return [self._panes[pane.id] for pane in PANES if self.pane_layout.shows(pane)]

    def action_pane(self, step: int) -> None:
        """Move to the next pane right (``step`` 1) or left (-1)."""
        if self.narrow:
            pane = self.pane_layout.neighbour(step, article_open=self.open_id is not None)
            if pane is not None:
                self._bring_forward(pane.id)
            return
        panes = self._shown_panes()
        focused = self.focused
        index = panes.index(focused) if focused in panes else 0
        panes[(index + step) % len(panes)].focus()

    def action_page_article(self, direction: int) -> None:
        if self.narrow and self.pane_layout.alone != "article":
            if self.open_id is None:
                return
            self._show_reading()
        view = self.view
        if direction > 0:
            view.action_page_down()
        else:
            view.action_page_up()

    def action_back(self) -> None:
        if self.narrow and self.pane_layout.alone != HOME:
            self._go_to_list()
        elif isinstance(self.focused, Ticker):
            self.articles.focus()

    def action_toggle_sections(self) -> None:
        if self.narrow:
            if self.pane_layout.alone == "sections":
                self._go_to_list()
            else:
                self._bring_forward("sections")
            return
        self.pane_layout = self.pane_layout.toggle_hidden("sections")
        if "sections" in self.pane_layout.hidden and isinstance(self.focused, SectionList):
            self.articles.focus()

    # -- the selection --------------------------------------------------------------------

    @on(ListsConcern.Started)
    def _started(self, event: ListsConcern.Started) -> None:
        start, reader = event.start, self.reader
        self.selection.section = start.key
        self.lists.show_start(start)
        self.status.section = start.key.label
        self.sync.show_last_sync(start.last_sync)
        self.headlines.show(start.headlines)
        if start.article:
            if self.articles.move_to(start.article):
                # Centred once the list has its height (before that it has none).
                self.call_after_refresh(self.articles.scroll_cursor_visible, center=True)
            reading = reader.ui_state.get("focus") == "article"
            self._open(start.article, scroll=start.scroll, focus=reading)
        else:
            self._preview()
        if start.counts.totals.articles == 0 and not reader.config.sources:
            self.sync.start(None, manual=False)  # first run: the demo edition, local files
        elif reader.sync_on_start and not reader.offline:
            self.sync.start(None, manual=False)

    def show_section(self, key: SectionKey) -> None:
        """Show the articles of ``key`` (the list is replaced when they arrive)."""
        self.selection.section = key
        self.status.section = key.label
        self.lists.show(key)

    def _preview(self) -> None:
        """In the wide layout, show the article under the cursor when the pane would
        otherwise stay empty (not marked read: the reader has not opened it)."""
        row = self.articles.current
        if row is not None and not self.narrow and self.open_id is None:
            self.selection.open_id = row.id
            self.article.load(row.id, scroll=0, section=self.section, mark=False)

    @on(ListsConcern.RowsShown)
    def _rows_shown(self) -> None:
        if self.open_id is None:
            self._preview()

    @on(SectionList.SectionHighlighted)
    def _section_highlighted(self, event: SectionList.SectionHighlighted) -> None:
        if isinstance(event, SectionList.SectionSelected):
            self._go_to_list()
        if event.key != self.section:
            self.show_section(event.key)

    def _open(self, article_id: str, *, scroll: int = 0, focus: bool = False) -> None:
        self.selection.open_id = article_id
        if focus:
            self._show_reading()
        self.article.load(article_id, scroll=scroll, section=self.section)

    @on(ArticleList.ArticleSelected)
    def _article_selected(self, event: ArticleList.ArticleSelected) -> None:
        self._open(event.row.id, focus=self.narrow)

    @on(ArticleList.MoreWanted)
    def _more_wanted(self, event: ArticleList.MoreWanted) -> None:
        if isinstance(event, ArticleList.EarlierWanted):
            self.lists.earlier(event.generation)
        elif isinstance(event, ArticleList.EndWanted):
            self.lists.to_end()
        elif isinstance(event, ArticleList.StartWanted):
            self.lists.to_start()
        else:
            self.lists.more(event.generation)

    @on(ArticleConcern.Vanished)
    def _article_vanished(self, event: ArticleConcern.Vanished) -> None:
        if event.article_id == self.open_id:
            self.selection.open_id = None

    @on(ArticleConcern.Marked)
    def _article_marked(self) -> None:
        self.lists.load_counts()

    @on(ArticleView.LinkClicked)
    def _link_clicked(self, event: ArticleView.LinkClicked) -> None:
        self.article.open_link(event.url)

    @on(ArticleView.FigureClicked)
    def _figure_clicked(self, event: ArticleView.FigureClicked) -> None:
        self.article.open_figure(event.url)

    @on(Ticker.HeadlineChosen)
    def _headline_chosen(self, event: Ticker.HeadlineChosen) -> None:
        article_id = event.headline.id
        self.articles.move_to(article_id)
        self._open(article_id, focus=True)

    @on(SyncConcern.CacheChanged)
    def _cache_changed(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the list, the counts and the ticker again (after a sync, or after the
        cache was mended and its content may have changed)."""
        self.lists.refresh_rows()
        self.lists.load_counts()
        self.headlines.load()
        self.lists.count_reading_times()

    # -- unread navigation ----------------------------------------------------------------

    def action_next_unread(self) -> None:
        """Open the next unread article below the cursor (loading pages as needed)."""
        row = self.lists.next_unread()
        if row is not None:
            self._open(row.id, focus=self.narrow)

    def action_previous_unread(self) -> None:
        row = self.lists.previous_unread()
        if row is not None:
            self._open(row.id, focus=self.narrow)

    @on(ListsConcern.UnreadFound)
    def _unread_found(self, event: ListsConcern.UnreadFound) -> None:
        self._open(event.row.id, focus=self.narrow)

    # -- read / star ----------------------------------------------------------------------

    def _target(self) -> Row | None:
        return self.article.target(list_focused=isinstance(self.focused, ArticleList))

    def action_toggle_read(self) -> None:
        self.article.toggle_read(self._target())

    def action_toggle_star(self) -> None:
        self.article.toggle_star(self._target())

    # -- search ---------------------------------------------------------------------------

    def action_search(self) -> None:
        search = self.lists.search
        self.app.push_screen(
            PromptScreen(
                "Search the cache",
                placeholder="words (accents optional)",
                value=search.name if search else "",
            ),
            self.search,
        )

    def search(self, query: str | None) -> None:
        """Show the results of ``query`` as the Search section."""
        if not query:
            return
        key = SectionKey("search", query)
        self.lists.add_search(key)
        self.show_section(key)
        self.articles.focus()

    # -- sync -----------------------------------------------------------------------------

    def action_sync_all(self) -> None:
        self.sync.start(None)

    def action_show_failures(self) -> None:
        self.sync.show_failures()

    def action_sync_current(self) -> None:
        target = self._target()
        self.sync.sync_source(target.source if target is not None else None)

    # -- ticker ---------------------------------------------------------------------------

    def action_focus_ticker(self) -> None:
        self.headlines.focus_ticker()

    def action_pause_ticker(self) -> None:
        self.headlines.toggle_pause()

    def action_toggle_ticker(self) -> None:
        self.headlines.toggle_shown()

    # -- browser, clipboard, locations ----------------------------------------------------

    def action_open_browser(self) -> None:
        self.article.open_in_browser()

    def action_open_figure(self) -> None:
        self.article.open_figure_in_view()

    def action_copy_link(self) -> None:
        self.article.copy_link()

    def action_comments(self) -> None:
        self.article.show_comments()

    def action_open_location(self) -> None:
        self.app.push_screen(
            PromptScreen("Open a file or URL", placeholder="path, https://… or article id"),
            self.open_location,
        )

    def open_location(self, target: str | None) -> None:
        """Open a path or URL through the same pipeline as ``newsreader open``."""
        if target:
            self.selection.open_id = None
            self.article.open_location(target)

    @on(ArticleConcern.LocationOpened)
    def _location_opened(self, event: ArticleConcern.LocationOpened) -> None:
        self.selection.open_id = event.article_id
        self._show_reading()
        if event.article_id:
            self.lists.refresh_rows()
            self.lists.load_counts()

    # -- remembering ----------------------------------------------------------------------

    def remembered(self) -> dict[str, Any]:
        """What the next run restores: section, open article, its scroll, theme."""
        state = dict(self.reader.ui_state)
        state["section"] = self.section.to_json()
        state["article"] = self.open_id
        state["scroll"] = int(self.view.scroll_y) if self.open_id else 0
        state["focus"] = "article" if self.focused is self.view and self.open_id else "articles"
        return state
