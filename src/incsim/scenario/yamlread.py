"""Reading an input file's bytes and YAML: size, encoding, NUL bytes, nesting, aliases, long
integers and YAML syntax, each refused as one ``FILE:LINE:COL`` problem (a ``ScenarioError``).

Every kind of input file (scenario, drill, sweep, transcript) is read here, through
``loader.read_document``; ``loader`` re-exports these names.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

from ruamel.yaml import YAML
from ruamel.yaml.constructor import DuplicateKeyError, RoundTripConstructor
from ruamel.yaml.error import MarkedYAMLError, YAMLError
from ruamel.yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode
from ruamel.yaml.reader import ReaderError

MAX_BYTES = 2 * 1024 * 1024
"""Largest scenario file accepted; a real scenario is a few kilobytes."""
MAX_NODES = 200_000
"""Most YAML nodes visited with aliases expanded: stops "billion laughs" alias bombs early."""
MAX_DEPTH = 64
"""Deepest nesting accepted; the schema itself is under ten levels deep."""
MAX_DIGITS = 100
"""The longest integer an input file may spell, in characters (a 64-bit seed has 20 digits)."""

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


class OldSpellingWarning(FutureWarning):
    """A key or value an input file spells the old way, still read for a release
    (``docs/glossary.md``); its text is the one line the command line prints,
    ``FILE:LINE:COL: warning: 'old' is the old spelling of 'new'; it will be refused in a later
    release``. The loaders issue it with ``warnings.warn``; they never print."""


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

    def _int_of_reasonable_length(self, node: Any) -> Any:
        # Python refuses to read an integer of more than 4,300 digits (a ValueError with no place);
        # no number in an input file needs more than a few dozen
        if isinstance(node.value, str) and len(node.value) > MAX_DIGITS:
            raise _Refused(
                f"a number of {len(node.value):,} digits; at most {MAX_DIGITS} are read", _mark(node)
            )
        return super().construct_yaml_int(node)


_Constructor.add_constructor("tag:yaml.org,2002:timestamp", _Constructor._timestamp_as_text)
_Constructor.add_constructor("tag:yaml.org,2002:int", _Constructor._int_of_reasonable_length)


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
