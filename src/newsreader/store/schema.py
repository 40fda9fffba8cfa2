"""The cache schema as an ordered list of migrations.

``MIGRATIONS[n]`` takes a database from version ``n`` to ``n + 1``; the version lives in
``PRAGMA user_version``. A migration is never edited once released: change the schema by
appending one. :mod:`newsreader.store.db` runs the missing ones in one transaction.

Layout, and why:

- ``articles`` holds the small per-article columns the lists need, so an index walk
  of 50 rows touches few pages; the large text sits in ``bodies``.
- ``bodies`` is also the external content of the FTS5 table ``search`` (title, lede,
  text), so the words are not stored twice. ``title`` is copied there for that reason.
- ``reader_state`` (read, starred) is apart from content: a re-sync updates
  ``articles``/``bodies`` in place and never touches it. An article is "updated since
  read" when its content ``version`` passed the ``read_version`` recorded at reading.
- ``sections.total/unread``, ``sources.article_count`` and the one-row ``totals`` are
  kept by triggers, so the section list costs one row per section, not a table scan;
  new articles are counted (and given their ``reader_state`` row) by the batch that
  inserts them, in :mod:`newsreader.store.upsert`, the one place that inserts them.
- ``account_items``/``account_queue`` (the aggregator accounts' migration) map server
  items to articles and queue the read/starred changes made offline, by trigger.
- ``sort_key`` is the UTC instant of the article (published, else updated; undated
  articles get :data:`UNDATED`, which sorts last) so that ``ORDER BY sort_key DESC``
  is one index walk.
"""

from __future__ import annotations

__all__ = ["APPLICATION_ID", "FOLDS", "MIGRATIONS", "SCHEMA_VERSION", "UNDATED"]

APPLICATION_ID = 0x4E575344
"""``PRAGMA application_id`` ("NWSD"): tells our cache from any other SQLite file."""

