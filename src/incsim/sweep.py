"""Parameter sweeps: how the comparison of protocols moves as scenario parameters move.

A sweep file is YAML with an ``apiVersion: incsim/v1`` / ``kind: Sweep`` header::

    apiVersion: incsim/v1
    kind: Sweep
    metadata: {name: reply-latency, description: optional text}
    scenario: ../seed.yaml        # relative to this file; omit it for the embedded default
    replications: 20              # default: the scenario's simulation.replications
    seed: 7                       # default: the scenario's simulation.seed, else drawn and recorded
    metric: cost_usd              # metric of the break-even statements (default cost_usd);
                                  # ttr_min is always reported too. Any column of metrics.METRICS.
    mode: one-at-a-time           # or grid (the cartesian product of every parameter's values)
    base_overrides:               # optional: applied to the scenario before every point
      simulation.horizon_days: 14
    parameters:
      - path: behaviour.reply_latency.working.median
        values: {from: 5, to: 80, steps: 5, scale: log}   # 5, 10, 20, 40, 80
      - path: protocols.war-room.room.invite.size
        values: [{dist: uniform, low: 4, high: 6}, {dist: uniform, low: 8, high: 12}]
        unit: people              # optional: the unit printed after a break-even value

Unknown keys are errors. ``values`` is a list of values as they would be written in the
scenario (numbers, mappings such as durations, ``null``, lists) or a range
``{from, to, steps, scale: linear|log}``; a range's values are rounded to 10 significant digits
and whole numbers become integers (so integer fields such as ``channel_rounds`` can be swept).

**Paths** are dotted keys into the scenario *with every default filled in* (so a key the
scenario leaves at its default can be swept). A list item is addressed by its index
(``protocols.0``) or, when the items have a ``name``, by that name (``org.teams.payments.size``,
``protocols.war-room.room.stay_probability``); a segment made of digits is always an index, and
an item whose name contains a dot must be addressed by index. A duration is a mapping
(``{dist: lognormal, median: 10, sigma: 0.7}``; a bare number is ``{dist: fixed, value: N}``), so
``...working.median`` changes one of its parameters and ``...working`` replaces it whole. A
path must already exist: sweeping cannot add keys. ``simulation.seed`` and
``simulation.replications`` are set by the sweep's own ``seed`` and ``replications``.

**Points.** In ``one-at-a-time`` mode point 0 is the base scenario (after ``base_overrides``)
and every other point changes one parameter, the others staying at the base; in ``grid`` mode
every combination is a point. Every point's scenario is re-validated through the scenario
schema and cross-checks when the sweep is loaded, before anything runs: a path that does not
exist, or a value the schema rejects, is a ``FILE:LINE:COL`` problem at that parameter of the
sweep file. Every point runs with the same seed, so the points meet the same incidents (common
random numbers) and differences between points are paired as well.

**Break-even.** For each protocol other than the baseline and each reported metric, the paired
difference ``protocol - baseline`` (lower is better for every metric) is followed along each
parameter; where it changes sign between two adjacent values the crossing is found by linear
interpolation and stated in words. In ``one-at-a-time`` mode the base scenario is a point of
every numeric parameter's line too, at the base value (it ran with the same seed, so its
difference is as paired as the others'), unless that value is one of the swept ones; a
categorical parameter has no place on its line for the base, so there it is left out. A parameter whose values are durations is placed on the axis
by the duration's mean; one whose values are not numbers (or have equal means) is categorical:
the sign change is stated between two values, without interpolation.

**Outputs** (see ``run_sweep``), all written atomically:

- ``sweep.csv``: a row per point x protocol x metric: ``point``, ``varied``, one column per swept
  parameter (its value's label), ``protocol``, ``metric``, ``mean``, ``ci_low``, ``ci_high``,
  ``n_replications``, ``baseline`` and the paired difference from it, ``diff_mean``,
  ``diff_ci_low``, ``diff_ci_high`` (empty for the baseline itself);
- ``breakeven.json``: every statement, with its crossings, the values around them and their CIs;
- ``chart-<path>.svg`` per parameter (in a grid: one column per combination of the other
  parameters, at most six); ``tornado-<metric>.svg`` and ``tornado.csv`` (one-at-a-time only):
  the paired difference at each parameter's lowest and highest value, widest swing first;
- ``sweep.json``: the manifest (sweep file and scenario sha256, seed, replications, points,
  package versions; ``complete`` once everything is written);
- ``points/point-NNN.json``: one checkpoint per finished point. Running the same sweep file
  into the same folder again resumes: finished points are read back, not recomputed, and the
  outputs are byte-identical to an uninterrupted run. A folder holding a different sweep file
  (or a changed scenario) is refused; ``--force`` starts over.
"""

from __future__ import annotations

import copy
import itertools
import json
import math
import re
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Executor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Annotated, Any, Literal, NoReturn

import numpy as np
import pandas as pd
from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PositiveInt,
    Tag,
    TypeAdapter,
    ValidationError,
    model_validator,
)
from ruamel.yaml.comments import CommentedMap

from incsim import api
from incsim.experiment import ordered_protocols, run_experiment
from incsim.metrics import METRICS, summarize
from incsim.output import (PACKAGES, OutputError, atomic_write, csv_text, package_versions, read_sealed_json,
                           sealed_json, write_manifest)
from incsim.scenario.checks import cross_checks, did_you_mean
from incsim.scenario.durations import Duration
from incsim.scenario.loader import (
    LocatedProblem,
    ScenarioError,
    check_flow_depth,
    item_pos,
    key_pos,
    parse_yaml,
    pos_of,
    to_plain,
    value_pos,
    load_scenario_text,
    read_scenario_text,
    scenario_sha256,
)
from incsim.scenario.schema import Scenario
from incsim.scenario import typepath

MAX_POINTS = 10_000
"""Most points a sweep may have (a grid grows as the product of its parameters' values)."""
MAX_PROBLEMS = 20
"""Most problems reported for one sweep file; the rest are summarised in one line."""
MAX_RANGE_STEPS = 1000
TTR = "ttr_min"
RESERVED = {
    "simulation.seed": "the sweep's own 'seed' sets it (every point must share it)",
    "simulation.replications": "the sweep's own 'replications' sets it",
}
POINTS_DIR = "points"
_CHECKPOINT = re.compile(r"point-\d+\.json")


