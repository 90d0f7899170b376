"""Incident channels and call reports read from hand-written fixtures in the vendors' formats,
with every expected figure worked out by hand from the fixture (see each test's comments)."""

from __future__ import annotations

import shutil
import zipfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from incsim.calibrate import people
from incsim.calibrate.calls import read_call, read_calls
from incsim.calibrate.records import ExportError
from incsim.calibrate.slack import read_workspace

FIX = Path(__file__).parents[1] / "fixtures" / "people"


def t(s: str) -> datetime:
    return datetime.fromisoformat(s).replace(tzinfo=UTC)


@pytest.fixture(scope="module")
def measured():
    ws = read_workspace(FIX / "slack")
    calls = read_calls([FIX / "zoom-orders-db.csv", FIX / "meet-auth.csv"])
    incidents, orphans = people.measure(ws, calls)
    return ws, incidents, orphans


def test_incident_channels_picked_by_pattern_and_list():
    ws = read_workspace(FIX / "slack")
    assert [c.name for c in ws.channels] == ["incident-2026-03-02-orders-db", "incident-2026-03-07-auth"]
    assert ws.skipped == {"message_changed": 1}  # the edit's own record is not a second post
    ws = read_workspace(FIX / "slack", names=["incident-2026-03-07-auth"])
    assert [c.name for c in ws.channels] == ["incident-2026-03-07-auth"]
    with pytest.raises(ExportError, match="no channel named nope"):
        read_workspace(FIX / "slack", names=["nope"])
    with pytest.raises(ExportError, match="no incident channel"):
        read_workspace(FIX / "slack", pattern="sev-*")


def test_zip_reads_as_the_folder(tmp_path):
    z = tmp_path / "export.zip"
    with zipfile.ZipFile(z, "w") as zf:
        for f in (FIX / "slack").rglob("*.json"):
            zf.write(f, "Acme Slack export/" + f.relative_to(FIX / "slack").as_posix())
    a, b = read_workspace(z), read_workspace(FIX / "slack")
    assert [(c.name, c.messages) for c in a.channels] == [(c.name, c.messages) for c in b.channels]


def test_bad_json_is_located(tmp_path):
    shutil.copytree(FIX / "slack", tmp_path / "s")
    day = tmp_path / "s" / "incident-2026-03-07-auth" / "2026-03-07.json"
    day.write_text('[\n {"ts": "1.0",\n  "user": }\n]\n')
    with pytest.raises(ExportError, match=r"incident-2026-03-07-auth/2026-03-07\.json:3:11: not valid JSON"):
        read_workspace(tmp_path / "s")
    day.write_text('[{"ts": "soon", "user": "U01"}]')
    with pytest.raises(ExportError, match=r"2026-03-07\.json: message 0: not a Slack timestamp"):
        read_workspace(tmp_path / "s")
    with pytest.raises(ExportError, match="no channels.json"):
        read_workspace(tmp_path / "s" / "general")


def test_first_channel_by_hand(measured):
    _, incidents, _ = measured
    inc = incidents[0]
    # the bot's alert opens the channel at 10:00 and is nobody's post; Alice's first post is 10:02
    assert inc.posters == ["U01", "U03", "U02"]
    assert sorted(inc.participants) == ["U01", "U02", "U03"]
    assert inc.ic == "U01"
    assert inc.first_responder_min == pytest.approx(2.0)
    # updates at 10:05, 10:20, 10:40, 11:00
    assert inc.update_gaps_min == pytest.approx([15, 20, 20])
    # "any updates?" at 10:11 and "What's the status?" at 10:30, both by Carol
    assert inc.requests == [("U03", t("2026-03-02T10:11:00")), ("U03", t("2026-03-02T10:30:00"))]
    assert inc.joins == [
        ("U01", t("2026-03-02T10:01:00")),
        ("U02", t("2026-03-02T10:03:00")),
        ("U03", t("2026-03-02T10:10:00")),
    ]
    assert inc.leaves == [("U03", t("2026-03-02T10:45:00"))]
    # Bob answers Alice in the thread 4 min later (Monday 11:12 in Berlin); Alice answers Carol
    # with her next post at 10:40 (10 min, Monday 10:30 in London)
    qs = [(q["who"], q["to"], q["latency_min"], q["business"]) for q in inc.questions]
    assert qs == [("U01", "U02", 4.0, True), ("U03", "U01", 10.0, True)]
    assert inc.hours == pytest.approx(1.0)


