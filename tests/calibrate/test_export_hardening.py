"""Hostile values in an export: each one refused with one located line, never a traceback."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from incsim.calibrate.readers import read_export
from incsim.calibrate.records import ExportError
from incsim.cli import app

runner = CliRunner()


def _good(i: int) -> dict:
    return {
        "id": f"P{i}",
        "created_at": f"2026-01-{i + 1:02d}T10:00:00Z",
        "status": "resolved",
        "resolved_at": f"2026-01-{i + 1:02d}T11:00:00Z",
        "service_name": "api",
    }


HOSTILE = [  # (field, value written into the JSON text, what the message says)
    ("created_at", '"9999-12-31T23:59:59-14:00"', "timestamp out of range"),
    ("created_at", '"0001-01-01T00:00:00+14:00"', "timestamp out of range"),
    ("resolved_at", '"3100-01-01T00:00:00Z"', "timestamp out of range"),
    ("engaged_seconds", "1" + "0" * 320, "expected a finite number"),
    ("engaged_seconds", "9" * 5000, "expected a finite number"),
    ("seconds_to_resolve", "3e11", "seconds_to_resolve (s) 3e+11 is out of range"),
    ("seconds_to_first_ack", "1e300", "out of range"),
    ("engaged_seconds", "-3600", "out of range"),
    ("engaged_user_count", "-2", "engaged_user_count -2 is out of range"),
    ("seconds_to_first_ack", "NaN", "expected a finite number"),
]


def _export(tmp_path: Path, field: str, raw: str) -> Path:
    recs = [json.dumps(_good(i)) for i in range(6)]
    bad = _good(6)
    if field == "seconds_to_resolve":
        bad.pop("resolved_at")
    bad[field] = "@@"
    recs.append(json.dumps(bad).replace('"@@"', raw))
    path = tmp_path / "pd.json"
    path.write_text('{"data": [' + ",\n".join(recs) + "]}")
    return path


@pytest.mark.parametrize("field,raw,says", HOSTILE, ids=[f"{h[0]}={h[1][:12]}" for h in HOSTILE])
def test_hostile_value_is_a_located_malformed_record(tmp_path, field, raw, says):
    path = _export(tmp_path, field, raw)
    exp = read_export(path, "pagerduty")
    assert len(exp.incidents) == 6 and exp.dropped["malformed"] == 1
    assert len(exp.problems) == 1
    assert exp.problems[0].startswith(f"{path}: record 6 (id P6): ") and says in exp.problems[0]
    with pytest.raises(ExportError, match=r"record 6 \(id P6\)"):
        read_export(path, "pagerduty", strict=True)
    res = runner.invoke(app, ["calibrate", str(path), "--strict"])
    assert res.exit_code == 2 and res.exception is None or isinstance(res.exception, SystemExit)
    assert "record 6 (id P6)" in res.output and "Traceback" not in res.output


def test_short_and_long_csv_rows_are_malformed_not_open(tmp_path):
    path = tmp_path / "pd.csv"
    rows = ["id,created_at,resolved_at,status"]
    rows += [f"P{i},2026-01-{i + 1:02d}T10:00:00Z,2026-01-{i + 1:02d}T11:00:00Z,resolved" for i in range(6)]
    rows += ["P7,2026-01-20T10:00:00Z", "P8,2026-01-21T10:00:00Z,2026-01-21T11:00:00Z,resolved,extra"]
    path.write_text("\n".join(rows) + "\n")
    exp = read_export(path, "pagerduty")
    assert [i.id for i in exp.incidents if i.censored] == []  # the short row is not an open incident
    assert exp.dropped["malformed"] == 2
    assert exp.problems[0] == f"{path}:8: 2 cell(s) where the header has 4 columns"
    assert exp.problems[1] == f"{path}:9: more cells than the header has columns"


def test_short_row_through_a_mapping_and_negative_hours(tmp_path):
    csv_path, cols = tmp_path / "h.csv", tmp_path / "cols.yaml"
    rows = ["began,ended,hours"] + [
        f"2026-01-{i + 1:02d}T10:00:00+02:00,2026-01-{i + 1:02d}T11:30:00+02:00,2" for i in range(6)
    ]
    rows += ["2026-01-20T10:00:00Z", "2026-01-21T10:00:00Z,2026-01-21T11:00:00Z,-4"]
    csv_path.write_text("\n".join(rows) + "\n")
    cols.write_text("start: began\nend: ended\nengineer_hours: hours\n")
    exp = read_export(csv_path, mapping=cols)
    assert len(exp.incidents) == 6 and not any(i.censored for i in exp.incidents)
    assert exp.problems == [
        f"{csv_path}:8: 1 cell(s) where the header has 3 columns",
        f"{csv_path}:9: engineer_hours -4 is out of range (0 to 1e+06)",
    ]
    assert exp.incidents[0].start.isoformat() == "2026-01-01T08:00:00+00:00"  # +02:00 read as such
    assert exp.incidents[0].duration_min(exp.end) == 90
