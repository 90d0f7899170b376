"""Every way a Slack export or a call report can be malformed ends in one located line, exit 2."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

from incsim.cli import app

FIX = Path(__file__).parents[1] / "fixtures" / "people"
DAY = "incident-2026-03-02-orders-db/2026-03-02.json"
ZOOM_HEAD = (FIX / "zoom-orders-db.csv").read_text().split("Alice Adams")[0]


@pytest.mark.parametrize(
    "file, content, message",
    [
        ("users.json", "{}", "users.json: expected a list of members"),
        ("users.json", '[{"name": "x"}]', "users.json: member 0: expected an object with an id"),
        ("users.json", b"\x80[]", "users.json: not UTF-8 text (byte 0)"),
        ("channels.json", "{}", "channels.json: expected a list of channels"),
        ("channels.json", '[{"id": "C1"}]', "channels.json: channel 0: expected an object with a name"),
        ("groups.json", '{"a": 1}', "groups.json: expected a list of channels"),
        (DAY, "{}", f"{DAY}: expected a list of messages"),
        (DAY, "[1]", f"{DAY}: message 0: expected a message object"),
        (DAY, '[{"ts": "1772445600.0", "user": 7}]', f"{DAY}: message 0: user: expected an id, got 7"),
        (DAY, '[{"ts": "1772445600.0",\n "user": "U01",}]', f"{DAY}:2:16: not valid JSON"),
    ],
)
def test_malformed_slack_exports(tmp_path, file, content, message):
    root = tmp_path / "slack"
    shutil.copytree(FIX / "slack", root)
    target = root / file
    target.write_bytes(content if isinstance(content, bytes) else content.encode())
    res = CliRunner().invoke(app, ["calibrate", "--slack", str(root)])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1, res.output


def test_a_file_that_is_neither_folder_nor_zip(tmp_path):
    (tmp_path / "export.zip").write_text("not a zip")
    res = CliRunner().invoke(app, ["calibrate", "--slack", str(tmp_path / "export.zip")])
    assert res.exit_code == 2 and "export.zip: neither a folder nor a zip file" in res.output


@pytest.mark.parametrize(
    "name, content, message",
    [
        (
            "actions.csv",
            "Full Name\tUser Action\tTimestamp\nAl\tLeft\t3/9/2026, 2:00:00 PM\n",
            "actions.csv:2: a 'left' action with no join before it",
        ),
        (
            "actions.csv",
            "Full Name\tUser Action\tTimestamp\nAl\tJoined\t3/9/2026, 2:00:00 PM\n",
            "actions.csv: Al joined and never left",
        ),
        (
            "zoom.csv",
            ZOOM_HEAD + ",a@x,03/02/2026 10:06:00 AM,03/02/2026 11:00:00 AM,54,No,No\n",
            "zoom.csv:5: no participant name",
        ),
        (
            "zoom.csv",
            ZOOM_HEAD + "Al,a@x,03/02/2026 10:06:00 AM,03/02/2026 09:00:00 AM,54,No,No\n",
            "zoom.csv:5: leaves before joining",
        ),
        ("zoom.csv", ZOOM_HEAD + "Al,a@x,03/02/2026 10:06:00 AM\n", "zoom.csv:5: empty time"),
        ("zoom.csv", ZOOM_HEAD, "zoom.csv: no participants in the report"),
        (
            "other.csv",
            "a,b\n1,2\n",
            "other.csv: not a Zoom, Google Meet or Microsoft Teams attendance report",
        ),
    ],
)
def test_malformed_call_reports(tmp_path, name, content, message):
    (tmp_path / name).write_text(content)
    res = CliRunner().invoke(
        app, ["calibrate", "--slack", str(FIX / "slack"), "--calls", str(tmp_path / name)]
    )
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1, res.output


def test_call_reports_are_read_by_the_exports_reader(tmp_path):
    from incsim.calibrate.calls import read_call
    from incsim.calibrate.records import ExportError
    from incsim.calibrate.source import read_text

    (tmp_path / "folder.csv").mkdir()
    with pytest.raises(ExportError, match=r"folder\.csv: is a folder, not a call report"):
        read_call(tmp_path / "folder.csv")
    with pytest.raises(ExportError, match=r"gone\.csv: no such file"):
        read_call(tmp_path / "gone.csv")
    (tmp_path / "latin.csv").write_bytes(b"Name\xe9\n")
    with pytest.raises(ExportError, match=r"latin\.csv: neither UTF-8 nor UTF-16 text \(byte 4\)"):
        read_call(tmp_path / "latin.csv")
    # UTF-16 with its byte-order mark, as Teams writes it, for a report and an export alike
    (tmp_path / "u16.csv").write_bytes("start,end\n".encode("utf-16"))
    assert read_text(tmp_path / "u16.csv") == "start,end\n"
