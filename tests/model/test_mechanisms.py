"""One test per mechanism of the model, on tiny hand-made scenarios.

Every duration is fixed and every overhead is switched off except the one under test, so the
expected times and hours are arithmetic a reader can redo from the docstring: an incident
detected at minute 60 with 60 minutes of diagnosis and 20 of fix resolves after exactly 80
minutes when nothing else costs time. Each test then turns one knob and checks the event log
or the incidents table against a number derived by hand (a closed form, or a two-point
difference with its sign and size), never against the model's own earlier output.

The org: ``app`` (4 people, owns the customer-facing ``api``), ``db`` (2 people, owns ``db``,
which holds customer data), ``ops`` (3 people: the IC rota, leadership and security). Everyone
works around the clock unless a test says otherwise, so nobody is off hours by accident.
"""

from __future__ import annotations

import math

import pytest
from mechanism_helpers import (
    DIAGNOSIS,
    FIX,
    NINE_TO_FIVE,
    T0,
    base_doc,
    cascade,
    incident,
    joined_at,
    of,
    record,
    run,
    setting,
    ttr,
)

from incsim.metrics import incident_records
from incsim.model.events import RECORDS, Event, Kind
from incsim.model.incidents import DecisionNeed
from incsim.scenario.schema import Costs


@pytest.mark.parametrize("protocol", ["war-room", "async-first", "hybrid"])
def test_with_every_overhead_off_an_incident_takes_its_diagnosis_plus_its_fix(protocol):
    doc = base_doc()
    events = run(doc, protocol)
    rec = record(doc, protocol)
    assert rec["ttr_min"] == pytest.approx(DIAGNOSIS + FIX)
    assert rec["detected_at_min"] == T0 and rec["engage_wait_min"] == 0.0
    # debugger and IC, each for the whole incident; nobody else, no refocus
    assert rec["responder_hours"] == pytest.approx(2 * (DIAGNOSIS + FIX) / 60)
    assert rec["non_essential_hours"] == 0.0 and rec["refocus_hours"] == 0.0
    assert sorted(e.role for e in of(events, Kind.JOINED)) == ["debugger", "ic"]
    assert rec["peak_participants"] == 2


# -- protocol rules ----------------------------------------------------------------------------
def test_war_room_opens_a_room_at_detection_and_async_first_never_does():
    doc = base_doc()
    room = run(doc, "war-room")
    opened = of(room, Kind.ROOM_OPENED)
    assert [(e.t, e.reason) for e in opened] == [(T0, "protocol: every P1 gets a war room")]
    assert [e.t for e in of(room, Kind.ROOM_CLOSED)] == [T0 + DIAGNOSIS + FIX]
    assert record(doc, "war-room")["war_room_minutes"] == pytest.approx(DIAGNOSIS + FIX)
    assert not record(doc, "war-room")["escalated"]
    chan = run(doc, "async-first", incident(flags=("security", "data-loss"), category="platform-wide"))
    assert not of(chan, Kind.ROOM_OPENED) and not of(chan, Kind.ESCALATED)


@pytest.mark.parametrize("threshold, escalates_at", [(2, T0 + 5.0), (3, T0 + 12.0), (4, None)])
def test_hybrid_escalates_when_the_cascade_reaches_the_rule_s_number_of_services(threshold, escalates_at):
    """``api`` is hit at T0, ``web`` 5 min later, ``shop`` 12 min later: 1, 2 then 3 services."""
    doc = setting(base_doc(), "protocols.hybrid.escalation", {"services_affected_at_least": threshold})
    events = run(doc, "hybrid", incident(category="cascading", spread=cascade(5.0, 12.0)))
    assert [e.t for e in of(events, Kind.AFFECTED)] == [T0, T0 + 5.0, T0 + 12.0]
    esc = of(events, Kind.ESCALATED)
    if escalates_at is None:
        assert not esc and not of(events, Kind.ROOM_OPENED)
    else:
        assert [e.t for e in esc] == [escalates_at]
        assert f">= {threshold}" in esc[0].reason
        assert [e.t for e in of(events, Kind.ROOM_OPENED)] == [escalates_at]


def test_hybrid_escalates_at_detection_when_the_incident_already_meets_the_rule():
    doc = setting(base_doc(), "protocols.hybrid.escalation", {"services_affected_at_least": 2})
    events = run(doc, "hybrid", incident(roots=("api", "db"), category="platform-wide"))
    assert [e.t for e in of(events, Kind.ESCALATED)] == [T0]
    assert record(doc, "hybrid", incident(roots=("api", "db"), category="platform-wide"))["escalated"]


@pytest.mark.parametrize(
    "rules, spec, reason",
    [
        ({"categories": ["platform-wide"]}, incident(category="platform-wide"), "category platform-wide"),
        ({"flags": ["regulatory"]}, incident(flags=("regulatory",)), "flag regulatory"),
        ({"customer_data_at_risk": True}, incident(flags=("data-loss",)), "customer data at risk"),
        (
            {"customer_data_at_risk": True},
            incident(flags=("security",), roots=("db",)),
            "customer data at risk",
        ),
    ],
)
def test_hybrid_escalation_rules_open_a_room_at_detection(rules, spec, reason):
    doc = setting(base_doc(), "protocols.hybrid.escalation", rules)
    events = run(doc, "hybrid", spec)
    assert [(e.t, e.reason) for e in of(events, Kind.ESCALATED)] == [(T0, reason)]


