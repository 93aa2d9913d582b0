"""Bodies of ``DistArray.__array_function__`` and ``__array_ufunc__`` (NEP 18 / NEP 13).

Foreign array types get ``NotImplemented`` so that libraries wrapping a
DistArray (xarray, pint ...) keep control.  Known functions go to their
registered implementation; the rest take :func:`fallback`, the only path
that gathers whole arrays implicitly.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from .. import checks
from .. import comm as _comm
from ..distarray import DistArray
from .registry import FallbackError, FallbackWarning, get_fallback, lookup, qualified_name

__all__ = ["array_function", "array_ufunc", "fallback"]

_SCALARS = (numbers.Number, np.generic, bool)
_warned: set[str] = set()


def _known_type(t: type) -> bool:
    return issubclass(t, (DistArray, np.ndarray))


def array_function(func: Any, types: Any, args: tuple, kwargs: dict) -> Any:
    """``__array_function__``: registered implementation, or the fallback."""
    if not all(_known_type(t) for t in types):
        return NotImplemented
    impl = lookup(func)
    if checks.active():
        with checks.checked(checks._find_comm(args, kwargs), qualified_name(func), args, kwargs):
            return impl(*args, **kwargs) if impl is not None else fallback(func, args, kwargs, qualified_name(func))
    if impl is not None:
        return impl(*args, **kwargs)
    return fallback(func, args, kwargs, qualified_name(func))


def array_ufunc(self: DistArray, ufunc: np.ufunc, method: str, inputs: tuple, kwargs: dict) -> Any:
    """``__array_ufunc__``: the generic ufunc path for every ufunc and method."""
    for x in inputs + tuple(kwargs.get("out", ()) or ()):
        if x is not None and not isinstance(x, (DistArray, np.ndarray) + _SCALARS) and not _is_index(x, method):
            return NotImplemented
    from .ufuncs import apply_ufunc

    if checks.active():
        with checks.checked(self.comm, qualified_name(ufunc, method), inputs, kwargs):
            return apply_ufunc(ufunc, method, inputs, kwargs)
    return apply_ufunc(ufunc, method, inputs, kwargs)


def _is_index(x: Any, method: str) -> bool:
    # ufunc.at takes indices (tuples, slices, lists) as its second input.
    return method in ("at", "reduceat") and isinstance(x, (tuple, list, slice, type(Ellipsis)))


def _find_template(tree: Any) -> DistArray | None:
    if isinstance(tree, DistArray):
        return tree
    if isinstance(tree, (list, tuple)):
        for x in tree:
            found = _find_template(x)
            if found is not None:
                return found
    if isinstance(tree, dict):
        return _find_template(list(tree.values()))
    return None


def _gather_tree(tree: Any) -> Any:
    from ..creation import asnumpy

    if isinstance(tree, DistArray):
        return asnumpy(tree)
    if isinstance(tree, list):
        return [_gather_tree(x) for x in tree]
    if isinstance(tree, tuple):
        return tuple(_gather_tree(x) for x in tree)
    if isinstance(tree, dict):
        return {k: _gather_tree(v) for k, v in tree.items()}
    return tree


def _distribute_tree(tree: Any, template: DistArray) -> Any:
    from ..creation import asarray

    if isinstance(tree, np.ndarray) and not tree.dtype.hasobject:
        dist = template.distribution if tree.shape == template.shape else None
        return asarray(tree, dist=dist, comm=template.comm, copy=True)
    if isinstance(tree, tuple) and not hasattr(tree, "_fields"):
        return tuple(_distribute_tree(x, template) for x in tree)
    if isinstance(tree, tuple):  # named tuples (e.g. linalg results)
        return type(tree)(*[_distribute_tree(x, template) for x in tree])
    if isinstance(tree, list):
        return [_distribute_tree(x, template) for x in tree]
    return tree


def fallback_policy(name: str) -> None:
    """Apply the fallback mode before any gathering: raise, warn once per name, or stay silent."""
    mode = get_fallback()
    if mode == "error":
        raise FallbackError(f"{name} has no distributed implementation (fallback mode is 'error')")
    if mode == "warn" and name not in _warned:
        _warned.add(name)
        warnings.warn(f"{name} has no distributed implementation: gathering, computing with NumPy, "
                      "redistributing", FallbackWarning, stacklevel=5)


def fallback(func: Any, args: tuple, kwargs: dict, name: str) -> Any:
    """Gather the DistArray arguments, run NumPy's ``func`` on every rank, distribute the results.

    The one documented path that materialises whole arrays implicitly.
    Governed by :func:`numpy_dist.set_fallback`: it warns once per function
    (:class:`numpy_dist.FallbackWarning`), runs silently, or raises
    :class:`numpy_dist.FallbackError` before any communication.  Array
    results take the distribution of the first DistArray argument when
    their shape matches it, otherwise the default block distribution.
    """
    fallback_policy(name)
    template = _find_template((args, kwargs))
    if template is None:  # nothing distributed among the arguments: plain NumPy
        return func(*args, **kwargs)
    out = kwargs.get("out")
    call_kwargs = dict(kwargs)
    if isinstance(out, (DistArray, tuple)) and _find_template(out) is not None:
        call_kwargs.pop("out")
    np_args, np_kwargs = _gather_tree(args), _gather_tree(call_kwargs)
    with _comm.agreed(template.comm):  # NumPy may raise; it raises everywhere alike, but be sure
        result = func(*np_args, **np_kwargs)
    if "out" in kwargs and "out" not in call_kwargs:
        outs = out if isinstance(out, tuple) else (out,)
        results = result if isinstance(result, tuple) else (result,)
        for o, r in zip(outs, results):
            if isinstance(o, DistArray):
                o.local[...] = np.asarray(r)[o.distribution.local_key()]
        return out if isinstance(out, DistArray) or len(outs) > 1 else outs[0]
    return _distribute_tree(result, template)
