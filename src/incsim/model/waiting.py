"""Waiting for the first of some SimPy events, more cheaply than ``a | b``.

``a | b`` builds a ``simpy.Condition``: on top of an event it keeps a value listing which events
fired (built when it is processed, by walking its events), and on the way it removes its checks
from the others. A process that only waits, without reading which event fired, pays for all of
that on every wake; the model's waits are mostly of that kind (the debugger's work until their
speed changes, an incident waiting for someone to come free). ``FirstOf`` is the same event
without the value: triggered, in the same step, exactly when ``a | b`` would be, so it is
scheduled at the same point and every other event keeps its order (``tests/model/test_waiting.py``
checks the two against each other). The process receives ``None`` instead of the value.
"""

from __future__ import annotations

from collections.abc import Generator
from typing import Any, TypeAlias, TypeVar

from simpy.core import Environment
from simpy.events import PENDING, Event

T = TypeVar("T")

Proc: TypeAlias = Generator[Event, Any, T]
"""A SimPy process body (or a part of one, run with ``yield from``): it yields the events it waits
for and returns a ``T`` (``Proc[None]`` for a process that returns nothing)."""


class FirstOf(Event):
    """Triggered when the first of ``events`` is processed (or at once if one already was);
    fails, as ``a | b`` does, with the first failing one's exception. Nest ``FirstOf``s where
    ``a | b | c`` nests conditions (``FirstOf(env, FirstOf(env, a, b), c)``), so that the number
    of steps to the wake is the same."""

    def __init__(self, env: Environment, *events: Event) -> None:
        self.env = env
        self.callbacks = []
        for event in events:
            if event.callbacks is None:  # already processed
                self._hit(event)
            else:
                event.callbacks.append(self._hit)

    def _hit(self, event: Event) -> None:
        if self._value is not PENDING:
            return  # a later one: the wait is over already
        if not event._ok:
            event._defused = True
            self.fail(event._value)
        else:
            self.succeed()
