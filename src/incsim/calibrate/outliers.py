"""Outliers set aside, never swallowed: the robust rules the importers and fits apply, stated once.

- **Start times** (``fences``): fences at ``FENCE_K`` interquartile ranges. A start before
  Q1 - 10 IQR or after Q3 + 10 IQR of all the export's start times (needs ``MIN_N`` starts and a
  spread) is a record dated far from the rest (an incident in 2999 or 1900 among a year of
  history). It is left out of every result, arrival rates above all: one such date otherwise
  stretches the observed span and divides the rate by it. Ten, not Tukey's three: incidents come
  in clusters, and a real excerpt of ten Google Cloud incidents (six of them on one day) puts a
  genuine incident nine months later 3.05 IQR past Q3; a mistyped year lands hundreds of IQRs out.
- **Durations and delays** (``log_mad``): a value whose logarithm is more than ``LOG_MAD_K``
  scaled median absolute deviations (MAD x 1.4826, the normal's sigma) from the median log. Times
  to resolve are close to lognormal, so this is a sigma rule on the log scale that the outliers
  themselves cannot inflate. Five sigmas: a lognormal sample of a thousand has such a value with
  probability under one in a thousand.

Each rule returns which values it set aside; the caller reports them by incident id.
"""

from __future__ import annotations

import math
from datetime import datetime

import numpy as np

MIN_N = 8
"""Fewer values than this and no rule is applied (too few to tell what is typical)."""
FENCE_K = 10.0
LOG_MAD_K = 5.0
MAD_SCALE = 1.4826

RULES = {
    "starts": f"start before Q1 - {FENCE_K:g} IQR or after Q3 + {FENCE_K:g} IQR of all start times "
    f"(interquartile fences; with {MIN_N} or more incidents)",
    "durations": f"log of the value more than {LOG_MAD_K:g} x 1.4826 x MAD from the median log "
    f"(with {MIN_N} or more values)",
}


def fences(times: list[datetime]) -> tuple[float, float] | None:
    """The far-out fences of ``times`` (seconds since 1970), or None when no rule applies."""
    if len(times) < MIN_N:
        return None
    x = np.array([t.timestamp() for t in times])
    q1, q3 = np.quantile(x, [0.25, 0.75])
    iqr = q3 - q1
    if iqr <= 0:
        return None
    return float(q1 - FENCE_K * iqr), float(q3 + FENCE_K * iqr)


def inside(t: datetime, bounds: tuple[float, float] | None) -> bool:
    """Whether ``t`` is within the fences (always, when there are none)."""
    return bounds is None or bounds[0] <= t.timestamp() <= bounds[1]


def log_mad(values: list[float]) -> list[bool]:
    """For each positive value, whether the log-MAD rule sets it aside."""
    v = np.asarray(values)
    out = [False] * len(v)
    pos = v > 0
    if pos.sum() < MIN_N:
        return out
    logs = np.log(v[pos])
    med = float(np.median(logs))
    spread = MAD_SCALE * float(np.median(np.abs(logs - med)))
    if not spread > 0 or not math.isfinite(spread):
        return out
    far = np.abs(logs - med) > LOG_MAD_K * spread
    idx = np.flatnonzero(pos)
    for i, f in zip(idx, far):
        out[int(i)] = bool(f)
    return out
