"""Incident rows and summary statistics, rule by rule, on logs and samples small enough to work
out by hand. Every expected figure is arithmetic on the data written in the test."""

from __future__ import annotations

import math

import pandas as pd
import pytest
from event_helpers import ev

from incsim.accounting import Accounting, off_hours_minutes
from incsim.metrics import (
    METRICS,
    bounded_interval,
    incident_record,
    incident_records,
    per_replication_means,
    summarize,
    t_interval,
    time_accounting,
    time_totals,
)
from incsim.model.events import Event, Kind
from incsim.model.people import Roster
from incsim.scenario.schema import Costs, Scenario


def test_a_t_interval_of_two_values_by_hand():
    """Values 1 and 3: mean 2, sample sd sqrt(2), t(0.975, 1) = 12.706: 2 +- 12.706."""
    m, lo, hi = t_interval([1.0, 3.0])
    half = 12.706204736 * math.sqrt(2) / math.sqrt(2)
    assert (m, lo, hi) == pytest.approx((2.0, 2.0 - half, 2.0 + half), rel=1e-6)


def test_a_t_interval_needs_two_values_not_three():
    m, lo, hi = t_interval([5.0, 5.0])
    assert (m, lo, hi) == (5.0, 5.0, 5.0)


# -- one incident's row ------------------------------------------------------------------------


def detected(t=0.0, incident=0, flags=(), **data):
    return ev(
        t, Kind.DETECTED, incident=incident, category="cascading", flags=list(flags), roots=["web"], **data
    )


def joined(t, who, role, incident=0, **data):
    return ev(t, Kind.JOINED, who, incident, role=role, team="app", **data)


def left(t, who, role, incident=0, refocus=0.0):
    return ev(t, Kind.LEFT, who, incident, role=role, refocus_min=refocus)


@pytest.fixture
def busy_log() -> list[Event]:
    """Incident 5, minute by minute: two rooms (2-12, 20-25; a close with no room open is
    ignored), three people (a: IC 2-6; b: debugger 4-40; c: spectator 8-10, then debugger, its
    change logged with an off-hours mark that a change does not carry), three decisions (the
    first containment at 18), web (customer-facing) hit at 0 and again at 3, recovered at 30
    and again at 35; db (internal) hit at 4, never recovered."""
    i = 5
    return [
        detected(0, i, flags=("security", "data-loss"), exposure_per_min=2.0),
        ev(0, Kind.AFFECTED, incident=i, service="web", customer_facing=True),
        ev(1, Kind.ROOM_CLOSED, incident=i),
        ev(2, Kind.ROOM_OPENED, incident=i, reason="protocol"),
        joined(2, "a", "ic", i),
        ev(3, Kind.AFFECTED, incident=i, service="web", customer_facing=True),
        ev(4, Kind.AFFECTED, incident=i, service="db", customer_facing=False),
        joined(4, "b", "debugger", i),
        left(6, "a", "ic", i, refocus=4.0),
        joined(8, "c", "spectator", i),
        joined(10, "c", "debugger", i, change=True, off_hours=True),
        ev(12, Kind.ROOM_CLOSED, incident=i),
        ev(15, Kind.DECISION, incident=i, name="x", wait_min=3.0, containment=False),
        ev(18, Kind.DECISION, incident=i, name="y", wait_min=2.0, containment=True),
        ev(20, Kind.ROOM_OPENED, incident=i, reason="again"),
        ev(22, Kind.DECISION, incident=i, name="z", wait_min=1.0, containment=True),
        ev(25, Kind.ROOM_CLOSED, incident=i),
        ev(30, Kind.RECOVERED, incident=i, service="web"),
        ev(35, Kind.RECOVERED, incident=i, service="web"),
        ev(40, Kind.RESOLVED, incident=i),
        left(40, "b", "debugger", i),
        left(40, "c", "debugger", i),
    ]


