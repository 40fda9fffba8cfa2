"""The offline cache: one SQLite file, the only code in newsreader that speaks SQL.

    from newsreader.store import Store

    with Store.open() as store:          # paths.db_path(), created on first use
        store.upsert_source("lemonde", kind="feed", location=url, section="Monde")
        store.upsert_articles("lemonde", articles)
        rows = store.articles(section="Monde", unread=True, limit=50)

Importing this package opens nothing; :meth:`Store.open` does.

Several processes share the file (the reader, the CLI, two syncs). The invariants that
keep it whole are written down in :mod:`newsreader.store.db`: which file descriptors
may exist beside SQLite's and when they may close, what runs before the first
connection, what a fork may inherit, and why a file in use is never renamed. Damage
found at any time goes through :mod:`newsreader.store.repair`: copied aside, salvaged,
mended in place.
"""

from __future__ import annotations

from newsreader.store.schema import SCHEMA_VERSION
from newsreader.store.store import (
    DEFAULT_KEEP,
    SEARCH_CANDIDATES,
    Store,
    StoreInfo,
    print_notice,
)
from newsreader.store.upsert import (
    ArticleInput,
    FetchMeta,
    PreparedBatch,
    UpsertResult,
    prepare_batch,
)

__all__ = [
    "DEFAULT_KEEP",
    "SCHEMA_VERSION",
    "SEARCH_CANDIDATES",
    "ArticleInput",
    "FetchMeta",
    "PreparedBatch",
    "Store",
    "StoreInfo",
    "UpsertResult",
    "prepare_batch",
    "print_notice",
]
