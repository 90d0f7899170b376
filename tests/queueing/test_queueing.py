"""The simulator against queueing theory, through scenario -> model -> event log -> incidents.

Three kinds of check: the closed-form formulas against textbook values worked by hand; the
simulation's confidence intervals against those formulas (and a deliberately wrong value,
to show the check can fail); and the queueing YAML files against the builders.

The standard set is simulated once per module (about 110,000 incidents on two processes).
Seeds are fixed, so the outcome is deterministic; the in-CI assertions use 99% intervals
because the set holds about twenty intervals and 95% ones would leave a model change that
merely reshuffles the random streams a sizeable chance of a spurious failure. The
sensitivity tests show that even these wider intervals reject a 15% error.
"""

from __future__ import annotations

import json
import math
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import pandas as pd
import pytest

from incsim.experiment import run_experiment
from incsim.scenario.schema import Scenario
from incsim.verify import (
    STANDARD_CASES,
    check,
    erlang_c,
    littles_law,
    machine_repair,
    mmc_scenario,
    relaxation_time,
    repair_scenario,
    replication_stats,
    time_average_in_system,
    verify_mmc,
    verify_standard,
)

try:
    from incsim.scenario.loader import load_scenario
except ImportError:  # the located loader is optional here: fall back to plain YAML
    from ruamel.yaml import YAML

    def load_scenario(path):
        return Scenario.model_validate(YAML(typ="safe").load(Path(path).read_text(encoding="utf-8")))


QUEUEING = Path(__file__).resolve().parents[2] / "scenarios" / "queueing"
TEST_LEVEL = 0.99
SEED = 20240501
MMC_YAML_PARAMS = dict(servers=2, utilization=0.8, work_mean_min=60.0, horizon_days=40)
REPAIR_YAML_PARAMS = dict(
    services=5, engineers=2, fail_rate_per_hour=0.25, repair_rate_per_hour=1.0, horizon_days=30
)


# -- the formulas, by hand --------------------------------------------------------------------
def test_erlang_c_two_servers_at_0_8_is_the_textbook_value():
    r = erlang_c(2, 1.6, 1.0)  # c=2, rho=0.8: P(wait) = 2 rho^2 / (1 + rho) = 32/45
    assert r["p_wait"] == pytest.approx(0.7111, abs=1e-4)
    assert r["p_wait"] == pytest.approx(32 / 45)
    assert r["wq"] == pytest.approx(16 / 9)  # P(wait) / (c mu - lambda) = (32/45) / 0.4
    assert r["w"] == pytest.approx(25 / 9)
    assert r["l"] == pytest.approx(1.6 * 25 / 9)


@pytest.mark.parametrize("rho", [0.1, 0.5, 0.9, 0.99])
def test_erlang_c_with_one_server_is_m_m_1(rho):
    r = erlang_c(1, rho, 1.0)
    assert r["p_wait"] == pytest.approx(rho)
    assert r["wq"] == pytest.approx(rho / (1 - rho))
    assert r["w"] == pytest.approx(1 / (1 - rho))


def test_erlang_c_three_servers_offered_two_erlangs():
    # Erlang B by hand: B1 = 2/3, B2 = 2/5, B3 = 4/19; C = 3 B3 / (3 - 2 (1 - B3)) = 4/9
    r = erlang_c(3, 2.0, 1.0)
    assert r["p_wait"] == pytest.approx(4 / 9)
    assert r["wq"] == pytest.approx(4 / 9)
    assert r["lq"] == pytest.approx(8 / 9)


def test_erlang_c_stays_finite_for_many_servers_and_refuses_overload():
    r = erlang_c(300, 285.0, 1.0)
    assert 0 < r["p_wait"] < 1 and math.isfinite(r["wq"])
    with pytest.raises(ValueError):
        erlang_c(2, 2.0, 1.0)


def test_erlang_c_scales_with_the_time_unit():
    per_min = erlang_c(4, 3.6 / 60, 1 / 60)
    per_hour = erlang_c(4, 3.6, 1.0)
    assert per_min["wq"] == pytest.approx(60 * per_hour["wq"])
    assert per_min["p_wait"] == pytest.approx(per_hour["p_wait"])


def test_machine_repair_two_machines_one_repairman_by_hand():
    # lambda = 1, mu = 2: p_k proportional to 1, 2 lambda/mu = 1, 2 lambda^2/mu^2 = 1/2
    r = machine_repair(2, 1, 1.0, 2.0)
    assert r["p"] == pytest.approx([0.4, 0.4, 0.2])
    assert r["l"] == pytest.approx(0.8)
    assert r["throughput"] == pytest.approx(1.2)  # lambda (N - L) = mu (1 - p0)
    assert r["w"] == pytest.approx(2 / 3)
    assert r["wq"] == pytest.approx(1 / 6)  # Lq = p2 = 0.2; 0.2 / 1.2
    assert r["p_wait"] == pytest.approx(1 / 3)  # arrivals see k=0,1 in ratio 0.8 : 0.4


