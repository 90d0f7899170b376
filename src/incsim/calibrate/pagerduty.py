"""PagerDuty Analytics raw incidents (``/analytics/raw/incidents``, JSON or CSV) and responses.

Fields read (PagerDuty Analytics API, "raw incidents"): ``id, incident_number, created_at,
resolved_at, status, urgency, major, priority_name, service_name, team_name,
seconds_to_first_ack, seconds_to_engage, seconds_to_mobilize, seconds_to_resolve,
engaged_seconds, engaged_user_count, active_user_count, escalation_count,
business_hour_interruptions, off_hour_interruptions, sleep_hour_interruptions,
total_interruptions``. Any of them may be missing. ``/analytics/raw/incidents/{id}/responses``
records (``requested_at, responded_at, time_to_respond_seconds, response_status,
responder_type``) add the number of responders and the first engagement when given.

Group keys: ``service_name``, ``team_name``, ``priority_name`` (else ``urgency``) as severity,
and as category ``major`` (PagerDuty's major-incident flag) or ``standard``. Engineer-hours are
``engaged_seconds`` / 3600; an incident still ``triggered`` or ``acknowledged`` is open.
"""

from __future__ import annotations

from collections import defaultdict
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
from incsim.calibrate.source import json_document, read_text, records

LIST_KEYS = ("data", "incidents")
OPEN_STATUSES = ("triggered", "acknowledged")
INTERRUPTIONS = {
    "business": "business_hour_interruptions",
    "off": "off_hour_interruptions",
    "sleep": "sleep_hour_interruptions",
}


def _count(rec: dict, key: str) -> int | None:
    x = amount(rec.get(key), key)
    return None if x is None else int(x)


def _responses(path: Path, intake: Intake) -> dict[str, dict]:
    """Per incident id: responders who responded, and the earliest response time."""
    doc = json_document(path, read_text(path))
    blocks = doc if isinstance(doc, list) else [doc]
    out: dict[str, dict] = defaultdict(lambda: {"responders": set(), "first": None})
    for b, block in enumerate(blocks):
        if not isinstance(block, dict) or not isinstance(block.get("responses"), list):
            intake.problem(f"{path}: block {b}", "expected an object with a 'responses' list")
            continue
        inc_id = str(block.get("incident_id", ""))
        for i, r in enumerate(block["responses"]):
            where = f"{path}: block {b} response {i}"
            if not isinstance(r, dict):
                intake.problem(where, "expected a JSON object")
                continue
            try:
                responded = parse_time(r.get("responded_at"))
                requested = parse_time(r.get("requested_at"))
                delay = seconds(r.get("time_to_respond_seconds"), "time_to_respond_seconds")
            except RECORD_ERRORS as exc:
                intake.problem(where, record_error(exc))
                continue
            key = str(r.get("incident_id", inc_id))
            if responded is None and requested is not None and delay is not None:
                responded = after(requested, delay, "time_to_respond_seconds")
            if responded is None or str(r.get("response_status", "")).lower() in ("declined", "no_response"):
                continue
            who = r.get("responder_id") or r.get("responder_name") or f"#{i}"
            out[key]["responders"].add(str(who))
            first = out[key]["first"]
            out[key]["first"] = responded if first is None or responded < first else first
    return out


def read(path: Path, strict: bool = False, responses: Path | None = None) -> Export:
    """Read a PagerDuty Analytics raw-incidents export (JSON or CSV), optionally with responses."""
    intake = Intake(path, "pagerduty", strict)
    resp = _responses(responses, intake) if responses is not None else {}
    for where, rec in records(path, LIST_KEYS, intake.problem):
        try:
            rid = text(rec.get("id")) or text(rec.get("incident_number"))
            start = parse_time(rec.get("created_at"))
            if rid is None or start is None:
                intake.problem(where, "needs 'id' and 'created_at'")
                continue
            resolved = parse_time(rec.get("resolved_at"))
            status = str(rec.get("status") or "").lower()
            to_resolve = seconds(rec.get("seconds_to_resolve"), "seconds_to_resolve")
            if resolved is None and to_resolve is not None and status not in OPEN_STATUSES:
                resolved = after(start, to_resolve, "seconds_to_resolve")
            if status in OPEN_STATUSES:
                resolved = None
            inter = {k: _count(rec, f) for k, f in INTERRUPTIONS.items()}
            engaged_s = seconds(rec.get("engaged_seconds"), "engaged_seconds")
            responders = _count(rec, "engaged_user_count")
            if responders is None:
                responders = _count(rec, "active_user_count")
            engage_s = seconds(rec.get("seconds_to_engage"), "seconds_to_engage")
            extra = resp.get(rid)
            if extra is not None:
                responders = len(extra["responders"]) or responders
                if engage_s is None and extra["first"] is not None:
                    engage_s = (extra["first"] - start).total_seconds()
            major = rec.get("major") in (True, "true", "True", "1", 1)
            intake.add(
                Incident(
                    id=rid,
                    start=start,
                    resolved=resolved,
                    service=text(rec.get("service_name")),
                    team=text(rec.get("team_name")),
                    severity=text(rec.get("priority_name")) or text(rec.get("urgency")),
                    category="major" if major else "standard",
                    responders=responders,
                    interruptions=inter if any(v is not None for v in inter.values()) else None,
                    engineer_hours=None if engaged_s is None else engaged_s / 3600.0,
                    ack_s=seconds(rec.get("seconds_to_first_ack"), "seconds_to_first_ack"),
                    engage_s=engage_s,
                )
            )
            intake.seen(start, resolved)
        except RECORD_ERRORS as exc:
            intake.problem(where, record_error(exc))
    return intake.export()
