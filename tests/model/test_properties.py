"""Invariants over random valid scenarios (hypothesis): whatever the org, the model stays sane."""

from __future__ import annotations

import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from incsim.accounting import check_one_place
from incsim.metrics import STATES, incident_records, time_accounting
from incsim.model.events import Kind
from incsim.model.incidents import generate_incidents
from incsim.model.people import Roster
from incsim.model.streams import Streams
from incsim.model.world import World
from incsim.scenario.checks import cross_checks
from incsim.scenario.schema import Scenario

pos = st.floats(min_value=0.5, max_value=90, allow_nan=False, allow_infinity=False)


@st.composite
def durations(draw, optional: bool = False):
    kind = draw(
        st.sampled_from(
            ["fixed", "exponential", "lognormal", "lognormal-moments", "uniform", "triangular", "empirical"]
            + (["none"] if optional else [])
        )
    )
    if kind == "none":
        return None
    if kind == "fixed":
        return draw(pos)
    if kind == "exponential":
        return {"dist": "exponential", "mean": draw(pos)}
    if kind == "lognormal":
        return {"dist": "lognormal", "median": draw(pos), "sigma": draw(st.floats(0.1, 1.5))}
    if kind == "lognormal-moments":
        return {"dist": "lognormal", "mean": draw(pos), "sd": draw(pos)}
    lo = draw(pos)
    hi = lo + draw(pos)
    if kind == "uniform":
        return {"dist": "uniform", "low": lo, "high": hi}
    if kind == "triangular":
        return {"dist": "triangular", "low": lo, "mode": (lo + hi) / 2, "high": hi}
    return {"dist": "empirical", "values": draw(st.lists(pos, min_size=1, max_size=4))}


