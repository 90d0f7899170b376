"""The fits, arrivals and review of ``calibrate/`` on small hand-worked inputs: each figure checked
against its definition (counts, moments, quantiles written out here), so a changed constant,
comparison or operator in the code shows up as a wrong number."""

from __future__ import annotations

import json
import math
import re
import warnings
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from scipy import optimize
from scipy import stats as sps

from incsim.calibrate import fit

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "exports"

T0 = datetime(2026, 1, 5, tzinfo=UTC)  # a Monday, 00:00 UTC


# -- arrivals ------------------------------------------------------------------------------------


def test_weekly_counts_by_hand():
    # weeks of 2, 0, 4 incidents: mean 2, sample variance 4, dispersion 2 over k = 3 weeks
    starts = [T0 + timedelta(hours=9), T0 + timedelta(days=6, hours=23, minutes=59)]
    starts += [T0 + timedelta(days=14 + d, hours=h) for d, h in ((0, 0), (1, 12), (5, 3), (6, 22))]
    a = fit.arrivals(list(reversed(starts)))  # order of the input does not matter
    assert a["weeks"] == 3 and a["n"] == 6 and a["per_week"] == pytest.approx(2.0)
    w = a["weekly_counts"]
    assert w["mean"] == pytest.approx(2.0) and w["variance"] == pytest.approx(4.0)
    assert w["dispersion_index"] == pytest.approx(2.0)
    assert w["p_value_poisson"] == pytest.approx(sps.chi2.sf(4.0, 2))
    assert not w["overdispersed"]  # p = e^-2 = 0.135
    # weekday share: Mon 09:00, Sun 23:59, Mon 00:00, Tue 12:00, Sat 03:00, Sun 22:00 -> 3 of 6
    assert a["weekday_share"] == pytest.approx(0.5)
    hours = a["hour_of_week"]
    assert hours[9] == pytest.approx(1 / 6) and hours[0] == pytest.approx(1 / 6)
    assert hours[6 * 24 + 23] == pytest.approx(1 / 6) and hours[24 + 12] == pytest.approx(1 / 6)
    assert hours[5 * 24 + 3] == pytest.approx(1 / 6) and hours[6 * 24 + 22] == pytest.approx(1 / 6)
    assert sum(h > 0 for h in hours) == 6


def test_a_single_week_has_no_dispersion_test():
    starts = [T0 + timedelta(days=2, hours=h) for h in (1, 5, 9)]
    a = fit.arrivals(starts)
    assert a["weeks"] == 1 and a["per_week"] == pytest.approx(3.0)
    w = a["weekly_counts"]
    assert w["variance"] == 0.0 and w["dispersion_index"] == 0.0
    assert w["p_value_poisson"] is None and w["overdispersed"] is False


def test_overdispersion_is_called_at_the_five_per_cent_level():
    # weeks 0, 0, ..., 9: a clear burst; chi-square p far below 0.05
    starts = [T0 + timedelta(days=7 * 5, minutes=m) for m in range(9)] + [T0]
    w = fit.arrivals(starts)["weekly_counts"]
    assert w["mean"] == pytest.approx(10 / 6)
    assert w["variance"] == pytest.approx(np.var([1, 0, 0, 0, 0, 9], ddof=1))
    assert w["p_value_poisson"] < 0.001 and w["overdispersed"] is True


def test_a_start_late_on_a_sunday_counts_in_its_own_week():
    # the last start's week ends at the next Monday: a start on Sunday 23:00 is in week 2 of 2
    a = fit.arrivals([T0 + timedelta(hours=1), T0 + timedelta(days=13, hours=23)])
    assert a["weeks"] == 2 and a["weekly_counts"]["variance"] == 0.0


# -- durations -----------------------------------------------------------------------------------


def test_exponential_fit_with_censoring_is_exposure_over_events():
    x = np.array([10.0, 20.0, 30.0, 40.0])
    cens = np.array([False, False, False, True])
    f = fit.fit_family("exponential", x, cens)
    assert f.params == {"mean": pytest.approx(100.0 / 3)}
    loglik = sum(sps.expon.logpdf(v, scale=100 / 3) for v in x[:3]) + sps.expon.logsf(40.0, scale=100 / 3)
    assert f.loglik == pytest.approx(loglik)
    assert f.aic == pytest.approx(2 * 1 - 2 * loglik) and f.k == 1
    assert f.mean == pytest.approx(100 / 3) and f.median == pytest.approx(100 / 3 * math.log(2))


