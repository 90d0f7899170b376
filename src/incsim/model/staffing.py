"""Staffing: who is free, who is paged, invited, picked as IC or asked, so that each person is in
one place at a time. Who holds whose attention is ``attention.py``; joining and leaving
``participation.py``; the incident lifecycle ``lifecycle.py``."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import TYPE_CHECKING

import simpy

from incsim.model.attention import Attention
from incsim.model.context import Context
from incsim.model.events import Answer, Busy, Interrupted, Paged
from incsim.model.live_incident import LiveIncident
from incsim.model.mechanisms import Mechanism, declare
from incsim.model.people import Engineer
from incsim.model.streams import sample
from incsim.model.waiting import FirstOf, Proc

if TYPE_CHECKING:  # the parts it calls are built and passed in by the world (world.py)
    from incsim.model.participation import Participation


class Staffing:
    """Who takes part in an incident, and when."""

    def __init__(self, context: Context, attention: Attention, participation: Participation) -> None:
        self.env = context.env
        self.scn = context.scn
        self.strategy = context.strategy
        self.roster = context.roster
        self.emit = context.emit
        self.attention = attention
        self.participation = participation
        scenario = context.scn
        # each team's on-call places: an incident's debugger holds one while debugging
        self.pools: dict[str, simpy.Resource] = {
            t.name: simpy.Resource(self.env, capacity=t.oncall.per_shift)
            for t in scenario.org.teams
            if t.oncall is not None
        }
        # the services next to each (both ways along the dependencies), to rank teams by distance
        self.neighbours: dict[str, set[str]] = {s.name: set() for s in scenario.org.services}
        for svc in scenario.org.services:
            for dep in svc.depends_on:
                self.neighbours[svc.name].add(dep)
                self.neighbours.setdefault(dep, set()).add(svc.name)

    def ack_delay(self, incident: LiveIncident, eng: Engineer, source: str) -> float:
        """How long ``eng`` takes to acknowledge a page now (own stream per page, so every
        protocol gives the debugger and the IC of an incident the same draw)."""
        beh = self.scn.behaviour
        working = eng.working(self.env.now)
        return incident.draw(beh.page_ack if working else beh.page_ack_off_hours, source)

    def reply_latency(self, incident: LiveIncident, eng: Engineer) -> float:
        """How long ``eng`` takes to see a channel message, by what they are doing now: engaged,
        at work or off hours."""
        lat = self.scn.behaviour.reply_latency
        if eng.id in incident.engaged:
            dist = lat.engaged
        elif eng.working(self.env.now):
            dist = lat.working
        else:
            dist = lat.off_hours
        return incident.draw(dist, "reply_latency", eng)

    def _reply_state(self, incident: LiveIncident, eng: Engineer) -> tuple[bool, bool]:
        return eng.id in incident.engaged, eng.working(self.env.now)

    def _reply_wait(self, incident: LiveIncident, eng: Engineer) -> Proc[None]:
        """Wait until ``eng`` sees a channel message. The latency is the one of their state at the
        moment they answer: when it changes first (they arrive in the incident, their working day
        starts or ends), a latency is drawn for the new state and the earlier reply is kept."""
        env = self.env
        due = env.now + self.reply_latency(incident, eng)
        state = self._reply_state(incident, eng)
        while env.now < due - 1e-9:
            waits: list[simpy.Event] = [env.timeout(due - env.now)]
            change = eng.next_change(env.now)
            if change < due:
                waits.append(env.timeout(change - env.now))
            arriving = incident.coming.get(eng.id)
            if arriving is not None:
                waits.append(arriving)
            yield FirstOf(env, *waits)
            now_state = self._reply_state(incident, eng)
            if now_state != state:
                state = now_state
                due = min(due, env.now + self.reply_latency(incident, eng))

    def ask(
        self, incident: LiveIncident, eng: Engineer, reason: str, role: str, asker: str = ""
    ) -> Proc[None]:
        """A channel question to ``eng`` from ``asker``: they see it after their reply latency, read
        the thread (once per incident, unless already in it) and answer (an ``answer`` event);
        returns when the answer is in. Reading and answering are charged to them (and delay their
        own debugging, if any).

        Someone off hours and part of no incident is woken for it: paged in (their wake-up's
        delay and minutes as any night page's; ``behaviour.off_hours_questions`` "page"), or
        answers once their working day has started ("wait"). Callers let the woken go when their
        part is done (``release_woken``)."""
        beh = self.scn.behaviour
        t0 = self.env.now
        for _ in range(2):  # asleep when asked, or when the reply comes (their day ended meanwhile)
            if self._asleep_for(incident, eng):
                if beh.off_hours_questions == "page":
                    came = yield from self.pull_in(incident, eng, role)
                    if came:
                        incident.woken.add(eng.id)
                else:
                    yield self.env.timeout(max(0.0, eng.next_change(self.env.now) - self.env.now))
                if incident.resolved.triggered:
                    return
            yield from self._reply_wait(incident, eng)
            if incident.resolved.triggered:
                return
            if not self._asleep_for(incident, eng):
                break
        reading = self.participation.reading_cost(incident, eng)
        answer = incident.draw(beh.interruption.answer, "answer", eng)
        if eng.id not in incident.engaged:
            self.participation.interrupt(incident, eng, reading + answer, reason, role)
        yield self.env.timeout(reading + answer)
        if not incident.resolved.triggered:
            self.emit(incident, Answer, eng.id, to=asker, medium="channel", wait_min=self.env.now - t0)

    def _asleep_for(self, incident: LiveIncident, eng: Engineer) -> bool:
        """Whether ``eng`` is off hours and part of no incident (nor on the way to ``incident``)."""
        return (
            eng.id not in incident.engaged
            and eng.id not in incident.coming
            and not eng.working(self.env.now)
            and not self.attention.hard_busy(eng, incident)
            and not self.attention.engaged_elsewhere(eng, incident)
        )

    def release_woken(self, incident: LiveIncident, people: Iterable[Engineer]) -> None:
        """Those of ``people`` woken for a channel question, their part done, leave the incident."""
        for eng in people:
            if eng.id in incident.woken and incident.engaged.get(eng.id) in ("stakeholder", "expert"):
                incident.woken.discard(eng.id)
                self.participation.leave(incident, eng.id)

    def pull_in(self, incident: LiveIncident, eng: Engineer, role: str) -> Proc[bool]:
        """Page ``eng`` into the incident; they join after their acknowledgement delay.

        Returns whether they came: someone debugging, commanding or fixing another incident by
        then does not (a ``busy`` event), and a would-be spectator already in another incident
        stays there.
        """
        if eng.id in incident.engaged:
            self.participation.join(incident, eng, role)
            return True
        on_the_way = incident.coming.get(eng.id)
        if on_the_way is not None:
            # paged already (for another role or need): one page; they take this part on arrival
            yield on_the_way
            if eng.id in incident.engaged and not incident.resolved.triggered:
                self.participation.join(incident, eng, role)
                return True
            return False
        if self.attention.hard_busy(eng, incident) or (
            role == "spectator" and self.attention.engaged_elsewhere(eng, incident)
        ):
            self.emit(incident, Busy, eng.id, role=role, elsewhere=self.attention.elsewhere(eng, incident))
            return False
        self.emit(incident, Paged, eng.id, role=role, team=eng.team)
        page = incident.coming[eng.id] = self.env.event()
        try:
            if eng.working(self.env.now):
                delay = incident.draw(self.scn.behaviour.join_delay, "join_delay", eng)
            else:
                delay = incident.draw(self.scn.behaviour.page_ack_off_hours, "off_hours_ack", eng)
            yield self.env.timeout(delay)
            if incident.resolved.triggered:
                return False
            if self.attention.hard_busy(eng, incident) or (
                role == "spectator" and self.attention.engaged_elsewhere(eng, incident)
            ):
                if (
                    role == "spectator"
                    and incident.room_open
                    and self.strategy.spec.room.busy_invitees != "skip"
                ):
                    # busy by the time they could join: under "last" and "when_free" they come when free
                    self.answered(incident, eng.id, page)
                    came = yield from self.come_when_free(incident, eng)
                    return came
                self.emit(
                    incident, Busy, eng.id, role=role, elsewhere=self.attention.elsewhere(eng, incident)
                )
                return False
            self.participation.join(incident, eng, role)
            if role == "spectator":
                self.env.process(self.linger(incident, eng, "spectator"))
            return True
        finally:
            self.answered(incident, eng.id, page)

    @staticmethod
    def answered(incident: LiveIncident, eng_id: str, page: simpy.Event) -> None:
        """``eng_id``'s ``page`` to ``incident`` is answered (they came, or will not): whoever waits
        for them to arrive looks again."""
        if incident.coming.get(eng_id) is page:
            del incident.coming[eng_id]
        if not page.triggered:
            page.succeed()

    def join_or_ask(self, incident: LiveIncident, eng: Engineer, role: str, reason: str) -> Proc[bool]:
        """Bring ``eng`` into the room, or, if they are busy elsewhere, ask them in the channel."""
        came = False
        if not self.attention.hard_busy(eng, incident):
            came = yield from self.pull_in(incident, eng, role)
        if not came and not incident.resolved.triggered:
            yield from self.ask(
                incident, eng, reason, role, asker=incident.ic.id if incident.ic is not None else ""
            )
        return came

    def come_when_free(self, incident: LiveIncident, eng: Engineer) -> Proc[bool]:
        """An invitee part of another incident comes to ``incident``'s room once they are part of no
        other (paged then, joining after the usual delay), if the room that invited them is still
        open; never before, and never to a later room. Returns whether they came."""
        self.emit(
            incident,
            Busy,
            eng.id,
            role="spectator",
            elsewhere=self.attention.elsewhere(eng, incident),
            waits=True,
        )
        room = incident.awaited[eng.id] = incident.rooms_opened
        try:
            while not self.attention.free_for(eng, incident):
                if self.attention.vacated is None:  # made only when someone waits: no cost otherwise
                    self.attention.vacated = self.env.event()
                # freed | vacated | resolved, nested as SimPy nests it
                yield FirstOf(
                    self.env,
                    FirstOf(self.env, self.attention.freed, self.attention.vacated),
                    incident.resolved,
                )
                if (
                    incident.resolved.triggered
                    or incident.awaited.get(eng.id) != room
                    or eng.id in incident.engaged
                ):
                    return False  # over, or the room that invited them closed (its invitations lapse)
        finally:
            if incident.awaited.get(eng.id) == room:
                del incident.awaited[eng.id]
        came = yield from self.pull_in(incident, eng, "spectator")
        return came

    def invitees(self, incident: LiveIncident) -> list[tuple[Engineer, bool]]:
        """Who a room invites beyond those already engaged, by the protocol's rule, each with
        whether they are part of another incident (then they come when free, if invited at all:
        ``room.busy_invitees``)."""
        room = self.strategy.spec.room
        busy_rule = room.busy_invitees
        now = self.env.now
        if incident.room_limit is not None:
            size = incident.room_limit
        elif room.invite.rule == "fixed-size":
            size = max(1, int(round(sample(room.invite.size, incident.stream("invite_size")))))
        else:
            size = 10**6
        owner_team = self.roster.owner_of[incident.spec.roots[0]]
        have = (
            set(incident.engaged)
            | set(incident.awaited)
            | set(incident.coming)
            | {e.id for e in (incident.debugger, incident.ic) if e is not None}
        )
        if incident.debugger is None:  # the owner's on-call is on the way as debugger, not as a spectator
            have |= {e.id for e in self.roster.oncall(owner_team, now)[:1]}
        teams = self._teams_by_distance(incident.affected)  # closest to the failure first
        oncalls = [e for t in teams for e in self.roster.oncall(t, now)]
        # read only as far as the room fills (the org can be large); a team's leads are its first members
        order: Iterable[Engineer] = oncalls
        if room.invite.rule in ("fixed-size", "oncalls-and-leads"):
            leads = (e for t in teams for e in self.roster.by_team[t][: self.roster.teams[t].leads])
            order = chain(order, leads)
        if room.invite.rule == "fixed-size":
            order = chain(order, (e for t in teams for e in self.roster.by_team[t]))
        out: list[tuple[Engineer, bool]] = []
        later: list[tuple[Engineer, bool]] = []  # "last": the busy, after everyone free
        seen: set[str] = set()
        for eng in order:
            if len(have) + len(out) >= size:
                break
            if eng.id in have or eng.id in seen:
                continue
            seen.add(eng.id)
            busy = not self.attention.free_for(eng, incident)
            if busy and busy_rule == "skip":
                continue  # busy in another incident: not pulled away to watch this one
            is_oncall = eng in oncalls
            if not eng.working(now) and not is_oncall and not room.invite.include_off_hours:
                continue
            (later if busy and busy_rule == "last" else out).append((eng, busy))
        return out + later[: max(0, size - len(have) - len(out))]

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

    def linger(self, incident: LiveIncident, eng: Engineer, role: str) -> Proc[None]:
        """Someone in a room with nothing (more) to do stays "in case", or leaves after a while."""
        room = self.strategy.spec.room
        rng = incident.stream("linger", eng)
        if rng.random() < room.stay_probability:
            return
        yield self.env.timeout(sample(room.leave_after, rng))
        while incident.deciding.get(eng.id) and not incident.resolved.triggered:
            # a decision that needs them is open: they stay until it is taken
            yield FirstOf(self.env, incident.decided, incident.resolved)
        if incident.engaged.get(eng.id) == role and not incident.resolved.triggered:
            self.participation.leave(incident, eng.id)

    def pick_ic(self, exclude: Iterable[str] = frozenset()) -> Engineer | None:
        """The first free person on the IC rota, at work if the rota allows (follow the sun);
        None when everyone on it is busy (the incident waits for one; nobody doubles up)."""
        exclude = set(exclude)
        now = self.env.now
        first_free = None
        for e in self.roster.ic_candidates(now):
            if self.attention.hard_busy(e) or e.id in exclude:
                continue
            if e.working(now):
                return e
            if first_free is None:
                first_free = e
        return first_free

    def responder_for(self, incident: LiveIncident, team: str) -> Engineer | None:
        """Who ``team`` sends to an incident: its on-call, else a colleague at work, else, when
        the team has nobody else on hand (its on-call is this incident's IC, off hours), a
        colleague off hours, paged and woken: a team's work is done by the team.

        Never this incident's IC (the IC coordinates and does nothing else). Someone part of no
        other incident first, then someone merely watching or helping elsewhere, and only then
        someone debugging, commanding or fixing elsewhere (whom callers may only ask in the
        channel, so their minutes are divided, never doubled).
        """
        now = self.env.now
        if incident.debugger is not None and incident.debugger.team == team:
            return incident.debugger
        oncall = self.roster.oncall(team, now)
        ic = incident.ic.id if incident.ic is not None else None
        others = (e for e in self.roster.by_team[team] if e not in oncall and e.working(now))
        found = self._first_free(incident, (e for e in chain(oncall, others) if e.id != ic))
        if found is None:
            found = self._first_free(incident, (e for e in self.roster.by_team[team] if e.id != ic))
        return found

    def with_role(self, incident: LiveIncident, role: str) -> Engineer | None:
        """The person who takes ``role`` (security, leadership, ...) in this incident: someone
        already in it, else a free person (at work first), else someone busy elsewhere."""
        now = self.env.now
        ic = incident.ic.id if incident.ic is not None else None
        people = self.roster.engineers
        if any(i != ic and i in people and role in people[i].duties for i in incident.engaged):
            # someone in it has the role: the first of them in the role's order
            return next(
                e for e in self.roster.with_role(role, now) if e.id != ic and e.id in incident.engaged
            )
        return self._first_free(
            incident, (e for e in self.roster.with_role(role, now) if e.id != ic), at_work=now
        )

    def _first_free(
        self, incident: LiveIncident, people: Iterable[Engineer], at_work: float | None = None
    ) -> Engineer | None:
        """The first of ``people`` free for ``incident`` (with ``at_work``, a time, the first free and at
        work then, before any free one off hours); failing that, the first not busy debugging,
        commanding or fixing elsewhere; then the first of all (None if there is nobody). One
        pass, read only as far as needed: a team or a role can hold many people."""
        free = not_held = first = None
        for e in people:
            if self.attention.free_for(e, incident):
                if at_work is None or e.working(at_work):
                    return e
                if free is None:
                    free = e
            elif not_held is None and not self.attention.hard_busy(e, incident):
                not_held = e
            if first is None:
                first = e
        return next((pick for pick in (free, not_held, first) if pick is not None), None)

    def stakeholder(self, incident: LiveIncident, who: str) -> list[Engineer]:
        """The people a named stakeholder stands for in this incident."""
        if who == "service-owner":
            return [incident.debugger] if incident.debugger else []
        if who == "ic":
            return [incident.ic] if incident.ic else []
        if who == "affected-owners":
            teams = sorted({self.roster.owner_of[s] for s in incident.affected})
            found = [self.responder_for(incident, t) for t in teams]
            return [e for e in found if e is not None]
        person = self.with_role(incident, who)
        return [person] if person is not None else []

    def acquire_debugger(
        self, incident: LiveIncident, team: str
    ) -> Proc[tuple[Engineer, simpy.resources.resource.Request | None]]:
        """Get ``team``'s on-call (or a backup at work, when the rota allows) to debug: never
        someone debugging, commanding or fixing another incident, nor this incident's IC; when
        the whole team is, wait until someone is free."""
        pool = self.pools[team]
        oncall_spec = self.roster.teams[team].oncall
        now = self.env.now

        def usable(e: Engineer) -> bool:
            return not self.attention.hard_busy(e) and (incident.ic is None or e.id != incident.ic.id)

        if pool.count >= pool.capacity and oncall_spec is not None and oncall_spec.backup:
            backup = next((e for e in self.roster.by_team[team] if usable(e) and e.working(now)), None)
            if backup is not None:
                return backup, None
        req = pool.request()
        yield req
        while True:
            everyone = chain(self.roster.oncall(team, self.env.now), self.roster.by_team[team])
            # the first usable one free of other incidents, else the first usable one
            first_usable = None
            for e in everyone:
                if usable(e):
                    if self.attention.free_for(e, incident):
                        return e, req
                    if first_usable is None:
                        first_usable = e
            if first_usable is not None:
                return first_usable, req
            yield self.attention.freed

    def bring_owner(self, incident: LiveIncident, service: str) -> Proc[tuple[Engineer | None, float]]:
        """Page the owning team of ``service`` into the incident; returns who came (or was asked)
        and the minutes they spend reading the thread before they can act."""
        triage = self.strategy.spec.triage
        if (
            incident.triage_pending
            and triage is not None
            and len(set(incident.engaged) | set(incident.coming)) >= triage.max_people
        ):
            # the triage call's places are taken (IC, security and the debugger first): the other
            # owners are paged once containment is decided and the work goes async
            yield FirstOf(self.env, incident.triage_over, incident.resolved)
        eng = self.responder_for(incident, self.roster.owner_of[service])
        if eng is None or eng is incident.debugger:  # the debugger joins on their own
            return eng, 0.0
        first_time = eng.id not in incident.engaged
        came = yield from self.pull_in(incident, eng, "owner")
        reading = 0.0
        if came and first_time and not incident.room_open and eng.id in incident.engaged:
            # catching up on the thread is part of their time in the incident, and it comes
            # before their fix
            reading = self.participation.reading_cost(incident, eng)
            self.emit(
                incident,
                Interrupted,
                eng.id,
                answer_min=reading,
                refocus_min=0.0,
                reason="read the thread",
                role=incident.engaged[eng.id],
                engaged=True,
            )
        return eng, reading

    def owner_joins(self, incident: LiveIncident, service: str) -> Proc[None]:
        """Page the owning team of ``service`` into the incident (``bring_owner``), as a process of its own."""
        yield from self.bring_owner(incident, service)

    def bring_helper(self, incident: LiveIncident, team: str) -> Proc[None]:
        """Page a teammate of the debugger, at work and free, to debug beside them; their speed is
        added to the debugger's once they are there (``LiveIncident.rate``). Nobody free: none."""
        now = self.env.now
        taken = (
            {e.id for e in (incident.debugger, incident.ic) if e is not None}
            | set(incident.helpers)
            | set(incident.coming)
        )
        helper = next(
            (
                e
                for e in self.roster.by_team[team]
                if e.id not in taken and e.working(now) and self.attention.free_for(e, incident)
            ),
            None,
        )
        if helper is None:
            return
        incident.helpers.append(helper.id)
        came = yield from self.pull_in(incident, helper, "expert")
        if came:
            incident.wake_work()

    def watchers(self, incident: LiveIncident) -> list[Engineer]:
        """The people who follow ``incident``'s channel and read each update (``channel_watchers``
        of them, drawn once per incident from everyone but its debugger and IC)."""
        n = self.strategy.spec.channel_watchers
        if n == 0:
            return []
        by_id, place = self.roster.by_id, self.roster.place
        # the pool is everyone but the debugger and the IC, by id; it is not built (the org can be
        # large): the k-th of the pool is the k-th of everyone with their places stepped over
        skip = sorted({place[p.id] for p in (incident.debugger, incident.ic) if p is not None})
        size = len(by_id) - len(skip)
        idx = incident.stream("watchers").choice(size, size=min(n, size), replace=False)
        out = []
        for k in sorted(idx):
            for skipped in skip:
                if k >= skipped:
                    k += 1
            out.append(by_id[k])
        return out


MECHANISMS = declare(
    __name__,
    Mechanism(
        "debugger",
        "people",
        "A member of the owning team of the first root service debugs: its on-call, or, when every "
        "on-call place is taken, a colleague at work if the rota allows a backup (else the incident "
        "waits for a place), or a free teammate when the on-call is busy elsewhere; the debugger is "
        "never the incident's IC and never someone debugging, commanding or fixing another incident, "
        "so a person debugs one incident at a time. With {behaviour.debuggers} debuggers, teammates "
        "at work and free are paged in beside them, each adding {behaviour.extra_debugger_speed} of "
        "a person's speed once there.",
        "incsim.model.staffing:Staffing.acquire_debugger",
        (
            "org.teams.*.oncall.per_shift",
            "org.teams.*.oncall.shift_days",
            "org.teams.*.oncall.backup",
            "behaviour.debuggers",
            "behaviour.extra_debugger_speed",
        ),
        assumption="One person debugs each incident unless behaviour.debuggers says more; others help only by answering, owning or fixing.",
    ),
    Mechanism(
        "incident-commander",
        "people",
        "An IC is the first free person on the IC rota (at work first), never the owning team's "
        "on-call; when everyone on the rota is debugging, commanding or fixing, the incident waits "
        "for one. The IC only coordinates: they never debug, consult or fix.",
        "incsim.model.staffing:Staffing.pick_ic",
        ("org.teams.*.duties",),
    ),
    Mechanism(
        "one-attention",
        "people",
        "A person is part of one incident at a time, except that a debugger or IC can be asked "
        "about another: joining an incident, they leave any other they were merely part of; "
        "someone debugging, commanding or fixing elsewhere is never paged away but asked in the "
        "channel, and their reading and answering delay their own work (minutes divided, not "
        "duplicated).",
        "incsim.model.staffing:Staffing.pull_in",
        assumption="A person is in one place at a time; questions from elsewhere queue for them.",
    ),
    Mechanism(
        "acknowledge",
        "people",
        "The debugger and the IC acknowledge their page after {behaviour.page_ack} min at work or "
        "{behaviour.page_ack_off_hours} min off hours; anyone else paged joins after "
        "{behaviour.join_delay} min at work or {behaviour.page_ack_off_hours} min off hours. A "
        "person is paged once per incident: someone already part of it or on the way (paged as "
        "IC, debugger or spectator, say) is not paged again, and takes any further part on arrival.",
        "incsim.model.staffing:Staffing.pull_in",
        ("behaviour.page_ack", "behaviour.page_ack_off_hours", "behaviour.join_delay"),
    ),
    Mechanism(
        "invitations",
        "room",
        "A room invites, closest teams to the failure first, by the rule '{protocol.room.invite.rule}' "
        "(size {protocol.room.invite.size}); someone already in another incident is, by the setting "
        "'{protocol.room.busy_invitees}', skipped (skip), invited after everyone free (last) or in "
        "their place (when_free), and an invited one comes only once part of no other incident, "
        "paged then, if the room is still open; an invited spectator stays to the end with "
        "probability {protocol.room.stay_probability}, else leaves after {protocol.room.leave_after} min.",
        "incsim.model.staffing:Staffing.invitees",
        (
            "protocol.room.invite.rule",
            "protocol.room.invite.size",
            "protocol.room.invite.include_off_hours",
            "protocol.room.busy_invitees",
            "protocol.room.stay_probability",
            "protocol.room.leave_after",
        ),
        ("war-room", "hybrid"),
    ),
    Mechanism(
        "channel-questions",
        "channel",
        "A channel message waits for its recipient: {behaviour.reply_latency.engaged} min if they "
        "are in the incident, {behaviour.reply_latency.working} min at work, "
        "{behaviour.reply_latency.off_hours} min off hours, by their state when they answer (drawn "
        "again when they arrive or their day starts or ends first); someone new to the incident "
        "reads the thread once ({behaviour.read_thread} min) and answers in "
        "{behaviour.interruption.answer} min, and every answer is logged. Every night minute is "
        "paid: someone off hours and in no incident is, by the rule '{behaviour.off_hours_questions}', "
        "paged and woken for the question as for any night page, leaving once their part is done "
        "(page), or answers when their working day starts (wait), in a channel as in a room.",
        "incsim.model.staffing:Staffing.ask",
        (
            "behaviour.reply_latency.engaged",
            "behaviour.reply_latency.working",
            "behaviour.reply_latency.off_hours",
            "behaviour.read_thread",
            "behaviour.interruption.answer",
            "behaviour.off_hours_questions",
        ),
    ),
)
