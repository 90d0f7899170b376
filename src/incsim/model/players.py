"""Played roles: in a drill, a person may hold the IC's or the debugger's place in the world.

For a role held by a player the world takes none of that role's actions: it pages the person
the model picked and waits for the player to acknowledge; a page left unacknowledged for
``page_timeout`` minutes goes to the next person of the rota (the secondary), whom the model
plays from then on. An acknowledged IC posts no model updates (the player posts them), while
leadership keeps asking for them. Nothing here runs unless a driver calls ``hold`` (``incsim
run`` never does); the played IC's handover is ``Communication.hand_over``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import simpy

from incsim.model.attention import Attention
from incsim.model.context import Context
from incsim.model.events import Paged
from incsim.model.live_incident import LiveIncident
from incsim.model.people import Engineer
from incsim.model.waiting import FirstOf, Proc

if TYPE_CHECKING:  # the parts it calls are built and passed in by the world (world.py)
    from incsim.model.participation import Participation
    from incsim.model.staffing import Staffing


PLAYABLE = ("ic", "debugger")
"""The places in the world a player can hold."""


class Players:
    """Places held by players."""

    def __init__(
        self, context: Context, attention: Attention, participation: Participation, staffing: Staffing
    ) -> None:
        self.env = context.env
        self.roster = context.roster
        self.emit = context.emit
        self.attention = attention
        self.participation = participation
        self.staffing = staffing
        self.held: frozenset[str] = frozenset()  # the roles players hold (none unless a driver calls hold)
        self.page_timeout = 15.0
        self._awaiting: dict[tuple[int, str], simpy.Event] = {}

    def hold(self, roles: frozenset[str] | set[str], page_timeout: float = 15.0) -> None:
        """Leave the ``roles`` (of ``PLAYABLE``) to players, before the world first runs."""
        unknown = set(roles) - set(PLAYABLE)
        if unknown:
            raise ValueError(f"only {', '.join(PLAYABLE)} can be played, not {', '.join(sorted(unknown))}")
        self.held = frozenset(roles)
        self.page_timeout = float(page_timeout)
        self._awaiting = {}

    def waiting_for(self, incident: int, role: str) -> bool:
        """Whether a page for ``role`` in ``incident`` waits for its player's acknowledgement."""
        return role in self.held and (incident, role) in self._awaiting

    def acknowledge(self, incident: LiveIncident, role: str) -> Engineer:
        """The player of ``role`` acknowledges their page now and joins; returns who they play."""
        ev = self._awaiting.pop((incident.spec.id, role), None) if role in self.held else None
        if ev is None:
            raise ValueError(f"no page for the {role} is waiting to be acknowledged")
        eng = incident.ic if role == "ic" else incident.debugger
        assert eng is not None
        self.participation.join(incident, eng, role)
        ev.succeed()
        return eng

    def player_page(self, incident: LiveIncident, eng: Engineer, role: str) -> Proc[Engineer]:
        """Wait for the player's acknowledgement of ``eng``'s page as ``role`` (they join when
        they acknowledge); returns who holds the role then: ``eng``, or, after ``page_timeout``
        without one, the secondary the page went to (None when there is nobody to page)."""
        ev = self.env.event()
        self._awaiting[(incident.spec.id, role)] = ev
        yield FirstOf(self.env, ev, self.env.timeout(self.page_timeout))
        if ev.triggered or incident.resolved.triggered:
            return eng
        secondary = self._secondary(incident, eng, role)
        if secondary is None:
            yield ev  # nobody else to page: the page stays with the player
            return eng
        self._awaiting.pop((incident.spec.id, role), None)
        return secondary

    def _secondary(self, incident: LiveIncident, eng: Engineer, role: str) -> Engineer | None:
        """The next person for ``role`` after ``eng`` (paged and holding it), or None."""
        if role == "ic":
            other = self.staffing.pick_ic(
                exclude={eng.id} | ({incident.debugger.id} if incident.debugger else set())
            )
            if other is None:
                return None
            self.attention.release(self.attention.commanding, eng.id)
            incident.ic = other
            self.attention.commanding[other.id] = incident
        else:
            team = eng.team
            other = next(
                (
                    e
                    for e in self.roster.by_team[team]
                    if e is not eng
                    and not self.attention.hard_busy(e)
                    and (incident.ic is None or e.id != incident.ic.id)
                ),
                None,
            )
            if other is None:
                return None
            self.attention.release(self.attention.debugging, eng.id)
            incident.debugger = other
            self.attention.debugging[other.id] = incident
        self.emit(incident, Paged, other.id, role=role, team=other.team)
        return other

    def hand_over_refused(self, incident: LiveIncident, to: Engineer) -> str:
        """Why the played IC cannot hand command to ``to`` now ('' when they can)."""
        old = incident.ic
        if "ic" not in self.held or old is None or old.id not in incident.engaged:
            return "only an IC who has taken command can hand it over"
        if to is old or (incident.debugger is not None and to.id == incident.debugger.id):
            return f"{to.id} cannot take command: they are the IC or the debugger"
        if self.attention.hard_busy(to, incident):
            return f"{to.id} is busy elsewhere"
        return ""

    def let_go(self, role: str) -> None:
        """The model plays ``role`` from now on (a played IC handed command over)."""
        self.held = self.held - {role}
