"""Mutation fuzzing of every document reader and of HTTP decompression.

One engine for two drivers: ``tests/test_fuzz.py`` lets Hypothesis draw the mutations
(bounded, deterministic, shrunk to a small example when something fails) and
``bench/fuzz.py`` draws them from a seeded random generator for as long as asked.

An input is a seed document (``tests/fixtures``, ``/work/shared/samples`` when it
exists, the bundled demo edition, and hostile documents written here) changed by a few
:data:`Op` s: hostile fragments inserted where markup starts or ends, spans deleted or
repeated (deep nesting, bombs), bytes replaced, other seeds spliced in, the whole
re-encoded. Each outcome is checked against what newsreader promises whatever it reads:

- it raises nothing but :class:`~newsreader.errors.NewsreaderError` (a ParseError
  that wraps another exception is a parser bug caught by the safety net: a crash);
- it ends within the time limit;
- no output format (md, text, json, and the Markdown a synced entry becomes when it
  is first read) holds a control character, a bidi override, ``<script``, a
  script-capable URL as text, or anything a CommonMark renderer would make a live
  link or raw HTML; URL fields are absolute http(s) URLs holding only what a URL may.
"""

from __future__ import annotations

import asyncio
import gzip
import json
import random
import re
import signal
import time
import warnings
import zlib
from collections.abc import AsyncIterator, Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any, Literal

from tests.checks import live_markup, unclean

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "tests" / "fixtures"
SHARED_SAMPLES = Path("/work/shared/samples")
DEMO = ROOT / "src" / "newsreader" / "demo"

Kind = Literal["html", "feed", "json", "markdown", "text", "http"]
KINDS: tuple[Kind, ...] = ("html", "feed", "json", "markdown", "text", "http")
Verdict = Literal["ok", "error", "crash", "hang", "unsafe"]

MAX_INPUT = 256 * 1024
"""Mutated inputs are cut here: bigger is slower, not more hostile."""
FLOOD = 64 * 1024
"""Bytes of one repeated token a "flood" mutation inserts (work that grows with the
square of a run shows at this size: seconds, where it should take milliseconds)."""
HTTP_CAP = 512 * 1024
"""The size cap given to the decompressor under test (small, so bombs hit it fast)."""

Op = tuple[str, float, int, int]
"""One mutation: its name, a position (0-1), and two small integers whose meaning
depends on the name (a token, a length, a count). Besides :data:`OP_NAMES`, "encode"
re-encodes the whole input and "flood" inserts :data:`FLOOD` bytes of one token."""
OP_NAMES = (
    "insert",
    "insert",
    "insert",
    "char",
    "delete",
    "repeat",
    "byte",
    "splice",
    "cut",
    "value",
)


# -- seeds -----------------------------------------------------------------------------------

_WORDS = (
    "Le conseil municipal a voté mardi soir le budget de la ville, après un long débat "
    "sur les transports, les écoles et la rénovation du vieux port. "
) * 3

