"""SVG charts of a sweep: each metric per protocol against each parameter, and tornado charts.

Charts are drawn on matplotlib's SVG canvas directly (never pyplot: no window, no global
backend switched for the caller), with a fixed hash salt and no date in the metadata, so the
same results give the same bytes.
"""

from __future__ import annotations

import io
import math
import re
from concurrent.futures import Executor
from pathlib import Path
from typing import Any

import pandas as pd
from matplotlib import rc_context
from matplotlib.backends.backend_svg import FigureCanvasSVG
from matplotlib.figure import Figure
from matplotlib.ticker import NullLocator, ScalarFormatter

from incsim.files import atomic_write
from incsim.sweep.breakeven import parameter_lines
from incsim.sweep.plan import Sweep, SweptParameter
from incsim.sweep.tornado import TornadoBar
from incsim.sweep.values import fmt_number

MAX_TICKS = 12
"""Up to this many values, the x axis is ticked at the swept values themselves."""
MAX_PANELS = 6
"""Most lines (combinations of the other parameters) charted per parameter of a grid."""
RC = {
    "svg.hashsalt": "incsim-sweep",
    "svg.fonttype": "path",
    "font.size": 9,
    "axes.titlesize": 9,
    "axes.grid": True,
    "grid.alpha": 0.3,
}
COLOURS = ["#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#e377c2", "#17becf"]
LABELS = {"cost_usd": "cost per incident, USD", "ttr_min": "TTR, min"}


def svg_bytes(fig: Figure) -> bytes:
    """``fig`` as SVG with no creation date: equal figures give equal bytes."""
    FigureCanvasSVG(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="svg", metadata={"Date": None})
    return buf.getvalue()


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "parameter"


def _axis(ax: Any, par: SweptParameter, xs: list[float], labels: list[str]) -> None:
    """Scale and ticks of the x axis for ``par``: the swept values themselves when few."""
    if par.xs is not None and par.scale == "log":
        ax.set_xscale("log")
    if par.xs is None or len(xs) <= MAX_TICKS:
        ax.set_xticks(xs, labels if par.xs is None or not par.by_mean else [fmt_number(x) for x in xs])
        ax.xaxis.set_minor_locator(NullLocator())
    elif par.scale == "log":
        ax.xaxis.set_major_formatter(ScalarFormatter())


def _positions(par: SweptParameter, order: list[int]) -> list[float]:
    return [par.xs[i] for i in order] if par.xs is not None else [float(k) for k in range(len(order))]


def _xlabel(par: SweptParameter) -> str:
    unit = f" ({par.unit})" if par.unit else ""
    return f"{par.path}{' (mean)' if par.by_mean else ''}{unit}"


def parameter_chart(
    sweep: Sweep, table: pd.DataFrame, par: SweptParameter, statements: list[dict[str, Any]]
) -> Figure:
    """Per protocol, each reported metric with its 95% CI band against ``par``; then the paired
    difference from the baseline in the sweep's metric, with its break-even crossings."""
    lines = parameter_lines(sweep, par)[:MAX_PANELS]
    rows = [*sweep.metrics, *(f"diff:{m}" for m in sweep.metrics)]
    ncols = len(lines)
    fig = Figure(figsize=(4.2 * ncols + 1.2, 2.6 * len(rows) + 0.8))
    axes = fig.subplots(len(rows), ncols, squeeze=False, sharex="col")
    protocols = sweep.protocols
    for c, (context, members) in enumerate(lines):
        order = [i for i in par.order() if i in members]
        xs = _positions(par, order)
        ids = [members[i] for i in order]
        for r, row in enumerate(rows):
            ax = axes[r][c]
            diff = row.startswith("diff:")
            metric = row.removeprefix("diff:")
            shown = protocols[1:] if diff else protocols
            for k, proto in enumerate(protocols):
                if proto not in shown:
                    continue
                sub = table[(table["protocol"] == proto) & (table["metric"] == metric)].set_index("point")
                cols = ("diff_mean", "diff_ci_low", "diff_ci_high") if diff else ("mean", "ci_low", "ci_high")
                mean, lo, hi = (
                    [float(sub.at[i, col]) if i in sub.index else math.nan for i in ids] for col in cols
                )
                colour = COLOURS[k % len(COLOURS)]
                name = f"{proto} − {sweep.baseline}" if diff else proto
                ax.plot(xs, mean, marker="o", markersize=3, color=colour, label=name)
                ax.fill_between(xs, lo, hi, color=colour, alpha=0.18, linewidth=0)
            if diff:
                ax.axhline(0.0, color="black", linewidth=0.8)
                for st in statements:
                    if st["parameter"] != par.path or st["metric"] != metric or st["context"] != context:
                        continue
                    k = protocols.index(st["protocol"])
                    for cr in st["crossings"]:
                        if cr["x"] is not None:
                            ax.plot(
                                [cr["x"]], [0.0], marker="x", markersize=7, color=COLOURS[k % len(COLOURS)]
                            )
                ax.set_ylabel(f"Δ {LABELS.get(metric, metric)}")
            else:
                ax.set_ylabel(LABELS.get(metric, metric))
            if par.base_x is not None and par.xs is not None and sweep.mode != "grid":
                ax.axvline(
                    par.base_x,
                    color="grey",
                    linestyle=":",
                    linewidth=0.9,
                    label="scenario value" if r == 0 else None,
                )
            if r == 0:
                ax.set_title(context or f"{sweep.name}: {par.path}")
            _axis(ax, par, xs, [par.labels[i] for i in order])
            if r == len(rows) - 1:
                ax.set_xlabel(_xlabel(par))
                if par.xs is None:
                    ax.tick_params(axis="x", labelrotation=20)
            if c == 0 and r in (0, len(sweep.metrics)):
                ax.legend(loc="best", fontsize=7, frameon=False)
    if sweep.mode == "grid":
        fig.suptitle(f"{sweep.name}: {par.path}")
    fig.tight_layout()
    return fig


