"""The drill engine: stepping, decisions and their effects, transcripts, counterfactuals."""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from incsim.drill.aar import write_outputs
from incsim.drill.counterfactual import counterfactuals
from incsim.drill.engine import DrillSession
from incsim.drill.transcript import Transcript, load_transcript, transcript_from_text
from incsim.model.events import Kind
from incsim.output import OutputError, check_seal
from incsim.scenario.drill import load_drill, load_drill_text
from incsim.scenario.loader import ScenarioError

ROOT = Path(__file__).resolve().parents[2]
FAILOVER = ROOT / "scenarios" / "drills" / "db-failover.yaml"
SECURITY = ROOT / "scenarios" / "drills" / "security-exfiltration.yaml"


@pytest.fixture(scope="module")
def failover():
    return load_drill(FAILOVER)


def kinds(session) -> list[str]:
    return [e.kind.value for e in session.world.log.events]


def test_step_stops_at_each_inject_and_decision(failover):
    s = DrillSession(failover, 7)
    assert s.now == 0 and s.upcoming()[0].id == "replica-note"
    s.step()
    assert s.now == pytest.approx(8.0) and "replica-note" in s.fired
    s.step()  # the decision comes 1 minute after the inject it follows
    p = s.pending_decision()
    assert p is not None and p.id == "failover" and s.now == pytest.approx(9.0)
    assert p.deadline == pytest.approx(14.0) and p.default == "debug"
    assert [o.id for o in p.options if o.recommended] == ["failover"]
    assert s.next_stop() == pytest.approx(14.0)


def test_advance_stops_early_at_a_decision(failover):
    s = DrillSession(failover, 7)
    s.advance(30)
    assert s.now == pytest.approx(9.0) and s.pending_decision() is not None


def test_a_decision_not_taken_defaults_at_its_timeout(failover):
    s = DrillSession(failover, 7)
    s.advance(9)
    s.advance(10)
    assert s.pending_decision() is None
    d = s.decided["failover"]
    assert (d.option, d.by, d.t) == ("debug", "default", pytest.approx(14.0))
    assert s.transcript.actions == []  # nobody in the room acted


def test_a_simulated_role_decides_at_once():
    text = FAILOVER.read_text().replace("    played: true\n", "    played: false\n", 1)
    s = DrillSession(load_drill_text(text, str(FAILOVER), base=FAILOVER.parent), 7)
    s.advance(20)
    assert s.decided["failover"].by == "model" and s.decided["failover"].t == pytest.approx(9.0)


def test_decide_records_the_action_and_applies_the_effect(failover):
    s = DrillSession(failover, 7)
    s.step()
    s.step()
    s.decide("failover", "failover")
    (act,) = s.transcript.actions
    assert (act.t, act.action, act.args) == (
        pytest.approx(9.0),
        "decide",
        {"decision": "failover", "option": "failover"},
    )
    assert s.run.work_factor == pytest.approx(0.25)
    with pytest.raises(ValueError):
        s.decide("failover", "debug")  # answered already
    with pytest.raises(KeyError):
        s.fire("no-such-inject")


def test_chunking_the_clock_does_not_change_what_happens(failover):
    """Driven in odd small steps or stepped to each stop, the same world and feed come out."""
    a = DrillSession(failover, 11)
    while not a.finished:
        a.step()
    b = DrillSession(failover, 11)
    while not b.finished:
        b.advance(0.7)
    assert [e.as_dict() for e in a.world.log.events] == [e.as_dict() for e in b.world.log.events]
    assert [(f.t, f.text) for f in a.feed()] == [(f.t, f.text) for f in b.feed()]


def test_condition_injects_fire_when_the_state_holds():
    # a threshold the exposure passes before the triage call's containment decision (T+12 here)
    text = SECURITY.read_text().replace("exposure_over: 1500", "exposure_over: 1000")
    assert "exposure_over: 1000" in text
    s = DrillSession(load_drill_text(text, str(SECURITY), SECURITY.parent), 3)
    while not s.finished and "exposure-high" not in s.fired:
        s.step()
    assert "exposure-high" in s.fired
    rate = next(e for e in s.world.log.events if e.kind is Kind.DETECTED).exposure_per_min
    assert s.fired["exposure-high"].t == pytest.approx(1000 / rate)  # exactly when exposure reaches 1000


