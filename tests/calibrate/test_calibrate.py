"""Importers (one hand-built fixture per vendor, shaped like its documented export), censored
fits, and ``incsim calibrate`` on the command line."""

from __future__ import annotations

import json
from datetime import UTC
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from incsim.calibrate import fit
from incsim.calibrate.calibration import calibrate, calibrated_scenario
from incsim.calibrate.readers import detect, read_export
from incsim.calibrate.records import MIN_SAMPLE, ExportError
from incsim.cli import app
from incsim.files import check_seal
from incsim.scenario.loader import load_scenario_text

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
ROOT = Path(__file__).resolve().parents[2]
DURATIONS = [30.0, 45.0, 60.0, 90.0, 120.0, 240.0]  # the resolved incidents of every fixture
runner = CliRunner()

# file, format, dropped table (reason -> count)
CASES = [
    ("pagerduty.json", "pagerduty", {"duplicate id": 1, "zero or negative duration": 1, "malformed": 1}),
    ("pagerduty.csv", "pagerduty", {"malformed": 1}),
    (
        "incidentio.json",
        "incidentio",
        {"test mode": 1, "tutorial mode": 1, "status declined": 1, "malformed": 1},
    ),
    ("statuspage.json", "statuspage", {"maintenance": 1, "duplicate id": 1}),
    ("rootly.json", "rootly", {"test incident": 1, "example incident": 1, "cancelled": 1}),
    ("firehydrant.json", "firehydrant", {"zero or negative duration": 1}),
    ("github_status.jsonl", "statuspage", {"malformed": 1, "maintenance": 1}),
]


@pytest.mark.parametrize("name,fmt,dropped", CASES, ids=[c[0] for c in CASES])
def test_reader_keeps_resolved_and_open_and_says_what_it_dropped(name, fmt, dropped):
    path = FIX / name
    assert detect(path) == fmt
    exp = read_export(path)
    assert exp.format == fmt
    assert dict(exp.dropped) == dropped
    resolved = sorted(i.duration_min(exp.end) for i in exp.incidents if not i.censored)
    assert resolved == DURATIONS
    open_ = [i for i in exp.incidents if i.censored]
    assert len(open_) == (0 if name.endswith(".jsonl") else 1)  # open incidents are kept, censored
    durations, censored = exp.durations()
    assert sorted(d for d, c in zip(durations, censored) if not c) == DURATIONS
    assert all(d > 0 for d in durations)  # an incident open for no time carries no information


def test_malformed_records_are_located_and_strict_stops():
    exp = read_export(FIX / "pagerduty.json")
    assert exp.problems == [
        f"{FIX / 'pagerduty.json'}: record 9 (id PINC9): not an ISO 8601 timestamp: 'yesterday'"
    ]
    with pytest.raises(ExportError, match=r"pagerduty\.json: record 9 \(id PINC9\)"):
        read_export(FIX / "pagerduty.json", strict=True)
    lines = read_export(FIX / "github_status.jsonl")
    assert lines.problems[0].startswith(f"{FIX / 'github_status.jsonl'}:4: not valid JSON")
    csv_ = read_export(FIX / "pagerduty.csv")
    assert csv_.problems[0].startswith(f"{FIX / 'pagerduty.csv'}:9: ")


def test_pagerduty_fields_and_responses():
    exp = read_export(FIX / "pagerduty.json", responses=FIX / "pagerduty_responses.json")
    by_id = {i.id: i for i in exp.incidents}
    first = by_id["PINC0"]
    assert first.responders == 2  # the declined responder is not counted
    assert first.ack_delay_s() == 120 and first.engage_delay_s() == 300
    assert first.interruptions == {"business": 1, "off": 0, "sleep": 0}
    assert first.engineer_hours == pytest.approx(1.0)
    assert by_id["PINC2"].team == "payments"  # read through the key with a stray quote
    assert by_id["PINC5"].category == "major"


def test_incidentio_timestamps_roles_and_workload():
    exp = read_export(FIX / "incidentio.json")
    inc = next(i for i in exp.incidents if i.id == "01INC1")
    assert inc.ack_delay_s() == 4 * 60
    assert inc.responders == 2  # an unassigned role is nobody
    assert inc.workload_min == {"business": 67.5, "off": 22.5, "sleep": 0.0}
    assert inc.severity == "Major"


def test_statuspage_updates_and_groups():
    exp = read_export(FIX / "statuspage.json")
    first = next(i for i in exp.incidents if i.id == "sp0")
    assert len(first.updates) == 3 and first.service == "API" and first.category == "one component"
    assert next(i for i in exp.incidents if i.id == "sp4").category == "several components"
    assert first.customer_impact_min == 30.0


