"""Serial, process-pool and Dask runs give byte-identical results; precision runs extend plain ones."""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import pytest
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
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True,
                                  dashboard_address=None) as cluster, distributed.Client(cluster) as client:
        _same(serial, run_experiment(scenario, REPS, SEED, executor=client.get_executor()))


def test_precision_run_equals_plain_run_of_the_same_size(scenario):
    res, outcome = run_to_precision(scenario, SEED, precision_pct=15, start=3, batch=2, cap=30)
    assert outcome.replications == res.replications
    assert outcome.stopped_by_cap == (outcome.achieved_pct > 15)
    assert outcome.stopped_by_cap or outcome.achieved_pct <= 15
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