def test_second_channel_by_hand(measured):
    _, incidents, _ = measured
    inc = incidents[1]
    assert inc.first_responder_min == pytest.approx(5.0)
    assert inc.update_gaps_min == pytest.approx([30, 30])
    assert [w for w, _ in inc.requests] == ["U03"]
    # Saturday night: Dave (London) answers after 30 min, off hours; Carol never answers
    qs = [(q["to"], q["latency_min"], q["business"]) for q in inc.questions]
    assert qs == [("U04", 30.0, False), ("U03", None, False)]
    assert inc.hours == pytest.approx(1.5)


def test_zoom_call_by_hand(measured):
    _, incidents, orphans = measured
    assert orphans == []
    (call,) = incidents[0].calls
    # Alice 10:06-11:00, Bob 10:07-10:30 + 10:32-11:00, Dave 10:08-11:00, Erin 10:10-10:40,
    # Carol (matched by name, no e-mail) 10:15-10:59:30; her waiting-room row does not count
    assert call.size == 5
    assert call.hours["U02"] == pytest.approx(51 / 60)
    assert call.hours["U03"] == pytest.approx(44.5 / 60)
    assert call.stayed == {"U01", "U02", "U03", "U04"}
    assert call.essential == {"U01", "U02", "U03"}
    # Dave never posted in that channel and Erin is not in the workspace: 52 + 30 minutes
    assert call.non_essential_hours == pytest.approx(82 / 60)
    assert max(n for _, n in call.over_time) == 5


def test_meet_call_by_hand(measured):
    _, incidents, _ = measured
    (call,) = incidents[1].calls
    assert call.call.format == "meet"
    assert call.size == 3
    assert call.stayed == {"U01", "U04"}
    assert call.non_essential_hours == pytest.approx(20 / 60)  # Frank; Dave posted in this channel


def test_people_summary_by_hand(measured):
    _, incidents, _ = measured
    s = people.summary(incidents)
    assert s == {
        "incidents": 2,
        "update_gap_median_min": 20.0,  # of 15, 20, 20, 30, 30
        "update_requests_per_hour": pytest.approx(3 / 2.5),  # 3 requests over 1 h + 1.5 h
        "answer_latency_median_min": {"business_hours": 7.0, "off_hours": 30.0},  # of 4, 10 | 30
        "call_size_median": 4.0,  # of 5, 3
        "stay_to_end_share": pytest.approx(6 / 8),
        "non_essential_hours_per_incident": pytest.approx((82 + 20) / 60 / 2),
    }


def test_teams_reports():
    (call,) = read_call(FIX / "teams-payments.csv")  # UTF-16, tab-separated, in sections
    assert call.format == "teams"
    gina = sorted((s.join, s.leave) for s in call.sessions if s.name == "Gina Guest")
    assert gina == [
        (t("2026-03-09T14:05:00"), t("2026-03-09T14:15:00")),
        (t("2026-03-09T14:20:00"), t("2026-03-09T14:35:00")),
    ]
    (legacy,) = read_call(FIX / "teams-actions.csv")
    assert legacy.format == "teams-actions"
    assert sorted((s.name, s.join, s.leave) for s in legacy.sessions) == [
        ("Alice Adams", t("2026-03-09T14:00:00"), t("2026-03-09T14:40:00")),
        ("Gina Guest", t("2026-03-09T14:05:00"), t("2026-03-09T14:15:00")),
    ]


