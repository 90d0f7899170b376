"""The report's charts: matplotlib figures from ``build``'s plain data, rendered to SVG text.

Each chart is two steps: ``*_figure(data) -> Figure`` (inspectable: tests read the artists'
data through their ``gid``) and ``svg(fig, name)`` (text). Figures are made with
``matplotlib.figure.Figure`` on the Agg canvas, never through pyplot, so no global figure state
and no GUI backend is involved. Output is deterministic: a fixed ``svg.hashsalt``, no date or
creator metadata, and every id prefixed by the chart's name so several SVGs can live inline in
one HTML page without clashing ids.
"""

from __future__ import annotations

import functools
import html
import io
import math
import re
from collections.abc import Callable, Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, NullFormatter, PercentFormatter

from incsim.report.findings import Ecdf
from incsim.report.timeline import Timeline
from incsim.report.wording import STATISTIC_LABELS, Estimate, money_short, num

# Okabe-Ito: distinguishable with the common colour-vision deficiencies
PALETTE = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
STATE_COLOURS = {"responding": "#0072B2", "spectating": "#E69F00", "refocusing": "#CC79A7"}
STATE_LABELS = {"responding": "responding", "spectating": "spectating / watching", "refocusing": "refocusing"}
STAT_COLOURS = {"mttr": "#0072B2", "median": "#E69F00", "geomean": "#009E73"}
INK, MUTED, GRID = "#1f2933", "#52606d", "#e4e7eb"

RC = {
    "svg.fonttype": "none",
    "svg.hashsalt": "incsim-report",
    "font.family": "sans-serif",
    "font.sans-serif": ["DejaVu Sans", "Helvetica", "Arial", "sans-serif"],
    "font.size": 10,
    "axes.edgecolor": "#9aa5b1",
    "axes.labelcolor": INK,
    "axes.titlesize": 11,
    "axes.titleweight": "bold",
    "axes.titlelocation": "left",
    "axes.titlecolor": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.axisbelow": True,
    "grid.color": GRID,
    "grid.linewidth": 0.8,
    "xtick.color": MUTED,
    "ytick.color": MUTED,
    "legend.frameon": False,
    "legend.fontsize": 9,
    "figure.dpi": 100,
    "path.simplify": False,
}

_TIME_TICKS = [
    (1, "1 min"),
    (2, "2 min"),
    (5, "5 min"),
    (10, "10 min"),
    (15, "15 min"),
    (30, "30 min"),
    (60, "1 h"),
    (120, "2 h"),
    (240, "4 h"),
    (480, "8 h"),
    (960, "16 h"),
    (1440, "1 d"),
    (2880, "2 d"),
    (5760, "4 d"),
    (10080, "1 wk"),
    (20160, "2 wk"),
]
_FINE_TICKS = [
    (3, "3 min"),
    (20, "20 min"),
    (45, "45 min"),
    (90, "1.5 h"),
    (180, "3 h"),
    (360, "6 h"),
    (720, "12 h"),
    (2160, "1.5 d"),
]


def protocol_colours(protocols: Sequence[str]) -> dict[str, str]:
    """A fixed colour per protocol, in run order (the same in every chart)."""
    return {p: PALETTE[i % len(PALETTE)] for i, p in enumerate(protocols)}


def label(text: str) -> str:
    """Text from a scenario made safe for matplotlib: no mathtext, no hidden ``_`` legend labels."""
    text = str(text).replace("\\", "\\\\").replace("$", r"\$")
    return ("\u200b" + text) if text.startswith("_") else text


def _styled(make: Callable[..., Figure]) -> Callable[..., Figure]:
    """Run a figure builder inside the report's rcParams (artists read them when created)."""

    @functools.wraps(make)
    def wrapper(*args, **kwargs) -> Figure:
        with matplotlib.rc_context(RC):
            return make(*args, **kwargs)

    return wrapper


def _figure(width: float, height: float) -> Figure:
    fig = Figure(figsize=(width, height), layout="constrained")
    FigureCanvasAgg(fig)
    return fig


