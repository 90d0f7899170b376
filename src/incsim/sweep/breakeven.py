"""Break-even: where a paired difference changes sign along a parameter, and that in words."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import pandas as pd

from incsim.sweep.plan import Sweep, SweptParameter
from incsim.sweep.schema import TTR
from incsim.sweep.values import fmt_number


@dataclass(frozen=True)
class Crossing:
    """Where a paired difference changes sign between two adjacent values (in axis order)."""

    left: int
    right: int
    x: float | None
    """The interpolated crossing (None when the axis is categorical)."""
    rising: bool
    """True when the difference goes from below zero to above it as the value grows."""


def break_even(xs: Sequence[float] | None, diffs: Sequence[float]) -> list[Crossing]:
    """Every sign change of ``diffs`` along ``xs`` (both in axis order), by linear interpolation.

    A difference exactly zero at a value between a negative and a positive one is the crossing
    itself; NaN differences are skipped. With ``xs`` None (categorical) no value is interpolated.
    """
    idx = [i for i, d in enumerate(diffs) if not math.isnan(d)]
    nonzero = [i for i in idx if diffs[i] != 0]
    out = []
    for a, b in itertools.pairwise(nonzero):
        da, db = diffs[a], diffs[b]
        if (da < 0) == (db < 0):
            continue
        zeros = [i for i in idx if a < i < b]  # only exact zeros lie strictly between
        if zeros:
            left = right = zeros[0]
            x = None if xs is None else float(xs[zeros[0]])
            out.append(Crossing(left, right, x, da < 0))
            continue
        x = None
        if xs is not None:
            xa, xb = float(xs[a]), float(xs[b])
            x = xa + (0 - da) * (xb - xa) / (db - da)
        out.append(Crossing(a, b, x, da < 0))
    return out


_BETTER = {"cost_usd": ("cheaper", "more expensive"), TTR: ("faster", "slower")}


def _compare_words(metric: str) -> tuple[str, str]:
    return _BETTER.get(metric, (f"lower in {metric}", f"higher in {metric}"))


def _with_unit(x: str, unit: str) -> str:
    return f"{x} {unit}" if unit else x


def describe_line(
    protocol: str,
    baseline: str,
    metric: str,
    par: SweptParameter,
    order: Sequence[int],
    diffs: Sequence[float],
    lows: Sequence[float],
    highs: Sequence[float],
    context: str = "",
) -> dict[str, Any]:
    """One break-even record (with its sentence) for ``protocol - baseline`` along ``par``.

    ``order`` lists the value indices in axis order; ``diffs``, ``lows`` and ``highs`` are the
    paired difference's mean and 95% CI at those values, in the same order.
    """
    xs = None if par.xs is None else [par.xs[i] for i in order]
    labels = [par.labels[i] for i in order]
    crossings = break_even(xs, diffs)
    rec: dict[str, Any] = {
        "protocol": protocol,
        "baseline": baseline,
        "metric": metric,
        "parameter": par.path,
        "context": context,
        "crossings": [],
        "sentence": "",
    }
    tail = f", with {context}" if context else ""
    good, bad = _compare_words(metric)
    span = f"{labels[0]}–{labels[-1]}" if xs is not None else ", ".join(labels)
    noise = [
        labels[k]
        for k in range(len(diffs))
        if not (math.isnan(lows[k]) or math.isnan(highs[k])) and lows[k] <= 0 <= highs[k]
    ]
    for c in crossings:
        rec["crossings"].append(
            {
                "x": c.x,
                "between": [labels[c.left], labels[c.right]],
                "rising": c.rising,
                "diff_between": [diffs[c.left], diffs[c.right]],
                "ci_between": [[lows[c.left], highs[c.left]], [lows[c.right], highs[c.right]]],
            }
        )
    if not crossings:
        valid = [d for d in diffs if not math.isnan(d)]
        if not valid:
            rec["sentence"] = f"{protocol} vs {baseline} ({metric}): no data along {par.path}{tail}"
            return rec
        if all(d == 0 for d in valid):
            word = "the same as"
        else:
            word = f"{good} than" if all(d <= 0 for d in valid) else f"{bad} than"
        sentence = (
            f"{protocol} is {word} {baseline} ({metric}) across the whole range of {par.path}, "
            f"{_with_unit(span, par.unit) if xs is not None else span}{tail}"
        )
        if noise:
            sentence += f" (the 95% CI of the difference includes zero at {', '.join(noise)})"
        rec["sentence"] = sentence
        rec["no_crossing"] = (
            "lower" if word.startswith(good) else ("equal" if word.startswith("the") else "higher")
        )
        return rec
    first = crossings[0]
    verb = "stops paying off" if first.rising else "starts paying off"
    lo, hi = labels[first.left], labels[first.right]
    if first.x is not None:
        xval = _with_unit(fmt_number(first.x), par.unit)
        if par.by_mean:
            xval = f"a mean of {xval}"
        where = f"when {par.path} exceeds {xval}"
        where += f" (between {lo} and {hi})" if first.left != first.right else f" (exactly at {lo})"
    else:
        where = (
            f"between {par.path} = {lo} and {hi}" if first.left != first.right else f"at {par.path} = {lo}"
        )
    sentence = f"{protocol} {verb} ({metric}) {where}{tail}"
    more = crossings[1:]
    if more:
        spots = ", ".join(
            fmt_number(c.x) if c.x is not None else f"{labels[c.left]}–{labels[c.right]}" for c in more
        )
        sentence += (
            f"; the difference changes sign {len(more)} more time{'s' if len(more) > 1 else ''} "
            f"in the range (near {spots})"
        )
    if lows and all(not math.isnan(lows[k]) and lows[k] <= 0 <= highs[k] for k in (first.left, first.right)):
        sentence += " (within noise: the 95% CI of the difference includes zero on both sides)"
    rec["sentence"] = sentence
    return rec


def parameter_lines(sweep: Sweep, par: SweptParameter) -> list[tuple[str, dict[int, int]]]:
    """The points along ``par``: (context, value index -> point id) for each line."""
    if sweep.mode != "grid":
        return [("", {p.setting[par.path]: p.id for p in sweep.points if p.varied == par.path})]
    others = [q for q in sweep.parameters if q.path != par.path]
    groups: dict[tuple[int, ...], dict[int, int]] = {}
    for p in sweep.points:
        key = tuple(p.setting[q.path] for q in others)
        groups.setdefault(key, {})[p.setting[par.path]] = p.id
    out = []
    for key, members in groups.items():
        ctx = ", ".join(f"{q.path} = {q.labels[j]}" for q, j in zip(others, key))
        out.append((ctx, members))
    return out


def diff_series(table: pd.DataFrame, protocol: str, metric: str) -> dict[int, tuple[float, float, float]]:
    """Per point id: the paired difference (mean, CI low, CI high) of ``protocol`` in ``metric``."""
    sub = table[(table["protocol"] == protocol) & (table["metric"] == metric)]
    return {
        int(r.point): (float(r.diff_mean), float(r.diff_ci_low), float(r.diff_ci_high))
        for r in sub.itertuples(index=False)
    }


def _with_base(
    sweep: Sweep, par: SweptParameter, members: dict[int, int]
) -> tuple[SweptParameter, dict[int, int]]:
    """``par``'s line with the base scenario added as one more value, where it has a place on it.

    Only in one-at-a-time mode (a grid has no base point), only on a numeric axis, and only
    when the base value is not already one of the swept values (that point is the same run).
    """
    if sweep.mode == "grid" or par.xs is None or par.base_x is None or par.base_x in par.xs:
        return par, members
    base = next((p for p in sweep.points if p.varied == "base"), None)
    if base is None:
        return par, members
    line = replace(
        par, values=(*par.values, None), labels=(*par.labels, par.base_label), xs=(*par.xs, par.base_x)
    )
    return line, {**members, len(par.values): base.id}


def break_evens(sweep: Sweep, table: pd.DataFrame) -> list[dict[str, Any]]:
    """Every break-even record of a finished sweep: parameter x line x protocol x metric."""
    out = []
    for swept in sweep.parameters:
        for context, members in parameter_lines(sweep, swept):
            par, members = _with_base(sweep, swept, members)
            order = [i for i in par.order() if i in members]
            for proto in sweep.protocols[1:]:
                for metric in sweep.metrics:
                    series = diff_series(table, proto, metric)
                    vals = [series.get(members[i], (math.nan,) * 3) for i in order]
                    out.append(
                        describe_line(
                            proto,
                            sweep.baseline,
                            metric,
                            par,
                            order,
                            [v[0] for v in vals],
                            [v[1] for v in vals],
                            [v[2] for v in vals],
                            context,
                        )
                    )
    return out
