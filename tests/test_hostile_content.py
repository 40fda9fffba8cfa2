"""Hostile documents, parsed in process: no traceback, no live link, nothing lost.

Each case is a class of input that once went wrong; the fuzz tests
(``test_fuzz.py``) look for the ones nobody thought of.
"""

from __future__ import annotations

import json

import pytest

from newsreader.content import parse_document
from newsreader.content.sanitize import safe_url
from newsreader.errors import ParseError
from newsreader.ids import article_id, normalize_url
from newsreader.models import Article, Document, Feed, RawDocument
from newsreader.output import DOCUMENT_FORMATS
from tests.checks import assert_clean, assert_clean_markdown

WORDS = "Enough ordinary words to make this paragraph the body of the article. " * 6


def parse(body: str | bytes, name: str, *, url: str | None = None) -> Document:
    data = body.encode("utf-8", "surrogatepass") if isinstance(body, str) else body
    if url:
        return parse_document(RawDocument(body=data, location=url, is_url=True))
    return parse_document(RawDocument(body=data, location=f"/tmp/{name}"))


def assert_safe_everywhere(document: Document) -> None:
    for fmt, printed in DOCUMENT_FORMATS.items():
        output = printed(document)
        assert_clean(output)
        if fmt == "md":
            assert_clean_markdown(output)
        if fmt == "json":
            data = json.loads(output)
            assert_clean_markdown(data["markdown"])
            assert_clean(data["text"])


# -- what XML forbids never reaches lxml ---------------------------------------------------

XML_FORBIDDEN = ["\x00", "\x01", "\x0b", "\x1f", "\ufffe", "\uffff"]
XML_FORBIDDEN_REFS = ["&#0;", "&#x1;", "&#11;", "&#xFFFE;", "&#65535;", "&#xD800;", "&#xDFFF;"]


@pytest.mark.parametrize("char", XML_FORBIDDEN + XML_FORBIDDEN_REFS, ids=repr)
def test_characters_xml_forbids_in_a_feed(char: str) -> None:
    escaped = char.replace("&", "&amp;")  # a reference inside escaped HTML
    feed = parse(
        f'<rss version="2.0"><channel><title>T{char}x</title><item><title>a{char}b</title>'
        f"<description>&lt;p&gt;x{escaped}y&lt;/p&gt; &lt;b&gt;z{char}&lt;/b&gt;</description>"
        f"<link>https://a.example/{char}1</link></item></channel></rss>",
        "f.xml",
    )
    assert isinstance(feed, Feed)
    assert feed.title == "Tx" and feed.items[0].title == "ab"
    assert_safe_everywhere(feed)


@pytest.mark.parametrize("char", XML_FORBIDDEN + XML_FORBIDDEN_REFS, ids=repr)
def test_characters_xml_forbids_in_a_page(char: str) -> None:
    page = parse(
        f"<html><head><title>T{char}</title><meta name='author' content='A{char}B'></head>"
        f"<body><article><h1>T{char}</h1><p>{WORDS}{char}</p><p title='{char}'>x{char}</p>"
        "</article></body></html>",
        "p.html",
    )
    assert isinstance(page, Article) and page.title == "T"
    assert_safe_everywhere(page)


@pytest.mark.parametrize("escape", ["\\u0000", "\\uffff", "\\ufffe", "\\ud800", "\\u001b[2J"])
def test_characters_xml_forbids_in_json_feed_html(escape: str) -> None:
    feed = parse(
        '{"version": "https://jsonfeed.org/version/1.1", "title": "T' + escape + '",'
        ' "items": [{"id": "1", "url": "https://a.example/1", "title": "x' + escape + '",'
        ' "content_html": "<p>a' + escape + "b</p><b>" + escape + '</b>",'
        ' "summary": "<i>s' + escape + '</i>"}]}',
        "f.json",
    )
    assert isinstance(feed, Feed)
    assert_safe_everywhere(feed)
    from newsreader.content.markdown import convert_body

    html = feed.items[0].content_html
    assert html is not None
    body = convert_body(html)  # what reading a synced entry does
    assert_clean_markdown(body.markdown)


