"""What the headline must not hide: every decision metric whose paired interval excludes zero,
in either direction, per category where the category's verdict differs from the overall one;
and the price of a service-minute at which the cost verdict turns.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np
import pandas as pd

from incsim.metrics import (
    BOOTSTRAP_RESAMPLES,
    BOOTSTRAP_SEED,
    DECISION_METRICS,
    per_replication_means,
    t_interval,
)
from incsim.report.findings import difference, protocol_stat
from incsim.report.wording import DASH, Estimate, capitalised, ci_text, num
from incsim.scenario.schema import FLAGS

METRIC_UNITS = {
    "engineer_hours": ("engineer-hours", 1),
    "non_essential_hours": ("non-essential hours", 1),
    "ttr_min": ("minutes to resolve", 0),
    "customer_impact_min": ("service-minutes of customer impact", 0),
    "data_exposure": ("records exposed", 0),
    "cost_usd": ("cost in dollars", 0),
}
"""Each decision metric in words, with the decimals it is printed to."""


def _sign(d: Estimate) -> int:
    return 0 if not d.excludes_zero else (1 if d.mean > 0 else -1)


def verdict_sentence(
    other: str, base: str, metric: str, d: Estimate, base_mean: float, where: str = ""
) -> str:
    """E.g. "Async-first: worse in service-minutes of customer impact, +82 per incident (95% CI +50
    to +114, simulation noise only; +35% on war-room)"."""
    words, digits = METRIC_UNITS.get(metric, (metric, 1))
    verdict = "worse" if d.mean > 0 else "better"
    pct = (
        f"; {num(d.mean / base_mean * 100, 0, sign=True)}% on {base}"
        if base_mean and math.isfinite(base_mean)
        else ""
    )
    scope = f" on {where} incidents" if where else ""
    return (
        f"{capitalised(other)} is {verdict} than {base}{scope} in {words}: {num(d.mean, digits, sign=True)} per "
        f"incident (95% CI {ci_text(d, digits, sign=True)}, simulation noise only{pct})."
    )


def verdicts(summary: pd.DataFrame, protocols: Sequence[str], categories: Sequence[str]) -> list[str]:
    """Every decision metric whose paired 95% interval excludes zero, better or worse, for each
    protocol against the baseline; then each category whose verdict differs from the overall one."""
    if len(protocols) < 2:
        return []
    base = protocols[0]
    out = []
    for other in protocols[1:]:
        overall = {}
        for metric in DECISION_METRICS:
            d = difference(summary, base, other, metric)
            overall[metric] = _sign(d)
            if d.excludes_zero:
                out.append(
                    verdict_sentence(other, base, metric, d, protocol_stat(summary, base, metric).mean)
                )
        for cat in categories:
            for metric in DECISION_METRICS:
                d = difference(summary, base, other, metric, cat)
                if d.excludes_zero and _sign(d) != overall[metric]:
                    out.append(
                        verdict_sentence(
                            other, base, metric, d, protocol_stat(summary, base, metric, cat).mean, cat
                        )
                    )
    return out


def flag_verdicts(incidents: pd.DataFrame, protocols: Sequence[str]) -> list[str]:
    """For incidents carrying each flag (security, data-loss, regulatory): every decision metric whose
    paired 95% interval excludes zero and whose verdict differs from the overall one (the essay's
    exceptions: the war-room protocol may win security containment where it loses overall)."""
    if len(protocols) < 2 or "flags" not in incidents or incidents.empty:
        return []
    base = protocols[0]
    flags = incidents["flags"].map(lambda v: v.split(";") if isinstance(v, str) else [])
    out = []
    for other in protocols[1:]:
        overall = {m: _sign(_paired(incidents, base, other, m)) for m in DECISION_METRICS}
        for flag in FLAGS:
            sub = incidents[flags.apply(lambda fs, f=flag: f in fs)]
            for metric in DECISION_METRICS:
                d = _paired(sub, base, other, metric)
                if d.excludes_zero and _sign(d) != overall[metric]:
                    mean = (
                        float(per_replication_means(sub[sub["protocol"] == base])[metric].mean())
                        if len(sub)
                        else math.nan
                    )
                    out.append(verdict_sentence(other, base, metric, d, mean, f"{flag}-flagged"))
    return out


