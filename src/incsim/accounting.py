"""One accounting of people's time: event log -> per-person state spans, each minute counted once.

Every figure about who was busy reads this module: the incident rows' hours
(``metrics.incident_records``), the organisation's time table (``time.csv``) and the report's
who-was-busy chart. The rules live here only:

- Joining an incident starts a *claim* on the person's time: ``responding`` for an essential
  role, ``spectating`` for a spectator or watcher; a role change ends one claim and starts the
  next; leaving ends it and starts the ``refocusing`` the event names.
- An interruption of someone not engaged in that incident (a channel question, reading a
  thread or an update) claims its answer minutes (``responding`` or ``spectating`` by its
  role) and then its refocus minutes. An interruption of someone engaged in the incident is
  already inside their engagement; only its refocus is a claim.
- Where claims on one person overlap, one wins each minute: an answer being given, then
  responding, then spectating, then refocusing; between equals the later claim (it interrupted
  the earlier one), then the lower incident id. The winning claim's incident is charged the
  minute; nobody else is. So summing any state over incidents gives the org's total.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from incsim.collector import fewer_collections
from incsim.intervals import Spans, clip, measure, subtract, union
from incsim.model.events import Event, Interrupted, Joined, Left
from incsim.model.people import Engineer, Hours, Roster

NON_ESSENTIAL = ("spectator", "watcher")
BUSY = ("responding", "spectating", "refocusing")
STATES = ("own_work", "responding", "spectating", "refocusing", "off")

# how strongly a claim holds a minute; higher wins
_ANSWER, _RESPONDING, _SPECTATING, _REFOCUSING = 4, 3, 2, 1
_LEVEL = {"responding": _RESPONDING, "spectating": _SPECTATING, "refocusing": _REFOCUSING}


def state_of(role: str) -> str:
    """The busy state a role puts someone in: spectating for non-essential roles, else responding."""
    return "spectating" if role in NON_ESSENTIAL else "responding"


@dataclass(frozen=True, slots=True)
class Span:
    """``who`` was in ``state`` for ``incident`` (as ``role``) over ``[start, end)``, minutes."""

    who: str
    incident: int
    state: str
    role: str
    start: float
    end: float

    @property
    def minutes(self) -> float:
        """Length of the span."""
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class _Claim:
    level: int
    start: float
    end: float
    incident: int
    state: str
    role: str


def _claims(events: Iterable[Event], open_until: float | None) -> dict[str, list[_Claim]]:
    """Every person's raw, possibly overlapping claims, from the log."""
    out: dict[str, list[_Claim]] = defaultdict(list)
    open_: dict[tuple[int, str], tuple[float, str]] = {}
    last = 0.0

    def claim(who: str, level: int, a: float, b: float, incident: int, state: str, role: str) -> None:
        if b > a:
            out[who].append(_Claim(level, a, b, incident, state, role))

    for e in events:
        if e.t > last:
            last = e.t
        # the exact record type (none derives from another): cheaper than isinstance
        if type(e) is Joined:
            key = (e.incident, e.who)
            role: str = e.role
            if key in open_:
                start, old = open_.pop(key)
                claim(e.who, _LEVEL[state_of(old)], start, e.t, e.incident, state_of(old), old)
            open_[key] = (e.t, role)
        elif type(e) is Left:
            key = (e.incident, e.who)
            if key not in open_:
                continue
            start, role = open_.pop(key)
            claim(e.who, _LEVEL[state_of(role)], start, e.t, e.incident, state_of(role), role)
            claim(e.who, _REFOCUSING, e.t, e.t + e.refocus_min, e.incident, "refocusing", role)
        elif type(e) is Interrupted and e.who:
            role = e.role
            a, r = e.answer_min, e.refocus_min
            if not e.engaged:
                claim(e.who, _ANSWER, e.t, e.t + a, e.incident, state_of(role), role)
            claim(e.who, _REFOCUSING, e.t + a, e.t + a + r, e.incident, "refocusing", role)
    end = last if open_until is None else open_until
    for (incident, who), (start, role) in open_.items():
        claim(who, _LEVEL[state_of(role)], start, max(start, end), incident, state_of(role), role)
    return out


