"""Replications x protocols: common random numbers, aggregation as results arrive."""

from __future__ import annotations

import math
import secrets
import time
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, as_completed
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from incsim.metrics import INCIDENT_COLUMNS, score_log, summarize, t_interval
from incsim.model.events import Event
from incsim.model.incidents import IncidentSpec, generate_incidents
from incsim.model.people import Roster
from incsim.model.streams import Streams
from incsim.model.world import simulate
from incsim.scenario.schema import Scenario, ordered_protocols


@dataclass
class ReplicationResult:
    """What one replication leaves behind: incident rows, time totals, maybe its event logs.

    The rows are kept by column (``INCIDENT_COLUMNS``, one NumPy array each) until the
    replications are joined into one table (``incident_frame``): a pandas table per replication
    costs several times its data in overhead, which a run of a thousand replications holds at once.
    """

    replication: int
    columns: dict[str, np.ndarray | pd.Series]
    time: list[dict]
    logs: dict[str, list[Event]] = field(default_factory=dict)

    @classmethod
    def of_rows(
        cls, replication: int, rows: list[dict], time: list[dict], logs: dict[str, list[Event]] | None = None
    ) -> ReplicationResult:
        """From incident rows as dicts (keyed by ``INCIDENT_COLUMNS``; a key left out is NaN, as
        in a table of them)."""
        cols = {c: _column([r.get(c, math.nan) for r in rows]) for c in INCIDENT_COLUMNS}
        return cls(replication, cols, time, logs or {})

    def __len__(self) -> int:
        """Its incident rows."""
        return len(self.columns[INCIDENT_COLUMNS[0]])

    @property
    def rows(self) -> pd.DataFrame:
        """Its incident rows as a table, as ``incident_frame`` would make it of this replication alone."""
        return incident_frame([self])


_INTS = (int, np.int64)
_NUMBERS = (int, float, np.int64, np.float64)


def _column(values: list) -> np.ndarray | pd.Series:
    """``values`` as one column, of the type pandas gives such a column of dicts. What the model
    writes (Python truths, whole numbers, floats, text) becomes a plain array at once: bool,
    int64, float64, or objects that are all text; anything else is left to pandas."""
    kinds = {type(v) for v in values}
    if not kinds:
        return np.array([], dtype=float)
    if kinds <= {bool, np.bool_}:
        return np.array(values, dtype=bool)
    if kinds <= {str}:
        return np.array(values, dtype=object)
    if all(k in _NUMBERS for k in kinds):
        try:
            return np.array(values, dtype=np.int64 if all(k in _INTS for k in kinds) else float)
        except OverflowError:  # past int64: pandas' own reading
            pass
    return pd.Series(values)


def incident_frame(results: Iterable[ReplicationResult]) -> pd.DataFrame:
    """The incident rows of ``results``, in the order given, as one table: the table pandas makes
    of each replication's rows, joined."""
    # a replication without incidents has untyped columns: joining it would turn every column
    # to object dtype (no float formatting, no NaN arithmetic), so it is left out
    parts = [res for res in results if len(res)]
    if not parts:
        return pd.DataFrame(columns=INCIDENT_COLUMNS)
    table = {}
    for c in INCIDENT_COLUMNS:
        pieces = [res.columns[c] for res in parts]
        first = pieces[0]
        if isinstance(first, np.ndarray) and all(
            isinstance(p, np.ndarray) and p.dtype == first.dtype for p in pieces
        ):
            table[c] = np.concatenate(pieces)  # one kind throughout: joined as it is
        else:  # kinds that differ between replications join as pandas joins the tables
            table[c] = pd.concat([pd.DataFrame({c: p}) for p in pieces], ignore_index=True)[c]
    return pd.DataFrame(table, columns=INCIDENT_COLUMNS)


class IncidentLimitError(Exception):
    """A replication drew more incidents than ``simulation.max_incidents`` allows."""


def run_replication(scn: Scenario, replication: int, seed: int, keep_log: bool = False) -> ReplicationResult:
    """Simulate every protocol of ``scn`` on the same incidents of one replication."""
    horizon = scn.simulation.horizon_days * 1440.0
    incidents = generate_incidents(scn, Streams(seed, replication), horizon)
    limit = scn.simulation.max_incidents
    if len(incidents) > limit:
        raise IncidentLimitError(
            f"replication {replication} has {len(incidents):,} incidents, over "
            f"simulation.max_incidents = {limit:,}; raise it to allow such a run"
        )
    return replicate(scn, replication, seed, incidents, horizon, keep_log)


def replicate(
    scn: Scenario,
    replication: int,
    seed: int,
    incidents: Sequence[IncidentSpec],
    horizon: float,
    keep_log: bool = False,
) -> ReplicationResult:
    """Simulate every protocol of ``scn`` on ``incidents`` (drawn or replayed) and score each log
    with ``score_log``: the one path from incidents to a replication's rows."""
    roster = Roster(scn)
    rows: list[dict] = []
    time_rows: list[dict] = []
    logs: dict[str, list[Event]] = {}
    for proto in scn.protocols:
        # a fresh Streams per protocol: every protocol draws from identical streams
        world = simulate(scn, proto.name, Streams(seed, replication), incidents, horizon, roster)
        recs, engineers, totals = score_log(world.log.events, scn.costs, roster, horizon)
        for rec in recs:
            rows.append({"replication": replication, "protocol": proto.name, **rec})
        time_rows.append(
            {"replication": replication, "protocol": proto.name, "engineers": engineers, **totals}
        )
        if keep_log:
            logs[proto.name] = world.log.events
    return ReplicationResult.of_rows(replication, rows, time_rows, logs)