@pytest.mark.parametrize(
    "rules, spec",
    [
        ({"categories": ["platform-wide"]}, incident(category="cascading")),
        ({"flags": ["regulatory"]}, incident(flags=("security",))),
        # security on a service without customer data puts no data at risk
        ({"customer_data_at_risk": True}, incident(flags=("security",), roots=("api",))),
    ],
)
def test_hybrid_stays_in_the_channel_when_no_rule_matches(rules, spec):
    doc = setting(base_doc(), "protocols.hybrid.escalation", rules)
    events = run(doc, "hybrid", spec)
    assert not of(events, Kind.ESCALATED) and not of(events, Kind.ROOM_OPENED)


@pytest.mark.parametrize("limit", [30.0, 45.0])
def test_hybrid_escalates_after_no_progress_for_the_rule_s_minutes(limit):
    """The debugger works 30 min, then waits 100 min for db's expert: nothing moves from T0 + 30,
    so the rule fires ``limit`` minutes later; worked without a stall, however long, it never
    fires, and neither does it for an incident mitigated before the limit."""
    doc = setting(base_doc(), "protocols.hybrid.escalation", {"no_progress_min": limit})
    doc = setting(doc, "behaviour.reply_latency.working", 100.0)
    events = run(doc, "hybrid", incident(consults=(0.5,), consult_teams=("db",)))
    assert [e.t for e in of(events, Kind.ESCALATED)] == [T0 + 30.0 + limit]
    assert of(events, Kind.ESCALATED)[0].reason == f"no progress for {limit:g} min"
    assert not of(run(doc, "hybrid", incident(diagnosis=4 * limit)), Kind.ESCALATED)
    quick = run(doc, "hybrid", incident(diagnosis=limit / 2, fix=limit / 4))
    assert not of(quick, Kind.ESCALATED)


def test_triage_is_a_short_call_of_at_most_max_people_then_the_channel():
    doc = setting(
        base_doc(), "protocols.hybrid.triage", {"flags": ["security"], "max_people": 3, "duration": 10.0}
    )
    doc = setting(doc, "protocols.hybrid.room.invite", {"rule": "fixed-size", "size": 8})
    events = run(doc, "hybrid", incident(flags=("security",)))
    assert [(e.t, e.reason, e.limit) for e in of(events, Kind.ROOM_OPENED)] == [(T0, "triage", 3)]
    assert [e.t for e in of(events, Kind.ROOM_CLOSED)] == [T0 + 10.0]
    assert not of(events, Kind.ESCALATED)
    # debugger, IC and the security person; nobody invited beyond the call's limit
    assert sorted(e.role for e in of(events, Kind.JOINED)) == ["debugger", "ic", "stakeholder"]
    assert record(doc, "hybrid", incident(flags=("security",)))["war_room_minutes"] == pytest.approx(10.0)
    plain = run(doc, "hybrid", incident())
    assert not of(plain, Kind.ROOM_OPENED)


# -- behaviour: the debugger's speed --------------------------------------------------------
def war_room_of(size: int, per_listener: float, max_slowdown: float) -> dict:
    doc = setting(base_doc(), "protocols.war-room.room.invite", {"rule": "fixed-size", "size": size})
    return setting(doc, "behaviour.narration", {"per_listener": per_listener, "max_slowdown": max_slowdown})


@pytest.mark.parametrize(
    "size, per_listener, max_slowdown, slowdown",
    [
        (5, 0.1, 2.0, 1.4),  # 4 listeners (the IC and 3 spectators): 1 + 0.1 x 4
        (3, 0.1, 2.0, 1.2),  # 2 listeners
        (5, 0.1, 1.25, 1.25),  # capped
        (9, 0.1, 1.6, 1.6),  # 8 listeners would be 1.8: capped at 1.6
        (5, 0.0, 1.6, 1.0),  # no narration
    ],
)
def test_narration_slows_the_debugger_by_per_listener_per_person_up_to_the_cap(
    size, per_listener, max_slowdown, slowdown
):
    doc = war_room_of(size, per_listener, max_slowdown)
    rec = record(doc, "war-room")
    assert rec["peak_participants"] == size
    assert rec["ttr_min"] == pytest.approx((DIAGNOSIS + FIX) * slowdown)
    # the channel has no audience: the same incident takes its plain time
    assert ttr(doc, "async-first") == pytest.approx(DIAGNOSIS + FIX)


def test_off_hours_slowdown_applies_to_a_debugger_paged_out_of_hours():
    doc = setting(base_doc(), "org.teams.app.work_hours", dict(NINE_TO_FIVE))
    doc = setting(doc, "behaviour.off_hours_slowdown", 1.5)
    night, day = incident(at=120.0), incident(at=10 * 60.0)  # 02:00 and 10:00 on Monday
    assert ttr(doc, "async-first", night) == pytest.approx((DIAGNOSIS + FIX) * 1.5)
    assert ttr(doc, "async-first", day) == pytest.approx(DIAGNOSIS + FIX)
    plain = setting(doc, "behaviour.off_hours_slowdown", 1.0)
    assert ttr(plain, "async-first", night) == pytest.approx(DIAGNOSIS + FIX)


