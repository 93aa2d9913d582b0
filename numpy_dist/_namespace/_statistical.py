"""Statistical, utility and searching functions of the array API standard.

Each calls the NumPy function on the DistArray (numpy_dist's reductions run
natively); results the standard wants as 0-d arrays but NumPy returns as
scalars are wrapped into replicated 0-d DistArrays on the input's
communicator.  Communication: as the NumPy function's distributed version
(partials exchanged within the reduced axes' sub-communicators).
"""

from __future__ import annotations

from typing import Any

import numpy as np
from array_api_compat.common import _aliases

from ..distarray import DistArray
from ._helpers import compat_xp, require_array, wrap

__all__ = [
    "sum", "prod", "max", "min", "mean", "std", "var", "cumulative_sum", "cumulative_prod",
    "all", "any", "diff", "argmax", "argmin", "count_nonzero", "nonzero", "searchsorted", "where",
]

Axis = int | tuple[int, ...] | None


def _reduction(name: str, func: Any, doc: str) -> Any:
    def f(x: DistArray, /, *, axis: Axis = None, keepdims: bool = False) -> DistArray:
        x = require_array(x)
        return wrap(func(x, axis=axis, keepdims=keepdims), x)

    f.__name__ = f.__qualname__ = name
    f.__doc__ = (f"{doc} (``numpy.{func.__name__}``).\n\nParameters\n----------\nx : DistArray\n"
                 "axis : int or tuple of int, optional\nkeepdims : bool\n\nReturns\n-------\nDistArray\n"
                 "    0-d (replicated) when every axis is reduced.  Communication: partials within the\n"
                 "    reduced axes' sub-communicators.\n")
    return f


max = _reduction("max", np.max, "Maximum")  # noqa: A001 - the standard's names
min = _reduction("min", np.min, "Minimum")  # noqa: A001
mean = _reduction("mean", np.mean, "Arithmetic mean")
all = _reduction("all", np.all, "Logical AND over axes")  # noqa: A001
any = _reduction("any", np.any, "Logical OR over axes")  # noqa: A001


