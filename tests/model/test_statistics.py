"""The statistics incsim prints, held against values computed here by other means.

Confidence intervals against ``scipy.stats.t.interval`` on numbers chosen in the test; the
``--precision`` half-width against the paired differences of matched replications; the
pilot's power against the closed form of a one-sided test; the report's hours chart against
the intervals it is drawn from, protocol by protocol.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from incsim.experiment import relative_half_width
from incsim.intervals import clip, subtract, union
from incsim.metrics import METRICS, summarize, t_interval
from incsim.pilot import ALPHA, History, analytic_pilot, simulate_pilot
from incsim.report import charts
from incsim.report.build import key_numbers

# Per replication, the per-incident values of two protocols. Replication r meets the same
# incidents under both; ``slow`` is ``fast`` plus about 10 with a little noise, while the
# replications differ from one another by far more than that (so pairing matters). The t
# intervals of the protocols stay above zero, where every CI method agrees with the t interval.
FAST = {
    0: [80.0, 100.0],
    1: [100.0, 140.0, 90.0],
    2: [95.0],
    3: [120.0, 140.0],
    4: [85.0, 95.0, 105.0, 115.0],
}
OFFSET = {0: 9.0, 1: 11.5, 2: 10.0, 3: 8.0, 4: 12.0}


def incidents_frame(shuffle: bool = True) -> pd.DataFrame:
    """An incidents table built from FAST and OFFSET (every metric gets the same numbers, scaled)."""
    rows = []
    for r, values in FAST.items():
        for i, v in enumerate(values):
            for proto, x in (("fast", v), ("slow", v + OFFSET[r])):
                row = {"replication": r, "protocol": proto, "incident_id": i, "category": "single-service"}
                row.update({m: x * (k + 1) for k, m in enumerate(METRICS)})
                rows.append(row)
    df = pd.DataFrame(rows)
    # rows in no particular order: nothing may depend on them being sorted
    return df.sample(frac=1.0, random_state=3).reset_index(drop=True) if shuffle else df


def rep_means(proto: str) -> np.ndarray:
    """Each replication's mean per incident, in replication order."""
    return np.array(
        [np.mean([v + (OFFSET[r] if proto == "slow" else 0.0) for v in FAST[r]]) for r in sorted(FAST)]
    )


def scipy_interval(x: np.ndarray, level: float = 0.95) -> tuple[float, float]:
    return stats.t.interval(level, len(x) - 1, loc=np.mean(x), scale=stats.sem(x))


# -- confidence intervals -------------------------------------------------------------------------
def test_t_interval_defaults_to_95_percent():
    x = np.array([3.0, 7.5, 4.0, 12.0, 9.5, 6.0])
    m, lo, hi = t_interval(x)
    assert m == pytest.approx(x.mean())
    assert (lo, hi) == pytest.approx(scipy_interval(x, 0.95), rel=1e-12)
    # and a 90% interval would be visibly narrower: the check above can tell them apart
    lo90, hi90 = scipy_interval(x, 0.90)
    assert hi - lo > 1.2 * (hi90 - lo90)


@pytest.mark.parametrize("proto", ["fast", "slow"])
def test_summary_ci_per_protocol_is_the_95_percent_t_interval_of_replication_means(proto):
    summary = summarize(incidents_frame(), ["fast", "slow"], by_category=False)
    means = rep_means(proto)
    for k, metric in enumerate(METRICS):
        row = summary[
            (summary["kind"] == "protocol") & (summary["protocol"] == proto) & (summary["metric"] == metric)
        ].iloc[0]
        lo, hi = scipy_interval(means * (k + 1))
        assert lo > 0, metric  # a t interval no bound cuts
        assert row["mean"] == pytest.approx(means.mean() * (k + 1), rel=1e-12), metric
        assert (row["ci_low"], row["ci_high"]) == pytest.approx((lo, hi), rel=1e-12), metric
        assert row["n_replications"] == 5


