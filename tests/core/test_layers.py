"""incsim's module import graph has no cycles, imports inside functions counted; the layer
contracts hold; the tests import only public names.

The graph is grimp's (the one ``lint-imports`` checks the layer contracts in ``pyproject.toml``
against): every ``import`` in a module, at its top, inside a function or under ``TYPE_CHECKING``.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

PACKAGE = "incsim"
ROOT = Path(__file__).resolve().parents[2]

CYCLES_ALLOWED_INSIDE: tuple[str, ...] = ()
"""Packages whose internal cycles would not be failures: none (the model's mechanisms are declared
where they live and collected by ``model/catalogue.py``, so ``model/`` has no cycle either)."""


def components(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (or a module importing itself),
    each sorted, in sorted order: every module of one lies on a cycle with the others."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    # Tarjan's algorithm, iterative (a deep import chain must not hit the recursion limit)
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.find_modules_directly_imported_by(child)))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                comp = []
                while True:
                    m = stack.pop()
                    on_stack.discard(m)
                    comp.append(m)
                    if m == node:
                        break
                if len(comp) > 1 or graph.direct_import_exists(importer=node, imported=node):
                    found.append(sorted(comp))
    return sorted(found)


def shortest_cycle(graph: grimp.ImportGraph, component: list[str]) -> list[str]:
    """A shortest cycle through the component's first module, as modules from it back to it."""
    start = component[0]
    best: tuple[str, ...] | None = None
    for nxt in sorted(graph.find_modules_directly_imported_by(start)):
        if nxt not in component:
            continue
        chain = (start,) if nxt == start else graph.find_shortest_chain(importer=nxt, imported=start)
        if chain is not None and (best is None or len(chain) < len(best)):
            best = chain
    assert best is not None
    return [start, *best] if best != (start,) else [start, start]


def describe(graph: grimp.ImportGraph, cycle: list[str]) -> str:
    """A cycle in words, each step with the line that imports: ``a (L3) -> b (L9) -> a``."""
    steps = []
    for a, b in zip(cycle, cycle[1:]):
        lines = sorted(d["line_number"] for d in graph.get_import_details(importer=a, imported=b))
        steps.append(f"{a} (line {', '.join(map(str, lines))})")
    return " -> ".join([*steps, cycle[-1]])


def cycle_report(graph: grimp.ImportGraph, allowed_inside: tuple[str, ...] = ()) -> list[str]:
    """Every import cycle of the graph named by one of its shortest loops, except those whose
    modules all lie inside one of ``allowed_inside``."""

    def inside(module: str, package: str) -> bool:
        return module == package or module.startswith(package + ".")

    out = []
    for comp in components(graph):
        if any(all(inside(m, p) for m in comp) for p in allowed_inside):
            continue
        out.append(describe(graph, shortest_cycle(graph, comp)) + f"  [{len(comp)} modules in the knot]")
    return out


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph(PACKAGE, cache_dir=None)


def test_incsim_has_no_import_cycle(graph):
    assert len(graph.modules) > 100  # the whole package was read, not an empty stub
    cycles = cycle_report(graph, CYCLES_ALLOWED_INSIDE)
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def test_the_layer_contracts_are_kept(capsys):
    from importlinter.cli import lint_imports

    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True, no_logo=True)
    out = capsys.readouterr().out
    assert "Contracts:" in out and " broken" in out, out  # the contracts were read and checked
    assert code == 0, out


def test_a_cycle_through_a_lazy_import_is_found_and_named():
    g = grimp.ImportGraph()
    for m in ("p", "p.engine", "p.aar", "p.counterfactual", "p.feed", "p.model", "p.model.a", "p.model.b"):
        g.add_module(m)
    g.add_import(importer="p.engine", imported="p.feed", line_number=3, line_contents="import p.feed")
    g.add_import(importer="p.aar", imported="p.counterfactual", line_number=5, line_contents="x")
    g.add_import(importer="p.counterfactual", imported="p.engine", line_number=8, line_contents="x")
    # the import inside a function, far down the file, closes the circle
    g.add_import(importer="p.engine", imported="p.aar", line_number=759, line_contents="x")
    g.add_import(importer="p.model.a", imported="p.model.b", line_number=1, line_contents="x")
    g.add_import(importer="p.model.b", imported="p.model.a", line_number=2, line_contents="x")
    assert components(g) == [["p.aar", "p.counterfactual", "p.engine"], ["p.model.a", "p.model.b"]]
    assert cycle_report(g, ("p.model",)) == [
        "p.aar (line 5) -> p.counterfactual (line 8) -> p.engine (line 759) -> p.aar  [3 modules in the knot]"
    ]
    assert len(cycle_report(g)) == 2  # nothing allowed: the package-internal cycle fails too
    assert cycle_report(g, ("p.mod",)) != cycle_report(g, ("p.model",))  # a prefix is not a package


