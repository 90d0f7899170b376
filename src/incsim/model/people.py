"""Engineers, their working hours, and the on-call and incident-commander rotas.

Simulated time is in minutes from a Monday, 00:00 UTC.
"""

from __future__ import annotations

import math
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property

from incsim.model.mechanisms import Mechanism, declare
from incsim.scenario.schema import Scenario, Team

DAY = 1440.0
WEEK = 7 * DAY

Hours = tuple[float, float, float, bool]
"""Working hours as (UTC offset, start hour, end hour, weekends off): people alike in these have
alike days."""


@dataclass(frozen=True, eq=False)
class Engineer:
    """One person: their team, position in it, and when they work."""

    id: str
    team: str
    index: int
    is_lead: bool
    utc_offset_hours: float
    start_hour: float
    end_hour: float
    weekends_off: bool
    duties: tuple[str, ...]
    _around_the_clock: bool = field(init=False, repr=False, compare=False)
    """Works every hour of every day (the degenerate queues' engineers): no change of speed ahead."""

    def __post_init__(self) -> None:
        always = self.start_hour == 0 and self.end_hour == 24 and not self.weekends_off
        object.__setattr__(self, "_around_the_clock", always)

    # Equal when every field is; the id settles almost every comparison at once (invitation lists
    # are scanned with ``in``, which the generated field-by-field comparison made slow).
    def __eq__(self, other: object) -> bool:
        if self is other:
            return True
        if other.__class__ is not Engineer:
            return NotImplemented
        return self.id == other.id and _fields(self) == _fields(other)

    def __hash__(self) -> int:
        return hash(self.id)

    def _local(self, t: float) -> tuple[int, float]:
        local = t / 60.0 + self.utc_offset_hours
        day = math.floor(local / 24.0)
        return day, local - 24.0 * day

    def working(self, t: float) -> bool:
        """Whether ``t`` falls in this engineer's working hours."""
        day, hour = self._local(t)
        if self.weekends_off and day % 7 >= 5:
            return False
        return self.start_hour <= hour < self.end_hour

    def work_intervals(self, start: float, end: float) -> list[tuple[float, float]]:
        """The working-hour intervals that overlap ``[start, end]``, clipped to it."""
        out = []
        first = math.floor((start / 60.0 + self.utc_offset_hours) / 24.0) - 1
        last = math.floor((end / 60.0 + self.utc_offset_hours) / 24.0) + 1
        for day in range(first, last + 1):
            if self.weekends_off and day % 7 >= 5:
                continue
            a = (day * 24.0 + self.start_hour - self.utc_offset_hours) * 60.0
            b = (day * 24.0 + self.end_hour - self.utc_offset_hours) * 60.0
            a, b = max(a, start), min(b, end)
            if b > a:
                out.append((a, b))
        return out

    def next_change(self, t: float) -> float:
        """The first minute after ``t`` at which ``working`` changes (inf if it never does).
        Looked for over the next eight days: someone working around the clock every day gets
        the end of that window."""
        if self._around_the_clock:
            # every day's span touches the next, so the union is one span across the window,
            # clipped to its end (what the search below finds, without building it)
            return t + 8 * DAY
        for a, b in union_sorted(self.work_intervals(t - DAY, t + 8 * DAY)):
            if a <= t < b:
                return b
            if a > t:
                return a
        return math.inf

    def work_done(self, start: float, minutes: float, slowdown: float) -> float:
        """Wall-clock minutes from ``start`` to do ``minutes`` of work, ``slowdown`` times slower
        outside working hours (followed minute by minute, not fixed at the start)."""
        t, left = start, minutes
        while left > 1e-12:
            speed = 1.0 if self.working(t) else 1.0 / slowdown
            change = self.next_change(t)
            if t + left / speed <= change:
                return t + left / speed - start
            left -= (change - t) * speed
            t = change
        return t - start

    def minutes_left_at_work(self, t: float) -> float:
        """Minutes from ``t`` to the end of the current working period (0 when off)."""
        if not self.working(t):
            return 0.0
        day, hour = self._local(t)
        return (self.end_hour - hour) * 60.0


def _fields(e: Engineer) -> tuple[object, ...]:
    return (
        e.id,
        e.team,
        e.index,
        e.is_lead,
        e.utc_offset_hours,
        e.start_hour,
        e.end_hour,
        e.weekends_off,
        e.duties,
    )


