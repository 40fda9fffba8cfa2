"""The cache from the command line: open stores, ids reopen, list/sections/search/mark,
offline reading, and the cache subcommands."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests import server as srv
from tests.checks import assert_clean, assert_one_line_error
from tests.conftest import FIXTURES, SAMPLES, run_cli
from tests.server import LoopbackServer

SAMPLE = str(SAMPLES / "alibaba-datacenter-fr.html")
CANONICAL = "https://lepetitjournal.example/international/alibaba-centre-de-donnees-france"


def test_open_caches_and_the_id_reopens_it() -> None:
    first = run_cli("open", SAMPLE, "--save", "-f", "json").json()
    again = run_cli("open", first["id"], "-f", "json")
    assert again.code == 0, again.stderr
    assert again.json()["title"] == first["title"]
    assert again.json()["markdown"] == first["markdown"]
    prefix = run_cli("open", first["id"][:6], "-f", "text")
    assert prefix.stdout.startswith("Un centre de données d'Alibaba en France ?\n")
    listed = run_cli("list", "-f", "json").json()
    assert [row["id"] for row in listed] == [first["id"]]


def test_offline_reads_by_canonical_url_and_refuses_what_is_not_cached() -> None:
    run_cli("open", SAMPLE, "--save")
    cached = run_cli("--offline", "open", CANONICAL, "-f", "json")
    assert cached.code == 0 and cached.json()["author"] == "Juliette Robieux"
    line = assert_one_line_error(run_cli("open", "https://nowhere.example/x", "--offline"))
    assert "not in the cache" in line


def test_network_failure_falls_back_to_the_cached_copy(server: LoopbackServer) -> None:
    body = (
        (SAMPLES / "alibaba-datacenter-fr.html")
        .read_text()
        .replace(f'<link rel="canonical" href="{CANONICAL}">', "")
        .replace(f'<meta property="og:url" content="{CANONICAL}">', "")
    )
    url = server.route("/story", srv.static(body))
    assert run_cli("open", url).code == 0
    server.routes["/story"] = srv.static("<h1>oops</h1>", status=503)
    run = run_cli("open", url, "-f", "json")
    assert run.code == 0
    assert run.json()["title"] == "Un centre de données d'Alibaba en France ?"
    lines = run.stderr.splitlines()
    assert len(lines) == 1 and "HTTP 503" in lines[0] and "cached copy" in lines[0]


def test_open_unknown_id_is_one_line() -> None:
    line = assert_one_line_error(run_cli("open", "abcdef123456"))
    assert "no file and no cached article" in line


def _fill(tmp_path: Path) -> list[dict[str, str]]:
    """Cache three documents of two sections through the CLI."""
    ids = []
    for path in (SAMPLE, str(FIXTURES / "docs" / "note.md"), str(FIXTURES / "docs" / "toml.md")):
        ids.append(run_cli("open", path, "--save", "-f", "json").json())
    return ids


def test_list_sections_mark_and_counts(tmp_path: Path) -> None:
    docs = _fill(tmp_path)
    sections = run_cli("sections", "-f", "json").json()
    assert {s["name"]: (s["total"], s["unread"]) for s in sections["sections"]} == {
        "Édition internationale": (1, 1),
        "Urbanisme": (1, 1),
    }
    assert sections["totals"] == {"articles": 3, "unread": 3, "starred": 0}
    marked = run_cli("mark", "read", docs[0]["id"], docs[1]["id"][:8])
    assert marked.code == 0 and "2 articles marked read" in marked.stdout
    unread = run_cli("list", "--unread", "-f", "json").json()
    assert [row["id"] for row in unread] == [docs[2]["id"]]
    counts = run_cli("sections", "-f", "json").json()
    assert counts["totals"]["unread"] == 1
    assert run_cli("mark", "star", docs[1]["id"]).code == 0
    assert [r["id"] for r in run_cli("list", "--starred", "-f", "json").json()] == [docs[1]["id"]]
    section = run_cli("list", "--section", "Urbanisme", "-f", "json").json()
    assert [row["title"] for row in section] == [docs[1]["title"]]
    assert len(run_cli("list", "--limit", "2", "-f", "json").json()) == 2
    missing = assert_one_line_error(run_cli("mark", "read", "deadbeef00"))
    assert "deadbeef00" in missing


def test_search_ignores_accents_and_case() -> None:
    _fill(Path())
    hits = run_cli("search", "DONNEES", "-f", "json").json()
    assert hits and hits[0]["title"] == "Un centre de données d'Alibaba en France ?"
    assert "snippet" in hits[0]
    assert run_cli("search", "quart d'heure", "-f", "json").json()[0]["section"] == "Urbanisme"
    assert run_cli("search", "zzzznothing").stdout == "no matches\n"
    table = run_cli("search", "alibaba").stdout
    assert table.splitlines()[0].split() == ["ID", "DATE", "TITLE", "MATCH"]


def test_table_fits_the_terminal_with_wide_characters(tmp_path: Path) -> None:
    page = tmp_path / "cjk.md"
    page.write_text(
        "---\ntitle: 東京の新しい図書館が開館 😀 ÉÈÀ très long titre pour remplir\n---\n\n本文です。\n"
    )
    run_cli("open", str(page), "--save")
    run_cli("open", SAMPLE, "--save")
    env_columns = os.environ.get("COLUMNS")
    os.environ["COLUMNS"] = "50"
    try:
        out = run_cli("list").stdout
    finally:
        if env_columns is None:
            del os.environ["COLUMNS"]
        else:
            os.environ["COLUMNS"] = env_columns
    from newsreader.table import cell_width

    lines = out.splitlines()
    assert len(lines) == 3
    assert all(cell_width(line) <= 50 for line in lines), lines
    assert any("東京" in line for line in lines)


def test_hostile_text_stays_clean_through_the_cache(tmp_path: Path) -> None:
    page = tmp_path / "evil.html"
    page.write_text(
        "<html><head><title>Evil \x1b[31m[bold]x[/]</title>"
        '<meta name="author" content="Mal\x07lory \u202eyrollaM"></head><body><article>'
        "<h1>Evil \x1b]0;owned\x07 [@click=app.quit]title[/]</h1>"
        + "<p>Body \x1b[2J text with enough words to be the article body, truly.</p>" * 5
        + "</article></body></html>"
    )
    doc = run_cli("open", str(page), "--save", "-f", "json").json()
    for args in (
        ("open", doc["id"], "-f", "json"),
        ("list",),
        ("list", "-f", "json"),
        ("search", "body", "-f", "json"),
        ("open", doc["id"]),
    ):
        run = run_cli(*args)
        assert run.code == 0, run.stderr
        assert_clean(run.stdout)
    assert "[@click=app.quit]title[/]" in run_cli("open", doc["id"], "-f", "json").json()["title"]


def test_cache_path_creates_nothing(tmp_path: Path) -> None:
    home = tmp_path / "fresh"
    run = run_cli("--data-dir", str(home), "cache", "path", "-f", "json")
    assert run.json()["cache"] == str(home / "newsreader.db")
    assert not home.exists()
    assert run_cli("--data-dir", str(home), "--help").code == 0
    assert not home.exists()
    short = run_cli("--data", str(home), "cache", "path", "-f", "json")  # as argparse allows
    assert short.json()["cache"] == str(home / "newsreader.db")


def test_data_dir_flag_wins_over_the_environment(tmp_path: Path, isolated_home: Path) -> None:
    other = tmp_path / "other"
    run_cli("--data-dir", str(other), "open", SAMPLE, "--save")
    assert (other / "newsreader.db").exists()
    assert not (isolated_home / "newsreader.db").exists()
    assert run_cli("list", "-f", "json").json() == []


def test_cache_info_prune_vacuum() -> None:
    _fill(Path())
    info = run_cli("cache", "info", "-f", "json").json()
    assert info["articles"] == 3 and info["schema_version"] >= 2 and info["size_bytes"] > 0
    assert "articles        3" in run_cli("cache", "info").stdout
    pruned = run_cli("cache", "prune", "--keep", "1")
    assert pruned.code == 0 and "pruned 2 articles" in pruned.stdout
    assert run_cli("cache", "info", "-f", "json").json()["articles"] == 1
    vacuumed = run_cli("cache", "vacuum")
    assert vacuumed.code == 0 and vacuumed.stdout.startswith("vacuumed:")


def test_damaged_cache_is_set_aside_with_one_line(isolated_home: Path) -> None:
    isolated_home.mkdir(exist_ok=True)
    (isolated_home / "newsreader.db").write_bytes(b"this is not a database at all" * 100)
    run = run_cli("list")
    assert run.code == 0
    assert len(run.stderr.splitlines()) == 1 and "moved to newsreader.db.corrupt-" in run.stderr
    aside = [p.name for p in isolated_home.iterdir() if ".corrupt-" in p.name]
    assert len(aside) == 1


def test_parallel_opens_never_report_a_locked_database(tmp_path: Path) -> None:
    pages = []
    for number in range(6):
        page = tmp_path / f"page{number}.md"
        page.write_text(f"# Story {number}\n\n" + "Words of the story. " * 50)
        pages.append(page)
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    processes = [
        subprocess.Popen(
            [sys.executable, "-m", "newsreader", "open", str(page), "--save"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        for page in pages
    ]
    for process in processes:
        _, err = process.communicate(timeout=60)
        assert process.returncode == 0, err
        assert b"locked" not in err and err == b""
    assert len(run_cli("list", "-f", "json").json()) == 6


@pytest.mark.parametrize("fmt", ["table", "json"])
def test_empty_cache_lists_nothing(fmt: str) -> None:
    run = run_cli("list", "-f", fmt)
    assert run.code == 0
    assert json.loads(run.stdout) == [] if fmt == "json" else run.stdout == "no articles\n"
