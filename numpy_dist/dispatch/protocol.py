"""Bodies of ``DistArray.__array_function__`` and ``__array_ufunc__`` (NEP 18 / NEP 13).

Foreign array types get ``NotImplemented`` so that libraries wrapping a
DistArray (xarray, pint ...) keep control.  Known functions go to their
registered implementation; the rest take :func:`~numpy_dist.dispatch.fallback.fallback`,
the only path that gathers whole arrays implicitly (re-exported here).

Communication: none of its own (the implementation or the fallback communicates).
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import checks
from ..distarray import DistArray
from .fallback import fallback, fallback_policy, written_arguments
from .registry import lookup, qualified_name, takes_like
from .ufuncs import apply_ufunc

__all__ = ["array_function", "array_ufunc", "fallback", "fallback_policy", "written_arguments"]

_SCALARS = (numbers.Number, np.generic, bool, str, bytes)  # Python str/bytes: string comparisons (d == "x")


def _known_type(t: type) -> bool:
    return issubclass(t, (DistArray, np.ndarray))


def array_function(self: DistArray, func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    """``__array_function__``: registered implementation, or the fallback.

    ``self`` is the DistArray NumPy called; for a ``like=`` creation function
    (``np.zeros(3, like=d)``) it is ``like``, which NumPy leaves out of ``kwargs``.
    """
    if not all(_known_type(t) for t in types):
        return NotImplemented
    impl = lookup(func)
    if impl is not None and takes_like(impl):
        kwargs = {**kwargs, "like": self}
    if checks.active():
        with checks.checked(checks.find_comm(args, kwargs), qualified_name(func), args, kwargs):
            return impl(*args, **kwargs) if impl is not None else fallback(func, args, kwargs, qualified_name(func))
    if impl is not None:
        return impl(*args, **kwargs)
    return fallback(func, args, kwargs, qualified_name(func))


def array_ufunc(self: DistArray, ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``__array_ufunc__``: the generic ufunc path for every ufunc and method.

    As ndarray's does (NEP 13): a type with its own ``__array_ufunc__`` (a foreign array, or None to opt
    out) gets ``NotImplemented``; any other operand is array_like (a list, a tuple) and read as NumPy
    reads it.
    """
    if any(x is not None and not _known_operand(x) for x in tuple(kwargs.get("out", ()) or ())):
        return NotImplemented
    converted = []
    for i, x in enumerate(inputs):
        if x is None or _known_operand(x) or (i == 1 and _is_index(x, method)):
            converted.append(x)
        elif _defines_array_ufunc(x):
            return NotImplemented
        else:
            converted.append(np.asarray(x))
    inputs = tuple(converted)
    if checks.active():
        with checks.checked(self.comm, qualified_name(ufunc, method), inputs, kwargs):
            return apply_ufunc(ufunc, method, inputs, kwargs)
    return apply_ufunc(ufunc, method, inputs, kwargs)


def _known_operand(x: Any) -> bool:
    return isinstance(x, (DistArray, np.ndarray) + _SCALARS)


def _defines_array_ufunc(x: Any) -> bool:
    return hasattr(type(x), "__array_ufunc__")


def _is_index(x: Any, method: str) -> bool:
    # ufunc.at takes indices (tuples, slices, lists) as its second input.
    return method in ("at", "reduceat") and isinstance(x, (tuple, list, slice, type(Ellipsis)))