def _resolve(who: str, claims: Sequence[_Claim]) -> list[Span]:
    """Cut ``claims`` into disjoint spans, each minute going to the strongest claim holding it."""
    points = sorted({c.start for c in claims} | {c.end for c in claims})
    starts = sorted(range(len(claims)), key=lambda i: claims[i].start)
    heap: list[tuple[int, float, int, int]] = []  # (-level, -start, incident, index): the winner is on top
    nxt = 0
    out: list[Span] = []
    for a, b in zip(points, points[1:]):
        while nxt < len(starts) and claims[starts[nxt]].start <= a:
            i = starts[nxt]
            c = claims[i]
            heapq.heappush(heap, (-c.level, -c.start, c.incident, i))
            nxt += 1
        while heap and claims[heap[0][3]].end <= a:
            heapq.heappop(heap)
        if not heap:
            continue
        c = claims[heap[0][3]]
        prev = out[-1] if out else None
        if (
            prev is not None
            and prev.end == a
            and (prev.incident, prev.state, prev.role) == (c.incident, c.state, c.role)
        ):
            out[-1] = Span(who, c.incident, c.state, c.role, prev.start, b)
        else:
            out.append(Span(who, c.incident, c.state, c.role, a, b))
    return out


class Accounting:
    """Disjoint per-person state spans of a log, each attributed to one incident."""

    def __init__(self, events: Iterable[Event], open_until: float | None = None) -> None:
        """Account ``events``; engagements still open are counted up to ``open_until`` (default:
        the last event's time)."""
        self.spans: list[Span] = []
        with fewer_collections():
            for who, cs in sorted(_claims(events, open_until).items()):
                self.spans.extend(_resolve(who, cs))

    def by_incident(self) -> dict[int, list[Span]]:
        """The spans charged to each incident."""
        out: dict[int, list[Span]] = defaultdict(list)
        for s in self.spans:
            out[s.incident].append(s)
        return out

    def by_person(self) -> dict[str, list[Span]]:
        """Each person's spans, in time order."""
        out: dict[str, list[Span]] = defaultdict(list)
        for s in self.spans:
            out[s.who].append(s)
        return out

    @property
    def end(self) -> float:
        """When the last span ends (0 for an empty log)."""
        return max((s.end for s in self.spans), default=0.0)


def minutes_by_state(spans: Iterable[Span]) -> dict[str, float]:
    """Total minutes per busy state."""
    out = dict.fromkeys(BUSY, 0.0)
    for s in spans:
        out[s.state] += s.minutes
    return out


def off_hours_minutes(spans: Iterable[Span], work: Mapping[str, Engineer]) -> float:
    """Minutes of ``spans`` outside the person's working hours (``work[who]`` is an ``Engineer``)."""
    total = 0.0
    for s in spans:
        eng = work.get(s.who)
        if eng is None or s.end <= s.start:
            continue
        total += s.minutes - measure(eng.work_intervals(s.start, s.end))
    return total


TIME_COLUMNS = ("engineer", "team", *STATES, "after_horizon")


