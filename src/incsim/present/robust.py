"""The "what would change the answer" slide from a robustness study's ``robustness.json``.

The study's shape is fixed by its specification: ``parameters`` (``path, low, high, dist``),
``comparisons`` (``baseline, alternative, metric, mean, low, high, noise_low, noise_high,
p_alternative_better``), ``sensitivity`` (``baseline, alternative, metric, parameter,
first_order, total``) and ``flip_points`` (``baseline, alternative, metric, parameter, value``,
value null when the answer does not flip within the parameter's range). Figures are shown as
the study wrote them, spelled by ``report.wording``.
"""

from __future__ import annotations

from incsim.present.deck import Chart, Series, Table
from incsim.report.wording import Estimate, capitalised, mean_ci, num
from incsim.scenario.spelling import format_value

DRIVERS_SHOWN = 6


def _digits(metric: str) -> tuple[int, bool]:
    money = metric.startswith("cost")
    return (1 if "hours" in metric else 0), money


def comparison_text(c: dict) -> str:
    """One comparison: the difference over the parameter ranges, the noise alone, P(alternative better)."""
    digits, money = _digits(str(c["metric"]))
    est = Estimate(float(c["mean"]), float(c["low"]), float(c["high"]))
    noise = (
        Estimate(float(c["mean"]), float(c["noise_low"]), float(c["noise_high"]))
        if c.get("noise_low") is not None and c.get("noise_high") is not None
        else None
    )
    noise_text = (
        ""
        if noise is None or not noise.has_ci
        else f"; noise alone {num(noise.low, digits, True, money)} to {num(noise.high, digits, True, money)}"
    )
    return (
        f"{capitalised(str(c['alternative']))} vs {c['baseline']}, {c['metric']}: "
        f"{mean_ci(est, digits, sign=True, money=money)} over the parameter ranges{noise_text}; "
        f"{capitalised(str(c['alternative']))} better in {float(c['p_alternative_better']) * 100:.0f}% of them."
    )


def flip_text(f: dict, ranges: dict[str, dict]) -> str:
    """One flip point: the value of a parameter past which the answer reverses (or that it does not)."""
    what = f"{f['alternative']} vs {f['baseline']} on {f['metric']}"
    if f["value"] is None:
        r = ranges.get(str(f["parameter"]))
        span = f" ({format_value(r['low'])} to {format_value(r['high'])})" if r else ""
        return f"{f['parameter']}: {what} does not flip within its range{span}."
    return f"{f['parameter']}: {what} flips at {format_value(f['value'])}."


def robustness_parts(study: dict, audience: str) -> tuple[str, tuple[str, ...], Table | None, Chart | None]:
    """Lead, points, table and chart of the robustness slide."""
    comparisons = study["comparisons"]
    ranges = {str(p["path"]): p for p in study["parameters"]}
    flips = study["flip_points"]
    found = [f for f in flips if f["value"] is not None]
    lead = comparison_text(comparisons[0]) if comparisons else "The robustness study holds no comparison."
    points = [comparison_text(c) for c in comparisons[1 : 3 if audience == "exec" else None]]
    shown = found if audience == "exec" else flips
    points += [flip_text(f, ranges) for f in shown[: 4 if audience == "exec" else None]]
    if not found:
        points.append(f"No parameter flips the answer within its range ({len(ranges)} varied).")
    chart = None
    if comparisons:
        first = comparisons[0]
        key = (first["baseline"], first["alternative"], first["metric"])
        rows = [s for s in study["sensitivity"] if (s["baseline"], s["alternative"], s["metric"]) == key]
        rows = sorted(rows, key=lambda s: -float(s["total"]))[:DRIVERS_SHOWN]
        if rows:
            chart = Chart(
                "hbar",
                f"Drivers of {first['alternative']} vs {first['baseline']}, {first['metric']}",
                tuple(str(s["parameter"]) for s in rows),
                (
                    Series("total effect", tuple(float(s["total"]) for s in rows)),
                    Series("first order", tuple(float(s["first_order"]) for s in rows)),
                ),
                unit="sensitivity index",
                digits=2,
            )
    table = None
    if audience == "engineering" and ranges:
        table = Table(
            ("parameter", "low", "high", "distribution"),
            tuple(
                (path, format_value(p["low"]), format_value(p["high"]), str(p["dist"]))
                for path, p in ranges.items()
            ),
        )
    return lead, tuple(points), table, chart
