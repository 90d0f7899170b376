"""Rules of the incident lifecycle and of staffing that the mechanism tests leave open, on the
tiny org of ``test_mechanisms`` (every overhead off unless a test turns it on; the incident at
minute 60 has 60 minutes of diagnosis and 20 of fix, so it resolves at 140 when nothing else
costs time). Each expected time is derived by hand in the test's docstring."""

from __future__ import annotations

import copy

import numpy as np
import pytest
from mechanism_helpers import DIAGNOSIS, FIX, NINE_TO_FIVE, T0, base_doc, incident, of, run, setting

from incsim.model.events import Kind
from incsim.model.incidents import DecisionNeed
from incsim.model.live_incident import LiveIncident
from incsim.model.people import WEEK
from incsim.model.streams import Streams
from incsim.model.world import World
from incsim.scenario.schema import Scenario

RESOLVES = T0 + DIAGNOSIS + FIX  # 140


def world(doc: dict, protocol: str, *specs) -> World:
    scn = Scenario.model_validate(doc)
    return World(scn, protocol, Streams(7, 0), list(specs or (incident(),)))


def resolved_at(w: World, incident_id: int = 0) -> float:
    (t,) = [e.t for e in of(w.log.events, Kind.RESOLVED) if e.incident == incident_id]
    return t


# -- work changed from outside (a drill's rollback or failover) ----------------------------------
@pytest.mark.parametrize(
    "factor, expected",
    [
        # 20 min of diagnosis done at minute 80; the 40 left and the 20 of fix are both scaled
        (0.5, T0 + 20 + 40 * 0.5 + FIX * 0.5),  # 110
        (2.0, T0 + 20 + 40 * 2.0 + FIX * 2.0),  # 200
    ],
)
def test_changing_the_work_scales_what_is_left_and_the_fix(factor, expected):
    w = world(base_doc(), "async-first")
    w.run(until=T0 + 20)
    w.live[0].change_work(factor)
    w.run()
    assert resolved_at(w) == pytest.approx(expected)


def test_extra_work_added_twice_in_the_same_minute_counts_twice():
    """10 and then 5 extra minutes at minute 80, before the debugger's work loop wakes: the
    diagnosis left grows from 40 to 55, so the incident resolves at 60 + 20 + 55 + 20 = 155."""
    w = world(base_doc(), "async-first")
    w.run(until=T0 + 20)
    w.live[0].change_work(1.0, 10.0)
    w.live[0].change_work(1.0, 5.0)
    w.run()
    assert resolved_at(w) == pytest.approx(T0 + 20 + 40 + 15 + FIX)


def test_an_injected_escalation_is_logged_as_one_and_opens_a_room_now():
    w = world(base_doc(), "async-first")
    w.run(until=T0 + 30)
    w.inject_escalation(0)
    w.run()
    (inj,) = of(w.log.events, Kind.INJECTED)
    assert (inj.t, inj.incident, inj.what) == (T0 + 30, 0, "escalation")
    assert [(e.t, e.reason) for e in of(w.log.events, Kind.ROOM_OPENED)] == [(T0 + 30, "escalated: injected")]
    with pytest.raises(KeyError):
        w.inject_escalation(0)  # resolved by now


def test_an_incident_escalates_once_even_after_its_room_closed():
    """Escalated at minute 90 (injected), the incident's room is closed at 100 (as a drill may);
    escalated again at 110, nothing happens: one escalation, one room, closed at 100."""
    w = world(base_doc(), "async-first")
    w.run(until=T0 + 30)
    w.inject_escalation(0)
    w.run(until=T0 + 40)
    w.participation.close_room(w.live[0])
    w.run(until=T0 + 50)
    w.inject_escalation(0)
    w.run()
    assert [e.t for e in of(w.log.events, Kind.ESCALATED)] == [T0 + 30]
    assert [e.t for e in of(w.log.events, Kind.ROOM_OPENED)] == [T0 + 30]
    assert [e.t for e in of(w.log.events, Kind.ROOM_CLOSED)] == [T0 + 40]


