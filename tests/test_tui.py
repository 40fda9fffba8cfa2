"""The reader app, driven with Textual's Pilot over a real SQLite store in a temp dir.

Each test builds the real :class:`NewsReaderApp` through its constructor (the factory
the CLI uses too) with a :class:`FixedClock`, waits for the workers instead of
sleeping, and checks what the reader would see or what the store now holds.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from rich.cells import cell_len
from textual.pilot import Pilot
from textual.widget import Widget
from textual.widgets import Input

from newsreader.config import Config, SourceConfig
from newsreader.content.sanitize import defang
from newsreader.ids import article_id
from newsreader.models import Article
from newsreader.store import Store
from newsreader.sync import sync
from newsreader.tui.app import NewsReaderApp
from newsreader.tui.clock import FixedClock
from newsreader.tui.model import SectionKey
from newsreader.tui.screens.failures import FailuresScreen
from newsreader.tui.screens.help import HelpScreen
from newsreader.tui.widgets.ticker import Ticker
from tests.server import free_port

pytestmark = pytest.mark.anyio

NOW = datetime(2025, 11, 28, 9, 0, tzinfo=UTC)
HOSTILE = "[/] [bold]x[/bold] [@click=app.quit]boom[/] [link=file:///etc]y[/link]"
SHOWN = defang(HOSTILE)
"""HOSTILE as content/ cleans it (a look-alike colon in "file:"), shown literally."""
HOSTILE_NAME = "[/] [bold]x[/bold] [@click=app.quit]boom[/] [link=https://evil.example]y[/link]"
"""Markup in a source name config.toml accepts (a name is plain text as written)."""


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture(autouse=True)
def utc_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC, so clock times and dates on screen are the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


def make_article(
    number: int,
    title: str,
    *,
    section: str,
    hours_ago: float,
    body: str | None = None,
    author: str | None = "Camille Martin",
    url: str | None = None,
    lede: str | None = None,
) -> Article:
    url = url or f"https://example.org/{number}"
    markdown = (
        body if body is not None else f"{lede or 'Chapô.'}\n\nLe corps de l'article {number}."
    )
    return Article(
        id=article_id(url),
        title=title,
        url=url,
        section=section,
        author=author,
        published=(NOW - timedelta(hours=hours_ago)).isoformat(),
        lede=lede or "Chapô.",
        markdown=markdown,
        text=markdown,
        source="Le Test",
    )


ARTICLES = [
    make_article(1, "La croissance économique ralentit", section="Économie", hours_ago=1),
    make_article(2, "Un festival de bande dessinée", section="Culture", hours_ago=2),
    make_article(3, "東京で新しい技術が発表された 🚀 café", section="Monde", hours_ago=3),
    make_article(4, "Les marchés reculent", section="Économie", hours_ago=4),
    make_article(5, "Une exposition au musée", section="Culture", hours_ago=5),
    make_article(6, "Élections régionales", section="Monde", hours_ago=30),
]


def fill(store: Store, articles: list[Article] = ARTICLES, source: str = "Le Test") -> None:
    store.upsert_source(source, kind="feed", location="https://example.org/feed")
    store.upsert_articles(source, articles)


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "newsreader.db", clock=lambda: NOW) as opened:
        yield opened


@pytest.fixture
def filled(store: Store) -> Store:
    fill(store)
    return store


def make_app(store: Store, config: Config | None = None, **options: Any) -> NewsReaderApp:
    options.setdefault("ui_state", {})
    options.setdefault("sync_on_start", False)
    app = NewsReaderApp(config=config or Config(), store=store, clock=FixedClock(NOW), **options)
    # Textual reads TEXTUAL_ANIMATIONS when it is imported, before the autouse fixture
    # sets it: say it again here so every test runs with animations off.
    app.animation_level = "none"
    return app


async def settle(app: NewsReaderApp, pilot: Pilot[Any]) -> None:
    """Wait until no worker runs and every message they sent has been handled."""
    for _ in range(50):
        await app.workers.wait_for_complete()
        await pilot.pause()
        if not any(worker.is_running for worker in app.workers):
            await pilot.pause()
            if not any(worker.is_running for worker in app.workers):
                return
    raise AssertionError("workers never settled")


async def type_in_prompt(pilot: Pilot[Any], key: str, text: str) -> None:
    """Open a prompt with ``key``, fill it (typing a long path key by key is slow) and
    submit it with enter, as the reader would."""
    await pilot.press(key)
    prompt = pilot.app.screen.query_one(Input)
    prompt.value = text
    await pilot.press("enter")


def focused(app: NewsReaderApp) -> Widget | None:
    """The focused widget (a function, so each check looks again)."""
    return app.main.focused


def view_text(app: NewsReaderApp) -> str:
    return "\n".join(line.text for line in app.main.view.lines)


def counts(app: NewsReaderApp) -> dict[str, int]:
    return {entry.key.label: entry.count for entry in app.main.sections_widget.entries}


def screen_text(app: NewsReaderApp) -> str:
    """Everything on screen, as the terminal would show it."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