# --- the sweep file's schema ----------------------------------------------------------------

class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True, allow_inf_nan=False,
                              populate_by_name=False)


class SweepMetadata(_Strict):
    name: Annotated[str, Field(min_length=1, max_length=200)]
    description: str = ""


class Range(_Strict):
    """``steps`` values from ``from`` to ``to``, evenly spaced on a linear or a log scale."""

    start: float = Field(alias="from")
    to: float
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


class Parameter(_Strict):
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
    replications: PositiveInt | None = None
    seed: Annotated[int, Field(ge=0)] | None = None
    metric: Literal[tuple(METRICS)] = "cost_usd"  # type: ignore[valid-type]
    mode: Literal["one-at-a-time", "grid"] = "one-at-a-time"
    base_overrides: dict[str, Any] = {}
    parameters: Annotated[list[Parameter], Field(min_length=1)]


# --- overrides --------------------------------------------------------------------------------

class OverrideError(ValueError):
    """A dotted path that does not lead to a key of the scenario."""


def scenario_data(scn: Scenario) -> dict[str, Any]:
    """``scn`` as plain data with every default filled in: what override paths address."""

    def clean(value: Any) -> Any:
        if isinstance(value, dict):
            # a lognormal given by median+sigma dumps mean/sd as null: drop them, or a path
            # could "set" a parameterisation the duration does not have
            return {k: clean(v) for k, v in value.items() if not ("dist" in value and v is None)}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return clean(scn.model_dump(by_alias=True, mode="python"))


def _segments(path: str) -> list[str]:
    parts = path.split(".")
    if any(p == "" for p in parts):
        raise OverrideError(f"'{path}' is not a dotted path (empty segment)")
    return parts


def _step(node: Any, seg: str, where: str) -> Any:
    """The key or list index that ``seg`` names in ``node`` (``where`` is the path so far)."""
    here = where or "the scenario"
    if isinstance(node, dict):
        if seg in node:
            return seg
        keys = [str(k) for k in node]
        if not keys:
            raise OverrideError(f"{here} is empty; it has no '{seg}'")
        if "dist" in node:
            raise OverrideError(f"{here} is a {node['dist']} duration with {', '.join(k for k in keys if k != 'dist')}; "
                                f"it has no '{seg}' (set {here} whole to change its form)")
        raise OverrideError(f"no key '{seg}' in {here}{did_you_mean(seg, keys)}; known: {', '.join(keys)}")
    if isinstance(node, list):
        if seg.isdigit():
            i = int(seg)
            if i >= len(node):
                raise OverrideError(f"{here} has {len(node)} items; there is no index {i}")
            return i
        names = [item.get("name") for item in node if isinstance(item, dict)]
        hits = [i for i, item in enumerate(node) if isinstance(item, dict) and item.get("name") == seg]
        if len(hits) == 1:
            return hits[0]
        if len(hits) > 1:
            raise OverrideError(f"{here} has {len(hits)} items named '{seg}'; address one by index")
        if not any(isinstance(n, str) for n in names):
            raise OverrideError(f"{here} is a list; address its items by index (0..{len(node) - 1}), not '{seg}'")
        known = [str(n) for n in names if isinstance(n, str)]
        raise OverrideError(f"no item named '{seg}' in {here}{did_you_mean(seg, known)}; "
                            f"known: {', '.join(known)} (or an index)")
    if node is None:
        raise OverrideError(f"{here} is null; it has no '{seg}'")
    raise OverrideError(f"{here} is a value ({node!r}), not a mapping or list; it has no '{seg}'")


def resolve_path(data: dict[str, Any], path: str) -> tuple[Any, ...]:
    """The concrete location (keys and indices) that dotted ``path`` names in scenario ``data``."""
    node: Any = data
    loc: list[Any] = []
    where = ""
    for seg in _segments(path):
        key = _step(node, seg, where)
        loc.append(key)
        node = node[key]
        where = f"{where}.{seg}" if where else seg
    return tuple(loc)


def get_path(data: dict[str, Any], path: str) -> Any:
    """The value at dotted ``path`` in scenario ``data``."""
    node: Any = data
    for key in resolve_path(data, path):
        node = node[key]
    return node


def apply_override(scenario_dict: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """A copy of ``scenario_dict`` with the value at dotted ``path`` replaced by ``value``.

    ``scenario_dict`` is scenario data as ``scenario_data`` gives it; an ``OverrideError`` says
    why a path does not lead to an existing key. The input is left unchanged.
    """
    loc = resolve_path(scenario_dict, path)
    out = copy.deepcopy(scenario_dict)
    node: Any = out
    for key in loc[:-1]:
        node = node[key]
    node[loc[-1]] = copy.deepcopy(value)
    return out


def _validate_scenario(data: dict[str, Any]) -> tuple[Scenario | None, list[str]]:
    """The scenario in ``data``, or the schema's and cross-checks' problems with it."""
    try:
        scn = Scenario.model_validate(data)
    except ValidationError as exc:
        out = []
        for err in exc.errors(include_url=False):
            msg = str(err["msg"]).removeprefix("Value error, ").removeprefix("Assertion failed, ")
            where = _data_loc(data, tuple(err["loc"]))
            out.append(f"{where}: {msg}" if where else msg)
        return None, out
    problems = cross_checks(scn)
    if problems:
        return None, [f"{'.'.join(map(str, p.loc))}: {p.message}" for p in problems]
    return scn, []


def _data_loc(data: Any, loc: tuple[Any, ...]) -> str:
    """A pydantic ``loc`` as a dotted path through ``data``, without pydantic's union tags."""
    parts: list[str] = []
    node = data
    for elem in loc:
        present = (isinstance(node, dict) and elem in node) or \
                  (isinstance(node, list) and isinstance(elem, int) and 0 <= elem < len(node))
        if present:
            node = node[elem]
        elif isinstance(elem, str) and ("[" in elem or (isinstance(node, dict) and "dist" in node)):
            continue  # 'function-after[...]' or a duration family's tag
        else:
            node = None
        parts.append(str(elem))
    return ".".join(parts)


# --- labels and axes ----------------------------------------------------------------------------

def fmt_number(x: float) -> str:
    """A number for a sentence: 3 significant digits, thousands as whole numbers."""
    if isinstance(x, bool):
        return str(x).lower()
    if isinstance(x, int) or (isinstance(x, float) and x.is_integer() and abs(x) < 1e15):
        return f"{int(x):,}" if abs(x) >= 10_000 else str(int(x))
    if abs(x) >= 1000:
        return f"{x:,.0f}"
    return f"{x:.3g}"


def value_label(value: Any) -> str:
    """A short label for a swept value: ``20``, ``0.75``, ``uniform(low=4, high=6)``, ``null``."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
    if isinstance(value, dict) and isinstance(value.get("dist"), str):
        if value["dist"] == "fixed" and set(value) == {"dist", "value"}:
            return value_label(value["value"])
        inner = ", ".join(f"{k}={value_label(v)}" for k, v in value.items() if k != "dist" and v is not None)
        return f"{value['dist']}({inner})"
    if isinstance(value, str):
        return value
    return json.dumps(value, separators=(",", ":"), sort_keys=False, default=str)


_DURATION = TypeAdapter(Duration)


def value_x(value: Any) -> float | None:
    """Where ``value`` sits on a chart's axis: a number, a duration's mean, or None (categorical)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, dict) and "dist" in value:
        try:
            return float(_DURATION.validate_python(value).mean())
        except (ValidationError, ValueError, TypeError):
            return None
    return None