def svg(fig: Figure, name: str, title: str = "", inline: bool = True) -> str:
    """The figure as SVG text, ids prefixed by ``name``; ``inline`` drops the XML prolog and the
    fixed size (the page's CSS sizes it) and adds an accessible ``title``."""
    buf = io.StringIO()
    with matplotlib.rc_context(RC):
        fig.savefig(buf, format="svg", metadata={"Date": None, "Creator": None, "Format": None, "Type": None})
    text = buf.getvalue()
    text = re.sub(r"\s*<metadata>.*?</metadata>", "", text, flags=re.DOTALL)
    slug = re.sub(r"[^A-Za-z0-9_-]", "-", name)
    ids = set(re.findall(r'\bid="([^"]+)"', text))

    def prefixed(m: re.Match) -> str:
        return f"{m.group(1)}{slug}-{m.group(2)}{m.group(3)}" if m.group(2) in ids else m.group(0)

    text = re.sub(r'(\bid="|\bhref="#|url\(#)([^")]+)([")])', prefixed, text)
    seen: dict[str, int] = {}

    def unique(m: re.Match) -> str:  # a gid shared by several artists (a bar per metric) -> id, id-2, ...
        n = seen[m.group(1)] = seen.get(m.group(1), 0) + 1
        return m.group(0) if n == 1 else f'id="{m.group(1)}-{n}"'

    text = re.sub(r'\bid="([^"]+)"', unique, text)
    if inline:
        text = re.sub(r"^<\?xml[^>]*>\s*", "", text)
        text = re.sub(r"^<!DOCTYPE[^>]*>\s*", "", text)
        aria = html.escape(title or name, quote=True)
        text = re.sub(
            r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
            lambda m: f'<svg {m.group(1)}class="chart" role="img" aria-label="{aria}"',
            text,
            count=1,
        )
    return text.strip() + "\n"


def _time_axis(ax, lo: float, hi: float) -> None:
    ax.set_xscale("log")
    lo, hi = max(lo, 0.5), max(hi, lo * 2)
    ticks = [(v, t) for v, t in _TIME_TICKS if lo * 0.8 <= v <= hi * 1.25]
    if len(ticks) < 4:  # a narrow range: add the in-between marks
        ticks = sorted(ticks + [(v, t) for v, t in _FINE_TICKS if lo * 0.8 <= v <= hi * 1.25])
    if len(ticks) > 7:
        ticks = ticks[::2]
    ax.set_xticks([v for v, _ in ticks], [t for _, t in ticks])
    ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlim(lo * 0.8, hi * 1.25)


def _ecdf_range(series: Mapping[str, Ecdf]) -> tuple[float, float]:
    xs = [s.x for s in series.values() if s.n]
    if not xs:
        return 1.0, 10.0
    allx = np.concatenate(xs)
    return float(allx.min()), float(allx.max())


MAX_ECDF_POINTS = 4000


def ecdf_points(e: Ecdf, limit: int = MAX_ECDF_POINTS) -> tuple[np.ndarray, np.ndarray]:
    """The steps to draw: every point, or beyond ``limit`` points evenly spaced ranks (first and last
    kept), so the SVG stays small; each kept point is exact and the curve is off by < 1/limit."""
    x, y = e.x, e.y
    if len(x) > limit:
        idx = np.unique(np.linspace(0, len(x) - 1, limit).round().astype(int))
        x, y = x[idx], y[idx]
    return np.r_[x[0], x], np.r_[0.0, y]