# -- moving around --------------------------------------------------------------------


async def test_sections_and_articles(filled: Store) -> None:
    app = make_app(filled)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        main = app.main
        labels = [entry.key.label for entry in main.sections_widget.entries]
        assert labels[:3] == ["All", "Unread", "Starred"]
        assert labels[3:] == ["Culture", "Économie", "Monde"]
        assert [row.title for row in main.articles.rows][:2] == [
            "La croissance économique ralentit",
            "Un festival de bande dessinée",
        ]
        assert focused(app) is main.articles
        await pilot.press("h")  # to the section list
        assert focused(app) is main.sections_widget
        await pilot.press("j", "j", "j", "j")  # Unread, Starred, Culture, Économie
        await settle(app, pilot)
        assert main.section == SectionKey("section", "Économie")
        assert {row.section for row in main.articles.rows} == {"Économie"}
        assert app.main.status.section == "Économie"
        await pilot.press("enter")  # into the list
        assert focused(app) is main.articles
        await pilot.press("j")
        assert main.articles.current is not None
        assert main.articles.current.title == "Les marchés reculent"
        await pilot.press("tab")
        assert focused(app) is main.view


async def test_open_article_shows_it_and_marks_it_read(filled: Store) -> None:
    app = make_app(filled)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        assert counts(app)["Unread"] == 6
        await pilot.press("j", "enter")
        await settle(app, pilot)
        text = view_text(app)
        assert "Un festival de bande dessinée" in text
        assert "Culture · Camille Martin · 2025-11-28 07:00" in text
        assert "Le corps de l'article 2." in text
        assert app.main.open_id == ARTICLES[1].id
        assert app.main.articles.rows[1].read is True
        assert counts(app)["Unread"] == 5
        assert counts(app)["Culture"] == 1
        stored = filled.article(ARTICLES[1].id)
        assert stored is not None and stored.read


async def test_opening_can_leave_articles_unread(filled: Store) -> None:
    app = make_app(filled, Config(mark_read_on_open=False))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "La croissance économique ralentit" in view_text(app)
        assert app.main.articles.rows[0].read is False
        assert counts(app)["Unread"] == 6


async def test_an_article_changed_since_read_is_marked(filled: Store) -> None:
    filled.mark_read(ARTICLES[0].id)
    changed = make_article(
        1, "La croissance économique ralentit (mis à jour)", section="Économie", hours_ago=1
    )
    filled.upsert_articles("Le Test", [changed])
    app = make_app(filled)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        row = app.main.articles.rows[0]
        assert row.read and row.updated
        assert "↻" in app.main.articles.render_row(0, 60).text
        await pilot.press("enter")
        await settle(app, pilot)
        assert "changed since you read it" in view_text(app)
        assert not app.main.articles.rows[0].updated  # reading it again clears the mark


async def test_toggle_read_and_star(filled: Store) -> None:
    app = make_app(filled)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("m")  # the row under the cursor: read
        await settle(app, pilot)
        assert counts(app)["Unread"] == 5
        assert app.main.articles.rows[0].read is True
        await pilot.press("m")  # and unread again
        await settle(app, pilot)
        assert counts(app)["Unread"] == 6
        await pilot.press("j", "s")
        await settle(app, pilot)
        assert counts(app)["Starred"] == 1
        assert app.main.articles.rows[1].starred
        assert [ref.id for ref in filled.articles(starred=True)] == [ARTICLES[1].id]
        app.main.sections_widget.select(SectionKey("starred"))
        await settle(app, pilot)
        assert [row.id for row in app.main.articles.rows] == [ARTICLES[1].id]