def test_csv_with_mapping_and_mapping_errors(tmp_path):
    exp = read_export(FIX / "generic.csv", mapping=FIX / "generic_cols.yaml")
    assert dict(exp.dropped) == {"skipped: Env=staging": 1, "malformed": 1}
    assert sorted(i.duration_min(exp.end) for i in exp.incidents if not i.censored) == DURATIONS
    bad = tmp_path / "cols.yaml"
    bad.write_text("start: Opened\nend: Shut\n")
    with pytest.raises(ExportError, match=r"cols\.yaml:2:6: end: column 'Shut' is not in the CSV's header"):
        read_export(FIX / "generic.csv", mapping=bad)
    with pytest.raises(ExportError, match="needs --mapping"):
        read_export(FIX / "generic.csv", "csv")


def test_unreadable_exports_are_one_line(tmp_path):
    broken = tmp_path / "x.json"
    broken.write_text('{"incidents": [\n{"id": 1,, }]}')
    with pytest.raises(ExportError, match=r"x\.json:2:10: not valid JSON"):
        read_export(broken, "statuspage")
    with pytest.raises(ExportError, match="no such file"):
        read_export(tmp_path / "missing.json")
    odd = tmp_path / "odd.json"
    odd.write_text('[{"id": "a", "foo": 1}]')
    with pytest.raises(ExportError, match="cannot tell the export's format"):
        read_export(odd)


# -- fits -------------------------------------------------------------------------------------


def test_censored_lognormal_fit_recovers_parameters_where_ignoring_censoring_is_biased():
    rng = np.random.default_rng(7)
    true = rng.lognormal(4.0, 1.0, 3000)
    cutoff = rng.exponential(300.0, 3000)  # independent censoring: still open at export time
    cens = true > cutoff
    seen = np.where(cens, cutoff, true)
    assert 0.1 < cens.mean() < 0.5
    f = fit.fit_family("lognormal", seen, cens)
    assert abs(f.params["mu"] - 4.0) < 0.08 and abs(f.params["sigma"] - 1.0) < 0.06
    naive = fit.fit_family("lognormal", seen, np.zeros_like(cens))
    assert naive.params["mu"] < 3.85  # treating open incidents as resolved shortens them


def test_uncensored_lognormal_fit_is_the_closed_form_and_aic_picks_the_family():
    rng = np.random.default_rng(3)
    x = rng.lognormal(4.2, 1.1, 800)
    fits = fit.fit_durations(x)
    assert fits[0].family == "lognormal"
    logn = fits[0]
    assert logn.params["mu"] == pytest.approx(np.log(x).mean(), abs=1e-5)
    assert logn.params["sigma"] == pytest.approx(np.log(x).std(), abs=1e-5)
    g = rng.gamma(4.0, 20.0, 1500)
    assert fit.fit_durations(g)[0].family == "gamma"
    w = rng.weibull(0.7, 1500) * 90
    assert fit.fit_durations(w)[0].family == "weibull"
    gof = fit.goodness_of_fit(logn, x)
    assert gof["statistic"] < 0.05 and gof["p_value"] > 0.05


def test_kaplan_meier_without_censoring_is_the_ecdf():
    x = [5.0, 1.0, 3.0, 2.0]
    t, F = fit.kaplan_meier(x)
    assert list(t) == [1.0, 2.0, 3.0, 5.0] and list(F) == pytest.approx([0.25, 0.5, 0.75, 1.0])
    t, F = fit.kaplan_meier([1.0, 2.0, 3.0, 4.0], [False, True, False, False])
    assert (
        list(t) == [1.0, 3.0, 4.0] and F[-1] == pytest.approx(1.0) and F[1] == pytest.approx(1 - 0.75 * 0.5)
    )


def test_arrivals_profile_and_overdispersion():
    from datetime import datetime, timedelta

    t0 = datetime(2026, 1, 5, tzinfo=UTC)  # Monday 00:00
    poisson_like = [t0 + timedelta(days=7 * w, hours=10 + k) for w in range(20) for k in range(3)]
    a = fit.arrivals(poisson_like)
    assert a["per_week"] == pytest.approx(3.0) and a["weekday_share"] == 1.0
    assert len(a["hour_of_week"]) == 168 and sum(a["hour_of_week"]) == pytest.approx(1.0)
    assert a["hour_of_week"][10] == pytest.approx(1 / 3)
    assert not a["weekly_counts"]["overdispersed"]
    bursty = [
        t0 + timedelta(days=7 * w, minutes=k) for w in range(20) for k in range(12 if w % 4 == 0 else 1)
    ]
    assert fit.arrivals(bursty)["weekly_counts"]["overdispersed"]


