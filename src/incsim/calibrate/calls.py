"""Reading call attendance reports: who was in a call, from when to when.

One report is one call. The vendors' documented columns:

- Zoom, the meeting's participants export: ``Name (Original Name)``, ``User Email``,
  ``Join Time``, ``Leave Time``, ``Duration (Minutes)``, ``Guest``, ``In Waiting Room``
  (rows in the waiting room are not time in the call); the meeting's own lines may come first.
- Google Meet, the attendance report: ``First name``, ``Last name`` (or ``Participant name``),
  ``Email``, ``Duration``, ``Time joined``, ``Time exited``.
- Microsoft Teams, the attendance report (tab-separated, often UTF-16): its section
  ``In-Meeting Activities`` (``Name``, ``Join Time``, ``Leave Time``, ``Duration``, ``Email``,
  ``Role``), else ``Participants`` (``Name``, ``First Join``, ``Last Leave``, ...), or the older
  one-line-per-action report (``Full Name``, ``User Action`` Joined/Left, ``Timestamp``).
- Any other CSV with ``--mapping cols.yaml`` saying ``for: calls`` and naming its ``name``,
  ``join`` and ``leave`` columns (and optionally ``email`` and ``call``, a column that splits
  the rows into calls); ``csvmap.py`` reads the mapping.

Times without an offset are UTC, as for incident exports. Problems: ``FILE:LINE``.
"""

from __future__ import annotations

import csv
import io
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from incsim.calibrate.records import ExportError, parse_time
from incsim.calibrate.source import read_text

FORMATS = ("zoom", "meet", "teams", "teams-actions", "mapped")
_TIME_FORMATS = (
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
    "%m/%d/%Y %H:%M:%S",
    "%m/%d/%Y %H:%M",
    "%m/%d/%y, %I:%M:%S %p",
    "%m/%d/%y, %H:%M:%S",
    "%m/%d/%Y, %I:%M:%S %p",
    "%Y-%m-%d %I:%M:%S %p",
)


@dataclass(frozen=True)
class Session:
    """One stretch of one person in a call (someone who drops and rejoins has several)."""

    name: str
    email: str | None
    join: datetime
    leave: datetime


@dataclass
class Call:
    """One call: its sessions, its start (the first join) and end (the last leave)."""

    id: str
    source: str
    format: str
    sessions: list[Session]

    @property
    def start(self) -> datetime:
        """The first join."""
        return min(s.join for s in self.sessions)

    @property
    def end(self) -> datetime:
        """The last leave."""
        return max(s.leave for s in self.sessions)


def call_time(value: str | None) -> datetime:
    """A report's timestamp (ISO 8601 or the vendors' month-first forms) as UTC; ValueError otherwise."""
    if value is None or not value.strip():
        raise ValueError("empty time")
    text = value.strip()
    try:
        t = parse_time(text)
    except ValueError:
        t = None
    if t is not None:
        return t
    for f in _TIME_FORMATS:
        try:
            return datetime.strptime(text, f).replace(tzinfo=UTC)
        except ValueError:
            continue
    raise ValueError(f"not a time this reader knows: {value!r}")


def _text(path: Path) -> str:
    return read_text(path, "a call report")


def _table(lines: list[str], start: int) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The header at ``lines[start]`` and the rows under it, up to a blank line or a new section."""
    delim = "\t" if "\t" in lines[start] else ","
    rows = list(csv.reader(lines[start:], delimiter=delim))
    header = [h.strip() for h in rows[0]]
    out = []
    for k, row in enumerate(rows[1:], start=start + 2):
        if not any(c.strip() for c in row) or re.match(r"^\d+\.\s", row[0] or ""):
            break
        out.append((k, [c.strip() for c in row]))
    return header, out


def _find(lines: list[str], *needles: str) -> int | None:
    for i, line in enumerate(lines):
        low = line.lower()
        if all(n in low for n in needles):
            return i
    return None


def _cell(header: list[str], row: list[str], *names: str) -> str | None:
    for n in names:
        if n in header:
            i = header.index(n)
            return row[i] if i < len(row) and row[i] != "" else None
    return None


def _zoom_name(name: str) -> str:
    return re.sub(r"\s*\([^)]*\)\s*$", "", name).strip() or name  # "Name (Original Name)": keep the first


def detect(lines: list[str]) -> tuple[str, int]:
    """The report's format and the line index of its header."""
    if (i := _find(lines, "join time", "leave time", "in waiting room")) is not None:
        return "zoom", i
    if (i := _find(lines, "time joined", "time exited")) is not None:
        return "meet", i
    if (i := _find(lines, "name", "join time", "leave time")) is not None:
        return "teams", i
    if (i := _find(lines, "name", "first join", "last leave")) is not None:
        return "teams", i
    if (i := _find(lines, "full name", "user action", "timestamp")) is not None:
        return "teams-actions", i
    raise ExportError(
        "not a Zoom, Google Meet or Microsoft Teams attendance report (for another CSV, give "
        "--mapping with a file that says 'for: calls')"
    )


