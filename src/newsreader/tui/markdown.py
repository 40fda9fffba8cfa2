"""Markdown to terminal lines, fast enough for a 200 KB article.

Textual's ``Markdown`` widget builds one widget per block: about 6 s for a 200 KB
article on this machine, and it follows links by itself. The reader instead turns
the Markdown into styled Rich ``Text`` blocks once (markdown-it-py, ~30 ms for 200 KB),
then wraps them to the pane's width into :class:`~textual.strip.Strip` lines
(~120 ms for 200 KB at 80 columns) that a line-API view scrolls through. Both steps
run in a thread worker; :func:`layout` can stop after the first screenful so the
article shows before the rest is wrapped.

Nothing here parses Rich or Textual markup: text goes into ``Text.append`` as plain
strings, so ``[bold]`` or ``[@click=app.quit]`` in an article stays literal. Links
become numbered, clickable spans whose ``@click`` action carries only the link's
index (never the URL), and only http, https and mailto links get one. A figure
(``![caption](src)``, its caption on the line below) is one line, ``▣ caption``, whose
click runs ``open_figure`` with the figure's index: the reader has no pictures to
show, but it can open one (terminal graphics can come later).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass, field

from markdown_it import MarkdownIt
from markdown_it.token import Token
from rich.console import Console
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

from newsreader.content.sanitize import clean_text
from newsreader.startup import LazyPattern
from newsreader.tui.text import is_openable, one_line

__all__ = [
    "FIGURE_MARK",
    "MAX_MARKDOWN",
    "MEASURE",
    "Block",
    "Document",
    "MarkdownStyles",
    "layout",
    "make_console",
    "parse",
]

MAX_MARKDOWN = 1_000_000
"""Characters of Markdown shown; longer bodies end with a "truncated" marker."""
MEASURE = 80
"""The longest line of text, in cells: past this, eyes lose the next line. A wider
pane keeps the column at this width, on the left."""

# French typography: no line starts with ":", ";", "»", "!" or "?", nor ends with "«".
# Rich breaks lines at any whitespace (no-break spaces included), so before wrapping,
# the spaces that must hold are swapped for stand-ins that are not whitespace, and
# swapped back in every wrapped line.
_HOLD = LazyPattern(r"[ \u00a0\u202f](?=[:;»!?])|(?<=«)[ \u00a0\u202f]|[\u00a0\u202f]")
_STAND_INS = {" ": "\ue00a", "\u00a0": "\ue00b", "\u202f": "\ue00c"}
_BACK = {ord(stand_in): space for space, stand_in in _STAND_INS.items()}
_SPACES = LazyPattern(r"[ \t]{2,}")

FIGURE_MARK = "▣"
"""Where a figure stands in the text."""

_QUOTE = "▌ "
_BULLETS = ("•", "◦", "▪")


@dataclass(frozen=True, slots=True)
class MarkdownStyles:
    """Rich styles for each element, resolved from a widget's component classes on
    the UI thread (workers cannot read CSS) and handed to :func:`parse`."""

    title: Style = field(default_factory=lambda: Style(bold=True))
    meta: Style = field(default_factory=lambda: Style(dim=True))
    lede: Style = field(default_factory=lambda: Style(italic=True))
    h1: Style = field(default_factory=lambda: Style(bold=True, underline=True))
    h2: Style = field(default_factory=lambda: Style(bold=True))
    h3: Style = field(default_factory=lambda: Style(bold=True, italic=True))
    strong: Style = field(default_factory=lambda: Style(bold=True))
    em: Style = field(default_factory=lambda: Style(italic=True))
    strike: Style = field(default_factory=lambda: Style(strike=True))
    code: Style = field(default_factory=lambda: Style(reverse=True))
    code_block: Style = field(default_factory=lambda: Style(dim=True))
    link: Style = field(default_factory=lambda: Style(underline=True))
    quote: Style = field(default_factory=lambda: Style(italic=True))
    marker: Style = field(default_factory=lambda: Style(bold=True))
    rule: Style = field(default_factory=lambda: Style(dim=True))
    notice: Style = field(default_factory=lambda: Style(bold=True, reverse=True))


@dataclass(slots=True)
class Block:
    """One paragraph, heading, list item, quote or code block, before wrapping."""

    text: Text
    indent: int = 0
    """Cells before every line (list nesting)."""
    marker: str = ""
    """Bullet or number on the first line; later lines are indented by its width."""
    quote: int = 0
    """Blockquote depth: a bar per level in front of every line."""
    gap: int = 1
    """Blank lines before the block."""
    wrap: bool = True
    """False for code (kept for styling decisions; long lines wrap like text)."""
    rule: bool = False
    """A horizontal rule as wide as the pane."""


@dataclass(slots=True)
class Document:
    """An article ready to lay out: blocks, and the links they point to."""

    blocks: list[Block] = field(default_factory=list)
    links: list[str] = field(default_factory=list)
    """Link targets by index; the ``@click`` action of a link names only its index."""
    figures: list[str] = field(default_factory=list)
    """Picture addresses (http, https) by index, for ``open_figure``."""


_parser = MarkdownIt("commonmark", {"html": False}).enable(["table", "strikethrough"])


def make_console(width: int) -> Console:
    """A console that only measures and renders segments (never writes anywhere)."""
    return Console(
        width=max(width, 1),
        file=io.StringIO(),
        color_system="truecolor",
        legacy_windows=False,
        force_terminal=True,
        emoji=False,
        markup=False,
        highlight=False,
    )


def link_style(styles: MarkdownStyles, index: int) -> Style:
    """The style of link number ``index``: underlined, clicking runs ``open_link``."""
    return styles.link + Style(meta={"@click": ("open_link", (index,))})


def figure_style(styles: MarkdownStyles, index: int) -> Style:
    """The style of figure number ``index``: a link's, clicking runs ``open_figure``."""
    return styles.link + Style(meta={"@click": ("open_figure", (index,))})