def _draw_ecdf(
    ax, series: Mapping[str, Ecdf], colours: Mapping[str, str], key: str, with_legend_values: bool
) -> None:
    for proto, e in series.items():
        if not e.n:
            continue
        c = colours[proto]
        name = label(proto)
        text = f"{name}: p50 {num(e.p50)} min, p90 {num(e.p90)} min" if with_legend_values else name
        xs, ys = ecdf_points(e)
        ax.plot(xs, ys, drawstyle="steps-post", color=c, lw=1.8, label=text, gid=f"{key}-ecdf-{proto}")
        ax.plot([e.p50], [0.5], "o", color=c, ms=6, mec="white", mew=1.0, gid=f"{key}-p50-{proto}", zorder=4)
        ax.plot(
            [e.p90], [0.9], "D", color=c, ms=5.5, mec="white", mew=1.0, gid=f"{key}-p90-{proto}", zorder=4
        )
    for level, tag in ((0.5, "p50"), (0.9, "p90")):
        ax.axhline(level, color="#9aa5b1", lw=0.8, ls=(0, (3, 3)), zorder=1)
        ax.annotate(
            tag,
            (1.0, level),
            xycoords=("axes fraction", "data"),
            xytext=(3, 0),
            textcoords="offset points",
            va="center",
            fontsize=8,
            color=MUTED,
            annotation_clip=False,
        )
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))


@_styled
def ecdf_figure(series: Mapping[str, Ecdf], colours: Mapping[str, str]) -> Figure:
    """TTR ECDF per protocol over all incidents, p50 (circle) and p90 (diamond) marked."""
    fig = _figure(8.6, 4.2)
    ax = fig.add_subplot()
    _draw_ecdf(ax, series, colours, "all", with_legend_values=True)
    _time_axis(ax, *_ecdf_range(series))
    ax.set_xlabel("time to resolve (log scale)")
    ax.set_ylabel("incidents resolved within")
    if ax.get_legend_handles_labels()[0]:
        ax.legend(loc="upper left", handlelength=1.8)
    return fig


@_styled
def ecdf_grid_figure(by_category: Mapping[str, Mapping[str, Ecdf]], colours: Mapping[str, str]) -> Figure:
    """Small multiples: the TTR ECDF per protocol for each incident category, on a common axis."""
    cats = list(by_category)
    fig = _figure(8.6, 3.0)
    axes = fig.subplots(1, max(1, len(cats)), sharey=True, squeeze=False)[0]
    lo = min((_ecdf_range(s)[0] for s in by_category.values()), default=1.0)
    hi = max((_ecdf_range(s)[1] for s in by_category.values()), default=10.0)
    for ax, cat in zip(axes, cats):
        series = by_category[cat]
        _draw_ecdf(ax, series, colours, f"cat-{cat}", with_legend_values=False)
        _time_axis(ax, lo, hi)
        n = max((s.n for s in series.values()), default=0)
        ax.set_title(f"{label(cat)} (n = {n})", fontsize=10)
        ax.tick_params(axis="x", labelsize=8)
    axes[0].set_ylabel("resolved within")
    handles = [Line2D([], [], color=colours[p], lw=1.8, label=label(p)) for p in colours]
    fig.legend(handles=handles, loc="outside lower center", ncols=len(handles))
    return fig


def _bar_value_labels(ax, xs, means, highs, fmt) -> None:
    for x, m, h in zip(xs, means, highs):
        if math.isfinite(m):
            top = h if math.isfinite(h) else m
            ax.annotate(
                fmt(m),
                (x, top),
                xytext=(0, 3),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=8.5,
                color=INK,
            )


def _error(est: Sequence[Estimate]) -> np.ndarray:
    return np.array(
        [
            [e.mean - e.low if e.has_ci else 0.0 for e in est],
            [e.high - e.mean if e.has_ci else 0.0 for e in est],
        ]
    )