def test_an_injected_incident_is_logged_as_one_and_runs_from_its_minute():
    """Injected at minute 30 with a start at minute 50, the incident is logged as injected at 30
    and resolves at 50 + 60 + 20 = 130."""
    w = world(base_doc(), "async-first", incident(at=10_000.0))
    w.run(until=30.0)
    w.inject_incident(incident(at=50.0, id=1))
    w.run(until=1000.0)
    (inj,) = of(w.log.events, Kind.INJECTED)
    assert (inj.t, inj.incident, inj.what) == (30.0, 1, "incident")
    assert resolved_at(w, 1) == pytest.approx(50.0 + DIAGNOSIS + FIX)


def test_running_to_the_present_minute_is_no_step_at_all():
    """``run(until=now)`` (a drill asking for the minute it is at) does nothing, and says nothing."""
    w = world(base_doc(), "async-first")
    w.run(until=T0 + 5)
    before = len(w.log.events)
    w.run(until=T0 + 5)
    w.run(until=T0)
    assert (w.env.now, len(w.log.events)) == (T0 + 5, before)


# -- decisions ---------------------------------------------------------------------------------
def busy_security_doc() -> dict:
    """A security team of one (sec-1, owning ``vault``) is the only holder of the security role."""
    doc = base_doc()
    doc["org"]["teams"].append(
        {
            "name": "sec",
            "size": 1,
            "work_hours": {"start": 0.0, "end": 24.0, "weekends_off": False},
            "duties": ["security"],
        }
    )
    doc = setting(doc, "org.teams.ops.duties", ["ic", "leadership"])
    doc["org"]["services"].append({"name": "vault", "team": "sec"})
    doc = setting(doc, "behaviour.reply_latency.working", 7.0)
    return setting(doc, "behaviour.interruption.answer", 3.0)


def test_a_room_decision_asks_a_stakeholder_busy_elsewhere_in_the_channel():
    """sec-1 debugs incident 0 on ``vault`` from minute 0 to 600. Incident 1 (war room) needs a
    decision of security after its diagnosis, at minute 120: sec-1 is not pulled away but asked
    in the channel: 7 min reply latency (at work) + 3 min answer, then 10 min of deliberation,
    so the decision is reached at 140 after a 20-minute wait and the incident resolves at 160."""
    doc = busy_security_doc()
    busy = incident(at=0.0, roots=("vault",), diagnosis=580.0, id=0)
    needs = incident(id=1, decisions=(DecisionNeed("contain", ("security",), 10.0),))
    events = run(doc, "war-room", busy, needs)
    (dec,) = of(events, Kind.DECISION, incident=1)
    assert (dec.t, dec.wait_min, dec.medium) == (
        pytest.approx(T0 + DIAGNOSIS + 20.0),
        pytest.approx(20.0),
        "room",
    )
    (q,) = of(events, Kind.INTERRUPTED, incident=1, who="sec-1")
    assert q.answer_min == pytest.approx(3.0) and q.role == "stakeholder"
    assert q.reason == "decision: contain"  # what the question was about, as in the channel
    assert not of(events, Kind.JOINED, incident=1, who="sec-1")
    # the 3 minutes are taken out of sec-1's own debugging: incident 0 ends 3 min later
    assert [e.t for e in of(events, Kind.RESOLVED, incident=0)] == [pytest.approx(600.0 + 3.0)]


def test_a_decision_for_the_ic_with_no_ic_waits_for_nobody():
    """Nobody holds the IC role, so the incident has no IC: a decision of the IC has no
    stakeholder and takes only its 10 minutes of deliberation: 60 + 60 + 10 + 20 = 150."""
    doc = setting(base_doc(), "org.teams.ops.duties", ["leadership", "security"])
    spec = incident(decisions=(DecisionNeed("go", ("ic",), 10.0),))
    for protocol in ("async-first", "war-room"):
        events = run(doc, protocol, spec)
        (req,) = of(events, Kind.DECISION_REQUESTED)
        assert req.stakeholders == ()
        assert [e.t for e in of(events, Kind.RESOLVED)] == [pytest.approx(RESOLVES + 10.0)]