_UNIT_SUFFIXES = (("_per_hour", "per hour"), ("_per_week", "per week"), ("_per_min", "per min"),
                  ("_min", "min"), ("_hours", "h"), ("_days", "days"), ("hourly_usd", "USD/h"), ("_usd", "USD"))


def guess_unit(data: dict[str, Any], path: str) -> str:
    """The unit of the value at ``path``: 'min' for durations, else from the key's suffix ('' if unknown)."""
    loc = resolve_path(data, path)
    last = str(loc[-1])
    tp, in_duration = typepath.type_at(Scenario, loc)
    # a room's size is a Duration only for its distributions; it counts people
    if "invite" in loc and "size" in loc:
        return "people"
    if (in_duration and last in ("value", "median", "mean", "low", "high", "mode", "values")) \
            or typepath.is_duration(tp):
        return "min"
    for suffix, unit in _UNIT_SUFFIXES:
        if last.endswith(suffix):
            return unit
    return ""


# --- the resolved sweep ------------------------------------------------------------------------

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
    loaded: api.LoadedScenario
    base: Scenario
    parameters: list[SweptParameter]
    points: list[Point]
    replications: int
    seed: int | None

    @property
    def name(self) -> str:
        return self.spec.metadata.name

    @property
    def mode(self) -> str:
        return self.spec.mode

    @property
    def metric(self) -> str:
        return self.spec.metric

    @property
    def metrics(self) -> list[str]:
        """The metrics stated and charted: the sweep's metric, then TTR."""
        return list(dict.fromkeys([self.metric, TTR]))

    @property
    def protocols(self) -> list[str]:
        return ordered_protocols(self.base)

    @property
    def baseline(self) -> str:
        return self.protocols[0]

    def parameter(self, path: str) -> SweptParameter:
        return next(p for p in self.parameters if p.path == path)


# --- loading ------------------------------------------------------------------------------------

class _Where:
    """Positions in the sweep file's round-trip tree, for located problems."""

    def __init__(self, file: str, root: CommentedMap) -> None:
        self.file = file
        self.root = root

    def spot(self, loc: Sequence[Any], key: bool = False) -> tuple[tuple[int, int], list[Any], Any]:
        node: Any = self.root
        pos = pos_of(self.root) or (0, 0)
        path: list[Any] = []
        for elem in loc:
            if isinstance(node, dict) and elem in node:
                pos = (key_pos(node, elem) if key else value_pos(node, elem)) or pos
                node = node[elem]
            elif isinstance(node, list) and isinstance(elem, int) and 0 <= elem < len(node):
                pos = item_pos(node, elem) or pos
                node = node[elem]
            else:
                continue
            path.append(elem)
        return pos, path, node

    def problem(self, loc: Sequence[Any], message: str, key: bool = False) -> LocatedProblem:
        pos, path, _ = self.spot(loc, key)
        return LocatedProblem(self.file, pos[0] + 1, pos[1] + 1, ".".join(map(str, path)),
                              " ".join(message.split()))


def _fields_at(loc: Sequence[Any]) -> list[str]:
    """The keys the sweep schema accepts in the mapping at ``loc`` (for did-you-mean)."""
    tp: Any = SweepFile
    for elem in loc:
        nxt = Range if elem == "range" else typepath.step(tp, elem)  # "range": the union tag of a values range
        if nxt is not None:
            tp = nxt
    return typepath.field_names(tp)


def _schema_problems(exc: ValidationError, where: _Where) -> list[LocatedProblem]:
    out = []
    for err in exc.errors(include_url=False):
        loc = tuple(err["loc"])
        kind = err["type"]
        msg = str(err["msg"]).removeprefix("Value error, ")
        if kind == "missing":
            pos, path, _ = where.spot(loc)
            name = loc[-1]
            out.append(LocatedProblem(where.file, pos[0] + 1, pos[1] + 1, ".".join(map(str, [*path, name])),
                                      f"missing required key '{name}'"))
            continue
        if kind == "extra_forbidden":
            name = str(loc[-1])
            msg = f"unknown key '{name}'{did_you_mean(name, _fields_at(loc[:-1]))}"
            out.append(where.problem(loc, msg, key=True))
            continue
        if kind == "list_type" and "values" in loc:
            msg = "expected a list of values or a range {from, to, steps, scale}"
        if kind == "literal_error" and isinstance(err.get("input"), str):
            expected = str((err.get("ctx") or {}).get("expected", "")).split("'")[1::2]
            msg = f"unknown value '{err['input']}'{did_you_mean(err['input'], expected)}; " \
                  f"expected one of: {', '.join(expected)}"
        out.append(where.problem(loc, msg))
    return out


def _raise(problems: list[LocatedProblem]) -> NoReturn:
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: (p.file, p.line, p.col))
    if len(unique) > MAX_PROBLEMS:
        rest = len(unique) - MAX_PROBLEMS
        last = unique[MAX_PROBLEMS - 1]
        unique = unique[:MAX_PROBLEMS] + [LocatedProblem(last.file, last.line, last.col, "",
                                                         f"... and {rest} more problems")]
    raise ScenarioError(unique)


