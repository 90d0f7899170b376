"""The values a drill file's fields take: ids, feed lanes, outcomes, days, and the drill's
span of time (its world runs ``HORIZON_DAYS`` past the incident's start)."""

from __future__ import annotations

import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field

Id = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]*$")]
# Old spellings of values, read for a release: the executive lane and expectation event.
OLD_VALUES = {"exec": "executive", "exec_update": "executive_update"}


def new_spelling(value: Any) -> Any:
    return OLD_VALUES.get(value, value) if isinstance(value, str) else value


# A lane of the drill's feed: where an inject or a line of the feed appears (not the event
# log's channel of an update, ``model/events.Channel``).
Lane = Annotated[
    Literal["incident", "executive", "page", "status", "email", "facilitator"], BeforeValidator(new_spelling)
]
Outcome = Literal["met", "partial", "missed"]
DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
HORIZON_DAYS = 100
"""Days the drill's world runs past the incident's start (T0); whatever a drill times lies within."""
HORIZON_MIN = HORIZON_DAYS * 1440.0
Minutes = Annotated[float, Field(gt=0, le=HORIZON_MIN)]
"""A drill's span of time in minutes: above 0, and within the drill's world (``HORIZON_MIN``)."""
MinutesOrNone = Annotated[float, Field(ge=0, le=HORIZON_MIN)]
"""As ``Minutes``, 0 allowed."""
_START = re.compile(r"^\s*(?P<day>[A-Za-z]{3})[a-z]*\s+(?P<h>\d{1,2}):(?P<m>\d{2})\s*$")


def parse_start(text: str) -> float | None:
    """Minutes from Monday 00:00 of a local ``Tue 14:10``, or None when it is not one."""
    m = _START.match(text)
    if not m:
        return None
    day = m.group("day").lower()
    h, mi = int(m.group("h")), int(m.group("m"))
    if day not in DAYS or h > 23 or mi > 59:
        return None
    return DAYS.index(day) * 1440.0 + h * 60.0 + mi
