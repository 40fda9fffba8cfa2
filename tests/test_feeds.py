"""Feeds of every kind print as a feed: title, then entries with link, date, summary."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreader.content.feed import parse_feed
from newsreader.errors import ParseError
from newsreader.models import Feed
from tests.conftest import FIXTURES

FEEDS = FIXTURES / "feeds"


def read(name: str, location: str | None = None) -> Feed:
    return parse_feed((FEEDS / name).read_bytes(), location)


def test_rss2_entries_with_relative_links_resolved() -> None:
    feed = read("rss2.xml")
    assert feed.title == "Le Petit Journal — Édition internationale"
    assert feed.language == "fr"
    assert feed.ttl == 30
    first, second = feed.items
    assert first.title == "Un centre de données d'Alibaba en France ?"
    assert first.url == "https://journal.example/international/alibaba-centre-de-donnees-france"
    assert first.published == "2025-11-06T08:30:00+00:00" or first.published.startswith(
        "2025-11-06"
    )
    assert first.author == "Juliette Robieux"
    assert first.section == "Économie"
    assert first.summary == "Alibaba Cloud annonce l'ouverture de centres de données en France."
    assert second.content_html is not None and "Le trafic sera perturbé." in second.content_html


def test_atom_html_title_and_authors() -> None:
    feed = read("atom.xml")
    assert feed.title == "Example Tech News"
    assert feed.language == "en"
    (entry,) = feed.items
    assert entry.title == "Chips & clouds: the new race"
    assert entry.author is not None and entry.author.startswith("Ada Byron")
    assert entry.url == "https://tech.example/2025/11/chips-clouds"
    assert entry.published is not None and entry.published.startswith("2025-11-26")
    assert entry.summary == "Data centres are the new oil fields."


def test_rss1_rdf() -> None:
    feed = read("rss1.rdf")
    assert feed.title == "Old School RDF"
    assert [item.title for item in feed.items] == ["First RDF item"]
    assert feed.items[0].published is not None


def test_rss091_latin1_with_html_entities() -> None:
    feed = read("rss091.xml")
    assert feed.title == "Vieux flux élégant"
    assert feed.items[0].title == "Café crème & croissants"
    assert feed.items[0].summary == "Le petit-déjeuner à la française."


def test_json_feed_1_1() -> None:
    feed = read("feed-1.1.json")
    assert feed.title == "Carnet de bord"
    assert feed.language == "fr"
    first, second = feed.items
    assert first.title == "Le marché de Noël ouvre"
    assert first.author == "Camille Martin"  # inherited from the feed's authors
    assert first.section == "Vie locale"
    assert first.summary == "Les chalets sont installés."
    assert second.title is None  # titles are optional in JSON Feed: never invented
    assert second.url == "https://carnet.example/2025/11/20/premier"
    assert second.updated is not None and second.updated.startswith("2025-11-21")
    assert second.summary == "Premier billet sans titre.\nDeuxième paragraphe."


def test_json_feed_1_0_numeric_id_and_author() -> None:
    feed = read("feed-1.0.json")
    (item,) = feed.items
    assert item.guid == "42"
    assert item.author == "Old Author"
    assert item.published == "2025-01-02T03:04:05+00:00"


@pytest.mark.parametrize(
    "body",
    [
        b'{"version": "https://jsonfeed.org/version/1.1", "title": "x", "items": "nope"}',
        b'{"hello": "world"}',
        b"[1, 2, 3]",
    ],
)
def test_json_that_is_not_a_feed(body: bytes) -> None:
    with pytest.raises(ParseError, match="JSON Feed"):
        parse_feed(body)


def test_entity_bomb_is_not_expanded() -> None:
    entities = "".join(
        f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10 if i else "lol"}">' for i in range(12)
    )
    bomb = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]>'
        '<rss version="2.0"><channel><title>Bomb &e11;</title>'
        "<item><title>still here</title></item></channel></rss>"
    ).encode()
    feed = parse_feed(bomb)
    assert "lol" not in (feed.title or "")
    assert [item.title for item in feed.items] == ["still here"]


def test_absurd_dates_are_dropped_not_invented() -> None:
    feed = parse_feed(
        b'<rss version="2.0"><channel><title>d</title>'
        b"<item><title>zero</title><pubDate>0000-00-00</pubDate></item>"
        b"<item><title>far</title><pubDate>Fri, 01 Jan 9999 00:00:00 GMT</pubDate></item>"
        b"<item><title>ok</title><pubDate>Thu, 06 Nov 2025 09:30:00 +0100</pubDate></item>"
        b"</channel></rss>"
    )
    assert [item.published for item in feed.items][:2] == [None, None]
    assert feed.items[2].published is not None


def test_unsafe_entry_links_are_dropped() -> None:
    feed = parse_feed(
        b'<rss version="2.0"><channel><title>t</title><link>https://s.example/</link>'
        b"<item><title>a</title><link>javascript:alert(1)</link></item>"
        b"<item><title>b</title><link>file:///etc/passwd</link></item>"
        b"<item><title>c</title><link>data:text/html,x</link></item>"
        b"</channel></rss>"
    )
    assert [item.url for item in feed.items] == [None, None, None]


def test_five_thousand_items(tmp_path: Path) -> None:
    items = "".join(
        f"<item><title>Item {i}</title><link>https://big.example/{i}</link><guid>g{i}</guid></item>"
        for i in range(5000)
    )
    feed = parse_feed(
        f'<rss version="2.0"><channel><title>Big</title>{items}</channel></rss>'.encode()
    )
    assert len(feed.items) == 5000
    assert feed.items[-1].url == "https://big.example/4999"


def test_html_error_page_is_not_a_feed() -> None:
    with pytest.raises(ParseError):
        parse_feed(b"<!doctype html><html><head><title>502 Bad Gateway</title></head></html>")


OFFSET_RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>Wire</title>
<item><title>Paris</title><link>https://wire.example/paris</link>
<pubDate>Thu, 27 Nov 2025 10:00:00 +0100</pubDate></item>
</channel></rss>"""
OFFSET_ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>Tokyo</title>
<entry><title>Updated only</title><id>urn:a</id><link href="https://tokyo.example/a"/>
<updated>2025-11-25T09:00:00+09:00</updated>
<source><updated>2020-01-01T00:00:00Z</updated></source></entry>
<entry><title>Both</title><id>urn:b</id><link href="https://tokyo.example/b"/>
<published>2025-11-24T08:00:00+09:00</published><updated>2025-11-25T10:00:00+09:00</updated></entry>
</feed>"""


def test_feed_dates_keep_the_publishers_offset_and_guess_nothing(tmp_path: Path) -> None:
    from tests.conftest import run_cli

    (tmp_path / "wire.rss").write_bytes(OFFSET_RSS)
    (tmp_path / "tokyo.atom").write_bytes(OFFSET_ATOM)
    (paris,) = run_cli("open", str(tmp_path / "wire.rss"), "-f", "json").json()["items"]
    assert paris["published"] == "2025-11-27T10:00:00+01:00"
    only, both = run_cli("open", str(tmp_path / "tokyo.atom"), "-f", "json").json()["items"]
    assert only["published"] is None and only["updated"] == "2025-11-25T09:00:00+09:00"
    assert both["published"] == "2025-11-24T08:00:00+09:00"
    assert both["updated"] == "2025-11-25T10:00:00+09:00"


# Dates that the text alone would misread: inside a comment, in CDATA, in an Atom
# entry's <source> placed before the entry's own date, after an item's end.
TRICKY_DATES_ATOM = b"""<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom"><title>T</title>
<entry><title>Source first</title><id>urn:s</id><link href="https://t.example/s"/>
<source><title>Origin</title><updated>2020-01-01T00:00:00Z</updated></source>
<updated>2025-11-25T09:00:00+09:00</updated></entry>
<entry><title>Commented</title><id>urn:c</id><link href="https://t.example/c"/>
<!-- <published>2019-05-05T05:05:05+02:00</published> -->
<published>2025-11-24T08:00:00+09:00</published></entry>
<entry><title>CDATA</title><id>urn:d</id><link href="https://t.example/d"/>
<published><![CDATA[2025-11-23T07:00:00-05:00]]></published></entry>
</feed>"""
TRICKY_DATES_RSS = b"""<?xml version="1.0"?><rss version="2.0"><channel><title>R</title>
<item><title>Undated</title><link>https://r.example/u</link></item>
<pubDate>Mon, 01 Jan 2024 00:00:00 +0000</pubDate>
<item><title>Dated</title><link>https://r.example/d</link>
<pubDate>Sat, 22 Nov 2025 18:30:00 -0800</pubDate></item>
</channel></rss>"""


@pytest.mark.parametrize("comments", [False, True], ids=["text", "tree"])
def test_tricky_feed_dates_are_the_entries_own_with_their_offsets(comments: bool) -> None:
    """Read from the text when the feed says nothing of comments, from its tree when
    it does (the tree is read for those anyway): the same dates either way."""
    atom, rss = TRICKY_DATES_ATOM, TRICKY_DATES_RSS
    if comments:
        thread = (
            b'<link xmlns:thr="http://purl.org/syndication/thread/1.0" rel="replies"'
            b' type="text/html" href="https://t.example/s#c" thr:count="2"/></entry>'
        )
        atom = atom.replace(b"</entry>", thread, 1)
        rss = rss.replace(b"</item>", b"<comments>https://r.example/u#c</comments></item>", 1)
    source_first, commented, cdata = parse_feed(atom).items
    assert (source_first.published, source_first.updated) == (None, "2025-11-25T09:00:00+09:00")
    assert commented.published == "2025-11-24T08:00:00+09:00"
    assert cdata.published == "2025-11-23T07:00:00-05:00"
    undated, dated = parse_feed(rss).items
    assert undated.published is None  # the channel's date after it is not its own
    assert dated.published == "2025-11-22T18:30:00-08:00"
    assert (undated.comments_page is not None) is comments
    assert (source_first.comment_count == 2) is comments
