"""Running one point of a sweep: the experiment core ``incsim run`` uses, summarised per protocol."""

from __future__ import annotations

import math
from collections.abc import Callable
from concurrent.futures import Executor
from typing import Any

from incsim.experiment import run_experiment
from incsim.metrics import summarize
from incsim.scenario.schema import Scenario


def _nan_to_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def run_point(scn: Scenario, replications: int, seed: int, executor: Executor | None = None,
              progress: Callable[[int], None] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Simulate one point: per protocol and metric the mean with its 95% CI, and the paired
    differences from the baseline (JSON-ready: NaN as None)."""
    result = run_experiment(scn, replications, seed, log_sample=0, executor=executor, progress=progress)
    protos = result.protocols
    summary = summarize(result.incidents, protos, by_category=False)
    stats, diffs = [], []
    for r in summary.itertuples(index=False):
        rec = {"protocol": r.protocol, "metric": r.metric, "mean": _nan_to_none(r.mean),
               "ci_low": _nan_to_none(r.ci_low), "ci_high": _nan_to_none(r.ci_high),
               "n_replications": int(r.n_replications), "n_incidents": int(r.n_incidents)}
        if r.kind == "protocol":
            stats.append(rec)
        elif r.protocol.endswith(f" - {protos[0]}"):
            rec["protocol"] = r.protocol[: -len(f" - {protos[0]}")]
            diffs.append(rec)
    return {"stats": stats, "diffs": diffs}