def test_incident_row_from_a_busy_log(busy_log):
    rec = incident_record(
        busy_log, Costs(hourly_usd=60.0, off_hours_multiplier=3.0, customer_impact_usd_per_min=2.0)
    )
    assert rec["incident_id"] == 5
    assert rec["flags"] == "security;data-loss"
    assert rec["services_affected"] == 2
    assert rec["engaged_at_min"] == 4 and rec["engage_wait_min"] == 4
    assert rec["mitigated_at_min"] == 40 and rec["resolved_at_min"] == 40 and rec["ttr_min"] == 40
    assert rec["war_room_minutes"] == 10 + 5
    assert rec["peak_participants"] == 2  # a and b at 4; a left at 6 before c came at 8
    assert rec["decision_wait_min"] == 3 + 2 + 1
    assert rec["data_exposure"] == pytest.approx(2.0 * 18)  # until the first containment decision
    assert rec["customer_impact_min"] == pytest.approx(30)  # web, from its first hit to its first recovery
    assert rec["interruptions"] == 0 and rec["escalated"] is False
    # a: 4 responding + 4 refocusing; b: 36; c: 2 spectating + 30 responding; nobody joined off hours
    assert rec["responder_hours"] == pytest.approx((4 + 36 + 32) / 60)
    assert rec["non_essential_hours"] == pytest.approx(2 / 60)
    assert rec["refocus_hours"] == pytest.approx(4 / 60)
    assert rec["engineer_hours"] == pytest.approx(76 / 60)
    assert rec["labour_cost_usd"] == pytest.approx(76.0)
    assert rec["impact_cost_usd"] == pytest.approx(60.0)
    assert rec["cost_usd"] == pytest.approx(136.0)


def test_customer_impact_adds_its_services_in_name_order_whatever_the_hash_order():
    """Four customer-facing services, each hit at 0 and recovered after 1e-16, 1e-16, 1 and 2**53
    minutes (services a, b, c, d). Floating-point addition depends on the order: only the order
    a, b, c, d (or b, a, c, d) gives 2**53 + 2; every other order of the four gives something else.
    Summed in the order of a set of names, the row would change with Python's hash seed, that is
    from run to run (this failed under most hash seeds before the services were sorted)."""
    minutes = {"a": 1e-16, "b": 1e-16, "c": 1.0, "d": 2.0**53}
    log = [detected(0, 0)]
    for svc in ("d", "c", "b", "a"):
        log.append(ev(0, Kind.AFFECTED, service=svc, customer_facing=True))
    for svc in ("d", "c", "b", "a"):
        log.append(ev(minutes[svc], Kind.RECOVERED, service=svc))
    log.append(ev(2.0**53, Kind.RESOLVED))
    assert incident_record(log, Costs())["customer_impact_min"] == 2.0**53 + 2


def test_off_hours_without_a_roster_are_the_off_hours_joiners_busy_minutes_less_refocus():
    """a joins off hours and debugs 0-10 then refocuses 10-15; b joins in hours (0-20). At a 3x
    multiplier the 10 off-hours minutes cost twice extra: 15 + 20 + 2 * 10 minutes of pay."""
    log = [
        detected(0),
        joined(0, "a", "debugger", off_hours=True),
        joined(0, "b", "ic", off_hours=False),
        left(10, "a", "debugger", refocus=5.0),
        ev(20, Kind.RESOLVED),
        left(20, "b", "ic"),
    ]
    rec = incident_record(log, Costs(hourly_usd=60.0, off_hours_multiplier=3.0))
    assert rec["engineer_hours"] == pytest.approx(35 / 60)
    assert rec["labour_cost_usd"] == pytest.approx(35 + 2 * 10)


def test_rows_per_incident_skip_injections_and_events_of_no_incident():
    """Incident 0 resolves at 30; incident 1 never does, its own last event is at 20 (an
    injection at 100 is the facilitator's, not the incident's), so it is exposed 10-20."""
    log = [
        detected(0, 0),
        joined(1, "a", "debugger", 0),
        ev(5, Kind.UPDATE, incident=-1),
        detected(10, 1, exposure_per_min=1.0),
        ev(20, Kind.UPDATE, "a", 1),
        ev(30, Kind.RESOLVED, incident=0),
        left(30, "a", "debugger", 0),
        ev(100, Kind.INJECTED, incident=1, what="a customer calls"),
    ]
    recs = incident_records(log, Costs())
    assert [r["incident_id"] for r in recs] == [0, 1]
    assert recs[0]["ttr_min"] == 30 and recs[0]["data_exposure"] == 0.0
    assert recs[0]["responder_hours"] == pytest.approx(29 / 60)
    assert math.isnan(recs[1]["ttr_min"]) and math.isnan(recs[1]["engaged_at_min"])
    assert recs[1]["data_exposure"] == pytest.approx(10.0)
    assert recs[1]["engineer_hours"] == 0.0
    # the hours come from the accounting handed over, when there is one
    assert incident_records(log, Costs(), accounting=Accounting(log))[0]["responder_hours"] == pytest.approx(
        29 / 60
    )
    assert incident_records(log, Costs(), accounting=Accounting([]))[0]["responder_hours"] == 0.0


