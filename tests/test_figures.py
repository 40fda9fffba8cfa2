"""Figures as a reader sees them: each picture of the story where the page shows it,
its caption on the line below, and nothing that only pretends to be a picture
(tracking pixels, icons, emoji, teaser thumbnails, ``data:`` sources)."""

from __future__ import annotations

from typing import Any

import pytest

from newsreader.content.extract import extract_article
from tests.conftest import FIXTURES, SAMPLES, run_cli

FERRY = FIXTURES / "pages" / "ferry-figures.html"
SITE = "https://gazette.example"


@pytest.fixture(scope="module")
def ferry() -> dict[str, Any]:
    run = run_cli("open", str(FERRY), "--format", "json")
    assert run.code == 0, run.stderr
    data: dict[str, Any] = run.json()
    return data


def test_json_lists_the_figures_and_the_lead_image(ferry: dict[str, Any]) -> None:
    assert ferry["images"] == [
        {
            "src": f"{SITE}/media/ferry-at-dusk.jpg",
            "alt": "A white ferry",
            "caption": "The Marta leaves the harbour at dusk.",
        },
        {
            # data-src holds the picture while src holds a lazy-loading placeholder
            "src": f"{SITE}/media/captain.jpg",
            "alt": None,
            "caption": "Captain Aino Salo on the bridge before the first crossing.",
        },
    ]
    assert ferry["image"] == f"{SITE}/media/ferry-at-dusk.jpg"


def test_markdown_shows_each_picture_with_its_caption_below(ferry: dict[str, Any]) -> None:
    lines = ferry["markdown"].splitlines()
    lead = lines.index(f"![The Marta leaves the harbour at dusk.]({SITE}/media/ferry-at-dusk.jpg)")
    assert lines[lead + 1] == "*The Marta leaves the harbour at dusk.*"
    captain = lines.index(
        f"![Captain Aino Salo on the bridge before the first crossing.]({SITE}/media/captain.jpg)"
    )
    assert lines[captain + 1] == "*Captain Aino Salo on the bridge before the first crossing.*"
    body = ferry["markdown"]
    assert (
        body.index("ferry-at-dusk.jpg")
        < body.index("The night ferry between the island")
        < body.index("Cabins were sold out")
        < body.index("captain.jpg")
        < body.index("Captain Aino Salo, who served as a deckhand")
    )
    assert "Ines Varga" not in body  # the photo credit goes with "Photo:"


def test_pixels_icons_teasers_and_data_sources_never_count(ferry: dict[str, Any]) -> None:
    body = ferry["markdown"]
    for absent in (
        "google-analytics",
        "pixel.gif",
        "smile.png",
        "logo.png",
        "pier-thumb",
        "lighthouse-thumb",
        "data:",
        "captain-480",
    ):
        assert absent not in body, absent
    assert all(image["src"].startswith("https://") for image in ferry["images"])
    assert body.count("![") == 2


def test_a_caption_without_an_openable_picture_stays_as_text(ferry: dict[str, Any]) -> None:
    # The timetable's only source is a data: URI: no image, but its caption is read.
    assert "The winter timetable, as printed in the harbour office." in ferry["text"]
    assert all("timetable" not in (image["caption"] or "") for image in ferry["images"])


def test_text_output_keeps_the_caption_lines() -> None:
    run = run_cli("open", str(FERRY), "--format", "text")
    assert run.code == 0, run.stderr
    lines = run.stdout.splitlines()
    assert "The Marta leaves the harbour at dusk." in lines
    assert "Captain Aino Salo on the bridge before the first crossing." in lines
    assert "![" not in run.stdout and "](" not in run.stdout


def test_seed_page_shows_its_lead_picture() -> None:
    run = run_cli("open", str(SAMPLES / "alibaba-datacenter-fr.html"), "--format", "json")
    data = run.json()
    picture = "https://lepetitjournal.example/media/alibaba-hangzhou.jpg"
    assert data["image"] == picture
    assert [image["src"] for image in data["images"]] == [picture]
    assert (
        f"![Base d'Alibaba à Hangzhou]({picture})\n*Base d'Alibaba à Hangzhou*"
        in (data["markdown"])
    )