# -- calibration and the command --------------------------------------------------------------


def test_small_samples_are_refused_or_flagged(tmp_path):
    exp = read_export(FIX / "statuspage.json")
    cal = calibrate(exp)
    assert cal["n"] == 7 and any("rough" in w for w in cal["warnings"])
    few = exp.__class__(exp.source, exp.format, exp.incidents[: MIN_SAMPLE - 1], exp.dropped, [], exp.end)
    with pytest.raises(ExportError, match=f"needs at least {MIN_SAMPLE}"):
        calibrate(few)
    by = calibrate(exp, "severity")
    assert by["groups"] == [] and sum(by["too_small"].values()) == 7


def test_calibrate_json_shape():
    res = runner.invoke(app, ["calibrate", str(FIX / "statuspage.json"), "--json"])
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    g = doc["groups"][0]
    assert set(g) >= {"group", "n", "best_family", "median_min", "log_sd", "mean_min", "aic", "gof"}
    assert set(g["aic"]) == set(fit.FAMILIES) and g["best_family"] == min(g["aic"], key=g["aic"].get)
    assert g["n"] == 7 and doc["dropped"] == {"duplicate id": 1, "maintenance": 1}
    assert set(doc["arrivals"]) >= {"per_week", "weekday_share", "hour_of_week"}
    assert len(doc["arrivals"]["hour_of_week"]) == 168
    gaps = [30 / 3, 30 - 10, 45 / 3, 45 - 15, 20, 40, 30, 60, 40, 80, 80, 160]
    assert doc["updates"]["gap_median_min"] == pytest.approx(float(np.median(gaps)))


