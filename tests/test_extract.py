"""Main-content extraction as a reader sees it: the story and nothing around it.

Each fixture page under ``tests/fixtures/pages`` wraps a short story in the furniture
news sites put around one (cookie banner, share bar, "read also" links, photo credits,
a newsletter box, a tag list, an author bio, comments, a copyright footer). Every real
paragraph must come out, none of the furniture may.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from newsreader.content import extract
from newsreader.content.extract import extract_article
from newsreader.models import Article
from tests.conftest import FIXTURES, SAMPLES

PAGES = FIXTURES / "pages"


def _open(name: str, location: str | None = None) -> Article:
    path = PAGES / name
    return extract_article(path.read_text(encoding="utf-8"), location or str(path))


@pytest.fixture(scope="module")
def harbour() -> Article:
    return _open("harbour-boilerplate.html")


@pytest.fixture(scope="module")
def library() -> Article:
    return _open("library-reopening.html")


@pytest.fixture(scope="module")
def stadtfest() -> Article:
    return _open("stadtfest-de.html")


HARBOUR_PARAGRAPHS = [
    "The harbour master confirmed on Monday that the night crossings will resume",
    "Residents of the island have campaigned for the service since the last evening boat",
    "The operator said the first departures would leave at seven, eight, nine and ten",
    "Councillors welcomed the decision but warned that the timetable would be reviewed",
    "For the cannery workers, the change means an end to the informal lift-sharing",
]
HARBOUR_FURNITURE = {
    "cookie banner": "We use cookies",
    "navigation": "Sport",
    "share bar": "Facebook",
    "read-also link": "Why the north pier repairs took four years",
    "photo credit": "Tom Lindqvist",
    "newsletter box": "Sign up for our free morning newsletter",
    "author bio": "transport reporter",
    "tag list": "Topics:",
    "related links": "Lighthouse keeper retires",
    "comment section": "About time!",
    "comment form": "Name *",
    "copyright footer": "All rights reserved",
}


def test_every_paragraph_of_the_story_stays(harbour: Article) -> None:
    for paragraph in HARBOUR_PARAGRAPHS:
        assert paragraph in harbour.markdown
    positions = [harbour.markdown.index(p) for p in HARBOUR_PARAGRAPHS]
    assert positions == sorted(positions), "paragraphs keep their order"


@pytest.mark.parametrize("what", sorted(HARBOUR_FURNITURE))
def test_page_furniture_stays_out(harbour: Article, what: str) -> None:
    snippet = HARBOUR_FURNITURE[what]
    assert snippet not in harbour.markdown, what
    assert snippet not in harbour.text, what


def test_lede_opens_the_body_once(harbour: Article) -> None:
    assert harbour.lede is not None
    assert harbour.lede.startswith("After eleven years without a single crossing")
    assert harbour.markdown.startswith(harbour.lede)
    assert harbour.markdown.count("After eleven years") == 1


def test_header_fields_come_from_structured_data(harbour: Article) -> None:
    # The JSON-LD names its author by reference to a Person node ({"@id": …}).
    assert harbour.author == "Maria Keller"
    assert harbour.title == "Night ferries return to the old harbour"
    assert harbour.published is not None and harbour.published.startswith("2024-03-05")
    assert harbour.title not in harbour.markdown
    assert "5 March 2024" not in harbour.markdown


def test_title_repeated_as_first_heading_is_dropped(library: Article) -> None:
    assert library.title == "Five things to know about the reopened city library"
    assert library.title not in library.markdown
    assert library.headings == ()


def test_byline_and_date_line_in_the_body_become_metadata(library: Article) -> None:
    assert library.author == "Jane Doe"
    assert library.updated is not None and library.updated.startswith("2024-05-12")
    assert "By Jane Doe" not in library.markdown
    assert "Updated" not in library.markdown
    assert library.markdown.startswith("The city library on Market Street opened its doors")


def test_comment_form_label_is_no_author() -> None:
    page = (PAGES / "library-reopening.html").read_text(encoding="utf-8")
    article = extract_article(page.replace("<p>By Jane Doe</p>", ""), "page.html")
    assert article.author is None


def test_teaser_for_another_story_is_no_lede(library: Article) -> None:
    assert library.lede is None
    assert "swimming pool" not in library.markdown


def test_numbered_paragraphs_keep_their_numbers(library: Article) -> None:
    # "1. The reading room …" is a paragraph the author numbered, not a Markdown list:
    # escaped, every Markdown reader shows "1." instead of renumbering a list.
    assert "\n1\\. The reading room is bigger." in library.markdown
    assert "\n3\\. There is a café." in library.markdown
    assert "\n1. The reading room is bigger." in library.text


def test_soft_hyphens_are_removed(library: Article) -> None:
    assert "by the windows overlooking the river" in library.text
    assert "\u00ad" not in library.markdown


def test_unsafe_markup_stays_out(library: Article) -> None:
    for body in (library.markdown, library.text):
        assert "javascript:" not in body
        assert "alert" not in body
        assert "\x1b" not in body
        assert "listed in the library's leaflet" in body
        assert "at the town hall." in body


def test_boilerplate_in_german(stadtfest: Article) -> None:
    for paragraph in (
        "Mehr als 80.000 Menschen haben am Wochenende das Stadtfest besucht",
        "Besonders gefragt waren die Konzerte auf der Bühne am Marktplatz",
        "Für das kommende Jahr plant die Stadt, das Fest um einen Tag zu verlängern.",
        "Die Händler in der Altstadt berichteten von guten Umsätzen",
    ):
        assert paragraph in stadtfest.markdown
    for furniture in (
        "Mehr zum Thema",
        "Straßen am Festwochenende",
        "Foto: Lena Hofer",
        "Folgen Sie uns",
        "Alle Rechte vorbehalten",
    ):
        assert furniture not in stadtfest.markdown


def test_site_name_is_no_author(stadtfest: Article) -> None:
    # <meta name="author"> names the paper; the byline on the page names the reporter.
    assert stadtfest.author == "Jonas Brandt"
    assert stadtfest.published is not None and stadtfest.published.startswith("2024-08-26")


LEAD_PICTURE_PAGE = """<html lang="en"><head><title>Bridge</title></head><body><article>
<h1>The old bridge reopens to cyclists</h1>
<figure><img src="/bridge.jpg" alt=""><figcaption>The bridge at dawn. Photo: Ana Ruiz</figcaption></figure>
<p>After two years of repairs, the old bridge over the canal is open again, though only to
cyclists and walkers for now, the city's works department announced on Thursday.</p>
<p>Cars will have to wait until the autumn, when the second lane is finished and the new
railings have passed their load tests, the department said in its announcement.</p>
<figure><img src="/crane.jpg" alt=""><figcaption>A crane lifts the last girder into place.</figcaption></figure>
<p>The repairs cost twice as much as first planned because the foundations turned out to be
in worse shape than the surveys of ten years ago had suggested, according to the council.</p>
</article></body></html>"""


def test_every_caption_is_kept_in_place_without_its_credit() -> None:
    article = extract_article(LEAD_PICTURE_PAGE, "https://city.example/news/bridge")
    assert [image.caption for image in article.images] == [
        "The bridge at dawn.",
        "A crane lifts the last girder into place.",
    ]
    assert "Ana Ruiz" not in article.markdown
    body = article.text
    assert (
        body.index("The bridge at dawn.")
        < body.index("After two years of repairs")
        < body.index("A crane lifts the last girder")
        < body.index("the foundations turned out to be")
    )


def test_caption_stays_when_its_picture_has_no_address() -> None:
    # Read from a file with no URL, "/bridge.jpg" cannot be opened: no image, but the
    # caption is still part of what the page says.
    article = extract_article(LEAD_PICTURE_PAGE, "bridge.html")
    assert article.images == () and article.image is None
    assert "![" not in article.markdown
    assert article.markdown.count("The bridge at dawn.") == 1


def test_second_opinion_when_trafilatura_finds_nothing(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(extract, "_main_content", lambda tree, url: None)
    article = _open("harbour-boilerplate.html")
    assert "The harbour master confirmed on Monday" in article.markdown
    assert "For the cannery workers" in article.markdown
    assert "Photo: Tom Lindqvist" not in article.markdown


def test_sample_page_expected_fields() -> None:
    expected: dict[str, Any] = json.loads(
        (SAMPLES / "alibaba-datacenter-fr.expected.json").read_text(encoding="utf-8")
    )
    path: Path = SAMPLES / "alibaba-datacenter-fr.html"
    article = extract_article(path.read_text(encoding="utf-8"), str(path))
    for key in ("title", "section", "author", "language"):
        assert getattr(article, key) == expected[key], key
    assert article.published is not None and article.published.startswith(expected["published"])
    assert article.updated is not None and article.updated.startswith(expected["updated"])
    assert article.lede is not None and article.lede.startswith(expected["lede_starts_with"])
    assert list(article.headings) == expected["headings"]
    for line in expected["body_must_contain"]:
        assert line in article.markdown
    for line in expected["body_must_not_contain"]:
        assert line not in article.markdown
    assert article.text.count(expected["caption"]) == 1
    assert [image.caption for image in article.images] == [expected["caption"]]


BIO_PAGE = """<html lang="en"><head><title>Allotments</title></head><body><article>
<h1>Waiting lists for allotments grow longer</h1>
<p>More than four hundred people are now waiting for an allotment in the city, twice as many
as five years ago, according to figures the parks department published this week.</p>
<p>The department says it has no land left to divide, and that some plots will be split in
half when their tenants give them up, so that more people can start growing vegetables.</p>
<p>Tenants who have had a plot for decades say the smaller plots will not feed a family,
and they have asked the council to look for land on the edge of the city instead.</p>
<p>Sam Porter is a freelance journalist based in Leeds who writes about cities and food.</p>
</article></body></html>"""


def test_author_bio_after_the_story_without_metadata() -> None:
    article = extract_article(BIO_PAGE, "allotments.html")
    assert "they have asked the council to look for land" in article.markdown
    assert "freelance journalist" not in article.markdown


def _long_page(blocks: str, tail: str = "") -> str:
    return (
        "<html><head><title>Long</title></head><body>"
        f"<article>{blocks}</article>{tail}</body></html>"
    )


def _para(n: int) -> str:
    return f"<p>Paragraph {n} of a very long page, with enough words to count as text.</p>"


def test_a_page_too_long_to_extract_is_read_up_to_the_limit(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The extractor slows with the square of a page's paragraphs; past the limit the
    # page is cut, so a hostile page of 40,000 paragraphs opens in seconds.
    monkeypatch.setattr(extract, "MAX_BLOCKS", 60)
    json_ld = (
        '<script type="application/ld+json">'
        '{"@type": "NewsArticle", "headline": "The long one", "author": {"name": "Ann Lee"}}'
        "</script>"
    )
    html = _long_page("".join(_para(n) for n in range(1, 201)), tail=json_ld)
    article = extract_article(html, "/tmp/long.html")
    assert "Paragraph 1 of" in article.text
    assert "Paragraph 59 of" in article.text
    assert "Paragraph 61 of" not in article.text and "Paragraph 200" not in article.text
    assert article.author == "Ann Lee", "metadata after the cut is still read"


def test_the_limit_holds_for_paragraphs_nested_in_one_block(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(extract, "MAX_BLOCKS", 60)
    menu = "".join(f"<div>Menu entry {n}</div>" for n in range(50))
    wrapped = "<div>" + "".join(_para(n) for n in range(1, 201)) + "</div>after the wrapper"
    article = extract_article(_long_page(menu + wrapped), "/tmp/nested.html")
    assert "Paragraph 1 of" in article.text
    assert "Paragraph 9 of" in article.text
    assert "Paragraph 10 of" not in article.text, "50 + wrapper + 9 paragraphs = 60 blocks"
    assert "after the wrapper" not in article.text
