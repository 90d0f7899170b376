"""``incsim pilot``: Monte Carlo vs normal approximation, behaviour, errors and the GitHub history.

Tolerances: with 10,000 trials a simulated probability has a standard error of at most 0.005,
so "agree" below means within 0.03 (six standard errors plus the normal approximation's own
error at n = 400), and half-widths within 6%.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from scipy import stats as sps
from typer.testing import CliRunner

from incsim.cli.pilot import pilot
from incsim.pilot import (
    STATISTICS,
    History,
    PilotError,
    analytic_pilot,
    answer_sentence,
    baseline_from_csv,
    baseline_from_moments,
    baseline_from_results,
    incident_grid,
    months_for_power,
    pilot_report,
    simulate_pilot,
    smallest_satisfying,
)

GITHUB = Path(__file__).resolve().parents[2].parent / "shared/data/github-status/downtime_windows.csv"

app = typer.Typer()
app.command("pilot")(pilot)
app.command("noop")(lambda: None)  # two commands keep "pilot" a sub-command, as in the real app
runner = CliRunner()


def invoke(*args: str):
    result = runner.invoke(app, ["pilot", *args])
    assert "Traceback" not in result.stdout + result.stderr
    return result


def fixed(baseline: History, n: int, improvement: float, **kw) -> tuple[dict, dict]:
    """Monte Carlo and analytic figures at one size, without the power search."""
    mc = simulate_pilot(baseline, n, improvement, power_search=False, **kw)
    approx = analytic_pilot(baseline, n, improvement, power_search=False)
    return mc, approx


# -- Monte Carlo vs the normal approximation --------------------------------------------------


@pytest.mark.parametrize(
    "baseline",
    [
        baseline_from_moments(90, 120),
        # historical durations: exercises the bootstrap and the log-scale KDE for the median
        History(source="synthetic history", durations=np.random.default_rng(7).lognormal(4.2, 1.0, 3000)),
    ],
    ids=["lognormal", "empirical"],
)
def test_monte_carlo_agrees_with_the_normal_approximation_at_400_per_arm(baseline):
    mc, approx = fixed(baseline, 400, 0.1, trials=10_000, seed=11)
    for name in STATISTICS:
        a, b = mc[name], approx[name]
        assert a["p_worse"] == pytest.approx(b["p_worse"], abs=0.03), name
        assert a["p_phantom"] == pytest.approx(b["p_phantom"], abs=0.03), name
        assert a["power"] == pytest.approx(b["power"], abs=0.03), name
        assert a["ci90_halfwidth_min"] == pytest.approx(b["ci90_halfwidth_min"], rel=0.06), name
        assert a["mean_difference_min"] == pytest.approx(
            b["mean_difference_min"], abs=b["ci90_halfwidth_min"] / 10
        )


def test_near_normal_baseline_matches_the_closed_form_for_the_mean():
    # CV 0.2: the lognormal is close to Normal(100, 20), so the two-sample z formula holds even at n=10
    n, f, mu, sd = 10, 0.1, 100.0, 20.0
    mc, _ = fixed(baseline_from_moments(mu, sd), n, f, trials=20_000, seed=5)
    diff_sd = sd * math.sqrt((1 + (1 - f) ** 2) / n)
    assert mc["mttr"]["p_worse"] == pytest.approx(sps.norm.cdf(-f * mu / diff_sd), abs=0.015)
    assert mc["mttr"]["ci90_halfwidth_min"] == pytest.approx(1.6449 * diff_sd, rel=0.04)


def test_a_tight_baseline_never_looks_worse():
    mc, approx = fixed(baseline_from_moments(100, 0.5), 5, 0.1, trials=2000, seed=1)
    for name in STATISTICS:
        assert mc[name]["p_worse"] == 0.0
        assert mc[name]["p_phantom"] == 0.0
        assert approx[name]["p_worse"] < 1e-9
        assert mc[name]["power"] == 1.0


# -- behaviour --------------------------------------------------------------------------------

HEAVY = baseline_from_moments(120, 240)


def test_with_no_real_change_the_pilot_looks_better_or_worse_about_equally_often():
    small, _ = fixed(HEAVY, 20, 0.0, trials=10_000, seed=2)
    large, _ = fixed(HEAVY, 200, 0.0, trials=10_000, seed=2)
    for name in ("mttr", "geomean"):  # the median of discrete draws is not at issue here
        assert small[name]["p_worse"] == pytest.approx(0.5, abs=0.03)
        gain, loss = small[name]["p_phantom"], small[name]["p_phantom_worse"]
        assert 0.6 < gain / loss < 1.6, (name, gain, loss)
    for name in STATISTICS:
        assert large[name]["p_phantom"] < small[name]["p_phantom"] - 0.1, name


def test_p_worse_falls_with_more_incidents_and_with_a_bigger_gain():
    by_n = [fixed(HEAVY, n, 0.1, trials=4000, seed=3)[0] for n in (10, 50, 250)]
    by_f = [fixed(HEAVY, 50, f, trials=4000, seed=3)[0] for f in (0.05, 0.2, 0.5)]
    for name in STATISTICS:
        assert by_n[0][name]["p_worse"] > by_n[1][name]["p_worse"] > by_n[2][name]["p_worse"], name
        assert by_f[0][name]["p_worse"] > by_f[1][name]["p_worse"] > by_f[2][name]["p_worse"], name


def test_more_incidents_a_month_means_fewer_months_to_power():
    base = baseline_from_moments(60, 40)
    for method in ("analytic", "monte-carlo"):
        slow = months_for_power(base, 10, 0.1, method=method, trials=2000, seed=4)
        fast = months_for_power(base, 40, 0.1, method=method, trials=2000, seed=4)
        for name in STATISTICS:
            assert slow[name] is not None and fast[name] is not None, (method, name)
            assert fast[name] < slow[name], (method, name)
    mc = months_for_power(base, 10, 0.1, trials=2000, seed=4)  # cached draws from the loop
    approx = months_for_power(base, 10, 0.1, method="analytic")
    for name in STATISTICS:  # large n at the answer: both methods land within a few months
        assert abs(mc[name] - approx[name]) <= 0.1 * approx[name] + 1, name


def test_months_for_power_reports_none_beyond_the_search_range_and_without_a_gain():
    assert months_for_power(HEAVY, 2, 0.05, method="analytic", max_months=12) == dict.fromkeys(STATISTICS)
    assert months_for_power(HEAVY, 50, 0.0, trials=1000) == dict.fromkeys(STATISTICS)


@pytest.mark.parametrize("answer", [1, 2, 37, 119, 120, None])
@pytest.mark.parametrize("hint", [None, 1, 36, 38, 120])
def test_the_power_search_finds_the_first_month_from_any_hint(answer, hint):
    seen = []

    def reaches(k: int) -> bool:
        assert 1 <= k <= 120
        seen.append(k)
        return answer is not None and k >= answer

    assert smallest_satisfying(reaches, 120, hint) == answer
    assert len(seen) <= 16


def test_incident_grid_is_exact_up_to_100_and_then_one_percent_steps():
    grid = incident_grid(3000)
    assert grid[:100] == list(range(1, 101)) and grid[-1] == 3000
    assert all(b > a for a, b in zip(grid, grid[1:]))
    assert max(b / a for a, b in zip(grid[99:], grid[100:])) < 1.02


def test_the_report_has_mttr_at_the_top_and_the_inputs():
    report = pilot_report(baseline_from_moments(60, 40), per_month=12, months=2, trials=1000, seed=9)
    for key in ("p_worse", "p_phantom", "ci90_halfwidth_min", "months_for_80pct_power"):
        assert report[key] == report["mttr"][key]
    assert report["n_per_arm"] == 24 and report["improvement"] == 0.1 and report["threshold"] == 0.1
    assert report["trials"] == 1000 and report["seed"] == 9
    assert {"mean_min", "median_min", "sd_min"} <= report["baseline"].keys()
    assert set(STATISTICS) <= report.keys() and "analytic" in report["median"]
    assert answer_sentence(report).startswith("With 12 incidents a month per arm, a real 10% MTTR gain")
    assert "no real change" in answer_sentence({**report, "improvement": 0.0})


# -- loading ----------------------------------------------------------------------------------


def test_csv_baseline_picks_the_duration_column_and_counts_what_it_drops(tmp_path):
    path = tmp_path / "history.csv"
    pd.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6],
            "impact": ["minor", "Maintenance", "major", "minor", "minor", "none"],
            "ttr_minutes": [30, 900, 0, -4, "n/a", 60],
        }
    ).to_csv(path, index=False)
    base = baseline_from_csv(path, exclude=["impact=maintenance"])
    assert list(base.durations) == [30.0, 60.0]
    assert (base.excluded, base.dropped, base.rows) == (1, 3, 5)
    assert "ttr_minutes" in base.source


def test_results_baseline_takes_one_protocols_ttr(tmp_path):
    pd.DataFrame(
        {"protocol": ["war-room", "async-first", "async-first"], "ttr_min": [50.0, 40.0, 80.0]}
    ).to_csv(tmp_path / "incidents.csv", index=False)
    base = baseline_from_results(tmp_path, "async-first")
    assert list(base.durations) == [40.0, 80.0]
    with pytest.raises(PilotError, match="several protocols"):
        baseline_from_results(tmp_path)


# -- the command line -------------------------------------------------------------------------


def test_same_seed_same_json_and_a_readable_table():
    args = ["--mean", "60", "--sd", "30", "--per-month", "12", "--months", "3", "--trials", "1000"]
    first, second = invoke(*args, "--seed", "42", "--json"), invoke(*args, "--seed", "42", "--json")
    assert first.exit_code == 0 and first.stdout == second.stdout
    assert json.loads(first.stdout)["months_for_80pct_power"] is not None
    other = invoke(*args, "--seed", "43", "--json")
    assert json.loads(other.stdout)["mttr"] != json.loads(first.stdout)["mttr"]
    table = invoke(*args, "--seed", "42")
    assert table.exit_code == 0
    assert "geometric mean" in table.stdout and "With 12 incidents a month per arm" in table.stdout


@pytest.mark.parametrize(
    "make_args, names",
    [
        (lambda d: ["--durations", str(d / "nope.csv"), "--per-arm", "10"], ["nope.csv", "no such file"]),
        (
            lambda d: ["--durations", str(d / "h.csv"), "--column", "ttr", "--per-arm", "10"],
            ["h.csv", "'ttr'"],
        ),
        (
            lambda d: ["--durations", str(d / "h.csv"), "--column", "title", "--per-arm", "10"],
            ["h.csv", "'title'", "no positive numeric"],
        ),
        (lambda d: ["--durations", str(d / "h.csv"), "--per-arm", "10"], ["h.csv", "duration"]),
        (
            lambda d: ["--from-results", str(d), "--protocol", "war-rooom", "--per-arm", "10"],
            ["incidents.csv", "'war-rooom'", "async-first"],
        ),
        (lambda d: ["--per-arm", "10"], ["exactly one baseline"]),
        (lambda d: ["--mean", "60", "--sd", "40"], ["--per-arm"]),
    ],
)
def test_bad_input_is_one_line_on_stderr_and_exit_2(tmp_path, make_args, names):
    pd.DataFrame({"title": ["a", "b"], "minutes_open": [3, 4]}).to_csv(tmp_path / "h.csv", index=False)
    pd.DataFrame({"protocol": ["async-first"], "ttr_min": [40.0]}).to_csv(
        tmp_path / "incidents.csv", index=False
    )
    result = invoke(*make_args(tmp_path))
    assert result.exit_code == 2
    assert result.stdout == ""
    lines = result.stderr.splitlines()
    assert len(lines) == 1, lines
    for name in names:
        assert name in lines[0]


# -- the real GitHub status history -----------------------------------------------------------


@pytest.mark.skipif(not GITHUB.is_file(), reason=f"GitHub status data not found at {GITHUB}")
def test_github_history_months_until_mttr_shows_a_10pct_gain():
    frame = pd.read_csv(GITHUB, parse_dates=["downtime_start"])
    base = baseline_from_csv(GITHUB, exclude=["impact=maintenance"])
    assert base.excluded == int((frame["impact"] == "maintenance").sum()) > 0
    span = frame["downtime_start"].max() - frame["downtime_start"].min()
    months_span = span.total_seconds() / (365.25 / 12 * 86400)
    rate = round(len(base.durations) / months_span, 1)  # usable incidents per month, ~15
    assert 10 < rate < 20

    report = pilot_report(base, improvement=0.1, per_month=rate, months=3, seed=2021)
    p6 = pilot_report(base, improvement=0.1, per_month=rate, months=6, seed=2021)
    for name in STATISTICS:
        m = report[name]["months_for_80pct_power"]
        assert m is None or 1 <= m <= 120  # None is "more than 120 months"
        assert report[name]["months_for_80pct_power"] == p6[name]["months_for_80pct_power"]
        assert p6[name]["p_worse"] < report[name]["p_worse"] < 0.5

    def months(name: str) -> str:
        m = report[name]["months_for_80pct_power"]
        return "more than 120 months" if m is None else f"{m} months"

    print(
        f"\nGitHub status history: {len(base.durations)} incident windows ({base.excluded} maintenance rows "
        f"excluded, {base.dropped} non-positive dropped), {rate} a month; mean {base.mean:.0f} min, "
        f"median {base.median:.0f} min.\n"
        f"A real 10% gain shows up with 80% power (one-sided test, alpha=0.05) after: MTTR {months('mttr')}, "
        f"median {months('median')}, geometric mean {months('geomean')}.\n"
        f"Chance the pilot's MTTR looks worse: {report['p_worse']:.0%} after 3 months "
        f"({report['n_per_arm']} incidents per arm), {p6['p_worse']:.0%} after 6 months "
        f"({p6['n_per_arm']} per arm).\n{answer_sentence(report)}"
    )
