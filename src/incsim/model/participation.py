"""Participation: people coming into and out of an incident and its room, and the minutes an
interruption takes from them, recorded as events. It acts on an incident's state
(``LiveIncident``, plain state) and on who is where (``Attention``). Who is paged, invited or
asked is ``staffing.py``; opening a room ``rooms.py``; the incident lifecycle ``lifecycle.py``."""

from __future__ import annotations

from incsim.model.attention import Attention
from incsim.model.context import Context
from incsim.model.events import Interrupted, Joined, Left, RoomClosed
from incsim.model.live_incident import ESSENTIAL_ROLES, NON_ESSENTIAL_ROLES, LiveIncident
from incsim.model.mechanisms import Mechanism, declare
from incsim.model.people import Engineer


class Participation:
    """Joining, leaving, a room's comings and goings, and interruptions."""

    def __init__(self, context: Context, attention: Attention) -> None:
        self.env = context.env
        self.scn = context.scn
        self.roster = context.roster
        self.live = context.live
        self.emit = context.emit
        self.attention = attention

    def join(self, incident: LiveIncident, eng: Engineer, role: str) -> None:
        """``eng`` becomes part of ``incident`` (and of the room, when one is open)."""
        now = self.env.now
        if incident.ic is not None and eng.id == incident.ic.id:
            role = "ic"  # paged early for a decision, the IC is still the IC
        elif incident.debugger is not None and eng.id == incident.debugger.id:
            role = "debugger"
        if eng.id in incident.engaged:
            current = incident.engaged[eng.id]
            upgrade = current in NON_ESSENTIAL_ROLES and role in ESSENTIAL_ROLES
            if upgrade or (role == "debugger" and current != "debugger"):
                incident.engaged[eng.id] = role
                self.emit(incident, Joined, eng.id, role=role, change=True)
            return
        self.leave_elsewhere(eng, incident)  # one person, one place
        incident.engaged[eng.id] = role
        self.attention.where[eng.id].add(incident.spec.id)
        incident.joined_at_work[eng.id] = eng.working(now)
        self.emit(incident, Joined, eng.id, role=role, off_hours=not eng.working(now), team=eng.team)
        if incident.room_open:
            self._enter_room(incident, eng)

    def _enter_room(self, incident: LiveIncident, eng: Engineer) -> None:
        if eng.id in incident.present:
            return
        incident.present.add(eng.id)
        late = self.env.now - incident.room_opened_at > self.scn.behaviour.late_joiner_after
        if (
            late
            and incident.debugger is not None
            and eng.id != incident.debugger.id
            and incident.debugger.id in incident.present
        ):
            brief = incident.draw(self.scn.behaviour.brief_late_joiner, "briefing", eng)
            self.emit(
                incident,
                Interrupted,
                incident.debugger.id,
                answer_min=brief,
                refocus_min=0.0,
                reason="brief late joiner",
                role="debugger",
                engaged=True,
                by=eng.id,
            )
            incident.queue_interruption(brief)
        incident.room_changed_now()

    def leave(self, incident: LiveIncident, eng_id: str, refocus_after: bool = True) -> None:
        """``eng_id`` leaves ``incident``; a refocus is charged if it pulled them off work (not when
        they leave for another incident: they are not going back to their own work)."""
        if eng_id not in incident.engaged:
            return
        eng = self.roster.engineers[eng_id]
        now = self.env.now
        role = incident.engaged.pop(eng_id)
        self.attention.where[eng_id].discard(incident.spec.id)
        refocus = 0.0
        if incident.joined_at_work.pop(eng_id) and eng.working(now) and refocus_after:  # set by join
            refocus = min(
                incident.draw(self.scn.behaviour.refocus, "refocus", eng), eng.minutes_left_at_work(now)
            )
        self.emit(incident, Left, eng_id, role=role, refocus_min=refocus)
        if eng_id in incident.present:
            incident.present.discard(eng_id)
            incident.room_changed_now()
        elif eng_id in incident.helpers:
            incident.wake_work()  # the debugger's speed changes
        self.attention.vacate()

    def reading_cost(self, incident: LiveIncident, eng: Engineer) -> float:
        """Minutes ``eng`` spends reading ``incident``'s thread before answering: once per incident,
        and not at all for someone already in it (they have been following)."""
        if eng.id in incident.engaged or eng.id in incident.readers:
            return 0.0
        incident.readers.add(eng.id)
        return incident.draw(self.scn.behaviour.read_thread, "reading", eng)

    def interrupt(
        self,
        incident: LiveIncident,
        eng: Engineer,
        answer: float,
        reason: str,
        role: str,
        refocus: bool = True,
    ) -> tuple[LiveIncident, int] | None:
        """Charge ``eng`` an interruption for ``incident``: ``answer`` minutes plus a short refocus if
        at work. ``role`` is what it makes someone not part of ``incident``; someone part of it acts
        in the role they hold there.

        It goes into the person's one queue: if they are debugging (this incident or another),
        their work waits for it, so the minutes are divided, not duplicated. Returns the incident
        whose queue took it and its ticket there (``LiveIncident.queue_interruption``), or None.
        """
        now = self.env.now
        role = incident.engaged.get(eng.id, role)  # someone part of the incident keeps the one role they hold
        r = 0.0
        if refocus and eng.working(now):
            r = min(
                incident.draw(self.scn.behaviour.interruption.refocus, "interruption_refocus", eng),
                eng.minutes_left_at_work(now + answer),
            )
        self.emit(
            incident,
            Interrupted,
            eng.id,
            answer_min=answer,
            refocus_min=r,
            reason=reason,
            role=role,
            engaged=eng.id in incident.engaged,
        )
        target = self.attention.debugging.get(eng.id)
        if target is not None and not target.resolved.triggered:
            ticket = target.queue_interruption(answer + r)
            target.wake_work()
            return target, ticket
        return None

    def close_room(self, incident: LiveIncident) -> None:
        """Close ``incident``'s room, if open."""
        if not incident.room_open:
            return
        incident.room_open = False
        incident.present.clear()
        incident.awaited.clear()  # the invitations of a closed room lapse
        self.emit(incident, RoomClosed)
        incident.room_changed_now()

    def leave_elsewhere(self, eng: Engineer, incident: LiveIncident) -> None:
        """``eng`` joins ``incident``: they leave any other incident they were merely part of."""
        for inc in sorted(self.attention.where[eng.id] - {incident.spec.id}):
            other = self.live.get(inc)
            if other is not None and other.engaged.get(eng.id) not in ("debugger", "ic"):
                self.leave(other, eng.id, refocus_after=False)


MECHANISMS = declare(
    __name__,
    Mechanism(
        "late-joiners",
        "room",
        "Someone joining a room more than {behaviour.late_joiner_after} min after it opened is "
        "briefed by the debugger for {behaviour.brief_late_joiner} min.",
        "incsim.model.participation:Participation._enter_room",
        ("behaviour.late_joiner_after", "behaviour.brief_late_joiner"),
        ("war-room", "hybrid"),
    ),
    Mechanism(
        "refocus",
        "cost",
        "Leaving an incident that pulled them off work costs a person {behaviour.refocus} min to "
        "regain focus (cut at the end of their working day, and not charged when they leave for "
        "another incident); an interruption at work costs {behaviour.interruption.refocus} min.",
        "incsim.model.participation:Participation.leave",
        ("behaviour.refocus", "behaviour.interruption.refocus"),
    ),
)