_HOSTILE_SEEDS: dict[Kind, list[str]] = {
    "html": [
        "<!doctype html><html><head><meta charset='utf-8'><title>T \x1b[31m</title>"
        "<link rel='canonical' href='http://a.example:abc/x'>"
        "<meta property='og:url' content='https://b.example/\"<script>'></head>"
        f"<body><article><h1>Titre</h1><p>{_WORDS}</p>"
        "<p>[x](javascript:alert(1)) ![i](data:image/png;base64,AA) &#27;[31m</p>"
        "<pre>```\n<img src=x onerror=alert(1)>\n```</pre><p><code>a|b</code> "
        "<a href='javascript:alert(1)'>js</a> <a href='https://c.example/(x'>c</a></p>"
        "<table><tr><td colspan='2'>x</td></tr></table><ol start='3'><li>l</li></ol>"
        "<script>document.write('x')</script></article></body></html>",
    ],
    "feed": [
        '<?xml version="1.0"?><rss version="2.0"><channel><title>F&#27;]52;c;x&#7;</title>'
        "<link>http://a.example/&lt;script&gt;</link><ttl>60</ttl>"
        "<item><title>&lt;b&gt;I&lt;/b&gt; \x1b[1m</title><link>javascript:alert(1)</link>"
        "<guid>g1</guid><pubDate>Mon, 06 Nov 2025 09:30:00 +0100</pubDate>"
        "<description>&lt;p&gt;[x](javascript:alert(1))&lt;/p&gt;&lt;script&gt;x()&lt;/script&gt;"
        "</description></item><item><title>Two</title><link>https://a.example/2</link>"
        "<description><![CDATA[<p>two &#x1b;[2J</p>]]></description></item></channel></rss>",
        '<feed xmlns="http://www.w3.org/2005/Atom"><title type="xhtml">'
        '<div xmlns="http://www.w3.org/1999/xhtml">A <b>feed</b></div></title><id>f</id>'
        '<entry><id>e</id><link href="https://a.example/e"/><title type="html">&lt;i&gt;E&lt;/i&gt;</title>'
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><p>hi</p>'
        "<script>evil()</script></div></content><updated>2025-11-06T09:30:00Z</updated></entry></feed>",
    ],
    "json": [
        json.dumps(
            {
                "version": "https://jsonfeed.org/version/1.1",
                "title": "J \u001b[31m \u202e",
                "home_page_url": "https://a.example/<x>",
                "items": [
                    {
                        "id": "1",
                        "url": "https://a.example/a)[x](javascript:alert(1)",
                        "title": "<script>x</script>t",
                        "content_html": "<p>a</p><pre>```\n[x](javascript:y)\n```</pre>",
                        "date_published": "2025-11-06T09:30:00+01:00",
                        "authors": [{"name": "A \u0007"}],
                        "tags": ["t"],
                    },
                    {"id": 2, "content_text": "plain\n\ntext &#27;[1m", "summary": "s"},
                ],
            }
        ),
    ],
    "markdown": [
        "---\ntitle: Hello\nx: &a [1]\ny: *a\n---\n\n# Heading\n\n[f](file:///etc/passwd) "
        "\\[y](javascript:alert(1)) <script>alert(1)</script>\n\n```\n<img src=x onerror=y>\n```\n",
        '+++\ntitle = "T"\ndate = 2025-03-04T05:06:07Z\n+++\n\n| a | b |\n|---|---|\n| `c|d` | e |\n',
    ],
    "text": [
        "Culture\n\nUn titre de page\n\n" + _WORDS + "\nÉcrit par Juliette Robieux\n"
        "Publié le 6 novembre 2025, mis à jour le 7 novembre 2025\n\n"
        "[lien](javascript:alert(1)) ![i](data:image/png;base64,AA) <script>x</script>\n\n"
        "Commentaires\n",
    ],
}

_FIXTURE_SEEDS: dict[Kind, tuple[str, ...]] = {
    "html": ("pages/*.html", "samples/*.html"),
    "feed": ("feeds/*.xml", "feeds/*.rdf"),
    "json": ("feeds/*.json",),
    "markdown": ("docs/*.md",),
    "text": ("samples/*.txt",),
}
_SHARED_SEEDS: dict[Kind, tuple[str, ...]] = {"html": ("*.html",), "text": ("*.txt",)}
_DEMO_SEEDS: dict[Kind, tuple[str, ...]] = {
    "html": ("edition/*/*.html",),
    "json": ("flash.json",),
    "markdown": ("edition/*/*.md",),
}


@cache
def seeds(kind: Kind) -> tuple[bytes, ...]:
    """The seed documents of one kind (for "http": bodies to compress)."""
    if kind == "http":
        return tuple(seed for other in KINDS[:-1] for seed in seeds(other)[:3])
    found: list[bytes] = [text.encode("utf-8") for text in _HOSTILE_SEEDS[kind]]
    for root, table in (
        (FIXTURES, _FIXTURE_SEEDS),
        (SHARED_SAMPLES, _SHARED_SEEDS),
        (DEMO, _DEMO_SEEDS),
    ):
        for pattern in table.get(kind, ()):
            found.extend(path.read_bytes() for path in sorted(root.glob(pattern)))
    return tuple(dict.fromkeys(found))  # the shared samples repeat the fixtures


