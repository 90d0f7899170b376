"""The protocol settings for busy invitees, the hybrid's triage order, and progress while a
decision is reached: hand-built situations on the tiny org of ``test_mechanisms`` (every
overhead off unless a test turns it on), each expected time derived by hand in the docstring.

The busy-invitee situation: incident A (id 0) on ``db`` is detected at minute 50 and stays in
the channel under the hybrid; db-1 (db's on-call) debugs it and ops-1 (the first on the IC
rota) commands it, both until it resolves at 50 + 60 + 20 = 130. Incident B (id 1) on ``api``
is platform-wide, so the hybrid opens its room at detection, minute 60: app-1 debugs, ops-2
commands (ops-1 is busy), and B resolves at 60 + 80 = 140. B's room invites by ``fixed-size``
8: with app-1 and ops-2 already counted, 6 more, in the order on-calls (db-1, ops-1: both
busy in A), leads (the same), then every member team by team (app-2, app-3, app-4, db-2,
ops-3 are free).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from mechanism_helpers import (
    DIAGNOSIS,
    FIX,
    T0,
    base_doc,
    cascade,
    incident,
    of,
    run,
    setting,
    ttr,
)

from incsim.accounting import check_one_place
from incsim.metrics import incident_records
from incsim.model.events import Kind
from incsim.model.incidents import DecisionNeed
from incsim.scenario.loader import ScenarioError, load_scenario
from incsim.scenario.schema import Scenario

A_RESOLVES = 50.0 + DIAGNOSIS + FIX  # 130
B_RESOLVES = T0 + DIAGNOSIS + FIX  # 140
FREE = {"app-2", "app-3", "app-4", "db-2", "ops-3"}
SEED = Path(__file__).resolve().parents[2] / "scenarios" / "seed.yaml"


def busy_doc(rule: str, size: int = 8) -> dict:
    doc = setting(base_doc(), "protocols.hybrid.escalation", {"categories": ["platform-wide"]})
    doc = setting(doc, "protocols.hybrid.room.invite", {"rule": "fixed-size", "size": size})
    return setting(doc, "protocols.hybrid.room.busy_invitees", rule)


def a_and_b(a_diagnosis: float = DIAGNOSIS):
    return (
        incident(at=50.0, roots=("db",), diagnosis=a_diagnosis, id=0),
        incident(at=T0, roots=("api",), category="platform-wide", id=1),
    )


def spectators(events, incident_id: int = 1) -> dict[str, float]:
    return {e.who: e.t for e in of(events, Kind.JOINED, role="spectator") if e.incident == incident_id}


@pytest.mark.parametrize(
    "rule, at_open, when_free",
    [
        # skip: the five free people fill five of the six places; db-1 and ops-1 are not invited
        ("skip", FREE, set()),
        # last: the five free first, then the first busy one (db-1) takes the sixth place
        ("last", FREE, {"db-1"}),
        # when_free: in invite order db-1 and ops-1 take two places, then four free people
        ("when_free", FREE - {"ops-3"}, {"db-1", "ops-1"}),
    ],
)
def test_a_busy_invitee_joins_when_their_other_incident_ends_never_before(rule, at_open, when_free):
    events = run(busy_doc(rule), "hybrid", *a_and_b())
    assert [(e.incident, e.t) for e in of(events, Kind.RESOLVED)] == [(0, A_RESOLVES), (1, B_RESOLVES)]
    joined = spectators(events)
    assert {w for w, t in joined.items() if t == T0} == at_open
    assert {w: t for w, t in joined.items() if t != T0} == dict.fromkeys(when_free, A_RESOLVES)
    waiting = [e for e in of(events, Kind.BUSY, waits=True) if e.incident == 1]
    assert {(e.who, e.t) for e in waiting} == {(w, T0) for w in when_free}
    assert check_one_place(events, roles=None) == []
    # B's non-essential hours: 80 min for each spectator from the start, 10 for each late one
    b = incident_records(events, Scenario.model_validate(busy_doc(rule)).costs)[1]
    assert b["non_essential_hours"] == pytest.approx((80.0 * len(at_open) + 10.0 * len(when_free)) / 60)


def test_a_busy_invitee_is_paged_when_free_and_joins_after_the_join_delay():
    """db-1 is free at 130, paged then, and joins 4 min later; ops-1 too."""
    doc = setting(busy_doc("when_free"), "behaviour.join_delay", 4.0)
    events = run(doc, "hybrid", *a_and_b())
    paged = {e.who: e.t for e in of(events, Kind.PAGED, role="spectator") if e.incident == 1}
    assert paged["db-1"] == paged["ops-1"] == A_RESOLVES
    joined = spectators(events)
    assert joined["db-1"] == joined["ops-1"] == A_RESOLVES + 4.0
    assert check_one_place(events, roles=None) == []


@pytest.mark.parametrize("rule", ["last", "when_free"])
def test_a_busy_invitee_never_comes_to_a_room_that_closed_first(rule):
    """A's diagnosis is 300 min: db-1 is busy until 50 + 320 = 370, after B has resolved at 140."""
    events = run(busy_doc(rule), "hybrid", *a_and_b(a_diagnosis=300.0))
    assert "db-1" not in spectators(events)
    assert not [e for e in of(events, Kind.JOINED) if e.incident == 1 and e.who in ("db-1", "ops-1")]
    assert check_one_place(events, roles=None) == []


