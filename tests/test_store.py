"""The offline cache, through its public API, on real SQLite files in tmp_path."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from newsreader.errors import AmbiguousIdError, StoreError
from newsreader.ids import article_id
from newsreader.models import Article
from newsreader.rows import Totals
from newsreader.store import ArticleInput, FetchMeta, Store, db
from newsreader.store.query import fts_query, split_highlights
from newsreader.store.schema import APPLICATION_ID, SCHEMA_VERSION


class Clock:
    """A settable clock: time-based behaviour is tested without sleeping."""

    def __init__(self) -> None:
        self.now = datetime(2025, 11, 6, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def advance(self, **delta: float) -> None:
        self.now += timedelta(**delta)


def make(n: int, **fields: object) -> Article:
    url = f"https://news.example.org/{n}"
    base = Article(
        id=article_id(url),
        title=f"Title {n}",
        url=url,
        published=f"2025-10-{1 + n % 28:02d}T08:00:00Z",
        lede=f"Lede {n}.",
        markdown=f"Body **{n}**.",
        text=f"Body {n}.",
        language="en",
    )
    return base._replace(**fields)


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> Iterator[Store]:
    with Store.open(tmp_path / "newsreader.db", clock=clock, notice=None) as opened:
        opened.upsert_source(
            "wire", kind="feed", location="https://wire.example/rss", section="World"
        )
        yield opened


# --- opening ---------------------------------------------------------------------------


def test_a_new_store_has_the_schema_and_settings(tmp_path: Path) -> None:
    with Store.open(tmp_path / "n.db", notice=None) as store:
        conn = store._connection()
        assert conn.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert conn.execute("PRAGMA application_id").fetchone()[0] == APPLICATION_ID
        assert conn.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert conn.execute("PRAGMA foreign_keys").fetchone()[0] == 1
        assert conn.execute("PRAGMA busy_timeout").fetchone()[0] >= 1000
        assert store.info().articles == 0
    assert [p.name for p in tmp_path.iterdir() if "new-" in p.name] == []


def test_opening_an_existing_store_reads_no_table(
    tmp_path: Path, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.upsert_articles("wire", [make(n) for n in range(5)])
    statements: list[str] = []
    plain_connect = db.connect

    def traced(*args: object, **kwargs: object) -> sqlite3.Connection:
        conn = plain_connect(*args, **kwargs)  # type: ignore[arg-type]
        conn.set_trace_callback(statements.append)
        return conn

    monkeypatch.setattr(db, "connect", traced)
    Store.open(store.path, notice=None).close()
    assert statements, "the trace saw nothing"
    touched = [s for s in statements if any(t in s for t in ("articles", "bodies", "reader"))]
    assert touched == []


def test_missing_store_without_create(tmp_path: Path) -> None:
    from newsreader.errors import NotCachedError

    with pytest.raises(NotCachedError):
        Store.open(tmp_path / "none.db", create=False)
    assert not (tmp_path / "none.db").exists()


def test_a_store_from_a_newer_version_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    Store.open(path, notice=None).close()
    with sqlite3.connect(path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    before = path.read_bytes()
    with pytest.raises(StoreError, match="newer newsreader"):
        Store.open(path, notice=None)
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir() if "corrupt" in p.name) == []


def test_another_programs_database_is_refused_untouched(tmp_path: Path) -> None:
    path = tmp_path / "n.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE precious (x)")
    conn.close()
    before = path.read_bytes()
    with pytest.raises(StoreError, match="not a newsreader cache"):
        Store.open(path, notice=None)
    assert path.read_bytes() == before


@pytest.mark.parametrize("version", range(SCHEMA_VERSION))
def test_migrates_from_every_earlier_version(tmp_path: Path, version: int) -> None:
    old = tmp_path / "old.db"
    conn = db.connect(old, create=True)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")  # a version-0 store
    db.migrate(conn, target=version)
    conn.close()
    with Store.open(old, notice=None) as store:
        store.upsert_source("s", kind="feed")
        assert store.upsert_articles("s", [make(1)]).new == 1
        assert store.check() == []
    with Store.open(tmp_path / "fresh.db", notice=None):
        pass

    def schema(path: Path) -> list[tuple[str, str]]:
        with sqlite3.connect(path) as c:
            rows = c.execute("SELECT name, sql FROM sqlite_master ORDER BY name").fetchall()
            assert c.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        return rows

    assert schema(old) == schema(tmp_path / "fresh.db")


def test_migration_6_keeps_the_data_and_reindexes_it_folded(tmp_path: Path) -> None:
    path = tmp_path / "v5.db"
    conn = db.connect(path, create=True)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.migrate(conn, target=5)
    stamp = "2025-11-06T12:00:00Z"
    with db.transaction(conn, write=True):
        conn.execute(
            "INSERT INTO sources (id, name, kind, added_at) VALUES (1, 'wire', 'feed', ?)",
            (stamp,),
        )
        conn.execute("INSERT INTO sections (id, name) VALUES (1, 'World')")
        for rid, title, published, sort_key in [
            (1, "Des œufs et du cœur", "2025-11-01T08:00:00Z", "2025-11-01T08:00:00Z"),
            (2, "Sans date", None, stamp),  # version 5 sorted it as its fetch time
        ]:
            conn.execute(
                "INSERT INTO articles (rid, id, source_id, section_id, title, published,"
                " sort_key, fetched_at, changed_at, content_hash)"
                " VALUES (?, ?, 1, 1, ?, ?, ?, ?, ?, 'h')",
                (rid, f"{rid:012x}", title, published, sort_key, stamp, stamp),
            )
            conn.execute(
                "INSERT INTO bodies (rid, title, text) VALUES (?, ?, 'La Straße.')", (rid, title)
            )
        conn.execute("UPDATE reader_state SET read = 1, starred = 1 WHERE rid = 1")
    conn.close()
    with Store.open(path, notice=None) as store:
        assert [r.id for r in store.articles()] == [f"{1:012x}", f"{2:012x}"]
        (first, _undated) = store.articles()
        assert first.read and first.starred and first.title == "Des œufs et du cœur"
        assert [h.id for h in store.search("oeufs")] == [first.id]
        assert len(store.search("strasse")) == 2
        assert store.totals() == Totals(articles=2, unread=1, starred=1)
        assert store.check() == []


def test_migration_scripts_split_into_whole_statements() -> None:
    from newsreader.store.schema import MIGRATIONS

    for script in MIGRATIONS:
        statements = db.split_script(script)
        assert all(sqlite3.complete_statement(s) for s in statements)
        assert sum(s.count("BEGIN") for s in statements) == script.count("BEGIN")


# --- writing ---------------------------------------------------------------------------


def test_upsert_reports_new_updated_unchanged(store: Store, clock: Clock) -> None:
    batch = [make(n) for n in range(3)]
    assert store.upsert_articles("wire", batch).new == 3
    clock.advance(hours=1)
    again = store.upsert_articles("wire", [batch[0], batch[1], make(2, title="Changed")])
    assert (again.new, again.updated, again.unchanged) == (0, 1, 2)
    unchanged = store.article(batch[0].id)
    changed = store.article(batch[2].id)
    assert unchanged is not None and changed is not None
    assert unchanged.changed_at == "2025-11-06T12:00:00Z"  # not rewritten
    assert changed.changed_at == "2025-11-06T13:00:00Z"
    assert changed.fetched_at == "2025-11-06T12:00:00Z"  # first fetch is kept
    assert changed.article.title == "Changed"


def test_round_trip_keeps_every_field(store: Store) -> None:
    article = make(
        1,
        author="Camille Martin",
        updated="2025-11-06",
        section="Tech",
        headings=("One", "Two"),
        source="Wire Inc.",
        image="https://img.example/1.jpg",
        lede="Le chapô.",
    )
    store.upsert_articles(None, [article])
    stored = store.article(article.id)
    assert stored is not None
    assert stored.article == article
    assert stored.source is None  # no configured source; article.source is the publisher


def test_source_section_wins_over_the_articles_own(store: Store) -> None:
    store.upsert_articles("wire", [make(1, section="Tech")])
    assert store.articles()[0].section == "World"
    store.upsert_source("wire", kind="feed", location="https://wire.example/rss", section=None)
    assert store.articles()[0].section == "Tech"
    assert [(s.name, s.total) for s in store.sections()] == [("Tech", 1)]
    assert store.check() == []


def test_reader_state_survives_resync_and_content_change_is_flagged(store: Store) -> None:
    first, second = make(1), make(2)
    store.upsert_articles("wire", [first, second])
    assert store.mark_read([first.id, second.id]) == 2
    assert store.set_starred(first.id) == 1
    store.upsert_articles("wire", [first, second])  # same content: nothing changes
    rows = {r.id: r for r in store.articles()}
    assert rows[first.id].read and rows[first.id].starred
    assert not rows[first.id].updated_since_read
    store.upsert_articles("wire", [make(1, text="Body 1, corrected.")])
    rows = {r.id: r for r in store.articles()}
    assert rows[first.id].read and rows[first.id].starred
    assert rows[first.id].updated_since_read
    assert not rows[second.id].updated_since_read
    assert store.mark_read(first.id) == 1  # reading it again clears the flag
    assert not {r.id: r for r in store.articles()}[first.id].updated_since_read
    assert store.mark_read(first.id) == 0


def test_a_thin_refetch_never_blanks_cached_text(store: Store) -> None:
    full = make(
        1, author="A. Writer", lede="The lede.", markdown="Long **body**.", text="Long body."
    )
    store.upsert_articles("wire", [full])
    store.mark_read(full.id)
    thin = full._replace(title=None, author=None, lede=None, markdown="", text="")
    result = store.upsert_articles("wire", [thin])
    assert (result.updated, result.unchanged) == (0, 1)
    stored = store.article(full.id)
    assert stored is not None
    assert stored.article == full._replace(section="World")  # the source's
    assert not stored.updated_since_read
    assert store.upsert_articles("wire", [thin]).unchanged == 1


def test_a_failed_batch_writes_nothing(store: Store) -> None:
    store.upsert_articles("wire", [make(0)])
    before = (store.totals(), store.sections(), store.source("wire"))
    conn = store._connection()
    conn.execute(
        "CREATE TEMP TRIGGER boom BEFORE INSERT ON bodies WHEN new.title = 'Title 7'"
        " BEGIN SELECT RAISE(ABORT, 'simulated failure'); END"
    )
    with pytest.raises(StoreError, match="simulated failure"):
        store.upsert_articles("wire", [make(n) for n in range(1, 10)])
    assert (store.totals(), store.sections(), store.source("wire")) == before
    assert [r.title for r in store.articles()] == ["Title 0"]
    assert store.search("Title") and len(store.search("Title")) == 1


def test_unknown_source_and_bad_ids_are_refused(store: Store) -> None:
    with pytest.raises(StoreError, match="unknown source"):
        store.upsert_articles("nope", [make(1)])
    with pytest.raises(ValueError, match="not an article id"):
        store.upsert_articles("wire", [make(1)._replace(id="../etc")])
    assert store.totals().articles == 0


def test_duplicate_ids_in_one_batch_keep_the_last(store: Store) -> None:
    result = store.upsert_articles("wire", [make(1), make(1, title="Later")])
    assert result.new == 1
    assert store.articles()[0].title == "Later"


def test_another_source_does_not_take_over_an_article(store: Store) -> None:
    store.upsert_source("mirror", kind="feed", location="https://mirror.example/rss")
    store.upsert_articles("wire", [make(1)])
    result = store.upsert_articles("mirror", [make(1, title="Mirror title")])
    assert result.unchanged == 1
    assert store.articles()[0].title == "Title 1"
    assert store.articles()[0].source == "wire"
    # An article opened directly (no source) is adopted by the first source carrying it.
    store.upsert_articles(None, [make(2)])
    store.upsert_articles("mirror", [make(2)])
    assert store.articles(source="mirror")[0].id == make(2).id
    assert store.check() == []


def test_file_stamps_for_folder_sources(store: Store) -> None:
    store.upsert_source("notes", kind="folder", location="/notes")
    item = ArticleInput(make(1), origin="/notes/a.md", mtime=1700000000.5)
    store.upsert_articles("notes", [item])
    stamps = store.file_stamps("notes")
    assert list(stamps) == ["/notes/a.md"]
    article_id_, mtime, digest = stamps["/notes/a.md"]
    assert (article_id_, mtime) == (make(1).id, 1700000000.5)
    store.upsert_articles("notes", [ArticleInput(make(1), origin="/notes/a.md", mtime=1800.0)])
    assert store.file_stamps("notes")["/notes/a.md"] == (make(1).id, 1800.0, digest)


# --- ordering and paging ---------------------------------------------------------------


def test_lists_sort_on_the_utc_instant(store: Store, clock: Clock) -> None:
    paris = make(1, published="2025-11-06T09:30:00+01:00")  # 08:30Z
    utc = make(2, published="2025-11-06T09:00:00Z")
    day = make(3, published="2025-11-06")  # midnight UTC
    undated = make(4, published=None)  # no date at all: after every dated one
    future = make(5, published="2031-01-01T00:00:00Z")  # a typo: counts as fetch time
    updated_only = make(6, published=None, updated="2025-11-06T08:45:00Z")
    store.upsert_articles("wire", [paris, utc, day, undated, future, updated_only])
    order = [r.id for r in store.articles()]
    assert order == [future.id, utc.id, updated_only.id, paris.id, day.id, undated.id]
    assert [r.id for r in store.articles(last=True, limit=1)] == [undated.id]
    assert store.article(paris.id).article.published == "2025-11-06T09:30:00+01:00"  # type: ignore[union-attr]


def test_offset_and_cursor_pages_agree(store: Store) -> None:
    store.upsert_articles(
        "wire", [make(n, published="2025-11-01T00:00:00Z" if n % 3 else None) for n in range(23)]
    )
    everything = [r.id for r in store.articles(limit=100)]
    assert len(everything) == len(set(everything)) == 23
    by_offset = [r.id for start in range(0, 23, 5) for r in store.articles(limit=5, offset=start)]
    by_cursor: list[str] = []
    after = None
    while page := store.articles(limit=5, after=after):
        by_cursor += [r.id for r in page]
        after = page[-1]
    assert by_offset == by_cursor == everything


def test_filters(store: Store) -> None:
    store.upsert_source("tech", kind="feed", location="https://t/rss", section="Tech")
    store.upsert_articles("wire", [make(n) for n in range(4)])
    store.upsert_articles("tech", [make(n) for n in range(10, 13)])
    store.mark_read([make(0).id, make(10).id])
    store.set_starred([make(1).id, make(11).id])
    assert {r.id for r in store.articles(section="Tech")} == {make(n).id for n in (10, 11, 12)}
    assert {r.id for r in store.articles(source="wire")} == {make(n).id for n in range(4)}
    assert len(store.articles(unread=True)) == 5
    assert {r.id for r in store.articles(starred=True)} == {make(1).id, make(11).id}
    assert [r.id for r in store.articles(section="Tech", starred=True)] == [make(11).id]
    assert [r.id for r in store.articles(section="Tech", unread=True, limit=1)] == [
        store.articles(section="Tech", unread=True)[0].id
    ]
    assert store.articles(section="Nowhere") == []


# --- counts ----------------------------------------------------------------------------


def test_section_counts_follow_every_change(store: Store) -> None:
    store.upsert_source("eco", kind="feed", location="https://e/rss", section="Économie")
    store.upsert_source("eu", kind="feed", location="https://eu/rss", section="Europe")
    store.upsert_articles("wire", [make(n) for n in range(5)])
    store.upsert_articles("eco", [make(n) for n in range(10, 13)])
    store.upsert_articles("eu", [make(20)])
    store.upsert_articles(None, [make(30, section=None)])  # no section at all
    store.mark_read([make(0).id, make(10).id])
    store.set_starred([make(1).id, make(30).id])
    assert [(s.name, s.total, s.unread) for s in store.sections()] == [
        ("Économie", 3, 2),
        ("Europe", 1, 1),
        ("World", 5, 4),
    ]
    totals = store.totals()
    assert (totals.articles, totals.unread, totals.starred) == (10, 8, 2)
    store.mark_read(make(0).id, read=False)
    store.mark_all_read(section="Économie")
    store.set_starred(make(1).id, starred=False)
    assert {s.name: s.unread for s in store.sections()}["Économie"] == 0
    assert store.totals().starred == 1
    assert store.mark_all_read() == 7
    assert store.totals().unread == 0
    assert store.check() == []


def test_recount_repairs_the_kept_counts(store: Store) -> None:
    store.upsert_articles("wire", [make(n) for n in range(3)])
    store._connection().execute("UPDATE sections SET total = 99")
    assert store.check() == ["counts: section World total is 99, should be 3"]
    store.recount()
    assert store.check() == []


# --- ids, headlines, search --------------------------------------------------------------


def test_id_prefixes(store: Store) -> None:
    ids = ["abcdef000001", "abcdef000002", "123456aaaaaa"]
    store.upsert_articles(None, [make(n)._replace(id=i) for n, i in enumerate(ids)])
    assert store.resolve_id("abcdef000001") == "abcdef000001"
    assert store.resolve_id("123456") == "123456aaaaaa"
    assert store.resolve_id(" ABCDEF000002 ") == "abcdef000002"
    assert store.article("123456aa").article.title == "Title 2"  # type: ignore[union-attr]
    with pytest.raises(AmbiguousIdError):
        store.article("abcdef")
    with pytest.raises(AmbiguousIdError):
        store.resolve_id("abcdef0000")
    assert store.resolve_id("12345") is None  # too short to be an id
    assert store.resolve_id("zzzzzz") is None
    assert store.resolve_id("abcdef9") is None
    assert store.article("fedcba") is None


def test_headlines_for_the_ticker(store: Store) -> None:
    store.upsert_source("flash", kind="feed", location="https://f/rss", flash=True)
    store.upsert_articles(
        "wire", [make(n, published=f"2025-11-0{n}T00:00:00Z") for n in range(1, 6)]
    )
    store.upsert_articles(
        "flash", [make(n, published="2025-10-01T00:00:00Z") for n in range(10, 12)]
    )
    store.upsert_articles(None, [make(50, title=None)])
    assert [h.id for h in store.headlines(3)] == [make(n).id for n in (5, 4, 3)]
    flash = store.headlines(5, flash_only=True)
    assert {h.id for h in flash} == {make(10).id, make(11).id}
    assert all(h.source == "flash" for h in flash)


def test_search_is_accent_and_case_insensitive(store: Store) -> None:
    store.upsert_articles(
        "wire",
        [
            make(1, title="Les données de l'Insee", text="Une hausse des données.", language="fr"),
            make(2, title="Unrelated", text="Nothing to see."),
        ],
    )
    for query in ("donnees", "DONNÉES", "données", "donn*", "insee donnees"):
        assert [h.id for h in store.search(query)] == [make(1).id], query
    assert store.search("absent") == []


def test_search_ranks_titles_first_and_highlights(store: Store) -> None:
    store.upsert_articles(
        "wire",
        [
            make(1, title="Weather report", text="Rain then climate talk. " * 3),
            make(2, title="Climate summit opens", text="Leaders meet."),
        ],
    )
    hits = store.search("climate")
    assert [h.id for h in hits] == [make(2).id, make(1).id]
    assert hits[0].rank <= hits[1].rank
    for hit in hits:
        assert hit.highlights
        for start, end in hit.highlights:
            assert hit.snippet[start:end].lower() == "climate"
        assert "\ue000" not in hit.snippet and "\ue001" not in hit.snippet


def test_search_ranks_title_then_lede_then_body(store: Store) -> None:
    body_only = [
        make(n, title=f"Rapport {n}", lede="Un rapport.", text="Les données, les données. " * 4)
        for n in range(1, 6)
    ]
    in_lede = make(6, title="Bilan", lede="Des données publiques.", text="Rien.")
    in_title = make(7, title="Les données de l'Insee", lede="Un bilan.", text="Rien d'autre.")
    store.upsert_articles("wire", [*body_only, in_lede, in_title])
    order = [h.id for h in store.search("donnees")]
    assert order[:2] == [in_title.id, in_lede.id]
    assert set(order[2:]) == {a.id for a in body_only}
    assert [h.id for h in store.search("donnees", limit=1, offset=1)] == [in_lede.id]


def test_search_folds_ligatures_and_matches_the_last_word_as_a_prefix(store: Store) -> None:
    store.upsert_articles(
        "wire",
        [
            make(1, title="Des crêpes et des œufs", text="Le cœur du sujet."),
            make(2, title="Straße und Fluss", text="Eine große Brücke."),
            make(3, title="Le ﬁlm de l'année", text="Æsthetics, says the critic."),
            make(4, title="Le centre de données", text="Un centre de calcul, pas de données."),
            make(5, title="Les données du centre", text="Rien."),
        ],
    )

    def ids(query: str) -> list[str]:
        return sorted(h.id for h in store.search(query))

    for query, wanted in [
        ("crepe", [1]),
        ("crêpes", [1]),
        ("oeufs", [1]),
        ("œufs", [1]),
        ("OEUFS", [1]),
        ("coeur", [1]),
        ("strasse", [2]),
        ("straße", [2]),
        ("grosse", [2]),
        ("film", [3]),
        ("ﬁlm", [3]),
        ("aesthetics", [3]),
        ("aesth", [3]),
        ('"centre de données"', [4]),
        ("données -calcul", [5]),
        ('données -"centre de"', [5]),
        ('-"centre de" données', [5]),
        ("centre données", [4, 5]),
        ("crep ", []),  # a finished word: no prefix
    ]:
        assert ids(query) == sorted(make(n).id for n in wanted), query
    (hit,) = store.search("oeufs")
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["œufs"]
    (hit,) = store.search("crep")
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["crêpes"]


def test_the_snippet_shows_the_match_wherever_it_is(store: Store) -> None:
    filler = "Un paragraphe sans rapport avec le sujet.\n\n" * 60
    store.upsert_articles(
        "wire",
        [make(1, title="Chronique", lede="Rien ici.", text=filler + "Le cœur du sujet. " + filler)],
    )
    (hit,) = store.search("coeur")
    assert [hit.snippet[a:b] for a, b in hit.highlights] == ["cœur"]
    assert hit.snippet.startswith("…") and hit.snippet.endswith("…")
    assert "\n" not in hit.snippet and "  " not in hit.snippet
    assert len(hit.snippet) <= 220


def test_search_section_filter_and_candidate_cap(store: Store) -> None:
    store.upsert_source("tech", kind="feed", location="https://t/rss", section="Tech")
    store.upsert_articles("wire", [make(n, text="common word") for n in range(5)])
    store.upsert_articles("tech", [make(n, text="common word") for n in range(10, 13)])
    assert len(store.search("common")) == 8
    assert {h.section for h in store.search("common", section="Tech")} == {"Tech"}
    assert len(store.search("common", section="Tech")) == 3
    recent = store.search("common", candidates=2)
    assert {h.id for h in recent} == {make(11).id, make(12).id}  # the last two stored
    assert len(store.search("common", limit=3, offset=6)) == 2


@pytest.mark.parametrize(
    "query",
    [
        '"',
        "(",
        "AND",
        "title:x",
        "*",
        "NEAR(a b",
        "a OR",
        "c++ (beta",
        "-x",
        '"unclosed phrase',
        "^",
        ":",
        "''",
    ],
)
def test_hostile_search_queries_do_not_fail(store: Store, query: str) -> None:
    store.upsert_articles("wire", [make(1, title="title x AND beta c")])
    assert isinstance(store.search(query), list)


def test_fts_query_and_highlights_helpers() -> None:
    assert fts_query("  ") is None
    assert fts_query("l'économie  2025") == '("l\'économie" AND "2025"*)'
    assert fts_query("l'économie 2025 ") == '("l\'économie" AND "2025")'  # a finished word
    assert fts_query('"climate summit" energ*') == '("climate summit" AND "energ"*)'
    assert fts_query('a"b ') == '("a b")'
    assert fts_query("œufs -Straße") == '("oeufs") NOT ("Strasse")'
    assert fts_query("-only") is None
    assert split_highlights("a \ue000b\ue001 c\ue001") == ("a b c", ((2, 3),))


# --- sources and state -----------------------------------------------------------------


def test_source_fetch_state(store: Store, clock: Clock) -> None:
    store.record_success(
        "wire",
        FetchMeta(
            etag='"v1"', last_modified="Thu, 06 Nov 2025", next_fetch_at="2025-11-06T13:00:00Z"
        ),
    )
    source = store.source("wire")
    assert source is not None
    assert (source.etag, source.last_success_at, source.error_count) == (
        '"v1"',
        "2025-11-06T12:00:00Z",
        0,
    )
    assert store.due_sources() == []
    clock.advance(hours=2)
    assert [s.name for s in store.due_sources()] == ["wire"]
    store.record_success("wire", FetchMeta(next_fetch_at="2025-11-06T15:00:00Z"), not_modified=True)
    assert store.source("wire").etag == '"v1"'  # type: ignore[union-attr]
    store.record_failure("wire", "HTTP 503\x1b[31m Service Unavailable\n")
    source = store.source("wire")
    assert source is not None
    assert source.last_error == "HTTP 503 Service Unavailable"
    assert (source.error_count, source.fetch_count) == (1, 3)
    assert source.etag == '"v1"'
    store.record_success("wire", FetchMeta())  # a 200 without validators clears them
    assert store.source("wire").etag is None  # type: ignore[union-attr]
    with pytest.raises(StoreError):
        store.record_failure("nope", "x")


def test_upsert_with_fetch_meta_is_one_transaction(store: Store) -> None:
    result = store.upsert_articles(
        "wire", [make(1), make(2)], meta=FetchMeta(etag="e1", next_fetch_at="2030-01-01T00:00:00Z")
    )
    source = store.source("wire")
    assert source is not None
    assert (source.etag, source.last_new, source.article_count) == ("e1", 2, 2)
    assert result.total == 2


def test_not_modified_sources_share_a_transaction_with_new_articles(store: Store) -> None:
    store.upsert_source("dépêches", kind="feed", location="https://wire.example/d")
    store.upsert_articles("wire", [make(1)], meta=FetchMeta(etag="e1", last_modified="Thu"))
    results = store.upsert_batches(
        [
            ("wire", None, FetchMeta(next_fetch_at="2030-01-01T00:00:00Z")),
            ("dépêches", [make(2)], FetchMeta(etag="d1")),
        ]
    )
    assert [r.total for r in results] == [0, 1]
    wire = store.source("wire")
    assert wire is not None
    # The 304 kept its validators and its last count of new articles.
    assert (wire.etag, wire.last_modified, wire.last_new) == ("e1", "Thu", 1)
    assert (wire.next_fetch_at, wire.fetch_count, wire.article_count) == (
        "2030-01-01T00:00:00Z",
        2,
        1,
    )
    with pytest.raises(StoreError):  # an unknown source fails the whole transaction
        store.upsert_batches([("nope", None, None), ("dépêches", [make(3)], None)])
    assert store.source("dépêches").article_count == 1  # type: ignore[union-attr]
    with pytest.raises(StoreError):
        store.upsert_batches([(None, None, None)])


def test_changing_location_forgets_validators_but_keeps_history(store: Store) -> None:
    store.record_success("wire", FetchMeta(etag="e1"))
    store.upsert_source("wire", kind="feed", location="https://wire.example/rss", section="World")
    assert store.source("wire").etag == "e1"  # type: ignore[union-attr]
    moved = store.upsert_source(
        "wire", kind="feed", location="https://new.example/rss", section="World"
    )
    assert (moved.etag, moved.fetch_count) == (None, 1)


def test_remove_source_keeps_starred_articles(store: Store) -> None:
    store.upsert_articles("wire", [make(n) for n in range(3)])
    store.set_starred(make(1).id)
    assert store.remove_source("wire") == 2
    assert store.source("wire") is None
    rows = store.articles()
    assert [(r.id, r.source, r.starred) for r in rows] == [(make(1).id, "wire", True)]
    assert store.check() == []


def test_ui_state(store: Store) -> None:
    assert store.ui_state("last_section", "All") == "All"
    store.set_ui_state("last_section", "Économie")
    store.set_ui_state("scroll", {"articles": 12, "article": 0.5})
    assert store.ui_state("last_section") == "Économie"
    assert store.ui_state("scroll") == {"articles": 12, "article": 0.5}
    store.set_ui_state("last_section", None)
    assert store.ui_state("last_section") is None


# --- maintenance -----------------------------------------------------------------------


def test_prune_keeps_newest_per_source_and_starred(store: Store) -> None:
    store.upsert_source("other", kind="feed", location="https://o/rss")
    store.upsert_articles("wire", [make(n, published=f"2025-10-{n + 1:02d}") for n in range(6)])
    store.upsert_articles("other", [make(n) for n in range(100, 103)])
    store.upsert_articles(None, [make(200), make(201, published="2025-01-01")])
    store.set_starred(make(0).id)  # the oldest of "wire"
    assert store.prune(keep=2) == 3 + 1
    remaining = {r.id for r in store.articles(limit=100)}
    assert remaining == {make(n).id for n in (5, 4, 0, 102, 101, 200, 201)}
    assert {h.id for h in store.search("Title")} == remaining  # the index follows
    assert store.prune(keep=2) == 0
    assert store.check() == []


def test_vacuum_and_info(store: Store) -> None:
    store.upsert_articles("wire", [make(n, text="x " * 5000) for n in range(50)])
    store.prune(keep=1)
    before, after = store.vacuum()
    assert after < before
    info = store.info()
    assert (info.articles, info.sources, info.sections, info.schema_version) == (
        1,
        1,
        1,
        SCHEMA_VERSION,
    )
    assert info.size_bytes == after
    assert store.check() == []


# --- hostile text ----------------------------------------------------------------------

HOSTILE = "\x1b[31mred\x1b[0m [/] [@click=app.quit]x[/] \u202etxt.exe\x00\x07\x9b2J\ud800 ok"
_BAD = set("\x1b\x00\x07\x9b\u202e\ud800")


def test_hostile_text_is_stored_clean_and_read_back_clean(store: Store) -> None:
    article = make(
        1,
        title=HOSTILE,
        author=HOSTILE,
        lede=HOSTILE,
        markdown=HOSTILE,
        text=HOSTILE + " searchable",
        section=HOSTILE,
        source=HOSTILE,
        headings=(HOSTILE,),
        url="javascript:alert(1)",
    )
    store.upsert_articles(None, [article])
    stored = store.article(article.id)
    assert stored is not None
    values = [
        stored.article.title,
        stored.article.author,
        stored.article.lede,
        stored.article.markdown,
        stored.article.text,
        stored.article.section,
        stored.article.source,
        *stored.article.headings,
    ]
    for value in values:
        assert value is not None
        assert not _BAD & set(value), repr(value)
        assert "[/]" in value  # markup-looking text is data: kept, never interpreted
    assert stored.article.url is None
    row = store.articles()[0]
    hit = store.search("searchable")[0]
    for text in (row.title, row.section, hit.title, hit.snippet, store.sections()[0].name):
        assert text is not None and not _BAD & set(text)


# --- threads ---------------------------------------------------------------------------


def test_threads_share_a_store_with_a_connection_each(store: Store) -> None:
    """Each thread works on its own connection (held at once, so they are four distinct
    objects), and connections of threads that ended are closed, not leaked."""
    from newsreader.store import db

    errors: list[BaseException] = []
    connections: list[object] = []
    all_connected = threading.Barrier(4, timeout=30)

    def work(worker: int) -> None:
        try:
            connections.append(store._connection())
            all_connected.wait()  # every thread holds its connection at this point
            for n in range(10):
                store.upsert_articles("wire", [make(worker * 100 + n)])
                store.articles(limit=5)
                store.mark_read(make(worker * 100 + n).id)
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=work, args=(w,)) for w in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len({id(conn) for conn in connections}) == 4
    assert store._connection() not in connections  # the test's own thread has its own
    assert store.totals().articles == 40 and store.totals().unread == 0
    assert db.connections_open(store.path) == 5
    worker = threading.Thread(target=store.totals)  # a new thread closes the dead ones'
    worker.start()
    worker.join()
    assert db.connections_open(store.path) == 2  # this thread's and the last worker's
    assert store.check() == []


# --- query plans: the lists stay index walks whatever the cache size ------------------


def test_list_queries_walk_indexes_instead_of_sorting(store: Store) -> None:
    store.upsert_source("tech", kind="feed", location="https://t/rss", section="Tech")
    store.upsert_articles("wire", [make(n) for n in range(30)])
    store.set_starred(make(3).id)
    conn = store._connection()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    first = store.articles(limit=5)
    calls = {  # what each list needs, and the index it must walk
        "newest": (lambda: store.articles(limit=5), "articles_by_date"),
        "section": (lambda: store.articles(section="World", limit=5), "articles_by_section"),
        "source": (lambda: store.articles(source="wire", limit=5), "articles_by_source"),
        "unread": (lambda: store.articles(unread=True, limit=5), "articles_by_date"),
        "next page": (
            lambda: store.articles(section="World", after=first[-1], limit=5),
            "articles_by_section",
        ),
        "search": (lambda: store.search("title", limit=5), "VIRTUAL TABLE"),
        "id prefix": (lambda: store.resolve_id(make(1).id[:6]), "sqlite_autoindex_articles_1"),
        "headlines": (lambda: store.headlines(5), "articles_by_date"),
    }
    for name, (call, index) in calls.items():
        statements.clear()
        call()
        selects = [s for s in statements if s.lstrip().startswith("SELECT")]
        steps = [row[3] for sql in selects for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        assert any(index in step for step in steps), (name, steps)
        assert not [s for s in steps if "TEMP B-TREE" in s], (name, steps)
        full_scans = [
            s for s in steps if s.startswith(("SCAN a", "SCAN articles")) and "INDEX" not in s
        ]
        assert full_scans == [], (name, steps)
    conn.set_trace_callback(None)


# --- the same story from several sources (migration 4) --------------------------------


def test_the_same_story_from_two_sources_is_one_row_of_the_virtual_lists(store: Store) -> None:
    store.upsert_source("flash", kind="feed", location="https://flash.example/rss")
    story = make(1, title="Le festival dévoile son affiche", published="2025-10-02T17:05:00Z")
    store.upsert_articles("wire", [story, make(2), make(3)])
    teaser = make(
        90,
        title="Le festival dévoile son affiche",
        url=None,
        id="00000000abcd",
        published="2025-10-02T17:05:00Z",
    )
    same_url = make(2)  # the same page from another source: already the same article
    store.upsert_articles("flash", [teaser, same_url])
    every = store.articles(limit=10)
    assert len(every) == 4  # the real lists keep each article
    stories = store.articles(limit=10, stories=True)
    assert [row.title for row in stories].count("Le festival dévoile son affiche") == 1
    first = next(row for row in stories if row.id == story.id)
    assert first.also == "flash"
    carried = next(row for row in stories if row.id == same_url.id)
    assert carried.also == "flash" and carried.source == "wire"
    assert store.repeats().articles == 1 and store.repeats().unread == 1
    hits = store.search("festival", stories=True)
    assert [hit.id for hit in hits] == [story.id] and hits[0].also == "flash"
    assert store.search_count("festival", stories=True) == (1, 1)
    assert store.search_count("festival") == (2, 2)
    # Reading one reads the story; what is read stays read for a late repeat too.
    store.mark_read(story.id)
    assert store.totals().unread == 2 and store.repeats().unread == 0
    store.upsert_source("radio", kind="feed", location="https://radio.example/rss")
    late = make(91, title="Le festival dévoile son affiche", published="2025-10-02T20:00:00Z")
    store.upsert_articles("radio", [late._replace(id="00000000abce", url=None)])
    assert store.totals().unread == 2
    assert next(r for r in store.articles(limit=10, stories=True) if r.id == story.id).also
    assert store.mark_read(story.id, read=False) == 3


def test_a_recurring_title_of_one_source_or_days_apart_is_not_one_story(store: Store) -> None:
    daily = [
        make(n, title="La revue de presse", published=f"2025-10-0{n}T07:00:00Z") for n in (1, 2)
    ]
    store.upsert_articles("wire", daily)
    store.upsert_source("other", kind="feed", location="https://other.example/rss")
    far = make(9, title="La revue de presse", published="2025-10-05T07:00:00Z")
    store.upsert_articles("other", [far])
    assert len(store.articles(limit=10, stories=True)) == 3
    assert store.repeats().articles == 0


def test_a_story_shows_again_once_its_first_article_is_gone(store: Store) -> None:
    store.upsert_source("flash", kind="feed", location="https://flash.example/rss")
    store.upsert_articles("wire", [make(1, title="Même titre")])
    store.upsert_articles("flash", [make(2, title="Même titre")])
    assert len(store.articles(limit=10, stories=True)) == 1
    store.remove_source("wire")
    assert [row.source for row in store.articles(limit=10, stories=True)] == ["flash"]
    assert store.repeats().articles == 0


def test_migration_4_finds_the_stories_already_cached(tmp_path: Path) -> None:
    old = tmp_path / "old.db"
    conn = db.connect(old, create=True)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.migrate(conn, target=3)
    conn.close()
    import newsreader.store.schema as schema

    real = schema.MIGRATIONS
    try:  # fill a version-3 cache through the store of that version
        schema_v3 = real[:3]
        db.MIGRATIONS = schema_v3  # type: ignore[attr-defined]
        db.SCHEMA_VERSION = 3  # type: ignore[attr-defined]
        conn = db.connect(old, create=False)
        conn.execute("INSERT INTO sources (name, kind, added_at) VALUES ('a', 'feed', 'x')")
        conn.execute("INSERT INTO sources (name, kind, added_at) VALUES ('b', 'feed', 'x')")
        for rid, source, title in ((1, 1, "Un titre"), (2, 2, "Un titre"), (3, 2, "Autre")):
            conn.execute(
                "INSERT INTO articles (rid, id, source_id, title, sort_key, fetched_at,"
                " changed_at, content_hash) VALUES (?, ?, ?, ?, '2025-10-01T08:00:00Z',"
                " 'x', 'x', 'h')",
                (rid, f"{rid:012x}", source, title),
            )
            conn.execute("INSERT INTO bodies (rid, title) VALUES (?, ?)", (rid, title))
        conn.commit()
        conn.close()
    finally:
        db.MIGRATIONS = real  # type: ignore[attr-defined]
        db.SCHEMA_VERSION = len(real)  # type: ignore[attr-defined]
    with Store.open(old, notice=None) as store:
        assert [row.title for row in store.articles(limit=10, stories=True)] == [
            "Autre",
            "Un titre",
        ]
        assert store.articles(limit=10, stories=True)[1].also == "b"
        assert store.check() == []


def test_the_end_of_a_list_is_one_walk_backwards(store: Store) -> None:
    store.upsert_articles("wire", [make(n) for n in range(30)])
    everything = store.articles(limit=100)
    assert store.articles(limit=5, last=True) == everything[-5:]
    assert store.articles(limit=5, newer_than=everything[-5]) == everything[-10:-5]
    assert store.articles(limit=5, section="World", last=True) == everything[-5:]
    conn = store._connection()
    statements: list[str] = []
    conn.set_trace_callback(statements.append)
    store.articles(limit=5, last=True, stories=True)
    store.articles(limit=5, section="World", newer_than=everything[-5])
    store.articles(limit=5, unread=True, stories=True)
    conn.set_trace_callback(None)
    lists = [s for s in statements if s.lstrip().startswith("SELECT") and "ORDER BY" in s]
    assert len(lists) == 3
    for sql in lists:
        steps = [row[3] for row in conn.execute("EXPLAIN QUERY PLAN " + sql)]
        assert any("articles_by_date" in s or "articles_by_section" in s for s in steps), steps
        assert not [s for s in steps if "TEMP B-TREE" in s], steps


def test_search_count_and_hits_carry_the_reading_state(store: Store) -> None:
    store.upsert_articles("wire", [make(n, title=f"Marché {n}") for n in range(7)])
    store.mark_read(make(3).id)
    store.set_starred(make(4).id)
    assert store.search_count("marche") == (7, 7)
    assert store.search_count("marche", candidates=5) == (5, 7)
    hits = {hit.id: hit for hit in store.search("marche", limit=10)}
    assert hits[make(3).id].read and not hits[make(2).id].read
    assert hits[make(4).id].starred
    assert store.search_count("") == (0, 0)


def test_figures_are_kept_with_the_article(store: Store) -> None:
    """An article's figures come back from the cache as they went in (http(s) only), and
    a full-text body that brings none keeps them."""
    from newsreader.models import Image

    figures = (
        Image("https://img.example/ferry.jpg", "A ferry", "Le ferry au départ"),
        Image("javascript:alert(1)", "x", "never stored"),
        Image("https://img.example/port.png", None, None),
    )
    article = make(1)._replace(images=figures, image=figures[0].src)
    store.upsert_articles("wire", [article])
    stored = store.article(article.id)
    assert stored is not None
    assert stored.article.images == (figures[0], figures[2])
    store.set_body(article.id, markdown="Longer body.", text="Longer body.", headings=())
    again = store.article(article.id)
    assert again is not None and again.article.images == (figures[0], figures[2])
    assert store.upsert_articles("wire", [article]).unchanged == 1  # same hash next time
