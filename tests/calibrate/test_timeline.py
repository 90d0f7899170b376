"""``incsim timeline`` on the hand-written Slack export, call reports and incident export."""

from __future__ import annotations

from pathlib import Path

from typer.testing import CliRunner

from incsim.calibrate.timeline import pseudonym
from incsim.cli import app
from incsim.files import check_seal

FIX = Path(__file__).parents[1] / "fixtures" / "people"
runner = CliRunner()
BASE = [
    "timeline",
    "--slack",
    str(FIX / "slack"),
    "--calls",
    str(FIX / "zoom-orders-db.csv"),
    "--calls",
    str(FIX / "meet-auth.csv"),
    str(FIX / "incidents.csv"),
    "--mapping",
    str(FIX / "incidents_cols.yaml"),
]


def test_default_is_pseudonymised_and_without_text():
    res = runner.invoke(app, BASE)
    assert res.exit_code == 0, res.output
    out = res.stdout
    assert out.count("# Timeline: ") == 2
    assert "stable pseudonyms" in out and "Message text is left out" in out
    for private in ("Alice", "alice", "Carol", "Bob", "pool saturated", "token expiry", "Erin", "Frank"):
        assert private not in out
    alice = pseudonym("U01")
    # the same member, the same pseudonym, in both incidents' timelines
    first, second = out.split("# Timeline: ")[1:]
    assert f"structured update by {alice}" in first and f"structured update by {alice}" in second
    assert (
        f"{alice} asks {pseudonym('U02')} a question (answered after 4 min, business hours for them)" in first
    )
    assert f"{alice} asks {pseudonym('U03')} a question (unanswered)" in second
    assert "(20 min after the last)" in first and "(30 min after the last)" in second
    assert f"{pseudonym('U04')} joins the call (watching)" in first  # Dave never posted there
    assert f"{pseudonym('U04')} joins the call |" in second  # ... but did in the second
    assert "incident INC-4 starts (the export)" in first and "incident INC-5 resolved (the export)" in second
    assert "call ends: 5 people in it (at most 5 at once), 4 to the end, 1.37 non-essential hours" in first
    assert "decision stated by" in first


def test_text_and_names_only_when_asked():
    res = runner.invoke(app, [*BASE, "--incident", "INC-4", "--include-text", "--real-names"])
    assert res.exit_code == 0, res.output
    assert res.stdout.count("# Timeline: ") == 1
    assert "Alice Adams asks Bob Builder a question" in res.stdout
    assert "@Bob Builder is the pool saturated?" in res.stdout  # a mention written as the name used
    assert "Message text is included" in res.stdout


def test_written_as_markdown_and_html_with_a_manifest(tmp_path):
    res = runner.invoke(app, [*BASE, "-o", str(tmp_path / "t"), "--include-text"])
    assert res.exit_code == 0, res.output
    names = sorted(p.name for p in (tmp_path / "t").iterdir())
    assert names == [
        "incident-2026-03-02-orders-db.html",
        "incident-2026-03-02-orders-db.md",
        "incident-2026-03-07-auth.html",
        "incident-2026-03-07-auth.md",
        "run.json",
    ]
    page = (tmp_path / "t" / "incident-2026-03-02-orders-db.html").read_text()
    assert page.startswith("<!doctype html>") and "<blockquote>" in page
    assert "What&#x27;s the status?" in page  # text escaped
    manifest = check_seal(tmp_path / "t")  # sealed like every folder incsim writes
    assert manifest["kind"] == "timeline"
    assert sorted(f["path"] for f in manifest["files"]) == names[:-1]


def test_unknown_incident_is_a_one_line_error():
    res = runner.invoke(app, [*BASE, "--incident", "INC-99"])
    assert res.exit_code == 2 and "no incident channel named 'INC-99'" in res.output
    assert "Traceback" not in res.output
