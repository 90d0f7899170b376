"""The after-action report: its content, escaping, and a real browser (headless Chromium, the
report's own driver) showing it with no console error and no network request."""

from __future__ import annotations

from pathlib import Path

import pytest
from browser_helpers import CHROMIUM, WIDTH, png_size, render

from incsim.drill.aar import write_outputs
from incsim.drill.engine import DrillSession
from incsim.scenario.drill import load_drill_text

ROOT = Path(__file__).resolve().parents[2]
FAILOVER = ROOT / "scenarios" / "drills" / "db-failover.yaml"
NASTY = '<script>alert(1)</script> & "quotes" | pipes'


@pytest.fixture(scope="module")
def aar(tmp_path_factory) -> Path:
    text = FAILOVER.read_text().replace("title: Payments database failover", f"title: '{NASTY}'")
    loaded = load_drill_text(text, str(FAILOVER), base=FAILOVER.parent)
    s = DrillSession(loaded, 8)
    s.advance(9)
    s.note(NASTY, "mitigate")
    s.decide("failover", "failover")
    s.fire("vp-asks")
    s.advance(40)
    s.mark("update-30", "partial")
    s.hotwash("What went well? What went badly?", NASTY)
    s.action(NASTY, "data", "2027-01-31")
    return write_outputs(s, tmp_path_factory.mktemp("aar") / "out", replications=3)


def test_the_aar_has_every_section(aar):
    md = (aar / "aar.md").read_text()
    for heading in (
        "## Objectives and expectations",
        "## Decisions",
        "## What would have happened",
        "## Engineer time and who was busy",
        "## Timeline",
        "## Hot wash",
        "## Improvement plan",
    ):
        assert heading in md
    assert "| partial | T+" in md  # the facilitator's mark, with its time
    assert "Had failover been “Keep debugging the primary” at T+09:00" in md
    assert "Under war-room" in md and "Under hybrid" in md
    assert "| T+09:00 | facilitator | facilitator |" in md  # the note is in the timeline


def test_drill_text_is_escaped(aar):
    html = (aar / "aar.html").read_text()
    assert "<script" not in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    md = (aar / "aar.md").read_text()
    assert "<script" not in md and "\\|" in md  # a pipe cannot break a Markdown table


def test_the_aar_is_self_contained(aar):
    html = (aar / "aar.html").read_text()
    assert "default-src 'none'" in html
    for needle in ("http://", "https://", "<link", "@import", "src="):
        assert needle not in html.replace('xmlns="http://www.w3.org/2000/svg"', "").replace(
            'xmlns:xlink="http://www.w3.org/1999/xlink"', ""
        ), needle


@pytest.mark.skipif(CHROMIUM is None, reason="no Chromium found")
def test_the_aar_renders_in_a_browser_without_errors_or_network(aar, tmp_path):
    page = aar / "aar.html"
    seen = render(page.as_uri())
    assert seen["errors"] == [], seen["errors"]
    assert seen["requests"] == [page.as_uri()], seen["requests"]
    assert seen["title"].startswith("After-action report: ")
    assert seen["svgs"] == 1  # who was busy
    assert seen["scroll_width"] <= WIDTH
    width, height = png_size(seen["png"])
    assert width == WIDTH and height >= 2000


def test_the_aar_scores_the_incident_as_run_scores_it():
    """The AAR's figures are ``incsim run``'s for the same event log: one accounting of the whole
    log and off-hours minutes by the roster's working hours (an incident paged at 16:30 runs past
    the working day, where the two rules for the off-hours cost part)."""
    from incsim.drill.aar import gather, render
    from incsim.drill.counterfactual import TTR_METRICS, counterfactuals
    from incsim.metrics import score_log
    from incsim.model.people import Roster

    text = FAILOVER.read_text().replace("start: Tue 14:10", "start: Tue 16:30")
    s = DrillSession(load_drill_text(text, str(FAILOVER), base=FAILOVER.parent), 8)
    s.play_out()
    rows, _, _ = score_log(s.world.log.events, s.scenario.costs, Roster(s.scenario), s.world.env.now)
    (run_row,) = rows
    data = gather(s, replications=0)
    assert set(data.time) >= {"responder_hours", "engineer_hours", "cost_usd"}
    assert data.time == {k: float(run_row[k]) for k in data.time}
    assert run_row["labour_cost_usd"] > run_row["engineer_hours"] * s.scenario.costs.hourly_usd  # off hours
    played = counterfactuals(s, 1)[0]
    assert played.varies == "played"
    assert played.same_numbers == {m: float(run_row[m]) for m in TTR_METRICS}
    html, md = render(data)
    for page in (html, md):  # the label says what the number includes
        assert "essential roles" not in page and "Hours in the incident (responders and spectators)" in page
