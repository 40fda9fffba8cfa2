"""Reading time as the article list and metadata line will show it ("4 min")."""

from __future__ import annotations

import pytest

from newsreader.content.readtime import reading_minutes

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