# -- intervals for quantities that cannot be negative --------------------------------------------
def test_bounded_interval_keeps_the_t_interval_when_it_stays_above_the_bound():
    assert bounded_interval([5.0, 5.0]) == (5.0, 5.0, 5.0, "t")
    assert bounded_interval([5.0, 5.0], lower=5.0) == (5.0, 5.0, 5.0, "t")
    m, lo, hi, method = bounded_interval([0.0, 0.0, 0.0, 10.0], lower=-100.0)
    assert method == "t" and (m, lo, hi) == pytest.approx(t_interval([0.0, 0.0, 0.0, 10.0]))
    m, lo, hi, method = bounded_interval([4.0])
    assert (m, method) == (4.0, "t") and math.isnan(lo) and math.isnan(hi)


@pytest.mark.parametrize("values", [[0.0, 0.0, 0.0, 10.0], [0.0, math.nan, 0.0, 0.0, 10.0]])
def test_bounded_interval_bootstraps_when_the_t_interval_crosses_zero(values):
    """Mean 2.5, sd 5, t(0.975, 3) = 3.18: the t interval starts near -5.5. Means of resamples of
    four values take 0, 2.5, 5, 7.5 or 10; all four zero has probability (3/4)^4 = 0.32, so the
    2.5% quantile is 0; a mean of 10 has probability (1/4)^4 = 0.004 and one of 7.5 or more
    4 (1/4)^3 (3/4) + 0.004 = 0.05, so the 97.5% quantile is 7.5. NaN is left out."""
    assert bounded_interval(values) == (2.5, 0.0, 7.5, "bootstrap")


def test_bounded_interval_never_reports_a_low_below_the_bound():
    m, lo, hi, method = bounded_interval([0.0, 0.0, 0.0, 10.0], lower=1.0)
    assert (lo, method) == (1.0, "bootstrap")


# -- per-replication means and the summary -------------------------------------------------------
def frame(rows):
    """Incident rows where every metric of a row has the row's one value ``v``."""
    return pd.DataFrame(
        [{"replication": r, "protocol": p, "category": c, **dict.fromkeys(METRICS, v)} for r, p, c, v in rows]
    )


@pytest.fixture
def small():
    """Replication 0: war-room 10 (single) and 20 (cascading), async 4 and 8; replication 1:
    war-room 30, async 6 (single only)."""
    return frame(
        [
            (1, "war-room", "single-service", 30.0),
            (1, "async-first", "single-service", 6.0),
            (0, "war-room", "single-service", 10.0),
            (0, "war-room", "cascading", 20.0),
            (0, "async-first", "single-service", 4.0),
            (0, "async-first", "cascading", 8.0),
        ]
    )


def test_per_replication_means_in_replication_order(small):
    means = per_replication_means(small)
    assert means[["replication", "protocol"]].values.tolist() == [
        [0, "async-first"],
        [0, "war-room"],
        [1, "async-first"],
        [1, "war-room"],
    ]
    assert means["ttr_min"].tolist() == [6.0, 15.0, 6.0, 30.0]


def pick(summary, kind, category, protocol, metric="ttr_min"):
    got = summary[
        (summary["kind"] == kind)
        & (summary["category"] == category)
        & (summary["protocol"] == protocol)
        & (summary["metric"] == metric)
    ]
    assert len(got) == 1
    return got.iloc[0].to_dict()


