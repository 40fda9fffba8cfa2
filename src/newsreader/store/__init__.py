"""The offline cache: one SQLite file, the only code in newsreader that speaks SQL.

    from newsreader.store import Store

    with Store.open() as store:          # paths.db_path(), created on first use
        store.upsert_source("lemonde", kind="feed", location=url, section="Monde")
        store.upsert_articles("lemonde", articles)
        rows = store.articles(section="Monde", unread=True, limit=50)

Importing this package opens nothing; :meth:`Store.open` does.

:class:`Store` is one class made of a mixin per domain (a new method goes to its
domain's module), over one base that owns the connections:

    base.py          StoreBase: per-thread connections, the repair gate, _run, open/close
    sources.py       sources: settings, fetch successes and failures
    accounts.py      aggregator accounts: server items, subscriptions, the offline queue
    articles.py      storing batches; article lists, one article, sections, totals, ticker
    comments.py      an article's comments, as last fetched
    search.py        full-text search and the deferred search index
    reader_state.py  read, starred, remembered UI state
    maintenance.py   prune, vacuum, check, recount, info
    store.py         Store, composed of the above

Beside them: ``columns.py`` makes rows from query columns by name, ``upsert.py`` writes
a batch of articles, ``query.py`` makes user text safe for FTS5, ``schema.py`` holds the
migrations, ``db.py`` opens the file and ``repair.py`` mends it.

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
    PreparedBody,
    UpsertResult,
    prepare_batch,
    prepare_body,
)

__all__ = [
    "DEFAULT_KEEP",
    "SCHEMA_VERSION",
    "SEARCH_CANDIDATES",
    "ArticleInput",
    "FetchMeta",
    "PreparedBatch",
    "PreparedBody",
    "Store",
    "StoreInfo",
    "UpsertResult",
    "prepare_batch",
    "prepare_body",
    "print_notice",
]
