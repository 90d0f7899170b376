"""What the model does, in words: one declaration per mechanism, kept beside the code that does it.

A ``Mechanism`` names the function that implements it, says in one sentence what it does,
and names the scenario parameters that sentence depends on by their path in the scenario
(``behaviour.narration.per_listener``; ``protocol.room.invite.rule`` for a field of a
protocol's entry). The report's model description is assembled from these sentences filled
with the scenario's values, so the text cannot drift from the code without a test noticing
(``tests/model/test_claims.py`` holds each sentence against simulated event logs).

The declarations live in the modules that implement them, each as a module-level tuple
``MECHANISMS`` made by ``declare``, which records them here as the module is imported; this
module imports none of them (``DESCRIBED_IN`` names them, in the order they are described), and
``catalogue`` imports them all for whoever needs every one. Pure: no I/O.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import Any

ALL_STRATEGIES = ("war-room", "async-first", "hybrid")

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
    strategies it applies to. ``implemented_by`` is ``module:qualified.name`` of the code.
    """

    name: str
    section: str
    text: str
    implemented_by: str
    params: tuple[str, ...] = ()
    protocols: tuple[str, ...] = ALL_STRATEGIES
    assumption: str = ""
    """A structural assumption the mechanism makes, in a sentence (listed among the assumptions)."""
    when: str = ""
    """A scenario path that must be true (``!path``: false) for the mechanism to be in play; in a
    section the scenario leaves out, it is neither, and the mechanism is not in play."""

    def in_play(self, scenario: Any) -> bool:
        """Whether ``scenario`` uses this mechanism (its ``when`` holds and a protocol it applies to is there)."""
        if not any(p.strategy in self.protocols for p in scenario.protocols):
            return False
        if not self.when:
            return True
        negate = self.when.startswith("!")
        try:
            value = bool(value_at(scenario, self.when.removeprefix("!")))
        except AttributeError:  # a section left out (no arrivals: scripted incidents only)
            return False
        return value != negate

    def fields(self) -> list[str]:
        """The parameter paths the sentence quotes, in order."""
        return _FIELD.findall(self.text)

    def per_protocol(self) -> bool:
        """Whether the sentence quotes a protocol's own parameters (so it reads per protocol)."""
        return any(p.startswith("protocol.") for p in self.fields())

    def applies_to(self, scenario: Any, protocol: Any) -> bool:
        """Whether the mechanism is at work under ``protocol`` of ``scenario``: one of its strategies, in
        play, and every section its sentence quotes is there (a hybrid without a ``triage``
        section has no triage call)."""
        if protocol.strategy not in self.protocols or not self.in_play(scenario):
            return False
        for path in self.fields():
            head, _, rest = path.partition(".")
            obj = protocol if head == "protocol" else getattr(scenario, head)
            for part in rest.split(".")[:-1]:  # the sections on the way (none for "a" or "a.b")
                obj = getattr(obj, part)
                if obj is None:
                    return False
        return True

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


DESCRIBED_IN = (
    "incidents",
    "people",
    "staffing",
    "world",
    "lifecycle",
    "rooms",
    "communication",
    "participation",
    "protocols",
)
"""The modules of ``incsim.model`` that declare mechanisms, by name (this module imports none of
them), in the order the description lists their mechanisms; ``catalogue`` imports them all."""

_DECLARED: dict[str, tuple[Mechanism, ...]] = {}
"""Each declaring module's mechanisms, recorded as it is imported (``declare``)."""


def declare(module: str, *mechanisms: Mechanism) -> tuple[Mechanism, ...]:
    """Record ``mechanisms`` as the declarations of ``module`` (its ``__name__``), made when it is
    imported; returns them (the module keeps them as its ``MECHANISMS``)."""
    name = module.rpartition(".")[2]
    if name not in DESCRIBED_IN:
        raise ValueError(f"{module} declares mechanisms but is not in mechanisms.DESCRIBED_IN")
    _DECLARED[name] = mechanisms
    return mechanisms


def all_mechanisms() -> list[Mechanism]:
    """Every declared mechanism, module by module in ``DESCRIBED_IN`` order (whatever order the
    modules were imported in). Raises ``RuntimeError`` while a module has not declared its own:
    import ``incsim.model.catalogue`` first."""
    missing = [name for name in DESCRIBED_IN if name not in _DECLARED]
    if missing:
        raise RuntimeError(
            f"the mechanisms of {', '.join(missing)} are not declared yet: import incsim.model.catalogue"
        )
    return [m for name in DESCRIBED_IN for m in _DECLARED[name]]


def described(scenario: Any, fmt: Callable[[Any], str]) -> dict[str, list[str]]:
    """The sentences of every mechanism ``scenario`` uses, filled with its values (``fmt`` turns a
    value into words), by section in ``SECTIONS`` order; a sentence quoting a protocol's own
    parameters comes once per protocol it applies to, named."""
    out: dict[str, list[str]] = {s: [] for s in SECTIONS}

    def in_words(path: str, protocol: Any = None) -> str:
        return fmt(value_at(scenario, path, protocol))

    for m in all_mechanisms():
        if not m.in_play(scenario):
            continue
        if m.per_protocol():
            for p in scenario.protocols:
                if m.applies_to(scenario, p):
                    text = m.render(partial(in_words, protocol=p))
                    out[m.section].append(f"'{p.name}': {text}")
        else:
            out[m.section].append(m.render(in_words))
    return out


def assumptions(scenario: Any) -> list[str]:
    """The structural assumptions of the mechanisms ``scenario`` uses, once each."""
    return list(dict.fromkeys(m.assumption for m in all_mechanisms() if m.assumption and m.in_play(scenario)))
