"""The CLI as scripts and new users meet it: JSON rows with every field (checked against
docs/output.schema.json), search as documented, dates as the publisher wrote them, bad
subscription lists and configs that fail loudly, and the conveniences (completion, man
page, config init/check, --help descriptions). Every test runs the real CLI."""

from __future__ import annotations

import json
import os
import pty
import select
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests import server as srv
from tests.checks import assert_one_line_error
from tests.conftest import FIXTURES, ROOT, Run, run_cli
from tests.server import LoopbackServer

SCHEMA = json.loads((ROOT / "docs" / "output.schema.json").read_text(encoding="utf-8"))
SUBSCRIPTIONS = FIXTURES / "subscriptions"

RSS = """<?xml version="1.0"?><rss version="2.0"><channel><title>Wire Monde</title>
<link>https://wire.example/</link>
<item><title>Le centre de données ouvre</title><link>https://wire.example/a</link>
<author>desk@wire.example (Ada Byron)</author>
<description>Un centre de calcul en France.</description>
<pubDate>Thu, 27 Nov 2025 10:00:00 +0100</pubDate></item>
<item><title>Des crêpes et des œufs</title><link>https://wire.example/b</link>
<description>Le cœur de la Chandeleur, à Straße.</description>
<pubDate>Wed, 26 Nov 2025 18:00:00 +0100</pubDate></item>
<item><title>Sans date</title><link>https://wire.example/c</link>
<description>Rien ici.</description></item>
</channel></rss>"""
ATOM = """<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">
<title>Tokyo Times</title><link href="https://tokyo.example/"/><id>urn:tokyo</id>
<updated>2025-11-25T09:00:00+09:00</updated>
<entry><title>Only updated</title><id>urn:tokyo:1</id><link href="https://tokyo.example/1"/>
<updated>2025-11-25T09:00:00+09:00</updated><summary>Les données du port.</summary></entry>
</feed>"""


def validate(data: Any, name: str) -> None:
    """``data`` is what the schema's ``$defs/name`` describes."""
    import jsonschema

    jsonschema.validate(data, {**SCHEMA, "$ref": f"#/$defs/{name}"} if name else SCHEMA)


def ok(run: Run) -> Run:
    assert run.code == 0, run.stderr
    return run


@pytest.fixture
def subscribed(server: LoopbackServer, isolated_home: Path) -> LoopbackServer:
    """Two feeds subscribed and synced: a French RSS with offsets and an undated entry,
    and an Atom feed whose entry has only <updated>."""
    server.route("/rss", srv.static(RSS, "application/rss+xml"))
    server.route("/atom", srv.static(ATOM, "application/atom+xml"))
    ok(run_cli("add", server.url("/rss"), "--name", "Wire", "--section", "Économie"))
    ok(run_cli("add", server.url("/atom"), "--name", "Tokyo", "--full-text", "never"))
    ok(run_cli("sync", "--no-full-text"))
    return server


# --- JSON for scripts ------------------------------------------------------------------


def test_every_json_output_matches_the_schema(
    subscribed: LoopbackServer, tmp_path: Path, isolated_home: Path
) -> None:
    checked: dict[str, Any] = {}

    def check(name: str, *args: str) -> Any:
        data = ok(run_cli(*args, "--format", "json")).json()
        validate(data, name)
        validate(data, "")  # and the whole schema: some output of some command
        checked[name] = data
        return data

    rows = check("list", "list")
    check("search", "search", "donnees")
    check("open", "open", rows[0]["id"])
    (tmp_path / "feed.xml").write_text(RSS, encoding="utf-8")
    check("open", "open", str(tmp_path / "feed.xml"))
    check("sections", "sections")
    check("sources", "sources")
    check("mark", "mark", "star", rows[0]["id"])
    check("sync", "sync", "--no-full-text", "--force")
    check("cache_path", "cache", "path")
    check("cache_info", "cache", "info")
    check("import", "import", str(SUBSCRIPTIONS / "newsboat-urls"))
    folder = tmp_path / "Notes"
    folder.mkdir()
    check("add", "add", str(folder))
    check("remove", "remove", "Notes")
    check("config", "config", "check")
    assert checked["sync"]["sources"] and all(
        s["status"] in ("synced", "unchanged") for s in checked["sync"]["sources"]
    )
    assert checked["mark"] == {"action": "star", "ids": [rows[0]["id"]], "changed": 1}