def test_an_incident_with_the_whole_ic_rota_busy_pages_its_ic_when_one_is_free():
    """One person on the IC rota (ops-1). Incident 0 on ``db`` at minute 0 takes ops-1 as IC and
    resolves at 0 + 60 + 20 = 80; incident 1 on ``api`` at minute 60 finds nobody free, waits,
    and pages ops-1 at minute 80, who joins at once (no acknowledgement delay)."""
    doc = setting(base_doc(), "org.teams.ops.size", 1)
    events = run(doc, "async-first", incident(at=0.0, roots=("db",), id=0), incident(id=1))
    assert [(e.t, e.who) for e in of(events, Kind.PAGED, incident=1, role="ic")] == [(80.0, "ops-1")]
    assert [(e.t, e.who) for e in of(events, Kind.JOINED, incident=1, role="ic")] == [(80.0, "ops-1")]
    assert [e.t for e in of(events, Kind.RESOLVED, incident=1)] == [pytest.approx(RESOLVES)]


def test_an_ic_whose_incident_resolved_before_they_acknowledged_is_free_for_the_next():
    """One person on the IC rota (ops-1), working 9 to 5, acknowledges a page at night in 200
    minutes. Incident 0 (minute 60, 01:00) resolves at 140, before ops-1 acknowledges (260):
    ops-1 never joins it and is free again, so incident 1 (minute 300, on ``db``) pages ops-1
    as its IC at once. That one resolves at 300 + 60 + 20 = 380, also before ops-1 would
    acknowledge (500), so ops-1 joins neither."""
    doc = setting(base_doc(), "org.teams.ops.size", 1)
    doc = setting(doc, "org.teams.ops.work_hours", dict(NINE_TO_FIVE))
    doc = setting(doc, "behaviour.page_ack_off_hours", 200.0)
    events = run(doc, "async-first", incident(id=0), incident(at=300.0, roots=("db",), id=1))
    assert [(e.t, e.incident, e.who) for e in of(events, Kind.PAGED, role="ic")] == [
        (T0, 0, "ops-1"),
        (300.0, 1, "ops-1"),
    ]
    assert of(events, Kind.JOINED, who="ops-1") == []
    assert [(e.t, e.incident) for e in of(events, Kind.RESOLVED)] == [
        (RESOLVES, 0),
        (300.0 + DIAGNOSIS + FIX, 1),
    ]


@pytest.mark.parametrize(
    "backup, b_debugger, b_resolves",
    [
        # app-1 (app's one on-call) debugs incident 0 from 60 to 140; incident 1 on ``web`` (also
        # app's) comes at 70: with a backup allowed the first free colleague at work, app-2, takes it
        # at once (70 + 80 = 150); without, it waits for the on-call place, free at 140 (140 + 80)
        (True, "app-2", 70.0 + DIAGNOSIS + FIX),
        (False, "app-1", RESOLVES + DIAGNOSIS + FIX),
    ],
)
def test_a_second_incident_on_a_team_goes_to_a_backup_or_waits_for_the_on_call(
    backup, b_debugger, b_resolves
):
    doc = setting(base_doc(), "org.teams.app.oncall", {"per_shift": 1, "backup": backup})
    events = run(doc, "async-first", incident(id=0), incident(at=70.0, roots=("web",), id=1))
    assert [e.who for e in of(events, Kind.JOINED, incident=0, role="debugger")] == ["app-1"]
    assert [e.who for e in of(events, Kind.JOINED, incident=1, role="debugger")] == [b_debugger]
    assert [e.t for e in of(events, Kind.RESOLVED, incident=1)] == [pytest.approx(b_resolves)]


