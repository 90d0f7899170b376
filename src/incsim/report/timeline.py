"""Who was busy, and as what, in one incident: the report's share of ``incsim.accounting``.

The busy-time rules live in ``incsim.accounting`` alone; this module only picks the incident to
show, cuts its spans out of the accounting and adds what a chart needs (roles, teams, rooms,
interruptions).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from incsim.accounting import BUSY as BUSY_STATES
from incsim.accounting import Accounting
from incsim.model.events import (
    Detected,
    Event,
    Interrupted,
    Joined,
    Mitigated,
    Resolved,
    RoomClosed,
    RoomOpened,
)
from incsim.report.results import ReportError, Results, read_protocol_events
from incsim.report.wording import num

__all__ = [
    "BUSY_STATES",
    "ROLE_ORDER",
    "Person",
    "Pick",
    "Timeline",
    "busy_timeline",
    "busy_timelines",
    "pick_incident",
]

ROLE_ORDER = ("debugger", "ic", "owner", "expert", "stakeholder", "spectator", "watcher")


@dataclass(frozen=True)
class Person:
    """One person's part in an incident: spans of each state, minutes since detection."""

    who: str
    team: str
    role: str
    spans: tuple[tuple[str, float, float], ...]
    interruptions: tuple[float, ...] = ()

    def minutes(self, state: str) -> float:
        """Minutes this person spent in ``state`` during the incident (and its refocus tail)."""
        return sum(b - a for s, a, b in self.spans if s == state)


@dataclass(frozen=True)
class Timeline:
    """Who was busy, and how, in one incident under one protocol."""

    protocol: str
    replication: int
    incident: int
    category: str
    detected_at: float
    ttr: float
    people: tuple[Person, ...]
    rooms: tuple[tuple[float, float], ...] = ()
    mitigated: float | None = None
    events: int = 0

    def minutes(self, state: str) -> float:
        """Person-minutes in ``state`` summed over everyone in the incident."""
        return sum(p.minutes(state) for p in self.people)


@dataclass(frozen=True)
class Pick:
    """The incident chosen to show, and why."""

    replication: int
    incident: int
    category: str
    target_ttr: float
    reason: str


def pick_incident(incidents: pd.DataFrame, protocols: Sequence[str], logged: Iterable[int]) -> Pick | None:
    """A representative incident: in the first logged replication, the single-service one whose
    baseline TTR is closest to the median baseline TTR of single-service incidents (all replications).

    Falls back to the most common category when a replication has no single-service incident; only
    incidents resolved under every protocol qualify; ties go to the lowest incident id.
    """
    logged = sorted(logged)
    if not logged or not len(incidents):
        return None
    base = protocols[0]
    rep = logged[0]
    df = incidents[incidents["replication"] == rep]
    resolved = df.groupby("incident_id")["ttr_min"].apply(lambda s: bool(np.isfinite(s).all()))
    per_proto = df.groupby("incident_id")["protocol"].nunique()
    ok_ids = {i for i in resolved.index if resolved[i] and per_proto[i] == len(set(protocols))}
    pool = df[(df["protocol"] == base) & df["incident_id"].isin(ok_ids)]
    if not len(pool):
        return None
    cats = pool["category"].value_counts()
    category = (
        "single-service"
        if "single-service" in cats.index
        else str(min(cats.index, key=lambda c: (-cats[c], c)))
    )
    cands = pool[pool["category"] == category]
    everyone = incidents[(incidents["protocol"] == base) & (incidents["category"] == category)]["ttr_min"]
    target = float(np.nanmedian(everyone.to_numpy(dtype=float)))
    dist = (cands["ttr_min"] - target).abs()
    best = cands.assign(_d=dist).sort_values(["_d", "incident_id"]).iloc[0]
    reason = (
        f"the {category} incident of replication {rep} whose {base} TTR "
        f"({num(float(best['ttr_min']))} min) is closest to the median {base} TTR of all "
        f"{category} incidents ({num(target)} min)"
    )
    return Pick(rep, int(best["incident_id"]), category, target, reason)


