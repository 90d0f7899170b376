"""FireHydrant incidents (``GET /v1/incidents``: ``{"data": [...], "pagination": {...}}``).

Fields read: ``id, started_at, created_at, severity, current_milestone, milestones[] {type,
occurred_at}`` (``started, detected, acknowledged, firstaction, mitigated, resolved``...),
``services[] {name}`` (or ``impacts[] {type: service, impact {name}}``), ``teams[] {name}``
and ``incident_type {name}``. An incident whose milestones stop before ``resolved`` is open.
"""

from __future__ import annotations

from pathlib import Path

from incsim.calibrate.records import (
    RECORD_ERRORS,
    Export,
    Incident,
    Intake,
    parse_time,
    record_error,
    text,
)
from incsim.calibrate.rootly import related_names
from incsim.calibrate.source import records

LIST_KEYS = ("data", "incidents")
DONE = (
    "resolved",
    "postmortem_started",
    "postmortem_completed",
    "retrospective_started",
    "retrospective_completed",
    "closed",
)


def read(path: Path, strict: bool = False) -> Export:
    """Read a FireHydrant incidents export."""
    intake = Intake(path, "firehydrant", strict)
    for where, item in records(path, LIST_KEYS, intake.problem):
        try:
            miles = {}
            for m in item.get("milestones") or []:
                kind = str((m or {}).get("type", "")).lower()
                t = parse_time((m or {}).get("occurred_at"))
                if kind and t is not None:
                    miles[kind] = t
            rid = text(item.get("id"))
            start = (
                miles.get("started")
                or parse_time(item.get("started_at"))
                or parse_time(item.get("created_at"))
            )
            if rid is None or start is None:
                intake.problem(where, "needs 'id' and 'started_at'")
                continue
            resolved = miles.get("resolved") or next((miles[k] for k in DONE if k in miles), None)
            services = related_names(item.get("services"))
            if not services:
                services = [
                    n
                    for imp in item.get("impacts") or []
                    if (imp or {}).get("type") == "service"
                    for n in related_names((imp or {}).get("impact"))
                ]
            teams = related_names(item.get("teams"))
            intake.add(
                Incident(
                    id=rid,
                    start=start,
                    resolved=resolved,
                    detected=miles.get("detected"),
                    acknowledged=miles.get("acknowledged"),
                    engaged=miles.get("firstaction"),
                    mitigated=miles.get("mitigated"),
                    service=services[0] if services else None,
                    team=teams[0] if teams else None,
                    severity=text(item.get("severity")),
                    category=text(item.get("incident_type")),
                )
            )
            intake.seen(*miles.values())
        except RECORD_ERRORS as exc:
            intake.problem(where, record_error(exc))
    return intake.export()
