"""Rows of a results folder's summary, written by hand, for the report's tests."""

from __future__ import annotations

import math


def srow(
    kind: str,
    protocol: str,
    metric: str,
    mean: float,
    low: float,
    high: float,
    *,
    category: str = "all",
    median: float = math.nan,
    p90: float = math.nan,
    n: int = 0,
    reps: int = 0,
) -> dict:
    return {
        "kind": kind,
        "category": category,
        "protocol": protocol,
        "metric": metric,
        "n_incidents": n,
        "n_replications": reps,
        "mean": mean,
        "ci_low": low,
        "ci_high": high,
        "median": median,
        "p90": p90,
    }
