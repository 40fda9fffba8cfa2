"""The reader's one screen: status line, sections, articles, article pane, ticker.

The screen owns the selection (which section, which article is open) and pushes it
down into the widgets; the widgets post messages up. Every store call runs in a thread
worker owned by this screen, and one ``Worker.StateChanged`` handler turns a failed
worker into a notification. Results come back through ``call_from_thread`` and are
dropped when the reader has moved on (another section, another article).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
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
from newsreader.rows import ArticleRef, Headline, SectionCount, StoredArticle, Totals
from newsreader.tui.model import ALL, STARRED, UNREAD, Row, SectionKey
from newsreader.tui.screens.main.panes import HOME, PANES, PaneLayout
from newsreader.tui.screens.main.sync import GROUP as SYNC_GROUP
from newsreader.tui.screens.main.sync import SyncConcern, last_success
from newsreader.tui.screens.main.ticker import TickerConcern, read_headlines
from newsreader.tui.screens.prompt import PromptScreen
from newsreader.tui.text import is_openable, one_line
from newsreader.tui.widgets.article_view import ArticleView, Shown
from newsreader.tui.widgets.articles import ArticleList
from newsreader.tui.widgets.sections import SectionEntry, SectionList
from newsreader.tui.widgets.status import StatusLine
from newsreader.tui.widgets.ticker import Ticker

if TYPE_CHECKING:
    from newsreader.store import Store
    from newsreader.tui.app import NewsReaderApp

__all__ = ["FAILURE_REPEAT_SECONDS", "PAGE", "MainScreen"]

P = ParamSpec("P")
W = TypeVar("W", bound=Widget)

PAGE = 100
"""Rows fetched from the store per page of the article list."""
REFRESH_MAX = 2000
"""At most this many rows are re-read when a sync refreshes the list."""
FIND_PAGES = 50
"""Pages ``n`` reads ahead to find the next unread article."""
FAILURE_REPEAT_SECONDS = 30.0
"""A failure notified once is not notified again for this long (the status line keeps it)."""


@dataclass(frozen=True, slots=True)
class _Start:
    """Everything the first paint needs, read in one worker."""

    sections: list[SectionCount]
    totals: Totals
    key: SectionKey
    rows: list[Row]
    has_more: bool
    article: str | None
    scroll: int
    headlines: list[Headline]
    last_sync: str | None


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
        self._panes = {pane.id: pane.build() for pane in PANES}
        self._status = StatusLine(id="status")
        self._ticker = Ticker(id="ticker", clock=self.reader.clock.monotonic)
        self.sync = SyncConcern(status=self._status)
        """Syncing and the status line's account of it."""
        self.headlines = TickerConcern(ticker=self._ticker)
        """The ticker's headlines."""
        self.section: SectionKey = ALL
        """The section whose articles the list shows."""
        self.open_id: str | None = None
        """The article in the pane (None when it shows something else)."""
        self.search_key: SectionKey | None = None
        """The last search, shown as a section."""
        self._open_row: Row | None = None
        """The open article as a list row (it may not be in the list)."""
        self._sections: list[SectionCount] = []
        self._totals = Totals(0, 0, 0)
        self._search_count = 0
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
        yield from (self.sync, self.headlines)

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
        self.articles.empty_message = "Loading…"
        self.ticker.display = reader.config.ticker
        self.articles.focus()
        self._start(reader.ui_state)
        self.set_interval(60, self._tick_minute)

    def _tick_minute(self) -> None:
        self.articles.now = self.reader.clock.now()
        self.articles.rows_changed()

    # -- plumbing -------------------------------------------------------------------------

    def _deliver(self, callback: Callable[P, object], *args: P.args, **kwargs: P.kwargs) -> None:
        """From a worker thread: run ``callback`` on the UI thread unless cancelled."""
        if get_current_worker().is_cancelled:
            return
        self.app.call_from_thread(callback, *args, **kwargs)

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

    def _query(
        self,
        key: SectionKey,
        *,
        limit: int,
        after: ArticleRef | None = None,
        offset: int = 0,
    ) -> tuple[list[Row], bool]:
        """A page of rows for ``key`` (worker threads only) and whether more follow."""
        store = self.store
        if key.kind == "search":
            hits = store.search(key.name, limit=limit + 1, offset=offset)
            rows = [Row.from_hit(hit) for hit in hits]
        else:
            refs = store.articles(
                section=key.name if key.kind == "section" else None,
                unread=key.kind == "unread",
                starred=key.kind == "starred",
                limit=limit + 1,
                after=after,
            )
            rows = [Row.from_ref(ref) for ref in refs]
        return rows[:limit], len(rows) > limit

    # -- start ----------------------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        group="start",
        exit_on_error=False,
        description="Reading the cache",
    )
    def _start(self, state: dict[str, Any]) -> None:
        store = self.store
        sections, totals = store.sections(), store.totals()
        key = SectionKey.from_json(state.get("section")) or ALL
        if key.kind == "section" and key.name not in {s.name for s in sections}:
            key = ALL
        rows, has_more = self._query(key, limit=PAGE)
        article = state.get("article") if isinstance(state.get("article"), str) else None
        pages = 0
        while article and has_more and pages < 10 and all(r.id != article for r in rows):
            more, has_more = self._query(key, limit=PAGE, after=rows[-1].ref, offset=len(rows))
            rows += more
            pages += 1
        saved = state.get("scroll")
        scroll = saved if isinstance(saved, int) else 0
        self._deliver(
            self._started,
            _Start(
                sections=sections,
                totals=totals,
                key=key,
                rows=rows,
                has_more=has_more,
                article=article,
                scroll=max(scroll, 0),
                headlines=read_headlines(store),
                last_sync=last_success(store),
            ),
        )

    def _started(self, start: _Start) -> None:
        reader = self.reader
        self._sections, self._totals = start.sections, start.totals
        self.section = start.key
        if start.key.kind == "search":
            self.search_key = start.key
            self._search_count = len(start.rows)
        self._show_sections(select=start.key)
        self.status.section = start.key.label
        self.sync.show_last_sync(start.last_sync)
        self._set_rows(start.rows, start.has_more, reset=True)
        self.headlines.show(start.headlines)
        if start.article:
            if self.articles.move_to(start.article):
                self.articles.scroll_cursor_visible(center=True)
            self._open(start.article, scroll=start.scroll, focus=False)
        if start.totals.articles == 0 and not reader.config.sources:
            self.sync.start(None, manual=False)  # first run: the demo edition, local files
        elif reader.sync_on_start and not reader.offline:
            self.sync.start(None, manual=False)

    # -- sections -------------------------------------------------------------------------

    def _show_sections(self, select: SectionKey | None = None) -> None:
        totals = self._totals
        entries = [
            SectionEntry(ALL, totals.articles),
            SectionEntry(UNREAD, totals.unread),
            SectionEntry(STARRED, totals.starred),
            *(SectionEntry(SectionKey("section", s.name), s.unread) for s in self._sections),
        ]
        if self.search_key is not None:
            entries.append(SectionEntry(self.search_key, self._search_count))
        self.sections_widget.set_entries(entries, select=select)

    @work(
        thread=True,
        exclusive=True,
        group="counts",
        exit_on_error=False,
        description="Counting articles",
    )
    def _load_counts(self) -> None:
        sections, totals = self.store.sections(), self.store.totals()
        self._deliver(self._counts_loaded, sections, totals)

    def _counts_loaded(self, sections: list[SectionCount], totals: Totals) -> None:
        self._sections, self._totals = sections, totals
        self._show_sections()

    @on(SectionList.SectionHighlighted)
    def _section_highlighted(self, event: SectionList.SectionHighlighted) -> None:
        if isinstance(event, SectionList.SectionSelected):
            self._go_to_list()
        if event.key != self.section:
            self.show_section(event.key)

    def show_section(self, key: SectionKey) -> None:
        """Show the articles of ``key`` (the list is replaced when they arrive)."""
        self.section = key
        self.status.section = key.label
        self._load_list(key, None, PAGE, True)

    # -- the article list -----------------------------------------------------------------

    @work(
        thread=True,
        exclusive=True,
        group="list",
        exit_on_error=False,
        description="Loading articles",
    )
    def _load_list(self, key: SectionKey, keep: str | None, count: int, reset: bool) -> None:
        rows, has_more = self._query(key, limit=count)
        self._deliver(self._list_loaded, key, rows, has_more, keep, reset)

    def _list_loaded(
        self, key: SectionKey, rows: list[Row], has_more: bool, keep: str | None, reset: bool
    ) -> None:
        if key != self.section:
            return  # the reader moved to another section meanwhile
        if key.kind == "search":
            self._search_count = len(rows)
            self._show_sections()
        self._set_rows(rows, has_more, keep=keep, reset=reset)

    def _set_rows(
        self, rows: list[Row], has_more: bool, *, keep: str | None = None, reset: bool = False
    ) -> None:
        articles = self.articles
        articles.now = self.reader.clock.now()
        articles.empty_message = (
            "No results." if self.section.kind == "search" else "No articles here yet."
        )
        articles.set_rows(rows, has_more=has_more, keep=keep, reset=reset)

    @on(ArticleList.MoreWanted)
    def _more_wanted(self, event: ArticleList.MoreWanted) -> None:
        articles = self.articles
        last = articles.rows[-1] if articles.rows else None
        self._load_more(
            self.section, last.ref if last else None, len(articles.rows), event.generation
        )

    @work(
        thread=True,
        exclusive=True,
        group="more",
        exit_on_error=False,
        description="Loading more articles",
    )
    def _load_more(
        self, key: SectionKey, after: ArticleRef | None, offset: int, generation: int
    ) -> None:
        rows, has_more = self._query(key, limit=PAGE, after=after, offset=offset)
        self._deliver(self._more_loaded, key, rows, has_more, generation)

    def _more_loaded(
        self, key: SectionKey, rows: list[Row], has_more: bool, generation: int
    ) -> None:
        if key != self.section or generation != self.articles.generation:
            return
        self.articles.append_rows(rows, has_more=has_more)

    def refresh_list(self) -> None:
        """Re-read the loaded part of the list, keeping the cursor on its article."""
        articles = self.articles
        current = articles.current
        count = min(max(len(articles.rows), PAGE), REFRESH_MAX)
        self._load_list(self.section, current.id if current else None, count, False)

    # -- opening articles -----------------------------------------------------------------

    @on(ArticleList.ArticleSelected)
    def _article_selected(self, event: ArticleList.ArticleSelected) -> None:
        self._open(event.row.id, focus=self.narrow)

    def _open(self, article_id: str, *, scroll: int = 0, focus: bool = False) -> None:
        self.open_id = article_id
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
            self.open_id = None
            self.view.show_placeholder("That article is no longer in the cache.")

    def _marked(self, article_id: str, read: bool) -> None:
        if self._open_row is not None and article_id == self._open_row.id:
            self._open_row = replace(self._open_row, read=read, updated=False)
        self.articles.update_row(article_id, read=read, updated=False)
        self._load_counts()

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
        articles = self.articles
        for index in range(articles.cursor + 1, len(articles.rows)):
            if articles.rows[index].unread:
                self._jump(index)
                return
        if articles.has_more and articles.rows:
            self._find_unread(
                self.section, articles.rows[-1].ref, len(articles.rows), articles.generation
            )
            return
        self.notify("No more unread articles here.", timeout=3)

    def action_previous_unread(self) -> None:
        articles = self.articles
        for index in range(min(articles.cursor, len(articles.rows)) - 1, -1, -1):
            if articles.rows[index].unread:
                self._jump(index)
                return
        self.notify("No unread article above.", timeout=3)

    def _jump(self, index: int) -> None:
        self.articles.move_cursor(index)
        self._open(self.articles.rows[index].id, focus=self.narrow)

    @work(
        thread=True,
        exclusive=True,
        group="more",
        exit_on_error=False,
        description="Looking for unread articles",
    )
    def _find_unread(
        self, key: SectionKey, after: ArticleRef | None, offset: int, generation: int
    ) -> None:
        found: list[Row] = []
        has_more = True
        for _ in range(FIND_PAGES):
            rows, has_more = self._query(key, limit=PAGE, after=after, offset=offset)
            found += rows
            if any(row.unread for row in rows) or not has_more or not rows:
                break
            after, offset = rows[-1].ref, offset + len(rows)
            if get_current_worker().is_cancelled:
                return
        self._deliver(self._unread_found, key, found, has_more, generation)

    def _unread_found(
        self, key: SectionKey, rows: list[Row], has_more: bool, generation: int
    ) -> None:
        if key != self.section or generation != self.articles.generation:
            return
        start = len(self.articles.rows)
        self.articles.append_rows(rows, has_more=has_more)
        for index in range(start, len(self.articles.rows)):
            if self.articles.rows[index].unread:
                self._jump(index)
                return
        self.notify("No more unread articles here.", timeout=3)

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
        self._deliver(self._load_counts)

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
        self._deliver(self._load_counts)

    # -- search ---------------------------------------------------------------------------

    def action_search(self) -> None:
        value = self.search_key.name if self.search_key else ""
        self.app.push_screen(
            PromptScreen("Search the cache", placeholder="words (accents optional)", value=value),
            self.search,
        )

    def search(self, query: str | None) -> None:
        """Show the results of ``query`` as the Search section."""
        if not query:
            return
        key = SectionKey("search", query)
        self.search_key = key
        self._search_count = 0
        self._show_sections()
        self.sections_widget.select(key, notify=False)
        self.show_section(key)
        self.articles.focus()

    # -- sync -----------------------------------------------------------------------------

    def action_sync_all(self) -> None:
        self.sync.start(None)

    def action_sync_current(self) -> None:
        target = self._target()
        self.sync.sync_source(target.source if target is not None else None)

    @on(SyncConcern.CacheChanged)
    def _cache_changed(self) -> None:
        self.reload()

    def reload(self) -> None:
        """Read the list, the counts and the ticker again (after a sync, or after the
        cache was mended and its content may have changed)."""
        self.refresh_list()
        self._load_counts()
        self.headlines.load()

    # -- ticker ---------------------------------------------------------------------------

    @on(Ticker.HeadlineChosen)
    def _headline_chosen(self, event: Ticker.HeadlineChosen) -> None:
        article_id = event.headline.id
        self.articles.move_to(article_id)
        self._open(article_id, focus=True)

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
            self.open_id = None
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
        self.open_id = article.id or None
        self._open_row = None
        self.view.show(Shown(article=article, key=article.id or target))
        self._show_reading()
        if warning:
            self.notify(one_line(warning), severity="warning", markup=False)
        if article.id:
            self.refresh_list()
            self._load_counts()

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

    # -- remembering ----------------------------------------------------------------------

    def remembered(self) -> dict[str, Any]:
        """What the next run restores: section, open article, its scroll, theme."""
        state = dict(self.reader.ui_state)
        state["section"] = self.section.to_json()
        state["article"] = self.open_id
        state["scroll"] = int(self.view.scroll_y) if self.open_id else 0
        return state
