"""The report's data layer on hand-built tables: every expected value below is worked out by hand
from the few rows written in the test, never read back from the code under test.

``summary.csv`` rows are built by ``srow``; a decoy row that differs from the wanted one in a single
key (kind, category, protocol or metric) sits beside it, so a filter that drops that key picks the
decoy (the decoys all carry the mean 999).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest
from report_helpers import srow
from scenario_helpers import MINIMAL_YAML

from incsim.output import sealed_json
from incsim.report import findings, wording
from incsim.report.results import ReportError
from incsim.report.wording import DASH, MINUS, Estimate


def fields(e: Estimate) -> tuple:
    """An estimate's fields with NaN spelled as None, so that two estimates compare with ==."""
    return tuple(
        None if isinstance(v, float) and math.isnan(v) else v
        for v in (e.mean, e.low, e.high, e.median, e.p90, e.n_incidents, e.n_replications)
    )


NAN_FIELDS = (None, None, None, None, None, 0, 0)


@pytest.fixture()
def summary() -> pd.DataFrame:
    rows = [
        srow("protocol", "a", "ttr_min", 100, 90, 110, median=80, p90=200, n=40, reps=4),
        srow("protocol", "b", "ttr_min", 120, 100, 140, median=85, p90=260, n=41, reps=4),
        srow("protocol", "a", "ttr_min", 50, 40, 60, category="cascading", median=45, p90=70, n=5, reps=4),
        # decoys: one key each differs from a wanted row
        srow("difference", "a", "ttr_min", 999, 998, 1000),
        srow("protocol", "a", "engineer_hours", 999, 998, 1000, category="platform-wide"),
        srow("protocol", "a", "engineer_hours", 7, 6, 8, n=40, reps=4),
        srow("protocol", "b", "engineer_hours", 5, 4.5, 5.5, n=41, reps=4),
        srow("protocol", "a", "cost_usd", 1000, 900, 1100, n=40, reps=4),
        srow("protocol", "b", "cost_usd", 800, 700, 900, n=41, reps=4),
        # the paired differences: "b - a" stored directly, "a - c" stored the other way round
        srow("difference", "b - a", "ttr_min", 20, 5, 35, n=81, reps=4),
        srow("difference", "b - a", "engineer_hours", -2, -2.5, -1.5, n=81, reps=4),
        srow("difference", "b - a", "cost_usd", -200, -260, -140, n=81, reps=4),
        srow("difference", "b - a", "ttr_min", -30, -50, -10, category="cascading", n=9, reps=4),
        srow("difference", "b - a", "ttr_min", 999, 998, 1000, category="platform-wide"),
        srow("protocol", "b - a", "ttr_min", 999, 998, 1000),
        srow("difference", "a - c", "ttr_min", 6, 1, 11, n=80, reps=4),
        srow("difference", "a - c", "engineer_hours", 3, -1, 7, n=80, reps=4),
        srow("protocol", "b", "non_essential_hours", 0.5, 0.4, 0.6, category="cascading", n=4, reps=4),
        srow("protocol", "b", "non_essential_hours", 0.7, 0.6, 0.8),
    ]
    return pd.DataFrame(rows)


# -- reading summary.csv -------------------------------------------------------------------------


def test_protocol_stat_reads_the_one_row_of_protocol_metric_and_category(summary):
    assert fields(findings.protocol_stat(summary, "a", "ttr_min")) == (100, 90, 110, 80, 200, 40, 4)
    assert fields(findings.protocol_stat(summary, "b", "ttr_min")) == (120, 100, 140, 85, 260, 41, 4)
    assert fields(findings.protocol_stat(summary, "a", "ttr_min", "cascading")) == (50, 40, 60, 45, 70, 5, 4)
    assert fields(findings.protocol_stat(summary, "a", "engineer_hours"))[:3] == (7, 6, 8)
    assert fields(findings.protocol_stat(summary, "a", "refocus_hours")) == NAN_FIELDS
    assert fields(findings.protocol_stat(summary, "c", "ttr_min")) == NAN_FIELDS
    assert isinstance(findings.protocol_stat(summary, "a", "ttr_min").n_incidents, int)


def test_difference_is_read_directly_or_negated_from_the_reverse_pair(summary):
    assert fields(findings.difference(summary, "a", "b", "ttr_min")) == (20, 5, 35, None, None, 81, 4)
    assert fields(findings.difference(summary, "a", "b", "ttr_min", "cascading")) == (
        -30,
        -50,
        -10,
        None,
        None,
        9,
        4,
    )
    # stored as "a - c" = 6 [1, 11]: "c - a" is -6 [-11, -1], counts kept
    assert fields(findings.difference(summary, "a", "c", "ttr_min")) == (-6, -11, -1, None, None, 80, 4)
    assert fields(findings.difference(summary, "c", "a", "ttr_min")) == (6, 1, 11, None, None, 80, 4)
    # stored as "b - a": asked as "a - b" it is negated too
    assert fields(findings.difference(summary, "b", "a", "engineer_hours")) == (
        2,
        1.5,
        2.5,
        None,
        None,
        81,
        4,
    )
    assert fields(findings.difference(summary, "a", "b", "refocus_hours")) == NAN_FIELDS
    assert fields(findings.difference(summary, "a", "d", "ttr_min")) == NAN_FIELDS


def test_incidents_a_year_count_one_protocol_per_replication_and_day():
    inc = pd.DataFrame({"protocol": ["a"] * 7 + ["b"] * 4})
    # 7 incidents over 3 replications of 30 days: 7 / 3 / 30 x 365 = 28.39 -> 28.4
    assert findings.incidents_per_year(inc, "a", 3, 30.0) == 28.4
    # 4 incidents, 2 replications of 73 days: 2 / 73 x 365 = 10.0
    assert findings.incidents_per_year(inc, "b", 2, 73.0) == 10.0
    assert findings.incidents_per_year(inc, "c", 2, 73.0) == 0.0


def test_categories_come_in_the_schema_order_then_others_alphabetically():
    inc = pd.DataFrame({"category": ["platform-wide", "zeta", "single-service", None, "alpha", "zeta"]})
    assert findings.categories_in(inc) == ["single-service", "platform-wide", "alpha", "zeta"]


def test_headline_compares_every_protocol_with_the_first(summary):
    assert findings.headline(summary, ["a"], 10.0) == []
    (item,) = findings.headline(summary, ["a", "b"], 10.0)
    assert (item["protocol"], item["baseline"]) == ("b", "a")
    assert fields(item["engineer_hours"])[:3] == (-2, -2.5, -1.5)
    assert fields(item["ttr_min"])[:3] == (20, 5, 35)
    assert fields(item["cost_usd"])[:3] == (-200, -260, -140)
    assert fields(item["cost_per_year"])[:3] == (-2000, -2600, -1400)  # 10 incidents a year
    assert item["sentence"].startswith("B used 2.0 fewer engineer-hours per incident than a")
    assert "saves $2.0k a year" in item["sentence"]
    items = findings.headline(summary, ["a", "b", "c"], 1.0)
    assert [(i["protocol"], i["baseline"]) for i in items] == [("b", "a"), ("c", "a")]
    assert fields(items[1]["ttr_min"])[:3] == (-6, -11, -1)


