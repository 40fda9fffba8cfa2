"""Subscribing: add (feed, site autodiscovery, folder), remove, sources, OPML and
newsboat import, export, and a config file that keeps the user's comments."""

from __future__ import annotations

from pathlib import Path

import pytest

from newsreader.config import SourceConfig, parse_config
from newsreader.errors import ConfigError
from newsreader.opml import export_opml, parse_newsboat_urls, parse_opml
from tests import server as srv
from tests.checks import assert_one_line_error
from tests.conftest import FIXTURES, run_cli
from tests.server import LoopbackServer

FEED = (FIXTURES / "feeds" / "rss2.xml").read_bytes()


def test_add_a_feed_url(server: LoopbackServer, isolated_home: Path) -> None:
    url = server.route("/rss", srv.static(FEED, "application/rss+xml"))
    run = run_cli("add", url, "--section", "International", "--flash")
    assert run.code == 0, run.stderr
    assert "added 'Le Petit Journal — Édition internationale'" in run.stdout
    config = (isolated_home / "config.toml").read_text()
    assert f'url = "{url}"' in config and "flash = true" in config
    (source,) = run_cli("sources", "-f", "json").json()
    assert source["section"] == "International" and source["flash"] is True
    assert source["last_success"] is None
    assert run_cli("sync").code == 0
    assert run_cli("sources", "-f", "json").json()[0]["last_success"] is not None


def test_add_a_site_finds_its_feed(server: LoopbackServer, isolated_home: Path) -> None:
    server.route("/feed.xml", srv.static(FEED, "application/rss+xml"))
    page = (
        '<html><head><link rel="alternate" type="application/rss+xml" title="RSS" '
        'href="/feed.xml"></head><body><p>Home</p></body></html>'
    )
    site = server.route("/", srv.static(page))
    run = run_cli("add", site, "--name", "Journal")
    assert run.code == 0, run.stderr
    (source,) = run_cli("sources", "-f", "json").json()
    assert source["name"] == "Journal" and source["url"] == server.url("/feed.xml")


def test_add_a_site_without_a_feed(server: LoopbackServer) -> None:
    site = server.route("/nofeed", srv.static("<html><body><p>No feed here.</p></body></html>"))
    assert "no feed found" in assert_one_line_error(run_cli("add", site))


def test_add_a_folder_and_remove_it(tmp_path: Path, isolated_home: Path) -> None:
    folder = tmp_path / "Mes notes"
    (folder / "Voyages").mkdir(parents=True)
    (folder / "Voyages" / "lisbonne.md").write_text("# Lisbonne\n\nLe tram 28.\n")
    assert run_cli("add", str(folder)).code == 0
    assert run_cli("sync").code == 0
    assert run_cli("list", "-f", "json").json()[0]["section"] == "Voyages"
    run_cli("mark", "star", run_cli("list", "-f", "json").json()[0]["id"])
    removed = run_cli("remove", "mes notes")
    assert removed.code == 0 and "removed 'Mes notes'" in removed.stdout
    assert "\n[[source]]" not in (isolated_home / "config.toml").read_text()
    assert len(run_cli("list", "--starred", "-f", "json").json()) == 1, "starred articles stay"


def test_add_twice_and_remove_unknown(tmp_path: Path) -> None:
    assert run_cli("add", str(tmp_path)).code == 0
    assert "already subscribed" in assert_one_line_error(
        run_cli("add", str(tmp_path), "--name", "X")
    )
    assert "no source named" in assert_one_line_error(run_cli("remove", "nothing"), code=2)