def sum(x: DistArray, /, *, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> DistArray:  # noqa: A001
    """Sum over ``axis`` (``numpy.sum``); small integers accumulate in the default integer type.

    Returns a 0-d replicated DistArray when every axis is reduced.
    Communication: partials within the reduced axes' sub-communicators.
    """
    x = require_array(x)
    return wrap(np.sum(x, axis=axis, dtype=dtype, keepdims=keepdims), x)


def prod(x: DistArray, /, *, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> DistArray:
    """Product over ``axis`` (``numpy.prod``).  Communication: as :func:`sum`."""
    x = require_array(x)
    return wrap(np.prod(x, axis=axis, dtype=dtype, keepdims=keepdims), x)


def std(x: DistArray, /, *, axis: Axis = None, correction: float = 0.0, keepdims: bool = False) -> DistArray:
    """Standard deviation (``numpy.std`` with ``ddof=correction``).  Communication: as :func:`sum`."""
    x = require_array(x)
    return wrap(_aliases.std(x, compat_xp, axis=axis, correction=correction, keepdims=keepdims), x)


def var(x: DistArray, /, *, axis: Axis = None, correction: float = 0.0, keepdims: bool = False) -> DistArray:
    """Variance (``numpy.var`` with ``ddof=correction``).  Communication: as :func:`sum`."""
    x = require_array(x)
    return wrap(_aliases.var(x, compat_xp, axis=axis, correction=correction, keepdims=keepdims), x)


def _cumulative(helper: Any, x: DistArray, axis: int | None, dtype: Any, include_initial: bool) -> DistArray:
    x = require_array(x)
    if x.ndim == 0:
        raise ValueError("cumulative functions need an array with at least one dimension")
    return helper(x, compat_xp, axis=axis, dtype=dtype, include_initial=include_initial)


def cumulative_sum(x: DistArray, /, *, axis: int | None = None, dtype: Any = None,
                   include_initial: bool = False) -> DistArray:
    """Cumulative sum along ``axis`` (``numpy.cumsum``; ``include_initial`` prepends zeros).

    ``axis`` may be omitted only for one-dimensional ``x``.  Communication: one
    exclusive scan of per-rank totals along the distributed axis.
    """
    return _cumulative(_aliases.cumulative_sum, x, axis, dtype, include_initial)


def cumulative_prod(x: DistArray, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False) -> DistArray:
    """Cumulative product along ``axis`` (``numpy.cumprod``; ``include_initial`` prepends ones)."""
    return _cumulative(_aliases.cumulative_prod, x, axis, dtype, include_initial)


def diff(x: DistArray, /, *, axis: int = -1, n: int = 1, prepend: DistArray | None = None,
         append: DistArray | None = None) -> DistArray:
    """``n``-th discrete difference along ``axis`` (``numpy.diff``).  Communication: halo of ``n`` rows."""
    x = require_array(x)
    if x.ndim == 0:
        raise ValueError("diff needs an array with at least one dimension")
    kwargs = {k: v for k, v in (("prepend", prepend), ("append", append)) if v is not None}
    return np.diff(x, n=n, axis=axis, **kwargs)


def _argreduce(func: Any, x: DistArray, axis: int | None, keepdims: bool) -> DistArray:
    x = require_array(x)
    if axis is not None and not isinstance(axis, (int, np.integer)):
        raise TypeError(f"axis must be an integer or None, got {type(axis).__name__}")
    return wrap(func(x, axis=axis, keepdims=keepdims), x)


def argmax(x: DistArray, /, *, axis: int | None = None, keepdims: bool = False) -> DistArray:
    """Index of the first maximum (``numpy.argmax``); over the flattened array when ``axis`` is None."""
    return _argreduce(np.argmax, x, axis, keepdims)


def argmin(x: DistArray, /, *, axis: int | None = None, keepdims: bool = False) -> DistArray:
    """Index of the first minimum (``numpy.argmin``); over the flattened array when ``axis`` is None."""
    return _argreduce(np.argmin, x, axis, keepdims)


def count_nonzero(x: DistArray, /, *, axis: Axis = None, keepdims: bool = False) -> DistArray:
    """Number of non-zero elements (``numpy.count_nonzero``), in the default integer type."""
    x = require_array(x)
    out = wrap(np.count_nonzero(x, axis=axis, keepdims=keepdims), x)
    return out if out.dtype == np.int64 else out.astype(np.int64)


def nonzero(x: DistArray, /) -> tuple[DistArray, ...]:
    """Indices of the non-zero elements, one array per axis (``numpy.nonzero``).

    Raises ValueError for 0-d ``x``.  Communication: counts (Exscan) to number
    the found elements globally.
    """
    x = require_array(x)
    return tuple(_aliases.nonzero(x, compat_xp))


def searchsorted(x1: DistArray, x2: DistArray | complex, /, *, side: str = "left",
                 sorter: DistArray | None = None) -> DistArray:
    """Insertion indices of ``x2`` into the sorted one-dimensional ``x1`` (``numpy.searchsorted``)."""
    x1 = require_array(x1, "x1")
    if x1.ndim != 1:
        raise ValueError("searchsorted: x1 must be one-dimensional")
    if side not in ("left", "right"):
        raise ValueError(f"side must be 'left' or 'right', got {side!r}")
    out = wrap(np.searchsorted(x1, x2, side=side, sorter=sorter), x1)
    if np.ndim(x2) == 0 and not isinstance(x2, DistArray) and out.shape != ():
        out = np.reshape(out, ())  # a scalar x2 gives a 0-d result, as in the standard
    return out


def where(condition: DistArray, x1: DistArray | complex, x2: DistArray | complex, /) -> DistArray:
    """Elements of ``x1`` where ``condition`` is true, else of ``x2`` (``numpy.where``).

    ``x1``/``x2`` may be Python scalars.  Communication: none for aligned operands.
    """
    like = next((a for a in (condition, x1, x2) if isinstance(a, DistArray)), None)
    if like is None:
        raise TypeError("where() needs at least one numpy_dist array argument")
    return wrap(np.where(condition, x1, x2), like)