def load_sweep_text(text: str, filename: str = "<string>", base_dir: Path | None = None) -> Sweep:
    """The validated ``Sweep`` in YAML ``text``; a ``ScenarioError`` lists every problem, located."""
    text = text.removeprefix("\ufeff")
    check_flow_depth(text, filename)
    root = parse_yaml(text, filename)
    if root is None:
        raise ScenarioError([LocatedProblem(filename, 1, 1, "", "empty sweep file: no YAML document")])
    if not isinstance(root, CommentedMap):
        pos = pos_of(root) or (0, 0)
        raise ScenarioError([LocatedProblem(filename, pos[0] + 1, pos[1] + 1, "",
                                            "the top level must be a mapping (apiVersion, kind, metadata, ...)")])
    where = _Where(filename, root)
    data = to_plain(root, filename)
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        _raise(_schema_problems(exc, where))

    # the base scenario
    if spec.scenario is None:
        loaded = api.load(None)
    else:
        scn_path = Path(spec.scenario)
        if not scn_path.is_absolute() and base_dir is not None:
            scn_path = base_dir / scn_path
        try:
            text_scn = read_scenario_text(scn_path)
        except ScenarioError as exc:
            _raise([where.problem(("scenario",), f"{spec.scenario}: {p.message}") for p in exc.problems])
        # a problem inside the scenario is reported where it is: FILE:LINE:COL of the scenario
        loaded = api.LoadedScenario(load_scenario_text(text_scn, str(scn_path)), text_scn, str(scn_path))

    problems: list[LocatedProblem] = []
    data_base = scenario_data(loaded.scenario)
    for path, value in spec.base_overrides.items():
        if path in RESERVED:
            problems.append(where.problem(("base_overrides", path), f"cannot override {path}: {RESERVED[path]}",
                                          key=True))
            continue
        try:
            data_base = apply_override(data_base, path, value)
        except OverrideError as exc:
            problems.append(where.problem(("base_overrides", path), str(exc), key=True))
    if problems:
        _raise(problems)
    base, issues = _validate_scenario(data_base)
    if base is None:
        # blame each override that is invalid on its own, at its value; else all of them together
        original = scenario_data(loaded.scenario)
        for path, value in spec.base_overrides.items():
            problems += [where.problem(("base_overrides", path), f"{path} = {value_label(value)} makes an invalid "
                                                                 f"scenario: {m}")
                         for m in _validate_scenario(apply_override(original, path, value))[1]]
        _raise(problems or [where.problem(("base_overrides",), f"base_overrides make an invalid scenario: {m}",
                                          key=True) for m in issues])

    # parameters: each path once (a typo is reported once, not once per value), then each
    # value alone on the base, located at the value
    seen: dict[str, int] = {}
    params: list[SweptParameter] = []
    alone: dict[tuple[str, int], list[LocatedProblem]] = {}  # a value's problems on the base alone
    for i, par in enumerate(spec.parameters):
        ploc = ("parameters", i, "path")
        if par.path in RESERVED:
            problems.append(where.problem(ploc, f"cannot sweep {par.path}: {RESERVED[par.path]}"))
            continue
        if par.path in seen:
            problems.append(where.problem(ploc, f"{par.path} is already swept by parameter {seen[par.path]}"))
            continue
        seen[par.path] = i
        try:
            resolve_path(data_base, par.path)
        except OverrideError as exc:
            problems.append(where.problem(ploc, str(exc)))
            continue
        sp = _resolve_parameter(par, data_base)
        params.append(sp)
        for j, value in enumerate(sp.values):
            _, issues = _validate_scenario(apply_override(data_base, sp.path, value))
            vloc = ("parameters", i, "values", j) if isinstance(par.values, list) else ("parameters", i, "values")
            alone[(sp.path, j)] = [where.problem(vloc, f"{sp.path} = {sp.labels[j]} makes an invalid scenario: {m}")
                                   for m in issues]
            if spec.mode != "grid":
                problems += alone[(sp.path, j)]
    if problems:
        _raise(problems)

    settings: list[tuple[str, dict[str, int]]]
    if spec.mode == "grid":
        total = math.prod(len(p.values) for p in params)
        if total > MAX_POINTS:
            _raise([where.problem(("parameters",), f"the grid has {total:,} points; at most {MAX_POINTS:,} "
                                                   "are allowed (fewer values, or mode: one-at-a-time)", key=True)])
        settings = [("grid", {p.path: j for p, j in zip(params, combo)})
                    for combo in itertools.product(*(range(len(p.values)) for p in params))]
    else:
        settings = [("base", {})] + [(p.path, {p.path: j}) for p in params for j in range(len(p.values))]
        if len(settings) > MAX_POINTS:
            _raise([where.problem(("parameters",), f"the sweep has {len(settings):,} points; at most "
                                                   f"{MAX_POINTS:,} are allowed", key=True)])

    points: list[Point] = []
    failed: list[tuple[dict[str, int], dict[str, Any], list[str]]] = []
    for pid, (varied, setting) in enumerate(settings):
        d = data_base
        overrides = {}
        for path, j in setting.items():
            value = next(p for p in params if p.path == path).values[j]
            overrides[path] = value
            d = apply_override(d, path, value)
        scn, issues = _validate_scenario(d) if setting else (base, [])
        if scn is None:
            failed.append((setting, overrides, issues))
            continue
        points.append(Point(pid, varied, dict(setting), overrides, scn))
    if failed:
        _raise(_grid_problems(failed, alone, params, where))

    reps = spec.replications if spec.replications is not None else base.simulation.replications
    seed = spec.seed if spec.seed is not None else base.simulation.seed
    return Sweep(filename, text, scenario_sha256(text), spec, loaded, base, params, points, reps, seed)


