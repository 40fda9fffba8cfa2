"""Comments: the cost of reading a comment feed and of what a sync adds for them.

    python bench/comments.py [--comments 500] [--runs 5]

Prints the median time to read a comment feed of N comments (RSS, HTML bodies, a
third of them replies, threaded by ``thr:in-reply-to``) into sanitised comments, and
the median time to parse a 50-entry feed with and without comment announcements
(``slash:comments``, ``wfw:commentRss``, ``<comments>``): the second walk of the
feed is what sync pays for them.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "src"))

from newsreader.content.comments import parse_comment_feed
from newsreader.content.feed import parse_feed

_NS = (
    'xmlns:thr="http://purl.org/syndication/thread/1.0" '
    'xmlns:wfw="http://wellformedweb.org/CommentAPI/" '
    'xmlns:slash="http://purl.org/rss/1.0/modules/slash/"'
)


def comment_feed(count: int) -> str:
    items = []
    for n in range(count):
        reply = f'<thr:in-reply-to ref="c{n // 3}"/>' if n % 3 and n > 2 else ""
        items.append(
            f"<item><guid>c{n}</guid><title>Re {n}</title><dc:creator>Lecteur {n}</dc:creator>"
            f"<pubDate>Thu, 06 Nov 2025 {n % 24:02d}:{n % 60:02d}:00 +0100</pubDate>{reply}"
            f"<description>&lt;p&gt;Un avis numéro {n}, &lt;b&gt;argumenté&lt;/b&gt; sur deux"
            f" phrases.&lt;/p&gt;&lt;p&gt;Avec un &lt;a href='https://e.org/{n}'&gt;lien"
            f"&lt;/a&gt;.&lt;/p&gt;</description></item>"
        )
    return (
        f'<rss version="2.0" {_NS} xmlns:dc="http://purl.org/dc/elements/1.1/">'
        f"<channel><title>Commentaires</title>{''.join(items)}</channel></rss>"
    )


def article_feed(announce: bool) -> bytes:
    items = []
    for n in range(50):
        extra = (
            f"<comments>https://e.org/{n}#c</comments>"
            f"<wfw:commentRss>https://e.org/{n}/feed</wfw:commentRss>"
            f"<slash:comments>{n}</slash:comments>"
            if announce
            else ""
        )
        items.append(
            f"<item><title>Billet {n}</title><link>https://e.org/{n}</link>"
            f"<pubDate>Thu, 06 Nov 2025 09:30:00 +0100</pubDate>"
            f"<description>&lt;p&gt;{'Texte. ' * 60}&lt;/p&gt;</description>{extra}</item>"
        )
    return (
        f'<rss version="2.0" {_NS}><channel><title>Blog</title><link>https://e.org/</link>'
        f"{''.join(items)}</channel></rss>"
    ).encode()


def median_ms(work: object, runs: int) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        work()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return statistics.median(times) * 1000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--comments", type=int, default=500)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    text = comment_feed(args.comments)
    parse_comment_feed(text)  # imports and converters, once
    read = median_ms(lambda: parse_comment_feed(text), args.runs)
    print(
        f"comment feed, {args.comments} comments ({len(text) // 1024} KB): {read:.0f} ms"
        f" ({read / args.comments * 1000:.0f} µs a comment)"
    )
    plain, announced = article_feed(False), article_feed(True)
    parse_feed(announced)
    runs = args.runs * 20
    without = median_ms(lambda: parse_feed(plain), runs)
    with_ = median_ms(lambda: parse_feed(announced), runs)
    print(
        f"50-entry feed: {without:.2f} ms without comment announcements, {with_:.2f} ms"
        f" with them (x{with_ / without:.2f})"
    )


if __name__ == "__main__":
    main()
