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


def _by_the_email_parser(value: str) -> str | None:
    """What the general RFC 5322 parser makes of ``value``, formatted as parse_date does."""
    from email.utils import parsedate_to_datetime

    from newsreader.content.dates import MAX_YEAR, MIN_YEAR

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if not MIN_YEAR <= moment.year <= MAX_YEAR:
        return None
    if moment.utcoffset() is not None and not moment.utcoffset():
        return moment.replace(tzinfo=None).isoformat(timespec="seconds") + "+00:00"
    return moment.isoformat(timespec="seconds")


def test_usual_rss_dates_read_as_the_email_parser_reads_them() -> None:
    """RSS dates have a quick reader of their own; it must agree with the general
    parser everywhere, out-of-range days, hours, zones and years included."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    from newsreader.content.dates import _from_rfc822

    months = st.sampled_from(["Jan", "Feb", "Apr", "Jun", "Sep", "Nov", "Dec", "nov", "Foo"])
    zones = st.sampled_from(
        ["+0100", "-0500", "+0000", "-0000", "GMT", "UT", "Z", "+0530", "+2400", "-2359", "+0060"]
    )
    zones = zones | st.builds(
        lambda sign, hours, minutes: f"{sign}{hours:02d}{minutes:02d}",
        st.sampled_from("+-"),
        st.integers(0, 99),
        st.integers(0, 99),
    )

    @settings(max_examples=3000, deadline=None, database=None)
    @given(
        st.sampled_from(["Wed, ", "Wed,", ""]),
        st.integers(0, 32),
        months,
        st.sampled_from([1899, 1900, 2024, 2025, 2200, 2201]),
        st.integers(0, 25),
        st.integers(0, 61),
        st.none() | st.integers(0, 61),
        zones,
    )
    def agree(
        weekday: str,
        day: int,
        month: str,
        year: int,
        hour: int,
        minute: int,
        second: int | None,
        zone: str,
    ) -> None:
        seconds = "" if second is None else f":{second:02d}"
        value = f"{weekday}{day} {month} {year} {hour:02d}:{minute:02d}{seconds} {zone}"
        assert _from_rfc822(value) == _by_the_email_parser(value), value

    agree()