def test_machine_repair_with_a_repairman_each_has_no_queue():
    lam, mu, n = 0.3, 1.2, 6
    r = machine_repair(n, n, lam, mu)
    assert r["l"] == pytest.approx(n * lam / (lam + mu))
    assert r["wq"] == pytest.approx(0.0, abs=1e-12)
    assert r["w"] == pytest.approx(1 / mu)


def test_machine_repair_with_a_huge_population_is_m_m_c():
    n = 100_000
    r = machine_repair(n, 2, 1.6 / n, 1.0)
    q = erlang_c(2, 1.6, 1.0)
    assert r["w"] == pytest.approx(q["w"], rel=1e-3)
    assert r["p_wait"] == pytest.approx(q["p_wait"], rel=1e-3)


def test_machine_repair_values_documented_in_repair_yaml():
    r = machine_repair(5, 2, 0.25, 1.0)
    assert r["l"] == pytest.approx(1.0941, abs=1e-4)
    assert r["throughput"] == pytest.approx(0.9765, abs=1e-4)
    assert r["w"] * 60 == pytest.approx(67.23, abs=0.01)
    assert r["wq"] * 60 == pytest.approx(7.23, abs=0.01)
    assert r["l"] == pytest.approx(littles_law(r["throughput"], r["w"]))


def test_relaxation_time_and_littles_law_helpers():
    assert relaxation_time(1, 0.25, 1.0) == pytest.approx(4.0)  # 1 / (1 - sqrt(0.25))^2
    assert littles_law(2.0, 3.0) == 6.0


def test_time_average_in_system_by_hand():
    # open over [0, 10]: one incident 0-4, one 2-10, one 9-(unresolved)
    detected, resolved = [0.0, 2.0, 9.0], [4.0, 10.0, math.nan]
    assert time_average_in_system(detected, resolved, 0.0, 10.0) == pytest.approx((4 + 8 + 1) / 10)
    assert time_average_in_system(detected, resolved, 3.0, 10.0) == pytest.approx((1 + 7 + 1) / 7)


def test_a_missing_engage_time_fails_the_check_instead_of_being_skipped():
    rows = [
        {
            "replication": r,
            "detected_at_min": t,
            "engage_wait_min": w,
            "ttr_min": 5.0,
            "resolved_at_min": t + 5.0,
        }
        for r in (0, 1, 2)
        for t, w in ((10.0, 0.0), (20.0, 1.0), (30.0, 2.0))
    ]
    rows[4]["engage_wait_min"] = math.nan
    stats = replication_stats(pd.DataFrame(rows), 0.0, 100.0)
    assert stats["missing"].tolist() == [0, 1, 0]
    assert check(1.0, stats["mean_wait_min"])["passed"] is False
    assert check(5.0, stats["mean_ttr_min"])["passed"] is True  # TTR is complete (and exact)


def test_littles_law_is_a_sample_path_identity_on_a_real_run():
    """Over a window holding every incident whole, time-average L is exactly (n / T) x mean TTR."""
    scn = mmc_scenario(2, 0.8, horizon_days=7, replications=2)
    df = run_experiment(scn, 2, SEED, log_sample=0).incidents
    for _, one in df.groupby("replication"):
        end = float(one["resolved_at_min"].max())
        l_avg = time_average_in_system(one["detected_at_min"], one["resolved_at_min"], 0.0, end)
        assert l_avg == pytest.approx(len(one) / end * one["ttr_min"].mean(), rel=1e-9)


# -- the YAML files against the builders -----------------------------------------------------
def test_mmc_yaml_is_what_mmc_scenario_builds():
    built = mmc_scenario(**MMC_YAML_PARAMS, replications=20)
    assert load_scenario(QUEUEING / "mmc.yaml") == built
    assert load_scenario(QUEUEING / "mmc.yaml") != mmc_scenario(2, 0.8, 60.0, 41, replications=20)


def test_repair_yaml_is_what_repair_scenario_builds():
    built = repair_scenario(**REPAIR_YAML_PARAMS, replications=20)
    assert load_scenario(QUEUEING / "repair.yaml") == built


def _header(name: str) -> str:
    lines = (QUEUEING / name).read_text(encoding="utf-8").splitlines()
    return "\n".join(line for line in lines if line.startswith("#"))


def test_yaml_headers_state_the_analytic_values():
    q = erlang_c(2, 1.6 / 60, 1 / 60)
    head = _header("mmc.yaml")
    for text in (f"{q['p_wait']:.4f}", f"{q['wq']:.2f} min", f"{q['w']:.2f} min", f"{q['l']:.3f}"):
        assert text in head
    m = machine_repair(5, 2, 0.25 / 60, 1 / 60)
    head = _header("repair.yaml")
    for text in (
        f"{m['l']:.4f}",
        f"{m['throughput'] * 60:.4f}",
        f"{m['w']:.2f} min",
        f"{m['wq']:.2f} min",
        f"{m['p_wait']:.4f}",
    ):
        assert text in head


def test_standard_set_contains_the_queueing_yaml_cases():
    cases = [{k: v for k, v in c.items() if k not in ("model", "replications")} for c in STANDARD_CASES]
    assert {k: v for k, v in MMC_YAML_PARAMS.items() if k != "work_mean_min"} in cases
    assert REPAIR_YAML_PARAMS in cases


