"""The facilitator's tools tell the truth: the room's screen keeps the facilitator's material,
replays are faithful (after the planned end, and at equal minutes), one clock format, honest
counterfactual wording, and expectations never reached are not scored as missed."""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import pytest

from incsim.drill.aar import gather
from incsim.drill.counterfactual import Interval, Variant, sentence
from incsim.drill.engine import DrillSession
from incsim.drill.server import page_shell
from incsim.drill.transcript import transcript_from_text
from incsim.drill.views import player_view, room_view
from incsim.output import events_jsonl
from incsim.scenario.drill import load_drill, load_drill_text

ROOT = Path(__file__).resolve().parents[2]
FAILOVER = ROOT / "scenarios" / "drills" / "db-failover.yaml"


@pytest.fixture(scope="module")
def failover():
    return load_drill(FAILOVER)


def at_decision(session) -> None:
    while session.pending_decision() is None:
        session.step()


def test_the_projector_shows_no_recommendation_and_no_notes(failover):
    s = DrillSession(failover, 4)
    s.note("watch whether they look at the replica lag")
    at_decision(s)
    for snap in (room_view(s), player_view(s, "oncall")):
        assert [o["label"] for o in snap["decision"]["options"]] == [
            o.label for o in s.pending_decision().options
        ]
        assert "recommended" not in json.dumps(snap)
        assert "replica lag" not in json.dumps(snap)
    js = (Path(__file__).resolve().parents[2] / "src" / "incsim" / "drill" / "static" / "app.js").read_text()
    assert "recommended" not in page_shell("room", s.title)
    # the star is drawn only where the facilitator picks (a decision box with a pick handler)
    assert 'o.recommended ? " \\u2605"' in js and "if (onPick)" in js


def replay_of(live, loaded):
    r = DrillSession(loaded, live.seed, transcript_from_text(live.transcript.text()))
    while not r.finished:
        r.step()
    return r


def test_actions_after_the_planned_end_are_replayed(failover):
    live = DrillSession(failover, 6)
    while not live.finished:
        live.step()
    live.advance(10)  # the facilitator let the clock run on after the planned end
    live.note("late note")
    live.hotwash(failover.drill.hotwash[0], "the lag graph")
    live.action("Runbook", "data", "2027-01-31")
    replay = replay_of(live, failover)
    replay.play_out()
    live.play_out()
    assert replay.transcript.text() == live.transcript.text()
    assert [n["text"] for n in replay.notes] == ["late note"]
    assert replay.hotwash_answers == live.hotwash_answers and replay.plan == live.plan


def test_a_replay_keeps_the_order_of_one_minute():
    """An inject and a decision at the same minute, and the room acting at that minute."""
    text = FAILOVER.read_text().replace(
        """  - id: replica-note
    at: 8""",
        """  - id: same-minute
    at: 9
    lane: incident
    from: data on-call
    text: "Replica lag is zero."
  - id: replica-note
    at: 8""",
    )
    loaded = load_drill_text(text, str(FAILOVER), base=FAILOVER.parent)
    for seed in (1, 2):
        live = DrillSession(loaded, seed)
        live.advance(2.0)
        live.act("oncall", "ack")
        while not live.finished:
            live.step()
            live.note(f"at {live.now:.3f}")
            p = live.pending_decision()
            if p is not None:
                live.decide(p.id, p.options[-1].id)
                live.fire("vp-asks") if "vp-asks" not in live.fired else None
        replay = replay_of(live, loaded)
        assert [(f.t, f.text) for f in replay.feed()] == [(f.t, f.text) for f in live.feed()]
        replay.play_out()
        live.play_out()
        assert events_jsonl({"x": replay.world.log.events}, 0) == events_jsonl(
            {"x": live.world.log.events}, 0
        )


def test_one_clock_format_with_the_local_time_of_day(failover):
    s = DrillSession(failover, 4)  # starts Tue 14:10 in the payments team's zone
    assert s.when(9) == "T+09:00 (Tue 14:19)"
    assert s.status().local == "Tue 14:10"
    s.note("a note")
    at_decision(s)
    data = gather(s, replications=0)
    assert data.timeline[0]["clock"] == "T+00:00"
    assert all(re.fullmatch(r"T\+\d{2,}:\d{2}", row["clock"]) for row in data.timeline)


def _variant(mean: float, low: float, high: float, d: tuple[float, float, float]) -> Variant:
    same = {m: 0.0 for m in ("ttr_min", "engineer_hours", "customer_impact_min", "data_exposure")}
    figs = {m: Interval(mean, low, high) for m in same}
    diff = {m: Interval(*d) for m in same}
    return Variant(
        "option", "failover: Fail over", "failover", "failover", "async-first", 9.0, same, figs, diff
    )


def test_counterfactual_wording_compares_like_with_like():
    v = _variant(41.0, 38.0, 44.0, (0.2, -0.4, 0.3))
    text = sentence(v)
    assert "instead of 41 as played over the same replications" in text  # not the one played history's 34
    assert not re.search(r"[-+]0\b", text) and "paired difference ±0 min [±0 to ±0]" in text
    same = sentence(_variant(41.0, 38.0, 44.0, (0.0, 0.0, 0.0)))
    assert "the same on every replication" in same
    down = sentence(_variant(30.0, 27.0, 33.0, (-11.0, -14.0, -8.0)))
    assert "instead of 41" in down and "paired difference -11 min [-14 to -8]" in down
    assert "at T+09:00" in down
    assert not math.isnan(v.figures["ttr_min"].mean)


def test_expectations_never_reached_are_not_scored_as_missed():
    # the support inject comes only after a call with the data team: failing over, it never comes
    text = FAILOVER.read_text().replace("when: {minutes_without_mitigation: 30}", "after: failover.room")
    s = DrillSession(load_drill_text(text, str(FAILOVER), base=FAILOVER.parent), 4)
    s.advance(3)
    s.act("oncall", "ack")
    at_decision(s)
    s.decide("failover", "failover")
    while not s.finished:
        at = s.pending_decision()
        if at is not None:
            s.decide(at.id, at.default)
        else:
            s.step()
    s.play_out()
    assert "customers" not in s.fired
    data = gather(s, replications=0)
    rows = {r["id"]: r for o in data.objectives for r in o["expectations"]}
    assert rows["update-30"]["outcome"] == "not reached"
    assert data.score == (2.0, 2.0), "ack-5 alone is scored: met, 2 of 2"
