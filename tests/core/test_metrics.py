"""Metrics from small hand-built event logs: every figure is checked against arithmetic a
reader can redo on the log in the test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from event_helpers import ev
from scipy import stats

from incsim.metrics import METRICS, incident_record, summarize, t_interval, time_accounting
from incsim.model.events import Event, Kind
from incsim.model.people import Roster
from incsim.scenario.schema import Costs, Scenario

DAY = 1440.0


def detected(
    t: float = 0.0,
    incident: int = 0,
    category: str = "single-service",
    flags: tuple[str, ...] = (),
    exposure_per_min: float = 0.0,
) -> Event:
    return ev(
        t,
        Kind.DETECTED,
        incident=incident,
        category=category,
        flags=tuple(flags),
        roots=("web",),
        diagnosis_min=30.0,
        fix_min=10.0,
        exposure_per_min=exposure_per_min,
    )


def joined(t: float, who: str, role: str, incident: int = 0, off_hours: bool = False) -> Event:
    return ev(t, Kind.JOINED, who, incident, role=role, off_hours=off_hours, team="app")


def left(t: float, who: str, role: str, refocus: float = 0.0, incident: int = 0) -> Event:
    return ev(t, Kind.LEFT, who, incident, role=role, refocus_min=refocus)


def interrupted(
    t: float, who: str, answer: float, refocus: float, role: str, engaged: bool, incident: int = 0
) -> Event:
    return ev(
        t,
        Kind.INTERRUPTED,
        who,
        incident,
        answer_min=answer,
        refocus_min=refocus,
        reason="test",
        role=role,
        engaged=engaged,
    )


@pytest.fixture
def roster() -> Roster:
    """Two engineers of one team working 09:00-17:00 UTC, Monday to Friday (t=0 is a Monday)."""
    scn = Scenario.model_validate(
        {
            "apiVersion": "incsim/v1",
            "kind": "Scenario",
            "metadata": {"name": "two people"},
            "org": {
                "teams": [{"name": "app", "size": 2, "duties": ["ic"]}],
                "services": [{"name": "web", "team": "app"}],
            },
            "incidents": {"categories": {"single-service": {"diagnosis": 10, "fix": None}}},
            "protocols": [{"name": "war-room", "kind": "war-room"}],
        }
    )
    return Roster(scn)


def row(table: pd.DataFrame, engineer: str) -> dict:
    return table.set_index("engineer").loc[engineer].to_dict()


# -- incident_record ---------------------------------------------------------------------
@pytest.fixture
def room_log() -> list[Event]:
    """A cascading security incident in a room, minute by minute.

    app-1 debugs (2-60), app-2 is IC (3-60), app-3 spectates 4-30, app-4 (woken at night)
    spectates 10-35 and is then asked to help as an expert until the end; app-5 reads an
    update without being engaged. ``web`` and ``api`` face customers, ``db`` does not.
    """
    return [
        detected(0, category="cascading", flags=("security",), exposure_per_min=10.0),
        ev(0, Kind.AFFECTED, service="web", via="", customer_facing=True),
        ev(0, Kind.PAGED, role="debugger", team="app"),
        ev(1, Kind.ROOM_OPENED, reason="protocol", limit=None),
        joined(2, "app-1", "debugger"),
        joined(3, "app-2", "ic"),
        joined(4, "app-3", "spectator"),
        ev(5, Kind.AFFECTED, service="db", via="web", customer_facing=False),
        ev(6, Kind.AFFECTED, service="api", via="web", customer_facing=True),
        joined(10, "app-4", "spectator", off_hours=True),
        interrupted(15, "app-5", answer=1.5, refocus=0.0, role="watcher", engaged=False),
        ev(20, Kind.DECISION, name="containment", medium="room", wait_min=8.0, containment=True),
        ev(25, Kind.ESCALATED, reason="test"),
        left(30, "app-3", "spectator", refocus=25.0),
        ev(35, Kind.JOINED, "app-4", role="expert", change=True),
        ev(40, Kind.DECISION, name="fix-forward", medium="room", wait_min=5.0, containment=False),
        ev(45, Kind.FIXED, service="web"),
        ev(45, Kind.RECOVERED, service="web"),
        ev(50, Kind.RECOVERED, service="api"),
        ev(50, Kind.MITIGATED),
        ev(55, Kind.RECOVERED, service="db"),
        ev(60, Kind.RESOLVED),
        ev(60, Kind.ROOM_CLOSED),
        left(60, "app-1", "debugger", refocus=20.0),
        left(60, "app-2", "ic"),
        left(60, "app-4", "expert"),
    ]


def test_incident_record_from_a_hand_built_room_log(room_log):
    rec = incident_record(
        room_log, Costs(hourly_usd=60.0, off_hours_multiplier=2.0, customer_impact_usd_per_min=1.0)
    )
    assert rec["incident_id"] == 0
    assert rec["category"] == "cascading"
    assert rec["flags"] == "security"
    assert rec["services_affected"] == 3
    assert (
        rec["detected_at_min"],
        rec["engaged_at_min"],
        rec["mitigated_at_min"],
        rec["resolved_at_min"],
    ) == (0, 2, 50, 60)
    assert rec["ttr_min"] == 60
    assert rec["engage_wait_min"] == 2
    # person-minutes: debugger 58 + IC 57 + app-3 26 + app-4 (25 spectating + 25 expert) + read 1.5
    assert rec["responder_hours"] == pytest.approx(192.5 / 60)
    assert rec["non_essential_hours"] == pytest.approx((26 + 25 + 1.5) / 60)
    assert rec["refocus_hours"] == pytest.approx((25 + 20) / 60)
    assert rec["engineer_hours"] == pytest.approx((192.5 + 45) / 60)
    assert rec["interruptions"] == 1
    assert rec["escalated"] is True
    assert rec["war_room_minutes"] == 59
    assert rec["peak_participants"] == 4  # app-1..4 all in at minute 10; a role change is no join
    assert rec["decision_wait_min"] == 13
    # customer-facing services only: web 0->45 and api 6->50; db is internal
    assert rec["customer_impact_min"] == pytest.approx(45 + 44)
    # 10 records a minute until the containment decision at minute 20
    assert rec["data_exposure"] == pytest.approx(200)
    # app-4 joined off hours: 50 minutes at the extra (2x - 1) rate
    assert rec["labour_cost_usd"] == pytest.approx(192.5 + 45 + 50)
    assert rec["impact_cost_usd"] == pytest.approx(89)
    assert rec["cost_usd"] == pytest.approx(192.5 + 45 + 50 + 89)


def test_exposure_runs_to_resolution_without_containment_and_unrecovered_impact_to_the_end():
    log = [
        detected(100, flags=("security",), exposure_per_min=4.0),
        ev(100, Kind.AFFECTED, service="web", via="", customer_facing=True),
        joined(105, "app-1", "debugger"),
        ev(120, Kind.DECISION, name="rollback", medium="channel", wait_min=12.0, containment=False),
        ev(160, Kind.RESOLVED),
        left(160, "app-1", "debugger"),
    ]
    rec = incident_record(log, Costs())
    assert rec["data_exposure"] == pytest.approx(4.0 * 60)
    assert rec["customer_impact_min"] == pytest.approx(60)  # never logged RECOVERED
    assert rec["mitigated_at_min"] == 160  # no MITIGATED: mitigation is resolution
    assert rec["escalated"] is False
    assert rec["war_room_minutes"] == 0
    assert rec["non_essential_hours"] == 0


def test_engagement_starts_when_someone_already_present_becomes_the_debugger():
    log = [
        detected(0),
        ev(1, Kind.ROOM_OPENED, reason="protocol", limit=None),
        joined(4, "app-2", "spectator"),
        ev(9, Kind.JOINED, "app-2", role="debugger", change=True),
        ev(30, Kind.RESOLVED),
        left(30, "app-2", "debugger"),
    ]
    rec = incident_record(log, Costs())
    assert rec["engaged_at_min"] == 9 and rec["engage_wait_min"] == 9
    assert rec["non_essential_hours"] == pytest.approx(5 / 60)
    assert rec["responder_hours"] == pytest.approx(26 / 60)


def test_engaged_interruption_is_not_charged_twice(roster):
    """An interruption of someone already in the incident costs them no extra person-time.

    The debugger is in the incident for the whole hour; the spectator's question and the
    refocus after it happen inside that hour (the model delays the debugger's work by them,
    which already lengthens the hour). ``time_accounting`` agrees: 60 responding minutes each.
    """
    log = [
        detected(600),
        joined(600, "app-1", "debugger"),
        joined(600, "app-2", "ic"),
        interrupted(610, "app-1", answer=2.0, refocus=5.0, role="debugger", engaged=True),
        ev(660, Kind.RESOLVED),
        left(660, "app-1", "debugger"),
        left(660, "app-2", "ic"),
    ]
    assert_incident_hours_match_accounting(log, roster, expected_minutes=120)


def test_overlapping_charges_within_one_incident_count_once(roster):
    log = [
        detected(600),
        joined(600, "app-1", "debugger"),
        # app-2 answers in the channel, and again in the next round before refocusing: 610-621
        interrupted(610, "app-2", answer=2.0, refocus=5.0, role="stakeholder", engaged=False),
        interrupted(614, "app-2", answer=2.0, refocus=5.0, role="stakeholder", engaged=False),
        # ... then spectates, leaves, and is paged back as the expert during the refocus: 630-660
        joined(630, "app-2", "spectator"),
        left(640, "app-2", "spectator", refocus=20.0),
        joined(645, "app-2", "expert"),
        ev(660, Kind.RESOLVED),
        left(660, "app-1", "debugger"),
        left(660, "app-2", "expert"),
    ]
    assert_incident_hours_match_accounting(log, roster, expected_minutes=60 + 11 + 30)


def assert_incident_hours_match_accounting(log, roster, expected_minutes: float) -> None:
    """time_accounting finds ``expected_minutes`` of incident time, and incident_record agrees."""
    table = time_accounting(log, roster, DAY)
    accounted = float(table[["responding", "spectating", "refocusing"]].sum().sum())
    assert accounted == pytest.approx(expected_minutes)
    rec = incident_record(log, Costs())
    assert rec["engineer_hours"] * 60 == pytest.approx(accounted), (
        f"incident_record charges {rec['engineer_hours'] * 60:.1f} person-minutes, "
        f"time_accounting {accounted:.1f}"
    )


# -- time_accounting -----------------------------------------------------------------------
def test_time_accounting_priority_on_a_hand_built_day(roster):
    """responding > spectating > refocusing > off hours > own work, over one Monday."""
    log = [
        # app-1 spectates incident 0 from 10:00, is pulled in to debug incident 1 at 11:10
        joined(600, "app-1", "spectator", incident=0),
        joined(670, "app-1", "debugger", incident=1),
        interrupted(680, "app-1", answer=2.0, refocus=5.0, role="debugger", engaged=True, incident=1),
        left(680, "app-1", "spectator", refocus=25.0, incident=0),  # refocus 680-705
        left(700, "app-1", "debugger", refocus=0.0, incident=1),
        # and debugs again at 20:00, off hours
        joined(1200, "app-1", "debugger", incident=2),
        left(1260, "app-1", "debugger", incident=2),
        # app-2 reads an update at 13:20 without joining
        interrupted(800, "app-2", answer=3.0, refocus=4.0, role="watcher", engaged=False, incident=0),
    ]
    table = time_accounting(log, roster, DAY)
    a1, a2 = row(table, "app-1"), row(table, "app-2")
    assert a1["responding"] == pytest.approx(30 + 60)  # 670-700 and 1200-1260
    assert a1["spectating"] == pytest.approx(70)  # 600-670; 670-680 is responding
    assert a1["refocusing"] == pytest.approx(5)  # 700-705; the rest overlaps responding
    assert a1["off"] == pytest.approx(960 - 60)  # night, less the hour debugging
    assert a1["own_work"] == pytest.approx(480 - 30 - 70 - 5)
    assert a2["spectating"] == pytest.approx(3)
    assert a2["refocusing"] == pytest.approx(4)
    assert a2["own_work"] == pytest.approx(480 - 7)
    assert a2["off"] == pytest.approx(960)
    states = ["own_work", "responding", "spectating", "refocusing", "off"]
    assert table[states].sum(axis=1).to_numpy() == pytest.approx([DAY, DAY])


def test_overlapping_incidents_are_not_double_counted(roster):
    log = [
        joined(600, "app-1", "debugger", incident=0),
        joined(650, "app-1", "expert", incident=1),
        left(700, "app-1", "debugger", incident=0),
        left(750, "app-1", "expert", incident=1),
    ]
    a1 = row(time_accounting(log, roster, DAY), "app-1")
    assert a1["responding"] == pytest.approx(150)
    assert a1["own_work"] == pytest.approx(480 - 150)


def test_time_accounting_clips_to_the_horizon(roster):
    """An engagement still open at the horizon counts up to it, and refocus past it is cut."""
    log = [
        joined(900, "app-1", "debugger"),
        joined(950, "app-2", "spectator"),
        left(1010, "app-2", "spectator", refocus=30.0),
    ]
    table = time_accounting(log, roster, 1020.0)
    a1, a2 = row(table, "app-1"), row(table, "app-2")
    assert a1["responding"] == pytest.approx(120)
    assert a2["spectating"] == pytest.approx(60)
    assert a2["refocusing"] == pytest.approx(10)
    states = ["own_work", "responding", "spectating", "refocusing", "off"]
    assert table[states].sum(axis=1).to_numpy() == pytest.approx([1020.0, 1020.0])


# -- statistics ------------------------------------------------------------------------------
SAMPLE = [2.1, 3.4, 1.9, 5.6, 4.4, 3.3, 2.8]


@pytest.mark.parametrize("level", [0.90, 0.95, 0.99])
def test_t_interval_matches_scipy(level):
    x = np.array(SAMPLE)
    low, high = stats.t.interval(level, len(x) - 1, loc=x.mean(), scale=stats.sem(x))
    m, lo, hi = t_interval(SAMPLE, level)
    assert m == pytest.approx(x.mean())
    assert (lo, hi) == pytest.approx((low, high))


def test_t_interval_ignores_nan_and_needs_two_values():
    m, lo, hi = t_interval([*SAMPLE, math.nan])
    assert (m, lo, hi) == pytest.approx(t_interval(SAMPLE))
    m, lo, hi = t_interval([4.0])
    assert m == 4.0 and math.isnan(lo) and math.isnan(hi)
    assert all(math.isnan(v) for v in t_interval([]))


@pytest.fixture
def paired_incidents() -> pd.DataFrame:
    """Two protocols meeting the same incidents; replications hold unequal numbers of them."""
    rng = np.random.default_rng(12345)
    rows = []
    for rep in range(6):
        n = 2 + rep % 3
        base = rng.normal(100, 30, size=(n, len(METRICS)))
        cats = ["single-service" if i % 2 == 0 else "cascading" for i in range(n)]
        for proto, shift in (("war-room", 0.0), ("async-first", -10.0)):
            noise = rng.normal(shift, 3.0, size=base.shape)
            for i in range(n):
                rows.append(
                    {
                        "replication": rep,
                        "protocol": proto,
                        "incident_id": i,
                        "category": cats[i],
                        **dict(zip(METRICS, base[i] + noise[i])),
                    }
                )
    return pd.DataFrame(rows)


@pytest.mark.parametrize("category", ["all", "cascading"])
def test_summarize_paired_difference_is_the_ci_of_per_replication_differences(paired_incidents, category):
    df = paired_incidents if category == "all" else paired_incidents[paired_incidents["category"] == category]
    summary = summarize(paired_incidents, ["war-room", "async-first"])
    for metric in ("ttr_min", "engineer_hours"):
        per_rep = df.groupby(["replication", "protocol"])[metric].mean().unstack()
        diffs = (per_rep["async-first"] - per_rep["war-room"]).to_numpy()
        want = t_interval(diffs)
        got = summary[
            (summary["kind"] == "difference")
            & (summary["category"] == category)
            & (summary["metric"] == metric)
        ]
        assert list(got["protocol"]) == ["async-first - war-room"]
        got = got.iloc[0]
        assert (got["mean"], got["ci_low"], got["ci_high"]) == pytest.approx(want)
        assert got["n_replications"] == 6
        # pairing matters: the unpaired interval of the same data is far wider
        unpaired = t_interval(per_rep["async-first"].to_numpy())
        assert got["ci_high"] - got["ci_low"] < (unpaired[2] - unpaired[1]) / 2


def test_summarize_protocol_mean_is_over_replications_not_incidents(paired_incidents):
    summary = summarize(paired_incidents, ["war-room", "async-first"], by_category=False)
    got = summary[
        (summary["kind"] == "protocol")
        & (summary["protocol"] == "war-room")
        & (summary["metric"] == "ttr_min")
    ].iloc[0]
    sub = paired_incidents[paired_incidents["protocol"] == "war-room"]
    per_rep = sub.groupby("replication")["ttr_min"].mean()
    assert got["mean"] == pytest.approx(per_rep.mean())
    assert got["mean"] != pytest.approx(sub["ttr_min"].mean())  # unequal replication sizes
    assert got["n_incidents"] == len(sub)
    assert got["median"] == pytest.approx(sub["ttr_min"].median())
    assert got["p90"] == pytest.approx(np.percentile(sub["ttr_min"], 90))