def test_key_numbers_hold_each_metric_and_the_cost_a_year(summary):
    rows = findings.key_numbers(summary, ["a", "b"], 3.0)
    assert [r["protocol"] for r in rows] == ["a", "b"]
    assert set(rows[0]) == {"protocol", *findings.KEY_METRICS, "cost_per_year"}
    assert fields(rows[0]["ttr_min"])[:3] == (100, 90, 110)
    assert fields(rows[1]["engineer_hours"])[:3] == (5, 4.5, 5.5)
    assert fields(rows[1]["cost_per_year"])[:3] == (2400, 2100, 2700)
    assert fields(rows[0]["customer_impact_min"]) == NAN_FIELDS
    cascading = findings.key_numbers(summary, ["a"], 1.0, "cascading")
    assert fields(cascading[0]["ttr_min"])[:3] == (50, 40, 60)


def test_category_rows_mark_the_baseline_and_difference_the_others(summary):
    rows = findings.category_rows(summary, ["a", "b"], ["all", "cascading"])
    assert [(r["category"], r["protocol"], r["is_baseline"]) for r in rows] == [
        ("all", "a", True),
        ("all", "b", False),
        ("cascading", "a", True),
        ("cascading", "b", False),
    ]
    assert rows[0]["n_incidents"] == 40 and rows[1]["n_incidents"] == 41 and rows[2]["n_incidents"] == 5
    assert fields(rows[0]["ttr_diff"]) == NAN_FIELDS and fields(rows[0]["hours_diff"]) == NAN_FIELDS
    assert fields(rows[1]["ttr_diff"])[:3] == (20, 5, 35)
    assert fields(rows[1]["hours_diff"])[:3] == (-2, -2.5, -1.5)
    assert fields(rows[3]["ttr_diff"])[:3] == (-30, -50, -10)
    assert fields(rows[1]["engineer_hours"])[:3] == (5, 4.5, 5.5)
    assert fields(rows[1]["non_essential_hours"])[:3] == (0.7, 0.6, 0.8)
    assert fields(rows[3]["non_essential_hours"])[:3] == (0.5, 0.4, 0.6)  # the category's own row


def test_category_findings_name_only_differences_beyond_noise():
    def row(cat, proto, base, diff, n=9):
        return {"category": cat, "protocol": proto, "is_baseline": base, "n_incidents": n, "ttr_diff": diff}

    rows = [
        row("single-service", "war-room", True, Estimate(math.nan, math.nan, math.nan)),
        row("single-service", "async", False, Estimate(12.0, 4.0, 20.0), 30),
        row("cascading", "war-room", True, Estimate(math.nan, math.nan, math.nan)),
        row("cascading", "async", False, Estimate(-25.0, -40.0, -10.0), 7),
        row("platform-wide", "async", False, Estimate(5.0, -1.0, 11.0)),  # noise: the CI holds 0
        row("platform-wide", "hybrid", False, Estimate(5.0, 0.0, 10.0)),  # touches 0: not beyond it
        row("platform-wide", "solo", False, Estimate(0.8, 0.2, 1.4), 12),  # under a minute, still slower
    ]
    assert findings.category_findings(rows) == [
        f"single-service incidents: Async resolved 12 min slower than war-room (95% CI 4{DASH}20; 30 incidents).",
        f"cascading incidents: Async resolved 25 min faster than war-room (95% CI 10{DASH}40; 7 incidents).",
        f"platform-wide incidents: Solo resolved 1 min slower than war-room (95% CI 0.2{DASH}1.4; 12 incidents).",
    ]


def test_difference_rows_list_each_stored_pair_once_in_file_order(summary):
    summary = summary[summary["mean"] != 999]  # without the decoys
    rows = findings.difference_rows(summary)
    assert [r["pair"] for r in rows] == ["b - a", "a - c"]
    assert fields(rows[0]["ttr_min"])[:3] == (20, 5, 35)
    assert fields(rows[0]["cost_usd"])[:3] == (-200, -260, -140)
    assert fields(rows[0]["refocus_hours"]) == NAN_FIELDS
    assert fields(rows[1]["engineer_hours"])[:3] == (3, -1, 7)
    (cascading,) = findings.difference_rows(summary, "cascading")
    assert fields(cascading["ttr_min"])[:3] == (-30, -50, -10)


# -- TTR distributions ---------------------------------------------------------------------------


def test_ecdf_counts_unresolved_and_marks_the_percentiles():
    e = findings.ecdf([4.0, 1.0, math.nan, 3.0, 2.0, math.inf])
    assert list(e.x) == [1, 2, 3, 4] and list(e.y) == [0.25, 0.5, 0.75, 1.0]
    # linear interpolation between order statistics: p50 = 2.5, p90 = 1 + 0.9 x 3 = 3.7
    assert e.p50 == 2.5 and e.p90 == pytest.approx(3.7)
    assert e.unresolved == 2 and e.n == 4
    empty = findings.ecdf([math.nan, math.nan])
    assert empty.n == 0 and empty.unresolved == 2 and math.isnan(empty.p50) and math.isnan(empty.p90)


def test_ttr_ecdfs_take_one_protocol_and_optionally_one_category():
    inc = pd.DataFrame(
        {
            "protocol": ["a", "a", "a", "b", "b"],
            "category": ["x", "y", "x", "x", "y"],
            "ttr_min": [30.0, 10.0, 20.0, 5.0, 50.0],
        }
    )
    every = findings.ttr_ecdfs(inc, ["a", "b"])
    assert list(every["a"].x) == [10, 20, 30] and list(every["b"].x) == [5, 50]
    only_x = findings.ttr_ecdfs(inc, ["a", "b"], "x")
    assert list(only_x["a"].x) == [20, 30] and list(only_x["b"].x) == [5]


# -- the pilot's power curve ---------------------------------------------------------------------


def test_pilot_curve_reads_power_by_month():
    pilot = {
        "power_by_month": [
            {
                "month": 1,
                "n_per_arm": 8,
                "power": {"geomean": 0.2, "mttr": 0.1, "median": 0.15},
                "power_analytic": {"mttr": 0.12},
            },
            {"month": 2, "n_per_arm": 16, "power": {"geomean": 0.4, "mttr": 0.3, "median": 0.35}},
        ],
        "mttr": {"months_for_80pct_power": 7},
        "median": {"months_for_80pct_power": None},
        "per_month": 8.0,
        "improvement": 0.1,
        "trials": 500,
        "seed": 3,
        "months": 3,
        "p_worse": 0.25,
        "baseline": {"source": "history.csv"},
    }
    c = findings.pilot_curve(pilot)
    assert c["months"] == [1, 2] and c["n_per_arm"] == [8, 16]
    assert list(c["power"]) == ["mttr", "median", "geomean"]  # the labels' order, not the file's
    assert c["power"]["mttr"] == [0.1, 0.3] and c["power"]["geomean"] == [0.2, 0.4]
    assert c["power_analytic"]["mttr"][0] == 0.12 and math.isnan(c["power_analytic"]["mttr"][1])
    assert math.isnan(c["power_analytic"]["median"][0])
    assert c["months_for_80pct"] == {"mttr": 7, "median": None, "geomean": None}
    assert (c["per_month"], c["improvement"], c["trials"], c["seed"]) == (8.0, 0.1, 500, 3)
    assert (c["target_power"], c["alpha"]) == (0.8, 0.05)  # the defaults when pilot.json has none
    assert (c["baseline"], c["pilot_months"], c["p_worse"]) == ("history.csv", 3, 0.25)
    own = findings.pilot_curve({**pilot, "target_power": 0.9, "alpha": 0.01})
    assert (own["target_power"], own["alpha"]) == (0.9, 0.01)
    bare = findings.pilot_curve({"power_by_month": pilot["power_by_month"]})
    assert (
        math.isnan(bare["improvement"])
        and bare["baseline"] == ""
        and bare["months_for_80pct"]["mttr"] is None
    )