async def test_search_finds_accented_word_typed_without_accents(filled: Store) -> None:
    app = make_app(filled)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("slash")
        assert isinstance(app.screen.focused, Input)
        await pilot.press(*"economique", "enter")
        await settle(app, pilot)
        main = app.main
        assert main.section == SectionKey("search", "economique")
        assert [row.title for row in main.articles.rows] == ["La croissance économique ralentit"]
        assert counts(app)["Search: economique"] == 1
        assert main.sections_widget.current == SectionKey("search", "economique")
        await pilot.press("enter")
        await settle(app, pilot)
        assert "La croissance économique ralentit" in view_text(app)


async def test_n_jumps_to_the_next_unread(filled: Store) -> None:
    filled.mark_read([ARTICLES[1].id, ARTICLES[2].id])
    app = make_app(filled)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("n")
        await settle(app, pilot)
        assert app.main.articles.cursor == 3
        assert app.main.open_id == ARTICLES[3].id
        assert "Les marchés reculent" in view_text(app)
        await pilot.press("p")
        await settle(app, pilot)
        assert app.main.open_id == ARTICLES[0].id


async def test_n_loads_pages_until_an_unread_article(store: Store) -> None:
    many = [
        make_article(100 + n, f"Article {n}", section="Monde", hours_ago=n + 1) for n in range(250)
    ]
    fill(store, many)
    store.mark_read([a.id for a in many[:-1]])
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        assert len(app.main.articles.rows) == 100  # one page, not 250 widgets
        await pilot.press("n")
        await settle(app, pilot)
        assert app.main.open_id == many[-1].id
        assert app.main.articles.current is not None
        assert app.main.articles.current.title == "Article 249"


async def test_the_list_pages_as_the_cursor_goes_down(store: Store) -> None:
    fill(store, [make_article(n, f"A{n}", section="S", hours_ago=n + 1) for n in range(320)])
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        articles = app.main.articles
        assert len(articles.rows) == 100
        for _ in range(4):
            await pilot.press("pagedown")
            await settle(app, pilot)
        assert len(articles.rows) == 200
        assert articles.current is not None and articles.current.title == f"A{articles.cursor}"


async def test_shift_g_goes_to_the_true_last_row_and_g_to_the_first(store: Store) -> None:
    """In a 10,000-article section one ``G`` reaches the last article (read from the
    end of the index), and paging up from there carries on without a gap."""
    count = 10_000
    fill(store, [make_article(n, f"A{n}", section="S", hours_ago=n + 1) for n in range(count)])
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        articles = app.main.articles
        await pilot.press("G")
        await settle(app, pilot)
        assert articles.current is not None and articles.current.title == f"A{count - 1}"
        assert len(articles.rows) <= 200  # the end, not 10,000 rows
        top, height = articles.top_row, articles.rows_on_screen
        assert top <= articles.cursor < top + height  # and the cursor is on screen
        for _ in range(12):  # up by screenfuls: the pages above arrive as needed
            await pilot.press("pageup")
            await settle(app, pilot)
        titles = [row.title for row in articles.rows]
        assert titles == [f"A{n}" for n in range(count - len(titles), count)]
        assert articles.current is not None
        assert articles.current.title == f"A{count - 1 - 12 * (height - 1)}"
        await pilot.press("g")
        await settle(app, pilot)
        assert articles.cursor == 0 and articles.current is not None
        assert articles.current.title == "A0"
        assert articles.top_row == 0


