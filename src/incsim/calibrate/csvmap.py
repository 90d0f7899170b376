"""Any CSV of incidents, with a ``--mapping cols.yaml`` naming its columns.

The mapping (YAML) names the columns: ``start`` and ``end`` (required: ISO 8601 timestamps;
an empty ``end`` is an open incident), and optionally ``id``, ``service``, ``team``,
``severity``, ``category``, ``acknowledged``, ``responders`` and ``engineer_hours``.
``skip: {column: [values...]}`` drops rows whose column holds one of the values (counted as
``skipped: column=value``). A mapping problem is reported at ``cols.yaml:LINE:COL``.
"""

from __future__ import annotations

import csv
import io
from pathlib import Path

from incsim.calibrate.records import (
    RECORD_ERRORS,
    Export,
    ExportError,
    Incident,
    Intake,
    amount,
    parse_time,
    record_error,
    text,
)
from incsim.calibrate.source import read_text, row_shape

REQUIRED = ("start", "end")
OPTIONAL = ("id", "service", "team", "severity", "category", "acknowledged", "responders", "engineer_hours")


def _at(file: str, pos: tuple[int, int] | None) -> str:
    return f"{file}:{pos[0] + 1}:{pos[1] + 1}" if pos else file


def load_mapping(path: Path, header: list[str]) -> tuple[dict[str, str], dict[str, set[str]]]:
    """The column mapping and skip rules, checked against the CSV's header."""
    from incsim.scenario.loader import ScenarioError, key_pos, parse_yaml, value_pos

    try:
        root = parse_yaml(read_text(path), str(path))
    except ScenarioError as exc:
        raise ExportError(str(exc.problems[0])) from None
    if not isinstance(root, dict):
        raise ExportError(f"{path}:1:1: the mapping must be a YAML mapping of field: column")
    known = set(REQUIRED) | set(OPTIONAL) | {"skip"}
    for key in root:
        if key not in known:
            raise ExportError(f"{_at(str(path), key_pos(root, key))}: unknown key {key!r} "
                              f"(known: {', '.join(sorted(known))})")
    for key in REQUIRED:
        if key not in root:
            raise ExportError(f"{path}:1:1: the mapping needs {key!r} (the column holding it)")
    cols: dict[str, str] = {}
    for key in (*REQUIRED, *OPTIONAL):
        if key not in root:
            continue
        col = root[key]
        if not isinstance(col, str) or col not in header:
            raise ExportError(f"{_at(str(path), value_pos(root, key))}: {key}: column {col!r} is not in "
                              f"the CSV's header ({', '.join(header)})")
        cols[key] = col
    skip: dict[str, set[str]] = {}
    rules = root.get("skip") or {}
    if not isinstance(rules, dict):
        raise ExportError(f"{_at(str(path), value_pos(root, 'skip'))}: skip must map a column to a list of values")
    for col, values in rules.items():
        if col not in header:
            raise ExportError(f"{_at(str(path), key_pos(rules, col))}: skip: column {col!r} is not in the header")
        skip[str(col)] = {str(v) for v in (values if isinstance(values, list) else [values])}
    return cols, skip


def read(path: Path, mapping: Path, strict: bool = False) -> Export:
    """Read a CSV export through a column mapping."""
    intake = Intake(path, "csv", strict)
    reader = csv.DictReader(io.StringIO(read_text(path), newline=""))
    if not reader.fieldnames:
        raise ExportError(f"{path}: empty CSV (no header)")
    cols, skip = load_mapping(mapping, list(reader.fieldnames))
    try:
        for row in reader:
            where = f"{path}:{reader.line_num}"
            shape = row_shape(row, len(reader.fieldnames))
            if shape:
                intake.problem(where, shape)
                continue
            hit = next(((c, row[c]) for c, vals in skip.items() if row.get(c) in vals), None)
            if hit:
                intake.drop(f"skipped: {hit[0]}={hit[1]}")
                continue
            try:
                start = parse_time(row[cols["start"]])
                if start is None:
                    intake.problem(where, f"empty start ({cols['start']})")
                    continue
                resp = amount(row[cols["responders"]], "responders") if "responders" in cols else None
                intake.add(Incident(
                    id=(text(row[cols["id"]]) if "id" in cols else None) or f"row {reader.line_num}",
                    start=start, resolved=parse_time(row[cols["end"]]),
                    acknowledged=parse_time(row[cols["acknowledged"]]) if "acknowledged" in cols else None,
                    service=text(row.get(cols.get("service", ""))), team=text(row.get(cols.get("team", ""))),
                    severity=text(row.get(cols.get("severity", ""))),
                    category=text(row.get(cols.get("category", ""))),
                    responders=None if resp is None else int(resp),
                    engineer_hours=amount(row[cols["engineer_hours"]], "engineer_hours") if "engineer_hours" in cols else None,
                ))
            except RECORD_ERRORS as exc:
                intake.problem(where, record_error(exc))
    except csv.Error as exc:
        raise ExportError(f"{path}:{reader.line_num}: CSV error: {exc}") from None
    return intake.export()