STORY = """<p>The library on the square reopened on Monday after a year of works, with a
reading room twice as large as before and a café on the ground floor for its visitors.</p>
{picture}
<p>The works cost four million euros, most of it paid by the region, and the building now
needs a third less heating than it did before the new windows and the roof were put in.</p>"""


def _page(picture: str, head: str = "") -> str:
    return (
        f"<html><head><title>Library</title>{head}</head><body><article>"
        f"<h1>The library reopens</h1>{STORY.format(picture=picture)}</article></body></html>"
    )


def _images(
    picture: str, location: str = "https://town.example/news/library", head: str = ""
) -> list[str]:
    return [image.src for image in extract_article(_page(picture, head), location).images]


def test_relative_sources_resolve_against_the_page_url() -> None:
    assert _images('<figure><img src="../img/room.jpg"></figure>') == [
        "https://town.example/img/room.jpg"
    ]
    assert _images('<figure><img src="//cdn.example/room.jpg"></figure>') == [
        "https://cdn.example/room.jpg"
    ]


def test_relative_sources_resolve_against_the_canonical_link_of_a_file() -> None:
    head = '<link rel="canonical" href="https://town.example/news/library">'
    assert _images('<figure><img src="room.jpg"></figure>', "library.html", head) == [
        "https://town.example/news/room.jpg"
    ]


def test_the_widest_srcset_candidate_is_taken_when_there_is_no_src() -> None:
    picture = '<figure><img srcset="/a-320.jpg 320w, /a-1280.jpg 1280w, /a-640.jpg 640w"></figure>'
    assert _images(picture) == ["https://town.example/a-1280.jpg"]
    picture = (
        '<figure><picture><source srcset="/b.webp 1x, /b@2x.webp 2x">'
        '<img src="data:image/gif;base64,R0lGOD"></picture></figure>'
    )
    assert _images(picture) == ["https://town.example/b@2x.webp"]


@pytest.mark.parametrize(
    "picture",
    [
        '<img src="/count.gif" width="1" height="1">',
        '<img src="/icon.png" width="16" height="16">',
        '<img src="/dot.png" style="width:1px;height:1px">',
        '<img src="https://pixel.wp.com/g.gif?blog=1">',
        '<img src="https://ssl.google-analytics.com/__utm.gif">',
        '<img src="data:image/png;base64,iVBORw0KGgo=">',
        '<img src="javascript:alert(1)">',
    ],
)
def test_no_picture_from_trackers_icons_or_unsafe_sources(picture: str) -> None:
    article = extract_article(_page(picture), "https://town.example/news/library")
    assert article.images == () and article.image is None
    assert "![" not in article.markdown


def test_a_tiny_picture_is_not_the_lead_image_but_a_real_one_is() -> None:
    article = extract_article(
        _page('<img src="/ico.png" width="20"><figure><img src="/room.jpg" width="800"></figure>'),
        "https://town.example/news/library",
    )
    assert article.image == "https://town.example/room.jpg"


def test_srcset_commas_inside_addresses_and_without_spaces() -> None:
    picture = (
        '<figure><img srcset="https://cdn.example/w_300,h_200/room.jpg 300w, '
        'https://cdn.example/w_900,h_600/room.jpg 900w"></figure>'
    )
    assert _images(picture) == ["https://cdn.example/w_900,h_600/room.jpg"]
    assert _images('<figure><img srcset="/r.jpg 1x,/r2.jpg 2x"></figure>') == [
        "https://town.example/r2.jpg"
    ]


def test_a_lazy_loading_stand_in_gives_way_but_a_photo_named_like_one_does_not() -> None:
    picture = '<figure><img src="/img/blank.gif" data-lazy-src="/img/room.jpg"></figure>'
    assert _images(picture) == ["https://town.example/img/room.jpg"]
    assert _images('<figure><img src="/img/gray-whale.jpg"></figure>') == [
        "https://town.example/img/gray-whale.jpg"
    ]
