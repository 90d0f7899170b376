"""What a results folder says: per-protocol figures and paired differences from ``summary.csv``,
the headline, the tables, the TTR distributions and the pilot's power curve, as plain data."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from incsim.metrics import ROW_TYPE
from incsim.report.results import ReportError
from incsim.report.wording import (
    NAN_ESTIMATE,
    STATISTIC_LABELS,
    Estimate,
    capitalised,
    ci_text,
    headline_sentence,
    num,
)
from incsim.scenario.schema import CATEGORIES

DAYS_PER_YEAR = 365.0


def estimate_from_row(row: pd.Series) -> Estimate:
    """The ``Estimate`` in one row of ``summary.csv``."""
    return Estimate(
        float(row["mean"]),
        float(row["ci_low"]),
        float(row["ci_high"]),
        float(row["median"]),
        float(row["p90"]),
        int(row["n_incidents"]),
        int(row["n_replications"]),
    )


def protocol_stat(summary: pd.DataFrame, protocol: str, metric: str, category: str = "all") -> Estimate:
    """summary.csv's row for one protocol, metric and category (NaN when absent)."""
    sub = summary[
        (summary[ROW_TYPE] == "protocol")
        & (summary["protocol"] == protocol)
        & (summary["metric"] == metric)
        & (summary["category"] == category)
    ]
    return estimate_from_row(sub.iloc[0]) if len(sub) else NAN_ESTIMATE


def difference(summary: pd.DataFrame, base: str, other: str, metric: str, category: str = "all") -> Estimate:
    """The paired difference ``other - base`` from summary.csv (read from ``base - other`` if that is stored)."""
    rows = summary[
        (summary[ROW_TYPE] == "difference")
        & (summary["metric"] == metric)
        & (summary["category"] == category)
    ]
    direct = rows[rows["protocol"] == f"{other} - {base}"]
    if len(direct):
        return estimate_from_row(direct.iloc[0])
    reverse = rows[rows["protocol"] == f"{base} - {other}"]
    if len(reverse):
        return estimate_from_row(reverse.iloc[0]).negated()
    return NAN_ESTIMATE


def incidents_per_year(
    incidents: pd.DataFrame, protocol: str, replications: int, horizon_days: float
) -> float:
    """Simulated incidents a year: incidents per replication / horizon (days) x 365, to one decimal."""
    per_replication = int((incidents["protocol"] == protocol).sum()) / replications
    # rounded to the decimal the report prints, so that a reader who multiplies the printed
    # rate by the printed cost per incident gets the printed cost per year
    return round(per_replication / horizon_days * DAYS_PER_YEAR, 1)


def categories_in(incidents: pd.DataFrame) -> list[str]:
    """Incident categories present, in the schema's order (single-service, cascading, platform-wide)."""
    present = set(incidents["category"].dropna().astype(str))
    return [c for c in CATEGORIES if c in present] + sorted(present - set(CATEGORIES))


def headline(summary: pd.DataFrame, protocols: Sequence[str], per_year: float) -> list[dict]:
    """One comparison per protocol against the baseline (the first): numbers from summary.csv and a sentence.

    Each item: ``protocol``, ``baseline``, ``engineer_hours``, ``ttr_min``, ``cost_usd`` (paired
    differences ``protocol - baseline`` as ``Estimate``), ``cost_per_year`` (the cost difference
    times incidents a year) and ``sentence``.
    """
    if len(protocols) < 2:
        return []
    base = protocols[0]
    out = []
    for other in protocols[1:]:
        eh = difference(summary, base, other, "engineer_hours")
        ttr = difference(summary, base, other, "ttr_min")
        cost = difference(summary, base, other, "cost_usd")
        out.append(
            {
                "protocol": other,
                "baseline": base,
                "engineer_hours": eh,
                "ttr_min": ttr,
                "cost_usd": cost,
                "cost_per_year": cost.scaled(per_year),
                "sentence": headline_sentence(other, base, eh, ttr, cost.scaled(per_year)),
            }
        )
    return out


# -- tables ----------------------------------------------------------------------------------------

KEY_METRICS = (
    "ttr_min",
    "engineer_hours",
    "non_essential_hours",
    "refocus_hours",
    "customer_impact_min",
    "cost_usd",
)


def key_numbers(
    summary: pd.DataFrame, protocols: Sequence[str], per_year: float, category: str = "all"
) -> list[dict]:
    """Per protocol: the headline metrics per incident (``Estimate`` each) and cost a year."""
    rows = []
    for p in protocols:
        row: dict[str, Any] = {"protocol": p}
        for m in KEY_METRICS:
            row[m] = protocol_stat(summary, p, m, category)
        row["cost_per_year"] = row["cost_usd"].scaled(per_year)
        rows.append(row)
    return rows


