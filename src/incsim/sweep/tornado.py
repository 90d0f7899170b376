"""Tornado data: how far each parameter alone moves a paired difference (one-at-a-time sweeps)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import pandas as pd

from incsim.sweep.breakeven import diff_series, parameter_lines
from incsim.sweep.plan import Sweep


@dataclass(frozen=True)
class TornadoBar:
    """How far one parameter moves a paired difference between its lowest and highest value."""

    parameter: str
    low_label: str
    high_label: str
    diff_at_low: float
    diff_at_high: float

    @property
    def swing(self) -> float:
        """The difference at the highest value minus that at the lowest."""
        return self.diff_at_high - self.diff_at_low


def tornado(bars: Sequence[TornadoBar]) -> list[TornadoBar]:
    """``bars`` ordered for a tornado chart: the widest swing first (NaN swings last)."""
    return sorted(
        bars,
        key=lambda b: (math.isnan(b.swing), -abs(b.swing) if not math.isnan(b.swing) else 0.0, b.parameter),
    )


def tornado_bars(sweep: Sweep, table: pd.DataFrame, protocol: str, metric: str) -> list[TornadoBar]:
    """One-at-a-time sensitivities of ``protocol - baseline`` in ``metric``, ordered (empty for a grid)."""
    if sweep.mode == "grid":
        return []
    series = diff_series(table, protocol, metric)
    bars = []
    for par in sweep.parameters:
        ((_, members),) = parameter_lines(sweep, par)
        order = [i for i in par.order() if i in members]
        lo, hi = order[0], order[-1]
        bars.append(
            TornadoBar(
                par.path,
                par.labels[lo],
                par.labels[hi],
                series.get(members[lo], (math.nan,))[0],
                series.get(members[hi], (math.nan,))[0],
            )
        )
    return tornado(bars)
