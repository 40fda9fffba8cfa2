"""A river of other stories that trafilatura took into the body leaves it when
readability, reading the whole page, finds the story beside it; a listicle, made of
the same kind of cards, stays."""

from __future__ import annotations

import pytest
from lxml import etree

from newsreader.content import extract
from newsreader.content.extract import extract_article
from tests.conftest import FIXTURES

PAGES = FIXTURES / "pages"
RIVER = PAGES / "river-of-teasers.html"
LISTICLE = PAGES / "day-trips-listicle.html"
TEASER = "The island council agreed on Tuesday"


def test_trafilatura_takes_the_river_into_the_body() -> None:
    # The premise: if trafilatura stops doing this, the test below shows nothing.
    body = extract._main_content(extract.parse_html(RIVER.read_text(encoding="utf-8")), None)
    assert body is not None and TEASER in extract._block_text(body)


def test_the_river_of_teasers_leaves_the_body() -> None:
    article = extract_article(RIVER.read_text(encoding="utf-8"), str(RIVER))
    assert "The island's only bakery will close" in article.text
    assert "with the almond cakes" in article.text
    assert TEASER not in article.text
    assert "Ferry fares frozen" not in article.text
    assert "Harbour café reopens" not in article.text


def test_cards_readability_holds_too_stay(monkeypatch: pytest.MonkeyPatch) -> None:
    page = extract.parse_html(RIVER.read_text(encoding="utf-8"))
    everything = extract._main_content(page, None)
    assert everything is not None
    monkeypatch.setattr(extract, "_second_opinion", lambda page, url: everything)
    article = extract_article(RIVER.read_text(encoding="utf-8"), str(RIVER))
    assert TEASER in article.text


def test_readability_is_not_asked_when_the_body_has_no_cards(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(page: object, url: object) -> etree._Element:
        raise AssertionError("readability ran")

    monkeypatch.setattr(extract, "_second_opinion", fail)
    page = (PAGES / "ferry-figures.html").read_text(encoding="utf-8")
    assert "The night ferry between the island" in extract_article(page, "ferry.html").text


def test_a_listicle_keeps_its_cards() -> None:
    article = extract_article(LISTICLE.read_text(encoding="utf-8"), str(LISTICLE))
    for heading in ("The north lighthouse", "The seal colony", "The oyster beds"):
        assert heading in article.text
    assert "sell a dozen oysters" in article.text