# -- URLs ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "url",
    [
        "http://a.example:abc/x",
        "http://a.example:99999/x",
        "http://a.example:-1/x",
        "http://[::1/x",
        "http://a.example:²/x",
    ],
)
def test_a_canonical_url_with_a_bad_port_is_no_url(url: str) -> None:
    page = parse(
        f"<html><head><title>T</title><link rel='canonical' href='{url}'>"
        f"<meta property='og:url' content='{url}'></head>"
        f"<body><article><h1>T</h1><p>{WORDS}</p></article></body></html>",
        "p.html",
        url="https://site.example/page",
    )
    assert isinstance(page, Article)
    assert page.url == "https://site.example/page"
    assert safe_url(url) is None
    assert article_id(url) == article_id(url)  # a key, not a crash
    assert normalize_url(url) == url


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("http://a.example/<script>x", "http://a.example/%3Cscript%3Ex"),
        ('http://a.example/"onmouseover=x', "http://a.example/%22onmouseover=x"),
        ("http://a.example/a b", "http://a.example/ab"),
        ("http://a.example/%zz", "http://a.example/%25zz"),
        ("http://a.example/{x}|^`\\", "http://a.example/%7Bx%7D%7C%5E%60%5C"),
        (
            "https://x.example/?next=javascript:alert(1)",
            "https://x.example/?next=javascript%3Aalert(1)",
        ),
        ("http://a<b>.example/", None),
        ("http://a.example?next=http:abc", "http://a.example?next=http:abc"),
        ("http://a.example:65535?x=a:b", "http://a.example:65535?x=a:b"),
        ("http://a.example:65536/", None),
        (
            "https://fr.wikipedia.org/wiki/Été_(saison)",
            "https://fr.wikipedia.org/wiki/Été_(saison)",
        ),
    ],
)
def test_urls_hold_only_what_a_url_may(url: str, expected: str | None) -> None:
    assert safe_url(url) == expected
    if expected:
        assert safe_url(expected) == expected  # stable: the store cleans it again


def test_url_fields_of_feeds_are_encoded() -> None:
    rss = parse(
        '<rss version="2.0"><channel><title>T</title><link>http://a.example/&lt;script&gt;</link>'
        '<item><title>x</title><link>http://a.example/"&lt;script&gt;alert(1)&lt;/script&gt;</link>'
        "</item></channel></rss>",
        "f.xml",
    )
    jf = parse(
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "T",
                "home_page_url": "http://a.example/<script>",
                "feed_url": "http://a.example/<svg onload=x>",
                "items": [{"id": "1", "url": "http://a.example/a)[x](javascript:alert(1)"}],
            }
        ),
        "f.json",
    )
    for feed in (rss, jf):
        assert isinstance(feed, Feed)
        for url in (feed.url, feed.feed_url, *(item.url for item in feed.items)):
            assert url is None or ("<" not in url and '"' not in url and "javascript:" not in url)
        assert_safe_everywhere(feed)


# -- literal Markdown in a source stays text -----------------------------------------------

LITERAL_LINKS = (
    "[x](javascript:alert(1)) ![i](data:image/png;base64,AA) [f](file:///etc/passwd) "
    "[v](vbscript:msgbox) \\[y](javascript:alert(2)) <javascript:alert(3)> "
    "[r][evil] `code` *em* <b>raw</b> &#27;[31m &lt;script&gt;"
)


