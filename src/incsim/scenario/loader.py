"""Reading scenario YAML into a validated ``Scenario``, with every problem located as ``FILE:LINE:COL``.

The YAML is read with ruamel.yaml's round-trip loader so every key and sequence item keeps its
line and column; pydantic errors and cross-check problems are mapped back to those positions.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from importlib import resources
from pathlib import Path
from typing import Any, NoReturn

from pydantic import ValidationError
from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq, TaggedScalar
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError
from ruamel.yaml.scalarbool import ScalarBoolean

from incsim.scenario.checks import cross_checks, did_you_mean
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
    step,
    union_tag,
)

DEFAULT_SCENARIO = "seed.yaml"
MAX_BYTES = 2 * 1024 * 1024
"""Largest scenario file accepted; a real scenario is a few kilobytes."""
MAX_NODES = 200_000
"""Most YAML nodes visited with aliases expanded: stops "billion laughs" alias bombs early."""
MAX_DEPTH = 64
"""Deepest nesting accepted; the schema itself is under ten levels deep."""

_STR_TAG = "tag:yaml.org,2002:str"
Pos = tuple[int, int]  # 0-based (line, col), as ruamel stores them


@dataclass(frozen=True)
class LocatedProblem:
    """One problem in a scenario file, at a 1-based line and column and a dotted path."""

    file: str
    line: int
    col: int
    path: str
    message: str

    def __str__(self) -> str:
        what = f"{self.path}: {self.message}" if self.path else self.message
        return f"{self.file}:{self.line}:{self.col}: {_one_line(what)}"


class ScenarioError(Exception):
    """A scenario that cannot be used, with every problem found in it."""

    def __init__(self, problems: list[LocatedProblem]) -> None:
        self.problems = list(problems)
        super().__init__(str(self))

    def __str__(self) -> str:
        return "\n".join(str(p) for p in self.problems)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _fail(file: str, message: str, pos: Pos | None = None, path: str = "") -> NoReturn:
    line, col = pos if pos is not None else (0, 0)
    raise ScenarioError([LocatedProblem(file, line + 1, col + 1, path, _one_line(message))]) from None


# --- reading bytes -------------------------------------------------------------------------


def _offset_pos(data: bytes, offset: int) -> Pos:
    """(line, col) of a byte offset, the column counted in characters."""
    start = data.rfind(b"\n", 0, offset) + 1
    col = len(data[start:offset].decode("utf-8", errors="replace"))
    return data.count(b"\n", 0, offset), col


def _decode(data: bytes, file: str) -> str:
    if b"\x00" in data:
        _fail(file, "not a text file (contains NUL bytes)", _offset_pos(data, data.index(b"\x00")))
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        bom = 3 if data.startswith(b"\xef\xbb\xbf") else 0
        _fail(
            file, f"not valid UTF-8 (byte 0x{data[exc.start + bom]:02x})", _offset_pos(data, exc.start + bom)
        )


def read_scenario_text(path: str | Path) -> str:
    """The text of the scenario file at ``path``, or a ``ScenarioError`` saying why it cannot be read."""
    file = str(path)
    p = Path(path)
    try:
        st = p.stat()
    except FileNotFoundError:
        _fail(file, "no such file")
    except ValueError as exc:  # e.g. an embedded NUL byte in the name
        _fail(file, f"invalid file name: {exc}")
    except OSError as exc:
        _fail(file, f"cannot read file: {exc.strerror or exc}")
    if p.is_dir():
        _fail(file, "is a directory, not a scenario file")
    if not p.is_file():
        _fail(file, "not a regular file")
    if st.st_size > MAX_BYTES:
        _fail(file, f"file is {st.st_size / 2**20:.1f} MB; a scenario may be at most 2 MB")
    try:
        with p.open("rb") as fh:
            data = fh.read(MAX_BYTES + 1)
    except PermissionError:
        _fail(file, "cannot read file: permission denied")
    except OSError as exc:
        _fail(file, f"cannot read file: {exc.strerror or exc}")
    if len(data) > MAX_BYTES:
        _fail(file, "file is over 2 MB; a scenario may be at most 2 MB")
    return _decode(data, file)


# --- parsing YAML --------------------------------------------------------------------------


class _Refused(Exception):
    """YAML that parses but is refused (alias bomb, recursion, too deep), with its position."""

    def __init__(self, message: str, pos: Pos) -> None:
        super().__init__(message)
        self.message = message
        self.pos = pos


def _mark(node: Node) -> Pos:
    return node.start_mark.line, node.start_mark.column


def _check_graph(root: Node) -> None:
    """Refuse a node graph that is cyclic, too deep, or too large once aliases are expanded."""
    visited = 0
    on_path: set[int] = set()
    entry = _mark(root)  # the top-level key being expanded: where an alias bomb is reported

    def visit(node: Node, depth: int) -> None:
        nonlocal visited, entry
        visited += 1
        if visited > MAX_NODES:
            raise _Refused(
                f"document expands to more than {MAX_NODES:,} nodes once aliases "
                "are expanded (an alias bomb?); refusing to load it",
                entry,
            )
        if depth > MAX_DEPTH:
            raise _Refused(f"nesting deeper than {MAX_DEPTH} levels", _mark(node))
        if isinstance(node, ScalarNode):
            return
        on_path.add(id(node))
        pairs: list[tuple[Node | None, Node]] = []
        if isinstance(node, MappingNode):
            pairs = [(k, v) for k, v in node.value]
        elif isinstance(node, SequenceNode):
            pairs = [(None, v) for v in node.value]
        for key, value in pairs:
            if depth == 0 and key is not None:
                entry = _mark(key)
            for child in (key, value):
                if child is None:
                    continue
                if id(child) in on_path:
                    name = f" '*{child.anchor}'" if getattr(child, "anchor", None) else ""
                    where = _mark(key) if key is not None and child is value else _mark(child)
                    raise _Refused(f"alias{name} refers to a node that contains it (recursive alias)", where)
                visit(child, depth + 1)
        on_path.discard(id(node))

    visit(root, 0)


_FLOW_SYNTAX = re.compile(r"""[\[\]{}'"#\n]""")
_DOUBLE_QUOTED_REST = re.compile(r'(?:[^"\\]|\\.)*"', re.DOTALL)


def check_flow_depth(text: str, file: str) -> None:
    """Refuse deeply nested ``[``/``{`` before parsing: ruamel's scanner is quadratic in their depth."""
    if text.count("[") + text.count("{") <= MAX_DEPTH:
        return
    depth, i = 0, 0
    while (m := _FLOW_SYNTAX.search(text, i)) is not None:
        c, j = m.group(), m.start()
        i = j + 1
        if c == "#" and (j == 0 or text[j - 1] in " \t\n"):
            i = text.find("\n", j)
            if i < 0:
                return
        elif c in "'\"":
            k = j - 1
            while k >= 0 and text[k] in " \t":
                k -= 1
            if k >= 0 and text[k] not in "\n[{,:-?":
                continue  # an apostrophe inside a plain scalar
            if c == "'":
                end = text.find("'", j + 1)
                while end >= 0 and text.startswith("'", end + 1):
                    end = text.find("'", end + 2)
            else:
                dq = _DOUBLE_QUOTED_REST.match(text, j + 1)
                end = dq.end() - 1 if dq else -1
            if end < 0:
                return  # unterminated: the parser reports it
            i = end + 1
        elif c in "[{":
            depth += 1
            if depth > MAX_DEPTH:
                line_start = text.rfind("\n", 0, j) + 1
                _fail(
                    file, f"nesting deeper than {MAX_DEPTH} levels", (text.count("\n", 0, j), j - line_start)
                )
        elif c in "]}":
            depth = max(0, depth - 1)


def block_depth_pos(text: str, limit: int = MAX_DEPTH) -> Pos | None:
    """Where indentation and ``- `` entries first nest deeper than ``limit`` (0-based line, column).

    The parser gives up on a very deep block structure with a bare recursion error and no
    position; this finds the line from the indentation alone (an estimate: flow collections
    are checked separately by ``check_flow_depth``)."""
    open_cols: list[int] = []
    for n, line in enumerate(text.splitlines()):
        body = line.lstrip(" ")
        if not body or body.startswith("#"):
            continue
        col = len(line) - len(body)
        while open_cols and open_cols[-1] >= col:
            open_cols.pop()
        open_cols.append(col)
        while body.startswith("- ") or body == "-":  # each entry marker on the line opens a level
            rest = body[1:].lstrip(" ")
            col += len(body) - len(rest)
            body = rest
            if body:
                open_cols.append(col)
            if len(open_cols) > limit:
                return n, col
        if len(open_cols) > limit:
            return n, col
    return None


class _Constructor(RoundTripConstructor):
    """Round-trip constructor that checks the node graph first and keeps timestamps as text."""

    def construct_document(self, node: Any) -> Any:
        _check_graph(node)
        return super().construct_document(node)

    def _timestamp_as_text(self, node: Any, values: Any = None) -> Any:
        # The schema has no date fields: `name: 2024-01-01` must stay the string the user wrote.
        return self.construct_scalar(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor._timestamp_as_text)


def parse_yaml(text: str, file: str) -> Any:
    yaml = YAML(typ="rt")
    yaml.Constructor = _Constructor
    try:
        return yaml.load(text)
    except _Refused as exc:
        _fail(file, exc.message, exc.pos)
    except DuplicateKeyError as exc:
        mark = exc.problem_mark
        key = (exc.problem or "").removeprefix("found duplicate key ").split(" with value", 1)[0]
        first = exc.context_mark
        where = f" in the mapping starting at line {first.line + 1}" if first is not None else ""
        _fail(file, f"duplicate key {key}{where}", (mark.line, mark.column) if mark is not None else None)
    except MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        pos = (mark.line, mark.column) if mark is not None else None
        problem = exc.problem or "invalid YAML"
        if exc.context and problem.startswith("but "):
            problem = f"{exc.context}, {problem}"
        elif exc.context and exc.problem:
            problem = f"{problem} ({exc.context})"
        _fail(file, f"YAML syntax error: {problem}", pos)
    except ReaderError as exc:
        pos = _offset_pos(
            text.encode("utf-8", "surrogatepass"), len(text[: exc.position].encode("utf-8", "surrogatepass"))
        )
        char = exc.character if isinstance(exc.character, int) else ord(str(exc.character)[:1] or "?")
        _fail(file, f"character U+{char:04X} is not allowed in YAML", pos)
    except RecursionError:
        _fail(file, f"nesting deeper than {MAX_DEPTH} levels", block_depth_pos(text))
    except YAMLError as exc:
        _fail(file, f"invalid YAML: {exc}")


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


def load_scenario_text(text: str, filename: str = "<string>") -> Scenario:
    """The validated ``Scenario`` in YAML ``text``; a ``ScenarioError`` lists every problem."""
    root = read_document(text, filename)
    scenario, problems = _validate(to_plain(root, filename), root, filename)
    if scenario is None:
        _raise_sorted(problems)
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
    "ScenarioError",
    "default_scenario_text",
    "expected_incidents",
    "load_default_scenario",
    "locate",
    "load_scenario",
    "load_scenario_text",
    "problem_at",
    "read_document",
    "read_scenario_text",
    "scenario_sha256",
    "schema_problems",
    "validate_data",
]
