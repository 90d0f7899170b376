"""Turning a summary into what a person reads: rich tables, JSON records."""

from __future__ import annotations

import math
import sys

import pandas as pd
from rich.console import Console
from rich.table import Table

MEANS = "mean per incident = average of the replications' own means [95% CI over replications]"
"""What a table's "mean [CI]" cells are: each replication's mean per incident, averaged over
replications (the unit the CI is over), not the mean of all incidents pooled."""
SPREAD = "median and p90 over all incidents"
"""What the median and p90 cells are: percentiles of every simulated incident, pooled."""

COLUMNS = [  # (metric, heading, format)
    ("ttr_min", "TTR min", "{:.0f}"),
    ("engineer_hours", "eng-h", "{:.1f}"),
    ("non_essential_hours", "non-ess h", "{:.1f}"),
    ("customer_impact_min", "impact min", "{:.0f}"),
    ("cost_usd", "cost $", "{:,.0f}"),
]


def console(err: bool = False) -> Console:
    """A rich console on stdout (or stderr): the terminal's width, or 160 columns off a terminal."""
    stream = sys.stderr if err else sys.stdout
    return Console(file=stream, width=None if stream.isatty() else 160)


def _ci(row: pd.Series, fmt: str) -> str:
    if math.isnan(row["ci_low"]):
        return fmt.format(row["mean"])
    return f"{fmt.format(row['mean'])} [{fmt.format(row['ci_low'])}, {fmt.format(row['ci_high'])}]"


def _lookup(summary: pd.DataFrame, row_type: str, category: str) -> dict[tuple[str, str], pd.Series]:
    # "kind" is summary.csv's row-type column (metrics.ROW_TYPE; this module imports nothing of incsim)
    sub = summary[(summary["kind"] == row_type) & (summary["category"] == category)]
    return {(r.protocol, r.metric): r for _, r in sub.iterrows()}


def comparison_table(
    summary: pd.DataFrame, protocols: list[str], category: str = "all", title: str | None = None
) -> Table:
    """Per protocol: TTR median, mean with 95% CI and p90, then the cost metrics with CIs."""
    rows = _lookup(summary, "protocol", category)
    table = Table(title=title or f"Protocol comparison ({category}; {MEANS}; {SPREAD})")
    table.add_column("protocol", style="bold")
    table.add_column("incidents", justify="right")
    table.add_column("TTR median", justify="right")
    table.add_column("TTR mean [95% CI]", justify="right")
    table.add_column("TTR p90", justify="right")
    for _, heading, _ in COLUMNS[1:]:
        table.add_column(heading, justify="right")
    for p in protocols:
        ttr = rows.get((p, "ttr_min"))
        if ttr is None:
            continue
        cells = [
            p,
            str(int(ttr["n_incidents"])),
            f"{ttr['median']:.0f}",
            _ci(ttr, "{:.0f}"),
            f"{ttr['p90']:.0f}",
        ]
        for metric, _, fmt in COLUMNS[1:]:
            cells.append(_ci(rows[(p, metric)], fmt))
        table.add_row(*cells)
    return table


def differences_table(summary: pd.DataFrame, category: str = "all") -> Table:
    """Paired differences between protocols (same incidents), mean [95% CI]."""
    rows = _lookup(summary, "difference", category)
    pairs = sorted({p for p, _ in rows}, key=lambda s: s)
    table = Table(
        title=f"Paired differences ({category}; same incidents under both; mean over replications of "
        f"the difference of their means [95% CI])"
    )
    table.add_column("difference", style="bold")
    for _, heading, _ in COLUMNS:
        table.add_column(heading, justify="right")
    for pair in pairs:
        table.add_row(
            pair, *[_ci(rows[(pair, m)], fmt) if (pair, m) in rows else "" for m, _, fmt in COLUMNS]
        )
    return table


def category_table(summary: pd.DataFrame, protocols: list[str]) -> Table:
    """Category x protocol: TTR and engineer-hours means with CIs."""
    table = Table(title=f"By category ({MEANS})")
    table.add_column("category", style="bold")
    table.add_column("protocol")
    table.add_column("incidents", justify="right")
    table.add_column("TTR min", justify="right")
    table.add_column("eng-h", justify="right")
    table.add_column("non-ess h", justify="right")
    table.add_column("exposure", justify="right")
    cats = [c for c in summary["category"].unique() if c != "all"]
    for cat in cats:
        rows = _lookup(summary, "protocol", cat)
        for p in protocols:
            if (p, "ttr_min") not in rows:
                continue
            table.add_row(
                cat,
                p,
                str(int(rows[(p, "ttr_min")]["n_incidents"])),
                _ci(rows[(p, "ttr_min")], "{:.0f}"),
                _ci(rows[(p, "engineer_hours")], "{:.1f}"),
                _ci(rows[(p, "non_essential_hours")], "{:.1f}"),
                _ci(rows[(p, "data_exposure")], "{:.0f}"),
            )
    return table


def summary_records(summary: pd.DataFrame) -> list[dict]:
    """The summary as JSON-ready records (NaN as null)."""
    clean = summary.astype(object).where(pd.notna(summary), None)
    return clean.to_dict(orient="records")


VERIFY_METRICS = [
    ("mean_wait_min", "mean wait (min)"),
    ("mean_ttr_min", "mean TTR (min)"),
    ("p_wait", "P(wait > 0)"),
    ("mean_in_system", "mean in system"),
]


def verification_table(records: list[dict], level: float = 0.95) -> Table:
    """Analytic vs simulated (with CI) per case and metric, and a verdict per row."""
    table = Table(title=f"incsim verify: analytic vs simulated ({level:.0%} CI over replications)")
    for col in ("case", "metric", "analytic", "simulated", "CI", "verdict"):
        table.add_column(col, justify="left" if col in ("case", "metric", "verdict") else "right")
    for result in records:
        for key, label in VERIFY_METRICS:
            m = result.get(key)
            if not m:
                continue
            table.add_row(
                result["case"],
                label,
                f"{m['analytic']:.4g}",
                f"{m['simulated']:.4g}",
                f"[{m['ci_low']:.4g}, {m['ci_high']:.4g}]",
                "pass" if m["passed"] else "FAIL",
            )
        lit = result.get("littles_law")
        if lit:
            table.add_row(
                result["case"],
                "Little's law L = lambda W",
                f"{lit['lambda_w']:.4g}",
                f"{lit['L']:.4g}",
                f"gap {lit['relative_gap']:.2%}",
                "pass" if lit["passed"] else "FAIL",
            )
    return table