_V1 = """
CREATE TABLE sources (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,
    location TEXT,
    section TEXT,
    flash INTEGER NOT NULL DEFAULT 0,
    etag TEXT,
    last_modified TEXT,
    next_fetch_at TEXT,
    last_fetch_at TEXT,
    last_success_at TEXT,
    last_error TEXT,
    last_error_at TEXT,
    error_count INTEGER NOT NULL DEFAULT 0,
    fetch_count INTEGER NOT NULL DEFAULT 0,
    article_count INTEGER NOT NULL DEFAULT 0,
    last_new INTEGER NOT NULL DEFAULT 0,
    last_updated INTEGER NOT NULL DEFAULT 0,
    added_at TEXT NOT NULL
);

CREATE TABLE sections (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    total INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE articles (
    rid INTEGER PRIMARY KEY,
    id TEXT NOT NULL UNIQUE,
    source_id INTEGER REFERENCES sources(id) ON DELETE SET NULL,
    section_id INTEGER REFERENCES sections(id),
    category TEXT,
    title TEXT,
    url TEXT,
    author TEXT,
    published TEXT,
    updated TEXT,
    language TEXT,
    publisher TEXT,
    image TEXT,
    sort_key TEXT NOT NULL,
    fetched_at TEXT NOT NULL,
    changed_at TEXT NOT NULL,
    version INTEGER NOT NULL DEFAULT 1,
    content_hash TEXT NOT NULL,
    origin TEXT,
    mtime REAL
);
CREATE INDEX articles_by_date ON articles(sort_key);
CREATE INDEX articles_by_section ON articles(section_id, sort_key);
CREATE INDEX articles_by_source ON articles(source_id, sort_key);
CREATE INDEX articles_by_origin ON articles(source_id, origin) WHERE origin IS NOT NULL;

CREATE TABLE bodies (
    rid INTEGER PRIMARY KEY REFERENCES articles(rid),
    title TEXT,
    lede TEXT,
    text TEXT NOT NULL DEFAULT '',
    markdown TEXT NOT NULL DEFAULT '',
    headings TEXT
);

CREATE TABLE reader_state (
    rid INTEGER PRIMARY KEY REFERENCES articles(rid),
    read INTEGER NOT NULL DEFAULT 0,
    starred INTEGER NOT NULL DEFAULT 0,
    read_at TEXT,
    read_version INTEGER NOT NULL DEFAULT 0,
    starred_at TEXT
);
CREATE INDEX reader_state_starred ON reader_state(rid) WHERE starred = 1;

CREATE TABLE totals (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    articles INTEGER NOT NULL DEFAULT 0,
    unread INTEGER NOT NULL DEFAULT 0,
    starred INTEGER NOT NULL DEFAULT 0
);
INSERT INTO totals (id) VALUES (1);

CREATE TABLE ui_state (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

CREATE VIRTUAL TABLE search USING fts5(
    title, lede, text,
    content = 'bodies', content_rowid = 'rid',
    tokenize = 'unicode61 remove_diacritics 2'
);
INSERT INTO search (search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)');
-- Merge index segments less eagerly: batch inserts run ~30% faster, queries no slower.
INSERT INTO search (search, rank) VALUES ('automerge', 8);

-- Counts follow every insert, delete, move and read/star change.
CREATE TRIGGER articles_insert AFTER INSERT ON articles BEGIN
    INSERT INTO reader_state (rid) VALUES (new.rid);
    UPDATE sections SET total = total + 1, unread = unread + 1 WHERE id = new.section_id;
    UPDATE sources SET article_count = article_count + 1 WHERE id = new.source_id;
    UPDATE totals SET articles = articles + 1, unread = unread + 1;
END;

CREATE TRIGGER articles_delete AFTER DELETE ON articles BEGIN
    UPDATE sections SET total = total - 1,
        unread = unread - coalesce((SELECT read = 0 FROM reader_state WHERE rid = old.rid), 0)
        WHERE id = old.section_id;
    UPDATE sources SET article_count = article_count - 1 WHERE id = old.source_id;
    UPDATE totals SET articles = articles - 1,
        unread = unread - coalesce((SELECT read = 0 FROM reader_state WHERE rid = old.rid), 0),
        starred = starred - coalesce((SELECT starred FROM reader_state WHERE rid = old.rid), 0);
    DELETE FROM reader_state WHERE rid = old.rid;
    DELETE FROM bodies WHERE rid = old.rid;
END;

CREATE TRIGGER articles_move_section AFTER UPDATE OF section_id ON articles
WHEN old.section_id IS NOT new.section_id BEGIN
    UPDATE sections SET total = total - 1,
        unread = unread - coalesce((SELECT read = 0 FROM reader_state WHERE rid = old.rid), 0)
        WHERE id = old.section_id;
    UPDATE sections SET total = total + 1,
        unread = unread + coalesce((SELECT read = 0 FROM reader_state WHERE rid = new.rid), 0)
        WHERE id = new.section_id;
END;

CREATE TRIGGER articles_move_source AFTER UPDATE OF source_id ON articles
WHEN old.source_id IS NOT new.source_id BEGIN
    UPDATE sources SET article_count = article_count - 1 WHERE id = old.source_id;
    UPDATE sources SET article_count = article_count + 1 WHERE id = new.source_id;
END;

CREATE TRIGGER reader_state_read AFTER UPDATE OF read ON reader_state
WHEN old.read IS NOT new.read BEGIN
    UPDATE sections SET unread = unread + (CASE WHEN new.read THEN -1 ELSE 1 END)
        WHERE id = (SELECT section_id FROM articles WHERE rid = new.rid);
    UPDATE totals SET unread = unread + (CASE WHEN new.read THEN -1 ELSE 1 END);
END;

CREATE TRIGGER reader_state_starred AFTER UPDATE OF starred ON reader_state
WHEN old.starred IS NOT new.starred BEGIN
    UPDATE totals SET starred = starred + (CASE WHEN new.starred THEN 1 ELSE -1 END);
END;

-- The external-content FTS index follows bodies (the 'delete' command needs the old text).
CREATE TRIGGER bodies_insert AFTER INSERT ON bodies BEGIN
    INSERT INTO search (rowid, title, lede, text) VALUES (new.rid, new.title, new.lede, new.text);
END;

CREATE TRIGGER bodies_delete AFTER DELETE ON bodies BEGIN
    INSERT INTO search (search, rowid, title, lede, text)
        VALUES ('delete', old.rid, old.title, old.lede, old.text);
END;

CREATE TRIGGER bodies_update AFTER UPDATE OF title, lede, text ON bodies BEGIN
    INSERT INTO search (search, rowid, title, lede, text)
        VALUES ('delete', old.rid, old.title, old.lede, old.text);
    INSERT INTO search (rowid, title, lede, text) VALUES (new.rid, new.title, new.lede, new.text);
END;
"""