def test_containment_stops_the_exposure():
    loaded = load_drill(SECURITY)
    open_ = DrillSession(loaded, 3)
    contained = DrillSession(loaded, 3)
    for s, choice in ((open_, "investigate"), (contained, "block")):
        s.advance(2)
        s.decide("containment", choice)
        s.advance(30)
    assert contained.exposure() < open_.exposure()
    assert contained.exposure() == pytest.approx(contained.exposure())
    assert contained.status().exposure == pytest.approx(contained.exposure())
    before = contained.exposure()
    contained.advance(10)
    assert contained.exposure() == pytest.approx(before)  # no longer growing


def test_transcript_text_round_trips_exactly(failover):
    s = DrillSession(failover, 5)
    s.advance(1 / 3)
    s.note('a note with "quotes" and: colons', "mitigate")
    s.advance(8.7)
    s.decide("failover", "room")
    back = transcript_from_text(s.transcript.text())
    assert back.actions == s.transcript.actions and back.seed == 5
    assert back.actions[0].t == s.transcript.actions[0].t != round(back.actions[0].t, 6)


def test_a_bad_transcript_is_located(tmp_path):
    t = tmp_path / "t.yaml"
    t.write_text("apiVersion: incsim/v1\nkind: DrillTranscript\nseed: 1\nactions:\n- {t: 3, do: decide}\n")
    with pytest.raises(ScenarioError) as exc:
        load_transcript(t)
    assert str(exc.value) == f"{t}:5:3: actions.0: missing required key 'decision'"


def test_replaying_a_transcript_gives_byte_identical_outputs(failover, tmp_path):
    live = DrillSession(failover, 9)
    live.advance(3.25)
    live.note("slow to join")
    live.step()
    live.step()
    live.decide("failover", "room")
    live.fire("vp-asks")
    live.advance(20)
    live.mark("ack-5", "partial")
    live.hotwash("What went well? What went badly?", "the call helped")
    live.action("Write a failover runbook", "data", "2027-01-31")
    write_outputs(live, tmp_path / "live", replications=3)
    script = load_transcript(tmp_path / "live" / "transcript.yaml")
    replay = DrillSession(failover, script.seed, script)
    while not replay.finished:
        replay.step()
    write_outputs(replay, tmp_path / "replay", replications=3)
    for name in ("events.jsonl", "transcript.yaml", "aar.html", "aar.md", "run.json"):
        assert (tmp_path / "live" / name).read_bytes() == (tmp_path / "replay" / name).read_bytes(), name
    assert "the call helped" in (tmp_path / "live" / "aar.md").read_text()
    # the folder proves it is whole, like a run's: every file listed with its size and sha256
    listed = {e["path"] for e in check_seal(tmp_path / "live")["files"]}
    assert listed == {"events.jsonl", "transcript.yaml", "aar.html", "aar.md"}
    aar = tmp_path / "live" / "aar.md"
    aar.write_bytes(aar.read_bytes()[:-10])
    with pytest.raises(OutputError, match="aar.md: damaged"):
        check_seal(tmp_path / "live")


def test_a_journal_keeps_actions_and_resume_continues(failover, tmp_path):
    journal = tmp_path / "j.yaml"
    s = DrillSession(failover, 4)
    s.transcript.start_journal(journal)
    s.advance(9)
    s.decide("failover", "failover")
    s.advance(2)
    s.note("after the decision")
    # the process dies here; the journal has both actions on disk
    back = load_transcript(journal)
    assert [a.action for a in back.actions] == ["decide", "note"]
    resumed = DrillSession(failover, back.seed, back)
    resumed.catch_up()
    assert resumed.now == pytest.approx(11.0)
    assert kinds(resumed) == kinds(s)
    assert resumed.decided["failover"].option == "failover"


def test_finish_refuses_a_non_empty_folder(failover, tmp_path):
    from incsim.output import OutputError

    (tmp_path / "old.txt").write_text("x")
    s = DrillSession(failover, 1)
    with pytest.raises(OutputError, match="not empty"):
        write_outputs(s, tmp_path, replications=0)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]


