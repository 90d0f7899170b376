"""Rootly incidents (``GET /v1/incidents``, JSON:API: ``{"data": [{"id", "attributes": {...}}]}``).

Fields read from ``attributes`` (a flat record is read the same way): ``started_at,
detected_at, acknowledged_at, mitigated_at, resolved_at, created_at, status, kind`` (``test``,
``example`` and their ``_sub`` variants dropped; status ``cancelled`` dropped), ``severity``
(a name or a related ``{data: {attributes: {name}}}``), ``services``, ``groups`` (teams) and
``incident_types`` (lists of names or related records).
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
from incsim.calibrate.source import records

LIST_KEYS = ("data", "incidents")
SKIP_KINDS = ("test", "test_sub", "example", "example_sub")


def related_names(value: object) -> list[str]:
    """Names from a list of names/objects or a JSON:API ``{data: [...]}`` relation."""
    if isinstance(value, dict) and "data" in value:
        value = value["data"]
    if isinstance(value, dict):
        value = [value]
    if not isinstance(value, list):
        return [] if value in (None, "") else [str(value)]
    out = []
    for item in value:
        if isinstance(item, dict) and isinstance(item.get("attributes"), dict):
            item = item["attributes"]
        name = text(item)
        if name:
            out.append(name)
    return out


def read(path: Path, strict: bool = False) -> Export:
    """Read a Rootly incidents export."""
    intake = Intake(path, "rootly", strict)
    for where, rec in records(path, LIST_KEYS, intake.problem):
        try:
            attrs = rec.get("attributes") if isinstance(rec.get("attributes"), dict) else rec
            kind = str(attrs.get("kind") or "normal").lower()
            if kind in SKIP_KINDS:
                intake.drop(f"{kind.removesuffix('_sub')} incident")
                continue
            status = str(attrs.get("status") or "").lower()
            if status in ("cancelled", "canceled"):
                intake.drop("cancelled")
                continue
            rid = text(rec.get("id")) or text(attrs.get("sequential_id"))
            start = parse_time(attrs.get("started_at")) or parse_time(attrs.get("created_at"))
            if rid is None or start is None:
                intake.problem(where, "needs 'id' and 'started_at'")
                continue
            sev = related_names(attrs.get("severity"))
            services = related_names(attrs.get("services"))
            teams = related_names(attrs.get("groups") or attrs.get("teams"))
            types = related_names(attrs.get("incident_types"))
            intake.add(
                Incident(
                    id=rid,
                    start=start,
                    resolved=parse_time(attrs.get("resolved_at")),
                    detected=parse_time(attrs.get("detected_at")),
                    acknowledged=parse_time(attrs.get("acknowledged_at")),
                    mitigated=parse_time(attrs.get("mitigated_at")),
                    service=services[0] if services else None,
                    team=teams[0] if teams else None,
                    severity=sev[0] if sev else None,
                    category=types[0] if types else None,
                )
            )
            intake.seen(parse_time(attrs.get("updated_at")))
        except RECORD_ERRORS as exc:
            intake.problem(where, record_error(exc))
    return intake.export()
