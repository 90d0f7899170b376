"""AWS's legacy Service Health Dashboard history (``https://status.aws.amazon.com/data.json``).

``{"archive": [...], "current": [...]}``; each event: ``service_name, service, summary, date,
status, details, description``. ``date`` is the event's first post, in seconds since 1970 (UTC).
``description`` is HTML holding one ``<div>`` per status update, each opening with the clock time
of the update in the zone AWS wrote it in (``<span class="yellowfg"> 6:06 AM PST</span>``,
sometimes with a date before it: ``Dec 7, 1:00 PM PST``). The stamps carry no date of their own:
the first is placed on the day of ``date`` (in its zone), each later one on or after the one
before (a clock time earlier than the previous update's is the next day).

The duration is from the first update's stamp to the last's. An ``archive`` event is over; a
``current`` event is still open. An event with a single stamp has no duration and is dropped
(``a single update: no duration``), as is one whose stamp names a zone not in ``ZONES``.

Group keys: ``service`` is the ``service`` code without its region (``ec2-us-east-1`` gives
``ec2``), ``category`` the region (the code's rest, ``global`` when none), ``severity`` the
event's ``status`` (AWS's 0-3 scale, as written).
"""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

from incsim.calibrate.records import (
    RECORD_ERRORS,
    Export,
    Incident,
    Intake,
    in_range,
    number,
    record_error,
    text,
)
from incsim.calibrate.source import records

LIST_KEYS = ("archive", "current")
SHAPE = frozenset({"service_name", "summary", "date", "description"})
"""The keys of one SHD event; all four, with ``date`` in seconds, decide the format."""

ZONES = {  # the abbreviations the dashboard wrote, as UTC offsets in hours
    "UTC": 0,
    "GMT": 0,
    "PST": -8,
    "PDT": -7,
    "MST": -7,
    "MDT": -6,
    "EST": -5,
    "EDT": -4,
    "BRT": -3,
    "CET": 1,
    "CEST": 2,
    "BST": 1,
    "IST": 5.5,
    "SGT": 8,
    "HKT": 8,
    "KST": 9,
    "JST": 9,
    "AEST": 10,
    "AEDT": 11,
    "NZST": 12,
    "NZDT": 13,
}
"""``CST`` is missing on purpose: it names three zones; an event stamped with it is dropped."""
MONTHS = {
    m: i
    for i, m in enumerate(
        ("jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"), start=1
    )
}
_STAMP = re.compile(
    r"<div[^>]*>\s*<span[^>]*>\s*(?:([A-Za-z]{3})[a-z]*\.?\s+(\d{1,2}),?\s+)?"
    r"(\d{1,2}):(\d{2})\s*([AaPp][Mm])\s+([A-Za-z]{2,5})\s*</span>"
)


def stamps(description: str, first_post: datetime) -> list[datetime]:
    """The UTC times of the updates in an event's HTML description (ValueError when unreadable)."""
    out: list[datetime] = []
    for mon, day, hh, mm, ampm, zone in _STAMP.findall(html.unescape(description or "")):
        if zone.upper() not in ZONES:
            raise ValueError(f"update stamp in an unknown time zone {zone!r} (known: {', '.join(ZONES)})")
        tz = timezone(timedelta(hours=ZONES[zone.upper()]))
        hour = int(hh) % 12 + (12 if ampm.lower() == "pm" else 0)
        if int(hh) > 12 or int(mm) > 59:
            raise ValueError(f"update stamp {hh}:{mm} {ampm} is not a clock time")
        anchor = (out[-1] if out else first_post).astimezone(tz)
        if mon:
            if mon.lower() not in MONTHS:
                raise ValueError(f"update stamp with an unknown month {mon!r}")
            local = datetime(anchor.year, MONTHS[mon.lower()], int(day), hour, int(mm), tzinfo=tz)
            if local < anchor - timedelta(days=180):  # written in January of the next year
                local = local.replace(year=anchor.year + 1)
        else:
            local = anchor.replace(hour=hour, minute=int(mm), second=0, microsecond=0)
            if out:
                while local < anchor:
                    local += timedelta(days=1)
            else:  # the first stamp is the post itself: the nearest such clock time to ``date``
                local = min((local + timedelta(days=d) for d in (-1, 0, 1)), key=lambda t: abs(t - anchor))
        out.append(in_range(local.astimezone(UTC)))
    return out


def read(path: Path, strict: bool = False) -> Export:
    """Read an AWS Service Health Dashboard ``data.json``."""
    intake = Intake(path, "aws-shd", strict)
    for where, item in records(path, LIST_KEYS, intake.problem, keyed=True):
        try:
            secs = number(item.get("date"))
            if secs is None:
                intake.problem(where, "needs 'date' (seconds since 1970)")
                continue
            try:
                posted = in_range(datetime.fromtimestamp(secs, UTC))
            except (OverflowError, OSError):
                raise ValueError(f"date {secs:g} is out of range") from None
            times = stamps(str(item.get("description") or ""), posted)
            if len(times) < 2:
                intake.drop("a single update: no duration")
                continue
            code = text(item.get("service")) or text(item.get("service_name")) or "unknown"
            service, _, region = code.partition("-")
            current = where.rpartition(": ")[2].startswith("current[")
            rid = f"{code}@{int(secs)}"
            intake.add(
                Incident(
                    id=rid,
                    start=times[0],
                    resolved=None if current else times[-1],
                    service=service,
                    category=region or "global",
                    severity=text(item.get("status")),
                    updates=tuple(times),
                )
            )
        except RECORD_ERRORS as exc:
            intake.problem(where, record_error(exc))
    return intake.export()
