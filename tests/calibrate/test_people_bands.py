"""Noise bands of the review's people figures: resampled months of whole incidents."""

from __future__ import annotations

import math

import numpy as np
import pytest
from people_helpers import OrgParams, write_org

from incsim.calibrate import people as pm
from incsim.calibrate.review import MIN_MONTH, PEOPLE_COLUMNS, people_cell, resampled_band, with_people

Z90 = 1.6448536269514722  # standard normal 95% quantile


def _mean(units):
    return {"mean": float(np.mean(units))}


def test_band_of_a_share_matches_the_binomial_difference():
    # months of 100 units half of which count: each month's share has sd 0.05, the difference
    # of two months sd 0.05 * sqrt(2), so the 90% half-width is 1.645 * 0.0707 = 0.116
    band = resampled_band([0.0] * 50 + [1.0] * 50, 100, _mean)["mean"]
    assert band == pytest.approx(Z90 * 0.05 * math.sqrt(2), abs=0.012)


def test_zero_hours_take_no_logarithm():
    # incidents whose calls had no watchers: zero non-essential hours, a band of zero, no error
    assert resampled_band([0.0] * 12, 5, _mean) == {"mean": 0.0}
    mostly_zero = resampled_band([0.0] * 9 + [3.0], 10, _mean)["mean"]
    # one incident in ten with 3 h: per-incident sd 0.9, difference of two means of 10: sd 0.402
    assert mostly_zero == pytest.approx(Z90 * 0.9 * math.sqrt(2 / 10), rel=0.2)


def test_a_rate_with_the_same_ratio_everywhere_has_no_band():
    units = [(2 * h, h) for h in (0.5, 1.0, 3.0, 7.5)]  # two requests per channel hour in each
    band = resampled_band(units, 6, lambda u: {"rate": sum(r for r, _ in u) / sum(h for _, h in u)})
    assert band["rate"] == pytest.approx(0.0, abs=1e-12)


def test_too_few_incidents_or_values_give_no_band():
    assert resampled_band([1.0, 2.0, 3.0], MIN_MONTH - 1, _mean) == {}

    def sparse(units):  # a figure most months lack
        vals = [u for u in units if u > 0]
        return {"sparse": float(np.mean(vals)) if vals else None}

    # one unit in ten has a value: a month of 3 has one with chance 0.27, a pair 0.07 < 1/2
    assert resampled_band([0.0] * 9 + [5.0], 3, sparse) == {"sparse": None}


def test_same_count_same_band():
    units = list(np.linspace(0, 4, 17))
    assert resampled_band(units, 5, _mean) == resampled_band(units, 5, _mean)
    assert resampled_band(units, 5, _mean) != resampled_band(units, 9, _mean)


@pytest.fixture(scope="module")
def incidents(tmp_path_factory):
    slack, reports = write_org(tmp_path_factory.mktemp("org"), OrgParams(incidents=40))
    return pm.read_people(slack, reports)[1]


def test_review_people_bands_agree_with_the_normal_approximation(incidents):
    result = with_people({"months": [{"month": "2026-04", "mttr_min": 50.0}]}, incidents)
    p = result["months"][0]["people"]
    n = p["incidents"]
    assert n >= MIN_MONTH
    bands = p["noise_band"]
    assert set(bands) == {k for k, _, _ in PEOPLE_COLUMNS} - {"incidents"}
    # a mean per incident: 1.645 * sd * sqrt(2 / n)
    ne = np.array([sum(c.non_essential_hours for c in i.calls) for i in incidents])
    eh = np.array([i.engineer_hours() for i in incidents])
    assert all(i.calls for i in incidents)
    assert bands["non_essential_hours_per_incident"] == pytest.approx(
        Z90 * ne.std() * math.sqrt(2 / n), rel=0.15
    )
    assert bands["engineer_hours_per_incident"] == pytest.approx(Z90 * eh.std() * math.sqrt(2 / n), rel=0.15)
    # a ratio of sums (delta method): sd of (r_i - R h_i) over the mean of h, times sqrt(2 / n)
    r = np.array([len(i.requests) for i in incidents], float)
    h = np.array([i.hours for i in incidents])
    resid = r - r.sum() / h.sum() * h
    assert bands["update_requests_per_hour"] == pytest.approx(
        Z90 * resid.std() / h.mean() * math.sqrt(2 / n), rel=0.2
    )
    stayed = np.array([sum(len(c.stayed) for c in i.calls) for i in incidents], float)
    size = np.array([sum(c.size for c in i.calls) for i in incidents], float)
    resid = stayed - stayed.sum() / size.sum() * size
    assert bands["stay_to_end_share"] == pytest.approx(
        Z90 * resid.std() / size.mean() * math.sqrt(2 / n), rel=0.2
    )
    for key in ("update_gap_median_min", "time_to_first_responder_median_min", "call_size_median"):
        assert bands[key] is not None and bands[key] >= 0
    assert result["people_noise_band"]["baseline_incidents"] == len(incidents)
    cell = people_cell(p, "non_essential_hours_per_incident", "{:.2f}")
    assert (
        cell
        == f"{p['non_essential_hours_per_incident']:.2f} ±{bands['non_essential_hours_per_incident']:.2f}"
    )
