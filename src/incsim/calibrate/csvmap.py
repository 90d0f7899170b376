"""Any CSV of incidents, with a ``--mapping cols.yaml`` naming its columns; and the mapping files
themselves, for incidents and for call attendance reports (``calls.py``).

A mapping (YAML) says what it maps with ``for: incidents`` (the default) or ``for: calls``, so
one ``--mapping`` option takes both and each file is read for the CSV it names. For incidents
it names the columns ``start`` and ``end`` (required: ISO 8601 timestamps; an empty ``end`` is an
open incident), and optionally ``id``, ``service``, ``team``, ``severity``, ``category``,
``acknowledged``, ``responders`` and ``engineer_hours``. ``skip: {column: [values...]}`` drops
rows whose column holds one of the values (counted as ``skipped: column=value``). For calls:
``name``, ``join`` and ``leave`` (optionally ``email``, and ``call``, a column that splits the
rows into calls). A mapping problem is reported at ``cols.yaml:LINE:COL``.
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
KINDS = {"incidents": (REQUIRED, OPTIONAL), "calls": (("name", "join", "leave"), ("email", "call"))}
"""What a mapping may be ``for``: its required and optional fields."""


def _at(file: str, pos: tuple[int, int] | None) -> str:
    return f"{file}:{pos[0] + 1}:{pos[1] + 1}" if pos else file


def _root(path: Path) -> tuple[dict, str]:
    """A mapping file's YAML and what it is for."""
    from incsim.scenario.loader import ScenarioError, parse_yaml, value_pos

    try:
        root = parse_yaml(read_text(path), str(path))
    except ScenarioError as exc:
        raise ExportError(str(exc.problems[0])) from None
    if not isinstance(root, dict):
        raise ExportError(f"{path}:1:1: the mapping must be a YAML mapping of field: column")
    kind = root.get("for", "incidents")
    if kind not in KINDS:
        raise ExportError(
            f"{_at(str(path), value_pos(root, 'for'))}: for: {kind!r} is not one of {', '.join(KINDS)}"
        )
    return root, kind


def split_mappings(paths: list[Path] | None) -> tuple[Path | None, Path | None]:
    """The incident export's mapping and the call reports' mapping among the ``--mapping`` files
    (each says which with ``for:``; at most one of each)."""
    found: dict[str, Path] = {}
    for path in paths or []:
        kind = _root(Path(path))[1]
        if kind in found:
            raise ExportError(
                f"{path}: a second mapping for {kind} (the first is {found[kind]}); give one of each"
            )
        found[kind] = Path(path)
    return found.get("incidents"), found.get("calls")


def load_mapping(
    path: Path, header: list[str], kind: str = "incidents"
) -> tuple[dict[str, str], dict[str, set[str]]]:
    """The column mapping (and, for incidents, the skip rules), checked against the CSV's header."""
    from incsim.scenario.loader import key_pos, value_pos

    root, said = _root(path)
    if said != kind:
        raise ExportError(
            f"{_at(str(path), value_pos(root, 'for') if 'for' in root else None)}: the mapping is "
            f"for {said}, not {kind}"
        )
    required, optional = KINDS[kind]
    known = {*required, *optional, "for", *(("skip",) if kind == "incidents" else ())}
    for key in root:
        if key not in known:
            hint = next(
                (
                    f"; a mapping of {k} needs 'for: {k}'"
                    for k, (req, opt) in KINDS.items()
                    if k != kind and key in (*req, *opt)
                ),
                "",
            )
            raise ExportError(
                f"{_at(str(path), key_pos(root, key))}: unknown key {key!r} in a mapping of {kind} "
                f"(known: {', '.join(sorted(known))}){hint}"
            )
    for key in required:
        if key not in root:
            raise ExportError(f"{path}:1:1: the mapping needs {key!r} (the column holding it)")
    cols: dict[str, str] = {}
    for key in (*required, *optional):
        if key not in root:
            continue
        col = root[key]
        if not isinstance(col, str) or col not in header:
            raise ExportError(
                f"{_at(str(path), value_pos(root, key))}: {key}: column {col!r} is not in "
                f"the CSV's header ({', '.join(header)})"
            )
        cols[key] = col
    skip: dict[str, set[str]] = {}
    rules = root.get("skip") or {}
    if not isinstance(rules, dict):
        raise ExportError(
            f"{_at(str(path), value_pos(root, 'skip'))}: skip must map a column to a list of values"
        )
    for col, values in rules.items():
        if col not in header:
            raise ExportError(
                f"{_at(str(path), key_pos(rules, col))}: skip: column {col!r} is not in the header"
            )
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
                intake.add(
                    Incident(
                        id=(text(row[cols["id"]]) if "id" in cols else None) or f"row {reader.line_num}",
                        start=start,
                        resolved=parse_time(row[cols["end"]]),
                        acknowledged=parse_time(row[cols["acknowledged"]])
                        if "acknowledged" in cols
                        else None,
                        service=text(row.get(cols.get("service", ""))),
                        team=text(row.get(cols.get("team", ""))),
                        severity=text(row.get(cols.get("severity", ""))),
                        category=text(row.get(cols.get("category", ""))),
                        responders=None if resp is None else int(resp),
                        engineer_hours=amount(row[cols["engineer_hours"]], "engineer_hours")
                        if "engineer_hours" in cols
                        else None,
                    )
                )
            except RECORD_ERRORS as exc:
                intake.problem(where, record_error(exc))
    except csv.Error as exc:
        raise ExportError(f"{path}:{reader.line_num}: CSV error: {exc}") from None
    return intake.export()
