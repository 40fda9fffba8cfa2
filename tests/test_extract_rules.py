"""Rules of the extractor that decide what of a page is the story, each on a small page
built to show it: what a reader sees in a browser is what comes out."""

from __future__ import annotations

from newsreader.content.extract import extract_article

PARAGRAPHS = [
    "The harbour board met on Tuesday to decide the future of the old fish market, which has "
    "stood empty since the last wholesaler moved to the industrial estate three years ago.",
    "Members agreed to open the hall to a weekly food market from the spring, run by a "
    "cooperative of farmers and bakers from the island, for a trial period of two years.",
    "The board will pay for new lighting and for repairs to the roof, which leaks in several "
    "places, and the cooperative will pay a rent that rises once the market turns a profit.",
]


def _page(body: str) -> str:
    return (
        '<html lang="en"><head><title>Market</title></head><body><article>'
        f"<h1>The fish market reopens</h1>{body}</article></body></html>"
    )


def _text(body: str) -> str:
    return extract_article(_page(body), "https://port.example/market").text


def test_a_heading_made_of_a_permalink_is_no_link_list() -> None:
    body = (
        f"<p>{PARAGRAPHS[0]}</p>"
        '<h2><a href="#costs">Who pays for the works</a></h2>'
        f"<p>{PARAGRAPHS[1]}</p>"
        '<p>The rent will be reviewed every year<a href="#note-1">[1]</a> by the board.</p>'
        f"<p>{PARAGRAPHS[2]}</p>"
    )
    article = extract_article(_page(body), "https://port.example/news/market")
    assert "Who pays for the works" in article.text
    # In-page links are text: they would lead to the page, not to the note.
    assert "[Who pays" not in article.markdown and "#note-1" not in article.markdown


def test_a_list_of_links_to_other_stories_stays_out() -> None:
    body = (
        "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
        + '<ul><li><a href="/ferry">The night ferry returns after twenty years</a></li>'
        '<li><a href="/pier">A new pier for the fishing fleet</a></li></ul>'
    )
    text = _text(body)
    assert "night ferry" not in text and "new pier" not in text


def test_relative_links_resolve_against_the_page_not_the_site() -> None:
    body = (
        f"<p>{PARAGRAPHS[0]}</p>"
        '<p>The board published <a href="budget.html">the budget of the works</a> on its site,'
        " with the figures for every year of the trial period and the rent asked.</p>"
        f"<p>{PARAGRAPHS[1]}</p>"
    )
    article = extract_article(_page(body), "https://port.example/news/market")
    assert "[the budget of the works](https://port.example/news/budget.html)" in article.markdown
