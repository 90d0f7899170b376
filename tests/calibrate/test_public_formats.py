"""Public status histories (Google Cloud, AWS's legacy dashboard, Statuspage single incidents and
folders of them, incident.io duration metrics): read, detected with a reason, and fitted.

The expected durations are worked out by hand from the fixtures' times (see their README); the
median and log-sd are computed here from those lists, not by the importer."""

from __future__ import annotations

import json
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
from typer.testing import CliRunner

from incsim.calibrate.awsshd import ZONES
from incsim.calibrate.calibration import calibrate
from incsim.calibrate.readers import detect_why, read_export
from incsim.calibrate.records import ExportError
from incsim.cli import app

PUB = Path(__file__).resolve().parents[1] / "fixtures" / "exports" / "public"
runner = CliRunner()

# path, format, resolved durations by hand (min), open incidents, dropped table
CASES = [
    ("gcloud_incidents.json", "gcloud", [27, 41, 53, 75, 120, 150, 390], 1, {}),
    (
        "aws_shd_data.json",
        "aws-shd",
        [52, 75, 78, 85, 91, 210],
        1,
        {"a single update: no duration": 1, "malformed": 1},
    ),
    ("statuspage_incidents", "statuspage", [15, 32, 48, 67, 90, 180], 1, {"maintenance": 1}),
    (
        "incidentio_duration_metrics.json",
        "incidentio",
        [10, 25, 40, 60, 90, 240],
        0,
        {"closed without a resolution time": 1},
    ),
]


@pytest.mark.parametrize("name,fmt,hand,n_open,dropped", CASES, ids=[c[0] for c in CASES])
def test_public_format_read_and_fitted_as_worked_by_hand(name, fmt, hand, n_open, dropped):
    exp = read_export(PUB / name)
    assert exp.format == fmt and dict(exp.dropped) == dropped
    assert len(exp.incidents) == len(hand) + n_open
    resolved = sorted(i.duration_min(exp.end) for i in exp.incidents if not i.censored)
    assert resolved == pytest.approx(hand, abs=1e-9)
    # fitted on the resolved ones: the median and the lognormal log-sd against numpy on the hand list
    closed = replace(exp, incidents=[i for i in exp.incidents if not i.censored])
    calib = calibrate(closed)
    logs = np.log(np.array(hand, dtype=float))
    assert calib["n"] == len(hand)
    assert calib["overall"]["observed"]["median_min"] == pytest.approx(float(np.median(hand)))
    assert calib["overall"]["lognormal"]["sigma"] == pytest.approx(float(logs.std()), rel=1e-3)
    assert calib["overall"]["lognormal"]["median_min"] == pytest.approx(float(np.exp(logs.mean())), rel=1e-3)