def test_page_acknowledgement_delays_the_debugger_by_page_ack_at_work_and_the_off_hours_value_at_night():
    doc = setting(base_doc(), "behaviour.page_ack", 5.0)
    doc = setting(doc, "behaviour.page_ack_off_hours", 15.0)
    rec = record(doc, "async-first")
    assert rec["engage_wait_min"] == pytest.approx(5.0)
    assert rec["ttr_min"] == pytest.approx(5.0 + DIAGNOSIS + FIX)
    night = setting(doc, "org.teams.app.work_hours", dict(NINE_TO_FIVE))
    rec = record(night, "async-first", incident(at=120.0))
    assert rec["engage_wait_min"] == pytest.approx(15.0)
    assert rec["ttr_min"] == pytest.approx(15.0 + DIAGNOSIS + FIX)


# -- behaviour: talking to other teams ---------------------------------------------------------
CONSULT = dict(consults=(0.5,), consult_teams=("db",))


def test_a_channel_consult_waits_for_the_working_reply_latency():
    doc = setting(base_doc(), "behaviour.reply_latency.working", 10.0)
    events = run(doc, "async-first", incident(**CONSULT))
    (q,) = of(events, Kind.QUESTION, topic="consult")
    (a,) = of(events, Kind.ANSWER)
    assert q.t == pytest.approx(T0 + DIAGNOSIS / 2)
    assert a.t - q.t == pytest.approx(10.0) and a.wait_min == pytest.approx(10.0)
    assert ttr(doc, "async-first", incident(**CONSULT)) == pytest.approx(DIAGNOSIS + FIX + 10.0)


@pytest.mark.parametrize("rule, wait", [("page", 12.0 + 1.0), ("wait", 7.5 * 60 + 10.0)])
def test_a_channel_consult_out_of_hours_wakes_the_expert_or_waits_for_their_day(rule, wait):
    """At 01:30 db's expert is asleep: paged, they are there after the night acknowledgement
    (12 min) and answer at the engaged latency (1); or they answer at 09:00 at the working one (10)."""
    doc = setting(base_doc(), "behaviour.reply_latency", {"engaged": 1.0, "working": 10.0, "off_hours": 40.0})
    doc = setting(doc, "behaviour.page_ack_off_hours", 12.0)
    doc = setting(doc, "behaviour.off_hours_questions", rule)
    doc = setting(doc, "org.teams.db.work_hours", dict(NINE_TO_FIVE))
    events = run(doc, "async-first", incident(**CONSULT))
    (a,) = of(events, Kind.ANSWER)
    assert a.wait_min == pytest.approx(wait)
    woken = [(e.who, e.role) for e in of(events, Kind.JOINED) if e.who.startswith("db")]
    assert woken == ([("db-1", "expert")] if rule == "page" else [])


def test_a_late_expert_reads_the_thread_before_answering():
    doc = setting(base_doc(), "behaviour.reply_latency.working", 10.0)
    doc = setting(doc, "behaviour.read_thread", 7.0)
    (a,) = of(run(doc, "async-first", incident(**CONSULT)), Kind.ANSWER)
    assert a.wait_min == pytest.approx(17.0)


@pytest.mark.parametrize("progress", [0.0, 0.3, 0.5, 1.0])
def test_progress_while_waiting_credits_that_fraction_of_the_wait(progress):
    """Waiting 10 min for the expert, the debugger keeps ``progress`` of their speed: the
    incident ends ``10 x progress`` minutes sooner than with no progress at all."""
    doc = setting(base_doc(), "behaviour.reply_latency.working", 10.0)
    doc = setting(doc, "behaviour.progress_while_waiting", progress)
    assert ttr(doc, "async-first", incident(**CONSULT)) == pytest.approx(
        DIAGNOSIS + FIX + 10.0 * (1 - progress)
    )


def test_a_consult_in_a_room_is_answered_aloud_after_room_answer():
    doc = setting(base_doc(), "behaviour.room_answer", 3.0)
    doc = setting(doc, "behaviour.reply_latency.working", 30.0)  # the channel's latency plays no part
    events = run(doc, "war-room", incident(**CONSULT))
    (a,) = of(events, Kind.ANSWER)
    assert a.medium == "room" and a.wait_min == pytest.approx(3.0)
    assert ttr(doc, "war-room", incident(**CONSULT)) == pytest.approx(DIAGNOSIS + FIX + 3.0)


def test_an_expert_interrupted_at_work_pays_the_answer_and_a_refocus():
    doc = setting(base_doc(), "behaviour.interruption", {"answer": 2.0, "refocus": 5.0})
    doc = setting(doc, "behaviour.reply_latency.working", 10.0)
    events = run(doc, "async-first", incident(**CONSULT))
    (hit,) = [e for e in of(events, Kind.INTERRUPTED) if e.reason == "consult"]
    assert hit.who.startswith("db-") and not hit.engaged
    assert (hit.answer_min, hit.refocus_min) == (2.0, 5.0)
    rec = record(doc, "async-first", incident(**CONSULT))
    (answer,) = of(events, Kind.ANSWER)
    assert rec["ttr_min"] == pytest.approx(DIAGNOSIS + FIX + answer.wait_min)
    # debugger and IC for the whole incident, the expert for the 2 minutes of the answer
    assert rec["responder_hours"] == pytest.approx((2 * rec["ttr_min"] + 2.0) / 60)
    assert rec["refocus_hours"] == pytest.approx(5.0 / 60)
    assert rec["interruptions"] == 1


# -- behaviour: decisions ----------------------------------------------------------------------
LEADERSHIP = DecisionNeed("roll back", ("leadership",), deliberation=5.0)


