"""Serial, process-pool and Dask runs give byte-identical results; precision runs extend plain ones."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest
from scipy import stats
from typer.testing import CliRunner

from incsim.api import UsageError, executor_for, load
from incsim.cli import app
from incsim.experiment import run_experiment, run_to_precision
from incsim.output import csv_text, events_jsonl

REPS = 4
SEED = 2024


@pytest.fixture(scope="module")
def scenario():
    scn = load(None).scenario
    return scn.model_copy(update={"simulation": scn.simulation.model_copy(update={"horizon_days": 14.0})})


@pytest.fixture(scope="module")
def serial(scenario):
    return run_experiment(scenario, REPS, SEED)


def _same(a, b) -> None:
    assert csv_text(a.incidents) == csv_text(b.incidents)
    assert csv_text(a.time) == csv_text(b.time)
    assert csv_text(a.summary()) == csv_text(b.summary())
    assert sorted(a.logs) == sorted(b.logs)
    for r in a.logs:
        assert events_jsonl(a.logs[r], r) == events_jsonl(b.logs[r], r)


def test_process_pool_matches_serial(scenario, serial):
    with ProcessPoolExecutor(max_workers=2) as pool:
        _same(serial, run_experiment(scenario, REPS, SEED, executor=pool))


def test_dask_local_cluster_matches_serial(scenario, serial):
    distributed = pytest.importorskip("distributed", reason="the 'dask' extra is not installed")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        _same(serial, run_experiment(scenario, REPS, SEED, executor=client.get_executor()))


def paired_half_width_pct(incidents, n: int) -> float:
    """The 95% half-width of async-first - war-room engineer-hours over replications 0..n-1, in
    percent of its mean: scipy's t interval on the per-replication paired differences."""
    means = (
        incidents[incidents["replication"] < n].groupby(["replication", "protocol"])["engineer_hours"].mean()
    )
    d = (means.xs("async-first", level="protocol") - means.xs("war-room", level="protocol")).to_numpy()
    lo, hi = stats.t.interval(0.95, len(d) - 1, loc=d.mean(), scale=stats.sem(d))
    return abs((hi - lo) / 2 / d.mean()) * 100


def test_precision_run_equals_plain_run_of_the_same_size(scenario):
    res, outcome = run_to_precision(scenario, SEED, precision_pct=40, start=3, batch=2, cap=30)
    assert outcome.replications == res.replications
    assert outcome.difference == "async-first - war-room"
    # it stops at the first batch boundary (3, 5, 7, ...) where the precision is reached
    n = outcome.replications
    assert not outcome.stopped_by_cap
    assert paired_half_width_pct(res.incidents, n) <= 40
    assert outcome.achieved_pct == pytest.approx(paired_half_width_pct(res.incidents, n), rel=1e-9)
    assert all(paired_half_width_pct(res.incidents, k) > 40 for k in range(3, n, 2))
    assert n > 3  # the search went past its first batch
    _same(res, run_experiment(scenario, outcome.replications, SEED))


def test_precision_cap_is_reported(scenario):
    res, outcome = run_to_precision(scenario, SEED, precision_pct=0.01, start=2, batch=2, cap=4)
    assert outcome.replications == 4 and outcome.stopped_by_cap
    assert outcome.achieved_pct > 0.01


def test_cli_jobs_matches_serial_and_bad_scheduler_is_one_line(tmp_path):
    runner = CliRunner()
    a = runner.invoke(app, ["run", "-n", "3", "--seed", "9", "-o", str(tmp_path / "a"), "-q", "--jobs", "1"])
    b = runner.invoke(app, ["run", "-n", "3", "--seed", "9", "-o", str(tmp_path / "b"), "-q", "--jobs", "2"])
    assert a.exit_code == 0 and b.exit_code == 0
    assert (tmp_path / "a" / "incidents.csv").read_bytes() == (tmp_path / "b" / "incidents.csv").read_bytes()


def test_unreachable_scheduler_is_a_usage_error():
    pytest.importorskip("distributed", reason="the 'dask' extra is not installed")
    with pytest.raises(UsageError, match="cannot reach the Dask scheduler at tcp://127.0.0.1:1"):
        with executor_for(scheduler="tcp://127.0.0.1:1", connect_timeout=1):
            pass