def test_without_a_cap_last_and_when_free_invite_the_same_people():
    """``all-oncalls``: the room wants db-1 and ops-1 only (app-1 debugs, ops-2 commands); skipped,
    or both come at 130 under either setting."""

    def joined(rule: str) -> dict[str, float]:
        doc = setting(busy_doc(rule), "protocols.hybrid.room.invite", {"rule": "all-oncalls"})
        return spectators(run(doc, "hybrid", *a_and_b()))

    assert joined("skip") == {}
    assert joined("last") == joined("when_free") == {"db-1": A_RESOLVES, "ops-1": A_RESOLVES}


def test_a_bad_busy_invitees_value_is_one_located_line(tmp_path):
    text = SEED.read_text().replace(
        "      stay_probability: 0.5              # assumption\n",
        "      stay_probability: 0.5              # assumption\n      busy_invitees: later\n",
        1,
    )
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    line = next(i for i, ln in enumerate(text.splitlines(), 1) if "busy_invitees" in ln)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert msg.startswith(f"{path}:{line}:") and "\n" not in msg.strip()
    assert "skip" in msg and "when_free" in msg


# -- the hybrid's triage order ------------------------------------------------------------------
TRIAGE = {"flags": ["security"], "max_people": 3, "duration": 10.0}


def triage_doc(before: bool | None = None, **rules) -> dict:
    triage = dict(TRIAGE) if before is None else {**TRIAGE, "escalate_before_triage": before}
    doc = setting(base_doc(), "protocols.hybrid.triage", triage)
    doc = setting(doc, "behaviour.page_ack", 5.0)  # debugger and IC acknowledge at T0 + 5
    return setting(doc, "protocols.hybrid.escalation", rules)


def rooms(events) -> list[tuple[float, str]]:
    return [(e.t - T0, e.reason) for e in of(events, Kind.ROOM_OPENED)]


def test_triage_comes_first_and_the_rules_are_checked_when_it_ends():
    """``web`` is hit at T0 + 2, before the triage call opens at T0 + 5 (when debugger and IC
    have acknowledged). The call runs to T0 + 15; only then do the rules see 2 services and
    escalate. (The old order escalated at T0 + 2 and the triage call then closed that room.)"""
    events = run(
        triage_doc(services_affected_at_least=2),
        "hybrid",
        incident(flags=("security",), category="cascading", spread=cascade(2.0)),
    )
    assert rooms(events) == [(5.0, "triage"), (15.0, "escalated: 2 services affected (rule: >= 2)")]
    assert [e.t - T0 for e in of(events, Kind.ESCALATED)] == [15.0]
    closed = [e.t - T0 for e in of(events, Kind.ROOM_CLOSED)]
    assert closed == [15.0, 5.0 + DIAGNOSIS + FIX + 10.0]  # the escalated room stays to the end


def test_the_no_progress_timer_waits_for_the_triage_call_too():
    """Debugger and IC acknowledge at T0 + 40, after the 30-min timer: the call runs T0 + 40 to
    T0 + 50, and the rule (not mitigated 30 min after detection) escalates at T0 + 50."""
    doc = setting(triage_doc(no_progress_min=30.0), "behaviour.page_ack", 40.0)
    events = run(doc, "hybrid", incident(flags=("security",)))
    assert rooms(events) == [(40.0, "triage"), (50.0, "escalated: no progress for 30 min")]


def test_a_scenario_can_let_the_rules_open_the_room_before_triage():
    """With ``escalate_before_triage``, ``web`` hit at T0 + 2 escalates then; that room replaces the
    triage call and stays open to the end (T0 + 5 + 80)."""
    events = run(
        triage_doc(True, services_affected_at_least=2),
        "hybrid",
        incident(flags=("security",), category="cascading", spread=cascade(2.0)),
    )
    assert rooms(events) == [(2.0, "escalated: 2 services affected (rule: >= 2)")]
    assert [e.t - T0 for e in of(events, Kind.ROOM_CLOSED)] == [5.0 + DIAGNOSIS + FIX]


