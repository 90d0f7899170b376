"""The assumptions table: every parameter a scenario writes, with the comment that gives its source.

Source comments of the assumptions table (``scenario_parameters``) come from a line-based scan
of ``scenario.yaml`` guided by ruamel.yaml's round-trip positions (the line and column of every
key and list item). ruamel.yaml attaches comments to whichever token precedes them, which puts a
comment written *above* a key on the previous key, so positions plus a scan of the lines give
the rule a reader expects. A parameter's source is, in order:

1. the ``#`` comment at the end of its own line (joined with the comment on the line above when
   that one sits in the same column and ends with a comma: a comment continued over two lines);
2. otherwise the block of comment-only lines that heads the run of lines it belongs to: walking
   up from the parameter through earlier siblings to its parent's line, the first comment lines
   indented no deeper than the parameter (a blank line ends the walk: a comment separated by a
   blank line governs nothing below it);
3. otherwise its parent's source by the same rules (marked as inherited in the table).

The comment block at the very top of the file is the scenario's preamble, shown on its own,
never the source of the first key.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from ruamel.yaml import YAML
from ruamel.yaml.comments import CommentedMap, CommentedSeq
from ruamel.yaml.error import YAMLError

from incsim.report.results import ReportError, one_line
from incsim.scenario.schema import Scenario
from incsim.scenario.spelling import format_value, is_distribution
from incsim.scenario.typepath import child_path, item_labels, parent_paths


@dataclass(frozen=True)
class ScenarioParameter:
    """One scenario parameter: dotted path, value as written, source comment and where it is."""

    path: str
    value: str
    source: str = ""
    line: int = 0  # 1-based line in scenario.yaml; 0 for a schema default
    inherited_from: str = ""  # the path whose comment this is, when it is not the parameter's own
    default: bool = False

    @property
    def source_kind(self) -> str:
        """``assumption`` when the comment says so, ``cited`` for any other comment, else ``none``."""
        if not self.source:
            return "none"
        return "assumption" if "assumption" in self.source.lower() else "cited"


def _scalar(x: Any) -> bool:
    return not isinstance(x, (dict, list, tuple))


def _flatten(node: Any, path: str = "") -> Iterator[tuple[str, Any]]:
    """``(path, leaf value)`` in the scenario path syntax (``typepath``): distributions and lists of
    scalars are leaves; named list items are labelled by name (``org.teams.platform.size``) and
    their ``name`` is not repeated."""
    if isinstance(node, dict) and not is_distribution(node) and node:
        for k, v in node.items():
            yield from _flatten(v, child_path(path, k))
    elif isinstance(node, (list, tuple)) and node and not all(_scalar(v) for v in node):
        labels, by_name = item_labels(node)
        for label, item in zip(labels, node):
            if by_name:
                item = {k: v for k, v in item.items() if k != "name"}
            yield from _flatten(item, child_path(path, label))
    else:
        yield path, node


def trailing_comment(line: str) -> tuple[int, str] | None:
    """(column, text) of a ``#`` comment ending the line, outside quotes; None without one."""
    quote = ""
    i = 0
    while i < len(line):
        c = line[i]
        if quote:
            if quote == '"' and c == "\\":
                i += 2
                continue
            if c == quote:
                if quote == "'" and i + 1 < len(line) and line[i + 1] == "'":
                    i += 2
                    continue
                quote = ""
        elif c in "'\"" and (i == 0 or line[i - 1] in " \t[{,:-"):
            quote = c
        elif c == "#" and (i == 0 or line[i - 1] in " \t"):
            return i, line[i + 1 :].strip()
        i += 1
    return None


