"""The Python API behind the command line: everything ``incsim`` does, callable from code."""

from __future__ import annotations

import multiprocessing
import os
import socket
import time
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import asdict, dataclass
from pathlib import Path

import pandas as pd

from incsim.experiment import (
    ExperimentResult,
    IncidentLimitError,
    PrecisionOutcome,
    draw_seed,
    executor_workers,
    run_experiment,
    run_to_precision,
    time_first_replication,
)
from incsim.output import check_dir, default_out_dir, write_run
from incsim.pilot import PILOT_FILE, write_pilot_json  # noqa: F401  (the pilot's file, named here for callers)
from incsim.pilot_baseline import load_baseline  # noqa: F401  (the pilot's baseline, named here for callers)
from incsim.pilot_defaults import PilotError  # noqa: F401  (named here for callers)
from incsim.scenario.loaded import DEFAULT_SOURCE, LoadedScenario  # noqa: F401  (named here for callers)
from incsim.scenario.loaded import load_with_text as load  # noqa: F401  (named here for callers)
from incsim.scenario.loader import locate
from incsim.signals import worker_init


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

LONG_RUN_S = 10.0
"""A run expected to take longer than this (seconds) is announced with an estimate first."""

STOP_GRACE_S = 3.0
"""How long stopped workers get to exit before they are killed."""


class UsageError(Exception):
    """An option combination or environment that cannot work; the message says why."""


def default_jobs() -> int:
    """The machine's cores (what ``--jobs`` defaults to)."""
    return os.cpu_count() or 1


def worker_count(jobs: int | None, tasks: int | None, oversubscribe: bool = False) -> int:
    """How many worker processes to start: ``jobs`` (default the cores), never more than the tasks,
    nor more than the cores unless ``oversubscribe``; 1 means serial."""
    cores = default_jobs()
    n = cores if jobs is None else jobs
    if not oversubscribe:
        n = min(n, cores)
    if tasks is not None:
        n = min(n, max(tasks, 1))
    return max(n, 1)


def _probe_scheduler(address: str, timeout: float) -> None:
    """Fail at once when nothing listens at a ``tcp://host:port`` address (Dask would wait ``timeout``)."""
    scheme, sep, rest = address.partition("://")
    if not sep:
        scheme, rest = "tcp", address
    if scheme != "tcp":
        return  # tls://, inproc:// and the like: leave it to Dask
    host, colon, port = rest.rstrip("/").rpartition(":")
    if not colon or not port.isdigit():
        raise UsageError(f"--scheduler {address}: expected tcp://HOST:PORT")
    try:
        socket.create_connection((host.strip("[]") or "127.0.0.1", int(port)), timeout=timeout).close()
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise UsageError(f"cannot reach the Dask scheduler at {address}: {reason}") from None


def _stop_pool(pool: ProcessPoolExecutor, others: set) -> None:
    """Drop queued work and end the workers now: a worker may be mid-replication or blocked on a
    lock or pipe, so waiting for it can take as long as a replication (or forever).

    Every child process started since the pool was made (not in ``others``) is ended, not only
    those in the pool's table: a signal that lands just after a worker started and before the
    pool noted it leaves that worker out of the table, waiting for work that never comes, and
    Python's exit would wait for it forever."""
    procs = list((getattr(pool, "_processes", None) or {}).values())
    procs += [p for p in multiprocessing.active_children() if p not in procs and p not in others]
    pool.shutdown(wait=False, cancel_futures=True)
    for proc in procs:
        if proc.is_alive():
            proc.terminate()
    deadline = time.monotonic() + STOP_GRACE_S
    for proc in procs:
        proc.join(max(0.0, deadline - time.monotonic()))
        if proc.is_alive():
            proc.kill()
            proc.join(1.0)


@contextmanager
def executor_for(
    jobs: int | None = None,
    scheduler: str | None = None,
    connect_timeout: float = 20.0,
    tasks: int | None = None,
    oversubscribe: bool = False,
) -> Iterator[Executor | None]:
    """A Dask cluster's executor (``scheduler``), a local process pool, or None (serial).

    The pool has ``worker_count(jobs, tasks, oversubscribe)`` workers. With ``jobs`` left out
    and only a few ``tasks`` to run, it stays serial: starting a pool costs more than it saves on
    a handful of replications. An interruption (any stop signal) or failure inside the block
    cancels the queued work and ends the workers before it propagates.
    """
    if jobs is None and tasks is not None and tasks < SMALL_RUN:
        jobs = 1
    if scheduler:
        _probe_scheduler(scheduler, connect_timeout)  # before importing Dask, which takes seconds
        try:
            from distributed import Client
        except ImportError as exc:
            raise UsageError("--scheduler needs Dask: pip install 'incsim[dask]'") from exc
        try:
            client = Client(scheduler, timeout=connect_timeout)
        except (OSError, TimeoutError) as exc:
            raise UsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from exc
        executor = client.get_executor()
        try:
            yield executor
        except BaseException:
            executor.shutdown(wait=False)  # cancels the submitted replications on the cluster
            raise
        finally:
            client.close(timeout=STOP_GRACE_S)
        return
    n = worker_count(jobs, tasks, oversubscribe)
    if n <= 1:
        yield None
        return
    others = set(multiprocessing.active_children())
    pool = ProcessPoolExecutor(max_workers=n, initializer=worker_init)
    try:
        yield pool
    except BaseException:
        _stop_pool(pool, others)
        raise
    pool.shutdown(wait=True)


