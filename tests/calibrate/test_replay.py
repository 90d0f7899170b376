"""``incsim replay``: the export's incidents, at their real times and with their real durations as
the debugger's work, under every protocol; the same outputs as ``incsim run``."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from incsim.calibrate.readers import read_export
from incsim.calibrate.records import ExportError
from incsim.calibrate.replay import replay, window
from incsim.cli import app
from incsim.scenario.loader import load_scenario_text

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
runner = CliRunner()


@pytest.fixture
def scenario(minimal_yaml):
    return load_scenario_text(minimal_yaml, "tiny.yaml")


def test_real_times_and_durations_are_replayed_under_every_protocol(scenario):
    exp = read_export(FIX / "statuspage.json")
    result, win = replay(scenario, exp, days=30, replications=3, seed=4)
    real = {
        (i.start - win.start).total_seconds() / 60.0: (i.resolved - i.start).total_seconds() / 60.0
        for i in win.incidents
    }
    assert len(real) == 6 and win.skipped_open == 1
    df = result.incidents
    for (rep, proto), g in df.groupby(["replication", "protocol"]):
        assert len(g) == 6, (rep, proto)  # the same incidents in every replication and protocol
        starts = sorted(real)
        assert sorted(g["detected_at_min"]) == pytest.approx(starts)
        for _, row in g.iterrows():
            work = real[min(real, key=lambda s: abs(s - row["detected_at_min"]))]
            assert row["ttr_min"] >= work - 1e-6  # coordination only adds to the real work
    assert set(df["protocol"]) == {"war-room", "async-first"}
    assert result.scenario.simulation.horizon_days == 30


def test_replications_differ_only_in_what_the_export_does_not_pin(scenario):
    exp = read_export(FIX / "statuspage.json")
    result, _ = replay(scenario, exp, days=30, replications=4, seed=4)
    by_rep = (
        result.incidents[result.incidents["protocol"] == "war-room"].groupby("replication")["ttr_min"].sum()
    )
    assert by_rep.nunique() > 1  # people and latencies are drawn afresh


def test_too_few_incidents_in_the_window_is_refused():
    exp = read_export(FIX / "statuspage.json")
    with pytest.raises(ExportError, match="a replay needs at least"):
        window(exp, days=5)


def test_cli_writes_run_outputs_reproducibly(tmp_path, minimal_yaml):
    scn = tmp_path / "tiny.yaml"
    scn.write_text(minimal_yaml)
    outs = []
    for name in ("a", "b"):
        out = tmp_path / name
        res = runner.invoke(
            app,
            [
                "replay",
                str(FIX / "statuspage.json"),
                "--scenario",
                str(scn),
                "--days",
                "30",
                "-n",
                "3",
                "--seed",
                "2",
                "-o",
                str(out),
            ],
        )
        assert res.exit_code == 0, res.output
        outs.append(out)
    assert "instead of war-room would have cost" in res.stdout
    for f in ("incidents.csv", "summary.csv", "time.csv", "scenario.yaml"):
        assert (outs[0] / f).read_bytes() == (outs[1] / f).read_bytes(), f
    run = json.loads((outs[0] / "run.json").read_text())
    assert run["replay"]["incidents"] == 6 and run["replay"]["open_not_replayed"] == 1
    assert len(pd.read_csv(outs[0] / "incidents.csv")) == 3 * 2 * 6
    bad = runner.invoke(
        app,
        [
            "replay",
            str(FIX / "statuspage.json"),
            "--scenario",
            str(scn),
            "--days",
            "2",
            "-o",
            str(tmp_path / "c"),
        ],
    )
    assert bad.exit_code == 2 and "a replay needs at least" in bad.output and "Traceback" not in bad.output


def test_replay_scores_its_incidents_exactly_as_run_does(minimal_yaml, monkeypatch):
    """The window's incidents handed to ``incsim run``'s replication give replay's very rows and
    time table: the same roster (off-hours cost by working hours), the same time accounting
    (``after_horizon`` included)."""
    from dataclasses import replace as copy
    from datetime import timedelta

    import incsim.experiment as experiment
    from incsim.calibrate.replay import replay_incidents
    from incsim.model.streams import Streams

    scenario = load_scenario_text(minimal_yaml + "costs: {off_hours_multiplier: 2.0}\n", "tiny.yaml")
    exp = read_export(FIX / "statuspage.json")
    # ten-hour incidents: work that runs past the working day costs the off-hours rate by the clock
    exp = copy(
        exp,
        incidents=[
            i if i.censored else copy(i, resolved=i.start + timedelta(hours=10)) for i in exp.incidents
        ],
    )
    result, win = replay(scenario, exp, days=30, replications=2, seed=4)
    monkeypatch.setattr(
        experiment,
        "generate_incidents",
        lambda scn, streams, horizon: replay_incidents(scn, win, Streams(4, streams.replication)),
    )
    sim = scenario.simulation.model_copy(update={"horizon_days": 30.0})
    ran = experiment.run_experiment(scenario.model_copy(update={"simulation": sim}), 2, 4, log_sample=0)
    assert "after_horizon" in result.time.columns
    pd.testing.assert_frame_equal(result.time.reset_index(drop=True), ran.time.reset_index(drop=True))
    pd.testing.assert_frame_equal(result.incidents, ran.incidents)
    assert (result.incidents["labour_cost_usd"] > 0).all()