@pytest.mark.parametrize(
    ("name", "body"),
    [
        (
            "p.html",
            f"<html><body><article><h1>T</h1><p>{WORDS}</p><p>{LITERAL_LINKS}</p></article></body></html>",
        ),
        ("p.txt", f"Titre\n\n{WORDS}\n\nAvec {LITERAL_LINKS} dedans.\n"),
        (
            "d.md",
            f"# T\n\n{WORDS}\n\n{LITERAL_LINKS}\n\n[evil]: javascript:alert(4)\n\n<script>alert(5)</script>\n",
        ),
    ],
)
def test_literal_markdown_stays_text(name: str, body: str) -> None:
    document = parse(body.replace("&lt;", "&lt;" if name != "p.txt" else "<"), name)
    assert isinstance(document, Article)
    assert_safe_everywhere(document)
    # Still readable, as text (a real Markdown link to javascript: loses its target).
    assert "alert(2)" in document.markdown
    if name != "p.txt":  # in plain text, "&#27;" is no reference: it is what it says
        assert "[31m" not in document.markdown


@pytest.mark.parametrize(
    "html",
    [
        "<pre>```\n[x](javascript:alert(1)) <img src=x onerror=alert(1)>\n```</pre>",
        "<pre><pre>a</pre>[x](javascript:alert(1))<img src=x onerror=y></pre>",
        "<code>a\n\n<img src=x onerror=alert(1)>\n\n[x](javascript:alert(1))</code>",
        "<h2><code>a\n[x](javascript:alert(1))</code></h2>",
        "<table><tr><td><code>| <img src=x onerror=y> [x](javascript:z)</code></td></tr></table>",
        "<p><a href='https://a.example/(x'>a</a>[x](javascript:alert(1))</p>",
        "<p><img alt='a](javascript:alert(1)) [b' src='https://a.example/i.png'></p>",
        "<ol start='²'><li>a</li></ol><table><tr><td colspan='½'>b</td></tr></table>",
        "<h99999999>heading?</h99999999>",
    ],
)
def test_code_and_attributes_cannot_break_out(html: str) -> None:
    from newsreader.content.markdown import convert_body

    body = convert_body(html, "https://a.example/")
    assert_clean_markdown(body.markdown)
    assert_clean(body.text)


# -- escape sequences ----------------------------------------------------------------------


def test_character_references_to_escapes_go_whole() -> None:
    refs = parse(
        '<rss version="2.0"><channel><title>A&#27;]52;c;cHduZWQ=&#7;clip &#x1b;[31mred&#27;[0m</title>'
        "<item><title>&#27;[1mB&#155;2Jold</title><description>&amp;#27;[31ms&amp;#27;[0m</description>"
        "</item></channel></rss>",
        "f.xml",
    )
    raw = parse(
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "A\x1b]52;c;cHduZWQ=\x07clip \x1b[31mred\x1b[0m",
                "items": [{"id": "1", "title": "\x1b[1mB\x9b2Jold"}],
            }
        ),
        "f.json",
    )
    assert isinstance(refs, Feed) and isinstance(raw, Feed)
    assert refs.title == raw.title == "Aclip red"
    assert refs.items[0].title == raw.items[0].title == "Bold"
    assert refs.items[0].summary == "s"
    assert_safe_everywhere(refs)


def test_a_feed_with_raw_escape_sequences_is_read() -> None:
    item = "<item><title>x\x1b[1m\x1b[0m</title><link>https://a.example/{}</link></item>"
    body = (
        '<rss version="2.0"><channel><title>A\x1b]0;owned\x07 \x1b[31mred\x1b[0m</title>'
        + "".join(item.format(i) for i in range(40))
        + "</channel></rss>"
    )
    feed = parse(body, "f.xml")
    assert isinstance(feed, Feed)
    assert feed.title == "A red" and len(feed.items) == 40
    assert_safe_everywhere(feed)


def test_binary_is_still_binary() -> None:
    with pytest.raises(ParseError, match="binary"):
        parse(bytes(range(256)) * 40, "f.xml")


# -- hostile but valid documents -----------------------------------------------------------

