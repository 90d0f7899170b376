"""Outliers seen, not swallowed: a record dated far from the others, a duration or delay far from
the rest, and a fitted value no organisation has, each set aside or refused and named."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from incsim.calibrate import outliers
from incsim.calibrate.calibration import calibrate, calibrated_scenario
from incsim.calibrate.readers import read_export
from incsim.calibrate.records import ExportError
from incsim.calibrate.review import review
from incsim.cli import app

ROOT = Path(__file__).resolve().parents[2]
runner = CliRunner()
T0 = datetime(2025, 1, 6, tzinfo=UTC)  # a Monday


def _pd(i: int, start: datetime, minutes: float, ack_s: float | None = 120.0) -> dict:
    rec = {
        "id": f"P{i}",
        "created_at": start.isoformat(),
        "status": "resolved",
        "resolved_at": (start + timedelta(minutes=minutes)).isoformat(),
        "service_name": "api",
    }
    if ack_s is not None:
        rec["seconds_to_first_ack"] = ack_s
    return rec


def _history(n_weeks: int = 52, per_week: int = 3, seed: int = 5) -> list[dict]:
    rng = np.random.default_rng(seed)
    recs = []
    for w in range(n_weeks):
        for k in range(per_week):
            start = T0 + timedelta(days=7 * w + 2 * k, hours=int(rng.integers(0, 20)))
            recs.append(
                _pd(
                    len(recs),
                    start,
                    float(np.exp(rng.normal(np.log(60), 0.8))),
                    float(np.exp(rng.normal(np.log(180), 0.5))),
                )
            )
    return recs


def _write(tmp_path: Path, recs: list[dict]) -> Path:
    path = tmp_path / "pd.json"
    path.write_text(json.dumps({"data": recs}))
    return path


@pytest.mark.parametrize("year", [2999, 1900])
def test_one_incident_dated_far_away_is_set_aside_named_and_warned(tmp_path, year):
    recs = _history()
    recs.append(_pd(999, datetime(year, 3, 1, 12, tzinfo=UTC), 45))
    exp = read_export(_write(tmp_path, recs))
    assert exp.dropped["outlier: start far from the others"] == 1
    assert [o["id"] for o in exp.outliers] == ["P999"]
    assert exp.end < datetime(2026, 1, 10, tzinfo=UTC)  # not stretched to the outlier
    cal = calibrate(exp)
    assert cal["arrivals"]["per_week"] == pytest.approx(3.0, rel=0.05)  # 156 incidents over 52 weeks
    assert cal["outliers"]["starts"][0]["id"] == "P999"
    assert any(f"P999 ({year}-03-01)" in w and "Q3 + 10 IQR" in w for w in cal["warnings"])
    assert {m["month"] for m in review(exp, 2)["months"]} == {"2025-12", "2026-01"}  # not the outlier's
    res = runner.invoke(app, ["calibrate", str(tmp_path / "pd.json")])
    assert res.exit_code == 0 and "set aside as outliers: P999" in res.output


def test_no_outlier_rule_on_a_plain_history(tmp_path):
    exp = read_export(_write(tmp_path, _history()))
    cal = calibrate(exp)
    assert (
        exp.outliers == [] and cal["outliers"]["durations"] == [] and cal["outliers"]["acknowledgement"] == []
    )
    assert not any("outlier" in w for w in cal["warnings"])


def test_a_duration_and_an_acknowledgement_far_from_the_rest_are_left_out_of_the_fits(tmp_path):
    recs = _history()
    recs[10] = _pd(10, datetime.fromisoformat(recs[10]["created_at"]), 9 * 365 * 1440.0)  # nine years open
    recs[20]["seconds_to_first_ack"] = 3e8  # nine and a half years to acknowledge
    cal = calibrate(read_export(_write(tmp_path, recs)))
    assert [o["id"] for o in cal["outliers"]["durations"]] == ["P10"]
    assert [o["id"] for o in cal["outliers"]["acknowledgement"]] == ["P20"]
    assert cal["overall"]["lognormal"]["median_min"] == pytest.approx(60, rel=0.2)
    assert cal["delays"]["acknowledgement"]["lognormal"]["median_min"] == pytest.approx(3.0, rel=0.2)
    assert cal["n"] == 155 and cal["arrivals"]["n"] == 156  # the long incident still arrived


def test_log_mad_rule_by_hand():
    # logs of 4 x 10, 4 x 20 and x: the median log is log 20 (the fifth of nine), the deviations are
    # 4 x log 2, 4 x 0 and |log x - log 20|, so the MAD is log 2 and the bound 5 x 1.4826 x log 2
    bound = 5 * 1.4826 * np.log(2)
    far, near = 20 * np.exp(bound * 1.05), 20 * np.exp(bound * 0.95)
    assert outliers.log_mad([10.0] * 4 + [20.0] * 4 + [far]) == [False] * 8 + [True]
    assert outliers.log_mad([10.0] * 4 + [20.0] * 4 + [near]) == [False] * 9
    assert outliers.log_mad([10.0] * 3 + [20.0] * 3 + [far]) == [False] * 7  # under MIN_N: no rule


def test_base_refuses_an_absurd_fitted_value(tmp_path):
    rng = np.random.default_rng(2)
    recs = [
        _pd(i, T0 + timedelta(days=3 * i), 60 + i, float(2e8 * np.exp(rng.normal(0, 0.3)))) for i in range(20)
    ]
    out = tmp_path / "out"
    res = runner.invoke(
        app,
        [
            "calibrate",
            str(_write(tmp_path, recs)),
            "--base",
            str(ROOT / "scenarios" / "seed.yaml"),
            "-o",
            str(out),
        ],
    )
    assert res.exit_code == 2, res.output
    assert "refusing to write behaviour.page_ack: the fitted page_ack median (min)" in res.output
    assert not out.exists()
    cal = calibrate(read_export(_write(tmp_path, _history())))
    cal["delays"]["acknowledgement"]["lognormal"]["median_min"] = 1e300 / 60
    with pytest.raises(ExportError, match="behaviour.page_ack: the fitted page_ack median"):
        calibrated_scenario((ROOT / "scenarios" / "seed.yaml").read_text(), "seed.yaml", cal)
    cal = calibrate(read_export(_write(tmp_path, _history())))
    cal["arrivals"]["per_week"] = 0.0001
    with pytest.raises(ExportError, match="incidents.arrivals.rate_per_week"):
        calibrated_scenario((ROOT / "scenarios" / "seed.yaml").read_text(), "seed.yaml", cal)


def test_start_fences_by_hand():
    # nine starts a day apart: Q1 = day 2, Q3 = day 6 (numpy's linear quantiles), IQR = 4 days,
    # so the fences sit 40 days out: day -38 and day 46
    times = [T0 + timedelta(days=d) for d in range(9)]
    lo, hi = outliers.fences(times)
    assert (lo, hi) == ((T0 - timedelta(days=38)).timestamp(), (T0 + timedelta(days=46)).timestamp())
    assert outliers.inside(T0 + timedelta(days=46), (lo, hi))
    assert not outliers.inside(T0 + timedelta(days=46, seconds=1), (lo, hi))
    assert outliers.fences(times[:7]) is None  # under MIN_N
    assert outliers.fences([T0] * 9) is None  # no spread
