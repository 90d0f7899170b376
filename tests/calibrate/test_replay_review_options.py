"""``replay`` and ``review`` take ``run``'s options where they mean the same (``--quiet``,
``--jobs``, ``--format json``), and ``replay`` has ``run``'s ``max_incidents`` guard, an
estimate and progress."""

from __future__ import annotations

import json
from pathlib import Path

from typer.testing import CliRunner

from incsim.cli import app

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
PUB = FIX / "public"
runner = CliRunner()


def _replay(tmp_path, minimal_yaml, *extra, name="out", scenario_text=None):
    scn = tmp_path / "tiny.yaml"
    scn.write_text(scenario_text or minimal_yaml)
    return runner.invoke(
        app,
        [
            "replay",
            str(FIX / "statuspage.json"),
            "--scenario",
            str(scn),
            "--days",
            "30",
            "-n",
            "2",
            "--seed",
            "3",
            "-o",
            str(tmp_path / name),
            *extra,
        ],
    )


def test_replay_refuses_a_window_over_max_incidents_before_any_work(tmp_path, minimal_yaml):
    text = minimal_yaml.replace("protocols:", "simulation: {max_incidents: 5, horizon_days: 14}\nprotocols:")
    res = _replay(tmp_path, minimal_yaml, scenario_text=text)
    assert res.exit_code == 2, res.output
    assert "6 incidents in the last 30 days, over simulation.max_incidents = 5" in res.output
    assert not (tmp_path / "out").exists() and "Traceback" not in res.output


def test_replay_estimate_progress_quiet_json_and_jobs(tmp_path, minimal_yaml):
    loud = _replay(tmp_path, minimal_yaml, "--format", "json", name="a")
    assert loud.exit_code == 0, loud.output
    assert "replaying 6 incidents x 2 replications x 2 protocols (24 incident runs)" in loud.stderr
    quiet = _replay(tmp_path, minimal_yaml, "--format", "json", "--quiet", "--jobs", "2", name="b")
    assert quiet.exit_code == 0, quiet.output
    assert quiet.stderr == ""
    a, b = json.loads(loud.stdout), json.loads(quiet.stdout)
    assert a["incidents"] == 6 and a["replications"] == 2
    assert a["summary"] == b["summary"]  # two worker processes, the same numbers
    assert (tmp_path / "a" / "summary.csv").read_bytes() == (tmp_path / "b" / "summary.csv").read_bytes()
    csv_out = _replay(tmp_path, minimal_yaml, "--format", "csv", "-q", name="c")
    assert (
        csv_out.exit_code == 0
        and csv_out.stdout.splitlines()[0] == (tmp_path / "c" / "summary.csv").read_text().splitlines()[0]
    )


def test_review_format_json_csv_quiet_and_export_format_together():
    as_json = runner.invoke(app, ["review", str(FIX / "statuspage.json"), "--json"])
    fmt_json = runner.invoke(app, ["review", str(FIX / "statuspage.json"), "--format", "json"])
    assert as_json.exit_code == fmt_json.exit_code == 0
    assert json.loads(as_json.stdout) == json.loads(fmt_json.stdout)
    months = json.loads(fmt_json.stdout)["months"]
    both = runner.invoke(
        app, ["review", str(PUB / "gcloud_incidents.json"), "--format", "gcloud", "--format", "json"]
    )
    assert both.exit_code == 0 and json.loads(both.stdout)["months"]
    csv_ = runner.invoke(app, ["review", str(FIX / "statuspage.json"), "--format", "csv"])
    lines = csv_.stdout.splitlines()
    assert lines[0].startswith("month,incidents,") and len(lines) == 1 + len(months)
    loud = runner.invoke(app, ["review", str(FIX / "statuspage.json")])
    quiet = runner.invoke(app, ["review", str(FIX / "statuspage.json"), "--quiet"])
    assert "warning:" in loud.stderr and quiet.stderr == ""
    clash = runner.invoke(
        app, ["review", str(FIX / "statuspage.json"), "--format", "json", "--format", "csv"]
    )
    assert clash.exit_code == 2 and "--format given twice" in clash.output


def test_review_has_runs_output_options_and_no_jobs_as_it_simulates_nothing():
    import re

    res = runner.invoke(app, ["review", "--help"], env={"COLUMNS": "200", "NO_COLOR": "1"})
    assert res.exit_code == 0
    options = set(re.findall(r"(--[a-z][a-z-]*)", res.output))
    assert {"--quiet", "--format", "--json", "--out"} <= options and "--jobs" not in options
    jobs = runner.invoke(app, ["review", str(FIX / "statuspage.json"), "--jobs", "2"])
    assert jobs.exit_code == 2 and "Traceback" not in jobs.output and "--jobs" in jobs.output
    # the page says why
    page = (Path(__file__).resolve().parents[2] / "docs" / "commands" / "review.md").read_text()
    assert "`review` has no `--jobs`: it runs no simulation" in page
