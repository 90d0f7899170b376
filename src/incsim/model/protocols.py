"""Incident-response protocols: strategies behind one interface, parameterised by the scenario.

A protocol answers three questions the world asks of it: does this incident open with a
room (and why), does it open with a short synchronous triage, and, while it runs in a
channel, is there a reason to escalate it to a room now. Everything else (who is invited,
how long people stay, update cadence) is data from the scenario's ``Protocol`` entry.
"""

from __future__ import annotations

from dataclasses import dataclass

from incsim.model.mechanisms import Mechanism, declare
from incsim.scenario.schema import Protocol as ProtocolSpec


@dataclass(frozen=True)
class IncidentView:
    """What a protocol may look at when it decides."""

    category: str
    flags: tuple[str, ...]
    services_affected: int
    customer_data_at_risk: bool
    minutes_since_detected: float
    mitigated: bool
    minutes_without_progress: float = 0.0
    """Minutes since work was last done on it (0 while someone works), or a decision, an
    answer, a fix or a recovery came."""


class Strategy:
    """The interface every protocol implements."""

    def __init__(self, spec: ProtocolSpec) -> None:
        self.spec = spec

    @property
    def name(self) -> str:
        return self.spec.name

    opening_is_escalation = False
    """Whether a room opened at detection counts as an escalation (it does for rule-based protocols)."""

    def opening_room(self, view: IncidentView) -> str | None:
        """The reason to open a room at detection, or None to start in the channel."""
        return None

    def wants_triage(self, view: IncidentView) -> bool:
        """Whether the incident opens with a short synchronous triage call."""
        return False

    def escalation(self, view: IncidentView) -> str | None:
        """The reason to move a channel incident into a room now, or None."""
        return None

    def no_progress_timer(self) -> float | None:
        """Minutes without progress after which ``escalation`` is asked again."""
        return None


class WarRoom(Strategy):
    """Every P1 gets a call from the start."""

    def opening_room(self, view: IncidentView) -> str | None:
        return "protocol: every P1 gets a war room"


class _Rules(Strategy):
    """The escalation rules a protocol may apply (``protocol.escalation``)."""

    def _rule_reason(self, view: IncidentView) -> str | None:
        """The first rule the incident meets, whenever it is asked (the timer is not one)."""
        rules = self.spec.escalation
        if view.category in rules.categories:
            return f"category {view.category}"
        hit = [f for f in view.flags if f in rules.flags]
        if hit:
            return f"flag {hit[0]}"
        n = rules.services_affected_at_least
        if n is not None and view.services_affected >= n:
            return f"{view.services_affected} services affected (rule: >= {n})"
        if rules.customer_data_at_risk and view.customer_data_at_risk:
            return "customer data at risk"
        return None

    def _timer_reason(self, view: IncidentView) -> str | None:
        """The no-progress rule's reason: an incident not yet mitigated on which nothing has moved
        for ``no_progress_min`` (nobody working, no decision, answer, fix or recovery)."""
        limit = self.spec.escalation.no_progress_min
        if limit is not None and not view.mitigated and view.minutes_without_progress >= limit - 1e-9:
            return f"no progress for {limit:g} min"
        return None


class AsyncFirst(_Rules):
    """The channel only: no call is opened, unless its IC may escalate to one (``ic_may_escalate``),
    by the escalation rules, once they are in the incident; never at detection."""

    opening_is_escalation = True

    def escalation(self, view: IncidentView) -> str | None:
        if not self.spec.ic_may_escalate:
            return None
        return self._rule_reason(view) or self._timer_reason(view)

    def no_progress_timer(self) -> float | None:
        return self.spec.escalation.no_progress_min if self.spec.ic_may_escalate else None


class Hybrid(_Rules):
    """Async by default, escalating to a room on the scenario's rules."""

    opening_is_escalation = True

    def wants_triage(self, view: IncidentView) -> bool:
        t = self.spec.triage
        return t is not None and any(f in view.flags for f in t.flags)

    def opening_room(self, view: IncidentView) -> str | None:
        return self._rule_reason(view)

    def escalation(self, view: IncidentView) -> str | None:
        return self._rule_reason(view) or self._timer_reason(view)

    def no_progress_timer(self) -> float | None:
        return self.spec.escalation.no_progress_min


_STRATEGIES: dict[str, type[Strategy]] = {"war-room": WarRoom, "async-first": AsyncFirst, "hybrid": Hybrid}


def make_strategy(spec: ProtocolSpec) -> Strategy:
    """The strategy object for a scenario protocol entry."""
    return _STRATEGIES[spec.strategy](spec)


MECHANISMS = declare(
    __name__,
    Mechanism(
        "war-room",
        "protocol",
        "Under the war-room protocol every incident opens a room at detection.",
        "incsim.model.protocols:WarRoom.opening_room",
        (),
        ("war-room",),
    ),
    Mechanism(
        "async-first",
        "protocol",
        "Under async-first everything happens in the channel; no room is opened unless its IC may "
        "escalate to one ({protocol.ic_may_escalate}), by the hybrid's escalation rules, checked "
        "once the IC is in the incident and thereafter as the hybrid's are.",
        "incsim.model.protocols:AsyncFirst",
        ("protocol.ic_may_escalate",),
        ("async-first",),
    ),
    Mechanism(
        "hybrid-escalation",
        "protocol",
        "The hybrid starts in the channel and opens a room (an escalation) when the category is one "
        "of {protocol.escalation.categories}, a flag is one of {protocol.escalation.flags}, at least "
        "{protocol.escalation.services_affected_at_least} services are affected, customer data is at "
        "risk (rule on: {protocol.escalation.customer_data_at_risk}), or nothing has moved on an "
        "incident not yet mitigated for {protocol.escalation.no_progress_min} min (nobody working on "
        "it, no decision, answer, fix or recovery; checked when that time has passed since the last "
        "progress, and whenever a further service is affected; for an incident with a triage flag, "
        "first when its triage call ends, unless the protocol lets a rule come first). The room an "
        "escalation opens brings the people its rule names: the owners of the affected services, "
        "and for customer data at risk or a flag, the security engineer.",
        "incsim.model.protocols:Hybrid.escalation",
        (
            "protocol.escalation.categories",
            "protocol.escalation.flags",
            "protocol.escalation.services_affected_at_least",
            "protocol.escalation.customer_data_at_risk",
            "protocol.escalation.no_progress_min",
        ),
        ("hybrid",),
    ),
    Mechanism(
        "hybrid-triage",
        "protocol",
        "A hybrid incident with a triage flag opens with a call of at most {protocol.triage.max_people} "
        "people, everyone counted (the IC, the security engineer, paged at detection beside them, and "
        "the debugger; other owners are paged once it is over), for {protocol.triage.duration} min "
        "from its start for its containment decisions (running over only until they are taken), "
        "then goes on in the channel, and the escalation rules are checked when the call ends; whether a rule met "
        "at detection, while the call is awaited or during it opens the full room instead (which "
        "then replaces the call and stays open): {protocol.triage.escalate_before_triage}. A room "
        "opened from outside (a drill's) replaces the call too.",
        "incsim.model.lifecycle:Lifecycle._triage",
        (
            "protocol.triage.flags",
            "protocol.triage.max_people",
            "protocol.triage.duration",
            "protocol.triage.escalate_before_triage",
        ),
        ("hybrid",),
    ),
)