async def test_titles_are_cut_by_cells_so_columns_line_up(store: Store) -> None:
    titles = [
        "東京で新しい技術が発表された、そして世界中の研究者がその意味について議論している",
        "🚀🚀🚀 Fusée 🚀 lancée avec succès depuis la base de Kourou ce matin 🚀🚀🚀",
        "Économie : la réforme des retraites adoptée après des mois de débat",
        "Short",
    ]
    fill(store, [make_article(n, t, section="S", hours_ago=n + 1) for n, t in enumerate(titles)])
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        articles = app.main.articles
        for width in (70, 40):
            title_ends, source_starts = set(), set()
            for index in range(len(titles)):
                strip = articles.render_row(index, width)
                assert strip.cell_length == width
                segments = list(strip)  # markers, title, padding, then source and age
                title_ends.add(sum(cell_len(segment.text) for segment in segments[:6]))
                if width >= 46:  # wide enough for the source column
                    source_starts.add(cell_len(strip.text[: strip.text.index("Le Test")]))
            assert len(title_ends) == 1, (width, title_ends)
            assert len(source_starts) == (1 if width >= 46 else 0)


# -- sync -----------------------------------------------------------------------------


async def test_failed_sync_says_so_and_lists_the_failures_one_key_away(filled: Store) -> None:
    url = f"http://127.0.0.1:{free_port()}/feed.xml"
    config = Config(sources=(SourceConfig(name=HOSTILE_NAME, url=url),), timeout=5)
    app = make_app(filled, config)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        await settle(app, pilot)
        assert app.is_running
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors, "the failure is notified"
        assert HOSTILE_NAME in errors[-1].message  # shown literally, never as markup
        assert not errors[-1].markup
        status = screen_text(app).splitlines()[0]
        assert "sync failed: 1 of 1 source" in status
        assert "offline" not in status and "synced 09:00" not in status  # nor --offline, nor synced
        assert len(app.main.articles.rows) == 6  # the cache is still shown
        await pilot.press("E")
        await settle(app, pilot)
        assert isinstance(app.screen, FailuresScreen)
        shown = "".join(screen_text(app).split())  # the name wraps in its column
        assert "".join(HOSTILE_NAME.split())[:20] in shown and "esctoclose" in shown
        assert app.screen.failures[0].source == HOSTILE_NAME and app.screen.failures[0].error
        await pilot.press("escape")
        assert not isinstance(app.screen, FailuresScreen)


async def test_a_partial_failure_is_said_apart_from_offline_mode(
    tmp_path: Path, store: Store
) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    write_md(folder, "one.md", "Une note", hours_ago=1)
    url = f"http://127.0.0.1:{free_port()}/feed.xml"
    config = Config(
        sources=(SourceConfig(name="Local", path=str(folder)), SourceConfig(name="Web", url=url)),
        timeout=5,
    )
    app = make_app(store, config)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        await settle(app, pilot)
        status = screen_text(app).splitlines()[0]
        assert "1 of 2 sources failed · E" in status and "synced 09:00" in status
        assert "offline" not in status
    offline = make_app(store, config, offline=True)
    async with offline.run_test(size=(120, 30)) as pilot:
        await settle(offline, pilot)
        assert "○ offline (--offline)" in screen_text(offline).splitlines()[0]


def write_md(folder: Path, name: str, title: str, hours_ago: float) -> None:
    date = (NOW - timedelta(hours=hours_ago)).isoformat()
    (folder / name).write_text(
        f"---\ntitle: {title}\ndate: {date}\n---\n\nBody of {title}.\n", encoding="utf-8"
    )


async def test_sync_adds_articles_without_moving_the_cursor(tmp_path: Path, store: Store) -> None:
    folder = tmp_path / "news"
    folder.mkdir()
    for n in range(5):
        write_md(folder, f"old{n}.md", f"Old {n}", hours_ago=10 + n)
    config = Config(sources=(SourceConfig(name="Local", path=str(folder)),))
    await sync(config, store)
    app = make_app(store, config)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("j", "j")
        main = app.main
        assert main.articles.current is not None
        assert main.articles.current.title == "Old 2"
        for n in range(3):
            write_md(folder, f"new{n}.md", f"New {n}", hours_ago=n + 1)
        await pilot.press("R")
        await settle(app, pilot)
        await pilot.pause(0.6)  # the throttled refresh after progress
        await settle(app, pilot)
        titles = [row.title for row in main.articles.rows]
        assert titles[:3] == ["New 0", "New 1", "New 2"]
        assert len(titles) == 8
        assert main.articles.current is not None
        assert main.articles.current.title == "Old 2"  # the cursor stayed on its article
        assert counts(app)["All"] == 8
        assert not main.syncing
        assert main.status.last_sync == "09:00"


