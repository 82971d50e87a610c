"""Scenario durations: ``90s``, ``5m``, ``1h30m``, ``1h 30m 10s``, ``HH:MM:SS``, ``MM:SS`` or ``+00:05:00``."""

from __future__ import annotations

import re

_UNIT_S = {"h": 3600, "m": 60, "s": 1}
_UNITS = re.compile(r"^(?:(?P<h>\d+(?:\.\d+)?)h)?\s*(?:(?P<m>\d+(?:\.\d+)?)m)?\s*(?:(?P<s>\d+(?:\.\d+)?)s)?$")
_CLOCK = re.compile(r"^\+?(?:(?P<h>\d+):)?(?P<m>\d{1,2}):(?P<s>\d{1,2}(?:\.\d+)?)$")

DURATION_HELP = 'a duration like "90s", "5m", "1h30m" or "HH:MM:SS"'


class DurationError(ValueError):
    """A duration string that cannot be parsed; the message says what was expected."""


def parse_duration(value: str | int | float) -> float:
    """Return the duration in seconds.

    Bare numbers are taken as seconds. Raises ``DurationError`` for anything else that is not one of
    the documented forms, or for a negative value.
    """
    if isinstance(value, bool):
        raise DurationError(f"expected {DURATION_HELP}, got {value!r}")
    if isinstance(value, int | float):
        if value < 0:
            raise DurationError(f"expected a positive duration, got {value!r}")
        return _bounded(value)
    if not isinstance(value, str):
        raise DurationError(f"expected {DURATION_HELP}, got {type(value).__name__}")
    text = value.strip().lower()
    if not text:
        raise DurationError(f"expected {DURATION_HELP}, got an empty string")
    clock = _CLOCK.match(text)
    if clock:
        hours = int(clock["h"] or 0)
        minutes, seconds = int(clock["m"]), float(clock["s"])
        if (minutes >= 60 and clock["h"] is not None) or seconds >= 60:
            raise DurationError(f"expected {DURATION_HELP}, got {value!r} (minutes and seconds must be < 60)")
        return _bounded(hours * 3600 + minutes * 60 + seconds)
    units = _UNITS.match(text)
    if units and any(units[u] for u in "hms"):
        return _bounded(sum(float(units[u] or 0) * _UNIT_S[u] for u in "hms"))
    raise DurationError(f"expected {DURATION_HELP}, got {value!r}")


MAX_DURATION_S = 10**9
"""About 30 years: anything longer (or infinite, or not a number) is a typing mistake."""


def _bounded(seconds: int | float) -> float:
    if not seconds <= MAX_DURATION_S:  # also catches NaN
        shown = seconds if isinstance(seconds, float) else "a huge number"
        raise DurationError(f"expected a duration of at most {MAX_DURATION_S:,} seconds, got {shown}")
    return float(seconds)


def format_duration(seconds: float) -> str:
    """Format seconds as the shortest unit form, e.g. ``1h30m``, ``7m30s``, ``45s``, ``0s``."""
    total = round(seconds)
    sign = "-" if total < 0 else ""
    total = abs(total)
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    parts = [
        f"{hours}h" if hours else "",
        f"{minutes}m" if minutes else "",
        f"{secs}s" if secs else "",
    ]
    return sign + ("".join(parts) or "0s")


def format_clock(seconds: float) -> str:
    """Format seconds as ``HH:MM:SS`` (scenario clock display)."""
    total = max(0, int(seconds))
    hours, rest = divmod(total, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours:02d}:{minutes:02d}:{secs:02d}"
