"""Loading a sweep file: its schema, its base scenario, its overrides and every point's scenario
validated before anything runs; each problem located at ``FILE:LINE:COL`` of the sweep file
(or of the scenario, for a problem inside it). A point's scenario passes the checks of the
scenario loader (``loader.validate_data``: schema, cross-checks, expected size), in its words."""

from __future__ import annotations

import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap

from incsim.collector import fewer_collections
from incsim.scenario.loaded import LoadedScenario, load_with_text
from incsim.scenario.loader import (
    LocatedProblem,
    ScenarioError,
    load_scenario_text,
    problem_at,
    read_document,
    read_scenario_text,
    scenario_sha256,
    schema_problems,
    to_plain,
    validate_data,
    warn_old_spellings,
)
from incsim.scenario.overrides import (
    OverrideError,
    apply_override,
    get_path,
    resolve_path,
    scenario_data,
)
from incsim.scenario.schema import Scenario
from incsim.scenario.spelling import format_value
from incsim.sweep.plan import Point, Sweep, SweptParameter
from incsim.sweep.schema import (
    MAX_POINTS,
    MAX_PROBLEMS,
    RESERVED,
    Range,
    SweepFile,
    SweepParameter,
)
from incsim.sweep.values import guess_unit, value_x

Invalid = tuple[dict[str, int], dict[str, Any], list[str]]
"""A point whose scenario is invalid: its setting, its overrides and the scenario's problems."""

# --- loading ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Where:
    """The sweep file's round-trip tree, for located problems."""

    file: str
    root: CommentedMap

    def problem(self, loc: Sequence[Any], message: str, key: bool = False) -> LocatedProblem:
        """``message`` located at ``loc`` (at its key with ``key``, else at its value)."""
        return problem_at(self.root, self.file, loc, message, model=SweepFile, key=key)


def _raise(problems: list[LocatedProblem]) -> NoReturn:
    """Raise every distinct problem, in file order, at most ``MAX_PROBLEMS`` of them."""
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: (p.file, p.line, p.col))
    if len(unique) > MAX_PROBLEMS:
        rest = len(unique) - MAX_PROBLEMS
        last = unique[MAX_PROBLEMS - 1]
        unique = unique[:MAX_PROBLEMS] + [
            LocatedProblem(last.file, last.line, last.col, "", f"... and {rest} more problems")
        ]
    raise ScenarioError(unique)


def load_sweep_text(text: str, filename: str = "<string>", base_dir: Path | None = None) -> Sweep:
    """The validated ``Sweep`` in YAML ``text``; a ``ScenarioError`` lists every problem, located.

    Checking is linear in the points: each point's scenario is the base with its values set
    (copying only the way to them, ``apply_override``) and validated once, nothing simulated.
    The validated scenarios are kept, so the collector runs less often meanwhile: each of its
    full passes walks every scenario made so far, which made the passes, not the checks, most of
    the time of a large grid (3,000 points: 3.4 s of CPU, 0.9 s without the passes)."""
    text = text.removeprefix("\ufeff")
    spec, where = _read_spec(text, filename)
    loaded = _base_scenario(spec, where, base_dir)
    data_base, base = _apply_base_overrides(spec, loaded, where)
    with fewer_collections():
        params, alone = _swept_parameters(spec, data_base, where)
        points = _points(_settings(spec, params, where), params, data_base, base, alone, where)
    reps = spec.replications if spec.replications is not None else base.simulation.replications
    seed = spec.seed if spec.seed is not None else base.simulation.seed
    return Sweep(filename, text, scenario_sha256(text), spec, loaded, base, params, points, reps, seed)


def _read_spec(text: str, filename: str) -> tuple[SweepFile, _Where]:
    """The sweep file parsed and checked against its schema, with the positions of its nodes."""
    root = read_document(text, filename, "sweep file")
    where = _Where(filename, root)
    data = to_plain(root, filename)
    try:
        spec = SweepFile.model_validate(data)
    except ValidationError as exc:
        _raise(schema_problems(exc, root, filename, SweepFile, name_values=True))
    warn_old_spellings(root, filename, SweepFile)
    return spec, where