def test_an_owner_busy_debugging_elsewhere_is_logged_busy_under_their_name():
    """db is a team of one. db-1 debugs incident 0 on ``db`` from minute 0; incident 1 at minute
    60 hits ``api`` and ``db``, so db's responder, db-1, is paged as owner at detection and again
    for the fix of ``db`` when the diagnosis ends (60 + 60 = 120): they are debugging elsewhere,
    so each time a ``busy`` record names db-1, the role and the incident they are in."""
    doc = setting(base_doc(), "org.teams.db.size", 1)
    busy = incident(at=0.0, roots=("db",), diagnosis=580.0, id=0)
    both = incident(roots=("api", "db"), category="platform-wide", id=1)
    events = run(doc, "async-first", busy, both)
    refused = of(events, Kind.BUSY, incident=1)
    assert [(e.t, e.who, e.role, e.elsewhere) for e in refused] == [
        (T0, "db-1", "owner", (0,)),
        (T0 + DIAGNOSIS, "db-1", "owner", (0,)),
    ]
    assert not of(events, Kind.JOINED, incident=1, who="db-1")


def test_a_room_inviting_every_on_call_has_no_cap_in_a_large_org():
    """35 teams of 4, two on call at a time: 70 on-calls. One of the owner's is the debugger,
    and the IC (ops-1) is on no team's call, so an ``all-oncalls`` room invites the other 69."""
    doc = base_doc()
    team = {
        "size": 4,
        "work_hours": {"start": 0.0, "end": 24.0, "weekends_off": False},
        "oncall": {"per_shift": 2},
    }
    doc["org"]["teams"] = [{"name": f"t{i:02d}", **team} for i in range(35)] + [
        {
            "name": "ops",
            "size": 1,
            "work_hours": {"start": 0.0, "end": 24.0, "weekends_off": False},
            "duties": ["ic"],
            "oncall": None,
        }
    ]
    doc["org"]["services"] = [{"name": "api", "team": "t00"}]
    doc = setting(
        doc, "protocols.war-room.room", {"invite": {"rule": "all-oncalls"}, "stay_probability": 1.0}
    )
    events = run(doc, "war-room")
    assert [e.who for e in of(events, Kind.JOINED, role="ic")] == ["ops-1"]
    spectators = {e.who for e in of(events, Kind.JOINED, role="spectator")}
    assert len(spectators) == 69
    assert {w.split("-")[0] for w in spectators} == {f"t{i:02d}" for i in range(35)}


# -- per-service failures --------------------------------------------------------------------------
def test_each_service_fails_on_its_own_stream():
    """Four services failing independently at 3 a week: their first failure times are four
    distinct draws (one shared stream would give the four the same first time)."""
    doc = base_doc()
    doc["incidents"]["arrivals"] = {"rate_per_week": 3.0, "per_service": True}
    w = World(Scenario.model_validate(doc), "async-first", Streams(7, 0), [], horizon=4 * WEEK)
    w.run()
    first: dict[str, float] = {}
    for e in of(w.log.events, Kind.DETECTED):
        first.setdefault(e.roots[0], e.t)
    assert len(first) == 4
    assert len(set(np.round(list(first.values()), 6))) == 4


def failure_gaps(fix: float) -> dict[str, list[float]]:
    """Per service, the wait from the start (then from each resolution) to its next failure."""
    doc = setting(base_doc(), "incidents.categories.single-service.fix", fix)
    doc["incidents"]["arrivals"] = {"rate_per_week": 3.0, "per_service": True}
    w = World(Scenario.model_validate(doc), "async-first", Streams(7, 0), [], horizon=4 * WEEK)
    w.run()
    service = {e.incident: e.roots[0] for e in of(w.log.events, Kind.DETECTED)}
    free_since = {s: 0.0 for s in service.values()}
    gaps: dict[str, list[float]] = {s: [] for s in service.values()}
    for e in w.log.events:
        if e.kind is Kind.DETECTED:
            gaps[e.roots[0]].append(e.t - free_since[e.roots[0]])
        elif e.kind is Kind.RESOLVED:
            free_since[service[e.incident]] = e.t
    return gaps


