"""Checks an SRE would make reading a complete event log, incident by incident.

Each check reads one protocol's log of one replication (and, where it needs to know when
someone works, the org's roster) and returns one line per breach, empty when the log is
sound. ``check_log`` runs them all. They read the records alone: none calls into the model.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from collections.abc import Callable, Sequence

from incsim.accounting import Accounting, check_one_place
from incsim.metrics import incident_records, time_totals
from incsim.model.events import (
    Affected,
    Answer,
    Busy,
    Decision,
    DecisionRequested,
    Detected,
    Escalated,
    Event,
    Fixed,
    Interrupted,
    Joined,
    Left,
    Mitigated,
    Overran,
    Paged,
    Question,
    Recovered,
    Resolved,
    RoomClosed,
    RoomOpened,
)
from incsim.model.people import Roster
from incsim.scenario.durations import Constant
from incsim.scenario.schema import Scenario

EPS = 1e-6


def _by_incident(events: Sequence[Event]) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = defaultdict(list)
    for e in events:
        out[e.incident].append(e)
    return out


def _engagements(events: Sequence[Event]) -> dict[tuple[int, str], list[tuple[float, float]]]:
    """(incident, person) -> the [joined, left] spans of their part in it (open ones to the end)."""
    spans: dict[tuple[int, str], list[tuple[float, float]]] = defaultdict(list)
    open_: dict[tuple[int, str], float] = {}
    last = max((e.t for e in events), default=0.0)
    for e in events:
        key = (e.incident, e.who)
        if isinstance(e, Joined) and not e.change and key not in open_:
            open_[key] = e.t
        elif isinstance(e, Left) and key in open_:
            spans[key].append((open_.pop(key), e.t))
    for key, start in open_.items():
        spans[key].append((start, last))
    return spans


def _inside(spans: Sequence[tuple[float, float]], t: float, closed_end: bool = True) -> bool:
    return any(a - EPS <= t and (t <= b + EPS if closed_end else t < b - EPS) for a, b in spans)


def monotone_time(events, roster, scn) -> list[str]:
    """Every record comes at or after the one before it."""
    return [
        f"record {i} at {b.t:.3f} after one at {a.t:.3f}"
        for i, (a, b) in enumerate(zip(events, events[1:]), 1)
        if b.t < a.t - EPS
    ]


def paired_joins_and_leaves(events, roster, scn) -> list[str]:
    """Everyone who joins an incident leaves it once, by its resolution; nobody leaves unjoined
    or joins twice without leaving."""
    out = []
    inside: dict[tuple[int, str], float] = {}
    resolved_at: dict[int, float] = {}
    for e in events:
        key = (e.incident, e.who)
        if isinstance(e, Joined) and not e.change:
            if key in inside:
                out.append(f"incident {e.incident}: {e.who} joins at {e.t:.1f} while already in it")
            inside[key] = e.t
        elif isinstance(e, Joined) and key not in inside:
            out.append(f"incident {e.incident}: {e.who} changes role at {e.t:.1f} without having joined")
        elif isinstance(e, Left):
            if inside.pop(key, None) is None:
                out.append(f"incident {e.incident}: {e.who} leaves at {e.t:.1f} without having joined")
        elif isinstance(e, Resolved):
            resolved_at[e.incident] = e.t
    for (inc, who), t in sorted(inside.items()):
        if inc in resolved_at:
            out.append(f"incident {inc}: {who} joined at {t:.1f} and never left")
    return out


def questions_from_the_room(events, roster, scn) -> list[str]:
    """A spectator's question (``topic`` ``question``, in the room) comes from someone in the
    incident as a spectator at that minute, goes to the one in it as the debugger, and is charged
    to the debugger at that minute: logged as put even while the debugger still answers another
    (the question waits its turn in the queue; none is dropped)."""
    out = []
    role: dict[tuple[int, str], str] = {}
    charged: set[tuple[int, str, float]] = set()
    for e in events:
        if isinstance(e, Interrupted) and e.reason == "spectator question":
            charged.add((e.incident, e.who, round(e.t, 6)))
    for e in events:
        key = (e.incident, e.who)
        if isinstance(e, Joined):
            role[key] = e.role
        elif isinstance(e, Left):
            role.pop(key, None)
        elif isinstance(e, Question) and e.topic == "question":
            asker, target = role.get(key), role.get((e.incident, e.to))
            if e.medium != "room" or asker != "spectator" or target != "debugger":
                out.append(
                    f"incident {e.incident}: question at {e.t:.1f} in the {e.medium} from {e.who} "
                    f"({asker or 'not in it'}) to {e.to} ({target or 'not in it'})"
                )
            if (e.incident, e.to, round(e.t, 6)) not in charged:
                out.append(f"incident {e.incident}: question at {e.t:.1f} to {e.to} charged to nobody")
    return out


def one_role_at_a_time(events, roster, scn) -> list[str]:
    """Someone part of an incident holds one role in it at a time: the one they joined as, until
    a logged change of role (a ``joined`` record with ``change``, to a role other than the one
    held). Every record naming the role of someone part of the incident (an interruption they
    act in, their leaving) names that role."""
    out = []
    role: dict[tuple[int, str], str] = {}
    for e in events:
        key = (e.incident, e.who)
        if isinstance(e, Joined) and not e.change:
            role[key] = e.role
        elif isinstance(e, Joined) and key in role:
            if e.role == role[key]:
                out.append(
                    f"incident {e.incident}: {e.who} changes role at {e.t:.1f} to the {e.role} they are"
                )
            role[key] = e.role
        elif isinstance(e, Left) and key in role:
            held = role.pop(key)
            if e.role != held:
                out.append(
                    f"incident {e.incident}: {e.who} leaves as {e.role} at {e.t:.1f}, having been {held}"
                )
        elif isinstance(e, Interrupted) and (e.engaged or key in role):
            held = role.get(key)
            if held is None or not e.engaged:
                out.append(
                    f"incident {e.incident}: {e.who} interrupted at {e.t:.1f} ({e.reason}) marked "
                    f"{'engaged' if e.engaged else 'not engaged'} while {held or 'not part of it'}"
                )
            elif e.role != held:
                out.append(
                    f"incident {e.incident}: {e.who} acts as {e.role} at {e.t:.1f} ({e.reason}) "
                    f"while {held}, with no change of role logged"
                )
    return out


def no_overlapping_engagements(events, roster, scn) -> list[str]:
    """Nobody is part of two incidents at once, in any role."""
    return check_one_place(events, roles=None)


def night_minutes_paged(events, roster: Roster, scn) -> list[str]:
    """Whoever starts to act for an incident outside their working hours (an interruption: an
    answer, a reading, a fix between other work) is, at that minute, part of an incident (paged
    and woken for it). An answer by someone not part of the incident starts with such an
    interruption; one begun at work may end after hours."""
    eng = _engagements(events)
    mine: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for (_, who), spans in eng.items():
        mine[who].extend(spans)
    out = []
    for e in events:
        if not isinstance(e, Interrupted) or e.who not in roster.engineers:
            continue
        if roster.engineers[e.who].working(e.t):
            continue
        if not _inside(mine[e.who], e.t):
            out.append(f"incident {e.incident}: {e.who} acts off hours at {e.t:.1f} ({e.kind.value}) unpaged")
    return out


def one_page_per_need(events, roster, scn) -> list[str]:
    """Nobody is paged into an incident they are part of, or while an earlier page to it is
    still on its way (not yet answered by joining or a ``busy``)."""
    out = []
    inside: set[tuple[int, str]] = set()
    pending: dict[tuple[int, str], float] = {}
    for e in events:
        key = (e.incident, e.who)
        if isinstance(e, Paged):
            if key in inside:
                out.append(f"incident {e.incident}: {e.who} paged as {e.role} at {e.t:.1f} while part of it")
            elif key in pending:
                out.append(
                    f"incident {e.incident}: {e.who} paged as {e.role} at {e.t:.1f}, "
                    f"already paged at {pending[key]:.1f}"
                )
            else:
                pending[key] = e.t
        elif isinstance(e, Joined) and not e.change:
            inside.add(key)
            pending.pop(key, None)
        elif isinstance(e, Left):
            inside.discard(key)
        elif isinstance(e, Busy):
            pending.pop(key, None)
        elif isinstance(e, Resolved):
            for k in [k for k in pending if k[0] == e.incident]:
                del pending[k]
    return out


def decisions_have_their_deciders(events, roster, scn) -> list[str]:
    """Every decision's listed stakeholders took part: in a room, each is part of the incident
    when it is taken or answered in the channel since it was asked; in a channel, each but the
    debugger answered since it was asked."""
    out = []
    for inc, evs in _by_incident(events).items():
        eng = _engagements(evs)
        debugger = ""
        requested: dict[str, DecisionRequested] = {}
        for e in evs:
            if isinstance(e, Joined) and e.role == "debugger":
                debugger = e.who
            elif isinstance(e, DecisionRequested):
                requested[e.name] = e
            elif isinstance(e, Decision) and e.medium != "drill" and e.name in requested:
                req = requested.pop(e.name)
                answered = {a.who for a in evs if isinstance(a, Answer) and req.t - EPS <= a.t <= e.t + EPS}
                for who in req.stakeholders:
                    if who in answered:
                        continue
                    if e.medium == "room" and _inside(eng.get((inc, who), ()), e.t):
                        continue
                    if e.medium == "channel" and who == debugger:
                        continue
                    out.append(
                        f"incident {inc}: decision {e.name} taken at {e.t:.1f} in the {e.medium} "
                        f"without {who}"
                    )
    return out


_SERVICES = re.compile(r"(\d+) services affected \(rule: >= (\d+)\)")
_STALLED = re.compile(r"no progress for ([\d.]+) min")
_PROGRESS = (Decision, DecisionRequested, Fixed, Recovered, Answer, Mitigated)


def escalations_tell_the_truth(events, roster, scn: Scenario) -> list[str]:
    """Each escalation's reason holds at its minute: the services counted were affected, the
    flag or category is the incident's, and "no progress for N min" means nothing moved in the
    N minutes before (no decision asked for or taken, no answer, no fix, no recovery)."""
    out = []
    for inc, evs in _by_incident(events).items():
        det = next((e for e in evs if isinstance(e, Detected)), None)
        for esc in (e for e in evs if isinstance(e, Escalated)):
            before = [e for e in evs if e.t <= esc.t + EPS]
            m = _SERVICES.fullmatch(esc.reason)
            if m:
                hit = {e.service for e in before if isinstance(e, Affected)}
                if len(hit) != int(m.group(1)) or len(hit) < int(m.group(2)):
                    out.append(f"incident {inc}: '{esc.reason}' at {esc.t:.1f} with {len(hit)} affected")
                continue
            m = _STALLED.fullmatch(esc.reason)
            if m:
                n = float(m.group(1))
                moved = [e for e in before if isinstance(e, _PROGRESS) and e.t > esc.t - n + EPS]
                if moved:
                    out.append(
                        f"incident {inc}: '{esc.reason}' at {esc.t:.1f} but {moved[-1].kind.value} "
                        f"at {moved[-1].t:.1f}"
                    )
                continue
            if det is None:
                continue
            if esc.reason.startswith("category ") and esc.reason != f"category {det.category}":
                out.append(f"incident {inc}: '{esc.reason}' for a {det.category} incident")
            if esc.reason.startswith("flag ") and esc.reason[5:] not in det.flags:
                out.append(f"incident {inc}: '{esc.reason}' without that flag")
    return out


def triage_calls_as_stated(events, roster, scn: Scenario) -> list[str]:
    """A triage call holds at most its limit, everyone counted, at every minute, and lasts the
    protocol's duration from its start: longer only until a containment decision taken at its
    close (an overrun, logged as ``overran`` at the planned end while the call is on and a
    containment decision is open), shorter only when a room replaces it or the incident ends."""
    out = []
    durations = {
        p.triage.duration.value
        for p in scn.protocols
        if p.triage is not None and isinstance(p.triage.duration, Constant)
    }
    duration = next(iter(durations)) if len(durations) == 1 else None
    for inc, evs in _by_incident(events).items():
        engaged: set[str] = set()
        call: RoomOpened | None = None
        overran: Overran | None = None
        for e in evs:
            if isinstance(e, Joined) and not e.change:
                engaged.add(e.who)
            elif isinstance(e, Left):
                engaged.discard(e.who)
            if isinstance(e, RoomOpened) and call is not None:
                call = None  # replaced
            if isinstance(e, Overran):
                if call is None or overran is not None:
                    out.append(
                        f"incident {inc}: an overrun at {e.t:.1f} with no triage call on (or a second)"
                    )
                elif abs(e.t - call.t - e.planned_min) > EPS or (
                    duration is not None and abs(e.planned_min - duration) > EPS
                ):
                    out.append(
                        f"incident {inc}: an overrun at {e.t:.1f} of a call opened at {call.t:.1f} "
                        f"planned for {e.planned_min:g} min"
                    )
                elif not e.waiting_for:
                    out.append(f"incident {inc}: an overrun at {e.t:.1f} waiting for no decision")
                overran = e
            if isinstance(e, RoomOpened) and e.reason == "triage":
                call, overran = e, None
            elif call is not None and isinstance(e, (RoomClosed, Resolved)):
                length = e.t - call.t
                if duration is not None and isinstance(e, RoomClosed):
                    contained_now = any(
                        isinstance(d, Decision) and d.containment and abs(d.t - e.t) < EPS for d in evs
                    )
                    if length < duration - EPS:
                        out.append(f"incident {inc}: triage call of {length:.1f} min, not {duration:g}")
                    elif length > duration + EPS and not contained_now:
                        out.append(
                            f"incident {inc}: triage call of {length:.1f} min ran over {duration:g} "
                            "with no containment decision at its close"
                        )
                planned = overran.planned_min if overran is not None else duration
                if (
                    isinstance(e, RoomClosed)
                    and planned is not None
                    and length > planned + EPS
                    and overran is None
                ):
                    out.append(
                        f"incident {inc}: triage call of {length:.1f} min ran over {planned:g} unlogged"
                    )
                if overran is not None and length < overran.planned_min - EPS:
                    out.append(
                        f"incident {inc}: an overrun logged for a call that closed after {length:.1f} min"
                    )
                call = None
            if call is not None and call.limit is not None and len(engaged) > call.limit:
                out.append(
                    f"incident {inc}: {len(engaged)} people in a triage call of {call.limit} at {e.t:.1f}"
                )
    return out


def repairs_by_the_owning_team(events, roster: Roster, scn: Scenario) -> list[str]:
    """Every repair (a ``fixed`` record) is done by someone of the service's owning team, named
    by the record: part of the incident in a working role at that minute (debugger, owner,
    expert, stakeholder; not its IC, who only coordinates, nor a spectator or watcher), or
    fixing it between other work (an interruption ``fix SERVICE`` for the incident). Someone
    of the team merely present does not make a repair theirs. A dependent that comes back by
    itself once its upstream is fixed (``recovered`` without a ``fixed``) is not a repair."""
    owner = {svc.name: svc.team for svc in scn.org.services}
    out = []
    for inc, evs in _by_incident(events).items():
        role: dict[str, str] = {}
        fixing: set[tuple[str, str]] = set()
        for e in evs:
            if isinstance(e, Joined):
                role[e.who] = e.role
            elif isinstance(e, Left):
                role.pop(e.who, None)
            elif isinstance(e, Interrupted) and e.reason.startswith("fix "):
                fixing.add((e.who, e.reason[4:]))
            elif isinstance(e, Fixed):
                team = owner[e.service]
                who = e.who
                if who not in roster.engineers or roster.engineers[who].team != team:
                    out.append(
                        f"incident {inc}: {e.service} repaired at {e.t:.1f} by "
                        f"{who or 'nobody'}, not of {team}"
                    )
                elif (who, e.service) not in fixing and role.get(who) in (None, "ic", "spectator", "watcher"):
                    out.append(
                        f"incident {inc}: {e.service} repaired at {e.t:.1f} by {who} while "
                        f"{role.get(who) or 'not part of it'}"
                    )
    return out


def hours_reconcile(events, roster: Roster, scn: Scenario) -> list[str]:
    """The incidents' hours add up to the organisation's busy hours, and every engineer's states
    to the horizon."""
    horizon = scn.simulation.horizon_days * 1440.0
    spans = Accounting(events)
    rows = incident_records(events, scn.costs, roster, spans)
    by_incidents = sum(r["engineer_hours"] for r in rows) * 60.0
    engineers, totals = time_totals(events, roster, horizon, spans)
    org = totals["responding"] + totals["spectating"] + totals["refocusing"] + totals["after_horizon"]
    out = []
    if not math.isclose(by_incidents, org, rel_tol=1e-9, abs_tol=1e-3):
        out.append(f"incidents hold {by_incidents:.3f} busy minutes, the organisation {org:.3f}")
    states = sum(totals[s] for s in ("own_work", "responding", "spectating", "refocusing", "off"))
    if not math.isclose(states, engineers * horizon, rel_tol=1e-9, abs_tol=1e-3):
        out.append(f"states sum to {states:.3f} min, not {engineers} x {horizon:g}")
    return out


CHECKS: dict[str, Callable[[Sequence[Event], Roster, Scenario], list[str]]] = {
    "monotone time": monotone_time,
    "paired joins and leaves": paired_joins_and_leaves,
    "one role at a time, changes logged": one_role_at_a_time,
    "no overlapping engagements": no_overlapping_engagements,
    "no off-hours action without a page": night_minutes_paged,
    "no page to someone present or paged": one_page_per_need,
    "decisions have their deciders": decisions_have_their_deciders,
    "escalation reasons true at their minute": escalations_tell_the_truth,
    "triage size and length": triage_calls_as_stated,
    "repairs by the owning team": repairs_by_the_owning_team,
    "hours reconcile": hours_reconcile,
    "spectators ask from the room": questions_from_the_room,
}


def check_log(
    events: Sequence[Event], roster: Roster, scn: Scenario, only: Sequence[str] | None = None
) -> dict[str, list[str]]:
    """The breaches of every check (or of ``only``) in ``events``, by check name."""
    return {name: CHECKS[name](events, roster, scn) for name in (only or CHECKS)}