def test_pilot_curve_without_months_is_none_and_a_broken_one_is_a_report_error():
    assert findings.pilot_curve({}) is None and findings.pilot_curve({"power_by_month": []}) is None
    with pytest.raises(ReportError, match="power_by_month is malformed"):
        findings.pilot_curve({"power_by_month": [{"month": 1, "power": {"mttr": 0.5}}]})  # no n_per_arm
    with pytest.raises(ReportError, match="power_by_month is malformed"):
        findings.pilot_curve({"power_by_month": [{"month": "one", "n_per_arm": 1, "power": {}}]})


# -- numbers in words ----------------------------------------------------------------------------


def test_estimate_interval_properties_and_arithmetic():
    assert (
        Estimate(1, 0, 2).has_ci
        and not Estimate(1, math.nan, 2).has_ci
        and not Estimate(1, 0, math.inf).has_ci
    )
    assert Estimate(1, 0.1, 2).excludes_zero and Estimate(-1, -2, -0.1).excludes_zero
    assert (
        not Estimate(1, 0, 2).excludes_zero and not Estimate(-1, -2, 0).excludes_zero
    )  # touching 0 is not beyond it
    assert not Estimate(1, -1, 2).excludes_zero and not Estimate(1, math.nan, math.nan).excludes_zero
    e = Estimate(1, 2, 3, 4, 5, 6, 7)
    assert fields(e.scaled(10)) == (10, 20, 30, 40, 50, 6, 7)
    assert fields(e.negated()) == (-1, -3, -2, None, None, 6, 7)


def test_num_rounds_signs_and_spells_money():
    assert wording.num(None) == "n/a" and wording.num(math.nan) == "n/a" and wording.num(-math.inf) == "n/a"
    assert wording.num(1234567.891, 2) == "1,234,567.89"
    assert wording.num(-0.4) == "0" and wording.num(0.4, sign=True) == "0"  # rounds to zero: no sign
    assert wording.num(0.04, 1, sign=True) == "0.0" and wording.num(0.06, 1, sign=True) == "+0.1"
    assert wording.num(-2.6) == MINUS + "3" and wording.num(2.6, sign=True) == "+3"
    assert wording.num(5, sign=True, money=True) == "+$5" and wording.num(-5, money=True) == MINUS + "$5"
    assert wording.num(7.25, 1) == "7.2"  # round half to even, as format() does
    # below half the last digit (0.05 at one decimal) is zero, sign and all
    assert wording.num(0.047, 1, sign=True) == "0.0" and wording.num(-0.047, 1) == "0.0"


def test_money_short_switches_units_at_1k_10k_and_1m():
    assert wording.money_short(None) == "n/a" and wording.money_short(math.nan) == "n/a"
    assert wording.money_short(999) == "$999" and wording.money_short(1000) == "$1.0k"
    assert wording.money_short(9_949) == "$9.9k" and wording.money_short(10_000) == "$10k"
    assert wording.money_short(999_000) == "$999k" and wording.money_short(1_000_000) == "$1.00M"
    assert wording.money_short(-12_345) == MINUS + "$12k" and wording.money_short(-2_500) == MINUS + "$2.5k"


def test_ci_text_joins_and_keeps_a_digit_that_shows_zero_is_excluded():
    assert wording.ci_text(Estimate(5, math.nan, 9)) == "n/a"
    assert wording.ci_text(Estimate(5, 1, 9)) == f"1{DASH}9"
    assert wording.ci_text(Estimate(0, -1, 2)) == f"{MINUS}1 to 2"
    assert wording.ci_text(Estimate(5, 1, 9), sign=True) == "+1 to +9"
    assert wording.ci_text(Estimate(5, 1, 9), money=True) == f"$1{DASH}$9"
    assert wording.ci_text(Estimate(2, 0.3, 5)) == f"0.3{DASH}5.0"  # 0.3 would print as 0
    assert wording.ci_text(Estimate(2, 0.04, 5)) == f"0.04{DASH}5.00"  # two more digits
    assert wording.ci_text(Estimate(2, 0.001, 5)) == f"0.00{DASH}5.00"  # but never more than two
    assert wording.ci_text(Estimate(2, 0.3, 5), 1) == f"0.3{DASH}5.0"  # already enough digits
    assert wording.ci_text(Estimate(2, -0.3, 5)) == "0 to 5"  # holds 0: no extra digit


def test_mean_ci_money_ci_clock_and_capitals():
    assert wording.mean_ci(Estimate(math.nan, 1, 2)) == "n/a"
    assert wording.mean_ci(Estimate(3.0, 1, 5), sign=True) == "+3 [+1 to +5]"
    assert wording.money_ci(Estimate(math.nan, 1, 2)) == "n/a"
    assert wording.money_ci(Estimate(1500, math.nan, math.nan)) == "$1.5k"
    assert wording.money_ci(Estimate(12_000, 10_000, 14_000)) == f"$12k [$10k{DASH}$14k]"
    assert wording.money_ci(Estimate(-5_000, -9_000, 2_000)) == f"{MINUS}$5.0k [{MINUS}$9.0k to $2.0k]"
    assert (
        wording.money_ci(Estimate(500, 0, 1_000)) == f"$500 [$0{DASH}$1.0k]"
    )  # a bound of 0 is not negative
    assert wording.mean_ci(Estimate(1234, 1000, 1500), money=True) == f"$1,234 [$1,000{DASH}$1,500]"
    assert wording.capitalised("async-first") == "Async-first" and wording.capitalised("") == ""
    assert wording.capitalised("a") == "A"


