"""Consequences the room can believe and read: effects in words with their timing, decisions
asked only when their premise holds, the author's own incident work, and the run sheet."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from incsim.cli import app
from incsim.drill.engine import DrillSession, incident_spec
from incsim.drill.runsheet import run_sheet
from incsim.scenario.drill import load_drill, load_drill_text

ROOT = Path(__file__).resolve().parents[2]
FAILOVER = ROOT / "scenarios" / "drills" / "db-failover.yaml"
CASCADE = ROOT / "scenarios" / "drills" / "cascading-outage.yaml"


def until_pending(s, did: str) -> None:
    while (p := s.pending_decision()) is None or p.id != did:
        if p is not None:
            s.decide(p.id, p.default)
        elif s.finished:
            raise AssertionError(f"{did} was never asked")
        else:
            s.step()


def test_an_effect_is_told_in_words_with_its_timing():
    s = DrillSession(load_drill(FAILOVER), 4)
    until_pending(s, "failover")
    s.decide("failover", "failover")
    told = [f for f in s.feed() if f.source == "effect"]
    assert len(told) == 1 and told[0].t == pytest.approx(9.0)
    assert told[0].text.startswith("failover started (about 5 min of work; done near T+14:00); then 75% less")


def test_a_decision_is_asked_only_while_its_premise_holds():
    loaded = load_drill(CASCADE)
    s = DrillSession(loaded, 3)
    until_pending(s, "bridge")
    s.decide("bridge", "call-owners")  # a call is open
    until_pending(s, "rollback")
    s.decide("rollback", "roll-back")
    until_pending(s, "close-call")
    assert s.run.room_open and not s.run.mitigated
    quiet = DrillSession(loaded, 3)
    until_pending(quiet, "bridge")
    quiet.decide("bridge", "channel")  # no call: "close the call" makes no sense
    until_pending(quiet, "rollback")
    quiet.decide("rollback", "roll-back")
    while not quiet.finished:
        assert quiet.pending_decision() is None or quiet.pending_decision().id != "close-call"
        quiet.step()
    assert "close-call" not in quiet.prompted
    waiting = {u.id: u.when for u in DrillSession(loaded, 3).upcoming()}
    assert waiting["close-call"] == "after rollback.roll-back +10, if call open and not mitigated"


def test_the_author_sets_the_incident_work():
    text = FAILOVER.read_text().replace(
        "  start: Tue 14:10\n",
        "  start: Tue 14:10\n  diagnosis_min: 25\n  fix_min: {dist: uniform, low: 5, high: 10}\n",
    )
    loaded = load_drill_text(text, str(FAILOVER), base=FAILOVER.parent)
    specs = [incident_spec(loaded, seed) for seed in range(1, 9)]
    assert {s.diagnosis for s in specs} == {25.0}
    fixes = [s.fix for s in specs]
    assert all(5 <= f <= 10 for f in fixes) and len(set(fixes)) == len(fixes)
    assert incident_spec(loaded, 3) == incident_spec(loaded, 3)
    drawn = [incident_spec(load_drill(FAILOVER), seed).diagnosis for seed in range(1, 9)]
    assert len(set(drawn)) > 1  # without the author's figure the scenario draws it


def test_the_run_sheet_is_the_dry_run_of_that_seed(tmp_path):
    loaded = load_drill(CASCADE)
    sheet = run_sheet(loaded, 3)
    dry = DrillSession(loaded, 3, players=frozenset())
    while not dry.finished:
        dry.step()
    dry.play_out()
    for d in dry.decided.values():
        assert f"decision {d.id} asked of" in sheet
    assert f"time to resolve: {dry.ttr():.0f} min" in sheet
    assert "T+00:00 is Wed 10:40 local" in sheet
    res = CliRunner().invoke(app, ["validate", str(CASCADE), "--seed", "3"])
    assert res.exit_code == 0 and res.output.endswith(sheet)
    assert run_sheet(loaded, 3) == sheet


def test_a_status_text_follows_the_choice_taken():
    loaded = load_drill(FAILOVER)
    posted = {}
    for choice in ("failover", "debug"):
        s = DrillSession(loaded, 4)
        until_pending(s, "failover")
        s.decide("failover", choice)
        until_pending(s, "status")
        s.decide("status", "post")
        posted[choice] = [e.text for e in s.world.log.events if getattr(e, "channel", None) == "status"]
    assert posted["debug"] == ["Some payments are failing; we are investigating the payments database."]
    assert posted["failover"] == ["Some payments are failing; we are failing over the payments database."]
    bad = FAILOVER.read_text().replace("failover.room: Some", "failover.nope: Some")
    from incsim.scenario.loader import ScenarioError

    with pytest.raises(ScenarioError, match="failover.nope' is no decision.option"):
        load_drill_text(bad, str(FAILOVER), base=FAILOVER.parent)


def _late_failover() -> object:
    """The failover drill with a long fix (60 min, diagnosis 3), the decision asked at T+40 and
    150 minutes to run."""
    text = FAILOVER.read_text(encoding="utf-8")
    text = text.replace("  start: Tue 14:10\n", "  start: Tue 14:10\n  diagnosis_min: 3\n  fix_min: 60\n")
    text = text.replace("    after: replica-note\n    delay_min: 1\n", "    at: 40\n")
    text = text.replace("  duration_min: 60\n", "  duration_min: 150\n")
    return load_drill_text(text, "late-failover.yaml", base=FAILOVER.parent)


def _play_out(s) -> None:
    while not s.finished:
        p = s.pending_decision()
        if p is not None:
            s.decide(p.id, p.default)
        else:
            s.step()


def test_the_feed_says_when_the_service_should_recover_only_where_the_schedule_knows():
    import re

    from incsim.model.events import Recovered

    said = {}
    for seed in (1, 2, 3):
        s = DrillSession(_late_failover(), seed)
        until_pending(s, "failover")
        phase = s.run.phase
        s.decide("failover", "failover")
        text = [f.text for f in s.feed() if f.source == "effect" and f.text.startswith("failover")][0]
        _play_out(s)
        near = re.search(r"should recover near T\+(\d+):(\d\d)", text)
        said[seed] = (phase, near is not None)
        if phase == "fix":  # the fix alone is ahead: the schedule is known
            back = [
                e.t - s.t0
                for e in s.world.log.events
                if isinstance(e, Recovered) and e.service == "payments-api"
            ]
            assert near is not None and back, text
            assert abs(int(near[1]) + int(near[2]) / 60 - back[0]) < 0.05  # the minute it did recover
    assert said[1] == ("fix", True) and said[3] == ("decide", False)  # a model decision ahead: not said
    s = DrillSession(load_drill(FAILOVER), 4)  # asked during a diagnosis with a drawn decision ahead
    until_pending(s, "failover")
    s.decide("failover", "failover")
    assert not any("should recover" in f.text for f in s.feed())


def test_the_debugger_waits_for_the_decision_they_need():
    s = DrillSession(_late_failover(), 1)
    until_pending(s, "failover")
    left = s.run.work_left(s.world.env.now)[0]
    s.advance(3)  # within the countdown: the room is still deciding
    assert s.pending_decision() is not None and s.pending_decision().id == "failover"
    assert s.run.work_left(s.world.env.now)[0] == pytest.approx(left)  # not a minute of work meanwhile
    s.decide("failover", "debug")  # keep debugging: the work goes on from where it stood
    s.advance(2)
    assert s.run.work_left(s.world.env.now)[0] == pytest.approx(left - 2, abs=0.01)
    late = DrillSession(_late_failover(), 1)
    until_pending(late, "failover")
    late.advance(4)
    late.decide("failover", "debug")
    soon = DrillSession(_late_failover(), 1)
    until_pending(soon, "failover")
    soon.decide("failover", "debug")
    _play_out(late)
    _play_out(soon)
    assert late.run.resolved.triggered == soon.run.resolved.triggered
    ends = [next(e.t for e in x.world.log.events if type(e).__name__ == "Recovered") for x in (late, soon)]
    assert ends[0] - ends[1] == pytest.approx(4, abs=0.01)  # four minutes of deciding, four minutes later