# -- hostile fragments -----------------------------------------------------------------------

_TOKENS: tuple[bytes, ...] = tuple(
    token.encode("utf-8", "surrogatepass") if isinstance(token, str) else token
    for token in (
        # controls and escape sequences, raw and as references
        "\x00",
        "\x07",
        "\x08",
        "\x0b",
        "\x1b",
        "\x1b[31m",
        "\x1b[2J",
        "\x1b]0;owned\x07",
        "\x1b]52;c;cHduZWQ=\x07",
        "\x1b]8;;https://x.example\x1b\\",
        "\x1bP+q\x1b\\",
        "\x9b2J",
        "\x85",
        "\u2028",
        "\x7f",
        "\r",
        "\r\n",
        "\t",
        "&#27;[31m",
        "&#x1b;]0;t&#7;",
        "&#155;2J",
        "&#0;",
        "&#x0;",
        "&#xFFFF;",
        "&#xFFFE;",
        "&#xD800;",
        "&#56320;",
        "&#x202E;",
        "&#8238;",
        "&#x85;",
        "&#x9d;",
        "&#27",
        "&#99999999;",
        b"\xed\xa0\x80",
        b"\xef\xbf\xbf",
        b"\xef\xbf\xbe",
        b"\xff\xfe",
        b"\xfe\xff",
        b"\xef\xbb\xbf",
        b"\xc3",
        b"\xe9",
        b"\x80",
        b"\xf4\x90\x80\x80",
        "\u202e",
        "\u2066",
        "\u2069",
        "\u200f",
        "\ufeff",
        "\u00ad",
        "\u200b",
        "\U0001f600",
        "\u0301",
        # active markup
        "<script>alert(1)</script>",
        "<SCRIPT SRC=//x.example/x.js>",
        "</script>",
        "<script",
        "<style>body{display:none}</style>",
        "<img src=x onerror=alert(1)>",
        "<svg onload=alert(1)>",
        "<iframe src=javascript:alert(1)>",
        "<object data=x>",
        "<noscript><p>n</p></noscript>",
        "<template><p>t</p></template>",
        "<math><mi>x</mi></math>",
        "<base href='javascript:/'>",
        '<a href="javascript:alert(1)">x</a>',
        "<a href=' JAVA\tscript:alert(1)'>y</a>",
        "<a href='java&#x73;cript:z'>z</a>",
        "<a href='data:text/html;base64,PHNjcmlwdD4='>d</a>",
        "<a href='file:///etc/passwd'>f</a>",
        "<a href='vbscript:msgbox'>v</a>",
        '<a href="https://a.example/(x">p</a>',
        '<a href="https://a.example/x)[y](javascript:z)">q</a>',
        "<a href='http://a.example:abc/'>port</a>",
        "<a href='http://[::1'>v6</a>",
        "<a href='//evil.example/'>rel</a>",
        "<a href='?q=<script>'>q</a>",
        "<img src='data:image/png;base64,AA' alt='a](javascript:x)'>",
        "<img alt='x`y' src='https://i.example/i.png'>",
        "<link rel='canonical' href='http://a.example:abc/x'>",
        "<meta property='og:url' content='https://b.example:99999/'>",
        "<meta charset='undefined'>",
        "<meta charset='utf-7'>",
        "<meta charset='x-user-defined'>",
        "+ADw-script+AD4-alert(1)+ADw-/script+AD4-",
        # Markdown written as text
        "[x](javascript:alert(1))",
        "![i](data:image/png;base64,AA)",
        "[f](file:///etc/passwd)",
        "<javascript:alert(1)>",
        "[r]: vbscript:msgbox\n",
        "[r][r]",
        "\\[y](javascript:alert(1))",
        "\\",
        "\\\\",
        "[",
        "]",
        "(",
        ")",
        "](",
        "![",
        "`",
        "``",
        "```",
        "````\n",
        "~~~\n",
        "*",
        "_",
        "# ",
        "> ",
        "- ",
        "1. ",
        "    ",
        "|",
        "&",
        "&amp;",
        "&lt;script&gt;",
        "&lt;",
        "&#60;script",
        "javascript:alert(1)",
        "JaVaScRiPt:alert(1)",
        "data:text/html,x",
        "file:///etc/passwd",
        "vbscript:msgbox",
        "java\tscript:x",
        "javascript&#58;alert(1)",
        "&#106;avascript:x",
        "<pre>",
        "</pre>",
        "<code>",
        "</code>",
        "<kbd>",
        "<pre><code>",
        "<h1>",
        "</h1>",
        "<h99999999>",
        "<table><tr><td>",
        "</td><td>",
        '<td colspan="\u00bd">',
        '<ol start="\u00b2"><li>',
        "<li>",
        "<blockquote>",
        "<figure><figcaption>",
        "<br>",
        "<hr>",
        "<p>",
        "</p>",
        "<div>",
        "</div>",
        "<b>",
        "<i>",
        "<a>",
        "</a>",
        # XML and documents
        "<![CDATA[",
        "]]>",
        "<!--",
        "-->",
        "<!DOCTYPE x [<!ENTITY a 'aaaaaaaaaa'>]>",
        "&a;",
        "<!DOCTYPE html>",
        "<?xml version='1.0' encoding='utf-16'?>",
        "<?xml version='1.0'?>",
        "&eacute;",
        "&nbsp;",
        "&#",
        "&#x;",
        "&bogus;",
        '<title type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml">',
        "</div></title>",
        'type="xhtml"',
        '<content type="xhtml"><div xmlns="http://www.w3.org/1999/xhtml"><script>x</script>',
        '<summary type="html">&lt;script&gt;evil()&lt;/script&gt;s</summary>',
        "<item><title>x</title><link>javascript:alert(1)</link></item>",
        "<entry><title>e</title></entry>",
        "<guid>javascript:alert(1)</guid>",
        "<link>http://a.example/&lt;x&gt;</link>",
        "<ttl>99999999999999999999</ttl>",
        "<pubDate>0000-00-00T00:00:00Z</pubDate>",
        "<pubDate>Mon, 99 Foo 99999 99:99:99 +9999</pubDate>",
        "<language>zz-\x1b</language>",
        '{"a":',
        '"\\u0000"',
        '"\\ud800"',
        '"\\u001b[31m"',
        '"\\uffff"',
        '"url": "javascript:alert(1)"',
        '"content_html": "<script>x</script>"',
        '"date_published": "99999-99-99"',
        '"items": [',
        '"items": {}',
        "{",
        "}",
        '"',
        "'",
        "<",
        ">",
        "/",
        "=",
        ";",
        ":",
        ",",
        "\n",
        "\n\n",
        "---\n",
        "+++\n",
        "title: &a x\n",
        "*a\n",
        "!!python/object/apply:os.system [x]\n",
        "Écrit par ",
        "Publié le 31 février 2025",
        "mis à jour le ",
        "Commentaires\n",
        "<div>" * 64,
        "<b><i>" * 32,
        "[" * 64,
        "> " * 32,
        "- " * 32,
        "`" * 40,
        "&amp;" * 30,
    )
)
_CHARS = (
    0x0,
    0x7,
    0xB,
    0x1B,
    0x7F,
    0x85,
    0x9B,
    0x9D,
    0xAD,
    0x200B,
    0x200E,
    0x2028,
    0x2029,
    0x202A,
    0x202E,
    0x2066,
    0x2069,
    0xFEFF,
    0xFFFD,
    0xFFFE,
    0xFFFF,
    0xD800,
    0xDFFF,
    0x1F600,
    0xE000,
    0x301,
    0xFF1C,
    0x10FFFF,
    0x3C,
    0x26,
    0x5B,
    0x5C,
    0x60,
)
_CODECS = ("utf-16-le", "utf-16-be", "utf-16", "utf-32-le", "cp1252", "latin-1", "shift_jis")
_BOUNDARY = re.compile(rb"[<>\"'\n&\[\](){}:]")