def _base_scenario(spec: SweepFile, where: _Where, base_dir: Path | None) -> LoadedScenario:
    """The scenario the sweep starts from: its file (relative to the sweep file), or the embedded default."""
    if spec.scenario is None:
        return load_with_text(None)
    scn_path = Path(spec.scenario)
    if not scn_path.is_absolute() and base_dir is not None:
        scn_path = base_dir / scn_path
    try:
        text_scn = read_scenario_text(scn_path)
    except ScenarioError as exc:
        _raise([where.problem(("scenario",), f"{spec.scenario}: {p.message}") for p in exc.problems])
    # a problem inside the scenario is reported where it is: FILE:LINE:COL of the scenario
    return LoadedScenario(load_scenario_text(text_scn, str(scn_path)), text_scn, str(scn_path))


def point_data(scn: Scenario) -> dict[str, Any]:
    """``scn`` as data for a point: without its ``uncertainty:`` ranges, which describe what a
    robustness study may vary, not one scenario (a sweep may well go beyond them)."""
    data = scenario_data(scn)
    data.pop("uncertainty", None)
    return data


def _apply_base_overrides(
    spec: SweepFile, loaded: LoadedScenario, where: _Where
) -> tuple[dict[str, Any], Scenario]:
    """The base scenario's data and validated scenario after ``base_overrides``."""
    problems: list[LocatedProblem] = []
    data_base = point_data(loaded.scenario)
    for path, value in spec.base_overrides.items():
        if path in RESERVED:
            problems.append(
                where.problem(("base_overrides", path), f"cannot override {path}: {RESERVED[path]}", key=True)
            )
            continue
        try:
            data_base = apply_override(data_base, path, value)
        except OverrideError as exc:
            problems.append(where.problem(("base_overrides", path), str(exc), key=True))
    if problems:
        _raise(problems)
    base, issues = validate_data(data_base)
    if base is None:
        # blame each override that is invalid on its own, at its value; else all of them together
        original = point_data(loaded.scenario)
        for path, value in spec.base_overrides.items():
            problems += [
                where.problem(
                    ("base_overrides", path), f"{path} = {format_value(value)} makes an invalid scenario: {m}"
                )
                for m in validate_data(apply_override(original, path, value))[1]
            ]
        _raise(
            problems
            or [
                where.problem(("base_overrides",), f"base_overrides make an invalid scenario: {m}", key=True)
                for m in issues
            ]
        )
    return data_base, base


def _swept_parameters(
    spec: SweepFile, data_base: dict[str, Any], where: _Where
) -> tuple[list[SweptParameter], dict[tuple[str, int], list[LocatedProblem]]]:
    """Every parameter resolved, and each value's problems on the base alone (located at the value).

    Each path is checked once (a typo is reported once, not once per value); outside a grid a
    value that is invalid on the base is a problem at once.
    """
    problems: list[LocatedProblem] = []
    seen: dict[str, int] = {}
    params: list[SweptParameter] = []
    alone: dict[tuple[str, int], list[LocatedProblem]] = {}
    for i, par in enumerate(spec.parameters):
        path_loc = ("parameters", i, "path")
        if par.path in RESERVED:
            problems.append(where.problem(path_loc, f"cannot sweep {par.path}: {RESERVED[par.path]}"))
            continue
        if par.path in seen:
            problems.append(
                where.problem(path_loc, f"{par.path} is already swept by parameter {seen[par.path]}")
            )
            continue
        seen[par.path] = i
        try:
            resolve_path(data_base, par.path)
        except OverrideError as exc:
            problems.append(where.problem(path_loc, str(exc)))
            continue
        swept = _resolve_parameter(par, data_base)
        params.append(swept)
        for j, value in enumerate(swept.values):
            _, issues = validate_data(apply_override(data_base, swept.path, value))
            value_loc = (
                ("parameters", i, "values", j)
                if isinstance(par.values, list)
                else ("parameters", i, "values")
            )
            alone[(swept.path, j)] = [
                where.problem(value_loc, f"{swept.path} = {swept.labels[j]} makes an invalid scenario: {m}")
                for m in issues
            ]
            if spec.mode != "grid":
                problems += alone[(swept.path, j)]
    if problems:
        _raise(problems)
    return params, alone


