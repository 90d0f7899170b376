"""Rooms: opening one for an incident (the war-room protocol's, an escalation's, the hybrid's triage call),
who it invites, and the questions spectators in it put to the debugger. Closing a room, and
people coming into and out of it, is ``participation.py``; who is invited ``staffing.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from incsim.model.context import Context
from incsim.model.events import Question, RoomOpened
from incsim.model.live_incident import TRIAGE_CALL, LiveIncident
from incsim.model.mechanisms import Mechanism, declare
from incsim.model.waiting import FirstOf, Proc

if TYPE_CHECKING:  # the parts it calls are built and passed in by the world (world.py)
    from incsim.model.participation import Participation
    from incsim.model.staffing import Staffing


class Rooms:
    """Opening rooms, and what spectators in one ask."""

    def __init__(self, context: Context, participation: Participation, staffing: Staffing) -> None:
        self.env = context.env
        self.scn = context.scn
        self.emit = context.emit
        self.participation = participation
        self.staffing = staffing

    def open(
        self, incident: LiveIncident, reason: str, limit: int | None = None, invite: bool = True
    ) -> None:
        """Open a room for ``incident``, for ``reason``: everyone engaged is in it, and (with
        ``invite``) the protocol's invitees are paged in as spectators. A room opened while the
        hybrid's triage call is on replaces the call (it ends and the room opens at that minute)."""
        if incident.room_open:
            if not incident.in_triage_call or reason == TRIAGE_CALL:
                return
            self.participation.close_room(incident)
        incident.room_open = True
        incident.room_opened_at = self.env.now
        incident.room_limit = limit
        incident.room_reason = reason
        incident.rooms_opened += 1
        self.emit(incident, RoomOpened, reason=reason, limit=limit)
        if not incident.questions_started and self.scn.behaviour.spectator_questions_per_hour > 0:
            incident.questions_started = True
            self.env.process(self.questions(incident))
        for pid in sorted(incident.engaged):
            incident.present.add(pid)
        incident.room_changed_now()
        if invite:
            for eng, busy in self.staffing.invitees(incident):
                # someone part of another incident (invited under "last" or "when_free") comes when free
                proc = (
                    self.staffing.come_when_free(incident, eng)
                    if busy
                    else self.staffing.pull_in(incident, eng, "spectator")
                )
                self.env.process(proc)

    def questions(self, incident: LiveIncident) -> Proc[None]:
        """Spectators in a room put questions to the debugger (memoryless, so redrawn on change).

        Every question drawn is put: one that comes while the debugger is answering another, or
        owes other interruptions, waits its turn in the debugger's queue and costs no refocus of
        its own. A spectator whose question still waits asks no other (drawn for everyone, then
        thinned: each spectator without a question waiting asks at the scenario's rate), so the
        questions waiting never outnumber the spectators (docs/model.md, "Spectators' questions
        wait their turn").
        """
        q = self.scn.behaviour.spectator_questions_per_hour
        if q <= 0:
            return
        while not incident.resolved.triggered:
            n = len(incident.spectators())  # none with no room: a closed room has nobody present
            if n == 0 or incident.debugger is None or incident.debugger.id not in incident.present:
                yield FirstOf(self.env, incident.room_changed, incident.resolved)
                continue
            gap = incident.stream("questions").exponential(60.0 / (q * n))
            changed = incident.room_changed
            fired = yield self.env.timeout(gap) | changed | incident.resolved
            if incident.resolved.triggered or changed in fired:
                continue
            specs = incident.spectators()
            if not specs:
                continue
            asker = specs[int(incident.stream("questions").integers(len(specs)))]
            if incident.question_waiting(asker):
                continue
            self.emit(incident, Question, asker, to=incident.debugger.id, medium="room", topic="question")
            # answered straight after what the debugger is answering or owes: no refocus between
            # the two (one is charged with the answer before), as they do not get back into the work
            busy = incident.paying_interruptions or bool(incident.interruptions_due)
            queued = self.participation.interrupt(
                incident,
                incident.debugger,
                incident.draw(self.scn.behaviour.room_answer, "room_answer", incident.debugger),
                "spectator question",
                "debugger",
                refocus=not busy,
            )
            if queued is not None:
                incident.questions_waiting[asker] = queued
            beh = self.scn.behaviour
            if (
                beh.spectator_suggestion_helps > 0
                and incident.stream("suggestions").random() < beh.spectator_suggestion_helps
            ):
                # a suggestion not already tried: it takes that much off the debugger's work left
                incident.change_work(1.0, -incident.draw(beh.spectator_suggestion_saves, "suggestion_saves"))


MECHANISMS = declare(
    __name__,
    Mechanism(
        "spectator-questions",
        "room",
        "Each spectator puts {behaviour.spectator_questions_per_hour} questions an hour to the "
        "debugger while in the room with them and no question of their own waiting, each answered "
        "in {behaviour.room_answer} min out of the debugger's work, in turn (with no refocus of "
        "its own) when the debugger is answering another; with "
        "chance {behaviour.spectator_suggestion_helps} a question is a suggestion that saves the "
        "debugger {behaviour.spectator_suggestion_saves} min of the work left.",
        "incsim.model.rooms:Rooms.questions",
        (
            "behaviour.spectator_questions_per_hour",
            "behaviour.room_answer",
            "behaviour.spectator_suggestion_helps",
            "behaviour.spectator_suggestion_saves",
        ),
        ("war-room", "hybrid"),
    ),
)