def _position(data: bytes, where: float, snap: int) -> int:
    """A position in ``data``; most of the time just before or after markup."""
    index = int(where * (len(data) + 1))
    if snap % 3 and data:
        match = _BOUNDARY.search(data, min(index, len(data)))
        if match:
            index = match.start() + (snap % 3 == 2)
    return min(index, len(data))


def _char(code: int, form: int) -> bytes:
    if form == 0:
        return chr(code).encode("utf-8", "surrogatepass")
    if form == 1:
        return f"&#x{code:X};".encode()
    if form == 2:
        return f"&#{code};".encode()
    return f"\\u{code:04x}".encode() if code <= 0xFFFF else chr(code).encode()


_ODD_VALUES: tuple[Any, ...] = (
    None,
    True,
    1e308,
    -1,
    10**30,
    "",
    [],
    {},
    [[[[[]]]]],
    {"name": "\u001b[31m"},
    "javascript:alert(1)",
    "99999-99-99",
    "\ud800",
    "<script>x</script>",
    "https://a.example/<x>",
)


def _json_value(data: bytes, where: float, a: int, b: int) -> bytes:
    """In a JSON document, one value changed: a hostile fragment put into a string, or
    a value of another type; the result is valid JSON (escaped as JSON writers do)."""
    if data.lstrip()[:1] not in (b"{", b"["):
        return data
    try:
        document = json.loads(data)
    except (ValueError, RecursionError):
        return data
    leaves: list[tuple[Any, Any]] = []
    stack: list[Any] = [document]
    while stack and len(leaves) < 500:
        node = stack.pop()
        pairs = (
            node.items()
            if isinstance(node, dict)
            else enumerate(node)
            if isinstance(node, list)
            else ()
        )
        for key, value in pairs:
            leaves.append((node, key))
            if isinstance(value, dict | list):
                stack.append(value)
    if not leaves:
        return data
    node, key = leaves[a % len(leaves)]
    value = node[key]
    if isinstance(value, str) and b % 4:
        token = _TOKENS[b % len(_TOKENS)].decode("utf-8", "replace")
        at = int(where * (len(value) + 1))
        node[key] = value[:at] + token + value[at:]
    else:
        node[key] = _ODD_VALUES[b % len(_ODD_VALUES)]
    return json.dumps(document, ensure_ascii=bool(b % 2)).encode("utf-8", "surrogatepass")


