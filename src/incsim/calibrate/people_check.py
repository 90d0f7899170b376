"""Does a scenario reproduce the measured people figures? The same figures read from simulated
event logs, next to the measured ones: quantiles and the two-sample Kolmogorov-Smirnov distance
(as ``calibrate --check`` does for durations).

A simulated call is a room, from ``RoomOpened`` to ``RoomClosed`` (or the incident's end): its
size is the distinct people in it, and a spectator stayed to the end when they did not leave
before it closed. Update gaps are the gaps between the IC's incident-channel updates. "Any
updates?" requests are leadership's questions to the IC, per hour over the summed hours from
the IC's joining to the incident's resolution (or its last event, if it is still open when the
run ends): the measured rate's definition, with the IC's first post or join in the channel and
its last message standing for them (the model's leadership asks the IC, so not before). Spectators' questions are their questions to the debugger in a
room, per hour of spectators in rooms. Answer latencies are the channel answers' waits (from the
question to the answer: seeing it, reading the thread, writing), split as the measured ones are:
by someone already part of the incident when asked (joined and not left, or answered in its
channel already; the measured: had posted in its channel), and the others by whether the answerer was at work when asked (the measured: the
answerer's business hours).
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise
from typing import NamedTuple

import numpy as np

from incsim.calibrate.check import compare
from incsim.calibrate.people import request_rate
from incsim.model.events import (
    Answer,
    Event,
    Joined,
    Kind,
    Left,
    Question,
    RoomClosed,
    RoomOpened,
    Update,
)

IC_KEYS = ("requests_with_ic", "ic_hours")
"""The request rate compared: requests over the hours from the IC's arrival on, on both sides."""


def simulated_samples(events: list[Event], working=None) -> dict[str, list[float]]:
    """Call sizes, whether each spectator stayed to the end, update gaps, each incident's update
    requests and channel hours, spectators' questions and hours in rooms and, given ``working``
    (``who, minute -> bool``: at work then?), channel answer latencies split by the answerer's
    hours when asked, from one event log."""
    by_incident: dict[int, list[Event]] = defaultdict(list)
    for ev in events:
        if ev.incident >= 0:
            by_incident[ev.incident].append(ev)
    sizes, stayed, gaps, requests, hours, ic_hours = [], [], [], [], [], []
    spectator_questions, spectator_hours, business, off, engaged = [], [], [], [], []
    for evs in by_incident.values():
        requests.append(float(sum(isinstance(e, Question) and e.topic == "any updates?" for e in evs)))
        end = next((e.t for e in evs if e.kind is Kind.RESOLVED), max(e.t for e in evs))
        start = next((e.t for e in evs if e.kind is Kind.DETECTED), min(e.t for e in evs))
        hours.append((end - start) / 60)
        ic_at = next((e.t for e in evs if isinstance(e, Joined) and e.role == "ic"), None)
        ic_hours.append(0.0 if ic_at is None else max(0.0, end - ic_at) / 60)
        updates = [e.t for e in evs if isinstance(e, Update) and e.channel == "incident"]
        gaps += [b - a for a, b in pairwise(updates)]
        if working is not None:
            split = {"in_incident": engaged, "business": business, "off": off}
            for answer in channel_answers(evs, working):
                split[answer.split].append(answer.wait_min)
        room_sizes, room_stayed, asked, watched = _rooms(evs, end)
        sizes += room_sizes
        stayed += room_stayed
        spectator_questions.append(float(asked))
        spectator_hours.append(watched / 60)
    return {
        "call_size": sizes,
        "spectator_stayed": stayed,
        "update_gap_min": gaps,
        "update_requests": requests,
        "channel_hours": hours,
        "requests_with_ic": requests,  # leadership asks the IC: none before the IC's arrival
        "ic_hours": ic_hours,
        "spectator_questions": spectator_questions,
        "spectator_hours": spectator_hours,
        "answer_in_incident_min": engaged,
        "answer_business_min": business,
        "answer_off_min": off,
    }


class ChannelAnswer(NamedTuple):
    """A channel answer of a simulated incident, as ``calibrate --check`` splits it."""

    who: str
    asked: float  # the minute the question was put
    wait_min: float
    split: str  # "in_incident" (part of it when asked), "business" (at work) or "off"


def channel_answers(evs: list[Event], working) -> list[ChannelAnswer]:
    """One incident's channel answers, each with its split: by the answerer being part of the
    incident when asked, and the others by ``working(who, minute)`` (at work then?)."""
    out = []
    for e in evs:
        if isinstance(e, Answer) and e.medium == "channel":
            asked = e.t - e.wait_min
            if _in_incident(evs, e.who, asked):
                split = "in_incident"
            else:
                split = "business" if working(e.who, asked) else "off"
            out.append(ChannelAnswer(e.who, asked, e.wait_min, split))
    return out


def _in_incident(evs: list[Event], who: str, t: float) -> bool:
    """Whether ``who`` had a part in the incident at ``t``, as a channel shows it by their earlier
    posts: joined and not left since, or an answer of theirs in the channel already."""
    state = False
    for e in evs:
        if e.t <= t and e.who == who:
            if isinstance(e, Joined | Left):
                state = isinstance(e, Joined)
            elif isinstance(e, Answer) and e.medium == "channel" and e.t < t:
                return True
    return state


