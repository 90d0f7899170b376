"""One accounting (``accounting.py``): its rules on hand-built logs, and the invariant that ties
every output to it, on every example scenario: per replication and protocol, the incidents'
hours are the organisation's responding + spectating + refocusing minutes, and nobody is a
debugger or IC (or anything else) in two incidents at the same minute."""

from __future__ import annotations

from pathlib import Path

import pytest
from event_helpers import ev
from scenario_helpers import load_seed

from incsim.accounting import Accounting, check_one_place, minutes_by_state, off_hours_minutes
from incsim.experiment import run_replication
from incsim.metrics import incident_records, time_accounting
from incsim.model.events import Kind
from incsim.model.incidents import generate_incidents
from incsim.model.people import Roster
from incsim.model.streams import Streams
from incsim.model.world import simulate
from incsim.scenario.loader import load_scenario
from incsim.scenario.schema import Costs, Scenario

EXAMPLES = sorted((Path(__file__).resolve().parents[2] / "scenarios").glob("*.yaml"))
BUSY = ("responding", "spectating", "refocusing")


def joined(t, who, role, incident=0):
    return ev(t, Kind.JOINED, who, incident, role=role, off_hours=False, team=who.split("-")[0])


def left(t, who, role, incident=0, refocus=0.0):
    return ev(t, Kind.LEFT, who, incident, role=role, refocus_min=refocus)


def spans_of(acct: Accounting, who: str) -> list[tuple[int, str, float, float]]:
    return [(s.incident, s.state, s.start, s.end) for s in acct.by_person()[who]]


# -- the rules ---------------------------------------------------------------------------------
def test_an_answer_to_another_incident_takes_its_minutes_from_the_engagement():
    log = [
        joined(0, "a-1", "debugger", incident=0),
        ev(
            30,
            Kind.INTERRUPTED,
            "a-1",
            1,
            answer_min=10.0,
            refocus_min=5.0,
            reason="consult",
            role="expert",
            engaged=False,
        ),
        left(100, "a-1", "debugger", incident=0, refocus=20.0),
    ]
    acct = Accounting(log)
    assert spans_of(acct, "a-1") == [
        (0, "responding", 0, 30),
        (1, "responding", 30, 40),
        (0, "responding", 40, 100),
        (0, "refocusing", 100, 120),
    ]
    per = {i: minutes_by_state(s) for i, s in acct.by_incident().items()}
    assert per[1] == {
        "responding": 10.0,
        "spectating": 0.0,
        "refocusing": 0.0,
    }  # its refocus is inside incident 0's time
    assert per[0]["responding"] == 90.0 and per[0]["refocusing"] == 20.0


def test_responding_beats_spectating_beats_refocusing_and_the_later_claim_wins_a_tie():
    log = [
        joined(0, "a-1", "spectator", incident=0),
        joined(10, "a-1", "expert", incident=1),  # (the model no longer does this; the rule still holds)
        left(20, "a-1", "spectator", incident=0, refocus=30.0),
        left(40, "a-1", "expert", incident=1),
        joined(60, "b-1", "owner", incident=2),
        joined(70, "b-1", "expert", incident=3),
        left(80, "b-1", "owner", incident=2),
        left(90, "b-1", "expert", incident=3),
    ]
    acct = Accounting(log)
    assert spans_of(acct, "a-1") == [
        (0, "spectating", 0, 10),
        (1, "responding", 10, 40),
        (0, "refocusing", 40, 50),
    ]
    assert spans_of(acct, "b-1") == [(2, "responding", 60, 70), (3, "responding", 70, 90)]


def test_off_hours_minutes_follow_the_clock_not_the_join():
    """Off-hours minutes cost the multiplier whatever the medium: a span from 16:00 to 19:00 on a
    09-17 Monday has two off-hours hours, a channel answer at 20:00 is all off hours."""
    doc = load_seed()
    roster = Roster(Scenario.model_validate(doc))
    who = next(
        e
        for e in roster.engineers.values()
        if e.utc_offset_hours == 0 and e.start_hour == 9 and e.end_hour == 17
    )
    log = [
        ev(
            0,
            Kind.DETECTED,
            incident=0,
            category="single-service",
            flags=(),
            roots=("x",),
            diagnosis_min=60.0,
            fix_min=30.0,
            exposure_per_min=0.0,
        ),
        joined(16 * 60, who.id, "debugger"),
        ev(19 * 60, Kind.RESOLVED),
        left(19 * 60, who.id, "debugger"),
        ev(
            20 * 60,
            Kind.INTERRUPTED,
            who.id,
            0,
            answer_min=12.0,
            refocus_min=0.0,
            reason="decision: x",
            role="stakeholder",
            engaged=False,
        ),
    ]
    acct = Accounting(log)
    assert off_hours_minutes(acct.spans, roster.engineers) == pytest.approx(120 + 12)
    costs = Costs(hourly_usd=100.0, off_hours_multiplier=1.5)
    rec = incident_records(log, costs, roster)[0]
    assert rec["engineer_hours"] == pytest.approx(3 + 12 / 60)
    assert rec["labour_cost_usd"] == pytest.approx(100 * (3 + 12 / 60 + 0.5 * (2 + 12 / 60)))