def _grid_problems(failed: list[tuple[dict[str, int], dict[str, Any], list[str]]],
                   alone: dict[tuple[str, int], list[LocatedProblem]], params: list[SweptParameter],
                   where: _Where) -> list[LocatedProblem]:
    """Problems of a grid's invalid points: at a value when it is invalid in every combination
    (and alone), else at the combination (a value may be valid only with some others)."""
    combos: dict[tuple[str, int], int] = {}
    for p in params:
        others = math.prod(len(q.values) for q in params if q is not p)
        for j in range(len(p.values)):
            combos[(p.path, j)] = others
    bad: dict[tuple[str, int], int] = {}
    for setting, _, _ in failed:
        for key in setting.items():
            bad[key] = bad.get(key, 0) + 1
    always = {key for key, n in bad.items() if n == combos[key] and alone.get(key)}
    out = [p for key in sorted(always) for p in alone[key]]
    for setting, overrides, issues in failed:
        if any(key in always for key in setting.items()):
            continue
        first = next(i for i, p in enumerate(params) if p.path in setting)
        combo = ", ".join(f"{k} = {value_label(v)}" for k, v in overrides.items())
        out += [where.problem(("parameters", first, "values"), f"the grid point {combo} makes an invalid scenario: {m}")
                for m in issues]
    return out


def _resolve_parameter(par: Parameter, data: dict[str, Any]) -> SweptParameter:
    values = tuple(par.values.values()) if isinstance(par.values, Range) else tuple(par.values)
    labels = tuple(value_label(v) for v in values)
    raw = [value_x(v) for v in values]
    numeric = all(x is not None for x in raw) and len(set(raw)) == len(raw)
    by_mean = numeric and any(isinstance(v, dict) for v in values)
    base_value = get_path(data, par.path)
    scale = par.values.scale if isinstance(par.values, Range) else "linear"
    unit = par.unit if par.unit is not None else guess_unit(data, par.path)
    return SweptParameter(par.path, values, labels, tuple(raw) if numeric else None,  # type: ignore[arg-type]
                          by_mean, scale, unit, value_label(base_value), value_x(base_value))


def load_sweep(path: str | Path) -> Sweep:
    """Load and validate the sweep file at ``path`` and every scenario it will run."""
    text = read_scenario_text(path)
    return load_sweep_text(text, str(path), Path(path).parent)


# --- break-even -------------------------------------------------------------------------------

@dataclass(frozen=True)
class Crossing:
    """Where a paired difference changes sign between two adjacent values (in axis order)."""

    left: int
    right: int
    x: float | None
    """The interpolated crossing (None when the axis is categorical)."""
    rising: bool
    """True when the difference goes from below zero to above it as the value grows."""


def break_even(xs: Sequence[float] | None, diffs: Sequence[float]) -> list[Crossing]:
    """Every sign change of ``diffs`` along ``xs`` (both in axis order), by linear interpolation.

    A difference exactly zero at a value between a negative and a positive one is the crossing
    itself; NaN differences are skipped. With ``xs`` None (categorical) no value is interpolated.
    """
    idx = [i for i, d in enumerate(diffs) if not math.isnan(d)]
    nonzero = [i for i in idx if diffs[i] != 0]
    out = []
    for a, b in itertools.pairwise(nonzero):
        da, db = diffs[a], diffs[b]
        if (da < 0) == (db < 0):
            continue
        zeros = [i for i in idx if a < i < b]  # only exact zeros lie strictly between
        if zeros:
            left = right = zeros[0]
            x = None if xs is None else float(xs[zeros[0]])
            out.append(Crossing(left, right, x, da < 0))
            continue
        x = None
        if xs is not None:
            xa, xb = float(xs[a]), float(xs[b])
            x = xa + (0 - da) * (xb - xa) / (db - da)
        out.append(Crossing(a, b, x, da < 0))
    return out


_BETTER = {"cost_usd": ("cheaper", "more expensive"), TTR: ("faster", "slower")}


def _compare_words(metric: str) -> tuple[str, str]:
    return _BETTER.get(metric, (f"lower in {metric}", f"higher in {metric}"))


def _with_unit(x: str, unit: str) -> str:
    return f"{x} {unit}" if unit else x


def describe_line(protocol: str, baseline: str, metric: str, par: SweptParameter, order: Sequence[int],
                  diffs: Sequence[float], lows: Sequence[float], highs: Sequence[float],
                  context: str = "") -> dict[str, Any]:
    """One break-even record (with its sentence) for ``protocol - baseline`` along ``par``.

    ``order`` lists the value indices in axis order; ``diffs``, ``lows`` and ``highs`` are the
    paired difference's mean and 95% CI at those values, in the same order.
    """
    xs = None if par.xs is None else [par.xs[i] for i in order]
    labels = [par.labels[i] for i in order]
    crossings = break_even(xs, diffs)
    rec: dict[str, Any] = {"protocol": protocol, "baseline": baseline, "metric": metric, "parameter": par.path,
                           "context": context, "crossings": [], "sentence": ""}
    tail = f", with {context}" if context else ""
    good, bad = _compare_words(metric)
    span = f"{labels[0]}–{labels[-1]}" if xs is not None else ", ".join(labels)
    noise = [labels[k] for k in range(len(diffs))
             if not (math.isnan(lows[k]) or math.isnan(highs[k])) and lows[k] <= 0 <= highs[k]]
    for c in crossings:
        rec["crossings"].append({
            "x": c.x, "between": [labels[c.left], labels[c.right]], "rising": c.rising,
            "diff_between": [diffs[c.left], diffs[c.right]],
            "ci_between": [[lows[c.left], highs[c.left]], [lows[c.right], highs[c.right]]],
        })
    if not crossings:
        valid = [d for d in diffs if not math.isnan(d)]
        if not valid:
            rec["sentence"] = f"{protocol} vs {baseline} ({metric}): no data along {par.path}{tail}"
            return rec
        if all(d == 0 for d in valid):
            word = "the same as"
        else:
            word = f"{good} than" if all(d <= 0 for d in valid) else f"{bad} than"
        sentence = f"{protocol} is {word} {baseline} ({metric}) across the whole range of {par.path}, " \
                   f"{_with_unit(span, par.unit) if xs is not None else span}{tail}"
        if noise:
            sentence += f" (the 95% CI of the difference includes zero at {', '.join(noise)})"
        rec["sentence"] = sentence
        rec["no_crossing"] = "lower" if word.startswith(good) else ("equal" if word.startswith("the") else "higher")
        return rec
    first = crossings[0]
    verb = "stops paying off" if first.rising else "starts paying off"
    lo, hi = labels[first.left], labels[first.right]
    if first.x is not None:
        xval = _with_unit(fmt_number(first.x), par.unit)
        if par.by_mean:
            xval = f"a mean of {xval}"
        where = f"when {par.path} exceeds {xval}"
        where += f" (between {lo} and {hi})" if first.left != first.right else f" (exactly at {lo})"
    else:
        where = f"between {par.path} = {lo} and {hi}" if first.left != first.right else f"at {par.path} = {lo}"
    sentence = f"{protocol} {verb} ({metric}) {where}{tail}"
    more = crossings[1:]
    if more:
        spots = ", ".join(fmt_number(c.x) if c.x is not None else f"{labels[c.left]}–{labels[c.right]}"
                          for c in more)
        sentence += f"; the difference changes sign {len(more)} more time{'s' if len(more) > 1 else ''} " \
                    f"in the range (near {spots})"
    if lows and all(not math.isnan(lows[k]) and lows[k] <= 0 <= highs[k] for k in (first.left, first.right)):
        sentence += " (within noise: the 95% CI of the difference includes zero on both sides)"
    rec["sentence"] = sentence
    return rec