def test_headline_sentence_in_each_case():
    nan = Estimate(math.nan, math.nan, math.nan)
    assert wording.headline_sentence("b", "a", nan, nan, nan) == (
        "B and a cannot be compared: summary.csv has no paired difference."
    )
    more = wording.headline_sentence(
        "b", "a", Estimate(2.25, 1.0, 3.5), Estimate(-12, -20, -4), Estimate(3_000, 1_000, 5_000)
    )
    assert more == (
        "B used 2.2 more engineer-hours per incident than a (95% CI 1.0" + DASH + "3.5), with a TTR "
        "difference of " + MINUS + "12 min (95% CI " + MINUS + "20 to " + MINUS + "4): faster than a. "
        "At the simulated incident rate that costs $3.0k a year (95% CI $1.0k" + DASH + "$5.0k)."
    )
    about = wording.headline_sentence("b", "a", Estimate(0.44, -0.5, 1.3), Estimate(-3, -9, 4), nan)
    assert about == (
        "B used about as many engineer-hours per incident as a (difference +0.4 h, 95% CI "
        + MINUS
        + "0.5 to +1.3), with a TTR difference of "
        + MINUS
        + "3 min (95% CI "
        + MINUS
        + "9 to +4): no clear difference in speed."
    )
    # a cost interval starting at 0 is joined by a dash, not "to"
    assert wording.headline_sentence(
        "b", "a", Estimate(1, 0.5, 1.5), nan, Estimate(3_000, 0, 6_000)
    ).endswith("that costs $3.0k a year (95% CI $0" + DASH + "$6.0k).")
    # one replication: no interval, no "(95% CI"; a TTR without a number leaves its clause out
    single = wording.headline_sentence("b", "a", Estimate(-1.5, math.nan, math.nan), nan, Estimate(0, 0, 0))
    assert single == "B used 1.5 fewer engineer-hours per incident than a."
    slower = wording.headline_sentence(
        "b",
        "a",
        Estimate(-1.5, math.nan, math.nan),
        Estimate(7, math.nan, math.nan),
        Estimate(-2_000, -3_000, 500),
    )
    assert slower == (
        "B used 1.5 fewer engineer-hours per incident than a, with a TTR difference of +7 min: slower "
        "than a. At the simulated incident rate that saves $2.0k a year (95% CI " + MINUS + "$500 to "
        "$3.0k)."
    )


# -- the results folder ----------------------------------------------------------------------------

INCIDENTS_CSV = """\
replication,protocol,incident_id,category,ttr_min,engineer_hours,non_essential_hours,cost_usd
0,war-room,1,single-service,30,2,0.5,100
0,async-first,1,single-service,x,1,0,50
"""
SUMMARY_CSV = """\
kind,category,protocol,metric,n_incidents,n_replications,mean,ci_low,ci_high,median,p90,ci_method
protocol,all,war-room,ttr_min,1,1,30,,,30,30,t
protocol,all,async-first,cost_usd,1,1,50,,,50,50,bootstrap
protocol,all,async-first,engineer_hours,1,1,1,,,1,1,bootstrap
protocol,all,async-first,ttr_min,1,1,1,,,1,1,t
"""


def results_folder(root: Path, *, run: dict | None = None, files: dict | None = None, logged=(0,)) -> Path:
    """A small results folder written by hand and sealed like ``incsim run``'s (run.json lists every file)."""
    from incsim.output import write_manifest

    root.mkdir(parents=True, exist_ok=True)
    contents = {
        "incidents.csv": INCIDENTS_CSV,
        "summary.csv": SUMMARY_CSV,
        "scenario.yaml": MINIMAL_YAML,
        "events/replication-000.jsonl": "",
        "events/replication-002.jsonl": "",
        **(files or {}),
    }
    for name, text in contents.items():
        if text is None:
            continue
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    record = {
        "protocols": ["war-room", "async-first"],
        "replications": 1,
        "horizon_days": 7,
        "event_log_replications": list(logged),
        **(run or {}),
    }
    record = {k: v for k, v in record.items() if v is not None}
    write_manifest(root, [n for n, t in contents.items() if t is not None], name="run.json", record=record)
    return root


def test_a_hand_written_results_folder_loads(tmp_path):
    from incsim.report.results import load_results

    res = load_results(results_folder(tmp_path / "run"))
    assert res.protocols == ["war-room", "async-first"] and res.baseline == "war-room"
    assert res.bootstrap_metrics == ["cost_usd", "engineer_hours"]
    assert list(res.incidents["ttr_min"][:1]) == [30.0] and math.isnan(
        res.incidents["ttr_min"][1]
    )  # "x" -> NaN
    assert res.incidents["protocol"].tolist() == ["war-room", "async-first"]
    assert list(res.event_files) == [0]  # replication 2's log is on disk but not listed as logged
    assert res.event_files[0].name == "replication-000.jsonl"
    assert res.time is None and res.pilot is None
    assert res.scenario.metadata.name == "tiny"
    both = load_results(results_folder(tmp_path / "both", logged=(2, 0)))
    assert list(both.event_files) == [0, 2]
    plain = load_results(
        results_folder(
            tmp_path / "plain",
            files={
                "summary.csv": SUMMARY_CSV.replace(",ci_method", "")
                .replace(",t\n", "\n")
                .replace(",bootstrap\n", "\n")
            },
        )
    )
    assert plain.bootstrap_metrics == []


@pytest.mark.parametrize(
    "run, files, where, words",
    [
        ({"protocols": None}, {}, "run.json", "missing protocols; is this an incsim run's run.json?"),
        ({"protocols": []}, {}, "run.json", "'protocols' must be a non-empty list"),
        ({"protocols": "war-room"}, {}, "run.json", "'protocols' must be a non-empty list"),
        ({"replications": "two"}, {}, "run.json", "'replications' and 'horizon_days' must be numbers"),
        ({"horizon_days": None, "replications": None}, {}, "run.json", "missing replications, horizon_days;"),
        ({"replications": 0}, {}, "run.json", "needs replications >= 1 and horizon_days > 0"),
        ({"horizon_days": 0}, {}, "run.json", "needs replications >= 1 and horizon_days > 0"),
        (
            {"protocols": ["war-room", "hybrid"]},
            {},
            "incidents.csv",
            "no rows for protocol(s) hybrid named in run.json",
        ),
        (
            {},
            {"summary.csv": "kind,category\nprotocol,all\n"},
            "summary.csv",
            "missing column(s) protocol, metric, n_incidents",
        ),
        ({}, {"incidents.csv": ""}, "incidents.csv", "empty file"),
        (
            {},
            {"incidents.csv": INCIDENTS_CSV + "1,2,3\n1,2,3,4,5,6,7,8,9,10\n"},
            "incidents.csv",
            "cannot read as CSV: Error tokenizing data. C error: Expected 8 fields in line 5, saw 10",
        ),
        # the first of the scenario's errors, which names the file, line and column
        (
            {},
            {"scenario.yaml": "apiVersion: incsim/v1\nkind: Scenario\n"},
            "scenario.yaml",
            "1:1: metadata: missing required key 'metadata'",
        ),
        ({}, {"time.csv": "replication\n0\n"}, "time.csv", "missing column(s) protocol;"),
        ({}, {"pilot.json": '{"months": 3}'}, "pilot.json", "has no self_sha256"),
        (
            {},
            {"pilot.json": sealed_json({"months": 3})},
            "pilot.json",
            "no 'power_by_month'; write it with `incsim pilot ... -o DIR`",
        ),
    ],
)
def test_a_broken_results_folder_is_one_report_error_naming_the_file(tmp_path, run, files, where, words):
    from incsim.report.results import load_results

    folder = results_folder(tmp_path / "run", run=run, files=files)
    with pytest.raises(ReportError) as err:
        load_results(folder)
    assert str(err.value).startswith(f"{folder / where}:") and words in str(err.value), str(err.value)
    assert "\n" not in str(err.value)