_V2 = """
-- A feed entry's HTML, kept until it is first read and converted to Markdown.
ALTER TABLE bodies ADD COLUMN html TEXT;
"""

_V3 = """
-- Deferred indexing: a sync stores thousands of entries and leaves their words for
-- later (Store.index_pending, run before a search and by the reader when idle). A body
-- is in the FTS index exactly when indexed = 1, so the triggers only touch the index
-- for rows that are in it.
ALTER TABLE bodies ADD COLUMN indexed INTEGER NOT NULL DEFAULT 1;
CREATE INDEX bodies_pending ON bodies(rid) WHERE indexed = 0;

DROP TRIGGER bodies_insert;
DROP TRIGGER bodies_delete;
DROP TRIGGER bodies_update;

CREATE TRIGGER bodies_insert AFTER INSERT ON bodies WHEN new.indexed BEGIN
    INSERT INTO search (rowid, title, lede, text) VALUES (new.rid, new.title, new.lede, new.text);
END;

CREATE TRIGGER bodies_delete AFTER DELETE ON bodies WHEN old.indexed BEGIN
    INSERT INTO search (search, rowid, title, lede, text)
        VALUES ('delete', old.rid, old.title, old.lede, old.text);
END;

CREATE TRIGGER bodies_update AFTER UPDATE OF title, lede, text ON bodies
WHEN old.indexed AND new.indexed BEGIN
    INSERT INTO search (search, rowid, title, lede, text)
        VALUES ('delete', old.rid, old.title, old.lede, old.text);
    INSERT INTO search (rowid, title, lede, text) VALUES (new.rid, new.title, new.lede, new.text);
END;

CREATE TRIGGER bodies_indexed AFTER UPDATE OF indexed ON bodies
WHEN NOT old.indexed AND new.indexed BEGIN
    INSERT INTO search (rowid, title, lede, text) VALUES (new.rid, new.title, new.lede, new.text);
END;

CREATE TRIGGER bodies_unindexed AFTER UPDATE OF indexed ON bodies
WHEN old.indexed AND NOT new.indexed BEGIN
    INSERT INTO search (search, rowid, title, lede, text)
        VALUES ('delete', old.rid, old.title, old.lede, old.text);
END;
"""

_V4 = """
-- The same story from two sources. A feed and a page of the same story usually share
-- their canonical URL, so their id, and are one article: a source that carries an
-- article another source stored first is remembered in carriers. Without a shared
-- URL (a flash feed's entry and the article), the same title within a day of it, from
-- another source, makes an article part of the first one's story: story_of is that
-- first article's rid (NULL for the first, or a story of one). The virtual lists (All,
-- Unread, Starred, search) show each story once, with every source that carries it.
ALTER TABLE articles ADD COLUMN story_of INTEGER;
CREATE INDEX articles_by_story ON articles(story_of) WHERE story_of IS NOT NULL;
CREATE INDEX articles_by_title ON articles(title, sort_key) WHERE title IS NOT NULL;

CREATE TABLE carriers (
    rid INTEGER NOT NULL REFERENCES articles(rid) ON DELETE CASCADE,
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    PRIMARY KEY (rid, source_id)
) WITHOUT ROWID;

-- Stories among what is already cached (each article joins the earliest match).
UPDATE articles SET story_of = m.first FROM (
    SELECT a.rid AS rid, min(o.rid) AS first
    FROM articles AS a
    JOIN articles AS o ON o.title = a.title AND o.rid < a.rid
        AND o.source_id IS NOT a.source_id
        AND o.sort_key BETWEEN strftime('%Y-%m-%dT%H:%M:%SZ', a.sort_key, '-1 day')
            AND strftime('%Y-%m-%dT%H:%M:%SZ', a.sort_key, '+1 day')
    WHERE a.title IS NOT NULL
    GROUP BY a.rid
) AS m
WHERE articles.rid = m.rid;
"""

