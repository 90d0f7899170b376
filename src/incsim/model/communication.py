"""Communication: the incident commander's structured updates and the "any updates?" requests
they field, and the questions spectators in a room put to the debugger. The world mixes this in;
who is paged or picked is ``staffing.py``, joining, leaving and interruptions ``participation.py``."""

from __future__ import annotations

from incsim.model.events import Paged, Question, Update
from incsim.model.incident_run import IncidentRun
from incsim.model.mechanisms import Mechanism
from incsim.model.people import Engineer
from incsim.model.waiting import FirstOf


class Communication:
    """Who tells whom what, and what it costs them (a part of ``World``: it uses the world's state)."""

    def _command(self, run: IncidentRun):
        """The IC: joins, posts the structured updates on cadence, fields "any updates?"."""
        proto = self.strategy.spec
        beh = self.scn.behaviour
        ic = run.ic
        if ic is None and self.roster.ic_pool:
            # whoever becomes the IC must not be the one person who could debug it: wait to know who debugs
            yield FirstOf(self.env, run.debugger_ready, run.resolved)
        while ic is None and self.roster.ic_pool and not run.resolved.triggered:
            # everyone on the rota is busy: the incident waits for the first to come free
            yield FirstOf(self.env, self.freed, run.resolved)
            if run.resolved.triggered:
                break
            ic = self.pick_ic(exclude={run.debugger.id})  # known: the wait above was for the debugger
            if ic is not None:
                run.ic = ic
                self.commanding[ic.id] = run
                self.emit(run, Paged, ic.id, role="ic", team=ic.team)
        if ic is None:
            run.ic_ready.succeed()
            return
        if "ic" in self.held:  # a drill's player (players.py): they join when they acknowledge
            holder = yield from self.player_page(run, ic, "ic")
            if holder is ic:
                run.ic_ready.succeed()
                if self._update_request_rate() > 0:
                    self.env.process(self._update_requests(run, ic))
                return  # the player posts the updates
            ic = holder
        yield self.env.timeout(self.ack_delay(run, ic, "ic_ack"))
        if run.resolved.triggered:  # the resolution released the IC already
            run.ic_ready.succeed()
            return
        self.join(run, ic, "ic")
        run.ic_ready.succeed()
        if self._update_request_rate() > 0:
            self.env.process(self._update_requests(run, ic))
        yield from self.ic_duties(run, ic)

    def ic_duties(self, run: IncidentRun, ic: Engineer):
        """The IC ``ic`` posts the structured updates on cadence until the incident is resolved
        (or someone else commands it: a drill's handover, ``players.py``)."""
        proto = self.strategy.spec
        beh = self.scn.behaviour
        watchers = self._watchers(run)
        while True:
            # a plain timeout, not "timeout | resolved": the loop just ends one tick late
            yield self.env.timeout(proto.update_cadence_min)
            if run.resolved.triggered or run.ic is not ic:
                break
            write = run.draw(beh.write_update, "write_update", ic)
            self.emit(run, Update, ic.id, channel="incident", status="mitigated" if run.mitigated else "investigating",
                           impact=tuple(sorted(s for s in run.affected if s in self.customer_facing)),
                           next_steps=run.phase,
                           write_min=write)
            if proto.executive_channel:
                self.emit(run, Update, ic.id, channel="executive",
                               status="mitigated" if run.mitigated else "investigating",
                               write_min=run.draw(beh.write_exec_update, "write_exec_update", ic))
            for w in watchers:
                if w.working(self.env.now) and w.id not in run.engaged:
                    # read when they choose to: no refocus (essay: "without interrupting")
                    self.interrupt(run, w, run.draw(beh.read_update, "read_update", w), "read update", "watcher",
                                        refocus=False)

    def _update_request_rate(self) -> float:
        beh = self.scn.behaviour
        rate = beh.update_requests_per_hour
        if self.strategy.spec.executive_channel:
            rate *= beh.update_requests_factor_with_exec_channel
        return rate

    def _update_requests(self, run: IncidentRun, ic: Engineer):
        beh = self.scn.behaviour
        rate = self._update_request_rate()
        while True:
            yield self.env.timeout(run.stream("leadership").exponential(60.0 / rate))
            if run.resolved.triggered:
                return
            ic = run.ic or ic  # whoever commands now (a drill's IC may hand over)
            self.emit(run, Question, "leadership", to=ic.id, medium="room" if run.room_open else "channel",
                           topic="any updates?")
            self.interrupt(run, ic, run.draw(beh.interruption.answer, "answer", ic), "any updates?", "ic")

    def _room_questions(self, run: IncidentRun):
        """Spectators in a room put questions to the debugger (memoryless, so redrawn on change)."""
        q = self.scn.behaviour.spectator_questions_per_hour
        if q <= 0:
            return
        while not run.resolved.triggered:
            n = len(run.spectators())  # none with no room: a closed room has nobody present
            if n == 0 or run.debugger is None or run.debugger.id not in run.present:
                yield FirstOf(self.env, run.room_changed, run.resolved)
                continue
            gap = run.stream("questions").exponential(60.0 / (q * n))
            changed = run.room_changed
            fired = yield self.env.timeout(gap) | changed | run.resolved
            if run.resolved.triggered or changed in fired:
                continue
            specs = run.spectators()
            if not specs or run.paying_interruptions or run.interruptions_due:
                continue
            asker = specs[int(run.stream("questions").integers(len(specs)))]
            self.emit(run, Question, asker, to=run.debugger.id, medium="room", topic="question")
            self.interrupt(run, run.debugger, run.draw(self.scn.behaviour.room_answer, "room_answer", run.debugger),
                                "spectator question", "debugger")


MECHANISMS = (
    Mechanism(
        "spectator-questions", "room",
        "Each spectator puts {behaviour.spectator_questions_per_hour} questions an hour to the "
        "debugger, each answered in {behaviour.room_answer} min out of the debugger's work.",
        "incsim.model.communication:Communication._room_questions",
        ("behaviour.spectator_questions_per_hour", "behaviour.room_answer"),
        ("war-room", "hybrid"),
    ),
    Mechanism(
        "updates", "channel",
        "The IC posts a structured update every {protocol.update_cadence_min} min (writing it takes "
        "{behaviour.write_update} min), {protocol.channel_watchers} people follow the channel and read "
        "each update ({behaviour.read_update} min, no refocus), and leadership asks \"any updates?\" "
        "{behaviour.update_requests_per_hour} times an hour (x{behaviour.update_requests_factor_with_exec_channel} "
        "with an executive channel: {protocol.executive_channel}).",
        "incsim.model.communication:Communication._command",
        ("protocol.update_cadence_min", "protocol.channel_watchers", "protocol.executive_channel",
         "behaviour.write_update", "behaviour.read_update", "behaviour.update_requests_per_hour",
         "behaviour.update_requests_factor_with_exec_channel"),
    ),
)
