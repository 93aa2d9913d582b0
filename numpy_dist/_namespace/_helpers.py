"""Shared helpers of the array API namespace: 0-d wrapping, argument checks, the compat ``xp``.

Nothing here communicates except :func:`wrap` (which builds a replicated
0-d DistArray from a value every rank already holds: no messages either).
"""

from __future__ import annotations

import types
from typing import Any

import numpy as np

from ..comm import get_comm
from .. import creation
from ..creation import asarray
from ..distarray import DistArray

__all__ = ["wrap", "wrap_tree", "check_device", "require_array", "require_matrices", "comm_of", "compat_xp",
           "normalize_axis"]


def comm_of(*objs: Any) -> Any:
    """The communicator of the first DistArray among ``objs`` (default communicator if none)."""
    for o in objs:
        if isinstance(o, DistArray):
            return o.comm
        if isinstance(o, (list, tuple)):
            c = next((x.comm for x in o if isinstance(x, DistArray)), None)
            if c is not None:
                return c
    return get_comm(None)


def wrap(value: Any, like: Any = None) -> Any:
    """Make a NumPy scalar or ndarray result a DistArray on ``like``'s communicator.

    Reductions over every axis return NumPy scalars through NumPy dispatch; the
    standard wants 0-d arrays.  Every rank holds the same value (reductions are
    replicated), so the result is a replicated 0-d DistArray and nothing is sent.
    DistArrays and non-array values (tuples of them, Python objects) pass through.
    """
    if isinstance(value, DistArray):
        return value
    if isinstance(value, (np.generic, np.ndarray)) or type(value) in (bool, int, float, complex):
        return asarray(np.asarray(value), comm=comm_of(like))
    return value


def wrap_tree(value: Any, like: Any) -> Any:
    """:func:`wrap` applied to each member of a (named) tuple or list."""
    if isinstance(value, tuple) and hasattr(value, "_fields"):
        return type(value)(*[wrap(v, like) for v in value])
    if isinstance(value, (tuple, list)):
        return type(value)(wrap(v, like) for v in value)
    return wrap(value, like)


def check_device(device: Any) -> None:
    """Raise ValueError for any device other than ``"cpu"`` (or None)."""
    if device is not None and device != "cpu":
        raise ValueError(f"unsupported device {device!r}: numpy_dist arrays live on device 'cpu'")


def require_array(x: Any, name: str = "x") -> DistArray:
    """``x`` as a DistArray; TypeError for anything but a DistArray or a NumPy scalar.

    NumPy scalars are accepted because integer indexing of a DistArray returns
    one (replicated: every rank holds the same value); they become replicated
    0-d DistArrays on the default communicator.  The check uses types only,
    so it raises identically on every rank.
    """
    if isinstance(x, DistArray):
        return _standard_dtype(x, name)
    if isinstance(x, np.generic) and not x.dtype.hasobject:
        return _standard_dtype(asarray(np.asarray(x)), name)
    raise TypeError(f"{name} must be a numpy_dist array, got {type(x).__name__}")


def _standard_dtype(x: DistArray, name: str) -> DistArray:
    """``x``, or TypeError when its dtype is none of the standard's kinds (bool, integer, real, complex).

    Records, strings, dates and objects are NumPy's: the array API functions refuse them (NumPy's own
    functions, ``np.sort(d, order=...)`` and the rest, take them).
    """
    if x.dtype.kind not in "biufc":
        raise TypeError(f"{name}: dtype {x.dtype} is not an array API standard dtype (bool, integer, real or "
                        "complex floating); NumPy's functions (np.*) take records, strings and dates")
    return x


def require_matrices(x: DistArray, name: str, square: bool = False) -> DistArray:
    """``x`` as a DistArray of (square) matrices: ValueError with fewer than two axes (or not square)."""
    x = require_array(x)
    if x.ndim < 2:
        raise ValueError(f"{name} needs an array with at least two dimensions, got {x.ndim}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{name} needs square matrices, got shape {x.shape}")
    return x


def normalize_axis(axis: int, ndim: int, name: str = "axis") -> int:
    """``axis`` in ``range(ndim)``; IndexError (the standard's exception) when out of bounds."""
    if not isinstance(axis, (int, np.integer)) or isinstance(axis, bool):
        raise TypeError(f"{name} must be an integer, got {type(axis).__name__}")
    if not -ndim <= axis < ndim:
        raise IndexError(f"{name} {axis} is out of bounds for an array of dimension {ndim}")
    return int(axis) % ndim


def _make_compat_xp() -> types.SimpleNamespace:
    """The ``xp`` handed to array-api-compat's generic helpers.

    Creation functions are numpy_dist's (they make DistArrays); every other
    attribute is NumPy's, which dispatches to numpy_dist through
    ``__array_function__`` / ``__array_ufunc__`` (natively, or through the
    documented fallback with a FallbackWarning).
    """
    ns = {name: getattr(np, name) for name in dir(np) if not name.startswith("_")}
    for name in ("asarray", "zeros", "ones", "empty", "full", "arange", "linspace", "eye",
                 "zeros_like", "ones_like", "empty_like", "full_like"):
        ns[name] = getattr(creation, name)
    ns["__name__"] = "numpy_dist._namespace.compat_xp"
    return types.SimpleNamespace(**ns)


compat_xp = _make_compat_xp()