def test_a_module_importing_itself_is_a_cycle():
    g = grimp.ImportGraph()
    g.add_module("p")
    g.add_module("p.a")
    g.add_import(importer="p.a", imported="p.a", line_number=4, line_contents="from p import a")
    assert cycle_report(g) == ["p.a (line 4) -> p.a  [1 modules in the knot]"]


GUARDED = ("incsim", "textual")
"""Packages whose private names (``_name``, or a module ``_name``) the tests may not import."""


def private_imports(source: str, guarded: tuple[str, ...] = GUARDED) -> list[tuple[int, str]]:
    """(line, dotted name) of every import in ``source`` of a private name or module of a guarded
    package, at the top of the file or inside a function."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            parts = node.module.split(".")
            if parts[0] not in guarded:
                continue
            private_module = any(p.startswith("_") for p in parts)
            found += [
                (node.lineno, f"{node.module}.{a.name}")
                for a in node.names
                if private_module or a.name.startswith("_")
            ]
        elif isinstance(node, ast.Import):
            for a in node.names:
                parts = a.name.split(".")
                if parts[0] in guarded and any(p.startswith("_") for p in parts):
                    found.append((node.lineno, a.name))
    return sorted(found)


def test_the_tests_import_no_private_name_of_incsim_or_textual():
    tests = Path(__file__).resolve().parents[1]
    files = sorted(tests.rglob("*.py"))
    assert len(files) > 50  # the whole suite was read
    found = [
        f"{path.relative_to(tests.parent)}:{line}: {name}"
        for path in files
        for line, name in private_imports(path.read_text(encoding="utf-8"))
    ]
    assert not found, "private imports in tests (use the public API, or make the name public):\n" + "\n".join(
        found
    )


def test_private_imports_are_found_at_the_top_and_inside_functions():
    source = (
        "from incsim.pilot import Baseline, _smallest\n"
        "import textual._compositor\n"
        "from textual.keys import _character_to_key as key\n"
        "from textual._xterm_parser import XTermParser\n"
        "from incsim.model.events import Kind\n"
        "from other._private import _thing\n"
        "from ._local import _helper\n"
        "def f():\n"
        "    from incsim.report.description import _words\n"
        "    import incsim.model.streams\n"
    )
    assert private_imports(source) == [
        (1, "incsim.pilot._smallest"),
        (2, "textual._compositor"),
        (3, "textual.keys._character_to_key"),
        (4, "textual._xterm_parser.XTermParser"),
        (9, "incsim.report.description._words"),
    ]


def imports_of_test_modules(source: str) -> list[tuple[int, str]]:
    """(line, module) of every import in ``source`` of a test module (``test_*``), at the top of the
    file or inside a function: what tests share lives in the ``*_helpers`` modules."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.ImportFrom) and node.module:
            names = [node.module]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        else:
            continue
        found += [(node.lineno, n) for n in names if n.split(".")[-1].startswith("test_")]
    return sorted(found)


def test_no_test_file_imports_another():
    tests = Path(__file__).resolve().parents[1]
    found = [
        f"{path.relative_to(tests.parent)}:{line}: {name}"
        for path in sorted(tests.rglob("*.py"))
        for line, name in imports_of_test_modules(path.read_text(encoding="utf-8"))
    ]
    assert not found, "tests importing a test module (move what they share to a helper):\n" + "\n".join(found)


def test_imports_of_test_modules_are_found_inside_functions_too():
    source = (
        "import test_a\nfrom helpers import x\ndef f():\n    from test_b import y\n    import pkg.test_c\n"
    )
    assert imports_of_test_modules(source) == [(1, "test_a"), (4, "test_b"), (5, "pkg.test_c")]
