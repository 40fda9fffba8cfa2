"""Title and publication date of an HTML page, as the publisher declares them."""

from __future__ import annotations

import json

from newsreader.content.extract import extract_article, parse_html
from newsreader.content.metadata import read_metadata

BODY = (
    "<p>The regional council approved the new cycle path along the river on Wednesday, after "
    "three years of planning and two public consultations in the villages it will link.</p>"
)


def _meta_of(head: str, h1: str = "The cycle path is approved") -> tuple[str | None, ...]:
    page = f"<html><head>{head}</head><body><article><h1>{h1}</h1>{BODY}</article></body></html>"
    meta = read_metadata(parse_html(page), "https://valley.example/news/cycle-path")
    return meta.title, meta.published


def _ld(data: dict[str, object], cdata: bool = False) -> str:
    text = json.dumps({"@context": "https://schema.org", **data})
    if cdata:
        text = f"//<![CDATA[\n{text}\n//]]>"
    return f'<script type="application/ld+json">{text}</script>'


def test_structured_data_wrapped_as_character_data_is_read() -> None:
    head = _ld({"@type": "NewsArticle", "datePublished": "2024-05-02T08:00:00+02:00"}, cdata=True)
    assert _meta_of(head)[1] == "2024-05-02T08:00:00+02:00"


def test_a_declared_title_keeps_what_the_publisher_wrote() -> None:
    head = (
        '<meta property="og:site_name" content="Valley News">'
        '<meta property="og:title" content="The cycle path is approved – Valley News">'
    )
    assert _meta_of(head)[0] == "The cycle path is approved – Valley News"


def test_the_document_title_loses_the_site_name() -> None:
    head = '<title>Cycle path approved | Valley News</title><meta property="og:site_name" content="Valley News">'
    page = f"<html><head>{head}</head><body><article>{BODY}</article></body></html>"
    assert extract_article(page, "https://valley.example/a").title == "Cycle path approved"


def test_the_structured_name_wins_when_only_it_is_shown_on_the_page() -> None:
    head = "<title>The cycle path is approved - Valley Wiki</title>" + _ld(
        {"@type": "Article", "name": "The cycle path is approved", "headline": "Wiki article"}
    )
    assert _meta_of(head)[0] == "The cycle path is approved"
    head = _ld({"@type": "Article", "name": "Valley News", "headline": "Cycle path approved"})
    assert _meta_of(head)[0] == "Cycle path approved"


def test_the_publication_date_comes_before_the_creation_date() -> None:
    head = _ld({"@type": "NewsArticle", "dateCreated": "2017-02-24T01:18:13Z"}) + (
        '<meta property="article:published_time" content="2017-02-23T17:18:13-08:00">'
    )
    assert _meta_of(head)[1] == "2017-02-23T17:18:13-08:00"
    assert _meta_of(_ld({"@type": "NewsArticle", "dateCreated": "2017-02-24"}))[1] == "2017-02-24"