def _caption_repeated(children: list[Token]) -> bool:
    """A paragraph that starts with a figure and goes on with nothing but its caption
    (how figures are written: the caption as text below the picture)."""
    rest = "".join(child.content for child in children[1:] if child.type in ("text", "code_inline"))
    return _fold_space(rest) in ("", _fold_space(children[0].content))


@dataclass(slots=True)
class _List:
    """An open list: how to number its items and whether it is tight."""

    ordered: bool
    number: int
    tight: bool
    items: int = 0


class _Builder:
    """Walks markdown-it's token stream and collects blocks."""

    def __init__(self, styles: MarkdownStyles, document: Document) -> None:
        self.styles = styles
        self.doc = document
        self.indents: list[int] = []
        self.markers: list[str | None] = []
        self.lists: list[_List] = []
        self.quote = 0
        self.pending: str | None = None
        self.table: list[tuple[bool, list[Text]]] | None = None
        self.row: list[Text] = []
        self.header = False

    # -- output ----------------------------------------------------------------------

    def emit(self, text: Text, *, wrap: bool = True, rule: bool = False) -> None:
        marker = self.pending or ""
        self.pending = None
        indent = sum(self.indents) - len(marker)
        gap = 1
        if not self.doc.blocks:
            gap = 0
        elif self.lists and self.lists[-1].tight:
            # A tight list reads as one block: a gap before it, none inside it.
            top = self.lists[-1]
            gap = 1 if (marker and top.items == 1 and len(self.lists) == 1) else 0
        self.doc.blocks.append(
            Block(
                text,
                indent=max(indent, 0),
                marker=marker,
                quote=self.quote,
                gap=gap,
                wrap=wrap,
                rule=rule,
            )
        )

    # -- inline ----------------------------------------------------------------------

    def inline(self, token: Token, base: Style | None = None) -> Text:
        text = Text(end="", style=base or "")
        stack: list[Style] = []
        styles = self.styles

        def current() -> Style:
            style = Style()
            for item in stack:
                style += item
            return style

        link_after_spaces = spaces_before = glued = False
        children = list(token.children or ())
        if children and children[0].type == "image" and _caption_repeated(children):
            children = children[:1]  # the placeholder already says the caption
        for child in children:
            kind = child.type
            if kind == "text":
                raw = clean_text(child.content)
                spaces_before = re_spaces_before(raw)
                content = _SPACES.sub(" ", raw)
                if glued and content[:1].isalnum():
                    # "société.   [lien](…)Où": the link's own spaces were moved before
                    # it by whatever wrote the Markdown; give the next word its space.
                    content = " " + content
                glued = False
                text.append(content, current())
                continue
            elif kind == "softbreak":
                text.append(" ", current())
            elif kind == "hardbreak":
                text.append("\n", current())
            elif kind == "code_inline":
                text.append(clean_text(child.content), current() + styles.code)
            elif kind == "strong_open":
                stack.append(styles.strong)
            elif kind == "em_open":
                stack.append(styles.em)
            elif kind == "s_open":
                stack.append(styles.strike)
            elif kind == "link_open":
                link_after_spaces = spaces_before
                href = str(child.attrs.get("href") or "")
                if is_openable(href):
                    self.doc.links.append(href)
                    stack.append(link_style(styles, len(self.doc.links) - 1))
                else:
                    stack.append(Style())
            elif kind == "image":
                alt = one_line(child.content, "image")
                src = str(child.attrs.get("src") or "")
                if is_openable(src) and not src.lower().startswith("mailto:"):
                    self.doc.figures.append(src)
                    style = current() + figure_style(styles, len(self.doc.figures) - 1)
                else:
                    style = current() + styles.meta
                text.append(f"{FIGURE_MARK} {alt}", style)
            elif kind in ("strong_close", "em_close", "s_close", "link_close"):
                if stack:
                    stack.pop()
                if kind == "link_close":
                    glued, link_after_spaces = link_after_spaces, False
            elif child.content:
                text.append(clean_text(child.content), current())
            if kind != "link_open":
                spaces_before = False
        return text

    # -- blocks ----------------------------------------------------------------------

    def run(self, tokens: list[Token]) -> None:
        heading: Style | None = None
        for index, token in enumerate(tokens):
            kind = token.type
            if kind == "heading_open":
                level = int(token.tag[1:]) if token.tag[1:].isdigit() else 3
                styles = self.styles
                heading = styles.h1 if level == 1 else styles.h2 if level == 2 else styles.h3
            elif kind == "heading_close":
                heading = None
            elif kind == "inline":
                if self.table is not None:
                    self.row.append(self.inline(token, self.styles.strong if self.header else None))
                elif heading is not None:
                    self.emit(self.inline(token, heading))
                else:
                    base = self.styles.quote if self.quote else None
                    self.emit(self.inline(token, base))
            elif kind in ("bullet_list_open", "ordered_list_open"):
                ordered = kind == "ordered_list_open"
                start = int(token.attrGet("start") or 1) if ordered else 1
                self.lists.append(_List(ordered, start, self._is_tight(tokens, index)))
            elif kind in ("bullet_list_close", "ordered_list_close"):
                if self.lists:
                    self.lists.pop()
            elif kind == "list_item_open":
                top = self.lists[-1] if self.lists else _List(False, 1, False)
                top.items += 1
                if top.ordered:
                    marker = f"{top.number}. "
                    top.number += 1
                else:
                    marker = _BULLETS[(len(self.lists) - 1) % len(_BULLETS)] + " "
                self.indents.append(len(marker))
                self.pending = marker
            elif kind == "list_item_close":
                if self.indents:
                    self.indents.pop()
                self.pending = None
            elif kind == "blockquote_open":
                self.quote += 1
            elif kind == "blockquote_close":
                self.quote = max(0, self.quote - 1)
            elif kind in ("fence", "code_block"):
                body = clean_text(token.content).rstrip("\n")
                self.emit(Text(body, style=self.styles.code_block, end=""), wrap=False)
            elif kind == "hr":
                self.emit(Text(end=""), rule=True)
            elif kind == "html_block":
                self.emit(Text(clean_text(token.content).strip(), style=self.styles.meta, end=""))
            elif kind == "table_open":
                self.table = []
            elif kind == "thead_open":
                self.header = True
            elif kind == "thead_close":
                self.header = False
            elif kind == "tr_open":
                self.row = []
            elif kind == "tr_close" and self.table is not None:
                self.table.append((self.header, self.row))
            elif kind == "table_close" and self.table is not None:
                self._emit_table(self.table)
                self.table = None

    @staticmethod
    def _is_tight(tokens: list[Token], index: int) -> bool:
        level = tokens[index].level
        for token in tokens[index + 1 :]:
            if token.level <= level and token.type.endswith("_list_close"):
                break
            if token.type == "paragraph_open" and token.level == level + 2:
                return bool(token.hidden)
        return False

    def _emit_table(self, rows: list[tuple[bool, list[Text]]]) -> None:
        first = True
        for header, cells in rows:
            line = Text(" │ ", style=self.styles.rule, end="").join(cells)
            self.emit(line)
            if not first or not header:
                self.doc.blocks[-1].gap = 0
            first = False
            if header:
                self.emit(Text(end=""), rule=True)
                self.doc.blocks[-1].gap = 0