def test_the_schema_refuses_what_is_not_output() -> None:
    import jsonschema

    row = {key: None for key in SCHEMA["$defs"]["article_row"]["required"]}
    with pytest.raises(jsonschema.ValidationError):
        validate([row], "list")  # an id, booleans and a list of names are required
    with pytest.raises(jsonschema.ValidationError):
        validate({"action": "star", "ids": [], "changed": 0, "extra": 1}, "mark")


def test_list_rows_carry_what_a_script_needs(subscribed: LoopbackServer) -> None:
    rows = ok(run_cli("list", "-f", "json")).json()
    assert list(rows[0])[:11] == [
        "id",
        "title",
        "url",
        "section",
        "source",
        "author",
        "published",
        "updated",
        "read",
        "starred",
        "updated_since_read",
    ]
    by_title = {row["title"]: row for row in rows}
    paris = by_title["Le centre de données ouvre"]
    assert paris["url"] == "https://wire.example/a" and "Ada Byron" in paris["author"]
    assert paris["published"] == "2025-11-27T10:00:00+01:00"  # the publisher's offset
    tokyo = by_title["Only updated"]
    assert tokyo["published"] is None and tokyo["updated"] == "2025-11-25T09:00:00+09:00"
    # newest first by published or updated; undated last
    assert [row["title"] for row in rows] == [
        "Le centre de données ouvre",
        "Des crêpes et des œufs",
        "Only updated",
        "Sans date",
    ]


# --- search ----------------------------------------------------------------------------


def test_search_from_the_command_line(subscribed: LoopbackServer) -> None:
    def titles(*query: str) -> list[str]:
        return [hit["title"] for hit in ok(run_cli("search", "-f", "json", *query)).json()]

    assert titles("donnees") == ["Le centre de données ouvre", "Only updated"]  # title first
    assert titles("oeufs") == titles("coeur") == titles("strasse") == ["Des crêpes et des œufs"]
    assert titles("crepe") == ["Des crêpes et des œufs"]  # the last word as a prefix
    assert titles('"centre de données"') == ["Le centre de données ouvre"]
    assert titles("donnees -port") == ["Le centre de données ouvre"]
    assert titles("--", "donnees", "-port") == ["Le centre de données ouvre"]
    assert titles("donnees", "--section", "economie") == ["Le centre de données ouvre"]
    hits = ok(run_cli("search", "coeur", "-f", "json")).json()
    assert [hits[0]["snippet"][a:b] for a, b in hits[0]["highlights"]] == ["cœur"]
    table = ok(run_cli("search", "coeur")).stdout  # a pipe: plain text, match shown
    assert "cœur" in table and "\x1b" not in table


def test_search_help_says_how_words_match() -> None:
    text = " ".join(ok(run_cli("search", "--help")).stdout.split())
    assert "the last word also matches as the start of a word" in text
    assert "-word" in text and "phrase" in text and "ligatures" in text


def test_the_snippet_is_highlighted_on_a_terminal(subscribed: LoopbackServer) -> None:
    out = _on_a_terminal(["search", "coeur"], stdout=True)
    assert "\x1b[1;7mcœur\x1b[0m" in out


# --- subscription lists ----------------------------------------------------------------


def test_a_truncated_opml_is_an_error(tmp_path: Path, isolated_home: Path) -> None:
    cut = tmp_path / "cut.opml"
    cut.write_text("<opml><body><outline")
    line = assert_one_line_error(run_cli("import", str(cut)))
    assert "not a well-formed OPML file" in line
    assert not (isolated_home / "config.toml").exists()


def test_import_names_what_it_drops_and_keeps_folder_paths(isolated_home: Path) -> None:
    run = ok(run_cli("import", str(SUBSCRIPTIONS / "reader-export.opml")))
    (line,) = run.stdout.splitlines()
    assert line.startswith("imported 4 sources, dropped 2: ")
    assert "'Bookmarklet' (javascript: URL)" in line and "'Local feed' (file: URL)" in line
    sections = {s["name"]: s["section"] for s in ok(run_cli("sources", "-f", "json")).json()}
    assert sections == {
        "Wire Monde": "News/World",
        "Tokyo Times": "News/World",  # the lowercase xmlURL is read
        "Le Quotidien": "News",
        "Chips & clouds": "Tech",
    }