def test_a_service_s_waits_between_failures_do_not_depend_on_how_long_the_others_take():
    """Each service draws the waits to its failures from its own stream, so lengthening every
    fix from 20 to 50 minutes moves the failures but leaves each service's n-th wait (from the
    end of its previous incident) the same draw; a stream shared by the services would hand the
    draws out in the order the incidents end, which the longer fixes change."""
    short, long = failure_gaps(20.0), failure_gaps(50.0)
    assert sorted(short) == sorted(long) and len(short) == 4
    compared = 0
    for svc in short:
        n = min(len(short[svc]), len(long[svc]))
        assert n >= 5, (svc, n)  # 3 a week over four weeks: a dozen each
        assert long[svc][:n] == pytest.approx(short[svc][:n])
        compared += n
    assert compared >= 30


# -- the channel's watchers -----------------------------------------------------------------------
@pytest.mark.parametrize("watchers", [1, 3, 50])
def test_watchers_are_drawn_from_everyone_but_the_debugger_and_the_ic_by_id(watchers):
    """The pool is the whole org sorted by id less the debugger and the IC; the watchers are the
    draw of ``watchers`` distinct places in it (all of it when it is smaller) on the incident's
    own "watchers" stream, in pool order: built here as a list, which the model does not build."""
    doc = setting(base_doc(), "protocols.async-first.channel_watchers", watchers)
    w = world(doc, "async-first")
    w.run(until=T0 + 1)
    run_ = w.live[0]
    assert run_.debugger is not None
    rng = copy.deepcopy(run_.stream("watchers"))  # the stream where the model's draw starts
    out = w.staffing.watchers(run_)
    gone = {p.id for p in (run_.debugger, run_.ic) if p is not None}
    pool = sorted((e for e in w.roster.engineers.values() if e.id not in gone), key=lambda e: e.id)
    picks = rng.choice(len(pool), size=min(watchers, len(pool)), replace=False)
    assert [e.id for e in out] == [pool[i].id for i in sorted(picks)]
    assert not gone & {e.id for e in out} and len(out) == min(watchers, len(pool))


def test_incidents_of_per_service_failures_are_numbered_from_zero_in_arrival_order():
    """Failures drawn by the services themselves get the next incident number, like any other:
    over four weeks the incidents detected are 0, 1, 2, ... in the order they arrive."""
    doc = base_doc()
    doc["incidents"]["arrivals"] = {"rate_per_week": 3.0, "per_service": True}
    w = World(Scenario.model_validate(doc), "async-first", Streams(7, 0), [], horizon=4 * WEEK)
    w.run()
    detected = [e.incident for e in of(w.log.events, Kind.DETECTED)]
    assert len(detected) >= 30  # four services at 3 a week
    assert detected == list(range(len(detected)))


# -- triage --------------------------------------------------------------------------------------
def test_a_triage_call_with_nobody_holding_the_security_role_has_only_debugger_and_ic():
    """The ops team loses the security role: the triage call for a security incident has nobody
    to pull in as stakeholder, so it holds the debugger and the IC only and closes after its 10
    minutes; the diagnosis starts when the call ends: 60 + 10 + 60 + 20 = 150."""
    doc = setting(base_doc(), "org.teams.ops.duties", ["ic", "leadership"])
    doc = setting(doc, "protocols.hybrid.triage", {"flags": ["security"], "max_people": 3, "duration": 10.0})
    events = run(doc, "hybrid", incident(flags=("security",)))
    assert [(e.t, e.reason) for e in of(events, Kind.ROOM_OPENED)] == [(T0, "triage")]
    assert [e.t for e in of(events, Kind.ROOM_CLOSED)] == [T0 + 10.0]
    assert sorted(e.role for e in of(events, Kind.JOINED)) == ["debugger", "ic"]
    assert resolved_at_of(events) == pytest.approx(RESOLVES + 10.0)


