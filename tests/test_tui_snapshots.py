"""SVG snapshots of the reader (pytest-textual-snapshot): the main screen on the demo
edition (list focused, sections focused), the keys screen (at 45 rows too), search
results, the narrow layout at 80×24 and 60×20, and a 200-column layout. Animations
off, a fixed clock, UTC.

After an intended change of looks: ``pytest tests/test_tui_snapshots.py
--snapshot-update``, then look at the new SVGs before committing them.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from newsreader.config import Config
from newsreader.demo import demo_sources
from newsreader.store import Store
from newsreader.sync import run_sync
from newsreader.tui.app import NewsReaderApp
from tests.test_tui import NOW, make_app, settle

Compare = Callable[..., bool]


@pytest.fixture(autouse=True)
def utc_time(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Local time is UTC, so the clock times in the snapshots are the same everywhere."""
    monkeypatch.setenv("TZ", "UTC")
    time.tzset()
    yield
    monkeypatch.undo()
    time.tzset()


@pytest.fixture
def demo_store(tmp_path: Path) -> Iterator[Store]:
    """The demo edition, synced one source at a time so the row order never varies."""
    with Store.open(tmp_path / "newsreader.db", clock=lambda: NOW) as store:
        for source in demo_sources():
            run_sync(Config(), store, names=[source.name])
        yield store


def demo_app(store: Store) -> NewsReaderApp:
    return make_app(store, Config(), offline=True)


async def open_first(pilot: Pilot[Any]) -> None:
    app = pilot.app
    assert isinstance(app, NewsReaderApp)
    await settle(app, pilot)
    await pilot.press("j", "j", "enter")
    await settle(app, pilot)


def test_main_screen(demo_store: Store, snap_compare: Compare) -> None:
    """The demo edition with an article open."""
    assert snap_compare(demo_app(demo_store), terminal_size=(120, 34), run_before=open_first)


def test_help_screen(demo_store: Store, snap_compare: Compare) -> None:
    """`?`: every key with its id."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_first(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(demo_app(demo_store), terminal_size=(120, 40), run_before=run_before)


def test_narrow_layout(demo_store: Store, snap_compare: Compare) -> None:
    """Below 100 columns: the article takes the whole width."""
    assert snap_compare(demo_app(demo_store), terminal_size=(80, 24), run_before=open_first)


def test_help_screen_at_45_rows(demo_store: Store, snap_compare: Compare) -> None:
    """`?` at 45 rows: the whole table, the ctrl+p row included, no scrollbar."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_first(pilot)
        await pilot.press("question_mark")
        await pilot.pause()

    assert snap_compare(demo_app(demo_store), terminal_size=(110, 45), run_before=run_before)


def test_focus_on_the_sections(demo_store: Store, snap_compare: Compare) -> None:
    """The section list focused: its border and title in the accent colour, the
    article list's cursor dimmed."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_first(pilot)
        await pilot.press("h", "h")
        await pilot.pause()

    assert snap_compare(demo_app(demo_store), terminal_size=(120, 34), run_before=run_before)


def test_narrow_layout_60(demo_store: Store, snap_compare: Compare) -> None:
    """60×20: the article alone, with q, ? and esc in the footer."""
    assert snap_compare(demo_app(demo_store), terminal_size=(60, 20), run_before=open_first)


def test_search_results(demo_store: Store, snap_compare: Compare) -> None:
    """Search results: marked, each with its passage and the matched words highlighted."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, NewsReaderApp)
        await settle(app, pilot)
        app.main.search("festival")
        await settle(app, pilot)

    assert snap_compare(demo_app(demo_store), terminal_size=(120, 34), run_before=run_before)


def test_wide_layout(demo_store: Store, snap_compare: Compare) -> None:
    """200 columns: sections as wide as their names, the article at its measure, the
    list with the room; the first article shown."""

    async def run_before(pilot: Pilot[Any]) -> None:
        app = pilot.app
        assert isinstance(app, NewsReaderApp)
        await settle(app, pilot)

    assert snap_compare(demo_app(demo_store), terminal_size=(200, 40), run_before=run_before)


def test_narrow_layout_list(demo_store: Store, snap_compare: Compare) -> None:
    """Below 100 columns: the list, back from the article."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await open_first(pilot)
        await pilot.press("escape")
        await pilot.pause()

    assert snap_compare(demo_app(demo_store), terminal_size=(80, 24), run_before=run_before)