def test_newsboat_import_names_the_lines_that_are_not_feeds(isolated_home: Path) -> None:
    run = ok(run_cli("import", str(SUBSCRIPTIONS / "newsboat-urls"), "-f", "json"))
    report = run.json()
    assert report["imported"] == [
        "Wire Monde",
        "https://quotidien.example/feed",
        "https://tech.example/atom.xml",
    ]
    reasons = [d["reason"] for d in report["dropped"]]
    assert reasons == [
        "newsboat query feed",
        "newsboat exec: command",
        "newsboat filter: command",
        "gopher: URL",
    ]
    line = ok(run_cli("import", str(SUBSCRIPTIONS / "newsboat-urls"))).stdout
    assert line.count("\n") == 1
    assert "skipped 3 already subscribed, dropped 4: 'query:Unread articles:unread" in line


def test_flash_full_text_and_nested_folders_survive_export_and_import(
    tmp_path: Path, isolated_home: Path
) -> None:
    ok(run_cli("import", str(SUBSCRIPTIONS / "reader-export.opml")))
    config = isolated_home / "config.toml"
    text = config.read_text().replace(
        'name = "Wire Monde"', 'name = "Wire Monde"\nflash = true\nfull_text = "always"'
    )
    config.write_text(text)
    before = ok(run_cli("sources", "-f", "json")).json()
    exported = tmp_path / "out.opml"
    ok(run_cli("export", "-o", str(exported)))
    assert 'xmlns:newsreader="urn:newsreader:opml:1"' in exported.read_text()
    assert 'newsreader:flash="true"' in exported.read_text()
    config.unlink()
    ok(run_cli("import", str(exported)))
    after = ok(run_cli("sources", "-f", "json")).json()
    assert after == before


def test_export_never_creates_the_users_folders(tmp_path: Path) -> None:
    target = tmp_path / "missing" / "dir" / "x.opml"
    line = assert_one_line_error(run_cli("export", "-o", str(target)))
    assert "no such folder" in line
    assert not (tmp_path / "missing").exists()


# --- config ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "command",
    [
        ["list"],
        ["sections"],
        ["search", "x"],
        ["open", "abcdef123456"],
        ["mark", "read", "abcdef"],
        ["sync"],
        ["sources"],
        ["export"],
    ],
)
@pytest.mark.parametrize("text", ["[sync]\ntimeoutt = 3\n", "garbage = = =\n"])
def test_every_command_that_reads_the_config_refuses_a_broken_one(
    isolated_home: Path, command: list[str], text: str
) -> None:
    (isolated_home / "config.toml").write_text(text)
    line = assert_one_line_error(run_cli(*command))
    assert "config.toml" in line
    assert run_cli(*command).code == 1


def test_a_wrong_value_in_the_config_is_pointed_at_by_its_line(isolated_home: Path) -> None:
    (isolated_home / "config.toml").write_text(
        '[[source]]\nname = "A"\nurl = "https://a.example/feed"\n\n'
        '[[source]]\nname = "B"\nurl = "https://b.example/feed"\nfull_text = "sometimes"\n'
    )
    line = assert_one_line_error(run_cli("sources"))
    assert line.startswith("newsreader: error: config.toml line 8: full_text must be one of")


def test_a_command_that_can_do_without_the_config_warns(isolated_home: Path) -> None:
    (isolated_home / "config.toml").write_text("[sync]\ntimeoutt = 3\n")
    run = ok(run_cli("cache", "path"))
    assert "config.toml" in run.stdout
    assert run.stderr.count("\n") == 1 and "did you mean 'timeout'" in run.stderr


