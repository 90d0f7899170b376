"""The event log: every happening in the simulated world is one typed, immutable record.

One record type per kind of event, each a frozen, slotted dataclass whose fields are its columns
(after Ciw's flat data records, one column per concept). Every record has ``t`` (minute),
``incident`` (id) and ``who`` (the person, or "" when nobody in particular); its kind's own
fields are documented once, in its docstring, and every reader uses these types.

The JSON Lines form (``events/replication-NNN.jsonl`` of a run, ``events.jsonl`` of a drill) is
flat: ``{"v": 1, "replication": ..., "protocol": ..., "t": ..., "incident": ..., "kind": ...,
"who": ..., <the kind's fields>}``. ``v`` is ``SCHEMA_VERSION``. A field with a default is
*optional*: it may be left out of the constructor, and is left out of a line while it holds
its default. ``event_from_dict`` reads a line back into the
same record.
"""

from __future__ import annotations

import typing
from collections.abc import Callable, Mapping
from dataclasses import MISSING, dataclass, fields
from enum import Enum
from typing import Any, ClassVar, Literal

SCHEMA_VERSION = 1
"""The version of the JSON form of the records, the ``v`` of every line. Raise it whenever a
kind gains, loses or renames a field, or a field changes meaning."""

Role = Literal["debugger", "ic", "expert", "owner", "stakeholder", "spectator", "watcher"]
"""What someone is in an incident. ``debugger`` works the fault; ``ic`` coordinates;
``expert`` is consulted (or debugs beside the debugger, ``behaviour.debuggers``); ``owner`` repairs a further root service of their own team; a
``stakeholder`` is needed for a decision; a ``spectator`` is in the room without being needed;
a ``watcher`` reads the channel's updates."""

Medium = Literal["room", "channel", "drill"]
"""Where a question, answer or decision happened: in the room (a call), in the channel
(asynchronously), or by a drill's facilitator."""

Channel = Literal["incident", "executive", "status"]
"""Where an update is posted: the incident channel, the executive channel, the status page (drills)."""

Status = Literal["investigating", "mitigated"]


class Kind(str, Enum):
    """What happened; each kind has its own record type (``RECORDS``)."""

    DETECTED = "detected"
    AFFECTED = "affected"
    PAGED = "paged"
    JOINED = "joined"
    LEFT = "left"
    QUESTION = "question"
    ANSWER = "answer"
    INTERRUPTED = "interrupted"
    UPDATE = "update"
    DECISION_REQUESTED = "decision_requested"
    DECISION = "decision"
    ROOM_OPENED = "room_opened"
    ROOM_CLOSED = "room_closed"
    OVERRAN = "overran"
    ESCALATED = "escalated"
    FIXED = "fixed"
    RECOVERED = "recovered"
    MITIGATED = "mitigated"
    RESOLVED = "resolved"
    INJECTED = "injected"
    BUSY = "busy"


@dataclass(frozen=True, slots=True)
class Event:
    """At minute ``t``, in incident ``incident``, ``who`` did what the record's ``kind`` says.

    The common part of every record; only the kinds below are ever logged.
    """

    t: float
    incident: int
    who: str = ""
    kind: ClassVar[Kind]

    def as_dict(self) -> dict[str, Any]:
        """The flat JSON form, without the version marker: times rounded to a millionth of a
        minute, tuples as lists, optional fields at their default left out."""
        out: dict[str, Any] = {
            "t": round(self.t, 6),
            "incident": self.incident,
            "kind": self.kind.value,
            "who": self.who,
        }
        for name, optional, default in _COLUMNS[type(self)]:
            value = getattr(self, name)
            if optional and value == default:
                continue
            out[name] = list(value) if isinstance(value, tuple) else value
        return out


_E = typing.TypeVar("_E", bound=Event)


@typing.dataclass_transform(frozen_default=True, kw_only_default=True)
def _frozen(cls: type[_E]) -> type[_E]:
    """The decorator of every kind: immutable, slotted, its own fields by name only."""
    return dataclass(frozen=True, slots=True, kw_only=True)(cls)


