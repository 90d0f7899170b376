"""The values a scenario's ``uncertainty:`` section names: reading one, setting one, and drawing
from its range.

A path names a number (``behaviour.narration.per_listener``) or a whole duration
(``behaviour.refocus``). A duration stands for its mean: setting it to ``x`` rescales every
minute parameter by ``x / mean``, so its shape (spread relative to the mean) is kept. An integer
field takes the nearest whole number. A share of ``incidents.mix`` set to ``x`` leaves the other
categories their proportions of the rest, so the mix still sums to 1.
"""

from __future__ import annotations

import math
from typing import Any

from pydantic import TypeAdapter, ValidationError

from incsim.scenario.durations import Duration
from incsim.scenario.overrides import OverrideError, copied_along, resolve_path
from incsim.scenario.schema import Uncertain

_MINUTE_KEYS = ("value", "mean", "median", "sd", "low", "mode", "high")
"""A duration mapping's parameters in minutes (``sigma`` is a shape, not a time)."""

NOT_UNCERTAIN = ("apiVersion", "kind", "metadata", "simulation", "uncertainty")
"""Top-level keys whose values are settings of the experiment or the file, never assumptions."""


_ADAPTERS: dict[int, tuple[Any, TypeAdapter]] = {}


def adapter(tp: Any) -> TypeAdapter:
    """A (cached) pydantic validator of annotation ``tp``: building one costs far more than using it."""
    hit = _ADAPTERS.get(id(tp))
    if hit is None or hit[0] is not tp:
        hit = _ADAPTERS[id(tp)] = (tp, TypeAdapter(tp))
    return hit[1]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _duration_mean(node: Any) -> float | None:
    """The mean of a duration mapping, or None when ``node`` is not one."""
    if not (isinstance(node, dict) and "dist" in node):
        return None
    try:
        return adapter(Duration).validate_python(node).mean()
    except ValidationError:
        return None


def value_at(data: dict[str, Any], path: str) -> float:
    """The number ``path`` names in scenario ``data`` (a duration's mean for a duration);
    ``OverrideError`` saying why when the path leads nowhere or to something else."""
    top = path.split(".", 1)[0]
    if top in NOT_UNCERTAIN:
        raise OverrideError(
            f"'{top}' holds settings of the file or the experiment, not assumptions "
            "about the organisation; it cannot have a range"
        )
    loc = resolve_path(data, path)
    node: Any = data
    for key in loc:
        node = node[key]
    if _is_number(node):
        return float(node)
    mean = _duration_mean(node)
    if mean is not None:
        return mean
    kind = (
        "null"
        if node is None
        else "text"
        if isinstance(node, str)
        else "true/false"
        if isinstance(node, bool)
        else "a list"
        if isinstance(node, list)
        else "a mapping"
    )
    raise OverrideError(f"'{path}' is {kind}, not a number or a duration: only a number can have a range")


def is_integer_at(data: dict[str, Any], path: str) -> bool:
    """Whether the value at ``path`` is a whole-number field (drawn values are rounded)."""
    node: Any = data
    for key in resolve_path(data, path):
        node = node[key]
    return isinstance(node, int) and not isinstance(node, bool)


def with_value(data: dict[str, Any], path: str, x: float) -> dict[str, Any]:
    """A copy of scenario ``data`` with the value at ``path`` set to ``x`` (see the module's rules)."""
    loc = resolve_path(data, path)
    out, parent = copied_along(data, loc)  # the rest is shared with ``data``, never changed
    node = parent[loc[-1]]
    if _is_number(node):
        parent[loc[-1]] = int(round(x)) if isinstance(node, int) else float(x)
    else:
        mean = _duration_mean(node)
        factor = x / mean if mean else math.nan
        parent[loc[-1]] = {
            k: (v * factor if k in _MINUTE_KEYS else [e * factor for e in v] if k == "values" else v)
            for k, v in node.items()
        }
    if len(loc) == 3 and loc[:2] == ("incidents", "mix"):
        _renormalise_mix(parent, loc[-1], float(parent[loc[-1]]), float(node))
    return out


def _renormalise_mix(mix: dict[str, float], changed: str, new: float, old: float) -> None:
    """Scale the other shares of ``mix`` so they keep their proportions and the mix sums to 1."""
    rest_old = 1.0 - old
    for cat in mix:
        if cat != changed:
            mix[cat] = mix[cat] * (1.0 - new) / rest_old if rest_old > 0 else (1.0 - new) / (len(mix) - 1)


def ppf(u: float, spec: Uncertain) -> float:
    """The value of ``spec``'s distribution at quantile ``u`` (0 to 1): how a design point becomes a value."""
    lo, hi = spec.low, spec.high
    if spec.dist == "uniform":
        return lo + u * (hi - lo)
    if spec.dist == "loguniform":
        return math.exp(math.log(lo) + u * (math.log(hi) - math.log(lo)))
    if spec.dist == "triangular":
        assert spec.mode is not None
        c = (spec.mode - lo) / (hi - lo)
        if u < c:
            return lo + math.sqrt(u * (hi - lo) * (spec.mode - lo))
        return hi - math.sqrt((1 - u) * (hi - lo) * (hi - spec.mode))
    from scipy.stats import (
        norm,
    )  # lognormal cut to [low, high]: inverse CDF of the truncated normal of the log

    assert spec.median is not None and spec.sigma is not None
    mu, s = math.log(spec.median), spec.sigma
    a = norm.cdf((math.log(lo) - mu) / s) if lo > 0 else 0.0
    b = norm.cdf((math.log(hi) - mu) / s)
    return float(min(hi, max(lo, math.exp(mu + s * norm.ppf(a + u * (b - a))))))
