"""One --mapping option for both CSVs: each mapping file says what it maps (for: incidents, the
default, or for: calls)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from incsim.calibrate.calls import read_call
from incsim.calibrate.csvmap import load_mapping, split_mappings
from incsim.calibrate.records import ExportError
from incsim.cli import app

FIX = Path(__file__).parents[1] / "fixtures" / "people"
runner = CliRunner()
# the Zoom call of the fixtures (incident-2026-03-02-orders-db) written as a plain CSV
CALL_CSV = (
    "person,mail,joined,left\n"
    "Alice Ames,alice@example.com,2026-03-02T10:05:00Z,2026-03-02T10:59:00Z\n"
    "Bob Burns,bob@example.com,2026-03-02T10:06:00Z,2026-03-02T10:57:00Z\n"
    "Dave Dunn,dave@example.com,2026-03-02T10:07:00Z,2026-03-02T10:59:00Z\n"
)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "call.csv").write_text(CALL_CSV)
    (tmp_path / "calls.yaml").write_text("for: calls\nname: person\njoin: joined\nleave: left\nemail: mail\n")
    (tmp_path / "bare.yaml").write_text("name: person\njoin: joined\nleave: left\n")
    return tmp_path


def test_each_file_says_what_it_maps(files):
    incidents_map = FIX / "incidents_cols.yaml"
    assert split_mappings([files / "calls.yaml", incidents_map]) == (incidents_map, files / "calls.yaml")
    assert split_mappings(None) == (None, None)
    with pytest.raises(ExportError, match="a second mapping for incidents"):
        split_mappings([incidents_map, incidents_map])
    (files / "odd.yaml").write_text("for: meetings\nname: person\n")
    with pytest.raises(ExportError, match=r"odd\.yaml:1:6: for: 'meetings' is not one of incidents, calls"):
        split_mappings([files / "odd.yaml"])
    # a call report's columns in a mapping that does not say so: located, with the fix
    with pytest.raises(
        ExportError,
        match=r"bare\.yaml:1:1: unknown key 'name' in a mapping of incidents .*"
        r"a mapping of calls needs 'for: calls'",
    ):
        load_mapping(files / "bare.yaml", ["person", "joined", "left"])
    with pytest.raises(ExportError, match="the mapping is for incidents, not calls"):
        read_call(files / "call.csv", incidents_map)


def test_calibrate_reads_a_mapped_call_beside_an_incident_export(files):
    args = [
        "review",
        str(FIX / "incidents.csv"),
        "--mapping",
        str(files / "calls.yaml"),
        "--mapping",
        str(FIX / "incidents_cols.yaml"),
        "--slack",
        str(FIX / "slack"),
        "--calls",
        str(files / "call.csv"),
        "--json",
    ]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    march = {m["month"]: m for m in json.loads(res.stdout)["months"]}["2026-03"]["people"]
    assert march["call_size_median"] == 3.0  # the one mapped call, three people
    res = runner.invoke(
        app,
        [
            "calibrate",
            "--slack",
            str(FIX / "slack"),
            "--calls",
            str(files / "call.csv"),
            "--mapping",
            str(files / "calls.yaml"),
            "--json",
        ],
    )
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout)["people_detail"]["n"]["calls"] == 1


@pytest.mark.parametrize("command", ["calibrate", "review", "timeline"])
def test_help_says_which_mapping_is_which(command):
    res = runner.invoke(app, [command, "--help"])
    assert res.exit_code == 0
    words = " ".join(res.output.replace("│", " ").split())  # the help as one line, without its box
    assert "of the incident EXPORT, or, when the file says 'for: calls', of the --calls reports" in words
    assert "--calls-mapping" not in words


@pytest.mark.parametrize(
    "content, message",
    [
        ("person,mail,joined,left\nAl,a@x,2026-03-02T10:05:00Z\n", "call.csv:2: fewer cells than the header"),
        (
            "person,mail,joined,left\nAl,a@x,2026-03-02T10:05:00Z,2026-03-02T10:06:00Z,extra\n",
            "call.csv:2: more cells than the header",
        ),
        ("person,mail,joined,left\nAl,a@x,yesterday,2026-03-02T10:06:00Z\n", "call.csv:2:"),
    ],
)
def test_bad_mapped_rows_are_one_line(files, content, message):
    (files / "call.csv").write_text(content)
    res = runner.invoke(
        app,
        [
            "calibrate",
            "--slack",
            str(FIX / "slack"),
            "--calls",
            str(files / "call.csv"),
            "--mapping",
            str(files / "calls.yaml"),
        ],
    )
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output
    assert len(res.output.strip().splitlines()) == 1
