"""Sobol' indices from a sparse polynomial-chaos surrogate fitted on ``N`` design points.

A study's design point is a quantile ``u`` in [0, 1) per parameter (each range's inverse
distribution turns it into a value), and the quantiles are independent and uniform: so the
difference, as a function of ``u``, has an expansion on products of Legendre polynomials, which
are orthonormal for that measure. Once the expansion is known, every Sobol' index is a sum of its
squared coefficients (Sudret 2008, "Global sensitivity analysis using polynomial chaos
expansions", Reliability Engineering & System Safety 93(7), 964-979): the first-order index of
parameter i sums the terms in ``u_i`` alone, the total index every term that involves ``u_i``.

The expansion is sparse and found by regression, after Blatman & Sudret (2011), "Adaptive
sparse polynomial chaos expansion based on Least Angle Regression", Journal of Computational
Physics 230(6), 2345-2367: candidate terms up to total degree 1 to 5 with at most two parameters
each; terms join the fit greedily, the one most correlated with what the current fit leaves
unexplained first (orthogonal matching pursuit, Pati, Rezaiifar & Krishnaprasad 1993, one of
UQLab's sparse solvers, in place of their least angle regression); and the number of terms and
the degree are those with the smallest error in a 5-fold cross-validation that repeats the greedy
choice inside every fold (a leave-one-out error computed after choosing terms from thousands of
candidates on the same 64 points rewards fitting noise). So ``N`` points give both first-order
and total indices, whatever the number of parameters.

Indices are shares of the whole variance of the outputs: what the surrogate leaves unexplained
(simulation noise, a misfit) counts in the denominator, as it does in Saltelli's estimators, so a
noisy difference does not hand all of its variance to the assumptions. Confidence half-widths
come from refitting the selected terms on bootstrap resamples of the points (1.96 standard
deviations, as SALib states its own).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from itertools import combinations

import numpy as np

MAX_DEGREE = 5
"""The highest total degree tried."""

MAX_INTERACTION = 2
"""At most this many parameters in one term (Blatman & Sudret's low-rank truncation)."""

MIN_POINTS_PER_TERM = 2
"""At least this many design points per coefficient."""

BOOTSTRAP = 100
BOOTSTRAP_SEED = 20081
"""Seed of the bootstrap of the indices' confidence half-widths (fixed: same bytes)."""


def legendre(u: np.ndarray, degree: int) -> np.ndarray:
    """Orthonormal Legendre polynomials of degree 0..``degree`` for u uniform on [0, 1), one column each."""
    x = 2.0 * u - 1.0
    p = [np.ones_like(x), x]
    for n in range(1, degree):
        p.append(((2 * n + 1) * x * p[n] - n * p[n - 1]) / (n + 1))
    return np.stack([p[n] * math.sqrt(2 * n + 1) for n in range(degree + 1)], axis=-1)


def candidate_terms(d: int, degree: int) -> list[tuple[tuple[int, int], ...]]:
    """Every term up to total ``degree`` with at most ``MAX_INTERACTION`` parameters, as
    ((parameter, degree), ...); the constant term is not listed."""
    terms: list[tuple[tuple[int, int], ...]] = [((i, k),) for k in range(1, degree + 1) for i in range(d)]
    if MAX_INTERACTION >= 2:
        for total in range(2, degree + 1):
            for i, j in combinations(range(d), 2):
                terms += [((i, a), (j, total - a)) for a in range(1, total)]
    return terms


def basis_matrix(u: np.ndarray, terms: list[tuple[tuple[int, int], ...]], degree: int) -> np.ndarray:
    """The value of each term at each point (rows: points, columns: terms)."""
    polys = legendre(u, degree)  # points x parameters x degree+1
    cols = []
    for term in terms:
        col = np.ones(len(u))
        for i, k in term:
            col = col * polys[:, i, k]
        cols.append(col)
    return np.stack(cols, axis=1) if cols else np.zeros((len(u), 0))


FOLDS = 5
"""Folds of the cross-validation that picks the number of terms and the degree."""


def _path(psi: np.ndarray, y: np.ndarray, steps: int) -> list[int]:
    """Orthogonal matching pursuit: the columns of ``psi`` in the order they join the fit of ``y``
    (a constant included throughout), at most ``steps`` of them."""
    n = len(y)
    norms = np.linalg.norm(psi, axis=0)
    norms[norms == 0] = 1.0
    chosen: list[int] = []
    resid = y - y.mean()
    for _ in range(steps):
        if float(resid @ resid) <= 1e-24 * max(1.0, float(y @ y)):
            break
        score = np.abs(psi.T @ resid) / norms
        score[chosen] = -1.0
        chosen.append(int(np.argmax(score)))
        a = np.column_stack([np.ones(n), psi[:, chosen]])
        coef, *_ = np.linalg.lstsq(a, y, rcond=None)
        resid = y - a @ coef
    return chosen


@dataclass(frozen=True)
class Fit:
    """A sparse expansion: its terms, their coefficients (the constant first), its degree and its
    cross-validated mean squared error."""

    terms: tuple[tuple[tuple[int, int], ...], ...]
    coef: np.ndarray
    degree: int
    error: float


def fit_sparse(u: np.ndarray, y: np.ndarray, degree: int) -> Fit:
    """The expansion of total degree up to ``degree`` whose length along the greedy path has the
    smallest cross-validated error. The path is chosen again inside every fold, so the error is
    that of the whole procedure and a term that only fits noise does not pay."""
    n = len(y)
    terms = candidate_terms(u.shape[1], degree)
    psi = basis_matrix(u, terms, degree)
    steps = min(len(terms), n // MIN_POINTS_PER_TERM - 1)
    sse = np.zeros(steps + 1)
    fold = np.arange(n) % FOLDS
    for f in range(FOLDS):
        test, train = fold == f, fold != f
        order = _path(psi[train], y[train], steps)
        for k in range(steps + 1):
            if k > len(order):
                sse[k] = math.inf
                continue
            cols = order[:k]
            a = np.column_stack([np.ones(int(train.sum())), psi[train][:, cols]])
            coef, *_ = np.linalg.lstsq(a, y[train], rcond=None)
            pred = coef[0] + psi[test][:, cols] @ coef[1:]
            sse[k] += float(np.sum((y[test] - pred) ** 2))
    best = int(np.argmin(sse))
    order = _path(psi, y, best)
    a = np.column_stack([np.ones(n), psi[:, order]])
    coef, *_ = np.linalg.lstsq(a, y, rcond=None)
    return Fit(tuple(terms[c] for c in order), coef, degree, float(sse[best]) / n)


def fit_expansion(u: np.ndarray, y: np.ndarray) -> Fit:
    """The sparse expansion of the degree (1 to ``MAX_DEGREE``) with the smallest cross-validated error."""
    fits = [fit_sparse(u, y, p) for p in range(1, MAX_DEGREE + 1)]
    return min(fits, key=lambda f: (f.error, f.degree))


def _indices(fit: Fit, coef: np.ndarray, d: int, total_var: float) -> tuple[np.ndarray, np.ndarray]:
    s1, st = np.zeros(d), np.zeros(d)
    for term, c in zip(fit.terms, coef[1:]):
        share = c * c / total_var
        for i, _ in term:
            st[i] += share
        if len(term) == 1:
            s1[term[0][0]] += share
    return s1, st


def pce_indices(u: np.ndarray, y: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Per parameter (first_order, total, first_order_conf, total_conf) of ``y`` observed at the
    design points ``u`` (rows: points, columns: parameters' quantiles); all zero when ``y`` does
    not vary, NaN when an output is missing."""
    d = u.shape[1]
    if np.isnan(y).any():
        return [(math.nan,) * 4] * d
    if np.var(y) == 0:
        return [(0.0, 0.0, 0.0, 0.0)] * d
    fit = fit_expansion(u, y)
    s1, st = _indices(fit, fit.coef, d, _total_variance(fit, fit.coef, u, y))
    a = np.column_stack([np.ones(len(y)), basis_matrix(u, list(fit.terms), fit.degree)])
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    b1, bt = [], []
    for _ in range(BOOTSTRAP):
        rows = rng.integers(0, len(y), len(y))
        coef, *_ = np.linalg.lstsq(a[rows], y[rows], rcond=None)
        var = _total_variance(fit, coef, u[rows], y[rows], a[rows])
        if var > 0:
            x1, xt = _indices(fit, coef, d, var)
            b1.append(x1)
            bt.append(xt)
    c1 = 1.96 * np.std(b1, axis=0) if b1 else np.zeros(d)
    ct = 1.96 * np.std(bt, axis=0) if bt else np.zeros(d)
    return [(float(s1[i]), float(st[i]), float(c1[i]), float(ct[i])) for i in range(d)]


def _total_variance(
    fit: Fit, coef: np.ndarray, u: np.ndarray, y: np.ndarray, a: np.ndarray | None = None
) -> float:
    """The surrogate's variance (its squared non-constant coefficients) plus the mean squared
    residual it leaves: the whole variance of the outputs, explained and unexplained."""
    if a is None:
        a = np.column_stack([np.ones(len(y)), basis_matrix(u, list(fit.terms), fit.degree)])
    resid = y - a @ coef
    return float(np.sum(coef[1:] ** 2) + np.mean(resid**2))
