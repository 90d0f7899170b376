"""The normalised incident record every importer produces, and the bookkeeping of an import.

Every reader turns its vendor's records into ``Incident``s and reports, through an ``Intake``,
what it dropped and why (a reason -> count table, never silent) and where a record was
malformed (``FILE:LINE`` for line-based files, ``FILE: record INDEX (id ID)`` for JSON).
An open incident is kept and marked censored: its duration is only known to exceed the time
from its start to the end of the export.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

GROUP_KEYS = ("service", "team", "severity", "category")

MIN_SAMPLE = 5
"""Fewer usable incidents than this (in the export, or in a group) and nothing is fitted."""
WARN_SAMPLE = 30
"""Fewer than this and every output carries a warning that the fit is rough."""


YEARS = (1900, 2999)
"""Timestamps outside these years are refused as malformed (nothing else is plausible in an incident
export, and every later sum of times stays representable); dates inside them but far from the other
records are outliers, set aside where the export is read (``Intake.export``)."""
MAX_SECONDS = 10 * 365.25 * 86400
"""A duration an export gives in seconds (to resolve, to acknowledge) is refused above ten years."""
MAX_AMOUNT = 1e6
"""Counts and hours (responders, interruptions, engineer-hours, workload minutes) are refused above this."""


class ExportError(Exception):
    """An export that cannot be read at all, or a malformed record under ``--strict``; one line."""


@dataclass(frozen=True)
class Incident:
    """One real incident, normalised. Times are UTC; ``None`` where the export does not say."""

    id: str
    start: datetime
    resolved: datetime | None = None
    detected: datetime | None = None
    acknowledged: datetime | None = None
    engaged: datetime | None = None
    mitigated: datetime | None = None
    service: str | None = None
    team: str | None = None
    severity: str | None = None
    category: str | None = None
    responders: int | None = None
    interruptions: dict[str, int] | None = None
    """Pages by when they landed: ``business``, ``off`` and ``sleep`` hours (PagerDuty's split)."""
    workload_min: dict[str, float] | None = None
    """Responder minutes by when they were spent: ``business``, ``off`` and ``sleep`` (incident.io)."""
    updates: tuple[datetime, ...] = ()
    """Times of the public or internal status updates, in order."""
    engineer_hours: float | None = None
    customer_impact_min: float | None = None
    ack_s: float | None = None
    """Seconds from start to the first acknowledgement (given directly by some exports)."""
    engage_s: float | None = None
    """Seconds from start until a responder engaged."""

    @property
    def censored(self) -> bool:
        """True while the incident was still open when the export was taken."""
        return self.resolved is None

    def duration_min(self, end_of_export: datetime) -> float:
        """Minutes from start to resolution (to the end of the export when still open)."""
        end = self.resolved if self.resolved is not None else end_of_export
        return (end - self.start).total_seconds() / 60.0

    def group(self, key: str | None) -> str:
        """The incident's value of a group key (``all`` when no key; ``unknown`` when missing)."""
        if key is None:
            return "all"
        value = getattr(self, key)
        return str(value) if value not in (None, "") else "unknown"

    def ack_delay_s(self) -> float | None:
        """Seconds to acknowledgement, from the export's figure or its timestamps."""
        if self.ack_s is not None:
            return self.ack_s
        if self.acknowledged is not None:
            return (self.acknowledged - self.start).total_seconds()
        return None

    def engage_delay_s(self) -> float | None:
        """Seconds until a responder engaged, from the export's figure or its timestamps."""
        if self.engage_s is not None:
            return self.engage_s
        if self.engaged is not None:
            return (self.engaged - self.start).total_seconds()
        return None


@dataclass
class Export:
    """What an import produced: the incidents, what was dropped, the problems met."""

    source: str
    format: str
    incidents: list[Incident]
    dropped: Counter = field(default_factory=Counter)
    problems: list[str] = field(default_factory=list)
    end: datetime | None = None
    """End of observation: the latest time the export mentions (open incidents are censored here)."""
    detected: str | None = None
    """How the format was chosen: the keys that decided it, or the option that named it."""
    outliers: list[dict] = field(default_factory=list)
    """Records set aside by a rule of ``outliers.py``: ``{id, start, rule}``."""
    warnings: list[str] = field(default_factory=list)
    """What the import wants said about itself (outliers set aside)."""

    def durations(self, key: str | None = None, group: str | None = None) -> tuple[list[float], list[bool]]:
        """Durations in minutes and censoring flags, optionally of one group.

        An open incident that started at the very end of the export has been open for no time:
        it says nothing about durations (its survival term is S(0) = 1), so it is left out.
        """
        end = self.end or max(i.start for i in self.incidents)
        out, cens = [], []
        for inc in self.incidents:
            if group is not None and inc.group(key) != group:
                continue
            d = inc.duration_min(end)
            if inc.censored and d <= 0:
                continue
            out.append(d)
            cens.append(inc.censored)
        return out, cens

    @property
    def has_updates(self) -> bool:
        """Whether any incident carries status updates."""
        return any(len(i.updates) > 1 for i in self.incidents)


class Intake:
    """Collects incidents, drops (by reason) and located problems while a reader walks a file."""

    def __init__(self, path: Path | str, fmt: str, strict: bool = False) -> None:
        self.path = str(path)
        self.format = fmt
        self.strict = strict
        self.incidents: list[Incident] = []
        self.dropped: Counter = Counter()
        self.problems: list[str] = []
        self.times: list[datetime] = []
        self._ids: set[str] = set()

    def seen(self, *times: datetime | None) -> None:
        """Note times the export mentions, so the end of observation is the latest of them."""
        self.times.extend(t for t in times if t is not None)

    def drop(self, reason: str) -> None:
        """Count a record left out on purpose (maintenance, test mode, ...)."""
        self.dropped[reason] += 1

    def problem(self, where: str, message: str) -> None:
        """A malformed record: stop under ``--strict``, else count it as dropped and go on."""
        line = f"{where}: {message}"
        if self.strict:
            raise ExportError(line)
        self.problems.append(line)
        self.dropped["malformed"] += 1

    def add(self, inc: Incident) -> None:
        """Keep an incident unless its id was seen or its duration is not positive."""
        if inc.id in self._ids:
            self.drop("duplicate id")
            return
        if inc.resolved is not None and inc.resolved <= inc.start:
            self.drop("zero or negative duration")
            return
        self._ids.add(inc.id)
        self.seen(inc.start, inc.resolved, *inc.updates)
        self.incidents.append(inc)

    def export(self) -> Export:
        """The finished import, incidents in start order; an incident dated far from the others
        set aside (``outliers.RULES["starts"]``), counted, listed and warned about, and no time
        outside the same fences taken as the end of observation."""
        from incsim.calibrate import outliers

        bounds = outliers.fences([i.start for i in self.incidents])
        kept, far = [], []
        for inc in sorted(self.incidents, key=lambda i: (i.start, i.id)):
            (kept if outliers.inside(inc.start, bounds) else far).append(inc)
        warnings = []
        if far:
            self.dropped["outlier: start far from the others"] += len(far)
            lo, hi = kept[0].start, kept[-1].start
            named = ", ".join(f"{i.id} ({i.start:%Y-%m-%d})" for i in far[:5]) + (
                ", ..." if len(far) > 5 else ""
            )
            warnings.append(
                f"{len(far)} incident(s) dated far from the others set aside as outliers: {named}; "
                f"the rest start between {lo:%Y-%m-%d} and {hi:%Y-%m-%d} (rule: "
                f"{outliers.RULES['starts']})"
            )
        end = max((t for t in self.times if outliers.inside(t, bounds)), default=None)
        return Export(
            self.path,
            self.format,
            kept,
            self.dropped,
            self.problems,
            end,
            outliers=[{"id": i.id, "start": i.start.isoformat(), "rule": "starts"} for i in far],
            warnings=warnings,
        )


def parse_time(value: object) -> datetime | None:
    """An ISO 8601 timestamp (``Z`` or offset) as an aware UTC datetime; None for empty values.

    Raises ValueError for anything else, which the reader reports with the record's place.
    """
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise ValueError(f"expected a timestamp, got {value!r}")  # noqa: TRY004 - readers report ValueError as a malformed record
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"not an ISO 8601 timestamp: {value!r}") from None
    if t.tzinfo is None:  # exports without an offset are read as UTC (docs/importing-history.md)
        t = t.replace(tzinfo=UTC)
    try:
        t = t.astimezone(UTC)  # 0001-01-01T00:00:00+14:00 has no UTC time
    except OverflowError:
        raise ValueError(f"timestamp out of range: {value!r}") from None
    return in_range(t, value)


