"""Duration distributions: one discriminated type used for every time span in a scenario.

All durations are in minutes, strictly positive and at most ``MAX_MINUTES``. A bare number is
read as ``fixed``, a
``Constant`` (the YAML keeps ``dist: fixed``; ``Fixed`` is the event of a repaired service).
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, model_validator

MAX_MINUTES = 30 * 1440.0
"""The longest span of work, delay or wait a duration may give: 30 days. The longest public
outages lasted about two weeks (Atlassian's of April 2022, 14 days for the last customers,
per its post-incident review); an incident the model keeps open for longer keeps posting updates
and reminders every few minutes, so that a run of a year-long value grows without end."""
MAX_SIGMA = 5.0
"""The largest log-sd of a lognormal: its mean is exp(5**2 / 2) = 268,000 times its median, and
a larger one overflows a float (GitHub's history gives 1.13; see scenarios/seed.yaml)."""
Minutes = Annotated[float, Field(gt=0, le=MAX_MINUTES)]
"""Minutes above 0 and at most ``MAX_MINUTES``."""


class _Dist(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    def mean(self) -> float:  # pragma: no cover - overridden
        """Expected value in minutes."""
        raise NotImplementedError


class Constant(_Dist):
    """Always the same value (written ``dist: fixed`` or a bare number)."""

    dist: Literal["fixed"] = "fixed"
    value: Minutes

    def mean(self) -> float:
        return self.value


class Exponential(_Dist):
    """Exponential with the given mean (memoryless: Poisson-process gaps, M/M/c work)."""

    dist: Literal["exponential"]
    mean_min: Minutes = Field(alias="mean")

    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False)

    def mean(self) -> float:
        return self.mean_min


class Lognormal(_Dist):
    """Lognormal, given either by ``median`` and ``sigma`` (of the log) or by ``mean`` and ``sd``."""

    dist: Literal["lognormal"]
    median: Minutes | None = None
    sigma: Annotated[float, Field(gt=0, le=MAX_SIGMA)] | None = None
    mean_min: Minutes | None = Field(default=None, alias="mean")
    sd: Minutes | None = None

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
        if by_moments and self.log_params()[1] > MAX_SIGMA:
            raise ValueError(
                f"sd {self.sd:g} is too large for mean {self.mean_min:g}: the log-sd it implies is over "
                f"{MAX_SIGMA:g}, a spread no duration has"
            )
        return self

    def log_params(self) -> tuple[float, float]:
        """(mu, sigma) of the underlying normal."""
        if self.median is not None and self.sigma is not None:
            return math.log(self.median), self.sigma
        assert self.mean_min is not None and self.sd is not None
        s2 = math.log1p(min(self.sd / self.mean_min, 1e150) ** 2)  # capped: a ratio too large to square
        return math.log(self.mean_min) - s2 / 2, math.sqrt(s2)

    def mean(self) -> float:
        mu, s = self.log_params()
        return math.exp(mu + s * s / 2)


class Uniform(_Dist):
    """Uniform between ``low`` and ``high``."""

    dist: Literal["uniform"]
    low: Minutes
    high: Minutes

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
    low: Minutes
    mode: Minutes
    high: Minutes

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
    values: Annotated[list[Minutes], Field(min_length=1)]

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
    BeforeValidator(_number_is_constant, json_schema_input_type=Union[Minutes, _Family]),  # noqa: UP007 (a runtime type)
]
"""A duration in minutes: a positive number, or a mapping with ``dist`` naming the family."""