def _lines(sweep: Sweep, par: SweptParameter) -> list[tuple[str, dict[int, int]]]:
    """The points along ``par``: (context, value index -> point id) for each line."""
    if sweep.mode != "grid":
        return [("", {p.setting[par.path]: p.id for p in sweep.points if p.varied == par.path})]
    others = [q for q in sweep.parameters if q.path != par.path]
    groups: dict[tuple[int, ...], dict[int, int]] = {}
    for p in sweep.points:
        key = tuple(p.setting[q.path] for q in others)
        groups.setdefault(key, {})[p.setting[par.path]] = p.id
    out = []
    for key, members in groups.items():
        ctx = ", ".join(f"{q.path} = {q.labels[j]}" for q, j in zip(others, key))
        out.append((ctx, members))
    return out


def _diff_series(table: pd.DataFrame, protocol: str, metric: str) -> dict[int, tuple[float, float, float]]:
    sub = table[(table["protocol"] == protocol) & (table["metric"] == metric)]
    return {int(r.point): (float(r.diff_mean), float(r.diff_ci_low), float(r.diff_ci_high))
            for r in sub.itertuples(index=False)}


def _with_base(sweep: Sweep, par: SweptParameter,
               members: dict[int, int]) -> tuple[SweptParameter, dict[int, int]]:
    """``par``'s line with the base scenario added as one more value, where it has a place on it.

    Only in one-at-a-time mode (a grid has no base point), only on a numeric axis, and only
    when the base value is not already one of the swept values (that point is the same run).
    """
    if sweep.mode == "grid" or par.xs is None or par.base_x is None or par.base_x in par.xs:
        return par, members
    base = next((p for p in sweep.points if p.varied == "base"), None)
    if base is None:
        return par, members
    line = replace(par, values=(*par.values, None), labels=(*par.labels, par.base_label),
                   xs=(*par.xs, par.base_x))
    return line, {**members, len(par.values): base.id}


def break_evens(sweep: Sweep, table: pd.DataFrame) -> list[dict[str, Any]]:
    """Every break-even record of a finished sweep: parameter x line x protocol x metric."""
    out = []
    for swept in sweep.parameters:
        for context, members in _lines(sweep, swept):
            par, members = _with_base(sweep, swept, members)
            order = [i for i in par.order() if i in members]
            for proto in sweep.protocols[1:]:
                for metric in sweep.metrics:
                    series = _diff_series(table, proto, metric)
                    vals = [series.get(members[i], (math.nan,) * 3) for i in order]
                    out.append(describe_line(proto, sweep.baseline, metric, par, order, [v[0] for v in vals],
                                             [v[1] for v in vals], [v[2] for v in vals], context))
    return out


# --- tornado ----------------------------------------------------------------------------------

@dataclass(frozen=True)
class TornadoBar:
    """How far one parameter moves a paired difference between its lowest and highest value."""

    parameter: str
    low_label: str
    high_label: str
    diff_at_low: float
    diff_at_high: float

    @property
    def swing(self) -> float:
        return self.diff_at_high - self.diff_at_low


def tornado(bars: Sequence[TornadoBar]) -> list[TornadoBar]:
    """``bars`` ordered for a tornado chart: the widest swing first (NaN swings last)."""
    return sorted(bars, key=lambda b: (math.isnan(b.swing), -abs(b.swing) if not math.isnan(b.swing) else 0.0,
                                       b.parameter))


def tornado_bars(sweep: Sweep, table: pd.DataFrame, protocol: str, metric: str) -> list[TornadoBar]:
    """One-at-a-time sensitivities of ``protocol - baseline`` in ``metric``, ordered (empty for a grid)."""
    if sweep.mode == "grid":
        return []
    series = _diff_series(table, protocol, metric)
    bars = []
    for par in sweep.parameters:
        (_, members), = _lines(sweep, par)
        order = [i for i in par.order() if i in members]
        lo, hi = order[0], order[-1]
        bars.append(TornadoBar(par.path, par.labels[lo], par.labels[hi],
                               series.get(members[lo], (math.nan,))[0], series.get(members[hi], (math.nan,))[0]))
    return tornado(bars)


# --- running --------------------------------------------------------------------------------

class SweepInterrupted(Exception):
    """The sweep was interrupted; finished points are kept and a re-run resumes from them."""

    def __init__(self, done: int, total: int, out_dir: Path, cause: BaseException | None = None) -> None:
        self.done, self.total, self.out_dir = done, total, out_dir
        self.cause = cause if cause is not None else KeyboardInterrupt()
        super().__init__(f"interrupted: {done} of {total} points finished and kept in {out_dir}; "
                         f"run the same command with -o {out_dir} to resume")


@dataclass
class SweepOutcome:
    """What ``run_sweep`` did: the tidy table, statements, where they were written."""

    sweep: Sweep
    table: pd.DataFrame
    break_evens: list[dict[str, Any]]
    tornado: dict[str, dict[str, list[TornadoBar]]]
    """metric -> protocol -> bars."""
    out_dir: Path
    seed: int
    seed_was_drawn: bool
    computed: int
    resumed: int
    wall_time_s: float
    files: list[Path]

    @property
    def sentences(self) -> list[str]:
        return [r["sentence"] for r in self.break_evens]


def _nan_to_none(x: float) -> float | None:
    return None if x is None or (isinstance(x, float) and math.isnan(x)) else float(x)


def _none_to_nan(x: float | None) -> float:
    return math.nan if x is None else float(x)


