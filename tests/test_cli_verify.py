"""`incsim verify` on the command line: verdicts, JSON shape, exit codes."""

from __future__ import annotations

import json

from typer.testing import CliRunner

from incsim.cli import app

runner = CliRunner()
KEYS = {"analytic", "simulated", "ci_low", "ci_high", "passed"}


def test_verify_mmc_json_has_the_contract():
    res = runner.invoke(app, ["verify", "mmc", "--servers", "1", "--utilization", "0.5", "--work-mean", "30",
                              "--horizon-days", "20", "-n", "8", "--seed", "3", "--json", "--jobs", "1"])
    assert res.exit_code in (0, 1), res.output
    (rec,) = json.loads(res.stdout)
    for metric in ("mean_wait_min", "mean_ttr_min"):
        assert KEYS <= set(rec[metric])
        m = rec[metric]
        assert m["ci_low"] <= m["simulated"] <= m["ci_high"]
        assert m["passed"] == (m["ci_low"] <= m["analytic"] <= m["ci_high"])
    # Erlang C for M/M/1 at rho=0.5 with 30-min work: Wq = 30 min, W = 60 min
    assert abs(rec["mean_wait_min"]["analytic"] - 30.0) < 1e-9
    assert abs(rec["mean_ttr_min"]["analytic"] - 60.0) < 1e-9
    assert res.exit_code == (0 if rec["passed"] else 1)


def test_verify_repair_table_names_the_verdict():
    res = runner.invoke(app, ["verify", "repair", "--services", "4", "--engineers", "2", "--fail-rate", "0.2",
                              "--repair-rate", "1", "--horizon-days", "20", "-n", "6", "--jobs", "1"])
    assert "verdict:" in res.stdout and "Little's law" in res.stdout
    assert res.exit_code == (0 if "verdict: PASS" in res.stdout else 1)


def test_verify_rejects_an_impossible_load():
    res = runner.invoke(app, ["verify", "mmc", "--servers", "2", "--utilization", "1.2"])
    assert res.exit_code == 2
    assert "Traceback" not in res.output
