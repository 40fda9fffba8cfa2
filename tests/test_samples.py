"""The page newsreader was born from, as HTML and as plain text: `open` must get out of
both exactly what `alibaba-datacenter-fr.expected.json` says a reader must see."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest

from tests.conftest import SAMPLES, Run

EXPECTED: dict[str, Any] = json.loads((SAMPLES / "alibaba-datacenter-fr.expected.json").read_text())


@pytest.fixture(scope="module", params=["html", "txt"])
def opened(request: pytest.FixtureRequest) -> dict[str, Any]:
    from tests.conftest import run_cli

    run: Run = run_cli(
        "open", str(SAMPLES / f"alibaba-datacenter-fr.{request.param}"), "--format", "json"
    )
    assert run.code == 0, run.stderr
    assert run.stderr == ""
    data: dict[str, Any] = run.json()
    return data


def test_metadata_fields(opened: dict[str, Any]) -> None:
    assert opened["kind"] == "article"
    for key in ("title", "section", "author", "language"):
        assert opened[key] == EXPECTED[key], key
    assert opened["published"].startswith(EXPECTED["published"])
    assert opened["updated"].startswith(EXPECTED["updated"])
    assert opened["lede"].startswith(EXPECTED["lede_starts_with"])
    assert len(opened["id"]) == 12


def test_headings_in_order(opened: dict[str, Any]) -> None:
    assert opened["headings"] == EXPECTED["headings"]


@pytest.mark.parametrize("field", ["markdown", "text"])
def test_body_lines(opened: dict[str, Any], field: str) -> None:
    body = opened[field]
    assert body.startswith(EXPECTED["lede_starts_with"]), "the body starts with the lede"
    assert opened["title"] not in body, "the title stays out of the body"
    for line in EXPECTED["body_must_contain"]:
        assert line in body
    for line in EXPECTED["body_must_not_contain"]:
        assert line not in body
    # Once as text: a Markdown picture's description is not shown beside its caption.
    assert re.sub(r"!\[[^\]]*\]\([^)]*\)", "", body).count(EXPECTED["caption"]) == 1


def test_markdown_has_the_headings_as_sections(opened: dict[str, Any]) -> None:
    for heading in EXPECTED["headings"]:
        assert f"## {heading}" in opened["markdown"]
        assert f"## {heading}" not in opened["text"]


def test_html_sample_keeps_time_of_day_and_canonical_url() -> None:
    from tests.conftest import run_cli

    data = run_cli("open", str(SAMPLES / "alibaba-datacenter-fr.html"), "--format", "json").json()
    assert data["published"] == "2025-11-06T09:30:00+01:00"
    assert data["updated"] == "2025-11-27T14:05:00+01:00"
    assert (
        data["url"]
        == "https://lepetitjournal.example/international/alibaba-centre-de-donnees-france"
    )
    # Flash infos are page furniture: none of the four items leaks into the article.
    assert "Exemple de brève" not in data["markdown"]
    assert "À lire aussi" not in data["markdown"]


def test_markdown_format_layout() -> None:
    from tests.conftest import run_cli

    out = run_cli("open", str(SAMPLES / "alibaba-datacenter-fr.html")).stdout
    lines = out.splitlines()
    assert lines[0] == "# Un centre de données d'Alibaba en France ?"
    assert lines[1] == ""
    meta = lines[2].split(" · ")
    assert meta[:2] == ["Édition internationale", "Juliette Robieux"]
    assert meta[2].startswith("2025-11-06") and "2025-11-27" in meta[3]
    assert lines[4].startswith(EXPECTED["lede_starts_with"])


def test_text_format_has_no_markdown_syntax() -> None:
    from tests.conftest import run_cli

    out = run_cli("open", str(SAMPLES / "alibaba-datacenter-fr.txt"), "--format", "text").stdout
    assert out.splitlines()[0] == EXPECTED["title"]
    assert "#" not in out and "*" not in out
    for heading in EXPECTED["headings"]:
        assert f"\n{heading}\n" in out
