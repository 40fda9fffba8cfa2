"""`newsreader sync` against a real loopback server: conditional requests, manners,
faults that end as a recorded error, and a cache that never loses what it had."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from tests import server as srv
from tests.checks import FORBIDDEN, assert_clean
from tests.conftest import run_cli
from tests.server import LoopbackServer


def configure(home: Path, *sources: dict[str, Any], extra: str = "") -> None:
    lines = [extra]
    for source in sources:
        lines.append("[[source]]")
        for key, value in source.items():
            if isinstance(value, bool):
                lines.append(f"{key} = {'true' if value else 'false'}")
            elif isinstance(value, int):
                lines.append(f"{key} = {value}")
            else:
                lines.append(f'{key} = "{value}"')
    home.mkdir(parents=True, exist_ok=True)
    (home / "config.toml").write_text("\n".join(lines) + "\n")


def items(
    count: int, prefix: str = "https://news.example/a/", **extra: str
) -> list[dict[str, str]]:
    return [
        {
            "title": f"Article {number}",
            "link": f"{prefix}{number}",
            "guid": f"{prefix}{number}",
            "pubDate": f"Thu, 06 Nov 2025 {number % 24:02d}:00:00 +0100",
            "description": extra.get(
                "description", f"Résumé de l'article {number}, données à jour."
            ),
        }
        for number in range(count)
    ]


def listed(*args: str) -> list[dict[str, Any]]:
    run = run_cli("list", "-n", "500", "-f", "json", *args)
    assert run.code == 0, run.stderr
    return list(run.json())


def sources_json() -> dict[str, dict[str, Any]]:
    return {s["name"]: s for s in run_cli("sources", "-f", "json").json()}


def test_first_sync_then_304(server: LoopbackServer, isolated_home: Path) -> None:
    feed = srv.rss("Le Journal", items(3))
    url = server.route("/feed", srv.conditional(feed, etag='"abc"'))
    configure(
        isolated_home, {"name": "Journal", "url": url, "section": "Monde", "full_text": "never"}
    )
    first = run_cli("sync")
    assert first.code == 0, first.stderr
    assert first.stdout.startswith("1 source, 3 new, 0 updated")
    assert "synced     Journal: 3 new, 0 updated" in first.stderr
    rows = listed()
    assert {row["section"] for row in rows} == {"Monde"}
    second = run_cli("sync")
    assert second.code == 0 and "1 unchanged" in second.stdout
    assert server.requests[-1][1].get("If-None-Match") == '"abc"'
    assert len(listed()) == 3


def test_a_source_given_a_new_address_is_fetched_afresh(
    server: LoopbackServer, isolated_home: Path
) -> None:
    # Both addresses answer 304 to the old address's validator: sent to the new
    # address, it would leave the source empty.
    old = server.route("/old", srv.conditional(srv.rss("Old", items(2)), etag='"same"'))
    new = server.route(
        "/new",
        srv.conditional(srv.rss("New", items(3, "https://new.example/")), etag='"same"'),
    )
    configure(isolated_home, {"name": "Journal", "url": old, "full_text": "never"})
    assert run_cli("sync").code == 0
    configure(isolated_home, {"name": "Journal", "url": new, "full_text": "never"})
    done = run_cli("sync")
    assert done.code == 0, done.stderr
    path, headers = server.requests[-1]
    assert path == "/new" and "If-None-Match" not in headers
    assert {row["url"] for row in listed() if row["url"].startswith("https://new.example/")} == {
        f"https://new.example/{number}" for number in range(3)
    }


def test_last_modified_is_sent_back(server: LoopbackServer, isolated_home: Path) -> None:
    stamp = "Wed, 05 Nov 2025 10:00:00 GMT"
    url = server.route(
        "/lm", srv.conditional(srv.rss("LM", items(1)), etag='"x"', last_modified=stamp)
    )
    configure(isolated_home, {"name": "LM", "url": url, "full_text": "never"})
    run_cli("sync")
    run_cli("sync")
    assert server.requests[-1][1].get("If-Modified-Since") == stamp


def test_ttl_and_max_age_delay_the_next_fetch_unless_forced(
    server: LoopbackServer, isolated_home: Path
) -> None:
    url = server.route("/ttl", srv.static(srv.rss("TTL", items(2), ttl=60), "application/rss+xml"))
    cached = server.route(
        "/maxage",
        srv.static(
            srv.rss("MA", items(1, "https://m.example/")),
            "application/rss+xml",
            headers={"Cache-Control": "max-age=3600"},
        ),
    )
    configure(
        isolated_home,
        {"name": "TTL", "url": url, "full_text": "never"},
        {"name": "MA", "url": cached, "full_text": "never"},
    )
    assert run_cli("sync").code == 0
    count = len(server.requests)
    again = run_cli("sync")
    assert again.code == 0 and "2 not due yet" in again.stdout
    assert len(server.requests) == count, "nothing fetched before the ttl / max-age"
    forced = run_cli("sync", "--force")
    assert forced.code == 0 and len(server.requests) == count + 2


def test_a_failing_source_keeps_its_articles_and_records_the_error(
    server: LoopbackServer, isolated_home: Path
) -> None:
    url = server.route("/feed", srv.static(srv.rss("Flaky", items(4)), "application/rss+xml"))
    ok = server.route(
        "/ok", srv.static(srv.rss("Fine", items(1, "https://fine.example/")), "application/rss+xml")
    )
    configure(
        isolated_home,
        {"name": "Flaky", "url": url, "full_text": "never"},
        {"name": "Fine", "url": ok, "full_text": "never"},
    )
    assert run_cli("sync").code == 0
    server.routes["/feed"] = srv.static("<h1>down</h1>", status=500)
    failed = run_cli("sync")
    assert failed.code == 1
    assert "1 failed: Flaky" in failed.stdout
    assert "failed     Flaky: HTTP 500" in failed.stderr
    assert len(listed("--source", "Flaky")) == 4
    state = sources_json()["Flaky"]
    assert "HTTP 500" in state["last_error"] and state["last_success"] is not None
    assert sources_json()["Fine"]["last_error"] is None


def test_retry_after_is_honoured(server: LoopbackServer, isolated_home: Path) -> None:
    url = server.route("/busy", srv.static("slow down", status=429, headers={"Retry-After": "120"}))
    configure(isolated_home, {"name": "Busy", "url": url})
    assert run_cli("sync").code == 1
    count = len(server.requests)
    again = run_cli("sync")
    assert "not due yet" in again.stdout and len(server.requests) == count
    assert run_cli("sync", "--force").code == 1 and len(server.requests) == count + 1


@pytest.mark.parametrize(
    "handler",
    [
        srv.static(
            "<!doctype html><html><head><title>Oops</title></head><body>bad gateway</body></html>",
            "application/rss+xml",
        ),
        srv.static(b"<rss><channel><title>broken", "application/rss+xml"),
        srv.static(b"\x00\x01\x02" * 1000, "application/rss+xml"),
        srv.gzip_bomb(32 * 1024 * 1024),
        srv.redirect("file:///etc/passwd"),
        srv.reset,
    ],
    ids=["html-error-page", "malformed", "binary", "gzip-bomb", "redirect-file", "reset"],
)
def test_faults_end_as_recorded_errors(
    server: LoopbackServer, isolated_home: Path, handler: srv.Handler
) -> None:
    good = server.route("/good", srv.static(srv.rss("Good", items(2)), "application/rss+xml"))
    bad = server.route("/bad", handler)
    configure(
        isolated_home,
        {"name": "Good", "url": good, "full_text": "never"},
        {"name": "Bad", "url": bad, "full_text": "never"},
    )
    run = run_cli("sync", timeout=120)
    assert "Traceback" not in run.stderr
    assert len(listed("--source", "Good")) == 2, "the sync finishes for the others"
    if run.code == 0:  # a malformed feed may recover into a clean (empty) parse
        assert listed("--source", "Bad") == []
    else:
        assert "1 failed: Bad" in run.stdout
        assert sources_json()["Bad"]["last_error"]
        assert FORBIDDEN.search(run.stderr) is None


def test_trickling_feed_is_cut_by_the_deadline(server: LoopbackServer, isolated_home: Path) -> None:
    url = server.route("/slow", srv.trickle(server.stop, interval=0.1))
    configure(isolated_home, {"name": "Slow", "url": url}, extra="[sync]\ntimeout = 1.5\n")
    run = run_cli("sync", timeout=30)
    assert run.code == 1 and "within 1.5 s" in run.stderr


def test_entity_bomb_duplicate_guids_and_absurd_dates(
    server: LoopbackServer, isolated_home: Path
) -> None:
    entities = "".join(
        f'<!ENTITY e{i} "{("&e" + str(i - 1) + ";") * 10 if i else "lol"}">' for i in range(10)
    )
    feed = (
        f'<?xml version="1.0"?><!DOCTYPE rss [{entities}]><rss version="2.0"><channel>'
        "<title>Bomb &e9;</title>"
        "<item><title>one</title><guid>same</guid><pubDate>0000-00-00</pubDate></item>"
        "<item><title>two</title><guid>same</guid><pubDate>Fri, 01 Jan 9999 00:00:00 GMT</pubDate></item>"
        "<item><title>three</title><link>https://d.example/3</link></item>"
        "</channel></rss>"
    ).encode()
    url = server.route("/bomb", srv.static(feed, "application/rss+xml"))
    configure(isolated_home, {"name": "Bomb", "url": url, "full_text": "never"})
    run = run_cli("sync")
    assert run.code == 0, run.stderr
    rows = listed()
    assert sorted(row["title"] for row in rows) == ["three", "two"]
    assert all(row["published"] is None for row in rows if row["title"] == "two")


def test_five_thousand_items(server: LoopbackServer, isolated_home: Path) -> None:
    url = server.route("/big", srv.static(srv.rss("Big", items(5000)), "application/rss+xml"))
    configure(
        isolated_home,
        {"name": "Big", "url": url, "full_text": "never"},
        extra="[cache]\nmax_articles = 10000\n",
    )
    run = run_cli("sync", timeout=120)
    assert run.code == 0 and "5000 new" in run.stdout
    assert run_cli("cache", "info", "-f", "json").json()["articles"] == 5000


def test_state_survives_and_changed_content_is_flagged(
    server: LoopbackServer, isolated_home: Path
) -> None:
    entries = items(2)
    url = server.route("/feed", srv.static(srv.rss("F", entries), "application/rss+xml"))
    configure(isolated_home, {"name": "F", "url": url, "full_text": "never"})
    run_cli("sync")
    ids = {row["title"]: row["id"] for row in listed()}
    run_cli("mark", "read", ids["Article 0"], ids["Article 1"])
    run_cli("mark", "star", ids["Article 1"])
    entries[0] = {**entries[0], "description": "Une version corrigée du résumé."}
    server.routes["/feed"] = srv.static(srv.rss("F", entries), "application/rss+xml")
    run = run_cli("sync")
    assert "0 new, 1 updated" in run.stdout
    rows = {row["title"]: row for row in listed()}
    assert rows["Article 0"]["read"] and rows["Article 0"]["updated_since_read"]
    assert rows["Article 1"]["read"] and rows["Article 1"]["starred"]
    assert not rows["Article 1"]["updated_since_read"]


def test_full_text_for_summary_only_entries(server: LoopbackServer, isolated_home: Path) -> None:
    page = (
        "<html><head><title>Full</title></head><body><article><h1>Article 0</h1>"
        + "".join(
            f"<p>Le texte complet de l'article, paragraphe {n}, avec bien plus de mots "
            "que le résumé du flux.</p>"
            for n in range(30)
        )
        + "</article></body></html>"
    )
    server.route("/page/0", srv.static(page))
    server.route("/page/1", srv.static("gone", status=404))
    feed = srv.rss("Teasers", items(2, server.url("/page/")))
    url = server.route("/feed", srv.static(feed, "application/rss+xml"))
    configure(isolated_home, {"name": "Teasers", "url": url, "full_text": "auto"})
    run = run_cli("sync")
    assert run.code == 0, run.stderr
    assert "1 full texts" in run.stdout
    rows = {row["title"]: row["id"] for row in listed()}
    full = run_cli("open", rows["Article 0"], "-f", "json").json()
    assert full["text"].count("Le texte complet") == 30
    from newsreader.content.readtime import reading_minutes
    from newsreader.store import Store

    with Store.open(create=False) as store:  # the list shows the full text's reading time
        stored = store.article(rows["Article 0"])
        assert stored is not None and stored.minutes == reading_minutes(full["text"], "fr") > 1
    summary = run_cli("open", rows["Article 1"], "-f", "json").json()
    assert summary["text"] == "Résumé de l'article 1, données à jour."
    again = run_cli("sync", "--force")
    assert "0 new, 0 updated" in again.stdout, "the full text is not undone by the feed"
    assert run_cli("open", rows["Article 0"], "-f", "json").json()["text"] == full["text"]


def test_no_full_text_flag(server: LoopbackServer, isolated_home: Path) -> None:
    server.route("/page/0", srv.static("<article><p>" + "x " * 500 + "</p></article>"))
    url = server.route(
        "/feed", srv.static(srv.rss("T", items(1, server.url("/page/"))), "application/rss+xml")
    )
    configure(isolated_home, {"name": "T", "url": url, "full_text": "always"})
    run_cli("sync", "--no-full-text")
    assert not any(path.startswith("/page/") for path, _ in server.requests)


def test_entry_html_becomes_markdown_on_first_read(
    server: LoopbackServer, isolated_home: Path
) -> None:
    entry = [
        {
            "title": "Rich",
            "link": "https://r.example/1",
            "guid": "r1",
            "description": "<p>Un <b>texte</b> avec <a href='https://r.example/lien'>un lien</a>"
            " et <a href='javascript:alert(1)'>un piège</a>.</p>",
        }
    ]
    url = server.route("/feed", srv.static(srv.rss("R", entry), "application/rss+xml"))
    configure(isolated_home, {"name": "R", "url": url, "full_text": "never"})
    run_cli("sync")
    (row,) = listed()
    article = run_cli("open", row["id"], "-f", "json").json()
    assert "Un **texte** avec [un lien](https://r.example/lien) et un piège." in article["markdown"]
    assert_clean(article["markdown"])


def test_folder_source(tmp_path: Path, isolated_home: Path) -> None:
    root = tmp_path / "news"
    (root / "Sport").mkdir(parents=True)
    (root / "Culture").mkdir()
    (root / "Sport" / "match.md").write_text("# Le match\n\nLe club a gagné hier soir.\n")
    (root / "Culture" / "expo.md").write_text("# L'expo\n\nUne exposition ouvre ses portes.\n")
    (root / "top.md").write_text("# En une\n\nLa une du jour.\n")
    (root / ".hidden.md").write_text("# Hidden\n\nnot read\n")
    configure(isolated_home, {"name": "Local", "path": str(root)})
    assert "3 new" in run_cli("sync").stdout
    sections = {row["title"]: row["section"] for row in listed()}
    assert sections == {"Le match": "Sport", "L'expo": "Culture", "En une": None}
    assert "0 new, 0 updated" in run_cli("sync").stdout
    match = root / "Sport" / "match.md"
    match.write_text("# Le match\n\nLe club a gagné hier soir, 3 à 1.\n")
    os.utime(match, (time.time() + 10, time.time() + 10))
    assert "0 new, 1 updated" in run_cli("sync").stdout


def test_demo_edition_when_nothing_is_configured() -> None:
    run = run_cli("sync")
    assert run.code == 0
    sections = run_cli("sections", "-f", "json").json()
    names = {s["name"] for s in sections["sections"]}
    assert {"Édition internationale", "Économie", "Culture", "Flash infos"} <= names


def test_the_demo_edition_leaves_once_a_source_is_configured(
    server: LoopbackServer, isolated_home: Path
) -> None:
    assert run_cli("sync").code == 0
    demo = listed()
    starred = demo[0]
    assert run_cli("mark", "star", starred["id"]).code == 0
    url = server.route("/feed", srv.static(srv.rss("Le Journal", items(3)), "application/rss+xml"))
    configure(isolated_home, {"name": "Journal", "url": url, "full_text": "never"})
    assert run_cli("sync", "Journal").code == 0  # a sync of named sources leaves the rest
    assert len(listed()) == len(demo) + 3
    run = run_cli("sync")
    assert run.code == 0, run.stderr
    assert set(sources_json()) == {"Journal"}
    ids = {row["id"] for row in listed()}
    assert starred["id"] in ids and len(ids) == 4  # the star kept, the rest gone


def test_a_source_may_take_a_demo_source_s_name(
    server: LoopbackServer, isolated_home: Path
) -> None:
    assert run_cli("sync").code == 0
    url = server.route("/feed", srv.static(srv.rss("Flash", items(2)), "application/rss+xml"))
    configure(isolated_home, {"name": "Flash infos (démo)", "url": url, "full_text": "never"})
    run = run_cli("sync")
    assert run.code == 0, run.stderr
    assert "Flash infos (démo): 2 new" in run.stderr
    assert {row["title"] for row in listed()} == {"Article 0", "Article 1"}


def test_unknown_source_name_is_a_usage_error(isolated_home: Path) -> None:
    configure(isolated_home, {"name": "A", "url": "http://127.0.0.1:9/feed"})
    run = run_cli("sync", "Nope")
    assert run.code == 2 and "no source named 'Nope'" in run.stderr


def test_sync_while_another_process_reads(server: LoopbackServer, isolated_home: Path) -> None:
    url = server.route("/feed", srv.static(srv.rss("Busy", items(800)), "application/rss+xml"))
    configure(isolated_home, {"name": "Busy", "url": url, "full_text": "never"})
    run_cli("open", str(Path(__file__).parent / "fixtures" / "docs" / "note.md"))
    env = dict(os.environ, PYTHONIOENCODING="utf-8")
    syncing = subprocess.Popen(
        [sys.executable, "-m", "newsreader", "sync"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )
    reads = 0
    while syncing.poll() is None or reads < 3:
        run = run_cli("list", "-n", "5", "-f", "json")
        assert run.code == 0 and "locked" not in run.stderr, run.stderr
        reads += 1
    out, err = syncing.communicate(timeout=60)
    assert syncing.returncode == 0, err
    assert b"800 new" in out


def test_gzip_feed_is_decoded(server: LoopbackServer, isolated_home: Path) -> None:
    body = gzip.compress(srv.rss("Zip", items(2)))

    def handle(handler: srv.BaseHTTPRequestHandler) -> None:
        srv.respond(
            handler, body, content_type="application/rss+xml", headers={"Content-Encoding": "gzip"}
        )

    url = server.route("/zip", handle)
    configure(isolated_home, {"name": "Zip", "url": url, "full_text": "never"})
    assert "2 new" in run_cli("sync").stdout


def test_a_source_without_a_section_is_filed_under_the_feed_title(
    server: LoopbackServer, isolated_home: Path
) -> None:
    one = server.route("/one", srv.static(srv.rss("Le Journal", items(2)), "application/rss+xml"))
    two = server.route(
        "/two",
        srv.static(srv.rss("Autre", items(1, "https://autre.example/")), "application/rss+xml"),
    )
    configure(
        isolated_home,
        {"name": "One", "url": one, "full_text": "never"},
        {"name": "Two", "url": two, "section": "Le Journal", "full_text": "never"},
    )
    assert run_cli("sync").code == 0
    sections = run_cli("sections", "-f", "json").json()["sections"]
    assert [(s["name"], s["total"]) for s in sections] == [("Le Journal", 3)]


class _BrokenKind:
    """A kind of source with a bug in it (a test's own kind, through the real registry)."""

    name = "broken"
    needs_network = False

    def claims(self, source: Any) -> bool:
        return bool(source.path and source.path.endswith(".broken"))

    def location(self, source: Any) -> str | None:
        return str(source.path)

    async def collect(self, source: Any, state: Any, run: Any) -> Any:
        raise RuntimeError("a bug in the kind, with https://user:secret@host.example/?t=1")


def test_a_bug_in_one_source_fails_that_source_only(
    server: LoopbackServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The other sources sync; the broken one fails with one line naming a private
    crash report (no secret from the URL in it)."""
    import asyncio

    from newsreader.config import Config, SourceConfig
    from newsreader.sources import registry
    from newsreader.store import Store
    from newsreader.sync import sync

    monkeypatch.setattr(registry, "KINDS", (_BrokenKind(), *registry.KINDS))
    url = server.route("/ok", srv.static(srv.rss("Fine", items(2)), "application/rss+xml"))
    config = Config(
        sources=(
            SourceConfig(name="Broken", path=str(tmp_path / "x.broken")),
            SourceConfig(name="Fine", url=url, full_text="never"),
        )
    )
    with Store.open(tmp_path / "data" / "newsreader.db", notice=None) as store:
        report = asyncio.run(sync(config, store))
        by_name = {r.name: r for r in report.results}
        assert by_name["Fine"].status == "synced" and by_name["Fine"].new == 2
        assert by_name["Broken"].status == "failed"
        error = by_name["Broken"].error or ""
        assert error.startswith("internal error (RuntimeError), a bug (details in ")
        crash = Path(error.split("details in ")[1].rstrip(")"))
        assert crash.parent == tmp_path / "data" / "crashes"
        text = crash.read_text(encoding="utf-8")
        assert "a bug in the kind" in text and "secret" not in text
        assert store.source("Broken") is not None and store.source("Broken").last_error == error