def test_summary_rows_by_hand(small):
    s = summarize(small, ["war-room", "async-first"])
    assert len(s) == 3 * (2 * len(METRICS) + len(METRICS))
    assert list(dict.fromkeys(s["category"])) == ["all", "cascading", "single-service"]
    # war-room overall: replication means 15 and 30; the t interval (22.5 +- 95) crosses zero, and a
    # resample of two means is 15, 22.5 or 30
    w = pick(s, "protocol", "all", "war-room")
    assert (w["mean"], w["ci_low"], w["ci_high"], w["ci_method"]) == (22.5, 15.0, 30.0, "bootstrap")
    assert (w["n_incidents"], w["n_replications"], w["median"]) == (3, 2, 20.0)
    assert w["p90"] == pytest.approx(28.0)  # 20 + 0.8 * (30 - 20)
    a = pick(s, "protocol", "all", "async-first")
    assert (a["mean"], a["ci_low"], a["ci_high"], a["ci_method"]) == (6.0, 6.0, 6.0, "t")
    assert a["p90"] == pytest.approx(7.6)  # 6 + 0.8 * (8 - 6)
    # the paired difference: -9 and -24
    d = pick(s, "difference", "all", "async-first - war-room")
    half = 12.706204736 * (15 / math.sqrt(2)) / math.sqrt(2)
    assert (d["mean"], d["ci_low"], d["ci_high"]) == pytest.approx(
        (-16.5, -16.5 - half, -16.5 + half), rel=1e-6
    )
    assert (d["n_incidents"], d["n_replications"], d["ci_method"]) == (3, 2, "t")
    assert math.isnan(d["median"]) and math.isnan(d["p90"])
    # cascading: one replication only
    c = pick(s, "protocol", "cascading", "war-room")
    assert (c["mean"], c["n_replications"], c["n_incidents"], c["median"], c["p90"]) == (
        20.0,
        1,
        1,
        20.0,
        20.0,
    )
    assert math.isnan(c["ci_low"]) and math.isnan(c["ci_high"])
    d = pick(s, "difference", "cascading", "async-first - war-room")
    assert (d["mean"], d["n_replications"], d["n_incidents"]) == (-12.0, 1, 1)
    # single-service, async: 4 and 6, the t interval 5 +- 12.7 crosses zero
    a = pick(s, "protocol", "single-service", "async-first")
    assert (a["mean"], a["ci_low"], a["ci_high"], a["ci_method"]) == (5.0, 4.0, 6.0, "bootstrap")
    assert len(summarize(small, ["war-room", "async-first"], by_category=False)) == 3 * len(METRICS)


def test_a_protocol_with_no_incidents_has_empty_figures_and_no_difference(small):
    s = summarize(small, ["war-room", "ghost"], by_category=False)
    g = pick(s, "protocol", "all", "ghost")
    assert (g["n_incidents"], g["n_replications"]) == (0, 0)
    assert all(math.isnan(g[k]) for k in ("mean", "ci_low", "ci_high", "median", "p90"))
    assert set(s["kind"]) == {"protocol"}


def test_after_resolution_the_row_stops_at_the_resolution():
    """Resolved at 30; a spectator still in, and a later event at 50, do not stretch it: the
    debugger's and the spectator's engagements, the unrecovered impact and the uncontained
    exposure all end at 30."""
    log = [
        detected(0, 0, exposure_per_min=1.0),
        ev(0, Kind.AFFECTED, service="web", customer_facing=True),
        joined(0, "a", "debugger"),
        joined(10, "b", "spectator"),
        ev(30, Kind.RESOLVED),
        left(30, "a", "debugger"),
        ev(50, Kind.UPDATE, "a"),
    ]
    rec = incident_record(log, Costs())
    assert rec["responder_hours"] == pytest.approx((30 + 20) / 60)
    assert rec["customer_impact_min"] == 30 and rec["data_exposure"] == 30


def test_the_time_table_uses_the_accounting_handed_over_and_its_columns(roster_one):
    log = [joined(600, "app-1", "debugger"), left(660, "app-1", "debugger")]
    table = time_accounting(log, roster_one, 1440.0)
    assert list(table.columns) == [
        "engineer",
        "team",
        "own_work",
        "responding",
        "spectating",
        "refocusing",
        "off",
        "after_horizon",
    ]
    assert table["responding"].tolist() == [60.0]
    assert time_accounting(log, roster_one, 1440.0, accounting=Accounting([]))["responding"].tolist() == [0.0]


