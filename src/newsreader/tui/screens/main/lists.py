"""The lists: sections with their counts, and the article list, a page at a time.

Every read of a list goes through here: the first frame, a section, the next page, the
search results, a refresh after a sync, the hunt for the next unread article. So the
one query (:func:`query`) and the rules for stale results live in one place: a page
is dropped when the reader has moved to another section, or when the list it was meant
for has been replaced since (the list's ``generation``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from textual import work
from textual.message import Message
from textual.worker import get_current_worker

from newsreader.rows import ArticleRef, Headline, SectionCount, Totals
from newsreader.tui.model import ALL, STARRED, UNREAD, Row, SectionKey
from newsreader.tui.screens.main.concern import Concern, Selection
from newsreader.tui.screens.main.sync import last_success
from newsreader.tui.screens.main.ticker import read_headlines
from newsreader.tui.widgets.articles import ArticleList
from newsreader.tui.widgets.sections import SectionEntry, SectionList

if TYPE_CHECKING:
    from newsreader.store import Store

__all__ = [
    "FIND_PAGES",
    "PAGE",
    "REFRESH_MAX",
    "Counts",
    "ListsConcern",
    "Page",
    "Start",
    "query",
    "read_counts",
    "read_page",
]

PAGE = 100
"""Rows fetched from the store per page of the article list."""
REFRESH_MAX = 2000
"""At most this many rows are re-read when a sync refreshes the list."""
FIND_PAGES = 50
"""Pages ``n`` reads ahead to find the next unread article."""
FIND_REMEMBERED = 10
"""Pages the first read goes through to find the article open at the last quit."""


@dataclass(frozen=True, slots=True)
class Page:
    """Rows of a list, newest first, and where they sit in the whole list."""

    rows: list[Row]
    more_after: bool
    """The list goes on below the last row."""
    more_before: bool = False
    """The list goes on above the first row (a page read from the end)."""
    offset: int = 0
    """A search's rank of the first row (searches page by rank, not by date)."""


def query(
    store: Store,
    key: SectionKey,
    *,
    limit: int,
    after: ArticleRef | None = None,
    offset: int = 0,
) -> tuple[list[Row], bool]:
    """A page of rows for ``key`` (worker threads only) and whether more follow."""
    page = read_page(store, key, limit=limit, after=after, offset=offset)
    return page.rows, page.more_after


def read_page(
    store: Store,
    key: SectionKey,
    *,
    limit: int,
    after: ArticleRef | None = None,
    offset: int = 0,
    newer_than: ArticleRef | None = None,
    last: bool = False,
) -> Page:
    """One page of ``key`` (worker threads only): from the top (or ``after`` a row, or
    at ``offset`` for a search), the last page (``last``: ``G``), or the page above a
    row (``newer_than``; a search gives the offset of its first row instead). Each is
    one walk of an index: the end of 10,000 articles costs what the start does."""
    stories = key.virtual
    if key.kind == "search":
        if last:
            reachable, _ = store.search_count(key.name, stories=stories)
            offset = max(reachable - limit, 0)
        hits = store.search(key.name, limit=limit + 1, offset=offset, stories=stories)
        rows = [Row.from_hit(hit) for hit in hits]
        return Page(rows[:limit], len(rows) > limit, offset > 0, offset)
    refs = store.articles(
        section=key.name if key.kind == "section" else None,
        unread=key.kind == "unread",
        starred=key.kind == "starred",
        limit=limit + 1,
        after=after,
        newer_than=newer_than,
        last=last,
        stories=stories,
    )
    rows = [Row.from_ref(ref) for ref in refs]
    if last or newer_than is not None:
        # Read from the end: the extra row, if any, is the one above the page.
        return Page(rows[-limit:], newer_than is not None, len(rows) > limit)
    return Page(rows[:limit], len(rows) > limit)


@dataclass(frozen=True, slots=True)
class Counts:
    """The section list's numbers, read together (one worker, one frame)."""

    sections: list[SectionCount]
    totals: Totals
    """All, Unread and Starred, a story counted once."""
    search: tuple[int, int] | None = None
    """The search's hits (reachable, matching), when there is a search."""