@_styled
def hours_figure(rows: Sequence[dict], colours: Mapping[str, str]) -> Figure:
    """Engineer-hours and non-essential hours per incident, per protocol: bars with 95% CI whiskers."""
    fig = _figure(8.6, 3.6)
    ax = fig.add_subplot()
    metrics = [
        ("engineer_hours", "engineer-hours per incident\n(everyone involved, incl. refocus)"),
        ("non_essential_hours", "non-essential hours per incident\n(spectators and watchers)"),
    ]
    k = len(rows)
    width = 0.8 / max(k, 1)
    for i, row in enumerate(rows):
        p = row["protocol"]
        est = [row[m] for m, _ in metrics]
        xs = np.arange(len(metrics)) + (i - (k - 1) / 2) * width
        ax.bar(
            xs,
            [e.mean for e in est],
            width * 0.92,
            color=colours[p],
            label=label(p),
            gid=f"hours-{p}",
            yerr=_error(est),
            error_kw={"ecolor": INK, "elinewidth": 1.0, "capsize": 3},
        )
        _bar_value_labels(ax, xs, [e.mean for e in est], [e.high for e in est], lambda v: f"{v:.1f} h")
    ax.set_xticks(range(len(metrics)), [t for _, t in metrics])
    ax.set_ylabel("hours per incident")
    ax.grid(axis="x", visible=False)
    ax.margins(y=0.12)
    ax.legend(loc="upper right", ncols=min(k, 4))
    return fig


@_styled
def cost_figure(rows: Sequence[dict], colours: Mapping[str, str], per_year: float) -> Figure:
    """Cost per incident and per year (mean x incidents a year), per protocol, with 95% CIs."""
    fig = _figure(8.6, 3.4)
    axes = fig.subplots(1, 2)
    protos = [r["protocol"] for r in rows]
    for ax, key, title in (
        (axes[0], "cost_usd", "per incident"),
        (axes[1], "cost_per_year", f"per year ({per_year:.1f} incidents)"),
    ):
        est = [r[key] for r in rows]
        xs = np.arange(len(rows))
        ax.bar(
            xs,
            [e.mean for e in est],
            0.62,
            color=[colours[p] for p in protos],
            gid=f"{key}-bars",
            yerr=_error(est),
            error_kw={"ecolor": INK, "elinewidth": 1.0, "capsize": 3},
        )
        _bar_value_labels(ax, xs, [e.mean for e in est], [e.high for e in est], money_short)
        ax.set_xticks(xs, [label(p) for p in protos])
        ax.set_title(title, fontsize=10)
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _: money_short(v)))
        ax.grid(axis="x", visible=False)
        ax.margins(y=0.15)
    axes[0].set_ylabel("US dollars")
    return fig


@_styled
def busy_figure(timelines: Sequence[Timeline], colours: Mapping[str, str]) -> Figure:
    """People x minutes since detection, one panel per protocol, coloured by state."""
    heights = [max(len(t.people), 1) + 1.4 for t in timelines]
    fig = _figure(8.6, 1.2 + 0.26 * sum(heights))
    axes = fig.subplots(
        len(timelines), 1, sharex=True, squeeze=False, gridspec_kw={"height_ratios": heights}
    )[:, 0]
    right = max(
        [b for t in timelines for p in t.people for _, _, b in p.spans] + [t.ttr for t in timelines] + [1.0]
    )
    for ax, tl in zip(axes, timelines):
        n = len(tl.people)
        for a, b in tl.rooms:
            ax.axvspan(a, b, color="#f0f4f8", zorder=0, gid=f"busy-room-{tl.protocol}")
        for row, person in enumerate(tl.people):
            y = n - 1 - row
            for state in ("responding", "spectating", "refocusing"):
                bars = [(a, b - a) for s, a, b in person.spans if s == state]
                if bars:
                    ax.broken_barh(
                        bars,
                        (y - 0.34, 0.68),
                        facecolors=STATE_COLOURS[state],
                        gid=f"busy-{tl.protocol}-{person.who}-{state}",
                        zorder=2,
                    )
            if person.interruptions:
                ax.plot(
                    person.interruptions,
                    [y] * len(person.interruptions),
                    "|",
                    color=INK,
                    ms=9,
                    mew=1.4,
                    gid=f"busy-{tl.protocol}-{person.who}-interrupted",
                    zorder=3,
                )
        ax.axvline(tl.ttr, color=INK, lw=1.0, ls=(0, (4, 2)), zorder=3)
        ax.annotate(
            "resolved",
            (tl.ttr, n - 0.5),
            xytext=(3, 0),
            textcoords="offset points",
            fontsize=8,
            color=INK,
            va="center",
            annotation_clip=False,
        )
        ax.set_yticks(range(n), [f"{label(p.who)} \u00b7 {p.role}" for p in reversed(tl.people)])
        ax.set_ylim(-0.7, n - 0.3 + 0.6)
        ax.tick_params(axis="y", length=0, labelsize=8.5)
        ax.grid(axis="y", visible=False)
        hours = sum(b - a for p in tl.people for s, a, b in p.spans) / 60
        ax.set_title(
            f"{label(tl.protocol)}: resolved after {tl.ttr:.0f} min; {n} people, {hours:.1f} person-hours "
            f"incl. refocus",
            fontsize=10,
            color=colours.get(tl.protocol, INK),
        )
    axes[-1].set_xlim(0, right * 1.04)
    axes[-1].set_xlabel("minutes since the incident was detected")
    handles = [Patch(color=STATE_COLOURS[s], label=STATE_LABELS[s]) for s in STATE_COLOURS]
    handles += [
        Patch(facecolor="#f0f4f8", edgecolor="#c3cfd9", label="call open"),
        Line2D([], [], color=INK, marker="|", ls="", ms=9, mew=1.4, label="interrupted"),
    ]
    fig.legend(handles=handles, loc="outside upper center", ncols=len(handles), fontsize=8.5)
    return fig


