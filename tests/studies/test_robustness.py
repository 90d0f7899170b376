"""``incsim robustness`` on small scenarios with answers known beforehand: the only parameter that
can move a difference gets nearly all of its variance, one that cannot gets none, a flip point
lies where a hand calculation puts it; and the folder is sealed, resumable and executor-blind."""

import json
import shutil
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pytest
from robustness_helpers import EXPOSURE, FLIP_YAML, PRICE, PRICE_HIGH
from typer.testing import CliRunner

from incsim import api
from incsim.cli import app
from incsim.experiment import run_experiment
from incsim.output import OutputError, check_seal
from incsim.robustness import StudyInterrupted, run_study
from incsim.scenario.loader import load_scenario_text

SEED, REPS = 2, 2


def loaded(text: str = FLIP_YAML) -> api.LoadedScenario:
    return api.LoadedScenario(load_scenario_text(text, "flip.yaml"), text, "flip.yaml")


@pytest.fixture(scope="module", params=["pce", "saltelli"])
def study(tmp_path_factory, request):
    """The study by each method: the known answers hold for both."""
    out = tmp_path_factory.mktemp("rob") / "study"
    return run_study(loaded(), samples=32, replications=REPS, seed=SEED, out_dir=out, method=request.param)


def one(rows, **keys):
    hits = [r for r in rows if all(r[k] == v for k, v in keys.items())]
    assert len(hits) == 1, hits
    return hits[0]


def hand_break_even() -> float:
    """The price at which async-first's lower labour cost equals its extra impact cost, from an
    ordinary run of the scenario: -(mean labour difference) / (mean impact difference)."""
    res = run_experiment(loaded().scenario, REPS, SEED, log_sample=0)
    m = res.incidents.groupby(["replication", "protocol"])[["labour_cost_usd", "customer_impact_min"]].mean()
    m = m.unstack("protocol")
    d_labour = (m[("labour_cost_usd", "async-first")] - m[("labour_cost_usd", "war-room")]).mean()
    d_impact = (m[("customer_impact_min", "async-first")] - m[("customer_impact_min", "war-room")]).mean()
    assert d_labour < 0 < d_impact  # the scenario is as built: cheaper in labour, slower to resolve
    return -d_labour / d_impact


def test_the_only_parameter_that_matters_gets_the_whole_total_index(study):
    rows = study.result["sensitivity"]
    price = one(rows, metric="cost_usd", parameter=PRICE)
    exposure = one(rows, metric="cost_usd", parameter=EXPOSURE)
    assert price["total"] == pytest.approx(1.0, abs=0.1) and price["first_order"] == pytest.approx(
        1.0, abs=0.15
    )
    assert price["rank"] == 1
    assert exposure["total"] == pytest.approx(0.0, abs=0.01) and exposure["first_order"] == pytest.approx(
        0.0, abs=0.01
    )
    # no assumption here can change what is simulated: the time figures do not vary at all
    for r in rows:
        if r["metric"] in ("engineer_hours", "ttr_min", "customer_impact_min"):
            assert r["total"] == 0.0 and r["first_order"] == 0.0


def test_the_flip_point_is_the_hand_computed_break_even(study):
    expected = hand_break_even()
    assert 0 < expected < PRICE_HIGH
    flip = one(study.result["flip_points"], metric="cost_usd", parameter=PRICE)
    assert flip["value"] == pytest.approx(expected, rel=1e-4)
    assert flip["alternative_better_above"] is False and flip["flips"] == 1
    assert "stops paying off (cost_usd) when costs.customer_impact_usd_per_min exceeds" in flip["sentence"]
    assert one(study.result["flip_points"], metric="cost_usd", parameter=EXPOSURE)["value"] is None
    # async-first is better exactly when the price is below the break-even: in that share of a uniform range
    cost = one(study.result["comparisons"], metric="cost_usd")
    assert cost["p_alternative_better"] == pytest.approx(expected / PRICE_HIGH, abs=0.06)


def test_the_noise_interval_is_the_runs_own_paired_interval(study):
    summary = run_experiment(loaded().scenario, REPS, SEED, log_sample=0).summary()
    row = summary[
        (summary["kind"] == "difference") & (summary["category"] == "all") & (summary["metric"] == "ttr_min")
    ].iloc[0]
    ttr = one(study.result["comparisons"], metric="ttr_min")
    assert ttr["noise_low"] == pytest.approx(row["ci_low"], rel=1e-5)
    assert ttr["noise_high"] == pytest.approx(row["ci_high"], rel=1e-5)
    assert ttr["at_scenario"] == pytest.approx(row["mean"], rel=1e-5)
    # nothing uncertain moves the time to resolve: the spread over assumptions is a single value
    assert ttr["low"] == ttr["high"] == ttr["mean"]


def test_the_file_has_the_documented_fields(study):
    res = json.loads((study.out_dir / "robustness.json").read_text())
    assert res == study.result
    assert set(res["parameters"][0]) >= {"path", "low", "high", "dist"}
    assert set(res["comparisons"][0]) >= {
        "baseline",
        "alternative",
        "metric",
        "mean",
        "low",
        "high",
        "noise_low",
        "noise_high",
        "p_alternative_better",
    }
    assert set(res["sensitivity"][0]) >= {
        "baseline",
        "alternative",
        "metric",
        "parameter",
        "first_order",
        "total",
    }
    assert set(res["flip_points"][0]) >= {"baseline", "alternative", "metric", "parameter", "value"}
    assert check_seal(study.out_dir)["kind"] == "incsim-robustness"