@pytest.mark.parametrize("rounds", [1, 2, 3])
def test_a_channel_decision_takes_channel_rounds_reply_latencies_then_deliberation(rounds):
    doc = setting(base_doc(), "behaviour.reply_latency.working", 10.0)
    doc = setting(doc, "behaviour.channel_rounds", rounds)
    spec = incident(decisions=(LEADERSHIP,))
    (d,) = of(run(doc, "async-first", spec), Kind.DECISION)
    assert d.medium == "channel" and d.wait_min == pytest.approx(10.0 * rounds + 5.0)
    rec = record(doc, "async-first", spec)
    assert rec["decision_wait_min"] == pytest.approx(10.0 * rounds + 5.0)
    assert rec["ttr_min"] == pytest.approx(DIAGNOSIS + FIX + 10.0 * rounds + 5.0)


def test_a_channel_decision_with_someone_already_engaged_waits_the_engaged_latency():
    doc = setting(base_doc(), "behaviour.reply_latency", {"engaged": 3.0, "working": 10.0, "off_hours": 40.0})
    doc = setting(doc, "behaviour.channel_rounds", 2)
    (d,) = of(
        run(doc, "async-first", incident(decisions=(DecisionNeed("page", ("ic",), 5.0),))), Kind.DECISION
    )
    assert d.wait_min == pytest.approx(2 * 3.0 + 5.0)


def test_a_room_decision_takes_only_the_deliberation():
    doc = setting(base_doc(), "behaviour.reply_latency.working", 10.0)
    doc = setting(doc, "behaviour.channel_rounds", 3)
    (d,) = of(run(doc, "war-room", incident(decisions=(LEADERSHIP,))), Kind.DECISION)
    assert d.medium == "room" and d.wait_min == pytest.approx(5.0)


def test_data_exposure_runs_at_its_rate_until_containment():
    """Exposure 10 records a minute; containment is the first decision (5 min of deliberation
    in a room, 2 x 10 + 5 min in the channel)."""
    doc = setting(base_doc(), "behaviour.reply_latency.working", 10.0)
    doc = setting(doc, "behaviour.channel_rounds", 2)
    contain = DecisionNeed("contain", ("security",), deliberation=5.0, containment=True)
    spec = incident(flags=("security",), decisions=(contain,), exposure_per_min=10.0)
    assert record(doc, "war-room", spec)["data_exposure"] == pytest.approx(10.0 * 5.0)
    assert record(doc, "async-first", spec)["data_exposure"] == pytest.approx(10.0 * 25.0)


# -- behaviour: rooms and their audience ---------------------------------------------------
def test_spectators_join_after_join_delay_and_stay_to_the_end():
    doc = setting(war_room_of(5, 0.0, 1.6), "behaviour.join_delay", 4.0)
    events = run(doc, "war-room")
    assert joined_at(events, "spectator") == [T0 + 4.0] * 3
    rec = record(doc, "war-room")
    assert rec["non_essential_hours"] == pytest.approx(3 * (DIAGNOSIS + FIX - 4.0) / 60)


def test_spectators_who_do_not_stay_leave_after_leave_after():
    doc = setting(war_room_of(5, 0.0, 1.6), "protocols.war-room.room.stay_probability", 0.0)
    doc = setting(doc, "protocols.war-room.room.leave_after", 20.0)
    events = run(doc, "war-room")
    assert [e.t for e in of(events, Kind.LEFT, role="spectator")] == [T0 + 20.0] * 3
    assert record(doc, "war-room")["non_essential_hours"] == pytest.approx(3 * 20.0 / 60)


@pytest.mark.parametrize("after, briefs", [(3.0, 3), (10.0, 0)])
def test_a_late_joiner_is_briefed_by_the_debugger(after, briefs):
    """Three spectators arrive 5 min after the room opens; past ``late_joiner_after`` each
    costs the debugger a 4-minute briefing."""
    doc = setting(war_room_of(5, 0.0, 1.6), "behaviour.join_delay", 5.0)
    doc = setting(doc, "behaviour.brief_late_joiner", 4.0)
    doc = setting(doc, "behaviour.late_joiner_after", after)
    events = run(doc, "war-room")
    assert len([e for e in of(events, Kind.INTERRUPTED) if e.reason == "brief late joiner"]) == briefs
    assert ttr(doc, "war-room") == pytest.approx(DIAGNOSIS + FIX + 4.0 * briefs)


def test_spectator_questions_arrive_at_their_hourly_rate_per_spectator():
    """Over a 100-hour incident with 3 spectators asking 1.5 questions an hour each, the count is
    Poisson with mean 450 (answers take no time, so no spectator ever has a question waiting)."""
    doc = setting(war_room_of(5, 0.0, 1.6), "behaviour.spectator_questions_per_hour", 1.5)
    spec = incident(diagnosis=6000.0, fix=0.0)
    counts = [len(of(run(doc, "war-room", spec, seed=s), Kind.QUESTION, topic="question")) for s in (1, 2, 3)]
    mean = 1.5 * 3 * 100.0
    assert all(abs(c - mean) < 4 * mean**0.5 for c in counts), counts
    assert not of(
        run(setting(doc, "behaviour.spectator_questions_per_hour", 0.0), "war-room", spec), Kind.QUESTION
    )


