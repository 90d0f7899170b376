"""The pure helpers of an incident's live state, on hand-built runs: who counts as the debugger's
audience, the debugger's speed, the incident's random streams and what a protocol sees.

Every expectation is worked out by hand from the rule in the docstring (or, for the streams,
from NumPy's own ``SeedSequence`` with the documented key), not read off the code."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
import simpy

from incsim.model.incidents import IncidentSpec
from incsim.model.live_incident import TRIAGE_CALL, LiveIncident
from incsim.model.people import Engineer
from incsim.model.streams import SOURCES, Streams
from incsim.scenario.durations import Constant, Exponential

# works 09:00-17:00 UTC every day: minute 600 (10:00) is inside, minute 1200 (20:00) outside
DAY_WORKER = dict(
    team="db",
    index=0,
    is_lead=False,
    utc_offset_hours=0.0,
    start_hour=9.0,
    end_hour=17.0,
    weekends_off=False,
    duties=(),
)


def person(pid: str) -> Engineer:
    return Engineer(id=pid, **DAY_WORKER)


def spec(flags=(), roots=("api",), stream_id=None, id=3) -> IncidentSpec:
    return IncidentSpec(
        id=id,
        at=0.0,
        category="outage",
        flags=tuple(flags),
        roots=tuple(roots),
        diagnosis=30.0,
        fix=10.0,
        consults=(),
        consult_teams=(),
        decisions=(),
        stream_id=stream_id,
    )


def make_run(s: IncidentSpec | None = None, now: float = 0.0, streams: Streams | None = None) -> LiveIncident:
    env = simpy.Environment(initial_time=now)
    number = {"dee": 0, "ann": 1, "bob": 2, "cy": 3}
    return LiveIncident(s or spec(), env, streams or Streams(11, 2), number)


def behaviour(per_listener=0.1, max_slowdown=1.5, off_hours=2.0):
    return SimpleNamespace(
        narration=SimpleNamespace(per_listener=per_listener, max_slowdown=max_slowdown),
        off_hours_slowdown=off_hours,
    )


# -- the audience ---------------------------------------------------------------------------
def test_the_audience_is_everyone_in_the_open_room_but_the_debugger():
    run = make_run()
    run.debugger = person("dee")
    run.room_open = True
    run.present = {"dee", "ann", "bob", "cy"}
    assert run.audience() == 3
    run.present = {"ann", "bob"}  # the debugger not (yet) in the room: everyone counts
    assert run.audience() == 2


def test_with_no_debugger_everyone_in_the_room_is_audience():
    run = make_run()
    run.room_open = True
    run.present = {"ann", "bob"}
    assert run.audience() == 2


def test_with_no_room_open_there_is_no_audience():
    run = make_run()
    run.debugger = person("dee")
    run.present = {"dee", "ann", "bob"}  # left over: only an open room has an audience
    assert run.audience() == 0


# -- the debugger's speed -------------------------------------------------------------------
def test_alone_and_in_working_hours_the_debugger_works_at_full_speed():
    run = make_run()
    run.debugger = person("dee")
    assert run.rate(behaviour(), 600.0) == 1.0


def test_narrating_to_n_listeners_slows_by_one_plus_n_times_per_listener():
    run = make_run()
    run.debugger = person("dee")
    run.room_open = True
    run.present = {"dee", "ann", "bob"}  # two listeners: 1 + 2 * 0.1 = 1.2
    assert run.rate(behaviour(), 600.0) == pytest.approx(1 / 1.2)
    run.present = {"dee", "ann", "bob", "cy"}  # three: 1.3
    assert run.rate(behaviour(), 600.0) == pytest.approx(1 / 1.3)


def test_the_narration_slowdown_is_capped():
    run = make_run()
    run.debugger = person("dee")
    run.room_open = True
    run.present = {"dee", "ann", "bob", "cy"}  # 1 + 3 * 0.4 = 2.2, capped at 1.5
    assert run.rate(behaviour(per_listener=0.4, max_slowdown=1.5), 600.0) == pytest.approx(1 / 1.5)


def test_an_empty_room_does_not_slow_the_debugger():
    run = make_run()
    run.debugger = person("dee")
    run.room_open = True
    run.present = {"dee"}
    assert run.rate(behaviour(), 600.0) == 1.0


def test_outside_working_hours_the_debugger_is_slower_and_both_slowdowns_multiply():
    run = make_run()
    run.debugger = person("dee")
    assert run.rate(behaviour(off_hours=2.0), 1200.0) == pytest.approx(0.5)
    run.room_open = True
    run.present = {"dee", "ann", "bob"}  # 1.2 narrating, 2.0 at night
    assert run.rate(behaviour(off_hours=2.0), 1200.0) == pytest.approx(1 / 2.4)
    assert run.rate(behaviour(off_hours=2.0), 600.0) == pytest.approx(1 / 1.2)  # the morning comes


def test_with_no_debugger_yet_only_narration_counts():
    run = make_run()
    run.room_open = True
    run.present = {"ann"}
    assert run.rate(behaviour(off_hours=2.0), 1200.0) == pytest.approx(1 / 1.1)


# -- the random streams ---------------------------------------------------------------------
def numpy_stream(root: int, replication: int, *key: int) -> np.random.Generator:
    """The documented stream: NumPy's SeedSequence(root, spawn_key=(replication, *key)) in PCG64."""
    return np.random.Generator(np.random.PCG64(np.random.SeedSequence(root, spawn_key=(replication, *key))))