def busy_timeline(
    events: Sequence[Event], protocol: str = "", replication: int = -1, incident: int | None = None
) -> Timeline:
    """Who was busy in one incident: its share of ``accounting.Accounting`` over ``events``.

    ``events`` may hold the whole replication's log of one protocol (then a minute someone gave
    to two incidents shows where the incident rows charge it) or one incident's events;
    ``incident`` says which incident to draw (default: the first detected). An interruption of
    someone engaged in the incident is a mark. Times are minutes since detection.
    """
    evs = sorted(events, key=lambda e: e.t)  # stable: the log's order within one minute
    det = next(
        (e for e in evs if isinstance(e, Detected) and (incident is None or e.incident == incident)), None
    )
    if det is None:
        raise ReportError(f"incident without a 'detected' event in the {protocol} log")
    inc = det.incident
    own = [e for e in evs if e.incident == inc]
    t0 = det.t
    resolved = next((e.t for e in own if isinstance(e, Resolved)), None)
    end = resolved if resolved is not None else own[-1].t
    mitigated = next((e.t - t0 for e in own if isinstance(e, Mitigated)), None)
    last = max((e.t for e in evs), default=end)
    shares = Accounting(evs, open_until=max(end, last)).by_incident().get(inc, [])
    marks: dict[str, list[float]] = defaultdict(list)
    roles: dict[str, set[str]] = defaultdict(set)
    teams: dict[str, str] = {}
    first_seen: dict[str, float] = {}
    rooms: list[tuple[float, float]] = []
    room_at: float | None = None
    for e in own:
        who, t = e.who, e.t
        if isinstance(e, RoomOpened):
            room_at = t
        elif isinstance(e, RoomClosed) and room_at is not None:
            rooms.append((room_at - t0, t - t0))
            room_at = None
        if not who:
            continue
        if isinstance(e, Joined):
            roles[who].add(e.role)
            teams.setdefault(who, e.team or "")
            first_seen.setdefault(who, t)
        elif isinstance(e, Interrupted):
            if e.engaged:
                marks[who].append(t - t0)
            else:
                roles[who].add(e.role)
                first_seen.setdefault(who, t)
    if room_at is not None:
        rooms.append((room_at - t0, end - t0))
    mine: dict[str, list] = defaultdict(list)
    for share in shares:
        mine[share.who].append((share.state, share.start - t0, share.end - t0))
        first_seen.setdefault(share.who, share.start)
    people = []
    for who in sorted(first_seen, key=lambda w: (first_seen[w], w)):
        # merge touching spans of one state (a role change within responding is one bar)
        merged: list[tuple[str, float, float]] = []
        for state, a, b in sorted(mine.get(who, []), key=lambda x: (x[1], x[0])):
            if merged and merged[-1][0] == state and abs(merged[-1][2] - a) < 1e-9:
                merged[-1] = (state, merged[-1][1], b)
            else:
                merged.append((state, a, b))
        role = min(
            roles[who] or {""}, key=lambda r: ROLE_ORDER.index(r) if r in ROLE_ORDER else len(ROLE_ORDER)
        )
        people.append(Person(who, teams.get(who, ""), role, tuple(merged), tuple(sorted(marks.get(who, ())))))
    return Timeline(
        protocol=protocol,
        replication=replication,
        incident=inc,
        category=det.category,
        detected_at=t0,
        ttr=end - t0,
        people=tuple(people),
        rooms=tuple(rooms),
        mitigated=mitigated,
        events=len(own),
    )


def busy_timelines(results: Results) -> tuple[Pick | None, list[Timeline]]:
    """The representative incident and its timeline under every protocol (empty without event logs)."""
    pick = pick_incident(results.incidents, results.protocols, results.event_files)
    if pick is None:
        return None, []
    path = results.event_files[pick.replication]
    logs = read_protocol_events(path)
    missing = [p for p in results.protocols if not any(e.incident == pick.incident for e in logs.get(p, ()))]
    if missing:
        raise ReportError(f"{path}: no events of incident {pick.incident} under {', '.join(missing)}")
    return pick, [busy_timeline(logs[p], p, pick.replication, pick.incident) for p in results.protocols]
