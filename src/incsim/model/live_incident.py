"""The live state of one incident while the world simulates it: who is engaged and as what, the
room, the queue of questions, the remaining work, and the incident's own random streams.

Plain state with pure helpers: it knows nothing of the world. What changes it as people come
and go (joining, leaving, rooms, interruptions) is the world's, in ``participation.py``."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np
import simpy

from incsim.model.incidents import IncidentSpec
from incsim.model.people import Engineer
from incsim.model.protocols import IncidentView
from incsim.model.streams import Streams, sample
from incsim.scenario.durations import Constant, Duration
from incsim.scenario.schema import Behaviour

ESSENTIAL_ROLES = ("debugger", "ic", "expert", "stakeholder", "owner")
NON_ESSENTIAL_ROLES = ("spectator", "watcher")


TRIAGE_CALL = "triage"
"""The reason a hybrid's triage call opens with: the one room another room may replace."""


class LiveIncident:
    """The live state of one incident while it is simulated."""

    # Set by the world before anything reads them: the IC when the incident arrives (None when
    # nobody could be paged), the room's opening minute and cap each time a room opens.
    ic: Engineer | None
    room_opened_at: float
    room_limit: int | None  # None: no cap

    def __init__(
        self, spec: IncidentSpec, env: simpy.Environment, streams: Streams, number: Mapping[str, int]
    ) -> None:
        """``env`` makes the incident's signals (``resolved``, ``rate_changed``, ...); ``streams``
        and ``number`` (each person's number in the roster) make its random streams."""
        self.spec = spec
        self.env = env
        self._streams = streams
        self._number = number
        self.detected_at = env.now
        self.engaged: dict[str, str] = {}  # person -> role, while part of the incident
        self.joined_at_work: dict[str, bool] = {}
        self.present: set[str] = set()  # in the room, while a room is open
        self.room_open = False
        self.room_reason = ""  # why the open room opened (TRIAGE_CALL for the hybrid's triage call)
        self.rooms_opened = 0  # rooms opened so far (the triage call counts)
        self.awaited: dict[
            str, int
        ] = {}  # invitees busy elsewhere who come when free -> the room (number) they await
        self.coming: dict[str, simpy.Event] = {}  # paged and on the way -> fires when their page is answered
        self.debugger: Engineer | None = None
        self.ic_ready = env.event()
        self.debugger_ready = env.event()
        self.interruptions_due: list[float] = []  # minutes of interruptions the debugger has still to pay
        self.paying_interruptions = False  # the debugger is paying them now (new ones join the queue)
        self.paying_until = 0.0  # when the interruption being paid now ends (drills read it)
        self.interruptions_queued = 0  # interruptions ever put in the queue (a ticket's number)
        self.interruptions_paid = 0  # interruptions the debugger has finished paying
        self.questions_waiting: dict[str, tuple[LiveIncident, int]] = {}  # spectator -> queue, ticket
        self.rate_changed = env.event()
        self.affected: set[str] = set(spec.roots)
        self.fixed: set[str] = set()
        self.recovered: set[str] = set()
        self.mitigated = False
        self.ic_free_at = env.now  # when the IC's queue of work (updates, answers, deliberations) empties
        self.escalation_due = False  # an escalation waits for the IC to be free
        self.stretch_left = 0.0  # the debugger's work left in the current stretch (full speed), for the ETA
        self.working = 0  # people working on it now (the debugger at their work, owners at a fix)
        self.last_progress = (
            env.now
        )  # the last minute work was done, or a decision, answer, fix or recovery came
        self.resolved = env.event()
        self.escalated = False
        self.triage_pending = False  # a triage call is due and has not ended yet
        self.triage_over = env.event()  # fires when the triage call (if any) is over: others are paged then
        self.deciding: dict[str, int] = {}  # person -> open decisions that need them (they stay meanwhile)
        self.decided = env.event()  # fires whenever a decision is taken
        self.contained = False
        self.room_changed = env.event()
        self.questions_started = False
        self.phase = "diagnose"  # what the structured update names as next steps
        self.helpers: list[str] = []  # teammates debugging beside the debugger (behaviour.debuggers)
        self.readers: set[str] = set()  # people who have read the thread of this incident
        self.woken: set[str] = set()  # paged in off hours for a channel question, until their part is done
        # drills only: a rollback or failover decided from outside changes the work left
        self.work_factor = 1.0
        self.extra_work = 0.0
        self.waiting_on: set[str] = set()  # decisions pending that the debugger needs: no work meanwhile
        self.work_plan: tuple[float, float, float, bool] | None = None  # (since, work left, rate, moving)

    def stream(self, source: str, eng: Engineer | None = None) -> np.random.Generator:
        """This incident's random stream for ``source`` (``eng``'s own one when a person is
        named), made on first use (``Streams.get`` keeps it): most incidents need only some."""
        if eng is None:
            return self._streams.get(source, self.spec.key)
        return self._streams.get(source, self.spec.key, self._number[eng.id])

    def draw(self, dist: Duration | None, source: str, eng: Engineer | None = None) -> float:
        """A draw from ``dist`` (0 when switched off) on this incident's stream for ``source``,
        and ``eng``'s own one when a person is named: the n-th draw means the same thing under
        every protocol. A cost switched off or fixed reads no stream, so its stream is not even
        made (making one draws nothing from any other: the results are the same)."""
        if dist is None:
            return 0.0
        if isinstance(dist, Constant):
            return dist.value
        return sample(dist, self.stream(source, eng))

    # -- state changes that touch nobody else -------------------------------------------
    def change_work(self, factor: float, extra: float = 0.0) -> None:
        """Scale the debugger's remaining work by ``factor`` and add ``extra`` minutes (a drill's
        rollback or failover); the work loop picks it up at once."""
        self.work_factor *= factor
        self.extra_work += extra
        self.wake_work()

    def wait_on(self, decision: str, pending: bool) -> None:
        """A drill's ``decision`` the debugger needs is pending (``pending``) or taken: while any
        is pending the debugger's work stands still (what nobody decides does not happen)."""
        (self.waiting_on.add if pending else self.waiting_on.discard)(decision)
        self.wake_work()

    def work_left(self, now: float) -> tuple[float, float] | None:
        """The debugger's work left at ``now`` and their current speed, while they are working."""
        if self.work_plan is None:
            return None
        since, left, rate, moving = self.work_plan
        return max(0.0, left - (now - since) * rate if moving else left), rate

    def queue_interruption(self, minutes: float) -> int:
        """Put ``minutes`` in the debugger's queue of interruptions; returns its ticket, paid once
        ``interruptions_paid`` reaches it (the queue is paid in order)."""
        self.interruptions_due.append(minutes)
        self.interruptions_queued += 1
        return self.interruptions_queued

    def question_waiting(self, asker: str) -> bool:
        """Whether ``asker``'s last question to the debugger is still waiting for its answer."""
        put = self.questions_waiting.get(asker)
        return put is not None and not put[0].resolved.triggered and put[0].interruptions_paid < put[1]

    def wake_work(self) -> None:
        """Tell the debugger's work loop that its speed or its interruptions changed."""
        if not self.rate_changed.triggered:
            self.rate_changed.succeed()

    def room_changed_now(self) -> None:
        """Tell whoever waits on the room (and the debugger's work loop) that it changed."""
        if not self.room_changed.triggered:
            self.room_changed.succeed()
        self.room_changed = self.env.event()
        self.wake_work()

    @property
    def in_triage_call(self) -> bool:
        """Whether the open room is the hybrid's triage call (which a full room replaces)."""
        return self.room_open and self.room_reason == TRIAGE_CALL

    def audience(self) -> int:
        """People in the room other than the debugger (0 with no room open)."""
        if not self.room_open:
            return 0
        return len(self.present - {self.debugger.id}) if self.debugger is not None else len(self.present)

    def spectators(self) -> list[str]:
        return sorted(p for p in self.present if self.engaged.get(p) == "spectator")

    def rate(self, behaviour: Behaviour, now: float) -> float:
        """The debugger's speed: 1 alone and rested; slower narrating, or outside their working
        hours (read ``now``, so a night page that runs into the morning speeds up).
        ``behaviour`` is the scenario's."""
        n = behaviour.narration
        narration = min(
            1.0 + n.per_listener * self.audience(), n.max_slowdown
        )  # 1 with no room: max_slowdown >= 1
        night = 1.0
        if self.debugger is not None and not self.debugger.working(now):
            night = behaviour.off_hours_slowdown
        if self.helpers:  # teammates debugging beside them add their share of speed
            helping = sum(1 for h in self.helpers if h in self.engaged)
            return (1.0 + behaviour.extra_debugger_speed * helping) / (narration * night)
        return 1.0 / (narration * night)

    def view(self, customer_data: set[str], now: float) -> IncidentView:
        """What the protocol sees of the incident ``now``; ``customer_data`` are the services
        holding customer data."""
        return IncidentView(
            category=self.spec.category,
            flags=self.spec.flags,
            services_affected=len(self.affected),
            customer_data_at_risk=("data-loss" in self.spec.flags)
            or ("security" in self.spec.flags and any(s in customer_data for s in self.affected)),
            minutes_since_detected=now - self.detected_at,
            mitigated=self.mitigated,
            minutes_without_progress=0.0 if self.working else now - self.last_progress,
        )
