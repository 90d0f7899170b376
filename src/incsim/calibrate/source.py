"""Walking an export file record by record, each record with its place for error messages.

JSON Lines: ``FILE:LINE``. JSON (a list, or an object holding the list under a vendor's key):
``FILE: record INDEX (id ID)``. CSV: ``FILE:LINE`` (the header is line 1).
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from incsim.calibrate.records import ExportError

MAX_BYTES = 512 * 1024 * 1024  # a bigger file is almost certainly not an incident export


def read_text(path: Path, what: str = "an incident export") -> str:
    """The file's text (UTF-8, a BOM tolerated; UTF-16 with its BOM, as Microsoft Teams writes its
    reports), or ExportError naming the file; ``what`` the file should be, for the messages."""
    try:
        if path.stat().st_size > MAX_BYTES:
            raise ExportError(f"{path}: larger than {MAX_BYTES // 2**20} MB; is this {what}?")
        data = path.read_bytes()
    except FileNotFoundError:
        raise ExportError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ExportError(f"{path}: is a folder, not {what}") from None
    except OSError as exc:
        raise ExportError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            return data.decode("utf-16")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ExportError(f"{path}: neither UTF-8 nor UTF-16 text (byte {exc.start})") from None


def _clean_key(key: object) -> str:
    # one published spec has a key with a stray quote in it; read it as the plain name
    return str(key).strip().strip("\"'").strip()


def clean_keys(record: dict) -> dict:
    """The record with its keys stripped of stray quotes and spaces."""
    return {_clean_key(k): v for k, v in record.items()}


def _int(digits: str) -> int | float:
    # an integer too long for int() (Python refuses over 4,300 digits) or for a float is read as
    # infinity, which every number check then refuses with the record's place
    return int(digits) if len(digits) <= 400 else float("inf")


def loads(text: str) -> object:
    """``json.loads`` with integers of any length readable (see ``_int``)."""
    return json.loads(text, parse_int=_int)


def json_document(path: Path, text: str | None = None) -> object:
    """The parsed JSON document, or ExportError at FILE:LINE:COL."""
    text = read_text(path) if text is None else text
    try:
        return loads(text)
    except json.JSONDecodeError as exc:
        raise ExportError(f"{path}:{exc.lineno}:{exc.colno}: not valid JSON: {exc.msg}") from None
    except RecursionError:
        raise ExportError(f"{path}: JSON nested too deeply") from None


def row_shape(row: dict, columns: int) -> str | None:
    """Why a CSV row (from ``csv.DictReader``) has the wrong number of cells, or None."""
    if None in row:
        return "more cells than the header has columns"
    short = sum(1 for k, v in row.items() if v is None)
    if short:  # DictReader fills a short row's missing cells with None; an empty cell is ""
        return f"{columns - short} cell(s) where the header has {columns} columns"
    return None


def is_json_lines(path: Path, text: str) -> bool:
    """JSON Lines: by suffix, or more than one line that each starts an object."""
    if path.suffix.lower() in (".jsonl", ".ndjson"):
        return True
    lines = [ln for ln in text.splitlines() if ln.strip()]
    return len(lines) > 1 and all(
        ln.lstrip().startswith("{") and ln.rstrip().endswith("}") for ln in lines[:3]
    )


SUFFIXES = (".json", ".jsonl", ".ndjson", ".csv")
MAX_FILES = 100_000


def folder_files(path: Path) -> list[Path]:
    """The export files of a folder (by suffix, in name order), or ExportError when there are none."""
    try:
        files = sorted(f for f in path.iterdir() if f.suffix.lower() in SUFFIXES and f.is_file())
    except OSError as exc:
        raise ExportError(f"{path}: cannot list the folder: {exc.strerror or exc}") from None
    if not files:
        raise ExportError(f"{path}: a folder with no export files ({', '.join(SUFFIXES)})")
    if len(files) > MAX_FILES:
        raise ExportError(f"{path}: {len(files):,} files; more than {MAX_FILES:,} is not an incident export")
    return files


def records(
    path: Path, list_keys: Sequence[str], on_bad: Callable[[str, str], None], *, keyed: bool = False
) -> Iterator[tuple[str, dict]]:
    """Yield ``(place, record)`` for each record of a JSON, JSON Lines or CSV export, or of every
    such file in a folder (a folder of single-incident responses, say).

    A JSON object holds its records in a list under one of ``list_keys`` (``keyed``: under every
    one of them, each record placed as ``FILE: KEY[INDEX]``), or is one incident itself: under
    ``incident`` (Statuspage's single-incident response ``{"page": ..., "incident": ...}``) or
    as the object. A line or item that is not an object goes to ``on_bad(place, message)``.
    """
    if path.is_dir():
        for f in folder_files(path):
            yield from records(f, list_keys, on_bad, keyed=keyed)
        return
    text = read_text(path)
    bad = on_bad

    if path.suffix.lower() == ".csv":
        reader = csv.DictReader(io.StringIO(text, newline=""))
        if reader.fieldnames is None:
            raise ExportError(f"{path}: empty CSV (no header)")
        reader.fieldnames = [_clean_key(k) for k in reader.fieldnames]
        try:
            for row in reader:
                problem = row_shape(row, len(reader.fieldnames))
                if problem:
                    bad(f"{path}:{reader.line_num}", problem)
                    continue
                yield f"{path}:{reader.line_num}", {k: (v if v != "" else None) for k, v in row.items()}
        except csv.Error as exc:
            raise ExportError(f"{path}:{reader.line_num}: CSV error: {exc}") from None
        return
    if is_json_lines(path, text):
        for n, line in enumerate(text.splitlines(), start=1):
            if not line.strip():
                continue
            try:
                rec = loads(line)
            except json.JSONDecodeError as exc:
                bad(f"{path}:{n}", f"not valid JSON: {exc.msg} (column {exc.colno})")
                continue
            except RecursionError:
                bad(f"{path}:{n}", "JSON nested too deeply")
                continue
            if not isinstance(rec, dict):
                bad(f"{path}:{n}", "expected a JSON object")
                continue
            yield f"{path}:{n}", clean_keys(rec)
        return
    doc = json_document(path, text)
    items = doc
    if isinstance(doc, dict) and keyed:
        for key in list_keys:
            for i, rec in enumerate(doc.get(key) or [] if isinstance(doc.get(key), list) else []):
                if isinstance(rec, dict):
                    yield f"{path}: {key}[{i}]", clean_keys(rec)
                else:
                    bad(f"{path}: {key}[{i}]", "expected a JSON object")
        if not any(isinstance(doc.get(k), list) for k in list_keys):
            raise ExportError(
                f"{path}: no list of incidents found (looked for {', '.join(repr(k) for k in list_keys)})"
            )
        return
    if isinstance(doc, dict):
        items = next((doc[k] for k in list_keys if isinstance(doc.get(k), list)), None)
        if items is None:
            if isinstance(doc.get("incident"), dict):
                items = [doc["incident"]]  # a single-incident response
            elif any(k in doc for k in ("id", "started_at", "created_at", "begin")):
                items = [doc]  # a single incident object
            else:
                raise ExportError(
                    f"{path}: no list of incidents found (looked for "
                    f"{', '.join(repr(k) for k in list_keys)}, or an 'incident')"
                )
    if not isinstance(items, list):
        raise ExportError(f"{path}: expected a list of incidents, got {type(items).__name__}")
    for i, rec in enumerate(items):
        if not isinstance(rec, dict):
            bad(f"{path}: record {i}", "expected a JSON object")
            continue
        rid = rec.get("id")
        yield f"{path}: record {i}" + (f" (id {rid})" if rid not in (None, "") else ""), clean_keys(rec)
