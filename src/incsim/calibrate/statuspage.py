"""Atlassian Statuspage ``incidents.json`` and the GitHub status history (``incidents.jsonl``).

Statuspage (``/api/v2/incidents.json``: ``{"page": ..., "incidents": [...]}``): ``id, name,
status, impact, created_at, started_at, resolved_at, updated_at, components[] {name},
incident_updates[] {status, created_at}``; also its single-incident response
(``/api/v2/incidents/{id}.json``: ``{"page": ..., "incident": {...}}``) and a folder of them.
Offsets are read as written (``-08:00`` with milliseconds, as pages in other zones write them). Scheduled maintenance (impact ``maintenance``, or
updates with maintenance statuses) is dropped; an incident without ``resolved_at`` is open.

GitHub's history as parsed in ``shared/data/github-status`` (one object per line): ``id,
title, started_at, resolved_at, impact, components[], updates[] {at, status}``.

Group keys: ``service`` is the first affected component, ``severity`` the impact, and
``category`` how many components were affected (``one component``, ``several components``,
``none named``): a status page says nothing about causes. Every non-``none`` impact is
customer-visible, so its duration counts as customer impact.
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

LIST_KEYS = ("incidents", "data")
MAINTENANCE_STATUSES = ("scheduled", "in progress", "in_progress", "verifying", "completed")


def _category(components: list[str]) -> str:
    return (
        "none named"
        if not components
        else ("one component" if len(components) == 1 else "several components")
    )


def _names(items: object) -> list[str]:
    if not isinstance(items, list):
        return []
    return [n for n in (text(x) for x in items) if n]


def read(path: Path, strict: bool = False) -> Export:
    """Read a Statuspage ``incidents.json`` or the GitHub status history JSON Lines."""
    intake = Intake(path, "statuspage", strict)
    for where, item in records(path, LIST_KEYS, intake.problem):
        try:
            github = "updates" in item and "incident_updates" not in item
            raw_updates = item.get("updates" if github else "incident_updates") or []
            if not isinstance(raw_updates, list):
                intake.problem(where, "updates must be a list")
                continue
            statuses = [str((u or {}).get("status", "")).strip().lower() for u in raw_updates]
            impact = str(item.get("impact") or "").lower()
            if impact == "maintenance" or (statuses and statuses[0] in MAINTENANCE_STATUSES):
                intake.drop("maintenance")
                continue
            rid = text(item.get("id"))
            start = parse_time(item.get("started_at")) or parse_time(item.get("created_at"))
            if rid is None or start is None:
                intake.problem(where, "needs 'id' and 'started_at' or 'created_at'")
                continue
            resolved = parse_time(item.get("resolved_at"))
            times = sorted(
                t
                for t in (parse_time((u or {}).get("at" if github else "created_at")) for u in raw_updates)
                if t is not None
            )
            components = _names(item.get("components"))
            duration = None if resolved is None else (resolved - start).total_seconds() / 60.0
            intake.add(
                Incident(
                    id=rid,
                    start=start,
                    resolved=resolved,
                    service=components[0] if components else None,
                    severity=impact or None,
                    category=_category(components),
                    updates=tuple(times),
                    customer_impact_min=None if duration is None else (0.0 if impact == "none" else duration),
                )
            )
            intake.seen(parse_time(item.get("updated_at")))
        except RECORD_ERRORS as exc:
            intake.problem(where, record_error(exc))
    return intake.export()