def resolved_at_of(events) -> float:
    (t,) = [e.t for e in of(events, Kind.RESOLVED)]
    return t


# -- driving -------------------------------------------------------------------------------------
def test_an_incident_scheduled_during_a_run_starts_at_its_own_minute():
    """Run to minute 100, then schedule an incident on ``db`` for minute 300: it is detected at
    300 (not 100 + 300) and, with nothing else costing time, resolves at 300 + 60 + 20 = 380."""
    w = world(base_doc(), "async-first")
    w.run(until=100.0)
    w.schedule(incident(at=300.0, roots=("db",), id=1))
    w.run()
    assert [e.t for e in of(w.log.events, Kind.DETECTED, incident=1)] == [300.0]
    assert resolved_at(w, 1) == pytest.approx(300.0 + DIAGNOSIS + FIX)
    assert resolved_at(w, 0) == pytest.approx(RESOLVES)


def test_without_a_horizon_per_service_failures_run_for_the_scenario_s_days():
    """No horizon given: the world runs for ``simulation.horizon_days``. Each service draws its
    failures from its own stream, so 7 days give exactly the failures of the first 7 of 14 days,
    and 14 days give more (four services at 3 a week: about 12 a week)."""

    def detected(days: float) -> list[tuple[float, str]]:
        doc = setting(base_doc(), "simulation.horizon_days", days)
        doc["incidents"]["arrivals"] = {"rate_per_week": 3.0, "per_service": True}
        w = World(Scenario.model_validate(doc), "async-first", Streams(7, 0), [])
        w.run()
        return [(e.t, e.roots[0]) for e in of(w.log.events, Kind.DETECTED)]

    week, two = detected(7.0), detected(14.0)
    assert len(week) >= 4
    assert all(t < 7 * 1440.0 for t, _ in week)
    assert week == [d for d in two if d[0] < 7 * 1440.0]
    assert len(two) > len(week) and two[-1][0] < 14 * 1440.0


def test_work_done_while_two_decisions_are_reached_adds_up_against_the_fix():
    """Two decisions without stakeholders after the diagnosis (10 and 6 minutes of deliberation)
    with ``progress_while_deciding`` 0.5: the debugger gets 5 + 3 = 8 minutes of the fix done
    meanwhile, so the 20 of fix take 12: 60 + 60 + 10 + 6 + 12 = 148."""
    doc = setting(base_doc(), "behaviour.progress_while_deciding", 0.5)
    spec = incident(decisions=(DecisionNeed("a", (), 10.0), DecisionNeed("b", (), 6.0)))
    events = run(doc, "async-first", spec)
    assert [e.t for e in of(events, Kind.DECISION)] == [pytest.approx(130.0), pytest.approx(136.0)]
    assert resolved_at_of(events) == pytest.approx(T0 + DIAGNOSIS + 10.0 + 6.0 + (FIX - 8.0))


def test_a_team_sends_someone_merely_watching_elsewhere_before_someone_debugging_elsewhere():
    """db has two on-calls (db-1 first) and every room invites every on-call. At minute 41:
    db-2 watches incident 0's room (on ``api``) as a spectator, db-1 debugs incident 1 (on
    ``db``). Asked for its responder to incident 2 (on ``web``), db has nobody free, so it sends
    the one merely watching elsewhere, db-2, not db-1 who is debugging."""
    doc = setting(base_doc(), "org.teams.db.oncall", {"per_shift": 2})
    doc = setting(
        doc, "protocols.war-room.room", {"invite": {"rule": "all-oncalls"}, "stay_probability": 1.0}
    )
    w = world(
        doc,
        "war-room",
        incident(at=0.0, id=0, diagnosis=600.0),
        incident(at=30.0, roots=("db",), id=1, diagnosis=600.0),
        incident(at=40.0, roots=("web",), id=2, diagnosis=600.0),
    )
    w.run(until=41.0)
    assert w.live[0].engaged.get("db-2") == "spectator" and w.live[1].debugger.id == "db-1"
    assert [e.id for e in w.roster.oncall("db", 41.0)] == ["db-1", "db-2"]
    assert w.staffing.responder_for(w.live[2], "db").id == "db-2"


