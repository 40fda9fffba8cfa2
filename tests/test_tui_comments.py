"""The reader: figures as one clickable line, reading times and
comment counts in the list and the metadata line, and `c` fetching the comments (real
HTTP on 127.0.0.1) into the pane below the article, cached for offline reading.
Pilot over a real store, as in tests/test_tui.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from newsreader.config import Config
from newsreader.demo import demo_sources
from newsreader.models import Article
from newsreader.store import Store
from newsreader.sync import run_sync
from tests.server import LoopbackServer, static
from tests.test_comments import ATOM_TYPE, comment_feed
from tests.test_tui import (
    NOW,
    fill,
    make_app,
    make_article,
    settle,
    utc_time,  # noqa: F401 - the autouse fixture
    view_text,
)

pytestmark = pytest.mark.anyio

CAPTION = "Base d'Alibaba à Hangzhou"
PICTURE = "https://lepetitjournal.example/media/alibaba-hangzhou.jpg"
WORDS = "Le cloud européen avance lentement mais sûrement dans les régions. "  # 10 words


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store.open(tmp_path / "newsreader.db", clock=lambda: NOW) as opened:
        yield opened


@pytest.fixture
def demo(tmp_path: Path) -> Any:
    with Store.open(tmp_path / "demo.db", clock=lambda: NOW) as opened:
        for source in demo_sources():
            run_sync(Config(), opened, names=[source.name])
        yield opened


def figure_article(number: int = 1, hours_ago: float = 1) -> Article:
    body = (
        "Le premier paragraphe.\n\n"
        f"![{CAPTION}]({PICTURE})\n*{CAPTION}*\n\n"
        "Un autre paragraphe.\n\n"
        "![Un pixel](data:image/png;base64,AAAA)"
    )
    return make_article(number, "Figures", section="S", hours_ago=hours_ago, body=body)


def _line_of(app: Any, needle: str) -> tuple[int, int]:
    view = app.main.view
    line = next(i for i, strip in enumerate(view.lines) if needle in strip.text)
    return line, view.lines[line].text.index(needle)


async def test_a_figure_is_one_line_with_its_caption_that_opens_the_picture(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(store, [figure_article()])
    app = make_app(store)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, new_tab=True: opened.append(url))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        text = view_text(app)
        assert f"▣ {CAPTION}" in text
        assert text.count(CAPTION) == 1  # the caption line below it is not repeated
        assert "▣ Un pixel" in text  # a data: picture is named, never opened
        assert app.main.view.figures == [PICTURE]
        line, column = _line_of(app, f"▣ {CAPTION}")
        await pilot.click("#article", offset=(column + 3, line + 1))  # under its title
        await settle(app, pilot)
        assert opened == [PICTURE]
        assert any("Opening" in str(n.message) for n in app._notifications)
        line, column = _line_of(app, "▣ Un pixel")
        await pilot.click("#article", offset=(column + 3, line + 1))
        await settle(app, pilot)
        assert opened == [PICTURE]


async def test_i_opens_the_figure_in_view_from_the_keyboard(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    fill(store, [figure_article()])
    app = make_app(store)
    opened: list[str] = []
    monkeypatch.setattr(app, "open_url", lambda url, new_tab=True: opened.append(url))
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("i")
        await settle(app, pilot)
        assert opened == [PICTURE]
        assert any("Opening" in str(n.message) for n in app._notifications)


async def test_the_seed_page_s_figure_shows_as_its_caption(demo: Store) -> None:
    store = demo
    (row,) = [r for r in store.articles(limit=100) if r.title and "Alibaba" in r.title]
    app = make_app(store, offline=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        app.main.articles.move_to(row.id)
        await pilot.press("enter")
        await settle(app, pilot)
        assert f"▣ {CAPTION}" in view_text(app)


async def test_reading_time_and_comments_show_in_the_list_and_the_metadata_line(
    store: Store,
) -> None:
    long = make_article(1, "Long", section="S", hours_ago=1, body=WORDS * 90)  # 900 words
    fill(store, [long._replace(language="fr", comment_count=12), figure_article(2, 2)])
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        articles = app.main.articles
        row = articles.render_row(0, 100).text
        assert "5 min" in row and "❝12" in row  # 900 words at 195 a minute (French)
        assert row.index("Long") < row.index("5 min") < row.index("❝12") < row.index("Le Test")
        narrow = articles.render_row(0, 50).text
        assert "min" not in narrow and "Long" in narrow  # a narrow list keeps the title
        await pilot.press("enter")
        await settle(app, pilot)
        header = " ".join(line.text.strip() for line in app.main.view.lines[1:4])
        assert "5 min · 12 comments" in header


async def test_c_fetches_the_comments_below_the_article_and_keeps_them_offline(
    store: Store, server: LoopbackServer, tmp_path: Path
) -> None:
    feed = server.route("/billet/feed", static(comment_feed(server.base), ATOM_TYPE))
    article = make_article(1, "Billet", section="S", hours_ago=1, url=server.url("/billet"))
    fill(store, [article._replace(comments_feed=feed, comment_count=2)])
    app = make_app(store)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "Comments (" not in view_text(app)
        await pilot.press("c")
        await settle(app, pilot)
        text = view_text(app)
        assert "Comments (3)" in text
        assert text.index("Le corps de l'article 1") < text.index("Comments (3)")
        alice, chloe, bruno = (text.index(name) for name in ("Alice", "Chloé", "Bruno [bold]"))
        assert alice < chloe < bruno  # a reply follows what it answers...
        reply = next(line for line in text.splitlines() if "Je réponds à Alice." in line)
        assert "▌" in reply  # ... one quote level under it
        assert "2025-11-06 09:00" in text  # local time (UTC here), as everywhere
        assert "javascript:" not in text and "alert(2)" not in text
        assert "❝3" in app.main.articles.render_row(0, 100).text
        # The server fails: the cached comments stay, with a warning.
        server.route("/billet/feed", static("boom", status=500))
        await pilot.press("c")
        await settle(app, pilot)
        assert "Comments (3)" in view_text(app)
        assert any(
            n.severity == "warning" and "HTTP 500" in str(n.message) for n in app._notifications
        )
    offline = make_app(store, offline=True)
    async with offline.run_test(size=(120, 40)) as pilot:
        await settle(offline, pilot)
        await pilot.press("enter")
        await settle(offline, pilot)
        await pilot.press("c")
        await settle(offline, pilot)
        assert "Comments (3)" in view_text(offline)


async def test_c_on_an_article_without_comments_says_so(store: Store) -> None:
    fill(store, [make_article(1, "Seul", section="S", hours_ago=1, url="ftp://example.org/x")])
    app = make_app(store)
    async with app.run_test(size=(120, 30)) as pilot:
        await settle(app, pilot)
        await pilot.press("enter")
        await settle(app, pilot)
        await pilot.press("c")
        await settle(app, pilot)
        assert "Comments: none" in view_text(app)
        assert any("No comments" in str(n.message) for n in app._notifications)