@pytest.mark.parametrize("name", ["large-org", "fintech"])
def test_a_replication_s_time_totals_are_its_time_table_s_sums_to_the_bit(name):
    """A replication's time row (``time_totals``) is the time table's column sums, exactly: the
    same figures per person, in the same order, summed the same way, for every protocol (over an
    org where most people take no part, so their shared rows are in it too)."""
    from pathlib import Path

    from incsim.api import load
    from incsim.model.incidents import generate_incidents
    from incsim.model.streams import Streams
    from incsim.model.world import simulate

    scn = load(Path(__file__).resolve().parents[2] / "scenarios" / f"{name}.yaml").scenario
    horizon = scn.simulation.horizon_days * 1440.0
    incidents = generate_incidents(scn, Streams(3, 0), horizon)
    roster = Roster(scn)
    for proto in scn.protocols:
        events = simulate(scn, proto.name, Streams(3, 0), incidents, horizon, roster).log.events
        spans = Accounting(events)
        table = time_accounting(events, roster, horizon, spans)
        engineers, totals = time_totals(events, roster, horizon, spans)
        assert engineers == len(table) == len(roster.engineers)
        assert table["responding"].sum() > 0
        assert totals == {c: float(table[c].sum()) for c in table.columns[2:]}


def test_each_row_of_the_time_table_is_its_own_person_s_time():
    """Over a replication of ``large-org.yaml`` (three time zones; a few of its 258 people take
    part) cut at 25.4 days, every row, worked out again from that person's own spans alone: their busy minutes
    by state inside the horizon, what ran past it, their off hours less the busy minutes in
    them, and own work the rest. A row copied from the wrong person would differ."""
    from pathlib import Path

    from incsim.accounting import BUSY
    from incsim.api import load
    from incsim.intervals import measure
    from incsim.model.incidents import generate_incidents
    from incsim.model.streams import Streams
    from incsim.model.world import simulate

    scn = load(Path(__file__).resolve().parents[2] / "scenarios" / "large-org.yaml").scenario
    horizon = 25.4 * 1440.0  # not whole weeks: each time zone then has its own off hours in it
    roster = Roster(scn)
    events = simulate(
        scn, "async-first", Streams(3, 0), generate_incidents(scn, Streams(3, 0), horizon), horizon, roster
    ).log.events
    spans = Accounting(events)
    mine = spans.by_person()
    table = time_accounting(events, roster, horizon, spans)
    assert table["engineer"].tolist() == list(roster.engineers)
    assert 10 < sum(1 for e in roster.engineers if e in mine) < len(roster.engineers) / 2
    for row in table.itertuples(index=False):
        eng, own = roster.engineers[row.engineer], mine.get(row.engineer, [])
        assert row.team == eng.team
        inside = {s: sum(max(0.0, min(x.end, horizon) - x.start) for x in own if x.state == s) for s in BUSY}
        past = sum(x.end - max(x.start, horizon) for x in own if x.end > horizon)
        busy_off = off_hours_minutes([x for x in own if x.start < horizon], {eng.id: eng}) - sum(
            x.end - max(x.start, horizon) - measure(eng.work_intervals(max(x.start, horizon), x.end))
            for x in own
            if x.end > horizon
        )
        off = horizon - measure(eng.work_intervals(0.0, horizon)) - busy_off
        assert (row.responding, row.spectating, row.refocusing) == pytest.approx(
            (inside["responding"], inside["spectating"], inside["refocusing"]), abs=1e-6
        )
        assert row.after_horizon == pytest.approx(past, abs=1e-6)
        assert row.off == pytest.approx(off, abs=1e-6)
        assert row.own_work == pytest.approx(horizon - sum(inside.values()) - off, abs=1e-6)


@pytest.fixture
def roster_one() -> Roster:
    return Roster(
        Scenario.model_validate(
            {
                "apiVersion": "incsim/v1",
                "kind": "Scenario",
                "metadata": {"name": "one"},
                "org": {
                    "teams": [{"name": "app", "size": 1, "duties": ["ic"]}],
                    "services": [{"name": "web", "team": "app"}],
                },
                "incidents": {"categories": {"single-service": {"diagnosis": 10, "fix": None}}},
                "protocols": [{"name": "war-room", "kind": "war-room"}],
            }
        )
    )


def test_bounded_interval_uses_the_level_asked_for_and_the_same_resamples_every_time():
    values = [1.0, 2.0, 4.0, 8.0]
    m, lo, hi, method = bounded_interval(values, level=0.5)
    assert method == "t" and (m, lo, hi) == pytest.approx(t_interval(values, 0.5))
    assert (lo, hi) != pytest.approx(t_interval(values)[1:])
    skewed = [0.0, 0.3, 0.0, 1.7, 0.0, 9.2, 0.1]
    first = bounded_interval(skewed)
    assert first[3] == "bootstrap" and all(bounded_interval(skewed) == first for _ in range(3))
