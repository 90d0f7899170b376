"""What every part of the world reads, and the one way any of them records what happened.

The world (``world.py``) builds one ``Context`` and hands it to each of its parts (``staffing``,
``participation``, ``rooms``, ``escalation``, ``communication``, ``players``, ``lifecycle``),
with the other parts each of them calls; none of them reads anything else of the world.
"""

from __future__ import annotations

from typing import Any, TypeVar

import simpy

from incsim.model.events import Answer, Decision, DecisionRequested, Event, Fixed, Log, Recovered
from incsim.model.live_incident import LiveIncident
from incsim.model.people import Roster
from incsim.model.protocols import Strategy
from incsim.scenario.schema import Scenario

E = TypeVar("E", bound=Event)

PROGRESS = (Answer, Decision, DecisionRequested, Fixed, Recovered)
"""What moves an incident forward besides work itself (a decision asked for ends a diagnosis)."""


class Context:
    """The clock, the scenario, the protocol, the people, the log, and the incidents live now."""

    def __init__(
        self,
        env: simpy.Environment,
        scenario: Scenario,
        strategy: Strategy,
        roster: Roster,
        log: Log,
    ) -> None:
        self.env = env
        self.scn = scenario
        self.strategy = strategy
        self.roster = roster
        self.log = log
        self.live: dict[int, LiveIncident] = {}  # incident number -> its live state, from its arrival
        self.customer_facing = {s.name for s in scenario.org.services if s.customer_facing}
        self.customer_data = {s.name for s in scenario.org.services if s.holds_customer_data}

    def emit(self, incident: LiveIncident, record: type[E], who: str = "", **fields: Any) -> E:
        """Log a ``record`` (an ``events`` type) of ``incident``, now, with its ``fields``."""
        if record in PROGRESS:
            incident.last_progress = self.env.now
        return self.log.add(record(self.env.now, incident.spec.id, who, **fields))