_V5 = """
-- An article's figures, in document order: JSON [[src, alt, caption], ...], NULL for
-- none (the lead image stays in articles.image for the lists).
ALTER TABLE bodies ADD COLUMN images TEXT;
"""

FOLDS: tuple[tuple[str, str], ...] = (
    ("œ", "oe"),
    ("Œ", "oe"),
    ("æ", "ae"),
    ("Æ", "ae"),
    ("ß", "ss"),
    ("ẞ", "ss"),
    ("ø", "o"),
    ("Ø", "o"),
    ("ł", "l"),
    ("Ł", "l"),
    ("đ", "d"),
    ("Đ", "d"),
    ("ħ", "h"),
    ("Ħ", "h"),
    ("þ", "th"),
    ("Þ", "th"),
    ("ĳ", "ij"),
    ("Ĳ", "ij"),
    ("ı", "i"),
    ("ﬀ", "ff"),
    ("ﬁ", "fi"),
    ("ﬂ", "fl"),
    ("ﬃ", "ffi"),
    ("ﬄ", "ffl"),
    ("ﬅ", "st"),
    ("ﬆ", "st"),
)
"""Letters that FTS5's ``remove_diacritics`` leaves as they are (ligatures and letters
with a stroke, which Unicode does not decompose), spelt as people type them: the
index holds ``oeufs`` for "œufs", and :func:`newsreader.store.query.fold` makes the
same of the query. Part of migration 6: a change here is a new migration that
rebuilds the index, or the words already indexed would no longer be found."""

UNDATED = "0000-00-00T00:00:00Z"
"""The ``sort_key`` of an article without a date: below every real instant, so that
"newest first" lists them last (newest stored first among them)."""


def _folded(column: str) -> str:
    """SQL for ``column`` with :data:`FOLDS` applied (plain ``replace`` calls, so the
    triggers need no function of ours and any SQLite can write the cache)."""
    expression = column
    for letter, spelled in FOLDS:
        expression = f"replace({expression}, '{letter}', '{spelled}')"
    return expression


def _index_values(row: str, named: bool = False) -> str:
    """The folded title, lede and text of ``row`` (``AS`` their names if ``named``)."""
    return ", ".join(
        _folded(f"{row}.{column}") + (f" AS {column}" if named else "")
        for column in ("title", "lede", "text")
    )


