"""The pilot analysis's rules on inputs small enough to work out by hand.

``monte_carlo_figures`` is given five hand-written trials (no random draws), the normal approximation is
held against its closed forms computed here from the lognormal's own parameters, and the months
grid, the answer sentence and the refusals against values read off their definitions in the
module docstring of ``incsim.pilot``.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats as sps

from incsim.pilot import (
    STATISTICS,
    History,
    PilotError,
    analytic_figures,
    analytic_pilot,
    answer_sentence,
    check_arguments,
    check_sample,
    monte_carlo_figures,
    months_for_power,
    pilot_report,
    power_by_month,
    power_curve_months,
    sample_warnings,
    simulate_pilot,
    smallest_satisfying,
)

# -- the Monte Carlo figures on five hand-written trials -----------------------------------------
#
# improvement F = 0.5 (the pilot arm's statistic is halved), threshold T = 0.1, alpha = 0.25.
# Quantiles of five values interpolate linearly at position q x 4 of the sorted values.
#
# mean: baseline 10 in every trial, unscaled pilot 6, 9, 11, 16, 20
#   no-change difference s1 - s0 = -4, -1, 1, 6, 10: its 25% quantile (position 1) is -1
#   with the improvement 0.5 s1 - s0 = -7, -5.5, -4.5, -2, 0
#   power = share below -1 = 4/5 (a two-sided test, critical value at the 12.5% quantile -2.5,
#   would give 3/5); p_worse = share above 0 = 0 (0 itself is not worse)
#   90% interval: 5% quantile at position 0.2 = -7 + 0.2 x 1.5 = -6.7, 95% at 3.8 = -2 + 0.8 x 2
#   = -0.4, half-width 3.15; mean difference -19 / 5 = -3.8
#   phantom gain s1 <= 0.9 x 10: 6 and 9 (2/5); phantom loss s1 >= 1.1 x 10: 11, 16, 20 (3/5)
# median: everything twice the mean's (baseline 20), so the shares are equal and minutes double
# geometric mean: mean logs, baseline 0 (G0 = 1), pilot ln(0.5, 1, 1.5, 3, 4)
#   no-change log ratio: ln 0.5, 0, ln 1.5, ln 3, ln 4; 25% quantile 0
#   with the improvement: ln(0.25, 0.5, 0.75, 1.5, 2): below 0 three of five (power 3/5; the
#   12.5% quantile ln(0.5)/2 = -0.35 would leave two)
#   differences in minutes 0.5 G1 - G0 = -0.75, -0.5, -0.25, 0.5, 1: p_worse 2/5, mean 0,
#   90% interval -0.75 + 0.2 x 0.25 = -0.7 to 0.5 + 0.8 x 0.5 = 0.9, half-width 0.8
#   phantom gain G1 <= 0.9: 0.5 (1/5); phantom loss G1 >= 1.1: 1.5, 3, 4 (3/5)

PILOT_MEAN = [6.0, 9.0, 11.0, 16.0, 20.0]
GEO = [0.5, 1.0, 1.5, 3.0, 4.0]


def hand_draws() -> np.ndarray:
    draws = np.empty((2, 3, 5))
    draws[0, 0], draws[1, 0] = 10.0, PILOT_MEAN
    draws[0, 1], draws[1, 1] = 20.0, [2 * v for v in PILOT_MEAN]
    draws[0, 2], draws[1, 2] = 0.0, np.log(GEO)
    return draws


def test_monte_carlo_figures_on_hand_written_trials():
    got = monte_carlo_figures(hand_draws(), 0.5, 0.1, 0.25)
    assert list(got) == list(STATISTICS)
    mttr, median, geo = got["mttr"], got["median"], got["geomean"]
    assert mttr == pytest.approx(
        {
            "p_worse": 0.0,
            "p_phantom": 0.4,
            "p_phantom_worse": 0.6,
            "ci90_halfwidth_min": 3.15,
            "mean_difference_min": -3.8,
            "power": 0.8,
        }
    )
    assert median == pytest.approx(
        {
            "p_worse": 0.0,
            "p_phantom": 0.4,
            "p_phantom_worse": 0.6,
            "ci90_halfwidth_min": 6.3,
            "mean_difference_min": -7.6,
            "power": 0.8,
        }
    )
    assert geo == pytest.approx(
        {
            "p_worse": 0.4,
            "p_phantom": 0.2,
            "p_phantom_worse": 0.6,
            "ci90_halfwidth_min": 0.8,
            "mean_difference_min": 0.0,
            "power": 0.6,
        },
        abs=1e-12,
    )


def test_monte_carlo_power_is_one_sided_at_alpha():
    # alpha 0.5: the critical value is the no-change median, 1 for the mean, and all of -7, -5.5,
    # -4.5, -2 and 0 lie below it; alpha 0.05 (position 0.2): -4 + 0.2 x 3 = -3.4, three below
    assert monte_carlo_figures(hand_draws(), 0.5, 0.1, 0.5)["mttr"]["power"] == 1.0
    assert monte_carlo_figures(hand_draws(), 0.5, 0.1, 0.05)["mttr"]["power"] == pytest.approx(0.6)


# -- the normal approximation against its closed forms ---------------------------------------------

MU, SIGMA = math.log(60.0), 0.8  # a lognormal: median and geometric mean 60 min


def closed_forms(n: int, f: float, t: float, alpha: float) -> dict[str, dict]:
    mean = math.exp(MU + SIGMA**2 / 2)
    sd = mean * math.sqrt(math.exp(SIGMA**2) - 1)
    median = math.exp(MU)
    omega_median = median * SIGMA * math.sqrt(math.pi / 2)  # 1 / (2 f(m)), f(m) = 1 / (m sigma sqrt(2 pi))
    z, za, phi = sps.norm.ppf(0.95), sps.norm.ppf(1 - alpha), sps.norm.cdf
    out = {}
    for name, theta, omega in (("mttr", mean, sd), ("median", median, omega_median)):
        diff_sd = omega * math.sqrt((1 + (1 - f) ** 2) / n)
        out[name] = {
            "p_worse": phi(-f * theta / diff_sd),
            "p_phantom": phi(-t * theta / (omega * math.sqrt((1 + (1 - t) ** 2) / n))),
            "p_phantom_worse": phi(-t * theta / (omega * math.sqrt((1 + (1 + t) ** 2) / n))),
            "ci90_halfwidth_min": z * diff_sd,
            "mean_difference_min": -f * theta,
            # reject when the difference falls below -z_alpha x its no-change sd, omega sqrt(2/n)
            "power": phi((f * theta - za * omega * math.sqrt(2 / n)) / diff_sd),
        }
    log_sd = SIGMA * math.sqrt(2 / n)
    out["geomean"] = {
        "p_worse": phi(math.log(1 - f) / log_sd),
        "p_phantom": phi(math.log(1 - t) / log_sd),
        "p_phantom_worse": 1 - phi(math.log(1 + t) / log_sd),
        "ci90_halfwidth_min": z * median * SIGMA * math.sqrt((1 + (1 - f) ** 2) / n),
        "mean_difference_min": -f * median,
        "power": phi(-math.log(1 - f) / log_sd - za),
    }
    return out


@pytest.mark.parametrize(
    "n, f, t, alpha", [(40, 0.2, 0.1, 0.05), (7, 0.1, 0.25, 0.1), (300, 0.05, 0.05, 0.05)]
)
def test_the_normal_approximation_is_its_closed_form(n, f, t, alpha):
    baseline = History(source="lognormal", mu_log=MU, sigma_log=SIGMA)
    got = analytic_figures(baseline, n, f, t, alpha)
    want = closed_forms(n, f, t, alpha)
    for name in STATISTICS:
        assert got[name] == pytest.approx(want[name], rel=1e-9), name


def test_the_approximation_handles_a_baseline_without_spread():
    flat = History(source="flat", durations=np.full(50, 1.0))  # ln 1 = 0: no spread on the log scale either
    got = analytic_figures(flat, 10, 0.1, 0.1, 0.05)
    for name in STATISTICS:  # no spread: the improvement is always seen, never the wrong way
        assert got[name]["p_worse"] == 0.0 and got[name]["power"] == 1.0, name
        assert got[name]["p_phantom"] == 0.0 and got[name]["p_phantom_worse"] == 0.0, name
        assert got[name]["ci90_halfwidth_min"] == 0.0, name
        assert got[name]["mean_difference_min"] == pytest.approx(-0.1), name
    same = analytic_figures(flat, 10, 0.0, 0.1, 0.05)
    for name in STATISTICS:  # no change and no spread: a tie, as likely either way
        assert same[name]["p_worse"] == 0.5, name
    assert same["geomean"]["power"] == 0.0


def test_analytic_pilot_fixed_size_is_the_closed_form_without_sizes():
    baseline = History(source="lognormal", mu_log=MU, sigma_log=SIGMA)
    got = analytic_pilot(baseline, 40, 0.2, threshold=0.1, power_search=False)
    want = closed_forms(40, 0.2, 0.1, 0.05)
    for name in STATISTICS:
        assert got[name]["power"] == pytest.approx(want[name]["power"], rel=1e-9)
        assert (
            got[name]["months_for_80pct_power"] is None
            and got[name]["incidents_per_arm_for_80pct_power"] is None
        )


def test_analytic_months_are_the_first_month_whose_closed_form_power_reaches_80pct():
    baseline = History(source="lognormal", mu_log=MU, sigma_log=SIGMA)
    per_month = 6.0
    months = months_for_power(baseline, per_month, 0.2, method="analytic")
    for name in STATISTICS:
        powers = [closed_forms(round(per_month * k), 0.2, 0.1, 0.05)[name]["power"] for k in range(1, 121)]
        first = next(k for k, p in enumerate(powers, 1) if p >= 0.8)
        assert months[name] == first, name
    # a target of 99% needs more months than 80%, and 1 month is enough for a 20% target
    strict = months_for_power(baseline, per_month, 0.2, method="analytic", target_power=0.99)
    loose = months_for_power(baseline, per_month, 0.2, method="analytic", target_power=0.2)
    for name in STATISTICS:
        assert strict[name] > months[name] and loose[name] < months[name]
    assert months_for_power(baseline, per_month, 0.0, method="analytic") == {
        name: None for name in STATISTICS
    }
    # a rate under one incident a month is accepted, and needs more months than six a month
    slow = months_for_power(baseline, 0.5, 0.2, method="analytic")
    assert all(slow[name] is None or slow[name] > months[name] for name in STATISTICS)
    with pytest.raises(PilotError, match="unknown method"):
        months_for_power(baseline, per_month, 0.2, method="bayes")
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(PilotError, match="--per-month must be positive"):
            months_for_power(baseline, bad, 0.2, method="analytic")


# -- the search --------------------------------------------------------------------------------------


@pytest.mark.parametrize("hint", [None, 0, 1, 3, 6, 7, 8, 40, 100, 500])
def test_smallest_finds_the_first_true_step_and_none_past_the_cap(hint):
    assert smallest_satisfying(lambda k: k >= 7, 100, hint) == 7
    assert smallest_satisfying(lambda k: k >= 1, 100, hint) == 1
    assert smallest_satisfying(lambda k: k >= 100, 100, hint) == 100
    assert smallest_satisfying(lambda k: k >= 101, 100, hint) is None
    assert smallest_satisfying(lambda k: False, 100, hint) is None


# -- the months of the power curve -------------------------------------------------------------------


def curve_report(found: list, max_months: int = 120) -> dict:
    return {
        "max_months": max_months,
        **{name: {"months_for_80pct_power": m} for name, m in zip(STATISTICS, found)},
    }


def test_power_curve_months_cover_two_years_and_thin_beyond():
    assert power_curve_months(curve_report([None, None, None])) == list(range(1, 25))
    assert power_curve_months(curve_report([5, 20, None])) == list(range(1, 25))
    # last = 100: (100 - 24) / (48 - 24) = 3.17, so every 4th month from 24, then 100, plus month 30
    assert power_curve_months(curve_report([30, None, 100])) == sorted(
        set(range(1, 25)) | set(range(24, 101, 4)) | {30, 100}
    )
    # 48 months: (48 - 24) / 24 = 1, every month
    assert power_curve_months(curve_report([48, 3, None])) == list(range(1, 49))
    # 49 months: a step of 2 from 24, and 49 itself
    assert power_curve_months(curve_report([49, None, None])) == sorted(
        set(range(1, 25)) | set(range(24, 50, 2)) | {49}
    )
    # capped at max_months
    assert power_curve_months(curve_report([None, None, None], max_months=10)) == list(range(1, 11))


def test_power_by_month_is_none_without_a_rate_and_else_n_per_arm_is_the_rounded_rate():
    baseline = History(source="lognormal", mu_log=MU, sigma_log=SIGMA)
    assert power_by_month(baseline, {"per_month": None}) is None
    report = {
        "per_month": 2.6,
        "trials": 200,
        "seed": 4,
        "improvement": 0.2,
        "threshold": 0.1,
        "alpha": 0.05,
        **curve_report([None, None, None], max_months=4),
    }
    rows = power_by_month(baseline, report)
    assert [r["month"] for r in rows] == [1, 2, 3, 4]
    assert [r["n_per_arm"] for r in rows] == [3, 5, 8, 10]  # round(2.6 k): 2.6, 5.2, 7.8, 10.4
    for r in rows:
        want = closed_forms(r["n_per_arm"], 0.2, 0.1, 0.05)
        assert r["power_analytic"] == pytest.approx(
            {name: want[name]["power"] for name in STATISTICS}, rel=1e-9
        )
        mc = simulate_pilot(baseline, r["n_per_arm"], 0.2, trials=200, seed=4, power_search=False)
        assert r["power"] == {name: mc[name]["power"] for name in STATISTICS}


# -- the sentence --------------------------------------------------------------------------------------


def sentence_report(**kw) -> dict:
    base = {
        "improvement": 0.1,
        "p_worse": 0.254,
        "p_phantom": 0.126,
        "threshold": 0.1,
        "per_month": 10.0,
        "max_months": 120,
        "months": 3,
        "n_per_arm": 30,
        "months_for_80pct_power": 14,
        "incidents_per_arm_for_80pct_power": 140,
        "max_incidents_per_arm": None,
        "warnings": [],
    }
    return {**base, **kw}


def test_the_answer_sentence_in_each_case():
    assert answer_sentence(sentence_report()) == (
        "With 10 incidents a month per arm, a real 10% MTTR gain shows up with 80% power after 14 months; "
        "after a 3-month pilot there is a 25% chance its MTTR looks worse than the baseline's."
    )
    assert "after 1 month;" in answer_sentence(sentence_report(months_for_80pct_power=1))
    assert "only after more than 120 months;" in answer_sentence(sentence_report(months_for_80pct_power=None))
    per_arm = sentence_report(per_month=None, months=None, max_incidents_per_arm=3000)
    assert answer_sentence(per_arm) == (
        "With 30 incidents per arm, a real 10% MTTR gain shows up with 80% power after 140 incidents per arm; "
        "after the pilot there is a 25% chance its MTTR looks worse than the baseline's."
    )
    assert "only after more than 3000 incidents per arm;" in answer_sentence(
        {**per_arm, "incidents_per_arm_for_80pct_power": None}
    )
    assert answer_sentence(sentence_report(improvement=0.0, threshold=0.2)) == (
        "With 10 incidents a month per arm and no real change, a 3-month pilot's MTTR still looks at least "
        "20% better than the baseline's with a 13% chance."
    )
    warned = answer_sentence(sentence_report(warnings=["one", "two"]))
    assert warned.endswith("baseline's. Caution: one. Caution: two.")


# -- refusals and warnings -----------------------------------------------------------------------------


def test_check_refuses_each_input_just_outside_its_range():
    check_arguments(0.0, 0.5, 1, 100)
    check_arguments(0.999, None, None, None)
    for kw, message in (
        ({"improvement": 1.0}, "--improvement"),
        ({"improvement": -0.01}, "--improvement"),
        ({"threshold": 0.0}, "--threshold"),
        ({"threshold": 1.0}, "--threshold"),
        ({"n": 0}, "incidents per arm"),
        ({"trials": 99}, "--trials"),
    ):
        args = {"improvement": 0.1, "threshold": 0.5, "n": 1, "trials": 100, **kw}
        with pytest.raises(PilotError, match=message):
            check_arguments(**args)


def test_a_sample_below_the_floor_is_refused_and_a_small_one_warned():
    check_sample(20, "x")
    with pytest.raises(PilotError, match=r"^x: only 19 usable values; at least 20 are needed"):
        check_sample(19, "x")
    with pytest.raises(PilotError, match=r"only 1 usable value; at least 5"):
        check_sample(1, "x", minimum=5)
    assert sample_warnings(History(source="lognormal", mu_log=1.0, sigma_log=1.0)) == []
    spread = np.arange(1.0, 101.0)
    assert sample_warnings(History(source="h", durations=spread)) == []
    (warning,) = sample_warnings(History(source="h", durations=spread[:99]))
    assert warning.startswith("only 99 historical durations (fewer than 100)")
    with pytest.raises(PilotError, match="^h: only 19 usable values"):
        sample_warnings(History(source="h", durations=spread[:19]))
    with pytest.raises(PilotError, match="^h: every duration is the same"):
        sample_warnings(History(source="h", durations=np.full(30, 7.0)))


@pytest.mark.parametrize(
    "kw, message",
    [
        ({"per_arm": 10, "per_month": 5.0}, "^give either --per-arm or --per-month"),
        ({"per_arm": 10, "months": 2}, "^give either --per-arm or --per-month"),
        ({}, "^give the pilot's size: --per-arm N"),
        ({"per_month": 5.0, "months": 0}, "^--months must be at least 1, got 0$"),
        ({"per_month": 0.0}, "^--per-month must be positive"),
        ({"per_month": -2.0}, "^--per-month must be positive"),
        ({"per_month": math.inf}, "^--per-month must be positive"),
        ({"per_arm": 10, "seed": -1}, "^--seed must be non-negative, got -1$"),
        ({"per_arm": 0, "seed": 1}, "^incidents per arm must be at least 1, got 0$"),
    ],
)
def test_pilot_report_refuses_inconsistent_sizes(kw, message):
    with pytest.raises(PilotError, match=message):
        pilot_report(History(source="lognormal", mu_log=MU, sigma_log=SIGMA), trials=100, **kw)


def test_pilot_report_sizes_and_inputs():
    baseline = History(source="lognormal", mu_log=MU, sigma_log=SIGMA)
    monthly = pilot_report(baseline, per_month=4.4, trials=100, seed=2, max_months=6)
    # the default pilot is 3 months: round(4.4 x 3) = 13 per arm
    assert (monthly["n_per_arm"], monthly["months"], monthly["per_month"]) == (13, 3, 4.4)
    assert monthly["max_incidents_per_arm"] is None and monthly["max_months"] == 6
    assert (monthly["alpha"], monthly["target_power"], monthly["seed"], monthly["seed_was_drawn"]) == (
        0.05,
        0.8,
        2,
        False,
    )
    assert monthly["warnings"] == []  # a lognormal baseline has no sample to be short of
    # every figure the report gives is defined in it, the test's one-sidedness included
    assert {
        "p_worse",
        "p_phantom",
        "ci90_halfwidth_min",
        "power",
        "months_for_80pct_power",
        "analytic",
    } <= set(monthly["definitions"])
    assert monthly["definitions"]["power"].startswith("P(one-sided test at alpha rejects no-change)")
    short = pilot_report(History(source="h", durations=np.arange(1.0, 51.0)), per_arm=5, trials=100, seed=1)
    assert short["warnings"] == [
        "only 50 historical durations (fewer than 100): the tail of the distribution "
        "is barely seen, so these figures are rough and likely too optimistic"
    ]
    tiny = pilot_report(baseline, per_month=0.1, months=1, trials=100, seed=2, max_months=2)
    assert tiny["n_per_arm"] == 1  # round(0.1) = 0, but an arm has at least one incident
    fixed = pilot_report(baseline, per_arm=25, trials=100, seed=2, improvement=0.3, threshold=0.2)
    assert fixed["max_incidents_per_arm"] == 3000 and fixed["months"] is None
    assert (fixed["improvement"], fixed["threshold"], fixed["trials"]) == (0.3, 0.2, 100)
    mc = simulate_pilot(baseline, 25, 0.3, threshold=0.2, trials=100, seed=2, power_search=False)
    approx = analytic_pilot(baseline, 25, 0.3, threshold=0.2, power_search=False)
    for key in ("p_worse", "p_phantom", "ci90_halfwidth_min"):
        assert fixed[key] == mc["mttr"][key]  # the top level is the Monte Carlo's MTTR
    for name in STATISTICS:
        assert fixed[name]["power"] == mc[name]["power"]
        assert fixed[name]["analytic"]["power"] == approx[name]["power"]
    drawn = pilot_report(baseline, per_arm=5, trials=100)
    assert drawn["seed_was_drawn"] is True and 0 <= drawn["seed"] < 2**32


def test_the_monte_carlo_seed_defaults_to_zero():
    baseline = History(source="lognormal", mu_log=MU, sigma_log=SIGMA)
    default = simulate_pilot(baseline, 12, 0.2, trials=300, power_search=False)
    assert default == simulate_pilot(baseline, 12, 0.2, trials=300, seed=0, power_search=False)
    assert default != simulate_pilot(baseline, 12, 0.2, trials=300, seed=1, power_search=False)