def test_calibrate_errors_are_one_line(tmp_path):
    res = runner.invoke(app, ["calibrate", str(FIX / "pagerduty.json"), "--strict"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert res.output.strip().endswith("not an ISO 8601 timestamp: 'yesterday'")
    assert len(res.output.strip().splitlines()) == 1
    res = runner.invoke(app, ["calibrate", str(tmp_path / "nope.json")])
    assert res.exit_code == 2 and res.output.strip() == f"{tmp_path / 'nope.json'}: no such file"


def test_report_and_base_scenario(tmp_path):
    out = tmp_path / "cal"
    res = runner.invoke(
        app,
        [
            "calibrate",
            str(FIX / "incidentio.json"),
            "--base",
            str(ROOT / "scenarios" / "seed.yaml"),
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    html = (out / "report.html").read_text()
    assert "<script" not in html and "http://" not in html.replace("http://www.w3.org", "")
    assert html.count("<svg") == 2 and "status declined" in html
    manifest = check_seal(out)  # sealed, every file whole: the same run.json as every folder
    assert (out / "run.json").is_file() and manifest["kind"] == "calibration"
    assert {e["path"] for e in manifest["files"]} == {"calibration.json", "report.html", "scenario.yaml"}
    text = (out / "scenario.yaml").read_text()
    scn = load_scenario_text(text, "scenario.yaml")
    cal = json.loads((out / "calibration.json").read_text())
    diag = scn.incidents.categories["single-service"].diagnosis
    assert diag.median == pytest.approx(round(cal["overall"]["lognormal"]["median_min"], 1))
    assert scn.incidents.arrivals.rate_per_week == pytest.approx(round(cal["arrivals"]["per_week"], 3))
    profile = scn.incidents.arrivals.profile  # when in the week incidents start, as fitted
    assert profile.timezone == "utc" and profile.weekday is None and profile.hour is None
    assert profile.hour_of_week == pytest.approx([168 * w for w in cal["arrivals"]["hour_of_week"]], abs=1e-4)
    # n=6: the open incident was posted at the very end of the export, so it enters no fit
    assert "calibrated: incidentio.json, group all, n=6" in text
    assert scn.behaviour.page_ack.dist == "lognormal"  # from the acknowledgement timestamps
    again = calibrated_scenario((ROOT / "scenarios" / "seed.yaml").read_text(), "seed.yaml", cal)
    assert again == text  # same input, same bytes


def test_check_cli_table_json_and_page(tmp_path, minimal_yaml):
    scn = tmp_path / "tiny.yaml"
    scn.write_text(minimal_yaml)
    out = tmp_path / "check"
    res = runner.invoke(
        app,
        [
            "calibrate",
            str(FIX / "statuspage.json"),
            "--check",
            str(scn),
            "-n",
            "2",
            "--seed",
            "3",
            "-o",
            str(out),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    doc = json.loads(res.stdout)
    assert doc["history"]["n"] == 6  # resolved incidents only
    assert doc["history"]["quantiles_min"]["0.5"] == pytest.approx(float(np.median(DURATIONS)))
    for proto in ("war-room", "async-first"):
        r = doc["protocols"][proto]
        assert r["n"] > 0 and 0.0 <= r["ks_distance"] <= 1.0
    html = (out / "check.html").read_text()
    assert "<script" not in html and html.count("<svg") == 1 and "KS distance" in html
    assert json.loads((out / "check.json").read_text()) == doc


@pytest.mark.parametrize("name", sorted({c[0] for c in CASES} | {"generic.csv"}))
def test_truncated_or_damaged_exports_fail_cleanly(name, tmp_path):
    """Cut every fixture at many points and flip bytes: the import either succeeds or raises
    ExportError (one line), never anything else."""
    data = (FIX / name).read_bytes()
    rng = np.random.default_rng(len(data))  # seeded by the file's size: the same cuts every run
    cuts = sorted(set(rng.integers(0, len(data), 25).tolist()) | {0, 1, len(data) // 2})
    damaged = [data[:c] for c in cuts]
    for _ in range(10):
        b = bytearray(data)
        b[int(rng.integers(len(b)))] = int(rng.integers(256))
        damaged.append(bytes(b))
    mapping = FIX / "generic_cols.yaml" if name.endswith(".csv") and name.startswith("generic") else None
    target = tmp_path / name
    for blob in damaged:
        target.write_bytes(blob)
        try:
            exp = read_export(target, "pagerduty" if name == "pagerduty.csv" else None, mapping=mapping)
        except ExportError as exc:
            assert "\n" not in str(exc)
            continue
        assert all(i.resolved is None or i.resolved > i.start for i in exp.incidents)


def test_same_export_same_json_bytes():
    a = runner.invoke(app, ["calibrate", str(FIX / "rootly.json"), "--json", "--by", "service"])
    b = runner.invoke(app, ["calibrate", str(FIX / "rootly.json"), "--json", "--by", "service"])
    assert a.exit_code == 0 and a.stdout == b.stdout


def test_names_from_an_export_are_text_in_every_page(tmp_path):
    doc = json.loads((FIX / "statuspage.json").read_text())
    for inc in doc["incidents"]:
        inc["components"] = [{"id": "c", "name": "<script>alert(1)</script>"}]
    hostile = tmp_path / "hostile.json"
    hostile.write_text(json.dumps(doc))
    res = runner.invoke(app, ["calibrate", str(hostile), "--by", "service", "-o", str(tmp_path / "cal")])
    assert res.exit_code == 0, res.output
    html = (tmp_path / "cal" / "report.html").read_text()
    assert "<script" not in html and "&lt;script&gt;" in html
    res = runner.invoke(app, ["review", str(hostile), "-o", str(tmp_path / "rev")])
    assert res.exit_code == 0, res.output
    assert "<script" not in (tmp_path / "rev" / "review.html").read_text()


def test_base_scenario_takes_each_category_from_its_own_group(tmp_path):
    rows = ["id,start,end,kind"]
    for k, d in enumerate(DURATIONS * 2):
        kind = "single-service" if k < 6 else "cascading"
        minutes = d if k < 6 else 3 * d
        start = np.datetime64("2026-02-02T10:00") + np.timedelta64(2 * k, "D")
        end = start + np.timedelta64(int(minutes), "m")
        rows.append(f"i{k},{start}Z,{end}Z,{kind}")
    (tmp_path / "h.csv").write_text("\n".join(rows) + "\n")
    (tmp_path / "cols.yaml").write_text("start: start\nend: end\nid: id\ncategory: kind\n")
    out = tmp_path / "cal"
    res = runner.invoke(
        app,
        [
            "calibrate",
            str(tmp_path / "h.csv"),
            "--mapping",
            str(tmp_path / "cols.yaml"),
            "--by",
            "category",
            "--base",
            str(ROOT / "scenarios" / "seed.yaml"),
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 0, res.output
    scn = load_scenario_text((out / "scenario.yaml").read_text(), "scenario.yaml")
    cats = scn.incidents.categories
    single, casc = cats["single-service"].diagnosis.median, cats["cascading"].diagnosis.median
    assert casc == pytest.approx(3 * single, rel=0.01)
    assert single == pytest.approx(float(np.exp(np.log(DURATIONS).mean())), rel=0.01)
    overall = json.loads((out / "calibration.json").read_text())["overall"]
    assert cats["platform-wide"].diagnosis.median == pytest.approx(
        overall["lognormal"]["median_min"], rel=0.01
    )
    assert all(c.fix is None for c in cats.values())
