"""The reader's Markdown renderer and text helpers, without an app."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.text import Text

from newsreader.tui.markdown import MAX_MARKDOWN, MarkdownStyles, layout, parse
from newsreader.tui.text import age, clock_time, is_openable

STYLES = MarkdownStyles()


def lines(markdown: str, width: int = 60) -> list[str]:
    document = parse(markdown, STYLES)
    return [strip.text.rstrip() for strip in layout(document, width, STYLES)]


def click_actions(markdown: str) -> list[object]:
    document = parse(markdown, STYLES)
    actions = []
    for strip in layout(document, 80, STYLES):
        for segment in strip:
            meta = segment.style.meta if segment.style else {}
            if "@click" in meta:
                actions.append(meta["@click"])
    return actions


def test_markup_in_the_text_stays_literal_and_clicks_nothing() -> None:
    hostile = "[bold]x[/bold] [@click=app.quit]boom[/] [/] [link=file:///etc]y[/link]"
    shown = "\n".join(lines(f"{hostile}\n\n## {hostile}\n\n- {hostile}", width=200))
    assert shown.count(hostile) == 3
    assert click_actions(hostile) == []


def test_only_web_and_mail_links_are_clickable_by_index() -> None:
    markdown = (
        "[a](https://example.org/a) [b](http://example.org/b) [c](javascript:alert(1)) "
        "[d](file:///etc/passwd) [e](mailto:x@example.org) [f](ftp://example.org/f)"
    )
    document = parse(markdown, STYLES)
    assert document.links == [
        "https://example.org/a",
        "http://example.org/b",
        "mailto:x@example.org",
    ]
    actions = set(map(repr, click_actions(markdown)))
    # The action names the link's index only: a URL never becomes part of an action.
    assert actions == {repr(("open_link", (n,))) for n in range(3)}
    shown = lines(markdown)
    assert shown[-3:] == [
        " [1] https://example.org/a",
        " [2] http://example.org/b",
        " [3] mailto:x@example.org",
    ]


def test_blocks_lists_quotes_and_code() -> None:
    shown = lines(
        "Para.\n\n- one\n- two\n  - nested\n\n1. first\n2. second\n\n> quoted\n\n"
        "```\ncode  kept\n```\n\n---\n"
    )
    assert shown[:5] == [" Para.", "", " • one", " • two", "   ◦ nested"]
    assert " 1. first" in shown and " 2. second" in shown
    assert " ▌ quoted" in shown
    assert " code  kept" in shown
    assert any(line.startswith(" ───") for line in shown)


def test_lede_gets_its_style_and_the_header_comes_first() -> None:
    document = parse(
        "Le chapô, en une phrase.\n\nLe corps.",
        STYLES,
        header=[Text("Titre"), Text("Économie · Auteur")],
        lede="Le  chapô, en une phrase.",
    )
    texts = [block.text for block in document.blocks]
    assert [t.plain for t in texts] == [
        "Titre",
        "Économie · Auteur",
        "Le chapô, en une phrase.",
        "Le corps.",
    ]
    assert texts[2].spans and texts[2].spans[0].style == STYLES.lede


def test_wide_characters_wrap_within_the_width() -> None:
    document = parse("東京で新しい技術が発表された。" * 20 + " 🚀" * 30, STYLES)
    strips = list(layout(document, 30, STYLES))
    assert len(strips) > 5
    assert all(strip.cell_length <= 30 for strip in strips)


def test_huge_bodies_end_with_a_truncation_notice() -> None:
    document = parse("word " * (MAX_MARKDOWN // 4), STYLES)
    assert "truncated" in document.blocks[-1].text.plain


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("2025-11-28T08:59:30+00:00", "now"),
        ("2025-11-28T08:15:00Z", "45m"),
        ("2025-11-28T02:00:00+01:00", "8h"),
        ("2025-11-25", "3d"),
        ("2025-10-02T10:00:00Z", "2 Oct"),
        ("2023-10-02T10:00:00Z", "Oct'23"),
        (None, ""),
        ("garbage", ""),
    ],
)
def test_age(value: str | None, expected: str) -> None:
    # (Dates are at 10:00 UTC: the same day in any time zone within ten hours.)
    assert age(value, datetime(2025, 11, 28, 9, 0, tzinfo=UTC)) == expected


def test_clock_time_and_openable() -> None:
    assert clock_time("2025-11-06") == "--:--"
    assert clock_time(None) == "--:--"
    assert is_openable("https://example.org") and is_openable("mailto:a@b.c")
    assert not is_openable("javascript:alert(1)")
    assert not is_openable("file:///etc/passwd")
    assert not is_openable("https://")