def test_mapped_csv_and_its_errors(tmp_path):
    csv = tmp_path / "calls.csv"
    csv.write_text(
        "who,in,out,bridge\nAl,2026-03-02T10:00:00Z,2026-03-02T11:30:00+01:00,a\n"
        "Bo,2026-03-02T10:00:00,2026-03-02T10:20:00,b\n"
    )
    m = tmp_path / "m.yaml"
    m.write_text("for: calls\nname: who\njoin: in\nleave: out\ncall: bridge\n")
    calls = read_call(csv, m)
    assert [(c.id, len(c.sessions)) for c in calls] == [("a", 1), ("b", 1)]
    assert calls[0].end == t("2026-03-02T10:30:00")  # 11:30+01:00; a time with no offset is UTC
    bad = tmp_path / "bad.csv"
    bad.write_text("who,in,out,bridge\nAl,2026-03-02T10:00:00Z,2026-03-02T10:30:00+01:00,a\n")
    with pytest.raises(ExportError, match=r"bad\.csv:2: leaves before joining"):
        read_call(bad, m)  # 10:30+01:00 is 09:30 UTC, before the 10:00 join
    m.write_text("for: calls\nname: who\njoin: in\nleave: gone\n")
    with pytest.raises(ExportError, match=r"m\.yaml:4:8: leave: column 'gone' is not in"):
        read_call(csv, m)
    with pytest.raises(ExportError, match="not a Zoom, Google Meet or Microsoft Teams"):
        read_call(csv)


