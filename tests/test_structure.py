"""The package's shape, read from its code: packages by stage, imports only downward.

The order of the layers is the one written in docs/architecture.md (the ``layers`` block,
top to bottom); every import of every module, including those inside functions, is checked
against it. Imports under ``if TYPE_CHECKING:`` are only annotations and are not counted.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGE = ROOT / "src" / "needs_analysis"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
MAX_MODULE_LINES = 400
MAX_FUNCTION_LINES = 60


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(path): path for path in sorted(PACKAGE.rglob("*.py"))}


def layer_of(module: str) -> str:
    """The package (or top-level module) a module belongs to; the root is its own layer."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "needs_analysis"


def written_layers(text: str) -> list[list[str]]:
    """The layers block of architecture.md: one layer a line, top first."""
    block = re.search(r"```layers\n(.*?)```", text, re.S)
    assert block, "docs/architecture.md has no ```layers block"
    return [line.split() for line in block.group(1).splitlines() if line.strip()]


def _type_checking_nodes(tree: ast.AST) -> set[int]:
    return {
        id(node)
        for branch in ast.walk(tree)
        if isinstance(branch, ast.If) and "TYPE_CHECKING" in ast.unparse(branch.test)
        for node in ast.walk(branch)
    }


def imports_of(module: str) -> set[str]:
    """The package's modules that ``module`` imports (the module itself for a name)."""
    path = MODULES[module]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped = _type_checking_nodes(tree)
    package = module if path.name == "__init__.py" else module.rsplit(".", 1)[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join(anchor + ([base] if base else []))
            for alias in node.names:
                full = f"{base}.{alias.name}"
                found.add(full if full in MODULES else base)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name in MODULES and name != module}


GRAPH = {module: imports_of(module) for module in MODULES}


def circles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected groups of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in graph:
        if node not in index:
            visit(node)
    return found


def test_no_import_circles():
    assert circles(GRAPH) == []


def test_circles_are_found():
    assert circles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_every_package_and_top_level_module_has_its_layer():
    layers = [name for line in written_layers(ARCHITECTURE.read_text()) for name in line]
    assert len(layers) == len(set(layers)), "a layer is written twice"
    assert {layer_of(m) for m in MODULES} - {"__main__"} == set(layers)


def violations(graph: dict[str, set[str]], layers: list[list[str]]) -> list[str]:
    """The imports that do not run downward: each ``a -> b`` where b's layer is not below
    a's (a package may import its own modules)."""
    rank = {name: level for level, line in enumerate(layers) for name in line}
    wrong = []
    for module, targets in graph.items():
        source = layer_of(module)
        if source == "__main__":
            continue
        for target in sorted(targets):
            destination = layer_of(target)
            if destination != source and rank[destination] <= rank[source]:
                wrong.append(f"{module} -> {target}")
    return wrong


def test_imports_run_only_downward():
    assert violations(GRAPH, written_layers(ARCHITECTURE.read_text())) == []


def test_an_upward_import_is_found():
    graph = {"needs_analysis.text.x": {"needs_analysis.report.y"}, "needs_analysis.report.y": set()}
    assert violations(graph, [["report"], ["text"]]) == [
        "needs_analysis.text.x -> needs_analysis.report.y"
    ]


@pytest.mark.parametrize("module", sorted(MODULES))
def test_modules_and_functions_stay_small(module):
    text = MODULES[module].read_text(encoding="utf-8")
    assert text.count("\n") <= MAX_MODULE_LINES
    long = [
        f"{node.name} ({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]
    assert long == []


def test_package_faces_name_what_they_export():
    for path in sorted(PACKAGE.glob("*/__init__.py")):
        module = module_name(path)
        face = __import__(module, fromlist=["__all__"])
        exported = getattr(face, "__all__", None)
        assert exported, f"{module} names no public functions in __all__"
        assert all(hasattr(face, name) for name in exported), module


def test_no_module_shadows_the_standard_library():
    import sys

    names = {path.stem for path in MODULES.values() if not path.stem.startswith("__")}
    assert names & set(sys.stdlib_module_names) == set()


def test_the_stopwatch_times_each_stage_from_the_end_of_the_last():
    import time

    from needs_analysis.progress import Stopwatch

    watch = Stopwatch()
    time.sleep(0.05)
    first = watch.lap("一つ目")
    second = watch.lap("二つ目")
    assert first >= 0.05 and 0 <= second < first
    assert list(watch.timings) == ["一つ目", "二つ目"]
    assert watch.elapsed() >= first + second
