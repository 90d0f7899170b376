"""The Python API behind the command line: everything ``incsim`` does, callable from code."""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from incsim.experiment import ExperimentResult, run_experiment
from incsim.output import prepare_dir, write_results
from incsim.scenario.loader import default_scenario_text, load_scenario_text, read_scenario_text
from incsim.scenario.schema import Scenario

DEFAULT_SOURCE = "<embedded default: seed.yaml>"


@dataclass
class LoadedScenario:
    """A validated scenario with the text and source it came from."""

    scenario: Scenario
    text: str
    source: str


@dataclass
class RunOutcome:
    """What ``run_scenario`` did: the results, their summary, where they were written."""

    result: ExperimentResult
    summary: pd.DataFrame
    out_dir: Path
    seed: int
    seed_was_drawn: bool
    wall_time_s: float


def load(path: str | Path | None) -> LoadedScenario:
    """Load and validate the scenario at ``path`` (the embedded default when None)."""
    if path is None:
        text = default_scenario_text()
        return LoadedScenario(load_scenario_text(text, "seed.yaml"), text, DEFAULT_SOURCE)
    text = read_scenario_text(path)
    return LoadedScenario(load_scenario_text(text, str(path)), text, str(path))


def default_out_dir(root: Path = Path("results")) -> Path:
    """A new timestamped folder under ``root`` (suffixed if that second is taken)."""
    stamp = datetime.now(timezone.utc).strftime("%Y-%m-%dT%H%M%SZ")
    out = root / stamp
    n = 1
    while out.exists():
        n += 1
        out = root / f"{stamp}-{n}"
    return out


def draw_seed() -> int:
    """A fresh root seed from the operating system's entropy."""
    return secrets.randbelow(2**32)


def run_scenario(loaded: LoadedScenario, *, replications: int | None = None, seed: int | None = None,
                 out_dir: Path | None = None, force: bool = False, command: list[str] | None = None,
                 executor: Executor | None = None,
                 progress: Callable[[int], None] | None = None) -> RunOutcome:
    """Run every protocol of a scenario, write the results, and return them."""
    scn = loaded.scenario
    reps = replications if replications is not None else scn.simulation.replications
    drawn = seed is None and scn.simulation.seed is None
    root_seed = seed if seed is not None else (scn.simulation.seed if scn.simulation.seed is not None else draw_seed())
    out = out_dir if out_dir is not None else default_out_dir()
    prepare_dir(out, force)  # refuse early, before minutes of simulation
    t0 = time.perf_counter()
    result = run_experiment(scn, reps, root_seed, executor=executor, progress=progress)
    summary = result.summary()
    wall = time.perf_counter() - t0
    write_results(result, out, scenario_text=loaded.text, scenario_source=loaded.source, command=command,
                  wall_time_s=wall, force=True, summary=summary)
    return RunOutcome(result, summary, out, root_seed, drawn, wall)
