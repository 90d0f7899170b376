"""``incsim review``: per-month figures from the export, each change judged against the noise band."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from incsim.calibrate.records import MIN_SAMPLE, Export, ExportError, Incident
from incsim.calibrate.review import noise_band, review
from incsim.cli import app
from incsim.pilot import History

FIX = Path(__file__).resolve().parents[1] / "fixtures" / "exports"
runner = CliRunner()


def _export(per_month: dict[str, list[float]]) -> Export:
    incidents = []
    for label, durations in per_month.items():
        y, m = map(int, label.split("-"))
        for k, d in enumerate(durations):
            start = datetime(y, m, 1 + k % 27, 10, tzinfo=UTC)
            incidents.append(
                Incident(
                    id=f"{label}-{k}",
                    start=start,
                    resolved=start + timedelta(minutes=d),
                    category="db" if k % 2 else "api",
                    engineer_hours=d / 30.0,
                )
            )
    end = max(i.resolved for i in incidents)
    return Export("history.json", "test", sorted(incidents, key=lambda i: i.start), end=end)


def test_monthly_figures_and_verdicts():
    rng = np.random.default_rng(11)
    usual = lambda n: list(np.round(rng.lognormal(4.0, 0.6, n), 1))
    months = {"2026-01": usual(20), "2026-02": usual(20), "2026-03": [x * 6 for x in usual(20)]}
    result = review(_export(months), months=None)
    rows = {r["month"]: r for r in result["months"]}
    feb = rows["2026-02"]
    d = np.asarray(months["2026-02"])
    assert feb["mttr_min"] == pytest.approx(d.mean()) and feb["median_min"] == pytest.approx(np.median(d))
    assert feb["p90_min"] == pytest.approx(np.quantile(d, 0.9))
    assert feb["engineer_hours"] == pytest.approx(d.sum() / 30.0)
    assert feb["by_category"] == {"api": 10, "db": 10}
    assert feb["verdict"] == "within noise"  # the same process, month after month
    assert rows["2026-03"]["verdict"] == "worse than noise"  # six times slower is not noise
    assert rows["2026-03"]["change_min"] == pytest.approx(rows["2026-03"]["mttr_min"] - feb["mttr_min"])


def test_months_option_keeps_the_latest_and_a_change_for_the_first_shown():
    rng = np.random.default_rng(2)
    months = {f"2026-0{m}": list(rng.lognormal(4.0, 0.5, 8)) for m in range(1, 7)}
    result = review(_export(months), months=3)
    assert [r["month"] for r in result["months"]] == ["2026-04", "2026-05", "2026-06"]
    assert result["months"][0]["change_min"] is not None


def test_noise_band_narrows_with_more_incidents():
    base = History(source="x", durations=np.random.default_rng(0).lognormal(4.0, 1.0, 500))
    small, large = noise_band(base, 5), noise_band(base, 80)
    assert small > 2.5 * large  # ~ 1/sqrt(n): sqrt(16) = 4 with Monte Carlo slack
    assert noise_band(base, 2) is None


def test_small_exports_are_refused_and_thin_ones_warned():
    with pytest.raises(ExportError, match=f"needs at least {MIN_SAMPLE}"):
        review(_export({"2026-01": [30.0, 40.0]}))
    result = review(_export({"2026-01": [30.0, 40.0, 50.0], "2026-02": [20.0, 60.0, 70.0]}))
    assert result["warnings"] and "thin baseline" in result["warnings"][0]


def test_cli_writes_html_and_markdown(tmp_path):
    out = tmp_path / "rev"
    res = runner.invoke(app, ["review", str(FIX / "statuspage.json"), "-o", str(out)])
    assert res.exit_code == 0, res.output
    html = (out / "review.html").read_text()
    assert "<script" not in html and html.count("<svg") == 1
    md = (out / "review.md").read_text()
    assert "| 2026-01 |" in md and "(review_charts/mttr.svg)" in md
    assert (out / "review_charts" / "mttr.svg").read_text().startswith("<?xml")
    doc = json.loads((out / "review.json").read_text())
    assert sum(m["incidents"] for m in doc["months"]) == 7
    again = runner.invoke(app, ["review", str(FIX / "statuspage.json"), "--json"])
    assert json.loads(again.stdout) == doc  # same export, same figures
