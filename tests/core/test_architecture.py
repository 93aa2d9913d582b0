"""The package's shape, checked: no import cycles, no upward imports hidden in functions, short modules.

The layer order itself is checked by ``lint-imports`` (the contract in pyproject.toml, run by
scripts/test.sh); these checks cover what a layers contract cannot see.  They read the source
with ``ast`` (no MPI involved), so every rank reaches the same verdict.
"""

from __future__ import annotations

import ast
import pathlib

import pytest

import numpy_dist

PACKAGE_DIR = pathlib.Path(numpy_dist.__file__).parent
MAX_MODULE_LINES = 800
# Imports that may stay inside a function: optional third-party dependencies only (none of ours).
OPTIONAL_DEPENDENCIES = {"matplotlib", "h5py", "scipy", "pandas", "xarray", "sklearn", "ipyparallel",
                         "numpy.testing.overrides", "array_api_compat", "array_api_strict"}


def _module_name(path: pathlib.Path) -> str:
    parts = list(path.relative_to(PACKAGE_DIR.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted(PACKAGE_DIR.rglob("*.py"))}


def _imported(module: str, node: ast.Import | ast.ImportFrom) -> list[str]:
    """The numpy_dist modules an import statement names (``from . import x`` names module x)."""
    if isinstance(node, ast.Import):
        names = [a.name for a in node.names]
    else:
        if node.level:
            package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
            for _ in range(node.level - 1):
                package = package.rpartition(".")[0]
            base = package + ("." + node.module if node.module else "")
        else:
            base = node.module or ""
        names = [f"{base}.{a.name}" if f"{base}.{a.name}" in MODULES else base for a in node.names]
    found = []
    for name in names:
        while name and name not in MODULES and "." in name:
            name = name.rpartition(".")[0]
        if name in MODULES and name != module:
            found.append(name)
    return found


def _imports() -> tuple[dict[str, set[str]], list[tuple[str, int, str]]]:
    """Every module's numpy_dist imports (anywhere in the file), and those made inside functions."""
    graph: dict[str, set[str]] = {m: set() for m in MODULES}
    in_functions = []

    def visit(module: str, node: ast.AST, in_function: bool) -> None:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.Import, ast.ImportFrom)):
                targets = _imported(module, child)
                graph[module].update(targets)
                if in_function and targets:
                    in_functions.extend((module, child.lineno, t) for t in targets)
            visit(module, child, in_function or isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)))

    for module, path in MODULES.items():
        visit(module, ast.parse(path.read_text(), str(path)), False)
    return graph, in_functions


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found = []
    for root in graph:
        if root in index:
            continue
        work = [(root, iter(sorted(graph[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, successors = work[-1]
            for nxt in successors:
                if nxt not in index:
                    index[nxt] = low[nxt] = len(index)
                    stack.append(nxt)
                    on_stack.add(nxt)
                    work.append((nxt, iter(sorted(graph[nxt]))))
                    break
                if nxt in on_stack:
                    low[node] = min(low[node], index[nxt])
            else:
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


GRAPH, IN_FUNCTIONS = _imports()


def test_no_import_cycles():
    assert _cycles(GRAPH) == []


def test_cycle_finder_sees_a_cycle():
    assert _cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]


def test_no_numpy_dist_imports_inside_functions():
    assert IN_FUNCTIONS == [], "imports inside functions are for optional dependencies only"


def code_lines(source: str) -> int:
    """Lines of ``source`` outside docstrings: documentation does not make a module long by subject."""
    tree = ast.parse(source)
    documented = [tree] + [n for n in ast.walk(tree)
                           if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))]
    doc_lines = 0
    for node in documented:
        first = node.body[0] if node.body else None
        if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and isinstance(first.value.value, str):
            doc_lines += first.end_lineno - first.lineno + 1
    return source.count("\n") - doc_lines


def test_code_lines_leave_out_docstrings_only():
    documented = 'def f():\n    """Doc.\n\n    More.\n    """\n    return 1\n'
    assert code_lines(documented) == 2
    assigned = 'x = 1\ny = """\nnot a docstring\n"""\n'
    assert code_lines(assigned) == 4


@pytest.mark.parametrize("module", sorted(MODULES))
def test_module_length(module):
    lines = code_lines(MODULES[module].read_text())
    assert lines <= MAX_MODULE_LINES, f"{module} has {lines} lines of code: split it by subject"


# mpi4py communicator and datatype methods that move data or build MPI types.
MPI_CALLS = {"Alltoallv", "Alltoallw", "Alltoall", "Allgatherv", "Allgather", "Allreduce", "Reduce", "Bcast",
             "Gatherv", "Scatterv", "Sendrecv", "Send", "Recv", "Isend", "Irecv", "Exscan", "Scan", "Barrier",
             "alltoall", "allgather", "allreduce", "bcast", "gather", "scatter", "sendrecv", "send", "recv",
             "Create_subarray", "Create_contiguous", "Create_struct", "Create_vector", "Create_indexed_block"}
# Programs and harnesses that use MPI the way a user's program does.
MPI_USERS = ("numpy_dist.comm", "numpy_dist.mpiio", "numpy_dist.demo", "numpy_dist.benchmarks", "numpy_dist.testing")


def _mpi_calls(path: pathlib.Path) -> list[str]:
    return [f"{path.name}:{node.lineno} {node.func.attr}" for node in ast.walk(ast.parse(path.read_text()))
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
            and (node.func.attr in MPI_CALLS or node.func.attr.startswith("Create_"))
            and ast.unparse(node.func.value) not in ("_comm", "_mpiio")]  # numpy_dist.comm's own wrappers


def test_only_comm_talks_to_mpi():
    """Messages and MPI datatypes go through numpy_dist.comm (counted, watched); nothing else calls mpi4py."""
    offenders = {m: _mpi_calls(p) for m, p in MODULES.items() if not m.startswith(MPI_USERS)}
    assert {m: c for m, c in offenders.items() if c} == {}


def test_layout_is_built_through_public_constructors():
    private = [m for m, p in MODULES.items() if m != "numpy_dist.distribution" and "._from_maps(" in p.read_text()]
    assert private == []


def test_readme_lists_every_setting():
    from numpy_dist._config import SETTINGS

    readme = (PACKAGE_DIR.parent / "README.md").read_text()
    assert [s.name for s in SETTINGS if f"| `{s.name}` |" not in readme] == []
    read_elsewhere = [m for m, p in MODULES.items() if m != "numpy_dist._config" and not m.startswith(MPI_USERS)
                      and ("os.environ" in p.read_text() or "getenv(" in p.read_text())]
    assert read_elsewhere == [], "environment settings are read in numpy_dist/_config.py only"


def test_no_private_names_imported_across_modules():
    """A name another module needs is public in its home module (package-private modules are fine)."""
    private = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and (node.level or (node.module or "").startswith("numpy_dist")):
                targets = _imported(module, node)
                for alias in node.names:
                    is_module = any(t.endswith("." + alias.name) for t in targets)
                    if alias.name.startswith("_") and not alias.name.startswith("__") and not is_module:
                        private.append(f"{module}: {alias.name}")
    assert private == []
