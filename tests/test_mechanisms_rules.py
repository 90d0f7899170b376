"""The protocols' decision rules, one at a time, on incident views written by hand: which
incident opens a room, which escalates and why, which opens with a triage call."""

from __future__ import annotations

from incsim.model.protocols import AsyncFirst, Hybrid, IncidentView, WarRoom, make_strategy
from incsim.scenario.schema import Protocol


def view(category="single-service", flags=(), services=1, data=False, minutes=0.0, mitigated=False):
    return IncidentView(category, tuple(flags), services, data, minutes, mitigated)


def hybrid(**escalation) -> Hybrid:
    return make_strategy(Protocol(name="h", kind="hybrid", escalation=escalation,
                                  triage={"flags": ["security"]}))


def test_each_kind_makes_its_strategy_and_keeps_its_name():
    for kind, cls in (("war-room", WarRoom), ("async-first", AsyncFirst), ("hybrid", Hybrid)):
        s = make_strategy(Protocol(name=f"my-{kind}", kind=kind))
        assert type(s) is cls and s.name == f"my-{kind}"


def test_war_room_opens_a_room_for_every_incident_and_never_escalates_or_triages():
    s = make_strategy(Protocol(name="w", kind="war-room"))
    assert s.opening_room(view()) == "protocol: every P1 gets a war room"
    assert s.escalation(view(minutes=1e6)) is None
    assert s.wants_triage(view(flags=["security"])) is False
    assert s.no_progress_timer() is None
    assert s.opening_is_escalation is False


def test_async_first_never_opens_a_room():
    s = make_strategy(Protocol(name="a", kind="async-first",
                               escalation={"services_affected_at_least": 1, "no_progress_min": 1}))
    v = view(category="cascading", flags=["security"], services=9, data=True, minutes=1e6)
    assert (s.opening_room(v), s.escalation(v), s.wants_triage(v), s.no_progress_timer()) == (None, None, False, None)


def test_hybrid_rules_in_order_with_their_reasons():
    h = hybrid(categories=["cascading"], flags=["data-loss"], services_affected_at_least=3,
               customer_data_at_risk=True, no_progress_min=45)
    assert h.opening_is_escalation is True
    assert h.no_progress_timer() == 45
    assert h.escalation(view(category="cascading", flags=["data-loss"])) == "category cascading"
    assert h.escalation(view(flags=["security", "data-loss"], services=5)) == "flag data-loss"
    assert h.escalation(view(services=3, data=True)) == "3 services affected (rule: >= 3)"
    assert h.escalation(view(services=2)) is None
    assert h.escalation(view(services=2, data=True)) == "customer data at risk"
    assert h.escalation(view(minutes=45)) == "no progress for 45 min"
    assert h.escalation(view(minutes=44.9)) is None
    assert h.escalation(view(minutes=90, mitigated=True)) is None
    # at detection the timer cannot have run: the opening room ignores it
    assert h.opening_room(view(minutes=45)) is None
    assert h.opening_room(view(services=4)) == "4 services affected (rule: >= 3)"


def test_hybrid_rules_left_out_do_not_fire():
    h = hybrid()
    v = view(category="cascading", flags=["data-loss"], services=50, data=True, minutes=1e6)
    assert h.escalation(v) is None and h.no_progress_timer() is None
    assert hybrid(customer_data_at_risk=False).escalation(view(data=True)) is None


def test_hybrid_triage_only_for_its_flags():
    h = hybrid()
    assert h.wants_triage(view(flags=["regulatory", "security"])) is True
    assert h.wants_triage(view(flags=["data-loss"])) is False
    no_triage = make_strategy(Protocol(name="h", kind="hybrid"))
    assert no_triage.wants_triage(view(flags=["security"])) is False
