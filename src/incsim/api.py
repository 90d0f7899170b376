"""The Python API behind the command line: everything ``incsim`` does, callable from code."""

from __future__ import annotations

import os
import secrets
import time
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from datetime import datetime, timezone
from pathlib import Path

import pandas as pd

from incsim.experiment import ExperimentResult, PrecisionOutcome, run_experiment, run_to_precision
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
    precision: PrecisionOutcome | None = None


SMALL_RUN = 8
"""Fewer tasks than this run serially unless ``--jobs`` asks otherwise."""


class UsageError(Exception):
    """An option combination or environment that cannot work; the message says why."""


def default_jobs() -> int:
    """The machine's cores (what ``--jobs`` defaults to)."""
    return os.cpu_count() or 1


@contextmanager
def executor_for(jobs: int | None = None, scheduler: str | None = None,
                 connect_timeout: float = 20.0, tasks: int | None = None) -> Iterator[Executor | None]:
    """A Dask cluster's executor (``scheduler``), a local process pool (``jobs`` > 1), or None (serial).

    With ``jobs`` left out and only a few ``tasks`` to run, it stays serial: starting a pool
    costs more than it saves on a handful of replications.
    """
    if jobs is None and tasks is not None and tasks < SMALL_RUN:
        jobs = 1
    if scheduler:
        try:
            from distributed import Client
        except ImportError as exc:
            raise UsageError("--scheduler needs Dask: pip install 'incsim[dask]'") from exc
        try:
            client = Client(scheduler, timeout=connect_timeout)
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        try:
            yield client.get_executor()
        finally:
            client.close()
        return
    n = default_jobs() if jobs is None else jobs
    if n <= 1:
        yield None
        return
    pool = ProcessPoolExecutor(max_workers=n)
    try:
        yield pool
    except BaseException:
        # interrupted or failed: drop the queued replications instead of waiting for them
        pool.shutdown(wait=True, cancel_futures=True)
        raise
    pool.shutdown(wait=True)


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
                 executor: Executor | None = None, precision_pct: float | None = None,
                 precision_metric: str = "engineer_hours", max_replications: int = 1000,
                 progress: Callable[[int], None] | None = None) -> RunOutcome:
    """Run every protocol of a scenario, write the results, and return them.

    With ``precision_pct``, replications are added (from ``replications`` up to
    ``max_replications``) until the paired difference of the first two protocols in
    ``precision_metric`` has a 95% half-width under that percentage of its mean.
    """
    scn = loaded.scenario
    reps = replications if replications is not None else scn.simulation.replications
    drawn = seed is None and scn.simulation.seed is None
    root_seed = seed if seed is not None else (scn.simulation.seed if scn.simulation.seed is not None else draw_seed())
    out = out_dir if out_dir is not None else default_out_dir()
    prepare_dir(out, force)  # refuse early, before minutes of simulation
    t0 = time.perf_counter()
    precision = None
    if precision_pct is not None:
        result, precision = run_to_precision(scn, root_seed, precision_pct=precision_pct,
                                             metric=precision_metric, start=reps, cap=max_replications,
                                             executor=executor, progress=progress)
    else:
        result = run_experiment(scn, reps, root_seed, executor=executor, progress=progress)
    summary = result.summary()
    wall = time.perf_counter() - t0
    extra = {"precision": asdict(precision)} if precision else {}
    write_results(result, out, scenario_text=loaded.text, scenario_source=loaded.source, command=command,
                  wall_time_s=wall, force=True, summary=summary, extra=extra)
    return RunOutcome(result, summary, out, root_seed, drawn, wall, precision)
