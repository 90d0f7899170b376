"""The simulated world: one replication of one protocol over a list of incidents.

Pure: no files, no printing, no wall clock. Everything it does is an ``Event`` in ``log``.
It can be stepped (``run(until=...)``, ``run_until(predicate)``) and accepts incidents and
escalations injected from outside, which is what drills are built on.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import simpy

from incsim.model.events import Event, Kind, Log
from incsim.model.incidents import DecisionNeed, IncidentSpec, arrival_rate, draw_incident, draw_kind
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
        self.slow_factor = 1.0
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
    def _rng(self, source: str):
        gen = self._rngs.get(source)
        if gen is None:
            gen = self._rngs[source] = self.world.streams.get(source, self.spec.key)
        return gen

    rng_people = property(lambda self: self._rng("people"))
    rng_questions = property(lambda self: self._rng("questions"))
    rng_leadership = property(lambda self: self._rng("leadership"))
    rng_watchers = property(lambda self: self._rng("watchers"))
    rng_latency = property(lambda self: self._rng("latency"))
    rng_overhead = property(lambda self: self._rng("overhead"))

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
        """The debugger's speed: 1 alone and rested; slower narrating or at 3 AM."""
        n = self.world.scn.behaviour.narration
        narration = min(1.0 + n.per_listener * self.audience(), n.max_slowdown) if self.room_open else 1.0
        return 1.0 / (narration * self.slow_factor)

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
        self.engaged[eng.id] = role
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
            brief = sample_or_zero(self.world.scn.behaviour.brief_late_joiner, self.rng_overhead)
            self.log(Kind.INTERRUPTED, self.debugger.id, answer_min=brief, refocus_min=0.0,
                     reason="brief late joiner", role="debugger", engaged=True, by=eng.id)
            self.pending.append(brief)
        self._room_changed()

    def leave(self, eng_id: str) -> None:
        """``eng_id`` leaves the incident; a refocus is charged if it pulled them off work."""
        if eng_id not in self.engaged:
            return
        eng = self.world.roster.engineers[eng_id]
        now = self.world.env.now
        role = self.engaged.pop(eng_id)
        refocus = 0.0
        if self.joined_at_work.pop(eng_id, False) and eng.working(now):
            refocus = min(sample_or_zero(self.world.scn.behaviour.refocus, self.rng_overhead),
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
        return sample_or_zero(self.world.scn.behaviour.read_thread, self.rng_overhead)

    def interrupt(self, eng: Engineer, answer: float, reason: str, role: str, refocus: bool = True) -> None:
        """Charge ``eng`` an interruption: ``answer`` minutes plus a short refocus if at work."""
        now = self.world.env.now
        r = 0.0
        if refocus and eng.working(now):
            r = min(sample_or_zero(self.world.scn.behaviour.interruption.refocus, self.rng_overhead),
                    eng.minutes_left_at_work(now + answer))
        self.log(Kind.INTERRUPTED, eng.id, answer_min=answer, refocus_min=r, reason=reason, role=role,
                 engaged=eng.id in self.engaged)
        if self.debugger is not None and eng.id == self.debugger.id:
            self.pending.append(answer + r)
            self.poke()

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
        self.debugging: set[str] = set()
        self.commanding: set[str] = set()
        self.pools: dict[str, simpy.Resource] = {
            t.name: simpy.Resource(self.env, capacity=t.oncall.per_shift)
            for t in scenario.org.teams if t.oncall is not None
        }
        self.runs: dict[int, IncidentRun] = {}
        self._next_id = 0
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
    def ack_delay(self, run: IncidentRun, eng: Engineer, source: str) -> float:
        """How long ``eng`` takes to acknowledge a page now (own stream per page, so every
        protocol gives the debugger and the IC of an incident the same draw)."""
        b = self.scn.behaviour
        working = eng.working(self.env.now)
        return sample_or_zero(b.page_ack if working else b.page_ack_off_hours, run._rng(source))

    def reply_latency(self, run: IncidentRun, eng: Engineer) -> float:
        lat = self.scn.behaviour.reply_latency
        if eng.id in run.engaged:
            return sample_or_zero(lat.engaged, run.rng_latency)
        if eng.working(self.env.now):
            return sample_or_zero(lat.working, run.rng_latency)
        return sample_or_zero(lat.off_hours, run.rng_latency)

    def pull_in(self, run: IncidentRun, eng: Engineer, role: str):
        """Page ``eng`` into the incident; they join after their acknowledgement delay."""
        if eng.id in run.engaged:
            run.join(eng, role)
            return
        run.log(Kind.PAGED, eng.id, role=role, team=eng.team)
        if eng.working(self.env.now):
            delay = sample_or_zero(self.scn.behaviour.join_delay, run.rng_latency)
        else:
            delay = sample_or_zero(self.scn.behaviour.page_ack_off_hours, run.rng_latency)
        yield self.env.timeout(delay)
        if run.resolved.triggered:
            return
        run.join(eng, role)
        if role == "spectator":
            self.env.process(self._linger(run, eng, "spectator"))

    def invitees(self, run: IncidentRun) -> list[Engineer]:
        """Who a room invites beyond those already engaged, by the protocol's rule."""
        room = self.strategy.spec.room
        now = self.env.now
        if run.room_limit is not None:
            size = run.room_limit
        elif room.invite.rule == "fixed-size":
            size = max(1, int(round(sample(room.invite.size, run.rng_people))))
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
        if run.rng_people.random() < room.stay_probability:
            return
        yield self.env.timeout(sample(room.leave_after, run.rng_people))
        if run.engaged.get(eng.id) == role and not run.resolved.triggered:
            run.leave(eng.id)

    def pick_ic(self, exclude: set[str] = frozenset()) -> Engineer | None:
        """The first free person on the IC rota (the IC never debugs, so not the owner's on-call)."""
        free = [e for e in self.roster.ic_candidates(self.env.now)
                if e.id not in self.commanding and e.id not in self.debugging and e.id not in exclude]
        at_work = [e for e in free if e.working(self.env.now)]  # follow the sun when the rota allows
        if at_work or free:
            return (at_work or free)[0]
        # everyone is busy: double up on someone already commanding, but never the debugger
        cands = [e for e in self.roster.ic_candidates(self.env.now) if e.id not in exclude]
        return cands[0] if cands else None

    def responder_for(self, run: IncidentRun, team: str) -> Engineer | None:
        """Who ``team`` sends to an incident: its on-call, else a free colleague at work.

        Never this incident's IC (the IC coordinates and does nothing else), and preferably
        nobody who is debugging or commanding another incident.
        """
        now = self.env.now
        if run.debugger is not None and run.debugger.team == team:
            return run.debugger
        oncall = self.roster.oncall(team, now)
        others = [e for e in self.roster.by_team[team] if e not in oncall and e.working(now)]
        cands = [e for e in oncall + others if run.ic is None or e.id != run.ic.id]
        free = [e for e in cands if e.id not in self.debugging and e.id not in self.commanding]
        pick = (free or cands)[:1]
        return pick[0] if pick else None

    def with_role(self, run: IncidentRun, role: str) -> Engineer | None:
        """The person who takes ``role`` (security, leadership, ...) in this incident."""
        now = self.env.now
        cands = [e for e in self.roster.with_role(role, now) if run.ic is None or e.id != run.ic.id]
        for pool in ([e for e in cands if e.id in run.engaged],
                     [e for e in cands if e.working(now) and e.id not in self.debugging],
                     [e for e in cands if e.id not in self.debugging], cands):
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
            self.commanding.add(run.ic.id)
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
        """Get ``team``'s on-call (or a backup at work, when the rota allows) to debug."""
        pool = self.pools[team]
        oncall_spec = self.roster.teams[team].oncall
        now = self.env.now
        req = None
        if pool.count >= pool.capacity and oncall_spec is not None and oncall_spec.backup:
            backups = [e for e in self.roster.by_team[team] if e.id not in self.debugging
                       and e.working(now) and e.id not in self.commanding]
            if backups:
                return backups[0], None
        req = pool.request()
        yield req
        now = self.env.now
        everyone = self.roster.oncall(team, now) + self.roster.by_team[team]
        for ok in (lambda e: e.id not in self.debugging and e.id not in self.commanding,
                   lambda e: e.id not in self.debugging):
            for eng in everyone:
                if ok(eng) and (run.ic is None or eng.id != run.ic.id):
                    return eng, req
        return everyone[0], req  # the whole team is busy: someone takes a second incident

    def _respond(self, run: IncidentRun):
        spec = run.spec
        b = self.scn.behaviour
        team = self.roster.owner_of[spec.roots[0]]
        eng, req = yield from self._acquire_debugger(run, team)
        self.debugging.add(eng.id)
        run.debugger = eng
        run.log(Kind.PAGED, eng.id, role="debugger", team=team)
        if not eng.working(self.env.now):
            run.slow_factor = b.off_hours_slowdown
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
            self.debugging.discard(eng.id)
            if req is not None:
                self.pools[team].release(req)
        run.log(Kind.RESOLVED)
        run.close_room()
        for pid in sorted(run.engaged):
            run.leave(pid)
        run.resolved.succeed()
        if run.ic is not None:
            self.commanding.discard(run.ic.id)

    def _bring_owner(self, run: IncidentRun, service: str):
        """Page the owning team of ``service`` into the incident; returns who came (or None)."""
        eng = self.responder_for(run, self.roster.owner_of[service])
        if eng is None or eng is run.debugger:  # the debugger joins on their own
            return eng
        first_time = eng.id not in run.engaged
        yield from self.pull_in(run, eng, "owner")
        if first_time and not run.room_open and eng.id in run.engaged:
            run.interrupt(eng, sample_or_zero(self.scn.behaviour.read_thread, run.rng_overhead),
                          "read the thread", "owner", refocus=False)
        return eng

    def _owner_joins(self, run: IncidentRun, service: str):
        yield from self._bring_owner(run, service)

    def _own_fix(self, run: IncidentRun, service: str, minutes: float):
        """The owner of ``service`` repairs it (slower at night)."""
        eng = yield from self._bring_owner(run, service)
        working = eng is None or eng.working(self.env.now)
        yield self.env.timeout(minutes * (1.0 if working else self.scn.behaviour.off_hours_slowdown))
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
        yield run.ic_ready
        run.open_room("triage", limit=triage.max_people, invite=False)
        person = self.with_role(run, "security")
        sec = [person] if person is not None and person is not run.debugger else []
        joins = [self.env.process(self.pull_in(run, e, "stakeholder"))
                 for e in sec if len(run.present) < triage.max_people]
        if joins:
            yield self.env.all_of(joins)
        containment = [d for d in run.spec.decisions if d.containment]
        end = self.env.now + sample(triage.duration, run.rng_latency)
        for d in containment:
            yield from self._decide(run, d, limit=triage.max_people)
        if self.env.now < end:
            yield self.env.timeout(end - self.env.now)
        run.close_room()
        for e in sec:
            if run.engaged.get(e.id) == "stakeholder":
                run.leave(e.id)

    def _decide(self, run: IncidentRun, need: DecisionNeed, limit: int | None = None):
        """Reach every stakeholder (in the room at once, in the channel by round-trips), then deliberate."""
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
        if run.room_open:
            missing = [e for e in people if e.id not in run.present]
            if limit is not None:
                missing = missing[: max(0, limit - len(run.present))]
            joins = [self.env.process(self.pull_in(run, e, "stakeholder")) for e in missing]
            if joins:
                yield self.env.all_of(joins)
            yield self.env.timeout(need.deliberation)
            for e in missing:
                if run.engaged.get(e.id) == "stakeholder":
                    self.env.process(self._linger(run, e, "stakeholder"))
            medium = "room"
        else:
            others = [e for e in people if run.debugger is None or e.id != run.debugger.id]
            for rnd in range(b.channel_rounds):
                reading = {e.id: run.reading_cost(e) for e in others}
                waits = [self.reply_latency(run, e) + reading[e.id] for e in others]
                if waits:
                    yield self.env.timeout(max(waits))
                for e in others:
                    if e.id not in run.engaged:
                        answer = sample_or_zero(b.interruption.answer, run.rng_overhead)
                        run.interrupt(e, reading[e.id] + answer, f"decision: {need.name}", "stakeholder")
            yield self.env.timeout(need.deliberation)
            run.pending.clear()  # questions that came in meanwhile were answered while waiting
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
        """Ask ``team``'s on-call; returns the work the debugger got done while waiting."""
        b = self.scn.behaviour
        expert = self.responder_for(run, team)
        if expert is None or expert is run.debugger:
            return 0.0
        dbg = run.debugger
        assert dbg is not None
        t0 = self.env.now
        if run.room_open:
            run.log(Kind.QUESTION, dbg.id, to=expert.id, medium="room", topic="consult")
            if expert.id not in run.present:
                yield from self.pull_in(run, expert, "expert")
            else:
                run.join(expert, "expert")
            answer = sample_or_zero(b.room_answer, run.rng_overhead)
            yield self.env.timeout(answer)
            run.log(Kind.ANSWER, expert.id, to=dbg.id, medium="room", wait_min=self.env.now - t0)
            if run.engaged.get(expert.id) == "expert":
                self.env.process(self._linger(run, expert, "expert"))
            return 0.0
        run.log(Kind.QUESTION, dbg.id, to=expert.id, medium="channel", topic="consult")
        reading = run.reading_cost(expert)
        wait = self.reply_latency(run, expert) + reading
        yield self.env.timeout(wait)
        run.pending.clear()
        run.interrupt(expert, reading + sample_or_zero(b.interruption.answer, run.rng_overhead), "consult", "expert")
        run.log(Kind.ANSWER, expert.id, to=dbg.id, medium="channel", wait_min=self.env.now - t0)
        return b.progress_while_waiting * wait * run.rate()

    def _work(self, run: IncidentRun, amount: float):
        """The debugger works ``amount`` minutes at their current speed, paying interruptions."""
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
            yield env.timeout(remaining / rate) | run.rate_changed
            remaining -= (env.now - start) * rate

    def _command(self, run: IncidentRun):
        """The IC: joins, posts the structured updates on cadence, fields "any updates?"."""
        proto = self.strategy.spec
        b = self.scn.behaviour
        ic = run.ic
        if ic is None:
            run.ic_ready.succeed()
            return
        yield self.env.timeout(self.ack_delay(run, ic, "ic_ack"))
        if run.resolved.triggered:
            run.ic_ready.succeed()
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
            write = sample_or_zero(b.write_update, run.rng_overhead)
            run.log(Kind.UPDATE, ic.id, channel="incident", status="mitigated" if run.mitigated else "investigating",
                    impact=sorted(s for s in run.affected if s in self.customer_facing),
                    next_steps=run.phase, eta_min=None,
                    write_min=write)
            if proto.executive_channel:
                run.log(Kind.UPDATE, ic.id, channel="executive",
                        status="mitigated" if run.mitigated else "investigating",
                        write_min=sample_or_zero(b.write_exec_update, run.rng_overhead))
            for w in watchers:
                if w.working(self.env.now) and w.id not in run.engaged:
                    # read when they choose to: no refocus (essay: "without interrupting")
                    run.interrupt(w, sample_or_zero(b.read_update, run.rng_overhead), "read update", "watcher",
                                  refocus=False)

    def _watchers(self, run: IncidentRun) -> list[Engineer]:
        n = self.strategy.spec.channel_watchers
        if n == 0:
            return []
        pool = sorted(self.roster.engineers.values(), key=lambda e: e.id)
        pool = [e for e in pool if run.debugger is None or e.id != run.debugger.id]
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
            run.interrupt(ic, sample_or_zero(b.interruption.answer, run.rng_overhead), "any updates?", "ic")

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
            run.interrupt(run.debugger, sample_or_zero(self.scn.behaviour.room_answer, run.rng_overhead),
                          "spectator question", "debugger")


def simulate(scenario: Scenario, protocol: str, streams: Streams, incidents: list[IncidentSpec],
             horizon: float) -> World:
    """Run one replication of ``protocol`` over ``incidents`` to completion."""
    world = World(scenario, protocol, streams, incidents, horizon)
    world.run()
    return world
