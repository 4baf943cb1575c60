"""The package's shape: no import circles, dependencies pointing down the layers only, and
no reaching into an engine's connection from outside ``lexradar.engine``.

The import graph is grimp's, and it counts every import — at module level, inside functions
and under ``TYPE_CHECKING`` — so a circle cannot hide behind a function-level import.
"""

from __future__ import annotations

import ast
from pathlib import Path

import grimp
import pytest

import lexradar

SRC = Path(lexradar.__file__).parent

#: Top to bottom; a package may import from its own layer's other packages only where the
#: pair is listed in SIDEWAYS, and from any layer below.
LAYERS: list[set[str]] = [
    {"cli", "web"},
    {"project"},
    {"reports", "studio"},
    {"clues", "migrations"},
    {"models"},
    {"linkage"},
    {"engine"},
    {"ingest", "synth", "documents"},
    {"datasets", "normalize"},
    {"settings", "yamlfile", "errors"},
]
SIDEWAYS = {
    ("cli", "web"),  # `lexradar serve` starts the web app
    ("migrations", "clues"),  # a migration builds the casebook's tables
    ("reports", "studio"),
    ("studio", "reports"),
    ("synth", "documents"),  # synthetic judgment documents are written by the extractor's rules
    ("ingest", "documents"),  # free-text judgment results are parsed by the extractor
    ("datasets", "normalize"),  # the contract names each field's value type
    ("normalize", "datasets"),
    ("settings", "errors"),
    ("yamlfile", "errors"),
}


@pytest.fixture(scope="module")
def graph() -> grimp.ImportGraph:
    return grimp.build_graph("lexradar")


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _layer(package: str) -> int | None:
    for i, layer in enumerate(LAYERS):
        if package in layer:
            return i
    return None


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = 0
    for root in sorted(graph.modules):
        if root in index:
            continue
        work = [(root, iter(sorted(graph.find_modules_directly_imported_by(root))))]
        index[root] = low[root] = counter
        counter += 1
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = counter
                    counter += 1
                    stack.append(child)
                    on_stack.add(child)
                    work.append(
                        (child, iter(sorted(graph.find_modules_directly_imported_by(child))))
                    )
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                parent = work[-1][0]
                low[parent] = min(low[parent], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    found.append(sorted(component))
    return found


def test_the_cycle_finder_finds_a_planted_cycle() -> None:
    planted = grimp.ImportGraph()
    for name in ("pkg", "pkg.a", "pkg.b", "pkg.c", "pkg.d"):
        planted.add_module(name)
    planted.add_import(importer="pkg.a", imported="pkg.b")
    planted.add_import(importer="pkg.b", imported="pkg.c")
    planted.add_import(importer="pkg.c", imported="pkg.a")
    planted.add_import(importer="pkg.d", imported="pkg.a")
    assert _cycles(planted) == [["pkg.a", "pkg.b", "pkg.c"]]


def test_no_import_circles(graph: grimp.ImportGraph) -> None:
    cycles = _cycles(graph)
    assert not cycles, "import circles:\n" + "\n".join(" ↔ ".join(c) for c in cycles)


def test_every_package_has_a_layer(graph: grimp.ImportGraph) -> None:
    packages = {_package(m) for m in graph.modules} - {""}
    assert {p for p in packages if _layer(p) is None} == set()


def test_imports_point_down_the_layers(graph: grimp.ImportGraph) -> None:
    wrong = []
    for module in sorted(graph.modules):
        here = _package(module)
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            there = _package(imported)
            if not here or not there or here == there:
                continue
            mine, theirs = _layer(here), _layer(there)
            assert mine is not None and theirs is not None
            if theirs < mine or (theirs == mine and (here, there) not in SIDEWAYS):
                wrong.append(f"{module} imports {imported}")
    assert not wrong, "imports that point up or sideways:\n" + "\n".join(wrong)


def test_no_engine_connection_outside_the_engine() -> None:
    """Algorithms use the engine's verbs; only ``lexradar.engine`` touches its connection."""
    offenders = []
    for path in sorted(SRC.rglob("*.py")):
        if path.is_relative_to(SRC / "engine"):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Attribute)
                and node.attr in ("con", "spark")
                and isinstance(node.value, (ast.Name, ast.Attribute))
                and "engine" in ast.unparse(node.value)
            ):
                offenders.append(f"{path.relative_to(SRC)}:{node.lineno}: {ast.unparse(node)}")
    assert not offenders, "\n".join(offenders)
