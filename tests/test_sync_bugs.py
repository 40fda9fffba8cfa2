"""The sync's writer, and what a bug met during a sync loses: what it touches, nothing
more: one source's rows (even when other sources shared their transaction), one
full-text page. Which sources' batches share a transaction is counted by wrapping the
one store call that makes them.

The bug is put in on purpose (a function of the store or of the sync made to raise
for one source or one page); everything else is real: a loopback server, a cache file,
the sync's own writer.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from newsreader.config import Config, SourceConfig
from newsreader.ids import article_id
from newsreader.models import Article
from newsreader.store import FetchMeta, PreparedBatch, Store, prepare_batch
from newsreader.store import articles as store_articles
from tests import server as srv

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def batch(name: str) -> PreparedBatch:
    url = f"https://{name}.example/1"
    article = Article(id=article_id(url), title=f"{name} 1", url=url, text="Texte.")
    return prepare_batch([article._replace(markdown=article.text)])


def _entries(name: str, count: int, link: str = "https://news.example/") -> list[dict[str, str]]:
    return [
        {"title": f"{name} {n}", "link": f"{link}{name}/{n}", "guid": f"{name}-{n}"}
        for n in range(count)
    ]


async def test_a_bug_in_one_source_s_rows_fails_that_source_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Three sources queued for one transaction: the one whose rows meet the bug fails;
    the others (new articles, and a 304) are written on their own."""
    from newsreader.sync import _BatchingWriter

    real_upsert = store_articles.upsert

    def upsert(conn: Any, source: str | None, *args: Any, **kwargs: Any) -> Any:
        if source == "Broken":
            raise KeyError("a bug")
        return real_upsert(conn, source, *args, **kwargs)

    monkeypatch.setattr(store_articles, "upsert", upsert)

    with Store.open(tmp_path / "cache.db") as store:
        for name in ("Good", "Broken", "Same"):
            store.upsert_source(name, kind="feed", location=f"https://{name}.example/rss")
        store.record_success("Same", FetchMeta(etag="e1"))
        executor = ThreadPoolExecutor(max_workers=1)
        writer = _BatchingWriter(store, executor)

        try:
            good, broken, same = await asyncio.gather(
                writer.upsert("Good", batch("Good"), FetchMeta(etag="g1")),
                writer.upsert("Broken", batch("Broken"), FetchMeta(etag="b1")),
                writer.not_modified("Same", FetchMeta(next_fetch_at="2030-01-01T00:00:00Z")),
                return_exceptions=True,
            )
        finally:
            executor.shutdown(wait=True)
        assert isinstance(broken, KeyError)
        assert not isinstance(good, BaseException) and good.new == 1
        assert same is None
        assert [a.title for a in store.articles(limit=10)] == ["Good 1"]
        states = {s.name: s for s in store.sources()}
        assert (states["Good"].etag, states["Broken"].etag) == ("g1", None)
        assert (states["Same"].etag, states["Same"].next_fetch_at) == (
            "e1",
            "2030-01-01T00:00:00Z",
        )


async def test_a_bug_in_one_page_s_extraction_loses_that_page_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import newsreader.sync as sync_module

    real_page_body = sync_module._page_body

    def page_body(raw: Any, entry: Any) -> Any:
        if entry.url.endswith("/0"):
            raise KeyError("a bug")
        return real_page_body(raw, entry)

    monkeypatch.setattr(sync_module, "_page_body", page_body)
    httpd = srv.LoopbackServer()
    try:
        for n in range(2):
            text = " ".join([f"Le texte complet de la page {n}."] * 40)
            httpd.route(
                f"/page/T/{n}", srv.static(f"<article><h1>T {n}</h1><p>{text}</p></article>")
            )
        url = httpd.route(
            "/feed",
            srv.static(srv.rss("T", _entries("T", 2, httpd.url("/page/"))), "application/rss+xml"),
        )
        config = Config(sources=(SourceConfig(name="T", url=url, full_text="always"),))
        with Store.open(tmp_path / "cache.db") as store:
            report = await asyncio.wait_for(sync_module.sync(config, store), 60)
            assert report.ok and report.new == 2
            assert (report.pages_fetched, report.pages_failed) == (1, 1)
            texts = {}
            for row in store.articles(limit=10):
                stored = store.article(row.id)
                assert stored is not None
                texts[row.title] = stored.article.text
            assert "Le texte complet" not in texts["T 0"]  # the entry as the feed gave it
            assert texts["T 1"].count("Le texte complet de la page 1.") == 40
            (crash,) = (tmp_path / "crashes").iterdir()
            assert "KeyError" in crash.read_text()
    finally:
        httpd.close()


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "cache.db") as opened:
        for name in ("A", "B", "C"):
            opened.upsert_source(name, kind="feed", location=f"https://{name}.example/rss")
        yield opened