def test_every_family_fits_its_own_sample_and_reports_its_moments():
    rng = np.random.default_rng(5)
    g = rng.gamma(3.0, 10.0, 4000)
    fg = fit.fit_family("gamma", g, np.zeros(len(g), dtype=bool))
    assert fg.params["shape"] == pytest.approx(3.0, rel=0.08) and fg.params["scale"] == pytest.approx(
        10.0, rel=0.08
    )
    assert fg.mean == pytest.approx(fg.params["shape"] * fg.params["scale"])
    assert fg.loglik == pytest.approx(sps.gamma.logpdf(g, fg.params["shape"], scale=fg.params["scale"]).sum())
    w = rng.weibull(1.5, 4000) * 60.0
    fw = fit.fit_family("weibull", w, np.zeros(len(w), dtype=bool))
    assert fw.params["shape"] == pytest.approx(1.5, rel=0.06) and fw.params["scale"] == pytest.approx(
        60.0, rel=0.05
    )
    assert fw.median == pytest.approx(60.0 * math.log(2) ** (1 / 1.5), rel=0.05)
    ln = rng.lognormal(3.0, 0.5, 4000)
    fl = fit.fit_family("lognormal", ln, np.zeros(len(ln), dtype=bool))
    assert fl.median == pytest.approx(math.exp(fl.params["mu"]))
    assert fl.mean == pytest.approx(math.exp(fl.params["mu"] + fl.params["sigma"] ** 2 / 2))
    assert fl.aic == pytest.approx(2 * 2 - 2 * fl.loglik)
    with pytest.raises(ValueError, match="unknown family 'pareto'"):
        fit.fit_family("pareto", ln, np.zeros(len(ln), dtype=bool))


def test_each_family_reports_the_censored_log_likelihood_of_its_own_distribution():
    # resolved incidents enter by their density, open ones by their survival at the time open so far
    x = np.array([12.0, 30.0, 45.0, 60.0, 95.0, 180.0, 240.0, 400.0, 75.0, 500.0])
    cens = np.array([False] * 8 + [True, True])
    for family in fit.FAMILIES:
        f = fit.fit_family(family, x, cens)
        d = f.dist()
        want = d.logpdf(x[~cens]).sum() + d.logsf(x[cens]).sum()
        assert f.loglik == pytest.approx(want, rel=1e-9), family


def test_durations_must_be_positive():
    for bad in ([], [10.0, 0.0], [5.0, -1.0]):
        with pytest.raises(ValueError, match="positive and not empty"):
            fit.fit_durations(bad)


def test_goodness_of_fit_uses_the_resolved_durations_only():
    x = [10.0, 20.0, 30.0, 1000.0]
    f = fit.fit_family("exponential", np.array(x), np.zeros(4, dtype=bool))
    g = fit.goodness_of_fit(f, x, [False, False, False, True])
    ks = sps.kstest([10.0, 20.0, 30.0], f.dist().cdf)
    assert g == {
        "test": "KS",
        "statistic": pytest.approx(ks.statistic),
        "p_value": pytest.approx(ks.pvalue),
        "n": 3,
    }


def test_kaplan_meier_at_a_tie_counts_the_resolution_before_the_censoring():
    # at t = 2 one resolution and one censoring: 4 at risk, the resolution first
    t, F = fit.kaplan_meier([1.0, 2.0, 2.0, 3.0, 4.0], [False, True, False, False, False])
    s = np.cumprod([1 - 1 / 5, 1 - 1 / 4, 1 - 1 / 2, 1 - 1 / 1])
    assert list(t) == [1.0, 2.0, 3.0, 4.0]
    assert list(F) == pytest.approx(list(1 - s))


def test_the_optimiser_is_given_only_options_it_knows():
    # scipy warns about an option it does not know and then ignores it (its default tolerance)
    x = [12.0, 30.0, 45.0, 60.0, 95.0, 180.0, 240.0, 400.0]
    with warnings.catch_warnings():
        warnings.simplefilter("error", optimize.OptimizeWarning)
        fits = fit.fit_durations(x, [False] * 7 + [True])
    assert {f.family for f in fits} == set(fit.FAMILIES)


def test_durations_without_flags_are_all_resolved():
    x = [12.0, 30.0, 45.0, 60.0, 95.0, 180.0, 240.0, 400.0]
    got, want = fit.fit_durations(x), fit.fit_durations(x, [False] * len(x))
    assert [(f.family, f.params, f.aic) for f in got] == [(f.family, f.params, f.aic) for f in want]
    assert fit.goodness_of_fit(got[0], x)["n"] == len(x)
    t, F = fit.kaplan_meier(x)
    assert list(t) == x and list(F) == pytest.approx([k / len(x) for k in range(1, len(x) + 1)])


