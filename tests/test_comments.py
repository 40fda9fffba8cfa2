"""Comments: what feeds announce, comment feeds fetched and cached, static
comment sections of pages, `open --comments` in every format, offline reading.

Real HTTP on 127.0.0.1 (tests/server.py), a real SQLite file, the CLI as a subprocess.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest

from newsreader.config import Config, SourceConfig
from newsreader.content.comments import depths, page_comments, parse_comment_feed
from newsreader.content.feed import parse_feed
from newsreader.ids import article_id
from newsreader.models import Article
from newsreader.store import Store
from newsreader.sync import run_sync
from tests.server import LoopbackServer, static
from tests.test_cli_scripting import validate

RSS_TYPE = "application/rss+xml; charset=utf-8"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def blog_feed(base: str, count: int = 3) -> str:
    """A WordPress-like RSS feed: one post announcing its comments, one saying nothing."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:wfw="http://wellformedweb.org/CommentAPI/"
     xmlns:slash="http://purl.org/rss/1.0/modules/slash/"
     xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel><title>Le Blog</title><link>{base}/</link>
<item><title>Un billet commenté</title><link>{base}/billet</link>
<pubDate>Thu, 06 Nov 2025 09:30:00 +0100</pubDate>
<description>&lt;p&gt;Le billet.&lt;/p&gt;</description>
<comments>{base}/billet#comments</comments>
<wfw:commentRss>{base}/billet/feed</wfw:commentRss>
<slash:comments>{count}</slash:comments></item>
<item><title>Un billet muet</title><link>{base}/muet</link>
<pubDate>Thu, 06 Nov 2025 08:00:00 +0100</pubDate>
<description>&lt;p&gt;Rien.&lt;/p&gt;</description></item>
</channel></rss>"""


def comment_feed(base: str) -> str:
    """An Atom comment feed, newest first as blogs write them, threaded by RFC 4685,
    with hostile text in one comment."""
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xmlns:thr="http://purl.org/syndication/thread/1.0">
<title>Commentaires</title>
<entry><id>urn:c3</id><title>Re</title><author><name>Chloé</name></author>
<published>2025-11-06T12:00:00+01:00</published>
<link href="{base}/billet#c3"/>
<thr:in-reply-to ref="urn:c1"/>
<content type="html">&lt;p&gt;Je réponds à Alice. &lt;a href="javascript:alert(1)"&gt;clic&lt;/a&gt;
&lt;script&gt;alert(2)&lt;/script&gt;&#27;[31mrouge&lt;/p&gt;</content></entry>
<entry><id>urn:c2</id><title>Deux</title><author><name>Bruno [bold]</name></author>
<published>2025-11-06T11:00:00+01:00</published>
<content type="html">&lt;p&gt;Deuxième avis, &lt;b&gt;fort&lt;/b&gt;.&lt;/p&gt;</content></entry>
<entry><id>urn:c1</id><title>Un</title><author><name>Alice</name></author>
<published>2025-11-06T10:00:00+01:00</published>
<thr:in-reply-to ref="{base}/billet"/>
<content type="html">&lt;p&gt;Premier avis.&lt;/p&gt;</content></entry>
</feed>"""


STATIC_PAGE = """<!doctype html><html lang="fr"><head><title>Page commentée</title></head>
<body><article><h1>Page commentée</h1>
<p>Le premier paragraphe de l'article, assez long pour être le corps de la page et
rien d'autre que le corps de la page, avec des mots qui le disent clairement.</p>
<p>Un second paragraphe, tout aussi long, qui parle du sujet de la page et de rien
d'autre, pour que l'extraction trouve un article ici et pas ailleurs.</p>
<p>Un troisième paragraphe termine l'article avant la section des commentaires,
qui n'en fait pas partie et que l'extraction laisse dehors.</p></article>
<section id="comments" class="comments-area"><h2>3 commentaires</h2>
<ol class="comment-list">
<li id="comment-11" class="comment even depth-1"><article class="comment-body">
<footer class="comment-meta"><div class="comment-author vcard"><b class="fn">Jeanne</b>
<span class="says">dit :</span></div><div class="comment-metadata"><a href="#comment-11">
<time datetime="2025-11-06T12:00:00+01:00">6 novembre 2025</time></a></div></footer>
<div class="comment-content"><p>Un commentaire statique.</p></div>
<div class="reply"><a class="comment-reply-link" href="#">Répondre</a></div></article>
<ol class="children"><li id="comment-12" class="comment odd depth-2">
<article class="comment-body"><footer class="comment-meta"><div class="comment-author">
<b class="fn">Paul</b></div></footer><div class="comment-content"><p>Une réponse
à Jeanne.</p></div></article></li></ol></li>
<li id="comment-13" class="comment" hidden><div class="comment-content">
<p>Caché</p></div></li>
</ol></section></body></html>"""


