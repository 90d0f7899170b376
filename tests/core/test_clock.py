"""The three ways a time is written (``incsim.clock``): a point of the week, a drill's clock and
a wall-clock duration."""

from __future__ import annotations

import math

from incsim.clock import drill_time, duration, weekday_time


def test_a_point_of_the_week_is_its_day_and_time_cut_to_the_minute():
    days = [weekday_time(d * 1440 + 600) for d in range(7)]
    assert days == [f"{d} 10:00 UTC" for d in ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")]
    assert weekday_time(None) == "n/a" and weekday_time(math.nan) == "n/a"
    assert weekday_time(6 * 1440 + 23 * 60 + 59.9) == "Sun 23:59 UTC"
    assert weekday_time(8 * 1440 + 61) == "Tue 01:01 UTC"  # the week wraps
    assert weekday_time(1440 + 14 * 60 + 19, None) == "Tue 14:19"  # a local time has no zone
    assert weekday_time(-1, None) == "Sun 23:59"


def test_a_drills_clock_counts_minutes_and_seconds_from_its_start():
    assert drill_time(9) == "T+09:00" and drill_time(0.5) == "T+00:30"
    assert drill_time(125) == "T+125:00"  # minutes are not wrapped into hours
    assert drill_time(12.5) == "T+12:30" and drill_time(-1.5) == "T-01:30" and drill_time(None) == "—"


def test_a_duration_is_in_the_unit_read_at_a_glance():
    assert [duration(s) for s in (-3, 0, 45, 89.4)] == ["0 s", "0 s", "45 s", "89 s"]
    assert [duration(s) for s in (90, 180, 5399)] == ["2 min", "3 min", "90 min"]
    assert [duration(s) for s in (5400, 4320)] == ["1.5 h", "72 min"]
