"""Event log -> per-incident records, engineer time accounting, and summary statistics.

Every figure here is derived from the events a simulation logged; nothing is read from the
model's internal state.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Sequence

import numpy as np
import pandas as pd
from scipy import stats

from incsim.intervals import clip, measure, subtract, union
from incsim.model.events import Event, Kind
from incsim.model.people import Roster
from incsim.scenario.schema import Costs

NON_ESSENTIAL = ("spectator", "watcher")
STATES = ("own_work", "responding", "spectating", "refocusing", "off")

INCIDENT_COLUMNS = [
    "replication", "protocol", "incident_id", "category", "flags", "services_affected",
    "detected_at_min", "engaged_at_min", "mitigated_at_min", "resolved_at_min", "ttr_min",
    "engage_wait_min", "customer_impact_min",
    "responder_hours", "non_essential_hours", "refocus_hours", "engineer_hours", "interruptions",
    "escalated", "war_room_minutes", "peak_participants", "decision_wait_min", "data_exposure",
    "labour_cost_usd", "impact_cost_usd", "cost_usd",
]
METRICS = [
    "ttr_min", "engage_wait_min", "customer_impact_min", "engineer_hours", "responder_hours", "non_essential_hours",
    "refocus_hours", "interruptions", "war_room_minutes", "peak_participants", "decision_wait_min",
    "data_exposure", "cost_usd",
]


def _by_incident(events: Iterable[Event]) -> dict[int, list[Event]]:
    out: dict[int, list[Event]] = defaultdict(list)
    for ev in events:
        if ev.incident >= 0 and ev.kind is not Kind.INJECTED:
            out[ev.incident].append(ev)
    return out


def incident_record(events: Sequence[Event], costs: Costs) -> dict:
    """One incident's row (without replication/protocol) from its own events."""
    det = next(e for e in events if e.kind is Kind.DETECTED)
    resolved = next((e.t for e in events if e.kind is Kind.RESOLVED), math.nan)
    mitigated = next((e.t for e in events if e.kind is Kind.MITIGATED), resolved)
    affected_at: dict[str, float] = {}
    facing: set[str] = set()
    recovered_at: dict[str, float] = {}
    joined: dict[str, tuple[float, str, bool]] = {}
    # per person: essential / non-essential / refocus / off-hours spans, merged at the end so
    # that overlapping spans (re-paged during a refocus, two round-trips close together) count once
    spans: dict[str, dict[str, list[tuple[float, float]]]] = defaultdict(
        lambda: {"essential": [], "non_essential": [], "refocus": [], "off": []})
    interruptions = 0
    present = peak = 0
    room_open_at: float | None = None
    room_minutes = 0.0
    decision_wait = 0.0
    contained_at: float | None = None
    escalated = False
    engaged_at = math.nan

    def close(who: str, t: float) -> None:
        start, role, off = joined.pop(who)
        spans[who]["non_essential" if role in NON_ESSENTIAL else "essential"].append((start, t))
        if off:
            spans[who]["off"].append((start, t))

    for e in events:
        k = e.kind
        if k is Kind.AFFECTED:
            affected_at.setdefault(e.data["service"], e.t)
            if e.data.get("customer_facing"):
                facing.add(e.data["service"])
        elif k is Kind.RECOVERED:
            recovered_at.setdefault(e.data["service"], e.t)
        elif k is Kind.JOINED:
            if e.data.get("change"):
                start, role, off = joined[e.who]
                close(e.who, e.t)
                joined[e.who] = (e.t, e.data["role"], off)
                if e.data["role"] == "debugger" and math.isnan(engaged_at):
                    engaged_at = e.t
            else:
                joined[e.who] = (e.t, e.data["role"], bool(e.data.get("off_hours")))
                if e.data["role"] == "debugger" and math.isnan(engaged_at):
                    engaged_at = e.t
                present += 1
                peak = max(peak, present)
        elif k is Kind.LEFT:
            close(e.who, e.t)
            present -= 1
            spans[e.who]["refocus"].append((e.t, e.t + e.data["refocus_min"]))
        elif k is Kind.INTERRUPTED:
            interruptions += 1
            if not e.data.get("engaged"):
                # an engaged person's refocus falls inside time already counted as responding
                a, r = e.data["answer_min"], e.data["refocus_min"]
                kind = "non_essential" if e.data["role"] in NON_ESSENTIAL else "essential"
                spans[e.who][kind].append((e.t, e.t + a))
                spans[e.who]["refocus"].append((e.t + a, e.t + a + r))
        elif k is Kind.ROOM_OPENED:
            room_open_at = e.t
        elif k is Kind.ROOM_CLOSED and room_open_at is not None:
            room_minutes += e.t - room_open_at
            room_open_at = None
        elif k is Kind.DECISION:
            decision_wait += e.data["wait_min"]
            if e.data.get("containment") and contained_at is None:
                contained_at = e.t
        elif k is Kind.ESCALATED:
            escalated = True
    end = resolved if not math.isnan(resolved) else (events[-1].t if events else det.t)
    for who in list(joined):
        close(who, end)
    person_time = non_essential = refocus = off_hours_time = 0.0
    for s in spans.values():
        essential = union(s["essential"])
        involved = union(essential + s["non_essential"])
        person_time += measure(involved)
        non_essential += measure(subtract(union(s["non_essential"]), essential))
        refocus += measure(subtract(union(s["refocus"]), involved))
        off_hours_time += measure(union(s["off"]))
    impact = sum(recovered_at.get(s, end) - affected_at[s] for s in facing)
    exposure_rate = det.data.get("exposure_per_min", 0.0)
    exposure = exposure_rate * ((contained_at if contained_at is not None else end) - det.t)
    responder_h = person_time / 60.0
    refocus_h = refocus / 60.0
    engineer_h = responder_h + refocus_h
    labour = (engineer_h + (costs.off_hours_multiplier - 1.0) * off_hours_time / 60.0) * costs.hourly_usd
    impact_cost = impact * costs.customer_impact_usd_per_min
    return {
        "incident_id": det.incident,
        "category": det.data["category"],
        "flags": ";".join(det.data["flags"]),
        "services_affected": len(affected_at),
        "detected_at_min": det.t,
        "engaged_at_min": engaged_at,
        "mitigated_at_min": mitigated,
        "resolved_at_min": resolved,
        "ttr_min": resolved - det.t,
        "engage_wait_min": engaged_at - det.t,
        "customer_impact_min": impact,
        "responder_hours": responder_h,
        "non_essential_hours": non_essential / 60.0,
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


def incident_records(events: Iterable[Event], costs: Costs) -> list[dict]:
    """A row per incident in the log, in incident order."""
    groups = _by_incident(events)
    return [incident_record(groups[i], costs) for i in sorted(groups)]


# -- engineer time -----------------------------------------------------------------------






def time_accounting(events: Iterable[Event], roster: Roster, horizon: float) -> pd.DataFrame:
    """Minutes per engineer in each state over ``[0, horizon]``; the states sum to the horizon.

    Where states overlap (an engineer in two incidents, a refocus cut short by a new page),
    the higher one counts: responding, then spectating, then refocusing, then off hours.
    """
    spans: dict[str, dict[str, list]] = defaultdict(lambda: {"responding": [], "spectating": [], "refocusing": []})
    open_: dict[tuple[int, str], tuple[float, str]] = {}
    for e in events:
        if e.kind is Kind.JOINED:
            key = (e.incident, e.who)
            if e.data.get("change") and key in open_:
                start, role = open_.pop(key)
                state = "spectating" if role in NON_ESSENTIAL else "responding"
                spans[e.who][state].append((start, e.t))
            open_[key] = (e.t, e.data["role"])
        elif e.kind is Kind.LEFT:
            start, role = open_.pop((e.incident, e.who))
            state = "spectating" if role in NON_ESSENTIAL else "responding"
            spans[e.who][state].append((start, e.t))
            r = e.data["refocus_min"]
            if r > 0:
                spans[e.who]["refocusing"].append((e.t, e.t + r))
        elif e.kind is Kind.INTERRUPTED and e.who in roster.engineers:
            a = e.data["answer_min"]
            if not e.data.get("engaged"):
                state = "spectating" if e.data["role"] in NON_ESSENTIAL else "responding"
                spans[e.who][state].append((e.t, e.t + a))
            r = e.data["refocus_min"]
            if r > 0:
                spans[e.who]["refocusing"].append((e.t + a, e.t + a + r))
    for (inc, who), (start, role) in open_.items():
        state = "spectating" if role in NON_ESSENTIAL else "responding"
        spans[who][state].append((start, horizon))
    rows = []
    for eng in roster.engineers.values():
        s = spans.get(eng.id, {"responding": [], "spectating": [], "refocusing": []})
        taken: list[tuple[float, float]] = []
        row = {"engineer": eng.id, "team": eng.team}
        covered = 0.0
        for state in ("responding", "spectating", "refocusing"):
            taken = union(taken + clip(s[state], 0.0, horizon))
            now_covered = measure(taken)
            row[state] = now_covered - covered
            covered = now_covered
        work = union(eng.work_intervals(0.0, horizon))
        off = union(clip([(0.0, horizon)], 0, horizon))
        # off hours = complement of work, minus what a higher state already took
        off_only = subtract(subtract(off, work), taken)
        row["off"] = measure(off_only)
        row["own_work"] = horizon - covered - row["off"]
        rows.append(row)
    return pd.DataFrame(rows, columns=["engineer", "team", *STATES])




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
    half = float(stats.t.ppf(0.5 + level / 2, n - 1) * x.std(ddof=1) / math.sqrt(n))
    return m, m - half, m + half


BOOTSTRAP_RESAMPLES = 4000
BOOTSTRAP_SEED = 20261130
"""A fixed seed: the same replications always give the same interval (and the same bytes)."""
CI_METHODS = {
    "t": "Student-t interval over replication means",
    "bootstrap": "percentile bootstrap over replication means (the t interval would cross zero, "
                 "which a non-negative quantity cannot)",
}


def bounded_interval(values: Sequence[float], level: float = 0.95,
                     lower: float = 0.0) -> tuple[float, float, float, str]:
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
                rows.append({
                    "kind": "protocol", "category": category, "protocol": proto, "metric": metric,
                    "n_incidents": len(sub), "n_replications": len(rep), "mean": m,
                    "ci_low": lo, "ci_high": hi,
                    "median": float(np.median(vals)) if len(vals) else math.nan,
                    "p90": float(np.percentile(vals, 90)) if len(vals) else math.nan,
                    "ci_method": method,
                })
        wide = means.pivot(index="replication", columns="protocol")
        for i, a in enumerate(protocols):
            for b in protocols[i + 1:]:
                for metric in METRICS:
                    if (metric, a) not in wide or (metric, b) not in wide:
                        continue
                    d = (wide[(metric, b)] - wide[(metric, a)]).to_numpy()
                    m, lo, hi = t_interval(d)
                    rows.append({
                        "kind": "difference", "category": category, "protocol": f"{b} - {a}",
                        "metric": metric, "n_incidents": int(len(df[df["protocol"] == a])),
                        "n_replications": int((~np.isnan(d)).sum()), "mean": m, "ci_low": lo,
                        "ci_high": hi, "median": math.nan, "p90": math.nan, "ci_method": "t",
                    })
    return pd.DataFrame(rows)