_V6 = f"""
-- Search finds "œufs" for oeufs, "cœur" for coeur, "Straße" for strasse: the index
-- holds the words with the letters of FOLDS spelt out. Its content is the view
-- folded_bodies (the indexed bodies, folded), so that FTS5's own integrity check and
-- 'rebuild' see what the triggers indexed; snippets are made from the text as written
-- (store/query.py maps the folded matches back: one letter becomes letters, so every
-- word keeps its place). The index is made again, with prefix indexes for the last
-- word typed, and the triggers of migration 3 fold what they index.
DROP TRIGGER bodies_insert;
DROP TRIGGER bodies_delete;
DROP TRIGGER bodies_update;
DROP TRIGGER bodies_indexed;
DROP TRIGGER bodies_unindexed;
DROP TABLE search;

CREATE VIEW folded_bodies AS
    SELECT rid, {_index_values("bodies", named=True)} FROM bodies WHERE indexed;

CREATE VIRTUAL TABLE search USING fts5(
    title, lede, text,
    content = 'folded_bodies', content_rowid = 'rid',
    tokenize = 'unicode61 remove_diacritics 2',
    prefix = '2 3'
);
INSERT INTO search (search, rank) VALUES ('rank', 'bm25(10.0, 4.0, 1.0)');
INSERT INTO search (search, rank) VALUES ('automerge', 8);
INSERT INTO search (search) VALUES ('rebuild');

CREATE TRIGGER bodies_insert AFTER INSERT ON bodies WHEN new.indexed BEGIN
    INSERT INTO search (rowid, title, lede, text) VALUES (new.rid, {_index_values("new")});
END;

CREATE TRIGGER bodies_delete AFTER DELETE ON bodies WHEN old.indexed BEGIN
    INSERT INTO search (search, rowid, title, lede, text)
        VALUES ('delete', old.rid, {_index_values("old")});
END;

CREATE TRIGGER bodies_update AFTER UPDATE OF title, lede, text ON bodies
WHEN old.indexed AND new.indexed BEGIN
    INSERT INTO search (search, rowid, title, lede, text)
        VALUES ('delete', old.rid, {_index_values("old")});
    INSERT INTO search (rowid, title, lede, text) VALUES (new.rid, {_index_values("new")});
END;

CREATE TRIGGER bodies_indexed AFTER UPDATE OF indexed ON bodies
WHEN NOT old.indexed AND new.indexed BEGIN
    INSERT INTO search (rowid, title, lede, text) VALUES (new.rid, {_index_values("new")});
END;

CREATE TRIGGER bodies_unindexed AFTER UPDATE OF indexed ON bodies
WHEN old.indexed AND NOT new.indexed BEGIN
    INSERT INTO search (search, rowid, title, lede, text)
        VALUES ('delete', old.rid, {_index_values("old")});
END;

-- Undated articles go to the end of "newest first" instead of the top (they were
-- sorted by when they were fetched).
UPDATE articles SET sort_key = '{UNDATED}' WHERE published IS NULL AND updated IS NULL;
"""  # noqa: S608 - FOLDS and UNDATED are this module's constants

_READING_AND_COMMENTS = """
-- Reading time and comments. Written to run after any other migration: it only adds
-- columns and a table of its own, whatever version it takes the cache to.
-- minutes: reading time of the body (newsreader.content.readtime), NULL until counted
-- (an entry kept as HTML is counted when its text is made; older rows are counted by
-- Store.count_pending, the partial index finding them).
ALTER TABLE articles ADD COLUMN minutes INTEGER;
CREATE INDEX articles_uncounted ON articles(rid) WHERE minutes IS NULL;
-- What the feed announces: a count (slash:comments, thr:total), the feed of the
-- comments (wfw:commentRss, Atom link rel="replies") and the page that shows them
-- (RSS <comments>). Not content: a new count never makes the article "changed".
ALTER TABLE articles ADD COLUMN comment_count INTEGER;
ALTER TABLE articles ADD COLUMN comments_feed TEXT;
ALTER TABLE articles ADD COLUMN comments_page TEXT;
-- The comments last fetched, kept for offline reading, in reading order; replaced
-- whole by the next successful fetch, never blanked by a failed one.
ALTER TABLE articles ADD COLUMN comments_fetched_at TEXT;
CREATE TABLE comments (
    rid INTEGER NOT NULL REFERENCES articles(rid) ON DELETE CASCADE,
    position INTEGER NOT NULL,
    id TEXT,
    parent TEXT,
    author TEXT,
    published TEXT,
    url TEXT,
    markdown TEXT NOT NULL DEFAULT '',
    text TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (rid, position)
) WITHOUT ROWID;
"""