def time_columns(accounting: Accounting, roster: Roster, horizon: float) -> dict[str, list[str | float]]:
    """The time table by column (``TIME_COLUMNS``), a row per engineer in the roster's order:
    minutes in each of ``STATES`` over ``[0, horizon]`` (they sum to it), plus ``after_horizon``:
    busy minutes of incidents that ran past the horizon (so the incident rows' hours equal
    responding + spectating + refocusing + after_horizon)."""
    mine = accounting.by_person()
    people = roster.in_order
    took_part = sorted(roster.number[w] for w in mine if w in roster.number)
    cols: dict[str, list[str | float]] = {
        "engineer": [e.id for e in people],
        "team": [e.team for e in people],
    }
    figures = [cols.setdefault(c, []) for c in (*STATES, "after_horizon")]
    # Someone who took no part has the row of anyone with their working hours, and the roster
    # comes in runs of people with the same hours (its teams): the rows are worked out for the
    # people who took part and once per working pattern, and a run's idle stretches are copied
    # in at once, so the cost grows with the people who took part and the teams, not with the
    # size of the org.
    off_hours: dict[Hours, Spans] = {}
    idle: dict[Hours, tuple[float, ...]] = {}
    k = 0
    for first, stop, pattern, eng in roster.hour_runs:
        i = first
        while i < stop:
            nxt = took_part[k] if k < len(took_part) and took_part[k] < stop else stop
            if i < nxt:
                if pattern not in idle:
                    idle[pattern] = _time_row(eng, [], horizon, off_hours, pattern)
                for col, v in zip(figures, idle[pattern]):
                    col += [v] * (nxt - i)
                i = nxt
            if i < stop:  # i == took_part[k]
                person = people[i]
                for col, v in zip(figures, _time_row(person, mine[person.id], horizon, off_hours, pattern)):
                    col.append(v)
                k += 1
                i += 1
    return cols


def _time_row(
    eng: Engineer, spans: list[Span], horizon: float, off_hours: dict[Hours, Spans], pattern: Hours
) -> tuple[float, ...]:
    """``eng``'s figures of the time table (``STATES``, then ``after_horizon``) from their spans;
    ``off_hours`` caches the off hours over the horizon by working ``pattern``."""
    row: dict[str, float] = {}
    taken: Spans = []
    after = 0.0
    for state in BUSY:
        ivs = [(s.start, s.end) for s in spans if s.state == state]
        inside = clip(ivs, 0.0, horizon)
        row[state] = measure(inside)
        taken += inside
        after += sum(b - a for a, b in ivs) - row[state]
    taken = union(taken)
    if pattern not in off_hours:
        off_hours[pattern] = subtract([(0.0, horizon)], union(eng.work_intervals(0.0, horizon)))
    off = subtract(off_hours[pattern], taken)
    row["off"] = measure(off)
    row["own_work"] = horizon - measure(taken) - row["off"]
    row["after_horizon"] = after
    return tuple(row[c] for c in (*STATES, "after_horizon"))


def check_one_place(events: Iterable[Event], roles: Sequence[str] | None = ("debugger", "ic")) -> list[str]:
    """Where someone holds one of ``roles`` (None: any role) in two incidents at once: one line
    per overlap (empty when nobody does). Read from the raw log, before any resolution."""
    spans: dict[str, list[tuple[float, float, int]]] = defaultdict(list)
    open_: dict[tuple[int, str], tuple[float, str]] = {}
    last = 0.0
    for e in events:
        last = max(last, e.t)
        key = (e.incident, e.who)
        if isinstance(e, Joined):
            if key in open_:
                start, role = open_.pop(key)
                if roles is None or role in roles:
                    spans[e.who].append((start, e.t, e.incident))
            open_[key] = (e.t, e.role)
        elif isinstance(e, Left) and key in open_:
            start, role = open_.pop(key)
            if roles is None or role in roles:
                spans[e.who].append((start, e.t, e.incident))
    for (incident, who), (start, role) in open_.items():
        if roles is None or role in roles:
            spans[who].append((start, last, incident))
    problems = []
    for who, ivs in sorted(spans.items()):
        ivs.sort()
        reach: list[tuple[float, int]] = []  # the furthest end so far per incident
        for a, b, inc in ivs:
            for end, other in reach:
                if other != inc and a < end - 1e-9:
                    problems.append(
                        f"{who}: incident {other} until {end:.1f} and incident {inc} from {a:.1f}"
                    )
            reach = [(e, i) for e, i in reach if i != inc and e > a] + [
                (max([b] + [e for e, i in reach if i == inc]), inc)
            ]
    return problems


__all__ = [
    "Accounting",
    "BUSY",
    "NON_ESSENTIAL",
    "STATES",
    "TIME_COLUMNS",
    "Span",
    "check_one_place",
    "minutes_by_state",
    "off_hours_minutes",
    "state_of",
    "time_columns",
]
