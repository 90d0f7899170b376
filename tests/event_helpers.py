"""Hand-written event logs: a record of a kind with only the fields a test cares about."""

from __future__ import annotations

import dataclasses
import typing

from incsim.model.events import RECORDS, Event, Kind

_NEUTRAL = {str: "", float: 0.0, int: 0, bool: False}


def _neutral(hint) -> object:
    """The plainest value a field of type ``hint`` can hold: "", 0, False, (), or a Literal's first value."""
    if typing.get_origin(hint) is typing.Literal:
        return typing.get_args(hint)[0]
    if typing.get_origin(hint) is tuple:
        return ()
    for arg in typing.get_args(hint) or (hint,):
        if arg in _NEUTRAL:
            return _NEUTRAL[arg]
    return None


def ev(t: float, kind: Kind, who: str = "", incident: int = 0, **fields) -> Event:
    """The record of ``kind`` at ``t`` with ``fields`` (lists become tuples); a required field
    the test leaves out gets its type's plainest value."""
    cls = RECORDS[kind]
    hints = typing.get_type_hints(cls)
    for f in cls.__dataclass_fields__.values():
        if f.name in ("t", "incident", "who") or f.name in fields:
            continue
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            fields[f.name] = _neutral(hints[f.name])
    fields = {k: tuple(v) if isinstance(v, list) else v for k, v in fields.items()}
    return cls(float(t), incident, who, **fields)