class YamlComments:
    """The comments of a YAML text, by line (0-based)."""

    def __init__(self, text: str) -> None:
        self.lines = text.splitlines()
        self.trailing = {i: c for i, line in enumerate(self.lines) if (c := trailing_comment(line))}
        self.comment_only = {i for i, line in enumerate(self.lines) if line.strip().startswith("#")}
        first = 0
        while first < len(self.lines) and (first in self.comment_only or not self.lines[first].strip()):
            first += 1
        self.preamble_end = first  # lines before this are the file's opening comments

    def preamble(self) -> str:
        """The comment block that opens the file."""
        return " ".join(
            self.lines[i].strip().lstrip("#").strip()
            for i in range(self.preamble_end)
            if i in self.comment_only
        ).strip()

    def _indent(self, i: int) -> int:
        line = self.lines[i]
        return len(line) - len(line.lstrip())

    def own(self, i: int) -> str:
        """The trailing comment of line ``i``, joined with a comma-ended one in the same column above/below."""
        if i in self.comment_only or i not in self.trailing:
            return ""
        col = self.trailing[i][0]

        def continues(j: int) -> bool:
            return (
                j in self.trailing
                and j not in self.comment_only
                and self.trailing[j][0] == col
                and self.trailing[j][1].endswith(",")
            )

        start = i
        while continues(start - 1):
            start -= 1
        stop = i
        while (
            continues(stop)
            and stop + 1 in self.trailing
            and stop + 1 not in self.comment_only
            and self.trailing[stop + 1][0] == col
        ):
            stop += 1
        return " ".join(self.trailing[j][1] for j in range(start, stop + 1)).strip()

    def heading(self, i: int, col: int, parent: int) -> str:
        """The comment block heading line ``i`` (column ``col``) within its parent (line ``parent``)."""
        j = i - 1
        while j > parent:
            line = self.lines[j]
            if not line.strip():
                return ""
            if j in self.comment_only and self._indent(j) <= col:
                if j < self.preamble_end:
                    return ""
                block = []
                while j > parent and j in self.comment_only and self._indent(j) <= col:
                    block.append(self.lines[j].strip().lstrip("#").strip())
                    j -= 1
                return " ".join(reversed(block)).strip()
            j -= 1
        return ""


def _positions(root: Any) -> dict[str, tuple[int, int]]:
    """Every node's ``(line, col)`` by the dotted path ``_flatten`` would give it (0-based)."""
    out: dict[str, tuple[int, int]] = {}

    def walk(node: Any, path: str) -> None:
        if isinstance(node, CommentedMap) and not is_distribution(node):
            for k in node:
                try:
                    pos = tuple(node.lc.key(k))
                except (KeyError, TypeError, AttributeError):
                    pos = (node.lc.line, node.lc.col)
                child = child_path(path, k)
                out[child] = pos  # type: ignore[assignment]
                walk(node[k], child)
        elif isinstance(node, CommentedSeq) and node and not all(_scalar(v) for v in node):
            for i, (label, item) in enumerate(zip(item_labels(list(node))[0], node)):
                try:
                    pos = tuple(node.lc.item(i))
                except (KeyError, TypeError, AttributeError):
                    pos = (node.lc.line, node.lc.col)
                out[child_path(path, label)] = pos  # type: ignore[assignment]
                walk(item, child_path(path, label))

    walk(root, "")
    return out


def plain_data(node: Any) -> Any:
    """ruamel.yaml's round-trip nodes as plain dicts, lists and scalars."""
    if isinstance(node, dict):
        return {str(k): plain_data(v) for k, v in node.items()}
    if isinstance(node, (list, tuple)):
        return [plain_data(v) for v in node]
    if isinstance(node, str):
        return str(node)
    return node


def scenario_parameters(text: str) -> tuple[list[ScenarioParameter], str]:
    """Every parameter written in a scenario (dotted path, value, source comment, line) and its preamble."""
    try:
        root = YAML(typ="rt").load(text)
    except YAMLError as exc:
        raise ReportError(f"scenario.yaml: cannot parse: {one_line(exc)}") from None
    comments = YamlComments(text)
    pos = _positions(root)

    def source(path: str) -> tuple[str, str]:
        line, col = pos.get(path, (-1, 0))
        chain = parent_paths(path)
        parent_line = pos[chain[0]][0] if chain and chain[0] in pos else -1
        if line >= 0:
            own = comments.own(line)
            if own:
                return own, path
            if line != parent_line:
                head = comments.heading(line, col, parent_line)
                if head:
                    return head, path
        if chain:
            return source(chain[0])
        return "", ""

    params = []
    for path, value in _flatten(plain_data(root)):
        text_src, owner = source(path)
        line = pos.get(path, (-1, 0))[0]
        own_line = owner == path or (owner in pos and pos[owner][0] == line)
        params.append(
            ScenarioParameter(
                path=path,
                value=format_value(value),
                source=text_src,
                line=line + 1,
                inherited_from="" if (not text_src or own_line) else owner,
            )
        )
    return params, comments.preamble()


def schema_defaults(scenario: Scenario, written: Iterable[str]) -> list[ScenarioParameter]:
    """Parameters the scenario leaves out and the schema fills in, with their default values."""
    written = set(written)
    dump = scenario.model_dump(mode="json", by_alias=True)
    out = []
    for path, value in _flatten(dump):
        if path in written or any(p in written for p in parent_paths(path)):
            continue
        out.append(
            ScenarioParameter(path=path, value=format_value(value), source="schema default", default=True)
        )
    return out
