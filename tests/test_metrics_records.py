"""Incident rows and summary statistics, rule by rule, on logs and samples small enough to work
out by hand. Every expected figure is arithmetic on the data written in the test."""

from __future__ import annotations

import math

import pytest

from incsim.metrics import t_interval


def test_a_t_interval_of_two_values_by_hand():
    """Values 1 and 3: mean 2, sample sd sqrt(2), t(0.975, 1) = 12.706: 2 +- 12.706."""
    m, lo, hi = t_interval([1.0, 3.0])
    half = 12.706204736 * math.sqrt(2) / math.sqrt(2)
    assert (m, lo, hi) == pytest.approx((2.0, 2.0 - half, 2.0 + half), rel=1e-6)