@dataclass
class ExperimentResult:
    """All replications of a scenario, aggregated."""

    scenario: Scenario
    seed: int
    replications: int
    incidents: pd.DataFrame
    time: pd.DataFrame
    logs: dict[int, dict[str, list[Event]]]

    @property
    def protocols(self) -> list[str]:
        return ordered_protocols(self.scenario)

    def summary(self) -> pd.DataFrame:
        """Per-protocol and paired-difference statistics (see ``metrics.summarize``)."""
        return summarize(self.incidents, self.protocols)


def time_first_replication(
    scn: Scenario, seed: int, log_sample: int | None = None
) -> tuple[ReplicationResult, float]:
    """Replication 0 run here and timed (seconds): the cost per replication a long run is estimated from.

    Its result is replication 0 of the run proper (pass it in ``done``), so the estimate costs nothing.
    """
    keep = scn.simulation.event_log_sample if log_sample is None else log_sample
    t0 = time.perf_counter()
    first = run_replication(scn, 0, seed, 0 < keep)
    return first, time.perf_counter() - t0


def _collect(
    scn: Scenario,
    reps: range,
    seed: int,
    keep: int,
    executor: Executor | None,
    progress: Callable[[int], None] | None,
    into: dict[int, ReplicationResult],
) -> None:
    todo = [r for r in reps if r not in into]
    if executor is None:
        for r in todo:
            into[r] = run_replication(scn, r, seed, r < keep)
            if progress:
                progress(1)
        return
    futures = [executor.submit(run_replication, scn, r, seed, r < keep) for r in todo]
    for fut in as_completed(futures):
        res = fut.result()
        into[res.replication] = res
        if progress:
            progress(1)


def assemble(scn: Scenario, seed: int, results: dict[int, ReplicationResult]) -> ExperimentResult:
    """The experiment made of finished replications (in replication order, whoever ran them)."""
    incidents = incident_frame(results[r] for r in sorted(results))
    time_rows = [row for r in sorted(results) for row in results[r].time]
    time = pd.DataFrame(time_rows)
    logs = {r: results[r].logs for r in sorted(results) if results[r].logs}
    return ExperimentResult(scn, seed, len(results), incidents, time, logs)


def run_experiment(
    scn: Scenario,
    replications: int,
    seed: int,
    *,
    log_sample: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    done: dict[int, ReplicationResult] | None = None,
) -> ExperimentResult:
    """Run ``replications`` replications (those in ``done`` are not run again); results are
    identical whatever executor runs them."""
    keep = scn.simulation.event_log_sample if log_sample is None else log_sample
    results: dict[int, ReplicationResult] = {r: v for r, v in (done or {}).items() if r < replications}
    _collect(scn, range(replications), seed, keep, executor, progress, results)
    return assemble(scn, seed, results)


@dataclass
class PrecisionOutcome:
    """How a ``--precision`` run ended."""

    target_pct: float
    metric: str
    difference: str
    half_width: float
    mean: float
    achieved_pct: float
    replications: int
    stopped_by_cap: bool


def relative_half_width(incidents: pd.DataFrame, a: str, b: str, metric: str) -> tuple[float, float]:
    """(mean, half-width) of the paired difference ``b - a`` of ``metric`` over replications."""
    means = incidents.groupby(["replication", "protocol"])[metric].mean().unstack("protocol")
    d = (means[b] - means[a]).dropna().to_numpy()
    m, lo, hi = t_interval(d)
    return m, (hi - lo) / 2


def run_to_precision(
    scn: Scenario,
    seed: int,
    *,
    precision_pct: float,
    metric: str = "engineer_hours",
    start: int = 10,
    cap: int = 1000,
    batch: int = 10,
    log_sample: int | None = None,
    executor: Executor | None = None,
    progress: Callable[[int], None] | None = None,
    done: dict[int, ReplicationResult] | None = None,
) -> tuple[ExperimentResult, PrecisionOutcome]:
    """Add replications until the main paired difference's 95% half-width is under ``precision_pct``%
    of its mean (the first two protocols, ``metric``), or ``cap`` replications are reached.

    Replication r is the same whether it ran in the first batch or a later one, so a run to
    precision that stops at n replications equals a plain run of n replications.
    """
    keep = scn.simulation.event_log_sample if log_sample is None else log_sample
    protos = ordered_protocols(scn)
    if len(protos) < 2:
        raise ValueError("--precision needs at least two protocols to compare")
    a, b = protos[0], protos[1]
    n = min(max(start, 2), cap)
    results: dict[int, ReplicationResult] = {r: v for r, v in (done or {}).items() if r < n}
    _collect(scn, range(0, n), seed, keep, executor, progress, results)
    while True:
        res = assemble(scn, seed, results)
        m, half = relative_half_width(res.incidents, a, b, metric)
        pct = abs(half / m) * 100 if m and not math.isnan(half) else math.inf
        if pct <= precision_pct or n >= cap:
            return res, PrecisionOutcome(
                precision_pct, metric, f"{b} - {a}", half, m, pct, n, stopped_by_cap=pct > precision_pct
            )
        step = min(batch, cap - n)
        _collect(scn, range(n, n + step), seed, keep, executor, progress, results)
        n += step


def draw_seed() -> int:
    """A fresh root seed from the operating system's entropy."""
    return secrets.randbelow(2**32)


def executor_workers(executor: Executor | None) -> int:
    """How many replications ``executor`` runs at once (1 when serial or unknown)."""
    if executor is None:
        return 1
    n = getattr(executor, "_max_workers", None)
    if isinstance(n, int) and n > 0:
        return n
    client = getattr(executor, "_client", None)  # a Dask executor: its workers' threads
    try:
        return max(1, int(sum(client.nthreads().values())))
    except Exception:  # noqa: BLE001 - an estimate only; any failure means "unknown"
        return 1
