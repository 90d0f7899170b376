"""Escalation from a channel (or a triage call) to the full room: the protocol's rules checked
when something changes, the no-progress timer, the IC escalating once free of what they are
doing, and the people an escalation's rule names paged in.

A part of the ``World`` (``model/world.py``), which supplies the state and the people it reads:
``env``, ``strategy``, ``roster``, ``customer_data``, ``emit``, ``open_room``, ``pull_in``,
``with_role`` and ``_owner_joins``.
"""

from __future__ import annotations

from incsim.model.events import Escalated
from incsim.model.live_incident import LiveIncident


class Escalation:
    """When and how an incident escalates to the room."""

    def _escalate(self, incident: LiveIncident, reason: str) -> None:
        """Open the full room for ``reason``, once; it replaces a triage call that is on."""
        if incident.escalated or (incident.room_open and not incident.in_triage_call):
            return
        incident.escalated = True
        self.emit(incident, Escalated, reason=reason)
        self.open_room(incident, f"escalated: {reason}")
        self._bring_named(incident, reason)

    def _bring_named(self, incident: LiveIncident, reason: str) -> None:
        """Page into an escalated incident the people its rule names: the owners of every affected
        service (the debugger's team is there already), and the security engineer when customer
        data is at risk or a flag fired it. Nobody already in it or on the way is paged again."""
        first = self.roster.owner_of[incident.spec.roots[0]]
        for svc in sorted(incident.affected):
            if self.roster.owner_of[svc] != first:
                self.env.process(self._owner_joins(incident, svc))
        if reason == "customer data at risk" or reason.startswith("flag "):
            person = self.with_role(incident, "security")
            if person is not None and person is not incident.debugger:
                self.env.process(self.pull_in(incident, person, "stakeholder"))

    def _check_escalation(self, incident: LiveIncident) -> None:
        if (
            (incident.room_open and not incident.in_triage_call)
            or incident.escalated
            or incident.resolved.triggered
        ):
            return
        if incident.triage_pending and not self._escalate_before_triage():
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
            self._escalate(incident, reason)

    def _escalate_when_ic_free(self, incident: LiveIncident, reason: str):
        while incident.ic_free_at > self.env.now:
            yield self.env.timeout(incident.ic_free_at - self.env.now)
        incident.escalation_due = False
        if not incident.resolved.triggered:
            self._escalate(incident, reason)

    def _escalate_before_triage(self) -> bool:
        triage = self.strategy.spec.triage
        return triage is not None and triage.escalate_before_triage

    def _watch_progress(self, incident: LiveIncident):
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
                self._check_escalation(incident)
