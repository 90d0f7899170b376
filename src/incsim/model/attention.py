"""One attention per person, across incidents: who is debugging, commanding or fixing which
incident (they take no other part anywhere), and every incident each person is part of.

Plain state with the questions every part of the world asks of it (is this person busy
elsewhere? free for this incident?) and the two signals that wake whoever waits for a person to
come free. Who is paged or asked is ``staffing.py``; joining and leaving ``participation.py``.
"""

from __future__ import annotations

from collections import defaultdict

import simpy

from incsim.model.live_incident import LiveIncident
from incsim.model.people import Engineer


class Attention:
    """Who holds each person's attention, across the incidents of one world."""

    def __init__(self, env: simpy.Environment) -> None:
        """``env`` makes the signals ``freed`` and ``vacated``."""
        self.env = env
        self.debugging: dict[str, LiveIncident] = {}
        self.commanding: dict[str, LiveIncident] = {}
        self.fixing: dict[str, LiveIncident] = {}
        self.where: defaultdict[str, set[int]] = defaultdict(set)
        self.freed = env.event()  # fires whenever someone stops debugging, commanding or fixing
        self.vacated: simpy.Event | None = None  # fires when someone leaves an incident (made when awaited)

    def hard_busy(self, eng: Engineer, incident: LiveIncident | None = None) -> bool:
        """Whether ``eng`` is debugging, commanding or fixing an incident other than ``incident``."""
        i = eng.id
        other = self.debugging.get(i)
        if other is not None and other is not incident:
            return True
        other = self.commanding.get(i)
        if other is not None and other is not incident:
            return True
        other = self.fixing.get(i)
        return other is not None and other is not incident

    def elsewhere(self, eng: Engineer, incident: LiveIncident) -> tuple[int, ...]:
        """The incidents other than ``incident`` that ``eng`` is part of or holds (as debugger, IC
        or fixer, paged but not yet there included), in order."""
        held = {h[eng.id].spec.id for h in (self.debugging, self.commanding, self.fixing) if eng.id in h}
        return tuple(sorted((self.where[eng.id] | held) - {incident.spec.id}))

    def engaged_elsewhere(self, eng: Engineer, incident: LiveIncident) -> bool:
        """Whether ``eng`` is part of an incident other than ``incident`` in any role."""
        inside = self.where[eng.id]
        return len(inside) > 1 or (len(inside) == 1 and incident.spec.id not in inside)

    def free_for(self, eng: Engineer, incident: LiveIncident) -> bool:
        """Whether ``eng`` can come to ``incident`` without leaving anything: busy nowhere else."""
        return not self.hard_busy(eng, incident) and not self.engaged_elsewhere(eng, incident)

    def release(self, held: dict[str, LiveIncident], eng_id: str) -> None:
        """``eng_id`` stops a role that held all their attention (``held`` is ``debugging``,
        ``commanding`` or ``fixing``); whoever waits for a free person looks again."""
        held.pop(eng_id, None)
        ev, self.freed = self.freed, self.env.event()
        ev.succeed()

    def vacate(self) -> None:
        """Someone left an incident: whoever waits for a person to be free looks again."""
        ev, self.vacated = self.vacated, None
        if ev is not None:
            ev.succeed()
