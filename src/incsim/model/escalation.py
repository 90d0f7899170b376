"""Escalation from a channel (or a triage call) to the full room: the protocol's rules checked
when something changes, the no-progress timer, the IC escalating once free of what they are
doing, and the people an escalation's rule names paged in (``staffing.py``) to the room it
opens (``rooms.py``)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from incsim.model.context import Context
from incsim.model.events import Escalated
from incsim.model.live_incident import LiveIncident
from incsim.model.waiting import Proc

if TYPE_CHECKING:  # the parts it calls are built and passed in by the world (world.py)
    from incsim.model.rooms import Rooms
    from incsim.model.staffing import Staffing


class Escalation:
    """When and how an incident escalates to the room."""

    def __init__(self, context: Context, staffing: Staffing, rooms: Rooms) -> None:
        self.env = context.env
        self.strategy = context.strategy
        self.roster = context.roster
        self.customer_data = context.customer_data
        self.emit = context.emit
        self.staffing = staffing
        self.rooms = rooms

    def escalate(self, incident: LiveIncident, reason: str) -> None:
        """Open the full room for ``reason``, once; it replaces a triage call that is on."""
        if incident.escalated or (incident.room_open and not incident.in_triage_call):
            return
        incident.escalated = True
        self.emit(incident, Escalated, reason=reason)
        self.rooms.open(incident, f"escalated: {reason}")
        self._bring_named(incident, reason)

    def _bring_named(self, incident: LiveIncident, reason: str) -> None:
        """Page into an escalated incident the people its rule names: the owners of every affected
        service (the debugger's team is there already), and the security engineer when customer
        data is at risk or a flag fired it. Nobody already in it or on the way is paged again."""
        first = self.roster.owner_of[incident.spec.roots[0]]
        for svc in sorted(incident.affected):
            if self.roster.owner_of[svc] != first:
                self.env.process(self.staffing.owner_joins(incident, svc))
        if reason == "customer data at risk" or reason.startswith("flag "):
            person = self.staffing.with_role(incident, "security")
            if person is not None and person is not incident.debugger:
                self.env.process(self.staffing.pull_in(incident, person, "stakeholder"))

    def check(self, incident: LiveIncident) -> None:
        """Ask the protocol whether ``incident`` escalates now (something changed); escalate, or
        leave it to the IC once free of what they are doing."""
        if (
            (incident.room_open and not incident.in_triage_call)
            or incident.escalated
            or incident.resolved.triggered
        ):
            return
        if incident.triage_pending and not self.before_triage():
            return  # triage first: the rules are checked again when the call ends
        reason = self.strategy.escalation(incident.view(self.customer_data, self.env.now))
        if (
            reason
            and incident.ic is not None
            and incident.ic.id in incident.engaged
            and incident.ic_free_at > self.env.now
        ):
            if not incident.escalation_due:  # the IC escalates once free of what they are doing
                incident.escalation_due = True
                self.env.process(self._escalate_when_ic_free(incident, reason))
        elif reason:
            self.escalate(incident, reason)

    def _escalate_when_ic_free(self, incident: LiveIncident, reason: str) -> Proc[None]:
        while incident.ic_free_at > self.env.now:
            yield self.env.timeout(incident.ic_free_at - self.env.now)
        incident.escalation_due = False
        if not incident.resolved.triggered:
            self.escalate(incident, reason)

    def before_triage(self) -> bool:
        """Whether the protocol lets an escalation open the room before its triage call is over."""
        triage = self.strategy.spec.triage
        return triage is not None and triage.escalate_before_triage

    def watch_progress(self, incident: LiveIncident) -> Proc[None]:
        """Ask the protocol again once ``no_progress_min`` have passed since the last progress
        (while someone works, a full period later), until the incident escalates or ends."""
        limit = self.strategy.no_progress_timer()
        assert limit is not None
        while True:
            due = incident.last_progress + limit
            yield self.env.timeout(due - self.env.now if due > self.env.now + 1e-9 else limit)
            if incident.resolved.triggered or incident.escalated:
                return
            if not incident.working and self.env.now - incident.last_progress >= limit - 1e-9:
                self.check(incident)
