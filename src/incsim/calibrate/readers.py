"""One door for every export: pick the reader by ``--format`` or by the shape of the first record."""

from __future__ import annotations

from pathlib import Path

from incsim.calibrate import (
    csvmap,
    firehydrant,
    incidentio,
    pagerduty,
    rootly,
    statuspage,
)
from incsim.calibrate.records import Export, ExportError
from incsim.calibrate.source import records

FORMATS = ("pagerduty", "incidentio", "statuspage", "rootly", "firehydrant", "csv")


def _first_record(path: Path) -> dict | None:
    def ignore(where: str, message: str) -> None:
        return None
    return next((rec for _, rec in records(path, ("incidents", "data"), ignore)), None)


def detect(path: Path) -> str:
    """The export's format, from the keys of its first record."""
    rec = _first_record(path)
    if rec is None:
        raise ExportError(f"{path}: no incident records found")
    keys = set(rec) | set(rec.get("attributes") or {} if isinstance(rec.get("attributes"), dict) else ())
    if keys & {"incident_timestamp_values", "duration_metrics", "incident_status"}:
        return "incidentio"
    if "milestones" in keys:
        return "firehydrant"
    if keys & {"incident_updates", "updates"}:
        return "statuspage"
    if keys & {"seconds_to_resolve", "seconds_to_first_ack", "incident_number", "service_name"}:
        return "pagerduty"
    if "attributes" in rec or keys & {"mitigated_at", "acknowledged_at", "detected_at", "kind"}:
        return "rootly"
    raise ExportError(f"{path}: cannot tell the export's format from its fields; pass --format "
                      f"({', '.join(FORMATS)}) or --mapping for a CSV")


def read_export(path: Path | str, fmt: str | None = None, *, strict: bool = False,
                mapping: Path | str | None = None, responses: Path | str | None = None) -> Export:
    """Read an export of any supported format into normalised incidents."""
    path = Path(path)
    if mapping is not None:
        if fmt not in (None, "csv"):
            raise ExportError(f"--mapping reads a CSV; it cannot be combined with --format {fmt}")
        return csvmap.read(path, Path(mapping), strict)
    if fmt is None:
        fmt = detect(path)
    if fmt == "csv":
        raise ExportError(f"{path}: a CSV needs --mapping cols.yaml naming its start and end columns")
    if fmt not in FORMATS:
        raise ExportError(f"unknown format {fmt!r} (known: {', '.join(FORMATS)})")
    if responses is not None and fmt != "pagerduty":
        raise ExportError(f"--responses is PagerDuty's per-responder export; {path} reads as {fmt}")
    if fmt == "pagerduty":
        return pagerduty.read(path, strict, Path(responses) if responses else None)
    reader = {"incidentio": incidentio.read, "statuspage": statuspage.read, "rootly": rootly.read,
              "firehydrant": firehydrant.read}[fmt]
    return reader(path, strict)