def test_a_question_put_while_the_debugger_answers_another_waits_its_turn():
    """Three spectators asking 2 questions an hour each, every answer 10 min of the debugger's
    work and a 5-minute refocus after it: questions come while the debugger is still answering
    one, and every one is put and answered in turn, so the incident takes its work plus each
    question's minutes. The debugger pays the queue in order; a question put while they are
    answering another costs no refocus of its own (they go straight on to it), so question k is
    answered by max(asked, answer k-1) + 10 (+ 5 if the debugger was free when it was asked). A
    spectator whose question waits puts no other before it is answered."""
    doc = setting(war_room_of(5, 0.0, 1.6), "behaviour.spectator_questions_per_hour", 2.0)
    doc = setting(doc, "behaviour.room_answer", 10.0)
    doc = setting(doc, "behaviour.interruption.refocus", 5.0)
    events = run(doc, "war-room")
    questions = of(events, Kind.QUESTION, topic="question")
    answers = [e for e in of(events, Kind.INTERRUPTED) if e.reason == "spectator question"]
    assert len(questions) >= 5 and [e.t for e in answers] == [e.t for e in questions]
    assert {e.who for e in answers} == {questions[0].to}
    ends, end = [], 0.0
    for q, a in zip(questions, answers):
        free = q.t >= end
        assert (a.answer_min, a.refocus_min) == (10.0, 5.0 if free else 0.0), (q, a, end)
        end = max(q.t, end) + 10.0 + a.refocus_min
        ends.append(end)
    # put while the debugger was still answering the one before (once dropped, now waiting)
    assert sum(a.refocus_min == 0.0 for a in answers) >= 2
    minutes = sum(a.answer_min + a.refocus_min for a in answers)
    assert ttr(doc, "war-room") == pytest.approx(DIAGNOSIS + FIX + minutes)
    answered: dict[str, float] = {}
    for q, done in zip(questions, ends):
        assert q.t >= answered.get(q.who, 0.0), (q, answered)
        answered[q.who] = done


def test_questions_waiting_never_outnumber_the_spectators():
    """A room of 3 spectators each asking 2 questions an hour, answers exponential with mean 10
    min: with every question put (one each at most waiting) the debugger is free for work a
    share p0 = 1 / sum_k 3!/(3-k)! (1/3)^k = 9/26 of the time (the finite-source queue); dropping
    questions drawn while the debugger is busy would leave it 1/2, and letting a spectator with
    a question waiting ask again would saturate it (3 x 2 x 10 = 60 answer-minutes an hour)."""
    doc = setting(war_room_of(5, 0.0, 1.6), "behaviour.spectator_questions_per_hour", 2.0)
    doc = setting(doc, "behaviour.room_answer", {"dist": "exponential", "mean": 10.0})
    work = 3000.0
    spec = incident(diagnosis=work, fix=0.0)
    shares = []
    for seed in (1, 2, 3, 4):
        events = run(doc, "war-room", spec, seed=seed)
        answering = sum(
            e.answer_min for e in of(events, Kind.INTERRUPTED) if e.reason == "spectator question"
        )
        took = record(doc, "war-room", spec, seed=seed)["ttr_min"]
        assert took == pytest.approx(work + answering)  # every question put is answered
        shares.append(work / took)
    # some 1,100 answers over four runs (one run's share varies by about 0.026): within +-0.04
    assert abs(sum(shares) / len(shares) - 9 / 26) < 0.04, shares


@pytest.mark.parametrize(
    "rule, people",
    [
        ("all-oncalls", {"app-1", "db-1", "ops-1"}),  # every team's on-call; ops-1 is the IC
        ("oncalls-and-leads", {"app-1", "db-1", "ops-1"}),  # leads are the first of each team: the on-calls
    ],
)
def test_room_invite_rules_choose_who_is_pulled_in(rule, people):
    doc = setting(base_doc(), "protocols.war-room.room.invite", {"rule": rule})
    events = run(doc, "war-room")
    assert {e.who for e in of(events, Kind.JOINED)} == people


def test_oncalls_and_leads_adds_leads_who_are_not_on_call():
    doc = setting(base_doc(), "org.teams.app.leads", 2)
    doc = setting(doc, "protocols.war-room.room.invite", {"rule": "oncalls-and-leads"})
    assert {e.who for e in of(run(doc, "war-room"), Kind.JOINED)} == {"app-1", "app-2", "db-1", "ops-1"}
    doc = setting(doc, "protocols.war-room.room.invite", {"rule": "all-oncalls"})
    assert {e.who for e in of(run(doc, "war-room"), Kind.JOINED)} == {"app-1", "db-1", "ops-1"}


def test_people_off_hours_are_invited_only_when_the_rule_says_so():
    doc = setting(base_doc(), "org.teams.db.work_hours", dict(NINE_TO_FIVE))
    doc = setting(doc, "org.teams.db.oncall", None)
    doc = setting(doc, "protocols.war-room.room.invite", {"rule": "fixed-size", "size": 9})
    asleep = {e.who for e in of(run(doc, "war-room"), Kind.JOINED)}
    assert not any(w.startswith("db-") for w in asleep) and len(asleep) == 7
    doc = setting(doc, "protocols.war-room.room.invite.include_off_hours", True)
    woken = {e.who for e in of(run(doc, "war-room"), Kind.JOINED)}
    assert {"db-1", "db-2"} <= woken and len(woken) == 9


