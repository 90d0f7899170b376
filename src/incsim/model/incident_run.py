"""The live state of one incident while the world simulates it: who is engaged and as what, the
room, the queue of questions, the remaining work, and the incident's own random streams."""

from __future__ import annotations

from typing import TYPE_CHECKING, TypeVar

from incsim.model.events import Event, Interrupted, Joined, Left, RoomClosed, RoomOpened
from incsim.model.incidents import IncidentSpec
from incsim.model.people import Engineer
from incsim.model.protocols import IncidentView
from incsim.model.streams import sample_or_zero

if TYPE_CHECKING:
    from incsim.model.world import World

ESSENTIAL_ROLES = ("debugger", "ic", "expert", "stakeholder", "owner")
NON_ESSENTIAL_ROLES = ("spectator", "watcher")

E = TypeVar("E", bound=Event)


class IncidentRun:
    """The live state of one incident while it is simulated."""

    def __init__(self, world: "World", spec: IncidentSpec) -> None:
        self.world = world
        self.spec = spec
        env = world.env
        self.detected_at = env.now
        self.engaged: dict[str, str] = {}        # person -> role, while part of the incident
        self.joined_at_work: dict[str, bool] = {}
        self.present: set[str] = set()            # in the room, while a room is open
        self.room_open = False
        self.room_opened_at = 0.0
        self.room_limit: int | None = None
        self.debugger: Engineer | None = None
        self.ic: Engineer | None = None
        self.ic_ready = env.event()
        self.debugger_ready = env.event()
        self.pending: list[float] = []            # interruption costs waiting for the debugger
        self.answering = False
        self.rate_changed = env.event()
        self.affected: set[str] = set(spec.roots)
        self.fixed: set[str] = set()
        self.recovered: set[str] = set()
        self.mitigated = False
        self.resolved = env.event()
        self.escalated = False
        self.contained = False
        self.room_changed = env.event()
        self.questions_started = False
        self.phase = "diagnose"  # what the structured update names as next steps
        self.readers: set[str] = set()  # people who have read the thread of this incident
        self._rngs: dict = {}
        # drills only: a rollback or failover decided from outside changes the work left
        self.work_factor = 1.0
        self.extra_work = 0.0

    # each incident's streams are made on first use (most incidents need only some of them)
    def _rng(self, source: str, eng: Engineer | None = None):
        key = (source, eng.id if eng is not None else "")
        gen = self._rngs.get(key)
        if gen is None:
            person = self.world.roster.number[eng.id] if eng is not None else -1
            gen = self._rngs[key] = self.world.streams.get(source, self.spec.key, person)
        return gen

    def draw(self, dist, source: str, eng: Engineer | None = None) -> float:
        """A draw from ``dist`` (0 when switched off) on this incident's stream for ``source``,
        and ``eng``'s own one when a person is named: the n-th draw means the same thing under
        every protocol."""
        return sample_or_zero(dist, self._rng(source, eng))

    rng_questions = property(lambda self: self._rng("questions"))
    rng_leadership = property(lambda self: self._rng("leadership"))
    rng_watchers = property(lambda self: self._rng("watchers"))

    # -- bookkeeping -------------------------------------------------------------------
    def log(self, record: type[E], who: str = "", **fields) -> E:
        """Log a ``record`` (an ``events`` type) of this incident, now, with its ``fields``."""
        return self.world.log.add(record(self.world.env.now, self.spec.id, who, **fields))

    def change_work(self, factor: float, extra: float = 0.0) -> None:
        """Scale the debugger's remaining work by ``factor`` and add ``extra`` minutes (a drill's
        rollback or failover); the work loop picks it up at once."""
        self.work_factor *= factor
        self.extra_work += extra
        self.poke()

    def poke(self) -> None:
        """Tell the debugger's work loop that its speed or its interruptions changed."""
        if not self.rate_changed.triggered:
            self.rate_changed.succeed()

    def _room_changed(self) -> None:
        if not self.room_changed.triggered:
            self.room_changed.succeed()
        self.room_changed = self.world.env.event()
        self.poke()

    def audience(self) -> int:
        """People in the room other than the debugger."""
        if not self.room_open:
            return 0
        return len(self.present) - (1 if self.debugger and self.debugger.id in self.present else 0)

    def spectators(self) -> list[str]:
        return sorted(p for p in self.present if self.engaged.get(p) == "spectator")

    def rate(self) -> float:
        """The debugger's speed: 1 alone and rested; slower narrating, or outside their working
        hours (read now, so a night page that runs into the morning speeds up)."""
        n = self.world.scn.behaviour.narration
        narration = min(1.0 + n.per_listener * self.audience(), n.max_slowdown) if self.room_open else 1.0
        night = 1.0
        if self.debugger is not None and not self.debugger.working(self.world.env.now):
            night = self.world.scn.behaviour.off_hours_slowdown
        return 1.0 / (narration * night)

    def view(self) -> IncidentView:
        data = self.world.customer_data
        return IncidentView(
            category=self.spec.category, flags=self.spec.flags,
            services_affected=len(self.affected),
            customer_data_at_risk=("data-loss" in self.spec.flags) or (
                "security" in self.spec.flags and any(s in data for s in self.affected)),
            minutes_since_detected=self.world.env.now - self.detected_at, mitigated=self.mitigated,
        )

    def join(self, eng: Engineer, role: str) -> None:
        """``eng`` becomes part of the incident (and of the room, when one is open)."""
        now = self.world.env.now
        if self.ic is not None and eng.id == self.ic.id:
            role = "ic"  # paged early for a decision, the IC is still the IC
        elif self.debugger is not None and eng.id == self.debugger.id:
            role = "debugger"
        if eng.id in self.engaged:
            current = self.engaged[eng.id]
            upgrade = current in NON_ESSENTIAL_ROLES and role in ESSENTIAL_ROLES
            if upgrade or (role == "debugger" and current != "debugger"):
                self.engaged[eng.id] = role
                self.log(Joined, eng.id, role=role, change=True)
            return
        self.world._leave_elsewhere(eng, self)  # one person, one place
        self.engaged[eng.id] = role
        self.world.where[eng.id].add(self.spec.id)
        self.joined_at_work[eng.id] = eng.working(now)
        self.log(Joined, eng.id, role=role, off_hours=not eng.working(now), team=eng.team)
        if self.room_open:
            self._enter_room(eng)

    def _enter_room(self, eng: Engineer) -> None:
        if eng.id in self.present:
            return
        self.present.add(eng.id)
        late = self.world.env.now - self.room_opened_at > self.world.scn.behaviour.late_joiner_after
        if late and self.debugger is not None and eng.id != self.debugger.id and self.debugger.id in self.present:
            brief = self.draw(self.world.scn.behaviour.brief_late_joiner, "briefing", eng)
            self.log(Interrupted, self.debugger.id, answer_min=brief, refocus_min=0.0,
                     reason="brief late joiner", role="debugger", engaged=True, by=eng.id)
            self.pending.append(brief)
        self._room_changed()

    def leave(self, eng_id: str, refocus_after: bool = True) -> None:
        """``eng_id`` leaves the incident; a refocus is charged if it pulled them off work (not
        when they leave for another incident: they are not going back to their own work)."""
        if eng_id not in self.engaged:
            return
        eng = self.world.roster.engineers[eng_id]
        now = self.world.env.now
        role = self.engaged.pop(eng_id)
        self.world.where[eng_id].discard(self.spec.id)
        refocus = 0.0
        if self.joined_at_work.pop(eng_id, False) and eng.working(now) and refocus_after:
            refocus = min(self.draw(self.world.scn.behaviour.refocus, "refocus", eng),
                          eng.minutes_left_at_work(now))
        self.log(Left, eng_id, role=role, refocus_min=refocus)
        if eng_id in self.present:
            self.present.discard(eng_id)
            self._room_changed()

    def reading_cost(self, eng: Engineer) -> float:
        """Minutes ``eng`` spends reading the thread before answering: once per incident, and
        not at all for someone already in it (they have been following)."""
        if eng.id in self.engaged or eng.id in self.readers:
            return 0.0
        self.readers.add(eng.id)
        return self.draw(self.world.scn.behaviour.read_thread, "reading", eng)

    def interrupt(self, eng: Engineer, answer: float, reason: str, role: str, refocus: bool = True) -> None:
        """Charge ``eng`` an interruption: ``answer`` minutes plus a short refocus if at work.

        It goes into the person's one queue: if they are debugging (this incident or another),
        their work waits for it, so the minutes are divided, not duplicated.
        """
        now = self.world.env.now
        r = 0.0
        if refocus and eng.working(now):
            r = min(self.draw(self.world.scn.behaviour.interruption.refocus, "interruption_refocus", eng),
                    eng.minutes_left_at_work(now + answer))
        self.log(Interrupted, eng.id, answer_min=answer, refocus_min=r, reason=reason, role=role,
                 engaged=eng.id in self.engaged)
        target = self.world.debugging.get(eng.id)
        if target is not None and not target.resolved.triggered:
            target.pending.append(answer + r)
            target.poke()

    # -- rooms ---------------------------------------------------------------------------
    def open_room(self, reason: str, limit: int | None = None, invite: bool = True) -> None:
        if self.room_open:
            return
        self.room_open = True
        self.room_opened_at = self.world.env.now
        self.room_limit = limit
        self.log(RoomOpened, reason=reason, limit=limit)
        if not self.questions_started and self.world.scn.behaviour.spectator_questions_per_hour > 0:
            self.questions_started = True
            self.world.env.process(self.world._room_questions(self))
        for pid in sorted(self.engaged):
            self.present.add(pid)
        self._room_changed()
        if invite:
            for eng in self.world.invitees(self):
                self.world.env.process(self.world.pull_in(self, eng, "spectator"))

    def close_room(self) -> None:
        if not self.room_open:
            return
        self.room_open = False
        self.present.clear()
        self.log(RoomClosed)
        self._room_changed()