# -- the simulation against the formulas -----------------------------------------------------
@pytest.fixture(scope="module")
def standard() -> list[dict]:
    with ProcessPoolExecutor(max_workers=2) as pool:
        return verify_standard(seed=SEED, executor=pool, level=TEST_LEVEL)


def test_standard_set_spans_light_and_heavy_load_and_a_finite_source(standard):
    loads = [r["params"]["utilization"] for r in standard if r["kind"] == "mmc"]
    assert min(loads) <= 0.5 and max(loads) >= 0.8
    assert any(r["kind"] == "repair" for r in standard)
    assert all(r["notes"] == [] for r in standard)  # warm-ups cover two relaxation times
    assert all(r["n_missing"] == 0 for r in standard)
    json.dumps(standard, allow_nan=False)  # what `incsim verify --json` prints


METRICS = {
    "mmc": ("mean_wait_min", "mean_ttr_min", "p_wait", "mean_in_system"),
    "repair": ("mean_wait_min", "mean_ttr_min", "p_wait", "mean_in_system", "throughput_per_hour"),
}


@pytest.mark.parametrize("index", range(len(STANDARD_CASES)))
def test_analytic_value_lies_in_the_simulated_ci(standard, index):
    rec = standard[index]
    for metric in METRICS[rec["kind"]]:
        v = rec[metric]
        assert v["ci_low"] < v["ci_high"], metric
        assert v["ci_low"] <= v["analytic"] <= v["ci_high"], (rec["case"], metric, v)
        assert v["passed"]
    assert rec["passed"]


@pytest.mark.parametrize("index", range(len(STANDARD_CASES)))
def test_littles_law_holds_from_the_event_log(standard, index):
    little = standard[index]["littles_law"]
    assert little["passed"]
    assert little["L"] == pytest.approx(little["lambda_w"], rel=0.01)
    d = little["difference"]
    assert d["ci_low"] <= 0.0 <= d["ci_high"]  # the window's edge effects cancel on average


# the (case, metric) pairs whose 99% interval is narrow enough to reject a 15% error with
# near certainty (about 3 standard errors away or more); at rho >= 0.8 W itself is too noisy
SENSITIVE = [
    ("M/M/1 rho=0.5", "mean_ttr_min"),
    ("repair n=5 r=2", "mean_ttr_min"),
    ("M/M/1 rho=0.5", "p_wait"),
    ("M/M/2 rho=0.8", "p_wait"),
    ("M/M/4 rho=0.9", "p_wait"),
]


@pytest.mark.parametrize("case,metric", SENSITIVE)
@pytest.mark.parametrize("factor", [0.85, 1.15])
def test_a_wrong_analytic_value_is_rejected(standard, case, metric, factor):
    v = next(r for r in standard if r["case"] == case)[metric]
    wrong = factor * v["analytic"]
    assert not (v["ci_low"] <= wrong <= v["ci_high"]), (case, metric, v)


def test_serial_and_parallel_verification_agree():
    small = dict(servers=1, utilization=0.5, horizon_days=5, replications=3, seed=SEED)
    serial = verify_mmc(**small)
    with ProcessPoolExecutor(max_workers=2) as pool:
        parallel = verify_mmc(**small, executor=pool)
    assert json.dumps(serial, sort_keys=True) == json.dumps(parallel, sort_keys=True)


# -- the IC stays out of the queue ------------------------------------------------------------
@pytest.mark.parametrize("servers", [1, 2])
def test_an_ic_from_the_on_call_team_is_one_person_in_one_place(servers):
    """The IC rota being the on-call team itself, against a separate IC team.

    Regression: when every IC candidate was also the owner's on-call, the model made the IC
    debug as well, and the debugger's join (then a role change) left ``engage_wait_min`` NaN.
    With one attention per person, an on-call engineer who commands an incident cannot debug
    another: with one engineer nobody else can command, so the queue is unchanged; with two,
    commanding takes an engineer out of the queue while they command, so incidents wait longer.
    """
    separate = mmc_scenario(servers, 0.7, horizon_days=3, replications=2)
    data = separate.model_dump(by_alias=True)
    data["org"]["teams"] = [dict(data["org"]["teams"][0], duties=["ic"])]
    own = Scenario.model_validate(data)
    cols = ["replication", "incident_id", "detected_at_min", "engage_wait_min", "ttr_min"]
    a = run_experiment(separate, 2, SEED, log_sample=0).incidents[cols]
    b = run_experiment(own, 2, SEED, log_sample=0).incidents[cols]
    assert len(a) > 0 and not a["engage_wait_min"].isna().any() and not b["engage_wait_min"].isna().any()
    if servers == 1:
        pd.testing.assert_frame_equal(a.reset_index(drop=True), b.reset_index(drop=True))
    else:
        assert (a["detected_at_min"].to_numpy() == b["detected_at_min"].to_numpy()).all()  # same arrivals
        assert b["engage_wait_min"].mean() > 1.5 * a["engage_wait_min"].mean()
