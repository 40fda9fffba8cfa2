"""readability's second opinion on trafilatura's body: a paragraph the page prints
twice, a paragraph written as a ``<div>``."""

from __future__ import annotations

import pytest
from lxml import etree

from newsreader.content import extract
from newsreader.content.extract import extract_article
from tests.conftest import FIXTURES

PAGES = FIXTURES / "pages"
REFRAIN = "Bring the boats in slowly, bring the nets in dry"


def _page(name: str) -> str:
    return (PAGES / name).read_text(encoding="utf-8")


def test_a_paragraph_the_page_prints_twice_is_printed_twice() -> None:
    # trafilatura keeps one of two equal paragraphs in a row; the page, and
    # readability, show both.
    text = extract_article(_page("refrain-twice.html"), "refrain-twice.html").text
    assert text.count(REFRAIN) == 2
    first = text.index(REFRAIN)
    assert text.index("as the custom wants") < first < text.index(REFRAIN, first + 1)
    assert text.index(REFRAIN, first + 1) < text.index("The choir will sing")


def test_the_second_copy_needs_readability_to_hold_it_twice(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    once = etree.fromstring(
        f"<body><p>Every verse ends on the same lines.</p><p>{REFRAIN}, keep a lamp in every "
        "window while the tide is running high.</p><p>The choir will sing.</p></body>"
    )
    monkeypatch.setattr(extract, "_second_opinion", lambda page, url: once)
    text = extract_article(_page("refrain-twice.html"), "refrain-twice.html").text
    assert text.count(REFRAIN) == 1


def test_a_paragraph_written_as_a_division_comes_back_in_place() -> None:
    # With enough text in <p>, trafilatura leaves a <div> of text out.
    page = _page("division-paragraphs.html")
    body = extract._main_content(extract.parse_html(page), None)
    assert body is not None and "second-hand sleeper" not in extract._block_text(body)
    text = extract_article(page, "division-paragraphs.html").text
    assert (
        text.index("The night train between")
        < text.index("six second-hand sleeper cars")
        < text.index("Tickets went on sale")
    )
