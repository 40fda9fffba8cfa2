"""The article pane: title, metadata, lede and body (and its comments, once fetched),
drawn with the line API.

The body is laid out by :mod:`newsreader.tui.markdown` in a thread worker: the first
screenful is shown as soon as it is wrapped, the rest follows, so a 200 KB article
opens as fast as a short one. A new width (resize, layout switch) lays the article
out again in the background while the old lines stay on screen.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import work
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.worker import get_current_worker

from newsreader.models import Article, Comment
from newsreader.startup import LazyPattern
from newsreader.tui.markdown import Document, MarkdownStyles, layout, make_console, parse
from newsreader.tui.text import local_stamp, one_line, publisher_time

__all__ = ["ArticleView", "Shown"]

FIRST_SCREENS = 2
"""Screens of lines wrapped before the article is first shown."""


@dataclass(frozen=True, slots=True)
class Shown:
    """What the pane shows: an article and what the reader knows about it."""

    article: Article
    key: str
    """Identity of what is shown (the article id, or the opened location)."""
    updated_since_read: bool = False
    scroll: int = 0
    """Line to scroll to once laid out (a restored position)."""
    comments: tuple[Comment, ...] | None = None
    """Its comments, shown below it (None: not fetched)."""


class ArticleView(ScrollView, can_focus=True):
    """One article, scrolled by line or by page; links are clickable.

    | Key | Action |
    |---|---|
    | `j`/`k`, `down`/`up` | Scroll a line |
    | `pagedown`/`pageup` | Scroll a page (`space`/`b` work from anywhere) |
    | `g`/`G`, `home`/`end` | Top / bottom |

    Clicking a link posts :class:`LinkClicked`; only http, https and mailto links are
    clickable, and the screen decides what opening means. A figure is one line,
    ``▣ caption``; clicking it posts :class:`FigureClicked` with the picture's address.
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("j,down", "line_down", "Down", show=False, id="cursor-down"),
        Binding("k,up", "line_up", "Up", show=False, id="cursor-up"),
        Binding("g,home", "top", "Top", show=False, id="top"),
        Binding("G,end", "bottom", "Bottom", show=False, id="bottom"),
        Binding("pagedown", "page_down", "Page down", show=False, id="list-page-down"),
        Binding("pageup", "page_up", "Page up", show=False, id="list-page-up"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "article-view--title",
        "article-view--meta",
        "article-view--updated",
        "article-view--lede",
        "article-view--h1",
        "article-view--h2",
        "article-view--h3",
        "article-view--code",
        "article-view--code-block",
        "article-view--link",
        "article-view--quote",
        "article-view--marker",
        "article-view--rule",
        "article-view--notice",
        "article-view--placeholder",
    }

    class LinkClicked(Message):
        """A link in the article was clicked."""

        def __init__(self, view: ArticleView, url: str) -> None:
            super().__init__()
            self.view = view
            self.url = url

        @property
        def control(self) -> ArticleView:
            return self.view

    class FigureClicked(Message):
        """A figure's placeholder was clicked: its picture is wanted."""

        def __init__(self, view: ArticleView, url: str) -> None:
            super().__init__()
            self.view = view
            self.url = url

        @property
        def control(self) -> ArticleView:
            return self.view

    class LaidOut(Message):
        """The whole article is laid out (tests and the benchmark wait for this)."""

        def __init__(self, view: ArticleView, key: str, lines: int) -> None:
            super().__init__()
            self.view = view
            self.key = key
            self.lines = lines

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self.shown: Shown | None = None
        """What is on screen (or being laid out)."""
        self.placeholder = "Select an article and press enter."
        """Shown, dimmed, when no article is."""
        self.lines: list[Strip] = []
        self.links: list[str] = []
        self.figures: list[str] = []
        """The pictures of the figures shown, by index (http and https only)."""
        self.complete = False
        """True once every line is laid out."""
        self._document: Document | None = None
        self._styles: MarkdownStyles | None = None
        self._width = 0
        self._token = 0
        self._pending_scroll: float | None = None
        self._pending_fraction: float | None = None
        self._cache: LRUCache[int, Strip] = LRUCache(512)

    # -- what is shown -------------------------------------------------------------------

    def show(self, shown: Shown) -> None:
        """Lay out and show an article (in a worker; the old one stays until then)."""
        same = self.shown is not None and self.shown.key == shown.key
        self.shown = shown
        self._document = None
        self.complete = False
        if not same:
            self._pending_scroll = shown.scroll
            self._pending_fraction = None
        self._start_layout(restyle=True)

    def show_placeholder(self, message: str) -> None:
        """Clear the pane and show a one-line message (loading, not found...)."""
        self.shown = None
        self._document = None
        self._token += 1
        self.placeholder = message
        self.lines = []
        self.links = []
        self.figures = []
        self.complete = False
        self._cache.clear()
        self.virtual_size = Size(0, 0)
        self.scroll_to(y=0, animate=False)
        self.refresh()

    @property
    def article(self) -> Article | None:
        return self.shown.article if self.shown else None

    # -- layout --------------------------------------------------------------------------

    def _resolve_styles(self) -> MarkdownStyles:
        def get(name: str) -> Style:
            return self.get_component_rich_style(f"article-view--{name}", partial=True)

        return MarkdownStyles(
            title=get("title"),
            meta=get("meta"),
            lede=get("lede"),
            h1=get("h1"),
            h2=get("h2"),
            h3=get("h3"),
            code=get("code"),
            code_block=get("code-block"),
            link=get("link"),
            quote=get("quote"),
            marker=get("marker"),
            rule=get("rule"),
            notice=get("notice"),
        )

    def _layout_width(self) -> int:
        width = self.scrollable_content_region.width
        if width <= 0:  # hidden (narrow layout): lay out for the screen's width
            width = self.screen.size.width - 2
        return max(width, 20)

    def _start_layout(self, *, restyle: bool) -> None:
        if self.shown is None:
            return
        if restyle or self._styles is None:
            self._styles = self._resolve_styles()
            self._document = None
        self._token += 1
        self._width = self._layout_width()
        first = max(self.app.size.height, 24) * FIRST_SCREENS
        self._layout(self._token, self.shown, self._document, self._styles, self._width, first)

    @work(
        thread=True,
        exclusive=True,
        group="article-layout",
        exit_on_error=False,
        description="Laying out the article",
    )
    def _layout(
        self,
        token: int,
        shown: Shown,
        document: Document | None,
        styles: MarkdownStyles,
        width: int,
        first: int,
    ) -> None:
        worker = get_current_worker()
        try:
            if document is None:
                document = self._parse(shown, styles)
            lines: list[Strip] = []
            delivered = False
            for line in layout(document, width, styles, console=make_console(width)):
                lines.append(line)
                if not delivered and len(lines) >= first:
                    if worker.is_cancelled:
                        return
                    self.app.call_from_thread(self._deliver, token, document, list(lines), False)
                    delivered = True
        except Exception as error:  # noqa: BLE001 - say so rather than leave the pane blank
            if not worker.is_cancelled:
                self.app.call_from_thread(self._failed, token, error)
            return
        if not worker.is_cancelled:
            self.app.call_from_thread(self._deliver, token, document, lines, True)

    def _failed(self, token: int, error: Exception) -> None:
        if token == self._token:
            self.show_placeholder(
                one_line(f"This article could not be shown ({type(error).__name__}: {error}).")
            )

    @staticmethod
    def _parse(shown: Shown, styles: MarkdownStyles) -> Document:
        article = shown.article
        title = Text(one_line(article.title, "(untitled)"), style=styles.title, end="")
        header = [title]
        meta = metadata_text(article, styles, updated_since_read=shown.updated_since_read)
        if meta.plain:
            header.append(meta)
        body = article.markdown or article.text or ""
        if shown.comments is not None:
            body = f"{body}\n\n{comments_markdown(shown.comments)}"
        return parse(body, styles, header=header, lede=article.lede)

    def _deliver(self, token: int, document: Document, lines: list[Strip], complete: bool) -> None:
        if token != self._token:
            return  # a newer article (or width) took over
        self._document = document
        self.links = document.links
        self.figures = document.figures
        self.lines = lines
        self.complete = complete
        self.placeholder = ""
        self._cache.clear()
        self.virtual_size = Size(self._width, len(lines))
        pending = self._pending_scroll
        if pending is not None and (complete or pending < len(lines) - self.size.height):
            self._pending_scroll = None
            self.scroll_to(y=pending, animate=False)
        if complete and self._pending_fraction is not None:
            self.scroll_to(y=round(self._pending_fraction * len(lines)), animate=False)
            self._pending_fraction = None
        self.refresh()
        if complete and self.shown is not None:
            self.post_message(self.LaidOut(self, self.shown.key, len(lines)))

    def on_resize(self) -> None:
        if self.shown is not None and self._layout_width() != self._width:
            if self.lines and self._pending_scroll is None:
                # Keep the reader at the same place in the text, proportionally.
                self._pending_fraction = self.scroll_y / len(self.lines)
            self._start_layout(restyle=False)

    def on_mount(self) -> None:
        # A new theme reaches the component styles only after this widget's own style
        # update, so the check in notify_style_update can miss it: look again then.
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)

    def _theme_changed(self, _theme: object) -> None:
        self.call_after_refresh(self._restyle)

    def _restyle(self) -> None:
        self._cache.clear()
        shown, styles = self.shown, self._styles
        if shown is not None and styles is not None and self._resolve_styles() != styles:
            self._start_layout(restyle=True)
        self.refresh()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._cache.clear()
        if (
            self.shown is not None
            and self._styles is not None
            and self.is_mounted
            and self._resolve_styles() != self._styles  # a new theme, not a focus change
        ):
            self.call_later(self._start_layout, restyle=True)

    # -- drawing -------------------------------------------------------------------------

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = y + int(self.scroll_y)
        base = self.rich_style
        if not self.lines:
            if y == 1 and self.placeholder:
                style = base + self.get_component_rich_style(
                    "article-view--placeholder", partial=True
                )
                text = Text(f" {self.placeholder}", style=style, end="")
                text.truncate(width)
                return Strip(list(text.render(self.app.console))).extend_cell_length(width, base)
            return Strip.blank(width, base)
        if index >= len(self.lines):
            return Strip.blank(width, base)
        strip = self._cache.get(index)
        if strip is None:
            strip = self.lines[index].crop_extend(0, width, None).apply_style(base)
            self._cache[index] = strip
        return strip.apply_offsets(0, index)

    # -- actions -------------------------------------------------------------------------

    def action_open_link(self, index: int) -> None:
        """Run by a click on a link (its ``@click`` meta carries only the index)."""
        if 0 <= index < len(self.links):
            self.post_message(self.LinkClicked(self, self.links[index]))

    def figure_in_view(self) -> str | None:
        """The picture of the first figure on screen (top to bottom), for the keyboard's
        way of opening one; None when no figure is in view."""
        top = int(self.scroll_y)
        for line in self.lines[top : top + self.scrollable_content_region.height]:
            for segment in line:
                meta = segment.style.meta if segment.style is not None else {}
                action = meta.get("@click")
                if action and action[0] == "open_figure":
                    index: int = action[1][0]
                    if 0 <= index < len(self.figures):
                        return self.figures[index]
        return None

    def action_open_figure(self, index: int) -> None:
        """Run by a click on a figure's placeholder (its meta carries only the index)."""
        if 0 <= index < len(self.figures):
            self.post_message(self.FigureClicked(self, self.figures[index]))

    def action_line_down(self) -> None:
        self.scroll_to(y=self.scroll_y + 1, animate=False)

    def action_line_up(self) -> None:
        self.scroll_to(y=self.scroll_y - 1, animate=False)

    def action_top(self) -> None:
        self.scroll_to(y=0, animate=False)

    def action_bottom(self) -> None:
        self.scroll_to(y=self.max_scroll_y, animate=False)

    def action_page_down(self) -> None:
        self.scroll_to(
            y=self.scroll_y + max(self.scrollable_content_region.height - 2, 1), animate=False
        )

    def action_page_up(self) -> None:
        self.scroll_to(
            y=self.scroll_y - max(self.scrollable_content_region.height - 2, 1), animate=False
        )


