"""Markdown files and plain-text pages become articles with their metadata."""

from __future__ import annotations

import pytest

from newsreader.content.markdown_doc import parse_markdown, read_front_matter
from newsreader.content.text import parse_text_page
from tests.conftest import FIXTURES

DOCS = FIXTURES / "docs"


def test_markdown_front_matter_and_body() -> None:
    path = DOCS / "note.md"
    article = parse_markdown(path.read_text(), str(path))
    assert article.title == "Notes de lecture : la ville du quart d'heure"
    assert article.author == "Léa Dupont, Marc Petit"
    assert article.published == "2025-11-12"
    assert article.updated == "2025-11-14T08:00:00+01:00"
    assert article.section == "Urbanisme"
    assert article.language == "fr"
    assert article.lede == "Ce que disent les études sur la ville du quart d'heure."
    body = article.markdown
    assert body.startswith(article.lede)
    assert "# Notes de lecture" not in body, "the title heading is not repeated in the body"
    assert "## Une idée ancienne" in body
    assert "- écoles" in body
    assert "> « La ville doit se parcourir à pied. »" in body
    assert "[l'étude](https://etudes.example/ville-15-minutes)" in body
    assert "javascript:" not in body and "ce lien piégé" in body
    assert "| Paris | 15 |" in body
    assert article.headings == ("Une idée ancienne",)


def test_markdown_toml_front_matter() -> None:
    path = DOCS / "toml.md"
    article = parse_markdown(path.read_text(), str(path))
    assert article.title == "Front matter in TOML"
    assert article.author == "Toml Writer"
    assert article.published == "2025-03-04T05:06:07+00:00"
    assert article.language == "en"


def test_front_matter_refuses_python_tags() -> None:
    text = '---\ntitle: !!python/object/apply:os.system ["echo pwned"]\n---\nBody\n'
    front, rest = read_front_matter(text)
    assert front == {}  # never executed, and a tagged value is no plain field
    assert rest == "Body\n"  # refused front matter is still front matter: not the body


def test_front_matter_refuses_alias_bombs() -> None:
    bomb = "---\na: &a [x, x, x, x, x, x, x, x, x]\n"
    for level in range(1, 12):
        bomb += (
            f"{chr(97 + level)}: &{chr(97 + level)} [{', '.join(['*' + chr(96 + level)] * 9)}]\n"
        )
    bomb += "title: *l\n---\nbody\n"
    front, _ = read_front_matter(bomb)
    assert front == {}


def test_markdown_raw_html_is_sanitised() -> None:
    article = parse_markdown(
        "# T\n\nHello <script>alert(1)</script> <b>bold</b>\n\n"
        "<iframe src='https://evil.example'></iframe>\n\n"
        "[x](java&#x73;cript:alert(1)) [y](data:text/html,z) <javascript:alert(2)>\n",
        "/tmp/t.md",
    )
    for bad in ("<script", "alert(1)", "<iframe", "javascript:", "data:"):
        assert bad not in article.markdown
        assert bad not in article.text


def test_markdown_without_front_matter_takes_the_first_heading() -> None:
    article = parse_markdown("# Just a title\n\nSome text.\n", "/tmp/plain.md")
    assert article.title == "Just a title"
    assert article.author is None and article.published is None
    assert article.markdown == "Some text."


def test_text_page_structure() -> None:
    text = (
        "Sport\n\nLe club remporte la coupe\n\n"
        "Au terme d'une finale haletante, le club local a remporté la coupe devant 20 000 "
        "supporters réunis au stade municipal samedi soir.\n"
        "Écrit par Paul Martin\nPublié le 3 mars 2024\n\n"
        "Une finale serrée\n\n"
        "Le match a été indécis jusqu'à la dernière minute, quand l'avant-centre a marqué.\n\n"
        "Commentaires\n\nSoyez le premier à commenter.\n"
    )
    article = parse_text_page(text, "/tmp/sport.txt")
    assert article.section == "Sport"
    assert article.title == "Le club remporte la coupe"
    assert article.author == "Paul Martin"
    assert article.published == "2024-03-03"
    assert article.updated is None
    assert article.lede is not None and article.lede.startswith("Au terme d'une finale")
    assert article.headings == ("Une finale serrée",)
    assert "Commentaires" not in article.text and "premier à commenter" not in article.text


def test_hard_wrapped_text_is_joined_into_paragraphs() -> None:
    paragraph = (
        "This is a paragraph that was wrapped at seventy-two columns by the\n"
        "program that wrote it, so every line ends in the middle of a sentence\n"
        "and only a blank line marks where the paragraph really ends here.\n"
    )
    article = parse_text_page(f"A wrapped note\n\n{paragraph}\n{paragraph}", "/tmp/wrapped.txt")
    assert article.title == "A wrapped note"
    assert "sentence and only a blank line" in article.text
    assert "the\nprogram" not in article.text


@pytest.mark.parametrize("text", ["", "   \n\n  \t"])
def test_empty_text_page(text: str) -> None:
    from newsreader.errors import ParseError

    with pytest.raises(ParseError):
        parse_text_page(text, "/tmp/empty.txt")