def test_detection_says_what_it_saw():
    fmt, why = detect_why(PUB / "gcloud_incidents.json")
    assert fmt == "gcloud" and "'begin'" in why and "'service_key'" in why and "Google Cloud" in why
    fmt, why = detect_why(PUB / "aws_shd_data.json")
    assert fmt == "aws-shd" and "'date'" in why and "Service Health Dashboard" in why
    fmt, why = detect_why(PUB / "statuspage_incidents" / "incident_1.json")
    assert fmt == "statuspage" and "'incident_updates'" in why
    res = runner.invoke(app, ["calibrate", str(PUB / "gcloud_incidents.json")])
    assert res.exit_code == 0, res.output
    assert "read as gcloud: its records carry 'begin'" in res.output
    res = runner.invoke(app, ["calibrate", str(PUB / "statuspage_incidents"), "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.output)
    assert out["format"] == "statuspage" and "incident_updates" in out["detected"] and out["n"] == 7


def test_single_incident_response_and_offsets():
    one = read_export(PUB / "statuspage_incidents" / "incident_4.json")
    (inc,) = one.incidents
    assert inc.start.isoformat() == "2025-02-20T08:00:00+00:00"  # Z
    assert inc.resolved.isoformat() == "2025-02-20T11:00:00+00:00"  # 12:00+01:00
    three = read_export(PUB / "statuspage_incidents" / "incident_3.json").incidents[0]
    assert three.start.isoformat() == "2025-02-15T04:50:00.123000+00:00"  # 23:50:00.123-05:00
    assert three.service == "API" and three.severity == "minor"


def test_aws_stamps_cross_midnight_and_name_their_zone():
    exp = read_export(PUB / "aws_shd_data.json")
    by_id = {i.id.split("@")[0]: i for i in exp.incidents}
    s3 = by_id["s3-us-west-2"]
    assert s3.start.isoformat() == "2024-06-11T06:50:00+00:00"  # 11:50 PM PDT on 10 June
    assert s3.resolved.isoformat() == "2024-06-11T08:05:00+00:00"  # 1:05 AM PDT the next day
    lam = by_id["lambda-ap-northeast-1"]
    assert lam.start.isoformat() == "2024-07-01T00:00:00+00:00" and lam.category == "ap-northeast-1"
    assert by_id["cloudfront"].category == "global" and by_id["cloudfront"].service == "cloudfront"
    assert [i.id for i in exp.incidents if i.censored] == ["ec2-us-east-1@1733072400"]
    assert exp.problems == [
        f"{PUB / 'aws_shd_data.json'}: archive[7]: update stamp in an unknown time zone "
        f"'CST' (known: {', '.join(ZONES)})"
    ]


def test_every_record_dropped_is_an_error_naming_the_commonest_reason(tmp_path):
    with pytest.raises(
        ExportError,
        match=r"every record was dropped \(8\).*commonest reason: malformed \(8\); "
        r"first: .*record 0 \(id gcp01xQ\): needs 'id' and 'started_at'",
    ):
        read_export(PUB / "gcloud_incidents.json", "statuspage")
    res = runner.invoke(app, ["calibrate", str(PUB / "gcloud_incidents.json"), "--format", "statuspage"])
    assert res.exit_code == 2 and "every record was dropped (8)" in res.output
    maint = tmp_path / "sp.json"
    maint.write_text(
        json.dumps(
            {
                "incidents": [
                    {
                        "id": f"m{i}",
                        "impact": "maintenance",
                        "incident_updates": [],
                        "created_at": "2026-01-01T00:00:00Z",
                    }
                    for i in range(3)
                ]
            }
        )
    )
    res = runner.invoke(app, ["review", str(maint)])
    assert res.exit_code == 2 and "commonest reason: maintenance (3)" in res.output


def test_duration_metric_status_other_than_success_is_not_a_duration():
    exp = read_export(PUB / "incidentio_duration_metrics.json")
    assert "01HIO7" not in {i.id for i in exp.incidents}
    assert {i.id: round(i.duration_min(exp.end)) for i in exp.incidents}["01HIO4"] == 60


SNAP = PUB / "snapshots"
# AWS: the 12 events with more than one stamp, first to last stamp, worked out by hand (README)
AWS_BY_HAND = [14, 28, 31, 38, 115, 118, 181, 249, 340, 446, 454, 525]


def _median_logsd(minutes):
    logs = np.log(np.asarray(minutes, dtype=float))
    return float(np.median(minutes)), float(logs.std())


def test_real_aws_snapshot_against_durations_worked_by_hand():
    exp = read_export(SNAP / "aws_shd_data.json")
    assert exp.format == "aws-shd" and exp.problems == []
    assert dict(exp.dropped) == {"a single update: no duration": 2}
    assert len(exp.incidents) == 12
    assert sorted(i.duration_min(exp.end) for i in exp.incidents) == pytest.approx(AWS_BY_HAND, abs=1e-9)
    by = {i.service + "-" + i.category if i.category != "global" else i.service: i for i in exp.incidents}
    assert by["dynamodb-us-east-1"].resolved.isoformat() == "2021-08-07T09:53:00+00:00"  # Aug 7, 2:53 AM PDT
    raw = json.loads((SNAP / "aws_shd_data.json").read_text())["archive"]
    posted = {e["service"]: int(e["date"]) for e in raw}
    for inc in exp.incidents:  # the feed's own 'date' is the first stamp, to the minute
        code = inc.id.split("@")[0]
        assert abs(inc.start.timestamp() - posted[code]) < 60, code
    calib = calibrate(exp)
    median, logsd = _median_logsd(AWS_BY_HAND)
    assert calib["n"] == 12 and calib["overall"]["observed"]["median_min"] == pytest.approx(median)
    assert calib["overall"]["lognormal"]["sigma"] == pytest.approx(logsd, rel=1e-3)


def test_real_gcloud_snapshot_against_durations_computed_apart():
    from datetime import datetime

    raw = json.loads((SNAP / "gcloud_incidents.json").read_text())
    apart = sorted(
        (datetime.fromisoformat(r["end"]) - datetime.fromisoformat(r["begin"])).total_seconds() / 60
        for r in raw
    )
    exp = read_export(SNAP / "gcloud_incidents.json")
    assert exp.format == "gcloud" and dict(exp.dropped) == {} and exp.problems == []
    assert len(exp.incidents) == len(raw) == 10 and not any(i.censored for i in exp.incidents)
    assert sorted(i.duration_min(exp.end) for i in exp.incidents) == pytest.approx(apart, abs=1e-9)
    calib = calibrate(exp)
    median, logsd = _median_logsd(apart)
    assert calib["overall"]["observed"]["median_min"] == pytest.approx(median)
    assert calib["overall"]["lognormal"]["sigma"] == pytest.approx(logsd, rel=1e-3)
    assert {i.severity for i in exp.incidents} == {"high", "medium"}


def _stamp(value):
    from datetime import datetime

    return datetime.fromisoformat(value)  # Python 3.11 reads the feeds' 'Z' itself


def test_real_statuspage_single_incident_responses_against_durations_computed_apart():
    folder = SNAP / "statuspage_github"
    raw = {p.name: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))}
    assert len(raw) == 8 and all(set(r) == {"page", "incident"} for r in raw.values())
    # worked out apart from the importer: resolved_at less started_at; a record whose resolved_at is
    # not after its started_at (a one-line notice, or a backfilled one posted after it ended) has none
    apart, without = {}, 0
    for r in raw.values():
        inc = r["incident"]
        minutes = (_stamp(inc["resolved_at"]) - _stamp(inc["started_at"])).total_seconds() / 60
        if minutes > 0:
            apart[inc["id"]] = minutes
        else:
            without += 1
        # the feed's own check: the resolving update is stamped when the incident was resolved
        last = max(inc["incident_updates"], key=lambda u: u["created_at"])
        if len(inc["incident_updates"]) > 1:
            assert last["status"] == "resolved" and _stamp(last["created_at"]) == _stamp(inc["resolved_at"])
    assert without == 2 and len(apart) == 6
    exp = read_export(folder)
    assert exp.format == "statuspage" and exp.problems == [] and exp.outliers == []
    assert dict(exp.dropped) == {"zero or negative duration": 2}
    got = {i.id: i.duration_min(exp.end) for i in exp.incidents}
    assert got.keys() == apart.keys() and not any(i.censored for i in exp.incidents)
    assert [got[k] for k in sorted(apart)] == pytest.approx([apart[k] for k in sorted(apart)], abs=1e-9)
    by = {i.id: i for i in exp.incidents}
    assert (
        by["00km0kwpz23b"].service == "Git Operations" and by["00km0kwpz23b"].category == "several components"
    )
    assert by["rgy28jwprr1c"].severity == "critical" and len(by["rgy28jwprr1c"].updates) == 4
    assert by["1cdsggtd2q5k"].severity == "none" and by["1cdsggtd2q5k"].customer_impact_min == 0.0
    calib = calibrate(exp)
    median, logsd = _median_logsd(list(apart.values()))
    assert calib["n"] == 6 and calib["overall"]["observed"]["median_min"] == pytest.approx(median)
    assert calib["overall"]["lognormal"]["sigma"] == pytest.approx(logsd, rel=1e-3)
    # one response on its own reads as one incident
    (one,) = read_export(folder / "xdzs70gjthls.json").incidents
    assert one.duration_min(one.resolved) == pytest.approx(apart["xdzs70gjthls"], abs=1e-9)