def _bytes(folder: Path) -> dict[str, bytes]:
    return {
        p.relative_to(folder).as_posix(): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()
    }


def test_resumes_byte_for_byte_after_a_loss_or_a_stop_and_refuses_another_study(tmp_path):
    first = tmp_path / "a"
    # 42 sets (the base, two per line, 37 design points): two checkpoint files
    run_study(loaded(), samples=37, replications=2, seed=5, out_dir=first)
    whole = _bytes(first)
    (first / "checkpoints" / "chunk-001.json").unlink()
    (first / "robustness.json").unlink()
    again = run_study(loaded(), samples=37, replications=2, seed=5, out_dir=first)
    assert (again.resumed, again.computed) == (32, 10)
    assert _bytes(first) == whole
    with pytest.raises(OutputError, match="holds another study"):
        run_study(loaded(), samples=36, replications=2, seed=5, out_dir=first)
    with pytest.raises(OutputError, match="holds another study"):
        run_study(loaded(), samples=37, replications=2, seed=6, out_dir=first)
    with pytest.raises(OutputError, match="holds another study"):
        run_study(loaded(), samples=37, replications=2, seed=5, out_dir=first, method="saltelli")
    # stopped after 40 sets: the first chunk of 32 is kept, the rest is run again on resuming
    done = []

    def stop_after_40(n: int) -> None:
        done.append(n)
        if sum(done) == 40:
            raise KeyboardInterrupt

    cut = tmp_path / "cut"
    with pytest.raises(StudyInterrupted, match="32 of 42 parameter sets finished and kept"):
        run_study(loaded(), samples=37, replications=2, seed=5, out_dir=cut, progress=stop_after_40)
    assert sorted(p.name for p in (cut / "checkpoints").iterdir()) == ["chunk-000.json"]
    assert not (cut / "robustness.json").exists()
    again = run_study(loaded(), samples=37, replications=2, seed=5, out_dir=cut)
    assert (again.resumed, again.computed) == (32, 10)
    assert _bytes(cut) == whole
    chunk = first / "checkpoints" / "chunk-000.json"
    chunk.write_text(chunk.read_text().replace('"id": 1,', '"id": 1 ,').replace("0.", "1.", 1))
    with pytest.raises(OutputError, match="damaged"):
        run_study(loaded(), samples=37, replications=2, seed=5, out_dir=first)


def test_a_process_pool_writes_the_same_bytes(tmp_path):
    run_study(loaded(), samples=4, replications=2, seed=5, out_dir=tmp_path / "serial")
    with ProcessPoolExecutor(2) as pool:
        run_study(loaded(), samples=4, replications=2, seed=5, out_dir=tmp_path / "pool", executor=pool)
    assert _bytes(tmp_path / "serial") == _bytes(tmp_path / "pool")


@pytest.mark.slow
def test_a_dask_cluster_writes_the_same_bytes(tmp_path):
    distributed = pytest.importorskip("distributed", reason="the 'dask' extra is not installed")
    run_study(loaded(), samples=4, replications=2, seed=5, out_dir=tmp_path / "serial")
    with (
        distributed.LocalCluster(
            n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None
        ) as cluster,
        distributed.Client(cluster) as client,
    ):
        run_study(
            loaded(),
            samples=4,
            replications=2,
            seed=5,
            out_dir=tmp_path / "dask",
            executor=client.get_executor(),
        )
    assert _bytes(tmp_path / "serial") == _bytes(tmp_path / "dask")


def test_cli_json_and_one_line_errors(tmp_path):
    runner = CliRunner()
    path = tmp_path / "flip.yaml"
    path.write_text(FLIP_YAML)
    res = runner.invoke(
        app,
        [
            "robustness",
            str(path),
            "--samples",
            "4",
            "-n",
            "2",
            "--seed",
            "1",
            "-o",
            str(tmp_path / "out"),
            "--json",
            "-q",
        ],
    )
    assert res.exit_code == 0, res.stderr
    assert json.loads(res.stdout)["samples"] == 4
    res = runner.invoke(app, ["robustness", str(path), "--method", "sobol", "-o", str(tmp_path / "o1")])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "choose one of pce, saltelli" in res.stderr
    res = runner.invoke(app, ["robustness", str(path), "--samples", "3", "-o", str(tmp_path / "o1")])
    assert res.exit_code == 2 and "--samples must be at least 4 for --method pce" in res.stderr
    plain = tmp_path / "plain.yaml"
    plain.write_text(FLIP_YAML.split("uncertainty:")[0])
    res = runner.invoke(app, ["robustness", str(plain), "-o", str(tmp_path / "o2")])
    assert res.exit_code == 2 and res.stderr.count("\n") == 1 and "no uncertainty: section" in res.stderr
    # a combination of values the scenario's checks refuse is named before anything runs
    clash = FLIP_YAML.replace(
        "uncertainty:\n", "uncertainty:\n  org.teams.app.oncall.per_shift: {low: 1, high: 4, source: x}\n"
    )
    path.write_text(clash)
    res = runner.invoke(
        app, ["robustness", str(path), "--samples", "4", "-n", "2", "-o", str(tmp_path / "o3")]
    )
    assert res.exit_code == 2 and "Traceback" not in res.stderr
    assert res.stderr.count("\n") == 1 and "org.teams.app.oncall.per_shift = 4" in res.stderr
    shutil.rmtree(tmp_path / "o3", ignore_errors=True)