def re_spaces_before(plain: str) -> bool:
    """True when ``plain`` ends with two or more spaces (where a link's spaces went)."""
    return len(plain) - len(plain.rstrip(" ")) >= 2


def parse(
    markdown: str,
    styles: MarkdownStyles,
    *,
    header: list[Text] | None = None,
    lede: str | None = None,
    list_links: bool = True,
) -> Document:
    """``markdown`` as blocks (width-independent: done once per article).

    ``header`` lines (title, metadata) come first, each its own block. ``lede``, when
    the body's first paragraph is that lede, gives it the lede style (and when the
    body does not start with it, it is shown first). With ``list_links``, the links
    end the document as a numbered, clickable list.
    """
    document = Document()
    for number, line in enumerate(header or ()):
        document.blocks.append(Block(line, gap=0 if number < 2 else 1))
    truncated = len(markdown) > MAX_MARKDOWN
    if truncated:
        cut = markdown.rfind("\n\n", 0, MAX_MARKDOWN)
        markdown = markdown[: cut if cut > MAX_MARKDOWN // 2 else MAX_MARKDOWN]
    body_start = len(document.blocks)
    builder = _Builder(styles, document)
    builder.run(_parser.parse(markdown))
    if header and len(document.blocks) > body_start:
        document.blocks[body_start].gap = 1
    if lede:
        _style_lede(document, body_start, lede, styles)
    if truncated:
        document.blocks.append(
            Block(
                Text(
                    " truncated: the rest is too long to show here; press o to open it "
                    "in the browser ",
                    style=styles.notice,
                    end="",
                )
            )
        )
    if list_links and document.links:
        document.blocks.append(Block(Text("Links", style=styles.h2, end="")))
        for index, url in enumerate(document.links):
            line = Text(f"[{index + 1}] ", style=styles.meta, end="")
            line.append(one_line(url), link_style(styles, index))
            document.blocks.append(Block(line, gap=0))
    return document


def _fold_space(text: str) -> str:
    return " ".join(text.split()).casefold()


def _style_lede(document: Document, start: int, lede: str, styles: MarkdownStyles) -> None:
    wanted = _fold_space(lede)
    if not wanted:
        return
    if len(document.blocks) > start:
        first = document.blocks[start]
        if _fold_space(first.text.plain) == wanted:
            first.text.stylize(styles.lede)
            return
    block = Block(Text(one_line(lede), style=styles.lede, end=""), gap=1)
    document.blocks.insert(start, block)
    if len(document.blocks) > start + 1:
        document.blocks[start + 1].gap = 1


def _prefix(block: Block, first: bool, quote_style: Style) -> Text:
    prefix = Text(end="")
    if block.quote:
        prefix.append(_QUOTE * block.quote, quote_style)
    if block.indent:
        prefix.append(" " * block.indent)
    if block.marker:
        prefix.append(block.marker if first else " " * len(block.marker), quote_style)
    return prefix


def layout(
    document: Document,
    width: int,
    styles: MarkdownStyles,
    *,
    margin: int = 1,
    console: Console | None = None,
) -> Iterator[Strip]:
    """The document's lines wrapped to ``width`` cells, lazily (so a caller can show
    the first screenful before the rest is wrapped)."""
    console = console or make_console(width)
    inner = min(max(width - 2 * margin, 10), MEASURE)
    pad = " " * margin
    for number, block in enumerate(document.blocks):
        if number:
            for _ in range(block.gap):
                yield Strip([])
        if block.rule:
            quote = _prefix(block, True, styles.marker)
            line = Text(pad, end="") + quote
            line.append("─" * max(inner - quote.cell_len, 1), styles.rule)
            yield _strip(line, console)
            continue
        first_prefix = _prefix(block, True, styles.marker)
        room = max(inner - first_prefix.cell_len, 8)
        held = block.wrap and _HOLD.search(block.text.plain) is not None
        source = _hold_spaces(block.text) if held else block.text
        lines = source.wrap(console, room, overflow="fold")
        for index, text in enumerate(lines):
            if held:
                text.plain = text.plain.translate(_BACK)
            prefix = first_prefix if index == 0 else _prefix(block, False, styles.marker)
            line = Text(pad, end="")
            line.append_text(prefix)
            line.append_text(text)
            yield _strip(line, console)


def _hold_spaces(text: Text) -> Text:
    """A copy of ``text`` whose spaces that must not break are stand-ins (same length,
    so every style span stays where it was)."""
    held = text.copy()
    held.plain = _HOLD.sub(lambda match: _STAND_INS[match.group()], text.plain)
    return held


def _strip(line: Text, console: Console) -> Strip:
    line.rstrip()
    return Strip(list(line.render(console)), line.cell_len)
