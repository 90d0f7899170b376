"""Stepping the world: stopping and continuing, running to an event, and the injects drills
are built on."""

from __future__ import annotations

import pytest
from scenario_helpers import load_seed, variant

from incsim.metrics import incident_records
from incsim.model.events import Event, Kind
from incsim.model.incidents import IncidentSpec, draw_incident, generate_incidents
from incsim.model.streams import Streams
from incsim.model.world import World
from incsim.scenario.schema import Scenario

SEED, REPLICATION = 5, 2


@pytest.fixture(scope="module")
def scn() -> Scenario:
    """The seed organisation over two weeks (enough for several incidents under its arrival profile)."""
    return Scenario.model_validate(variant(load_seed(), "simulation.horizon_days", 14))


@pytest.fixture(scope="module")
def incidents(scn) -> list[IncidentSpec]:
    specs = generate_incidents(scn, Streams(SEED, REPLICATION), scn.simulation.horizon_days * 1440.0)
    assert len(specs) >= 3
    return specs


def world(scn: Scenario, incidents, protocol: str = "async-first") -> World:
    return World(scn, protocol, Streams(SEED, REPLICATION), incidents)


def dump(events: list[Event]) -> list[dict]:
    return [e.as_dict() for e in events]


@pytest.fixture(scope="module", params=["war-room", "async-first", "hybrid"])
def full_log(request, scn, incidents) -> tuple[str, list[Event]]:
    """The uninterrupted run of each protocol."""
    w = world(scn, incidents, request.param)
    w.run()
    return request.param, w.log.events


def test_run_until_a_time_stops_there_and_continues_to_the_same_log(scn, incidents, full_log):
    protocol, full = full_log
    stop = incidents[1].at + 30.0
    w = world(scn, incidents, protocol)
    w.run(until=stop)
    assert w.env.now == stop
    assert w.log.events and all(e.t <= stop for e in w.log.events)
    assert any(e.t > stop for e in full)  # there was more to come
    assert dump(w.log.events) == dump(full[: len(w.log.events)])
    w.run()
    assert dump(w.log.events) == dump(full)


def test_many_small_steps_give_the_same_log(scn, incidents, full_log):
    protocol, full = full_log
    w = world(scn, incidents, protocol)
    for t in range(0, 8 * 1440, 97):
        w.run(until=float(t))
    w.run(until=10.0)  # the past: nothing happens
    w.run()
    assert dump(w.log.events) == dump(full)


def test_run_until_returns_the_first_matching_event(scn, incidents, full_log):
    protocol, full = full_log
    first = next(e for e in full if e.kind is Kind.DECISION)
    w = world(scn, incidents, protocol)
    got = w.run_until(lambda e: e.kind is Kind.DECISION)
    assert got is not None and got.as_dict() == first.as_dict()
    assert w.env.now == first.t
    assert sum(e.kind is Kind.DECISION for e in w.log.events) == 1
    w.run()
    assert dump(w.log.events) == dump(full)


def test_run_until_respects_its_time_limit(scn, incidents):
    limit = incidents[0].at - 1.0
    w = world(scn, incidents)
    assert w.run_until(lambda e: True, limit=limit) is None
    assert len(w.log) == 0 and w.env.now <= limit


def test_run_until_without_a_match_returns_none_at_the_end(scn, incidents):
    w = world(scn, incidents)
    assert w.run_until(lambda e: False) is None
    assert sum(e.kind is Kind.RESOLVED for e in w.log.events) == len(incidents)


def test_listeners_see_every_event_in_order(scn, incidents):
    w = world(scn, incidents)
    seen: list[Event] = []
    w.log.subscribe(seen.append)
    w.run()
    assert seen == w.log.events and len(seen) > 0


def test_an_injected_incident_is_simulated(scn, incidents):
    w = world(scn, incidents)
    w.run(until=incidents[0].at + 5.0)
    now = w.env.now
    new_id = max(i.id for i in incidents) + 1
    spec = draw_incident(
        new_id, now + 20.0, "single-service", ("security",), "checkout", scn, Streams(SEED, REPLICATION)
    )
    w.inject_incident(spec)
    w.run()
    mine = [e for e in w.log.events if e.incident == new_id]
    assert mine[0].kind is Kind.INJECTED and mine[0].t == now and mine[0].what == "incident"
    kinds = [e.kind for e in mine]
    assert Kind.DETECTED in kinds and Kind.RESOLVED in kinds
    assert next(e.t for e in mine if e.kind is Kind.DETECTED) == pytest.approx(now + 20.0)
    assert any(e.kind is Kind.DECISION and e.containment for e in mine)
    records = {r["incident_id"]: r for r in incident_records(w.log.events, scn.costs)}
    assert set(records) == {i.id for i in incidents} | {new_id}
    assert records[new_id]["data_exposure"] > 0


def test_an_incident_injected_in_the_past_starts_now(scn, incidents):
    w = world(scn, incidents)
    w.run(until=incidents[0].at + 5.0)
    now = w.env.now
    spec = draw_incident(50, 0.0, "single-service", (), "web", scn, Streams(SEED, REPLICATION))
    w.inject_incident(spec)
    w.run()
    assert next(e.t for e in w.log.events if e.incident == 50 and e.kind is Kind.DETECTED) == now


def test_an_injected_escalation_opens_a_room_under_async_first(scn, incidents):
    target = incidents[0].id
    plain = world(scn, incidents, "async-first")
    plain.run()
    assert not any(e.kind is Kind.ROOM_OPENED for e in plain.log.events)

    w = world(scn, incidents, "async-first")
    joined = w.run_until(lambda e: e.kind is Kind.JOINED and e.incident == target and e.role == "debugger")
    assert joined is not None
    w.inject_escalation(target, reason="facilitator")
    now = w.env.now
    at_now = [e for e in w.log.events if e.t == now and e.incident == target]
    assert [e.kind for e in at_now[-3:]] == [Kind.INJECTED, Kind.ESCALATED, Kind.ROOM_OPENED]
    assert at_now[-2].reason == "facilitator"
    w.run()
    mine = [e for e in w.log.events if e.incident == target]
    assert any(e.kind is Kind.JOINED and e.role == "spectator" for e in mine)
    assert sum(e.kind is Kind.ROOM_CLOSED for e in mine) == 1
    rec = next(r for r in incident_records(w.log.events, scn.costs) if r["incident_id"] == target)
    assert rec["escalated"] and rec["war_room_minutes"] > 0 and rec["non_essential_hours"] > 0


def test_escalating_an_unknown_or_finished_incident_is_an_error(scn, incidents):
    w = world(scn, incidents)
    with pytest.raises(KeyError):
        w.inject_escalation(999)
    w.run()
    with pytest.raises(KeyError):
        w.inject_escalation(incidents[0].id)
