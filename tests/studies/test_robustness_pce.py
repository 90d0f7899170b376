"""The polynomial-chaos estimator of Sobol' indices on functions whose indices are known exactly:
it recovers them from 64 points in 31 dimensions, gives a parameter that cannot matter nearly
nothing, keeps simulation-like noise out of the assumptions' shares, and is deterministic."""

import numpy as np
import pytest
from scipy.stats import qmc

from incsim.robustness.pce import legendre, pce_indices

D, N = 31, 64


def points(d: int = D, n: int = N) -> np.ndarray:
    return qmc.Sobol(d, scramble=True, seed=7).random(n)


def known(u: np.ndarray) -> np.ndarray:
    """2 P1(u0) + P2(u1) + P1(u0) P1(u2): variances 4, 1 and 1 of a total of 6, so
    S1 = (4/6, 1/6, 0), ST = (5/6, 1/6, 1/6) and every other parameter 0."""
    p = legendre(u, 2)
    return 2 * p[:, 0, 1] + p[:, 1, 2] + p[:, 0, 1] * p[:, 2, 1]


def test_the_legendre_basis_is_orthonormal_for_uniform_quantiles():
    u = (np.arange(20000) + 0.5) / 20000
    p = legendre(u, 5)
    gram = p.T @ p / len(u)
    assert gram == pytest.approx(np.eye(6), abs=1e-3)


def test_exact_indices_of_a_known_expansion_in_31_dimensions():
    u = points()
    got = pce_indices(u, known(u))
    s1 = [g[0] for g in got]
    st = [g[1] for g in got]
    assert s1[:3] == pytest.approx([4 / 6, 1 / 6, 0], abs=0.01)
    assert st[:3] == pytest.approx([5 / 6, 1 / 6, 1 / 6], abs=0.01)
    assert max(st[3:]) < 0.01


def test_noise_stays_unexplained_and_null_parameters_get_nearly_nothing():
    u = points()
    rng = np.random.default_rng(3)
    noisy = known(u) + rng.normal(0, 0.6, N)  # noise variance 0.36 beside 6 explained
    got = pce_indices(u, noisy)
    st = [g[1] for g in got]
    # shares of the whole variance, noise included: 5 / 6.36 and 1 / 6.36
    assert st[0] == pytest.approx(5 / 6.36, abs=0.1)
    assert st[1] == pytest.approx(1 / 6.36, abs=0.08)
    assert sum(st[3:]) < 0.1
    assert all(g[3] > 0 for g in got[:2])  # the bootstrap gives the leading indices a half-width
    # pure noise: no parameter is credited with more than a sliver of it
    pure = pce_indices(u, rng.normal(0, 1, N))
    assert max(g[1] for g in pure) < 0.2


def test_a_smooth_non_polynomial_function_with_an_interaction():
    """y = exp(2 u0) + sin(3 u1) + u0 exp(u2): its ANOVA terms by hand (u0 exp(u2) splits into
    m2 u0 + m0 exp(u2) + (u0 - m0)(exp(u2) - m2) + const), their variances by quadrature."""
    g = (np.arange(200000) + 0.5) / 200000
    m0, m2 = g.mean(), np.exp(g).mean()
    v0 = np.var(np.exp(2 * g) + m2 * g)
    v1 = np.var(np.sin(3 * g))
    v2 = m0**2 * np.var(np.exp(g))
    v02 = np.var(g) * np.var(np.exp(g))
    v = v0 + v1 + v2 + v02
    u = points(5, N)
    y = np.exp(2 * u[:, 0]) + np.sin(3 * u[:, 1]) + u[:, 0] * np.exp(u[:, 2])
    got = pce_indices(u, y)
    assert [g[0] for g in got] == pytest.approx([v0 / v, v1 / v, v2 / v, 0, 0], abs=0.02)
    assert [g[1] for g in got] == pytest.approx([(v0 + v02) / v, v1 / v, (v2 + v02) / v, 0, 0], abs=0.02)


def test_constant_missing_and_repeatable():
    u = points()
    assert pce_indices(u, np.full(N, 3.0)) == [(0.0, 0.0, 0.0, 0.0)] * D
    y = known(u)
    y[5] = np.nan
    assert all(np.isnan(v) for v in pce_indices(u, y)[0])
    assert pce_indices(u, known(u)) == pce_indices(u, known(u))
