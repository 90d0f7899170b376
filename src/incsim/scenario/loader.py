"""Reading scenario YAML into a validated ``Scenario``, with every problem located as ``FILE:LINE:COL``.

The YAML is read with ruamel.yaml's round-trip loader so every key and sequence item keeps its
line and column; pydantic errors and cross-check problems are mapped back to those positions.
"""

from __future__ import annotations

import hashlib
import types
import warnings
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, NoReturn, Union, get_args, get_origin

from pydantic import ValidationError
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.scalarbool import ScalarBoolean

from incsim.scenario.checks import cross_checks, did_you_mean
from incsim.scenario.drill_values import OLD_VALUES, new_spelling
from incsim.scenario.schema import Scenario
from incsim.scenario.typepath import (
    field_names,
    is_duration,
    is_model,
    item_labels,
    literal_tags,
    members,
    renamed_to,
    spelled_as,
    spellings,
    step,
    union_tag,
)
from incsim.scenario.yamlread import (  # re-exported: the names every reader imports from here
    _STR_TAG,
    MAX_BYTES,
    LocatedProblem,
    OldSpellingWarning,
    Pos,
    ScenarioError,
    _fail,
    _offset_pos,
    _one_line,
    check_flow_depth,
    parse_yaml,
    read_scenario_text,
)

DEFAULT_SCENARIO = "seed.yaml"

# --- round-trip tree -> plain data ---------------------------------------------------------


def pos_of(node: Any) -> Pos | None:
    lc = getattr(node, "lc", None)
    return (lc.line, lc.col) if lc is not None and lc.line is not None else None


def key_pos(mapping: CommentedMap, key: Any) -> Pos | None:
    try:
        return tuple(mapping.lc.key(key))  # type: ignore[return-value]
    except (KeyError, TypeError, AttributeError):
        return pos_of(mapping)  # a key brought in by a `<<:` merge has no position of its own


def value_pos(mapping: CommentedMap, key: Any) -> Pos | None:
    try:
        return tuple(mapping.lc.value(key))  # type: ignore[return-value]
    except (KeyError, TypeError, AttributeError):
        return key_pos(mapping, key)


def item_pos(seq: CommentedSeq, index: int) -> Pos | None:
    try:
        return tuple(seq.lc.item(index))  # type: ignore[return-value]
    except (KeyError, TypeError, AttributeError):
        return pos_of(seq)


def _kind(value: Any) -> str:
    """What a YAML value is, in YAML words."""
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, dict):
        return "mapping"
    if isinstance(value, (list, tuple)):
        return "list"
    return type(value).__name__


def _tag_of(value: Any) -> str | None:
    tag = getattr(value, "tag", None)
    return getattr(tag, "value", tag) if tag is not None else None


def to_plain(root: CommentedMap, file: str) -> dict[str, Any]:
    """Plain dicts, lists and scalars for pydantic, refusing what a scenario cannot contain."""

    def bad(message: str, pos: Pos | None, path: list[Any]) -> NoReturn:
        _fail(file, message, pos, ".".join(map(str, path)))

    def plain(value: Any, pos: Pos | None, path: list[Any]) -> Any:
        tag = _tag_of(value)
        if tag is not None and tag != _STR_TAG:
            bad(f"unsupported YAML tag '{tag}'", pos, path)
        if isinstance(value, TaggedScalar):
            return str(value.value)
        if isinstance(value, dict):
            out = {}
            for key, item in value.items():
                kpos = key_pos(value, key)
                if not isinstance(key, str):
                    bad(f"keys must be strings, not a {_kind(key)} ({key!r}); quote it", kpos, path)
                out[str(key)] = plain(item, value_pos(value, key), [*path, key])
            return out
        if isinstance(value, (set, frozenset)):
            bad("sets are not supported; use a list", pos, path)
        if isinstance(value, (list, tuple)):
            return [
                plain(item, item_pos(value, i), [*path, i])  # type: ignore[arg-type]
                for i, item in enumerate(value)
            ]
        if value is None or isinstance(value, bool):
            return value
        if isinstance(value, ScalarBoolean):  # an anchored boolean: an int subclass in ruamel
            return bool(value)
        if isinstance(value, int):
            return int(value)
        if isinstance(value, float):
            return float(value)
        if isinstance(value, str):
            return str(value)
        bad(f"unsupported YAML value of type {type(value).__name__}", pos, path)

    return plain(root, pos_of(root), [])