def test_config_init_writes_an_example_and_check_reads_it(isolated_home: Path) -> None:
    config = isolated_home / "config.toml"
    assert "no such file" in ok(run_cli("config", "check")).stdout
    ok(run_cli("config", "init"))
    assert "# [[source]]" in config.read_text() and "# timeout = 20" in config.read_text()
    assert f"{config}: ok, 0 sources" in ok(run_cli("config", "check")).stdout
    before = config.read_text()
    assert "already exists" in assert_one_line_error(run_cli("config", "init"))
    assert config.read_text() == before
    config.write_text("[reader]\nthemes = 'nord'\n")
    assert "did you mean 'theme'" in assert_one_line_error(run_cli("config", "check"))


# --- consistency -----------------------------------------------------------------------


def test_unknown_sources_are_usage_errors_everywhere(subscribed: LoopbackServer) -> None:
    for command in (["remove", "nope"], ["sync", "nope"], ["list", "--source", "nope"]):
        assert "no source named 'nope'" in assert_one_line_error(run_cli(*command), code=2)
    assert ok(run_cli("list", "--source", "wire", "-f", "json")).json()  # case ignored


def test_remove_takes_a_name_a_url_or_a_path(subscribed: LoopbackServer, tmp_path: Path) -> None:
    ok(run_cli("remove", subscribed.url("/atom")))
    folder = tmp_path / "Notes"
    folder.mkdir()
    ok(run_cli("add", str(folder)))
    ok(run_cli("remove", str(folder) + "/"))
    names = [s["name"] for s in ok(run_cli("sources", "-f", "json")).json()]
    assert names == ["Wire"]


def test_sections_match_like_search_words(subscribed: LoopbackServer) -> None:
    for spelling in ("Économie", "economie", "ÉCONOMIE", "Economie"):
        rows = ok(run_cli("list", "--section", spelling, "-f", "json")).json()
        assert {row["section"] for row in rows} == {"Économie"}, spelling
    assert run_cli("list", "--section", "Sport").code == 2


def test_a_folders_subfolders_are_sections_under_the_given_one(tmp_path: Path) -> None:
    notes = tmp_path / "Notes"
    (notes / "Voyages").mkdir(parents=True)
    (notes / "Voyages" / "lisbonne.md").write_text("# Lisbonne\n\nLe tram 28.\n")
    (notes / "courses.md").write_text("# Courses\n\nDu pain.\n")
    ok(run_cli("add", str(notes), "--section", "Notes"))
    ok(run_cli("sync"))
    sections = {row["title"]: row["section"] for row in ok(run_cli("list", "-f", "json")).json()}
    assert sections == {"Lisbonne": "Notes/Voyages", "Courses": "Notes"}


@pytest.mark.parametrize(
    "command",
    ["list", "sections", "search", "mark", "sync", "remove", "import", "sources", "cache"],
)
def test_every_command_help_has_a_description(command: str) -> None:
    lines = ok(run_cli(command, "--help")).stdout.split("\n\n")
    assert len(lines) >= 3 and not lines[1].startswith(("positional", "options"))
    assert lines[1].strip()[0].isupper()


# --- open ------------------------------------------------------------------------------


def test_open_prints_local_files_without_caching_them(tmp_path: Path) -> None:
    note = tmp_path / "secret.md"
    note.write_text("# Secret\n\nNot for the reading list.\n")
    assert "Not for the reading list." in ok(run_cli("open", str(note))).stdout
    assert ok(run_cli("list", "-f", "json")).json() == []
    ok(run_cli("open", str(note), "--save"))
    assert [row["title"] for row in ok(run_cli("list", "-f", "json")).json()] == ["Secret"]


def test_open_reads_standard_input() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "newsreader", "open", "-", "-f", "json"],
        input=b"<html><head><title>Piped</title></head><body><article><h1>Piped</h1>"
        + b"<p>A paragraph long enough to be the body of the article, read from a pipe.</p>"
        + b"</article></body></html>",
        capture_output=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    data = json.loads(done.stdout)
    validate(data, "open")
    assert data["title"] == "Piped" and "read from a pipe" in data["text"]
    assert ok(run_cli("list", "-f", "json")).json() == []


