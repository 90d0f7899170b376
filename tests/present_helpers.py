"""Folders for the deck's tests: a small run of the seed organisation under hostile names, a
pilot, a review with a hostile category and a hand-written robustness study of the spec's shape."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from pathlib import Path

from incsim import api
from incsim.calibrate.folder import dumps, write_folder
from incsim.calibrate.records import Export, Incident
from incsim.calibrate.review import review
from incsim.output import sealed_json
from incsim.pilot import pilot_report
from incsim.pilot_baseline import baseline_from_results

SEED = Path(api.__file__).resolve().parent / "scenario" / "defaults" / "seed.yaml"
HOSTILE_NAME = '<script>alert("deck")</script> & co'
WAR_ROOM = "war<b>room</b>"
ASYNC = 'async "first" & </td>'
HOSTILE_CATEGORY = "<img src=x onerror=alert(1)>"
COMMAND = ["incsim", "run", "scenario.yaml", "-n", "3", "--seed", "11", "-o", "run"]


def hostile_run(root: Path) -> Path:
    """The seed organisation for 21 days, 3 replications, with a hostile scenario name and protocol names."""
    text = SEED.read_text(encoding="utf-8")
    text = text.replace("name: seed-org", f"name: '{HOSTILE_NAME}'", 1)
    text = text.replace("  - name: war-room\n", f"  - name: '{WAR_ROOM}'\n", 1)
    text = text.replace("  - name: async-first\n", f"  - name: '{ASYNC}'\n", 1)
    text = text.replace("  horizon_days: 28", "  horizon_days: 21", 1)
    # the uncertainty section names the protocols by path; the deck does not read it
    text = text[: text.index("\nuncertainty:") + 1] if "\nuncertainty:" in text else text
    src = root / "scenario.yaml"
    src.write_text(text, encoding="utf-8")
    out = root / "run"
    api.run_scenario(api.load(src), replications=3, seed=11, out_dir=out, command=COMMAND)
    return out


def pilot_folder(run: Path, root: Path) -> Path:
    """``incsim pilot --from-results RUN --improvement 0.3 --per-month 20 -o DIR``: few trials and months (fast)."""
    baseline = baseline_from_results(run, WAR_ROOM)
    out = root / "pilot"
    api.write_pilot_json(
        out, baseline, pilot_report(baseline, improvement=0.3, per_month=20, trials=100, seed=3)
    )
    return out


def review_folder(root: Path) -> Path:
    """``incsim review -o DIR`` of a made-up export over four months, one category hostile."""
    incidents = []
    for month in range(1, 5):
        for k in range(8 + month):
            start = datetime(2026, month, 1 + k * 2, 9, tzinfo=UTC)
            minutes = 30 + 7 * k + (60 if month == 4 else 0)
            incidents.append(
                Incident(
                    id=f"{month}-{k}",
                    start=start,
                    resolved=start + timedelta(minutes=minutes),
                    category=HOSTILE_CATEGORY if k % 3 == 0 else "database",
                    engineer_hours=minutes / 40,
                )
            )
    export = Export("history.json", "test", incidents, end=incidents[-1].resolved)
    result = review(export, months=3)
    out = root / "review"
    from incsim.calibrate.report import review_pages

    write_folder(out, {"review.json": dumps(result), **review_pages(result)}, command=["incsim", "review"])
    return out


ROBUSTNESS = {
    "parameters": [
        {"path": "behaviour.refocus", "low": 10, "high": 40, "dist": "uniform"},
        {"path": "protocols[war-room].room.stay_probability", "low": 0.3, "high": 1.0, "dist": "uniform"},
        {"path": "behaviour.off_hours_slowdown", "low": 1.0, "high": 2.0, "dist": "uniform"},
    ],
    "comparisons": [
        {
            "baseline": WAR_ROOM,
            "alternative": ASYNC,
            "metric": "engineer_hours",
            "mean": -9.4,
            "low": -15.2,
            "high": -2.1,
            "noise_low": -10.3,
            "noise_high": -8.6,
            "p_alternative_better": 0.93,
        },
        {
            "baseline": WAR_ROOM,
            "alternative": ASYNC,
            "metric": "ttr_min",
            "mean": 6.0,
            "low": -20.0,
            "high": 41.0,
            "noise_low": -3.0,
            "noise_high": 15.0,
            "p_alternative_better": 0.41,
        },
    ],
    "sensitivity": [
        {
            "baseline": WAR_ROOM,
            "alternative": ASYNC,
            "metric": "engineer_hours",
            "parameter": "behaviour.refocus",
            "first_order": 0.3,
            "total": 0.35,
        },
        {
            "baseline": WAR_ROOM,
            "alternative": ASYNC,
            "metric": "engineer_hours",
            "parameter": "protocols[war-room].room.stay_probability",
            "first_order": 0.61,
            "total": 0.7,
        },
        {
            "baseline": WAR_ROOM,
            "alternative": ASYNC,
            "metric": "engineer_hours",
            "parameter": "behaviour.off_hours_slowdown",
            "first_order": 0.05,
            "total": 0.4,
        },  # interactions
        {
            "baseline": WAR_ROOM,
            "alternative": ASYNC,
            "metric": "ttr_min",
            "parameter": "behaviour.refocus",
            "first_order": 0.5,
            "total": 0.6,
        },
    ],
    "flip_points": [
        {
            "baseline": WAR_ROOM,
            "alternative": ASYNC,
            "metric": "engineer_hours",
            "parameter": "protocols[war-room].room.stay_probability",
            "value": 0.35,
        },
        {
            "baseline": WAR_ROOM,
            "alternative": ASYNC,
            "metric": "engineer_hours",
            "parameter": "behaviour.refocus",
            "value": None,
        },
    ],
}


def robustness_folder(root: Path, study: dict | None = None) -> Path:
    """A robustness study's folder as the spec fixes it: a sealed robustness.json."""
    out = root / "robustness"
    out.mkdir(parents=True, exist_ok=True)
    (out / "robustness.json").write_text(sealed_json(study or ROBUSTNESS), encoding="utf-8")
    return out


def close(a: float, b: float) -> bool:
    """Equal to the CSV's 4 decimals (or both missing)."""
    if a is None or b is None:
        return a is None and b is None
    return (math.isnan(a) and math.isnan(b)) or abs(a - b) <= 1e-9 * max(1.0, abs(b))


def calibration_folder(root: Path) -> Path:
    """``incsim calibrate tests/fixtures/exports/pagerduty.json -o DIR``."""
    from incsim.calibrate.calibration import calibrate
    from incsim.calibrate.readers import read_export
    from incsim.calibrate.report import calibration_html

    export = Path(__file__).resolve().parent / "fixtures" / "exports" / "pagerduty.json"
    data = read_export(export, None)
    calib = calibrate(data, None)
    out = root / "calibration"
    write_folder(
        out,
        {"calibration.json": dumps(calib), "report.html": calibration_html(calib, data)},
        command=["incsim", "calibrate"],
    )
    return out