def test_the_optional_files_are_read_when_present(tmp_path):
    from incsim.report.results import load_results

    pilot = {"months": 3, "power_by_month": [{"month": 1, "n_per_arm": 4, "power": {"mttr": 0.2}}]}
    folder = results_folder(
        tmp_path / "run",
        files={"time.csv": "replication,protocol,minutes\n0,war-room,5\n", "pilot.json": sealed_json(pilot)},
    )
    res = load_results(folder)
    assert res.path == folder
    assert res.time.to_dict("records") == [{"replication": 0, "protocol": "war-room", "minutes": 5}]
    assert res.pilot["power_by_month"] == pilot["power_by_month"] and res.pilot["months"] == 3
    # a run.json without the list of logged replications has no event logs to offer
    bare = load_results(results_folder(tmp_path / "bare", run={"event_log_replications": None}))
    assert bare.event_files == {}


def test_protocol_names_that_look_like_numbers_stay_names(tmp_path):
    from incsim.report.results import load_results

    incidents = INCIDENTS_CSV.replace("war-room", "1").replace("async-first", "2")
    summary = SUMMARY_CSV.replace("war-room", "1").replace("async-first", "2")
    res = load_results(
        results_folder(
            tmp_path / "run",
            run={"protocols": [1, 2]},
            files={"incidents.csv": incidents, "summary.csv": summary},
        )
    )
    assert res.protocols == ["1", "2"]
    assert res.incidents["protocol"].tolist() == ["1", "2"] and res.summary["protocol"].tolist()[:2] == [
        "1",
        "2",
    ]


def test_an_unreadable_scenario_is_named(tmp_path):
    from incsim.report.results import load_results

    folder = results_folder(tmp_path / "run")
    (folder / "scenario.yaml").write_bytes(b"\xff\xfe not text")
    from incsim.output import write_manifest

    write_manifest(
        folder,
        [
            "incidents.csv",
            "summary.csv",
            "scenario.yaml",
            "events/replication-000.jsonl",
            "events/replication-002.jsonl",
        ],
        name="run.json",
        record={"protocols": ["war-room", "async-first"], "replications": 1, "horizon_days": 7},
    )
    with pytest.raises(
        ReportError, match=r"scenario.yaml: cannot read: 'utf-8' codec can't decode byte 0xff"
    ):
        load_results(folder)


def test_results_folder_shapes_refused_before_reading(tmp_path):
    from incsim.report.results import load_results

    with pytest.raises(ReportError, match="no such results folder"):
        load_results(tmp_path / "nowhere")
    (tmp_path / "f.txt").write_text("x")
    with pytest.raises(ReportError, match="not a folder"):
        load_results(tmp_path / "f.txt")
    (tmp_path / "empty").mkdir()
    with pytest.raises(ReportError, match=r"not an incsim results folder \(no run.json, incidents.csv"):
        load_results(tmp_path / "empty")
    folder = results_folder(tmp_path / "run")
    (folder / "scenario.yaml").unlink()
    with pytest.raises(ReportError, match="incomplete results folder, missing scenario.yaml$"):
        load_results(folder)
    folder = results_folder(tmp_path / "edited")
    (folder / "summary.csv").write_text(SUMMARY_CSV + "protocol,all,war-room,cost_usd,1,1,1,,,1,1,t\n")
    with pytest.raises(ReportError, match="summary.csv: damaged"):
        load_results(folder)


def test_event_files_are_the_replication_logs_by_number(tmp_path):
    from incsim.report.results import event_files

    assert event_files(tmp_path / "none") == {}
    for name in ("replication-010.jsonl", "replication-002.jsonl", "replication-3.jsonl.tmp", "notes.jsonl"):
        (tmp_path / name).write_text("")
    (tmp_path / "replication-007.jsonl").mkdir()
    got = event_files(tmp_path)
    assert list(got) == [2, 10] and got[10] == tmp_path / "replication-010.jsonl"


def test_protocol_events_are_read_per_protocol_and_a_bad_line_is_named(tmp_path):
    import json

    from incsim.report.results import read_protocol_events

    good = tmp_path / "log.jsonl"
    lines = [
        {"t": 1.0, "incident": 4, "who": "", "kind": "resolved", "protocol": "b"},
        {"t": 0.5, "incident": 4, "who": "", "kind": "room_closed", "protocol": "a"},
        {"t": 2.0, "incident": 5, "who": "", "kind": "room_closed", "protocol": "b"},
    ]
    good.write_text("\n".join(json.dumps(x) for x in lines[:2]) + "\n\n" + json.dumps(lines[2]) + "\n")
    got = read_protocol_events(good)
    assert sorted(got) == ["a", "b"]
    assert [(e.t, e.incident, e.kind.value) for e in got["b"]] == [
        (1.0, 4, "resolved"),
        (2.0, 5, "room_closed"),
    ]
    assert [e.t for e in got["a"]] == [0.5]
    for text, words in (
        (
            '{"t": 1, "incident": 1, "kind": "room_closed"}\n{oops\n',
            f"{tmp_path / 'bad.jsonl'}:2: not valid JSON",
        ),
        ("[1, 2]\n", f"{tmp_path / 'bad.jsonl'}:1: expected a JSON object"),
        ('{"t": 1, "incident": 1, "kind": "nonsense"}\n', f"{tmp_path / 'bad.jsonl'}:1: not an event"),
    ):
        (tmp_path / "bad.jsonl").write_text(text)
        with pytest.raises(ReportError) as err:
            read_protocol_events(tmp_path / "bad.jsonl")
        assert str(err.value).startswith(words)
    assert str(err.value).endswith("(unknown event kind 'nonsense')")  # the reason, not only the line
    with pytest.raises(ReportError, match=r"absent.jsonl: cannot read: \[Errno 2\] No such file"):
        read_protocol_events(tmp_path / "absent.jsonl")


# -- the representative incident and its timeline ----------------------------------------------------


def incident_table(rows: list[tuple]) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=["replication", "protocol", "incident_id", "category", "ttr_min"])


NAN = math.nan
# base "a": single-service TTRs over every replication 50, 59, 61, 56, 60, 58 (and one unresolved):
# median (58 + 59) / 2 = 58.5. Eligible in replication 0 (resolved under a and b): incidents 1 (50),
# 3 (61) and 5 (56); 3 and 5 are both 2.5 away, the lower id wins. Incident 2 (59) is unresolved
# under b, 6 (60) was never met under b, 4 (58.5) is cascading and replication 1 comes second.
PICK_ROWS = [
    (0, "a", 1, "single-service", 50.0),
    (0, "b", 1, "single-service", 40.0),
    (0, "a", 2, "single-service", 59.0),
    (0, "b", 2, "single-service", NAN),
    (0, "a", 3, "single-service", 61.0),
    (0, "b", 3, "single-service", 60.0),
    (0, "a", 4, "cascading", 58.5),
    (0, "b", 4, "cascading", 30.0),
    (0, "a", 5, "single-service", 56.0),
    (0, "b", 5, "single-service", 50.0),
    (0, "a", 6, "single-service", 60.0),
    (1, "a", 1, "single-service", 58.0),
    (1, "b", 1, "single-service", 10.0),
    (1, "a", 2, "single-service", NAN),
    (1, "b", 2, "single-service", 5.0),
]