def test_summary_paired_difference_ci_pairs_the_same_replication():
    summary = summarize(incidents_frame(), ["fast", "slow"], by_category=False)
    row = summary[(summary["kind"] == "difference") & (summary["metric"] == "ttr_min")].iloc[0]
    d = rep_means("slow") - rep_means("fast")
    assert row["protocol"] == "slow - fast"
    assert (row["ci_low"], row["ci_high"]) == pytest.approx(scipy_interval(d), rel=1e-12)
    # every paired difference is 8-12, so the paired interval lies inside that range
    assert 7 < row["ci_low"] < row["ci_high"] < 13


# -- --precision --------------------------------------------------------------------------------
def test_precision_half_width_comes_from_matched_replications():
    """Paired differences are 8-12 while the replications' means range over 90-130: a
    half-width from mismatched replications would be many times wider."""
    d = rep_means("slow") - rep_means("fast")
    lo, hi = scipy_interval(d)
    m, half = relative_half_width(incidents_frame(), "fast", "slow", "ttr_min")
    assert m == pytest.approx(d.mean(), rel=1e-12)
    assert half == pytest.approx((hi - lo) / 2, rel=1e-12)
    assert half < 3.0


def test_precision_half_width_skips_a_replication_one_protocol_lacks():
    df = incidents_frame()
    df = df[~((df["replication"] == 2) & (df["protocol"] == "slow"))]
    d = np.delete(rep_means("slow") - rep_means("fast"), 2)
    lo, hi = scipy_interval(d)
    m, half = relative_half_width(df, "fast", "slow", "ttr_min")
    assert (m, half) == pytest.approx((d.mean(), (hi - lo) / 2), rel=1e-12)


# -- the pilot's power: one-sided, in both methods -----------------------------------------------
LOGNORMAL = History(source="lognormal", mu_log=4.0, sigma_log=1.0)


def one_sided_power_geomean(n: int, f: float, sigma: float, alpha: float = ALPHA) -> float:
    """P(reject) of the one-sided z-test on mean log durations: the shift ln(1-f) against
    sd sigma*sqrt(2/n), rejected below the alpha quantile."""
    return float(stats.norm.cdf(-math.log1p(-f) / (sigma * math.sqrt(2 / n)) - stats.norm.ppf(1 - alpha)))


def one_sided_power_mean(n: int, f: float, mean: float, sd: float, alpha: float = ALPHA) -> float:
    """P(diff < critical): diff ~ N(-f mean, sd^2 (1 + (1-f)^2)/n), critical = -z sd sqrt(2/n)."""
    critical = -stats.norm.ppf(1 - alpha) * sd * math.sqrt(2 / n)
    return float(stats.norm.cdf((critical + f * mean) / (sd * math.sqrt((1 + (1 - f) ** 2) / n))))


@pytest.mark.parametrize("n, f", [(100, 0.25), (400, 0.1), (50, 0.4)])
def test_analytic_power_is_the_one_sided_closed_form(n, f):
    fig = analytic_pilot(LOGNORMAL, n, f, power_search=False)
    assert fig["geomean"]["power"] == pytest.approx(one_sided_power_geomean(n, f, 1.0), abs=1e-9)
    assert fig["mttr"]["power"] == pytest.approx(
        one_sided_power_mean(n, f, LOGNORMAL.mean, LOGNORMAL.sd), abs=1e-9
    )
    # a two-sided test would have less power by a margin the checks above cannot miss
    two_sided = one_sided_power_geomean(n, f, 1.0, alpha=ALPHA / 2)
    assert one_sided_power_geomean(n, f, 1.0) - two_sided > 0.05


