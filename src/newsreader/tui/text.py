"""Small text helpers for the reader: safe one-liners, ages, clock times, link checks.

**Times.** The reader has one rule: every time it shows is local time (the list's
ages, the ticker's clock, "synced 14:05", the failures), because a reader's day is
their own. Only the article's metadata line adds the publisher's own time, when its
offset differs from local time (``2025-11-27 11:40 (12:40 +01:00 at the source)``), so
the calendar day the publisher meant is still there. ``newsreader open`` prints the
publisher's time, as a document for scripts should.

Everything the reader shows from the store goes through :func:`one_line` (or the
Markdown renderer) on its way to a Rich ``Text``/``Segment`` or a Textual ``Content``:
those never parse markup, and :func:`one_line` removes whatever control characters
might have slipped past the content layer, so nothing can reach the terminal as an
escape sequence.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from newsreader.content.sanitize import clean_line

if TYPE_CHECKING:
    from newsreader.tui.clock import AppClock

__all__ = [
    "OPENABLE_SCHEMES",
    "age",
    "clock_time",
    "is_openable",
    "local_stamp",
    "local_time",
    "one_line",
    "parse_instant",
    "publisher_time",
]

OPENABLE_SCHEMES = frozenset({"http", "https", "mailto"})
"""Link schemes the reader hands to the browser; anything else is refused."""

_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")


def one_line(value: str | None, fallback: str = "") -> str:
    """``value`` as one printable line (whitespace collapsed, controls removed)."""
    return clean_line(value) or fallback


def parse_instant(value: str | None) -> datetime | None:
    """An ISO 8601 date or instant from the store as an aware datetime (dates alone
    and naive times count as UTC); None when missing or unreadable."""
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def age(value: str | None, now: datetime) -> str:
    """How long ago, in at most 6 cells: ``now``, ``5m``, ``3h``, ``2d``, ``12 Nov``,
    ``Nov'24`` (a year or more ago: the apostrophe tells the year from a day)."""
    moment = parse_instant(value)
    if moment is None:
        return ""
    seconds = (now - moment).total_seconds()
    if seconds < 60:
        return "now"
    if seconds < 3600:
        return f"{int(seconds // 60)}m"
    if seconds < 86400:
        return f"{int(seconds // 3600)}h"
    if seconds < 7 * 86400:
        return f"{int(seconds // 86400)}d"
    local = moment.astimezone()
    if seconds < 330 * 86400:
        return f"{local.day} {_MONTHS[local.month - 1]}"
    return f"{_MONTHS[local.month - 1]}'{local.year % 100:02d}"


def clock_time(value: str | None) -> str:
    """``HH:MM`` in local time, or ``--:--`` when the time of day is unknown."""
    if value is not None and len(value) == 10:  # a date alone: no time to show
        return "--:--"
    moment = parse_instant(value)
    return moment.astimezone().strftime("%H:%M") if moment else "--:--"


def local_stamp(value: str | None) -> str:
    """A stored UTC instant as ``YYYY-MM-DD HH:MM`` local time (dates stay dates)."""
    if not value:
        return ""
    if len(value) == 10:
        return value
    moment = parse_instant(value)
    return moment.astimezone().strftime("%Y-%m-%d %H:%M") if moment else one_line(value)


def local_time(instant: str | None, clock: AppClock) -> str:
    """``HH:MM`` local time when ``instant`` is today, else ``YYYY-MM-DD HH:MM``."""
    moment = parse_instant(instant)
    if moment is None:
        return ""
    local, today = moment.astimezone(), clock.now().astimezone()
    if local.date() == today.date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def publisher_time(value: str | None) -> str:
    """The publisher's own ``HH:MM +01:00`` (with the date when it is another day
    there) when ``value`` carries an offset that differs from local time; else "".
    A date alone, or a time the publisher gave in local time, needs no second look."""
    if not value or len(value) == 10:
        return ""
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return ""
    if moment.tzinfo is None or moment.utcoffset() == moment.astimezone().utcoffset():
        return ""
    offset = moment.strftime("%z")
    offset = "UTC" if offset in ("+0000", "-0000") else f"{offset[:3]}:{offset[3:]}"
    there = moment.strftime("%H:%M")
    if moment.date() != moment.astimezone().date():
        there = moment.strftime("%Y-%m-%d %H:%M")
    return f"{there} {offset}"


def is_openable(url: str | None) -> bool:
    """True for http, https and mailto links: the only ones the reader opens."""
    if not url:
        return False
    try:
        parts = urlsplit(url.strip())
    except ValueError:
        return False
    if parts.scheme.lower() not in OPENABLE_SCHEMES:
        return False
    return parts.scheme.lower() == "mailto" or bool(parts.netloc)
