"""Dates as news sites write them, turned into ISO 8601.

Feeds use RFC 822 or ISO 8601; pages add written dates in their own language
(``6 novembre 2025``, ``27 nov. 2025``, ``November 6, 2025``, ``6. November 2025``).
A date with a time keeps the offset it was written with, because the calendar day in
the publisher's own time zone is what a reader expects to see; :func:`utc_key` gives
the UTC instant for sorting. Absurd values (``0000-00-00``, year 9999) are rejected
rather than invented into something plausible.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import UTC, date, datetime, time, timedelta

from newsreader.startup import LazyPattern

__all__ = ["MAX_YEAR", "MIN_YEAR", "parse_date", "utc_key"]

MIN_YEAR = 1900
MAX_YEAR = 2200
"""Years outside this range are treated as garbage, not as dates."""

_MONTHS: dict[str, int] = {}
for _number, _names in enumerate(
    [
        "january jan janvier janv jänner januar enero ene gennaio gen janeiro",
        "february feb fevrier fevr fev februar febrero febbraio fevereiro",
        "march mar mars marz marzo marco",
        "april apr avril avr abril aprile",
        "may mai mayo maggio maio",
        "june jun juin juni junio giugno junho",
        "july jul juillet juil juli julio luglio lug julho",
        "august aug aout august agosto ago",
        "september sep sept septembre septiembre settembre set setembro",
        "october oct octobre oktober okt octubre ottobre ott outubro out",
        "november nov novembre noviembre novembro",
        "december dec decembre dezember dez diciembre dic dicembre dezembro",
    ],
    start=1,
):
    for _name in _names.split():
        _MONTHS.setdefault(_name, _number)

_MONTH = "(?P<month>" + "|".join(sorted(_MONTHS, key=len, reverse=True)) + r")\.?"
_DAY = r"(?P<day>\d{1,2})(?:er|st|nd|rd|th|º|°|\.)?"
_YEAR = r"(?P<year>\d{4})"
# "14h05", "14:05", "14 h 05", "2:05 pm"; optional, after the date.
_TIME = (
    r"(?:\D{0,12}?(?P<hour>\d{1,2})\s*(?:h|:)\s*(?P<minute>\d{2})?"
    r"(?::(?P<second>\d{2}))?\s*(?P<ampm>[ap]\.?m\.?)?)?"
)
_WRITTEN = [
    LazyPattern(rf"\b{_DAY}\s*(?:de\s+)?{_MONTH}\s*(?:de\s+)?,?\s*{_YEAR}{_TIME}"),
    LazyPattern(rf"\b{_MONTH}\s+{_DAY},?\s+{_YEAR}{_TIME}"),
]
_NUMERIC = LazyPattern(
    r"\b(?P<a>\d{1,2})[./-](?P<b>\d{1,2})[./-](?P<year>\d{4})"
    + _TIME.replace("\\D{0,12}?", "\\D{0,6}?")
)
_FOUR_DIGITS = re.compile(r"\d{4}")
"""Every written or numeric form has a year: without one, no pattern above can match."""
_UTC_ISO = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(?:\+00:00|Z)\Z")
_ISO_START = re.compile(r"\s*[+-]?\d{4}-\d{1,2}-\d{1,2}")


def _fold(value: str) -> str:
    """Lowercase without accents: ``févr.`` and ``fevr`` are the same month."""
    decomposed = unicodedata.normalize("NFKD", value.casefold())
    return "".join(c for c in decomposed if not unicodedata.combining(c))


def _plausible(moment: date) -> bool:
    return MIN_YEAR <= moment.year <= MAX_YEAR


def _format(moment: datetime | date) -> str | None:
    if isinstance(moment, datetime):
        if not _plausible(moment.date()):
            return None
        if moment.tzinfo is not None and moment.utcoffset() == timedelta(0):
            moment = moment.replace(tzinfo=UTC)
        return moment.isoformat(timespec="seconds")
    return moment.isoformat() if _plausible(moment) else None


def _from_iso(value: str) -> str | None:
    text = value.strip().replace(" ", "T", 1)
    if text.endswith(("z", "Z")):
        text = text[:-1] + "+00:00"
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        head = text[:10]
        try:
            return _format(date.fromisoformat(head))
        except ValueError:
            return None
    if len(text) <= 10:
        return _format(moment.date())
    return _format(moment)


_RFC822 = LazyPattern(
    r"(?:[A-Za-z]{3}, ?)?(\d{1,2}) ([A-Za-z]{3}) (\d{4}) (\d\d):(\d\d)(?::(\d\d))?"
    r" (?:([+-])(\d\d)(\d\d)|GMT|UTC?|Z)\Z"
)
_MONTH_ABBREVIATIONS = {
    name: number
    for number, name in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), 1
    )
}


def _from_rfc822_usual(value: str) -> str | None:
    """The form nearly every RSS date takes (``Wed, 26 Nov 2025 09:30:00 +0100``), read
    without the email module's general parser (five times slower); None for anything
    else, which that parser then reads. Same results: ``-0000`` is "zone unknown"."""
    match = _RFC822.match(value)
    if match is None:
        return None
    day, month_name, year, hour, minute, second, sign, zone_hours, zone_minutes = match.groups()
    month = _MONTH_ABBREVIATIONS.get(month_name.lower())
    if month is None or not MIN_YEAR <= int(year) <= MAX_YEAR:
        return None
    zone = "+00:00"
    if sign is not None:
        if zone_minutes < "60" and zone_hours < "24":  # as written: "+0100" is "+01:00"
            zone = f"{sign}{zone_hours}:{zone_minutes}"
            if zone == "-00:00":
                zone = ""  # "-0000": the zone is unknown
        else:
            offset = int(zone_hours) * 60 + int(zone_minutes)
            if offset >= 24 * 60:
                return None
            zone = f"{sign}{offset // 60:02d}:{offset % 60:02d}"
    second = second or "00"
    try:  # validates the day of the month, hours, minutes, seconds
        datetime(int(year), month, int(day), int(hour), int(minute), int(second))
    except ValueError:
        return None
    # The digits as matched are the ISO ones (four of the year, two of the rest).
    return f"{year}-{month:02d}-{day:0>2}T{hour}:{minute}:{second}{zone}"


def _from_rfc822(value: str) -> str | None:
    usual = _from_rfc822_usual(value)
    if usual is not None:
        return usual
    from email.utils import parsedate_to_datetime  # only feeds need it: kept off start-up

    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    if moment is None:  # pragma: no cover - older Pythons returned None
        return None
    return _format(moment)


def _with_time(day: date, match: re.Match[str]) -> str | None:
    hour = match.group("hour")
    if hour is None:
        return _format(day)
    hours = int(hour)
    minutes = int(match.group("minute") or 0)
    seconds = int(match.group("second") or 0)
    ampm = (match.group("ampm") or "").replace(".", "")
    if ampm == "pm" and hours < 12:
        hours += 12
    elif ampm == "am" and hours == 12:
        hours = 0
    try:
        return _format(datetime.combine(day, time(hours, minutes, seconds)))
    except ValueError:
        return _format(day)


def _from_written(value: str, day_first: bool) -> str | None:
    folded = _fold(value)
    if _FOUR_DIGITS.search(folded) is None:
        return None  # most headings and short lines: decided without the big patterns
    for pattern in _WRITTEN:
        match = pattern.search(folded)
        if match:
            try:
                day = date(
                    int(match.group("year")),
                    _MONTHS[match.group("month")],
                    int(match.group("day")),
                )
            except ValueError:
                continue
            return _with_time(day, match)
    match = _NUMERIC.search(folded)
    if match:
        first, second = int(match.group("a")), int(match.group("b"))
        day_number, month = (first, second) if day_first or second > 12 else (second, first)
        if month > 12:
            day_number, month = month, day_number
        try:
            return _with_time(date(int(match.group("year")), month, day_number), match)
        except ValueError:
            return None
    return None


def parse_date(value: object, *, day_first: bool = True) -> str | None:
    """Parse one date in any of the formats above; None when it is not a real date.

    ``day_first`` settles ``06/11/2025``; it is True except for US English pages.
    """
    if isinstance(value, datetime | date):
        return _format(value)
    if not isinstance(value, str):
        return None
    value = value.strip()
    if not value or len(value) > 200:
        return None
    if _UTC_ISO.match(value) and MIN_YEAR <= int(value[:4]) <= MAX_YEAR and value[4] == "-":
        # Already normalised (feed parsers give this form): validate, keep as written.
        try:
            datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
        return value.replace("Z", "+00:00")
    if _ISO_START.match(value):
        return _from_iso(value)
    if value[:1].isalpha() or "," in value[:6]:
        parsed = _from_rfc822(value)
        if parsed:
            return parsed
    return _from_written(value, day_first) or _from_rfc822(value)


def utc_key(iso: str | None) -> str | None:
    """The UTC instant of an ISO date from :func:`parse_date`, for sorting.

    A date without a time counts as midnight UTC; a naive time is taken as UTC.
    """
    if not iso:
        return None
    if _UTC_ISO.match(iso):
        return iso[:19] + "Z"  # already UTC to the second (feeds often are): no parsing
    try:
        moment = datetime.fromisoformat(iso)
    except ValueError:
        return None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    # isoformat, not strftime: three times faster, and always four digits of year
    return moment.astimezone(UTC).isoformat(timespec="seconds")[:19] + "Z"