async def test_first_run_opens_on_the_demo_edition_offline(store: Store) -> None:
    app = make_app(store, offline=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.pause(0.6)
        await settle(app, pilot)
        # 12 articles, one story twice (the flash feed and the article): 11 rows in All.
        rows = app.main.articles.rows
        assert len(rows) == 11 and counts(app)["All"] == 11
        title = "Le festival de la bande dessinée dévoile son affiche"
        festival = [row for row in rows if row.title == title]
        assert len(festival) == 1
        assert {festival[0].source, *festival[0].also} == {
            "Flash infos (démo)",
            "Le Petit Journal (démo)",
        }
        shown = app.main.articles.render_row(rows.index(festival[0]), 80).text
        assert " +1  " in shown  # the end of its source column, before the age
        assert "Flash infos" in counts(app)
        assert app.main.ticker.headlines
        assert app.main.status.offline


async def test_offline_never_syncs_feeds(filled: Store) -> None:
    config = Config(sources=(SourceConfig(name="Web", url="https://example.org/feed"),))
    app = make_app(filled, config, offline=True, sync_on_start=True)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("R")
        await settle(app, pilot)
        assert not app.main.syncing
        assert any("Offline" in n.message for n in app._notifications)
        assert filled.source("Web") is None  # run_sync never even registered it


async def test_background_sync_parses_feeds_in_helper_processes(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reader's sync is the command line's: feeds are parsed in helper processes
    (where the machine has a core to spare), never on the thread that keeps the
    screen alive."""
    from newsreader import processes
    from newsreader.sync import default_workers
    from tests import server as srv

    if not default_workers():
        pytest.skip("a single core: the sync parses in-process, as it should")
    offloaded: list[str] = []
    real_run = processes.WorkerPool.run

    async def run(pool: processes.WorkerPool, function: Any, *args: Any) -> Any:
        offloaded.append(function.__name__)
        return await real_run(pool, function, *args)

    monkeypatch.setattr(processes.WorkerPool, "run", run)
    feed = srv.rss(
        "Wire",
        [
            {"title": f"Story {n}", "link": f"https://wire.example/{n}", "guid": f"w{n}"}
            for n in range(3)
        ],
    )
    httpd = srv.LoopbackServer()
    try:
        url = httpd.route("/feed", srv.static(feed, "application/rss+xml"))
        config = Config(sources=(SourceConfig(name="Wire", url=url, full_text="never"),))
        app = make_app(store, config)
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(app, pilot)
            await pilot.press("R")
            await settle(app, pilot)
            assert len(app.main.articles.rows) == 3  # shown once stored
    finally:
        httpd.close()
    assert {article.title for article in store.articles()} == {"Story 0", "Story 1", "Story 2"}
    assert offloaded == ["parse_feed"]


# -- the ticker -----------------------------------------------------------------------


async def test_ticker_steps_with_the_clock_and_opens_the_right_article(filled: Store) -> None:
    app = make_app(filled)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        ticker = app.main.ticker
        clock = app.clock
        assert isinstance(clock, FixedClock)
        assert ticker.stepping  # TEXTUAL_ANIMATIONS=none in tests
        titles = [h.title for h in ticker.headlines]
        assert titles[0] == ARTICLES[0].title
        assert ticker.current_index == 0
        clock.advance(Ticker.STEP_SECONDS)
        assert ticker.current_index == 1
        clock.advance(Ticker.STEP_SECONDS * 2)
        assert ticker.current_index == 3
        await pilot.press("f")  # focused: it stops where it is
        assert ticker.has_focus
        clock.advance(Ticker.STEP_SECONDS * 5)
        assert ticker.current_index == 3
        await pilot.press("right", "right", "left")
        assert ticker.current_index == 4
        await pilot.press("enter")
        await settle(app, pilot)
        assert app.main.open_id == ARTICLES[4].id
        assert "Une exposition au musée" in view_text(app)


async def test_ticker_scrolls_smoothly_from_the_clock(filled: Store) -> None:
    app = make_app(filled)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        app.animation_level = "full"
        ticker = app.main.ticker
        ticker.refresh_motion()
        clock = app.clock
        assert isinstance(clock, FixedClock)
        first = ticker.render_line(0).text
        assert first.startswith("08:00  La croissance économique ralentit  ◆  07:00")
        clock.advance(2.0)  # 16 cells at 8 cells/s
        assert ticker.render_line(0).text[:30] == first[16:46]
        assert ticker.auto_refresh == pytest.approx(1 / Ticker.FPS)
        await pilot.hover("#ticker")
        assert ticker.auto_refresh is None  # hovered: stands still, costs nothing
        frozen = ticker.render_line(0).text
        clock.advance(5.0)
        assert ticker.render_line(0).text == frozen
        await pilot.hover("#articles")
        assert ticker.current_index == 0  # 16 cells into the first headline
        clock.advance(5.0)
        assert ticker.current_index == 1
        await pilot.press("t")  # paused by the reader
        assert ticker.paused and ticker.auto_refresh is None
        await pilot.click("#ticker", offset=(2, 0))  # opens the headline under the mouse
        await settle(app, pilot)
        assert app.main.open_id == ticker.current.id if ticker.current else None


# -- layout ---------------------------------------------------------------------------


async def test_narrow_layout_stacks_the_panes(filled: Store) -> None:
    app = make_app(filled)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot)
        main = app.main
        assert main.narrow
        assert not main.sections_widget.display or main.sections_widget.size.width == 0
        assert main.view.size.width == 0
        assert main.articles.size.width == 80
        await pilot.press("enter")
        await settle(app, pilot)
        assert main.has_class("-reading")
        assert main.view.size.width == 80 and main.articles.size.width == 0
        assert focused(app) is main.view
        assert "La croissance économique ralentit" in view_text(app)
        await pilot.press("h")
        assert not main.has_class("-reading")
        assert focused(app) is main.articles
        await pilot.press("h")  # the section list comes out
        assert main.has_class("-show-sections")
        assert main.sections_widget.size.width == 80
        await pilot.press("j", "enter")
        await settle(app, pilot)
        assert main.section == SectionKey("unread")
        assert focused(app) is main.articles and not main.has_class("-show-sections")
        await pilot.press("S")
        assert main.has_class("-show-sections")
        await pilot.press("escape")
        assert not main.has_class("-show-sections")
        await pilot.press("S", "n")  # from the sections, straight to the next unread
        await settle(app, pilot)
        assert main.has_class("-reading") and not main.has_class("-show-sections")
        assert focused(app) is main.view
        await pilot.resize_terminal(120, 30)
        await settle(app, pilot)
        assert not main.narrow and main.view.size.width > 0


# -- hostile text ---------------------------------------------------------------------


async def test_hostile_text_shows_literally_everywhere(store: Store) -> None:
    hostile = make_article(
        66,
        f"{HOSTILE} \x1b[31mred\x1b[0m",
        section=f"[red]{HOSTILE}",
        hours_ago=0.5,
        author="[b]author[/b]",
        body=f"{HOSTILE}\n\n## [bold]heading\n\n- [@click=app.quit]item[/]\n",
    )
    fill(store, [hostile, *ARTICLES[:2]], source="[@click=app.quit]source[/]")
    app = make_app(store)
    async with app.run_test(size=(160, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        shown = screen_text(app)
        assert "\x1b" not in shown
        assert SHOWN in shown  # article list, article pane and ticker
        assert f"[red]{HOSTILE}"[:20] in shown  # the section name (cut to the column)
        assert "[b]author[/b]" in view_text(app)
        assert "## [bold]heading"[3:] in view_text(app)
        assert "[@click=app.quit]item[/]" in view_text(app)
        # Clicking all over the article and the title fires nothing.
        for y in range(4):
            await pilot.click("#article", offset=(3 + 4 * y, y))
        await pilot.click("#ticker", offset=(12, 0))
        await settle(app, pilot)
        assert app.is_running
        await pilot.press("slash", *"[/]", "enter")  # a hostile search query
        await settle(app, pilot)
        assert app.is_running
        assert "Search: [/]" in screen_text(app)


async def test_links_are_clickable_and_only_web_links_open(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    body = (
        "Voir [le site](https://example.org/page) et [ceci](javascript:alert(1)), "
        "[un fichier](file:///etc/passwd) ou [écrire](mailto:a@example.org)."
    )
    fill(
        store,
        [
            make_article(
                7, "Liens", section="S", hours_ago=1, body=body, url="https://example.org/7"
            )
        ],
    )
    app = make_app(store)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, new_tab=True: opened.append(url))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        view = app.main.view
        assert view.links == ["https://example.org/page", "mailto:a@example.org"]
        text = view_text(app)
        assert "[1] https://example.org/page" in text
        assert "file:///etc/passwd" not in text.split("Links")[-1]
        line = next(i for i, strip in enumerate(view.lines) if "le site" in strip.text)
        column = view.lines[line].text.index("le site")
        await pilot.click("#article", offset=(column + 1, line + 1))  # under its title
        await settle(app, pilot)
        assert opened == ["https://example.org/page"]
        await pilot.press("o")
        assert opened[-1] == "https://example.org/7"


async def test_o_refuses_other_schemes(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    fill(store, [make_article(8, "Ftp", section="S", hours_ago=1, url="ftp://example.org/x")])
    app = make_app(store)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, new_tab=True: opened.append(url))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("o")
        assert opened == []
        assert any(n.severity == "warning" for n in app._notifications)


# -- long articles ----------------------------------------------------------------------


def long_markdown(size: int) -> str:
    paragraph = (
        "Le **bulletin** publié jeudi confirme le diagnostic des derniers mois : "
        "l'activité progresse lentement, portée par la [consommation](https://example.org/c) "
        "des ménages, tandis que l'investissement reste *hésitant*. "
    ) * 4
    parts: list[str] = []
    while sum(len(p) for p in parts) < size:
        number = len(parts)
        parts.append(f"## Partie {number}" if number % 10 == 0 else paragraph)
    return "\n\n".join(parts)


async def test_a_200kb_article_opens_first_screen_first(store: Store) -> None:
    body = long_markdown(200_000)
    fill(store, [make_article(9, "Très long", section="S", hours_ago=1, body=body)])
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        started = time.perf_counter()
        await pilot.press("enter")
        await settle(app, pilot)
        elapsed = time.perf_counter() - started
        view = app.main.view
        assert view.complete
        assert len(view.lines) > 2000
        assert "Très long" in view.lines[0].text
        assert elapsed < 5  # generous: CI machines vary; bench/tui.py measures for real
        await pilot.press("l", "G")
        assert view.scroll_y == view.max_scroll_y > 0
        await pilot.press("space")
        await pilot.press("g", "space", "space", "b")
        assert view.scroll_y == view.scrollable_content_region.height - 2


# -- remembering, keymap, help, palette, locations ----------------------------------------


async def test_remembers_section_article_and_scroll(store: Store) -> None:
    fill(
        store,
        [
            make_article(10, "Long", section="Économie", hours_ago=0.5, body=long_markdown(20_000)),
            *ARTICLES,
        ],
    )
    app = make_app(store, ui_state=None)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        app.main.sections_widget.select(SectionKey("section", "Économie"))
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("l", "space", "space")
        scroll = app.main.view.scroll_y
        assert scroll > 0
        await pilot.press("q")
        await pilot.pause(0.2)
    assert store.ui_state("tui")["scroll"] == scroll
    again = make_app(store, ui_state=None)
    async with again.run_test(size=(120, 30)) as pilot:
        await settle(again, pilot)
        main = again.main
        assert main.section == SectionKey("section", "Économie")
        assert main.sections_widget.current == SectionKey("section", "Économie")
        assert main.open_id == article_id("https://example.org/10")
        assert main.articles.current is not None and main.articles.current.title == "Long"
        assert main.view.scroll_y == scroll


async def test_theme_is_remembered(filled: Store) -> None:
    app = make_app(filled, ui_state=None)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        app.theme = "nord"
        await settle(app, pilot)
    assert filled.ui_state("tui")["theme"] == "nord"
    assert make_app(filled, ui_state=None).theme == "nord"


async def test_keymap_rebinds_by_id_and_help_lists_everything(filled: Store) -> None:
    config = Config(keymap={"next-unread": "x", "no-such-binding": "z"})
    app = make_app(filled, config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        assert any("no-such-binding" in n.message for n in app._notifications)
        await pilot.press("x")
        await settle(app, pilot)
        assert app.main.open_id == ARTICLES[1].id  # x is now "next unread"
        await pilot.press("question_mark")
        assert isinstance(app.screen, HelpScreen)
        ids = {row.binding_id: row.keys for row in app.screen.rows}
        assert ids["next-unread"] == "x"
        for binding_id in ("cursor-down", "open", "search", "sync-all", "ticker-open", "quit"):
            assert binding_id in ids
        await pilot.press("escape")
        assert not isinstance(app.screen, HelpScreen)


async def test_palette_commands(filled: Store) -> None:
    app = make_app(filled)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        titles = {command.title for command in app.get_system_commands(app.screen)}
        assert {"Sync all sources", "Search", "Theme", "Toggle ticker", "Open location"} <= titles
        await pilot.press("ctrl+p")
        await pilot.pause()
        assert app.screen.__class__.__name__ == "CommandPalette"
        app.screen.query_one(Input).value = "toggle ticker"
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(app, pilot)
        assert not app.main.ticker.display


async def test_open_location_uses_the_open_pipeline_and_caches(
    tmp_path: Path, filled: Store
) -> None:
    page = tmp_path / "note.md"
    page.write_text("---\ntitle: Une note locale [x]\n---\n\nTexte de la note.\n", encoding="utf-8")
    app = make_app(filled)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await type_in_prompt(pilot, "colon", str(page))
        await settle(app, pilot)
        assert "Une note locale [x]" in view_text(app)
        assert "Texte de la note." in view_text(app)
        assert filled.totals().articles == 7  # cached, like `newsreader open`
        await type_in_prompt(pilot, "colon", "/no/such/file.md")
        await settle(app, pilot)
        assert app.is_running
        assert any(n.severity == "error" for n in app._notifications)


DAMAGE_PAGE = """
import sqlite3, sys
path, name = sys.argv[1], sys.argv[2]
conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
(root,) = conn.execute("SELECT rootpage FROM sqlite_master WHERE name = ?", (name,)).fetchone()
(size,) = conn.execute("PRAGMA page_size").fetchone()
conn.close()
with open(path, "r+b") as handle:
    handle.seek((root - 1) * size)
    handle.write(b"\\xff" * size)
"""


async def test_damage_met_while_reading_is_mended_with_one_notification(tmp_path: Path) -> None:
    """Another program damages the cache under the running reader (the search index,
    which the reader has not read yet): the searches that meet the damage mend the cache
    once (one notification, not a flood), and the reader goes on with every article."""
    import subprocess
    import sys

    forward: list[Any] = []
    path = tmp_path / "newsreader.db"
    store = Store.open(path, clock=lambda: NOW, notice=lambda m: forward[0](m))
    fill(store)
    store.close()  # the pages to damage are on disk, not only in the WAL
    store = Store.open(path, clock=lambda: NOW, notice=lambda m: forward[0](m))
    app = make_app(store)
    forward.append(app.cache_repaired)
    try:
        async with app.run_test(size=(120, 30)) as pilot:
            await settle(app, pilot)
            subprocess.run(
                [sys.executable, "-c", DAMAGE_PAGE, str(path), "search_data"], check=True
            )
            for query in ("croissance", "festival", "croissance"):
                await type_in_prompt(pilot, "slash", query)
                await settle(app, pilot)
            titles = [row.title for row in app.main.articles.rows]
            assert titles == ["La croissance économique ralentit"]
            mended = [n for n in app._notifications if "damaged" in n.message]
            assert len(mended) == 1 and "a copy is in" in mended[0].message
            assert not [n for n in app._notifications if n.severity == "error"]
            assert store.recovered is not None and store.recovered.exists()
            app.main.show_section(SectionKey("all"))
            await settle(app, pilot)
            assert len(app.main.articles.rows) == len(ARTICLES)
            assert store.check() == []
    finally:
        store.close()
