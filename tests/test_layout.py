"""The shape of the code a newcomer reads: layers without cycles, small modules, short functions.

import-linter (`lint-imports`, run by `make test`) checks the layers of DESIGN.md; these tests check what
it does not: no import cycle at all among labkit's modules (imports inside functions and under
TYPE_CHECKING count too), and the size limits.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

LABKIT = Path(__file__).resolve().parent.parent / "labkit"
MAX_TOP_LEVEL = 18
MAX_MODULE_LINES = 600
MAX_FUNCTION_LINES = 60
TABLES: dict[str, str] = {
    # "module:function": why it may be longer (a table reads better whole)
}


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted(LABKIT.rglob("*.py")):
        parts = path.relative_to(LABKIT.parent).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


MODULES = _modules()


def _imported(name: str, path: Path) -> Iterator[str]:
    """Every labkit module ``name`` imports, wherever the import statement stands."""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import submodule` imports the submodule; `from module import name`, the module
            submodules = [f"{base}.{alias.name}" for alias in node.names if f"{base}.{alias.name}" in MODULES]
            targets = submodules if len(submodules) == len(node.names) else [base, *submodules]
        else:
            continue
        for target in targets:
            if target in MODULES and target != name:
                yield target


def _graph() -> dict[str, set[str]]:
    return {name: set(_imported(name, path)) for name, path in MODULES.items()}


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iteratively)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
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
                    work.append((child, iter(sorted(graph[child]))))
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


def test_the_cycle_finder_finds_a_cycle():
    """The check below can fail: a two-module circle and a three-module circle are both found."""
    graph = {"a": {"b"}, "b": {"a"}, "c": {"d"}, "d": {"e"}, "e": {"c"}, "f": {"a"}}
    assert sorted(_cycles(graph)) == [["a", "b"], ["c", "d", "e"]]


def test_no_import_cycles():
    """No labkit module reaches itself through imports, at any depth, lazy imports included."""
    assert _cycles(_graph()) == []


def test_imports_inside_functions_count():
    """The scan sees an import inside a function and one under TYPE_CHECKING."""
    graph = _graph()
    assert "labkit.trace.frame" in graph["labkit.trace.events"]  # Trace.to_frame imports it lazily
    assert "labkit.trace.fastread" in graph["labkit.trace.read"]


def test_top_level_is_small():
    entries = sorted(p.name for p in LABKIT.iterdir() if p.name != "__pycache__")
    assert len(entries) <= MAX_TOP_LEVEL, entries


@pytest.mark.parametrize("name", sorted(MODULES))
def test_module_size(name):
    lines = MODULES[name].read_text(encoding="utf-8").count("\n")
    assert lines <= MAX_MODULE_LINES, f"{MODULES[name]} has {lines} lines"


def test_function_size():
    long = []
    for name, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                length = (node.end_lineno or node.lineno) - node.lineno + 1
                if length > MAX_FUNCTION_LINES and f"{name}:{node.name}" not in TABLES:
                    long.append(f"{name}:{node.name} ({length} lines)")
    assert long == []


def test_typed_package():
    """labkit ships py.typed, so mypy checks the code of people who import it."""
    assert (LABKIT / "py.typed").is_file()


def test_layers_contract_holds():
    """import-linter's contracts (pyproject.toml) are kept: what `make test` also runs."""
    lint = Path(sys.executable).with_name("lint-imports")
    if not lint.exists():
        pytest.skip("lint-imports is not installed in this environment (pip install -e '.[dev]')")
    done = subprocess.run([str(lint)], capture_output=True, text=True, cwd=LABKIT.parent, check=False)
    assert done.returncode == 0, done.stdout[-3000:]
