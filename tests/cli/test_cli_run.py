"""`incsim run` through typer's CliRunner: outputs, reproducibility, refusal, formats."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats
from typer.testing import CliRunner

from incsim.cli import app
from incsim.metrics import INCIDENT_COLUMNS
from incsim.scenario.loader import default_scenario_text

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()


def run(*args: str):
    return runner.invoke(app, ["run", *args], catch_exceptions=False)


@pytest.fixture(scope="module")
def first_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "a"
    res = run("-n", "3", "--seed", "11", "-o", str(out))
    return res, out


def test_run_writes_the_output_contract(first_run):
    res, out = first_run
    assert res.exit_code == 0, res.output
    for name in ("incidents.csv", "summary.csv", "time.csv", "run.json", "scenario.yaml"):
        assert (out / name).is_file(), name
    assert sorted(p.name for p in (out / "events").iterdir()) == [
        "replication-000.jsonl",
        "replication-001.jsonl",
    ]
    inc = pd.read_csv(out / "incidents.csv")
    assert list(inc.columns) == INCIDENT_COLUMNS
    assert set(inc["protocol"]) == {"war-room", "async-first", "hybrid"}
    assert set(inc["replication"]) == {0, 1, 2}
    manifest = json.loads((out / "run.json").read_text())
    assert manifest["seed"] == 11 and manifest["replications"] == 3
    assert len(manifest["scenario_sha256"]) == 64
    assert {"simpy", "numpy", "pandas", "python"} <= set(manifest["versions"])
    # the comparison names every protocol and the headline metrics
    for word in ("war-room", "async-first", "hybrid", "TTR median", "eng-h", "non-ess h", "cost $"):
        assert word in res.stdout


def test_time_accounting_sums_to_the_horizon(first_run):
    _, out = first_run
    time = pd.read_csv(out / "time.csv")
    horizon = 28 * 1440.0
    states = ["own_work", "responding", "spectating", "refocusing", "off"]
    totals = time[states].sum(axis=1) / time["engineers"]
    assert (totals - horizon).abs().max() < 1e-3 * horizon / 1000
    assert (time[states] >= -1e-6).all().all()


def test_same_seed_same_bytes_other_seed_differs(first_run, tmp_path):
    _, out = first_run
    again = tmp_path / "b"
    other = tmp_path / "c"
    assert run("-n", "3", "--seed", "11", "-o", str(again), "-q").exit_code == 0
    assert run("-n", "3", "--seed", "12", "-o", str(other), "-q").exit_code == 0
    for name in ("incidents.csv", "summary.csv", "time.csv", "events/replication-001.jsonl"):
        assert (out / name).read_bytes() == (again / name).read_bytes(), name
    assert (out / "incidents.csv").read_bytes() != (other / "incidents.csv").read_bytes()


def test_refuses_a_non_empty_folder_and_keeps_what_is_there(tmp_path):
    out = tmp_path / "busy"
    out.mkdir()
    (out / "incidents.csv").write_text("precious\n")
    res = run("-n", "1", "--seed", "1", "-o", str(out))
    assert res.exit_code == 2
    assert "not empty" in res.stderr and "--force" in res.stderr
    assert "Traceback" not in res.output
    assert (out / "incidents.csv").read_text() == "precious\n"
    res = run("-n", "1", "--seed", "1", "-o", str(out), "--force", "-q")
    assert res.exit_code == 0
    assert (out / "incidents.csv").read_text().startswith("replication,protocol,")
    assert not [p for p in out.rglob("*") if p.name.endswith(".tmp")]


def test_quiet_prints_only_results_and_json_parses(tmp_path):
    res = run("-n", "2", "--seed", "5", "-o", str(tmp_path / "j"), "--format", "json", "--quiet")
    assert res.exit_code == 0
    assert res.stderr == ""
    doc = json.loads(res.stdout)
    assert doc["seed"] == 5 and doc["replications"] == 2
    rows = [
        r
        for r in doc["summary"]
        if r["kind"] == "protocol" and r["metric"] == "ttr_min" and r["category"] == "all"
    ]
    assert {r["protocol"] for r in rows} == {"war-room", "async-first", "hybrid"}
    # each interval is the 95% t interval of the replications' mean TTRs, recomputed from incidents.csv
    incidents = pd.read_csv(tmp_path / "j" / "incidents.csv")
    for r in rows:
        per_rep = incidents[incidents["protocol"] == r["protocol"]].groupby("replication")["ttr_min"].mean()
        assert len(per_rep) == 2
        lo, hi = stats.t.interval(0.95, len(per_rep) - 1, loc=per_rep.mean(), scale=stats.sem(per_rep))
        assert (r["mean"], r["ci_low"], r["ci_high"]) == pytest.approx(
            (per_rep.mean(), lo, hi), rel=1e-5, abs=1e-3
        ), r  # the CSV is rounded (to 1e-6 min; a 2-replication interval multiplies that by t=12.7)


def test_csv_format(tmp_path):
    res = run("-n", "2", "--seed", "5", "-o", str(tmp_path / "c"), "--format", "csv", "-q")
    assert res.exit_code == 0
    assert (
        res.stdout.splitlines()[0]
        == "kind,category,protocol,metric,n_incidents,n_replications,mean,ci_low,ci_high,median,p90,ci_method"
    )


def test_a_left_out_seed_is_drawn_printed_and_recorded(tmp_path):
    out = tmp_path / "s"
    res = run("-n", "1", "-o", str(out))
    assert res.exit_code == 0
    seed = json.loads((out / "run.json").read_text())["seed"]
    assert f"seed {seed} (drawn" in res.stderr


def test_bad_scenario_is_one_located_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(default_scenario_text().replace("horizon_days: 28", "horizon_dayz: 28"))
    res = run(str(bad), "-o", str(tmp_path / "never"))
    assert res.exit_code == 2
    line = res.stderr.strip()
    assert line.startswith(f"{bad}:") and "horizon_dayz" in line and "did you mean 'horizon_days'" in line
    assert "Traceback" not in res.output
    assert not (tmp_path / "never").exists()


def test_embedded_default_is_the_committed_scenario_file():
    assert (ROOT / "scenarios" / "seed.yaml").read_text() == default_scenario_text()


def test_force_replaces_an_earlier_runs_event_logs(tmp_path):
    out = tmp_path / "r"
    assert run("-n", "2", "--seed", "1", "-o", str(out), "-q").exit_code == 0
    assert (out / "events" / "replication-001.jsonl").exists()
    no_logs = tmp_path / "nolog.yaml"
    no_logs.write_text(default_scenario_text().replace("event_log_sample: 2", "event_log_sample: 0"))
    assert run(str(no_logs), "-n", "2", "--seed", "2", "-o", str(out), "-q", "--force").exit_code == 0
    assert list((out / "events").glob("*.jsonl")) == []  # never a mix of two runs
    assert json.loads((out / "run.json").read_text())["event_log_replications"] == []


def test_unusable_output_places_are_one_line_and_publish_nothing(tmp_path):
    afile = tmp_path / "afile"
    afile.write_text("x")
    res = run("-n", "1", "-o", str(afile / "sub"))
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "cannot create" in res.stderr
    blocked = tmp_path / "blocked"
    blocked.mkdir()
    (blocked / "events").write_text("a file where the events folder goes")
    res = run("-n", "1", "--seed", "1", "-o", str(blocked), "--force")
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "cannot write results" in res.stderr
    assert sorted(p.name for p in blocked.iterdir()) == ["events"]  # nothing half-published


def test_the_long_run_estimate_counts_replication_0_s_incidents(tmp_path, monkeypatch):
    """Made to count as long, a run announces its estimate before it goes on: the replications,
    and replication 0's incidents (each counted once, not once per protocol) times the protocols."""
    from incsim import api
    from incsim.experiment import run_replication

    monkeypatch.setattr(api, "LONG_RUN_S", -1.0)
    loaded = api.load(None)
    lines: list[str] = []
    api.run_scenario(loaded, replications=2, seed=5, out_dir=tmp_path / "out", notice=lines.append)
    incidents = run_replication(loaded.scenario, 0, 5).rows["incident_id"].nunique()
    assert incidents > 5
    (line,) = lines
    assert f"for 2 replications ({incidents:,} incidents x 3 protocols each;" in line