# --- locating a loc in the round-trip tree -------------------------------------------------


@dataclass
class _Spot:
    """Where a pydantic or cross-check ``loc`` lands in the YAML."""

    path: list[Any]  # the part of loc present in the YAML, tags removed
    absent: list[Any]  # data elements after the last present node
    node: Any  # the deepest node present
    node_pos: Pos | None  # that node's own position (a mapping: its first key or its `{`)
    key_pos: Pos | None  # the key (or sequence item) that leads to it
    value_pos: Pos | None  # its value
    owner: Any  # the type of the mapping holding the last element of loc
    tp: Any  # the type at the end of loc
    key_mode: bool  # pydantic's '[key]': the error is about the key itself
    union: Any = None  # the union whose tag the last loc element chose, if one did


def _walk(root: CommentedMap, loc: tuple[Any, ...], model: Any = Scenario) -> _Spot:
    node: Any = root
    pos = pos_of(root)
    spot = _Spot([], [], root, pos, pos, pos, None, model, False)
    for elem in loc:
        if elem == "[key]":
            spot.key_mode = True
            continue
        if isinstance(node, dict) and isinstance(elem, str) and elem not in node and not spot.absent:
            elem = spelled_as(spot.tp, elem, node)  # a new key's place where the file has the old
        member = union_tag(spot.tp, elem)
        present = not spot.absent and (
            (isinstance(node, dict) and isinstance(elem, str) and elem in node)
            or (isinstance(node, list) and isinstance(elem, int) and 0 <= elem < len(node))
        )
        if member is not None and not present:
            spot.union, spot.tp = spot.tp, member
            continue
        if not present and isinstance(elem, str) and elem.endswith("]") and "[" in elem:
            continue  # 'function-before[...]', 'tagged-union[...]': pydantic's own wrappers
        spot.owner = spot.tp
        spot.tp = step(spot.tp, elem)
        if not present:
            spot.absent.append(elem)
            continue
        if isinstance(node, dict):
            spot.key_pos, spot.value_pos = key_pos(node, elem), value_pos(node, elem)
        else:
            spot.key_pos = spot.value_pos = item_pos(node, elem)
        node = node[elem]
        spot.path.append(elem)
        spot.node, spot.node_pos = node, pos_of(node) or spot.value_pos
    return spot


def _dotted(parts: list[Any]) -> str:
    return ".".join(str(p) for p in parts)


def _named(root: Any, parts: list[Any]) -> str:
    """``parts`` spelled in the one scenario path syntax (``typepath``): an item of a list whose
    items have distinct names is named (``org.teams.payments.size``), any other by its index."""
    node: Any = root
    out: list[str] = []
    for part in parts:
        if isinstance(node, list) and isinstance(part, int) and 0 <= part < len(node):
            out.append(item_labels(node)[0][part])
            node = node[part]
        else:
            out.append(str(part))
            node = node.get(part) if isinstance(node, dict) else None
    return ".".join(out)


def _quoted(text: str) -> list[str]:
    """The quoted alternatives in a pydantic message such as ``'a', 'b' or 'c'``."""
    parts = text.split("'")
    return parts[1::2]


def schema_problems(
    exc: ValidationError,
    root: CommentedMap,
    file: str,
    model: Any = Scenario,
    nouns: dict[str, str] | None = None,
    name_values: bool = False,
) -> list[LocatedProblem]:
    """Pydantic's complaints about the file whose round-trip tree is ``root`` (validated as
    ``model``: a scenario, a drill, a sweep), each at its ``FILE:LINE:COL`` in a reader's words;
    ``nouns`` names what a union's tag chooses (a drill's ``do`` chooses an ``effect``);
    ``name_values`` words a value outside its choices as "unknown value 'x'; expected one of: ..."."""
    return [
        _pydantic_problem(e, root, file, model, nouns or {}, name_values)
        for e in exc.errors(include_url=False)
    ]


