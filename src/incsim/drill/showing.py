"""What a drill's screens show, read from a ``DrillSession``: the feed, the roles, what is coming,
the decision waiting, the expectations and their outcomes, the simulated state.

Queries only: nothing here changes the session. ``Showing`` is a part of ``DrillSession``; the
attributes it reads are declared below and set by the session.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable
from typing import TYPE_CHECKING

from incsim.clock import drill_time, weekday_time
from incsim.drill.feed import condition_text, safe_text
from incsim.drill.records import FeedItem, Option, PendingDecision, RoleCard, Status, Upcoming
from incsim.model.events import Decision, Detected, Event, Kind, Update

if TYPE_CHECKING:
    from incsim.model.world import IncidentRun, World
    from incsim.scenario.drill import DecisionDef, Drill

INCIDENT = 0
"""The drill's one incident, by its index in the world."""
TICK = 1e-9
"""Times closer than this are the same instant (float sums of minutes)."""


class Showing:
    """The screens' side of a ``DrillSession``."""

    drill: Drill
    world: World
    protocol: str
    t0: float
    local_t0: float
    fired: dict
    prompted: dict[str, float]
    marks: dict[str, tuple[str, float]]
    _feed: list[FeedItem]
    _queue: list[str]
    _due: dict[str, float]
    _decisions: dict[str, DecisionDef]

    # provided by the session
    now: float
    resolved: bool
    run: IncidentRun | None

    _deadline: Callable[[str], float]  # when a prompted decision times out (absolute minutes)
    counts_for: Callable[[int, Event, str | None], bool]  # whether a logged event meets a role's expectation

    def feed(self, since: int = 0) -> list[FeedItem]:
        """Feed items with index >= ``since``, in order."""
        return self._feed[max(0, since) :]

    def roles(self) -> list[RoleCard]:
        """The drill's roles."""
        return [RoleCard(r.id, safe_text(r.title), safe_text(r.briefing), r.played) for r in self.drill.seats]

    def upcoming(self) -> list[Upcoming]:
        """Scheduled injects (and decisions) that have not happened yet, soonest first."""
        out = []
        for item in [*self.drill.injects, *self.drill.decisions]:
            if getattr(item, "on_demand", False) or item.id in self.fired or item.id in self.prompted:
                continue
            lane = getattr(item, "lane", "facilitator")
            if item.id in self._due:
                at = self._due[item.id] - self.t0
                out.append(Upcoming(item.id, drill_time(at), lane, at))
            elif item.after is not None:
                out.append(
                    Upcoming(
                        item.id,
                        f"after {item.after}" + (f" +{item.delay_min:g}" if item.delay_min else ""),
                        lane,
                        None,
                    )
                )
            elif item.when is not None:
                out.append(Upcoming(item.id, condition_text(item.when), lane, None))
            if item.only_if is not None and out and out[-1].id == item.id:
                out[-1] = dataclasses.replace(
                    out[-1], when=f"{out[-1].when}, if {condition_text(item.only_if)}"
                )
        return sorted(out, key=lambda u: (u.at is None, u.at or 0.0, u.id))

    def on_demand(self) -> list[tuple[str, str]]:
        """(inject id, title) of the injects the facilitator may still fire."""
        return [
            (i.id, i.title or i.text[:40])
            for i in self.drill.injects
            if i.on_demand and i.id not in self.fired
        ]

    def pending_decision(self) -> PendingDecision | None:
        """The oldest decision waiting for the room, if any."""
        if not self._queue:
            return None
        d = self._decisions[self._queue[0]]
        return PendingDecision(
            d.id,
            safe_text(d.prompt),
            d.role,
            tuple(Option(o.id, safe_text(o.label), o.recommended) for o in d.options),
            d.default,
            self._deadline(d.id) - self.t0,
        )

    def expectations(self) -> list[tuple[str, str, str | None]]:
        """(id, text, outcome so far or None) of every expectation."""
        return [(e.id, e.text, self.outcome(e.id)[0]) for i in self.drill.injects for e in i.expectations]

    def outcome(self, expectation_id: str) -> tuple[str | None, float | None]:
        """The outcome of an expectation and when: the facilitator's mark, else what the log shows."""
        if expectation_id in self.marks:
            return self.marks[expectation_id]
        inj, exp = next((i, e) for i in self.drill.injects for e in i.expectations if e.id == expectation_id)
        fired = self.fired.get(inj.id)
        if exp.event is None or fired is None:
            return None, None
        channel = {"executive_update": "executive", "status_update": "status"}.get(exp.event)
        kind = Kind.UPDATE if channel else Kind(exp.event)
        start = fired.t + self.t0
        hit = next(
            (
                e.t
                for i, e in enumerate(self.world.log.events)
                if e.kind is kind
                and e.incident == INCIDENT
                and e.t >= start - TICK
                and (channel is None or (isinstance(e, Update) and e.channel == channel))
                and self.counts_for(i, e, exp.role)
            ),
            None,
        )
        deadline = start + (exp.by_min if exp.by_min is not None else math.inf)
        if hit is not None and hit <= deadline + TICK:
            return "met", hit - self.t0
        if hit is not None:
            return "partial", hit - self.t0
        if self.world.env.now > deadline or self.resolved:
            return "missed", None
        return None, None

    def exposure(self) -> float:
        """Records exposed so far (security incidents): rate times minutes until containment."""
        det = next((e for e in self.world.log.events if isinstance(e, Detected)), None)
        if det is None:
            return 0.0
        contained = next(
            (e.t for e in self.world.log.events if isinstance(e, Decision) and e.containment), None
        )
        end = contained if contained is not None else self.world.env.now
        return det.exposure_per_min * max(0.0, end - det.t)

    def status(self) -> Status:
        """The simulated state now."""
        run = self.run
        return Status(
            now=self.now,
            services_affected=len(run.affected) if run else 0,
            mitigated=bool(run and run.mitigated),
            resolved=self.resolved,
            room_open=bool(run and run.room_open),
            people_engaged=len(run.engaged) if run else 0,
            exposure=self.exposure(),
            protocol=self.protocol,
            local=weekday_time(round(self.local_t0 + self.now), None),
        )