@pytest.mark.parametrize(
    "before, expected",
    [
        (False, [(5.0, "triage"), (15.0, "escalated: category platform-wide")]),
        (True, [(0.0, "escalated: category platform-wide")]),
    ],
)
def test_a_rule_met_at_detection_waits_for_triage_unless_the_scenario_says_otherwise(before, expected):
    """A platform-wide security incident meets the category rule at detection: by default the
    triage call (T0 + 5 to T0 + 15) comes first and the rule escalates when it ends; with
    ``escalate_before_triage`` the full room opens at detection instead of the call."""
    events = run(
        triage_doc(before, categories=["platform-wide"]),
        "hybrid",
        incident(flags=("security",), category="platform-wide"),
    )
    assert rooms(events) == expected


# -- progress while a decision is reached --------------------------------------------------------
LEADERSHIP = DecisionNeed("roll back", ("leadership",), deliberation=5.0)
CONTAIN = DecisionNeed("contain", ("security",), deliberation=5.0, containment=True)


def deciding_doc(progress: float) -> dict:
    doc = setting(base_doc(), "behaviour.reply_latency.working", 10.0)
    doc = setting(doc, "behaviour.channel_rounds", 2)
    return setting(doc, "behaviour.progress_while_deciding", progress)


@pytest.mark.parametrize("protocol, wait", [("async-first", 2 * 10.0 + 5.0), ("war-room", 5.0)])
@pytest.mark.parametrize("decision", [LEADERSHIP, CONTAIN], ids=["after-diagnosis", "containment"])
def test_progress_while_deciding_takes_that_fraction_of_the_wait_off_the_work(protocol, wait, decision):
    """Two points, 0 and 0.4: the decision waits 25 min in the channel (two 10-min round-trips and
    5 of deliberation) and 5 in the room (deliberation only); with 0.4 the debugger gets
    0.4 x wait done meanwhile (10 or 2 min, less than the 20-min fix or the 60-min diagnosis it
    comes off), so the incident ends exactly that much sooner, by the same rule in both media."""
    spec = incident(decisions=(decision,), flags=("security",) if decision.containment else ())
    off = ttr(deciding_doc(0.0), protocol, spec)
    on = ttr(deciding_doc(0.4), protocol, spec)
    assert off == pytest.approx(DIAGNOSIS + FIX + wait)
    assert on - off == pytest.approx(-0.4 * wait)


def test_progress_while_deciding_comes_off_the_fix_and_no_further():
    """With 1.0 the 25 min of a channel decision would be 25 min of work, but only the 20-min fix
    follows it: the incident takes 60 + 25 + 0, not 60 + 25 - 5."""
    spec = incident(decisions=(LEADERSHIP,))
    assert ttr(deciding_doc(1.0), "async-first", spec) == pytest.approx(DIAGNOSIS + 25.0)


def test_a_hybrid_without_a_triage_call_is_described_without_one():
    """fintech.yaml's 'hybrid-strict' has no ``triage`` section: its description says nothing of
    a triage call, while the essay's hybrid beside it still gets that sentence, with its values."""
    from incsim.model.mechanisms import described

    scn = load_scenario(Path(__file__).resolve().parents[2] / "scenarios" / "fintech.yaml")
    kinds = {p.name: (p.strategy, p.triage is not None) for p in scn.protocols}
    assert kinds["hybrid"] == ("hybrid", True) and kinds["hybrid-strict"] == ("hybrid", False)
    text = [line for lines in described(scn, str).values() for line in lines]
    triage = [line for line in text if "with a triage flag opens with a call" in line]
    assert [line.split(":")[0] for line in triage] == ["'hybrid'"]
    assert "at most 3 people" in triage[0]


def world_of(doc: dict, protocol: str, *specs):
    """A world to step by hand (``run`` plays one to its end)."""
    from incsim.model.streams import Streams
    from incsim.model.world import World

    scn = Scenario.model_validate(doc)
    return World(scn, protocol, Streams(7, 0), list(specs), scn.simulation.horizon_days * 1440.0)


