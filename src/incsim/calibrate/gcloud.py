"""Google Cloud's public status history (``https://status.cloud.google.com/incidents.json``).

A JSON list of incidents, as its published schema (``incidents.schema.json``) describes them:
``id, number, begin, created, end, modified, external_desc, updates[] {created, modified, when,
text, status}, most_recent_update, status_impact, severity, service_key, service_name,
affected_products[] {title, id}, uri``. ``begin`` and ``end`` bound the incident (no ``end``:
still open); ``updates[].when`` are its status updates.

Group keys: ``service`` is the first affected product (else ``service_name``), ``severity``
the incident's severity (``low``, ``medium``, ``high``) and ``category`` its ``status_impact``
(``service information``, ``service disruption``, ``service outage``). An incident whose impact
is only ``SERVICE_INFORMATION`` still counts, with no customer impact.
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

LIST_KEYS = ("incidents",)
SHAPE = frozenset(
    {"begin", "external_desc", "service_key", "affected_products", "status_impact", "most_recent_update"}
)
"""Keys only Google Cloud's records carry (``begin`` with any other of them decides the format)."""


def read(path: Path, strict: bool = False) -> Export:
    """Read Google Cloud's ``incidents.json`` (or a folder of its incident files)."""
    intake = Intake(path, "gcloud", strict)
    for where, item in records(path, LIST_KEYS, intake.problem):
        try:
            rid = text(item.get("id")) or text(item.get("number"))
            start = parse_time(item.get("begin"))
            if rid is None or start is None:
                intake.problem(where, "needs 'id' and 'begin'")
                continue
            end = parse_time(item.get("end"))
            raw = item.get("updates") or []
            if not isinstance(raw, list):
                intake.problem(where, "updates must be a list")
                continue
            times = sorted(
                t
                for t in (parse_time((u or {}).get("when") or (u or {}).get("created")) for u in raw)
                if t is not None
            )
            products = [
                n
                for n in (
                    text(p) if not isinstance(p, dict) else text(p.get("title"))
                    for p in item.get("affected_products") or []
                )
                if n
            ]
            impact = str(item.get("status_impact") or "").strip().lower().replace("_", " ") or None
            minutes = None if end is None else (end - start).total_seconds() / 60.0
            intake.add(
                Incident(
                    id=rid,
                    start=start,
                    resolved=end,
                    service=products[0] if products else text(item.get("service_name")),
                    severity=text(item.get("severity")),
                    category=impact,
                    updates=tuple(times),
                    customer_impact_min=None
                    if minutes is None
                    else (0.0 if impact == "service information" else minutes),
                )
            )
            intake.seen(parse_time(item.get("modified")))
        except RECORD_ERRORS as exc:
            intake.problem(where, record_error(exc))
    return intake.export()
