"""The resolved sweep: its parameters with their values, its points, and the ``Sweep`` itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from incsim.scenario.loaded import LoadedScenario
from incsim.scenario.schema import Scenario, ordered_protocols
from incsim.sweep.schema import TTR, SweepFile


@dataclass(frozen=True)
class SweptParameter:
    """A parameter with its values resolved: labels, axis positions, unit and base value."""

    path: str
    values: tuple[Any, ...]
    labels: tuple[str, ...]
    xs: tuple[float, ...] | None
    """Axis positions (numbers, or durations' means); None when the parameter is categorical."""
    by_mean: bool
    """The values are durations placed on the axis by their mean."""
    scale: str
    unit: str
    base_label: str
    base_x: float | None

    def order(self) -> list[int]:
        """Value indices in axis order (listed order when categorical)."""
        if self.xs is None:
            return list(range(len(self.values)))
        return sorted(range(len(self.values)), key=lambda i: self.xs[i])  # type: ignore[index]


@dataclass(frozen=True)
class Point:
    """One scenario of the sweep: the base with ``overrides`` (path -> value) applied."""

    id: int
    varied: str
    """The parameter varied alone (one-at-a-time), 'base' for the base scenario, 'grid' in a grid."""
    setting: dict[str, int]
    """Path -> index into that parameter's values, for the parameters this point sets."""
    overrides: dict[str, Any]
    scenario: Scenario = field(repr=False, compare=False)


@dataclass
class Sweep:
    """A loaded, fully validated sweep: every point's scenario is known to be valid."""

    file: str
    text: str
    sha256: str
    spec: SweepFile
    loaded: LoadedScenario
    base: Scenario
    parameters: list[SweptParameter]
    points: list[Point]
    replications: int
    seed: int | None

    @property
    def name(self) -> str:
        """The sweep's name (``metadata.name``)."""
        return self.spec.metadata.name

    @property
    def mode(self) -> str:
        """``one-at-a-time`` or ``grid``."""
        return self.spec.mode

    @property
    def metric(self) -> str:
        """The metric of the break-even statements."""
        return self.spec.metric

    @property
    def metrics(self) -> list[str]:
        """The metrics stated and charted: the sweep's metric, then TTR."""
        return list(dict.fromkeys([self.metric, TTR]))

    @property
    def protocols(self) -> list[str]:
        """The scenario's protocols, the baseline first."""
        return ordered_protocols(self.base)

    @property
    def baseline(self) -> str:
        """The protocol every other is compared with."""
        return self.protocols[0]

    def parameter(self, path: str) -> SweptParameter:
        """The swept parameter at ``path``."""
        return next(p for p in self.parameters if p.path == path)