def _pydantic_problem(
    err: Any,
    root: CommentedMap,
    file: str,
    model: Any = Scenario,
    nouns: dict[str, str] | None = None,
    name_values: bool = False,
) -> LocatedProblem:
    kind = err["type"]
    loc = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    value = err.get("input")
    spot = _walk(root, loc, model)
    path = list(spot.path)
    pos = spot.value_pos
    message = str(err["msg"])
    for prefix in ("Value error, ", "Assertion failed, "):
        message = message.removeprefix(prefix)

    if kind == "missing":
        name = spot.absent[-1] if spot.absent else (loc[-1] if loc else "")
        path.append(name)
        pos = spot.node_pos
        message = f"missing required key '{name}'"
    elif kind == "extra_forbidden":
        name = path[-1] if path else (loc[-1] if loc else "")
        pos = spot.key_pos
        message = f"unknown key '{name}'{did_you_mean(str(name), field_names(spot.owner))}"
        if (new := renamed_to(spot.owner, str(name))) is not None:
            message = f"'{name}' is the old spelling of '{new}': give only '{new}'"
    elif spot.key_mode:
        pos = spot.key_pos
        expected = _quoted(str(ctx.get("expected", "")))
        if kind == "literal_error" and isinstance(value, str):
            message = (
                f"unknown key '{value}'{did_you_mean(value, expected)}; expected one of: "
                f"{', '.join(expected)}"
            )
    elif kind in ("union_tag_invalid", "union_tag_not_found"):
        disc = str(ctx.get("discriminator", "")).strip("'\"")
        tags = sorted({str(t) for m in members(spot.tp) if is_model(m) for t in literal_tags(m)})
        expected = _quoted(str(ctx["expected_tags"])) if "expected_tags" in ctx else tags
        if kind == "union_tag_invalid" and isinstance(spot.node, dict) and disc in spot.node:
            path.append(disc)
            pos = value_pos(spot.node, disc)
            tag = str(ctx.get("tag", ""))
            message = (
                f"unknown {(nouns or {}).get(disc, disc)} '{tag}'{did_you_mean(tag, expected)}; "
                f"expected one of: {', '.join(expected)}"
            )
        else:
            pos = spot.node_pos
            message = f"missing '{disc}' (one of: {', '.join(expected)})"
            if is_duration(spot.tp):
                message += " or a bare number of minutes"
    elif kind in ("model_type", "model_attributes_type", "dict_type"):
        if is_duration(spot.tp):
            message = (
                f"expected a duration (a positive number of minutes or a mapping with "
                f"'dist'), got a {_kind(value)}"
            )
        else:
            message = f"expected a mapping, got a {_kind(value)}"
    elif kind in ("list_type", "tuple_type"):
        # a list that could also be a mapping (a union chosen by the value's shape) names both
        maps = [m for m in members(spot.union) if is_model(m)]
        alt = f" or a mapping {{{', '.join(field_names(maps[0]))}}}" if maps else ""
        message = f"expected a list{alt}, got a {_kind(value)}"
    elif kind == "literal_error" and isinstance(value, str):
        expected = _quoted(str(ctx.get("expected", "")))
        if name_values:
            message = f"unknown value '{value}'{did_you_mean(value, expected)}; expected one of: {', '.join(expected)}"
        elif len(expected) > 1:
            message += did_you_mean(value, expected)
    if pos is None:
        pos = (0, 0)
    return LocatedProblem(file, pos[0] + 1, pos[1] + 1, _named(root, path), _one_line(message))


def problem_at(
    root: CommentedMap, file: str, loc: Any, message: str, *, model: Any = Scenario, key: bool = True
) -> LocatedProblem:
    """``message`` placed at ``loc`` in the round-trip tree ``root`` of ``file`` (validated as
    ``model``): at its key (``key``) or at its value, at the deepest part present when the rest is
    absent; its path in the one path syntax. The one position lookup for every cross-check of
    every input file."""
    spot = _walk(root, tuple(loc), model)
    pos = (spot.key_pos if key else spot.value_pos) or (0, 0)
    return LocatedProblem(file, pos[0] + 1, pos[1] + 1, _named(root, list(loc)), _one_line(message))


# --- old spellings, still read for a release -----------------------------------------------


def _field(tp: Any, key: Any) -> tuple[Any, Any]:
    """The annotation under ``key`` of a value of type ``tp``, and its pydantic field (or None)."""
    for m in members(tp):
        if is_model(m) and isinstance(key, str):
            for name, info in m.model_fields.items():
                if key in spellings(name, info):
                    return info.annotation, info
    return step(tp, key), None