def _duration(seconds: float) -> str:
    if seconds < 90:
        return f"{seconds:.0f} s"
    if seconds < 5400:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def estimate_line(
    seconds_per_replication: float,
    replications: int,
    workers: int,
    incidents: int,
    protocols: int,
    cap: bool = False,
) -> str:
    """The one line printed before a long run: how long it will take and why (``cap``: the
    replications are an upper bound, as with ``--precision``)."""
    total = seconds_per_replication * replications / max(workers, 1)
    on = f" on {workers} workers" if workers > 1 else ""
    upto = "up to " if cap else ""
    return (
        f"estimate: {upto}about {_duration(total)} for {upto}{replications:,} replications{on} "
        f"({incidents:,} incidents x {protocols} protocols each; replication 0 took "
        f"{seconds_per_replication:.2f} s); Ctrl-C stops it"
    )


def run_scenario(
    loaded: LoadedScenario,
    *,
    replications: int | None = None,
    seed: int | None = None,
    out_dir: Path | None = None,
    force: bool = False,
    command: list[str] | None = None,
    executor: Executor | None = None,
    precision_pct: float | None = None,
    precision_metric: str = "engineer_hours",
    max_replications: int = 1000,
    progress: Callable[[int], None] | None = None,
    notice: Callable[[str], None] | None = None,
    also: Callable[[int, Executor | None], Sequence[tuple[str, bytes]]] | None = None,
) -> RunOutcome:
    """Run every protocol of a scenario, write the results, and return them.

    ``also(seed, executor)``, when given, is called after the replications with the run's root
    seed and returns more files for the folder (path relative to it, bytes), listed in ``run.json``
    like the others: ``incsim run``'s ``tornado.json``.

    With ``precision_pct``, replications are added (from ``replications`` up to
    ``max_replications``) until the paired difference of the first two protocols in
    ``precision_metric`` has a 95% half-width under that percentage of its mean. Replication 0
    runs first, timed; when the whole run looks longer than ``LONG_RUN_S``, ``notice`` gets an
    estimate. Nothing is created on disk before the results are written.
    """
    scn = loaded.scenario
    reps = replications if replications is not None else scn.simulation.replications
    drawn = seed is None and scn.simulation.seed is None
    root_seed = (
        seed
        if seed is not None
        else (scn.simulation.seed if scn.simulation.seed is not None else draw_seed())
    )
    out = out_dir if out_dir is not None else default_out_dir()
    check_dir(out, force)  # refuse early, before minutes of simulation
    t0 = time.perf_counter()
    try:
        first, secs = time_first_replication(scn, root_seed)
        if progress:
            progress(1)
        planned = max_replications if precision_pct is not None else reps
        est = secs * planned / executor_workers(executor)
        if notice is not None and est > LONG_RUN_S:
            notice(
                estimate_line(
                    secs,
                    planned,
                    executor_workers(executor),
                    len(set(first.columns["incident_id"].tolist())),
                    len(scn.protocols),
                    cap=precision_pct is not None,
                )
            )
        precision = None
        if precision_pct is not None:
            result, precision = run_to_precision(
                scn,
                root_seed,
                precision_pct=precision_pct,
                metric=precision_metric,
                start=reps,
                cap=max_replications,
                executor=executor,
                progress=progress,
                done={0: first},
            )
        else:
            result = run_experiment(
                scn, reps, root_seed, executor=executor, progress=progress, done={0: first}
            )
    except IncidentLimitError as exc:
        where = locate(loaded.text, loaded.source, ("simulation", "max_incidents"))
        raise UsageError(f"{where.file}:{where.line}:{where.col}: {exc}") from None
    summary = result.summary()
    extra_files = also(root_seed, executor) if also is not None else ()
    wall = time.perf_counter() - t0
    extra = {"precision": asdict(precision)} if precision else {}
    write_run(
        loaded,
        result,
        out,
        command=command,
        wall_time_s=wall,
        force=force,
        summary=summary,
        extra=extra,
        extra_files=extra_files,
    )
    return RunOutcome(result, summary, out, root_seed, drawn, wall, precision)
