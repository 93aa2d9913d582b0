"""Pages the docs build writes before Sphinx reads its sources (none of them is in git).

* ``api/generated/*.rst``: one page per group of public names, each an
  ``autosummary`` list whose stubs Sphinx generates.  The names come from the
  modules' ``__all__`` at build time, so a new public name appears without
  editing the docs: a top-level name that no group below claims lands in the
  array API page (if the namespace exports it) or in "Other names".
* ``_generated/coverage.rst``: the table of ``nd.coverage()`` (guides/porting).
* ``_generated/ownership/*.png``: who owns what, drawn by
  ``numpy_dist.plotting.plot_array_distribution`` on 4 real MPI ranks
  (``_ext/ownership_pictures.py`` under ``mpiexec -n 4``).
"""

from __future__ import annotations

import importlib
import os
import subprocess
import sys
from pathlib import Path

import numpy_dist as nd
from numpy_dist import _namespace
from numpy_dist import plotting as _plotting

# Top-level groups: (page, title, names).  Order matters only for reading.
TOP_GROUPS = [
    ("arrays", "Arrays, layouts and contexts",
     ["DistArray", "Distribution", "Context", "make_grid_shape", "ownership_summary"]),
    ("creation", "Creation, gathering and redistribution",
     ["asarray", "scatter", "from_local", "from_distarray", "zeros", "ones", "empty", "full",
      "zeros_like", "ones_like", "empty_like", "full_like", "arange", "linspace", "logspace",
      "geomspace", "eye", "identity", "fromfunction", "asnumpy", "gather", "redistribute", "evaluate"]),
    ("safety", "Communication and collective safety",
     ["print0", "comm_stats", "reset_comm_stats", "get_comm", "agree", "agreed", "set_checks",
      "set_timeout", "CollectiveMismatchError"]),
    ("fallback", "NumPy coverage and the fallback policy",
     ["coverage", "set_fallback", "get_fallback", "FallbackWarning", "FallbackError"]),
    ("files", "Files (top-level names)",
     ["save", "load", "save_npy", "load_npy", "save_dnpy", "load_dnpy", "save_hdf5", "load_hdf5",
      "savetxt", "loadtxt", "genfromtxt", "open_memmap"]),
]

# Submodules with a page of their own: (module, title, intro).
SUBMODULES = [
    ("numpy_dist.random", "numpy_dist.random", "Random numbers independent of the rank count."),
    ("numpy_dist.linalg", "numpy_dist.linalg", "The array API ``linalg`` extension."),
    ("numpy_dist.fft", "numpy_dist.fft", "The array API ``fft`` extension."),
    ("numpy_dist.io", "numpy_dist.io", "Files: ``.npy``, ``.dnpy``, HDF5, text, memory maps."),
    ("numpy_dist.ma", "numpy_dist.ma", "Masked DistArrays."),
    ("numpy_dist.testing", "numpy_dist.testing", "Test helpers and the multi-rank test runner."),
    ("numpy_dist.client", "numpy_dist.client", "The notebook's global view (ipyparallel engines)."),
    ("numpy_dist.plotting", "numpy_dist.plotting", "Pictures of who owns what."),
    ("numpy_dist.special", "numpy_dist.special", "SciPy's special-function ufuncs, for the array API."),
]

# Module docstrings shown on a submodule's page (what the names alone do not say).
MODULE_TEXT = {
    "numpy_dist.special": ".. automodule:: numpy_dist.special\n   :no-members:\n\n",
}
# ... and after its names (an automodule changes the current module, so it comes last).
MODULE_TAIL = {
    "numpy_dist.testing": ("The multi-rank test runner\n"
                           "--------------------------\n\n"
                           "``python -m numpy_dist.testing [--nprocs 1,2,3,4] [--wide-nprocs 5,8] "
                           "[--timeout S] [pytest args]`` runs pytest under ``mpiexec -n N`` for each N "
                           "with collective verdicts (a test fails everywhere if it fails on one rank) "
                           "and a per-test timeout that aborts a hung job; options it does not know, "
                           "and everything after ``--``, go to pytest "
                           "(``python -m numpy_dist.testing --help``).\n\n"),
}