def _reads_old_values(info: Any) -> bool:
    """Whether the field ``info`` reads a value's old spelling (``drill_values.new_spelling``)."""

    def has(tp: Any) -> bool:
        if get_origin(tp) is Annotated:
            return any(getattr(m, "func", None) is new_spelling for m in tp.__metadata__) or has(
                get_args(tp)[0]
            )
        return get_origin(tp) in (Union, types.UnionType) and any(has(a) for a in get_args(tp))

    return info is not None and (
        any(getattr(m, "func", None) is new_spelling for m in info.metadata) or has(info.annotation)
    )


_UNDER: dict[tuple[int, str], tuple[Any, Any, str | None, bool]] = {}
"""(type, key) -> (the type, the type under the key, the key's new spelling if it is an old one,
whether the value there may be an old spelling): the same few lookups for every file read."""


def _under(tp: Any, key: str) -> tuple[Any, str | None, bool]:
    hit = _UNDER.get((id(tp), key))
    if hit is None or hit[0] is not tp:
        sub, info = _field(tp, key)
        hit = _UNDER[(id(tp), key)] = (tp, sub, renamed_to(tp, key), _reads_old_values(info))
    return hit[1:]


def old_spellings(root: CommentedMap, file: str, model: Any = Scenario) -> list[str]:
    """Each key and value of ``root`` (validated as ``model``) given in its old spelling, as the
    warning line for it (``OldSpellingWarning``), once per place, in the file's order."""
    found: list[tuple[Pos, str, str]] = []

    def visit(node: Any, tp: Any) -> None:
        if isinstance(node, dict):
            for key, value in node.items():
                if not isinstance(key, str):
                    continue  # no type is found under a key that is not text (typepath.step)
                sub, new, old_values = _under(tp, key)
                if new is not None:
                    found.append((key_pos(node, key) or (0, 0), key, new))
                if old_values and isinstance(value, str) and value in OLD_VALUES:
                    found.append((value_pos(node, key) or (0, 0), value, OLD_VALUES[value]))
                visit(value, sub)
        elif isinstance(node, list):
            item = step(tp, 0)  # every item of a list has the same type
            for value in node:
                visit(value, item)

    visit(root, model)
    return [
        f"{file}:{line + 1}:{col + 1}: warning: '{old}' is the old spelling of '{new}'; "
        "it will be refused in a later release"
        for (line, col), old, new in sorted(dict.fromkeys(found))
    ]


def warn_old_spellings(root: CommentedMap, file: str, model: Any = Scenario) -> None:
    """Issue an ``OldSpellingWarning`` for each old spelling in ``root`` (see ``old_spellings``):
    every loader calls this once its file is valid, and the command line prints them."""
    for line in old_spellings(root, file, model):
        warnings.warn(OldSpellingWarning(line), stacklevel=2)


def _raise_sorted(problems: list[LocatedProblem]) -> NoReturn:
    unique = list(dict.fromkeys(problems))
    unique.sort(key=lambda p: (p.line, p.col))
    raise ScenarioError(unique)


# --- public API ----------------------------------------------------------------------------