@st.composite
def scenarios(draw) -> Scenario:
    n_teams = draw(st.integers(1, 4))
    teams = []
    for i in range(n_teams):
        per_shift = draw(st.integers(1, 2))
        rest = draw(st.integers(0, 2))
        start = draw(st.integers(0, 12))
        teams.append(
            {
                "name": f"t{i}",
                "size": per_shift * (1 + rest) + draw(st.integers(0, 3)),
                "utc_offset_hours": draw(st.sampled_from([-8, 0, 5.5, 9])),
                "work_hours": {
                    "start": start,
                    "end": start + draw(st.integers(4, 12)),
                    "weekends_off": draw(st.booleans()),
                },
                "oncall": {
                    "per_shift": per_shift,
                    "rest_shifts": rest,
                    "shift_days": draw(st.sampled_from([1, 7])),
                    "backup": draw(st.booleans()),
                },
                "duties": ["ic", "security", "leadership"] if i == 0 else draw(st.sampled_from([[], ["ic"]])),
            }
        )
    n_services = draw(st.integers(1, 6))
    services = []
    for j in range(n_services):
        deps = draw(st.lists(st.integers(0, n_services - 1), max_size=3, unique=True))
        services.append(
            {
                "name": f"s{j}",
                "team": f"t{draw(st.integers(0, n_teams - 1))}",
                "depends_on": [f"s{d}" for d in deps if d != j],  # cycles allowed, self-loops not
                "customer_facing": draw(st.booleans()),
                "holds_customer_data": draw(st.booleans()),
            }
        )
    decisions = [
        {
            "name": "d",
            "stakeholders": draw(
                st.lists(
                    st.sampled_from(["service-owner", "ic", "security", "leadership", "affected-owners"]),
                    min_size=1,
                    max_size=3,
                    unique=True,
                )
            ),
            "deliberation": draw(durations()),
        }
    ]
    cats = {}
    for cat in ("single-service", "cascading", "platform-wide"):
        cats[cat] = {
            "diagnosis": draw(durations()),
            "fix": draw(durations(optional=True)),
            "consults_mean": draw(st.floats(0, 3)),
            "decisions": decisions if draw(st.booleans()) else [],
            "cascade_probability": draw(st.floats(0, 1)),
            "cascade_delay": draw(durations()),
            "recovery": draw(durations()),
            "damage_probability": draw(st.floats(0, 1)),
            "min_services": draw(st.integers(1, 4)),
        }
    w = [draw(st.integers(0, 5)) for _ in range(3)]
    w[0] += 1
    mix = {c: x / sum(w) for c, x in zip(cats, w)}
    mix["single-service"] = 1.0 - mix["cascading"] - mix["platform-wide"]
    protocols = [
        {
            "name": "war-room",
            "kind": "war-room",
            "room": {
                "invite": {
                    "rule": draw(st.sampled_from(["fixed-size", "all-oncalls", "oncalls-and-leads"])),
                    "size": draw(durations()),
                    "include_off_hours": draw(st.booleans()),
                },
                "stay_probability": draw(st.floats(0, 1)),
                "leave_after": draw(durations()),
                "busy_invitees": draw(st.sampled_from(["skip", "last", "when_free"])),
            },
        },
        {
            "name": "async-first",
            "kind": "async-first",
            "channel_watchers": draw(st.integers(0, 4)),
            "executive_channel": draw(st.booleans()),
            "update_cadence_min": draw(st.sampled_from([5, 15, 30])),
        },
        {
            "name": "hybrid",
            "kind": "hybrid",
            "escalation": {
                "services_affected_at_least": draw(st.sampled_from([None, 2, 3])),
                "customer_data_at_risk": draw(st.booleans()),
                "no_progress_min": draw(st.sampled_from([None, 30, 90])),
            },
            "room": {
                "invite": {
                    "rule": draw(st.sampled_from(["fixed-size", "all-oncalls"])),
                    "size": draw(durations()),
                },
                "busy_invitees": draw(st.sampled_from(["skip", "last", "when_free"])),
            },
            "triage": {
                "max_people": 3,
                "duration": draw(durations()),
                "escalate_before_triage": draw(st.booleans()),
            }
            if draw(st.booleans())
            else None,
        },
    ]
    behaviour = {
        "page_ack": draw(durations(optional=True)),
        "join_delay": draw(durations(optional=True)),
        "refocus": draw(durations(optional=True)),
        "reply_latency": {
            "working": draw(durations(optional=True)),
            "off_hours": draw(durations(optional=True)),
        },
        "narration": {"per_listener": draw(st.floats(0, 0.2)), "max_slowdown": draw(st.floats(1, 3))},
        "spectator_questions_per_hour": draw(st.floats(0, 4)),
        "update_requests_per_hour": draw(st.floats(0, 4)),
        "progress_while_waiting": draw(st.floats(0, 1)),
        "progress_while_deciding": draw(st.floats(0, 1)),
        "off_hours_slowdown": draw(st.floats(1, 2)),
    }
    doc = {
        "apiVersion": "incsim/v1",
        "kind": "Scenario",
        "metadata": {"name": "random"},
        "org": {"teams": teams, "services": services},
        "incidents": {
            "arrivals": {"rate_per_week": draw(st.floats(1, 25))},
            "mix": mix,
            "categories": cats,
            "flags": {
                "security": {
                    "probability": draw(st.floats(0, 0.5)),
                    "exposure_per_min": 10,
                    "decisions": decisions,
                },
                "data-loss": {"probability": draw(st.floats(0, 0.5))},
            },
        },
        "behaviour": behaviour,
        "protocols": protocols,
        "simulation": {"horizon_days": draw(st.sampled_from([2, 4, 7]))},
    }
    scn = Scenario.model_validate(doc)
    assert cross_checks(scn) == [], cross_checks(scn)
    return scn


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scn=scenarios(), seed=st.integers(0, 2**32 - 1))
def test_random_scenarios_keep_the_invariants(scn: Scenario, seed: int):
    horizon = scn.simulation.horizon_days * 1440.0
    incidents = generate_incidents(scn, Streams(seed, 0), horizon)
    roster = Roster(scn)
    for proto in scn.protocols:
        world = World(scn, proto.name, Streams(seed, 0), incidents, horizon)
        world.run()
        events = world.log.events
        times = [e.t for e in events]
        assert times == sorted(times), "event log out of time order"
        assert all(math.isfinite(t) and t >= 0 for t in times)
        resolved = {e.incident for e in events if e.kind is Kind.RESOLVED}
        assert resolved == {i.id for i in incidents}, "every incident resolves"
        for e in events:
            for key in ("refocus_min", "answer_min", "wait_min"):
                value = getattr(e, key, None)
                if value is not None:
                    assert value >= 0, (key, e)
        assert check_one_place(events, roles=None) == [], "someone is in two incidents at once"
        records = incident_records(events, scn.costs, roster)
        for rec in records:
            assert (
                rec["detected_at_min"]
                <= rec["engaged_at_min"]
                <= rec["mitigated_at_min"]
                <= rec["resolved_at_min"]
            )
            for col in (
                "ttr_min",
                "customer_impact_min",
                "responder_hours",
                "non_essential_hours",
                "refocus_hours",
                "war_room_minutes",
                "decision_wait_min",
                "data_exposure",
                "cost_usd",
            ):
                assert rec[col] >= 0 and math.isfinite(rec[col]), (col, rec)
            assert rec["non_essential_hours"] <= rec["responder_hours"] + 1e-9
        acct = time_accounting(events, roster, horizon)
        totals = acct[list(STATES)].sum(axis=1)
        assert (abs(totals - horizon) < 1e-6 * horizon).all(), "engineer time does not sum to the horizon"
        assert (acct[list(STATES)] >= -1e-9).all().all()
        # one accounting: the incidents' hours are the org's busy minutes, to rounding
        charged = sum(r["engineer_hours"] for r in records) * 60
        busy = float(acct[["responding", "spectating", "refocusing", "after_horizon"]].to_numpy().sum())
        assert charged == pytest.approx(busy, rel=1e-9, abs=1e-6)