def test_real_incidentio_record_read_as_open_with_its_workload():
    # the only real incident.io record found (a live one, so no duration metric yet): see the README
    path = SNAP / "incidentio_singer_tap_incidents.json"
    (rec,) = json.loads(path.read_text())
    stamps = {
        v["incident_timestamp"]["name"]: v["value"]["value"]
        for v in rec["incident_timestamp_values"]
        if v["value"]
    }
    exp = read_export(path)
    assert exp.format == "incidentio" and exp.problems == [] and dict(exp.dropped) == {}
    (inc,) = exp.incidents
    assert rec["incident_status"]["category"] == "live" and inc.censored and inc.resolved is None
    assert inc.start == _stamp(stamps["Reported at"]) and inc.id == rec["id"]
    assert inc.severity == rec["severity"]["name"] and inc.category == rec["incident_type"]["name"]
    assert inc.workload_min == {
        "business": rec["workload_minutes_working"],
        "off": rec["workload_minutes_late"],
        "sleep": rec["workload_minutes_sleeping"],
    }
    assert inc.engineer_hours == pytest.approx(rec["workload_minutes_total"] / 60)
    assert inc.responders == len({a["assignee"]["id"] for a in rec["incident_role_assignments"]}) == 1
    assert exp.end == _stamp(rec["updated_at"])  # the latest time it mentions


