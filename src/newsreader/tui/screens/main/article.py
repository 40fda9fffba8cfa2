"""The article: loading it into the pane, marking it read or starred, opening its links.

What happens to one article lives here, apart from the lists: loading it (and marking
it read, and remembering it, unless the cache is read-only), which article a key
applies to, the read and star toggles written in the background, its comments (fetched
in the background, cached, shown below it), and what may be opened from it: links
(http, https, mailto), its figures' pictures, the browser, the clipboard, and a path or
URL opened through the same pipeline as ``newsreader open``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from textual import work
from textual.message import Message

from newsreader.models import Article, Comment
from newsreader.rows import StoredArticle
from newsreader.tui.model import Row, SectionKey
from newsreader.tui.screens.main.concern import Concern, Selection
from newsreader.tui.text import is_openable, one_line
from newsreader.tui.widgets.article_view import ArticleView, Shown
from newsreader.tui.widgets.articles import ArticleList

__all__ = ["ArticleConcern"]


class ArticleConcern(Concern):
    """Fills the article pane and keeps the article list's row of the open article."""

    class Vanished(Message):
        """The article asked for is no longer in the cache."""

        def __init__(self, article_id: str) -> None:
            super().__init__()
            self.article_id = article_id

    class Marked(Message):
        """An article was marked read or unread, starred or not: the counts are stale."""

    class LocationOpened(Message):
        """A path or URL is shown; ``article_id`` is its cached article (None for a feed,
        which is shown but not cached as one article)."""

        def __init__(self, article_id: str | None) -> None:
            super().__init__()
            self.article_id = article_id

    def __init__(self, selection: Selection, *, view: ArticleView, articles: ArticleList) -> None:
        super().__init__()
        self.selection = selection
        self.view = view
        """The article pane this concern fills."""
        self.articles = articles
        """The article list, whose rows show what this concern marks."""
        self.open_row: Row | None = None
        """The open article as a list row (it may not be in the list)."""

    # -- loading --------------------------------------------------------------------------

    def load(self, article_id: str, *, scroll: int, section: SectionKey, mark: bool = True) -> None:
        """Show ``article_id`` (the screen has made it the open one), scrolled to line
        ``scroll``; ``section`` is remembered with it. ``mark``: the reader opened it
        (else it is only shown, as the wide layout's first article is: not marked
        read, not remembered)."""
        self._load_article(article_id, scroll, section, mark)

    @work(
        thread=True,
        exclusive=True,
        group="article",
        exit_on_error=False,
        description="Opening the article",
    )
    def _load_article(self, article_id: str, scroll: int, section: SectionKey, mark: bool) -> None:
        from newsreader.reading import load_article

        store = self.store
        stored = load_article(store, article_id)
        if stored is None:
            self.deliver(self._article_missing, article_id)
            return
        self.deliver(self._article_loaded, stored, scroll)
        if store.read_only or not mark:
            return  # a read-only cache keeps neither read marks nor where the reader was
        if self.reader.config.mark_read_on_open and (not stored.read or stored.updated_since_read):
            store.mark_read(article_id)
            self.deliver(self._marked, article_id, True)
        store.set_ui_state(
            "tui", {**self.reader.ui_state, "section": section.to_json(), "article": article_id}
        )

    def _article_loaded(self, stored: StoredArticle, scroll: int) -> None:
        article = stored.article
        if article.id != self.selection.open_id:
            return  # another article was opened meanwhile
        self.open_row = Row.from_stored(stored)
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
        if article_id == self.selection.open_id:
            self.view.show_placeholder("That article is no longer in the cache.")
            self.post_message(self.Vanished(article_id))

    # -- read and star --------------------------------------------------------------------

    def target(self, *, list_focused: bool) -> Row | None:
        """The article a key applies to: the one under the list cursor while the list
        has focus, else the open one (the pane or the ticker has focus)."""
        row = self.articles.current
        open_id = self.selection.open_id
        if (list_focused and row is not None) or open_id is None:
            return row
        index = self.articles.index_of(open_id)
        return self.articles.rows[index] if index is not None else self.open_row

    def toggle_read(self, target: Row | None) -> None:
        if target is None:
            self.notify("No article selected.", timeout=3)
            return
        self._marked(target.id, target.unread)
        self._write_read(target.id, target.unread)

    def _marked(self, article_id: str, read: bool) -> None:
        if self.open_row is not None and article_id == self.open_row.id:
            self.open_row = replace(self.open_row, read=read, updated=False)
        self.articles.update_row(article_id, read=read, updated=False)
        self.post_message(self.Marked())

    @work(thread=True, group="write", exit_on_error=False, description="Saving read state")
    def _write_read(self, article_id: str, read: bool) -> None:
        self.store.mark_read(article_id, read=read)
        self.deliver(self.post_message, self.Marked())

    def toggle_star(self, target: Row | None) -> None:
        if target is None:
            self.notify("No article selected.", timeout=3)
            return
        starred = not target.starred
        self.articles.update_row(target.id, starred=starred)
        if self.open_row is not None and target.id == self.open_row.id:
            self.open_row = replace(self.open_row, starred=starred)
        self._write_star(target.id, starred)

    @work(thread=True, group="write", exit_on_error=False, description="Saving the star")
    def _write_star(self, article_id: str, starred: bool) -> None:
        self.store.set_starred(article_id, starred)
        self.deliver(self.post_message, self.Marked())

    # -- links, browser, clipboard --------------------------------------------------------

    def open_link(self, url: str) -> None:
        """A link in the article was clicked."""
        self._open_url(url, schemes=("http", "https", "mailto"))

    def open_figure(self, url: str) -> None:
        """A figure's placeholder was clicked: its picture opens as a link does."""
        self._open_url(url)

    def open_figure_in_view(self) -> None:
        """``i``: the first figure on screen opens, as a click on it would."""
        if self._shown_article() is None:
            return
        picture = self.view.figure_in_view()
        if picture is None:
            self.notify("No figure in view.", timeout=3)
            return
        self._open_url(picture)

    def open_in_browser(self) -> None:
        article = self._shown_article()
        if article is not None:
            self._open_url(article.url)

    def copy_link(self) -> None:
        article = self._shown_article()
        if article is None:
            return
        if not article.url:
            self.notify("This article has no link.", timeout=3)
            return
        self.app.copy_to_clipboard(article.url)
        self.notify(f"Copied {one_line(article.url)[:100]}", markup=False, timeout=3)

    def _shown_article(self) -> Article | None:
        article = self.view.article
        if article is None:
            self.notify("Open an article first (enter).", timeout=3)
        return article

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

    # -- comments -------------------------------------------------------------------------

    def show_comments(self) -> None:
        """Fetch the shown article's comments (its comment feed or page, through the
        same HTTP limits as everything) and show them below it; offline, or when the
        fetch fails, the cached ones."""
        shown = self.view.shown
        if shown is None:
            self.notify("Open an article first (enter).", timeout=3)
            return
        article = shown.article
        if not article.id:
            self.notify("A feed has no comments; open one of its articles.", timeout=3)
            return
        where = "the cache" if self.reader.offline else "the web"
        self.notify(f"Fetching the comments from {where}…", timeout=3)
        self._load_comments(shown.key, article)

    @work(
        thread=True,
        exclusive=True,
        group="comments",
        exit_on_error=False,
        description="Fetching the comments",
    )
    def _load_comments(self, key: str, article: Article) -> None:
        from newsreader.discussion import load_comments

        reader = self.reader
        stored = self.store.article(article.id) if article.id else None
        if stored is not None:  # what the last sync knows of where its comments are
            article = stored.article
        discussion = load_comments(
            article, store=self.store, offline=reader.offline, timeout=reader.config.timeout
        )
        self.deliver(self._comments_loaded, key, discussion.comments, discussion.warning)

    def _comments_loaded(
        self, key: str, comments: tuple[Comment, ...], warning: str | None
    ) -> None:
        shown = self.view.shown
        if shown is None or shown.key != key:
            return  # another article was opened meanwhile
        self.view.show(replace(shown, comments=comments, scroll=int(self.view.scroll_y)))
        self.articles.update_row(shown.article.id, comments=len(comments))
        if warning:
            self.notify(one_line(warning), severity="warning", markup=False)
        else:
            count = len(comments)
            found = f"{count} comment{'s' if count != 1 else ''}" if count else "No comments"
            self.notify(f"{found}, below the article.", timeout=3)

    # -- locations ------------------------------------------------------------------------

    def open_location(self, target: str) -> None:
        """Open a path or URL through the same pipeline as ``newsreader open`` (the
        screen has closed the open article)."""
        self.view.show_placeholder(f"Opening {one_line(target)[:200]}…")
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
        self.deliver(self._location_opened, target, article, opened.warning)

    def _location_opened(self, target: str, article: Article, warning: str | None) -> None:
        self.open_row = None
        self.view.show(Shown(article=article, key=article.id or target))
        if warning:
            self.notify(one_line(warning), severity="warning", markup=False)
        self.post_message(self.LocationOpened(article.id or None))