def _paired(incidents: pd.DataFrame, base: str, other: str, metric: str) -> Estimate:
    """The paired difference ``other - base`` of ``metric`` over replications, as ``metrics.summarize``
    makes it (each replication's mean per incident; replications where both have incidents)."""
    if incidents.empty:
        return Estimate(math.nan, math.nan, math.nan)
    wide = per_replication_means(incidents).pivot(index="replication", columns="protocol")
    if (metric, base) not in wide or (metric, other) not in wide:
        return Estimate(math.nan, math.nan, math.nan)
    m, lo, hi = t_interval((wide[(metric, other)] - wide[(metric, base)]).to_numpy())
    return Estimate(m, lo, hi)


def _replication_deltas(incidents: pd.DataFrame, base: str, other: str) -> tuple[np.ndarray, np.ndarray]:
    """Per replication: ``other - base`` in labour cost and in customer impact, means per incident."""
    m = incidents.groupby(["replication", "protocol"])[["labour_cost_usd", "customer_impact_min"]].mean()
    m = m.unstack("protocol").dropna()
    if ("labour_cost_usd", other) not in m or (
        "labour_cost_usd",
        base,
    ) not in m:  # a protocol with no incident
        return np.array([]), np.array([])
    return (
        (m[("labour_cost_usd", other)] - m[("labour_cost_usd", base)]).to_numpy(),
        (m[("customer_impact_min", other)] - m[("customer_impact_min", base)]).to_numpy(),
    )


def break_even_price(incidents: pd.DataFrame, base: str, other: str) -> Estimate | None:
    """The price of a service-minute at which ``other`` costs as much as ``base``: minus the labour
    difference over the impact difference, with a percentile-bootstrap 95% CI over replications
    (``inf`` where a resample's impact difference is not of the same sign). None when the two
    differences pull the same way (no price turns the verdict) or impact does not differ."""
    dl, di = _replication_deltas(incidents, base, other)
    if len(dl) == 0 or di.mean() == 0 or (dl.mean() < 0) == (di.mean() < 0):
        return None
    point = -dl.mean() / di.mean()
    if len(dl) < 2:
        return Estimate(point, math.nan, math.nan)
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    idx = rng.integers(0, len(dl), size=(BOOTSTRAP_RESAMPLES, len(dl)))
    mdl, mdi = dl[idx].mean(axis=1), di[idx].mean(axis=1)
    same_side = np.sign(mdi) == np.sign(di.mean())
    ratios = np.where(same_side & (mdi != 0), -mdl / np.where(mdi == 0, 1, mdi), np.inf)
    ratios = np.where(ratios < 0, 0.0, ratios)
    lo, hi = np.quantile(ratios, [0.025, 0.975], method="inverted_cdf")  # no interpolation into inf
    return Estimate(point, float(lo), float(hi))


def pricing_sentence(price: float) -> str:
    """Whether the scenario prices a service-minute of customer impact (never silent when it does not)."""
    if price > 0:
        return f"Customer impact is priced at ${num(price, 2)} per service-minute (costs.customer_impact_usd_per_min)."
    return (
        "Customer impact is not priced: costs.customer_impact_usd_per_min is 0, so the cost figures count "
        "engineers' time only."
    )


def price_sentence(incidents: pd.DataFrame, base: str, other: str) -> str:
    """The price of a service-minute at which the cost verdict of ``other`` against ``base`` turns."""
    est = break_even_price(incidents, base, other)
    dl, di = _replication_deltas(incidents, base, other)
    if len(dl) == 0:
        return f"{capitalised(other)} and {base} have no replication in common to price."
    word = "cheaper" if dl.mean() < 0 else "more expensive"
    if est is None:
        return f"{capitalised(other)} is {word} than {base} at any price of a service-minute."
    hi = "no upper bound" if not math.isfinite(est.high) else f"${num(est.high, 2)}"
    ci = f" (95% CI ${num(est.low, 2)}{DASH}{hi}, simulation noise only)" if math.isfinite(est.low) else ""
    return (
        f"{capitalised(other)} is {word} than {base} unless a service-minute of customer impact "
        f"costs more than ${num(est.mean, 2)}{ci}."
    )
