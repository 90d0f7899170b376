"""The sweep file's schema: what a ``kind: Sweep`` YAML file may hold (see the package docstring)."""

from __future__ import annotations

from typing import Annotated, Any, Literal

import numpy as np
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    model_validator,
)

from incsim.metrics import METRICS
from incsim.scenario.schema import MAX_REPLICATIONS, Seed

MAX_POINTS = 10_000
"""Most points a sweep may have (a grid grows as the product of its parameters' values)."""
MAX_PROBLEMS = 20
"""Most problems reported for one sweep file; the rest are summarised in one line."""
MAX_RANGE_STEPS = 1000
MAX_END = 1e15
"""The largest end of a range, either sign: beyond any value a scenario holds, and far enough
from a float's limit that the spacing of the steps cannot overflow."""
TTR = "ttr_min"
RESERVED = {
    "simulation.seed": "the sweep's own 'seed' sets it (every point must share it)",
    "simulation.replications": "the sweep's own 'replications' sets it",
}


class _Strict(BaseModel):
    model_config = ConfigDict(
        extra="forbid", frozen=True, strict=True, allow_inf_nan=False, populate_by_name=False
    )


class SweepMetadata(_Strict):
    """The sweep's name and an optional description."""

    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""


class Range(_Strict):
    """``steps`` values from ``from`` to ``to``, evenly spaced on a linear or a log scale."""

    start: Annotated[float, Field(ge=-MAX_END, le=MAX_END)] = Field(alias="from")
    to: Annotated[float, Field(ge=-MAX_END, le=MAX_END)]
    steps: Annotated[int, Field(ge=2, le=MAX_RANGE_STEPS)]
    scale: Literal["linear", "log"] = "linear"

    @model_validator(mode="after")
    def _positive_for_log(self) -> Range:
        if self.scale == "log" and (self.start <= 0 or self.to <= 0):
            raise ValueError("a log range needs 'from' and 'to' above 0")
        if self.start == self.to:
            raise ValueError("'from' and 'to' are equal: give a single value as values: [x]")
        return self

    def values(self) -> list[int | float]:
        """The range's values, rounded to 10 significant digits, whole numbers as ints."""
        if self.scale == "log":
            raw = np.geomspace(self.start, self.to, self.steps)
        else:
            raw = np.linspace(self.start, self.to, self.steps)
        out: list[int | float] = []
        for v in raw:
            r = float(f"{float(v):.10g}")
            out.append(int(r) if r.is_integer() else r)
        return out


def _values_kind(value: Any) -> str:
    return "range" if isinstance(value, dict) else "list"


Values = Annotated[
    Annotated[Annotated[list[Any], Field(min_length=1)], Tag("list")] | Annotated[Range, Tag("range")],
    Discriminator(_values_kind),
]


class SweepParameter(_Strict):
    """One swept parameter: a dotted path into the scenario and the values it takes."""

    path: Annotated[str, Field(min_length=1)]
    values: Values
    unit: str | None = None
    """Printed after a break-even value (default: guessed from the scenario schema: 'min' for durations)."""


class SweepFile(_Strict):
    """The sweep file as written (see the module docstring)."""

    api_version: Literal["incsim/v1"] = Field(alias="apiVersion")
    kind: Literal["Sweep"]
    metadata: SweepMetadata
    scenario: Annotated[str, Field(min_length=1)] | None = None
    replications: Annotated[int, Field(gt=0, le=MAX_REPLICATIONS)] | None = None
    seed: Seed | None = None
    metric: Literal[tuple(METRICS)] = "cost_usd"  # type: ignore[valid-type]
    mode: Literal["one-at-a-time", "grid"] = "one-at-a-time"
    base_overrides: dict[str, Any] = {}
    parameters: Annotated[list[SweepParameter], Field(min_length=1)]