def test_the_representative_incident_is_the_eligible_one_nearest_the_median():
    from incsim.report import timeline

    pick = timeline.pick_incident(incident_table(PICK_ROWS), ["a", "b"], {1, 0})
    assert (pick.replication, pick.incident, pick.category, pick.target_ttr) == (0, 3, "single-service", 58.5)
    assert pick.reason == (
        "the single-service incident of replication 0 whose a TTR (61 min) is closest to the "
        "median a TTR of all single-service incidents (58 min)"
    )
    later = timeline.pick_incident(incident_table(PICK_ROWS), ["a", "b"], [1])
    assert (later.replication, later.incident) == (1, 1)  # its incident 2 is unresolved under a
    assert timeline.pick_incident(incident_table(PICK_ROWS), ["a", "b"], []) is None
    assert timeline.pick_incident(incident_table(PICK_ROWS[:0]), ["a", "b"], [0]) is None
    assert timeline.pick_incident(incident_table(PICK_ROWS), ["a", "b", "c"], [0]) is None  # none met under c


def test_without_single_service_incidents_the_most_common_category_is_shown():
    from incsim.report import timeline

    rows = [
        (0, p, i, cat, ttr)
        for i, cat, ttr in (
            (1, "platform-wide", 90.0),
            (2, "cascading", 40.0),
            (3, "cascading", 70.0),
            (4, "platform-wide", 20.0),
        )
        for p in ("a", "b")
    ]
    # a tie of two each: the first name alphabetically; cascading TTRs 40 and 70, median 55,
    # both 15 away: the lower id
    pick = timeline.pick_incident(incident_table(rows), ["a", "b"], [0])
    assert (pick.category, pick.incident, pick.target_ttr) == ("cascading", 2, 55.0)
    rows.append((0, "a", 5, "platform-wide", 30.0))
    rows.append((0, "b", 5, "platform-wide", 30.0))
    pick = timeline.pick_incident(incident_table(rows), ["a", "b"], [0])
    assert (pick.category, pick.incident, pick.target_ttr) == ("platform-wide", 5, 30.0)


def test_the_timeline_of_one_incident_among_several():
    from event_helpers import ev

    from incsim.model.events import Kind
    from incsim.report import timeline

    evs = [
        ev(0, Kind.DETECTED, incident=1, category="cascading"),
        ev(10, Kind.DETECTED, incident=2, category="single-service"),
        ev(10, Kind.ROOM_OPENED, incident=2),
        ev(12, Kind.JOINED, "x", incident=2, role="ic", team="t1"),
        ev(15, Kind.JOINED, "y", incident=2, role="owner", team="t2"),
        ev(16, Kind.JOINED, "w", incident=2, role="spectator"),  # no team given
        ev(18, Kind.JOINED, "w", incident=2, role="scribe", change=True),  # a role the chart does not rank
        ev(20, Kind.JOINED, "x", incident=2, role="debugger", change=True),
        ev(20, Kind.ROOM_CLOSED, incident=2),
        ev(25, Kind.ROOM_OPENED, incident=2),
        ev(30, Kind.MITIGATED, incident=2),
        ev(40, Kind.LEFT, "y", incident=2, role="owner", refocus_min=0),
        ev(50, Kind.JOINED, "z", incident=1, role="debugger", team="t3"),
        ev(55, Kind.FIXED, incident=2),
        ev(60, Kind.RESOLVED, incident=1),
        ev(70, Kind.LEFT, "z", incident=1, role="debugger", refocus_min=0),
    ]
    tl = timeline.busy_timeline(evs, "p", 3, incident=2)
    assert (tl.protocol, tl.replication, tl.incident, tl.category, tl.detected_at) == (
        "p",
        3,
        2,
        "single-service",
        10,
    )
    assert tl.ttr == 45 and tl.mitigated == 20 and tl.events == 12  # unresolved: up to its last event, 55
    assert tl.rooms == ((0, 10), (15, 45))  # the second room still open at the end
    assert [(p.who, p.team, p.role) for p in tl.people] == [
        ("x", "t1", "debugger"),
        ("y", "t2", "owner"),
        ("w", "", "spectator"),
    ]
    # the incident is still open when the log ends (70, incident 1's last event), so whoever is in
    # it is busy until then: x, IC from 12 and debugger from 20, is one responding bar from 2 to 60
    assert tl.people[0].spans == (("responding", 2, 60),)
    assert tl.people[1].spans == (("responding", 5, 30),)
    # w spectated from 16 to 18, then worked in a role that is not a spectator's
    assert tl.people[2].spans == (("spectating", 6, 8), ("responding", 8, 60))
    assert tl.people[1].minutes("responding") == 25 and tl.people[1].minutes("spectating") == 0
    assert tl.minutes("responding") == 58 + 25 + 52 and tl.minutes("spectating") == 2
    first = timeline.busy_timeline(evs)
    assert first.incident == 1 and first.category == "cascading"
    assert first.ttr == 60  # resolved at 60, though its log goes on to 70
    with pytest.raises(ReportError, match="without a 'detected' event in the p log"):
        timeline.busy_timeline(evs, "p", incident=9)


# -- the model description (STRESS-DES) ---------------------------------------------------------------


def described_scenario() -> str:
    text = MINIMAL_YAML.replace(
        "    - {name: app, size: 4, duties: [ic]}",
        "    - {name: app, size: 4, duties: [ic]}  # assumption: a small team",
    )
    text = text.replace(
        "  arrivals: {rate_per_week: 2}", "  arrivals: {rate_per_week: 2}  # essay: twice a week"
    )
    assert text.count("#") == 2
    return text


def description(tmp_path, run: dict | None = None, per_year: float = 36.6, **kw) -> dict[str, str]:
    """``model_description`` of a hand-written folder: item id -> its text, paragraphs joined by " | "."""
    from incsim.report.assumptions import scenario_parameters
    from incsim.report.description import model_description
    from incsim.report.results import load_results

    res = load_results(results_folder(tmp_path, files={"scenario.yaml": described_scenario()}, run=run, **kw))
    params, _ = scenario_parameters(res.scenario_text)
    sections = model_description(res, params, per_year)
    assert [s["section"] for s in sections] == [
        "1. Objectives",
        "2. Logic",
        "3. Data",
        "4. Experimentation",
        "5. Implementation",
        "6. Code access",
    ]
    return {i["id"]: " | ".join(i["text"]) for s in sections for i in s["items"]}