def counted(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """The sources of each transaction the writer makes, in order."""
    transactions: list[list[str]] = []
    real = store.upsert_batches

    def upsert_batches(items: Any, **options: Any) -> Any:
        transactions.append([source for source, _, _ in items])
        return real(items, **options)

    monkeypatch.setattr(store, "upsert_batches", upsert_batches)
    return transactions


async def test_a_transaction_waits_for_the_batches_of_feeds_being_parsed(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Fewer commits for a cold sync: while feeds are parsed, the next transaction
    takes their batches too, and it is written as soon as no parse is left."""
    import newsreader.sync as sync_module

    monkeypatch.setattr(sync_module, "GATHER_SECONDS", 60.0)  # only the parses decide
    transactions = counted(store, monkeypatch)
    executor = ThreadPoolExecutor(max_workers=1)
    writer = sync_module._BatchingWriter(store, executor)
    try:
        with writer.coming(), writer.coming():
            first = asyncio.ensure_future(writer.upsert("A", batch("A"), FetchMeta()))
            await asyncio.sleep(0.05)  # a writer that did not wait would have taken A
            assert not first.done() and transactions == []
            second = asyncio.ensure_future(writer.upsert("B", batch("B"), FetchMeta()))
            await asyncio.sleep(0)
        results = await asyncio.wait_for(asyncio.gather(first, second), 30)
    finally:
        executor.shutdown(wait=True)
    assert [result.new for result in results] == [1, 1]
    assert transactions == [["A", "B"]]


async def test_a_batch_with_no_parse_under_way_is_written_at_once(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A 304, or the last feed: nothing is coming, so nothing waits (even with a
    window as long as a whole sync)."""
    import newsreader.sync as sync_module

    monkeypatch.setattr(sync_module, "GATHER_SECONDS", 3600.0)
    transactions = counted(store, monkeypatch)
    executor = ThreadPoolExecutor(max_workers=1)
    writer = sync_module._BatchingWriter(store, executor)
    try:
        await asyncio.wait_for(writer.not_modified("C", FetchMeta(etag="c1")), 30)
        result = await asyncio.wait_for(writer.upsert("A", batch("A"), FetchMeta()), 30)
    finally:
        executor.shutdown(wait=True)
    assert result.new == 1
    assert transactions == [["C"], ["A"]]
    assert {s.name: s.etag for s in store.sources()}["C"] == "c1"


async def test_a_transaction_waits_for_at_most_a_few_batches(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Sources waiting for the writer hold their place in the sync's pipeline: past
    a few batches, the transaction is written even while feeds are still parsed."""
    import newsreader.sync as sync_module

    monkeypatch.setattr(sync_module, "GATHER_SECONDS", 3600.0)
    monkeypatch.setattr(sync_module, "GATHER_BATCHES", 2)
    transactions = counted(store, monkeypatch)
    executor = ThreadPoolExecutor(max_workers=1)
    writer = sync_module._BatchingWriter(store, executor)
    try:
        with writer.coming():
            results = await asyncio.wait_for(
                asyncio.gather(
                    writer.upsert("A", batch("A"), FetchMeta()),
                    writer.upsert("B", batch("B"), FetchMeta()),
                ),
                30,
            )
    finally:
        executor.shutdown(wait=True)
    assert [result.new for result in results] == [1, 1]
    assert transactions == [["A", "B"]]
