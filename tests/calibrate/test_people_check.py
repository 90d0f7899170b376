"""The people figures read from simulated event logs, by hand."""

from __future__ import annotations

import pytest

from incsim.calibrate.people import request_rate
from incsim.calibrate.people_check import simulated_samples
from incsim.model import events as ev


def _detected(t: float, incident: int) -> ev.Detected:
    return ev.Detected(
        t,
        incident,
        category="single-service",
        flags=(),
        roots=("api",),
        diagnosis_min=30.0,
        fix_min=10.0,
        exposure_per_min=0.0,
    )


def test_update_request_rate_from_an_event_log_by_hand():
    log = [
        _detected(0.0, 1),
        ev.Question(10.0, 1, "leadership", to="ic-1", medium="channel", topic="any updates?"),
        ev.Question(20.0, 1, "app-1", to="db-1", medium="channel", topic="consult"),  # not a request
        ev.Question(50.0, 1, "leadership", to="ic-1", medium="room", topic="any updates?"),
        ev.Question(80.0, 1, "leadership", to="ic-1", medium="channel", topic="any updates?"),
        ev.Resolved(120.0, 1),
        _detected(200.0, 2),
        ev.Question(230.0, 2, "leadership", to="ic-2", medium="channel", topic="any updates?"),
        ev.Resolved(260.0, 2),
        _detected(300.0, 3),  # still open when the run ends: counted to its last event
        ev.Question(330.0, 3, "spectator-1", to="app-1", medium="room", topic="question"),
    ]
    s = simulated_samples(log)
    assert sorted(s["update_requests"]) == [0.0, 1.0, 3.0]
    assert sorted(s["channel_hours"]) == pytest.approx([0.5, 1.0, 2.0])
    rate = request_rate(s)
    assert rate == {"requests": 4, "hours": pytest.approx(3.5), "per_hour": pytest.approx(4 / 3.5)}


def test_no_hours_no_rate():
    assert request_rate({"update_requests": [], "channel_hours": []})["per_hour"] is None


def test_answers_and_spectators_from_an_event_log_by_hand():
    log = [
        _detected(0.0, 1),
        ev.Joined(1.0, 1, "ic-1", role="ic"),
        ev.Joined(2.0, 1, "spec-1", role="spectator"),  # before the room: not watching yet
        ev.RoomOpened(10.0, 1, reason="protocol", limit=None),
        ev.Joined(15.0, 1, "spec-2", role="spectator"),
        ev.Question(20.0, 1, "spec-2", to="dbg-1", medium="room", topic="question"),
        ev.Question(25.0, 1, "spec-1", to="dbg-1", medium="room", topic="question"),
        ev.Left(40.0, 1, "spec-2", role="spectator", refocus_min=0.0),  # watched 15 -> 40
        ev.Joined(50.0, 1, "spec-1", role="responder", change=True),  # watched 10 -> 50
        # asked at 55 (answered at 67): "day-1" at work then; asked at 60 (answered at 100): "night-1" not
        ev.Answer(67.0, 1, "day-1", to="dbg-1", medium="channel", wait_min=12.0),
        # asked at 55 (answered at 68): "ic-1" in the incident since 1, whatever their hours
        ev.Answer(68.0, 1, "ic-1", to="dbg-1", medium="channel", wait_min=13.0),
        ev.RoomClosed(70.0, 1),
        ev.Answer(100.0, 1, "night-1", to="dbg-1", medium="channel", wait_min=40.0),
        # "day-1" asked again at 105: they have answered in the channel already
        ev.Answer(110.0, 1, "day-1", to="dbg-1", medium="channel", wait_min=5.0),
        ev.Answer(101.0, 1, "day-1", to="dbg-1", medium="room", wait_min=1.0),  # aloud: not counted
        ev.Question(80.0, 1, "spec-1", to="dbg-1", medium="channel", topic="question"),  # room closed
        ev.Resolved(120.0, 1),
    ]
    seen = []

    def working(who, t):
        seen.append((who, t))
        return who == "day-1"

    s = simulated_samples(log, working)
    assert s["answer_business_min"] == [12.0] and s["answer_off_min"] == [40.0]
    assert s["answer_in_incident_min"] == [13.0, 5.0]
    # the request rate's hours run from the IC's joining (at 1) to the resolution (at 120)
    assert s["ic_hours"] == pytest.approx([119 / 60]) and s["channel_hours"] == pytest.approx([120 / 60])
    assert sorted(seen) == [("day-1", 55.0), ("night-1", 60.0)]  # judged when asked
    assert s["spectator_questions"] == [2.0]
    assert s["spectator_hours"] == pytest.approx([(25 + 40) / 60])
    assert s["call_size"] == [3.0]  # ic-1, spec-1, spec-2
    # without a clock for the answerers, no latencies
    assert simulated_samples(log)["answer_business_min"] == []
