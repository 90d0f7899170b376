"""Short cuts in people.py give what the general computation gives."""

from __future__ import annotations

import math

import numpy as np
import pytest

from incsim.model.people import DAY, Engineer, union_sorted


def _engineer(offset: float, start: float, end: float, weekends_off: bool) -> Engineer:
    return Engineer(id="x-1", team="x", index=0, is_lead=False, utc_offset_hours=offset, start_hour=start,
                    end_hour=end, weekends_off=weekends_off, roles=())


def _searched(e: Engineer, t: float) -> float:
    """next_change by the search over the window's working spans (the general path)."""
    for a, b in union_sorted(e.work_intervals(t - DAY, t + 8 * DAY)):
        if a <= t < b:
            return b
        if a > t:
            return a
    return math.inf


@pytest.mark.parametrize("offset", [0.0, -5.0, 5.5, 9.0, -11.75, 14.0])
def test_around_the_clock_next_change_is_the_searched_one(offset: float) -> None:
    e = _engineer(offset, 0, 24, False)
    assert e._around_the_clock
    rng = np.random.default_rng(1)
    times = [0.0, 1e-9, 59.999, 1440.0, 10079.9, *rng.uniform(0, 400 * DAY, 500).tolist(),
             *rng.uniform(0, 10, 50).tolist()]
    for t in times:
        assert e.next_change(t) == _searched(e, t), t


@pytest.mark.parametrize("hours", [(0, 24, True), (9, 17, False), (0, 23.5, False), (0.5, 24, False)])
def test_other_hours_take_the_general_path(hours) -> None:
    e = _engineer(2.0, *hours)
    assert not e._around_the_clock
    for t in np.random.default_rng(2).uniform(0, 60 * DAY, 200).tolist():
        assert e.next_change(t) == _searched(e, t)
