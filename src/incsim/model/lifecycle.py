"""The incident lifecycle: detect, page, diagnose, consult, decide, fix, recover, resolve.

One ``Lifecycle`` per world runs every incident from its arrival to its resolution (``arrive``,
a SimPy process). Who takes part is ``staffing.py``; joining and leaving ``participation.py``;
rooms ``rooms.py``; escalation ``escalation.py``; the IC's updates ``communication.py``; played
roles ``players.py``. The world (``world.py``) builds it and starts each incident.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from incsim.model.attention import Attention
from incsim.model.context import Context
from incsim.model.events import (
    Affected,
    Answer,
    Decision,
    DecisionRequested,
    Detected,
    Fixed,
    Mitigated,
    Overran,
    Paged,
    Question,
    Recovered,
    Resolved,
)
from incsim.model.incidents import DecisionNeed, IncidentSpec, Spread
from incsim.model.live_incident import TRIAGE_CALL, LiveIncident
from incsim.model.mechanisms import Mechanism, declare
from incsim.model.people import Engineer
from incsim.model.streams import Streams, sample
from incsim.model.waiting import FirstOf, Proc

if TYPE_CHECKING:  # the parts it calls are built and passed in by the world (world.py)
    from incsim.model.communication import Communication
    from incsim.model.escalation import Escalation
    from incsim.model.participation import Participation
    from incsim.model.players import Players
    from incsim.model.rooms import Rooms
    from incsim.model.staffing import Staffing


class Lifecycle:
    """Each incident from its arrival to its resolution."""

    def __init__(
        self,
        context: Context,
        streams: Streams,
        attention: Attention,
        participation: Participation,
        staffing: Staffing,
        rooms: Rooms,
        players: Players,
        escalation: Escalation,
        communication: Communication,
    ) -> None:
        self.env = context.env
        self.scn = context.scn
        self.strategy = context.strategy
        self.roster = context.roster
        self.live = context.live
        self.customer_facing = context.customer_facing
        self.customer_data = context.customer_data
        self.emit = context.emit
        self.streams = streams
        self.attention = attention
        self.participation = participation
        self.staffing = staffing
        self.rooms = rooms
        self.players = players
        self.escalation = escalation
        self.communication = communication

    def arrive(self, spec: IncidentSpec) -> Proc[None]:
        """The incident ``spec``, from its arrival (waited for, if still to come) to its resolution."""
        if spec.at > self.env.now:
            yield self.env.timeout(spec.at - self.env.now)
        incident = LiveIncident(spec, self.env, self.streams, self.roster.number)
        self.live[spec.id] = incident
        owner_oncall = {
            e.id for s in spec.roots for e in self.roster.oncall(self.roster.owner_of[s], self.env.now)
        }
        incident.ic = self.staffing.pick_ic(exclude=owner_oncall)
        if incident.ic is not None:
            self.attention.commanding[incident.ic.id] = incident
        self.emit(
            incident,
            Detected,
            category=spec.category,
            flags=tuple(spec.flags),
            roots=tuple(spec.roots),
            diagnosis_min=spec.diagnosis,
            fix_min=spec.fix,
            exposure_per_min=spec.exposure_per_min,
        )
        if incident.ic is not None:
            self.emit(incident, Paged, incident.ic.id, role="ic", team=incident.ic.team)
            incident.coming[incident.ic.id] = incident.ic_ready
        for svc in spec.roots:
            self.emit(incident, Affected, service=svc, via="", customer_facing=svc in self.customer_facing)
        self.env.process(self.communication.command(incident))
        if spec.spread:
            self.env.process(self._cascade(incident))
        view = incident.view(self.customer_data, self.env.now)
        if self.strategy.wants_triage(view):
            # the triage call opens once IC and debugger are there (in _respond); until it has
            # ended the escalation rules wait, unless the protocol lets them open a room first
            incident.triage_pending = True
            # its three are paged at once: the security engineer beside the IC and the debugger
            security = self.staffing.with_role(incident, "security")
            if security is not None and security.team != self.roster.owner_of[spec.roots[0]]:
                self.env.process(self.staffing.pull_in(incident, security, "stakeholder"))
        if not incident.triage_pending or self.escalation.before_triage():
            reason = self.strategy.opening_room(view)
            if reason and self.strategy.opening_is_escalation:
                self.escalation.escalate(incident, reason)
            elif reason:
                self.rooms.open(incident, reason)
        if self.strategy.no_progress_timer() is not None:
            self.env.process(self.escalation.watch_progress(incident))
        yield from self._respond(incident)

    def _respond(self, incident: LiveIncident) -> Proc[None]:
        spec = incident.spec
        team = self.roster.owner_of[spec.roots[0]]
        eng, req = yield from self.staffing.acquire_debugger(incident, team)
        self.attention.debugging[eng.id] = incident
        incident.debugger = eng
        invited = incident.coming.get(eng.id)
        played = False
        if invited is not None:
            yield invited  # already paged into the room: one page, and they debug on arrival
        else:
            self.emit(incident, Paged, eng.id, role="debugger", team=team)
            incident.coming[eng.id] = incident.debugger_ready
            if (
                "debugger" in self.players.held
            ):  # a drill's player (players.py): they join when they acknowledge
                paged = eng
                holder = yield from self.players.player_page(incident, eng, "debugger")
                played, eng = holder is eng, holder
                if eng is not paged:  # the page went on to the secondary: they are the one coming
                    incident.coming.pop(paged.id, None)
                    incident.coming[eng.id] = incident.debugger_ready
            if not played:
                yield self.env.timeout(self.staffing.ack_delay(incident, eng, "debugger_ack"))
        if not played:
            self.participation.join(incident, eng, "debugger")
        self.staffing.answered(incident, eng.id, incident.debugger_ready)
        for svc in spec.roots[1:]:
            self.env.process(self.staffing.owner_joins(incident, svc))
        for _ in range(self.scn.behaviour.debuggers - 1):
            self.env.process(self.staffing.bring_helper(incident, team))
        try:
            # work the debugger gets done while decisions are reached (progress_while_deciding):
            # a containment decision's goes to the diagnosis, the others' to the fix
            ahead = 0.0
            if incident.triage_pending:
                if not incident.room_open:  # not replaced by an escalation (or a drill's inject) first
                    ahead += yield from self._triage(incident)
                incident.triage_pending = False
                incident.triage_over.succeed()
                self.escalation.check(incident)  # the rules apply once the triage call is over
            containment = [d for d in spec.decisions if d.containment]
            incident.phase = "contain" if containment else "diagnose"
            for d in containment:
                ahead += yield from self._decide(incident, d)
            incident.phase = "diagnose"
            yield from self._diagnose(incident, ahead)
            incident.phase = "decide"
            ahead = 0.0
            for d in spec.decisions:
                if not d.containment:
                    ahead += yield from self._decide(incident, d)
            incident.phase = "fix"
            fixes = [self.env.process(self._fix_other_root(incident, svc)) for svc in spec.roots[1:]]
            yield from self._work(
                incident, max(0.0, spec.fix - ahead)
            )  # 0 when the category has no separate fix
            self._service_fixed(incident, spec.roots[0])
            if fixes:
                yield self.env.all_of(fixes)
            incident.phase = "recover"
            yield from self._await_recovery(incident)
        finally:
            self.attention.release(self.attention.debugging, eng.id)
            if req is not None:
                self.staffing.pools[team].release(req)
        self.emit(incident, Resolved)
        self.participation.close_room(incident)
        for pid in sorted(incident.engaged):
            self.participation.leave(incident, pid)
        incident.resolved.succeed()
        if incident.ic is not None and self.attention.commanding.get(incident.ic.id) is incident:
            self.attention.release(self.attention.commanding, incident.ic.id)

    def _own_fix(self, incident: LiveIncident, service: str, minutes: float) -> Proc[None]:
        """The owner of ``service`` repairs it, slower outside their working hours (followed as
        the clock turns). An owner who is this incident's debugger, or who is debugging,
        commanding or fixing another incident, does it between their other work: the minutes are
        taken out of that work (an interruption), never done twice at once."""
        slow = self.scn.behaviour.off_hours_slowdown
        eng, reading = yield from self.staffing.bring_owner(incident, service)
        if reading:
            yield self.env.timeout(reading)
        if eng is None:
            yield self.env.timeout(minutes)
        elif (
            eng is incident.debugger
            or self.attention.hard_busy(eng, incident)
            or eng.id in self.attention.fixing
        ):
            wall = eng.work_done(self.env.now, minutes, slow)
            self.participation.interrupt(incident, eng, wall, f"fix {service}", "owner", refocus=False)
            incident.working += 1
            yield self.env.timeout(wall)
            incident.working -= 1
        else:
            self.attention.fixing[eng.id] = incident
            incident.working += 1
            try:
                yield self.env.timeout(eng.work_done(self.env.now, minutes, slow))
            finally:
                incident.working -= 1
                self.attention.release(self.attention.fixing, eng.id)
        incident.fixed.add(service)
        self.emit(incident, Fixed, eng.id if eng is not None else "", service=service)

    def _fix_other_root(self, incident: LiveIncident, service: str) -> Proc[None]:
        yield from self._own_fix(incident, service, incident.spec.fix)
        incident.recovered.add(service)
        self.emit(incident, Recovered, service=service)
        self._maybe_mitigated(incident)

    def _service_fixed(self, incident: LiveIncident, service: str) -> None:
        incident.fixed.add(service)
        self.emit(
            incident, Fixed, incident.debugger.id if incident.debugger is not None else "", service=service
        )
        incident.recovered.add(service)
        self.emit(incident, Recovered, service=service)
        self._maybe_mitigated(incident)

    def _maybe_mitigated(self, incident: LiveIncident) -> None:
        if incident.mitigated:
            return
        facing = {s for s in incident.affected if s in self.customer_facing}
        if facing <= incident.recovered and set(incident.spec.roots) <= incident.fixed:
            incident.mitigated = True
            self.emit(incident, Mitigated)

    def _await_recovery(self, incident: LiveIncident) -> Proc[None]:
        by_service = {s.service: s for s in incident.spec.spread}
        waits = []
        for svc in sorted(incident.affected - incident.recovered):
            spread = by_service.get(svc)
            if spread is not None and spread.damage_fix > 0:
                waits.append(self.env.process(self._repair_damage(incident, spread)))
            else:
                waits.append(
                    self.env.process(self._recover(incident, svc, spread.recovery if spread else 0.0))
                )
        if waits:
            yield self.env.all_of(waits)
        self._maybe_mitigated(incident)

    def _repair_damage(self, incident: LiveIncident, spread: Spread) -> Proc[None]:
        """A dependent the cascade left broken needs its own owner's fix, not just time."""
        yield from self._own_fix(incident, spread.service, spread.damage_fix)
        yield from self._recover(incident, spread.service, 0.0)

    def _recover(self, incident: LiveIncident, service: str, minutes: float) -> Proc[None]:
        yield self.env.timeout(minutes)
        incident.recovered.add(service)
        self.emit(incident, Recovered, service=service)
        self._maybe_mitigated(incident)

    def _cascade(self, incident: LiveIncident) -> Proc[None]:
        """Spread the failure to dependents until the roots are fixed."""
        to_come = sorted(incident.spec.spread, key=lambda s: s.delay)
        hit_at = {svc: self.env.now for svc in incident.spec.roots}
        queue = list(to_come)
        while queue:
            # the next spread whose upstream has been hit, by absolute time
            ready = [(hit_at[s.via] + s.delay, i, s) for i, s in enumerate(queue) if s.via in hit_at]
            if not ready:
                return
            when, i, spread = min(ready)
            queue.pop(i)
            if when > self.env.now:
                yield self.env.timeout(when - self.env.now)
            if set(incident.spec.roots) <= incident.fixed:
                return
            hit_at[spread.service] = self.env.now
            incident.affected.add(spread.service)
            self.emit(
                incident,
                Affected,
                service=spread.service,
                via=spread.via,
                customer_facing=spread.service in self.customer_facing,
            )
            self.env.process(self.staffing.owner_joins(incident, spread.service))
            self.escalation.check(incident)

    def _triage(self, incident: LiveIncident) -> Proc[float]:
        """A short call of at most ``max_people`` for the containment decisions, then async;
        returns the work the debugger got done while those decisions were reached. A room opened
        before the call (a drill's, or an escalation the protocol lets come first) or during it
        (which replaces it) stays open: the call does not close it."""
        triage = self.strategy.spec.triage
        assert triage is not None
        if incident.ic is not None:  # with no IC free, the call starts without one
            yield incident.ic_ready
        if incident.room_open:
            return 0.0  # a room opened while the IC was on the way: the decisions are taken there
        self.rooms.open(incident, TRIAGE_CALL, limit=triage.max_people, invite=False)
        planned = sample(triage.duration, incident.stream("triage"))
        end = self.env.now + planned  # its clock runs from its start
        containment = [d for d in incident.spec.decisions if d.containment]
        open_decisions = [d.name for d in containment]  # emptied as they are taken
        self.env.process(self._overrun_watch(incident, planned, open_decisions))
        person = self.staffing.with_role(incident, "security")
        # the call's places: the security engineer always, then the debugger and the IC (in the
        # call already); nobody else is paged into the incident while it is on (``Staffing.bring_owner``)
        sec = [person] if person is not None and person is not incident.debugger else []
        joins = [self.env.process(self.staffing.pull_in(incident, e, "stakeholder")) for e in sec]
        if joins:
            yield self.env.all_of(joins)
        ahead = 0.0
        for d in containment:
            ahead += yield from self._decide(incident, d, limit=triage.max_people)
            open_decisions.remove(d.name)
        while self.env.now < end and incident.in_triage_call:
            # the call ends early if replaced (timeout | room_changed); it runs over its length
            # only while its containment decisions are reached (the close is then at the decision)
            yield FirstOf(self.env, self.env.timeout(end - self.env.now), incident.room_changed)
        if not incident.in_triage_call:
            return ahead  # the call was replaced by a room, which goes on
        self.participation.close_room(incident)
        for e in sec:
            if incident.engaged.get(e.id) == "stakeholder":
                self.participation.leave(incident, e.id)
        return ahead

    def _overrun_watch(self, incident: LiveIncident, planned: float, open_decisions: list[str]) -> Proc[None]:
        """At the triage call's planned end, log its overrun if it is still on because
        ``open_decisions`` (the containment decisions not yet taken) keep it open."""
        yield FirstOf(self.env, self.env.timeout(planned), incident.resolved)
        if incident.in_triage_call and open_decisions and not incident.resolved.triggered:
            self.emit(incident, Overran, planned_min=planned, waiting_for=tuple(open_decisions))

    def _decide(self, incident: LiveIncident, need: DecisionNeed, limit: int | None = None) -> Proc[float]:
        """Reach every stakeholder (in the room at once, in the channel by round-trips), then deliberate.

        In a room, someone busy debugging, commanding or fixing elsewhere is asked in the
        channel instead of being pulled away. Returns the work the debugger got done meanwhile
        (``behaviour.progress_while_deciding`` of the wait, the same rule in a room and a channel).
        """
        if need.containment and incident.contained:
            return 0.0
        beh = self.scn.behaviour
        t0 = self.env.now
        rate = incident.rate(beh, self.env.now)
        people: list[Engineer] = []
        for who in need.stakeholders:
            for e in self.staffing.stakeholder(incident, who):
                if e not in people:
                    people.append(e)
        self.emit(incident, DecisionRequested, name=need.name, stakeholders=tuple(e.id for e in people))
        for e in people:  # they stay while it is open
            incident.deciding[e.id] = incident.deciding.get(e.id, 0) + 1
        reason = f"decision: {need.name}"
        if incident.room_open:
            missing = [e for e in people if e.id not in incident.present]
            if limit is not None:
                missing = missing[: max(0, limit - len(incident.present))]
            joins = [
                self.env.process(self.staffing.join_or_ask(incident, e, "stakeholder", reason))
                for e in missing
            ]
            if joins:
                yield self.env.all_of(joins)
            yield from self._deliberate(incident, people, need.deliberation)
            for e in missing:
                if incident.engaged.get(e.id) == "stakeholder":
                    self.env.process(self.staffing.linger(incident, e, "stakeholder"))
            medium = "room"
        else:
            others = [e for e in people if incident.debugger is None or e.id != incident.debugger.id]
            asker = (
                incident.ic.id
                if incident.ic is not None
                else (incident.debugger.id if incident.debugger is not None else "")
            )
            for _ in range(beh.channel_rounds):
                asks = [
                    self.env.process(self.staffing.ask(incident, e, reason, "stakeholder", asker))
                    for e in others
                ]
                if asks:
                    yield self.env.all_of(asks)
            yield from self._deliberate(incident, people, need.deliberation)
            self.staffing.release_woken(incident, others)
            medium = "channel"
        if need.containment:
            incident.contained = True
        self.emit(
            incident,
            Decision,
            name=need.name,
            medium=medium,
            wait_min=self.env.now - t0,
            containment=need.containment,
        )
        for e in people:
            incident.deciding[e.id] -= 1
        done, incident.decided = incident.decided, self.env.event()
        done.succeed()
        return beh.progress_while_deciding * (self.env.now - t0) * rate

    def _deliberate(self, incident: LiveIncident, people: list[Engineer], minutes: float) -> Proc[None]:
        """The deciders deliberate for ``minutes``; an IC among them first finishes what they are
        doing (an update, an answer to "any updates?") and is busy with it meanwhile."""
        ic = incident.ic
        if ic is not None and ic in people and ic.id in incident.engaged:
            done = self.communication.ic_work(incident, ic, minutes, slow=False)
            yield self.env.timeout(done - self.env.now)
        else:
            yield self.env.timeout(minutes)

    def _diagnose(self, incident: LiveIncident, done_ahead: float = 0.0) -> Proc[None]:
        """Diagnosis work, stopping at each point where another team's expert is needed;
        ``done_ahead`` is diagnosis already done (while waiting for decisions)."""
        spec = incident.spec
        done = 0.0
        for frac, team in zip(spec.consults, spec.consult_teams):
            target = frac * spec.diagnosis
            yield from self._work(incident, max(0.0, target - done - done_ahead))
            done_ahead = max(0.0, done_ahead - (target - done))
            done = target
            done_ahead += yield from self._consult(incident, team)
        yield from self._work(incident, max(0.0, spec.diagnosis - done - done_ahead))

    def _consult(self, incident: LiveIncident, team: str) -> Proc[float]:
        """Ask ``team``'s expert; returns the work the debugger got done while waiting
        (``behaviour.progress_while_waiting`` of the wait, the same rule in a room and a channel).

        In a room the expert is pulled in and answers there; an expert busy debugging,
        commanding or fixing elsewhere is asked in the channel instead, like everyone under a
        channel protocol.
        """
        beh = self.scn.behaviour
        expert = self.staffing.responder_for(incident, team)
        if expert is None or expert is incident.debugger:
            return 0.0
        dbg = incident.debugger
        assert dbg is not None
        t0 = self.env.now
        rate = incident.rate(self.scn.behaviour, self.env.now)
        if incident.room_open and not self.attention.hard_busy(expert, incident):
            self.emit(incident, Question, dbg.id, to=expert.id, medium="room", topic="consult")
            if expert.id not in incident.present:
                came = yield from self.staffing.pull_in(incident, expert, "expert")
            else:
                self.participation.join(incident, expert, "expert")
                came = True
            if came:
                answer = incident.draw(beh.room_answer, "room_answer", expert)
                yield self.env.timeout(answer)
                self.emit(incident, Answer, expert.id, to=dbg.id, medium="room", wait_min=self.env.now - t0)
                if incident.engaged.get(expert.id) == "expert":
                    self.env.process(self.staffing.linger(incident, expert, "expert"))
                return beh.progress_while_waiting * (self.env.now - t0) * rate
        self.emit(incident, Question, dbg.id, to=expert.id, medium="channel", topic="consult")
        yield from self.staffing.ask(incident, expert, "consult", "expert", dbg.id)
        self.staffing.release_woken(incident, (expert,))
        return beh.progress_while_waiting * (self.env.now - t0) * rate

    def _work(self, incident: LiveIncident, amount: float) -> Proc[None]:
        """The debugger works ``amount`` minutes at their current speed, paying every interruption
        queued for them first (including those that came while they waited)."""
        remaining = amount * incident.work_factor
        applied = incident.work_factor
        env = self.env
        while True:
            incident.paying_interruptions = True  # what comes meanwhile joins the queue, paid in order
            if incident.interruptions_due and incident.work_plan is not None:
                # the work stands still while they answer: what is left stays as it is
                incident.work_plan = (env.now, remaining, incident.work_plan[2], False)
            while incident.interruptions_due:
                minutes = incident.interruptions_due.pop(0)
                incident.paying_until = env.now + minutes
                yield env.timeout(minutes)
                incident.interruptions_paid += 1
            incident.paying_interruptions = False
            if incident.work_factor != applied or incident.extra_work:  # changed from outside (drills)
                remaining = remaining * incident.work_factor / applied + incident.extra_work
                applied, incident.extra_work = incident.work_factor, 0.0
            incident.stretch_left = remaining
            if remaining <= 1e-9:
                incident.work_plan = None
                return
            rate = incident.rate(self.scn.behaviour, self.env.now)
            incident.rate_changed = env.event()
            start = env.now
            incident.work_plan = (start, remaining, rate, not incident.waiting_on)
            if incident.waiting_on:  # a drill's decision the debugger needs is pending: they wait for it
                yield incident.rate_changed
                continue
            step = remaining / rate
            if incident.debugger is not None:  # their speed changes when their working day starts or ends
                step = min(step, max(incident.debugger.next_change(start) - start, 1e-6))
            incident.working += 1
            yield FirstOf(env, env.timeout(step), incident.rate_changed)  # timeout | rate_changed
            incident.working -= 1
            if env.now > start:
                incident.last_progress = env.now
            remaining -= (env.now - start) * rate


