"""The headline hides nothing: every decision metric whose interval excludes zero, both ways, the
categories whose verdict differs, the price of a service-minute at which cost turns, and the
"What would change the answer" section read from a robustness study of the same scenario."""

import math
import shutil

import pandas as pd
import pytest
from report_helpers import srow
from robustness_helpers import FLIP_YAML

from incsim import api
from incsim.metrics import METRICS
from incsim.report import ReportError, build_report
from incsim.report.verdicts import break_even_price, flag_verdicts, price_sentence, pricing_sentence, verdicts
from incsim.robustness import run_study


def test_every_metric_beyond_noise_is_stated_both_ways_and_categories_that_differ():
    rows = [
        srow("protocol", "war-room", "engineer_hours", 20, 18, 22),
        srow("protocol", "war-room", "customer_impact_min", 200, 180, 220),
        srow("protocol", "war-room", "ttr_min", 100, 90, 110),
        srow("difference", "async-first - war-room", "engineer_hours", -13, -14, -12),  # better
        srow("difference", "async-first - war-room", "customer_impact_min", 70, 40, 100),  # worse
        srow("difference", "async-first - war-room", "ttr_min", 4, -5, 13),  # noise: not stated overall
        # platform-wide: TTR clearly worse, where overall it is noise; engineer-hours better as overall
        srow("difference", "async-first - war-room", "ttr_min", 60, 30, 90, category="platform-wide"),
        srow(
            "difference", "async-first - war-room", "engineer_hours", -20, -25, -15, category="platform-wide"
        ),
        srow("protocol", "war-room", "ttr_min", 120, 100, 140, category="platform-wide"),
    ]
    got = verdicts(pd.DataFrame(rows), ["war-room", "async-first"], ["single-service", "platform-wide"])
    assert got == [
        "Async-first is better than war-room in engineer-hours: −13.0 per incident (95% CI −14.0 to −12.0, "
        "simulation noise only; −65% on war-room).",
        "Async-first is worse than war-room in service-minutes of customer impact: +70 per incident (95% CI +40 to "
        "+100, simulation noise only; +35% on war-room).",
        "Async-first is worse than war-room on platform-wide incidents in minutes to resolve: +60 per incident "
        "(95% CI +30 to +90, simulation noise only; +50% on war-room).",
    ]


def _incidents(labour: dict[str, list[float]], impact: dict[str, list[float]]) -> pd.DataFrame:
    rows = [
        {
            "replication": r,
            "protocol": p,
            "labour_cost_usd": labour[p][r],
            "customer_impact_min": impact[p][r],
        }
        for p in labour
        for r in range(len(labour[p]))
    ]
    return pd.DataFrame(rows)


def test_the_break_even_price_is_labour_saved_over_impact_added():
    inc = _incidents(
        {"a": [1000, 1100, 900, 1000], "b": [700, 760, 640, 700]},  # b saves 300, 340, 260, 300
        {"a": [100, 110, 90, 100], "b": [130, 140, 120, 130]},
    )  # and adds 30 service-minutes
    est = break_even_price(inc, "a", "b")
    assert est.mean == pytest.approx(300 / 30)
    assert est.low <= est.mean <= est.high and est.high < 12
    assert pricing_sentence(0.0).startswith(
        "Customer impact is not priced: costs.customer_impact_usd_per_min is 0"
    )
    assert pricing_sentence(2.5).startswith("Customer impact is priced at $2.50 per service-minute")
    text = price_sentence(inc, "a", "b")
    assert text.startswith(
        "B is cheaper than a unless a service-minute of customer impact costs more than $10.00 (95% CI $"
    )
    # both differences pull the same way: no price turns the verdict
    same = _incidents({"a": [1000, 1000], "b": [900, 950]}, {"a": [100, 100], "b": [90, 95]})
    assert break_even_price(same, "a", "b") is None
    assert price_sentence(same, "a", "b") == "B is cheaper than a at any price of a service-minute."
    # an impact difference that may be either sign: the interval has no upper bound
    loose = _incidents(
        {"a": [1000, 1000, 1000], "b": [700, 700, 700]}, {"a": [100, 100, 100], "b": [160, 90, 95]}
    )
    assert math.isinf(break_even_price(loose, "a", "b").high)
    assert "no upper bound" in price_sentence(loose, "a", "b")


