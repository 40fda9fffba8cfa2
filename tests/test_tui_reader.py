"""The reader for daily use: focus, contrast, lists, search results, sync
failures, typography, times, key hints, the palette, the ends of a list, wide screens
and the same story twice. Pilot over a real store, as in tests/test_tui.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from rich.color import Color as RichColor
from rich.segment import Segment
from textual.content import Content
from textual.theme import BUILTIN_THEMES

from newsreader.config import Config
from newsreader.demo import demo_sources
from newsreader.models import Article
from newsreader.store import Store
from newsreader.sync import run_sync
from newsreader.tui.app import NewsReaderApp
from newsreader.tui.markdown import MarkdownStyles, layout, parse
from newsreader.tui.screens.help import HelpScreen
from newsreader.tui.widgets.article_view import author_name, metadata_text
from tests.test_tui import (
    ARTICLES,
    NOW,
    fill,
    make_app,
    make_article,
    screen_text,
    settle,
    utc_time,  # noqa: F401 - the autouse fixture
    view_text,
)

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def demo(tmp_path: Path) -> Store:
    store = Store.open(tmp_path / "demo.db", clock=lambda: NOW)
    for source in demo_sources():
        run_sync(Config(), store, names=[source.name])
    return store


# -- contrast: computed here from WCAG's formula, on what the screen really draws ------


def _luminance(color: RichColor) -> float:
    triplet = color.get_truecolor()
    channels = []
    for value in (triplet.red, triplet.green, triplet.blue):
        scaled = value / 255
        channels.append(scaled / 12.92 if scaled <= 0.04045 else ((scaled + 0.055) / 1.055) ** 2.4)
    return 0.2126 * channels[0] + 0.7152 * channels[1] + 0.0722 * channels[2]


def _ratio(one: RichColor, two: RichColor) -> float:
    a, b = _luminance(one), _luminance(two)
    return (max(a, b) + 0.05) / (min(a, b) + 0.05)


def _is_text(segment: Segment) -> bool:
    """Letters, digits, marks: not the box-drawing lines of borders and scrollbars."""
    return any(not 0x2500 <= ord(char) <= 0x259F and not char.isspace() for char in segment.text)


def low_contrast(app: NewsReaderApp, region: Any = None) -> list[tuple[float, str]]:
    """Every text segment on screen (within ``region``) below WCAG AA: 4.5:1, or 3:1
    for bold text. A dimmed segment counts as a failure: how a terminal dims is its own."""
    found = []
    for y, strip in enumerate(app.screen._compositor.render_strips()):
        x = 0
        for segment in strip:
            inside = region is None or (
                region.y <= y < region.bottom and region.x <= x < region.right
            )
            x += segment.cell_length
            style = segment.style
            if not inside or style is None or not _is_text(segment):
                continue
            assert style.color is not None and style.bgcolor is not None, segment
            ratio = _ratio(style.color, style.bgcolor)
            if style.dim or ratio < (3.0 if style.bold else 4.5):
                found.append((round(ratio, 2), f"{segment.text.strip()[:30]!r} at row {y}"))
    return found


def test_the_reader_offers_every_builtin_theme_it_can_keep_readable(demo: Store) -> None:
    app = make_app(demo, offline=True)
    assert set(app.available_themes) == set(BUILTIN_THEMES) - {"ansi-dark", "ansi-light"}


async def test_every_text_reaches_wcag_aa_in_every_theme(demo: Store) -> None:
    """The states a reader sees (list, article and ticker focused, search results and
    their highlights, the keys screen), in every theme the reader offers."""
    app = make_app(demo, offline=True)
    worst: dict[str, float] = {}
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "enter")
        await settle(app, pilot)
        main = app.main
        for theme in app.available_themes:
            app.theme = theme
            await settle(app, pilot)
            failures: list[tuple[float, str]] = []
            for focus in (main.articles, main.view, main.ticker, main.sections_widget):
                focus.focus()
                await settle(app, pilot)
                failures += low_contrast(app)
            main.search("festival")
            await settle(app, pilot)
            assert main.articles.rows and main.articles.rows[0].highlights
            failures += low_contrast(app)
            await pilot.press("question_mark")
            await settle(app, pilot)
            failures += low_contrast(app, app.screen.query_one("#help").region)
            await pilot.press("escape")
            main.show_section(main.section.__class__("all"))
            await settle(app, pilot)
            assert not failures, (theme, sorted(failures)[:8])
            worst[theme] = 0
    assert len(worst) == len(app.available_themes)


# -- 1. focus -----------------------------------------------------------------------------


async def test_focus_starts_on_the_list_and_the_focused_pane_stands_out(demo: Store) -> None:
    app = make_app(demo, offline=True)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)
        main = app.main
        assert main.focused is main.articles
        articles, sections = main.articles, main.sections_widget
        assert articles.styles.border_top[0] == "heavy"  # the focused pane's border
        assert sections.styles.border_top[0] == "hkey"
        focused_cursor = articles.cursor_style.bgcolor
        await pilot.press("h")
        assert main.focused is sections
        assert articles.styles.border_top[0] == "hkey"
        assert sections.styles.border_top[0] == "heavy"
        blurred_cursor = articles.cursor_style.bgcolor
        assert focused_cursor != blurred_cursor  # the unfocused list's cursor is dimmed
        await pilot.press("l", "enter", "l")
        assert main.focused is main.view
        await pilot.press("q")
        await pilot.pause(0.2)
    again = make_app(demo, offline=True, ui_state=None)
    async with again.run_test(size=(150, 40)) as pilot:
        await settle(again, pilot)
        assert again.main.focused is again.main.view  # remembered: reading the article


# -- 3. scrolling -------------------------------------------------------------------------


async def test_a_relaunch_shows_the_remembered_article_on_screen(store: Store) -> None:
    fill(store, [make_article(n, f"A{n}", section="S", hours_ago=n + 1) for n in range(80)])
    app = make_app(store, ui_state=None)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        for _ in range(40):
            await pilot.press("j")
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("q")
        await pilot.pause(0.2)
    again = make_app(store, ui_state=None)
    async with again.run_test(size=(120, 30)) as pilot:
        await settle(again, pilot)
        articles = again.main.articles
        assert articles.current is not None and articles.current.title == "A40"
        assert articles.top_row <= articles.cursor < articles.top_row + articles.rows_on_screen
        assert "A40" in screen_text(again)


async def test_new_rows_above_a_list_at_its_top_are_shown(store: Store) -> None:
    fill(store, ARTICLES[3:])
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        fill(store, ARTICLES[:3])
        app.main.reload()
        await settle(app, pilot)
        articles = app.main.articles
        assert articles.top_row == 0  # the view stayed at the top: the newest row shows
        assert [row.id for row in articles.rows[:3]] == [a.id for a in ARTICLES[:3]]


# -- 4. search results ----------------------------------------------------------------------


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store.open(tmp_path / "newsreader.db", clock=lambda: NOW) as opened:
        yield opened


async def test_search_results_are_a_paged_section_with_snippets(store: Store) -> None:
    many = [
        make_article(n, f"Marché numéro {n}", section="S", hours_ago=n + 1, lede="Le marché.")
        for n in range(250)
    ]
    fill(store, many)
    store.mark_read(many[1].id)
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        app.main.search("marche")
        await settle(app, pilot)
        articles = app.main.articles
        assert articles.row_height == 2
        assert "Search: marche · 250 results" in screen_text(app)
        first = articles.rows[0]
        assert first.unread and first.snippet and first.highlights
        line = articles.render_row_lines(0, 80)[1]
        matched = [seg for seg in line if seg.text.casefold().startswith("march")]
        assert matched and all(seg.style and seg.style.bold for seg in matched)
        assert "●" in articles.render_row(0, 80).text
        for _ in range(20):
            await pilot.press("pagedown")
            await settle(app, pilot)
        assert len(articles.rows) == 250  # not capped at one page


# -- 6. typography ----------------------------------------------------------------------------


def test_french_punctuation_never_starts_a_line_and_links_keep_their_space() -> None:
    styles = MarkdownStyles()
    text = "Il a dit : « je viens » ! Pourquoi ? Voir la société.   [lien](https://e.org)Où"
    document = parse(text * 3, styles)
    for width in range(18, 60):
        lines = [strip.text.strip() for strip in layout(document, width, styles)]
        assert not [line for line in lines if line and (line[0] in ":;»!?" or line[-1] == "«")]
    assert "lien Où" in " ".join(s.text for s in layout(document, 200, styles))


def test_authors_show_as_names_and_times_as_the_rule_says() -> None:
    assert author_name("redaction@example.org (Rédaction 6)") == "Rédaction 6"
    assert author_name("Hugo Bernard <hugo@example.org>") == "Hugo Bernard"
    article = Article(
        id="a" * 12,
        title="T",
        url=None,
        author="redaction@example.org (Rédaction 6)",
        published="2025-11-27T11:40:00+01:00",
    )
    meta = metadata_text(article, MarkdownStyles()).plain
    assert meta == "Rédaction 6 · 2025-11-27 10:40 (11:40 +01:00 at the source)"


async def test_the_article_column_is_left_aligned_and_at_most_80_cells(demo: Store) -> None:
    app = make_app(demo, offline=True)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        lines = [line.text for line in app.main.view.lines if line.text.strip()]
        assert max(len(line.rstrip()) for line in lines) <= 81
        starts = {len(line) - len(line.lstrip()) for line in lines[:4]}
        assert starts == {1}  # title, metadata, lede and text start in one column


# -- 8, 9. key hints, help, palette ---------------------------------------------------------


@pytest.mark.parametrize("size", [(80, 24), (60, 20)])
async def test_quit_and_keys_stay_in_the_footer(filled_demo: Any, size: tuple[int, int]) -> None:
    app = make_app(filled_demo, offline=True)
    async with app.run_test(size=size) as pilot:
        await settle(app, pilot)
        footer = screen_text(app).splitlines()[-1]
        assert "q Quit" in footer and "? Keys" in footer
        await pilot.press("enter")
        await settle(app, pilot)
        assert "esc Back" in screen_text(app).splitlines()[-1]


@pytest.fixture
def filled_demo(demo: Store) -> Store:
    return demo


async def test_the_help_screen_fits_45_rows_and_says_how_to_close(demo: Store) -> None:
    app = make_app(demo, offline=True)
    async with app.run_test(size=(120, 45)) as pilot:
        await settle(app, pilot)
        await pilot.press("question_mark")
        await settle(app, pilot)
        assert isinstance(app.screen, HelpScreen)
        help_box = app.screen.query_one("#help")
        assert help_box.max_scroll_y == 0  # nothing hidden behind a scrollbar
        shown = screen_text(app)
        assert "command-palette" in shown  # the last row, ctrl+p's
        assert "esc to close" in shown and "mouse" in shown
        assert "[keymap]" in shown


async def test_the_palette_has_no_duplicates_and_our_texts_stay_literal(demo: Store) -> None:
    app = make_app(demo, offline=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        commands = list(app.get_system_commands(app.screen))
        titles = [command.title for command in commands]
        assert "Maximize" not in titles and "Keys" not in titles
        assert titles.count("Quit") == 1 and "All keys" in titles
        for command in commands:
            assert Content.from_markup(command.help).plain == command.help, command.title


# -- 11. wide screens ----------------------------------------------------------------------------


async def test_wide_screens_size_columns_from_content(demo: Store) -> None:
    app = make_app(demo, offline=True)
    async with app.run_test(size=(150, 40)) as pilot:
        await settle(app, pilot)
        assert "Édition internationale" in screen_text(app)
        main = app.main
        assert main.open_id == main.articles.rows[0].id  # the first article, not a blank
        assert main.articles.rows[0].unread  # shown, not marked read
        assert main.articles.size.width >= main.view.size.width
    wide = make_app(demo, offline=True)
    async with wide.run_test(size=(200, 40)) as pilot:
        await settle(wide, pilot)
        assert wide.main.view.size.width <= 84
        assert wide.main.articles.size.width > 80
        assert wide.main.articles.rows[0].title in view_text(wide)
