"""Words that name a number or a rule, held against the code that produces it.

Each test reads a statement where a reader reads it (the README and the documentation site's
pages, the report, the console table, the sweep's break-even line), takes the number or rule out
of the words, and checks it against the scenario, the code or the event log, so that a change to
one without the other fails here.
"""

from __future__ import annotations

import inspect
import math
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from rich.console import Console

from incsim import api, render
from incsim.experiment import run_to_precision
from incsim.metrics import INCIDENT_COLUMNS, METRICS, summarize, t_interval
from incsim.pilot import (
    DEFAULT_PILOT_MONTHS,
    MAX_MONTHS,
    TARGET_POWER,
    baseline_from_csv,
    pilot_report,
)
from incsim.report import build, render_report, wording
from incsim.report.results import load_results
from incsim.scenario.durations import Triangular, Uniform
from incsim.scenario.loader import load_default_scenario
from incsim.sweep import break_evens, load_sweep_text

ROOT = Path(__file__).resolve().parents[2]
# what a reader reads: the README and the documentation site's pages, one text (a statement is
# found wherever it lives, and checked once)
README = "\n\n".join(
    p.read_text(encoding="utf-8") for p in [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
)
# the shared data sit beside the checkout (or beside the folder of worktrees)
GITHUB = next(
    (
        p / "shared/data/github-status/downtime_windows.csv"
        for p in (ROOT.parent, ROOT.parent.parent)
        if (p / "shared/data/github-status/downtime_windows.csv").is_file()
    ),
    ROOT.parent / "shared/data/github-status/downtime_windows.csv",
)
DASH = "[–-]"  # the README writes ranges with an en dash


@pytest.fixture(scope="module")
def default():
    return load_default_scenario()


def readme_sentence(start: str) -> str:
    """The README's text from ``start`` to the next blank line or list item, on one line."""
    i = README.index(start)
    end = min(j for j in (README.find("\n\n", i), README.find("\n- ", i), len(README)) if j != -1)
    return " ".join(README[i:end].split())


def uniform_range(dist) -> tuple[float, float]:
    assert isinstance(dist, Uniform), dist
    return dist.low, dist.high


# -- README, the protocols paragraph ----------------------------------------------------------
def test_readme_war_room_size_is_the_default_invite(default):
    m = re.search(r"every P1 gets a call; (\d+) to (\d+) people are invited, (\d+) most often", README)
    low, high, mode = (float(g) for g in m.groups())
    room = default.protocol("war-room").room
    assert room.invite.rule == "fixed-size"
    size = room.invite.size
    assert isinstance(size, Triangular) and (size.low, size.high, size.mode) == (low, high, mode)
    assert "all stay" in readme_sentence("- **war-room**") and room.stay_probability == 1.0


def test_readme_update_cadence_is_the_default_async_first_cadence(default):
    minutes = float(re.search(r"update every (\d+) minutes", README).group(1))
    assert default.protocol("async-first").update_cadence_min == minutes


def test_readme_hybrid_rules_are_the_default_hybrid_rules(default):
    text = readme_sentence("- **hybrid**")
    hybrid = default.protocol("hybrid")
    rules = hybrid.escalation
    assert rules.services_affected_at_least == int(re.search(r"(\d+)\+ services affected", text).group(1))
    assert "customer data at risk" in text and rules.customer_data_at_risk
    assert "no progress" in text and rules.no_progress_min is not None
    assert "platform-wide" in text and rules.categories == ["platform-wide"]
    people = int(re.search(r"a (\d+)-person triage call for\s+security", text).group(1))
    assert (
        hybrid.triage is not None
        and hybrid.triage.max_people == people
        and hybrid.triage.flags == ["security"]
    )


def test_readme_refocus_rule_names_the_default_refocus_periods(default):
    """The rule itself (who pays, when) is checked in test_mechanisms; here, its numbers."""
    text = readme_sentence("- **Refocus**")
    assert "only to people pulled off their own work" in text
    leave = re.search(rf"when they leave it \((\d+){DASH}(\d+) min in the default\)", text).groups()
    assert uniform_range(default.behaviour.refocus) == tuple(float(x) for x in leave)
    short = re.search(rf"short refocus \((\d+){DASH}(\d+) min in the default\)", text).groups()
    assert uniform_range(default.behaviour.interruption.refocus) == tuple(float(x) for x in short)


def test_readme_default_horizon_is_the_default_scenario_s(default):
    days = float(re.search(r"a replication of the (\d+)-day default scenario", README).group(1))
    assert default.simulation.horizon_days == days


# -- README, statistics ---------------------------------------------------------------------------
def test_readme_summary_level_is_the_code_s_level():
    assert re.search(r"mean with a (?:Student-t )?(\d+)% CI over replications", README).group(1) == "95"
    assert inspect.signature(t_interval).parameters["level"].default == 0.95


def test_readme_precision_rule_is_the_code_s_rule():
    text = readme_sentence("`--precision P`")
    assert "between the baseline and the next protocol in engineer-hours" in text
    assert re.search(r"has a (\d+)% half-width", text).group(1) == "95"
    assert inspect.signature(run_to_precision).parameters["metric"].default == "engineer_hours"


def test_readme_lists_columns_that_incidents_csv_has():
    row = next(line for line in README.splitlines() if line.startswith("| `incidents.csv`"))
    words = {
        "TTR": "ttr_min",
        "customer impact": "customer_impact_min",
        "responder": "responder_hours",
        "non-essential": "non_essential_hours",
        "refocus hours": "refocus_hours",
        "interruptions": "interruptions",
        "minutes a room was open": "war_room_minutes",
        "peak participants": "peak_participants",
        "decision waits": "decision_wait_min",
        "exposure": "data_exposure",
        "cost": "cost_usd",
    }
    for phrase, column in words.items():
        assert phrase in row, phrase
        assert column in INCIDENT_COLUMNS, column


@pytest.mark.skipif(not GITHUB.is_file(), reason=f"GitHub status data not found at {GITHUB}")
def test_readme_github_history_figures_are_the_data_s():
    text = readme_sentence("power, by Monte Carlo")
    windows, first, last, per_month = re.search(
        r"\((\d+) incident windows (\d{4}-\d\d)\.\.(\d{4}-\d\d), maintenance excluded, ~([\d.]+) a\s+month\)",
        text,
    ).groups()
    frame = pd.read_csv(GITHUB, parse_dates=["downtime_start"])
    # what the pilot reads: maintenance excluded, rows without a positive duration dropped
    kept = len(baseline_from_csv(GITHUB, exclude=["impact=maintenance"]).durations)
    assert kept == int(windows)
    start = frame["downtime_start"]
    assert start.min().strftime("%Y-%m") == first and start.max().strftime("%Y-%m") == last
    months = (start.max() - start.min()).days / (365.25 / 12)
    assert kept / months == pytest.approx(float(per_month), abs=0.05)
    assert int(re.search(r"after a (\d+)-month pilot", text).group(1)) == DEFAULT_PILOT_MONTHS


# -- the console table -----------------------------------------------------------------------------
def test_console_table_mean_is_the_average_of_replication_means_as_its_title_says():
    """Replication 0 has one incident (TTR 100), replication 1 three (TTR 10 each): the pooled
    mean is 32.5, the mean of the replications' means 55. The table says which it shows."""
    rows = []
    for r, values in ((0, [100.0]), (1, [10.0, 10.0, 10.0])):
        for i, v in enumerate(values):
            rows.append(
                {
                    "replication": r,
                    "protocol": "p",
                    "incident_id": i,
                    "category": "single-service",
                    **{m: v for m in METRICS},
                }
            )
    summary = summarize(pd.DataFrame(rows), ["p"], by_category=False)
    table = render.comparison_table(summary, ["p"])
    con = Console(width=400, record=True)
    con.print(table)
    text = con.export_text()
    words = " ".join(text.split())  # the title wraps over lines as wide as the table
    assert "average of the replications' own means" in words and "CI over replications" in words
    assert "median and p90 over all incidents" in words
    cells = [
        c.strip() for c in next(line for line in text.splitlines() if line.startswith("│ p")).split("│")[1:-1]
    ]
    assert cells[1] == "4"  # incidents, pooled
    assert cells[3].startswith("55 [")  # TTR mean: (100 + 10) / 2, not (100 + 30) / 4
    assert cells[2] == "10" and cells[4] == f"{np.percentile([100, 10, 10, 10], 90):.0f}"  # pooled
    assert "32" not in cells[3]


def test_run_command_title_uses_the_same_words():
    source = (ROOT / "src/incsim/cli/run.py").read_text(encoding="utf-8")
    assert "render.MEANS" in source and "mean [95% CI] per incident" not in source


# -- the report ------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def results(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("words") / "run"
    api.run_scenario(
        api.load(None), replications=3, seed=7, out_dir=out, command=["incsim", "run", "-n", "3"]
    )
    return out


def test_report_cost_per_year_multiplies_by_the_rate_it_prints(results):
    """A reader who multiplies the printed rate by the mean cost per incident (summary.csv) gets
    the printed cost per year."""
    md = render_report(results, "md").text
    rate = float(
        re.search(r"Cost per year = mean cost per incident × ([\d,.]+) incidents a year", md)
        .group(1)
        .replace(",", "")
    )
    assert f"{wording.num(rate, 1)} incidents a year at the simulated rate" in md
    inc = pd.read_csv(results / "incidents.csv")
    days = load_results(results).run["horizon_days"]
    base = load_results(results).protocols[0]
    exact = (inc["protocol"] == base).sum() / 3 / days * 365
    assert rate == pytest.approx(exact, abs=0.05)  # the printed rate is the simulated one, to its decimal
    assert build.gather(results).per_year == rate  # and the one the report multiplies by
    summary = pd.read_csv(results / "summary.csv")
    table = md[md.index("| protocol | per incident [95% CI] | per year [95% CI]") :]
    for p in load_results(results).protocols:
        mean = summary[
            (summary["kind"] == "protocol")
            & (summary["category"] == "all")
            & (summary["protocol"] == p)
            & (summary["metric"] == "cost_usd")
        ].iloc[0]["mean"]
        row = next(line for line in table.splitlines() if line.startswith(f"| {p} |")).replace("\\$", "$")
        per_year = row.split("|")[3].strip().split(" [")[0]
        assert per_year == wording.money_short(mean * rate), (p, row)


def test_report_names_the_interval_level_it_computes(results):
    md = render_report(results, "md").text
    assert "Student-t 95% confidence interval" in md
    assert inspect.signature(t_interval).parameters["level"].default == 0.95


# -- the sweep's break-even ----------------------------------------------------------------------
SWEEP = """\
apiVersion: incsim/v1
kind: Sweep
metadata: {name: words}
scenario: tiny.yaml
replications: 2
seed: 5
parameters:
  - path: behaviour.reply_latency.working
    values: [5, 40]
"""


def test_break_even_uses_the_base_scenario_s_point(tmp_path, minimal_yaml):
    """The base runs the default working reply latency (15 min) with the same seed as the
    swept values 5 and 40. With differences -10 at 5, +10 at the base and +30 at 40, the
    crossing is at 10 min, between 5 and 15; leaving the base out would put it at 13.75."""
    (tmp_path / "tiny.yaml").write_text(minimal_yaml, encoding="utf-8")
    sweep = load_sweep_text(SWEEP, "s.yaml", tmp_path)
    (par,) = sweep.parameters
    assert par.base_x == 15.0 and par.base_label == "15"
    ids = {p.varied: p.id for p in sweep.points if p.varied == "base"}
    by_value = {p.setting[par.path]: p.id for p in sweep.points if p.varied == par.path}
    diffs = {ids["base"]: 10.0, by_value[0]: -10.0, by_value[1]: 30.0}
    table = pd.DataFrame(
        [
            {
                "point": pid,
                "protocol": "async-first",
                "metric": m,
                "diff_mean": d,
                "diff_ci_low": d - 1,
                "diff_ci_high": d + 1,
            }
            for pid, d in diffs.items()
            for m in sweep.metrics
        ]
    )
    rec = next(r for r in break_evens(sweep, table) if r["metric"] == sweep.metrics[0])
    (crossing,) = rec["crossings"]
    assert crossing["x"] == pytest.approx(10.0)
    assert crossing["between"] == ["5", "15"]
    assert "exceeds 10 min (between 5 and 15)" in rec["sentence"]
    assert not math.isnan(crossing["diff_between"][1])


@pytest.mark.skipif(not GITHUB.is_file(), reason=f"GitHub status data not found at {GITHUB}")
def test_readme_github_pilot_answers_are_the_pilot_s():
    """The README's months to 80% power and the chance a 3-month pilot looks worse, recomputed
    (Monte Carlo, seed 2021) at the monthly rate the README states."""
    text = readme_sentence("power, by Monte Carlo")
    per_month = float(re.search(r"~([\d.]+) a\s+month", text).group(1))
    gain, power, horizon = (
        int(x)
        for x in re.search(
            r"a real (\d+)% MTTR gain does not reach (\d+)% power within (\d+) months", text
        ).groups()
    )
    assert (power / 100, horizon) == (TARGET_POWER, MAX_MONTHS)
    improvement = gain / 100
    geomean_months = int(re.search(r"geometric mean\s+gets there after about (\d+) months", text).group(1))
    worse = int(re.search(r"there is a (\d+)% chance that MTTR\s+looks \*worse\*", text).group(1))
    base = baseline_from_csv(GITHUB, exclude=["impact=maintenance"])
    report = pilot_report(
        base, improvement=improvement, per_month=per_month, months=DEFAULT_PILOT_MONTHS, seed=2021
    )
    assert report["mttr"]["months_for_80pct_power"] is None  # beyond the 120 months searched
    assert report["geomean"]["months_for_80pct_power"] == pytest.approx(geomean_months, abs=2)
    assert round(100 * report["mttr"]["p_worse"]) == worse
