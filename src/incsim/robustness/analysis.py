"""What a finished study says: the spread of each paired difference over the plausible
assumptions, the noise-only interval at the scenario's values, Sobol' indices and flip points.

A difference is ``alternative - baseline`` per replication (the same incidents under both:
common random numbers), averaged over the replications of one parameter set; lower is better
for every decision metric.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Sequence
from typing import Any

import numpy as np

from incsim.metrics import DECISION_METRICS, t_interval
from incsim.robustness.design import Design
from incsim.sweep.breakeven import break_even, describe_line
from incsim.sweep.plan import SweptParameter
from incsim.sweep.values import fmt_number

SENSITIVITY_SEED = 20101
"""Seed of the bootstrap SALib runs for the indices' confidence intervals (fixed: same bytes)."""

Means = dict[int, dict[str, dict[str, list[float | None]]]]
"""Set id -> protocol -> metric -> the mean per incident in each replication (None: no incidents)."""


def pairs(protocols: Sequence[str]) -> list[tuple[str, str]]:
    """Every (baseline, alternative) pair, the baseline listed first as ``metrics.summarize`` pairs them."""
    return [(a, b) for i, a in enumerate(protocols) for b in protocols[i + 1 :]]


def replication_diffs(means: Means, sid: int, a: str, b: str, metric: str) -> np.ndarray:
    """``b - a`` in each replication of set ``sid`` (NaN where either had no incidents)."""
    xa = np.array([math.nan if v is None else v for v in means[sid][a][metric]], dtype=float)
    xb = np.array([math.nan if v is None else v for v in means[sid][b][metric]], dtype=float)
    return xb - xa


def set_diff(means: Means, sid: int, a: str, b: str, metric: str) -> float:
    """The paired difference of set ``sid``: its replications' mean."""
    d = replication_diffs(means, sid, a, b, metric)
    d = d[~np.isnan(d)]
    return float(d.mean()) if len(d) else math.nan


def json_number(x: float) -> float | None:
    """A figure for the JSON file: 6 significant digits, NaN as None."""
    return None if x is None or math.isnan(x) else float(f"{x:.6g}")


def comparisons(design: Design, means: Means, protocols: Sequence[str]) -> list[dict[str, Any]]:
    """Per pair and metric: the difference over every plausible assumption (mean, 2.5th and 97.5th
    percentiles of the independent draws), the noise-only 95% CI at the scenario's own values,
    and the share of draws in which the alternative is better (lower)."""
    out = []
    draws = design.independent_ids()
    for a, b in pairs(protocols):
        for metric in DECISION_METRICS:
            ys = np.array([set_diff(means, s, a, b, metric) for s in draws])
            ys = ys[~np.isnan(ys)]
            _, nlo, nhi = t_interval(replication_diffs(means, design.base_id, a, b, metric))
            at_base = set_diff(means, design.base_id, a, b, metric)
            lo, hi = np.quantile(ys, [0.025, 0.975]) if len(ys) else (math.nan, math.nan)
            out.append(
                {
                    "baseline": a,
                    "alternative": b,
                    "metric": metric,
                    "mean": json_number(float(ys.mean()) if len(ys) else math.nan),
                    "low": json_number(float(lo)),
                    "high": json_number(float(hi)),
                    "at_scenario": json_number(at_base),
                    "noise_low": json_number(nlo),
                    "noise_high": json_number(nhi),
                    "p_alternative_better": json_number(float((ys < 0).mean()) if len(ys) else math.nan),
                    "draws": int(len(ys)),
                }
            )
    return out


