"""Replications x protocols: common random numbers, aggregation as results arrive."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Executor
from dataclasses import dataclass, field

import pandas as pd

from incsim.metrics import INCIDENT_COLUMNS, STATES, incident_records, summarize, time_accounting
from incsim.model.events import Event
from incsim.model.incidents import generate_incidents
from incsim.model.people import Roster
from incsim.model.streams import Streams
from incsim.model.world import simulate
from incsim.scenario.schema import Scenario


@dataclass
class ReplicationResult:
    """What one replication leaves behind: incident rows, time totals, maybe its event logs."""

    replication: int
    rows: list[dict]
    time: list[dict]
    logs: dict[str, list[Event]] = field(default_factory=dict)


def run_replication(scn: Scenario, replication: int, seed: int, keep_log: bool = False) -> ReplicationResult:
    """Simulate every protocol of ``scn`` on the same incidents of one replication."""
    horizon = scn.simulation.horizon_days * 1440.0
    incidents = generate_incidents(scn, Streams(seed, replication), horizon)
    roster = Roster(scn)
    rows: list[dict] = []
    time_rows: list[dict] = []
    logs: dict[str, list[Event]] = {}
    for proto in scn.protocols:
        # a fresh Streams per protocol: every protocol draws from identical streams
        world = simulate(scn, proto.name, Streams(seed, replication), incidents, horizon)
        for rec in incident_records(world.log.events, scn.costs):
            rows.append({"replication": replication, "protocol": proto.name, **rec})
        acct = time_accounting(world.log.events, roster, horizon)
        totals = acct[list(STATES)].sum()
        time_rows.append({"replication": replication, "protocol": proto.name,
                          "engineers": len(acct), **{s: float(totals[s]) for s in STATES}})
        if keep_log:
            logs[proto.name] = world.log.events
    return ReplicationResult(replication, rows, time_rows, logs)


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
        return [p.name for p in self.scenario.protocols]

    def summary(self) -> pd.DataFrame:
        """Per-protocol and paired-difference statistics (see ``metrics.summarize``)."""
        return summarize(self.incidents, self.protocols)


def run_experiment(scn: Scenario, replications: int, seed: int, *, log_sample: int | None = None,
                   executor: Executor | None = None,
                   progress: Callable[[int], None] | None = None) -> ExperimentResult:
    """Run ``replications`` replications; results are identical whatever executor runs them."""
    keep = scn.simulation.event_log_sample if log_sample is None else log_sample
    results: dict[int, ReplicationResult] = {}
    if executor is None:
        for r in range(replications):
            results[r] = run_replication(scn, r, seed, r < keep)
            if progress:
                progress(1)
    else:
        futures = {executor.submit(run_replication, scn, r, seed, r < keep): r for r in range(replications)}
        from concurrent.futures import as_completed
        for fut in as_completed(futures):
            res = fut.result()
            results[res.replication] = res
            if progress:
                progress(1)
    rows = [row for r in sorted(results) for row in results[r].rows]
    time_rows = [row for r in sorted(results) for row in results[r].time]
    incidents = pd.DataFrame(rows, columns=INCIDENT_COLUMNS)
    time = pd.DataFrame(time_rows)
    logs = {r: results[r].logs for r in sorted(results) if results[r].logs}
    return ExperimentResult(scn, seed, replications, incidents, time, logs)