_ACCOUNTS = """
-- Aggregator accounts (a source of kind greader: Miniflux, FreshRSS...). Self-contained:
-- it needs nothing but the tables of the first migration.
--
-- account_items maps the server's item ids to our articles (ids are stable per server;
-- two items with one link are one article). account_feeds is the account's
-- subscriptions as the server last listed them (``remove --account`` and the sections).
CREATE TABLE account_items (
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    item INTEGER NOT NULL,          -- the server's 64-bit id, stored signed
    rid INTEGER NOT NULL REFERENCES articles(rid) ON DELETE CASCADE,
    feed TEXT,                      -- the subscription's stream id (feed/42)
    PRIMARY KEY (source_id, item)
) WITHOUT ROWID;
CREATE INDEX account_items_by_rid ON account_items(rid);
CREATE INDEX account_items_by_feed ON account_items(source_id, feed);

CREATE TABLE account_feeds (
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    stream TEXT NOT NULL,
    title TEXT,
    url TEXT,
    folder TEXT,
    PRIMARY KEY (source_id, stream)
) WITHOUT ROWID;

-- The offline queue: read/starred changes made here, waiting to be replayed on the
-- server. One row per item and field, holding the latest value (absolute, so that a
-- replay sent twice never flips a state back), the value the item had when the first
-- queued change was made (base: what the server had at the last sync), and when the
-- latest change was made (Unix seconds, to compare with the server's own date).
CREATE TABLE account_queue (
    source_id INTEGER NOT NULL REFERENCES sources(id) ON DELETE CASCADE,
    item INTEGER NOT NULL,
    field TEXT NOT NULL CHECK (field IN ('read', 'starred')),
    value INTEGER NOT NULL,
    base INTEGER NOT NULL,
    changed_at REAL NOT NULL,
    revision INTEGER NOT NULL DEFAULT 0,  -- counts changes: settling spares a newer one
    PRIMARY KEY (source_id, item, field)
) WITHOUT ROWID;

-- Set to 1 inside the transactions that apply the server's state, so that the triggers
-- below queue only what the user changed; always back to 0 before they commit.
CREATE TABLE account_applying (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    active INTEGER NOT NULL DEFAULT 0
);
INSERT INTO account_applying (id) VALUES (1);

-- Every way an article's state changes (the reader, `mark`, a story read elsewhere)
-- queues it for its account.
CREATE TRIGGER account_queue_read AFTER UPDATE OF read ON reader_state
WHEN old.read IS NOT new.read AND (SELECT active FROM account_applying WHERE id = 1) = 0
BEGIN
    INSERT INTO account_queue (source_id, item, field, value, base, changed_at)
    SELECT source_id, item, 'read', new.read, old.read, (julianday('now') - 2440587.5) * 86400.0
    FROM account_items WHERE rid = new.rid
    ON CONFLICT (source_id, item, field) DO UPDATE
        SET value = excluded.value, changed_at = excluded.changed_at,
            revision = revision + 1;
END;

CREATE TRIGGER account_queue_starred AFTER UPDATE OF starred ON reader_state
WHEN old.starred IS NOT new.starred AND (SELECT active FROM account_applying WHERE id = 1) = 0
BEGIN
    INSERT INTO account_queue (source_id, item, field, value, base, changed_at)
    SELECT source_id, item, 'starred', new.starred, old.starred,
        (julianday('now') - 2440587.5) * 86400.0
    FROM account_items WHERE rid = new.rid
    ON CONFLICT (source_id, item, field) DO UPDATE
        SET value = excluded.value, changed_at = excluded.changed_at,
            revision = revision + 1;
END;
"""

_COUNTED_PER_BATCH = """
-- New articles are counted once per batch by the one statement that inserts them
-- (newsreader.store.upsert), not row by row: the per-row trigger ran four statements
-- for each new article, a quarter of a cold sync's time in SQLite. Deletes, moves and
-- read/star changes are still counted by their triggers.
DROP TRIGGER articles_insert;
"""

MIGRATIONS: tuple[str, ...] = (
    _V1,
    _V2,
    _V3,
    _V4,
    _V5,
    _V6,
    _READING_AND_COMMENTS,
    _ACCOUNTS,
    _COUNTED_PER_BATCH,
)
"""SQL scripts, in order; index n upgrades version n to n + 1."""

SCHEMA_VERSION = len(MIGRATIONS)
"""The version a store has once opened by this code."""