def test_a_likelihood_of_zero_is_a_finite_penalty_for_the_optimiser():
    # the optimiser judges convergence by differences of values, and inf - inf is NaN
    x, cens = np.array([5.0, 6.0]), np.array([False, True])
    assert fit._neg_loglik(lambda v: np.full(len(v), -np.inf), lambda v: np.zeros(len(v)), x, cens) == 1e300
    assert fit._neg_loglik(lambda v: np.log(v), lambda v: -v, x, cens) == pytest.approx(6.0 - math.log(5.0))


def test_censoring_flags_of_one_and_zero_read_as_true_and_false():
    x = [12.0, 30.0, 45.0, 60.0, 95.0, 180.0, 240.0, 400.0]
    flags = [0, 0, 1, 0, 0, 1, 0, 0]
    as_bools = [bool(c) for c in flags]
    got, want = fit.fit_durations(x, flags), fit.fit_durations(x, as_bools)
    assert [(f.family, f.params) for f in got] == [(f.family, f.params) for f in want]
    assert fit.goodness_of_fit(got[0], x, flags) == fit.goodness_of_fit(want[0], x, as_bools)
    assert fit.goodness_of_fit(got[0], x, flags)["n"] == 6
    t, F = fit.kaplan_meier(x, flags)
    assert list(t) == [12.0, 30.0, 60.0, 95.0, 240.0, 400.0]
    assert list(F) == pytest.approx(list(fit.kaplan_meier(x, as_bools)[1]))


# -- small summaries -------------------------------------------------------------------------------


def test_summary_of_numbers_skips_none():
    assert fit.summary([]) is None and fit.summary([None]) is None
    s = fit.summary([4.0, None, 1.0, 2.0, 3.0, 10.0])
    assert s == {"n": 5, "mean": 4.0, "median": 3.0, "p90": pytest.approx(np.quantile([1, 2, 3, 4, 10], 0.9))}


def test_lognormal_of_logs_keeps_positive_values_and_needs_min_n():
    values = [math.e, None, 0.0, -3.0, math.e**3]
    assert fit.lognormal_of_logs(values, 3) is None
    got = fit.lognormal_of_logs(values, 2)
    assert got == {"median_min": pytest.approx(math.e**2), "sigma": pytest.approx(1.0), "n": 2}


def test_update_gaps_are_within_each_incident():
    a = [T0, T0 + timedelta(minutes=10), T0 + timedelta(minutes=40)]
    b = [T0 + timedelta(days=3), T0 + timedelta(days=3, minutes=5)]
    got = fit.update_gaps([tuple(a), tuple(b), (T0,)])
    assert got == {
        "gap_median_min": 10.0,
        "gap_mean_min": 15.0,
        "gap_p90_min": pytest.approx(np.quantile([10, 30, 5], 0.9)),
        "n": 3,
    }
    assert fit.update_gaps([(T0,), ()]) is None


# -- review --------------------------------------------------------------------------------------


def _incident(k: int, start: datetime, minutes: float | None, **kw):
    from incsim.calibrate.records import Incident

    resolved = None if minutes is None else start + timedelta(minutes=minutes)
    return Incident(id=f"i{k}", start=start, resolved=resolved, **kw)


def _export(incidents, end=None):
    from collections import Counter

    from incsim.calibrate.records import Export

    incidents = sorted(incidents, key=lambda i: i.start)
    return Export("h.json", "test", incidents, Counter({"maintenance": 2, "duplicate id": 1}), end=end)


def test_months_run_across_a_new_year_and_empty_months_are_shown():
    from incsim.calibrate.review import month_label, months_between

    assert months_between("2025-11", "2026-02") == ["2025-11", "2025-12", "2026-01", "2026-02"]
    assert months_between("2026-03", "2026-03") == ["2026-03"]
    assert month_label(datetime(987, 4, 30, tzinfo=UTC)) == "0987-04"
    incs = [_incident(k, datetime(2025, 11, 3 + k, tzinfo=UTC), 30.0 + k) for k in range(3)]
    incs += [_incident(10 + k, datetime(2026, 1, 5 + k, tzinfo=UTC), 40.0) for k in range(3)]
    from incsim.calibrate.review import review

    rows = review(_export(incs), months=None)["months"]
    assert [r["month"] for r in rows] == ["2025-11", "2025-12", "2026-01"]
    dec = rows[1]
    assert dec["incidents"] == 0 and dec["resolved"] == 0 and dec["mttr_min"] is None
    assert dec["median_min"] is None and dec["p90_min"] is None and dec["noise_band_min"] is None
    assert dec["verdict"] == "no comparison" and dec["change_min"] is None
    assert rows[2]["verdict"] == "no comparison"  # the month before has no figure
    assert rows[0]["verdict"] == "first month shown" and rows[0]["change_min"] is None