def sobol_indices(design: Design, ys: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Per parameter (first_order, total, first_order_conf, total_conf) from the Saltelli rows'
    outputs ``ys`` by SALib's estimators (Saltelli 2010 for the first order, Jansen 1999 for the
    total); all zero when the output does not vary, NaN when an output is missing."""
    d = len(design.parameters)
    if np.isnan(ys).any():
        return [(math.nan,) * 4] * d
    if np.var(ys) == 0:
        return [(0.0, 0.0, 0.0, 0.0)] * d
    from SALib.analyze import sobol

    problem = {"num_vars": d, "names": [p.path for p in design.parameters], "bounds": [[0.0, 1.0]] * d}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        res = sobol.analyze(
            problem,
            ys,
            calc_second_order=False,
            num_resamples=100,
            conf_level=0.95,
            print_to_console=False,
            seed=SENSITIVITY_SEED,
        )
    return [
        (float(res["S1"][i]), float(res["ST"][i]), float(res["S1_conf"][i]), float(res["ST_conf"][i]))
        for i in range(d)
    ]


def design_indices(design: Design, ys: np.ndarray) -> list[tuple[float, float, float, float]]:
    """Per parameter (first_order, total, first_order_conf, total_conf) of the global design's
    outputs ``ys``, by the design's method: a sparse polynomial-chaos surrogate (``pce``) or
    SALib's Saltelli estimators (``saltelli``)."""
    if design.method == "saltelli":
        return sobol_indices(design, ys)
    from incsim.robustness.pce import pce_indices

    assert design.points is not None
    return pce_indices(design.points, ys)


def sensitivity(design: Design, means: Means, protocols: Sequence[str]) -> list[dict[str, Any]]:
    """Per pair and metric, every parameter's first-order and total Sobol' index, largest total first."""
    out = []
    for a, b in pairs(protocols):
        for metric in DECISION_METRICS:
            ys = np.array([set_diff(means, s, a, b, metric) for s in design.design_ids])
            rows = [
                {
                    "baseline": a,
                    "alternative": b,
                    "metric": metric,
                    "parameter": p.path,
                    "first_order": json_number(s1),
                    "total": json_number(st),
                    "first_order_conf": json_number(c1),
                    "total_conf": json_number(ct),
                }
                for p, (s1, st, c1, ct) in zip(design.parameters, design_indices(design, ys))
            ]
            rows.sort(key=lambda r: -(r["total"] if r["total"] is not None else -math.inf))
            for k, r in enumerate(rows):
                r["rank"] = k + 1
            out += rows
    return out


def flip_points(design: Design, means: Means, protocols: Sequence[str]) -> list[dict[str, Any]]:
    """Per pair, metric and parameter: where the verdict flips along the parameter's range with the
    others at the scenario's values, found and worded by the sweep's break-even rule (linear
    interpolation between adjacent values); ``value`` None when it does not flip in the range."""
    out = []
    for p in design.parameters:
        line = design.lines[p.path]
        xs = tuple(x for x, _ in line)
        labels = tuple(fmt_number(x) for x in xs)
        par = SweptParameter(
            path=p.path,
            values=xs,
            labels=labels,
            xs=xs,
            by_mean=False,
            scale="linear",
            unit="",
            base_label=fmt_number(p.base),
            base_x=p.base,
        )
        order = list(range(len(xs)))
        for a, b in pairs(protocols):
            for metric in DECISION_METRICS:
                diffs, lows, highs = [], [], []
                for _, sid in line:
                    m, lo, hi = t_interval(replication_diffs(means, sid, a, b, metric))
                    diffs.append(set_diff(means, sid, a, b, metric))
                    lows.append(lo)
                    highs.append(hi)
                crossings = break_even(xs, diffs)
                rec = describe_line(b, a, metric, par, order, diffs, lows, highs)
                # as the sweep words it: a flip whose neighbours' CIs both include zero is within noise
                noisy = bool(crossings) and all(
                    not math.isnan(lows[k]) and lows[k] <= 0 <= highs[k]
                    for k in (crossings[0].left, crossings[0].right)
                )
                out.append(
                    {
                        "baseline": a,
                        "alternative": b,
                        "metric": metric,
                        "parameter": p.path,
                        "value": json_number(crossings[0].x) if crossings else None,
                        "base": p.base,
                        "alternative_better_above": (not crossings[0].rising) if crossings else None,
                        "flips": len(crossings),
                        "within_noise": noisy,
                        "diff_at_low": json_number(diffs[0]),
                        "diff_at_high": json_number(diffs[-1]),
                        "sentence": rec["sentence"],
                    }
                )
    return out