# -- rooms -------------------------------------------------------------------------------------
def test_asking_to_open_a_room_that_is_open_changes_nothing():
    """The war room opens at detection (minute 60). Asked at minute 80 to open a room for
    another reason, the world keeps the room it has: no second opening, no closing before the
    resolution at 140, and the reason stays the first one (only a triage call is replaced)."""
    w = world(base_doc(), "war-room")
    w.run(until=T0 + 20)
    run0 = w.live[0]
    (first,) = of(w.log.events, Kind.ROOM_OPENED)
    assert run0.room_open and not run0.in_triage_call
    w.rooms.open(run0, "escalated: asked again")
    w.run()
    assert [(e.t, e.reason) for e in of(w.log.events, Kind.ROOM_OPENED)] == [(T0, first.reason)]
    assert [e.t for e in of(w.log.events, Kind.ROOM_CLOSED)] == [RESOLVES]
    assert run0.rooms_opened == 1


def test_someone_taking_part_becomes_the_debugger_once():
    """app-3 takes part in incident 0 as an expert; joined again as its debugger, they are the
    debugger from then on, logged once as a change of role; joined as debugger a third time,
    nothing more is logged. A spectator asked to be an expert is upgraded the same way."""
    w = world(base_doc(), "async-first")
    w.run(until=T0 + 10)
    run0, eng = w.live[0], w.roster.engineers["app-3"]
    w.participation.join(run0, eng, "expert")
    w.participation.join(run0, eng, "debugger")
    w.participation.join(run0, eng, "debugger")
    assert run0.engaged["app-3"] == "debugger"
    assert [(e.role, e.change) for e in of(w.log.events, Kind.JOINED, who="app-3")] == [
        ("expert", False),
        ("debugger", True),
    ]
    w.participation.join(run0, w.roster.engineers["app-4"], "spectator")
    w.participation.join(run0, w.roster.engineers["app-4"], "expert")
    w.participation.join(run0, w.roster.engineers["app-4"], "spectator")
    assert run0.engaged["app-4"] == "expert"


@pytest.mark.parametrize("held", ["debugging", "commanding", "fixing"])
def test_debugging_commanding_or_fixing_another_incident_is_hard_busy(held):
    """Whoever holds another incident (as its debugger, IC or fixer) is hard busy for this one,
    not for the incident they hold; nobody else is."""
    w = world(base_doc(), "async-first", incident(id=0, diagnosis=600.0), incident(id=1, diagnosis=600.0))
    w.run(until=T0 + 10)
    run0, run1 = w.live[0], w.live[1]
    db1 = w.roster.engineers["db-1"]
    assert not w.attention.hard_busy(db1, run1)
    getattr(w.attention, held)["db-1"] = run0
    assert (
        w.attention.hard_busy(db1, run1)
        and w.attention.hard_busy(db1)
        and not w.attention.hard_busy(db1, run0)
    )
    assert not w.attention.hard_busy(w.roster.engineers["db-2"], run1)


# -- who is sent: the order of preference, read only as far as needed ----------------------------
def _role_world() -> World:
    """The tiny org plus two legal teams, ``night`` (09-17, so off hours at minute 70, 01:10
    on Monday) and ``day`` (always at work), two people each, the first of each on call. The role's
    order is night-1, night-2, day-1, day-2 (team by team, on-calls first). Incident 0 (on
    ``api``) is running at minute 70; incident 1 is the "elsewhere" someone can be held by."""
    doc = base_doc()
    doc["org"]["teams"] += [
        {"name": "night", "size": 2, "work_hours": dict(NINE_TO_FIVE), "duties": ["legal"]},
        {
            "name": "day",
            "size": 2,
            "work_hours": {"start": 0.0, "end": 24.0, "weekends_off": False},
            "duties": ["legal"],
        },
    ]
    w = world(doc, "async-first", incident(id=0, diagnosis=600.0), incident(id=1, diagnosis=600.0))
    w.run(until=T0 + 10)
    assert [e.id for e in w.roster.with_role("legal", T0 + 10)] == ["night-1", "night-2", "day-1", "day-2"]
    assert w.live[0].ic is not None and w.live[0].ic.team == "ops"
    return w


