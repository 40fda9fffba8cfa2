"""The sync's writer thread: which sources' batches share a transaction.

A real cache file and the sync's own writer; the store's transactions are counted by
wrapping the one call that makes them.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest

from newsreader.ids import article_id
from newsreader.models import Article
from newsreader.store import FetchMeta, PreparedBatch, Store, prepare_batch

pytestmark = pytest.mark.anyio


@pytest.fixture
def anyio_backend() -> str:
    return "asyncio"


def batch(name: str) -> PreparedBatch:
    url = f"https://{name}.example/1"
    return prepare_batch([Article(id=article_id(url), title=f"{name} 1", url=url, text="Texte.")])


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