def test_the_description_counts_what_the_folder_holds(tmp_path):
    # MINIMAL_YAML writes 12 parameters: apiVersion, kind, metadata.name, the team's size and
    # duties, the service's team, the arrival rate, the mix, diagnosis and fix, two protocol kinds;
    # the team's line carries an assumption (size and duties: 2), the arrivals line a citation (1)
    d = description(tmp_path / "a")
    assert "the mean over the 1 replications is reported with a Student-t 95% confidence interval" in d["1.2"]
    assert "x simulated incidents a year (37)." in d["1.2"]
    assert "Scenario-based analysis of 2 protocols, compared with the baseline 'war-room'." in d["1.3"]
    assert d["1.3"].index("'war-room' (war-room): ") < d["1.3"].index("'async-first' (async-first): ")
    assert "4 engineers in 1 teams" in d["2.5.3"] and "and 1 services with owning teams" in d["2.5.3"]
    assert d["2.5.5"].startswith("Entry: category mix single-service 100%; flags none. ")
    assert (
        "Of the 12 parameters written in it, 3 carry a source comment (their own, or their section's) and 9 none"
        in d["3.1"]
    )
    assert d["3.4"].startswith("2 of the written parameters are marked as assumptions")
    assert d["4.2"] == "7 simulated days per replication; time unit: minutes."
    assert d["4.3"].startswith(
        "1 independent replications (2 simulated incidents in all, across protocols), "
        "common random numbers: every protocol meets the same incidents at the same times"
    )
    assert d["4.3"].endswith("Event logs of replication(s) 0 are kept.")
    assert d["5.1"] == "incsim on SimPy; not recorded in run.json."
    assert "from the root seed None:" in d["5.2"]
    assert d["5.4"].startswith("Wall time of this run: not recorded s.")
    assert d["6.1"].endswith("rerun with: not recorded.")


def test_the_description_reads_the_run_record(tmp_path):
    run = {
        "protocols": ["async-first", "war-room"],
        "replications": 3,
        "horizon_days": 2.5,
        "seed": 7,
        "versions": {"incsim": "1.2", "simpy": "4.1"},
        "command": ["incsim", "run", "-n", "3"],
        "wall_time_s": 3.5,
        "incidents_simulated": 50,
        "scenario_sha256": "abc123",
    }
    d = description(tmp_path / "b", run=run, per_year=1000.4, logged=(0, 2))
    assert "the mean over the 3 replications" in d["1.2"] and "incidents a year (1000)." in d["1.2"]
    assert "compared with the baseline 'async-first'." in d["1.3"]
    assert d["1.3"].index("'async-first' (async-first): ") < d["1.3"].index("'war-room' (war-room): ")
    assert "(sha256 abc123)" in d["3.1"]
    assert d["4.2"].startswith("2.5 simulated days per replication")
    assert d["4.3"].startswith("3 independent replications (50 simulated incidents in all")
    assert d["4.3"].endswith("Event logs of replication(s) 0, 2 are kept.")
    assert d["5.1"] == "incsim on SimPy; incsim 1.2, simpy 4.1."
    assert "from the root seed 7:" in d["5.2"]
    assert d["5.4"].startswith("Wall time of this run: 3.5 s.")
    assert d["6.1"] == (
        "incsim 1.2. The results folder holds the scenario exactly as run (scenario.yaml); "
        "rerun with: incsim run -n 3."
    )


def test_the_description_says_how_pairing_works_per_service(tmp_path):
    from incsim.report.assumptions import scenario_parameters
    from incsim.report.description import model_description
    from incsim.report.results import load_results

    text = MINIMAL_YAML.replace("{rate_per_week: 2}", "{rate_per_week: 2, per_service: true}")
    res = load_results(results_folder(tmp_path, files={"scenario.yaml": text}))
    d = {
        i["id"]: " ".join(i["text"])
        for s in model_description(res, scenario_parameters(text)[0], 1.0)
        for i in s["items"]
    }
    assert (
        "common random numbers: a service's n-th failure is the same incident under every protocol"
        in d["4.3"]
    )


# -- source comments of the assumptions table ---------------------------------------------------------


@pytest.mark.parametrize(
    "line, found",
    [
        ('a: "x" # note', (7, "note")),  # after a closed quote, a comment is seen again
        ("'a # b' # c", (8, "c")),  # a quote opening the line
        ("it's # c", (5, "c")),  # an apostrophe inside a word opens no quote
        ("k: 'it''s # x' # c", (15, "c")),  # '' inside single quotes is a quote, not the end
        ('k: "a\\" # b" # c', (13, "c")),  # \" inside double quotes is a quote, not the end
        ('k: "\\"" # c', (8, "c")),  # a backslash escapes one character only
        ("# c", (0, "c")),
        ("'a # b'", None),
        ("a: b#c", None),  # a # inside a word is not a comment
    ],
)
def test_trailing_comment_outside_quotes(line, found):
    from incsim.report.assumptions import trailing_comment

    assert trailing_comment(line) == found


def test_comment_rules_at_the_edges_of_a_file():
    from incsim.report.assumptions import YamlComments, scenario_parameters

    assert YamlComments("# a\n\n# b\n").preamble() == "a b"  # a file of comments is all preamble
    text = """\
a: 1   # own
# about b,
# over two lines
b: 2
# about h
h:
  i: 5
c:
  e: 1  # first half,
  f: 3  # second half
  # heads g
  g: 4
"""
    params, preamble = scenario_parameters(text)
    got = {p.path: (p.line, p.source, p.inherited_from) for p in params}
    assert preamble == ""  # the first line is a key: no preamble, and its comment is its own
    assert got["a"] == (1, "own", "")
    assert got["b"] == (4, "about b, over two lines", "")
    assert got["h.i"] == (7, "about h", "h")  # h's heading, inherited: it sits above h, not inside it
    assert got["c.e"] == (9, "first half, second half", "")
    assert got["c.f"] == (10, "first half, second half", "")
    assert got["c.g"] == (12, "heads g", "")
    with pytest.raises(ReportError, match=r"^scenario.yaml: cannot parse: "):
        scenario_parameters("a: [1,\nb: {")


def test_busy_timelines_draw_the_picked_incident_under_every_protocol(tmp_path):
    from event_helpers import ev

    from incsim.model.events import Kind
    from incsim.output import events_jsonl
    from incsim.report import timeline
    from incsim.report.results import load_results

    def log(ttr: float) -> list:
        return [
            ev(0, Kind.DETECTED, incident=1, category="single-service"),
            ev(5, Kind.JOINED, "d", incident=1, role="debugger", team="app"),
            ev(ttr, Kind.RESOLVED, incident=1),
            ev(ttr, Kind.LEFT, "d", incident=1, role="debugger"),
        ]

    incidents = (
        "replication,protocol,incident_id,category,ttr_min,engineer_hours,non_essential_hours,cost_usd\n"
        "0,war-room,1,single-service,30,1,0,10\n0,async-first,1,single-service,50,1,0,10\n"
    )
    events = events_jsonl({"war-room": log(30), "async-first": log(50)}, 0)
    res = load_results(
        results_folder(
            tmp_path / "run", files={"incidents.csv": incidents, "events/replication-000.jsonl": events}
        )
    )
    pick, lines = timeline.busy_timelines(res)
    assert (pick.replication, pick.incident) == (0, 1)
    assert [(t.protocol, t.replication, t.incident, t.ttr) for t in lines] == [
        ("war-room", 0, 1, 30),
        ("async-first", 0, 1, 50),
    ]
    assert [t.people[0].spans for t in lines] == [(("responding", 5, 30),), (("responding", 5, 50),)]
    # a log without the picked incident under one protocol is named
    partial = events_jsonl({"war-room": log(30)}, 0)
    res = load_results(
        results_folder(
            tmp_path / "partial", files={"incidents.csv": incidents, "events/replication-000.jsonl": partial}
        )
    )
    with pytest.raises(
        ReportError, match=r"replication-000.jsonl: no events of incident 1 under async-first$"
    ):
        timeline.busy_timelines(res)
    # no logged replication: nothing to draw
    res = load_results(results_folder(tmp_path / "unlogged", files={"incidents.csv": incidents}, logged=()))
    assert timeline.busy_timelines(res) == (None, [])