def _rooms(evs: list[Event], end: float) -> tuple[list[float], list[float], int, float]:
    """One incident's rooms: their sizes, whether each spectator stayed to the end, the spectators'
    questions and their minutes in a room (until they leave, take a role or the room closes)."""
    sizes: list[float] = []
    stayed: list[float] = []
    engaged: dict[str, str] = {}
    room: dict[str, str] | None = None
    left_room: set[str] = set()
    watching: dict[str, float] = {}  # spectators in the open room: since when
    asked, watched = 0, 0.0

    def stop(who: str, t: float) -> float:
        since = watching.pop(who, None)
        return 0.0 if since is None else t - since

    for e in evs:
        if isinstance(e, Joined):
            engaged[e.who] = e.role
            if room is not None:
                room[e.who] = e.role
                if e.role == "spectator":
                    watching.setdefault(e.who, e.t)
                else:
                    watched += stop(e.who, e.t)
        elif isinstance(e, Left):
            engaged.pop(e.who, None)
            watched += stop(e.who, e.t)
            if room is not None:
                left_room.add(e.who)
        elif isinstance(e, RoomOpened):
            room, left_room = dict(engaged), set()
            watching.clear()
            watching.update({w: e.t for w, r in engaged.items() if r == "spectator"})
        elif isinstance(e, Question) and e.topic == "question" and room is not None:
            asked += 1
        elif isinstance(e, RoomClosed) or (e.kind is Kind.RESOLVED and room is not None):
            watched += sum(stop(w, e.t) for w in list(watching))
            if room is not None and room:
                sizes.append(float(len(room)))
                stayed += [float(w not in left_room) for w, r in room.items() if r == "spectator"]
            room = None
    watched += sum(stop(w, end) for w in list(watching))  # a room still open when the log ends
    return sizes, stayed, asked, watched


def people_check(
    scenario,
    measured: dict[str, list[float]],
    *,
    replications: int = 5,
    seed: int = 1,
    executive_channel: bool = False,
) -> dict:
    """Run ``scenario`` with event logs and compare each protocol's people figures with ``measured``
    (``people.samples``): call sizes, update gaps and answer latencies by quantiles and KS distance,
    the spectators' stay share and question rate and the "any updates?" request rate side by side.
    ``executive_channel`` says whether the measured organisation had one: the protocols with the
    same practice are the ones whose request rate should match the measured rate."""
    from incsim.experiment import run_experiment
    from incsim.model.people import Roster

    roster = Roster(scenario)

    def working(who: str, t: float) -> bool:
        eng = roster.engineers.get(who)
        return eng is not None and eng.working(t)

    result = run_experiment(scenario, replications, seed, log_sample=replications)
    sims: dict[str, dict[str, list[float]]] = {}
    for logs in result.logs.values():
        for proto, events in logs.items():
            s = simulated_samples(events, working)
            acc = sims.setdefault(proto, {k: [] for k in s})
            for k, v in s.items():
                acc[k] += v
    out: dict = {"scenario": scenario.metadata.name, "replications": replications, "seed": seed}
    for key in (
        "call_size",
        "update_gap_min",
        "answer_in_incident_min",
        "answer_business_min",
        "answer_off_min",
    ):
        hist = np.asarray(measured.get(key, []), dtype=float)
        if len(hist) == 0:
            continue
        out[key] = compare(hist, {p: np.asarray(s[key], dtype=float) for p, s in sims.items()})
    m = measured["spectator_stayed"]
    out["spectator_stay_share"] = {
        "history": {"n": len(m), "share": float(np.mean(m)) if m else None},
        "protocols": {
            p: {
                "n": len(s["spectator_stayed"]),
                "share": float(np.mean(s["spectator_stayed"])) if s["spectator_stayed"] else None,
            }
            for p, s in sims.items()
        },
    }
    out["spectator_questions_per_hour"] = {
        "history": _per_hour(measured.get("spectator_questions", []), measured.get("spectator_hours", [])),
        "protocols": {p: _per_hour(s["spectator_questions"], s["spectator_hours"]) for p, s in sims.items()},
    }
    # what each protocol asks of the model, beside what it did: the measured rate holds for the
    # measured organisation's practice; a protocol with the other practice is scaled by the factor
    from incsim.model.communication import update_request_rate

    out["update_requests_per_hour"] = {
        "history": {**request_rate(measured, *IC_KEYS), "executive_channel": executive_channel},
        "protocols": {
            p: {
                **request_rate(s, *IC_KEYS),
                "scenario_per_hour": update_request_rate(scenario.behaviour, scenario.protocol(p)),
                "same_practice": scenario.protocol(p).executive_channel == executive_channel,
            }
            for p, s in sims.items()
        },
    }
    return out


def _per_hour(counts: list[float], hours: list[float]) -> dict:
    n, h = sum(counts), sum(hours)
    return {"questions": int(n), "hours": float(h), "per_hour": n / h if h > 0 else None}