def read_call(path: Path | str, mapping: Path | None = None) -> list[Call]:
    """The calls in one attendance report (one, unless a mapping names a ``call`` column)."""
    path = Path(path)
    if mapping is not None:
        return _mapped(path, mapping)
    lines = _text(path).splitlines()
    try:
        fmt, at = detect(lines)
    except ExportError as exc:
        raise ExportError(f"{path}: {exc}") from None
    header, rows = _table(lines, at)
    sessions: list[Session] = []
    open_: dict[str, datetime] = {}
    for line, row in rows:
        where = f"{path}:{line}"
        try:
            if fmt == "zoom":
                if (_cell(header, row, "In Waiting Room") or "").lower() in ("yes", "true"):
                    continue
                name = _zoom_name(
                    _cell(header, row, "Name (Original Name)", "Name (original name)", "Name") or ""
                )
                email = _cell(header, row, "User Email", "Email")
                join, leave = (
                    call_time(_cell(header, row, "Join Time")),
                    call_time(_cell(header, row, "Leave Time")),
                )
            elif fmt == "meet":
                name = _cell(header, row, "Participant name") or " ".join(
                    x for x in (_cell(header, row, "First name"), _cell(header, row, "Last name")) if x
                )
                email = _cell(header, row, "Email", "Participant email")
                join = call_time(_cell(header, row, "Time joined"))
                leave = call_time(_cell(header, row, "Time exited"))
            elif fmt == "teams":
                name = _cell(header, row, "Name", "Full Name") or ""
                email = _cell(header, row, "Email", "Participant ID (UPN)")
                join = call_time(_cell(header, row, "Join Time", "First Join"))
                leave = call_time(_cell(header, row, "Leave Time", "Last Leave"))
            else:  # one line per action: pair each Joined with the same person's next Left
                name = _cell(header, row, "Full Name") or ""
                action = (_cell(header, row, "User Action") or "").lower()
                t = call_time(_cell(header, row, "Timestamp"))
                if action.startswith("join"):
                    open_.setdefault(name, t)
                    continue
                if not action.startswith("left") or name not in open_:
                    raise ValueError(f"a {action or 'blank'!r} action with no join before it")
                email, join, leave = None, open_.pop(name), t
        except ValueError as exc:
            raise ExportError(f"{where}: {exc}") from None
        if not name:
            raise ExportError(f"{where}: no participant name")
        if leave < join:
            raise ExportError(
                f"{where}: leaves before joining ({leave:%Y-%m-%d %H:%M} < {join:%Y-%m-%d %H:%M})"
            )
        sessions.append(Session(name, email.lower() if email else None, join, leave))
    if open_:
        raise ExportError(f"{path}: {', '.join(sorted(open_))} joined and never left")
    if not sessions:
        raise ExportError(f"{path}: no participants in the report")
    return [Call(path.stem, str(path), fmt, sessions)]


def _mapped(path: Path, mapping: Path) -> list[Call]:
    from incsim.calibrate.csvmap import load_mapping

    reader = csv.DictReader(io.StringIO(_text(path), newline=""))
    header = list(reader.fieldnames or [])
    if not header:
        raise ExportError(f"{path}: empty CSV (no header)")
    cols = load_mapping(mapping, header, "calls")[0]
    calls: dict[str, list[Session]] = {}
    try:
        for row in reader:
            where = f"{path}:{reader.line_num}"
            if None in row or None in row.values():
                raise ExportError(
                    f"{where}: {'more' if None in row else 'fewer'} cells than the header has columns"
                )
            try:
                join, leave = call_time(row[cols["join"]]), call_time(row[cols["leave"]])
            except ValueError as exc:
                raise ExportError(f"{where}: {exc}") from None
            name = row[cols["name"]].strip()
            if not name:
                raise ExportError(f"{where}: no participant name")
            if leave < join:
                raise ExportError(f"{where}: leaves before joining")
            email = row[cols["email"]].strip().lower() if "email" in cols and row[cols["email"]] else None
            key = row[cols["call"]] if "call" in cols else path.stem
            calls.setdefault(key, []).append(Session(name, email, join, leave))
    except csv.Error as exc:
        raise ExportError(f"{path}:{reader.line_num}: CSV error: {exc}") from None
    if not calls:
        raise ExportError(f"{path}: no participants in the report")
    return [Call(k if "call" in cols else path.stem, str(path), "mapped", v) for k, v in calls.items()]


def read_calls(paths: list[Path], mapping: Path | None = None) -> list[Call]:
    """Every call in the given reports, in start order."""
    calls = [c for p in paths for c in read_call(p, mapping)]
    return sorted(calls, key=lambda c: (c.start, c.id))
