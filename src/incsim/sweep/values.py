"""Swept values on an axis and in sentences: numbers, axis positions, units. A value's label is
``incsim.scenario.spelling.format_value``, as in the report."""

from __future__ import annotations

from typing import Any

from pydantic import TypeAdapter, ValidationError

from incsim.scenario import typepath
from incsim.scenario.durations import Duration
from incsim.scenario.overrides import resolve_path
from incsim.scenario.schema import Scenario


def fmt_number(x: float) -> str:
    """A number for a sentence: 3 significant digits, thousands as whole numbers."""
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


_DURATION = TypeAdapter(Duration)


def value_x(value: Any) -> float | None:
    """Where ``value`` sits on a chart's axis: a number, a duration's mean, or None (categorical)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict) and "dist" in value:
        try:
            return float(_DURATION.validate_python(value).mean())
        except (ValidationError, ValueError, TypeError):
            return None
    return None


_UNIT_SUFFIXES = (
    ("_per_hour", "per hour"),
    ("_per_week", "per week"),
    ("_per_min", "per min"),
    ("_min", "min"),
    ("_hours", "h"),
    ("_days", "days"),
    ("hourly_usd", "USD/h"),
    ("_usd", "USD"),
)


def guess_unit(data: dict[str, Any], path: str) -> str:
    """The unit of the value at ``path``: 'min' for durations, else from the key's suffix ('' if unknown)."""
    loc = resolve_path(data, path)
    last = str(loc[-1])
    tp, in_duration = typepath.type_at(Scenario, loc)
    # a room's size is a Duration only for its distributions; it counts people
    if "invite" in loc and "size" in loc:
        return "people"
    if (
        in_duration and last in ("value", "median", "mean", "low", "high", "mode", "values")
    ) or typepath.is_duration(tp):
        return "min"
    for suffix, unit in _UNIT_SUFFIXES:
        if last.endswith(suffix):
            return unit
    return ""
