"""Charts of a calibration, a check and a review, as SVG (the report's style and helpers)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure

from incsim.calibrate import fit
from incsim.report import charts as rc

HISTORY = "#000000"
MAX_POINTS = 2000  # thinned beyond this so an SVG stays small


def _thin(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    if len(x) > MAX_POINTS:
        idx = np.unique(np.linspace(0, len(x) - 1, MAX_POINTS).round().astype(int))
        return x[idx], y[idx]
    return x, y


@rc._styled
def fit_figure(group: Mapping, durations: Sequence[float], censored: Sequence[bool]) -> Figure:
    """One group: the history's ECDF (Kaplan-Meier under censoring) with every fitted CDF, and a
    Q-Q plot of the resolved durations against the best fit."""
    fig = rc._figure(8.6, 3.4)
    ax, qq = fig.subplots(1, 2, gridspec_kw={"width_ratios": [1.6, 1]})
    x, y = fit.kaplan_meier(durations, censored)
    lo, hi = float(x.min()), float(x.max())
    xs, ys = _thin(x, y)
    ax.plot(
        np.r_[xs[0], xs],
        np.r_[0, ys],
        drawstyle="steps-post",
        color=HISTORY,
        lw=1.8,
        label=f"history (n = {group['n']})",
        gid="history",
    )
    grid = np.geomspace(max(lo * 0.8, 0.1), hi * 1.25, 200)
    fits = {fam: fit.Fit(fam, p, 0.0, 0.0) for fam, p in group["params"].items()}
    for i, (fam, f) in enumerate(fits.items()):
        best = fam == group["best_family"]
        ax.plot(
            grid,
            f.dist().cdf(grid),
            color=rc.PALETTE[i % len(rc.PALETTE)],
            lw=2.0 if best else 1.1,
            ls="-" if best else (0, (3, 2)),
            label=fam + (" (best AIC)" if best else ""),
            gid=f"fit-{fam}",
        )
    rc._time_axis(ax, lo, hi)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("duration (log scale)")
    ax.set_ylabel("share resolved within")
    ax.legend(loc="upper left", fontsize=8)
    resolved = np.sort(np.asarray(durations, dtype=float)[~np.asarray(censored, dtype=bool)])
    probs = (np.arange(1, len(resolved) + 1) - 0.5) / len(resolved)
    model = fits[group["best_family"]].dist().ppf(probs)
    px, py = _thin(model, resolved)
    qq.loglog(px, py, ".", color=HISTORY, ms=3, gid="qq")
    ends = [min(px.min(), py.min()), max(px.max(), py.max())]
    qq.plot(ends, ends, color=rc.PALETTE[0], lw=1.0)
    qq.set_xlabel(f"{group['best_family']} quantile (min)")
    qq.set_ylabel("observed (min)")
    qq.set_title("Q-Q", fontsize=10)
    fig.suptitle(rc.label(f"{group['group']}"), fontsize=11)
    return fig


@rc._styled
def hour_of_week_figure(profile: Sequence[float]) -> Figure:
    """Share of incidents starting in each hour of the week (UTC, Monday first)."""
    fig = rc._figure(8.6, 2.4)
    ax = fig.add_subplot()
    # one filled step artist, not 168 bars: the SVG is smaller and drawn in a fraction of the time
    ax.stairs(profile, np.arange(169) - 0.5, fill=True, color=rc.PALETTE[0], gid="hour-of-week")
    ax.set_xticks(np.arange(0, 168, 24) + 12, ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"])
    for d in range(1, 7):
        ax.axvline(d * 24 - 0.5, color="#cbd2d9", lw=0.8)
    ax.set_xlim(-0.5, 167.5)
    ax.set_ylabel("share of incidents")
    return fig


@rc._styled
def check_figure(history: Sequence[float], simulated: Mapping[str, Sequence[float]]) -> Figure:
    """ECDF of the history's durations against each protocol's simulated times to resolve."""
    fig = rc._figure(8.6, 3.8)
    ax = fig.add_subplot()
    series = {"history": np.sort(np.asarray(history, dtype=float))}
    series.update({p: np.sort(np.asarray(v, dtype=float)) for p, v in simulated.items() if len(v)})
    lo = min(s.min() for s in series.values())
    hi = max(s.max() for s in series.values())
    for i, (name, s) in enumerate(series.items()):
        y = np.arange(1, len(s) + 1) / len(s)
        xs, ys = _thin(s, y)
        colour = HISTORY if name == "history" else rc.PALETTE[(i - 1) % len(rc.PALETTE)]
        ax.plot(
            np.r_[xs[0], xs],
            np.r_[0, ys],
            drawstyle="steps-post",
            color=colour,
            lw=2.2 if name == "history" else 1.5,
            label=rc.label(f"{name} (n = {len(s)})"),
            gid=f"ecdf-{name}",
        )
    rc._time_axis(ax, float(lo), float(hi))
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("time to resolve (log scale)")
    ax.set_ylabel("share resolved within")
    ax.legend(loc="upper left", fontsize=8)
    return fig


@rc._styled
def review_figure(months: Sequence[Mapping]) -> Figure:
    """MTTR per month with the noise band around the previous month's value."""
    fig = rc._figure(8.6, 3.4)
    ax = fig.add_subplot()
    xs = np.arange(len(months))
    mttr = np.array([m["mttr_min"] if m["mttr_min"] is not None else np.nan for m in months])
    ax.plot(xs, mttr, "o-", color=rc.PALETTE[0], lw=1.6, label="MTTR", gid="mttr")
    med = np.array([m["median_min"] if m["median_min"] is not None else np.nan for m in months])
    ax.plot(xs, med, "s--", color=rc.PALETTE[1], lw=1.2, label="median", gid="median")
    for i, m in enumerate(months):
        band = m.get("noise_band_min")
        if i and band is not None and np.isfinite(mttr[i - 1]):
            ax.fill_between(
                [i - 0.35, i + 0.35],
                mttr[i - 1] - band,
                mttr[i - 1] + band,
                color="#cbd2d9",
                alpha=0.6,
                lw=0,
                gid=f"band-{i}",
                label="noise band (90%)" if i == 1 else None,
            )
    ax.set_xticks(xs, [m["month"] for m in months], rotation=45, ha="right", fontsize=8)
    ax.set_ylabel("minutes")
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left", fontsize=8)
    return fig
