"""Time in words: the three ways incsim writes a time, one function each.

- ``weekday_time``: a point of the simulated week, ``Tue 02:33 UTC`` (the run report) or a
  local ``Tue 14:19`` (beside a drill's clock);
- ``drill_time``: simulated minutes since a drill's start, ``T+09:30`` (every face of a drill
  and its after-action report);
- ``duration``: wall-clock seconds, ``45 s``, ``3 min``, ``1.2 h`` (progress and estimates).

Imports nothing of incsim, so any layer can use it.
"""

from __future__ import annotations

import math

DAY_NAMES = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def weekday_time(minutes: float | None, zone: str | None = "UTC") -> str:
    """Minutes from a Monday 00:00 as the day and the time (cut to the minute) with ``zone``
    after it (``Tue 02:33 UTC``; no zone with ``None``); ``n/a`` for no time."""
    if minutes is None or not math.isfinite(minutes):
        return "n/a"
    m = int(minutes % 1440)
    text = f"{DAY_NAMES[int(minutes // 1440) % 7]} {m // 60:02d}:{m % 60:02d}"
    return f"{text} {zone}" if zone else text


def drill_time(minutes: float | None) -> str:
    """Simulated minutes since a drill's T0 as ``T+MM:SS`` (minutes not wrapped into hours;
    ``T-`` before it); an em dash for no time."""
    if minutes is None:
        return "—"
    sign = "-" if minutes < 0 else "+"
    secs = round(abs(minutes) * 60)
    return f"T{sign}{secs // 60:02d}:{secs % 60:02d}"


def duration(seconds: float) -> str:
    """Wall-clock seconds in the unit a person reads at a glance: ``45 s``, ``3 min``, ``1.2 h``."""
    seconds = max(0.0, seconds)
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"
