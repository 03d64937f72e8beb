"""The shape of the code: no import cycles, an engine free of HTTP code, modules of a readable
size. Read from the source with `ast`, without importing anything."""

from __future__ import annotations

import ast
import functools
from pathlib import Path

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "docload"
MAX_LINES = 420
# What the engine (docload.imports) must not import: HTTP code and the dialects built on it.
ENGINE_FORBIDDEN = ("rest_framework", "drf_spectacular", "docload.dialects", "docload.api")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@functools.cache
def _modules() -> dict[str, Path]:
    """Every module of docload, by dotted name."""
    return {_module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def _imported(module: str, path: Path) -> set[str]:
    """Every name `module` imports, anywhere in it (also inside functions and `if` blocks),
    absolute; `from a import b` counts as an import of `a.b` when that is a module, else of `a`.
    """
    is_package = path.name == "__init__.py"
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                package = module.split(".")
                if not is_package:
                    package.pop()
                package = package[: len(package) - (node.level - 1)]
                base = ".".join([*package, base] if base else package)
            for alias in node.names:
                submodule = f"{base}.{alias.name}"
                names.add(submodule if submodule in _modules() else base)
    return names


@functools.cache
def _graph() -> dict[str, set[str]]:
    """docload module -> the docload modules it imports."""
    modules = _modules()
    return {
        name: {target for target in _imported(name, path) if target in modules} - {name}
        for name, path in modules.items()
    }


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """One cycle, as a path a -> ... -> a, per strongly connected component with a cycle
    (Tarjan's algorithm, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[set[str]] = []
    for root in sorted(graph):
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(sorted(graph[successor]))))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
                if low[node] == index[node]:
                    component = set()
                    while True:
                        member = stack.pop()
                        on_stack.discard(member)
                        component.add(member)
                        if member == node:
                            break
                    if len(component) > 1:
                        components.append(component)
    return [_cycle_in(graph, component) for component in components]


def _cycle_in(graph: dict[str, set[str]], component: set[str]) -> list[str]:
    """A shortest cycle through the component's first module, staying within the component."""
    start = min(component)
    paths = {start: [start]}
    frontier = [start]
    while frontier:
        following = []
        for node in frontier:
            for successor in sorted(graph[node] & component):
                if successor == start:
                    return [*paths[node], start]
                if successor not in paths:
                    paths[successor] = [*paths[node], successor]
                    following.append(successor)
        frontier = following
    raise AssertionError(f"no cycle in {component}")  # a component of two or more has one


def test_cycles_are_found_and_named() -> None:
    graph = {"a": {"b"}, "b": {"c"}, "c": {"a", "d"}, "d": set()}
    assert _cycles(graph) == [["a", "b", "c", "a"]]
    assert _cycles({"a": {"b"}, "b": set()}) == []


def test_relative_imports_resolve_to_modules() -> None:
    assert "docload.imports.errors" in _graph()["docload.imports.columns"]
    assert _graph()["docload.imports.writer"] >= {
        "docload.imports.batch",
        "docload.imports.committing",
    }


def test_no_import_cycles_among_docload_modules() -> None:
    cycles = [" -> ".join(cycle) for cycle in _cycles(_graph())]
    assert not cycles, "import cycles:\n" + "\n".join(cycles)


def _in_engine(name: str) -> bool:
    if not (name == "docload.imports" or name.startswith("docload.imports.")):
        return False
    return name != "docload.imports.admin" and not name.startswith("docload.imports.management")


def test_the_engine_imports_no_http_code() -> None:
    offenders = sorted(
        f"{name} imports {target}"
        for name, path in _modules().items()
        if _in_engine(name)
        for target in _imported(name, path)
        if any(target == banned or target.startswith(f"{banned}.") for banned in ENGINE_FORBIDDEN)
    )
    assert not offenders, "the engine imports HTTP code:\n" + "\n".join(offenders)


def test_no_module_is_longer_than_the_limit() -> None:
    lengths = {
        path.relative_to(SRC.parent): len(path.read_text().splitlines())
        for path in _modules().values()
        if "migrations" not in path.relative_to(PACKAGE).parts
    }
    offenders = sorted(
        f"{path}: {lines} lines" for path, lines in lengths.items() if lines > MAX_LINES
    )
    assert not offenders, f"modules over {MAX_LINES} lines:\n" + "\n".join(offenders)
