"""Dates as sites write them come out as ISO 8601."""

from __future__ import annotations

import pytest

from newsreader.content.dates import parse_date, utc_key


@pytest.mark.parametrize(
    ("written", "iso"),
    [
        ("6 novembre 2025", "2025-11-06"),
        ("27 nov. 2025", "2025-11-27"),
        ("1er février 2024", "2024-02-01"),
        ("jeudi 6 novembre 2025 à 14h05", "2025-11-06T14:05:00"),
        ("November 6, 2025", "2025-11-06"),
        ("Nov 6th, 2025 2:05 pm", "2025-11-06T14:05:00"),
        ("6. November 2025", "2025-11-06"),
        ("12 de marzo de 2024", "2024-03-12"),
        ("2025-11-06", "2025-11-06"),
        ("2025-11-06T09:30:00+01:00", "2025-11-06T09:30:00+01:00"),
        ("2025-11-06T08:00:00Z", "2025-11-06T08:00:00+00:00"),
        ("2025-11-06 08:00:00", "2025-11-06T08:00:00"),
        ("Thu, 06 Nov 2025 09:30:00 +0100", "2025-11-06T09:30:00+01:00"),
        ("Fri, 07 Nov 2025 10:00:00 GMT", "2025-11-07T10:00:00+00:00"),
        ("06/11/2025", "2025-11-06"),
        ("Publié le 6 novembre 2025, mis à jour le 27 novembre 2025", "2025-11-06"),
    ],
)
def test_formats(written: str, iso: str) -> None:
    assert parse_date(written) == iso


@pytest.mark.parametrize(
    "garbage",
    [
        "",
        "garbage",
        "0000-00-00",
        "2024-02-30",
        "Fri, 01 Jan 9999 00:00:00 GMT",
        "31 février 2024",
        None,
        42,
    ],
)
def test_not_dates(garbage: object) -> None:
    assert parse_date(garbage) is None


def test_us_order_when_asked() -> None:
    assert parse_date("11/06/2025", day_first=False) == "2025-11-06"


def test_utc_key_sorts_across_offsets() -> None:
    paris = utc_key("2025-11-06T00:30:00+01:00")
    london = utc_key("2025-11-05T23:45:00+00:00")
    assert paris == "2025-11-05T23:30:00Z"
    assert london is not None and paris is not None and paris < london
    assert utc_key("2025-11-06") == "2025-11-06T00:00:00Z"
    assert utc_key(None) is None