@pytest.fixture(scope="module")
def folders(tmp_path_factory):
    root = tmp_path_factory.mktemp("verdicts")
    scenario = root / "flip.yaml"
    scenario.write_text(FLIP_YAML)
    loaded = api.load(scenario)
    api.run_scenario(loaded, replications=3, seed=2, out_dir=root / "run")
    run_study(loaded, samples=4, replications=2, seed=2, out_dir=root / "rob")
    return root


def test_the_report_says_what_would_change_the_answer(folders):
    md = build_report(folders / "run", "md", robustness_dir=folders / "rob")
    section = md.split("## What would change the answer")[1].split("## 1.")[0]
    assert "simulation noise alone" in section and "over the plausible assumptions" in section
    assert "when costs.customer\\_impact\\_usd\\_per\\_min is above" in section
    assert section.count("tornado-") == 2
    assert "Customer impact is priced at \\$5.00 per service-minute" in md
    plain = build_report(folders / "run", "md")
    assert "No robustness study was given" in plain and "tornado-" not in plain
    assert "These intervals cover simulation noise only" in plain


def test_a_study_of_another_scenario_is_refused(folders, tmp_path):
    other = tmp_path / "other.yaml"
    other.write_text(FLIP_YAML.replace("name: flip", "name: other"))
    run_study(api.load(other), samples=4, replications=2, seed=2, out_dir=tmp_path / "rob")
    with pytest.raises(ReportError, match="another scenario"):
        build_report(folders / "run", "md", robustness_dir=tmp_path / "rob")
    damaged = tmp_path / "damaged"
    shutil.copytree(folders / "rob", damaged)
    (damaged / "robustness.json").write_text("{}")
    with pytest.raises(ReportError, match="damaged"):
        build_report(folders / "run", "md", robustness_dir=damaged)


def test_a_flag_whose_verdict_differs_from_the_overall_one_is_stated():
    # b is faster overall (unflagged incidents: 60 min less) but slower on security incidents (30 min more)
    rows = []
    for r in range(3):
        for p, plain_ttr, sec_ttr in (("a", 200 + r, 100 + 2 * r), ("b", 140 + r, 130 + 3 * r)):
            for i in range(3):
                rows.append({"replication": r, "protocol": p, "flags": None, "ttr_min": plain_ttr + i})
            rows.append({"replication": r, "protocol": p, "flags": "security;data-loss", "ttr_min": sec_ttr})
    inc = pd.DataFrame(rows)
    for m in METRICS:
        if m != "ttr_min":
            inc[m] = 1.0
    got = flag_verdicts(inc, ["a", "b"])
    assert [g.split(":")[0] for g in got] == [
        "B is worse than a on security-flagged incidents in minutes to resolve",
        "B is worse than a on data-loss-flagged incidents in minutes to resolve",
    ]
    assert "+31 per incident" in got[0] and "+30% on a" in got[0]  # (30 + 31 + 32) / 3 over 101 on a
    # the same flag, but b slower overall too: nothing to add to the overall verdict
    inc.loc[inc["flags"].isna() & (inc["protocol"] == "b"), "ttr_min"] += 120
    assert flag_verdicts(inc, ["a", "b"]) == []


def test_a_flip_within_noise_says_so():
    from incsim.robustness.words import flip_sentence

    f = {
        "alternative": "b",
        "baseline": "a",
        "metric": "ttr_min",
        "parameter": "behaviour.channel_rounds",
        "value": 1.47,
        "base": 2.0,
        "alternative_better_above": False,
        "within_noise": True,
    }
    assert flip_sentence(f) == (
        "b becomes worse than a in time to resolve (min) when behaviour.channel_rounds is "
        "above 1.47 (the scenario has 2), within simulation noise: the difference's 95% CI "
        "includes zero on both sides"
    )
    assert flip_sentence({**f, "within_noise": False}).endswith("(the scenario has 2)")