# -- the kinds ---------------------------------------------------------------------------------
@_frozen
class Detected(Event):
    """An incident is detected (``who`` is "").

    ``category`` and ``flags`` are the incident's; ``roots`` its faulty services (the first is
    the debugger's); ``diagnosis_min`` and ``fix_min`` the debugger's work at full speed;
    ``exposure_per_min`` the data exposed per minute until containment (0 for none).
    """

    kind: ClassVar[Kind] = Kind.DETECTED
    category: str
    flags: tuple[str, ...]
    roots: tuple[str, ...]
    diagnosis_min: float
    fix_min: float
    exposure_per_min: float


@_frozen
class Affected(Event):
    """``service`` is failing (``who`` is ""): a root at detection (``via`` is ""), a further
    one hit by the cascade from ``via``, or one taken offline by a drill's containment (``via``
    is "containment"). ``customer_facing`` says whether its minutes count as customer impact."""

    kind: ClassVar[Kind] = Kind.AFFECTED
    service: str
    via: str
    customer_facing: bool


@_frozen
class Paged(Event):
    """``who`` is paged to take ``role``; ``team`` is theirs."""

    kind: ClassVar[Kind] = Kind.PAGED
    role: Role
    team: str


@_frozen
class Joined(Event):
    """``who`` takes part as ``role`` from now.

    On first joining, ``off_hours`` says whether it was outside their working hours and ``team``
    is theirs. When someone already in the incident takes a more essential role, the record has
    ``change`` true and neither of the others (optional, all three).
    """

    kind: ClassVar[Kind] = Kind.JOINED
    role: Role
    change: bool = False
    off_hours: bool | None = None
    team: str | None = None


@_frozen
class Left(Event):
    """``who`` leaves the incident, where they were ``role``; ``refocus_min`` is the refocus
    charged after leaving (0 when they were not pulled off their own work)."""

    kind: ClassVar[Kind] = Kind.LEFT
    role: Role
    refocus_min: float


@_frozen
class Question(Event):
    """``who`` (a person, or "leadership") asks ``to`` in ``medium``; ``topic`` is ``consult``
    (the debugger asks an expert), ``question`` (a spectator asks the debugger) or
    ``any updates?`` (leadership asks the IC)."""

    kind: ClassVar[Kind] = Kind.QUESTION
    to: str
    medium: Medium
    topic: str


@_frozen
class Answer(Event):
    """``who`` answers ``to``'s question in ``medium``, ``wait_min`` after it was asked: a consult
    (``to`` is the debugger), or, in a channel, input to a decision (``to`` is the IC, else the
    debugger). Every answer is logged, whether its author was part of the incident or not."""

    kind: ClassVar[Kind] = Kind.ANSWER
    to: str
    medium: Medium
    wait_min: float


@_frozen
class Interrupted(Event):
    """``who`` loses focus: ``answer_min`` giving an answer (or reading, briefing, fixing),
    then ``refocus_min`` getting back into their work.

    ``reason`` says why (``consult``, ``read update``, ``brief late joiner``, ``fix SERVICE``,
    ...); ``role`` is what the interruption made them, or, when ``engaged`` (already part of
    the incident: the answer minutes are inside their engagement), the one role they hold there. ``by``
    (optional) names the late joiner a debugger briefed.
    """

    kind: ClassVar[Kind] = Kind.INTERRUPTED
    answer_min: float
    refocus_min: float
    reason: str
    role: Role
    engaged: bool
    by: str | None = None


@_frozen
class Update(Event):
    """``who`` (the IC) posts an update to ``channel``; ``status`` is the incident's, and
    ``write_min`` the minutes writing it took.

    Optional: an incident-channel update names the customer-facing services hit (``impact``),
    the phase of the work (``next_steps``) and an ETA (``eta_min``, minutes from the update; left
    out while the cause is unknown);
    a drill's status update carries the facilitator's ``text``.
    """

    kind: ClassVar[Kind] = Kind.UPDATE
    channel: Channel
    status: Status
    impact: tuple[str, ...] | None = None
    next_steps: str | None = None
    eta_min: float | None = None
    text: str | None = None
    write_min: float


@_frozen
class DecisionRequested(Event):
    """Decision ``name`` is needed (``who`` is ""); ``stakeholders`` are the people who must make it."""

    kind: ClassVar[Kind] = Kind.DECISION_REQUESTED
    name: str
    stakeholders: tuple[str, ...]