def test_the_incidents_stream_is_keyed_by_source_and_incident():
    run = make_run(spec(id=3))
    expected = numpy_stream(11, 2, SOURCES["triage"], 3 + 1).random(4)
    assert list(run.stream("triage").random(4)) == list(expected)


def test_a_persons_stream_is_keyed_by_their_roster_number_too():
    run = make_run(spec(id=3))
    ann, bob = person("ann"), person("bob")
    assert list(run.stream("linger", bob).random(3)) == list(
        numpy_stream(11, 2, SOURCES["linger"], 4, 2 + 1).random(3)
    )
    assert list(run.stream("linger", ann).random(3)) == list(
        numpy_stream(11, 2, SOURCES["linger"], 4, 1 + 1).random(3)
    )


def test_a_service_failure_draws_on_its_stream_id_not_its_id():
    run = make_run(spec(id=3, stream_id=1000))
    assert list(run.stream("triage").random(2)) == list(
        numpy_stream(11, 2, SOURCES["triage"], 1001).random(2)
    )


def test_a_stream_goes_on_where_it_stopped():
    run = make_run(spec(id=3))
    first = run.stream("questions").random()
    second = run.stream("questions").random()
    assert [first, second] == list(numpy_stream(11, 2, SOURCES["questions"], 4).random(2))


def test_draw_samples_on_the_named_stream_and_gives_0_when_switched_off():
    run = make_run(spec(id=3))
    dist = Exponential.model_validate({"dist": "exponential", "mean": 5.0})
    assert run.draw(None, "briefing", person("ann")) == 0.0
    expected = numpy_stream(11, 2, SOURCES["briefing"], 4, 2).exponential(5.0)
    assert run.draw(dist, "briefing", person("ann")) == pytest.approx(expected)


def test_a_cost_switched_off_or_fixed_makes_no_stream():
    streams = Streams(11, 2)
    run = make_run(spec(id=3), streams=streams)
    fixed = Constant.model_validate({"dist": "fixed", "value": 4.5})
    assert run.draw(None, "briefing", person("ann")) == 0.0
    assert run.draw(fixed, "refocus", person("ann")) == 4.5
    assert streams._cache == {}  # neither made a stream: nothing else's draws can move
    dist = Exponential.model_validate({"dist": "exponential", "mean": 5.0})
    run.draw(dist, "briefing", person("ann"))
    assert len(streams._cache) == 1