def author_name(author: str | None) -> str:
    """The name in an author field: feeds write ``redaction@example.org (Rédaction)``
    (RSS's ``<author>``) or ``Rédaction <redaction@example.org>``; an address alone
    stays as it is."""
    value = one_line(author)
    match = _ADDRESS_AND_NAME.fullmatch(value)
    if match:
        return (match.group("name") or match.group("before") or value).strip()
    return value


def metadata_text(
    article: Article, styles: MarkdownStyles, *, updated_since_read: bool = False
) -> Text:
    """``section · author · published · updated … · 4 min · 12 comments`` (what is
    known of it), in local time; the publisher's own time follows in parentheses when
    it differs."""
    from newsreader.content.readtime import reading_minutes

    published = local_stamp(article.published)
    there = publisher_time(article.published)
    if published and there:
        published += f" ({there} at the source)"
    parts = [one_line(article.section), author_name(article.author), published]
    if article.updated and article.updated != article.published:
        parts.append(f"updated {local_stamp(article.updated)}")
    minutes = reading_minutes(article.text, article.language)
    if minutes:
        parts.append(f"{minutes} min")
    count = article.comment_count
    if count:
        parts.append(f"{count} comment{'s' if count != 1 else ''}")
    text = Text(" · ".join(part for part in parts if part), style=styles.meta, end="")
    if updated_since_read:
        text.append("  ↻ changed since you read it", styles.notice)
    return text


_ADDRESS_AND_NAME = LazyPattern(
    r"\s*(?:[^\s@()<>]+@[^\s@()<>]+\s*\((?P<name>[^()]+)\)"
    r"|(?P<before>[^<>@]+?)\s*(?:<[^<>\s]+@[^<>\s]+>|\([^()\s]+@[^()\s]+\)))\s*"
)


def comments_markdown(comments: tuple[Comment, ...]) -> str:
    """The comments as a Markdown section below the article: each one's author and
    local time in bold, then its text, a reply one quote level under what it answers.
    Comment text is already safe Markdown (it was converted and sanitised like a body);
    the names are escaped here."""
    from newsreader.content.comments import depths
    from newsreader.content.markdown import escape_inline

    count = len(comments)
    blocks = [f"## Comments ({count})" if count else "## Comments: none"]
    for depth, comment in zip(depths(comments), comments, strict=True):
        who = author_name(comment.author) or "(anonymous)"
        meta = " · ".join(part for part in (who, local_stamp(comment.published)) if part)
        lines = [f"**{escape_inline(meta)}**", "", *comment.markdown.splitlines()]
        prefix = "> " * depth
        blocks.append("\n".join((prefix + line).rstrip() for line in lines))
    return "\n\n".join(blocks)
