"""Event log -> per-incident records, engineer time accounting, and summary statistics.

Every figure here is derived from the events a simulation logged; nothing is read from the
model's internal state.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np
import pandas as pd

from incsim.accounting import (
    NON_ESSENTIAL,
    STATES,
    TIME_COLUMNS,
    Accounting,
    Span,
    minutes_by_state,
    off_hours_minutes,
    time_columns,
)
from incsim.collector import fewer_collections
from incsim.model.events import (
    RECORDS,
    Affected,
    Decision,
    Detected,
    Escalated,
    Event,
    Injected,
    Interrupted,
    Joined,
    Kind,
    Left,
    Recovered,
    RoomClosed,
    RoomOpened,
)
from incsim.model.people import Roster
from incsim.quantiles import t_ppf
from incsim.scenario.schema import Costs

__all__ = [
    "INCIDENT_COLUMNS",
    "METRICS",
    "NON_ESSENTIAL",
    "ROW_TYPE",
    "STATES",
    "incident_record",
    "incident_records",
    "per_replication_means",
    "score_log",
    "summarize",
    "t_interval",
    "time_accounting",
    "time_totals",
]

INCIDENT_COLUMNS = [
    "replication",
    "protocol",
    "incident_id",
    "category",
    "flags",
    "services_affected",
    "detected_at_min",
    "engaged_at_min",
    "mitigated_at_min",
    "resolved_at_min",
    "ttr_min",
    "engage_wait_min",
    "customer_impact_min",
    "responder_hours",
    "non_essential_hours",
    "refocus_hours",
    "engineer_hours",
    "interruptions",
    "escalated",
    "war_room_minutes",
    "peak_participants",
    "decision_wait_min",
    "data_exposure",
    "labour_cost_usd",
    "impact_cost_usd",
    "cost_usd",
]
METRICS = [
    "ttr_min",
    "engage_wait_min",
    "customer_impact_min",
    "engineer_hours",
    "responder_hours",
    "non_essential_hours",
    "refocus_hours",
    "interruptions",
    "war_room_minutes",
    "peak_participants",
    "decision_wait_min",
    "data_exposure",
    "cost_usd",
]

DECISION_METRICS = (
    "engineer_hours",
    "non_essential_hours",
    "ttr_min",
    "customer_impact_min",
    "data_exposure",
    "cost_usd",
)
"""The metrics a decision between protocols rests on (the report's headline, robustness studies)."""


Row = dict[str, Any]
"""One row of ``incidents.csv`` (or a summary's), by column: its values are of several types."""

_READ = (Affected, Decision, Escalated, Interrupted, Joined, Left, Recovered, RoomClosed, RoomOpened)
_IGNORED = frozenset(RECORDS.values()) - frozenset(_READ)
"""The record types ``incident_record``'s pass over the events has nothing to do with."""


def _by_incident(events: Iterable[Event]) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = defaultdict(list)
    for ev in events:
        if ev.incident >= 0 and ev.__class__ is not Injected:  # the one record type of Kind.INJECTED
            out[ev.incident].append(ev)
    return out


def incident_record(
    events: Sequence[Event], costs: Costs, spans: Sequence[Span] | None = None, roster: Roster | None = None
) -> Row:
    """One incident's row (without replication/protocol) from its own events.

    Its hours are ``spans``, the incident's share of the org's accounting (``accounting.py``);
    without them they are accounted from ``events`` alone. Off-hours minutes (which cost the
    off-hours multiplier) are read minute by minute from ``roster``'s working hours; without a
    roster, from whether each person joined off hours.
    """
    det = next(e for e in events if isinstance(e, Detected))
    resolved = next((e.t for e in events if e.kind is Kind.RESOLVED), math.nan)
    mitigated = next((e.t for e in events if e.kind is Kind.MITIGATED), resolved)
    end = resolved if not math.isnan(resolved) else (events[-1].t if events else det.t)
    if spans is None:
        spans = Accounting(events, open_until=end).spans
    affected_at: dict[str, float] = {}
    facing: set[str] = set()
    recovered_at: dict[str, float] = {}
    joined_off: set[str] = set()
    interruptions = 0
    present = peak = 0
    room_open_at: float | None = None
    room_minutes = 0.0
    decision_wait = 0.0
    contained_at: float | None = None
    escalated = False
    engaged_at = math.nan
    # one record type per kind and none derived from another, so the exact class says the kind
    # (cheaper than a chain of isinstance tests over every update and page); ``type(e) is`` where
    # the branch reads the record's own fields (it tells the type checker which record it is)
    for e in events:
        cls = e.__class__
        if cls in _IGNORED:
            continue
        if type(e) is Joined:
            if e.role == "debugger" and math.isnan(engaged_at):
                engaged_at = e.t
            if not e.change:
                if e.off_hours:
                    joined_off.add(e.who)
                present += 1
                peak = max(peak, present)
        elif cls is Left:
            present -= 1
        elif type(e) is Affected:
            affected_at.setdefault(e.service, e.t)
            if e.customer_facing:
                facing.add(e.service)
        elif type(e) is Recovered:
            recovered_at.setdefault(e.service, e.t)
        elif cls is Interrupted:
            interruptions += 1
        elif cls is RoomOpened:
            room_open_at = e.t
        elif cls is RoomClosed:
            if room_open_at is not None:
                room_minutes += e.t - room_open_at
                room_open_at = None
        elif type(e) is Decision:
            decision_wait += e.wait_min
            if e.containment and contained_at is None:
                contained_at = e.t
        elif cls is Escalated:
            escalated = True
    busy = minutes_by_state(spans)
    if roster is not None:
        off_hours_time = off_hours_minutes(spans, roster.engineers)
    else:
        off_hours_time = sum(s.minutes for s in spans if s.who in joined_off and s.state != "refocusing")
    # in service order: a sum over a set would follow its hash order, which changes between runs
    impact = sum(recovered_at.get(s, end) - affected_at[s] for s in sorted(facing))
    exposure = det.exposure_per_min * ((contained_at if contained_at is not None else end) - det.t)
    responder_h = (busy["responding"] + busy["spectating"]) / 60.0
    refocus_h = busy["refocusing"] / 60.0
    engineer_h = responder_h + refocus_h
    labour = (engineer_h + (costs.off_hours_multiplier - 1.0) * off_hours_time / 60.0) * costs.hourly_usd
    impact_cost = impact * costs.customer_impact_usd_per_min
    return {
        "incident_id": det.incident,
        "category": det.category,
        "flags": ";".join(det.flags),
        "services_affected": len(affected_at),
        "detected_at_min": det.t,
        "engaged_at_min": engaged_at,
        "mitigated_at_min": mitigated,
        "resolved_at_min": resolved,
        "ttr_min": resolved - det.t,
        "engage_wait_min": engaged_at - det.t,
        "customer_impact_min": impact,
        "responder_hours": responder_h,
        "non_essential_hours": busy["spectating"] / 60.0,
        "refocus_hours": refocus_h,
        "engineer_hours": engineer_h,
        "interruptions": interruptions,
        "escalated": escalated,
        "war_room_minutes": room_minutes,
        "peak_participants": peak,
        "decision_wait_min": decision_wait,
        "data_exposure": exposure,
        "labour_cost_usd": labour,
        "impact_cost_usd": impact_cost,
        "cost_usd": labour + impact_cost,
    }


def incident_records(
    events: Iterable[Event], costs: Costs, roster: Roster | None = None, accounting: Accounting | None = None
) -> list[Row]:
    """A row per incident in the log, in incident order; the hours come from one accounting of
    the whole log, so a minute someone gave to two incidents is charged to one of them."""
    with fewer_collections():
        events = list(events)
        acct = accounting if accounting is not None else Accounting(events)
        shares = acct.by_incident()
        groups = _by_incident(events)
        return [incident_record(groups[i], costs, shares.get(i, []), roster) for i in sorted(groups)]


def score_log(
    events: Sequence[Event], costs: Costs, roster: Roster, horizon: float
) -> tuple[list[Row], int, dict[str, float]]:
    """One protocol's event log scored as every replication is (run, sweep, replay): its incident
    rows, its engineers and its time totals, all from one accounting of the log, with off-hours
    minutes read from ``roster``'s working hours."""
    spans = Accounting(events)
    rows = incident_records(events, costs, roster, spans)
    engineers, totals = time_totals(events, roster, horizon, spans)
    return rows, engineers, totals


# -- engineer time -----------------------------------------------------------------------
def time_accounting(
    events: Iterable[Event], roster: Roster, horizon: float, accounting: Accounting | None = None
) -> pd.DataFrame:
    """Minutes per engineer in each state over ``[0, horizon]``; the states sum to the horizon.

    The states are ``accounting.py``'s spans (off hours and own work fill the rest); busy minutes
    past the horizon are in ``after_horizon``. Engagements still open count up to the horizon.
    """
    return pd.DataFrame(_time_columns(events, roster, horizon, accounting), columns=list(TIME_COLUMNS))


def _time_columns(
    events: Iterable[Event], roster: Roster, horizon: float, accounting: Accounting | None
) -> dict[str, list[str | float]]:
    """The time table by column, from ``accounting`` or, without one, from ``events`` with the
    engagements still open counted up to the horizon."""
    acct = accounting if accounting is not None else Accounting(events, open_until=horizon)
    return time_columns(acct, roster, horizon)


def time_totals(
    events: Iterable[Event], roster: Roster, horizon: float, accounting: Accounting | None = None
) -> tuple[int, dict[str, float]]:
    """The engineers of ``time_accounting``'s table and its column sums (``STATES`` and
    ``after_horizon``), without building the table: what a replication's time row needs. Each
    sum is NumPy's over the column in the table's order, as the table's own ``sum()`` is."""
    cols = _time_columns(events, roster, horizon, accounting)
    return len(cols["engineer"]), {
        c: float(np.sum(np.asarray(cols[c], dtype=float))) for c in TIME_COLUMNS[2:]
    }


# -- statistics --------------------------------------------------------------------------
def t_interval(values: Sequence[float], level: float = 0.95) -> tuple[float, float, float]:
    """(mean, low, high) of a Student-t confidence interval; the bounds are NaN for n < 2."""
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    n = len(x)
    if n == 0:
        return math.nan, math.nan, math.nan
    m = float(x.mean())
    if n < 2:
        return m, math.nan, math.nan
    half = float(t_ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half


BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20261130
"""A fixed seed: the same replications always give the same interval (and the same bytes)."""
CI_METHODS = {
    "t": "Student-t interval over replication means",
    "bootstrap": "percentile bootstrap over replication means (the t interval would cross zero, "
    "which a non-negative quantity cannot)",
}


def bounded_interval(
    values: Sequence[float], level: float = 0.95, lower: float = 0.0
) -> tuple[float, float, float, str]:
    """(mean, low, high, method) for a quantity that cannot fall below ``lower``: the Student-t
    interval when it respects the bound, else a percentile bootstrap over the values (``method``
    says which; see ``CI_METHODS``). The bounds are NaN for n < 2."""
    m, lo, hi = t_interval(values, level)
    if math.isnan(lo) or lo >= lower:
        return m, lo, hi, "t"
    x = np.asarray(values, dtype=float)
    x = x[~np.isnan(x)]
    rng = np.random.default_rng(BOOTSTRAP_SEED)
    means = x[rng.integers(0, len(x), size=(BOOTSTRAP_RESAMPLES, len(x)))].mean(axis=1)
    q = np.quantile(means, [0.5 - level / 2, 0.5 + level / 2])
    return m, max(float(q[0]), lower), float(q[1]), "bootstrap"


def per_replication_means(incidents: pd.DataFrame, by: Sequence[str] = ("protocol",)) -> pd.DataFrame:
    """Mean of every metric per replication (the unit of replication for CIs)."""
    keys = ["replication", *by]
    return incidents.groupby(keys, sort=True)[METRICS].mean().reset_index()


ROW_TYPE = "kind"
"""``summary.csv``'s column holding a row's type: ``protocol`` (one protocol's figure) or
``difference`` (a paired difference between two). Its name in the file is ``kind``, which readers
of the CSV know; in code it is the row type."""


def summarize(incidents: pd.DataFrame, protocols: Sequence[str], by_category: bool = True) -> pd.DataFrame:
    """Per protocol (and category) and metric: mean with 95% CI, median, p90; then paired differences.

    CIs are over replications (each replication's mean per incident is one observation);
    ``ci_method`` names how each was made (``CI_METHODS``): a protocol's figure cannot be
    negative, so its interval never is; a difference can be, and keeps the t interval.
    A paired difference ``B - A`` pairs the same replication, which met the same incidents
    under both protocols (common random numbers).
    """
    rows = []
    groups = [("all", incidents)]
    if by_category:
        groups += [(c, g) for c, g in incidents.groupby("category", sort=True)]
    for category, df in groups:
        means = per_replication_means(df)
        for proto in protocols:
            sub = df[df["protocol"] == proto]
            rep = means[means["protocol"] == proto]
            for metric in METRICS:
                # every metric is non-negative per incident: its interval must not go below 0
                m, lo, hi, method = bounded_interval(rep[metric].to_numpy())
                vals = sub[metric].to_numpy(dtype=float)
                rows.append(
                    {
                        ROW_TYPE: "protocol",
                        "category": category,
                        "protocol": proto,
                        "metric": metric,
                        "n_incidents": len(sub),
                        "n_replications": len(rep),
                        "mean": m,
                        "ci_low": lo,
                        "ci_high": hi,
                        "median": float(np.median(vals)) if len(vals) else math.nan,
                        "p90": float(np.percentile(vals, 90)) if len(vals) else math.nan,
                        "ci_method": method,
                    }
                )
        wide = means.pivot(index="replication", columns="protocol")
        for i, a in enumerate(protocols):
            for b in protocols[i + 1 :]:
                for metric in METRICS:
                    if (metric, a) not in wide or (metric, b) not in wide:
                        continue
                    d = (wide[(metric, b)] - wide[(metric, a)]).to_numpy()
                    m, lo, hi = t_interval(d)
                    rows.append(
                        {
                            ROW_TYPE: "difference",
                            "category": category,
                            "protocol": f"{b} - {a}",
                            "metric": metric,
                            "n_incidents": int(len(df[df["protocol"] == a])),
                            "n_replications": int((~np.isnan(d)).sum()),
                            "mean": m,
                            "ci_low": lo,
                            "ci_high": hi,
                            "median": math.nan,
                            "p90": math.nan,
                            "ci_method": "t",
                        }
                    )
    return pd.DataFrame(rows)
