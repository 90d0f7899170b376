"""Fits to real history: durations by maximum likelihood with right-censoring, arrivals, delays.

Durations: lognormal, gamma, Weibull and exponential (scipy.stats, location fixed at 0), each
fitted by maximising the censored log-likelihood  sum log f(x_i) over resolved incidents plus
sum log S(c_j) over open ones (S = 1 - F, c_j = time open so far), with Nelder-Mead on the log
of the parameters; ranked by AIC = 2k - 2 log L. Goodness of fit: the Kolmogorov-Smirnov
distance between the resolved durations and the fitted CDF, with its p-value (optimistic: the
parameters were fitted on the same data; with censoring only resolved incidents enter it).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from itertools import pairwise

import numpy as np
from scipy import optimize
from scipy import stats as sps

FAMILIES = ("lognormal", "gamma", "weibull", "exponential")
QUANTILES = (0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


@dataclass(frozen=True)
class Fit:
    """One family fitted to one group's durations (minutes)."""

    family: str
    params: dict[str, float]
    loglik: float
    aic: float

    @property
    def k(self) -> int:
        """Number of fitted parameters."""
        return len(self.params)

    def dist(self):
        """The fitted distribution as a frozen scipy.stats object."""
        p = self.params
        if self.family == "lognormal":
            return sps.lognorm(s=p["sigma"], scale=math.exp(p["mu"]))
        if self.family == "gamma":
            return sps.gamma(a=p["shape"], scale=p["scale"])
        if self.family == "weibull":
            return sps.weibull_min(c=p["shape"], scale=p["scale"])
        return sps.expon(scale=p["mean"])

    @property
    def median(self) -> float:
        """Median of the fitted distribution, minutes."""
        return float(self.dist().median())

    @property
    def mean(self) -> float:
        """Mean of the fitted distribution, minutes."""
        return float(self.dist().mean())


def _neg_loglik(logpdf, logsf, x: np.ndarray, cens: np.ndarray) -> float:
    value = -(np.sum(logpdf(x[~cens])) + np.sum(logsf(x[cens])))
    return float(value) if np.isfinite(value) else 1e300


def _minimise(f, start: list[float]) -> tuple[np.ndarray, float]:
    def bounded(t):
        # a log-parameter past 709 is a parameter beyond a float: the worst value, as for a
        # likelihood that is not finite (durations all alike walk a Weibull's shape there)
        try:
            with np.errstate(all="ignore"):  # a value that is not finite is the worst one already
                return f(t)
        except OverflowError:
            return 1e300

    res = optimize.minimize(
        bounded,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-7, "fatol": 1e-9, "maxiter": 4000},
    )
    return res.x, float(res.fun)


def fit_family(family: str, x: np.ndarray, cens: np.ndarray) -> Fit:
    """The censored maximum-likelihood fit of one family."""
    logs = np.log(x)
    if family == "lognormal":

        def nll(t):
            return _neg_loglik(
                lambda v: sps.norm.logpdf(np.log(v), t[0], math.exp(t[1])) - np.log(v),
                lambda v: sps.norm.logsf(np.log(v), t[0], math.exp(t[1])),
                x,
                cens,
            )

        t, f = _minimise(nll, [logs.mean(), math.log(max(logs.std(), 1e-3))])
        params = {"mu": float(t[0]), "sigma": math.exp(t[1])}
    elif family == "gamma":
        m, v = x.mean(), max(x.var(), 1e-9)

        def nll(t):
            a, s = math.exp(t[0]), math.exp(t[1])
            return _neg_loglik(
                lambda u: sps.gamma.logpdf(u, a, scale=s), lambda u: sps.gamma.logsf(u, a, scale=s), x, cens
            )

        t, f = _minimise(nll, [math.log(m * m / v), math.log(v / m)])
        params = {"shape": math.exp(t[0]), "scale": math.exp(t[1])}
    elif family == "weibull":

        def nll(t):
            c, s = math.exp(t[0]), math.exp(t[1])
            return _neg_loglik(
                lambda u: sps.weibull_min.logpdf(u, c, scale=s),
                lambda u: sps.weibull_min.logsf(u, c, scale=s),
                x,
                cens,
            )

        t, f = _minimise(nll, [0.0, math.log(x.mean())])
        params = {"shape": math.exp(t[0]), "scale": math.exp(t[1])}
    elif family == "exponential":
        events = max(int((~cens).sum()), 1)
        mean = float(x.sum() / events)  # closed form with censoring: total exposure / events
        f = _neg_loglik(
            lambda u: sps.expon.logpdf(u, scale=mean), lambda u: sps.expon.logsf(u, scale=mean), x, cens
        )
        params = {"mean": mean}
    else:
        raise ValueError(f"unknown family {family!r}")
    return Fit(family, params, -f, 2 * len(params) + 2 * f)