def run_point(scn: Scenario, replications: int, seed: int, executor: Executor | None = None,
              progress: Callable[[int], None] | None = None) -> dict[str, list[dict[str, Any]]]:
    """Simulate one point: per protocol and metric the mean with its 95% CI, and the paired
    differences from the baseline (JSON-ready: NaN as None)."""
    result = run_experiment(scn, replications, seed, log_sample=0, executor=executor, progress=progress)
    protos = result.protocols
    summary = summarize(result.incidents, protos, by_category=False)
    stats, diffs = [], []
    for r in summary.itertuples(index=False):
        rec = {"protocol": r.protocol, "metric": r.metric, "mean": _nan_to_none(r.mean),
               "ci_low": _nan_to_none(r.ci_low), "ci_high": _nan_to_none(r.ci_high),
               "n_replications": int(r.n_replications), "n_incidents": int(r.n_incidents)}
        if r.kind == "protocol":
            stats.append(rec)
        elif r.protocol.endswith(f" - {protos[0]}"):
            rec["protocol"] = r.protocol[: -len(f" - {protos[0]}")]
            diffs.append(rec)
    return {"stats": stats, "diffs": diffs}


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), default=str)


def _manifest(sweep: Sweep, seed: int, drawn: bool, complete: bool) -> dict[str, Any]:
    return {
        "kind": "incsim-sweep",
        "name": sweep.name,
        "sweep_file": sweep.file,
        "sweep_sha256": sweep.sha256,
        "scenario": sweep.base.metadata.name,
        "scenario_source": sweep.loaded.source,
        "scenario_sha256": scenario_sha256(sweep.loaded.text),
        "seed": seed,
        "seed_was_drawn": drawn,
        "replications": sweep.replications,
        "mode": sweep.mode,
        "metric": sweep.metric,
        "base_overrides": sweep.spec.base_overrides,
        "protocols": sweep.protocols,
        "baseline": sweep.baseline,
        "parameters": [{"path": p.path, "values": list(p.labels), "unit": p.unit, "base": p.base_label}
                       for p in sweep.parameters],
        "points": [{"id": p.id, "varied": p.varied, "overrides": p.overrides} for p in sweep.points],
        "complete": complete,
        "versions": package_versions((*PACKAGES, "matplotlib")),
    }


def _checkpoint_path(out: Path, pid: int) -> Path:
    return out / POINTS_DIR / f"point-{pid:03d}.json"


def _read_checkpoint(path: Path, sweep: Sweep, point: Point, seed: int) -> dict | None:
    """The finished point's record, None when it has no checkpoint yet; ``OutputError`` naming the
    file when the checkpoint is damaged or belongs to another sweep (a folder is never mixed)."""
    if not path.exists():
        return None
    rec = read_sealed_json(path, "the point's checkpoint")
    ok = (rec.get("sweep_sha256") == sweep.sha256 and rec.get("seed") == seed
          and rec.get("replications") == sweep.replications and rec.get("point") == point.id
          and rec.get("overrides") == json.loads(_canonical(point.overrides))
          and isinstance(rec.get("stats"), list) and isinstance(rec.get("diffs"), list))
    if not ok:
        raise OutputError(f"{path}: a checkpoint of another sweep or seed (a mixed folder); "
                          "pass --force to start over or choose another -o")
    return rec


def _check_resumable(out: Path, sweep: Sweep) -> None:
    """Refuse to resume into a folder with foreign checkpoints (each one read is also checked
    against its seal). Only checkpoints are read back; every other output is written anew, and a
    missing checkpoint is simply computed again."""
    points = out / POINTS_DIR
    ids = {p.id for p in sweep.points}
    if points.is_dir():
        for f in sorted(points.iterdir()):
            m = _CHECKPOINT.fullmatch(f.name)
            if m and int(f.name[6:-5]) not in ids:
                raise OutputError(f"{f}: not a point of this sweep (a mixed folder); "
                                  "pass --force to start over or choose another -o")


def _prepare(sweep: Sweep, out: Path, force: bool) -> tuple[int, bool]:
    """Make ``out`` ready; the (seed, drawn) to use: from the manifest when resuming."""
    manifest_path = out / "sweep.json"
    if out.exists() and not out.is_dir():
        raise OutputError(f"{out}: exists and is not a folder")
    if out.exists() and any(out.iterdir()) and not force:
        if not manifest_path.is_file():
            raise OutputError(f"{out}: folder is not empty and holds no sweep to resume; "
                              "choose another -o or pass --force")
        old = read_sealed_json(manifest_path, "the sweep manifest")
        try:
            old_sha, old_scn, seed = old["sweep_sha256"], old["scenario_sha256"], int(old["seed"])
        except (KeyError, TypeError, ValueError):
            raise OutputError(f"{manifest_path}: unreadable sweep manifest; pass --force to start over") from None
        if old_sha != sweep.sha256:
            raise OutputError(f"{out}: holds a sweep of a different sweep file (sha256 {old_sha[:12]}…, "
                              f"this one {sweep.sha256[:12]}…); pass --force to start over or choose another -o")
        if old_scn != scenario_sha256(sweep.loaded.text):
            raise OutputError(f"{out}: the scenario {sweep.loaded.source} changed since this sweep started; "
                              "pass --force to start over or choose another -o")
        _check_resumable(out, sweep)
        return seed, bool(old.get("seed_was_drawn", False))
    out.mkdir(parents=True, exist_ok=True)
    points = out / POINTS_DIR
    if force and points.is_dir():
        for stale in points.iterdir():  # only our own checkpoint files: never the user's
            if _CHECKPOINT.fullmatch(stale.name):
                stale.unlink()
    if sweep.seed is not None:
        return sweep.seed, False
    return api.draw_seed(), True