def test_writing_keeps_the_users_comments(tmp_path: Path, isolated_home: Path) -> None:
    isolated_home.mkdir(exist_ok=True)
    config = isolated_home / "config.toml"
    config.write_text(
        "# Mes réglages\n[sync]\nconcurrency = 8  # pas trop vite\n\n"
        '# lecture du soir\n[[source]]\nname = "Notes"\npath = "/tmp"\n'
    )
    assert run_cli("add", str(tmp_path), "--name", "Autre").code == 0
    text = config.read_text()
    assert "# Mes réglages" in text and "# pas trop vite" in text and "# lecture du soir" in text
    assert 'name = "Autre"' in text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "[sync]\nconcurency = 3\n",
            "line 2: unknown key 'concurency' in [sync] (did you mean 'concurrency'?)",
        ),
        (
            '[[source]]\nname = "a"\nurl = "http://x/"\nful_text = "auto"\n',
            "line 4: unknown key 'ful_text'",
        ),
        ("colour = 1\n", "line 1: unknown key 'colour'"),
        ('[sync]\ntimeout = "fast"\n', "line 2: 'timeout' must be a number"),
        ('[[source]]\nname = "a"\n', "needs either url or path"),
        ("[sync\n", "invalid TOML"),
    ],
)
def test_config_errors_name_the_line_and_key(isolated_home: Path, text: str, expected: str) -> None:
    isolated_home.mkdir(exist_ok=True)
    (isolated_home / "config.toml").write_text(text)
    line = assert_one_line_error(run_cli("sources"))
    assert expected in line


def test_opml_round_trip(tmp_path: Path, isolated_home: Path) -> None:
    opml = tmp_path / "subs.opml"
    opml.write_text(
        '<?xml version="1.0"?><opml version="2.0"><head><title>x</title></head><body>'
        '<outline text="Économie"><outline text="Les Échos" type="rss" xmlUrl="https://echos.example/rss"/>'
        '<outline text="Capital" xmlUrl="https://capital.example/feed"/></outline>'
        '<outline text="Tech" xmlUrl="https://tech.example/atom.xml"/>'
        '<outline text="bad" xmlUrl="javascript:alert(1)"/>'
        "</body></opml>"
    )
    run = run_cli("import", str(opml))
    assert run.code == 0 and "imported 3 sources" in run.stdout
    again = run_cli("import", str(opml))
    assert "imported 0 sources, skipped 3 already subscribed" in again.stdout
    exported = run_cli("export").stdout
    assert parse_opml(exported.encode()) == parse_opml(opml.read_bytes())
    sections = {s["name"]: s["section"] for s in run_cli("sources", "-f", "json").json()}
    assert sections == {"Les Échos": "Économie", "Capital": "Économie", "Tech": None}


def test_newsboat_urls_import(tmp_path: Path) -> None:
    urls = tmp_path / "urls"
    urls.write_text(
        '# my feeds\nhttps://a.example/rss tech "~Example A"\n'
        "https://b.example/feed.xml news !hidden\n"
        '"query:Unread:unread = \\"yes\\""\nexec:~/bin/feed.sh\n'
    )
    run = run_cli("import", str(urls))
    assert run.code == 0 and "imported 2 sources" in run.stdout
    assert {s["name"]: s["section"] for s in run_cli("sources", "-f", "json").json()} == {
        "Example A": "tech",
        "https://b.example/feed.xml": "news",
    }


def test_import_refuses_garbage(tmp_path: Path) -> None:
    junk = tmp_path / "junk.txt"
    junk.write_text("nothing useful here\n")
    assert "no feed URL found" in assert_one_line_error(run_cli("import", str(junk)))


def test_export_opml_is_valid_for_hostile_names() -> None:
    text = export_opml(
        [
            SourceConfig(
                name='A "quoted" <name> & co', url="https://x.example/?a=1&b=2", section="Sé<c>tion"
            )
        ]
    )
    (source,) = parse_opml(text.encode())
    assert source.name == 'A "quoted" <name> & co'
    assert source.url == "https://x.example/?a=1&b=2"
    assert source.section == "Sé<c>tion"


def test_newsboat_parser_ignores_non_feeds() -> None:
    assert parse_newsboat_urls("ftp://x/y\nnot a url\n") == []


def test_duplicate_source_names_are_refused() -> None:
    with pytest.raises(ConfigError, match="two sources are named"):
        parse_config(
            '[[source]]\nname="A"\nurl="http://a/"\n[[source]]\nname="a"\nurl="http://b/"\n',
            Path("config.toml"),
        )