# Array API namespace sub-groups, by the module that defines each function.
NAMESPACE_SECTIONS = {
    "numpy_dist._namespace._creation": "Creation",
    "numpy_dist._namespace._elementwise": "Elementwise functions",
    "numpy_dist._namespace._statistical": "Statistics and reductions",
    "numpy_dist._namespace._manipulation": "Manipulation",
    "numpy_dist._namespace._sets_sorting": "Sets, sorting and searching",
    "numpy_dist._namespace._dtypes": "Data types",
    "numpy_dist._namespace._info": "Inspection",
}


def _title(text: str, char: str = "=") -> str:
    return f"{text}\n{char * len(text)}\n\n"


# Every name given a stub page in this build (stale stubs of removed names are deleted).
_STUBBED: set[str] = set()


def _autosummary(qualnames: list[str]) -> str:
    _STUBBED.update(qualnames)
    lines = [".. autosummary::", "   :toctree: stubs", ""]
    lines += [f"   {q}" for q in qualnames]
    return "\n".join(lines) + "\n\n"


def _is_documentable(obj) -> bool:
    """Functions, classes and modules get stub pages; constants go in a table."""
    return callable(obj) or isinstance(obj, type(nd))


def _public_names(mod) -> list[str]:
    names = getattr(mod, "__all__", None)
    if names is None:  # a module without __all__: what it defines itself
        names = [n for n, v in vars(mod).items() if not n.startswith("_")
                 and getattr(v, "__module__", None) == mod.__name__]
    return list(names)


def _describe(value) -> str:
    """A constant's value as a table cell: reproducible (no addresses) and short."""
    if isinstance(value, dict):
        return f"a dict of {len(value)}: " + ", ".join(f"``{k}``" for k in value)
    text = repr(value)
    if " at 0x" in text:
        return f"a ``{type(value).__name__}``"
    return f"``{text if len(text) <= 100 else text[:97] + '...'}``"


def _constants_table(prefix: str, mod, names: list[str]) -> str:
    if not names:
        return ""
    rows = [f"   * - ``{prefix}.{n}``\n     - {_describe(getattr(mod, n))}" for n in names]
    return (".. list-table::\n   :header-rows: 1\n\n   * - name\n     - value\n"
            + "\n".join(rows) + "\n\n")


def _names_page(prefix: str, mod, names: list[str]) -> str:
    funcs = [n for n in names if _is_documentable(getattr(mod, n))]
    consts = [n for n in names if n not in funcs]
    text = _autosummary([f"{prefix}.{n}" for n in funcs]) if funcs else ""
    if consts:
        text += _title("Constants", "-") + _constants_table(prefix, mod, consts)
    return text


def top_level_pages() -> dict[str, str]:
    public = list(nd.__all__)
    claimed = {n for _, _, names in TOP_GROUPS for n in names}
    submodules = {m.rsplit(".", 1)[1] for m, _, _ in SUBMODULES}
    pages = {}
    for page, title, names in TOP_GROUPS:
        present = [n for n in names if n in public]
        pages[page] = _title(title) + _names_page("numpy_dist", nd, present)
    namespace = [n for n in public if n not in claimed
                 and (n in _namespace.__all__ or n.startswith("__array_api"))]
    pages["namespace"] = _namespace_page(namespace)
    other = [n for n in public if n not in claimed and n not in namespace and n not in submodules]
    pages["other"] = _title("Other names") + (
        "Public names of ``numpy_dist`` not yet sorted into a group above.\n\n"
        + (_names_page("numpy_dist", nd, other) if other else "None.\n"))
    return pages


def _namespace_page(names: list[str]) -> str:
    text = _title("Array API namespace") + (
        "``numpy_dist`` is itself an array API standard namespace "
        f"(``__array_api_version__ = {nd.__array_api_version__!r}``): "
        "``d.__array_namespace__()`` returns this module.  These are the standard's names that the "
        "groups above do not already list (``asarray``, ``zeros``, ... are the creation functions); "
        "``numpy_dist.linalg`` and ``numpy_dist.fft`` are the standard's extensions.\n\n")
    by_section: dict[str, list[str]] = {}
    consts = []
    for n in names:
        obj = getattr(nd, n)
        if not _is_documentable(obj):
            consts.append(n)
            continue
        section = NAMESPACE_SECTIONS.get(getattr(obj, "__module__", ""), "Other namespace names")
        by_section.setdefault(section, []).append(n)
    order = list(NAMESPACE_SECTIONS.values()) + ["Other namespace names"]
    for section in order:
        if section in by_section:
            text += _title(section, "-") + _autosummary([f"numpy_dist.{n}" for n in by_section[section]])
    text += _title("Constants and dtypes", "-") + _constants_table("numpy_dist", nd, consts)
    return text


