"""The reader's main screen: it composes the panes and the concerns, and wires them.

- **Panes**: built from the one table in :mod:`.panes`, shown or hidden by one layout
  state (:attr:`MainScreen.pane_layout`, applied by its one watcher).
- **Concerns**: the work that talks to the cache, one module each (:mod:`.lists`,
  :mod:`.sync`, :mod:`.ticker`), composed as widgets that draw nothing; the open
  article's work is still here.
- **The screen** owns the selection (which section, which article is open), the key
  bindings and the layout. It hands each concern the selection and the widgets it
  fills (attributes down); widgets and concerns post messages, and the screen's
  handlers decide what follows (messages up). Every worker runs on the screen, and one
  ``Worker.StateChanged`` handler turns a failed one into a notification.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import TYPE_CHECKING, Any, ClassVar, ParamSpec, TypeVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.reactive import var
from textual.screen import Screen
from textual.widget import Widget
from textual.widgets import Footer
from textual.worker import Worker, WorkerState, get_current_worker

from newsreader.errors import NewsreaderError
from newsreader.models import Article
from newsreader.rows import StoredArticle
from newsreader.tui.model import Row, SectionKey
from newsreader.tui.screens.main.concern import Selection
from newsreader.tui.screens.main.lists import ListsConcern
from newsreader.tui.screens.main.panes import HOME, PANES, PaneLayout
from newsreader.tui.screens.main.sync import GROUP as SYNC_GROUP
from newsreader.tui.screens.main.sync import SyncConcern
from newsreader.tui.screens.main.ticker import TickerConcern
from newsreader.tui.screens.prompt import PromptScreen
from newsreader.tui.text import is_openable, one_line
from newsreader.tui.widgets.article_view import ArticleView, Shown
from newsreader.tui.widgets.articles import ArticleList
from newsreader.tui.widgets.sections import SectionList
from newsreader.tui.widgets.status import StatusLine
from newsreader.tui.widgets.ticker import Ticker

if TYPE_CHECKING:
    from newsreader.store import Store
    from newsreader.tui.app import NewsReaderApp

__all__ = ["FAILURE_REPEAT_SECONDS", "MainScreen"]

P = ParamSpec("P")
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
    | `o` | Open the article in the browser |
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
            "o",
            "open_browser",
            "Browser",
            show=False,
            id="open-browser",
            tooltip="Open the article in the browser (http/https)",
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
            show=False,
            id="back",
            tooltip="Back to the list (narrow layout)",
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
        self.sync = SyncConcern(status=self._status)
        """Syncing and the status line's account of it."""
        self.headlines = TickerConcern(ticker=self._ticker)
        """The ticker's headlines."""
        self._open_row: Row | None = None
        """The open article as a list row (it may not be in the list)."""
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
        yield Footer()
        yield from (self.lists, self.sync, self.headlines)

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
        self.articles.focus()
        self.lists.start(reader.ui_state)

    # -- plumbing -------------------------------------------------------------------------

    def _deliver(self, callback: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
        """From a worker thread: run ``callback`` on the UI thread unless cancelled."""
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(callback, *args, **kwargs)

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

    def watch_pane_layout(self, layout: PaneLayout) -> None:
        """The one place the layout reaches the screen: its classes, and which panes show."""
        self.update_classes(layout.classes(), animate=False)
        for pane in PANES:
            self._panes[pane.id].display = layout.shows(pane)

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
                self.articles.scroll_cursor_visible(center=True)
            self._open(start.article, scroll=start.scroll, focus=False)
        if start.totals.articles == 0 and not reader.config.sources:
            self.sync.start(None, manual=False)  # first run: the demo edition, local files
        elif reader.sync_on_start and not reader.offline:
            self.sync.start(None, manual=False)

    def show_section(self, key: SectionKey) -> None:
        """Show the articles of ``key`` (the list is replaced when they arrive)."""
        self.selection.section = key
        self.status.section = key.label
        self.lists.show(key)

    @on(SectionList.SectionHighlighted)
    def _section_highlighted(self, event: SectionList.SectionHighlighted) -> None:
        if isinstance(event, SectionList.SectionSelected):
            self._go_to_list()
        if event.key != self.section:
            self.show_section(event.key)

    @on(ArticleList.MoreWanted)
    def _more_wanted(self, event: ArticleList.MoreWanted) -> None:
        self.lists.more(event.generation)

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

    # -- opening articles -----------------------------------------------------------------

    @on(ArticleList.ArticleSelected)
    def _article_selected(self, event: ArticleList.ArticleSelected) -> None:
        self._open(event.row.id, focus=self.narrow)

    def _open(self, article_id: str, *, scroll: int = 0, focus: bool = False) -> None:
        self.selection.open_id = article_id
        if focus:
            self._show_reading()
        self._load_article(article_id, scroll, self.section)

    @work(
        thread=True,
        exclusive=True,
        group="article",
        exit_on_error=False,
        description="Opening the article",
    )
    def _load_article(self, article_id: str, scroll: int, section: SectionKey) -> None:
        from newsreader.reading import load_article

        store = self.store
        stored = load_article(store, article_id)
        if stored is None:
            self._deliver(self._article_missing, article_id)
            return
        self._deliver(self._article_loaded, stored, scroll)
        if store.read_only:
            return  # a read-only cache keeps neither read marks nor where the reader was
        if self.reader.config.mark_read_on_open and (not stored.read or stored.updated_since_read):
            store.mark_read(article_id)
            self._deliver(self._marked, article_id, True)
        store.set_ui_state(
            "tui", {**self.reader.ui_state, "section": section.to_json(), "article": article_id}
        )

    def _article_loaded(self, stored: StoredArticle, scroll: int) -> None:
        article = stored.article
        if article.id != self.open_id:
            return  # another article was opened meanwhile
        self._open_row = Row.from_stored(stored)
        self.articles.update_row(
            article.id,
            read=stored.read,
            starred=stored.starred,
            updated=stored.updated_since_read,
        )
        self.view.show(
            Shown(
                article=article,
                key=article.id,
                updated_since_read=stored.updated_since_read,
                scroll=scroll,
            )
        )

    def _article_missing(self, article_id: str) -> None:
        if article_id == self.open_id:
            self.selection.open_id = None
            self.view.show_placeholder("That article is no longer in the cache.")

    def _marked(self, article_id: str, read: bool) -> None:
        if self._open_row is not None and article_id == self._open_row.id:
            self._open_row = replace(self._open_row, read=read, updated=False)
        self.articles.update_row(article_id, read=read, updated=False)
        self.lists.load_counts()

    @on(ArticleView.LinkClicked)
    def _link_clicked(self, event: ArticleView.LinkClicked) -> None:
        self._open_url(event.url, schemes=("http", "https", "mailto"))

    def _open_url(self, url: str | None, *, schemes: Sequence[str] = ("http", "https")) -> None:
        if not url or not is_openable(url) or url.split(":", 1)[0].lower() not in schemes:
            self.notify(
                f"Not opening {one_line(url, 'an empty link')[:80]}: only "
                f"{'/'.join(schemes)} links open.",
                severity="warning",
                markup=False,
            )
            return
        self.app.open_url(url)
        self.notify(f"Opening {one_line(url)[:100]}", markup=False, timeout=3)

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
        """The article an action applies to: the one under the list cursor while the
        list has focus, else the open one (the pane or the ticker has focus)."""
        row = self.articles.current
        if (isinstance(self.focused, ArticleList) and row is not None) or self.open_id is None:
            return row
        index = self.articles.index_of(self.open_id)
        return self.articles.rows[index] if index is not None else self._open_row

    def action_toggle_read(self) -> None:
        target = self._target()
        if target is None:
            self.notify("No article selected.", timeout=3)
            return
        self._marked(target.id, target.unread)
        self._write_read(target.id, target.unread)

    @work(thread=True, group="write", exit_on_error=False, description="Saving read state")
    def _write_read(self, article_id: str, read: bool) -> None:
        self.store.mark_read(article_id, read=read)
        self._deliver(self.lists.load_counts)

    def action_toggle_star(self) -> None:
        target = self._target()
        if target is None:
            self.notify("No article selected.", timeout=3)
            return
        starred = not target.starred
        self.articles.update_row(target.id, starred=starred)
        if self._open_row is not None and target.id == self._open_row.id:
            self._open_row = replace(self._open_row, starred=starred)
        self._write_star(target.id, starred)

    @work(thread=True, group="write", exit_on_error=False, description="Saving the star")
    def _write_star(self, article_id: str, starred: bool) -> None:
        self.store.set_starred(article_id, starred)
        self._deliver(self.lists.load_counts)

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

    def _open_article(self) -> Article | None:
        article = self.view.article
        if article is None:
            self.notify("Open an article first (enter).", timeout=3)
        return article

    def action_open_browser(self) -> None:
        article = self._open_article()
        if article is not None:
            self._open_url(article.url)

    def action_copy_link(self) -> None:
        article = self._open_article()
        if article is None:
            return
        if not article.url:
            self.notify("This article has no link.", timeout=3)
            return
        self.app.copy_to_clipboard(article.url)
        self.notify(f"Copied {one_line(article.url)[:100]}", markup=False, timeout=3)

    def action_open_location(self) -> None:
        self.app.push_screen(
            PromptScreen("Open a file or URL", placeholder="path, https://… or article id"),
            self.open_location,
        )

    def open_location(self, target: str | None) -> None:
        """Open a path or URL through the same pipeline as ``newsreader open``."""
        if target:
            self.view.show_placeholder(f"Opening {one_line(target)[:200]}…")
            self.selection.open_id = None
            self._open_location(target)

    @work(
        thread=True,
        exclusive=True,
        group="article",
        exit_on_error=False,
        description="Opening the location",
    )
    def _open_location(self, target: str) -> None:
        from newsreader.opener import open_location

        reader = self.reader
        opened = open_location(
            target, store=self.store, offline=reader.offline, timeout=reader.config.timeout
        )
        document = opened.document
        if isinstance(document, Article):
            article = document
        else:
            from newsreader.render import document_json

            data = document_json(document)
            article = Article(
                id="",
                title=document.title or target,
                url=document.url or document.feed_url,
                section=f"feed · {len(document.items)} entries",
                published=data["published"],
                language=document.language,
                lede=document.description,
                markdown=data["markdown"],
            )
        self._deliver(self._location_opened, target, article, opened.warning)

    def _location_opened(self, target: str, article: Article, warning: str | None) -> None:
        self.selection.open_id = article.id or None
        self._open_row = None
        self.view.show(Shown(article=article, key=article.id or target))
        self._show_reading()
        if warning:
            self.notify(one_line(warning), severity="warning", markup=False)
        if article.id:
            self.lists.refresh_rows()
            self.lists.load_counts()

    # -- remembering ----------------------------------------------------------------------

    def remembered(self) -> dict[str, Any]:
        """What the next run restores: section, open article, its scroll, theme."""
        state = dict(self.reader.ui_state)
        state["section"] = self.section.to_json()
        state["article"] = self.open_id
        state["scroll"] = int(self.view.scroll_y) if self.open_id else 0
        return state
