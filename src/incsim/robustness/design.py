"""The parameter sets of a robustness study: the scenario itself, a line through each uncertain
parameter's range (for flip points and tornado charts) and a global design over all of them (for
the spread of the answer and for Sobol' indices).

Two global designs, one per sensitivity method (``METHODS``):

- ``pce`` (the default): ``samples`` points of one scrambled Sobol' sequence of dimension d
  (``scipy.stats.qmc``); the indices come from a sparse polynomial-chaos surrogate fitted on them
  (``robustness.pce``), so the study's size does not grow with the number of parameters.
- ``saltelli``: the design of Saltelli et al. (2010), "Variance based sensitivity analysis of model
  output. Design and estimator for the total sensitivity index", Computer Physics Communications
  181(2), 259-270: two independent matrices A and B of ``samples`` rows (the two halves of one
  scrambled Sobol' sequence of dimension 2d), and for each parameter i the matrix AB_i, A with
  column i taken from B: ``samples * (d + 2)`` sets. Rows are laid out A_j, AB_j^1 .. AB_j^d, B_j,
  the order SALib's estimator reads them in.

A design point (a quantile in [0, 1) per parameter) becomes values through each range's inverse
distribution (``uncertainty.ppf``).
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np

from incsim.scenario.loader import validate_data
from incsim.scenario.overrides import scenario_data
from incsim.scenario.schema import Scenario, Uncertain
from incsim.scenario.uncertainty import is_integer_at, ppf, value_at, with_value

METHODS = ("pce", "saltelli")
"""The global designs and their sensitivity estimators; the first is the default."""


DESIGN_STREAM = 0x5A17E
"""Mixed into the study's seed for the design's scrambling, so the design's random numbers are
never the replications' (those come from the model's named streams, ``model/streams.py``)."""


class DesignError(ValueError):
    """A scenario that cannot be studied, or a drawn parameter set the scenario's checks refuse."""


@dataclass(frozen=True)
class Parameter:
    """An uncertain parameter: its path, its range and its value in the scenario."""

    path: str
    spec: Uncertain
    base: float
    integer: bool


@dataclass(frozen=True)
class ParameterSet:
    """One scenario to simulate: the base with ``values`` (path -> value) set."""

    id: int
    role: str
    """``base``, ``line`` (one parameter moved along its range) or ``design`` (a global design's row)."""
    values: tuple[tuple[str, float], ...]


@dataclass(frozen=True)
class Design:
    """Every parameter set of a study, in the order they are numbered."""

    parameters: tuple[Parameter, ...]
    samples: int
    sets: tuple[ParameterSet, ...]
    lines: dict[str, tuple[tuple[float, int], ...]]
    """Per parameter: (value, set id) along its range in axis order, the base value included."""
    design_ids: tuple[int, ...]
    """The global design's set ids: ``samples`` points (``pce``), or ``samples * (d + 2)`` rows in
    SALib's order (``saltelli``)."""
    method: str = METHODS[0]
    points: np.ndarray | None = None
    """The global design's points in [0, 1)^d, one row per id of ``design_ids``."""

    @property
    def base_id(self) -> int:
        return 0

    def independent_ids(self) -> list[int]:
        """The independent draws over every range: every point of ``pce``, the rows of A and B of
        ``saltelli`` (``2 * samples``)."""
        if self.method != "saltelli":
            return list(self.design_ids)
        step = len(self.parameters) + 2
        ids = self.design_ids
        return [ids[j * step] for j in range(self.samples)] + [
            ids[j * step + step - 1] for j in range(self.samples)
        ]


def parameters_of(scn: Scenario) -> tuple[Parameter, ...]:
    """The scenario's uncertain parameters, in the order its ``uncertainty:`` section lists them."""
    data = scenario_data(scn)
    return tuple(
        Parameter(path, spec, value_at(data, path), is_integer_at(data, path))
        for path, spec in scn.uncertainty.items()
    )