# The items of STRESS-DES (Monks et al. 2019, Table 1), by number and name
STRESS_ITEMS = [
    ("1.1", "Purpose of the model"),
    ("1.2", "Model outputs"),
    ("1.3", "Experimentation aims"),
    ("2.1", "Base model overview diagram"),
    ("2.2", "Base model logic"),
    ("2.3", "Scenario logic"),
    ("2.4", "Algorithms"),
    ("2.5.1", "Components: entities"),
    ("2.5.2", "Components: activities"),
    ("2.5.3", "Components: resources"),
    ("2.5.4", "Components: queues"),
    ("2.5.5", "Components: entry and exit points"),
    ("3.1", "Data sources"),
    ("3.2", "Pre-processing"),
    ("3.3", "Input parameters"),
    ("3.4", "Assumptions"),
    ("4.1", "Initialisation"),
    ("4.2", "Run length"),
    ("4.3", "Estimation approach"),
    ("5.1", "Software"),
    ("5.2", "Random sampling"),
    ("5.3", "Model execution"),
    ("5.4", "System specification"),
    ("6.1", "Computer model sharing statement"),
]


def test_the_description_has_the_stress_des_items_and_groups_the_mechanisms(tmp_path):
    from incsim.model.mechanisms import SECTIONS
    from incsim.report.assumptions import scenario_parameters
    from incsim.report.description import model_description, value_words
    from incsim.report.results import load_results

    res = load_results(results_folder(tmp_path / "run"))
    sections = model_description(res, scenario_parameters(res.scenario_text)[0], 1.0)
    items = [i for s in sections for i in s["items"]]
    assert [(i["id"], i["title"]) for i in items] == STRESS_ITEMS
    assert all(i["text"] and all(isinstance(t, str) and t for t in i["text"]) for i in items)
    by_id = {i["id"]: i["text"] for i in items}
    # 2.2 is the mechanisms of the work, the rooms, the channels and the charges, one paragraph
    # each under its group's name with a capital letter (a group with nothing to say is left out)
    heads = [t.split(": ", 1)[0] for t in by_id["2.2"]]
    groups = [SECTIONS[s][0].upper() + SECTIONS[s][1:] for s in ("work", "room", "channel", "cost")]
    assert heads == [g for g in groups if g in heads] and heads[0] == "How the work goes" and len(heads) >= 3
    assert "Rooms" in heads  # the war-room protocol opens rooms, so their rules are in play
    # 1.3: a paragraph per protocol, each sentence once, every value filled in
    for text, name in zip(by_id["1.3"][1:], ("war-room", "async-first")):
        assert text.startswith(f"'{name}' ({name}): ")
        sentences = [x.rstrip(".") for x in text.split(": ", 1)[1].split(". ") if x]
        assert len(sentences) == len(set(sentences)) and "None" not in text, text
        # what differs by protocol only: the update cadence (the schema's 15 min) is there, the
        # arrivals every protocol shares are not
        assert "The IC begins a structured update every 15 min" in text and "arrive" not in text
    assert "A room invites" in by_id["1.3"][1] and "A room invites" not in by_id["1.3"][2]
    assert value_words(None) == "off"


def test_scripted_incidents_open_the_entry_item(tmp_path):
    from incsim.report.assumptions import scenario_parameters
    from incsim.report.description import model_description
    from incsim.report.results import load_results

    def entry(text: str) -> str:
        res = load_results(results_folder(tmp_path / str(len(text)), files={"scenario.yaml": text}))
        sections = model_description(res, scenario_parameters(text)[0], 1.0)
        return next(i["text"][0] for s in sections for i in s["items"] if i["id"] == "2.5.5")

    both = MINIMAL_YAML.replace(
        "  arrivals: {rate_per_week: 2}\n",
        "  arrivals: {rate_per_week: 2}\n  scripted: [{at_min: 60, service: api}]\n",
    )
    assert entry(both).startswith(
        "Entry: 1 scripted incidents at fixed times; category mix single-service 100%"
    )


def test_scripted_incidents_alone_are_described(tmp_path):
    from incsim.report.assumptions import scenario_parameters
    from incsim.report.description import model_description
    from incsim.report.results import load_results

    only = MINIMAL_YAML.replace(
        "  arrivals: {rate_per_week: 2}\n", "  scripted: [{at_min: 60, service: api}]\n"
    )
    res = load_results(results_folder(tmp_path / "run", files={"scenario.yaml": only}))
    sections = model_description(res, scenario_parameters(only)[0], 1.0)
    entry = next(i["text"][0] for s in sections for i in s["items"] if i["id"] == "2.5.5")
    assert entry.startswith("Entry: 1 scripted incidents at fixed times. category mix single-service 100%")


def test_schema_defaults_are_what_the_scenario_leaves_out():
    from incsim.report.assumptions import scenario_parameters, schema_defaults
    from incsim.scenario.loader import load_scenario_text

    written = [p.path for p in scenario_parameters(MINIMAL_YAML)[0]]
    defaults = schema_defaults(load_scenario_text(MINIMAL_YAML, "tiny.yaml"), written)
    got = {p.path: p for p in defaults}
    # the working day of the schema (9 to 17), filled in for the one team the file writes
    assert (
        got["org.teams.app.work_hours.start"].value == "9"
        and got["org.teams.app.work_hours.end"].value == "17"
    )
    assert all(p.source == "schema default" and p.default and p.line == 0 for p in defaults)
    # nothing written, nor anything under a written value (the diagnosis distribution's own fields)
    assert not set(got) & set(written)
    assert not [p for p in got if p.startswith("incidents.categories.single-service.diagnosis.")]
    assert "apiVersion" not in got and "api_version" not in got  # written under its alias


def test_a_hybrid_protocol_s_rules_are_listed_once():
    from incsim.report.description import protocol_rules
    from incsim.scenario.loader import load_scenario_text

    text = MINIMAL_YAML + "  - {name: hybrid, kind: hybrid}\n"
    rules = protocol_rules(load_scenario_text(text, "tiny.yaml"), "hybrid")
    sentences = [x.rstrip(".") for x in rules.split(". ") if x]  # the last one keeps its full stop
    assert rules.startswith("The hybrid starts in the channel") and len(sentences) == len(set(sentences)), (
        rules
    )
