"""Where the engine gets the time from.

The engine never reads the wall clock itself: the caller passes ``now`` from a ``Clock``. Production
uses ``SystemClock``; tests use ``ManualClock`` and advance it, so they run in virtual time.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything that can tell the current UTC time."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real UTC wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that only moves when told to: ``advance(seconds)``."""

    def __init__(self, start_at: datetime | None = None) -> None:
        self._now = start_at or datetime(2026, 1, 1, 9, 0, tzinfo=UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> datetime:
        """Move the clock forward by ``seconds`` of wall time and return the new time."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._now += timedelta(seconds=seconds)
        return self._now

    def set(self, at: datetime) -> None:
        self._now = at