MECHANISMS = declare(
    __name__,
    Mechanism(
        "diagnose-and-fix",
        "work",
        "The debugger works through diagnosis, the incident's decisions and the fix at speed 1, "
        "{behaviour.off_hours_slowdown}x slower while outside their working hours (read minute by "
        "minute), paying every interruption queued for them before going on.",
        "incsim.model.lifecycle:Lifecycle._work",
        ("behaviour.off_hours_slowdown",),
    ),
    Mechanism(
        "consult",
        "work",
        "Where the diagnosis needs another team's expert, the debugger waits for the answer and "
        "gets {behaviour.progress_while_waiting} of the wait done meanwhile, in a room and in a "
        "channel alike; in a room the expert is pulled in and answers in {behaviour.room_answer} min.",
        "incsim.model.lifecycle:Lifecycle._consult",
        ("behaviour.progress_while_waiting", "behaviour.room_answer"),
    ),
    Mechanism(
        "owners-fix",
        "work",
        "Other root services and damaged dependents are fixed by their owning team's responder, "
        "who reads the thread first when there is no room; an owner busy elsewhere does it between "
        "their other work.",
        "incsim.model.lifecycle:Lifecycle._own_fix",
        ("behaviour.read_thread",),
    ),
    Mechanism(
        "narration",
        "room",
        "In a room the debugger narrates: their speed is divided by 1 + "
        "{behaviour.narration.per_listener} per listener, at most {behaviour.narration.max_slowdown}x "
        "slower.",
        "incsim.model.live_incident:LiveIncident.rate",
        ("behaviour.narration.per_listener", "behaviour.narration.max_slowdown"),
        ("war-room", "hybrid"),
        assumption="Spectators add no diagnostic progress.",
    ),
    Mechanism(
        "decisions",
        "work",
        "A decision waits for every stakeholder, who stays while it is open: in a room those missing "
        "are pulled in (or asked in the channel if busy elsewhere); in a channel it takes {behaviour.channel_rounds} message "
        "round-trips; then it is deliberated. Meanwhile the debugger gets "
        "{behaviour.progress_while_deciding} of the wait done, in a room and in a channel alike "
        "(taken off the diagnosis after a containment decision, off the fix after the others).",
        "incsim.model.lifecycle:Lifecycle._decide",
        (
            "behaviour.channel_rounds",
            "behaviour.progress_while_deciding",
            "incidents.categories.*.decisions",
            "incidents.flags.*.decisions",
        ),
    ),
    Mechanism(
        "resolution",
        "work",
        "The incident is mitigated when its roots are fixed and every affected customer-facing "
        "service has recovered, and resolved when every affected service has; then the room closes "
        "and everyone leaves.",
        "incsim.model.lifecycle:Lifecycle._respond",
        ("incidents.categories.*.recovery", "org.services.*.customer_facing"),
    ),
)