# -- what the protocol sees -----------------------------------------------------------------
@pytest.mark.parametrize(
    "flags, affected, at_risk",
    [
        ((), {"api"}, False),
        (("data-loss",), {"api"}, True),  # data loss is always a risk to customer data
        (("security",), {"api"}, False),  # a security incident on a service holding none
        (("security",), {"api", "billing"}, True),  # ... that reached one holding it
        (("security", "data-loss"), {"api"}, True),
    ],
)
def test_customer_data_is_at_risk_on_data_loss_or_a_security_incident_on_a_service_holding_it(
    flags, affected, at_risk
):
    run = make_run(spec(flags=flags))
    run.affected = set(affected)
    assert run.view({"billing"}, 0.0).customer_data_at_risk is at_risk


def test_the_view_counts_minutes_from_detection_and_services_affected():
    run = make_run(spec(flags=("security",), roots=("api", "db")), now=100.0)
    assert run.affected == {"api", "db"}  # the roots are affected from the start
    run.affected.add("web")
    run.mitigated = True
    v = run.view(set(), 145.5)
    assert (v.category, v.flags, v.services_affected, v.minutes_since_detected, v.mitigated) == (
        "outage",
        ("security",),
        3,
        45.5,
        True,
    )


# -- signals and the room -------------------------------------------------------------------
def test_change_work_multiplies_the_factor_adds_the_minutes_and_wakes_the_work_loop():
    run = make_run()
    run.change_work(0.5, 10.0)
    run.change_work(0.5)
    assert (run.work_factor, run.extra_work) == (0.25, 10.0)
    assert run.rate_changed.triggered


def test_waking_the_work_loop_twice_before_it_looks_is_harmless():
    run = make_run()
    run.wake_work()
    run.wake_work()  # simpy refuses to trigger an event twice
    assert run.rate_changed.triggered


def test_a_room_change_fires_the_awaited_signal_and_arms_a_new_one():
    run = make_run()
    old = run.room_changed
    run.room_changed_now()
    assert old.triggered and not run.room_changed.triggered and run.room_changed is not old
    assert run.rate_changed.triggered


def test_only_an_open_room_opened_for_triage_is_the_triage_call():
    run = make_run()
    assert run.in_triage_call is False  # a new incident has no room
    run.room_reason = TRIAGE_CALL
    assert run.in_triage_call is False  # closed
    run.room_open = True
    assert run.in_triage_call is True
    run.room_reason = "category outage"
    assert run.in_triage_call is False


def test_spectators_are_those_in_the_room_engaged_as_spectators_sorted():
    run = make_run()
    run.present = {"cy", "ann", "bob", "dee"}
    run.engaged = {
        "cy": "spectator",
        "ann": "spectator",
        "bob": "expert",
        "dee": "debugger",
        "eve": "spectator",
    }
    assert run.spectators() == ["ann", "cy"]


# -- a new incident -------------------------------------------------------------------------
def test_a_new_incident_has_nobody_no_room_nothing_done_and_its_roots_affected():
    run = make_run(spec(roots=("api", "db")), now=42.0)
    flags = (
        "room_open",
        "paying_interruptions",
        "mitigated",
        "escalated",
        "triage_pending",
        "contained",
        "questions_started",
    )
    assert {f: getattr(run, f) for f in flags} == dict.fromkeys(flags, False)
    assert all(type(getattr(run, f)) is bool for f in flags), {f: getattr(run, f) for f in flags}
    assert (run.room_reason, run.rooms_opened, run.phase) == ("", 0, "diagnose")
    assert (run.work_factor, run.extra_work, run.detected_at) == (1.0, 0.0, 42.0)
    assert run.affected == {"api", "db"} and run.debugger is None
    assert (run.engaged, run.joined_at_work, run.awaited, run.interruptions_due) == ({}, {}, {}, [])
    assert (run.present, run.fixed, run.recovered, run.readers) == (set(), set(), set(), set())
    signals = (run.ic_ready, run.debugger_ready, run.rate_changed, run.resolved, run.room_changed)
    assert len({id(s) for s in signals}) == 5 and not any(s.triggered for s in signals)