# -- behaviour: the IC's updates -------------------------------------------------------------
def test_updates_are_posted_every_cadence_and_watchers_pay_to_read_them():
    """An 80-minute incident, updates begun every 15 min, each written in 4 min of the IC's
    time: posted at 19, 34, 49, 64, 79. Two watchers read each one for 3 min: 10 readings, 30
    non-essential minutes."""
    doc = setting(base_doc(), "protocols.async-first.channel_watchers", 2)
    doc = setting(doc, "behaviour.read_update", 3.0)
    doc = setting(doc, "behaviour.write_update", 4.0)
    events = run(doc, "async-first")
    updates = of(events, Kind.UPDATE, channel="incident")
    assert [e.t - T0 for e in updates] == pytest.approx([19.0, 34.0, 49.0, 64.0, 79.0])
    assert all(e.write_min == 4.0 for e in updates)
    reads = [e for e in of(events, Kind.INTERRUPTED) if e.reason == "read update"]
    assert len(reads) == 10 and len({e.who for e in reads}) == 2
    assert all(e.answer_min == 3.0 and e.role == "watcher" for e in reads)
    rec = record(doc, "async-first")
    assert rec["non_essential_hours"] == pytest.approx(30.0 / 60)
    assert rec["interruptions"] == 10
    # no watchers, no reading; a slower cadence, fewer updates
    assert (
        record(setting(doc, "protocols.async-first.channel_watchers", 0), "async-first")[
            "non_essential_hours"
        ]
        == 0
    )
    slow = run(setting(doc, "protocols.async-first.update_cadence_min", 25.0), "async-first")
    assert [e.t - T0 for e in of(slow, Kind.UPDATE, channel="incident")] == pytest.approx([29.0, 54.0, 79.0])


def test_an_executive_channel_gets_its_own_update_on_the_same_cadence():
    """The incident update takes no writing here; the executive one 2 min, posted after it, on
    the same cadence: 15 and 17, 30 and 32, ..., 75 and 77."""
    doc = setting(base_doc(), "protocols.async-first.executive_channel", True)
    doc = setting(doc, "behaviour.write_executive_update", 2.0)
    events = run(doc, "async-first")
    execs = of(events, Kind.UPDATE, channel="executive")
    assert [e.t - T0 for e in execs] == pytest.approx([17.0, 32.0, 47.0, 62.0, 77.0])
    assert [e.t - T0 for e in of(events, Kind.UPDATE, channel="incident")] == pytest.approx(
        [15.0, 30.0, 45.0, 60.0, 75.0]
    )
    assert all(e.write_min == 2.0 for e in execs)


@pytest.mark.parametrize("exec_channel, factor", [(False, 1.0), (True, 0.3)])
def test_leadership_asks_for_updates_at_its_hourly_rate_cut_by_an_executive_channel(exec_channel, factor):
    """A 100-hour incident, 2 requests an hour (times 0.3 with an executive channel): the count
    over three seeds is Poisson with mean 600 (or 180), each an interruption of the IC."""
    doc = setting(base_doc(), "behaviour.update_requests_per_hour", 2.0)
    doc = setting(doc, "protocols.async-first.executive_channel", exec_channel)
    spec = incident(diagnosis=6000.0, fix=0.0)
    asks = [
        e
        for s in (1, 2, 3)
        for e in of(run(doc, "async-first", spec, seed=s), Kind.QUESTION, topic="any updates?")
    ]
    mean = 3 * 2.0 * factor * 100.0
    assert abs(len(asks) - mean) < 4 * mean**0.5, (len(asks), mean)
    assert all(e.to == "ops-1" for e in asks)


# -- behaviour: refocus --------------------------------------------------------------------
def test_refocus_is_charged_to_people_pulled_off_their_work_when_they_leave():
    doc = setting(base_doc(), "behaviour.refocus", 25.0)
    events = run(doc, "async-first")
    assert sorted((e.who, e.refocus_min) for e in of(events, Kind.LEFT)) == [("app-1", 25.0), ("ops-1", 25.0)]
    rec = record(doc, "async-first")
    assert rec["refocus_hours"] == pytest.approx(2 * 25.0 / 60)
    assert rec["engineer_hours"] == pytest.approx(2 * (DIAGNOSIS + FIX + 25.0) / 60)


def test_no_refocus_for_someone_paged_from_off_hours():
    doc = setting(base_doc(), "behaviour.refocus", 25.0)
    doc = setting(doc, "org.teams.app.work_hours", dict(NINE_TO_FIVE))
    left = {e.who: e.refocus_min for e in of(run(doc, "async-first", incident(at=120.0)), Kind.LEFT)}
    assert left == {"app-1": 0.0, "ops-1": 25.0}


def test_refocus_stops_at_the_end_of_the_working_day():
    """Resolved at 16:50 by someone working 09-17: only 10 minutes of the 25 are left to refocus."""
    doc = setting(base_doc(), "behaviour.refocus", 25.0)
    doc = setting(doc, "org.teams.app.work_hours", dict(NINE_TO_FIVE))
    at = 16 * 60.0 + 50 - (DIAGNOSIS + FIX)
    left = {e.who: e.refocus_min for e in of(run(doc, "async-first", incident(at=at)), Kind.LEFT)}
    assert left["app-1"] == pytest.approx(10.0)


# -- costs ---------------------------------------------------------------------------------
def test_labour_cost_is_engineer_hours_times_the_hourly_rate():
    doc = setting(base_doc(), "costs", {"hourly_usd": 120.0})
    rec = record(doc, "async-first")
    assert rec["labour_cost_usd"] == pytest.approx(2 * (DIAGNOSIS + FIX) / 60 * 120.0)
    assert rec["cost_usd"] == pytest.approx(rec["labour_cost_usd"])


