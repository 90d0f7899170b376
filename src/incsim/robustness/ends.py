"""The one-at-a-time ends of a run, for the tornado chart every report carries: each uncertain
parameter at the low and at the high end of its range (and its scenario value), the others at the
scenario's values, with the run's own seed (common random numbers: every set meets the same
incidents as the run's first replications) and a few replications. The flip points along these
short lines are found by the sweep's break-even rule, as a study's are (``analysis.flip_points``).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from concurrent.futures import Executor
from typing import TYPE_CHECKING, Any

from incsim.metrics import DECISION_METRICS
from incsim.robustness.analysis import Means, flip_points, json_number, pairs, set_diff
from incsim.robustness.design import DesignError, line_design, set_scenario
from incsim.robustness.study import parameter_records, set_means
from incsim.scenario.loader import scenario_sha256
from incsim.scenario.overrides import scenario_data
from incsim.scenario.schema import Scenario, ordered_protocols

if TYPE_CHECKING:
    from incsim.scenario.loaded import LoadedScenario

TORNADO_REPLICATIONS = 2
"""Replications of each end by default: a screening of which assumptions move the answer most,
kept cheap so that every run can carry it (a robustness study measures them properly)."""

FILE = "tornado.json"
KIND = "incsim-tornado"


def one_at_a_time(
    scn: Scenario,
    scenario_text: str,
    replications: int,
    seed: int,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
) -> dict[str, Any] | None:
    """``tornado.json``'s content: every uncertain parameter's ends and where the verdict flips
    along them; None when the scenario has no ``uncertainty:`` section. ``DesignError`` when the
    scenario's checks refuse an end."""
    design = line_design(scn)
    if not design.parameters:
        return None
    data = scenario_data(scn)
    scenarios = {s.id: set_scenario(scn, s, data) for s in design.sets}
    protocols = ordered_protocols(scn)
    means: Means = {}
    if executor is None:
        for sid, one in scenarios.items():
            means[sid] = set_means(one, replications, seed, protocols)
            if progress:
                progress(1)
    else:
        futures = {
            sid: executor.submit(set_means, one, replications, seed, protocols)
            for sid, one in scenarios.items()
        }
        for sid, fut in futures.items():
            means[sid] = fut.result()
            if progress:
                progress(1)
    return {
        "kind": KIND,
        "scenario": scn.metadata.name,
        "scenario_sha256": scenario_sha256(scenario_text),
        "seed": seed,
        "replications": replications,
        "parameter_sets": len(design.sets),
        "protocols": protocols,
        "baseline": protocols[0],
        "note": (
            "difference = alternative - baseline, lower is better; each uncertain parameter alone at its "
            "range's ends (and its scenario value), the others at the scenario's values, the run's seed, "
            f"{replications} replications each: a screening, not a robustness study"
        ),
        "parameters": parameter_records(design),
        "at_scenario": [
            {
                "baseline": a,
                "alternative": b,
                "metric": m,
                "value": json_number(set_diff(means, design.base_id, a, b, m)),
            }
            for a, b in pairs(protocols)
            for m in DECISION_METRICS
        ],
        "flip_points": flip_points(design, means, protocols),
    }


def run_files(
    loaded: LoadedScenario,
    replications: int = TORNADO_REPLICATIONS,
    note: Callable[[str], None] | None = None,
) -> Callable[[int, Executor | None], list[tuple[str, bytes]]]:
    """For ``api.run_scenario(also=...)``: the run's ``tornado.json`` with the run's seed, on its
    executor; no file when the scenario has no ``uncertainty:`` section, or when its checks refuse an
    end (``note`` says so)."""

    def files(seed: int, executor: Executor | None) -> list[tuple[str, bytes]]:
        sets = len(line_design(loaded.scenario).sets)
        if sets <= 1:
            return []
        if note:
            note(
                f"tornado chart: {sets} parameter sets x {replications} replications (--no-tornado skips it)"
            )
        try:
            content = one_at_a_time(loaded.scenario, loaded.text, replications, seed, executor)
        except DesignError as exc:
            if note:
                note(f"no tornado chart: {' '.join(str(exc).split())}")
            return []
        if content is None:
            return []
        text = json.dumps(content, indent=2, ensure_ascii=False, allow_nan=False) + "\n"
        return [(FILE, text.encode("utf-8"))]

    return files
