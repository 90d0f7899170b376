"""Duration distributions: one discriminated type used for every time span in a scenario.

All durations are in minutes and strictly positive. A bare number is read as ``fixed``, a
``Constant`` (the YAML keeps ``dist: fixed``; ``Fixed`` is the event of a repaired service).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PositiveFloat, model_validator


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    def mean(self) -> float:  # pragma: no cover - overridden
        """Expected value in minutes."""
        raise NotImplementedError


class Constant(_Dist):
    """Always the same value (written ``dist: fixed`` or a bare number)."""

    dist: Literal["fixed"] = "fixed"
    value: PositiveFloat

    def mean(self) -> float:
        return self.value


class Exponential(_Dist):
    """Exponential with the given mean (memoryless: Poisson-process gaps, M/M/c work)."""

    dist: Literal["exponential"]
    mean_min: PositiveFloat = Field(alias="mean")

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    def mean(self) -> float:
        return self.mean_min


class Lognormal(_Dist):
    """Lognormal, given either by ``median`` and ``sigma`` (of the log) or by ``mean`` and ``sd``."""

    dist: Literal["lognormal"]
    median: PositiveFloat | None = None
    sigma: PositiveFloat | None = None
    mean_min: PositiveFloat | None = Field(default=None, alias="mean")
    sd: PositiveFloat | None = None

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    @model_validator(mode="after")
    def _one_parameterisation(self) -> Lognormal:
        by_median = self.median is not None or self.sigma is not None
        by_moments = self.mean_min is not None or self.sd is not None
        if by_median and by_moments:
            raise ValueError("give either median+sigma or mean+sd, not both")
        if by_median and (self.median is None or self.sigma is None):
            raise ValueError("lognormal by median needs both median and sigma")
        if by_moments and (self.mean_min is None or self.sd is None):
            raise ValueError("lognormal by moments needs both mean and sd")
        if not (by_median or by_moments):
            raise ValueError("lognormal needs median+sigma or mean+sd")
        return self

    def log_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal."""
        if self.median is not None and self.sigma is not None:
            return math.log(self.median), self.sigma
        assert self.mean_min is not None and self.sd is not None
        s2 = math.log1p((self.sd / self.mean_min) ** 2)
        return math.log(self.mean_min) - s2 / 2, math.sqrt(s2)

    def mean(self) -> float:
        mu, s = self.log_params()
        return math.exp(mu + s * s / 2)


class Uniform(_Dist):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: PositiveFloat
    high: PositiveFloat

    @model_validator(mode="after")
    def _ordered(self) -> Uniform:
        if self.high < self.low:
            raise ValueError("high must be at least low")
        return self

    def mean(self) -> float:
        return (self.low + self.high) / 2


class Triangular(_Dist):
    """Triangular with ``low`` <= ``mode`` <= ``high``."""

    dist: Literal["triangular"]
    low: PositiveFloat
    mode: PositiveFloat
    high: PositiveFloat

    @model_validator(mode="after")
    def _ordered(self) -> Triangular:
        if not (self.low <= self.mode <= self.high) or self.low == self.high:
            raise ValueError("need low <= mode <= high and low < high")
        return self

    def mean(self) -> float:
        return (self.low + self.mode + self.high) / 3


class Empirical(_Dist):
    """Resamples uniformly from a list of observed values."""

    dist: Literal["empirical"]
    values: Annotated[list[PositiveFloat], Field(min_length=1)]

    def mean(self) -> float:
        return sum(self.values) / len(self.values)


def _number_is_constant(value: Any) -> Any:
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return {"dist": "fixed", "value": value}
    return value


_Family = Annotated[
    Constant | Exponential | Lognormal | Uniform | Triangular | Empirical,
    Field(discriminator="dist"),
]

Duration = Annotated[
    _Family,
    BeforeValidator(_number_is_constant, json_schema_input_type=Union[PositiveFloat, _Family]),  # noqa: UP007 (a runtime type)
]
"""A duration in minutes: a positive number, or a mapping with ``dist`` naming the family."""
