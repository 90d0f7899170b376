"""Escalation from a channel (or a triage call) to the full room: the protocol's rules checked
when something changes, the no-progress timer, the IC escalating once free of what they are
doing, and the people an escalation's rule names paged in.

A part of the ``World`` (``model/world.py``), which supplies the state and the people it reads:
``env``, ``strategy``, ``roster``, ``customer_data``, ``emit``, ``open_room``, ``pull_in``,
``with_role`` and ``_owner_joins``.
"""

from __future__ import annotations

from incsim.model.events import Escalated
from incsim.model.incident_run import IncidentRun


class Escalation:
    """When and how an incident escalates to the room."""

    def _escalate(self, run: IncidentRun, reason: str) -> None:
        """Open the full room for ``reason``, once; it replaces a triage call that is on."""
        if run.escalated or (run.room_open and not run.in_triage_call):
            return
        run.escalated = True
        self.emit(run, Escalated, reason=reason)
        self.open_room(run, f"escalated: {reason}")
        self._bring_named(run, reason)

    def _bring_named(self, run: IncidentRun, reason: str) -> None:
        """Page into an escalated incident the people its rule names: the owners of every affected
        service (the debugger's team is there already), and the security engineer when customer
        data is at risk or a flag fired it. Nobody already in it or on the way is paged again."""
        first = self.roster.owner_of[run.spec.roots[0]]
        for svc in sorted(run.affected):
            if self.roster.owner_of[svc] != first:
                self.env.process(self._owner_joins(run, svc))
        if reason == "customer data at risk" or reason.startswith("flag "):
            person = self.with_role(run, "security")
            if person is not None and person is not run.debugger:
                self.env.process(self.pull_in(run, person, "stakeholder"))

    def _check_escalation(self, run: IncidentRun) -> None:
        if (run.room_open and not run.in_triage_call) or run.escalated or run.resolved.triggered:
            return
        if run.triage_pending and not self._escalate_before_triage():
            return  # triage first: the rules are checked again when the call ends
        reason = self.strategy.escalation(run.view(self.customer_data, self.env.now))
        if reason and run.ic is not None and run.ic.id in run.engaged and run.ic_free_at > self.env.now:
            if not run.escalation_due:  # the IC escalates once free of what they are doing
                run.escalation_due = True
                self.env.process(self._escalate_when_ic_free(run, reason))
        elif reason:
            self._escalate(run, reason)

    def _escalate_when_ic_free(self, run: IncidentRun, reason: str):
        while run.ic_free_at > self.env.now:
            yield self.env.timeout(run.ic_free_at - self.env.now)
        run.escalation_due = False
        if not run.resolved.triggered:
            self._escalate(run, reason)

    def _escalate_before_triage(self) -> bool:
        triage = self.strategy.spec.triage
        return triage is not None and triage.escalate_before_triage

    def _watch_progress(self, run: IncidentRun):
        """Ask the protocol again once ``no_progress_min`` have passed since the last progress
        (while someone works, a full period later), until the incident escalates or ends."""
        limit = self.strategy.no_progress_timer()
        assert limit is not None
        while True:
            due = run.last_progress + limit
            yield self.env.timeout(due - self.env.now if due > self.env.now + 1e-9 else limit)
            if run.resolved.triggered or run.escalated:
                return
            if not run.working and self.env.now - run.last_progress >= limit - 1e-9:
                self._check_escalation(run)