def read_counts(store: Store, search: SectionKey | None) -> Counts:
    """Section counts, the virtual sections' (repeats of a story left out) and the
    search's (worker threads only)."""
    totals, repeats = store.totals(), store.repeats()
    stories = Totals(
        totals.articles - repeats.articles,
        totals.unread - repeats.unread,
        totals.starred - repeats.starred,
    )
    found = store.search_count(search.name, stories=True) if search is not None else None
    return Counts(store.sections(), stories, found)


@dataclass(frozen=True, slots=True)
class Start:
    """Everything the first paint needs, read in one worker (one frame, not four)."""

    counts: Counts
    key: SectionKey
    rows: list[Row]
    has_more: bool
    article: str | None
    scroll: int
    headlines: list[Headline]
    last_sync: str | None


class ListsConcern(Concern):
    """Fills the section list and the article list from the cache."""

    class Started(Message):
        """The first frame's data is read: the screen selects its section, opens the
        remembered article and hands the headlines and the last sync on."""

        def __init__(self, start: Start) -> None:
            super().__init__()
            self.start = start

    class RowsShown(Message):
        """A section's first page is in the list (the wide layout may preview its
        first article)."""

    class UnreadFound(Message):
        """``n`` found the next unread article in pages it loaded: open it."""

        def __init__(self, row: Row) -> None:
            super().__init__()
            self.row = row

    def __init__(
        self, selection: Selection, *, sections: SectionList, articles: ArticleList
    ) -> None:
        super().__init__()
        self.selection = selection
        self.sections = sections
        """The section list this concern fills."""
        self.articles = articles
        """The article list this concern fills."""
        self.search: SectionKey | None = None
        """The last search, shown as a section."""
        self._counts = Counts([], Totals(0, 0, 0))

    def on_mount(self) -> None:
        self.set_interval(60, self._tick_minute)

    def _tick_minute(self) -> None:
        self.articles.now = self.reader.clock.now()
        self.articles.rows_changed()

    # -- the first frame ------------------------------------------------------------------

    def start(self, state: dict[str, Any]) -> None:
        """Read what the first frame shows; ``state`` is what the last run remembered."""
        self.articles.empty_message = "Loading…"
        self._start(state)

    @work(
        thread=True,
        exclusive=True,
        group="start",
        exit_on_error=False,
        description="Reading the cache",
    )
    def _start(self, state: dict[str, Any]) -> None:
        store = self.store
        key = SectionKey.from_json(state.get("section")) or ALL
        counts = read_counts(store, key if key.kind == "search" else None)
        if key.kind == "section" and key.name not in {s.name for s in counts.sections}:
            key = ALL
        rows, has_more = query(store, key, limit=PAGE)
        article = state.get("article") if isinstance(state.get("article"), str) else None
        pages = 0
        while (
            article and has_more and pages < FIND_REMEMBERED and all(r.id != article for r in rows)
        ):
            more, has_more = query(store, key, limit=PAGE, after=rows[-1].ref, offset=len(rows))
            rows += more
            pages += 1
        saved = state.get("scroll")
        scroll = saved if isinstance(saved, int) else 0
        start = Start(
            counts=counts,
            key=key,
            rows=rows,
            has_more=has_more,
            article=article,
            scroll=max(scroll, 0),
            headlines=read_headlines(store),
            last_sync=last_success(store),
        )
        self.deliver(self.post_message, self.Started(start))

    def show_start(self, start: Start) -> None:
        """Show the first frame's lists (the screen has selected ``start.key``)."""
        if start.key.kind == "search":
            self.search = start.key
        self._take_counts(start.counts)
        self._show_sections(select=start.key)
        self._set_rows(start.rows, start.has_more, reset=True)
        self.count_reading_times()

    def count_reading_times(self) -> None:
        """Count, in the background, the reading times the cache does not hold yet
        (articles stored before it kept them, entries kept as HTML), then show them."""
        if not self.store.read_only:
            self._count_pending()

    @work(
        thread=True,
        exclusive=True,
        group="reading-times",
        exit_on_error=False,
        description="Counting reading times",
    )
    def _count_pending(self) -> None:
        if self.store.count_pending():
            self.deliver(self.refresh_rows)

    # -- sections -------------------------------------------------------------------------

    def _show_sections(self, select: SectionKey | None = None) -> None:
        counts = self._counts
        totals = counts.totals
        entries = [
            SectionEntry(ALL, totals.articles),
            SectionEntry(UNREAD, totals.unread),
            SectionEntry(STARRED, totals.starred),
            *(SectionEntry(SectionKey("section", s.name), s.unread) for s in counts.sections),
        ]
        if self.search is not None:
            found = counts.search[1] if counts.search else 0
            entries.append(SectionEntry(self.search, found))
        self.sections.set_entries(entries, select=select)
        self._show_title()

    def _show_title(self) -> None:
        """The article list's title: the section and how many articles (or results)."""
        key, counts = self.selection.section, self._counts
        if key.kind == "search":
            reachable, found = counts.search or (0, 0)
            many = "result" if found == 1 else "results"
            if reachable < found:
                number = f"{found:,} {many}, the {reachable:,} most recent ranked"
            else:
                number = f"{found:,} {many}"
        else:
            if key.kind == "section":
                total = next((s.total for s in counts.sections if s.name == key.name), 0)
            else:
                totals = counts.totals
                total = {"all": totals.articles, "unread": totals.unread}.get(
                    key.kind, totals.starred
                )
            number = f"{total:,} article{'' if total == 1 else 's'}"
        self.articles.set_title(key.label, number)

    def _take_counts(self, counts: Counts) -> None:
        if counts.search is None and self.search is not None and self._counts.search:
            counts = Counts(counts.sections, counts.totals, self._counts.search)
        self._counts = counts

    def add_search(self, key: SectionKey) -> None:
        """Make ``key`` the search section and put the section cursor on it."""
        self.search = key
        self._counts = Counts(self._counts.sections, self._counts.totals, None)
        self._show_sections()
        self.sections.select(key, notify=False)

    @work(
        thread=True,
        exclusive=True,
        group="counts",
        exit_on_error=False,
        description="Counting articles",
    )
    def load_counts(self) -> None:
        """Read the counts again (after a mark, a star, a sync, a search)."""
        self.deliver(self._counts_loaded, read_counts(self.store, self.search))

    def _counts_loaded(self, counts: Counts) -> None:
        self._take_counts(counts)
        self._show_sections()

    # -- the article list -----------------------------------------------------------------

    def show(self, key: SectionKey) -> None:
        """Show the first page of ``key`` (the list is replaced when it arrives)."""
        self._show_title()
        self._load_list(key, None, PAGE, True)
        if key.kind == "search":
            self.load_counts()

    def refresh_rows(self) -> None:
        """Re-read the loaded part of the list, keeping the cursor on its article."""
        articles = self.articles
        if articles.has_before:
            return  # read from the end (G): new articles arrive at the other end
        current = articles.current
        count = min(max(len(articles.rows), PAGE), REFRESH_MAX)
        self._load_list(self.selection.section, current.id if current else None, count, False)

    @work(
        thread=True,
        exclusive=True,
        group="list",
        exit_on_error=False,
        description="Loading articles",
    )
    def _load_list(self, key: SectionKey, keep: str | None, count: int, reset: bool) -> None:
        rows, has_more = query(self.store, key, limit=count)
        self.deliver(self._list_loaded, key, rows, has_more, keep, reset)

    def _list_loaded(
        self, key: SectionKey, rows: list[Row], has_more: bool, keep: str | None, reset: bool
    ) -> None:
        if key != self.selection.section:
            return  # the reader moved to another section meanwhile
        self._set_rows(rows, has_more, keep=keep, reset=reset)

    def _set_rows(
        self, rows: list[Row], has_more: bool, *, keep: str | None = None, reset: bool = False
    ) -> None:
        articles = self.articles
        articles.now = self.reader.clock.now()
        search = self.selection.section.kind == "search"
        articles.empty_message = "No results." if search else "No articles here yet."
        articles.set_rows(rows, has_more=has_more, keep=keep, reset=reset, snippets=search)
        if reset:
            self.post_message(self.RowsShown())

    # -- the two ends (g, G) and paging up from the end ---------------------------------

    def to_end(self) -> None:
        """Show the last page of the list, cursor on its last row (``G``)."""
        self._load_end(self.selection.section, self.articles.generation)

    @work(
        thread=True,
        exclusive=True,
        group="more",
        exit_on_error=False,
        description="Loading the end of the list",
    )
    def _load_end(self, key: SectionKey, generation: int) -> None:
        page = read_page(self.store, key, limit=PAGE, last=True)
        self.deliver(self._end_loaded, key, page, generation)

    def _end_loaded(self, key: SectionKey, page: Page, generation: int) -> None:
        if self._stale(key, generation):
            return
        self.articles.show_end(page.rows, more_before=page.more_before, offset=page.offset)

    def to_start(self) -> None:
        """Show the list from its first row again (``g`` after ``G``)."""
        self._load_list(self.selection.section, None, PAGE, True)

    def earlier(self, generation: int) -> None:
        """Load the page above the first loaded row (the list asked for it)."""
        articles = self.articles
        if not articles.rows:
            return
        self._load_earlier(
            self.selection.section, articles.rows[0].ref, articles.first_offset, generation
        )

    @work(
        thread=True,
        exclusive=True,
        group="more",
        exit_on_error=False,
        description="Loading more articles",
    )
    def _load_earlier(
        self, key: SectionKey, first: ArticleRef | None, offset: int, generation: int
    ) -> None:
        if key.kind == "search":
            start = max(offset - PAGE, 0)
            page = read_page(self.store, key, limit=offset - start, offset=start)
            page = Page(page.rows, True, start > 0, start)
        else:
            page = read_page(self.store, key, limit=PAGE, newer_than=first)
        self.deliver(self._earlier_loaded, key, page, generation)

    def _earlier_loaded(self, key: SectionKey, page: Page, generation: int) -> None:
        if self._stale(key, generation):
            return
        self.articles.prepend_rows(page.rows, more_before=page.more_before, offset=page.offset)

    def more(self, generation: int) -> None:
        """Load the page after the last loaded row (the list asked for it)."""
        articles = self.articles
        last = articles.rows[-1] if articles.rows else None
        self._load_more(
            self.selection.section,
            last.ref if last else None,
            articles.first_offset + len(articles.rows),
            generation,
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
        rows, has_more = query(self.store, key, limit=PAGE, after=after, offset=offset)
        self.deliver(self._more_loaded, key, rows, has_more, generation)

    def _more_loaded(
        self, key: SectionKey, rows: list[Row], has_more: bool, generation: int
    ) -> None:
        if self._stale(key, generation):
            return
        self.articles.append_rows(rows, has_more=has_more)

    def _stale(self, key: SectionKey, generation: int) -> bool:
        return key != self.selection.section or generation != self.articles.generation

    # -- unread navigation ----------------------------------------------------------------

    def next_unread(self) -> Row | None:
        """Move the cursor to the next unread article below it and return its row; None
        when the pages after the loaded ones must be read first (:class:`UnreadFound`
        follows) or there is none (the reader is told)."""
        articles = self.articles
        for index in range(articles.cursor + 1, len(articles.rows)):
            if articles.rows[index].unread:
                return self._jump(index)
        if articles.has_more and articles.rows:
            self._find_unread(
                self.selection.section,
                articles.rows[-1].ref,
                articles.first_offset + len(articles.rows),
                articles.generation,
            )
            return None
        self.notify("No more unread articles here.", timeout=3)
        return None

    def previous_unread(self) -> Row | None:
        """Move the cursor to the previous unread article and return its row (None, and
        the reader is told, when there is none above)."""
        articles = self.articles
        for index in range(min(articles.cursor, len(articles.rows)) - 1, -1, -1):
            if articles.rows[index].unread:
                return self._jump(index)
        self.notify("No unread article above.", timeout=3)
        return None

    def _jump(self, index: int) -> Row:
        self.articles.move_cursor(index)
        return self.articles.rows[index]

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
            rows, has_more = query(self.store, key, limit=PAGE, after=after, offset=offset)
            found += rows
            if any(row.unread for row in rows) or not has_more or not rows:
                break
            after, offset = rows[-1].ref, offset + len(rows)
            if get_current_worker().is_cancelled:
                return
        self.deliver(self._unread_found, key, found, has_more, generation)

    def _unread_found(
        self, key: SectionKey, rows: list[Row], has_more: bool, generation: int
    ) -> None:
        if self._stale(key, generation):
            return
        articles = self.articles
        start = len(articles.rows)
        articles.append_rows(rows, has_more=has_more)
        for index in range(start, len(articles.rows)):
            if articles.rows[index].unread:
                self.post_message(self.UnreadFound(self._jump(index)))
                return
        self.notify("No more unread articles here.", timeout=3)
