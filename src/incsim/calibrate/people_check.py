"""Does a scenario reproduce the measured people figures? The same figures read from simulated
event logs, next to the measured ones: quantiles and the two-sample Kolmogorov-Smirnov distance
(as ``calibrate --check`` does for durations).

A simulated call is a room, from ``RoomOpened`` to ``RoomClosed`` (or the incident's end): its
size is the distinct people in it, and a spectator stayed to the end when they did not leave
before it closed. Update gaps are the gaps between the IC's incident-channel updates. "Any
updates?" requests are leadership's questions to the IC, per hour over the summed hours from
each incident's detection (the channel's alert) to its resolution (or its last event, if it
is still open when the run ends): the measured rate's definition, with the channel's first and
last message standing for them.
"""

from __future__ import annotations

from collections import defaultdict
from itertools import pairwise

import numpy as np

from incsim.calibrate.check import compare
from incsim.calibrate.people import request_rate
from incsim.model.events import Event, Joined, Kind, Left, Question, RoomClosed, RoomOpened, Update


def simulated_samples(events: list[Event]) -> dict[str, list[float]]:
    """Call sizes, whether each spectator stayed to the end, update gaps, and each incident's update
    requests and channel hours, from one event log."""
    by_incident: dict[int, list[Event]] = defaultdict(list)
    for ev in events:
        if ev.incident >= 0:
            by_incident[ev.incident].append(ev)
    sizes, stayed, gaps, requests, hours = [], [], [], [], []
    for evs in by_incident.values():
        requests.append(float(sum(isinstance(e, Question) and e.topic == "any updates?" for e in evs)))
        end = next((e.t for e in evs if e.kind is Kind.RESOLVED), max(e.t for e in evs))
        start = next((e.t for e in evs if e.kind is Kind.DETECTED), min(e.t for e in evs))
        hours.append((end - start) / 60)
        updates = [e.t for e in evs if isinstance(e, Update) and e.channel == "incident"]
        gaps += [b - a for a, b in pairwise(updates)]
        engaged: dict[str, str] = {}
        room: dict[str, str] | None = None
        left_room: set[str] = set()
        for e in evs:
            if isinstance(e, Joined):
                engaged[e.who] = e.role
                if room is not None:
                    room[e.who] = e.role
            elif isinstance(e, Left):
                engaged.pop(e.who, None)
                if room is not None:
                    left_room.add(e.who)
            elif isinstance(e, RoomOpened):
                room, left_room = dict(engaged), set()
            elif isinstance(e, RoomClosed) or (e.kind is Kind.RESOLVED and room is not None):
                if room is not None and room:
                    sizes.append(float(len(room)))
                    stayed += [float(w not in left_room) for w, r in room.items() if r == "spectator"]
                room = None
    return {
        "call_size": sizes,
        "spectator_stayed": stayed,
        "update_gap_min": gaps,
        "update_requests": requests,
        "channel_hours": hours,
    }


def people_check(scenario, measured: dict[str, list[float]], *, replications: int = 5, seed: int = 1) -> dict:
    """Run ``scenario`` with event logs and compare each protocol's people figures with ``measured``
    (``people.samples``): call sizes and update gaps by quantiles and KS distance, the spectators'
    stay share and the "any updates?" request rate side by side."""
    from incsim.experiment import run_experiment

    result = run_experiment(scenario, replications, seed, log_sample=replications)
    sims: dict[str, dict[str, list[float]]] = {}
    for logs in result.logs.values():
        for proto, events in logs.items():
            s = simulated_samples(events)
            acc = sims.setdefault(proto, {k: [] for k in s})
            for k, v in s.items():
                acc[k] += v
    out: dict = {"scenario": scenario.metadata.name, "replications": replications, "seed": seed}
    for key in ("call_size", "update_gap_min"):
        hist = np.asarray(measured[key], dtype=float)
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
    # what each protocol asks of the model, beside what it did: a protocol with an executive
    # channel scales the written rate down, so the measured rate is only matched without one
    from incsim.model.communication import update_request_rate

    out["update_requests_per_hour"] = {
        "history": request_rate(measured),
        "protocols": {
            p: {
                **request_rate(s),
                "scenario_per_hour": update_request_rate(scenario.behaviour, scenario.protocol(p)),
            }
            for p, s in sims.items()
        },
    }
    return out