@_styled
def power_figure(curve: Mapping) -> Figure:
    """Power of a pilot by months: Monte Carlo (solid) and normal approximation (dashed) per statistic."""
    fig = _figure(8.6, 3.8)
    ax = fig.add_subplot()
    months = curve["months"]
    target = curve.get("target_power", 0.8)
    for stat, values in curve["power"].items():
        c = STAT_COLOURS.get(stat, INK)
        m80 = curve["months_for_80pct"].get(stat)
        when = f"{m80} months" if m80 is not None else "beyond the range"
        ax.plot(
            months,
            values,
            color=c,
            lw=1.9,
            label=f"{STATISTIC_LABELS.get(stat, stat)}: 80% after {when}",
            gid=f"power-{stat}",
        )
        approx = curve["power_analytic"].get(stat)
        if approx is not None:
            ax.plot(months, approx, color=c, lw=1.0, ls=(0, (4, 3)), alpha=0.8, gid=f"power-analytic-{stat}")
        if m80 is not None and m80 in months:
            ax.plot(
                [m80], [values[months.index(m80)]], "o", color=c, ms=6, mec="white", gid=f"power-80-{stat}"
            )
    ax.axhline(target, color=INK, lw=0.9, ls=(0, (3, 3)))
    ax.annotate(
        f"{target:.0%} power",
        (0, target),
        xytext=(4, 4),
        textcoords="offset points",
        ha="left",
        fontsize=8,
        color=INK,
    )
    pilot_months = curve.get("pilot_months")
    if pilot_months:
        ax.axvline(pilot_months, color=MUTED, lw=0.9)
        ax.annotate(
            f"planned pilot: {pilot_months} months",
            (pilot_months, 0.02),
            xytext=(4, 0),
            textcoords="offset points",
            fontsize=8,
            color=MUTED,
        )
    ax.set_ylim(0, 1.0)
    ax.set_xlim(0, months[-1] * 1.02 + 0.5)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    ax.set_xlabel(
        f"months of pilot ({curve.get('per_month'):g} incidents a month in each arm)"
        if curve.get("per_month")
        else "months of pilot"
    )
    ax.set_ylabel("chance the pilot detects the gain")
    handles, labels = ax.get_legend_handles_labels()
    handles.append(Line2D([], [], color=MUTED, lw=1.0, ls=(0, (4, 3))))
    labels.append("normal approximation (dashed)")
    ax.legend(handles, labels, loc="lower right")
    return fig