def tornado_chart(
    sweep: Sweep, metric: str, bars: dict[str, list[TornadoBar]], base_diffs: dict[str, float]
) -> Figure:
    """For each protocol, the paired difference from the baseline at each parameter's lowest and
    highest value, widest swing on top, drawn from the base scenario's difference."""
    return tornado_figure(
        f"{sweep.name}: one-at-a-time sensitivity of the paired difference in {metric}",
        sweep.baseline,
        metric,
        bars,
        base_diffs,
    )


def tornado_figure(
    title: str, baseline: str, metric: str, bars: dict[str, list[TornadoBar]], base_diffs: dict[str, float]
) -> Figure:
    """``tornado_chart``'s figure for any source of bars (a sweep, a robustness study)."""
    protos = list(bars)
    n = max((len(b) for b in bars.values()), default=1)
    fig = Figure(figsize=(8.5, 1.2 + 0.45 * n * len(protos) + 0.6 * len(protos)))
    axes = fig.subplots(len(protos), 1, squeeze=False)
    for ax, proto in zip((a[0] for a in axes), protos):
        ordered = bars[proto]
        centre = base_diffs.get(proto, math.nan)
        ys = list(range(len(ordered)))[::-1]  # widest on top
        for y, b in zip(ys, ordered):
            start = centre if not math.isnan(centre) else b.diff_at_low
            for value, colour, label, text in (
                (b.diff_at_low, "#1f77b4", "lowest value", b.low_label),
                (b.diff_at_high, "#d62728", "highest value", b.high_label),
            ):
                if math.isnan(value):
                    continue
                ax.barh(
                    y,
                    value - start,
                    left=start,
                    color=colour,
                    alpha=0.75,
                    height=0.6,
                    label=label if y == ys[0] else None,
                )
                ax.annotate(
                    text,
                    (value, y),
                    xytext=(3 if value >= start else -3, 0),
                    textcoords="offset points",
                    ha="left" if value >= start else "right",
                    va="center",
                    fontsize=7,
                )
        ax.set_yticks(ys, [b.parameter for b in ordered], fontsize=7)
        ax.axvline(0.0, color="black", linewidth=0.8)
        if not math.isnan(centre):
            ax.axvline(centre, color="grey", linestyle=":", linewidth=0.9)
        ax.set_xlabel(f"{proto} − {baseline}: Δ {LABELS.get(metric, metric)} (dotted: base scenario)")
        ax.legend(loc="best", fontsize=7, frameon=False)
        ax.margins(x=0.35, y=0.15)
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def chart_tasks(
    sweep: Sweep,
    table: pd.DataFrame,
    statements: list[dict[str, Any]],
    bars: dict[str, dict[str, list[TornadoBar]]],
) -> list[tuple[str, Any, tuple]]:
    """Every chart of the sweep as (file name, the function that draws it, its arguments):
    ``chart-<parameter>.svg`` for every parameter, ``tornado-<metric>.svg`` (one-at-a-time sweeps)."""
    tasks: list[tuple[str, Any, tuple]] = [
        (f"chart-{_slug(par.path)}.svg", parameter_chart, (sweep, table, par, statements))
        for par in sweep.parameters
    ]
    base = table[table["point"] == 0]
    for metric, per in bars.items():
        if not any(per.values()):
            continue
        centre = {
            p: float(base[(base["protocol"] == p) & (base["metric"] == metric)]["diff_mean"].iloc[0])
            for p in per
            if not base[(base["protocol"] == p) & (base["metric"] == metric)].empty
        }
        tasks.append((f"tornado-{_slug(metric)}.svg", tornado_chart, (sweep, metric, per, centre)))
    return tasks


def render(draw: Any, args: tuple) -> bytes:
    """The SVG of the chart ``draw(*args)`` (a task a worker can run: the settings come with it)."""
    with rc_context(RC):
        return svg_bytes(draw(*args))


def write_charts(
    sweep: Sweep,
    table: pd.DataFrame,
    statements: list[dict[str, Any]],
    bars: dict[str, dict[str, list[TornadoBar]]],
    out: Path,
    executor: Executor | None = None,
) -> list[Path]:
    """Write every chart of ``chart_tasks`` into ``out``; the paths written. With an ``executor``
    the charts are drawn by its workers, side by side (the same bytes: each is drawn with the
    same settings wherever it runs), and written here in order."""
    tasks = chart_tasks(sweep, table, statements, bars)
    if executor is None:
        svgs = [render(draw, args) for _, draw, args in tasks]
    else:
        futures = [executor.submit(render, draw, args) for _, draw, args in tasks]
        svgs = [f.result() for f in futures]
    written = []
    for (name, _, _), svg in zip(tasks, svgs, strict=True):
        atomic_write(out / name, svg)
        written.append(out / name)
    return written