def category_rows(summary: pd.DataFrame, protocols: Sequence[str], categories: Sequence[str]) -> list[dict]:
    """Per category and protocol: TTR and engineer-hours, with the paired differences to the baseline."""
    base = protocols[0]
    rows = []
    for cat in categories:
        for p in protocols:
            ttr = protocol_stat(summary, p, "ttr_min", cat)
            rows.append(
                {
                    "category": cat,
                    "protocol": p,
                    "is_baseline": p == base,
                    "n_incidents": ttr.n_incidents,
                    "ttr_min": ttr,
                    "engineer_hours": protocol_stat(summary, p, "engineer_hours", cat),
                    "non_essential_hours": protocol_stat(summary, p, "non_essential_hours", cat),
                    "ttr_diff": NAN_ESTIMATE if p == base else difference(summary, base, p, "ttr_min", cat),
                    "hours_diff": NAN_ESTIMATE
                    if p == base
                    else difference(summary, base, p, "engineer_hours", cat),
                }
            )
    return rows


def category_findings(rows: Sequence[dict]) -> list[str]:
    """Sentences for the categories where a protocol's TTR differs from the baseline's beyond noise."""
    out = []
    base = next((r["protocol"] for r in rows if r["is_baseline"]), "")
    for r in rows:
        d = r["ttr_diff"]
        if r["is_baseline"] or not d.excludes_zero:
            continue
        word = "slower" if d.mean > 0 else "faster"
        mag = d if d.mean > 0 else d.negated()
        out.append(
            f"{r['category']} incidents: {capitalised(r['protocol'])} resolved {num(mag.mean)} min "
            f"{word} than {base} (95% CI {ci_text(mag)}; {r['n_incidents']} incidents)."
        )
    return out


def difference_rows(summary: pd.DataFrame, category: str = "all") -> list[dict]:
    """Every paired difference stored in summary.csv (``B - A``) for the main metrics."""
    sub = summary[(summary[ROW_TYPE] == "difference") & (summary["category"] == category)]
    out = []
    for pair in dict.fromkeys(sub["protocol"]):
        rows = sub[sub["protocol"] == pair]
        row: dict[str, Any] = {"pair": pair}
        for m in KEY_METRICS:
            r = rows[rows["metric"] == m]
            row[m] = estimate_from_row(r.iloc[0]) if len(r) else NAN_ESTIMATE
        out.append(row)
    return out


# -- TTR distributions -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Ecdf:
    """The empirical CDF of TTR: sorted values, cumulative shares, and the p50 / p90 marks."""

    x: np.ndarray
    y: np.ndarray
    p50: float
    p90: float
    unresolved: int = 0

    @property
    def n(self) -> int:
        """Resolved incidents in the curve."""
        return len(self.x)


def ecdf(values: Iterable[float]) -> Ecdf:
    """ECDF of the finite values; p50 and p90 by ``np.percentile`` (as summary.csv's median and p90)."""
    arr = np.asarray(list(values), dtype=float)
    finite = np.sort(arr[np.isfinite(arr)])
    n = len(finite)
    if n == 0:
        return Ecdf(finite, finite, math.nan, math.nan, len(arr))
    return Ecdf(
        finite,
        np.arange(1, n + 1) / n,
        float(np.percentile(finite, 50)),
        float(np.percentile(finite, 90)),
        int(len(arr) - n),
    )


def ttr_ecdfs(
    incidents: pd.DataFrame, protocols: Sequence[str], category: str | None = None
) -> dict[str, Ecdf]:
    """Per protocol, the ECDF of ``ttr_min`` over every replication (one category, or all)."""
    df = incidents if category is None else incidents[incidents["category"] == category]
    return {p: ecdf(df.loc[df["protocol"] == p, "ttr_min"]) for p in protocols}


# -- the pilot -----------------------------------------------------------------------------------


def pilot_curve(pilot: dict) -> dict | None:
    """Power by month per statistic from ``pilot.json`` (None when it has no monthly rate)."""
    rows = pilot.get("power_by_month")
    if not rows:
        return None
    try:
        months = [int(r["month"]) for r in rows]
        stats = [s for s in STATISTIC_LABELS if s in rows[0]["power"]]
        return {
            "months": months,
            "n_per_arm": [int(r["n_per_arm"]) for r in rows],
            "power": {s: [float(r["power"][s]) for r in rows] for s in stats},
            "power_analytic": {
                s: [float(r.get("power_analytic", {}).get(s, math.nan)) for r in rows] for s in stats
            },
            "months_for_80pct": {s: (pilot.get(s) or {}).get("months_for_80pct_power") for s in stats},
            "per_month": pilot.get("per_month"),
            "improvement": float(pilot.get("improvement", math.nan)),
            "target_power": float(pilot.get("target_power", 0.8)),
            "alpha": float(pilot.get("alpha", 0.05)),
            "trials": pilot.get("trials"),
            "seed": pilot.get("seed"),
            "baseline": (pilot.get("baseline") or {}).get("source", ""),
            "pilot_months": pilot.get("months"),
            "p_worse": pilot.get("p_worse"),
        }
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        raise ReportError(f"pilot.json: power_by_month is malformed ({type(exc).__name__}: {exc})") from None