def _held(watching=(), debugging=(), in_it=(), ic=None) -> tuple[World, LiveIncident]:
    """``_role_world`` with ``watching`` part of incident 1, ``debugging`` its debugger, ``in_it``
    part of incident 0 and ``ic`` its IC; the world and incident 0."""
    w = _role_world()
    run0 = w.live[0]
    for p in watching:
        w.attention.where[p].add(1)
    for p in debugging:
        w.attention.debugging[p] = w.live[1]
    for p in in_it:
        run0.engaged[p] = "stakeholder"
    if ic is not None:
        run0.ic = w.roster.engineers[ic]
    return w, run0


@pytest.mark.parametrize(
    "watching, debugging, in_it, ic, expected",
    [
        # everyone free: the first at work, though night-1 comes first in the role's order
        ((), (), (), None, "day-1"),
        # day's two are watching elsewhere: the first free one, off hours or not
        (("day-1", "day-2"), (), (), None, "night-1"),
        # nobody free; night's watch elsewhere, day's debug elsewhere: the first not held elsewhere
        (("night-1", "night-2"), ("day-1", "day-2"), (), None, "night-1"),
        (("night-1", "night-2", "day-2"), ("day-1",), (), None, "night-1"),
        (("day-1", "day-2"), ("night-1", "night-2"), (), None, "day-1"),
        # everyone debugging elsewhere: the first of all
        ((), ("night-1", "night-2", "day-1", "day-2"), (), None, "night-1"),
        # someone already in the incident comes first, free or not, at work or not
        ((), (), ("day-2",), None, "day-2"),
        (("night-2",), (), ("night-2", "day-2"), None, "night-2"),
        # the incident's IC never takes the role: not day-1, nor day-2 when it is in it
        ((), (), (), "day-1", "day-2"),
        ((), (), ("day-2",), "day-2", "day-1"),
        ((), (), ("day-1", "day-2"), "day-1", "day-2"),
    ],
)
def test_a_role_goes_to_someone_in_it_then_free_at_work_then_free_then_not_held_then_anyone(
    watching, debugging, in_it, ic, expected
):
    w, run0 = _held(watching, debugging, in_it, ic)
    assert w.staffing.with_role(run0, "legal").id == expected


@pytest.mark.parametrize(
    "team, watching, debugging, ic, expected",
    [
        ("day", (), (), None, "day-1"),  # the on-call
        ("day", ("day-1",), (), None, "day-2"),  # a free colleague at work before a busy on-call
        ("day", ("day-1",), ("day-2",), None, "day-1"),  # nobody free: the one not held elsewhere
        ("day", ("day-2",), ("day-1",), None, "day-2"),  # ... on call or not
        ("day", (), ("day-1", "day-2"), None, "day-1"),  # everyone held: the on-call
        ("day", (), (), "day-1", "day-2"),  # never the incident's IC
        # night-2 is off hours and not on call, so never sent: the on-call is, busy or not
        ("night", ("night-1",), (), None, "night-1"),
        ("night", (), ("night-1",), None, "night-1"),
    ],
)
def test_a_team_sends_its_free_on_call_then_a_free_colleague_at_work_then_the_least_busy(
    team, watching, debugging, ic, expected
):
    w, run0 = _held(watching, debugging, ic=ic)
    assert w.staffing.responder_for(run0, team).id == expected