def test_monte_carlo_power_is_one_sided():
    """Log durations of a lognormal baseline are normal, so the geometric mean's z-test is exact:
    20,000 trials estimate its power within about 0.01 (the critical value is simulated too)."""
    n, f = 100, 0.25
    expected = one_sided_power_geomean(n, f, 1.0)
    assert 0.5 < expected < 0.8
    mc = simulate_pilot(LOGNORMAL, n, f, trials=20_000, seed=4, power_search=False)
    assert mc["geomean"]["power"] == pytest.approx(expected, abs=0.025)
    assert expected - one_sided_power_geomean(n, f, 1.0, alpha=ALPHA / 2) > 0.1
    # with no real change the one-sided test rejects alpha of the time
    null = simulate_pilot(LOGNORMAL, n, 0.0, trials=20_000, seed=4, power_search=False)
    for name in ("mttr", "median", "geomean"):
        assert null[name]["power"] == pytest.approx(ALPHA, abs=0.01), name


# -- the report's hours chart -------------------------------------------------------------------
def test_hours_chart_whiskers_are_each_protocol_s_own_interval():
    protocols = ["fast", "slow"]
    summary = summarize(incidents_frame(), protocols, by_category=False)
    rows = key_numbers(summary, protocols, per_year=100.0)
    fig = charts.hours_figure(rows, {"fast": "#0072B2", "slow": "#E69F00"})
    ax = fig.axes[0]
    whiskers = [c for c in ax.containers if type(c).__name__ == "ErrorbarContainer"]
    assert len(whiskers) == len(protocols)
    k = {m: METRICS.index(m) + 1 for m in ("engineer_hours", "non_essential_hours")}
    for proto, container in zip(protocols, whiskers):
        segments = container.lines[2][0].get_segments()
        got = [(seg[0][1], seg[1][1]) for seg in segments]
        want = [scipy_interval(rep_means(proto) * k[m]) for m in ("engineer_hours", "non_essential_hours")]
        assert got == [pytest.approx(w, rel=1e-9) for w in want], proto


def test_t_interval_with_two_values_has_bounds_and_with_one_has_none():
    m, lo, hi = t_interval([4.0, 10.0])
    assert (m, lo, hi) == pytest.approx((7.0, *scipy_interval(np.array([4.0, 10.0]))), rel=1e-12)
    m, lo, hi = t_interval([4.0])
    assert m == 4.0 and math.isnan(lo) and math.isnan(hi)


def test_summary_rows_have_the_documented_columns_and_skip_a_protocol_without_data():
    summary = summarize(incidents_frame(), ["fast", "ghost", "slow"], by_category=False)
    documented = [
        "kind",
        "category",
        "protocol",
        "metric",
        "n_incidents",
        "n_replications",
        "mean",
        "ci_low",
        "ci_high",
        "median",
        "p90",
    ]
    assert list(summary.columns[: len(documented)]) == documented
    assert summary.notna().any().all()  # no column without a value (a misspelt key would make one)
    diffs = summary[summary["kind"] == "difference"]
    assert set(diffs["protocol"]) == {"slow - fast"}
    assert (diffs["n_incidents"] == sum(len(v) for v in FAST.values())).all()
    assert diffs["median"].isna().all() and diffs["p90"].isna().all()
    pooled = [v for r in sorted(FAST) for v in FAST[r]]
    row = summary[
        (summary["kind"] == "protocol") & (summary["protocol"] == "fast") & (summary["metric"] == "ttr_min")
    ].iloc[0]
    assert (row["median"], row["p90"]) == pytest.approx((np.median(pooled), np.percentile(pooled, 90)))


# -- interval arithmetic behind the hours --------------------------------------------------------
def test_union_merges_touching_spans_and_drops_empty_ones():
    assert union([(0.0, 1.0), (1.0, 2.0), (5.0, 5.0), (3.0, 4.0)]) == [(0.0, 2.0), (3.0, 4.0)]


def test_clip_drops_spans_that_only_touch_the_window():
    assert clip([(0.0, 5.0), (5.0, 8.0), (9.0, 12.0)], 5.0, 10.0) == [(5.0, 8.0), (9.0, 10.0)]


def test_subtract_leaves_no_empty_pieces():
    assert subtract([(0.0, 10.0)], [(0.0, 3.0), (5.0, 10.0)]) == [(3.0, 5.0)]
    assert subtract([(0.0, 10.0)], [(10.0, 12.0), (-2.0, 0.0)]) == [(0.0, 10.0)]