def _durations(durations, censored) -> tuple[np.ndarray, np.ndarray]:
    """The durations as an array and their censoring flags as booleans (none when not given): a
    flag of 1 or 0 means what True or False does (``~`` on an integer array would not)."""
    x = np.asarray(durations)
    cens = np.zeros(len(x), dtype=bool) if censored is None else np.asarray(censored, dtype=bool)
    return x, cens


def fit_durations(durations, censored=None) -> list[Fit]:
    """Every family fitted to positive durations (minutes), best (lowest AIC) first."""
    x, cens = _durations(durations, censored)
    if len(x) == 0 or np.any(x <= 0):
        raise ValueError("durations must be positive and not empty")
    fits = [fit_family(f, x, cens) for f in FAMILIES]
    return sorted(fits, key=lambda fit: (fit.aic, FAMILIES.index(fit.family)))


def goodness_of_fit(fit: Fit, durations, censored=None) -> dict:
    """Kolmogorov-Smirnov distance (and p-value) of the resolved durations from the fit."""
    x, cens = _durations(durations, censored)
    x = x[~cens]
    res = sps.kstest(x, fit.dist().cdf)
    return {"test": "KS", "statistic": float(res.statistic), "p_value": float(res.pvalue), "n": len(x)}


def kaplan_meier(durations, censored=None) -> tuple[np.ndarray, np.ndarray]:
    """The Kaplan-Meier estimate of the duration CDF: (times, F(time)) at each resolution."""
    x, cens = _durations(durations, censored)
    order = np.lexsort((cens, x))  # at a tie, resolutions come before censorings
    x, cens = x[order], cens[order]
    at_risk = len(x) - np.arange(len(x))
    surv = np.cumprod(np.where(cens, 1.0, 1.0 - 1.0 / at_risk))
    keep = ~cens
    return x[keep], 1.0 - surv[keep]


def summary(values) -> dict | None:
    """n, mean, median and 90th percentile of a list of numbers (None when empty)."""
    v = np.asarray([x for x in values if x is not None])
    if len(v) == 0:
        return None
    return {
        "n": len(v),
        "mean": float(v.mean()),
        "median": float(np.median(v)),
        "p90": float(np.quantile(v, 0.9)),
    }


def lognormal_of_logs(values, min_n: int) -> dict | None:
    """A lognormal by the moments of the logs of the positive values (``median_min``, ``sigma``,
    ``n``); None with fewer than ``min_n`` of them."""
    pos = np.asarray([v for v in values if v is not None and v > 0])
    if len(pos) < min_n:
        return None
    logs = np.log(pos)
    return {"median_min": float(np.exp(logs.mean())), "sigma": float(logs.std()), "n": len(pos)}


def _monday(t: datetime) -> datetime:
    day = t.replace(hour=0, minute=0, second=0, microsecond=0)
    return day - timedelta(days=day.weekday())


def arrivals(starts: list[datetime]) -> dict:
    """Arrival process: rate per week, weekday share, 168-value hour-of-week profile (UTC, Monday
    00:00 first; shares of incidents summing to 1), and whether weekly counts are over-dispersed.

    Over-dispersion: the index of dispersion (variance / mean of counts per calendar week, empty
    weeks included) against the Poisson value 1, with the chi-square test (k - 1) * D ~ chi2(k - 1).
    """
    starts = sorted(starts)
    n = len(starts)
    first, last = _monday(starts[0]), _monday(starts[-1]) + timedelta(days=7)
    weeks = max(1, round((last - first).days / 7))
    counts = np.zeros(weeks)
    hours = np.zeros(168)
    for t in starts:
        counts[min(weeks - 1, (t - first).days // 7)] += 1
        hours[t.weekday() * 24 + t.hour] += 1
    mean = float(counts.mean())
    var = float(counts.var(ddof=1)) if weeks > 1 else 0.0
    dispersion = var / mean  # every start is counted in a week: the mean is above 0
    p_value = float(sps.chi2.sf((weeks - 1) * dispersion, weeks - 1)) if weeks > 1 else None
    return {
        "per_week": n / weeks,
        "weeks": weeks,
        "n": n,
        "weekday_share": sum(1 for t in starts if t.weekday() < 5) / n,
        "hour_of_week": [float(h / n) for h in hours],
        "weekly_counts": {
            "mean": mean,
            "variance": var,
            "dispersion_index": dispersion,
            "p_value_poisson": p_value,
            "overdispersed": bool(p_value is not None and p_value < 0.05),
        },
    }


def update_gaps(update_times: list[tuple[datetime, ...]]) -> dict | None:
    """Gaps between consecutive status updates of the same incident, minutes."""
    gaps = [(b - a).total_seconds() / 60.0 for times in update_times for a, b in pairwise(times)]
    s = summary(gaps)
    if s is None:
        return None
    return {"gap_median_min": s["median"], "gap_mean_min": s["mean"], "gap_p90_min": s["p90"], "n": s["n"]}