def test_each_verdict_and_what_a_review_reports():
    from incsim.calibrate.review import BAND_SEED, BAND_TRIALS, MIN_MONTH, review

    jan = [
        _incident(k, datetime(2026, 1, 2 + k, tzinfo=UTC), 600.0, engineer_hours=2.0, category="db")
        for k in range(6)
    ]
    feb = [
        _incident(10 + k, datetime(2026, 2, 2 + k, tzinfo=UTC), 60.0, customer_impact_min=5.0)
        for k in range(6)
    ]
    mar = [_incident(20 + k, datetime(2026, 3, 2 + k, tzinfo=UTC), 60.0 + k) for k in range(2)]
    mar.append(_incident(29, datetime(2026, 3, 20, tzinfo=UTC), None))  # still open
    end = datetime(2026, 3, 31, tzinfo=UTC)
    result = review(_export(jan + feb + mar, end=end), months=2)
    rows = result["months"]
    assert [r["month"] for r in rows] == ["2026-02", "2026-03"]
    feb_row, mar_row = rows
    assert feb_row["verdict"] == "better than noise" and feb_row["change_min"] == pytest.approx(-540.0)
    assert feb_row["noise_band_min"] > 0
    assert mar_row["verdict"] == f"too few incidents to judge (fewer than {MIN_MONTH})"
    assert mar_row["incidents"] == 3 and mar_row["resolved"] == 2 and mar_row["open"] == 1
    assert mar_row["mttr_min"] == pytest.approx(60.5) and mar_row["noise_band_min"] is None
    assert mar_row["engineer_hours"] is None and mar_row["customer_impact_min"] is None
    assert feb_row["customer_impact_min"] == pytest.approx(30.0) and feb_row["engineer_hours"] is None
    assert feb_row["by_category"] == {"unknown": 6}
    assert result["has_engineer_hours"] is False  # January, the only month with them, is not shown
    assert result["has_customer_impact"] is True
    assert result["categories"] == ["db", "unknown"]
    assert result["dropped"] == {"duplicate id": 1, "maintenance": 2}
    assert list(result["dropped"]) == ["duplicate id", "maintenance"]
    assert result["noise_band"] == {
        "level": 0.9,
        "trials": BAND_TRIALS,
        "seed": BAND_SEED,
        "min_month": MIN_MONTH,
        "baseline_incidents": 14,
    }
    assert result["export"] == "h.json" and result["format"] == "test"
    assert any("only 14 resolved incidents" in w for w in result["warnings"])
    full = review(_export(jan + feb + mar, end=end), months=None)["months"]
    assert full[0]["month"] == "2026-01" and full[0]["engineer_hours"] == pytest.approx(12.0)
    assert full[0]["engineer_hours_per_incident"] == pytest.approx(2.0)