SOURCE = '[[source]]\nname = "a"\n'


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("[sync]\ntimeout = inf\n", "line 2: 'timeout' must be a number greater than 0"),
        ("[sync]\ntimeout = -inf\n", "line 2: 'timeout' must be a number greater than 0"),
        ("[sync]\ntimeout = nan\n", "line 2: 'timeout' must be a number greater than 0"),
        ("[sync]\ntimeout = 1e308\n", "line 2: 'timeout' must be at most 3600"),
        ("[sync]\nconcurrency = 99999999999999999999\n", "line 2: 'concurrency' must be at most"),
        ("[sync]\nper_host = 100000\n", "line 2: 'per_host' must be at most"),
        ("[sync]\nfull_text_concurrency = 0\n", "line 2: 'full_text_concurrency' must be"),
        ("[cache]\nmax_articles = 1" + "0" * 40 + "\n", "line 2: 'max_articles' must be at most"),
        (
            SOURCE + 'url = "http://x/"\nmax_articles = 99999999999\n',
            "line 4: 'max_articles' must be at most",
        ),
        (SOURCE + 'url = "javascript:alert(1)"\n', "line 3: url must be an http or https URL"),
        (SOURCE + 'url = "file:///etc/passwd"\n', "line 3: url must be an http or https URL"),
        (SOURCE + 'url = "ftp://ftp.example/feed"\n', "line 3: url must be an http or https URL"),
        (SOURCE + 'url = "https://a.example:abc/feed"\n', "line 3: url must be an http or https"),
        (SOURCE + 'url = "https:///feed"\n', "line 3: url must be an http or https URL"),
        (
            '[sync]\nuser_agent = "a\\r\\nX-Evil: 1"\n',
            "line 2: 'user_agent' must be printable ASCII",
        ),
        (SOURCE + 'url = "http://x/"\nuser_agent = "a\\nb"\n', "line 4: 'user_agent' must be"),
        ('[[source]]\nname = "a\\u001b[2J"\nurl = "http://x/"\n', "line 2: 'name' must not hold"),
        (SOURCE + 'path = "/tmp/a\\u0000b"\n', "line 3: 'path' must not hold control"),
        ('[[source]]\nname = "Le  Monde"\nurl = "http://x/"\n', "line 2: 'name' must be plain"),
        ('[[source]]\nname = "javascript:alert(1)"\nurl = "http://x/"\n', "line 2: 'name' must"),
        (SOURCE + 'url = "http://x/"\nsection = " Une"\n', "line 4: 'section' must be plain"),
    ],
)
def test_config_values_that_make_no_sense(text: str, expected: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("config.toml"))
    assert expected in str(caught.value)


@pytest.mark.parametrize(
    "text",
    [
        '[[source]]\nname = "' + "N" * 1_000_000 + '"\n',
        '[[source]]\nname = "n"\nurl = "ftp://' + "x" * 1_000_000 + '"\n',
        "[sync]\n" + "k" * 1_000_000 + " = 1\n",
        '[sync]\nfull_text = "' + "x" * 1_000_000 + '"\n',
        "[cache]\nmax_articles = 1" + "0" * 4000 + "\n",
    ],
)
def test_config_messages_cut_quoted_values(text: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(text, Path("config.toml"))
    assert len(str(caught.value)) < 300


def test_config_with_a_byte_order_mark_is_read(isolated_home: Path) -> None:
    isolated_home.mkdir(exist_ok=True)
    config = isolated_home / "config.toml"
    config.write_bytes(
        b'\xef\xbb\xbf[sync]\ntimeout = 5\n\n[[source]]\nname = "Feed"\nurl = "http://x.example/"\n'
    )
    run = run_cli("sources", "--format", "json")
    assert run.code == 0, run.stderr
    assert [source["name"] for source in run.json()] == ["Feed"]
    # Subscribing rewrites the file: it stays readable.
    run = run_cli("add", str(isolated_home), "--name", "Folder")
    assert run.code == 0, run.stderr
    assert parse_config(config.read_text("utf-8"), config).source("Folder") is not None


def test_config_error_in_the_cli_is_one_line(isolated_home: Path) -> None:
    isolated_home.mkdir(exist_ok=True)
    (isolated_home / "config.toml").write_text("[sync]\ntimeout = inf\n")
    assert "line 2: 'timeout'" in assert_one_line_error(run_cli("sync"))