def _module(modname: str):
    """``numpy_dist.linalg`` is an attribute (the namespace's extension), not an importable module."""
    try:
        return importlib.import_module(modname)
    except ModuleNotFoundError:
        parent, _, name = modname.rpartition(".")
        return getattr(importlib.import_module(parent), name)


def submodule_pages() -> dict[str, str]:
    pages = {}
    for modname, title, intro in SUBMODULES:
        mod = _module(modname)
        names = [n for n in _public_names(mod) if hasattr(mod, n)]
        body = MODULE_TEXT.get(modname, "")
        pages[modname.rsplit(".", 1)[1] + "_module"] = (
            _title(title) + f"{intro}\n\n" + body
            + _names_page(modname, mod, names) + MODULE_TAIL.get(modname, ""))
    return pages


def write_if_changed(path: Path, text: str) -> None:
    """Unchanged pages keep their mtime, so an incremental build stays incremental."""
    if not path.exists() or path.read_text() != text:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def write_api_pages(docs: Path) -> None:
    out = docs / "api" / "generated"
    for name, text in {**top_level_pages(), **submodule_pages()}.items():
        write_if_changed(out / f"{name}.rst", text)
    # A name removed from __all__ would leave its old stub behind, a page in no toctree (a warning).
    for stub in (out / "stubs").glob("*.rst"):
        if stub.stem not in _STUBBED:
            stub.unlink()


def write_coverage_table(docs: Path) -> None:
    cov = nd.coverage()
    native, fallback = cov["native"], cov["fallback"]
    groups: dict[str, list[str]] = {}
    for q in native:
        parts = q.split(".")
        family = ".".join(parts[:2]) if len(parts) > 2 and not _is_ufunc_method(parts) else "numpy"
        groups.setdefault(family, []).append(q)
    text = (f"``nd.coverage()`` on this build: **{len(native)}** names run natively, "
            f"**{len(fallback)}** take the fallback.\n\n")
    text += ".. list-table:: Native names by NumPy module\n   :header-rows: 1\n   :widths: 20 10 70\n\n"
    text += "   * - module\n     - count\n     - names\n"
    for family in sorted(groups):
        names = ", ".join(f"``{q.split('.', 1)[1]}``" for q in groups[family])
        text += f"   * - ``{family}``\n     - {len(groups[family])}\n     - {names}\n"
    text += "\n.. list-table:: Names that fall back (gather, NumPy, distribute)\n   :header-rows: 1\n\n"
    text += "   * - name\n"
    text += "".join(f"   * - ``{q}``\n" for q in fallback) if fallback else "   * - (none)\n"
    write_if_changed(docs / "_generated" / "coverage.rst", text + "\n")


def _is_ufunc_method(parts: list[str]) -> bool:
    import numpy as np
    return len(parts) == 3 and isinstance(getattr(np, parts[1], None), np.ufunc)


def write_ownership_pictures(docs: Path) -> None:
    """Run the drawing script on 4 ranks unless its pictures are newer than it and plotting.py."""
    script = docs / "_ext" / "ownership_pictures.py"
    out = docs / "_generated" / "ownership"
    stamp = out / ".done"
    sources = [script, Path(_plotting.__file__)]
    if stamp.exists() and all(stamp.stat().st_mtime >= s.stat().st_mtime for s in sources):
        return
    out.mkdir(parents=True, exist_ok=True)
    mpiexec = Path(sys.executable).parent / "mpiexec"
    cmd = [str(mpiexec) if mpiexec.exists() else "mpiexec", "-n", "4", sys.executable, str(script), str(out)]
    env = dict(os.environ, MPLBACKEND="Agg")
    subprocess.run(cmd, check=True, env=env, timeout=300)
    stamp.touch()


def generate(docs: Path) -> None:
    write_api_pages(docs)
    write_coverage_table(docs)
    write_ownership_pictures(docs)