def read_document(text: str, filename: str, what: str = "scenario") -> CommentedMap:
    """The top-level mapping of the YAML ``text`` of any incsim input file (a scenario, drill,
    sweep or transcript: ``what`` names it in messages), read with the same limits (size, NUL
    bytes, flow and block depth, aliases) and with every node's position; a ``ScenarioError``
    with ``FILE:LINE:COL`` otherwise."""
    if len(text) > MAX_BYTES or len(text.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        _fail(filename, f"{what} is over 2 MB; a {what} may be at most 2 MB")
    if "\x00" in text:
        _fail(
            filename,
            "not a text file (contains NUL bytes)",
            _offset_pos(
                text.encode("utf-8", "surrogatepass"),
                len(text[: text.index("\x00")].encode("utf-8", "surrogatepass")),
            ),
        )
    text = text.removeprefix("\ufeff")
    check_flow_depth(text, filename)
    root = parse_yaml(text, filename)
    if root is None:
        _fail(filename, f"empty {what}: no YAML document (only blank lines or comments)")
    if not isinstance(root, CommentedMap):
        _fail(
            filename,
            f"the top level must be a mapping (apiVersion, kind, metadata, ...), not a {_kind(root)}",
            pos_of(root),
        )
    return root


def load_scenario_text(text: str, filename: str = "<string>", *, warn: bool = True) -> Scenario:
    """The validated ``Scenario`` in YAML ``text``; a ``ScenarioError`` lists every problem.

    ``warn``: issue the old spellings' warnings at ``filename``'s lines. A caller whose text is not
    the user's file as written (a block cut out of a drill, a scenario incsim wrote itself, the copy
    in a results folder) passes False and warns, if at all, where the user's file is."""
    root = read_document(text, filename)
    scenario, problems = _validate(to_plain(root, filename), root, filename)
    if scenario is None:
        _raise_sorted(problems)
    if warn:
        warn_old_spellings(root, filename)
    return scenario


def _validate(data: dict[str, Any], root: Any, filename: str) -> tuple[Scenario | None, list[LocatedProblem]]:
    """The scenario in plain ``data``, or its problems (schema, then cross-checks, then size),
    located in ``root``: the round-trip tree ``data`` came from, or ``data`` itself (no positions)."""
    try:
        scenario = Scenario.model_validate(data)
    except ValidationError as exc:
        return None, schema_problems(exc, root, filename)
    problems = cross_checks(scenario)
    if problems:
        return None, [problem_at(root, filename, p.loc, p.message) for p in problems]
    too_many = _incident_limit_problem(scenario)
    if too_many is not None:
        return None, [problem_at(root, filename, *too_many)]
    return scenario, []


def validate_data(data: dict[str, Any]) -> tuple[Scenario | None, list[str]]:
    """The scenario in plain ``data`` (as ``overrides.scenario_data`` gives it, e.g. with a sweep's
    overrides applied), or its problems as ``path: message`` lines: the same checks, in the same
    words, as a scenario file gets from ``load_scenario_text``, without file positions."""
    scenario, problems = _validate(data, data, "<data>")
    return scenario, [f"{p.path}: {p.message}" if p.path else p.message for p in problems]


def expected_incidents(scn: Scenario) -> float:
    """Incidents one replication is expected to hold (an upper bound for per-service arrivals)."""
    inc = scn.incidents
    n = float(len(inc.scripted))
    if inc.arrivals is not None:
        sources = len(scn.org.services) if inc.arrivals.per_service else 1
        n += inc.arrivals.rate_per_week * sources * scn.simulation.horizon_days / 7.0
    return n


def _incident_limit_problem(scn: Scenario) -> tuple[tuple[str, ...], str] | None:
    """Refuse before any work a scenario whose expected incidents exceed ``simulation.max_incidents``."""
    limit = scn.simulation.max_incidents
    expected = expected_incidents(scn)
    if expected <= limit:
        return None
    loc = (
        ("incidents", "arrivals", "rate_per_week")
        if scn.incidents.arrivals is not None
        else ("incidents", "scripted")
    )
    return loc, (
        f"about {expected:,.0f} incidents per replication expected, over simulation.max_incidents "
        f"= {limit:,}; set simulation.max_incidents higher to run a scenario this large"
    )


def locate(text: str, filename: str, loc: tuple[Any, ...]) -> LocatedProblem:
    """Where the field at ``loc`` (e.g. ``("simulation", "max_incidents")``) is in a valid scenario's
    text, as a problem with an empty message (the nearest present parent when it is absent)."""
    root = parse_yaml(text.removeprefix("\ufeff"), filename)
    return problem_at(root, filename, loc, "")


def load_scenario(path: str | Path) -> Scenario:
    """The validated ``Scenario`` in the YAML file at ``path``."""
    return load_scenario_text(read_scenario_text(path), str(path))


def default_scenario_text() -> str:
    """The YAML text of the embedded default scenario (the seed's organisation)."""
    ref = resources.files("incsim.scenario").joinpath("defaults", DEFAULT_SCENARIO)
    return ref.read_text(encoding="utf-8")


def load_default_scenario() -> Scenario:
    """The embedded default scenario, validated."""
    return load_scenario_text(default_scenario_text(), f"incsim/scenario/defaults/{DEFAULT_SCENARIO}")


def scenario_sha256(text: str) -> str:
    """The hex sha256 of a scenario's text (UTF-8), recorded in ``run.json``."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


__all__ = [
    "DEFAULT_SCENARIO",
    "LocatedProblem",
    "OldSpellingWarning",
    "ScenarioError",
    "default_scenario_text",
    "expected_incidents",
    "load_default_scenario",
    "locate",
    "load_scenario",
    "old_spellings",
    "load_scenario_text",
    "problem_at",
    "read_document",
    "read_scenario_text",
    "scenario_sha256",
    "schema_problems",
    "validate_data",
    "warn_old_spellings",
]