def sweep_table(sweep: Sweep, records: dict[int, dict]) -> pd.DataFrame:
    """The tidy table: a row per point x protocol x metric, with the parameters' values and the
    paired difference from the baseline."""
    rows = []
    base_labels = {p.path: p.base_label for p in sweep.parameters}
    for point in sweep.points:
        rec = records[point.id]
        values = dict(base_labels)
        for path, j in point.setting.items():
            values[path] = sweep.parameter(path).labels[j]
        diffs = {(d["protocol"], d["metric"]): d for d in rec["diffs"]}
        for s in rec["stats"]:
            d = diffs.get((s["protocol"], s["metric"]))
            rows.append({
                "point": point.id, "varied": point.varied, **values, "protocol": s["protocol"],
                "metric": s["metric"], "mean": _none_to_nan(s["mean"]), "ci_low": _none_to_nan(s["ci_low"]),
                "ci_high": _none_to_nan(s["ci_high"]), "n_replications": s["n_replications"],
                "baseline": sweep.baseline,
                "diff_mean": _none_to_nan(d["mean"]) if d else math.nan,
                "diff_ci_low": _none_to_nan(d["ci_low"]) if d else math.nan,
                "diff_ci_high": _none_to_nan(d["ci_high"]) if d else math.nan,
            })
    cols = ["point", "varied", *base_labels, "protocol", "metric", "mean", "ci_low", "ci_high", "n_replications",
            "baseline", "diff_mean", "diff_ci_low", "diff_ci_high"]
    return pd.DataFrame(rows, columns=cols)


def _tornado_csv(bars: dict[str, dict[str, list[TornadoBar]]], baseline: str) -> str:
    rows = [{"metric": m, "protocol": p, "baseline": baseline, "rank": k + 1, "parameter": b.parameter,
             "low_value": b.low_label, "high_value": b.high_label, "diff_at_low": b.diff_at_low,
             "diff_at_high": b.diff_at_high, "swing": b.swing}
            for m, per in bars.items() for p, bs in per.items() for k, b in enumerate(bs)]
    cols = ["metric", "protocol", "baseline", "rank", "parameter", "low_value", "high_value", "diff_at_low",
            "diff_at_high", "swing"]
    return csv_text(pd.DataFrame(rows, columns=cols))


def _json_default(x: Any) -> Any:
    return str(x)


def _clean_json(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, dict):
        return {k: _clean_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_clean_json(v) for v in value]
    return value


def run_sweep(sweep: Sweep, *, out_dir: Path | None = None, force: bool = False, executor: Executor | None = None,
              progress: Callable[[int], None] | None = None) -> SweepOutcome:
    """Run every point of ``sweep`` not already finished in ``out_dir`` and write the results.

    Writes (atomically) ``sweep.json`` first and again at the end, ``points/point-NNN.json`` as
    each point finishes, then ``sweep.csv``, ``tornado.csv``, ``breakeven.json`` and the SVG
    charts. A folder holding a sweep of the same sweep file (same sha256) and scenario resumes:
    its finished points are not run again; a different sweep is refused (``OutputError``), as is a
    non-empty folder that is not a sweep, unless ``force`` (which starts over). ``progress`` is
    called with the number of replications done (finished points count at once). A write that
    fails (a full disk, a file-size limit) is an ``OutputError``: finished checkpoints are kept.
    """
    out = out_dir if out_dir is not None else api.default_out_dir()
    try:
        return _run_sweep(sweep, out, force, executor, progress)
    except OSError as exc:
        raise OutputError(f"{out}: cannot write: {exc.strerror or exc} ({getattr(exc, 'filename', '') or out}); "
                          f"finished points are kept and the same command resumes") from None


def _run_sweep(sweep: Sweep, out: Path, force: bool, executor: Executor | None,
               progress: Callable[[int], None] | None) -> SweepOutcome:
    from incsim.sweep_charts import write_charts  # matplotlib is slow to import: only when writing

    seed, drawn = _prepare(sweep, out, force)
    t0 = time.perf_counter()
    atomic_write(out / "sweep.json", sealed_json(_manifest(sweep, seed, drawn, complete=False)))
    records: dict[int, dict] = {}
    resumed = 0
    for point in sweep.points:
        rec = _read_checkpoint(_checkpoint_path(out, point.id), sweep, point, seed)
        if rec is not None:
            records[point.id] = rec
            resumed += 1
            if progress:
                progress(sweep.replications)
    computed = 0
    try:
        for point in sweep.points:
            if point.id in records:
                continue
            result = run_point(point.scenario, sweep.replications, seed, executor, progress)
            rec = {"point": point.id, "varied": point.varied, "overrides": json.loads(_canonical(point.overrides)),
                   "sweep_sha256": sweep.sha256, "seed": seed, "replications": sweep.replications, **result}
            text = sealed_json(rec)
            atomic_write(_checkpoint_path(out, point.id), text, make_parents=True)
            records[point.id] = json.loads(text)  # exactly what a resumed run reads back
            computed += 1
    except KeyboardInterrupt as exc:
        raise SweepInterrupted(len(records), len(sweep.points), out, exc) from None

    table = sweep_table(sweep, records)
    statements = break_evens(sweep, table)
    bars = {m: {p: tornado_bars(sweep, table, p, m) for p in sweep.protocols[1:]} for m in sweep.metrics}
    if sweep.mode == "grid":
        bars = {}
    files = [out / "sweep.csv", out / "breakeven.json"]
    atomic_write(out / "sweep.csv", csv_text(table))
    atomic_write(out / "breakeven.json", json.dumps(_clean_json({
        "sweep": sweep.name, "metric": sweep.metric, "baseline": sweep.baseline,
        "note": "difference = protocol - baseline (lower is better); crossings by linear interpolation "
                "between adjacent values; durations placed by their mean",
        "statements": statements}), indent=2, ensure_ascii=False) + "\n")
    if bars:
        atomic_write(out / "tornado.csv", _tornado_csv(bars, sweep.baseline))
        files.append(out / "tornado.csv")
    files += write_charts(sweep, table, statements, bars, out)
    checkpoints = [_checkpoint_path(out, p.id) for p in sweep.points]
    write_manifest(out, [*files, *checkpoints], "sweep.json", _manifest(sweep, seed, drawn, complete=True))
    files.append(out / "sweep.json")
    return SweepOutcome(sweep, table, statements, bars, out, seed, drawn, computed, resumed,
                        time.perf_counter() - t0, files)


__all__ = [
    "Crossing", "OverrideError", "Parameter", "Point", "Range", "Sweep", "SweepFile", "SweepInterrupted",
    "SweepOutcome", "SweptParameter", "TornadoBar", "apply_override", "break_even", "break_evens",
    "describe_line", "get_path", "load_sweep", "load_sweep_text", "resolve_path", "run_point", "run_sweep",
    "scenario_data", "sweep_table", "tornado", "tornado_bars",
]