def union_sorted(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    """Touching or overlapping intervals merged (a 24-hour day is one span, not many)."""
    out: list[tuple[float, float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


class Roster:
    """Everyone in the org, with the rotas that say who is paged when."""

    def __init__(self, scenario: Scenario) -> None:
        self.engineers: dict[str, Engineer] = {}
        self.by_team: dict[str, list[Engineer]] = {}
        self.teams: dict[str, Team] = {t.name: t for t in scenario.org.teams}
        for team in scenario.org.teams:
            members = []
            for i in range(team.size):
                eng = Engineer(
                    id=f"{team.name}-{i + 1}",
                    team=team.name,
                    index=i,
                    is_lead=i < team.leads,
                    utc_offset_hours=team.utc_offset_hours,
                    start_hour=team.work_hours.start,
                    end_hour=team.work_hours.end,
                    weekends_off=team.work_hours.weekends_off,
                    duties=tuple(team.duties),
                )
                members.append(eng)
                self.engineers[eng.id] = eng
            self.by_team[team.name] = members
        self.ic_pool = [e for e in self.engineers.values() if "ic" in e.duties]
        # a stable number per person keys their own random streams (see streams.py)
        self.number = {eid: i for i, eid in enumerate(self.engineers)}
        self.owner_of = {s.name: s.team for s in scenario.org.services}

    @cached_property
    def in_order(self) -> list[Engineer]:
        """Everyone in the roster's order (team by team), the order of ``number``."""
        return list(self.engineers.values())

    @cached_property
    def hour_runs(self) -> list[tuple[int, int, Hours, Engineer]]:
        """The roster's order cut into runs of consecutive people with the same working hours:
        (first place, place past the last, the hours as (UTC offset, start, end, weekends off),
        the first of them)."""
        runs: list[tuple[int, int, Hours, Engineer]] = []
        for i, e in enumerate(self.in_order):
            pattern = (e.utc_offset_hours, e.start_hour, e.end_hour, e.weekends_off)
            if runs and runs[-1][2] == pattern:
                runs[-1] = (runs[-1][0], i + 1, pattern, runs[-1][3])
            else:
                runs.append((i, i + 1, pattern, e))
        return runs

    @cached_property
    def by_id(self) -> list[Engineer]:
        """Everyone, by id (sorted once per roster, which the protocols of a replication share)."""
        return sorted(self.engineers.values(), key=lambda e: e.id)

    @cached_property
    def place(self) -> dict[str, int]:
        """Each person's place in ``by_id``."""
        return {e.id: i for i, e in enumerate(self.by_id)}

    def oncall(self, team: str, t: float) -> list[Engineer]:
        """The people on call for ``team`` at ``t``, primary first (empty if no rota)."""
        spec = self.teams[team].oncall
        if spec is None:
            return []
        members = self.by_team[team]
        shift = math.floor(t / (spec.shift_days * DAY))
        return [members[(shift * spec.per_shift + j) % len(members)] for j in range(spec.per_shift)]

    def ic_candidates(self, t: float) -> Iterator[Engineer]:
        """The IC rota in order of preference at ``t`` (weekly hand-over), one at a time: callers
        stop at the first who will do, so a long rota costs only as far as it is read."""
        n = len(self.ic_pool)
        if n == 0:
            return
        shift = math.floor(t / WEEK)
        for k in range(n):
            yield self.ic_pool[(shift + k) % n]

    def with_role(self, role: str, t: float) -> Iterator[Engineer]:
        """People who can act in ``role`` at ``t``: on-calls of teams with it first, then others
        (one at a time, as ``ic_candidates``)."""
        for team in self.teams.values():
            if role in team.duties:
                first = self.oncall(team.name, t)
                yield from first
                for e in self.by_team[team.name]:
                    if e not in first:
                        yield e


MECHANISMS = declare(
    __name__,
    Mechanism(
        "rotas-and-hours",
        "people",
        "Each team has its engineers, a time zone and working hours (weekends off if set); its "
        "on-call rota hands over every shift in a fixed order, and the IC rota weekly.",
        "incsim.model.people:Roster.oncall",
        (
            "org.teams.*.size",
            "org.teams.*.utc_offset_hours",
            "org.teams.*.work_hours",
            "org.teams.*.oncall.shift_days",
            "org.teams.*.oncall.per_shift",
        ),
    ),
)
