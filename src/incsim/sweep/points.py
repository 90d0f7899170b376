"""One point of a sweep: its scenario as a file ``incsim run`` can read, and what its summary says.

A point runs through the same path as ``incsim run``: its replications are
``experiment.run_replication`` (submitted, with every other point's, to the sweep's one executor),
assembled by ``experiment.assemble`` and written by ``output.write_run`` into ``points/point-NNN/``,
a results folder like any other (``run.json``, CSVs, ``scenario.yaml``).
"""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from typing import Any

import pandas as pd
from ruamel.yaml import YAML

from incsim.experiment import run_experiment
from incsim.metrics import ROW_TYPE, summarize
from incsim.scenario.loaded import LoadedScenario
from incsim.scenario.overrides import scenario_data
from incsim.scenario.schema import Scenario
from incsim.scenario.spelling import format_value
from incsim.sweep.plan import Point, Sweep


def _nan_to_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def point_record(summary: pd.DataFrame, protocols: list[str]) -> dict[str, list[dict[str, Any]]]:
    """A point's checkpoint content from its run's summary (the rows over all categories): per
    protocol and metric the mean with its 95% CI, and the paired differences from the baseline
    ``protocols[0]`` (JSON-ready: NaN as None)."""
    stats, diffs = [], []
    for r in summary.itertuples(index=False):
        if r.category != "all":
            continue
        rec = {
            "protocol": r.protocol,
            "metric": r.metric,
            "mean": _nan_to_none(r.mean),
            "ci_low": _nan_to_none(r.ci_low),
            "ci_high": _nan_to_none(r.ci_high),
            "n_replications": int(r.n_replications),
            "n_incidents": int(r.n_incidents),
        }
        if getattr(r, ROW_TYPE) == "protocol":
            stats.append(rec)
        elif r.protocol.endswith(f" - {protocols[0]}"):
            rec["protocol"] = r.protocol[: -len(f" - {protocols[0]}")]
            diffs.append(rec)
    return {"stats": stats, "diffs": diffs}


def run_point(
    scn: Scenario,
    replications: int,
    seed: int,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, list[dict[str, Any]]]:
    """Simulate one point on its own (``point_record`` of its summary, without writing anything)."""
    result = run_experiment(scn, replications, seed, log_sample=0, executor=executor, progress=progress)
    return point_record(summarize(result.incidents, result.protocols, by_category=False), result.protocols)


def point_scenario(sweep: Sweep, point: Point, seed: int) -> LoadedScenario:
    """The point's scenario as a complete scenario file: every default filled in, the sweep's seed
    and replications set, no event logs (a sweep keeps none). ``incsim run`` of this file gives
    the point's CSVs again, byte for byte."""
    return point_loaded(
        point, seed, sweep.replications, PointOrigin(sweep.name, sweep.file, sweep.loaded.source)
    )


@dataclass(frozen=True)
class PointOrigin:
    """Where a point comes from, as its scenario file's header says: the sweep and its scenario."""

    sweep: str
    file: str
    scenario: str


def point_loaded(point: Point, seed: int, replications: int, origin: PointOrigin) -> LoadedScenario:
    """``point_scenario`` from the few facts it needs (what a worker process is sent)."""
    data = scenario_data(point.scenario)
    data["simulation"].update(seed=seed, replications=replications, event_log_sample=0)
    yaml = YAML(typ="rt")
    yaml.default_flow_style = False
    yaml.width = 4096
    buf = io.StringIO()
    yaml.dump(data, buf)
    values = ", ".join(f"{k} = {format_value(v)}" for k, v in point.overrides.items()) or "none (the base)"
    header = (
        f"# Point {point.id} of the sweep '{origin.sweep}' ({origin.file}), written by incsim sweep.\n"
        f"# The sweep's scenario {origin.scenario} with every default filled in, its base_overrides\n"
        f"# and this point's values applied: {' '.join(values.split())}\n"
    )
    return LoadedScenario(point.scenario, header + buf.getvalue(), f"{origin.file} point {point.id}")
