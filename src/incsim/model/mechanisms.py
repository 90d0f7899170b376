"""What the model does, in words: one declaration per mechanism, kept beside the code that does it.

A ``Mechanism`` names the function that implements it, says in one sentence what it does,
and names the scenario parameters that sentence depends on by their path in the scenario
(``behaviour.narration.per_listener``; ``protocol.room.invite.rule`` for a field of a
protocol's entry). The report's model description is assembled from these sentences filled
with the scenario's values, so the text cannot drift from the code without a test noticing
(``tests/test_claims.py`` holds each sentence against simulated event logs).

The declarations live in the modules that implement them, each as a module-level tuple
``MECHANISMS``; ``all_mechanisms`` gathers them. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

ALL_KINDS = ("war-room", "async-first", "hybrid")

SECTIONS = {
    "entry": "how incidents arrive",
    "people": "who responds, and how their attention is shared",
    "work": "how the work goes",
    "room": "rooms",
    "channel": "channels",
    "protocol": "the protocols' rules",
    "cost": "what is charged",
}
"""The groups the description lists mechanisms under, in this order."""

_FIELD = re.compile(r"\{([a-z_][a-z0-9_.]*)\}")


@dataclass(frozen=True)
class Mechanism:
    """One mechanism of the model, declared beside the function that implements it.

    ``text`` is one sentence; ``{path}`` in it stands for the value of that scenario
    parameter (every path used must be listed in ``params``). ``protocols`` are the protocol
    kinds it applies to. ``implemented_by`` is ``module:qualified.name`` of the code.
    """

    name: str
    section: str
    text: str
    implemented_by: str
    params: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ALL_KINDS

    def fields(self) -> list[str]:
        """The parameter paths the sentence quotes, in order."""
        return _FIELD.findall(self.text)

    def per_protocol(self) -> bool:
        """Whether the sentence quotes a protocol's own parameters (so it reads per protocol)."""
        return any(p.startswith("protocol.") for p in self.fields())

    def render(self, value: Callable[[str], str]) -> str:
        """The sentence with each ``{path}`` replaced by ``value(path)``."""
        return _FIELD.sub(lambda m: value(m.group(1)), self.text)


def value_at(scenario: Any, path: str, protocol: Any = None) -> Any:
    """The value at ``path`` in ``scenario`` (or in ``protocol``'s entry, for ``protocol.*``)."""
    head, _, rest = path.partition(".")
    obj = protocol if head == "protocol" else getattr(scenario, head)
    if head == "protocol" and protocol is None:
        raise ValueError(f"{path}: a protocol's parameter needs a protocol")
    for part in rest.split(".") if rest else ():
        obj = getattr(obj, part)
    return obj


def all_mechanisms() -> list[Mechanism]:
    """Every declared mechanism, gathered from the modules that implement them."""
    # imported here: those modules import this one for the record type
    from incsim.model import incidents, people, protocols, world

    out: list[Mechanism] = []
    for module in (incidents, people, world, protocols):
        out.extend(module.MECHANISMS)
    return out