def test_customer_impact_costs_its_rate_per_minute_of_a_customer_facing_service_down():
    doc = setting(base_doc(), "costs", {"hourly_usd": 0.0, "customer_impact_usd_per_min": 10.0})
    rec = record(doc, "async-first")
    assert rec["customer_impact_min"] == pytest.approx(DIAGNOSIS + FIX)
    assert rec["impact_cost_usd"] == pytest.approx(10.0 * (DIAGNOSIS + FIX))
    internal = record(doc, "async-first", incident(roots=("db",)))
    assert internal["customer_impact_min"] == 0.0 and internal["cost_usd"] == 0.0


def test_off_hours_time_costs_the_multiplier():
    """At 02:00 the debugger (09-17) works off hours, the IC (always at work) does not: the
    debugger's 80 minutes cost 2x, the IC's 1x."""
    doc = setting(base_doc(), "org.teams.app.work_hours", dict(NINE_TO_FIVE))
    doc = setting(doc, "costs", {"hourly_usd": 60.0, "off_hours_multiplier": 2.0})
    rec = record(doc, "async-first", incident(at=120.0))
    assert rec["labour_cost_usd"] == pytest.approx((DIAGNOSIS + FIX) * 2.0 + (DIAGNOSIS + FIX) * 1.0)


def test_a_triage_call_and_a_later_escalation_count_as_two_rooms():
    """Triage holds a 10-min call, then 30 min of diagnosis, then a wait of 50 min for db's
    expert: nothing has moved from T0 + 40, so at T0 + 70 the no-progress rule opens a second
    room, open until the end at T0 + 10 + 50 + 80 = T0 + 140: 10 + 70 minutes of rooms."""
    doc = setting(
        base_doc(), "protocols.hybrid.triage", {"flags": ["security"], "max_people": 3, "duration": 10.0}
    )
    doc = setting(doc, "protocols.hybrid.escalation", {"no_progress_min": 30.0})
    doc = setting(doc, "behaviour.reply_latency.working", 50.0)
    rec = record(doc, "hybrid", incident(flags=("security",), **CONSULT))
    assert rec["ttr_min"] == pytest.approx(10.0 + 50.0 + DIAGNOSIS + FIX)
    assert rec["escalated"]
    assert rec["war_room_minutes"] == pytest.approx(10.0 + 70.0)


# -- the incidents table, read from hand-built logs ----------------------------------------------
def ev(t: float, kind: Kind, who: str = "", **data) -> Event:
    return RECORDS[kind](t, 0, who, **data)


def room_log() -> list[Event]:
    """b commands from 0; c spectates from 1, is asked as expert from 2 and leaves at 5; a
    debugs from 3; d and e spectate from 6 and 7; rooms 0-10 and 20-30 (and a stray second
    close); w reads an update (1.5 min), x answers a question from outside (2 min + 4 refocus),
    b answers one while engaged at 30 (time already counted); api recovers at 35, resolved at 40."""
    return [
        ev(
            0,
            Kind.DETECTED,
            category="single-service",
            flags=("security", "data-loss"),
            roots=("api",),
            diagnosis_min=30.0,
            fix_min=10.0,
            exposure_per_min=0.0,
        ),
        ev(0, Kind.AFFECTED, service="api", via="", customer_facing=True),
        ev(0, Kind.ROOM_OPENED, reason="test", limit=None),
        ev(0, Kind.JOINED, "b", role="ic", off_hours=False),
        ev(1, Kind.JOINED, "c", role="spectator", off_hours=False),
        ev(2, Kind.JOINED, "c", role="expert", change=True),
        ev(3, Kind.JOINED, "a", role="debugger", off_hours=False),
        ev(5, Kind.LEFT, "c", role="expert", refocus_min=0.0),
        ev(6, Kind.JOINED, "d", role="spectator", off_hours=False),
        ev(7, Kind.JOINED, "e", role="spectator", off_hours=False),
        ev(10, Kind.ROOM_CLOSED),
        ev(
            12,
            Kind.INTERRUPTED,
            "w",
            answer_min=1.5,
            refocus_min=0.0,
            reason="read update",
            role="watcher",
            engaged=False,
        ),
        ev(
            14,
            Kind.INTERRUPTED,
            "x",
            answer_min=2.0,
            refocus_min=4.0,
            reason="consult",
            role="expert",
            engaged=False,
        ),
        ev(20, Kind.ROOM_OPENED, reason="test", limit=None),
        ev(30, Kind.ROOM_CLOSED),
        ev(
            30,
            Kind.INTERRUPTED,
            "b",
            answer_min=2.0,
            refocus_min=3.0,
            reason="any updates?",
            role="ic",
            engaged=True,
        ),
        ev(31, Kind.ROOM_CLOSED),
        ev(35, Kind.RECOVERED, service="api"),
        ev(40, Kind.RESOLVED),
        *[
            ev(40, Kind.LEFT, who, role=role, refocus_min=0.0)
            for who, role in (("a", "debugger"), ("b", "ic"), ("d", "spectator"), ("e", "spectator"))
        ],
    ]


