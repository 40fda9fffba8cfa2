"""trafilatura and readability together: a block trafilatura leaves out inside the
story comes back when readability kept it too, and readability only runs when the
page has such a block."""

from __future__ import annotations

from typing import Any

import pytest

from newsreader.content import extract
from newsreader.content.extract import extract_article
from tests.conftest import FIXTURES, run_cli

SALZ = FIXTURES / "pages" / "salz-subheadings.html"


def _salz() -> str:
    return SALZ.read_text(encoding="utf-8")


def test_trafilatura_alone_drops_the_subheadings() -> None:
    # The premise of this file: if trafilatura starts keeping them, the test below
    # no longer shows anything.
    body = extract._main_content(extract.parse_html(_salz()), None)
    assert body is not None
    text = extract._block_text(body)
    assert "Die meisten Salzlager" in text and "Ein Meer trocknet aus" not in text


def test_subheadings_come_back_in_place_through_the_cli() -> None:
    run = run_cli("open", str(SALZ), "--format", "json")
    assert run.code == 0, run.stderr
    data: dict[str, Any] = run.json()
    assert data["headings"] == ["Ein Meer trocknet aus", "Vom Bergwerk auf den Tisch"]
    body = data["markdown"]
    assert (
        body.index("Salz begleitet die Menschen")
        < body.index("## Ein Meer trocknet aus")
        < body.index("Die meisten Salzlager")
        < body.index("## Vom Bergwerk auf den Tisch")
        < body.index("Heute wird Salz in Bergwerken")
    )


def test_a_block_readability_left_out_too_stays_out(monkeypatch: pytest.MonkeyPatch) -> None:
    tree = extract.parse_html(_salz())
    without = extract._second_opinion(tree, None)
    assert without is not None
    for heading in list(without.iter("h2")):
        if heading.text == "Vom Bergwerk auf den Tisch":
            heading.getparent().remove(heading)
    monkeypatch.setattr(extract, "_second_opinion", lambda page, url: without)
    article = extract_article(_salz(), str(SALZ))
    assert article.headings == ("Ein Meer trocknet aus",)


def test_readability_never_runs_when_trafilatura_misses_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def fail(page: object, url: object) -> None:
        raise AssertionError("readability ran")

    monkeypatch.setattr(extract, "_second_opinion", fail)
    article = extract_article(
        (FIXTURES / "pages" / "ferry-figures.html").read_text(encoding="utf-8"),
        "ferry.html",
    )
    assert "The night ferry between the island" in article.text


def test_readability_is_not_asked_about_a_story_too_long_to_read_quickly() -> None:
    from lxml import html

    from newsreader.content.combine import MAX_STORY_ELEMENTS, MAX_STORY_TEXT, story_page

    short = html.fragment_fromstring("<div><p>One paragraph.</p><p>And another.</p></div>")
    page = story_page(short)
    assert page is not None and "And another." in page.text_content()
    many = html.fragment_fromstring("<div>" + "<p>x</p>" * MAX_STORY_ELEMENTS + "</div>")
    assert story_page(many) is None
    long = html.fragment_fromstring("<div><p>" + "word " * (MAX_STORY_TEXT // 4) + "</p></div>")
    assert story_page(long) is None
    scripts = html.fragment_fromstring(
        "<div><p>Short story.</p><script>" + "x" * MAX_STORY_TEXT + "</script></div>"
    )
    assert story_page(scripts) is not None  # a script's text is no reading
