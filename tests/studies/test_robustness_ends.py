"""``incsim run``'s ``tornado.json``: each uncertain parameter alone at its range's ends, with the
run's seed. The bars are what a plain run of the scenario with that value gives; the file is listed
in run.json; ``--no-tornado`` (and ``INCSIM_TORNADO=0``, which the suite sets) leaves it out (and removes an earlier one); a report of the run
draws the tornado charts from it."""

import json

import pytest
from robustness_helpers import EXPOSURE, FLIP_YAML, PRICE, PRICE_HIGH
from typer.testing import CliRunner

from incsim.cli import app
from incsim.experiment import run_experiment
from incsim.output import verify_manifest
from incsim.report import render_report
from incsim.scenario.loader import load_scenario_text

SEED, REPS = 2, 2


@pytest.fixture(scope="module")
def run_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("ends")
    (root / "flip.yaml").write_text(FLIP_YAML)
    res = CliRunner().invoke(
        app,
        [
            "run",
            str(root / "flip.yaml"),
            "-n",
            "3",
            "--seed",
            str(SEED),
            "-o",
            str(root / "run"),
            "--tornado",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.stderr
    return root


def paired_cost_difference(price: float) -> float:
    """async-first - war-room cost per incident, from a plain run of the scenario at ``price``."""
    text = FLIP_YAML.split("uncertainty:")[0].replace(
        "customer_impact_usd_per_min: 5", f"customer_impact_usd_per_min: {price}"
    )
    res = run_experiment(load_scenario_text(text, "flip.yaml"), REPS, SEED, log_sample=0)
    m = res.incidents.groupby(["replication", "protocol"])["cost_usd"].mean().unstack("protocol")
    return float((m["async-first"] - m["war-room"]).mean())


def test_the_ends_are_plain_runs_at_those_values_and_the_file_is_sealed(run_dir):
    folder = run_dir / "run"
    manifest = verify_manifest(folder, "run.json")
    assert "tornado.json" in json.dumps(manifest)
    ends = json.loads((folder / "tornado.json").read_text())
    assert ends["replications"] == REPS and ends["seed"] == SEED
    assert [p["path"] for p in ends["parameters"]] == [PRICE, EXPOSURE]
    price = next(f for f in ends["flip_points"] if f["parameter"] == PRICE and f["metric"] == "cost_usd")
    assert price["diff_at_low"] == pytest.approx(paired_cost_difference(0), rel=1e-5)
    assert price["diff_at_high"] == pytest.approx(paired_cost_difference(PRICE_HIGH), rel=1e-5)
    base = next(
        c for c in ends["at_scenario"] if c["metric"] == "cost_usd" and c["alternative"] == "async-first"
    )
    assert base["value"] == pytest.approx(paired_cost_difference(5), rel=1e-5)
    # the exposure rate cannot move anything here (no security incidents): a bar of zero width
    expo = next(f for f in ends["flip_points"] if f["parameter"] == EXPOSURE and f["metric"] == "cost_usd")
    assert expo["diff_at_low"] == expo["diff_at_high"] == pytest.approx(base["value"], rel=1e-9)


def test_the_report_of_a_plain_run_draws_the_tornado(run_dir):
    page = render_report(run_dir / "run", "md").text
    assert "from the run's own `tornado.json`" in page
    assert "tornado-engineer_hours" in page and "tornado-ttr_min" in page


def test_no_tornado_leaves_the_file_out_and_removes_an_earlier_one(run_dir):
    folder = run_dir / "run"
    res = CliRunner().invoke(
        app,
        [
            "run",
            str(run_dir / "flip.yaml"),
            "-n",
            "2",
            "--seed",
            "1",
            "-o",
            str(folder),
            "--force",
            "--no-tornado",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.stderr
    assert not (folder / "tornado.json").exists()
    verify_manifest(folder, "run.json")
    page = render_report(folder, "md").text
    assert "No robustness study was given" in page and "tornado-" not in page