def in_range(t: datetime, value: object = None) -> datetime:
    """``t`` when its year is in ``YEARS``, else ValueError naming the value as the export wrote it."""
    if not YEARS[0] <= t.year <= YEARS[1]:
        raise ValueError(
            f"timestamp out of range: {value if value is not None else t.isoformat()!r} "
            f"(years {YEARS[0]} to {YEARS[1]} are read)"
        )
    return t


def after(start: datetime, seconds: float, field: str) -> datetime:
    """``start`` plus a duration the export gives in seconds, checked against ``MAX_SECONDS``."""
    if not 0 <= seconds <= MAX_SECONDS:
        raise ValueError(f"{field} {seconds:g} s is out of range (0 to {MAX_SECONDS:.3g} s, ten years)")
    return in_range(start + timedelta(seconds=seconds))


def number(value: object) -> float | None:
    """A finite number from JSON or CSV text; None when empty; ValueError when not a number."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        raise ValueError(f"expected a number, got {value!r}")  # noqa: TRY004 - reported as a malformed record
    try:
        x = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise ValueError(f"expected a number, got {_short(value)}") from None
    except OverflowError:  # an integer above 1e308
        raise ValueError(f"expected a finite number, got {_short(value)}") from None
    if not math.isfinite(x):
        raise ValueError(f"expected a finite number, got {_short(value)}")
    return x


def _short(value: object) -> str:
    """The value for a one-line message: a huge integer by its length, long text cut."""
    if isinstance(value, int) and abs(value) > 10**30:
        return f"an integer of about {int(value.bit_length() * 0.30103) + 1} digits"  # str() refuses > 4300
    r = repr(value)
    return r if len(r) <= 60 else r[:57] + "..."


def amount(value: object, field: str, maximum: float = MAX_AMOUNT) -> float | None:
    """A number that counts or measures something (hours, people, seconds): finite, not negative,
    not above ``maximum``; None when empty; ValueError naming ``field`` otherwise."""
    x = number(value)
    if x is not None and not 0 <= x <= maximum:
        raise ValueError(f"{field} {x:g} is out of range (0 to {maximum:g})")
    return x


def seconds(value: object, field: str) -> float | None:
    """A duration in seconds (0 to ``MAX_SECONDS``); None when empty."""
    return amount(value, f"{field} (s)", MAX_SECONDS)


def text(value: object) -> str | None:
    """A name as text (None for empty values); a ``{name: ...}`` object gives its name."""
    if value is None or value == "":
        return None
    if isinstance(value, dict):
        return text(value.get("name") or value.get("summary") or value.get("slug"))
    return str(value)


RECORD_ERRORS = (ValueError, TypeError, AttributeError)
"""What a record of the wrong shape raises while a reader walks it (reported, not a traceback)."""


def record_error(exc: Exception) -> str:
    """The message for a malformed record: a ValueError's own words, else its unexpected shape."""
    return str(exc) if isinstance(exc, ValueError) else f"unexpected shape ({exc})"


def month_label(t) -> str:
    """The month a UTC time falls in, ``YYYY-MM`` (incidents and incident channels alike)."""
    return f"{t.year:04d}-{t.month:02d}"
