"""Short cuts in people.py give what the general computation gives."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from incsim.model.people import DAY, Engineer


def _engineer(offset: float, start: float, end: float, weekends_off: bool) -> Engineer:
    return Engineer(
        id="x-1",
        team="x",
        index=0,
        is_lead=False,
        utc_offset_hours=offset,
        start_hour=start,
        end_hour=end,
        weekends_off=weekends_off,
        duties=(),
    )


def _general(e: Engineer) -> Engineer:
    """The same engineer with the around-the-clock short cut switched off (the general search)."""
    g = copy.copy(e)
    object.__setattr__(g, "_around_the_clock", False)
    return g


@pytest.mark.parametrize("offset", [0.0, -5.0, 5.5, 9.0, -11.75, 14.0])
def test_around_the_clock_next_change_is_the_searched_one(offset: float) -> None:
    e = _engineer(offset, 0, 24, False)
    assert e._around_the_clock
    rng = np.random.default_rng(1)
    times = [
        0.0,
        1e-9,
        59.999,
        1440.0,
        10079.9,
        *rng.uniform(0, 400 * DAY, 500).tolist(),
        *rng.uniform(0, 10, 50).tolist(),
    ]
    for t in times:
        assert e.next_change(t) == _general(e).next_change(t), t


@pytest.mark.parametrize("hours", [(0, 24, True), (9, 17, False), (0, 23.5, False), (0.5, 24, False)])
def test_other_hours_take_the_general_path_to_the_next_change_of_working(hours) -> None:
    e = _engineer(2.0, *hours)
    assert not e._around_the_clock
    for t in np.random.default_rng(2).uniform(0, 60 * DAY, 200).tolist():
        nxt = e.next_change(t)
        assert t < nxt <= t + 8 * DAY
        # working or not holds from t up to the change, and flips there
        assert all(e.working(t + f * (nxt - t)) == e.working(t) for f in (0.25, 0.5, 0.75, 0.999))
        assert e.working(nxt) != e.working(t), (t, nxt)
