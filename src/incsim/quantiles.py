"""Quantiles of the normal and Student-t laws in plain Python, to full double precision.

The summaries need one ``t.ppf`` per interval; importing ``scipy.stats`` for it costs more CPU than
a short run of the model. The t law's CDF for whole degrees of freedom is a finite sum
(Abramowitz & Stegun 26.7.3-26.7.4), so Newton's method on it gives the quantile exactly, up to
rounding.
"""

from __future__ import annotations

import math
from functools import lru_cache
from statistics import NormalDist

_NORMAL = NormalDist()


def norm_ppf(p: float) -> float:
    """The standard normal quantile at ``p`` (Wichura's AS 241, about 1e-16 relative)."""
    return _NORMAL.inv_cdf(p)


def t_cdf(t: float, df: int) -> float:
    """P(T <= t) for Student's t with ``df`` (a whole number >= 1) degrees of freedom."""
    return 0.5 + 0.5 * _t_central(t, df)


def _t_central(t: float, df: int) -> float:
    """P(-t < T <= t), signed like ``t``: near 0 it keeps the digits that 0.5 + ... would lose."""
    theta = math.atan(t / math.sqrt(df))
    s, c2 = math.sin(theta), math.cos(theta) ** 2
    if df % 2:  # odd: (2/pi) (theta + sin cos (1 + 2/3 cos^2 + 2*4/(3*5) cos^4 + ...))
        term, total = 1.0, 1.0 if df > 1 else 0.0
        for k in range(1, (df - 1) // 2):
            term *= c2 * (2 * k) / (2 * k + 1)
            total += term
        a = 2.0 / math.pi * (theta + s * math.cos(theta) * total)
    else:  # even: sin (1 + 1/2 cos^2 + 1*3/(2*4) cos^4 + ...)
        term = total = 1.0
        for k in range(1, df // 2):
            term *= c2 * (2 * k - 1) / (2 * k)
            total += term
        a = s * total
    return a


def _t_pdf(t: float, df: int) -> float:
    log_norm = math.lgamma((df + 1) / 2) - math.lgamma(df / 2) - 0.5 * math.log(df * math.pi)
    return math.exp(log_norm - (df + 1) / 2 * math.log1p(t * t / df))


@lru_cache(maxsize=1024)  # a summary asks for the same few quantiles hundreds of times
def t_ppf(p: float, df: int) -> float:
    """The quantile at ``p`` of Student's t with ``df`` (a whole number >= 1) degrees of freedom."""
    if df != int(df) or df < 1:
        raise ValueError(f"degrees of freedom must be a whole number >= 1, got {df}")
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must lie strictly between 0 and 1, got {p}")
    df = int(df)
    if p < 0.5:
        return -t_ppf(1.0 - p, df)
    if p == 0.5:
        return 0.0
    if df == 1:
        return math.tan(math.pi * (p - 0.5))
    if df == 2:
        return (2 * p - 1) / math.sqrt(2 * p * (1 - p))
    # P(-t < T <= t) is concave above 0 and the normal quantile lies below the t quantile, so
    # Newton's steps from it rise to the root; 2p - 1 is exact for p >= 0.5. Stop when a step
    # no longer moves the estimate by more than rounding.
    target = 2.0 * p - 1.0
    t = norm_ppf(p)
    for _ in range(200):
        step = (target - _t_central(t, df)) / (2.0 * _t_pdf(t, df))
        t += step
        if abs(step) <= abs(t) * 4e-16:
            break
    return t