def test_check_one_place_finds_a_double_booking():
    log = [
        joined(0, "a-1", "debugger", 0),
        joined(5, "a-1", "ic", 1),
        left(10, "a-1", "debugger", 0),
        left(20, "a-1", "ic", 1),
        joined(30, "b-1", "ic", 2),
        left(40, "b-1", "ic", 2),
        joined(40, "b-1", "debugger", 3),
        left(50, "b-1", "debugger", 3),
    ]
    problems = check_one_place(log)
    assert len(problems) == 1 and problems[0].startswith("a-1:")
    assert check_one_place(log[:2] + [left(5, "a-1", "debugger", 0)]) == []


# -- the invariant on every example scenario ------------------------------------------------------
@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_incident_hours_are_the_org_s_busy_minutes(path):
    scn = load_scenario(path)
    assert EXAMPLES, "no example scenarios found"
    for replication in (0, 1):
        res = run_replication(scn, replication, 7)
        for row in res.time:
            charged = res.rows.loc[res.rows["protocol"] == row["protocol"], "engineer_hours"].sum() * 60
            busy = row["responding"] + row["spectating"] + row["refocusing"] + row["after_horizon"]
            assert charged == pytest.approx(busy, rel=1e-9), (path.name, replication, row["protocol"])
            assert busy > 0


@pytest.mark.parametrize("path", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_nobody_debugs_or_commands_two_incidents_at_once(path):
    scn = load_scenario(path)
    horizon = scn.simulation.horizon_days * 1440.0
    incidents = generate_incidents(scn, Streams(7, 0), horizon)
    for proto in scn.protocols:
        events = simulate(scn, proto.name, Streams(7, 0), incidents, horizon).log.events
        assert check_one_place(events) == [], (path.name, proto.name)
        assert check_one_place(events, roles=None) == [], (path.name, proto.name)
        table = time_accounting(events, Roster(scn), horizon)
        recs = incident_records(events, scn.costs, Roster(scn))
        assert sum(r["engineer_hours"] for r in recs) * 60 == pytest.approx(
            float(table[[*BUSY, "after_horizon"]].to_numpy().sum()), rel=1e-9
        )


def _busy_week(scn: Scenario) -> Scenario:
    """``scn`` for 7 days at 25 incidents a week, so people are often wanted in two at once."""
    arrivals = scn.incidents.arrivals.model_copy(update={"rate_per_week": 25.0})
    return scn.model_copy(
        update={
            "incidents": scn.incidents.model_copy(update={"arrivals": arrivals}),
            "simulation": scn.simulation.model_copy(update={"horizon_days": 7.0}),
        }
    )


@pytest.mark.parametrize("rule", ["last", "when_free"])
def test_one_place_and_one_accounting_hold_for_every_busy_invitee_setting(rule):
    """The two invariants above with every room inviting busy people by ``rule`` (they come
    when free), on the default and the fintech scenario in a busy week: nobody in two incidents
    at once, and the incidents' hours are the org's busy minutes."""
    waited = 0
    for name in ("seed", "fintech"):
        scn = _busy_week(load_scenario(EXAMPLES[0].with_name(f"{name}.yaml")))
        protocols = [
            p.model_copy(update={"room": p.room.model_copy(update={"busy_invitees": rule})})
            for p in scn.protocols
        ]
        scn = scn.model_copy(update={"protocols": protocols})
        horizon = scn.simulation.horizon_days * 1440.0
        incidents = generate_incidents(scn, Streams(7, 0), horizon)
        for proto in scn.protocols:
            events = simulate(scn, proto.name, Streams(7, 0), incidents, horizon).log.events
            assert check_one_place(events, roles=None) == [], (name, rule, proto.name)
            table = time_accounting(events, Roster(scn), horizon)
            recs = incident_records(events, scn.costs, Roster(scn))
            assert sum(r["engineer_hours"] for r in recs) * 60 == pytest.approx(
                float(table[[*BUSY, "after_horizon"]].to_numpy().sum()), rel=1e-9
            )
            waited += sum(1 for e in events if e.kind is Kind.BUSY and e.waits)
    assert waited > 0, "no busy invitee was invited: the setting was not exercised"
