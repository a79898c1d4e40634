"""The import graph of the project: no cycles, and arrows only point down the floors.

Imports are read with `ast` (nothing is executed), including imports inside functions
and under `TYPE_CHECKING`: a lazy import hides a circle, it does not remove it.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
FLOORS = ("safety", "rag", "eval", "ui")
"""Lowest first: a package may import only itself and the packages before it."""

Graph = dict[str, set[str]]


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(name: str, modules: set[str]) -> str | None:
    """The most specific known module `name` refers to ("rag.x.Y" -> "rag.x")."""
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name or None


def _imported(tree: ast.AST, module: str, is_package: bool, modules: set[str]) -> Iterator[str]:
    package = module if is_package else module.rpartition(".")[0]
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            names = [f"{base}.{alias.name}" for alias in node.names] or [base]
        else:
            continue
        for name in names:
            target = _resolve(name, modules)
            if target is not None and target != module:
                yield target


def import_graph(root: Path, packages: tuple[str, ...]) -> Graph:
    """module -> the project modules it imports, for every .py file of `packages`."""
    files = {
        _module_name(path, root): path
        for package in packages
        for path in sorted((root / package).rglob("*.py"))
    }
    modules = set(files)
    graph: Graph = {}
    for module, path in files.items():
        tree = ast.parse(path.read_text())
        graph[module] = set(_imported(tree, module, path.stem == "__init__", modules))
    return graph


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(sorted(graph[start])))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(graph.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
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


def upward_imports(graph: Graph, floors: tuple[str, ...]) -> list[str]:
    """ "a -> b" for every import of a package above a's own floor."""
    floor = {name: level for level, name in enumerate(floors)}
    return [
        f"{module} -> {target}"
        for module, targets in sorted(graph.items())
        for target in sorted(targets)
        if floor[target.split(".")[0]] > floor[module.split(".")[0]]
    ]


def test_the_project_has_no_import_cycle() -> None:
    assert cycles(import_graph(REPO, FLOORS)) == []


def test_imports_only_point_down_the_floors() -> None:
    assert upward_imports(import_graph(REPO, FLOORS), FLOORS) == []


def test_the_checks_find_a_cycle_and_an_upward_import(tmp_path: Path) -> None:
    files = {
        "safety/__init__.py": "",
        "safety/a.py": "from rag.b import thing\n",
        "rag/__init__.py": "from rag import b\n",
        "rag/b.py": "def f():\n    from . import c\n",
        "rag/c.py": "import rag.b\nimport os\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text)
    graph = import_graph(tmp_path, ("safety", "rag"))
    assert graph["rag"] == {"rag.b"} and graph["rag.c"] == {"rag.b"}
    assert cycles(graph) == [["rag.b", "rag.c"]]
    assert upward_imports(graph, ("safety", "rag")) == ["safety.a -> rag.b"]
