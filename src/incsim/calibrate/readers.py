"""One door for every export: pick the reader by ``--format`` or by the shape of the first record."""

from __future__ import annotations

from pathlib import Path

from incsim.calibrate import (
    awsshd,
    csvmap,
    firehydrant,
    gcloud,
    incidentio,
    pagerduty,
    rootly,
    statuspage,
)
from incsim.calibrate.formats import FORMATS  # one list, also offered by the command line
from incsim.calibrate.records import Export, ExportError
from incsim.calibrate.source import records

READERS = {
    "incidentio": incidentio.read,
    "statuspage": statuspage.read,
    "gcloud": gcloud.read,
    "aws-shd": awsshd.read,
    "rootly": rootly.read,
    "firehydrant": firehydrant.read,
}


def _first_record(path: Path) -> dict | None:
    def ignore(where: str, message: str) -> None:
        return None

    keys = ("incidents", "data", *awsshd.LIST_KEYS)
    return next((rec for _, rec in records(path, keys, ignore)), None)


def _keys(*names: str) -> str:
    return ", ".join(repr(n) for n in sorted(names))


def detect_why(path: Path) -> tuple[str, str]:
    """The export's format, from the keys of its first record, and the keys that decided it."""
    rec = _first_record(path)
    if rec is None:
        raise ExportError(f"{path}: no incident records found")
    attrs = rec.get("attributes") if isinstance(rec.get("attributes"), dict) else {}
    keys = set(rec) | set(attrs)
    if hit := keys & {"incident_timestamp_values", "duration_metrics", "incident_status"}:
        return "incidentio", f"its records carry {_keys(*hit)} (incident.io API v2)"
    if "milestones" in keys:
        return "firehydrant", "its records carry 'milestones' (FireHydrant)"
    if "begin" in keys and (hit := keys & gcloud.SHAPE - {"begin"}):
        return "gcloud", f"its records carry 'begin' with {_keys(*hit)} (Google Cloud incidents.json)"
    if awsshd.SHAPE <= keys:
        return "aws-shd", (
            f"its records carry {_keys(*awsshd.SHAPE)} (AWS Service Health Dashboard data.json)"
        )
    if hit := keys & {"incident_updates", "updates"}:
        return "statuspage", f"its records carry {_keys(*hit)} (Statuspage or GitHub status history)"
    if hit := keys & {"seconds_to_resolve", "seconds_to_first_ack", "incident_number", "service_name"}:
        return "pagerduty", f"its records carry {_keys(*hit)} (PagerDuty Analytics)"
    if "attributes" in rec or (hit := keys & {"mitigated_at", "acknowledged_at", "detected_at", "kind"}):
        why = "'attributes' (JSON:API)" if "attributes" in rec else _keys(*hit)
        return "rootly", f"its records carry {why} (Rootly)"
    raise ExportError(
        f"{path}: cannot tell the export's format from its fields "
        f"({', '.join(sorted(map(str, keys))[:12])}); pass --format "
        f"({', '.join(FORMATS)}) or --mapping for a CSV"
    )


def detect(path: Path) -> str:
    """The export's format, from the keys of its first record."""
    return detect_why(path)[0]


def _all_dropped(export: Export) -> ExportError:
    total = sum(export.dropped.values())
    reason, count = export.dropped.most_common(1)[0]
    first = f"; first: {export.problems[0]}" if reason == "malformed" and export.problems else ""
    return ExportError(
        f"{export.source}: every record was dropped ({total}), nothing to fit; the commonest "
        f"reason: {reason} ({count}){first}"
    )


def read_export(
    path: Path | str,
    fmt: str | None = None,
    *,
    strict: bool = False,
    mapping: Path | str | None = None,
    responses: Path | str | None = None,
) -> Export:
    """Read an export of any supported format into normalised incidents.

    Raises ExportError when the export cannot be read, or when every record in it was dropped
    (naming the commonest reason): an empty import is never passed on as a result.
    """
    path = Path(path)
    why = f"--format {fmt}"
    if mapping is not None:
        if fmt not in (None, "csv"):
            raise ExportError(f"--mapping reads a CSV; it cannot be combined with --format {fmt}")
        export = csvmap.read(path, Path(mapping), strict)
        why = "--mapping"
    else:
        if fmt is None:
            fmt, why = detect_why(path)
        if fmt == "csv":
            raise ExportError(f"{path}: a CSV needs --mapping cols.yaml naming its start and end columns")
        if fmt not in FORMATS:
            raise ExportError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
        if responses is not None and fmt != "pagerduty":
            raise ExportError(f"--responses is PagerDuty's per-responder export; {path} reads as {fmt}")
        if fmt == "pagerduty":
            export = pagerduty.read(path, strict, Path(responses) if responses else None)
        else:
            export = READERS[fmt](path, strict)
    export.detected = why
    if not export.incidents:
        if export.dropped:
            raise _all_dropped(export)
        raise ExportError(f"{path}: no incident records found")
    return export