def sync_blog(store: Store, server: LoopbackServer, count: int = 3) -> str:
    feed_url = server.route("/feed", static(blog_feed(server.base, count), RSS_TYPE))
    config = Config(sources=(SourceConfig(name="Le Blog", url=feed_url, full_text="never"),))
    run_sync(config, store)
    return article_id(server.url("/billet"))


@pytest.fixture
def store(tmp_path: Path) -> Any:
    with Store.open(tmp_path / "newsreader.db") as opened:
        yield opened


# -- what feeds announce ----------------------------------------------------------------


def test_rss_and_atom_announce_counts_feeds_and_pages() -> None:
    rss = parse_feed(blog_feed("https://blog.example", 12).encode(), "https://blog.example/f")
    first, second = rss.items
    assert (first.comment_count, first.comments_feed, first.comments_page) == (
        12,
        "https://blog.example/billet/feed",
        "https://blog.example/billet#comments",
    )
    assert (second.comment_count, second.comments_feed, second.comments_page) == (None,) * 3
    atom = b"""<feed xmlns="http://www.w3.org/2005/Atom"
        xmlns:thr="http://purl.org/syndication/thread/1.0"><title>A</title>
      <entry><id>tag:a,1</id><title>E</title><link href="https://a.example/e"/>
        <link rel="replies" type="application/atom+xml" href="/e/comments" thr:count="5"/>
        <link rel="replies" type="text/html" href="https://a.example/e#comments"/></entry>
      <entry><id>tag:a,2</id><title>F</title><link href="https://a.example/f"/>
        <thr:total>7</thr:total>
        <link rel="replies" href="javascript:alert(1)"/></entry></feed>"""
    e, f = parse_feed(atom, "https://a.example/feed").items
    assert (e.comment_count, e.comments_feed, e.comments_page) == (
        5,
        "https://a.example/e/comments",
        "https://a.example/e#comments",
    )
    assert (f.comment_count, f.comments_feed) == (7, None)  # no script link


def test_a_growing_count_is_stored_without_marking_the_article_changed(
    store: Store, server: LoopbackServer
) -> None:
    billet = sync_blog(store, server, count=3)
    stored = store.article(billet)
    assert stored is not None
    assert stored.article.comment_count == 3
    assert stored.article.comments_feed == server.url("/billet/feed")
    store.mark_read(billet)
    sync_blog(store, server, count=4)
    again = store.article(billet)
    assert again is not None and again.article.comment_count == 4
    assert again.read and not again.updated_since_read
    (row,) = [r for r in store.articles() if r.id == billet]
    assert row.comment_count == 4


# -- comment feeds and threads --------------------------------------------------------


def test_comment_feeds_are_threaded_oldest_first_and_cleaned() -> None:
    comments = parse_comment_feed(comment_feed("https://blog.example"), "https://blog.example")
    assert [c.author for c in comments] == ["Alice", "Chloé", "Bruno [bold]"]
    assert depths(comments) == [0, 1, 0]
    reply = comments[1]
    assert reply.parent == "urn:c1" and reply.url == "https://blog.example/billet#c3"
    assert "javascript:" not in reply.markdown and "alert(2)" not in reply.markdown
    assert "\x1b" not in reply.markdown + reply.text
    assert "rouge" in reply.text


def test_a_cycle_of_replies_loses_no_comment() -> None:
    feed = """<feed xmlns="http://www.w3.org/2005/Atom"
        xmlns:thr="http://purl.org/syndication/thread/1.0"><title>C</title>
      <entry><id>a</id><thr:in-reply-to ref="b"/><content>A</content></entry>
      <entry><id>b</id><thr:in-reply-to ref="a"/><content>B</content></entry></feed>"""
    assert sorted(c.text for c in parse_comment_feed(feed)) == ["A", "B"]


def test_static_comments_are_read_and_hidden_ones_left_out() -> None:
    comments = page_comments(STATIC_PAGE, "https://site.example/page")
    assert [(c.author, c.text) for c in comments] == [
        ("Jeanne", "Un commentaire statique."),
        ("Paul", "Une réponse à Jeanne."),
    ]
    assert depths(comments) == [0, 1]
    assert comments[0].published == "2025-11-06T12:00:00+01:00"
    assert comments[0].url == "https://site.example/page#comment-11"
    assert "Répondre" not in comments[0].text


def test_the_seed_page_has_a_comment_form_and_no_comment() -> None:
    seed = Path(__file__).parent / "fixtures" / "samples" / "alibaba-datacenter-fr.html"
    assert page_comments(seed.read_text(encoding="utf-8")) == ()


# -- the CLI ----------------------------------------------------------------------------


