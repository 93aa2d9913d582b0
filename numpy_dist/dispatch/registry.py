"""The one registry: NumPy function (or ufunc method) -> distributed implementation.

``@implements(np.sum)`` registers a function; :func:`lookup` finds it;
:func:`coverage` lists what is native and what falls back.  A NumPy function
without an implementation goes through the single fallback path in
:mod:`numpy_dist.dispatch.fallback` (gather, call NumPy, distribute again),
governed by :func:`set_fallback`.
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any

import numpy as np

from .._implicit import FallbackError, FallbackWarning, get_fallback, set_fallback  # the one policy

__all__ = [
    "implements", "lookup", "qualified_name", "coverage", "set_fallback", "get_fallback",
    "FallbackWarning", "FallbackError", "UFUNC_METHODS", "native_ufunc_methods", "IN_PLACE_PARAMETERS",
    "written_parameters", "takes_like",
]

_IMPLEMENTATIONS: dict[Any, Callable] = {}
# Implementations of NumPy's ``like=`` creation functions (NEP 35): NumPy hands them the
# call without ``like``, so the protocol passes the DistArray it was called on as ``like``.
_TAKES_LIKE: set[Callable] = set()

UFUNC_METHODS = ("__call__", "reduce", "accumulate", "reduceat", "outer", "at")
# Methods of the generic ufunc path (ufuncs.METHODS).
_NATIVE_UFUNC_METHODS = ("__call__", "reduce", "accumulate", "reduceat", "outer", "at")


# NumPy functions that write into an argument other than ``out``: the parameters
# written, as NumPy names them.  ``out`` itself is found from the signature
# (see written_parameters); the completeness test in
# tests/dispatch/test_writeback.py fails when NumPy grows a writer not covered.
IN_PLACE_PARAMETERS: dict[Any, tuple[str, ...]] = {
    np.put: ("a",),
    np.put_along_axis: ("arr",),
    np.place: ("arr",),
    np.putmask: ("a",),
    np.copyto: ("dst",),
    np.fill_diagonal: ("a",),
    np.nan_to_num: ("x",),  # written only with copy=False; writing back unchanged values is harmless
}


def qualified_name(func: Any, method: str | None = None) -> str:
    """The dotted name of a NumPy function or ufunc method, as :func:`coverage` lists it.

    Parameters
    ----------
    func : callable or numpy.ufunc
        A NumPy function or ufunc.
    method : str, optional
        A ufunc method (``'reduce'`` ...); ``'__call__'`` or None name the
        ufunc itself.

    Returns
    -------
    str
        ``numpy.sum``, ``numpy.linalg.norm``, ``numpy.add.reduce`` ...

    Examples
    --------
    >>> import numpy as np
    >>> from numpy_dist.dispatch.registry import qualified_name
    >>> qualified_name(np.add, "reduce"), qualified_name(np.linalg.norm)
    ('numpy.add.reduce', 'numpy.linalg.norm')
    """
    if isinstance(func, np.ufunc):
        return f"numpy.{func.__name__}" + (f".{method}" if method and method != "__call__" else "")
    module = getattr(func, "__module__", None) or "numpy"
    return f"{module}.{func.__name__}"


def _check_signature(np_func: Any, impl: Callable) -> None:
    """Every parameter name NumPy's function takes must be accepted by the implementation."""
    try:
        theirs = inspect.signature(np_func).parameters
    except (TypeError, ValueError):
        return  # C functions without a signature
    ours = inspect.signature(impl).parameters
    if any(p.kind is p.VAR_KEYWORD for p in ours.values()):
        return
    missing = [n for n, p in theirs.items() if p.kind is not p.VAR_POSITIONAL and p.kind is not p.VAR_KEYWORD
               and n not in ours and n != "like"]
    if missing:
        raise TypeError(f"{impl.__module__}.{impl.__name__} lacks parameters {missing} of {qualified_name(np_func)}")


def _parameters(func: Any) -> dict[str, inspect.Parameter] | None:
    try:
        return dict(inspect.signature(func).parameters)
    except (TypeError, ValueError):
        return None  # C functions without a signature


def written_parameters(func: Any) -> tuple[str, ...]:
    """Names of the parameters of NumPy's ``func`` that it writes into.

    ``out`` whenever ``func`` takes it (or takes ``**kwargs``, as ufunc
    methods do, or has no introspectable signature), ``a`` for the ufunc
    ``at`` methods, and the entries of :data:`IN_PLACE_PARAMETERS`.

    Parameters
    ----------
    func : callable
        A NumPy function or ufunc method.

    Returns
    -------
    tuple of str
        The written parameters' names (empty when it writes none).

    Examples
    --------
    >>> import numpy as np
    >>> from numpy_dist.dispatch.registry import written_parameters
    >>> written_parameters(np.copyto), written_parameters(np.cumsum), written_parameters(np.sort)
    (('dst',), ('out',), ())
    """
    names = IN_PLACE_PARAMETERS.get(func, ())
    if isinstance(getattr(func, "__self__", None), np.ufunc) and func.__name__ == "at":
        names = ("a",)
    params = _parameters(func)
    takes_out = params is None or "out" in params or any(p.kind is p.VAR_KEYWORD for p in params.values())
    return names + ("out",) if takes_out and "out" not in names and func.__name__ != "at" else names


