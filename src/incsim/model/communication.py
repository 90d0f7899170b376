"""Communication: the incident commander's structured updates and the "any updates?" requests
they field, and the played IC handing command over. Who is paged or picked is ``staffing.py``,
joining, leaving and interruptions ``participation.py``, spectators' questions ``rooms.py``."""

from __future__ import annotations

from typing import TYPE_CHECKING

from incsim.model.attention import Attention
from incsim.model.context import Context
from incsim.model.events import Joined, Paged, Question, Update
from incsim.model.live_incident import LiveIncident
from incsim.model.mechanisms import Mechanism, declare
from incsim.model.people import Engineer
from incsim.model.waiting import FirstOf, Proc
from incsim.scenario.schema import Behaviour, Protocol

if TYPE_CHECKING:  # the parts it calls are built and passed in by the world (world.py)
    from incsim.model.escalation import Escalation
    from incsim.model.participation import Participation
    from incsim.model.players import Players
    from incsim.model.staffing import Staffing


def update_request_rate(behaviour: Behaviour, protocol: Protocol) -> float:
    """ "Any updates?" requests per hour an incident's IC fields under ``protocol``: fewer with an
    executive channel, where leadership reads the simplified updates instead of asking."""
    rate = behaviour.update_requests_per_hour
    if protocol.executive_channel:
        rate *= behaviour.update_requests_factor_with_exec_channel
    return rate


