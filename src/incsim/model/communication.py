"""Communication: the incident commander's structured updates and the "any updates?" requests
they field, and the questions spectators in a room put to the debugger. The world mixes this in;
who is paged or picked is ``staffing.py``, joining, leaving and interruptions ``participation.py``."""

from __future__ import annotations

from incsim.model.events import Paged, Question, Update
from incsim.model.incident_run import IncidentRun
from incsim.model.mechanisms import Mechanism
from incsim.model.people import Engineer
from incsim.model.waiting import FirstOf


def update_request_rate(behaviour, protocol) -> float:
    """ "Any updates?" requests per hour an incident's IC fields under ``protocol``: fewer with an
    executive channel, where leadership reads the simplified updates instead of asking."""
    rate = behaviour.update_requests_per_hour
    if protocol.executive_channel:
        rate *= behaviour.update_requests_factor_with_exec_channel
    return rate


class Communication:
    """Who tells whom what, and what it costs them (a part of ``World``: it uses the world's state)."""

    def _command(self, run: IncidentRun):
        """The IC: joins, posts the structured updates on cadence, fields "any updates?"."""
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
                run.coming[ic.id] = run.ic_ready
        if ic is None:
            run.ic_ready.succeed()
            return
        if "ic" in self.held:  # a drill's player (players.py): they join when they acknowledge
            holder = yield from self.player_page(run, ic, "ic")
            if holder is ic:
                self.answered(run, ic.id, run.ic_ready)
                if self._update_request_rate() > 0:
                    self.env.process(self._update_requests(run, ic))
                return  # the player posts the updates
            if run.coming.get(ic.id) is run.ic_ready:  # the page went on to the secondary
                del run.coming[ic.id]
                run.coming[holder.id] = run.ic_ready
            ic = holder
        yield self.env.timeout(self.ack_delay(run, ic, "ic_ack"))
        if run.resolved.triggered:  # the resolution released the IC already
            self.answered(run, ic.id, run.ic_ready)
            return
        self.join(run, ic, "ic")
        self.answered(run, ic.id, run.ic_ready)
        self._check_escalation(run)  # the IC, now there, may call for a room by the rules
        if self._update_request_rate() > 0:
            self.env.process(self._update_requests(run, ic))
        yield from self.ic_duties(run, ic)

    def ic_duties(self, run: IncidentRun, ic: Engineer):
        """The IC ``ic`` posts the structured updates on cadence until the incident is resolved
        (or someone else commands it: a drill's handover, ``players.py``)."""
        proto = self.strategy.spec
        beh = self.scn.behaviour
        watchers = self._watchers(run)
        due = self.env.now + proto.update_cadence_min
        while True:
            # a plain timeout, not "timeout | resolved": the loop just ends one tick late
            yield self.env.timeout(max(0.0, due - self.env.now))
            if run.resolved.triggered or run.ic is not ic:
                break
            # the IC starts writing on the cadence, or once free of what came before (an answer,
            # a deliberation), at their speed of the hour, and posts when it is written: the gaps
            # vary as their work does; the next one is due a cadence after this one was begun
            start = max(self.env.now, run.ic_free_at)
            due = start + proto.update_cadence_min
            write = run.draw(beh.write_update, "write_update", ic)
            posted = self.ic_work(run, ic, write)
            if posted > self.env.now:
                yield self.env.timeout(posted - self.env.now)
            if run.resolved.triggered:
                break
            self.emit(
                run,
                Update,
                ic.id,
                channel="incident",
                status="mitigated" if run.mitigated else "investigating",
                impact=tuple(sorted(s for s in run.affected if s in self.customer_facing)),
                next_steps=run.phase,
                eta_min=self.eta(run),
                write_min=write,
            )
            if proto.executive_channel:
                write_exec = run.draw(beh.write_executive_update, "write_executive_update", ic)
                posted = self.ic_work(run, ic, write_exec)
                if posted > self.env.now:
                    yield self.env.timeout(posted - self.env.now)
                if run.resolved.triggered:
                    break
                self.emit(
                    run,
                    Update,
                    ic.id,
                    channel="executive",
                    status="mitigated" if run.mitigated else "investigating",
                    write_min=write_exec,
                )
            for w in watchers:
                if w.working(self.env.now) and w.id not in run.engaged:
                    # read when they choose to: no refocus (essay: "without interrupting")
                    self.interrupt(
                        run,
                        w,
                        run.draw(beh.read_update, "read_update", w),
                        "read update",
                        "watcher",
                        refocus=False,
                    )

    def ic_work(self, run: IncidentRun, ic: Engineer, minutes: float, slow: bool = True) -> float:
        """Queue ``minutes`` of the IC's own work (writing, answering, deliberating) after what
        they already have, at their speed of the hour (with ``slow``; a deliberation's talking
        time is the same at any hour); returns the minute it is done."""
        start = max(self.env.now, run.ic_free_at)
        run.ic_free_at = start + (
            ic.work_done(start, minutes, self.scn.behaviour.off_hours_slowdown) if slow else minutes
        )
        return run.ic_free_at

    def eta(self, run: IncidentRun) -> float | None:
        """The update's ETA, in minutes from now: unknown (None) while diagnosing; once the
        cause is known, the work left at full speed (the decisions' deliberations and the fix)
        plus the slowest recovery still to come."""
        if run.phase in ("diagnose", "contain"):
            return None
        spec = run.spec
        left = (
            run.stretch_left
            if run.phase == "fix"
            else spec.fix + sum(d.deliberation for d in spec.decisions if not d.containment)
        )
        recovery = max(
            (s.recovery for s in spec.spread if s.service in run.affected - run.recovered), default=0.0
        )
        return round(left + recovery, 1) if run.phase != "recover" else round(recovery, 1)

    def _update_request_rate(self) -> float:
        return update_request_rate(self.scn.behaviour, self.strategy.spec)

    def _update_requests(self, run: IncidentRun, ic: Engineer):
        beh = self.scn.behaviour
        rate = self._update_request_rate()
        while True:
            yield self.env.timeout(run.stream("leadership").exponential(60.0 / rate))
            if run.resolved.triggered:
                return
            ic = run.ic or ic  # whoever commands now (a drill's IC may hand over)
            self.emit(
                run,
                Question,
                "leadership",
                to=ic.id,
                medium="room" if run.room_open else "channel",
                topic="any updates?",
            )
            answer = run.draw(beh.interruption.answer, "answer", ic)
            self.interrupt(run, ic, answer, "any updates?", "ic")
            self.ic_work(run, ic, answer)  # the IC's coordination waits while they answer

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
            self.interrupt(
                run,
                run.debugger,
                run.draw(self.scn.behaviour.room_answer, "room_answer", run.debugger),
                "spectator question",
                "debugger",
            )
            beh = self.scn.behaviour
            if (
                beh.spectator_suggestion_helps > 0
                and run.stream("suggestions").random() < beh.spectator_suggestion_helps
            ):
                # a suggestion not already tried: it takes that much off the debugger's work left
                run.change_work(1.0, -run.draw(beh.spectator_suggestion_saves, "suggestion_saves"))


MECHANISMS = (
    Mechanism(
        "spectator-questions",
        "room",
        "Each spectator puts {behaviour.spectator_questions_per_hour} questions an hour to the "
        "debugger, each answered in {behaviour.room_answer} min out of the debugger's work; with "
        "chance {behaviour.spectator_suggestion_helps} a question is a suggestion that saves the "
        "debugger {behaviour.spectator_suggestion_saves} min of the work left.",
        "incsim.model.communication:Communication._room_questions",
        (
            "behaviour.spectator_questions_per_hour",
            "behaviour.room_answer",
            "behaviour.spectator_suggestion_helps",
            "behaviour.spectator_suggestion_saves",
        ),
        ("war-room", "hybrid"),
    ),
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
        "incsim.model.communication:Communication._command",
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
