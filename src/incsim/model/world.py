"""The simulated world: one replication of one protocol over a list of incidents.

Pure: no files, no printing, no wall clock. Everything it does is an ``Event`` in ``log``.
It can be stepped (``run(until=...)``, ``run_until(predicate)``) and accepts incidents and
escalations injected from outside, which is what drills are built on.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Callable, Iterable

import simpy

from incsim.model.events import Event, Kind, Log
from incsim.model.incidents import DecisionNeed, IncidentSpec, arrival_rate, draw_incident, draw_kind
from incsim.model.mechanisms import Mechanism
from incsim.model.people import WEEK, Engineer, Roster
from incsim.model.protocols import IncidentView, Strategy, make_strategy
from incsim.model.streams import Streams, failure_stream_id, sample, sample_or_zero
from incsim.scenario.schema import Scenario

ESSENTIAL_ROLES = ("debugger", "ic", "expert", "stakeholder", "owner")
NON_ESSENTIAL_ROLES = ("spectator", "watcher")


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
    def log(self, kind: Kind, who: str = "", **data) -> Event:
        return self.world.log.add(Event(self.world.env.now, self.spec.id, kind, who, data))

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
                self.log(Kind.JOINED, eng.id, role=role, change=True)
            return
        self.world._leave_elsewhere(eng, self)  # one person, one place
        self.engaged[eng.id] = role
        self.world.where[eng.id].add(self.spec.id)
        self.joined_at_work[eng.id] = eng.working(now)
        self.log(Kind.JOINED, eng.id, role=role, off_hours=not eng.working(now), team=eng.team)
        if self.room_open:
            self._enter_room(eng)

    def _enter_room(self, eng: Engineer) -> None:
        if eng.id in self.present:
            return
        self.present.add(eng.id)
        late = self.world.env.now - self.room_opened_at > self.world.scn.behaviour.late_joiner_after
        if late and self.debugger is not None and eng.id != self.debugger.id and self.debugger.id in self.present:
            brief = self.draw(self.world.scn.behaviour.brief_late_joiner, "briefing", eng)
            self.log(Kind.INTERRUPTED, self.debugger.id, answer_min=brief, refocus_min=0.0,
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
        self.log(Kind.LEFT, eng_id, role=role, refocus_min=refocus)
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
        self.log(Kind.INTERRUPTED, eng.id, answer_min=answer, refocus_min=r, reason=reason, role=role,
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
        self.log(Kind.ROOM_OPENED, reason=reason, limit=limit)
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
        self.log(Kind.ROOM_CLOSED)
        self._room_changed()


class World:
    """A SimPy environment holding the org, one protocol and the incidents it meets."""

    def __init__(self, scenario: Scenario, protocol: str, streams: Streams,
                 incidents: Iterable[IncidentSpec] = (), horizon: float | None = None) -> None:
        self.scn = scenario
        self.strategy: Strategy = make_strategy(scenario.protocol(protocol))
        self.streams = streams
        self.env = simpy.Environment()
        self.log = Log()
        self.roster = Roster(scenario)
        self.horizon = horizon if horizon is not None else scenario.simulation.horizon_days * 1440.0
        self.customer_facing = {s.name for s in scenario.org.services if s.customer_facing}
        self.customer_data = {s.name for s in scenario.org.services if s.holds_customer_data}
        self.neighbours: dict[str, set[str]] = {s.name: set() for s in scenario.org.services}
        for svc in scenario.org.services:
            for dep in svc.depends_on:
                self.neighbours[svc.name].add(dep)
                self.neighbours.setdefault(dep, set()).add(svc.name)
        # one attention per person, across incidents: who is debugging, commanding or fixing
        # which incident (they take no other part anywhere), and every incident each is in
        self.debugging: dict[str, IncidentRun] = {}
        self.commanding: dict[str, IncidentRun] = {}
        self.fixing: dict[str, IncidentRun] = {}
        self.where: dict[str, set[int]] = defaultdict(set)
        self.freed = self.env.event()  # fires whenever someone stops debugging, commanding or fixing
        self.pools: dict[str, simpy.Resource] = {
            t.name: simpy.Resource(self.env, capacity=t.oncall.per_shift)
            for t in scenario.org.teams if t.oncall is not None
        }
        self.runs: dict[int, IncidentRun] = {}
        self._next_id = 0
        self._by_id: list[Engineer] | None = None
        for spec in incidents:
            self.schedule(spec)
        arrivals = scenario.incidents.arrivals
        if arrivals is not None and arrivals.per_service:
            for i, svc in enumerate(scenario.org.services):
                self.env.process(self._service_failures(i, svc.name, arrivals.rate_per_week))

    # -- driving -------------------------------------------------------------------------
    def schedule(self, spec: IncidentSpec) -> None:
        """Start ``spec`` at its arrival time (now, if that has passed)."""
        self._next_id = max(self._next_id, spec.id + 1)
        self.env.process(self._arrive(spec))

    def run(self, until: float | None = None) -> None:
        """Advance to ``until`` minutes, or until nothing is left to happen."""
        if until is None:
            self.env.run()
        elif until > self.env.now:
            self.env.run(until=until)

    def run_until(self, predicate: Callable[[Event], bool], limit: float = math.inf) -> Event | None:
        """Step until an event satisfying ``predicate`` is logged (returned) or time passes ``limit``."""
        seen = len(self.log)
        while self.env.peek() <= limit and self.env.peek() < math.inf:
            self.env.step()
            while seen < len(self.log):
                ev = self.log.events[seen]
                seen += 1
                if predicate(ev):
                    return ev
        return None

    def inject_incident(self, spec: IncidentSpec) -> None:
        """Add an incident from outside (a drill's inject); it starts at ``max(spec.at, now)``."""
        self.log.add(Event(self.env.now, spec.id, Kind.INJECTED, "", {"what": "incident"}))
        self.schedule(spec)

    def inject_escalation(self, incident: int, reason: str = "injected") -> None:
        """Escalate a running incident to a room now, whatever the protocol would do."""
        run = self.runs.get(incident)
        if run is None or run.resolved.triggered:
            raise KeyError(f"no running incident {incident}")
        self.log.add(Event(self.env.now, incident, Kind.INJECTED, "", {"what": "escalation"}))
        self._escalate(run, reason)

    # -- people --------------------------------------------------------------------------
    def hard_busy(self, eng: Engineer, run: IncidentRun | None = None) -> bool:
        """Whether ``eng`` is debugging, commanding or fixing an incident other than ``run``."""
        for held in (self.debugging, self.commanding, self.fixing):
            other = held.get(eng.id)
            if other is not None and other is not run:
                return True
        return False

    def engaged_elsewhere(self, eng: Engineer, run: IncidentRun) -> bool:
        """Whether ``eng`` is part of an incident other than ``run`` in any role."""
        return bool(self.where[eng.id] - {run.spec.id})

    def free_for(self, eng: Engineer, run: IncidentRun) -> bool:
        """Whether ``eng`` can come to ``run`` without leaving anything: busy nowhere else."""
        return not self.hard_busy(eng, run) and not self.engaged_elsewhere(eng, run)

    def _leave_elsewhere(self, eng: Engineer, run: IncidentRun) -> None:
        """``eng`` joins ``run``: they leave any other incident they were merely part of."""
        for inc in sorted(self.where[eng.id] - {run.spec.id}):
            other = self.runs.get(inc)
            if other is not None and other.engaged.get(eng.id) not in ("debugger", "ic"):
                other.leave(eng.id, refocus_after=False)

    def _release(self, held: dict, eng_id: str) -> None:
        """``eng_id`` stops a role that held all their attention; whoever waits for a free
        person looks again."""
        held.pop(eng_id, None)
        ev, self.freed = self.freed, self.env.event()
        ev.succeed()

    def ack_delay(self, run: IncidentRun, eng: Engineer, source: str) -> float:
        """How long ``eng`` takes to acknowledge a page now (own stream per page, so every
        protocol gives the debugger and the IC of an incident the same draw)."""
        b = self.scn.behaviour
        working = eng.working(self.env.now)
        return sample_or_zero(b.page_ack if working else b.page_ack_off_hours, run._rng(source))

    def reply_latency(self, run: IncidentRun, eng: Engineer) -> float:
        """How long ``eng`` takes to see a channel message: engaged, at work or off hours."""
        lat = self.scn.behaviour.reply_latency
        if eng.id in run.engaged:
            dist = lat.engaged
        elif eng.working(self.env.now):
            dist = lat.working
        else:
            dist = lat.off_hours
        return run.draw(dist, "reply_latency", eng)

    def ask(self, run: IncidentRun, eng: Engineer, reason: str, role: str):
        """A channel question to ``eng``: they see it after their reply latency, read the thread
        (once per incident, unless already in it) and answer; returns when the answer is in.
        Reading and answering are charged to them (and delay their own debugging, if any)."""
        b = self.scn.behaviour
        yield self.env.timeout(self.reply_latency(run, eng))
        if run.resolved.triggered:
            return
        reading = run.reading_cost(eng)
        answer = run.draw(b.interruption.answer, "answer", eng)
        if eng.id not in run.engaged:
            run.interrupt(eng, reading + answer, reason, role)
        yield self.env.timeout(reading + answer)

    def pull_in(self, run: IncidentRun, eng: Engineer, role: str):
        """Page ``eng`` into the incident; they join after their acknowledgement delay.

        Returns whether they came: someone debugging, commanding or fixing another incident by
        then does not (a ``busy`` event), and a would-be spectator already in another incident
        stays there.
        """
        if eng.id in run.engaged:
            run.join(eng, role)
            return True
        if self.hard_busy(eng, run) or (role == "spectator" and self.engaged_elsewhere(eng, run)):
            run.log(Kind.BUSY, eng.id, role=role, elsewhere=sorted(self.where[eng.id]))
            return False
        run.log(Kind.PAGED, eng.id, role=role, team=eng.team)
        if eng.working(self.env.now):
            delay = run.draw(self.scn.behaviour.join_delay, "join_delay", eng)
        else:
            delay = run.draw(self.scn.behaviour.page_ack_off_hours, "off_hours_ack", eng)
        yield self.env.timeout(delay)
        if run.resolved.triggered:
            return False
        if self.hard_busy(eng, run) or (role == "spectator" and self.engaged_elsewhere(eng, run)):
            run.log(Kind.BUSY, eng.id, role=role, elsewhere=sorted(self.where[eng.id]))
            return False
        run.join(eng, role)
        if role == "spectator":
            self.env.process(self._linger(run, eng, "spectator"))
        return True

    def _join_or_ask(self, run: IncidentRun, eng: Engineer, role: str, reason: str):
        """Bring ``eng`` into the room, or, if they are busy elsewhere, ask them in the channel."""
        came = False
        if not self.hard_busy(eng, run):
            came = yield from self.pull_in(run, eng, role)
        if not came and not run.resolved.triggered:
            yield from self.ask(run, eng, reason, role)
        return came

    def invitees(self, run: IncidentRun) -> list[Engineer]:
        """Who a room invites beyond those already engaged, by the protocol's rule."""
        room = self.strategy.spec.room
        now = self.env.now
        if run.room_limit is not None:
            size = run.room_limit
        elif room.invite.rule == "fixed-size":
            size = max(1, int(round(sample(room.invite.size, run._rng("invite_size")))))
        else:
            size = 10 ** 6
        owner_team = self.roster.owner_of[run.spec.roots[0]]
        have = set(run.engaged) | {e.id for e in (run.debugger, run.ic) if e is not None}
        if run.debugger is None:  # the owner's on-call is on the way as debugger, not as a spectator
            have |= {e.id for e in self.roster.oncall(owner_team, now)[:1]}
        teams = self._teams_by_distance(run.affected)  # closest to the failure first
        oncalls = [e for t in teams for e in self.roster.oncall(t, now)]
        leads = [e for t in teams for e in self.roster.by_team[t] if e.is_lead]
        order: list[Engineer] = list(oncalls)
        if room.invite.rule in ("fixed-size", "oncalls-and-leads"):
            order += leads
        if room.invite.rule == "fixed-size":
            order += [e for t in teams for e in self.roster.by_team[t]]
        out: list[Engineer] = []
        seen: set[str] = set()
        for eng in order:
            if len(have) + len(out) >= size:
                break
            if eng.id in have or eng.id in seen:
                continue
            seen.add(eng.id)
            if not self.free_for(eng, run):
                continue  # busy in another incident: not pulled away to watch this one
            is_oncall = eng in oncalls
            if not eng.working(now) and not is_oncall and not room.invite.include_off_hours:
                continue
            out.append(eng)
        return out

    def _teams_by_distance(self, affected: set[str]) -> list[str]:
        """Every team, ordered by how many dependency hops separate its services from ``affected``."""
        dist = {s: 0 for s in affected}
        frontier = sorted(affected)
        while frontier:
            nxt = []
            for svc in frontier:
                for other in self.neighbours.get(svc, ()):
                    if other not in dist:
                        dist[other] = dist[svc] + 1
                        nxt.append(other)
            frontier = sorted(nxt)
        far = len(self.neighbours) + 1
        best: dict[str, int] = {}
        for svc, team in self.roster.owner_of.items():
            best[team] = min(best.get(team, far), dist.get(svc, far))
        return sorted(self.roster.teams, key=lambda t: (best.get(t, far), t))

    def _linger(self, run: IncidentRun, eng: Engineer, role: str):
        """Someone in a room with nothing (more) to do stays "in case", or leaves after a while."""
        room = self.strategy.spec.room
        rng = run._rng("linger", eng)
        if rng.random() < room.stay_probability:
            return
        yield self.env.timeout(sample(room.leave_after, rng))
        if run.engaged.get(eng.id) == role and not run.resolved.triggered:
            run.leave(eng.id)

    def pick_ic(self, exclude: Iterable[str] = frozenset()) -> Engineer | None:
        """The first free person on the IC rota, at work if the rota allows (follow the sun);
        None when everyone on it is busy (the incident waits for one; nobody doubles up)."""
        exclude = set(exclude)
        free = [e for e in self.roster.ic_candidates(self.env.now)
                if not self.hard_busy(e) and e.id not in exclude]
        at_work = [e for e in free if e.working(self.env.now)]
        pick = (at_work or free)[:1]
        return pick[0] if pick else None

    def responder_for(self, run: IncidentRun, team: str) -> Engineer | None:
        """Who ``team`` sends to an incident: its on-call, else a colleague at work.

        Never this incident's IC (the IC coordinates and does nothing else). Someone part of no
        other incident first, then someone merely watching or helping elsewhere, and only then
        someone debugging, commanding or fixing elsewhere (whom callers may only ask in the
        channel, so their minutes are divided, never doubled).
        """
        now = self.env.now
        if run.debugger is not None and run.debugger.team == team:
            return run.debugger
        oncall = self.roster.oncall(team, now)
        others = [e for e in self.roster.by_team[team] if e not in oncall and e.working(now)]
        cands = [e for e in oncall + others if run.ic is None or e.id != run.ic.id]
        for ok in (lambda e: self.free_for(e, run), lambda e: not self.hard_busy(e, run), lambda e: True):
            pick = [e for e in cands if ok(e)]
            if pick:
                return pick[0]
        return None

    def with_role(self, run: IncidentRun, role: str) -> Engineer | None:
        """The person who takes ``role`` (security, leadership, ...) in this incident: someone
        already in it, else a free person (at work first), else someone busy elsewhere."""
        now = self.env.now
        cands = [e for e in self.roster.with_role(role, now) if run.ic is None or e.id != run.ic.id]
        for pool in ([e for e in cands if e.id in run.engaged],
                     [e for e in cands if e.working(now) and self.free_for(e, run)],
                     [e for e in cands if self.free_for(e, run)],
                     [e for e in cands if not self.hard_busy(e, run)], cands):
            if pool:
                return pool[0]
        return None

    def stakeholder(self, run: IncidentRun, who: str) -> list[Engineer]:
        """The people a named stakeholder stands for in this incident."""
        if who == "service-owner":
            return [run.debugger] if run.debugger else []
        if who == "ic":
            return [run.ic] if run.ic else []
        if who == "affected-owners":
            teams = sorted({self.roster.owner_of[s] for s in run.affected})
            found = [self.responder_for(run, t) for t in teams]
            return [e for e in found if e is not None]
        person = self.with_role(run, who)
        return [person] if person is not None else []

    # -- the incident ----------------------------------------------------------------------
    def _arrive(self, spec: IncidentSpec):
        if spec.at > self.env.now:
            yield self.env.timeout(spec.at - self.env.now)
        run = IncidentRun(self, spec)
        self.runs[spec.id] = run
        owner_oncall = {e.id for s in spec.roots for e in self.roster.oncall(self.roster.owner_of[s], self.env.now)}
        run.ic = self.pick_ic(exclude=owner_oncall)
        if run.ic is not None:
            self.commanding[run.ic.id] = run
        run.log(Kind.DETECTED, category=spec.category, flags=list(spec.flags), roots=list(spec.roots),
                diagnosis_min=spec.diagnosis, fix_min=spec.fix, exposure_per_min=spec.exposure_per_min)
        if run.ic is not None:
            run.log(Kind.PAGED, run.ic.id, role="ic", team=run.ic.team)
        for svc in spec.roots:
            run.log(Kind.AFFECTED, service=svc, via="", customer_facing=svc in self.customer_facing)
        self.env.process(self._command(run))
        if spec.spread:
            self.env.process(self._cascade(run))
        view = run.view()
        if self.strategy.wants_triage(view):
            pass  # the triage call opens once IC and debugger are there (in _respond)
        else:
            reason = self.strategy.opening_room(view)
            if reason and self.strategy.opening_is_escalation:
                self._escalate(run, reason)
            elif reason:
                run.open_room(reason)
        if self.strategy.no_progress_timer() is not None:
            self.env.process(self._watch_progress(run))
        yield from self._respond(run)

    def _service_failures(self, index: int, service: str, rate_per_week: float):
        """A service that fails at ``rate_per_week`` (times the arrival profile) while up and is
        down until resolved; its n-th failure draws from streams keyed by (service, n)."""
        rng = self.streams.get("failures", index)
        rate = arrival_rate(self.scn)
        bound = rate.bound
        number = 0
        while True:
            # thinning: candidates at the envelope rate, each kept with its share of it
            yield self.env.timeout(float(rng.exponential(WEEK / (rate_per_week * bound))))
            if self.env.now >= self.horizon:
                return
            if rate.varies and rng.random() * bound >= rate.factor(service, self.env.now):
                continue
            key = failure_stream_id(index, number)
            number += 1
            category, flags = draw_kind(self.scn, self.streams.get("failures", key))
            spec = draw_incident(self._next_id, self.env.now, category, flags, service, self.scn,
                                 self.streams, stream_id=key)
            self._next_id += 1
            yield from self._arrive(spec)

    def _escalate(self, run: IncidentRun, reason: str) -> None:
        if run.room_open or run.escalated:
            return
        run.escalated = True
        run.log(Kind.ESCALATED, reason=reason)
        run.open_room(f"escalated: {reason}")

    def _check_escalation(self, run: IncidentRun) -> None:
        if run.room_open or run.escalated or run.resolved.triggered:
            return
        reason = self.strategy.escalation(run.view())
        if reason:
            self._escalate(run, reason)

    def _watch_progress(self, run: IncidentRun):
        """Ask the protocol again every ``no_progress_min`` until the incident escalates or ends."""
        limit = self.strategy.no_progress_timer()
        assert limit is not None
        while True:
            yield self.env.timeout(limit)
            if run.resolved.triggered or run.escalated:
                return
            self._check_escalation(run)

    def _acquire_debugger(self, run: IncidentRun, team: str):
        """Get ``team``'s on-call (or a backup at work, when the rota allows) to debug: never
        someone debugging, commanding or fixing another incident, nor this incident's IC; when
        the whole team is, wait until someone is free."""
        pool = self.pools[team]
        oncall_spec = self.roster.teams[team].oncall
        now = self.env.now

        def usable(e: Engineer) -> bool:
            return not self.hard_busy(e) and (run.ic is None or e.id != run.ic.id)

        if pool.count >= pool.capacity and oncall_spec is not None and oncall_spec.backup:
            backups = [e for e in self.roster.by_team[team] if usable(e) and e.working(now)]
            if backups:
                return backups[0], None
        req = pool.request()
        yield req
        while True:
            everyone = self.roster.oncall(team, self.env.now) + self.roster.by_team[team]
            pick = ([e for e in everyone if usable(e) and self.free_for(e, run)]
                    or [e for e in everyone if usable(e)])
            if pick:
                return pick[0], req
            yield self.freed

    def _respond(self, run: IncidentRun):
        spec = run.spec
        team = self.roster.owner_of[spec.roots[0]]
        eng, req = yield from self._acquire_debugger(run, team)
        self.debugging[eng.id] = run
        run.debugger = eng
        run.log(Kind.PAGED, eng.id, role="debugger", team=team)
        yield self.env.timeout(self.ack_delay(run, eng, "debugger_ack"))
        run.join(eng, "debugger")
        run.debugger_ready.succeed()
        for svc in spec.roots[1:]:
            self.env.process(self._owner_joins(run, svc))
        try:
            if self.strategy.wants_triage(run.view()):
                yield from self._triage(run)
                self._check_escalation(run)  # the rules apply once the triage call is over
            containment = [d for d in spec.decisions if d.containment]
            run.phase = "contain" if containment else "diagnose"
            for d in containment:
                yield from self._decide(run, d)
            run.phase = "diagnose"
            yield from self._diagnose(run)
            run.phase = "decide"
            for d in spec.decisions:
                if not d.containment:
                    yield from self._decide(run, d)
            run.phase = "fix"
            fixes = [self.env.process(self._fix_other_root(run, svc)) for svc in spec.roots[1:]]
            yield from self._work(run, spec.fix)  # 0 when the category has no separate fix
            self._service_fixed(run, spec.roots[0])
            if fixes:
                yield self.env.all_of(fixes)
            run.phase = "recover"
            yield from self._await_recovery(run)
        finally:
            self._release(self.debugging, eng.id)
            if req is not None:
                self.pools[team].release(req)
        run.log(Kind.RESOLVED)
        run.close_room()
        for pid in sorted(run.engaged):
            run.leave(pid)
        run.resolved.succeed()
        if run.ic is not None and self.commanding.get(run.ic.id) is run:
            self._release(self.commanding, run.ic.id)

    def _bring_owner(self, run: IncidentRun, service: str):
        """Page the owning team of ``service`` into the incident; returns who came (or was asked)
        and the minutes they spend reading the thread before they can act."""
        eng = self.responder_for(run, self.roster.owner_of[service])
        if eng is None or eng is run.debugger:  # the debugger joins on their own
            return eng, 0.0
        first_time = eng.id not in run.engaged
        came = yield from self.pull_in(run, eng, "owner")
        reading = 0.0
        if came and first_time and not run.room_open and eng.id in run.engaged:
            # catching up on the thread is part of their time in the incident, and it comes
            # before their fix
            reading = run.reading_cost(eng)
            run.log(Kind.INTERRUPTED, eng.id, answer_min=reading, refocus_min=0.0, reason="read the thread",
                    role="owner", engaged=True)
        return eng, reading

    def _owner_joins(self, run: IncidentRun, service: str):
        yield from self._bring_owner(run, service)

    def _own_fix(self, run: IncidentRun, service: str, minutes: float):
        """The owner of ``service`` repairs it, slower outside their working hours (followed as
        the clock turns). An owner who is this incident's debugger, or who is debugging,
        commanding or fixing another incident, does it between their other work: the minutes are
        taken out of that work (an interruption), never done twice at once."""
        slow = self.scn.behaviour.off_hours_slowdown
        eng, reading = yield from self._bring_owner(run, service)
        if reading:
            yield self.env.timeout(reading)
        if eng is None:
            yield self.env.timeout(minutes)
        elif eng is run.debugger or self.hard_busy(eng, run) or eng.id in self.fixing:
            wall = eng.work_done(self.env.now, minutes, slow)
            run.interrupt(eng, wall, f"fix {service}", "owner", refocus=False)
            yield self.env.timeout(wall)
        else:
            self.fixing[eng.id] = run
            try:
                yield self.env.timeout(eng.work_done(self.env.now, minutes, slow))
            finally:
                self._release(self.fixing, eng.id)
        run.fixed.add(service)
        run.log(Kind.FIXED, service=service)

    def _fix_other_root(self, run: IncidentRun, service: str):
        yield from self._own_fix(run, service, run.spec.fix)
        run.recovered.add(service)
        run.log(Kind.RECOVERED, service=service)
        self._maybe_mitigated(run)

    def _service_fixed(self, run: IncidentRun, service: str) -> None:
        run.fixed.add(service)
        run.log(Kind.FIXED, service=service)
        run.recovered.add(service)
        run.log(Kind.RECOVERED, service=service)
        self._maybe_mitigated(run)

    def _maybe_mitigated(self, run: IncidentRun) -> None:
        if run.mitigated:
            return
        facing = {s for s in run.affected if s in self.customer_facing}
        if facing <= run.recovered and set(run.spec.roots) <= run.fixed:
            run.mitigated = True
            run.log(Kind.MITIGATED)

    def _await_recovery(self, run: IncidentRun):
        by_service = {s.service: s for s in run.spec.spread}
        waits = []
        for svc in sorted(run.affected - run.recovered):
            sp = by_service.get(svc)
            if sp is not None and sp.damage_fix > 0:
                waits.append(self.env.process(self._repair_damage(run, sp)))
            else:
                waits.append(self.env.process(self._recover(run, svc, sp.recovery if sp else 0.0)))
        if waits:
            yield self.env.all_of(waits)
        self._maybe_mitigated(run)

    def _repair_damage(self, run: IncidentRun, sp):
        """A dependent the cascade left broken needs its own owner's fix, not just time."""
        yield from self._own_fix(run, sp.service, sp.damage_fix)
        yield from self._recover(run, sp.service, 0.0)

    def _recover(self, run: IncidentRun, service: str, minutes: float):
        yield self.env.timeout(minutes)
        run.recovered.add(service)
        run.log(Kind.RECOVERED, service=service)
        self._maybe_mitigated(run)

    def _cascade(self, run: IncidentRun):
        """Spread the failure to dependents until the roots are fixed."""
        pending = sorted(run.spec.spread, key=lambda s: s.delay)
        hit_at = {svc: self.env.now for svc in run.spec.roots}
        queue = list(pending)
        while queue:
            # the next spread whose upstream has been hit, by absolute time
            ready = [(hit_at[s.via] + s.delay, i, s) for i, s in enumerate(queue) if s.via in hit_at]
            if not ready:
                return
            when, i, sp = min(ready)
            queue.pop(i)
            if when > self.env.now:
                yield self.env.timeout(when - self.env.now)
            if set(run.spec.roots) <= run.fixed:
                return
            hit_at[sp.service] = self.env.now
            run.affected.add(sp.service)
            run.log(Kind.AFFECTED, service=sp.service, via=sp.via,
                    customer_facing=sp.service in self.customer_facing)
            self.env.process(self._owner_joins(run, sp.service))
            self._check_escalation(run)

    def _triage(self, run: IncidentRun):
        """A short call of at most ``max_people`` for the containment decisions, then async."""
        triage = self.strategy.spec.triage
        assert triage is not None
        if run.ic is not None:  # with no IC free, the call starts without one
            yield run.ic_ready
        run.open_room("triage", limit=triage.max_people, invite=False)
        person = self.with_role(run, "security")
        sec = [person] if person is not None and person is not run.debugger else []
        joins = [self.env.process(self.pull_in(run, e, "stakeholder"))
                 for e in sec if len(run.present) < triage.max_people]
        if joins:
            yield self.env.all_of(joins)
        containment = [d for d in run.spec.decisions if d.containment]
        end = self.env.now + sample(triage.duration, run._rng("triage"))
        for d in containment:
            yield from self._decide(run, d, limit=triage.max_people)
        if self.env.now < end:
            yield self.env.timeout(end - self.env.now)
        run.close_room()
        for e in sec:
            if run.engaged.get(e.id) == "stakeholder":
                run.leave(e.id)

    def _decide(self, run: IncidentRun, need: DecisionNeed, limit: int | None = None):
        """Reach every stakeholder (in the room at once, in the channel by round-trips), then deliberate.

        In a room, someone busy debugging, commanding or fixing elsewhere is asked in the
        channel instead of being pulled away.
        """
        if need.containment and run.contained:
            return
        b = self.scn.behaviour
        t0 = self.env.now
        people: list[Engineer] = []
        for who in need.stakeholders:
            for e in self.stakeholder(run, who):
                if e not in people:
                    people.append(e)
        run.log(Kind.DECISION_REQUESTED, name=need.name, stakeholders=[e.id for e in people])
        reason = f"decision: {need.name}"
        if run.room_open:
            missing = [e for e in people if e.id not in run.present]
            if limit is not None:
                missing = missing[: max(0, limit - len(run.present))]
            joins = [self.env.process(self._join_or_ask(run, e, "stakeholder", reason)) for e in missing]
            if joins:
                yield self.env.all_of(joins)
            yield self.env.timeout(need.deliberation)
            for e in missing:
                if run.engaged.get(e.id) == "stakeholder":
                    self.env.process(self._linger(run, e, "stakeholder"))
            medium = "room"
        else:
            others = [e for e in people if run.debugger is None or e.id != run.debugger.id]
            for _ in range(b.channel_rounds):
                asks = [self.env.process(self.ask(run, e, reason, "stakeholder")) for e in others]
                if asks:
                    yield self.env.all_of(asks)
            yield self.env.timeout(need.deliberation)
            medium = "channel"
        if need.containment:
            run.contained = True
        run.log(Kind.DECISION, name=need.name, medium=medium, wait_min=self.env.now - t0,
                containment=need.containment)

    def _diagnose(self, run: IncidentRun):
        """Diagnosis work, stopping at each point where another team's expert is needed."""
        spec = run.spec
        done = 0.0
        credit = 0.0
        for frac, team in zip(spec.consults, spec.consult_teams):
            target = frac * spec.diagnosis
            yield from self._work(run, max(0.0, target - done - credit))
            credit = max(0.0, credit - (target - done))
            done = target
            credit += yield from self._consult(run, team)
        yield from self._work(run, max(0.0, spec.diagnosis - done - credit))

    def _consult(self, run: IncidentRun, team: str):
        """Ask ``team``'s expert; returns the work the debugger got done while waiting
        (``behaviour.progress_while_waiting`` of the wait, the same rule in a room and a channel).

        In a room the expert is pulled in and answers there; an expert busy debugging,
        commanding or fixing elsewhere is asked in the channel instead, like everyone under a
        channel protocol.
        """
        b = self.scn.behaviour
        expert = self.responder_for(run, team)
        if expert is None or expert is run.debugger:
            return 0.0
        dbg = run.debugger
        assert dbg is not None
        t0 = self.env.now
        rate = run.rate()
        if run.room_open and not self.hard_busy(expert, run):
            run.log(Kind.QUESTION, dbg.id, to=expert.id, medium="room", topic="consult")
            if expert.id not in run.present:
                came = yield from self.pull_in(run, expert, "expert")
            else:
                run.join(expert, "expert")
                came = True
            if came:
                answer = run.draw(b.room_answer, "room_answer", expert)
                yield self.env.timeout(answer)
                run.log(Kind.ANSWER, expert.id, to=dbg.id, medium="room", wait_min=self.env.now - t0)
                if run.engaged.get(expert.id) == "expert":
                    self.env.process(self._linger(run, expert, "expert"))
                return b.progress_while_waiting * (self.env.now - t0) * rate
        run.log(Kind.QUESTION, dbg.id, to=expert.id, medium="channel", topic="consult")
        yield from self.ask(run, expert, "consult", "expert")
        run.log(Kind.ANSWER, expert.id, to=dbg.id, medium="channel", wait_min=self.env.now - t0)
        return b.progress_while_waiting * (self.env.now - t0) * rate

    def _work(self, run: IncidentRun, amount: float):
        """The debugger works ``amount`` minutes at their current speed, paying every interruption
        queued for them first (including those that came while they waited)."""
        remaining = amount * run.work_factor
        applied = run.work_factor
        env = self.env
        while True:
            run.answering = True  # questions wait while the debugger is already answering one
            while run.pending:
                yield env.timeout(run.pending.pop(0))
            run.answering = False
            if run.work_factor != applied or run.extra_work:  # changed from outside (drills)
                remaining = remaining * run.work_factor / applied + run.extra_work
                applied, run.extra_work = run.work_factor, 0.0
            if remaining <= 1e-9:
                return
            rate = run.rate()
            run.rate_changed = env.event()
            start = env.now
            step = remaining / rate
            if run.debugger is not None:  # their speed changes when their working day starts or ends
                step = min(step, max(run.debugger.next_change(start) - start, 1e-6))
            yield env.timeout(step) | run.rate_changed
            remaining -= (env.now - start) * rate

    def _command(self, run: IncidentRun):
        """The IC: joins, posts the structured updates on cadence, fields "any updates?"."""
        proto = self.strategy.spec
        b = self.scn.behaviour
        ic = run.ic
        if ic is None and self.roster.ic_pool:
            # whoever becomes the IC must not be the one person who could debug it: wait to know who debugs
            yield run.debugger_ready | run.resolved
        while ic is None and self.roster.ic_pool and not run.resolved.triggered:
            # everyone on the rota is busy: the incident waits for the first to come free
            yield self.freed | run.resolved
            if run.resolved.triggered:
                break
            ic = self.pick_ic(exclude={run.debugger.id} if run.debugger is not None else ())
            if ic is not None:
                run.ic = ic
                self.commanding[ic.id] = run
                run.log(Kind.PAGED, ic.id, role="ic", team=ic.team)
        if ic is None:
            run.ic_ready.succeed()
            return
        yield self.env.timeout(self.ack_delay(run, ic, "ic_ack"))
        if run.resolved.triggered:
            run.ic_ready.succeed()
            if self.commanding.get(ic.id) is run:
                self._release(self.commanding, ic.id)
            return
        run.join(ic, "ic")
        run.ic_ready.succeed()
        watchers = self._watchers(run)
        if self._update_request_rate() > 0:
            self.env.process(self._update_requests(run, ic))
        while True:
            # a plain timeout, not "timeout | resolved": the loop just ends one tick late
            yield self.env.timeout(proto.update_cadence_min)
            if run.resolved.triggered:
                break
            write = run.draw(b.write_update, "write_update", ic)
            run.log(Kind.UPDATE, ic.id, channel="incident", status="mitigated" if run.mitigated else "investigating",
                    impact=sorted(s for s in run.affected if s in self.customer_facing),
                    next_steps=run.phase, eta_min=None,
                    write_min=write)
            if proto.executive_channel:
                run.log(Kind.UPDATE, ic.id, channel="executive",
                        status="mitigated" if run.mitigated else "investigating",
                        write_min=run.draw(b.write_exec_update, "write_exec_update", ic))
            for w in watchers:
                if w.working(self.env.now) and w.id not in run.engaged:
                    # read when they choose to: no refocus (essay: "without interrupting")
                    run.interrupt(w, run.draw(b.read_update, "read_update", w), "read update", "watcher",
                                  refocus=False)

    def _watchers(self, run: IncidentRun) -> list[Engineer]:
        n = self.strategy.spec.channel_watchers
        if n == 0:
            return []
        if self._by_id is None:  # sorted once per world, not per incident: the org can be large
            self._by_id = sorted(self.roster.engineers.values(), key=lambda e: e.id)
        pool = [e for e in self._by_id if run.debugger is None or e.id != run.debugger.id]
        if run.ic is not None:
            pool = [e for e in pool if e.id != run.ic.id]
        idx = run.rng_watchers.choice(len(pool), size=min(n, len(pool)), replace=False)
        return [pool[i] for i in sorted(idx)]

    def _update_request_rate(self) -> float:
        b = self.scn.behaviour
        rate = b.update_requests_per_hour
        if self.strategy.spec.executive_channel:
            rate *= b.update_requests_factor_with_exec_channel
        return rate

    def _update_requests(self, run: IncidentRun, ic: Engineer):
        b = self.scn.behaviour
        rate = self._update_request_rate()
        while True:
            yield self.env.timeout(run.rng_leadership.exponential(60.0 / rate))
            if run.resolved.triggered:
                return
            run.log(Kind.QUESTION, "leadership", to=ic.id, medium="room" if run.room_open else "channel",
                    topic="any updates?")
            run.interrupt(ic, run.draw(b.interruption.answer, "answer", ic), "any updates?", "ic")

    def _room_questions(self, run: IncidentRun):
        """Spectators in a room put questions to the debugger (memoryless, so redrawn on change)."""
        q = self.scn.behaviour.spectator_questions_per_hour
        if q <= 0:
            return
        while not run.resolved.triggered:
            n = len(run.spectators()) if run.room_open else 0
            if n == 0 or run.debugger is None or run.debugger.id not in run.present:
                yield run.room_changed | run.resolved
                continue
            gap = run.rng_questions.exponential(60.0 / (q * n))
            changed = run.room_changed
            fired = yield self.env.timeout(gap) | changed | run.resolved
            if run.resolved.triggered or changed in fired:
                continue
            specs = run.spectators()
            if not specs or run.answering or run.pending:
                continue
            asker = specs[int(run.rng_questions.integers(len(specs)))]
            run.log(Kind.QUESTION, asker, to=run.debugger.id, medium="room", topic="question")
            run.interrupt(run.debugger, run.draw(self.scn.behaviour.room_answer, "room_answer", run.debugger),
                          "spectator question", "debugger")


def simulate(scenario: Scenario, protocol: str, streams: Streams, incidents: list[IncidentSpec],
             horizon: float) -> World:
    """Run one replication of ``protocol`` over ``incidents`` to completion."""
    world = World(scenario, protocol, streams, incidents, horizon)
    world.run()
    return world


MECHANISMS = (
    Mechanism(
        "per-service-failures", "entry",
        "With failures per service, each service fails on its own at {incidents.arrivals.rate_per_week} "
        "a week (times the hour-of-week profile) while it is up and stays down until its incident "
        "is resolved; its n-th failure takes its category, flags and work from streams keyed by "
        "(service, n), so what is paired across protocols is a service's n-th failure, which can "
        "arrive at a different time under each protocol because it waits for the previous one's "
        "resolution.",
        "incsim.model.world:World._service_failures",
        ("incidents.arrivals.rate_per_week", "incidents.arrivals.per_service", "incidents.arrivals.profile"),
        assumption="A service fails independently of the others and cannot fail again while down.",
        when="incidents.arrivals.per_service",
    ),
    Mechanism(
        "debugger", "people",
        "A member of the owning team of the first root service debugs: its on-call, or, when every "
        "on-call place is taken, a colleague at work if the rota allows a backup (else the incident "
        "waits for a place), or a free teammate when the on-call is busy elsewhere; the debugger is "
        "never the incident's IC and never someone debugging, commanding or fixing another incident, "
        "so a person debugs one incident at a time.",
        "incsim.model.world:World._acquire_debugger",
        ("org.teams.*.oncall.per_shift", "org.teams.*.oncall.shift_days", "org.teams.*.oncall.backup"),
        assumption="One person debugs each incident; others help only by answering, owning or fixing.",
    ),
    Mechanism(
        "incident-commander", "people",
        "An IC is the first free person on the IC rota (at work first), never the owning team's "
        "on-call; when everyone on the rota is debugging, commanding or fixing, the incident waits "
        "for one. The IC only coordinates: they never debug, consult or fix.",
        "incsim.model.world:World.pick_ic",
        ("org.teams.*.roles",),
    ),
    Mechanism(
        "one-attention", "people",
        "A person is part of one incident at a time, except that a debugger or IC can be asked "
        "about another: joining an incident, they leave any other they were merely part of; "
        "someone debugging, commanding or fixing elsewhere is never paged away but asked in the "
        "channel, and their reading and answering delay their own work (minutes divided, not "
        "duplicated).",
        "incsim.model.world:World.pull_in",
        assumption="A person is in one place at a time; questions from elsewhere queue for them.",
    ),
    Mechanism(
        "acknowledge", "people",
        "The debugger and the IC acknowledge their page after {behaviour.page_ack} min at work or "
        "{behaviour.page_ack_off_hours} min off hours; anyone else paged joins after "
        "{behaviour.join_delay} min at work or {behaviour.page_ack_off_hours} min off hours.",
        "incsim.model.world:World.pull_in",
        ("behaviour.page_ack", "behaviour.page_ack_off_hours", "behaviour.join_delay"),
    ),
    Mechanism(
        "diagnose-and-fix", "work",
        "The debugger works through diagnosis, the incident's decisions and the fix at speed 1, "
        "{behaviour.off_hours_slowdown}x slower while outside their working hours (read minute by "
        "minute), paying every interruption queued for them before going on.",
        "incsim.model.world:World._work",
        ("behaviour.off_hours_slowdown",),
    ),
    Mechanism(
        "consult", "work",
        "Where the diagnosis needs another team's expert, the debugger waits for the answer and "
        "gets {behaviour.progress_while_waiting} of the wait done meanwhile, in a room and in a "
        "channel alike; in a room the expert is pulled in and answers in {behaviour.room_answer} min.",
        "incsim.model.world:World._consult",
        ("behaviour.progress_while_waiting", "behaviour.room_answer"),
    ),
    Mechanism(
        "owners-fix", "work",
        "Other root services and damaged dependents are fixed by their owning team's responder, "
        "who reads the thread first when there is no room; an owner busy elsewhere does it between "
        "their other work.",
        "incsim.model.world:World._own_fix",
        ("behaviour.read_thread",),
    ),
    Mechanism(
        "narration", "room",
        "In a room the debugger narrates: their speed is divided by 1 + "
        "{behaviour.narration.per_listener} per listener, at most {behaviour.narration.max_slowdown}x "
        "slower.",
        "incsim.model.world:IncidentRun.rate",
        ("behaviour.narration.per_listener", "behaviour.narration.max_slowdown"),
        ("war-room", "hybrid"),
        assumption="Spectators add no diagnostic progress.",
    ),
    Mechanism(
        "invitations", "room",
        "A room invites, closest teams to the failure first, by the rule '{protocol.room.invite.rule}' "
        "(size {protocol.room.invite.size}), skipping anyone already in another incident; an invited "
        "spectator stays to the end with probability {protocol.room.stay_probability}, else leaves "
        "after {protocol.room.leave_after} min.",
        "incsim.model.world:World.invitees",
        ("protocol.room.invite.rule", "protocol.room.invite.size", "protocol.room.invite.include_off_hours",
         "protocol.room.stay_probability", "protocol.room.leave_after"),
        ("war-room", "hybrid"),
    ),
    Mechanism(
        "spectator-questions", "room",
        "Each spectator puts {behaviour.spectator_questions_per_hour} questions an hour to the "
        "debugger, each answered in {behaviour.room_answer} min out of the debugger's work.",
        "incsim.model.world:World._room_questions",
        ("behaviour.spectator_questions_per_hour", "behaviour.room_answer"),
        ("war-room", "hybrid"),
    ),
    Mechanism(
        "late-joiners", "room",
        "Someone joining a room more than {behaviour.late_joiner_after} min after it opened is "
        "briefed by the debugger for {behaviour.brief_late_joiner} min.",
        "incsim.model.world:IncidentRun._enter_room",
        ("behaviour.late_joiner_after", "behaviour.brief_late_joiner"),
        ("war-room", "hybrid"),
    ),
    Mechanism(
        "channel-questions", "channel",
        "A channel message waits for its recipient: {behaviour.reply_latency.engaged} min if they "
        "are in the incident, {behaviour.reply_latency.working} min at work, "
        "{behaviour.reply_latency.off_hours} min off hours; someone new to the incident reads the "
        "thread once ({behaviour.read_thread} min) and answers in {behaviour.interruption.answer} min.",
        "incsim.model.world:World.ask",
        ("behaviour.reply_latency.engaged", "behaviour.reply_latency.working",
         "behaviour.reply_latency.off_hours", "behaviour.read_thread", "behaviour.interruption.answer"),
    ),
    Mechanism(
        "decisions", "work",
        "A decision waits for every stakeholder: in a room those missing are pulled in (or asked in "
        "the channel if busy elsewhere); in a channel it takes {behaviour.channel_rounds} message "
        "round-trips; then it is deliberated.",
        "incsim.model.world:World._decide",
        ("behaviour.channel_rounds", "incidents.categories.*.decisions", "incidents.flags.*.decisions"),
    ),
    Mechanism(
        "updates", "channel",
        "The IC posts a structured update every {protocol.update_cadence_min} min (writing it takes "
        "{behaviour.write_update} min), {protocol.channel_watchers} people follow the channel and read "
        "each update ({behaviour.read_update} min, no refocus), and leadership asks \"any updates?\" "
        "{behaviour.update_requests_per_hour} times an hour (x{behaviour.update_requests_factor_with_exec_channel} "
        "with an executive channel: {protocol.executive_channel}).",
        "incsim.model.world:World._command",
        ("protocol.update_cadence_min", "protocol.channel_watchers", "protocol.executive_channel",
         "behaviour.write_update", "behaviour.read_update", "behaviour.update_requests_per_hour",
         "behaviour.update_requests_factor_with_exec_channel"),
    ),
    Mechanism(
        "refocus", "cost",
        "Leaving an incident that pulled them off work costs a person {behaviour.refocus} min to "
        "regain focus (cut at the end of their working day, and not charged when they leave for "
        "another incident); an interruption at work costs {behaviour.interruption.refocus} min.",
        "incsim.model.world:IncidentRun.leave",
        ("behaviour.refocus", "behaviour.interruption.refocus"),
    ),
    Mechanism(
        "resolution", "work",
        "The incident is mitigated when its roots are fixed and every affected customer-facing "
        "service has recovered, and resolved when every affected service has; then the room closes "
        "and everyone leaves.",
        "incsim.model.world:World._respond",
        ("incidents.categories.*.recovery", "org.services.*.customer_facing"),
    ),
)