def test_calibrate_json_people_object_from_the_fixtures():
    from typer.testing import CliRunner

    from incsim.cli import app

    res = CliRunner().invoke(
        app,
        [
            "calibrate",
            "--slack",
            str(FIX / "slack"),
            "--calls",
            str(FIX / "zoom-orders-db.csv"),
            "--calls",
            str(FIX / "meet-auth.csv"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    import json

    got = json.loads(res.stdout)["people"]
    assert got["update_gap_median_min"] == 20.0
    assert got["update_requests_per_hour"] == pytest.approx(1.2)
    assert got["answer_latency_median_min"] == {"business_hours": 7.0, "off_hours": 30.0}
    assert got["call_size_median"] == 4.0
    assert got["stay_to_end_share"] == pytest.approx(0.75)
    assert got["non_essential_hours_per_incident"] == pytest.approx(0.85)


@pytest.mark.parametrize(
    "args, message",
    [
        ([], "give an incident export (EXPORT), a Slack export (--slack), or both"),
        (["--calls", "x.csv"], "--calls needs --slack"),
        (["--slack", "SLACK", "--update-pattern", "(unclosed"], "not a regular expression"),
        (["--slack", "SLACK", "--calls", "nope.csv"], "nope.csv: no such file"),
        (
            ["--slack", "SLACK", "EXPORT", "--mapping", "MAP", "--check", "scenarios/seed.yaml"],
            "--check compares either times to resolve (EXPORT) or people figures (--slack)",
        ),
    ],
)
def test_calibrate_people_errors_are_one_line(args, message):
    from typer.testing import CliRunner

    from incsim.cli import app

    places = {"SLACK": FIX / "slack", "EXPORT": FIX / "incidents.csv", "MAP": FIX / "incidents_cols.yaml"}
    args = [str(places.get(a, a)) for a in args]
    res = CliRunner().invoke(app, ["calibrate", *args])
    assert res.exit_code == 2
    assert message in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1


def test_review_shows_people_per_month_beside_mttr():
    import json

    from typer.testing import CliRunner

    from incsim.cli import app

    args = [
        "review",
        str(FIX / "incidents.csv"),
        "--mapping",
        str(FIX / "incidents_cols.yaml"),
        "--slack",
        str(FIX / "slack"),
        "--calls",
        str(FIX / "zoom-orders-db.csv"),
        "--calls",
        str(FIX / "meet-auth.csv"),
    ]
    res = CliRunner().invoke(app, [*args, "--json"])
    assert res.exit_code == 0, res.output
    months = {m["month"]: m for m in json.loads(res.stdout)["months"]}
    assert months["2026-02"]["people"] is None  # no channel that month
    march = months["2026-03"]
    assert march["mttr_min"] == pytest.approx((60 + 70 + 50) / 3)
    p = march["people"]
    assert p["incidents"] == 2 and p["update_gap_median_min"] == 20.0
    assert p["non_essential_hours_per_incident"] == pytest.approx(0.85)
    # engineer-hours: call hours (54+51+52+30+44.5 | 50+45+20 min) and each poster's first-to-last
    # post (Alice 10:02-11:00, Carol 10:11-10:30, Bob one post | Bob one post, Alice 22:10-23:30,
    # Dave and Carol one post each), over two incidents
    calls_min = 54 + 51 + 52 + 30 + 44.5 + 50 + 45 + 20
    channel_min = 58 + 19 + 80
    assert p["engineer_hours_per_incident"] == pytest.approx((calls_min + channel_min) / 60 / 2)
    assert p["time_to_first_responder_median_min"] == pytest.approx(3.5)  # of 2 and 5
    table = CliRunner().invoke(app, args)
    assert table.exit_code == 0 and "people per month" in table.output and "2026-03" in table.output


def test_review_pages_show_people_per_month(tmp_path):
    from typer.testing import CliRunner

    from incsim.cli import app

    res = CliRunner().invoke(
        app,
        [
            "review",
            str(FIX / "incidents.csv"),
            "--mapping",
            str(FIX / "incidents_cols.yaml"),
            "--slack",
            str(FIX / "slack"),
            "--calls",
            str(FIX / "zoom-orders-db.csv"),
            "-o",
            str(tmp_path / "r"),
        ],
    )
    assert res.exit_code == 0, res.output
    md = (tmp_path / "r" / "review.md").read_text()
    # March: two channels, Dave + Erin's 82 min in the one call, update gaps' median 20, 3 requests
    # over 2.5 h, first responders after 2 and 5 min, 5 people in the call, 4 of them to the end
    assert "| 2026-03 | 60 min | 2 | 1.37 |" in md and "| 20.0 | 1.20 | 3.5 | 5 | 80% |" in md
    assert "| 2026-02 | 63 min | – | – |" in md
    # two channels in the month: fewer than the three a noise band needs, and the page says so
    assert "resampled from all 2 read" in md
    assert not [line for line in md.splitlines() if line.startswith("| 2026-03") and "±" in line]
    html = (tmp_path / "r" / "review.html").read_text()
    assert "<h2>People per month</h2>" in html and "<td>80%</td>" in html


def test_spectator_questions_by_hand(measured):
    ws, incidents, orphans = measured
    # Carol's "is this hitting EU customers too?" (10:25, during the call) is the only question
    # from someone with no role; spectators' call time: Carol 44.5, Dave 52, Erin 30 min in the
    # first call (Bob was asked by name, Alice is IC), Frank 20 min in the second (Dave was asked)
    first, second = incidents[0].calls[0], incidents[1].calls[0]
    assert first.spectator_questions == 1 and second.spectator_questions == 0
    assert first.spectator_hours == pytest.approx(126.5 / 60)
    assert second.spectator_hours == pytest.approx(20 / 60)
    d = people.detail(incidents, orphans, ws)
    assert d["spectator_questions_per_hour"] == pytest.approx(60 / 146.5)


def test_private_channels_from_groups_json(tmp_path):
    import json

    shutil.copytree(FIX / "slack", tmp_path / "s")
    (tmp_path / "s" / "groups.json").write_text(
        json.dumps([{"id": "G01", "name": "incident-2026-03-09-private"}])
    )
    (tmp_path / "s" / "incident-2026-03-09-private").mkdir()
    (tmp_path / "s" / "incident-2026-03-09-private" / "2026-03-09.json").write_text(
        json.dumps([{"type": "message", "ts": "1773064800.000100", "user": "U01", "text": "private one"}])
    )
    ws = read_workspace(tmp_path / "s")
    assert [c.name for c in ws.channels][-1] == "incident-2026-03-09-private"
    assert ws.channels[-1].first == t("2026-03-09T14:00:00.000100")


@pytest.mark.parametrize(
    "when, offset_h, business",
    [
        ("2026-03-02T09:00:00", 0, True),  # Monday 09:00 opens the day
        ("2026-03-02T16:59:59", 0, True),
        ("2026-03-02T17:00:00", 0, False),  # 17:00 closes it
        ("2026-03-02T08:30:00", 1, True),  # 09:30 in Berlin
        ("2026-03-02T13:30:00", -5, False),  # 08:30 in New York
        ("2026-03-07T12:00:00", 0, False),  # Saturday
        ("2026-03-09T02:00:00", 8, True),  # Monday 10:00 in Singapore, still Monday 02:00 in London
        ("2026-03-08T23:30:00", 10, True),  # Sunday night in London is Monday 09:30 in Sydney
    ],
)
def test_business_hours_on_the_answerers_clock(when, offset_h, business):
    assert people.business_hours(t(when), offset_h * 3600) is business


def test_calibrate_with_export_and_slack_links_incidents():
    import json

    from typer.testing import CliRunner

    from incsim.cli import app

    res = CliRunner().invoke(
        app,
        [
            "calibrate",
            str(FIX / "incidents.csv"),
            "--mapping",
            str(FIX / "incidents_cols.yaml"),
            "--slack",
            str(FIX / "slack"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    got = json.loads(res.stdout)
    assert got["n"] == 6 and got["people"]["incidents"] == 2
    assert [r["incident"] for r in got["people_detail"]["incidents"]] == ["INC-4", "INC-5"]


def test_updates_posted_by_a_bot_count_but_name_no_ic():
    from incsim.calibrate.slack import Message, SlackChannel, Workspace

    upd = "Status: degraded\nImpact: search\nNext steps: reindex"
    msgs = [
        Message(t("2026-03-02T10:00:00"), None, upd, "bot_message", True),
        Message(t("2026-03-02T10:12:00"), "U01", upd, None, False),
        Message(t("2026-03-02T10:30:00"), None, upd, "bot_message", True),
        Message(t("2026-03-02T10:31:00"), "U02", "Status: fine, Impact: none", None, False),
    ]  # no Next steps
    chan = SlackChannel("C9", "incident-x", None, msgs)
    inc = people.channel_people(chan, Workspace("w", {}, [chan]))
    assert inc.update_gaps_min == pytest.approx([12, 18])
    assert inc.ic == "U01"
    custom = people.Options(update_pattern=r"(?i)^status:")
    assert people.channel_people(chan, Workspace("w", {}, [chan]), custom).update_gaps_min == pytest.approx(
        [12, 18, 1]
    )


def test_a_damaged_zip_member_is_one_located_line(tmp_path):
    from typer.testing import CliRunner

    from incsim.cli import app

    good = tmp_path / "slack.zip"
    with zipfile.ZipFile(good, "w", zipfile.ZIP_DEFLATED) as z:
        for f in sorted((FIX / "slack").rglob("*.json")):
            z.write(f, f.relative_to(FIX / "slack").as_posix())
    member = "incident-2026-03-02-orders-db/2026-03-02.json"
    with zipfile.ZipFile(good) as z:
        info = z.getinfo(member)
    data = bytearray(good.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra) + 10
    data[start : start + 8] = bytes(b ^ 0xFF for b in data[start : start + 8])  # inside the compressed data
    bad = tmp_path / "bad.zip"
    bad.write_bytes(bytes(data))
    res = CliRunner().invoke(app, ["calibrate", "--slack", str(bad)])
    assert res.exit_code == 2, res.output
    assert f"bad.zip:{member}: cannot unpack it from the zip" in res.output
    assert "Traceback" not in res.output and len(res.output.strip().splitlines()) == 1


@pytest.mark.parametrize("ts", ["1e300", "inf", "nan", "-1e20", "soon"])
def test_a_timestamp_out_of_range_is_located(tmp_path, ts):
    root = tmp_path / "slack"
    shutil.copytree(FIX / "slack", root)
    day = root / "incident-2026-03-02-orders-db" / "2026-03-02.json"
    day.write_text(day.read_text().replace('"ts": "1772445600.000000"', f'"ts": "{ts}"', 1))
    with pytest.raises(ExportError, match=rf"2026-03-02\.json: message 0: not a Slack timestamp: '{ts}'"):
        read_workspace(root)


def test_both_scenario_writers_share_the_lognormal_line():
    import io

    from incsim.calibrate.calibration import lognormal_map, scenario_yaml
    from incsim.calibrate.people_scenario import lognormal_entry

    def line(m):
        buf = io.StringIO()
        scenario_yaml().dump({"x": m}, buf)
        return buf.getvalue().strip()

    assert (
        line(lognormal_entry({"median_min": 8.126, "sigma": 0.004}))
        == "x: {dist: lognormal, median: 8.13, sigma: 0.01}"
    )
    assert line(lognormal_map(8.126, 0.5)) == "x: {dist: lognormal, median: 8.1, sigma: 0.5}"


def test_calibrate_slack_prints_the_people_figures():
    from typer.testing import CliRunner

    from incsim.cli import app

    res = CliRunner().invoke(
        app,
        [
            "calibrate",
            "--slack",
            str(FIX / "slack"),
            "--calls",
            str(FIX / "zoom-orders-db.csv"),
            "--calls",
            str(FIX / "meet-auth.csv"),
        ],
    )
    assert res.exit_code == 0, res.output
    words = " ".join(res.output.split())
    assert "people: 2 incident channels, 2 calls (0 outside any channel)" in words
    assert "update gap median 20.0 min" in words and "update requests 1.20/h" in words
    assert (
        "answer latency median 7.0 min in business hours, 30.0 min off hours "
        "(n=3 answers; 1 by people already in the incident)" in words
    )
    assert "call size median 4; stay to end 75%" in words


def test_people_check_with_a_bad_scenario_is_one_line(tmp_path):
    from typer.testing import CliRunner

    from incsim.cli import app

    scn = tmp_path / "s.yaml"
    scn.write_text("metadata: {name: x}\nprotocols: 7\n")
    res = CliRunner().invoke(app, ["calibrate", "--slack", str(FIX / "slack"), "--check", str(scn)])
    assert res.exit_code == 2, res.output
    assert "s.yaml:" in res.output and "Traceback" not in res.output


def test_a_channel_and_an_incident_fall_in_the_same_month(measured):
    from incsim.calibrate.records import month_label

    # the month of a channel is the review's month of its first message, in UTC
    incidents = measured[1]
    assert (
        [i.month for i in incidents] == [month_label(i.channel.first) for i in incidents] == ["2026-03"] * 2
    )
    assert month_label(datetime(2026, 3, 31, 23, 30, tzinfo=UTC)) == "2026-03"


def test_a_persons_overlapping_sessions_count_once():
    from incsim.calibrate.people import merged_hours

    def at(hm):
        return t(f"2026-03-02T{hm}:00")

    # a laptop 10:00-10:30 and a phone 10:20-10:40, then a rejoin 11:00-11:10: 40 + 10 minutes
    spans = [(at("11:00"), at("11:10")), (at("10:00"), at("10:30")), (at("10:20"), at("10:40"))]
    assert merged_hours(spans) == pytest.approx(50 / 60)
    assert merged_hours([(at("10:00"), at("10:00"))]) == 0.0


def test_an_executive_channel_is_listed_apart_not_read_as_an_incident(tmp_path):
    import json

    shutil.copytree(FIX / "slack", tmp_path / "s")
    chans = json.loads((tmp_path / "s" / "channels.json").read_text())
    chans.append({"id": "C09", "name": "incident-executive", "created": 1772445600})
    chans.append({"id": "C10", "name": "executive-offsite", "created": 1772445600})  # no messages
    (tmp_path / "s" / "channels.json").write_text(json.dumps(chans))
    (tmp_path / "s" / "incident-executive").mkdir()
    (tmp_path / "s" / "incident-executive" / "2026-03-02.json").write_text(
        json.dumps([{"type": "message", "user": "U01", "ts": "1772446000.0", "text": "*Status:* db down"}])
    )
    ws = read_workspace(tmp_path / "s")
    # the default incident pattern matches it, the executive pattern takes it out
    assert [c.name for c in ws.channels] == ["incident-2026-03-02-orders-db", "incident-2026-03-07-auth"]
    assert ws.executive == ["incident-executive"]
    assert read_workspace(FIX / "slack").executive == []
    # another pattern: it is an incident channel again, and no executive channel is seen
    other = read_workspace(tmp_path / "s", executive_pattern="exec-*")
    assert "incident-executive" in [c.name for c in other.channels] and other.executive == []
    # named in the list, it is read as an incident channel
    named = read_workspace(tmp_path / "s", names=["incident-executive"])
    assert [c.name for c in named.channels] == ["incident-executive"] and named.executive == []
