"""Time for the reader, injectable so tests and snapshots are deterministic.

Two readings: wall time (ages in the list, "synced 14:05") and a monotonic time that
drives the ticker's frames. Tests pass a :class:`FixedClock` and move it by hand.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

__all__ = ["AppClock", "FixedClock"]


class AppClock:
    """The real clock."""

    def now(self) -> datetime:
        """The current instant (aware, UTC)."""
        return datetime.now(UTC)

    def monotonic(self) -> float:
        """Seconds from an arbitrary origin that never goes backwards."""
        return time.monotonic()


class FixedClock(AppClock):
    """A clock that only moves when told to (tests, snapshots, benchmarks)."""

    def __init__(self, start: datetime) -> None:
        self._now = start if start.tzinfo else start.replace(tzinfo=UTC)
        self._elapsed = 0.0

    def now(self) -> datetime:
        return self._now + timedelta(seconds=self._elapsed)

    def monotonic(self) -> float:
        return self._elapsed

    def advance(self, seconds: float) -> None:
        """Move both readings forward."""
        self._elapsed += seconds
