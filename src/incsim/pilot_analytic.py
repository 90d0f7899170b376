"""The pilot's normal approximation: the chance of each outcome and the power per statistic at
``n`` incidents per arm, in closed form (beside the Monte Carlo figures of ``pilot.py``)."""

from __future__ import annotations

import math

from scipy import stats as sps

from incsim.pilot_baseline import Z90 as _Z90
from incsim.pilot_baseline import History


def _phi(x: float) -> float:
    """Standard normal CDF (math.erfc: scipy's per-call overhead dominates the searches)."""
    return 0.5 * math.erfc(-x / math.sqrt(2))


def analytic_figures(
    baseline: History, n: int, improvement: float, threshold: float, alpha: float
) -> dict[str, dict]:
    """Normal-approximation figures per statistic at n incidents per arm."""
    z90, z_a = _Z90, float(sps.norm.ppf(1 - alpha))
    f, t = improvement, threshold
    figures = {}
    # mean and median: location theta with asymptotic sd omega / sqrt(n), scaled by (1 - F) in the pilot
    density = baseline.median_density(n)
    omega_median = 0.0 if math.isinf(density) else 1.0 / (2.0 * density)
    for name, theta, omega in (
        ("mttr", baseline.mean, baseline.sd),
        ("median", baseline.median, omega_median),
    ):

        def spread(c: float, omega: float = omega) -> float:  # sd of s1 - c*s0 when s1 is unscaled
            return omega * math.sqrt((1 + c * c) / n)

        def prob_below(mean: float, sd: float) -> float:
            return (1.0 if mean < 0 else 0.0 if mean > 0 else 0.5) if sd == 0 else _phi(-mean / sd)

        diff_sd = omega * math.sqrt((1 + (1 - f) ** 2) / n)
        critical = -z_a * omega * math.sqrt(2 / n)
        figures[name] = {
            "p_worse": prob_below(f * theta, diff_sd),  # P(diff > 0), diff ~ N(-F theta, diff_sd)
            "p_phantom": prob_below(t * theta, spread(1 - t)),  # s1 - (1-T)s0 ~ N(T theta, .)
            "p_phantom_worse": prob_below(t * theta, spread(1 + t)),  # (1+T)s0 - s1 ~ N(T theta, .)
            "ci90_halfwidth_min": z90 * diff_sd,
            "mean_difference_min": -f * theta,
            "power": prob_below(-(critical + f * theta), diff_sd),  # P(diff < critical)
        }
    g, s = baseline.geomean, baseline.log_sd
    log_sd = s * math.sqrt(2 / n)  # sd of ln G1 - ln G0
    shift = math.log1p(-f)
    if log_sd == 0:
        p_worse, p_ph, p_phw, power = 0.0 if f > 0 else 0.5, 0.0, 0.0, 1.0 if f > 0 else 0.0
    else:
        p_worse = _phi(shift / log_sd)
        p_ph = _phi(math.log1p(-t) / log_sd)
        p_phw = 1.0 - _phi(math.log1p(t) / log_sd)
        power = _phi(-shift / log_sd - z_a)
    figures["geomean"] = {
        "p_worse": p_worse,
        "p_phantom": p_ph,
        "p_phantom_worse": p_phw,
        # delta method: G1 - G0 with relative sds s/sqrt(n) on each arm
        "ci90_halfwidth_min": z90 * g * s * math.sqrt((1 + (1 - f) ** 2) / n),
        "mean_difference_min": -f * g,
        "power": power,
    }
    return figures