ATOM_XHTML = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:x="http://www.w3.org/1999/xhtml">
<title type="xhtml"><x:div>The <x:b>Feed</x:b><x:script>evil()</x:script></x:div></title>
<subtitle type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Sub<style>p{}</style></div></subtitle>
<id>urn:f</id>
<entry><id>urn:1</id><link href="https://a.example/1"/>
<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Entry <i>one</i></div></title>
<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>Body &amp; soul</p>
<script>document.write("owned")</script><style>body { display:none }</style></div></content>
</entry>
<entry><id>urn:2</id><link href="https://a.example/2"/><title>Two</title>
<summary type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">Short <script>x()</script>one</div></summary>
</entry>
<entry><id>urn:3</id><link href="https://a.example/3"/><title>Three</title>
<content type="html">&lt;p&gt;Three&lt;/p&gt;&lt;script&gt;document.write("owned")&lt;/script&gt;</content>
</entry>
</feed>"""


def test_atom_xhtml_titles_and_content() -> None:
    feed = parse(ATOM_XHTML, "f.atom")
    assert isinstance(feed, Feed)
    assert feed.title == "The Feed"
    assert feed.description == "Sub"
    assert [item.title for item in feed.items] == ["Entry one", "Two", "Three"]
    summaries = [item.summary or "" for item in feed.items]
    assert summaries == ["Body & soul", "Short one", "Three"]
    for item in feed.items:
        for text in (item.summary or "", item.content_html or ""):
            assert "owned" not in text.replace('document.write("owned")', "") or "<script" in text
    from newsreader.content.markdown import convert_body

    for item in feed.items:
        body = convert_body(item.content_html or "")
        assert "owned" not in body.text and "display" not in body.text
    assert_safe_everywhere(feed)


@pytest.mark.parametrize(
    "front",
    [
        "title: Hello\nbase: &b [1, 2]\nother: *b",
        "title: 'Hello'\ncmd: !!python/object/apply:os.system [echo pwned]",
        'title: "Hello"\nbomb: &a [x, x]\nb: [*a, *a, *a]',
        "title: Hello\nbroken: [unclosed",
    ],
)
def test_refused_front_matter_is_still_front_matter(front: str) -> None:
    article = parse(f"---\n{front}\n---\n\nThe body.\n", "d.md")
    assert isinstance(article, Article)
    assert article.title == "Hello"
    assert article.markdown == "The body."


def test_refused_front_matter_without_a_safe_title_takes_the_heading() -> None:
    article = parse("---\ntitle: &t Hello\nx: *t\n---\n# The heading\n\nThe body.\n", "d.md")
    assert isinstance(article, Article)
    assert article.title == "The heading"
    assert article.markdown == "The body."


def test_a_thematic_break_is_not_front_matter() -> None:
    article = parse("---\nJust a paragraph between rules.\n---\n\nMore.\n", "d.md")
    assert isinstance(article, Article)
    assert "Just a paragraph" in article.markdown


@pytest.mark.parametrize("codec", ["utf-16-be", "utf-16-le", "utf-32-be", "utf-32-le"])
@pytest.mark.parametrize("kind", ["feed", "page"])
def test_utf16_and_utf32_without_a_bom(codec: str, kind: str) -> None:
    if kind == "feed":
        text = (
            '<?xml version="1.0" encoding="UTF-16"?><rss version="2.0"><channel>'
            "<title>Été à Genève</title><item><title>x</title></item></channel></rss>"
        )
    else:
        text = f"<html><head><title>Été à Genève</title></head><body><p>{WORDS}</p></body></html>"
    document = parse(text.encode(codec), "f.xml" if kind == "feed" else "p.html")
    assert document.title == "Été à Genève"


def test_deeply_nested_entry_html_is_read_as_text() -> None:
    from newsreader.content.markdown import convert_body

    body = convert_body(
        "<div>" * 3000 + "<p>deep [x](javascript:y) &lt;script&gt;</p>" + "</div>" * 3000
    )
    assert "deep" in body.text and "deep" in body.markdown
    assert_clean_markdown(body.markdown)
    assert_clean(body.text)


@pytest.mark.parametrize(
    "html", ['<?xml version="1.0"?><p>x</p>', "https://example.com/page", "/etc/passwd"]
)
def test_entry_html_that_looks_like_something_else_prints_no_warning(html: str) -> None:
    from newsreader.content.markdown import convert_body

    convert_body(html)  # the test suite turns every warning into an error


UNSAFE_CODE_POINTS = [0x0, 0x1B, 0x7F, 0x85, 0x9B, 0x202A, 0x202E, 0x2066, 0x2069, 0xFEFF]
UNSAFE_CODE_POINTS += [0xFFFE, 0xFFFF, 0xD800, 0xDFFF]


@pytest.mark.parametrize("code", UNSAFE_CODE_POINTS, ids=hex)
@pytest.mark.parametrize("spelling", ["&#{};", "&#x{:x};", "&#X{:04X};", "&#000{};"])
def test_xml_references_to_unsafe_characters_never_reach_any_text(code: int, spelling: str) -> None:
    from newsreader.content.sanitize import index_text

    ref = spelling.format(code)
    # "é" after the reference: no escape sequence can take it as its own final byte.
    feed = parse(
        f'<rss version="2.0"><channel><title>A{ref}é</title><item><title>C{ref}é</title>'
        f"<description>E{ref}é &lt;b&gt;G{ref.replace('&', '&amp;')}é&lt;/b&gt;</description>"
        "<link>https://a.example/1</link></item></channel></rss>",
        "f.xml",
    )
    assert isinstance(feed, Feed) and feed.title and feed.items[0].title
    # NEL is a line break, so a space in a one-line field; every other one is gone.
    assert feed.title.replace(" ", "") == "Aé" and feed.items[0].title.replace(" ", "") == "Cé"
    html = feed.items[0].content_html or ""
    for text in (html, index_text(html), feed.items[0].summary or ""):
        assert_clean(text)
    assert_safe_everywhere(feed)


@pytest.mark.parametrize(
    "html",
    [
        "s&#823<b>x</b>8; t",
        "s&#82<i></i>38; t",
        "s&#x20<a href='javascript:x'></a>2e; t",
        "s&#2<b></b>7;[31m t",
        "s&amp;#823<script>x</script>8; t",
        "s &amp;#x<a href='javascript:x'>javascript:x</a>202e; t",
        "s &amp;#x<span>202e;</span> &amp;<b></b>#27; &amp;#<i></i>x1b; t",
    ],
)
def test_a_reference_made_by_removing_tags_is_still_cleaned(html: str) -> None:
    from newsreader.content.feed import summary_text
    from newsreader.content.markdown import convert_body
    from newsreader.content.sanitize import index_text, quick_text, strip_tags

    for text in (quick_text(html), index_text(html), strip_tags(html), summary_text(html) or ""):
        assert_clean(text)
    body = convert_body(html)
    assert_clean_markdown(body.markdown)
    assert_clean(body.text)


@pytest.mark.parametrize(
    "markup",
    [
        "<&&#11;#xFFFE;",
        "s &&#11;#27;[31m red &&#1;#x1b;[0m t",
        "s &&&#11;#11;#xFFFF; t",
    ],
)
def test_a_reference_made_by_removing_a_control_character_is_never_decoded(
    markup: str,
) -> None:
    """Once the VT of ``&&#11;#xFFFE;`` is gone, ``&`` and ``#xFFFE;`` meet: that
    reference is shown as text, in pages, Markdown files, entry HTML and summaries."""
    from newsreader.content.markdown import convert_body
    from newsreader.content.sanitize import quick_text, strip_tags

    for name in ("p.html", "p.md"):
        document = parse(f"<p>{WORDS}</p><p>{markup}</p>".encode(), name)
        assert_safe_everywhere(document)
    body = convert_body(markup)
    assert_clean_markdown(body.markdown)
    assert_clean(body.text)
    for text in (quick_text(markup), strip_tags(markup)):
        assert_clean(text)