def test_open_id_comments_in_every_format_then_offline_and_after_a_failure(
    server: LoopbackServer, cli: Any, isolated_home: Path
) -> None:
    base = server.base
    feed_url = server.route("/feed", static(blog_feed(base), RSS_TYPE))
    server.route("/billet/feed", static(comment_feed(base), ATOM_TYPE))
    assert cli("add", feed_url, "--name", "Le Blog", "--full-text", "never").code == 0
    assert cli("sync").code == 0
    billet = article_id(server.url("/billet"))

    md = cli("open", billet, "--comments")
    assert md.code == 0, md.stderr
    assert "## Comments (3)" in md.stdout
    assert md.stdout.index("Un billet commenté") < md.stdout.index("## Comments")
    alice, chloe = md.stdout.index("**Alice"), md.stdout.index("> **Chloé")
    assert alice < chloe < md.stdout.index("**Bruno")  # the reply under what it answers
    assert "> Je réponds à Alice." in md.stdout
    assert "<script" not in md.stdout and "javascript:" not in md.stdout
    assert "\x1b" not in md.stdout

    text = cli("open", billet, "--comments", "--format", "text")
    assert "Comments (3)" in text.stdout and "\n  Chloé · 2025-11-06T12:00:00+01:00" in text.stdout
    assert "**" not in text.stdout.split("Comments (3)")[1]

    data = cli("open", billet, "--comments", "--format", "json").json()
    validate(data, "open")  # docs/output.schema.json describes the comments too
    assert data["comment_count"] == 3 and data["comments_feed"] == server.url("/billet/feed")
    assert [(c["author"], c["depth"]) for c in data["comments"]] == [
        ("Alice", 0),
        ("Chloé", 1),
        ("Bruno [bold]", 0),
    ]
    assert cli("open", billet, "--format", "json").json()["comments"] is None

    # Offline, and with the server failing: the cached comments, never blanked.
    offline = cli("--offline", "open", billet, "--comments", "--format", "json")
    assert offline.code == 0 and len(offline.json()["comments"]) == 3
    server.route("/billet/feed", static("boom", status=500))
    failed = cli("open", billet, "--comments", "--format", "json")
    assert failed.code == 0
    assert "HTTP 500" in failed.stderr and "cached comments" in failed.stderr
    assert len(failed.json()["comments"]) == 3
    # Never fetched, offline: one line, exit 1.
    muet = article_id(server.url("/muet"))
    never = cli("--offline", "open", muet, "--comments")
    assert never.code == 1 and never.stderr.count("\n") == 1 and "Traceback" not in never.stderr


def test_open_url_comments_prints_a_page_s_static_comments(
    server: LoopbackServer, cli: Any
) -> None:
    url = server.route("/page", static(STATIC_PAGE))
    plain = cli("open", url)
    assert plain.code == 0 and "Un commentaire statique" not in plain.stdout  # not the body
    shown = cli("open", url, "--comments", "--format", "text")
    assert shown.code == 0, shown.stderr
    after = shown.stdout.split("Comments (2)")[1]
    assert "Jeanne · 2025-11-06T12:00:00+01:00\nUn commentaire statique." in after
    assert "  Paul\n  Une réponse à Jeanne." in after
    assert "Caché" not in after
    # Cached with the article: offline by id.
    cached = cli("--offline", "open", article_id(url), "--comments", "--format", "json")
    assert [c["author"] for c in cached.json()["comments"]] == ["Jeanne", "Paul"]


def test_comments_of_a_feed_document_are_a_usage_error(server: LoopbackServer, cli: Any) -> None:
    url = server.route("/feed", static(blog_feed(server.base), RSS_TYPE))
    run = cli("open", url, "--comments")
    assert run.code == 2 and "--comments is for articles" in run.stderr


# -- the cache --------------------------------------------------------------------------


def test_a_failed_fetch_keeps_the_cached_comments_and_a_new_one_replaces_them(
    store: Store, server: LoopbackServer
) -> None:
    from newsreader.discussion import load_comments
    from newsreader.errors import FetchError

    billet = sync_blog(store, server)
    stored = store.article(billet)
    assert stored is not None
    with pytest.raises(FetchError):  # nothing cached yet: the error itself
        load_comments(stored.article, store=store, timeout=5)
    server.route("/billet/feed", static(comment_feed(server.base), ATOM_TYPE))
    first = load_comments(stored.article, store=store, timeout=5)
    assert len(first.comments) == 3 and first.fetched_at and not first.from_cache
    server.route("/billet/feed", static(b"\x00\x01 not a feed", "text/plain"))
    kept = load_comments(stored.article, store=store, timeout=5)
    assert kept.from_cache and kept.warning and len(kept.comments) == 3
    cached = store.comments(billet)
    assert cached is not None and len(cached.comments) == 3
    store.set_comments(billet, cached.comments[:1])
    again = store.article(billet)
    assert again is not None and again.article.comment_count == 1


def test_comments_go_with_their_article(store: Store) -> None:
    from newsreader.models import Comment

    article = Article(id=article_id("https://e.org/a"), title="A", url="https://e.org/a")
    store.upsert_articles(None, [article])
    store.set_comments(article.id, [Comment(id="1", author="x\x1b[31m", markdown="m", text="t")])
    (cached,) = store.comments(article.id).comments  # type: ignore[union-attr]
    assert cached.author == "x"
    store.prune(keep=0)
    with sqlite3.connect(store.path) as conn:
        assert conn.execute("SELECT count(*) FROM comments").fetchone()[0] == 0