@_frozen
class Decision(Event):
    """Decision ``name`` is made in ``medium``, ``wait_min`` after it was requested (0 for a
    drill's). ``containment`` says whether it contains the data exposure (``Detected``)."""

    kind: ClassVar[Kind] = Kind.DECISION
    name: str
    medium: Medium
    wait_min: float
    containment: bool


@_frozen
class RoomOpened(Event):
    """A room (a call) opens, for ``reason``; ``limit`` caps who may be in it (None: no cap)."""

    kind: ClassVar[Kind] = Kind.ROOM_OPENED
    reason: str
    limit: int | None


@_frozen
class RoomClosed(Event):
    """The room closes."""

    kind: ClassVar[Kind] = Kind.ROOM_CLOSED


@_frozen
class Overran(Event):
    """The room (a triage call) is still open at the end of its planned ``planned_min`` minutes,
    counted from its opening (``who`` is ""): it runs over while the decisions named in
    ``waiting_for`` are not yet taken, and closes once they are."""

    kind: ClassVar[Kind] = Kind.OVERRAN
    planned_min: float
    waiting_for: tuple[str, ...]


@_frozen
class Escalated(Event):
    """The incident is escalated, for ``reason`` (the rule that fired, or who injected it)."""

    kind: ClassVar[Kind] = Kind.ESCALATED
    reason: str


@_frozen
class Fixed(Event):
    """``service``'s own fault is repaired by ``who``, of its owning team (the debugger for the
    first root); it may still wait for what it depends on."""

    kind: ClassVar[Kind] = Kind.FIXED
    service: str


@_frozen
class Recovered(Event):
    """``service`` is healthy again."""

    kind: ClassVar[Kind] = Kind.RECOVERED
    service: str


@_frozen
class Mitigated(Event):
    """Customer impact is over: every root service is fixed and every affected customer-facing
    service has recovered (services not facing customers may still be recovering)."""

    kind: ClassVar[Kind] = Kind.MITIGATED


@_frozen
class Resolved(Event):
    """The incident is over; everyone still in it leaves."""

    kind: ClassVar[Kind] = Kind.RESOLVED


@_frozen
class Injected(Event):
    """Something from outside the model, ``what``: ``incident`` (an incident added while
    running), ``escalation`` (an escalation forced by a facilitator), and in drills ``inject``
    (an inject fired), ``decision`` (a drill decision taken) or a decision's effect on the work
    (``roll_back``, ``fail_over``, ...), or ``player`` (a played role's action, ``id``, by the
    role ``by``; the events logged after it at the same minute are its effects). ``who`` is the
    sender, the role deciding or the person a player plays.

    Optional: ``id`` of the inject or decision; for a decision the ``option`` taken, ``by``
    whom (``room``, ``default`` or ``model``) and ``wait_min`` after it was asked; for an
    effect on the work, ``remaining_work`` (the factor on the work left) and ``extra_min``.
    """

    kind: ClassVar[Kind] = Kind.INJECTED
    what: str
    id: str | None = None
    option: str | None = None
    by: str | None = None
    wait_min: float | None = None
    remaining_work: float | None = None
    extra_min: float | None = None


@_frozen
class Busy(Event):
    """``who``, wanted as ``role``, is busy in the incidents ``elsewhere`` (part of them, or holding
    them as debugger, IC or fixer): they do not come, or, with ``waits``, an invited spectator
    not yet paged, they stay invited and are paged when free."""

    kind: ClassVar[Kind] = Kind.BUSY
    role: Role
    elsewhere: tuple[int, ...]
    waits: bool = False


RECORDS: dict[Kind, type[Event]] = {
    cls.kind: cls
    for cls in (
        Detected,
        Affected,
        Paged,
        Joined,
        Left,
        Question,
        Answer,
        Interrupted,
        Update,
        DecisionRequested,
        Decision,
        RoomOpened,
        RoomClosed,
        Overran,
        Escalated,
        Fixed,
        Recovered,
        Mitigated,
        Resolved,
        Injected,
        Busy,
    )
}
"""The record type of every kind."""
assert set(RECORDS) == set(Kind)