def _settings(
    spec: SweepFile, params: list[SweptParameter], where: _Where
) -> list[tuple[str, dict[str, int]]]:
    """Every point as (what it varies, parameter path -> value index), within ``MAX_POINTS``."""
    if spec.mode == "grid":
        total = math.prod(len(p.values) for p in params)
        if total > MAX_POINTS:
            _raise(
                [
                    where.problem(
                        ("parameters",),
                        f"the grid has {total:,} points; at most {MAX_POINTS:,} "
                        "are allowed (fewer values, or mode: one-at-a-time)",
                        key=True,
                    )
                ]
            )
        return [
            ("grid", {p.path: j for p, j in zip(params, combo)})
            for combo in itertools.product(*(range(len(p.values)) for p in params))
        ]
    settings = [("base", {})] + [(p.path, {p.path: j}) for p in params for j in range(len(p.values))]
    if len(settings) > MAX_POINTS:
        _raise(
            [
                where.problem(
                    ("parameters",),
                    f"the sweep has {len(settings):,} points; at most {MAX_POINTS:,} are allowed",
                    key=True,
                )
            ]
        )
    return settings


def _points(
    settings: list[tuple[str, dict[str, int]]],
    params: list[SweptParameter],
    data_base: dict[str, Any],
    base: Scenario,
    alone: dict[tuple[str, int], list[LocatedProblem]],
    where: _Where,
) -> list[Point]:
    """Every point with its validated scenario; the invalid ones are problems, raised together."""
    points: list[Point] = []
    failed: list[Invalid] = []
    for pid, (varied, setting) in enumerate(settings):
        data = data_base
        overrides = {}
        for path, j in setting.items():
            value = next(p for p in params if p.path == path).values[j]
            overrides[path] = value
            data = apply_override(data, path, value)
        scn, issues = validate_data(data) if setting else (base, [])
        if scn is None:
            failed.append((setting, overrides, issues))
            continue
        points.append(Point(pid, varied, dict(setting), overrides, scn))
    if failed:
        _raise(_grid_problems(failed, alone, params, where))
    return points


def _grid_problems(
    failed: list[Invalid],
    alone: dict[tuple[str, int], list[LocatedProblem]],
    params: list[SweptParameter],
    where: _Where,
) -> list[LocatedProblem]:
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
        combo = ", ".join(f"{k} = {format_value(v)}" for k, v in overrides.items())
        out += [
            where.problem(
                ("parameters", first, "values"), f"the grid point {combo} makes an invalid scenario: {m}"
            )
            for m in issues
        ]
    return out


def _resolve_parameter(par: SweepParameter, data: dict[str, Any]) -> SweptParameter:
    """``par`` with its values listed, labelled and placed on an axis, and its unit and base value."""
    values = tuple(par.values.values()) if isinstance(par.values, Range) else tuple(par.values)
    labels = tuple(format_value(v) for v in values)
    raw = [value_x(v) for v in values]
    numeric = all(x is not None for x in raw) and len(set(raw)) == len(raw)
    by_mean = numeric and any(isinstance(v, dict) for v in values)
    base_value = get_path(data, par.path)
    scale = par.values.scale if isinstance(par.values, Range) else "linear"
    unit = par.unit if par.unit is not None else guess_unit(data, par.path)
    return SweptParameter(
        par.path,
        values,
        labels,
        tuple(raw) if numeric else None,  # type: ignore[arg-type]
        by_mean,
        scale,
        unit,
        format_value(base_value),
        value_x(base_value),
    )


def load_sweep(path: str | Path) -> Sweep:
    """Load and validate the sweep file at ``path`` and every scenario it will run."""
    text = read_scenario_text(path)
    return load_sweep_text(text, str(path), Path(path).parent)