def test_an_escalation_during_the_triage_call_replaces_it_and_stays_open():
    """With ``escalate_before_triage``, ``web`` hit at T0 + 8, inside the call (T0 + 5 to T0 + 15):
    the call ends at T0 + 8, the full room opens then and the debugger, who was in the call,
    goes on with the work: the room stays to the end (T0 + 8 + 80); the call's planned end at
    T0 + 15 neither closes it nor holds the debugger."""
    events = run(
        triage_doc(True, services_affected_at_least=2),
        "hybrid",
        incident(flags=("security",), category="cascading", spread=cascade(8.0)),
    )
    assert rooms(events) == [(5.0, "triage"), (8.0, "escalated: 2 services affected (rule: >= 2)")]
    assert [e.t - T0 for e in of(events, Kind.ROOM_CLOSED)] == [8.0, 8.0 + DIAGNOSIS + FIX]


def test_a_room_opened_before_the_triage_call_is_not_closed_by_it():
    """The IC's team (ops) is off hours at T0 and acknowledges at T0 + 20; the debugger is there
    at T0 + 5 and waits for the IC to start the call. An escalation injected at T0 + 8 opens
    the full room; when the IC arrives the call is not held: the containment decision is taken
    in the room (the security lead, also off hours, is paged with the IC at T0, one of the
    call's three, and there at T0 + 20; 5 min of deliberation, to T0 + 25), then diagnosis and
    fix (to T0 + 105), and the room stays open to the end."""
    contain = DecisionNeed("contain", ("security",), deliberation=5.0, containment=True)
    doc = setting(
        triage_doc(), "org.teams.ops.work_hours", {"start": 9.0, "end": 17.0, "weekends_off": False}
    )
    doc = setting(doc, "behaviour.page_ack_off_hours", 20.0)
    world = world_of(doc, "hybrid", incident(flags=("security",), decisions=(contain,)))
    world.run(until=T0 + 8.0)
    world.inject_escalation(0, "drill")
    world.run()
    events = world.log.events
    assert [e.t - T0 for e in of(events, Kind.JOINED, role="ic")] == [20.0]
    assert rooms(events) == [(8.0, "escalated: drill")]
    assert [e.t - T0 for e in of(events, Kind.ROOM_CLOSED)] == [25.0 + DIAGNOSIS + FIX]
    assert [(e.t - T0, e.medium) for e in of(events, Kind.DECISION)] == [(25.0, "room")]


def test_a_reopened_room_does_not_invite_twice_and_a_lapsed_invitation_is_not_kept():
    """B's room (when_free) closes at T0 + 10 and opens again at T0 + 15: db-1 and ops-1, waiting
    for A to end at 130, are invited by each room (two ``busy`` records) but paged and joined
    once, at 130, for the room that is open then."""
    world = world_of(busy_doc("when_free"), "hybrid", *a_and_b())
    world.run(until=T0 + 10.0)
    b = world.live[1]
    world.participation.close_room(b)
    world.run(until=T0 + 15.0)
    world.rooms.open(b, "reopened")
    world.run()
    events = world.log.events
    for who in ("db-1", "ops-1"):
        waits = [e.t for e in of(events, Kind.BUSY, waits=True) if e.incident == 1 and e.who == who]
        assert waits == [T0, T0 + 15.0], who
        assert [
            e.t for e in of(events, Kind.PAGED, role="spectator") if e.incident == 1 and e.who == who
        ] == [A_RESOLVES], who
        assert [e.t for e in of(events, Kind.JOINED) if e.incident == 1 and e.who == who] == [A_RESOLVES], who
    assert check_one_place(events, roles=None) == []


def test_an_invitee_busy_by_the_time_they_could_join_comes_when_free_under_last():
    """``last``, join delay 4: ops-3 is free at T0 and invited to B; at T0 + 2 incident C (on
    ``db``, db-2 debugging as db-1 is in A) takes ops-3 as its IC until T0 + 2 + 80 = 142. At
    T0 + 4 ops-3 cannot join B: they wait for C, which ends after B (140), so they never come.
    With C 40 min shorter (resolved at 62 + 20 + 20 = 102) they are paged then and join at 106."""

    def ops3(c_diagnosis: float) -> tuple[list, list]:
        doc = setting(busy_doc("last"), "behaviour.join_delay", 4.0)
        c = incident(at=T0 + 2.0, roots=("db",), diagnosis=c_diagnosis, id=2)
        events = run(doc, "hybrid", *a_and_b(), c)
        joins = [e.t for e in of(events, Kind.JOINED) if e.incident == 1 and e.who == "ops-3"]
        waits = [e.t for e in of(events, Kind.BUSY, waits=True) if e.incident == 1 and e.who == "ops-3"]
        assert check_one_place(events, roles=None) == []
        return joins, waits

    assert ops3(DIAGNOSIS) == ([], [T0 + 4.0])
    assert ops3(DIAGNOSIS - 40.0) == ([T0 + 2.0 + (DIAGNOSIS - 40.0) + FIX + 4.0], [T0 + 4.0])