_COMMON = ("t", "incident", "who")
_CONTEXT = ("v", "replication", "protocol")  # what a written line adds around a record
# Two tables per kind, made once here: (name, optional, default) of each of its own fields in
# order, and the type hints the reader checks values against.
_COLUMNS: dict[type, tuple[tuple[str, bool, Any], ...]] = {
    cls: tuple((f.name, f.default is not MISSING, f.default) for f in fields(cls) if f.name not in _COMMON)
    for cls in RECORDS.values()
}
_HINTS: dict[type, dict[str, Any]] = {cls: typing.get_type_hints(cls) for cls in RECORDS.values()}


def record(event: Event, **context: Any) -> dict[str, Any]:
    """One line of the JSON Lines form: the version marker, ``context`` (``replication``,
    ``protocol``), then the record."""
    return {"v": SCHEMA_VERSION, **context, **event.as_dict()}


def allowed_values(hint: Any) -> tuple[Any, ...] | None:
    """The values a ``Literal`` (or ``Literal | None``) field may hold, or None for any."""
    if typing.get_origin(hint) is Literal:
        return typing.get_args(hint)
    args = typing.get_args(hint)
    lits = [a for a in args if typing.get_origin(a) is Literal]
    if lits:
        return tuple(v for a in lits for v in typing.get_args(a)) + ((None,) if type(None) in args else ())
    return None


def event_from_dict(d: Mapping[str, Any]) -> Event:
    """The record a JSON line (``record``'s, or ``Event.as_dict``'s) was made from.

    Lists become tuples; a line without ``v`` is from before versioning and reads the same as
    version 1. A ``ValueError`` names what is wrong: a version this code does not know, an
    unknown kind, a missing or unknown field, a value a field may not hold.
    """
    v = d.get("v", SCHEMA_VERSION)
    if v != SCHEMA_VERSION:
        raise ValueError(f"event schema version {v!r}: this version of incsim reads version {SCHEMA_VERSION}")
    try:
        kind = Kind(d["kind"])
    except KeyError:
        raise ValueError("an event without a 'kind'") from None
    except ValueError:
        raise ValueError(f"unknown event kind {d['kind']!r}") from None
    cls = RECORDS[kind]
    cols = _COLUMNS[cls]
    names = {name for name, _, _ in cols}
    unknown = sorted(
        k for k in d if k not in names and k not in _COMMON and k not in _CONTEXT and k != "kind"
    )
    if unknown:
        raise ValueError(f"{kind.value}: unknown field(s) {', '.join(unknown)}")
    missing = [k for k in ("t", "incident") if k not in d] + [
        n for n, opt, _ in cols if not opt and n not in d
    ]
    if missing:
        raise ValueError(f"{kind.value}: missing field(s) {', '.join(missing)}")
    hints = _HINTS[cls]
    values: dict[str, Any] = {}
    for name, _, _ in cols:
        if name not in d:
            continue
        value = d[name]
        if isinstance(value, list):
            value = tuple(value)
        allowed = allowed_values(hints[name])
        if allowed is not None and value not in allowed:
            raise ValueError(f"{kind.value}: {name} is {value!r}, not one of {', '.join(map(repr, allowed))}")
        values[name] = value
    return cls(float(d["t"]), int(d["incident"]), str(d.get("who") or ""), **values)


class Log:
    """An append-only event log with optional listeners (drills watch it)."""

    def __init__(self) -> None:
        self.events: list[Event] = []
        self._listeners: list[Callable[[Event], None]] = []

    def add(self, event: _E) -> _E:
        """Append ``event`` and tell the listeners."""
        self.events.append(event)
        for listener in self._listeners:
            listener(event)
        return event

    def subscribe(self, listener: Callable[[Event], None]) -> None:
        """Call ``listener(event)`` for every event added from now on."""
        self._listeners.append(listener)

    def __len__(self) -> int:
        return len(self.events)


__all__ = [
    "RECORDS",
    "SCHEMA_VERSION",
    "Affected",
    "Answer",
    "Busy",
    "Channel",
    "Decision",
    "DecisionRequested",
    "Detected",
    "Escalated",
    "Event",
    "Fixed",
    "Injected",
    "Interrupted",
    "Joined",
    "Kind",
    "Left",
    "Log",
    "Medium",
    "Mitigated",
    "Overran",
    "Paged",
    "Question",
    "Recovered",
    "Resolved",
    "Role",
    "RoomClosed",
    "RoomOpened",
    "Status",
    "Update",
    "event_from_dict",
    "record",
]