def test_incidentio_documented_list_example_read_as_the_vendor_states_it(tmp_path):
    # the vendor's own example response of GET /v2/incidents (its OpenAPI spec; see the README):
    # one incident whose status category is "triage" (named "Closed"), an open incident by the
    # category, so its duration metric ("Lasted", 1 s) is not a resolution
    path = SNAP / "incidentio_openapi_list_example.json"
    doc = json.loads(path.read_text())
    (rec,) = doc["incidents"]
    assert set(doc) == {"incidents", "pagination_meta"}
    assert detect_why(path)[0] == "incidentio"
    exp = read_export(path)
    assert exp.format == "incidentio" and exp.problems == [] and dict(exp.dropped) == {}
    (inc,) = exp.incidents
    assert rec["incident_status"]["category"] == "triage" and inc.censored and inc.resolved is None
    started = rec["incident_timestamp_values"][0]
    assert started["incident_timestamp"]["name"] == "Impact started"
    assert inc.start == _stamp(started["value"]["value"]) and inc.id == rec["id"]
    assert inc.severity == rec["severity"]["name"] and inc.category == rec["incident_type"]["name"]
    assert inc.workload_min == {"business": 20, "off": 40.7, "sleep": 0}
    assert inc.engineer_hours == pytest.approx(60.7 / 60)
    assert inc.responders == 1
    # the same record with a closed category: the duration metric is its only end, and is read
    # (the vendor's value, 1 s: the median is 1/60 min and one duration has no spread)
    rec["incident_status"]["category"] = "closed"
    closed = tmp_path / "closed.json"
    closed.write_text(json.dumps(doc))
    (done,) = read_export(closed).incidents
    metric = rec["duration_metrics"][0]
    assert metric["duration_metric"]["name"] == "Lasted" and metric["value_seconds"] == 1
    assert done.resolved is not None and not done.censored
    minutes = [done.duration_min(done.resolved)]
    median, logsd = _median_logsd([metric["value_seconds"] / 60])
    assert np.median(minutes) == pytest.approx(median) and np.log(minutes).std() == pytest.approx(logsd) == 0
