"""The plain-Python normal and t quantiles agree with scipy.stats to near double precision."""

from __future__ import annotations

import math

import pytest
from scipy import stats

from incsim.quantiles import norm_ppf, t_cdf, t_ppf

DFS = [*range(1, 41), 59, 99, 199, 999, 9999]
PS = [0.001, 0.025, 0.05, 0.1, 0.3, 0.6, 0.9, 0.95, 0.975, 0.995, 0.9995]


@pytest.mark.parametrize("df", DFS)
def test_t_quantile_matches_scipy(df: int) -> None:
    for p in PS:
        assert t_ppf(p, df) == pytest.approx(float(stats.t.ppf(p, df)), rel=1e-11, abs=0), (p, df)


@pytest.mark.parametrize("df", [1, 2, 3, 4, 7, 30, 500])
def test_t_cdf_matches_scipy_and_inverts_the_quantile(df: int) -> None:
    for t in (-8.0, -2.1, -0.3, 0.0, 0.7, 1.96, 12.0):
        assert t_cdf(t, df) == pytest.approx(float(stats.t.cdf(t, df)), rel=1e-13, abs=1e-15)
    for p in PS:
        assert t_cdf(t_ppf(p, df), df) == pytest.approx(p, rel=1e-13)


def test_t_quantile_is_odd_and_zero_at_the_median() -> None:
    assert t_ppf(0.5, 7) == 0.0
    assert t_ppf(0.2, 7) == -t_ppf(0.8, 7)


def test_normal_quantile_matches_scipy() -> None:
    for p in (1e-9, *PS, 1 - 1e-9):
        assert norm_ppf(p) == pytest.approx(float(stats.norm.ppf(p)), rel=1e-13)


@pytest.mark.parametrize("df,p", [(0, 0.9), (2.5, 0.9), (3, 0.0), (3, 1.0), (3, math.nan)])
def test_bad_arguments_are_refused(df: float, p: float) -> None:
    with pytest.raises(ValueError):
        t_ppf(p, df)  # type: ignore[arg-type]