def _ttr_difference(loaded, option_id: str, seed: int = 21, reps: int = 12):
    s = DrillSession(loaded, seed)
    s.advance(9)
    s.decide("failover", "debug")  # the neutral option as played
    s.play_out()
    v = next(v for v in counterfactuals(s, reps) if v.option == option_id)
    return v.difference["ttr_min"]


def test_a_decision_built_to_help_shortens_the_counterfactual_ttr(failover):
    d = _ttr_difference(failover, "failover")  # remaining work x0.25
    assert d.high < 0 and math.isfinite(d.low)


def test_a_decision_built_to_hurt_lengthens_the_counterfactual_ttr():
    text = FAILOVER.read_text().replace(
        "{do: fail_over, remaining_work: 0.25, extra_min: 5}",
        "{do: roll_back, remaining_work: 1.5, extra_min: 20}",
    )
    loaded = load_drill_text(text, str(FAILOVER), base=FAILOVER.parent)
    d = _ttr_difference(loaded, "failover")
    assert d.low > 0


def test_counterfactuals_replay_the_drill_with_the_same_numbers(failover):
    s = DrillSession(failover, 13)
    s.advance(9)
    s.decide("failover", "failover")
    s.play_out()
    variants = counterfactuals(s, 4)
    played = variants[0]
    assert played.varies == "played"
    assert played.same_numbers["ttr_min"] == pytest.approx(s.ttr(), abs=1e-6)
    assert {v.protocol for v in variants if v.varies == "protocol"} == {"war-room", "hybrid"}
    expected = {("failover", "debug"), ("failover", "room")}
    if "status" in s.decided:
        expected |= {("status", o) for o in ("post", "wait") if o != s.decided["status"].option}
    assert {(v.decision, v.option) for v in variants if v.varies == "option"} == expected


def test_snapshot_is_json_ready(failover):
    import json

    from incsim.drill.views import FEED_TAIL, facilitator_view, player_view, room_view

    s = DrillSession(failover, 2)
    s.step()
    for view in (room_view(s), player_view(s, "oncall"), facilitator_view(s, {})):
        snap = json.loads(json.dumps(view, allow_nan=False))
        assert snap["status"]["protocol"] == "async-first"
        assert any(f["kind"] == "inject" and f["channel"] == "incident" for f in snap["feed"])
        assert len(snap["feed"]) <= 2 * FEED_TAIL


def test_transcript_header_names_the_drill():
    t = Transcript(drill="x: y", seed=3, protocol="hybrid")
    assert transcript_from_text(t.text()).drill == "x: y"


EFFECTS_DRILL = """\
apiVersion: incsim/v1
kind: Drill
metadata: {title: effects, duration_min: 60}
scenario: {path: ../seed.yaml, protocol: async-first}
incident: {category: single-service, roots: [checkout], start: Wed 11:00}
seats: [{id: ic, title: IC}]
decisions:
  - id: act
    at: 5
    prompt: Which?
    role: ic
    default: none
    options:
      - {id: call, label: call, effects: [{do: open_room, with: [security, data-1]}]}
      - {id: hang-up, label: hang up, effects: [{do: open_room}, {do: close_room}]}
      - {id: page, label: page, effects: [{do: page, who: [payments]}]}
      - {id: escalate, label: escalate, effects: [{do: escalate, reason: because}]}
      - {id: post, label: post, effects: [{do: status_update, text: all hands on deck}]}
      - {id: none, label: none, effects: [{do: nothing}]}
"""


@pytest.mark.parametrize("option", ["call", "hang-up", "page", "escalate", "post", "none"])
def test_each_effect_reaches_the_world(option):
    loaded = load_drill_text(
        EFFECTS_DRILL, str(ROOT / "scenarios" / "drills" / "x.yaml"), base=ROOT / "scenarios" / "drills"
    )
    s = DrillSession(loaded, 3)
    s.advance(5)
    start = len(s.world.log.events)
    s.decide("act", option)
    s.advance(15)
    after = s.world.log.events[start:]
    got = {
        (e.kind, e.who, getattr(e, "role", None), getattr(e, "reason", None), getattr(e, "channel", None))
        for e in after
    }
    paged = {e.who for e in after if e.kind is Kind.PAGED}
    if option == "call":
        assert any(e.kind is Kind.ROOM_OPENED for e in after)
        assert "data-1" in paged and any(w.startswith("security-") for w in paged)
        assert len(paged) == 2  # only the people named: no protocol invitation
    elif option == "hang-up":
        assert [e.kind for e in after if e.kind in (Kind.ROOM_OPENED, Kind.ROOM_CLOSED)][:2] == [
            Kind.ROOM_OPENED,
            Kind.ROOM_CLOSED,
        ]
    elif option == "page":
        assert any(w.startswith("payments-") for w in paged)
    elif option == "escalate":
        assert any(k is Kind.ESCALATED and reason == "because" for k, _, _, reason, _ in got)
    elif option == "post":
        assert any(k is Kind.UPDATE and ch == "status" for k, _, _, _, ch in got)
    else:
        assert not paged and not any(e.kind in (Kind.ROOM_OPENED, Kind.ESCALATED) for e in after)


