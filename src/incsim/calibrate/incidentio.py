"""incident.io API v2 incidents (``GET /v2/incidents``: ``{"incidents": [...]}``).

Fields read: ``id, reference, mode`` (``test`` and ``tutorial`` dropped), ``incident_status
{category}`` (``declined``, ``merged``, ``canceled`` dropped; ``triage``, ``live`` and ``paused``
are open), ``severity {name, rank}``, ``incident_type {name}``, ``created_at``,
``incident_timestamp_values[] {incident_timestamp {name}, value {value}}``,
``duration_metrics[] {duration_metric {name}, value_seconds, status}`` (the whole incident's:
see ``DURATIONS``; a ``status`` other than ``success`` skipped, a missing one read),
``incident_role_assignments[] {role, assignee}`` and ``workload_minutes_total, _working,
_late, _sleeping``.
"""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from incsim.calibrate.records import (
    RECORD_ERRORS,
    Export,
    Incident,
    Intake,
    after,
    amount,
    parse_time,
    record_error,
    seconds,
    text,
)
from incsim.calibrate.source import records

LIST_KEYS = ("incidents", "data")
SKIP_MODES = ("test", "tutorial")
SKIP_STATUS = ("declined", "merged", "canceled")
OPEN_STATUS = ("triage", "live", "paused")
# timestamp names as incident.io's default lifecycle calls them (lower-cased for matching)
STARTS = ("impact started", "reported at", "reported")
ACKS = ("accepted at", "acknowledged at", "accepted")
MITIGATED = ("fixed at", "mitigated at", "stabilised at", "stabilized at")
RESOLVED = ("resolved at", "closed at", "resolved")


def _timestamps(rec: dict) -> dict[str, datetime]:
    out = {}
    for item in rec.get("incident_timestamp_values") or []:
        name = str(((item or {}).get("incident_timestamp") or {}).get("name", "")).strip().lower()
        value = ((item or {}).get("value") or {}).get("value")
        t = parse_time(value)
        if name and t is not None:
            out[name] = t
    return out


def _first(ts: dict[str, datetime], names: tuple[str, ...]) -> datetime | None:
    return next((ts[n] for n in names if n in ts), None)


DURATIONS = ("resolve", "lasted", "duration")
"""Duration metrics that measure the whole incident, by a word in their name, first match first
(``Time to resolve``; ``Lasted``, the API's own example; a custom ``... duration``)."""


def _duration_s(rec: dict) -> float | None:
    """Seconds of the first whole-incident duration metric with a value. A metric's ``status``
    is optional in the API: missing, it counts; present, only ``success`` counts."""
    metrics = [m for m in rec.get("duration_metrics") or [] if isinstance(m, dict)]
    for word in DURATIONS:
        for m in metrics:
            name = str((m.get("duration_metric") or {}).get("name", "")).lower()
            status = str(m.get("status") or "success").lower()
            if word in name and status == "success" and m.get("value_seconds") is not None:
                return seconds(m.get("value_seconds"), f"duration metric {name!r}")
    return None


def read(path: Path, strict: bool = False) -> Export:
    """Read an incident.io v2 incidents export."""
    intake = Intake(path, "incidentio", strict)
    for where, rec in records(path, LIST_KEYS, intake.problem):
        try:
            mode = str(rec.get("mode") or "standard").lower()
            if mode in SKIP_MODES:
                intake.drop(f"{mode} mode")
                continue
            status = str((rec.get("incident_status") or {}).get("category") or "").lower()
            if status in SKIP_STATUS:
                intake.drop(f"status {status}")
                continue
            rid = text(rec.get("id")) or text(rec.get("reference"))
            ts = _timestamps(rec)
            start = _first(ts, STARTS) or parse_time(rec.get("created_at"))
            if rid is None or start is None:
                intake.problem(where, "needs 'id' and a start ('Reported at' or 'created_at')")
                continue
            resolved = None
            if status not in OPEN_STATUS:
                resolved = _first(ts, RESOLVED)
                if resolved is None:
                    secs = _duration_s(rec)
                    resolved = None if secs is None else after(start, secs, "duration metric")
                if resolved is None:
                    intake.drop("closed without a resolution time")
                    continue
            people = {
                str((a.get("assignee") or {}).get("id") or (a.get("assignee") or {}).get("name"))
                for a in rec.get("incident_role_assignments") or []
                if a and a.get("assignee")
            }
            work = {
                k: amount(rec.get(f"workload_minutes_{f}"), f"workload_minutes_{f}")
                for k, f in (("business", "working"), ("off", "late"), ("sleep", "sleeping"))
            }
            total = amount(rec.get("workload_minutes_total"), "workload_minutes_total")
            ack = _first(ts, ACKS)
            intake.add(
                Incident(
                    id=rid,
                    start=start,
                    resolved=resolved,
                    acknowledged=ack,
                    engaged=ack,
                    mitigated=_first(ts, MITIGATED),
                    severity=text(rec.get("severity")),
                    category=text(rec.get("incident_type")),
                    responders=len(people) or None,
                    workload_min=work if any(v is not None for v in work.values()) else None,
                    engineer_hours=None if total is None else total / 60.0,
                )
            )
            intake.seen(parse_time(rec.get("updated_at")), *ts.values())
        except RECORD_ERRORS as exc:
            intake.problem(where, record_error(exc))
    return intake.export()
