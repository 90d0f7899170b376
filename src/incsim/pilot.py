"""How monthly incident metrics will look during a pilot: noise, phantom gains and months to power.

The seed essay says "you need 6+ months of data before people believe it". This module puts a
number on that for a given baseline of time-to-resolve (TTR) durations, following the experiment
of Štěpán Davidovič, *Incident Metrics in SRE: Critically Evaluating MTTR and Friends* (Google /
O'Reilly, March 2021; https://sre.google/resources/practices-and-processes/incident-metrics-in-sre/).
That report finds incident durations heavy-tailed (roughly lognormal), then runs a Monte Carlo
experiment: draw two independent samples of incidents from the same historical durations, shrink
one of them by a real improvement (10% in the report) or leave it unchanged, and count how often
the observed MTTR difference is misleading. Its findings, as summarised by J. Benninghoff
(https://jabenninghoff.github.io/security/analysis/measuring-incidents.html): at the sample sizes
it tried (roughly 50-300 incidents) MTTR does not reliably reveal a 10% gain, "improvements"
appear with no change at all, the median fares no better, and the geometric mean only works
from about 500 incidents. The report also gives an analytical (normal) approximation beside the
simulation; so does this module.

The experiment here, per Monte Carlo trial and for a pilot of ``n`` incidents per arm:

- the baseline arm is ``n`` durations drawn from the baseline: a bootstrap resample of historical
  durations (as in the report) or draws from a lognormal fitted by moments;
- the pilot arm is ``n`` independent draws from the same baseline multiplied by ``1 - F``
  (``F`` = the real relative improvement). Every statistic used (mean, median, geometric mean)
  scales with the data, so one draw serves both "no change" (F = 0) and "improved" (F) worlds;
- for each statistic ``s`` the observed difference is ``s(pilot) - s(baseline)`` in minutes.

Figures reported per statistic (MTTR = mean, median, geometric mean):

- ``p_worse``: with the real improvement F, P(s(pilot) > s(baseline)), the pilot looks worse;
- ``p_phantom``: with no real change, P(s(pilot) <= (1 - T) s(baseline)), an observed gain of at
  least the threshold T; ``p_phantom_worse`` is the mirror image, an observed loss of at least T;
- ``ci90_halfwidth_min``: half the width of the central 90% interval of the observed difference
  (with the improvement F), in minutes;
- ``power`` and ``months_for_80pct_power``: the pilot "detects" the improvement when a one-sided
  test at level alpha = 0.05 rejects "no change": the observed difference falls below the 5%
  quantile of its distribution under no change. The test statistic is the difference in minutes
  for the mean and the median, and the log ratio ``ln s(pilot) - ln s(baseline)`` for the
  geometric mean (a z-test on log durations). Power is the probability of detection when the
  improvement is real; months are the fewest (1..``max_months``) at which power reaches 80% with
  ``round(per_month * months)`` incidents per arm. The Monte Carlo takes the critical value from
  the simulated no-change differences, the normal approximation from its null variance; the
  definition is the same in both.

The normal approximation (``analytic_pilot``): the mean difference is Normal(mu1 - mu0,
(sd0^2 + sd1^2)/n) with sd1 = (1 - F) sd0; the geometric mean is a mean on the log scale; the
sample median has asymptotic variance 1 / (4 n f(m)^2), where f is the exact density for a
lognormal baseline; for historical durations f(m) is the slope of their empirical CDF over the
median's own 90% range at n, sized from a Gaussian kernel density estimate of the *log* durations
(see ``History.median_density``): the resampled median only sees the data near the median, and
real durations cluster at round minutes. Observed gains against a threshold use the same
normal law for ``s1 - (1 -/+ T) s0``. The approximation is asymptotic: it agrees with the Monte
Carlo for large n and is poor for a handful of heavy-tailed incidents, which is the point.

Months search: the Monte Carlo at a given ``n`` is seeded by ``(seed, n)`` and cached, so every
figure is a function of the seed alone, whatever order the search visits sample sizes in. The
search starts at the normal approximation's answer (the bracket) and confirms with the Monte
Carlo: if the simulated power there falls short, it looks at the cap (nothing at the cap means
"more than 120 months"), then gallops and bisects to the smallest size whose simulated power
reaches the target (given the Monte Carlo noise, a crossing point, since simulated power is only
monotone in expectation). Typically two or three simulated sizes per statistic.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable
from pathlib import Path

import numpy as np

from incsim.pilot_analytic import analytic_figures
from incsim.pilot_baseline import (  # noqa: F401  (the baseline is part of the pilot's API)
    History,
    baseline_from_csv,
    baseline_from_moments,
    baseline_from_results,
)
from incsim.pilot_defaults import (  # noqa: F401
    DEFAULT_THRESHOLD,
    DEFAULT_TRIALS,
    STATISTICS,
    PilotError,
)

DEFAULT_PILOT_MONTHS = 3  # the seed essay's advice: run the pilot "for three months"
ALPHA = 0.05
TARGET_POWER = 0.8
MAX_MONTHS = 120
MAX_INCIDENTS_PER_ARM = 3000  # per-arm search cap when no monthly rate is given
_CELLS_PER_CHUNK = 4_000_000  # trials x incidents per block: about 50 MB of float32 draws

MIN_SAMPLE = 20
"""Fewest historical durations a pilot analysis accepts. Resampling fewer cannot stand for a
heavy-tailed distribution (one outlier is 5% of the data or more), and the figures it gives
(sd, power, chance of looking worse) would be confident and meaningless; below it the command
refuses. ``calibrate`` has its own, lower floor (``calibrate.records.MIN_SAMPLE``): a fit by
maximum likelihood says something from fewer incidents than a resampled pilot does."""

WARN_SAMPLE = 100
"""Below this many durations the analysis runs but says, in its output, that its figures are
rough: the experiment this module follows worked with roughly 50-300 incidents and found even
those too few for MTTR."""


# -- Monte Carlo ------------------------------------------------------------------------------


def check_arguments(
    improvement: float, threshold: float | None = None, n: int | None = None, trials: int | None = None
) -> None:
    if not (0 <= improvement < 1):
        raise PilotError(f"--improvement must be in [0, 1), got {improvement}")
    if threshold is not None and not (0 < threshold < 1):
        raise PilotError(f"--threshold must be in (0, 1), got {threshold}")
    if n is not None and n < 1:
        raise PilotError(f"incidents per arm must be at least 1, got {n}")
    if trials is not None and trials < 100:
        raise PilotError(f"--trials must be at least 100, got {trials}")


def _trial_stats(baseline: History, n: int, trials: int, seed: int) -> np.ndarray:
    """Per trial, the (mean, median, mean log) of both arms, unscaled: shape (2, 3, trials).

    Seeded by (seed, n) and cached on the baseline, so a sample size always sees the same draws.
    """
    key = ("trials", n, trials, seed)
    if key in baseline._cache:
        return baseline._cache[key]
    rng = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(n,)))
    out = np.empty((2, 3, trials))
    rows = max(1, _CELLS_PER_CHUNK // n)
    for start in range(0, trials, rows):
        stop = min(trials, start + rows)
        for arm in (0, 1):
            values, logs = baseline.draw(rng, (stop - start, n))
            out[arm, 0, start:stop] = values.mean(axis=1, dtype=np.float64)
            out[arm, 1, start:stop] = np.median(values, axis=1)
            out[arm, 2, start:stop] = logs.mean(axis=1, dtype=np.float64)
    baseline._cache[key] = out
    return out


def monte_carlo_figures(
    draws: np.ndarray, improvement: float, threshold: float, alpha: float
) -> dict[str, dict]:
    """Monte Carlo figures per statistic from one set of trial statistics."""
    scale = 1.0 - improvement
    base, pilot = draws[0], draws[1]
    figures = {}
    for i, name in enumerate(STATISTICS):
        if name == "geomean":
            s0, s1 = np.exp(base[i]), np.exp(pilot[i])
            # z-test on log durations: the statistic is the log ratio
            t_null = pilot[i] - base[i]
            t_alt = t_null + math.log(scale)
        else:
            s0, s1 = base[i], pilot[i]
            t_null = s1 - s0
            t_alt = scale * s1 - s0
        diff = scale * s1 - s0
        critical = np.quantile(t_null, alpha)
        lo, hi = np.quantile(diff, [0.05, 0.95])
        figures[name] = {
            "p_worse": float(np.mean(diff > 0)),
            "p_phantom": float(np.mean(s1 <= (1 - threshold) * s0)),
            "p_phantom_worse": float(np.mean(s1 >= (1 + threshold) * s0)),
            "ci90_halfwidth_min": float((hi - lo) / 2),
            "mean_difference_min": float(diff.mean()),
            "power": float(np.mean(t_alt < critical)),
        }
    return figures


def smallest_satisfying(pred: Callable[[int], bool], hi: int, hint: int | None) -> int | None:
    """Smallest k in 1..hi with pred(k), assuming pred is monotone; starts from the hint."""
    start = hi if hint is None else min(max(hint, 1), hi)
    if pred(start):
        top, lo, step = start, 0, 1
        while top - step >= 1:
            if not pred(top - step):
                lo = top - step
                break
            top -= step
            step *= 2
    else:
        if start >= hi or not pred(hi):  # beyond the range: one look at the cap settles it
            return None
        lo, step = start, 1
        while True:
            top = min(hi, lo + step)
            if pred(top):
                break
            lo, step = top, step * 2
    while top - lo > 1:
        mid = (lo + top) // 2
        if pred(mid):
            top = mid
        else:
            lo = mid
    return top


def _search(
    baseline: History,
    improvement: float,
    size: Callable[[int], int],
    hi: int,
    *,
    method: str,
    trials: int,
    seed: int,
    alpha: float,
    target_power: float,
) -> dict[str, int | None]:
    """Per statistic, the smallest step k in 1..hi (n = size(k) per arm) reaching the target power."""
    check_arguments(improvement, trials=trials if method == "monte-carlo" else None)
    if method not in ("monte-carlo", "analytic"):
        raise PilotError(f"unknown method '{method}' (monte-carlo or analytic)")
    if improvement == 0:
        return {name: None for name in STATISTICS}

    def analytic_power(k: int) -> dict[str, float]:
        n = max(1, size(k))
        figures = analytic_figures(baseline, n, improvement, DEFAULT_THRESHOLD, alpha)
        return {name: f["power"] for name, f in figures.items()}

    analytic = {
        name: smallest_satisfying(lambda k, name=name: analytic_power(k)[name] >= target_power, hi, None)
        for name in STATISTICS
    }
    if method == "analytic":
        return analytic

    def mc_power(k: int) -> dict[str, float]:
        draws = _trial_stats(baseline, max(1, size(k)), trials, seed)
        return {
            name: f["power"]
            for name, f in monte_carlo_figures(draws, improvement, DEFAULT_THRESHOLD, alpha).items()
        }

    return {
        name: smallest_satisfying(lambda k, name=name: mc_power(k)[name] >= target_power, hi, analytic[name])
        for name in STATISTICS
    }


def months_for_power(
    baseline: History,
    per_month: float,
    improvement: float,
    *,
    method: str = "monte-carlo",
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    alpha: float = ALPHA,
    target_power: float = TARGET_POWER,
    max_months: int = MAX_MONTHS,
) -> dict[str, int | None]:
    """Per statistic, the fewest months (1..max_months, else None) to detect the improvement.

    Each arm gets ``round(per_month * months)`` incidents; detection is the one-sided test of the
    module docstring; ``method`` is ``"monte-carlo"`` or ``"analytic"`` (normal approximation).
    """
    if not (math.isfinite(per_month) and per_month > 0):
        raise PilotError(f"--per-month must be positive, got {per_month}")
    return _search(
        baseline,
        improvement,
        lambda k: round(per_month * k),
        max_months,
        method=method,
        trials=trials,
        seed=seed,
        alpha=alpha,
        target_power=target_power,
    )


def incident_grid(max_incidents: int = MAX_INCIDENTS_PER_ARM) -> list[int]:
    """Sample sizes searched for power: every size up to 100, then steps of about 1%.

    Near 80% power the Monte Carlo's own noise (about 0.4 points of power at 10,000 trials) is
    worth roughly 1% of the sample size, so a finer search would only report noise.
    """
    steps = math.ceil(math.log(max(max_incidents, 2)) / math.log(1.01)) + 1
    grid = sorted({round(1.01**j) for j in range(steps)} | set(range(1, min(100, max_incidents) + 1)))
    grid = [n for n in grid if n <= max_incidents]
    return grid if grid[-1] == max_incidents else [*grid, max_incidents]


def incidents_for_power(
    baseline: History,
    improvement: float,
    *,
    method: str = "monte-carlo",
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    alpha: float = ALPHA,
    target_power: float = TARGET_POWER,
    max_incidents: int = MAX_INCIDENTS_PER_ARM,
) -> dict[str, int | None]:
    """Per statistic, the fewest incidents per arm on ``incident_grid`` (else None) to detect the improvement."""
    grid = incident_grid(max_incidents)
    found = _search(
        baseline,
        improvement,
        lambda k: grid[k - 1],
        len(grid),
        method=method,
        trials=trials,
        seed=seed,
        alpha=alpha,
        target_power=target_power,
    )
    return {name: None if k is None else grid[k - 1] for name, k in found.items()}


def _with_power_sizes(
    figures: dict[str, dict],
    months: dict[str, int | None] | None,
    incidents: dict[str, int | None],
    per_month: float | None,
) -> dict[str, dict]:
    for name in STATISTICS:
        m = None if months is None else months[name]
        figures[name]["months_for_80pct_power"] = m
        figures[name]["incidents_per_arm_for_80pct_power"] = (
            incidents[name] if months is None else (None if m is None else round(per_month * m))
        )
    return figures


def simulate_pilot(
    baseline: History,
    n_per_arm: int,
    improvement: float,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    trials: int = DEFAULT_TRIALS,
    seed: int = 0,
    per_month: float | None = None,
    alpha: float = ALPHA,
    target_power: float = TARGET_POWER,
    max_months: int = MAX_MONTHS,
    max_incidents: int = MAX_INCIDENTS_PER_ARM,
    power_search: bool = True,
) -> dict[str, dict]:
    """Monte Carlo figures per statistic (``mttr``, ``median``, ``geomean``) for a pilot of n per arm.

    With ``per_month`` the sample size for 80% power is searched in months (and converted to
    incidents per arm); without it, in incidents per arm and ``months_for_80pct_power`` is None.
    ``power_search=False`` skips the search (the size keys are then None).
    """
    check_arguments(improvement, threshold, n_per_arm, trials)
    figures = monte_carlo_figures(
        _trial_stats(baseline, n_per_arm, trials, seed), improvement, threshold, alpha
    )
    if not power_search:
        return _with_power_sizes(figures, {name: None for name in STATISTICS}, {}, per_month)
    common = dict(method="monte-carlo", trials=trials, seed=seed, alpha=alpha, target_power=target_power)
    if per_month is not None:
        months = months_for_power(baseline, per_month, improvement, max_months=max_months, **common)
        return _with_power_sizes(figures, months, {}, per_month)
    incidents = incidents_for_power(baseline, improvement, max_incidents=max_incidents, **common)
    return _with_power_sizes(figures, None, incidents, None)


# -- normal approximation ---------------------------------------------------------------------


def analytic_pilot(
    baseline: History,
    n_per_arm: int,
    improvement: float,
    *,
    threshold: float = DEFAULT_THRESHOLD,
    per_month: float | None = None,
    alpha: float = ALPHA,
    target_power: float = TARGET_POWER,
    max_months: int = MAX_MONTHS,
    max_incidents: int = MAX_INCIDENTS_PER_ARM,
    power_search: bool = True,
) -> dict[str, dict]:
    """Normal-approximation figures per statistic, same keys as ``simulate_pilot``."""
    check_arguments(improvement, threshold, n_per_arm)
    figures = analytic_figures(baseline, n_per_arm, improvement, threshold, alpha)
    if not power_search:
        return _with_power_sizes(figures, {name: None for name in STATISTICS}, {}, per_month)
    common = dict(method="analytic", alpha=alpha, target_power=target_power)
    if per_month is not None:
        months = months_for_power(baseline, per_month, improvement, max_months=max_months, **common)
        return _with_power_sizes(figures, months, {}, per_month)
    incidents = incidents_for_power(baseline, improvement, max_incidents=max_incidents, **common)
    return _with_power_sizes(figures, None, incidents, None)


# -- the report -------------------------------------------------------------------------------

TOP_LEVEL = (
    "p_worse",
    "p_phantom",
    "ci90_halfwidth_min",
    "months_for_80pct_power",
    "incidents_per_arm_for_80pct_power",
)


def check_sample(n: int, what: str, minimum: int = MIN_SAMPLE) -> None:
    """Refuse a sample of ``n`` (``what``: where it came from) below ``minimum``: ``PilotError``."""
    if n < minimum:
        raise PilotError(
            f"{what}: only {n} usable value{'s' if n != 1 else ''}; at least {minimum} are needed "
            f"for figures that mean anything (fewer cannot represent a heavy tail)"
        )


def sample_warnings(baseline: History) -> list[str]:
    """Refuse a historical baseline below ``MIN_SAMPLE`` durations (or without spread); the
    warnings to print with the figures below ``WARN_SAMPLE``. A lognormal baseline has none."""
    if baseline.durations is None:
        return []
    n = int(len(baseline.durations))
    check_sample(n, baseline.source)
    if float(np.ptp(baseline.durations)) == 0.0:
        raise PilotError(f"{baseline.source}: every duration is the same; a baseline needs spread")
    if n < WARN_SAMPLE:
        return [
            f"only {n} historical durations (fewer than {WARN_SAMPLE}): the tail of the "
            f"distribution is barely seen, so these figures are rough and likely too optimistic"
        ]
    return []


def pilot_report(
    baseline: History,
    *,
    improvement: float = 0.1,
    per_arm: int | None = None,
    per_month: float | None = None,
    months: int | None = None,
    threshold: float = DEFAULT_THRESHOLD,
    trials: int = DEFAULT_TRIALS,
    seed: int | None = None,
    max_months: int = MAX_MONTHS,
) -> dict:
    """The full pilot analysis, JSON-ready: inputs, MTTR figures at the top level, then per statistic.

    Give either ``per_arm`` incidents, or ``per_month`` (incidents per month per arm) and
    ``months`` (default 3, the seed essay's pilot length). A ``seed`` of None draws one.
    """
    if per_arm is not None and (per_month is not None or months is not None):
        raise PilotError("give either --per-arm or --per-month/--months, not both")
    if per_arm is None and per_month is None:
        raise PilotError("give the pilot's size: --per-arm N, or --per-month R (with --months K)")
    if months is not None and months < 1:
        raise PilotError(f"--months must be at least 1, got {months}")
    if per_month is not None:
        if not (math.isfinite(per_month) and per_month > 0):
            raise PilotError(f"--per-month must be positive, got {per_month}")
        months = DEFAULT_PILOT_MONTHS if months is None else months
        per_arm = max(1, round(per_month * months))
    check_arguments(improvement, threshold, per_arm, trials)
    warnings = sample_warnings(baseline)
    if seed is not None and seed < 0:
        raise PilotError(f"--seed must be non-negative, got {seed}")
    drawn = seed is None
    if seed is None:
        seed = secrets.randbelow(2**32)
    mc = simulate_pilot(
        baseline,
        per_arm,
        improvement,
        threshold=threshold,
        trials=trials,
        seed=seed,
        per_month=per_month,
        max_months=max_months,
    )
    approx = analytic_pilot(
        baseline, per_arm, improvement, threshold=threshold, per_month=per_month, max_months=max_months
    )
    report: dict = {key: mc["mttr"][key] for key in TOP_LEVEL}
    report.update(
        {
            "n_per_arm": per_arm,
            "per_month": per_month,
            "months": months,
            "improvement": improvement,
            "threshold": threshold,
            "trials": trials,
            "seed": seed,
            "seed_was_drawn": drawn,
            "alpha": ALPHA,
            "target_power": TARGET_POWER,
            "max_months": max_months,
            "max_incidents_per_arm": None if per_month is not None else MAX_INCIDENTS_PER_ARM,
            "baseline": baseline.describe(),
            "warnings": warnings,
            "definitions": {
                "p_worse": "P(statistic of the pilot arm > baseline arm) with the real improvement",
                "p_phantom": "P(pilot statistic <= (1 - threshold) x baseline statistic) with no real change",
                "ci90_halfwidth_min": "half-width of the central 90% interval of pilot - baseline, minutes",
                "power": "P(one-sided test at alpha rejects no-change): difference (log ratio for the "
                "geometric mean) below the alpha-quantile of its no-change distribution",
                "months_for_80pct_power": f"fewest months (1..{max_months}) with power >= {TARGET_POWER}; "
                f"null: not reached (or no monthly rate, or no improvement)",
                "analytic": "normal approximation; median variance 1/(4 n f(m)^2) with f the lognormal "
                "density, or for historical data the empirical CDF's slope over the median's "
                "90% range (sized by a Gaussian KDE of log durations)",
            },
        }
    )
    for name in STATISTICS:
        report[name] = {**mc[name], "analytic": approx[name]}
    return report


POWER_CURVE_MONTHS = 24  # the curve covers at least two years, as the essay's "6+ months" needs context
POWER_CURVE_POINTS = 48  # beyond this many months the curve is thinned (every month costs a Monte Carlo)


def power_curve_months(report: dict) -> list[int]:
    """Months at which ``power_by_month`` evaluates power: 1..N, N = max(24, months to 80% power).

    N is capped at the report's ``max_months``. Past 24 months the grid is thinned to about
    ``POWER_CURVE_POINTS`` points, always keeping each statistic's month of 80% power.
    """
    found = [report[name]["months_for_80pct_power"] for name in STATISTICS]
    last = min(report["max_months"], max([POWER_CURVE_MONTHS, *(m for m in found if m is not None)]))
    step = max(1, math.ceil((last - POWER_CURVE_MONTHS) / (POWER_CURVE_POINTS - POWER_CURVE_MONTHS)))
    months = set(range(1, min(last, POWER_CURVE_MONTHS) + 1)) | set(range(POWER_CURVE_MONTHS, last + 1, step))
    months |= {last} | {m for m in found if m is not None}
    return sorted(months)


def power_by_month(baseline: History, report: dict) -> list[dict] | None:
    """Power of each statistic after 1..N months of the pilot in ``report`` (None without a monthly rate).

    Each entry: ``month``, ``n_per_arm`` (``round(per_month * month)``), ``power`` per statistic
    (Monte Carlo, with the report's seed and trials, so the months of 80% power in the report are
    where these curves cross 0.8) and ``power_analytic`` (the normal approximation).
    """
    rate = report["per_month"]
    if rate is None:
        return None
    out = []
    for month in power_curve_months(report):
        n = max(1, round(rate * month))
        draws = _trial_stats(baseline, n, report["trials"], report["seed"])
        mc = monte_carlo_figures(draws, report["improvement"], report["threshold"], report["alpha"])
        approx = analytic_figures(baseline, n, report["improvement"], report["threshold"], report["alpha"])
        out.append(
            {
                "month": month,
                "n_per_arm": n,
                "power": {name: mc[name]["power"] for name in STATISTICS},
                "power_analytic": {name: approx[name]["power"] for name in STATISTICS},
            }
        )
    return out


def answer_sentence(report: dict) -> str:
    """One sentence answering "when will the pilot show the gain, and how likely is it to look worse?",
    followed by the small-sample warnings, if any."""
    caution = "".join(f" Caution: {w}." for w in report.get("warnings", []))
    return _answer(report) + caution


def _answer(report: dict) -> str:
    pct = f"{report['improvement'] * 100:g}%"
    worse = f"{report['p_worse'] * 100:.0f}%"
    rate, cap = report["per_month"], report["max_months"]
    size = (
        f"With {rate:g} incidents a month per arm"
        if rate is not None
        else f"With {report['n_per_arm']} incidents per arm"
    )
    pilot = f"a {report['months']}-month pilot" if rate is not None else "the pilot"
    if report["improvement"] == 0:
        return (
            f"{size} and no real change, {pilot}'s MTTR still looks at least "
            f"{report['threshold'] * 100:g}% better than the baseline's with a "
            f"{report['p_phantom'] * 100:.0f}% chance."
        )
    if rate is not None:
        m = report["months_for_80pct_power"]
        when = (
            f"after {m} month{'s' if m != 1 else ''}"
            if m is not None
            else f"only after more than {cap} months"
        )
    else:
        n, cap_n = report["incidents_per_arm_for_80pct_power"], report["max_incidents_per_arm"]
        when = (
            f"after {n} incidents per arm"
            if n is not None
            else f"only after more than {cap_n} incidents per arm"
        )
    return (
        f"{size}, a real {pct} MTTR gain shows up with 80% power {when}; after {pilot} there is a "
        f"{worse} chance its MTTR looks worse than the baseline's."
    )


PILOT_FILE = "pilot.json"


def write_pilot_json(out: Path, baseline: History, report: dict) -> Path:
    """Write ``out/pilot.json``: the report plus ``power_by_month`` (for ``incsim report``), as
    every folder is written (``incsim.files``). Into a results folder it joins that folder's
    sealed ``run.json``; anywhere else it comes with a ``run.json`` of its own."""
    import sys

    from incsim import signals
    from incsim.files import (
        MANIFEST,
        OutputError,
        add_to_folder,
        check_not_half_replaced,
        find_manifest,
        package_versions,
        sealed_json,
        write_folder,
    )

    if out.exists() and not out.is_dir():
        raise PilotError(f"{out}: exists and is not a folder")
    sealed_by = find_manifest(out) if out.is_dir() else None
    if (
        sealed_by is not None and sealed_by.name != MANIFEST
    ):  # a sweep's folder: its manifest must stay the one read
        raise PilotError(
            f"{out}: sealed by {sealed_by.name}, not a run's folder; write the pilot into one of its "
            "points or another folder"
        )
    figures = {**report, "power_by_month": power_by_month(baseline, report)}
    data = [(PILOT_FILE, sealed_json(figures).encode("utf-8"))]
    try:
        if sealed_by is None and out.is_dir():
            check_not_half_replaced(out)  # its own run.json would vouch for a mix of earlier and new files
        if sealed_by is not None:
            add_to_folder(out, data, hold=signals.deferred)
        else:
            write_folder(
                out,
                data,
                {"kind": "pilot", "command": sys.argv, "versions": package_versions()},
                force=True,
                hold=signals.deferred,
            )
    except OutputError as exc:
        raise PilotError(str(exc)) from None
    except OSError as exc:
        raise PilotError(f"{out}: cannot write {PILOT_FILE}: {exc.strerror or exc}") from None
    return out / PILOT_FILE