def _on_a_terminal(args: list[str], *, stdout: bool, env: dict[str, str] | None = None) -> str:
    """Run the CLI with stdout (or stderr) on a pseudo-terminal; what it wrote there."""
    master, slave = pty.openpty()
    other = subprocess.PIPE
    process = subprocess.Popen(
        [sys.executable, "-m", "newsreader", *args],
        stdout=slave if stdout else other,
        stderr=other if stdout else slave,
        stdin=subprocess.DEVNULL,
        env={**os.environ, "COLUMNS": "100", "LINES": "40", **(env or {})},
    )
    os.close(slave)
    chunks: list[bytes] = []
    while True:
        ready, _, _ = select.select([master], [], [], 60)
        if not ready:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:
            break
        if not chunk:
            break
        chunks.append(chunk)
    process.communicate(timeout=60)
    os.close(master)
    return b"".join(chunks).decode("utf-8", "replace")


def test_open_renders_markdown_on_a_terminal_and_pages_long_articles(tmp_path: Path) -> None:
    note = tmp_path / "note.md"
    note.write_text("# Le titre\n\nUn **paragraphe** court.\n")
    shown = _on_a_terminal(["open", str(note)], stdout=True)
    assert "Le titre" in shown and "# Le titre" not in shown and "**" not in shown
    assert "\x1b[" in shown
    plain = _on_a_terminal(["open", str(note), "--plain"], stdout=True)
    assert "# Le titre" in plain and "**paragraphe**" in plain
    long = tmp_path / "long.md"
    long.write_text("# Long\n\n" + "".join(f"Paragraphe {n}.\n\n" for n in range(200)))
    paged = tmp_path / "paged.txt"
    env = {"PAGER": f"sh -c 'cat > {paged}'"}
    shown = _on_a_terminal(["open", str(long)], stdout=True, env=env)
    assert "Paragraphe 199" not in shown
    assert "Paragraphe 199" in paged.read_text()


# --- sync ------------------------------------------------------------------------------


def test_sync_on_a_terminal_shows_progress_at_once_and_each_failure(
    server: LoopbackServer, isolated_home: Path
) -> None:
    server.route("/rss", srv.static(RSS, "application/rss+xml"))
    ok(run_cli("add", server.url("/rss"), "--name", "Good"))
    (isolated_home / "config.toml").write_text(
        (isolated_home / "config.toml").read_text()
        + f'\n[[source]]\nname = "Gone"\nurl = "{server.url("/gone")}"\n'
    )
    shown = _on_a_terminal(["sync"], stdout=False)
    assert shown.lstrip("\r").startswith("[") and "0/2 sources" in shown
    (failure,) = [line for line in shown.splitlines() if line.startswith("failed")]
    assert "Gone" in failure and "404" in failure
    piped = run_cli("sync", "--force", "-f", "json")
    assert piped.code == 1
    results = {r["name"]: r for r in piped.json()["sources"]}
    assert results["Gone"]["status"] == "failed" and "404" in results["Gone"]["error"]


# --- conveniences ----------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str) -> None:
    script = ok(run_cli("completion", shell)).stdout
    assert "_ARGCOMPLETE" in script and "newsreader" in script


def test_completion_offers_commands_options_sources_and_sections(
    subscribed: LoopbackServer, tmp_path: Path
) -> None:
    def complete(line: str) -> list[str]:
        out = tmp_path / "completions"
        env = {
            **os.environ,
            "_ARGCOMPLETE": "1",
            "_ARGCOMPLETE_IFS": "\n",
            "COMP_LINE": line,
            "COMP_POINT": str(len(line)),
            "_ARGCOMPLETE_STDOUT_FILENAME": str(out),
        }
        subprocess.run(
            [sys.executable, "-m", "newsreader"],
            env=env,
            timeout=60,
            check=False,
            stdin=subprocess.DEVNULL,
            capture_output=True,
        )
        return out.read_text().split("\n")

    assert {"sync", "search", "completion"} <= set(
        complete("newsreader s") + complete("newsreader c")
    )
    assert "--section" in complete("newsreader list --s")
    assert set(complete("newsreader sync ")) >= {"Wire", "Tokyo"}
    assert "Économie" in complete("newsreader list --section ")


def test_the_man_page_is_made_from_the_parser() -> None:
    page = ok(run_cli("man")).stdout
    assert page.startswith(".TH NEWSREADER 1")
    for command in ("open", "list", "search", "sync", "import", "config", "completion"):
        assert f'.SS "{command}"' in page
    assert "the last word also matches" in page
