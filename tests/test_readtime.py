"""Reading time as the article list and metadata line will show it ("4 min")."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreader.content.readtime import reading_minutes
from newsreader.ids import article_id
from newsreader.models import Article
from newsreader.store import Store, db
from newsreader.store.schema import _READING_AND_COMMENTS, APPLICATION_ID, MIGRATIONS

ENGLISH = "The ferry sails at dawn and returns at night. "  # 9 words
CHINESE = "阿里巴巴在杭州的总部宣布将在法国开设数据中心。"  # 22 characters and a full stop
JAPANESE = "トレンドマイクロは公衆無線を安全に使うためのアプリを発表した。"  # 30 and a full stop


def test_no_text_takes_no_time() -> None:
    assert reading_minutes("") == 0
    assert reading_minutes("  \n ") == 0
    assert reading_minutes("— … !") == 0


def test_a_short_text_takes_a_minute() -> None:
    assert reading_minutes("Breaking: the bridge is open.", "en") == 1


def test_english_words_at_about_230_a_minute() -> None:
    assert reading_minutes(ENGLISH * 250, "en") == 10  # 2,250 words
    assert reading_minutes(ENGLISH * 25, "en-GB") == 1  # 225 words


def test_the_same_text_reads_slower_in_words_where_words_are_longer() -> None:
    words = "mot " * 1950
    assert reading_minutes(words, "fr") == 10
    assert reading_minutes(words, "en") == 9
    assert reading_minutes(words, None) == 10  # unknown language: 200 words a minute


@pytest.mark.parametrize(
    ("text", "language", "minutes"),
    [
        (CHINESE * 116, "zh", 10),  # 2,552 characters at 255 a minute
        (CHINESE * 116, "zh-Hant", 10),
        (JAPANESE * 119, "ja", 10),  # 3,570 characters at 357 a minute
        (CHINESE * 136, None, 10),  # 2,992 characters, language unknown: 300 a minute
    ],
)
def test_chinese_and_japanese_count_characters(
    text: str, language: str | None, minutes: int
) -> None:
    assert " " not in text  # no spaces: counted by words, this would be one minute
    assert reading_minutes(text, language) == minutes


def test_latin_words_inside_chinese_text_count_as_words() -> None:
    mixed = (CHINESE + " Alibaba Cloud ") * 100  # 2,200 characters and 200 words
    assert reading_minutes(mixed, "zh") == round(2200 / 255 + 200 / 200)


def test_korean_separates_its_words_and_counts_them() -> None:
    korean = "알리바바 클라우드는 프랑스에 데이터 센터를 연다. " * 50  # 300 words
    assert reading_minutes(korean, "ko") == 2  # 300 words at 200 a minute, rounded


# -- stored with the article, shown by the lists ------------------------------------------


def _article(number: int, text: str, language: str | None = "en", **fields: object) -> Article:
    url = f"https://example.org/{number}"
    return Article(
        id=article_id(url),
        title=f"T{number}",
        url=url,
        language=language,
        markdown=text,
        text=text,
        **fields,  # type: ignore[arg-type]
    )


def test_the_list_rows_carry_the_reading_time(tmp_path: Path) -> None:
    with Store.open(tmp_path / "c.db") as store:
        store.upsert_articles(None, [_article(1, ENGLISH * 250), _article(2, CHINESE * 100, "zh")])
        minutes = {row.title: row.minutes for row in store.articles()}
        assert minutes == {"T1": 10, "T2": round(2200 / 255)}
        entry = Article(
            id=article_id("https://example.org/e"),
            title="E",
            url="https://example.org/e",
            content_html="<p>" + ENGLISH * 250 + "</p>",
        )
        store.upsert_articles(None, [entry])
        assert {r.title: r.minutes for r in store.articles()}["E"] is None  # HTML: not yet
        assert store.count_pending() == 1
        assert {r.title: r.minutes for r in store.articles()}["E"] == round(2250 / 200)
        # The full text replaces a teaser: its own time.
        store.set_body(entry.id, markdown="Short.", text="Short.", headings=())
        stored = store.article(entry.id)
        assert stored is not None and stored.minutes == 1


def test_a_cache_from_before_reading_times_keeps_its_articles_and_counts_them(
    tmp_path: Path,
) -> None:
    path = tmp_path / "old.db"
    conn = db.connect(path, create=True)
    conn.execute("PRAGMA journal_mode = WAL")
    conn.execute(f"PRAGMA application_id = {APPLICATION_ID}")
    db.migrate(conn, target=MIGRATIONS.index(_READING_AND_COMMENTS))
    with conn:  # an article as the code before this migration wrote it
        conn.execute(
            "INSERT INTO articles (id, title, language, sort_key, fetched_at, changed_at,"
            " content_hash) VALUES ('0123456789ab', 'Old', 'en', '2025-11-06T08:00:00Z',"
            " '2025-11-06T08:00:00Z', '2025-11-06T08:00:00Z', 'h')"
        )
        conn.execute(
            "INSERT INTO bodies (rid, title, text, markdown) VALUES (1, 'Old', ?, ?)",
            (ENGLISH * 250, ENGLISH * 250),
        )
        conn.execute("UPDATE reader_state SET read = 1 WHERE rid = 1")
    conn.close()
    with Store.open(path, notice=None) as store:
        (row,) = store.articles()
        assert (row.title, row.read, row.minutes, row.comment_count) == ("Old", True, None, None)
        stored = store.article(row.id)
        assert stored is not None and stored.article.text == ENGLISH * 250
        assert store.count_pending() == 1
        (row,) = store.articles()
        assert row.minutes == 10 and row.read
        assert store.count_pending() == 0
        assert store.check() == []
