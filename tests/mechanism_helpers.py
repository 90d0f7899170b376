"""The tiny hand-made world of the mechanism tests (``tests/model/test_mechanisms.py`` and its
siblings): every duration fixed, every overhead off except the one under test.

The org: ``app`` (4 people, owns the customer-facing ``api``), ``db`` (2 people, owns ``db``,
which holds customer data), ``ops`` (3 people: the IC rota, leadership and security). Everyone
works around the clock unless a test says otherwise, so nobody is off hours by accident.
"""

from __future__ import annotations

import copy

from incsim.metrics import incident_records
from incsim.model.events import Event, Kind
from incsim.model.incidents import DecisionNeed, IncidentSpec, Spread
from incsim.model.streams import Streams
from incsim.model.world import simulate
from incsim.scenario.schema import Scenario

T0 = 60.0  # detection: 01:00 on a Monday
DIAGNOSIS = 60.0
FIX = 20.0
ALWAYS = {"start": 0.0, "end": 24.0, "weekends_off": False}
NINE_TO_FIVE = {"start": 9.0, "end": 17.0, "weekends_off": False}

QUIET_BEHAVIOUR = {
    "page_ack": None,
    "page_ack_off_hours": None,
    "join_delay": None,
    "refocus": None,
    "interruption": {"answer": None, "refocus": None},
    "narration": {"per_listener": 0.0, "max_slowdown": 1.6},
    "room_answer": None,
    "reply_latency": {"engaged": None, "working": None, "off_hours": None},
    "read_thread": None,
    "brief_late_joiner": None,
    "late_joiner_after": 10.0,
    "channel_rounds": 1,
    "spectator_questions_per_hour": 0.0,
    "update_requests_per_hour": 0.0,
    "update_requests_factor_with_exec_channel": 0.3,
    "write_update": None,
    "write_executive_update": None,
    "read_update": None,
    "off_hours_slowdown": 1.0,
    "progress_while_waiting": 0.0,
}


def base_doc() -> dict:
    """The tiny org with every overhead off; protocols without spectators or watchers."""
    return {
        "apiVersion": "incsim/v1",
        "kind": "Scenario",
        "metadata": {"name": "mechanisms"},
        "org": {
            "teams": [
                {"name": "app", "size": 4, "work_hours": dict(ALWAYS)},
                {"name": "db", "size": 2, "work_hours": dict(ALWAYS)},
                {
                    "name": "ops",
                    "size": 3,
                    "work_hours": dict(ALWAYS),
                    "duties": ["ic", "leadership", "security"],
                },
            ],
            "services": [
                {"name": "api", "team": "app"},
                {"name": "db", "team": "db", "customer_facing": False, "holds_customer_data": True},
                {"name": "web", "team": "app", "depends_on": ["api"]},
                {"name": "shop", "team": "app", "depends_on": ["api"]},
            ],
        },
        "incidents": {
            "categories": {
                "single-service": {"diagnosis": DIAGNOSIS, "fix": FIX},
                "cascading": {"diagnosis": DIAGNOSIS, "fix": FIX},
                "platform-wide": {"diagnosis": DIAGNOSIS, "fix": FIX},
            }
        },
        "behaviour": copy.deepcopy(QUIET_BEHAVIOUR),
        "protocols": [
            {
                "name": "war-room",
                "kind": "war-room",
                "channel_watchers": 0,
                "executive_channel": False,
                "room": {"invite": {"rule": "fixed-size", "size": 2}, "stay_probability": 1.0},
            },
            {"name": "async-first", "kind": "async-first", "channel_watchers": 0, "executive_channel": False},
            {
                "name": "hybrid",
                "kind": "hybrid",
                "channel_watchers": 0,
                "executive_channel": False,
                "room": {"invite": {"rule": "fixed-size", "size": 2}, "stay_probability": 1.0},
            },
        ],
        "costs": {"hourly_usd": 100.0},
        "simulation": {"horizon_days": 28.0},
    }


def setting(doc: dict, path: str, value) -> dict:
    """A copy of ``doc`` with the dotted ``path`` set (a list item is addressed by its name)."""
    doc = copy.deepcopy(doc)
    *parents, last = path.split(".")
    cur = doc
    for key in parents:
        cur = (
            next(i for i in cur if i.get("name") == key) if isinstance(cur, list) else cur.setdefault(key, {})
        )
    cur[last] = value
    return doc


def incident(
    at: float = T0,
    *,
    diagnosis: float = DIAGNOSIS,
    fix: float = FIX,
    category: str = "single-service",
    flags: tuple[str, ...] = (),
    roots: tuple[str, ...] = ("api",),
    consults: tuple[float, ...] = (),
    consult_teams: tuple[str, ...] = (),
    decisions: tuple[DecisionNeed, ...] = (),
    spread: tuple[Spread, ...] = (),
    exposure_per_min: float = 0.0,
    id: int = 0,
) -> IncidentSpec:
    """One fully specified incident (nothing left to chance)."""
    return IncidentSpec(
        id=id,
        at=at,
        category=category,
        flags=flags,
        roots=roots,
        diagnosis=diagnosis,
        fix=fix,
        consults=consults,
        consult_teams=consult_teams,
        decisions=decisions,
        spread=spread,
        exposure_per_min=exposure_per_min,
    )


def run(doc: dict, protocol: str, *specs: IncidentSpec, seed: int = 7) -> list[Event]:
    """The event log of ``protocol`` meeting ``specs`` (one incident at T0 by default)."""
    scn = Scenario.model_validate(doc)
    specs = specs or (incident(),)
    return simulate(
        scn, protocol, Streams(seed, 0), list(specs), scn.simulation.horizon_days * 1440.0
    ).log.events


def record(doc: dict, protocol: str, *specs: IncidentSpec, seed: int = 7) -> dict:
    """The incidents-table row of the first incident."""
    return incident_records(run(doc, protocol, *specs, seed=seed), Scenario.model_validate(doc).costs)[0]


def ttr(doc: dict, protocol: str, *specs: IncidentSpec) -> float:
    return record(doc, protocol, *specs)["ttr_min"]


def of(events: list[Event], kind: Kind, **match) -> list[Event]:
    """Events of ``kind`` whose data contain ``match``."""
    return [e for e in events if e.kind is kind and all(getattr(e, k, None) == v for k, v in match.items())]


def joined_at(events: list[Event], role: str) -> list[float]:
    return [e.t for e in of(events, Kind.JOINED, role=role)]


# -- the baseline every test departs from ----------------------------------------------------


def cascade(*delays: float) -> tuple[Spread, ...]:
    """The failure of ``api`` reaching ``web`` and then ``shop`` after the given delays."""
    names = ["web", "shop"]
    return tuple(Spread(service=names[i], via="api", delay=d, recovery=0.0) for i, d in enumerate(delays))
