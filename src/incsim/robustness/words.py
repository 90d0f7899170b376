"""A robustness study in words: the table ``incsim robustness`` prints and the sentences the
report's "What would change the answer" section shows, both from ``robustness.json``'s content."""

from __future__ import annotations

from typing import Any

from incsim.sweep.values import fmt_number

DRIVER_TOTAL = 0.1
"""A parameter whose total Sobol' index reaches this share of the difference's variance drives it."""

MAX_DRIVERS = 3

METRIC_WORDS = {
    "engineer_hours": "engineer-hours per incident",
    "non_essential_hours": "non-essential hours per incident",
    "ttr_min": "time to resolve (min)",
    "customer_impact_min": "customer impact (service-minutes)",
    "data_exposure": "records exposed",
    "cost_usd": "cost per incident ($)",
}


def drivers(result: dict[str, Any], baseline: str, alternative: str, metric: str) -> list[dict[str, Any]]:
    """The parameters that drive one difference: total index at least ``DRIVER_TOTAL``, largest first."""
    rows = [
        s
        for s in result["sensitivity"]
        if (s["baseline"], s["alternative"], s["metric"]) == (baseline, alternative, metric)
        and s["total"] is not None
        and s["total"] >= DRIVER_TOTAL
    ]
    return sorted(rows, key=lambda s: -s["total"])[:MAX_DRIVERS]


def flips(result: dict[str, Any], baseline: str, alternative: str, metric: str) -> list[dict[str, Any]]:
    """The parameters along whose range the verdict of one difference flips (the others at the scenario's values)."""
    return [
        f
        for f in result["flip_points"]
        if (f["baseline"], f["alternative"], f["metric"]) == (baseline, alternative, metric)
        and f["value"] is not None
    ]


def _interval(low: float | None, high: float | None) -> str:
    if low is None or high is None:
        return "[n/a]"
    return f"[{fmt_number(low)}, {fmt_number(high)}]"


def flip_sentence(f: dict[str, Any]) -> str:
    """One flip point in plain words."""
    better = "better" if f["alternative_better_above"] else "worse"
    return (
        f"{f['alternative']} becomes {better} than {f['baseline']} in {METRIC_WORDS.get(f['metric'], f['metric'])} "
        f"when {f['parameter']} is above {fmt_number(f['value'])} (the scenario has "
        f"{fmt_number(f['base'])})"
        + (
            ", within simulation noise: the difference's 95% CI includes zero on both sides"
            if f.get("within_noise")
            else ""
        )
    )


def verdict_line(c: dict[str, Any]) -> str:
    """One comparison: the spread over the assumptions beside the noise-only interval."""
    p = c["p_alternative_better"]
    share = "n/a" if p is None else f"{p * 100:.0f}%"
    return (
        f"{c['alternative']} - {c['baseline']}, {METRIC_WORDS.get(c['metric'], c['metric'])}: "
        f"{fmt_number(c['mean']) if c['mean'] is not None else 'n/a'} "
        f"{_interval(c['low'], c['high'])} over the plausible assumptions; "
        f"{_interval(c['noise_low'], c['noise_high'])} from simulation noise alone; "
        f"{c['alternative']} better in {share} of draws"
    )


def summary_lines(result: dict[str, Any]) -> list[str]:
    """The study as printed lines: each comparison, then its drivers and flip points."""
    lines = []
    for c in result["comparisons"]:
        key = (c["baseline"], c["alternative"], c["metric"])
        lines.append(verdict_line(c))
        ds = drivers(result, *key)
        if ds:
            lines.append(
                "  driven by: "
                + ", ".join(
                    f"{d['parameter']} (total {d['total']:.2f}, first-order {d['first_order']:.2f})"
                    for d in ds
                )
            )
        for f in flips(result, *key):
            lines.append("  flips: " + flip_sentence(f))
    return lines