def test_a_change_at_the_band_is_within_noise():
    from incsim.calibrate.review import review

    # the same six durations two months running: a change of 0 is inside any band
    incs = [
        _incident(k, datetime(2026, 1 + k // 6, 2 + k % 6, tzinfo=UTC), 20.0 + 10 * (k % 6))
        for k in range(12)
    ]
    rows = review(_export(incs), months=None)["months"]
    assert rows[1]["change_min"] == 0.0 and rows[1]["verdict"] == "within noise"


def test_review_refuses_too_few_incidents_and_no_months():
    from incsim.calibrate.records import MIN_SAMPLE, ExportError
    from incsim.calibrate.review import review

    few = [_incident(k, datetime(2026, 1, 2 + k, tzinfo=UTC), 30.0) for k in range(MIN_SAMPLE - 1)]
    with pytest.raises(
        ExportError,
        match=rf"^h\.json: {MIN_SAMPLE - 1} usable incident\(s\); a review needs at least {MIN_SAMPLE}$",
    ):
        review(_export(few))
    enough = [*few, _incident(99, datetime(2026, 1, 20, tzinfo=UTC), 30.0)]
    assert len(review(_export(enough), months=1)["months"]) == 1
    with pytest.raises(ExportError, match="^--months must be at least 1, got 0$"):
        review(_export(enough), months=0)


def test_resampled_band_is_the_half_width_of_the_central_ninety_per_cent():
    from incsim.calibrate.review import MIN_MONTH, resampled_band

    units = [1.0, 2.0, 3.0, 4.0, 10.0]

    def figures(month):
        return {"mean": sum(month) / len(month), "first": month[0] if month[0] > 2 else None, "text": "x"}

    got = resampled_band(units, 4, figures, trials=400, seed=3)
    rng = np.random.default_rng(np.random.SeedSequence(3, spawn_key=(4,)))
    picks = rng.integers(0, 5, size=(2, 400, 4))
    d = [np.mean([units[i] for i in a]) - np.mean([units[i] for i in b]) for a, b in zip(picks[0], picks[1])]
    lo, hi = np.quantile(d, [0.05, 0.95])
    assert got["mean"] == pytest.approx((hi - lo) / 2)
    assert "text" not in got  # not a number: no band
    # "first" has a value in about 9 of 25 pairs (3 of 5 units each side): fewer than half, so None
    assert got["first"] is None
    assert resampled_band(units, MIN_MONTH - 1, figures) == {} and resampled_band([], 5, figures) == {}
    assert resampled_band(units, MIN_MONTH, figures, trials=50)["mean"] > 0


def test_people_cells_and_the_band_note():
    from incsim.calibrate.review import MIN_MONTH, people_band_note, people_cell

    assert people_cell(None, "call_size_median", "{:.0f}") == "–"
    assert people_cell({"x": None}, "x", "{:.1f}") == "–"
    assert people_cell({"x": 12.54}, "x", "{:.1f}") == "12.5"
    assert people_cell({"x": 12.54, "noise_band": {"x": 3.14}}, "x", "{:.1f}") == "12.5 ±3.1"
    assert people_cell({"x": 0.5, "noise_band": {"x": None}}, "x", "{:.0%}") == "50%"
    note = people_band_note({"people_noise_band": {"baseline_incidents": 17}})
    assert "resampled from all 17 read" in note and f"fewer than {MIN_MONTH})." in note
    assert "from all 0 read" in people_band_note({})


# -- readers: which format, and why ----------------------------------------------------------------

DETECTED = [
    # each key alone decides its format
    (
        {"id": 1, "seconds_to_first_ack": 1},
        "pagerduty",
        "its records carry 'seconds_to_first_ack' (PagerDuty Analytics)",
    ),
    (
        {"id": 1, "incident_number": 1},
        "pagerduty",
        "its records carry 'incident_number' (PagerDuty Analytics)",
    ),
    (
        {"id": 1, "seconds_to_resolve": 1},
        "pagerduty",
        "its records carry 'seconds_to_resolve' (PagerDuty Analytics)",
    ),
    ({"id": 1, "service_name": 1}, "pagerduty", "its records carry 'service_name' (PagerDuty Analytics)"),
    ({"id": 1, "mitigated_at": "x"}, "rootly", "its records carry 'mitigated_at' (Rootly)"),
    ({"id": 1, "acknowledged_at": "x"}, "rootly", "its records carry 'acknowledged_at' (Rootly)"),
    ({"id": 1, "detected_at": "x"}, "rootly", "its records carry 'detected_at' (Rootly)"),
    ({"id": 1, "kind": "x"}, "rootly", "its records carry 'kind' (Rootly)"),
    (
        {"id": 1, "duration_metrics": []},
        "incidentio",
        "its records carry 'duration_metrics' (incident.io API v2)",
    ),
    (
        {"id": 1, "incident_status": []},
        "incidentio",
        "its records carry 'incident_status' (incident.io API v2)",
    ),
    (
        {"id": 1, "incident_timestamp_values": []},
        "incidentio",
        "its records carry 'incident_timestamp_values' (incident.io API v2)",
    ),
    (
        {"id": 1, "incident_status": {}, "duration_metrics": []},
        "incidentio",
        "its records carry 'duration_metrics', 'incident_status' (incident.io API v2)",
    ),
    ({"id": 1, "milestones": []}, "firehydrant", "its records carry 'milestones' (FireHydrant)"),
    (
        {"id": 1, "begin": "x", "service_key": "k", "external_desc": "d"},
        "gcloud",
        "its records carry 'begin' with 'external_desc', 'service_key' (Google Cloud incidents.json)",
    ),
    (
        {"service_name": "a", "summary": "s", "date": "1", "description": "d"},
        "aws-shd",
        "its records carry 'date', 'description', 'service_name', 'summary' (AWS Service Health Dashboard data.json)",
    ),
    (
        {"id": 1, "incident_updates": []},
        "statuspage",
        "its records carry 'incident_updates' (Statuspage or GitHub status history)",
    ),
    (
        {"id": 1, "updates": []},
        "statuspage",
        "its records carry 'updates' (Statuspage or GitHub status history)",
    ),
    (
        {"id": 1, "seconds_to_resolve": 5, "service_name": "x"},
        "pagerduty",
        "its records carry 'seconds_to_resolve', 'service_name' (PagerDuty Analytics)",
    ),
    (
        {"id": 1, "attributes": {"started_at": "x"}},
        "rootly",
        "its records carry 'attributes' (JSON:API) (Rootly)",
    ),
    (
        {"id": 1, "mitigated_at": "x", "kind": "normal"},
        "rootly",
        "its records carry 'kind', 'mitigated_at' (Rootly)",
    ),
    ({"id": 1, "begin": "x"}, None, None),  # 'begin' alone is not Google Cloud's
]


@pytest.mark.parametrize("record,fmt,why", DETECTED, ids=[str(i) for i in range(len(DETECTED))])
def test_the_format_and_the_keys_that_decided_it(tmp_path, record, fmt, why):
    from incsim.calibrate.readers import detect, detect_why
    from incsim.calibrate.records import ExportError

    path = tmp_path / "export.json"
    path.write_text(json.dumps({"incidents": [record, {"id": 2}]}))
    if fmt is None:
        with pytest.raises(
            ExportError,
            match=r"cannot tell the export's format from its fields \(begin, id\); pass --format \(pagerduty, incidentio, statuspage, gcloud, aws-shd, rootly, firehydrant, csv\) or --mapping for a CSV$",
        ):
            detect_why(path)
        return
    assert detect_why(path) == (fmt, why)
    assert detect(path) == fmt


def test_an_undecidable_record_names_at_most_twelve_of_its_fields(tmp_path):
    from incsim.calibrate.readers import detect_why
    from incsim.calibrate.records import ExportError

    path = tmp_path / "e.json"
    path.write_text(json.dumps([{f"f{k:02d}": k for k in range(15)}]))
    with pytest.raises(
        ExportError,
        match=r"from its fields \(f00, f01, f02, f03, f04, f05, f06, f07, f08, f09, f10, f11\); pass",
    ):
        detect_why(path)
    empty = tmp_path / "none.json"
    empty.write_text(json.dumps({"incidents": ["not a record"]}))
    with pytest.raises(ExportError, match=rf"^{re.escape(str(empty))}: no incident records found$"):
        detect_why(empty)


def test_read_export_refuses_contradictory_options(tmp_path):
    from incsim.calibrate.readers import read_export
    from incsim.calibrate.records import ExportError

    path = tmp_path / "e.json"
    path.write_text(json.dumps([{"id": 1, "milestones": []}]))
    with pytest.raises(
        ExportError, match="^--mapping reads a CSV; it cannot be combined with --format rootly$"
    ):
        read_export(path, "rootly", mapping=tmp_path / "cols.yaml")
    with pytest.raises(
        ExportError, match=r"a CSV needs --mapping cols\.yaml naming its start and end columns$"
    ):
        read_export(path, "csv")
    with pytest.raises(
        ExportError,
        match=r"^unknown format 'opsgenie' \(known: pagerduty, incidentio, statuspage, gcloud, aws-shd, rootly, firehydrant, csv\)$",
    ):
        read_export(path, "opsgenie")
    with pytest.raises(
        ExportError,
        match=rf"^--responses is PagerDuty's per-responder export; {re.escape(str(path))} reads as firehydrant$",
    ):
        read_export(path, responses=tmp_path / "r.json")


def test_an_export_of_a_named_format_with_no_records_says_so(tmp_path):
    from incsim.calibrate.readers import read_export
    from incsim.calibrate.records import ExportError

    path = tmp_path / "pd.json"
    path.write_text(json.dumps({"data": []}))
    with pytest.raises(ExportError, match=rf"^{re.escape(str(path))}: no incident records found$"):
        read_export(path, "pagerduty")


def test_pagerduty_responses_give_the_responders_and_the_engagement(tmp_path):
    from incsim.calibrate.readers import read_export

    # raw incidents with no responder count and no time to engage: only the responses tell them
    start = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    raw = tmp_path / "pd.json"
    raw.write_text(
        json.dumps(
            {
                "data": [
                    {
                        "id": "P1",
                        "created_at": start.isoformat(),
                        "resolved_at": (start + timedelta(hours=1)).isoformat(),
                        "status": "resolved",
                        "service_name": "api",
                    }
                ]
            }
        )
    )
    answered = {"response_status": "acknowledged", "requested_at": start.isoformat()}
    responses = tmp_path / "responses.json"
    responses.write_text(
        json.dumps(
            [
                {
                    "incident_id": "P1",
                    "responses": [
                        {
                            **answered,
                            "responder_id": "U1",
                            "responded_at": (start + timedelta(minutes=7)).isoformat(),
                        },
                        {
                            **answered,
                            "responder_id": "U2",
                            "responded_at": (start + timedelta(minutes=3)).isoformat(),
                        },
                        {**answered, "responder_id": "U3", "response_status": "declined"},
                    ],
                }
            ]
        )
    )
    (alone,) = read_export(raw).incidents
    assert alone.responders is None and alone.engage_delay_s() is None
    (inc,) = read_export(raw, responses=responses).incidents
    assert inc.responders == 2 and inc.engage_delay_s() == 180.0


def test_an_export_says_how_its_format_was_chosen():
    from incsim.calibrate.readers import read_export

    assert read_export(FIX / "firehydrant.json").detected == "its records carry 'milestones' (FireHydrant)"
    assert read_export(FIX / "firehydrant.json", "firehydrant").detected == "--format firehydrant"
    assert read_export(FIX / "pagerduty.json", "pagerduty").detected == "--format pagerduty"
    assert read_export(FIX / "generic.csv", mapping=FIX / "generic_cols.yaml").detected == "--mapping"
    assert read_export(FIX / "generic.csv", "csv", mapping=FIX / "generic_cols.yaml").format == "csv"


def test_an_import_with_every_record_dropped_names_the_commonest_reason(tmp_path):
    from incsim.calibrate.readers import read_export
    from incsim.calibrate.records import ExportError

    path = tmp_path / "fh.json"
    bad = {"id": "b", "milestones": "not a list", "created_at": 5}
    zero = {
        "id": "z",
        "started_at": "2026-01-05T10:00:00Z",
        "milestones": [
            {"type": "started", "occurred_at": "2026-01-05T10:00:00Z"},
            {"type": "resolved", "occurred_at": "2026-01-05T10:00:00Z"},
        ],
    }
    path.write_text(json.dumps({"data": [zero, {**zero, "id": "z2"}, bad]}))
    with pytest.raises(ExportError) as err:
        read_export(path)
    assert str(err.value) == (
        f"{path}: every record was dropped (3), nothing to fit; the commonest reason: "
        "zero or negative duration (2)"
    )
    path.write_text(json.dumps({"data": [bad, {**bad, "id": "c"}, zero]}))
    with pytest.raises(ExportError) as err:
        read_export(path)
    assert str(err.value).startswith(
        f"{path}: every record was dropped (3), nothing to fit; the commonest reason: malformed (2); "
        f"first: {path}: record 0 (id b): "
    )


# -- outliers ------------------------------------------------------------------------------------


def test_the_log_mad_rule_needs_eight_positive_values_and_flags_far_ones_on_either_side():
    from incsim.calibrate.outliers import MIN_N, log_mad

    typical = [90.0, 95.0, 100.0, 105.0, 110.0, 98.0, 102.0]
    assert MIN_N == 8
    assert log_mad([*typical, 0.001]) == [False] * 7 + [True]  # exactly eight: the rule applies
    assert log_mad([*typical, 1e6]) == [False] * 7 + [True]
    assert log_mad([0.0, *typical]) == [False] * 8  # seven positive values: no rule
    assert log_mad([0.0, -5.0, *typical, 0.5]) == [False] * 9 + [True]  # zero and below are not judged
    assert log_mad([100.0] * 9 + [1e6]) == [False] * 10  # no spread: nothing is far


def test_a_value_exactly_on_the_log_mad_bound_is_kept():
    from incsim.calibrate.outliers import LOG_MAD_K, MAD_SCALE, log_mad

    # four 10s and four 20s: the median log is log 20 and the MAD log 2, whatever the ninth value
    # (it is the farthest); find a ninth value whose log lies exactly on the bound, as the rule
    # computes it, by stepping along the floats from 20 e^bound
    base = [10.0] * 4 + [20.0] * 4
    logs = np.log(base)
    med = float(np.median(np.r_[logs, 99.0]))
    bound = LOG_MAD_K * (MAD_SCALE * float(np.median(np.abs(np.r_[logs, 99.0] - med))))
    x = 20.0 * math.exp(bound)
    for _ in range(200):
        gap = float(np.abs(np.log(x) - med)) - bound
        if gap == 0.0:
            break
        x = float(np.nextafter(x, -math.inf if gap > 0 else math.inf))
    assert float(np.abs(np.log(x) - med)) == bound  # found: a value on the bound
    assert log_mad([*base, x]) == [False] * 9  # "more than" the bound: on it is kept
    assert log_mad([*base, x * (1 + 1e-12)]) == [False] * 8 + [True]


def test_start_fences_apply_from_exactly_eight_starts_and_include_both_ends():
    from incsim.calibrate.outliers import fences, inside

    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    # eight starts a day apart: Q1 = day 1.75, Q3 = day 5.25 (linear), IQR = 3.5 days, fences 35
    # days out from each quartile
    lo, hi = fences([t0 + timedelta(days=d) for d in range(8)])
    assert lo == pytest.approx((t0 - timedelta(days=33.25)).timestamp(), abs=1e-3)
    assert hi == pytest.approx((t0 + timedelta(days=40.25)).timestamp(), abs=1e-3)
    bounds = (t0.timestamp() - 100.0, t0.timestamp() + 100.0)
    assert inside(t0 - timedelta(seconds=100), bounds) and inside(t0 + timedelta(seconds=100), bounds)
    assert not inside(t0 - timedelta(seconds=101), bounds)
    assert not inside(t0 + timedelta(seconds=101), bounds)


def test_a_spread_of_starts_under_a_second_is_still_a_spread():
    from incsim.calibrate.outliers import fences, inside

    t0 = datetime(2026, 1, 5, tzinfo=UTC)
    # nine starts a tenth of a second apart: IQR = 0.4 s, fences 4 s beyond the quartiles
    times = [t0 + timedelta(milliseconds=100 * k) for k in range(9)]
    lo, hi = fences(times)
    assert lo == pytest.approx(t0.timestamp() + 0.2 - 4.0, abs=1e-3)
    assert hi == pytest.approx(t0.timestamp() + 0.6 + 4.0, abs=1e-3)
    assert not inside(t0 + timedelta(hours=1), (lo, hi))


def test_a_review_with_people_figures_says_how_its_bands_were_drawn(tmp_path):
    from people_helpers import OrgParams, write_org

    from incsim.calibrate import people as pm
    from incsim.calibrate.review import PEOPLE_BAND_TRIALS, PEOPLE_COLUMNS, with_people

    slack, reports = write_org(tmp_path, OrgParams(incidents=12))
    incidents = pm.read_people(slack, reports)[1]
    month = incidents[0].month
    result = with_people({"months": [{"month": month}, {"month": "1999-01"}]}, incidents)
    shown, empty = result["months"]
    assert empty["people"] is None and result["has_people"] is True
    assert set(shown["people"]["noise_band"]) == {k for k, _, _ in PEOPLE_COLUMNS} - {"incidents"}
    assert result["people_noise_band"] == {
        "level": 0.9,
        "trials": PEOPLE_BAND_TRIALS,
        "seed": 0,
        "min_month": 3,
        "baseline_incidents": len(incidents),
    }


def test_strict_stops_at_a_malformed_record_in_every_reader():
    from incsim.calibrate.readers import read_export
    from incsim.calibrate.records import ExportError

    lenient = read_export(FIX / "incidentio.json")
    assert lenient.dropped["malformed"] == 1
    with pytest.raises(
        ExportError, match=r"incidentio\.json: record 10 \(id 01INC10\): expected a timestamp"
    ):
        read_export(FIX / "incidentio.json", strict=True)


def test_a_band_needs_values_in_half_the_pairs_and_one_missing_band_spares_the_others():
    from itertools import count

    from incsim.calibrate.review import resampled_band

    calls = count()

    def figures(month):
        pair = next(calls) // 2  # two months per pair
        return {
            "sparse": 1.0 if pair % 2 == 0 else None,
            "rare": 1.0 if pair == 0 else None,
            "mean": sum(month),
        }

    got = resampled_band([1.0, 2.0, 3.0], 3, figures, trials=4)
    assert got["sparse"] == 0.0  # two pairs of four: exactly half is enough
    assert got["rare"] is None  # one pair of four is not
    assert got["mean"] is not None and got["mean"] >= 0  # a band left out does not end the others


def test_weeks_start_on_monday_at_midnight_to_the_microsecond():
    # the first start has a fraction of a second; the second is exactly the next Monday 00:00
    starts = [T0 + timedelta(days=2, microseconds=500_000), T0 + timedelta(days=7)]
    w = fit.arrivals(starts)["weekly_counts"]
    assert w["mean"] == 1.0 and w["variance"] == 0.0  # one in each week


def test_two_weeks_of_one_incident_each_have_a_dispersion_test():
    # the fewest weeks the chi-square test takes (k - 1 = 1), at a mean of one a week
    starts = [T0 + timedelta(days=2), T0 + timedelta(days=9, hours=5)]
    a = fit.arrivals(starts)
    assert a["weeks"] == 2 and a["per_week"] == 1.0
    w = a["weekly_counts"]
    assert w["dispersion_index"] == 0.0  # no variance: as even as counts can be
    assert w["p_value_poisson"] == pytest.approx(1.0) and not w["overdispersed"]
