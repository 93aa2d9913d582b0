"""Every public name of numpy_dist's user-facing modules has a complete numpydoc docstring.

numpydoc's validator checks each name: a docstring (GL08), every parameter
documented and none invented (PR01, PR02), a Returns section when the code
returns a value (RT01), and an Examples section (EX01).  The examples
themselves run as doctests (``--doctest-modules``) at several rank counts.

One test per module, so a module's missing documentation shows as that
module's failure.  Metadata only: run at one rank.
"""

from __future__ import annotations

import importlib
import inspect
import types

import pytest
from mpi4py import MPI

numpydoc_validate = pytest.importorskip("numpydoc.validate")

pytestmark = pytest.mark.skipif(MPI.COMM_WORLD.Get_size() > 1,
                                reason="docstring metadata is the same at every rank count")

#: The checks asked of every public function, method and class.
REQUIRED = ("GL08", "PR01", "PR02", "RT01", "EX01")

#: The documented user-facing namespaces, by dotted name.  The top level is split by where a name
#: is defined: the array API namespace functions (numpy_dist._namespace) are one group of their own.
MODULES = ("numpy_dist:core", "numpy_dist:array-api", "numpy_dist.DistArray", "numpy_dist.Distribution",
           "numpy_dist.Context", "numpy_dist.io", "numpy_dist.testing", "numpy_dist.plotting",
           "numpy_dist.random", "numpy_dist.linalg", "numpy_dist.fft", "numpy_dist.client", "numpy_dist.ma")


def _resolve(dotted: str) -> object:
    """The module or class named by ``dotted``."""
    head, _, attr = dotted.rpartition(".")
    if head and not attr[:1].islower():  # numpy_dist.DistArray: a class of a module
        return getattr(importlib.import_module(head), attr)
    return importlib.import_module(dotted)


def _documented(obj: object) -> bool:
    """Whether ``obj`` is a thing that carries its own docstring (not a constant or a module)."""
    if isinstance(obj, (property, types.FunctionType, types.BuiltinFunctionType, type,
                        classmethod, staticmethod, types.MethodType)):
        return True
    return callable(obj) and not isinstance(obj, types.ModuleType)


def _group(value: object) -> str:
    """``'array-api'`` for what numpy_dist._namespace defines, else ``'core'``."""
    return "array-api" if (getattr(value, "__module__", None) or "").startswith("numpy_dist._namespace") else "core"


def public_names(module: str) -> list[str]:
    """The dotted names of the documented public members of ``module`` (``'name:group'`` for a part)."""
    dotted, _, group = module.partition(":")
    owner = _resolve(dotted)
    if isinstance(owner, type):
        members = {n: v for n, v in vars(owner).items() if not n.startswith("_")}
    else:
        names = getattr(owner, "__all__", None) or [n for n in dir(owner) if not n.startswith("_")]
        members = {n: getattr(owner, n) for n in names if not n.startswith("_") and hasattr(owner, n)}
        # names a module imports for its own use (typing.Any, __future__ features) are not its API
        members = {n: v for n, v in members.items()
                   if (getattr(v, "__module__", None) or "numpy_dist").startswith("numpy_dist")}
        if group:
            members = {n: v for n, v in members.items() if _group(v) == group}
    return [f"{dotted}.{n}" for n, v in sorted(members.items()) if _documented(v)]


def problems(name: str) -> list[str]:
    """The REQUIRED numpydoc checks ``name`` fails, as ``'CODE message'`` lines."""
    report = numpydoc_validate.validate(name)
    return [f"{code} {msg}" for code, msg in report["errors"] if code in REQUIRED]


@pytest.mark.parametrize("module", MODULES)
def test_public_docstrings_are_complete(module: str) -> None:
    names = public_names(module)
    assert names, f"no public names found in {module}"
    failures = {name: errs for name in names if (errs := problems(name))}
    assert not failures, f"{len(failures)} of {len(names)} names of {module} lack documentation:\n" + "\n".join(
        f"  {name}: {'; '.join(errs)}" for name, errs in failures.items())


def test_public_names_finds_functions_and_skips_imports() -> None:
    names = public_names("numpy_dist:core")
    assert "numpy_dist.zeros" in names and "numpy_dist.DistArray" in names
    assert "numpy_dist.Any" not in names and "numpy_dist.annotations" not in names
    assert "numpy_dist.sqrt" in public_names("numpy_dist:array-api") and "numpy_dist.sqrt" not in names
    assert "numpy_dist.DistArray.sum" in public_names("numpy_dist.DistArray")