class Communication:
    """Who tells whom what, and what it costs them."""

    def __init__(
        self,
        context: Context,
        attention: Attention,
        participation: Participation,
        staffing: Staffing,
        players: Players,
        escalation: Escalation,
    ) -> None:
        self.env = context.env
        self.scn = context.scn
        self.strategy = context.strategy
        self.roster = context.roster
        self.customer_facing = context.customer_facing
        self.emit = context.emit
        self.attention = attention
        self.participation = participation
        self.staffing = staffing
        self.players = players
        self.escalation = escalation

    def command(self, incident: LiveIncident) -> Proc[None]:
        """The IC: joins, posts the structured updates on cadence, fields "any updates?"."""
        ic = incident.ic
        if ic is None and self.roster.ic_pool:
            # whoever becomes the IC must not be the one person who could debug it: wait to know who debugs
            yield FirstOf(self.env, incident.debugger_ready, incident.resolved)
        while ic is None and self.roster.ic_pool and not incident.resolved.triggered:
            # everyone on the rota is busy: the incident waits for the first to come free
            yield FirstOf(self.env, self.attention.freed, incident.resolved)
            if incident.resolved.triggered:
                break
            debugger = incident.debugger
            assert debugger is not None  # known: the wait above was for the debugger
            ic = self.staffing.pick_ic(exclude={debugger.id})
            if ic is not None:
                incident.ic = ic
                self.attention.commanding[ic.id] = incident
                self.emit(incident, Paged, ic.id, role="ic", team=ic.team)
                incident.coming[ic.id] = incident.ic_ready
        if ic is None:
            incident.ic_ready.succeed()
            return
        if "ic" in self.players.held:  # a drill's player (players.py): they join when they acknowledge
            holder = yield from self.players.player_page(incident, ic, "ic")
            if holder is ic:
                self.staffing.answered(incident, ic.id, incident.ic_ready)
                if self._update_request_rate() > 0:
                    self.env.process(self._update_requests(incident, ic))
                return  # the player posts the updates
            if incident.coming.get(ic.id) is incident.ic_ready:  # the page went on to the secondary
                del incident.coming[ic.id]
                incident.coming[holder.id] = incident.ic_ready
            ic = holder
        yield self.env.timeout(self.staffing.ack_delay(incident, ic, "ic_ack"))
        if incident.resolved.triggered:  # the resolution released the IC already
            self.staffing.answered(incident, ic.id, incident.ic_ready)
            return
        self.participation.join(incident, ic, "ic")
        self.staffing.answered(incident, ic.id, incident.ic_ready)
        self.escalation.check(incident)  # the IC, now there, may call for a room by the rules
        if self._update_request_rate() > 0:
            self.env.process(self._update_requests(incident, ic))
        yield from self.ic_duties(incident, ic)

    def ic_duties(self, incident: LiveIncident, ic: Engineer) -> Proc[None]:
        """The IC ``ic`` posts the structured updates on cadence until the incident is resolved
        (or someone else commands it: a drill's handover, ``players.py``)."""
        proto = self.strategy.spec
        beh = self.scn.behaviour
        watchers = self.staffing.watchers(incident)
        due = self.env.now + proto.update_cadence_min
        while True:
            # a plain timeout, not "timeout | resolved": the loop just ends one tick late
            yield self.env.timeout(max(0.0, due - self.env.now))
            if incident.resolved.triggered or incident.ic is not ic:
                break
            # the IC starts writing on the cadence, or once free of what came before (an answer,
            # a deliberation), at their speed of the hour, and posts when it is written: the gaps
            # vary as their work does; the next one is due a cadence after this one was begun
            start = max(self.env.now, incident.ic_free_at)
            due = start + proto.update_cadence_min
            write = incident.draw(beh.write_update, "write_update", ic)
            posted = self.ic_work(incident, ic, write)
            if posted > self.env.now:
                yield self.env.timeout(posted - self.env.now)
            if incident.resolved.triggered:
                break
            self.emit(
                incident,
                Update,
                ic.id,
                channel="incident",
                status="mitigated" if incident.mitigated else "investigating",
                impact=tuple(sorted(s for s in incident.affected if s in self.customer_facing)),
                next_steps=incident.phase,
                eta_min=self.eta(incident),
                write_min=write,
            )
            if proto.executive_channel:
                write_exec = incident.draw(beh.write_executive_update, "write_executive_update", ic)
                posted = self.ic_work(incident, ic, write_exec)
                if posted > self.env.now:
                    yield self.env.timeout(posted - self.env.now)
                if incident.resolved.triggered:
                    break
                self.emit(
                    incident,
                    Update,
                    ic.id,
                    channel="executive",
                    status="mitigated" if incident.mitigated else "investigating",
                    write_min=write_exec,
                )
            for w in watchers:
                if w.working(self.env.now) and w.id not in incident.engaged:
                    # read when they choose to: no refocus (essay: "without interrupting")
                    self.participation.interrupt(
                        incident,
                        w,
                        incident.draw(beh.read_update, "read_update", w),
                        "read update",
                        "watcher",
                        refocus=False,
                    )

    def ic_work(self, incident: LiveIncident, ic: Engineer, minutes: float, slow: bool = True) -> float:
        """Queue ``minutes`` of the IC's own work (writing, answering, deliberating) after what
        they already have, at their speed of the hour (with ``slow``; a deliberation's talking
        time is the same at any hour); returns the minute it is done."""
        start = max(self.env.now, incident.ic_free_at)
        incident.ic_free_at = start + (
            ic.work_done(start, minutes, self.scn.behaviour.off_hours_slowdown) if slow else minutes
        )
        return incident.ic_free_at

    def eta(self, incident: LiveIncident) -> float | None:
        """The update's ETA, in minutes from now: unknown (None) while diagnosing; once the
        cause is known, the work left at full speed (the decisions' deliberations and the fix)
        plus the slowest recovery still to come."""
        if incident.phase in ("diagnose", "contain"):
            return None
        spec = incident.spec
        left = (
            incident.stretch_left
            if incident.phase == "fix"
            else spec.fix + sum(d.deliberation for d in spec.decisions if not d.containment)
        )
        recovery = max(
            (s.recovery for s in spec.spread if s.service in incident.affected - incident.recovered),
            default=0.0,
        )
        return round(left + recovery, 1) if incident.phase != "recover" else round(recovery, 1)

    def _update_request_rate(self) -> float:
        return update_request_rate(self.scn.behaviour, self.strategy.spec)

    def _update_requests(self, incident: LiveIncident, ic: Engineer) -> Proc[None]:
        beh = self.scn.behaviour
        rate = self._update_request_rate()
        while True:
            yield self.env.timeout(incident.stream("leadership").exponential(60.0 / rate))
            if incident.resolved.triggered:
                return
            ic = incident.ic or ic  # whoever commands now (a drill's IC may hand over)
            self.emit(
                incident,
                Question,
                "leadership",
                to=ic.id,
                medium="room" if incident.room_open else "channel",
                topic="any updates?",
            )
            answer = incident.draw(beh.interruption.answer, "answer", ic)
            self.participation.interrupt(incident, ic, answer, "any updates?", "ic")
            self.ic_work(incident, ic, answer)  # the IC's coordination waits while they answer

    def hand_over(self, incident: LiveIncident, to: Engineer) -> None:
        """The played IC (``players.py``) hands command to ``to`` now, whom the model plays from then on: ``to``
        joins as the IC (a ``Joined`` record, ``change`` true when already in the incident), the
        former IC stays as a stakeholder (a ``Joined`` record with ``change`` true: the role
        change), and the model's IC duties (updates on cadence) start with ``to``."""
        why = self.players.hand_over_refused(incident, to)
        if why:
            raise ValueError(why)
        old = incident.ic
        assert old is not None  # hand_over_refused: an IC who has taken command
        self.attention.release(self.attention.commanding, old.id)
        incident.ic = to
        self.attention.commanding[to.id] = incident
        incident.engaged[old.id] = "stakeholder"
        self.emit(incident, Joined, old.id, role="stakeholder", change=True)
        self.participation.join(incident, to, "ic")
        self.players.let_go("ic")
        self.env.process(self.ic_duties(incident, to))


MECHANISMS = declare(
    __name__,
    Mechanism(
        "updates",
        "channel",
        "The IC begins a structured update every {protocol.update_cadence_min} min, or once free of "
        "what they are doing, and posts it when written (it takes {behaviour.write_update} min of "
        "their time, slower off hours, so the gaps vary), with an ETA once the cause is known (the work left at "
        "full speed and the slowest recovery to come; unknown while diagnosing); "
        "{protocol.channel_watchers} people follow the channel and read "
        'each update ({behaviour.read_update} min, no refocus), and leadership asks "any updates?" '
        "{behaviour.update_requests_per_hour} times an hour (x{behaviour.update_requests_factor_with_exec_channel} "
        "with an executive channel: {protocol.executive_channel}), each answer taking the IC's time. "
        "The IC's decisions and escalations wait until they are free of that work.",
        "incsim.model.communication:Communication.command",
        (
            "protocol.update_cadence_min",
            "protocol.channel_watchers",
            "protocol.executive_channel",
            "behaviour.write_update",
            "behaviour.read_update",
            "behaviour.update_requests_per_hour",
            "behaviour.update_requests_factor_with_exec_channel",
        ),
    ),
)