def build_design(scn: Scenario, samples: int, seed: int, method: str = METHODS[0]) -> Design:
    """The study's parameter sets: the base (id 0), each parameter's line, then the global design's rows."""
    params = parameters_of(scn)
    if not params:
        raise DesignError("the scenario has no uncertainty: section; give each assumption a range first")
    if method not in METHODS:
        raise DesignError(f"unknown method {method!r}; choose one of {', '.join(METHODS)}")
    least = 2 if method == "saltelli" else 4
    if samples < least:
        raise DesignError(f"--samples must be at least {least} for --method {method}, got {samples}")
    sets, lines = _lines(params)
    rows = (
        saltelli_rows(len(params), samples, seed)
        if method == "saltelli"
        else sobol_points(len(params), samples, seed)
    )
    design_ids = []
    for row in rows:
        values = tuple((p.path, _rounded(p, ppf(float(u), p.spec))) for p, u in zip(params, row))
        design_ids.append(len(sets))
        sets.append(ParameterSet(len(sets), "design", values))
    return Design(params, samples, tuple(sets), lines, tuple(design_ids), method, rows)


def line_design(scn: Scenario) -> Design:
    """The base (id 0) and each parameter's line, no global design: the one-at-a-time ends a run's
    tornado chart is drawn from."""
    params = parameters_of(scn)
    sets, lines = _lines(params)
    return Design(params, 0, tuple(sets), lines, ())


def _lines(
    params: tuple[Parameter, ...],
) -> tuple[list[ParameterSet], dict[str, tuple[tuple[float, int], ...]]]:
    sets: list[ParameterSet] = [ParameterSet(0, "base", ())]
    lines: dict[str, tuple[tuple[float, int], ...]] = {}
    for p in params:
        line = []
        for x in line_values(p):
            if x == p.base:
                line.append((x, 0))  # the base run itself: the same scenario, the same random numbers
                continue
            line.append((x, len(sets)))
            sets.append(ParameterSet(len(sets), "line", ((p.path, x),)))
        lines[p.path] = tuple(line)
    return sets, lines


def line_values(p: Parameter) -> list[float]:
    """A parameter's line, in axis order: both ends of its range and its scenario value, and the
    middle of the range when the scenario value is an end (so a line always has three points).
    The ends give a tornado chart its bars; a flip between two points is interpolated by the
    sweep's break-even rule."""
    lo, hi = _rounded(p, p.spec.low), _rounded(p, p.spec.high)
    xs = {lo, hi, p.base}
    if len(xs) < 3:
        xs.add(_rounded(p, (p.spec.low + p.spec.high) / 2))
    return sorted(xs)


def _rounded(p: Parameter, x: float) -> float:
    """A value as the scenario will hold it: whole for an integer field, else to 12 significant digits."""
    return float(round(x)) if p.integer else float(f"{x:.12g}")


def sobol_points(d: int, samples: int, seed: int) -> np.ndarray:
    """``samples`` points of a scrambled Sobol' sequence in [0, 1)^d."""
    from scipy.stats import qmc

    with warnings.catch_warnings():  # balance properties want a power of two; any count is valid
        warnings.simplefilter("ignore", UserWarning)
        return qmc.Sobol(d, scramble=True, seed=np.random.default_rng([seed, DESIGN_STREAM])).random(samples)


def saltelli_rows(d: int, samples: int, seed: int) -> np.ndarray:
    """``samples * (d + 2)`` design points in [0, 1)^d: A_j, AB_j^1 .. AB_j^d, B_j for each j."""
    from scipy.stats import qmc

    with warnings.catch_warnings():  # balance properties want a power of two; any count is valid
        warnings.simplefilter("ignore", UserWarning)
        base = qmc.Sobol(2 * d, scramble=True, seed=np.random.default_rng([seed, DESIGN_STREAM])).random(
            samples
        )
    a, b = base[:, :d], base[:, d:]
    rows = []
    for j in range(samples):
        rows.append(a[j])
        for i in range(d):
            ab = a[j].copy()
            ab[i] = b[j, i]
            rows.append(ab)
        rows.append(b[j])
    return np.array(rows)


def set_scenario(scn: Scenario, pset: ParameterSet, data: dict[str, Any] | None = None) -> Scenario:
    """The scenario of parameter set ``pset`` (no ``uncertainty:`` section: a set is one point);
    ``DesignError`` naming the values when the scenario's checks refuse the combination."""
    data = dict(scenario_data(scn) if data is None else data)
    data.pop("uncertainty", None)
    for path, x in pset.values:
        data = with_value(data, path, x)
    out, problems = validate_data(data)
    if out is None:
        values = ", ".join(f"{p} = {x:g}" for p, x in pset.values)
        raise DesignError(
            f"the parameter set {values} is not a valid scenario: {problems[0]}; "
            "narrow the ranges so every combination is valid"
        )
    return out
