"""`newsreader open` as a user runs it: formats, bad input, hostile content."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.checks import assert_clean, assert_one_line_error
from tests.conftest import FIXTURES, SAMPLES, run_cli


def test_feed_in_every_format() -> None:
    path = str(FIXTURES / "feeds" / "rss2.xml")
    data = run_cli("open", path, "--format", "json").json()
    assert data["kind"] == "feed"
    assert data["title"] == "Le Petit Journal — Édition internationale"
    assert [item["title"] for item in data["items"]] == [
        "Un centre de données d'Alibaba en France ?",
        "Grève annoncée dans les transports lyonnais",
    ]
    for key in (
        "url",
        "section",
        "author",
        "published",
        "updated",
        "language",
        "lede",
        "markdown",
        "text",
        "headings",
    ):
        assert key in data
    assert set(data["items"][0]) >= {"title", "url", "published", "summary"}
    markdown = run_cli("open", path).stdout
    assert markdown.startswith("# Le Petit Journal — Édition internationale\n")
    assert (
        "## [Grève annoncée dans les transports lyonnais](https://journal.example/france/greve-lyon)"
        in markdown
    )
    text = run_cli("open", path, "--format", "text").stdout
    assert "](" not in text and "Grève annoncée dans les transports lyonnais\nhttps://" in text


def test_json_feed_and_markdown_files() -> None:
    data = run_cli("open", str(FIXTURES / "feeds" / "feed-1.1.json"), "--format", "json").json()
    assert data["kind"] == "feed" and len(data["items"]) == 2
    data = run_cli("open", str(FIXTURES / "docs" / "note.md"), "--format", "json").json()
    assert data["kind"] == "article"
    assert data["author"] == "Léa Dupont, Marc Petit"


def test_missing_values_are_null() -> None:
    data = run_cli("open", str(FIXTURES / "docs" / "toml.md"), "--format", "json").json()
    assert data["section"] is None and data["lede"] is None and data["updated"] is None


def test_id_is_stable_and_depends_on_the_canonical_url(tmp_path: Path) -> None:
    copy = tmp_path / "copy.html"
    copy.write_bytes((SAMPLES / "alibaba-datacenter-fr.html").read_bytes())
    first = run_cli("open", str(SAMPLES / "alibaba-datacenter-fr.html"), "-f", "json").json()
    second = run_cli("open", str(copy), "-f", "json").json()
    assert first["id"] == second["id"], "same canonical URL, same article"
    txt = run_cli("open", str(SAMPLES / "alibaba-datacenter-fr.txt"), "-f", "json").json()
    assert txt["id"] != first["id"]


def test_open_never_imports_textual() -> None:
    code = (
        "import sys, io, contextlib\n"
        "from newsreader.cli import main\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        f"    main(['open', {str(SAMPLES / 'alibaba-datacenter-fr.html')!r}])\n"
        "assert 'textual' not in sys.modules, 'textual imported'\n"
        "assert 'newsreader.tui' not in sys.modules\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr


# -- bad input: one line on stderr, exit 1 (failure) or 2 (usage) -----------------------


@pytest.fixture
def bad_files(tmp_path: Path) -> Path:
    (tmp_path / "empty.html").write_bytes(b"")
    (tmp_path / "blank.txt").write_bytes(b"  \n\n \t \n")
    (tmp_path / "garbage.html").write_bytes(bytes(range(256)) * 40)
    (tmp_path / "garbage.xml").write_bytes(os.urandom(4096) + b"\0")
    (tmp_path / "image.xml").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg"><circle r="1"/></svg>'
    )
    (tmp_path / "invalid.json").write_text(
        '{"version": "https://jsonfeed.org/version/1.1", "items": ['
    )
    (tmp_path / "array.json").write_text("[1, 2, 3]")
    (tmp_path / "config.json").write_text('{"debug": true}')
    (tmp_path / "deep.json").write_text("[" * 100_000 + "]" * 100_000)
    (tmp_path / "a-directory.html").mkdir()
    (tmp_path / "plain-file").write_text("x")
    return tmp_path


@pytest.mark.parametrize(
    ("name", "message"),
    [
        ("missing.html", "no such file"),
        ("empty.html", "empty"),
        ("blank.txt", "empty"),
        ("garbage.html", "binary"),
        ("garbage.xml", "binary"),
        ("image.xml", "not an RSS, Atom or JSON feed"),
        ("invalid.json", "invalid JSON"),
        ("array.json", "not a JSON Feed"),
        ("config.json", "not a JSON Feed"),
        ("deep.json", "nested too deeply"),
        ("a-directory.html", "is a directory"),
        ("plain-file/child.html", "cannot read"),
    ],
)
def test_bad_files(bad_files: Path, name: str, message: str) -> None:
    line = assert_one_line_error(run_cli("open", str(bad_files / name), "--format", "json"))
    assert message in line


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0, reason="root reads every file")
def test_unreadable_file(tmp_path: Path) -> None:
    secret = tmp_path / "secret.html"
    secret.write_text("<p>x</p>")
    secret.chmod(0)
    assert "permission denied" in assert_one_line_error(run_cli("open", str(secret)))


@pytest.mark.parametrize(
    "target",
    ["file:///etc/passwd", "javascript:alert(1)", "ftp://ftp.example/x", "data:text/html,hi"],
)
def test_unsupported_schemes_are_usage_errors(target: str) -> None:
    line = assert_one_line_error(run_cli("open", target), code=2)
    assert "unsupported URL scheme" in line


@pytest.mark.parametrize(
    "args",
    [
        ["open"],
        ["open", "x.html", "--format", "yaml"],
        ["open", "x", "--timeout", "-3"],
        ["frobnicate"],
    ],
)
def test_usage_errors(args: list[str]) -> None:
    assert_one_line_error(run_cli(*args), code=2)


def test_odd_file_names(tmp_path: Path) -> None:
    page = (SAMPLES / "alibaba-datacenter-fr.html").read_bytes()
    for name in ["-dash.html", "sp ace.html", "ünï cödé.html", "new\nline.html", "quote'\".html"]:
        path = tmp_path / name
        path.write_bytes(page)
        run = run_cli("open", "--format", "json", "--", str(path))
        assert run.code == 0, (name, run.stderr)
        assert run.json()["title"] == "Un centre de données d'Alibaba en France ?"
        assert_clean(run.stdout)
    line = assert_one_line_error(run_cli("open", str(tmp_path / "gone\x1b[31m\nfile.html")))
    assert "\x1b" not in line


# -- hostile content comes out clean in every format ------------------------------------

HOSTILE_PAGE = """<!doctype html><html lang="en"><head><meta charset="utf-8">
<title>Bad \x1b[2J\x1b]0;owned\x07 page</title>
<meta property="og:title" content="Evil \u202etxt.exe [bold]title[/] [@click=app.quit]x[/]">
<meta name="author" content="Mallory \x9b31m\x07">
</head><body><article>
<h1>Evil \u202etxt.exe [bold]title[/]</h1>
<p>The first paragraph has <a href="javascript:alert(1)">a script link</a>,
<a href=" JAVAscript:alert(2)">another</a>, <a href="data:text/html;base64,PHNjcmlwdD4=">data</a>,
<a href="file:///etc/passwd">a file</a> and <a href="vbscript:msgbox">vb</a>, but also enough ordinary
words to be taken for the article text by any extractor that looks at text density.</p>
<script>document.write('<p>injected</p>')</script>
<p onclick="alert(3)">Second paragraph, still plenty of words in it so that it stays part of the
article body when the extractor decides what the main content is. \x1b[31mRed\x1b[0m \x00\x7f done.</p>
<img src="javascript:alert(4)" alt="img"><iframe src="https://evil.example/"></iframe>
<p>A literal &lt;script&gt;alert(5)&lt;/script&gt; mention, as text, in a third paragraph with words.</p>
</article></body></html>"""

HOSTILE_FEED = """<?xml version="1.0"?><rss version="2.0"><channel>
<title>Feed \x1b[31m &lt;script&gt;x&lt;/script&gt; [/]</title><link>https://f.example/</link>
<item><title>Item \u202e [@click=app.quit]q[/]</title><link>javascript:alert(1)</link>
<description>&lt;a href="javascript:alert(1)"&gt;click&lt;/a&gt; &lt;script&gt;bad()&lt;/script&gt; text</description></item>
<item><title>Two</title><link>https://f.example/two</link><description>\x9b2J ok</description></item>
</channel></rss>"""

HOSTILE_JSON_FEED = json.dumps(
    {
        "version": "https://jsonfeed.org/version/1.1",
        "title": "JF \u001b[31m \u202e \ud800",
        "items": [
            {
                "id": "1",
                "title": "<script>alert(1)</script>Hi \u0007",
                "url": "javascript:alert(1)",
                "content_html": "<p onclick=x>Body</p><script>y()</script>",
                "summary": "\u009b1m s",
            }
        ],
    }
)

HOSTILE_MARKDOWN = '---\ntitle: "MD \\e[31m title"\n---\n\n# MD\n\n<script>alert(1)</script>\n\n[x](javascript:alert(1)) \x1b[2J\n'


@pytest.mark.parametrize(
    ("name", "content"),
    [
        ("hostile.html", HOSTILE_PAGE),
        ("hostile.xml", HOSTILE_FEED),
        ("hostile.json", HOSTILE_JSON_FEED),
        ("hostile.md", HOSTILE_MARKDOWN),
        ("hostile.txt", "Section \x1b[1m\n\nTitle \u202e\n\n" + "Body text \x07 with words. " * 10),
    ],
)
@pytest.mark.parametrize("fmt", ["md", "text", "json"])
def test_hostile_content_comes_out_clean(tmp_path: Path, name: str, content: str, fmt: str) -> None:
    path = tmp_path / name
    path.write_bytes(content.encode("utf-8", "surrogatepass"))
    run = run_cli("open", str(path), "--format", fmt)
    assert run.code == 0, run.stderr
    assert run.stderr == ""
    assert_clean(run.stdout)
    if fmt == "json":
        data = run.json()
        assert_clean(json.dumps(data, ensure_ascii=False))
        assert "\\u001b" not in run.stdout and "\\u0007" not in run.stdout