def apply(seed: bytes, ops: Sequence[Op], corpus: Sequence[bytes]) -> bytes:
    """``seed`` changed by ``ops``, in order (see :data:`Op`)."""
    data = seed
    for name, where, a, b in ops:
        at = _position(data, where, b)
        if name == "insert":
            data = data[:at] + _TOKENS[a % len(_TOKENS)] + data[at:]
        elif name == "char":
            data = data[:at] + _char(_CHARS[a % len(_CHARS)], b % 4) + data[at:]
        elif name == "delete":
            data = data[:at] + data[at + 1 + a % 200 :]
        elif name == "repeat":
            span = data[at : at + 1 + a % 64]
            data = data[:at] + span * (2 + b % 400) + data[at:]
        elif name == "flood":
            token = _TOKENS[a % len(_TOKENS)]
            data = data[:at] + token * (FLOOD // len(token)) + data[at:]
        elif name == "byte":
            data = data[:at] + bytes([a % 256]) + data[at + 1 :]
        elif name == "splice":
            other = corpus[a % len(corpus)]
            start = _position(other, (b % 1000) / 1000, b)
            data = data[:at] + other[start : start + 1 + (a * 7919) % 4000] + data[at:]
        elif name == "cut":
            data = data[: max(at, 1)]
        elif name == "value":
            data = _json_value(data, where, a, b)
        elif name == "encode":
            data = data.decode("utf-8", "replace").encode(_CODECS[a % len(_CODECS)], "replace")
        data = data[:MAX_INPUT]
    return data


def _where(rng: random.Random) -> float:
    """A position; the very start and end of a document are where parsers decide what
    they read, so they come up more often than their share."""
    roll = rng.random()
    return 0.0 if roll < 0.08 else 0.9999 if roll < 0.12 else rng.random()


def random_ops(rng: random.Random, kind: Kind) -> list[Op]:
    """A few mutations, as bench/fuzz.py draws them. JSON is mostly changed value by
    value (other changes rarely leave valid JSON); compressed bodies get fewer
    changes (most leave a corrupt stream)."""
    names = OP_NAMES + ("value",) * 20 if kind == "json" else OP_NAMES
    counts = (0, 1, 1, 2) if kind == "http" else (1, 1, 2, 2, 3, 4, 6, 10)
    ops: list[Op] = [
        (rng.choice(names), _where(rng), rng.randrange(1 << 16), rng.randrange(1 << 16))
        for _ in range(rng.choice(counts))
    ]
    if rng.random() < 0.03:
        ops.append(("encode", 0.0, rng.randrange(len(_CODECS)), 0))
    if rng.random() < 0.005:  # rare: big, and slow to read, but where quadratic work shows
        ops.append(("flood", _where(rng), rng.randrange(1 << 16), rng.randrange(1 << 16)))
    return ops


# -- one input, checked ----------------------------------------------------------------------


@dataclass
class Outcome:
    """What one input did."""

    verdict: Verdict
    detail: str = ""
    seconds: float = 0.0


class Hang(BaseException):
    """Raised by the alarm when an input takes too long (a BaseException, so that no
    ``except Exception`` in a library swallows it)."""


@contextmanager
def time_limit(seconds: float) -> Iterator[None]:
    """Interrupt the block after ``seconds`` (main thread, POSIX: SIGALRM)."""

    def alarm(signum: int, frame: Any) -> None:
        raise Hang

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


_LOCATIONS: dict[Kind, tuple[str, str, str]] = {
    "html": ("/fuzz/page.html", "https://news.example/2025/page", "text/html"),
    "feed": ("/fuzz/feed.xml", "https://news.example/feed.xml", "application/rss+xml"),
    "json": ("/fuzz/feed.json", "https://news.example/feed.json", "application/feed+json"),
    "markdown": ("/fuzz/doc.md", "https://news.example/doc.md", "text/markdown"),
    "text": ("/fuzz/page.txt", "https://news.example/page.txt", "text/plain"),
}
_URL_FIELD = re.compile(
    r"https?://[^\s\"<>\\^`{|}\x00-\x1f\x7f]+\Z|mailto:[^\s\"<>\\^`{|}\x00-\x1f\x7f]*\Z"
)
_ONE_LINE_FIELDS = ("title", "author", "section", "language", "source")


def _check_url(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if not isinstance(value, str) or not _URL_FIELD.match(value):
        return f"{name} is not a clean URL: {str(value)[:80]!r}"
    problem = unclean(value)
    return f"{name}: {problem}" if problem else None


def _check_outputs(document: Any) -> str | None:
    """Every promise about output, for one parsed document."""
    from newsreader.content.entries import entry_article
    from newsreader.content.markdown import convert_body
    from newsreader.content.sanitize import index_text
    from newsreader.models import Article, Feed
    from newsreader.output import DOCUMENT_FORMATS

    for fmt, printed in DOCUMENT_FORMATS.items():  # every format there is
        output = printed(document)
        problem = unclean(output) or (live_markup(output) if fmt == "md" else None)
        if problem:
            return f"--format {fmt}: {problem}"
        if fmt == "json":
            data = json.loads(output)  # its "markdown" is the body --format md checked
            problem = None
            for name in ("url", "feed_url", "image"):
                problem = problem or _check_url(data.get(name), name)
            for item in data.get("items") or []:
                problem = problem or _check_url(item.get("url"), "item url")
            if problem:
                return f"--format json: {problem}"
    records = [document, *getattr(document, "items", ())]
    for record in records:
        for name in _ONE_LINE_FIELDS:
            value = getattr(record, name, None)
            if value is not None and (not value or "\n" in value or "\t" in value):
                return f"{name} is not one clean line: {value!r}"
    if isinstance(document, Feed):
        # What sync stores, and what the first reading of an entry makes of it.
        from newsreader.store import prepare_batch

        articles = [entry_article(item, document, "/fuzz/feed") for item in document.items]
        prepare_batch([article for article in articles if article is not None])
        for item in document.items[:20]:
            html = item.content_html or item.summary_html
            if not html:
                continue
            body = convert_body(html, item.url)
            problem = (
                live_markup(body.markdown)
                or unclean(body.markdown)
                or unclean(body.text)
                or unclean(index_text(html))
                or unclean(item.summary or "")
            )
            if problem:
                return f"entry body: {problem}"
    elif isinstance(document, Article):
        from newsreader.store import prepare_batch

        prepare_batch([document])
    return None


def check_document(kind: Kind, data: bytes, *, as_url: bool = False) -> str | None:
    """Parse ``data`` as newsreader would and check every output; the problem, if any.

    Raises what parsing raises (a :class:`~newsreader.errors.NewsreaderError` is fine).
    """
    from newsreader.content import parse_document
    from newsreader.models import RawDocument

    path, url, content_type = _LOCATIONS[kind]  # type: ignore[index]
    raw = (
        RawDocument(body=data, location=url, content_type=content_type, is_url=True, charset=None)
        if as_url
        else RawDocument(body=data, location=path)
    )
    return _check_outputs(parse_document(raw))


async def _chunks(data: bytes, sizes: Sequence[int]) -> AsyncIterator[bytes]:
    start, index = 0, 0
    while start < len(data):
        size = max(1, sizes[index % len(sizes)])
        yield data[start : start + size]
        start += size
        index += 1


def compressed(seed: bytes, form: int) -> tuple[bytes, str]:
    """A compressed body made from ``seed``: gzip, zlib, raw deflate, several gzip
    members, trailing junk, a bomb."""
    form %= 8
    if form == 0:
        return gzip.compress(seed), "gzip"
    if form == 1:
        return zlib.compress(seed), "deflate"
    if form == 2:
        return zlib.compress(seed)[2:-4], "deflate"
    if form == 3:
        return gzip.compress(seed) + gzip.compress(seed[::-1]), "gzip"
    if form == 4:
        return gzip.compress(seed) + b"JUNK" * 3, "x-gzip"
    if form == 5:
        return gzip.compress(b"\0" * (1 << 20)) + seed[:64], "gzip"
    if form == 6:
        return zlib.compress(b"\0" * (4 << 20), 9), "deflate"
    return gzip.compress(seed, 1) * 3 + b"\x1f", "gzip"


def _reference(data: bytes, encoding: str) -> bytes | None:
    """What a strict decoder makes of ``data``, when it accepts it (None otherwise)."""
    try:
        if encoding != "deflate":
            return gzip.decompress(data)
        decoder = zlib.decompressobj()
        out = decoder.decompress(data)
        return out if decoder.eof else None
    except (OSError, EOFError, zlib.error):
        return None


def check_decompression(data: bytes, encoding: str, sizes: Sequence[int]) -> str | None:
    """Decode ``data`` as http.py does (chunk sizes from ``sizes``); the problem, if any.

    A strict decoder is the oracle: what it accepts (within the cap), newsreader must
    decode to the same bytes.
    """
    from newsreader.errors import TooLargeError
    from newsreader.sources.http import read_body

    expected = _reference(data, encoding)
    try:
        body = asyncio.run(read_body(_chunks(data, sizes), encoding, HTTP_CAP))
    except TooLargeError:
        if expected is not None and len(expected) <= HTTP_CAP:
            return f"refused as too large, but it is {len(expected)} bytes"
        return None
    if len(body) > HTTP_CAP:
        return f"{len(body)} bytes passed the {HTTP_CAP} byte cap"
    if expected is not None and len(expected) <= HTTP_CAP and body != expected:
        return f"decoded {len(body)} bytes where a strict decoder gives {len(expected)}"
    return None


@dataclass
class Case:
    """One generated input: what it is made of, so that it can be replayed."""

    kind: Kind
    seed: int
    ops: list[Op] = field(default_factory=list)
    as_url: bool = False
    form: int = 0
    sizes: tuple[int, ...] = (65536,)

    def data(self) -> bytes:
        corpus = seeds(self.kind)
        seed = corpus[self.seed % len(corpus)]
        if self.kind == "http":
            seed = compressed(seed, self.form)[0]
        return apply(seed, self.ops, corpus)

    def encoding(self) -> str:
        return compressed(b"", self.form)[1]


def random_case(kind: Kind, rng: random.Random) -> Case:
    return Case(
        kind=kind,
        seed=rng.randrange(1 << 16),
        ops=random_ops(rng, kind),
        as_url=rng.random() < 0.3,
        form=rng.randrange(8),
        sizes=tuple(rng.choice((1, 3, 100, 1000, 4096, 65536)) for _ in range(3)),
    )


def run_case(case: Case, limit: float) -> Outcome:
    """Run one input under ``limit`` seconds and judge it."""
    from newsreader.errors import NewsreaderError

    started = time.perf_counter()
    try:
        data = case.data()
        with time_limit(limit), warnings.catch_warnings(record=True) as warned:
            warnings.simplefilter("always")
            if case.kind == "http":
                problem = check_decompression(data, case.encoding(), case.sizes)
            else:
                problem = check_document(case.kind, data, as_url=case.as_url)
        if warned:  # a warning is lines on the user's stderr
            return Outcome(
                "crash", f"warning: {warned[0].message}"[:300], time.perf_counter() - started
            )
    except Hang:
        return Outcome("hang", f"over {limit:g} s", time.perf_counter() - started)
    except NewsreaderError as error:
        cause = error.__cause__
        seconds = time.perf_counter() - started
        if cause is not None and not isinstance(cause, NewsreaderError):
            return Outcome("crash", f"{type(cause).__name__}: {cause}"[:300], seconds)
        return Outcome("error", str(error)[:120], seconds)
    except Exception as error:
        return Outcome(
            "crash", f"{type(error).__name__}: {error}"[:300], time.perf_counter() - started
        )
    seconds = time.perf_counter() - started
    return Outcome("unsafe", problem[:300], seconds) if problem else Outcome("ok", "", seconds)


def fuzz(
    kind: Kind,
    *,
    inputs: int,
    seconds: float | None = None,
    seed: int = 0,
    limit: float = 10.0,
    report: Callable[[Case, Outcome], None] | None = None,
) -> dict[Verdict, int]:
    """Run ``inputs`` random inputs of one kind (or until ``seconds`` pass); counts by
    verdict. ``report`` hears about every input that is not ok or a project error."""
    rng = random.Random(f"{kind}:{seed}")
    counts: dict[Verdict, int] = dict.fromkeys(("ok", "error", "crash", "hang", "unsafe"), 0)  # type: ignore[assignment]
    deadline = None if seconds is None else time.monotonic() + seconds
    for _ in range(inputs):
        if deadline is not None and time.monotonic() > deadline:
            break
        case = random_case(kind, rng)
        outcome = run_case(case, limit)
        counts[outcome.verdict] += 1
        if report is not None and outcome.verdict not in ("ok", "error"):
            report(case, outcome)
    return counts