def implements(*np_funcs: Any) -> Callable[[Callable], Callable]:
    """Register the decorated function as the distributed version of ``np_funcs``.

    Parameters
    ----------
    *np_funcs : callable
        The NumPy functions (or gufuncs) it implements; aliases count once.

    Returns
    -------
    callable
        A decorator that registers its function and returns it unchanged.

    Raises
    ------
    TypeError
        If the implementation lacks a parameter NumPy's function takes.
    RuntimeError
        If a function is implemented twice.

    Examples
    --------
    >>> import numpy as np
    >>> from numpy_dist.dispatch.registry import implements, lookup
    >>> lookup(np.sum) is not None
    True
    """

    def decorator(impl: Callable) -> Callable:
        for f in dict.fromkeys(np_funcs):  # NumPy aliases (permute_dims is transpose) count once
            _check_signature(f, impl)
            if f in _IMPLEMENTATIONS:
                raise RuntimeError(f"{qualified_name(f)} is implemented twice")
            _IMPLEMENTATIONS[f] = impl
        if "like" in inspect.signature(impl).parameters:
            _TAKES_LIKE.add(impl)
        return impl

    return decorator


def lookup(func: Any) -> Callable | None:
    """The registered implementation of ``func``, or None.

    Parameters
    ----------
    func : callable
        A NumPy function.

    Returns
    -------
    callable or None
        What :func:`implements` registered for it.

    Examples
    --------
    >>> import numpy as np
    >>> from numpy_dist.dispatch.registry import lookup
    >>> lookup(np.sum) is not None, lookup(len)
    (True, None)
    """
    return _IMPLEMENTATIONS.get(func)


def takes_like(impl: Callable) -> bool:
    """Whether ``impl`` implements a ``like=`` creation function (it receives the ``like`` DistArray).

    Parameters
    ----------
    impl : callable
        A registered implementation.

    Returns
    -------
    bool
        True when its signature has a ``like`` parameter.

    Examples
    --------
    >>> import numpy as np
    >>> from numpy_dist.dispatch.registry import lookup, takes_like
    >>> takes_like(lookup(np.sum))
    False
    """
    return impl in _TAKES_LIKE


def native_ufunc_methods(ufunc: np.ufunc) -> list[str]:
    """The methods of ``ufunc`` the generic ufunc path runs natively.

    Parameters
    ----------
    ufunc : numpy.ufunc
        The ufunc.

    Returns
    -------
    list of str
        Method names (``'__call__'``, ``'reduce'`` ...); a generalised ufunc
        has ``'__call__'`` only when it has its own implementation.

    Examples
    --------
    >>> import numpy as np
    >>> from numpy_dist.dispatch.registry import native_ufunc_methods
    >>> native_ufunc_methods(np.add)
    ['__call__', 'reduce', 'accumulate', 'reduceat', 'outer', 'at']
    >>> native_ufunc_methods(np.sqrt)
    ['__call__', 'at']
    """
    if ufunc.signature:  # generalised ufuncs (matmul, vecdot ...) need their own implementation
        return ["__call__"] if ufunc in _IMPLEMENTATIONS else []
    return [m for m in _applicable_methods(ufunc) if m in _NATIVE_UFUNC_METHODS]


def _applicable_methods(ufunc: np.ufunc) -> list[str]:
    if ufunc.nin == 2 and ufunc.nout == 1 and not ufunc.signature:
        return list(UFUNC_METHODS)
    return ["__call__", "at"] if not ufunc.signature else ["__call__"]


def all_ufuncs() -> list[np.ufunc]:
    """Every ufunc object in the ``numpy`` namespace (aliases counted once)."""
    seen: dict[int, np.ufunc] = {}
    for name in dir(np):
        obj = getattr(np, name)
        if isinstance(obj, np.ufunc):
            seen.setdefault(id(obj), obj)
    return sorted(seen.values(), key=lambda u: u.__name__)


def coverage() -> dict[str, list[str]]:
    """Which NumPy functions and ufunc methods run natively, and which fall back.

    Returns
    -------
    dict
        ``native`` and ``fallback``: sorted lists of qualified names
        (``numpy.sum``, ``numpy.linalg.norm``, ``numpy.add.reduce``) over
        every overridable NumPy function and every ufunc method.

    Examples
    --------
    >>> import numpy_dist as nd
    >>> "numpy.sum" in nd.coverage()["native"]
    True
    """
    from numpy.testing.overrides import get_overridable_numpy_array_functions

    native, fallback = set(), set()
    # NumPy's ``like=`` functions appear twice (the public function and its inner dispatcher, which is
    # never what __array_function__ receives): counted by name.
    registered = {qualified_name(f) for f in _IMPLEMENTATIONS}
    for f in get_overridable_numpy_array_functions():
        # NumPy lists the ``like=`` wrapper of a creation function (``_tri_with_like``) apart from the
        # function itself, under the same name; it dispatches the public function.
        wrapped = getattr(f, "__wrapped__", None)
        is_native = f in _IMPLEMENTATIONS or wrapped in _IMPLEMENTATIONS or qualified_name(f) in registered
        (native if is_native else fallback).add(qualified_name(f))
    for u in all_ufuncs():
        natives = native_ufunc_methods(u)
        for m in _applicable_methods(u):
            (native if m in natives else fallback).add(qualified_name(u, m))
    return {"native": sorted(native), "fallback": sorted(fallback)}