def test_a_drawn_incident_comes_from_the_scenario():
    text = EFFECTS_DRILL.replace(
        "incident: {category: single-service, roots: [checkout], start: Wed 11:00}",
        "incident: {draw: {seed: 5}}",
    )
    loaded = load_drill_text(
        text, str(ROOT / "scenarios" / "drills" / "x.yaml"), base=ROOT / "scenarios" / "drills"
    )
    a, b = DrillSession(loaded, 1), DrillSession(loaded, 1)
    assert a.spec == b.spec and a.t0 > 0
    from incsim.model.incidents import generate_incidents
    from incsim.model.streams import Streams

    first = generate_incidents(
        loaded.scenario, Streams(5, 0), loaded.scenario.simulation.horizon_days * 1440
    )[0]
    week = 7 * 1440.0
    assert (a.spec.at % week, a.spec.category, a.spec.flags, a.spec.roots[0]) == (
        first.at % week,
        first.category,
        first.flags,
        first.roots[0],
    )
    assert a.t0 >= week  # T0 in the second week: times since T0 are exact


@pytest.mark.parametrize("path", sorted((ROOT / "scenarios" / "drills").glob("*.yaml")), ids=lambda p: p.stem)
def test_every_ready_drill_runs_to_the_end_on_defaults(path):
    s = DrillSession(load_drill(path), 1)
    while not s.finished:
        s.step()
    s.play_out()
    assert s.ttr() is not None and s.ttr() > 0
    # on defaults, a decision whose premise never holds (only_if, or after an option not taken) is never asked
    expected = {
        d.id for d in s.drill.decisions if d.only_if is None and (d.after is None or "." not in d.after)
    }
    assert s.pending_decision() is None and expected <= set(s.decided) <= {d.id for d in s.drill.decisions}
    assert any(f.source == "inject" for f in s.feed())


@pytest.mark.parametrize("choice,outcome", [("post", "met"), ("wait", "missed")])
def test_a_status_page_expectation_needs_a_status_page_update(choice, outcome):
    text = FAILOVER.read_text().replace("by_min: 10, event: update", "by_min: 10, event: status_update")
    s = DrillSession(load_drill_text(text, str(FAILOVER), base=FAILOVER.parent), 7)
    while "status" not in s.prompted:
        s.step()
    s.decide("status", choice)
    s.play_out()
    got, when = s.outcome("update-30")
    assert got == outcome
    assert any(e.kind is Kind.UPDATE and e.channel == "incident" for e in s.world.log.events)
    if outcome == "met":
        assert when == pytest.approx(s.decided["status"].t)


def test_an_expectation_with_a_role_waits_for_that_role(failover):
    s = DrillSession(failover, 7)
    s.advance(3)
    s.act("oncall", "ack")
    s.advance(17)
    joined = {e.role: e.t - s.t0 for e in s.world.log.events if e.kind is Kind.JOINED}
    assert joined["debugger"] == pytest.approx(3.0)
    assert s.outcome("ack-5") == ("met", pytest.approx(joined["debugger"]))
    text = FAILOVER.read_text().replace("role: oncall, score: 2", "role: ic, score: 2")
    other = DrillSession(load_drill_text(text, str(FAILOVER), base=FAILOVER.parent), 7)
    other.advance(20)
    assert other.outcome("ack-5") == ("met", pytest.approx(joined["ic"]))
    assert joined["ic"] != joined["debugger"]
