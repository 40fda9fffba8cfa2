"""A loopback feed server for benchmarks: N feeds x M items, with latency.

    python bench/feedserver.py --feeds 200 --items 50 --latency 0.05

Serves ``/feed/<n>.xml`` (RSS 2.0, ~2.4 KB per item, with ETag and Last-Modified and
304 answers to conditional requests) and ``/article/<n>/<m>`` (an HTML article page of
about 12 KB for full-text fetching). Every response waits ``--latency`` seconds first,
like a distant server. Prints ``PORT <port>`` on stdout when ready. Listens on
127.0.0.1 only.
"""

from __future__ import annotations

import argparse
import hashlib
import random
import sys
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from xml.sax.saxutils import escape

WORDS_FR = [
    "les",
    "données",
    "de",
    "la",
    "semaine",
    "ont",
    "montré",
    "que",
    "le",
    "gouvernement",
    "et",
    "les",
    "entreprises",
    "préparent",
    "une",
    "réforme",
    "importante",
    "pour",
    "l'économie",
    "européenne",
    "avec",
    "des",
    "mesures",
    "sur",
    "l'énergie",
    "la",
    "santé",
    "le",
    "logement",
    "et",
    "les",
    "transports",
    "dans",
    "plusieurs",
    "régions",
]
WORDS_EN = [
    "the",
    "report",
    "published",
    "this",
    "week",
    "shows",
    "that",
    "the",
    "city",
    "council",
    "and",
    "local",
    "companies",
    "are",
    "preparing",
    "new",
    "rules",
    "for",
    "housing",
    "energy",
    "transport",
    "and",
    "health",
    "across",
    "the",
    "region",
    "while",
    "markets",
    "reacted",
    "calmly",
    "to",
    "the",
    "announcement",
    "on",
    "tuesday",
]
LAST_MODIFIED = "Wed, 26 Nov 2025 08:00:00 GMT"


def sentence(rng: random.Random, words: list[str], count: int) -> str:
    return " ".join(rng.choice(words) for _ in range(count)).capitalize() + "."


def make_feed(number: int, items: int, base: str) -> bytes:
    rng = random.Random(number)
    words = WORDS_FR if number % 2 else WORDS_EN
    parts = [
        '<?xml version="1.0" encoding="utf-8"?>'
        '<rss version="2.0" xmlns:dc="http://purl.org/dc/elements/1.1/"><channel>'
        f"<title>Feed {number}</title><link>{base}/site/{number}</link>"
        f"<description>Benchmark feed {number}</description><language>"
        f"{'fr' if number % 2 else 'en'}</language>"
    ]
    for item in range(items):
        paragraphs = "".join(
            f"<p>{sentence(rng, words, 25)} <a href='{base}/x'>{rng.choice(words)}</a> "
            f"{sentence(rng, words, 20)}</p>"
            for _ in range(4)
        )
        parts.append(
            "<item>"
            f"<title>{escape(sentence(rng, words, 9))}</title>"
            f"<link>{base}/article/{number}/{item}</link>"
            f"<guid>{base}/article/{number}/{item}</guid>"
            f"<pubDate>Wed, 26 Nov 2025 {item % 24:02d}:{item % 60:02d}:00 +0100</pubDate>"
            f"<dc:creator>Author {item % 7}</dc:creator><category>Section {number % 12}</category>"
            f"<description>{escape(paragraphs)}</description>"
            "</item>"
        )
    parts.append("</channel></rss>")
    return "".join(parts).encode("utf-8")


def make_page(feed: int, item: int) -> bytes:
    rng = random.Random(feed * 1000 + item)
    words = WORDS_FR if feed % 2 else WORDS_EN
    body = "".join(f"<p>{sentence(rng, words, 40)}</p>" for _ in range(25))
    return (
        f"<!doctype html><html lang='fr'><head><meta charset='utf-8'><title>Article {item}</title>"
        f"<meta property='og:title' content='Article {feed}-{item}'></head><body>"
        "<header><nav><a href='/'>Accueil</a> <a href='/monde'>Monde</a></nav></header>"
        f"<article><h1>Article {feed}-{item}</h1><p class='chapo'>{sentence(rng, words, 30)}</p>"
        f"{body}</article><footer>© Bench</footer></body></html>"
    ).encode()


def serve(feeds: int, items: int, latency: float, port: int) -> None:
    bodies: dict[int, tuple[bytes, str]] = {}

    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_GET(self) -> None:
            if latency:
                time.sleep(latency)
            parts = self.path.strip("/").split("/")
            if parts[0] == "feed" and len(parts) == 2:
                number = int(parts[1].split(".")[0])
                body, etag = bodies[number]
                if self.headers.get("If-None-Match") == etag or (
                    self.headers.get("If-Modified-Since") == LAST_MODIFIED
                ):
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                self.reply(
                    body,
                    "application/rss+xml; charset=utf-8",
                    {"ETag": etag, "Last-Modified": LAST_MODIFIED},
                )
            elif parts[0] == "article" and len(parts) == 3:
                self.reply(make_page(int(parts[1]), int(parts[2])), "text/html; charset=utf-8", {})
            else:
                self.reply(b"not found", "text/plain", {}, status=404)

        def reply(
            self, body: bytes, content_type: str, headers: dict[str, str], status: int = 200
        ) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            for name, value in headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            return

    ThreadingHTTPServer.request_queue_size = 256  # the default 5 drops SYNs under 16 clients
    httpd = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    httpd.daemon_threads = True
    actual = httpd.server_address[1]
    base = f"http://127.0.0.1:{actual}"
    for number in range(feeds):
        body = make_feed(number, items, base)
        bodies[number] = (body, '"' + hashlib.sha1(body).hexdigest()[:16] + '"')
    print(f"PORT {actual}", flush=True)
    httpd.serve_forever()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--feeds", type=int, default=200)
    parser.add_argument("--items", type=int, default=50)
    parser.add_argument("--latency", type=float, default=0.0, help="seconds before each answer")
    parser.add_argument("--port", type=int, default=0)
    args = parser.parse_args()
    try:
        serve(args.feeds, args.items, args.latency, args.port)
    except KeyboardInterrupt:
        sys.exit(0)


if __name__ == "__main__":
    main()