def test_incident_row_from_a_hand_built_room_log():
    rec = incident_records(room_log(), Costs(hourly_usd=60.0))[0]
    assert rec["flags"] == "security;data-loss" and rec["services_affected"] == 1
    assert rec["engaged_at_min"] == 3.0 and rec["ttr_min"] == 40.0
    assert rec["peak_participants"] == 4  # b, a, d, e after c left
    assert rec["war_room_minutes"] == 20.0
    # in minutes: b 40, a 37, c 4 (1 watching, 3 as expert), d 34, e 33, w 1.5, x 2
    assert rec["responder_hours"] * 60 == pytest.approx(40 + 37 + 4 + 34 + 33 + 1.5 + 2)
    assert rec["non_essential_hours"] * 60 == pytest.approx(1 + 34 + 33 + 1.5)
    assert rec["refocus_hours"] * 60 == pytest.approx(4.0)
    assert rec["interruptions"] == 3
    assert rec["customer_impact_min"] == 35.0
    assert rec["data_exposure"] == 0.0  # no exposure rate in the log: none
    assert rec["labour_cost_usd"] == pytest.approx(151.5 + 4.0)


def test_an_unresolved_incident_is_measured_to_its_last_event():
    log = [
        ev(
            0,
            Kind.DETECTED,
            category="single-service",
            flags=(),
            roots=("api",),
            diagnosis_min=30.0,
            fix_min=10.0,
            exposure_per_min=2.0,
        ),
        ev(0, Kind.AFFECTED, service="api", via="", customer_facing=True),
        ev(1, Kind.JOINED, "a", role="debugger", off_hours=False),
        ev(2, Kind.JOINED, "b", role="ic", off_hours=False),
        ev(25, Kind.QUESTION, "a", to="b", medium="channel", topic="consult"),
    ]
    rec = incident_records(log, Costs(hourly_usd=60.0))[0]
    assert math.isnan(rec["ttr_min"]) and math.isnan(rec["resolved_at_min"])
    assert rec["responder_hours"] * 60 == pytest.approx(24 + 23)
    assert rec["customer_impact_min"] == 25.0
    assert rec["data_exposure"] == pytest.approx(2.0 * 25)


# -- who is asked ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "who, people",
    [
        ("service-owner", ["app-1"]),  # the debugger
        ("ic", ["ops-1"]),
        ("leadership", ["ops-2"]),  # ops' on-call is the IC, who does nothing else
        ("affected-owners", ["app-1", "db-1"]),  # a responder of every team whose service is hit
    ],
)
def test_decision_stakeholders_are_resolved_by_role(who, people):
    spec = incident(
        roots=("api", "db"), category="platform-wide", decisions=(DecisionNeed("d", (who,), 5.0),)
    )
    (requested,) = of(run(base_doc(), "async-first", spec), Kind.DECISION_REQUESTED)
    assert requested.stakeholders == tuple(people)


def test_a_consult_goes_to_a_free_colleague_when_the_experts_on_call_is_busy():
    """db-1 (db's on-call) is debugging an incident on ``db`` when the ``api`` incident asks db
    a question: db-2 answers. Off hours db-2 is not disturbed and the busy on-call answers."""
    doc = setting(base_doc(), "behaviour.reply_latency.working", 10.0)
    busy = incident(at=T0 - 10, roots=("db",), diagnosis=600.0, id=0)
    ask = incident(at=T0, id=1, **CONSULT)
    (q,) = of(run(doc, "async-first", busy, ask), Kind.QUESTION, topic="consult")
    assert q.to == "db-2"
    night = setting(doc, "org.teams.db.work_hours", dict(NINE_TO_FIVE))
    (q,) = of(run(night, "async-first", busy, ask), Kind.QUESTION, topic="consult")
    assert q.to == "db-1"


def test_a_consult_within_the_debuggers_own_team_needs_no_question():
    doc = setting(base_doc(), "behaviour.reply_latency.working", 10.0)
    spec = incident(consults=(0.5,), consult_teams=("app",))
    assert not of(run(doc, "async-first", spec), Kind.QUESTION)
    assert ttr(doc, "async-first", spec) == pytest.approx(DIAGNOSIS + FIX)


def test_the_work_left_stands_still_while_the_debugger_answers_and_the_answer_s_end_is_known():
    """While the debugger answers a question (work paused), their work left does not count down,
    and ``paying_until`` is the minute that answer ends: a drill's expected recovery adds it to
    the queue still waiting (``drill/schedule.py``) instead of counting the answer as work."""
    from incsim.model.streams import Streams
    from incsim.model.world import World
    from incsim.scenario.schema import Scenario

    doc = setting(war_room_of(5, 0.0, 1.6), "behaviour.spectator_questions_per_hour", 2.0)
    doc = setting(doc, "behaviour.room_answer", 10.0)
    scn = Scenario.model_validate(doc)
    world = World(scn, "war-room", Streams(7, 0), [incident(diagnosis=600.0, fix=0.0)], 1440.0)
    seen = 0
    t = T0
    while t < T0 + 600 and seen < 3:
        t += 0.5
        world.run(until=t)
        live = world.live.get(0)
        if live is None or not live.paying_interruptions or live.work_plan is None:
            continue
        left, until = live.work_left(t)[0], live.paying_until
        if until - t < 1.0:
            continue
        world.run(until=until - 0.25)  # still answering: not a minute of work done
        assert live.paying_interruptions and live.paying_until == until
        assert live.work_left(until - 0.25)[0] == pytest.approx(left)
        paid = live.interruptions_paid
        world.run(until=until + 1e-6)  # the answer ends at that very minute
        assert live.interruptions_paid == paid + 1
        seen += 1
        t = until
    assert seen == 3
