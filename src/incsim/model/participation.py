"""Participation: people coming into and out of an incident and its room, and the minutes an
interruption takes from them, recorded as events. The world mixes this in; it acts on an
incident's state (``IncidentRun``, plain state) and on the world's own (who is where, who is
debugging what). Who is paged, invited or asked is ``staffing.py``; the incident lifecycle is
``world.py``."""

from __future__ import annotations

from typing import TypeVar

from incsim.model.events import (
    Answer,
    Decision,
    DecisionRequested,
    Event,
    Fixed,
    Interrupted,
    Joined,
    Left,
    Recovered,
    RoomClosed,
    RoomOpened,
)
from incsim.model.incident_run import ESSENTIAL_ROLES, NON_ESSENTIAL_ROLES, TRIAGE_CALL, IncidentRun
from incsim.model.mechanisms import Mechanism
from incsim.model.people import Engineer

E = TypeVar("E", bound=Event)

PROGRESS = (Answer, Decision, DecisionRequested, Fixed, Recovered)
"""What moves an incident forward besides work itself (a decision asked for ends a diagnosis)."""


class Participation:
    """Joining, leaving, rooms and interruptions (a part of ``World``: it uses the world's state)."""

    def emit(self, run: IncidentRun, record: type[E], who: str = "", **fields) -> E:
        """Log a ``record`` (an ``events`` type) of ``run``'s incident, now, with its ``fields``."""
        if record in PROGRESS:
            run.last_progress = self.env.now
        return self.log.add(record(self.env.now, run.spec.id, who, **fields))

    def join(self, run: IncidentRun, eng: Engineer, role: str) -> None:
        """``eng`` becomes part of ``run`` (and of the room, when one is open)."""
        now = self.env.now
        if run.ic is not None and eng.id == run.ic.id:
            role = "ic"  # paged early for a decision, the IC is still the IC
        elif run.debugger is not None and eng.id == run.debugger.id:
            role = "debugger"
        if eng.id in run.engaged:
            current = run.engaged[eng.id]
            upgrade = current in NON_ESSENTIAL_ROLES and role in ESSENTIAL_ROLES
            if upgrade or (role == "debugger" and current != "debugger"):
                run.engaged[eng.id] = role
                self.emit(run, Joined, eng.id, role=role, change=True)
            return
        self._leave_elsewhere(eng, run)  # one person, one place
        run.engaged[eng.id] = role
        self.where[eng.id].add(run.spec.id)
        run.joined_at_work[eng.id] = eng.working(now)
        self.emit(run, Joined, eng.id, role=role, off_hours=not eng.working(now), team=eng.team)
        if run.room_open:
            self._enter_room(run, eng)

    def _enter_room(self, run: IncidentRun, eng: Engineer) -> None:
        if eng.id in run.present:
            return
        run.present.add(eng.id)
        late = self.env.now - run.room_opened_at > self.scn.behaviour.late_joiner_after
        if late and run.debugger is not None and eng.id != run.debugger.id and run.debugger.id in run.present:
            brief = run.draw(self.scn.behaviour.brief_late_joiner, "briefing", eng)
            self.emit(
                run,
                Interrupted,
                run.debugger.id,
                answer_min=brief,
                refocus_min=0.0,
                reason="brief late joiner",
                role="debugger",
                engaged=True,
                by=eng.id,
            )
            run.interruptions_due.append(brief)
        run.room_changed_now()

    def leave(self, run: IncidentRun, eng_id: str, refocus_after: bool = True) -> None:
        """``eng_id`` leaves ``run``; a refocus is charged if it pulled them off work (not when
        they leave for another incident: they are not going back to their own work)."""
        if eng_id not in run.engaged:
            return
        eng = self.roster.engineers[eng_id]
        now = self.env.now
        role = run.engaged.pop(eng_id)
        self.where[eng_id].discard(run.spec.id)
        refocus = 0.0
        if run.joined_at_work.pop(eng_id) and eng.working(now) and refocus_after:  # set by join
            refocus = min(run.draw(self.scn.behaviour.refocus, "refocus", eng), eng.minutes_left_at_work(now))
        self.emit(run, Left, eng_id, role=role, refocus_min=refocus)
        if eng_id in run.present:
            run.present.discard(eng_id)
            run.room_changed_now()
        elif eng_id in run.helpers:
            run.wake_work()  # the debugger's speed changes
        self._vacated()

    def reading_cost(self, run: IncidentRun, eng: Engineer) -> float:
        """Minutes ``eng`` spends reading ``run``'s thread before answering: once per incident,
        and not at all for someone already in it (they have been following)."""
        if eng.id in run.engaged or eng.id in run.readers:
            return 0.0
        run.readers.add(eng.id)
        return run.draw(self.scn.behaviour.read_thread, "reading", eng)

    def interrupt(
        self, run: IncidentRun, eng: Engineer, answer: float, reason: str, role: str, refocus: bool = True
    ) -> None:
        """Charge ``eng`` an interruption for ``run``: ``answer`` minutes plus a short refocus if
        at work. ``role`` is what it makes someone not part of ``run``; someone part of it acts
        in the role they hold there.

        It goes into the person's one queue: if they are debugging (this incident or another),
        their work waits for it, so the minutes are divided, not duplicated.
        """
        now = self.env.now
        role = run.engaged.get(eng.id, role)  # someone part of the incident keeps the one role they hold
        r = 0.0
        if refocus and eng.working(now):
            r = min(
                run.draw(self.scn.behaviour.interruption.refocus, "interruption_refocus", eng),
                eng.minutes_left_at_work(now + answer),
            )
        self.emit(
            run,
            Interrupted,
            eng.id,
            answer_min=answer,
            refocus_min=r,
            reason=reason,
            role=role,
            engaged=eng.id in run.engaged,
        )
        target = self.debugging.get(eng.id)
        if target is not None and not target.resolved.triggered:
            target.interruptions_due.append(answer + r)
            target.wake_work()

    # -- rooms ---------------------------------------------------------------------------
    def open_room(self, run: IncidentRun, reason: str, limit: int | None = None, invite: bool = True) -> None:
        """Open a room for ``run``, for ``reason``: everyone engaged is in it, and (with
        ``invite``) the protocol's invitees are paged in as spectators. A room opened while the
        hybrid's triage call is on replaces the call (it ends and the room opens at that minute)."""
        if run.room_open:
            if not run.in_triage_call or reason == TRIAGE_CALL:
                return
            self.close_room(run)
        run.room_open = True
        run.room_opened_at = self.env.now
        run.room_limit = limit
        run.room_reason = reason
        run.rooms_opened += 1
        self.emit(run, RoomOpened, reason=reason, limit=limit)
        if not run.questions_started and self.scn.behaviour.spectator_questions_per_hour > 0:
            run.questions_started = True
            self.env.process(self._room_questions(run))
        for pid in sorted(run.engaged):
            run.present.add(pid)
        run.room_changed_now()
        if invite:
            for eng, busy in self.invitees(run):
                # someone part of another incident (invited under "last" or "when_free") comes when free
                proc = self.come_when_free(run, eng) if busy else self.pull_in(run, eng, "spectator")
                self.env.process(proc)

    def close_room(self, run: IncidentRun) -> None:
        """Close ``run``'s room, if open."""
        if not run.room_open:
            return
        run.room_open = False
        run.present.clear()
        run.awaited.clear()  # the invitations of a closed room lapse
        self.emit(run, RoomClosed)
        run.room_changed_now()


MECHANISMS = (
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
