"""The event log: every happening in the simulated world is one typed, immutable record."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum
from typing import Any


class Kind(str, Enum):
    """What happened. The metrics, timelines and reports are all derived from these."""

    DETECTED = "detected"          # data: category, flags, root, services, work
    AFFECTED = "affected"          # a further service is hit by the cascade; data: service, via
    PAGED = "paged"                # who is paged; data: role, team
    JOINED = "joined"              # who joins; data: role (debugger|ic|expert|stakeholder|spectator), off_hours
    LEFT = "left"                  # who leaves; data: role, refocus_min (charged after leaving)
    QUESTION = "question"          # who asks, data: to, medium (room|channel), topic
    ANSWER = "answer"              # who answers; data: to, medium, wait_min
    INTERRUPTED = "interrupted"    # who loses focus; data: answer_min, refocus_min, reason, role
    UPDATE = "update"              # IC posts; data: channel (incident|executive), status, impact, next_steps, eta_min
    DECISION_REQUESTED = "decision_requested"  # data: name, stakeholders
    DECISION = "decision"          # data: name, medium, wait_min
    ROOM_OPENED = "room_opened"    # data: reason, limit
    ROOM_CLOSED = "room_closed"
    ESCALATED = "escalated"        # data: reason
    FIXED = "fixed"                # a service's own fault is repaired; data: service
    RECOVERED = "recovered"        # a service is healthy again; data: service
    MITIGATED = "mitigated"        # customer impact over
    RESOLVED = "resolved"
    INJECTED = "injected"          # something a facilitator injected; data: what
    BUSY = "busy"                  # someone paged is busy elsewhere and does not come (waits: invited, comes when free); data: role, elsewhere


@dataclass(frozen=True, slots=True)
class Event:
    """One record: at minute ``t``, in incident ``incident``, ``who`` did ``kind``."""

    t: float
    incident: int
    kind: Kind
    who: str = ""
    data: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        """A JSON-ready mapping (times rounded to a millisecond of a minute)."""
        return {"t": round(self.t, 6), "incident": self.incident, "kind": self.kind.value,
                "who": self.who, **self.data}


class Log:
    """An append-only event log with optional listeners (drills watch it)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._listeners: list = []

    def add(self, event: Event) -> Event:
        """Append ``event`` and tell the listeners."""
        self.events.append(event)
        for listener in self._listeners:
            listener(event)
        return event

    def subscribe(self, listener) -> None:
        """Call ``listener(event)`` for every event added from now on."""
        self._listeners.append(listener)

    def __len__(self) -> int:
        return len(self.events)
