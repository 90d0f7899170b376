"""The simulated world: one replication of one protocol over a list of incidents.

Pure: no files, no printing, no wall clock. Everything it does is an ``Event`` in ``log``.
It can be stepped (``run(until=...)``, ``run_until(predicate)``) and accepts incidents and
escalations injected from outside, which is what drills are built on.

The world is the composition of its parts, each built here with what it uses (a ``Context``:
the clock, scenario, protocol, people and log; and the other parts it calls): ``attention``
(who holds whose attention), ``participation`` (joining, leaving, interruptions), ``staffing``
(who is paged, asked, picked), ``rooms``, ``players`` (a drill's played roles), ``escalation``,
``communication`` (the IC's updates) and ``lifecycle`` (each incident from arrival to
resolution). The world itself starts incidents (scheduled, injected, or each service's own
failures) and advances the clock.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable

import simpy

from incsim.collector import fewer_collections
from incsim.model.attention import Attention
from incsim.model.communication import Communication
from incsim.model.context import Context
from incsim.model.escalation import Escalation
from incsim.model.events import Event, Injected, Log
from incsim.model.incidents import (
    DrawTables,
    IncidentSpec,
    arrival_rate,
    draw_category_and_flags,
    draw_incident,
)
from incsim.model.lifecycle import Lifecycle
from incsim.model.mechanisms import Mechanism, declare
from incsim.model.participation import Participation
from incsim.model.people import WEEK, Roster
from incsim.model.players import Players
from incsim.model.protocols import Strategy, make_strategy
from incsim.model.rooms import Rooms
from incsim.model.staffing import Staffing
from incsim.model.streams import Streams, failure_stream_id
from incsim.model.waiting import Proc
from incsim.scenario.schema import Scenario


class World:
    """A SimPy environment holding the org, one protocol and the incidents it meets."""

    def __init__(
        self,
        scenario: Scenario,
        protocol: str,
        streams: Streams,
        incidents: Iterable[IncidentSpec] = (),
        horizon: float | None = None,
        roster: Roster | None = None,
    ) -> None:
        """``roster``: the org's people, built from ``scenario`` unless given (it is never
        changed, so the protocols of a replication can share one)."""
        self.scn = scenario
        self.strategy: Strategy = make_strategy(scenario.protocol(protocol))
        self.streams = streams
        self.env = simpy.Environment()
        self.log = Log()
        self.roster = roster if roster is not None else Roster(scenario)
        self.horizon = horizon if horizon is not None else scenario.simulation.horizon_days * 1440.0
        context = Context(self.env, scenario, self.strategy, self.roster, self.log)
        self.context = context
        self.live = context.live  # incident number -> its live state (``LiveIncident``)
        self.customer_facing = context.customer_facing
        self.emit = context.emit  # how a driver (a drill) logs an event of an incident
        self.attention = Attention(self.env)
        self.participation = Participation(context, self.attention)
        self.staffing = Staffing(context, self.attention, self.participation)
        self.rooms = Rooms(context, self.participation, self.staffing)
        self.players = Players(context, self.attention, self.participation, self.staffing)
        self.escalation = Escalation(context, self.staffing, self.rooms)
        self.communication = Communication(
            context, self.attention, self.participation, self.staffing, self.players, self.escalation
        )
        self.lifecycle = Lifecycle(
            context,
            streams,
            self.attention,
            self.participation,
            self.staffing,
            self.rooms,
            self.players,
            self.escalation,
            self.communication,
        )
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
        self.env.process(self.lifecycle.arrive(spec))

    def run(self, until: float | None = None) -> None:
        """Advance to ``until`` minutes, or until nothing is left to happen."""
        with fewer_collections():
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
        self.log.add(Injected(self.env.now, spec.id, what="incident"))
        self.schedule(spec)

    def inject_escalation(self, incident: int, reason: str = "injected") -> None:
        """Escalate a running incident to a room now, whatever the protocol would do."""
        live = self.live.get(incident)
        if live is None or live.resolved.triggered:
            raise KeyError(f"no running incident {incident}")
        self.log.add(Injected(self.env.now, incident, what="escalation"))
        self.escalation.escalate(live, reason)

    def _service_failures(self, index: int, service: str, rate_per_week: float) -> Proc[None]:
        """A service that fails at ``rate_per_week`` (times the arrival profile) while up and is
        down until resolved; its n-th failure draws from streams keyed by (service, n)."""
        rng = self.streams.get("failures", index)
        rate = arrival_rate(self.scn)
        tables = DrawTables(self.scn)
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
            category, flags = draw_category_and_flags(self.scn, self.streams.get("failures", key), tables)
            spec = draw_incident(
                self._next_id,
                self.env.now,
                category,
                flags,
                service,
                self.scn,
                self.streams,
                stream_id=key,
                tables=tables,
            )
            self._next_id += 1
            yield from self.lifecycle.arrive(spec)


def simulate(
    scenario: Scenario,
    protocol: str,
    streams: Streams,
    incidents: list[IncidentSpec],
    horizon: float,
    roster: Roster | None = None,
) -> World:
    """Run one replication of ``protocol`` over ``incidents`` to completion (with ``roster``, the
    org's people built once for every protocol, when given)."""
    world = World(scenario, protocol, streams, incidents, horizon, roster)
    world.run()
    return world


MECHANISMS = declare(
    __name__,
    Mechanism(
        "per-service-failures",
        "entry",
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
)
