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
from ._docs import namespace_doc, reduction_doc
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
    f.__doc__ = doc
    return f


_GRID = "[[1.0, 5.0, 2.0], [4.0, 0.0, 6.0]]"
_EMPTY_EXTREMUM = ("\nValueError\n    If a reduced axis has length zero (an extremum of nothing "
                   "is undefined).")
max = _reduction("max", np.max, reduction_doc(  # noqa: A001 - the standard's names
    "max", "Largest element of ``x`` over ``axis`` (NaN wins: a NaN in a slice gives NaN).", _GRID,
    [("float(nd.max(x))", "6.0"), ("nd.asnumpy(nd.max(x, axis=0))", "array([4., 5., 6.])")],
    raises_note=_EMPTY_EXTREMUM))
min = _reduction("min", np.min, reduction_doc(  # noqa: A001
    "min", "Smallest element of ``x`` over ``axis`` (NaN wins: a NaN in a slice gives NaN).", _GRID,
    [("float(nd.min(x))", "0.0"), ("nd.asnumpy(nd.min(x, axis=1, keepdims=True))", "array([[1.],\n       [0.]])")],
    raises_note=_EMPTY_EXTREMUM))
mean = _reduction("mean", np.mean, reduction_doc(
    "mean", "Arithmetic mean of the elements of a floating-point ``x`` over ``axis``.", _GRID,
    [("float(nd.mean(x))", "3.0"), ("nd.asnumpy(nd.mean(x, axis=0))", "array([2.5, 2.5, 4. ])")],
    returns_note="  The mean of no elements is NaN."))
all = _reduction("all", np.all, reduction_doc(  # noqa: A001
    "all", "Whether every element of ``x`` over ``axis`` is true (non-zero), as a boolean array.", _GRID,
    [("bool(nd.all(x))", "False"), ("nd.asnumpy(nd.all(x, axis=0))", "array([ True, False,  True])")],
    returns_note="  Over no elements the answer is True."))
any = _reduction("any", np.any, reduction_doc(  # noqa: A001
    "any", "Whether some element of ``x`` over ``axis`` is true (non-zero), as a boolean array.", _GRID,
    [("bool(nd.any(x))", "True"), ("nd.asnumpy(nd.any(x == 0.0, axis=1))", "array([False,  True])")],
    returns_note="  Over no elements the answer is False."))


@namespace_doc
def sum(x: DistArray, /, *, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> DistArray:  # noqa: A001
    """Sum of the elements of ``x`` over ``axis``.

    Calls ``numpy.sum``, which numpy_dist reduces natively.  Integers
    narrower than the default integer type (and booleans) are summed in
    the default integer type (int64, or uint64 for unsigned input).

    Parameters
    ----------
    {x}
    {axis}
    dtype : dtype, optional
        The accumulation and result dtype.  Default: ``x``'s dtype,
        widened as above.
    {keepdims}

    Returns
    -------
    DistArray
        ``x``'s shape without the reduced axes (length one there with
        ``keepdims``); a 0-d array every rank holds whole when every axis
        is reduced.  The sum of no elements is zero.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array, or ``dtype`` is not a dtype.
    numpy.exceptions.AxisError
        If an axis is out of range.

    See Also
    --------
    numpy.sum, prod, cumulative_sum

    Notes
    -----
    Communication: each rank sums its block, then the partial sums are
    combined within the sub-communicators of the reduced axes.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(6).reshape(2, 3))
    >>> int(nd.sum(x))
    15
    >>> nd.asnumpy(nd.sum(x, axis=0))
    array([3, 5, 7])
    >>> nd.sum(nd.asarray(np.array([True, True, False]))).dtype
    dtype('int64')
    """
    x = require_array(x)
    return wrap(np.sum(x, axis=axis, dtype=dtype, keepdims=keepdims), x)


@namespace_doc
def prod(x: DistArray, /, *, axis: Axis = None, dtype: Any = None, keepdims: bool = False) -> DistArray:
    """Product of the elements of ``x`` over ``axis``.

    Calls ``numpy.prod``, natively distributed; the dtype rule is
    :func:`sum`'s.

    Parameters
    ----------
    {x}
    {axis}
    dtype : dtype, optional
        The accumulation and result dtype (default as :func:`sum`).
    {keepdims}

    Returns
    -------
    DistArray
        ``x``'s shape without the reduced axes; 0-d (held whole by every
        rank) when every axis is reduced.  The product of no elements is one.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array, or ``dtype`` is not a dtype.
    numpy.exceptions.AxisError
        If an axis is out of range.

    See Also
    --------
    numpy.prod, sum, cumulative_prod

    Notes
    -----
    Communication: partial products combined within the reduced axes'
    sub-communicators, as for :func:`sum`.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([[1, 2], [3, 4]]))
    >>> int(nd.prod(x))
    24
    >>> nd.asnumpy(nd.prod(x, axis=1))
    array([ 2, 12])
    """
    x = require_array(x)
    return wrap(np.prod(x, axis=axis, dtype=dtype, keepdims=keepdims), x)


@namespace_doc
def std(x: DistArray, /, *, axis: Axis = None, correction: float = 0.0, keepdims: bool = False) -> DistArray:
    """Standard deviation of the elements of ``x`` over ``axis``.

    ``numpy.std`` with ``ddof=correction``, through NumPy dispatch
    (natively distributed).

    Parameters
    ----------
    {x}
    {axis}
    correction : int or float, optional
        Subtracted from the number of elements in the divisor: 0 (default)
        for the population standard deviation, 1 for the sample standard deviation (Bessel's
        correction).
    {keepdims}

    Returns
    -------
    DistArray
        ``x``'s shape without the reduced axes; 0-d (held whole by every
        rank) when every axis is reduced.  NaN where the number of
        elements minus ``correction`` is not positive.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    numpy.exceptions.AxisError
        If an axis is out of range.

    See Also
    --------
    numpy.std, mean

    Notes
    -----
    Communication: as :func:`sum` (a mean, then a sum of squared deviations).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([[1.0, 2.0], [3.0, 6.0]]))
    >>> float(nd.std(x))
    1.8708286933869707
    >>> nd.asnumpy(nd.std(x, axis=0, correction=1))
    array([1.41421356, 2.82842712])
    """
    x = require_array(x)
    return wrap(_aliases.std(x, compat_xp, axis=axis, correction=correction, keepdims=keepdims), x)


@namespace_doc
def var(x: DistArray, /, *, axis: Axis = None, correction: float = 0.0, keepdims: bool = False) -> DistArray:
    """Variance of the elements of ``x`` over ``axis``.

    ``numpy.var`` with ``ddof=correction``, through NumPy dispatch
    (natively distributed).

    Parameters
    ----------
    {x}
    {axis}
    correction : int or float, optional
        Subtracted from the number of elements in the divisor: 0 (default)
        for the population variance, 1 for the sample variance (Bessel's
        correction).
    {keepdims}

    Returns
    -------
    DistArray
        ``x``'s shape without the reduced axes; 0-d (held whole by every
        rank) when every axis is reduced.  NaN where the number of
        elements minus ``correction`` is not positive.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    numpy.exceptions.AxisError
        If an axis is out of range.

    See Also
    --------
    numpy.var, mean

    Notes
    -----
    Communication: as :func:`sum` (a mean, then a sum of squared deviations).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([[1.0, 2.0], [3.0, 6.0]]))
    >>> float(nd.var(x))
    3.5
    >>> nd.asnumpy(nd.var(x, axis=0, correction=1))
    array([2., 8.])
    """
    x = require_array(x)
    return wrap(_aliases.var(x, compat_xp, axis=axis, correction=correction, keepdims=keepdims), x)


def _cumulative(helper: Any, x: DistArray, axis: int | None, dtype: Any, include_initial: bool) -> DistArray:
    x = require_array(x)
    if x.ndim == 0:
        raise ValueError("cumulative functions need an array with at least one dimension")
    return helper(x, compat_xp, axis=axis, dtype=dtype, include_initial=include_initial)


@namespace_doc
def cumulative_sum(x: DistArray, /, *, axis: int | None = None, dtype: Any = None,
                   include_initial: bool = False) -> DistArray:
    """Cumulative sum of ``x`` along ``axis``.

    ``numpy.cumsum`` through NumPy dispatch (natively distributed).

    Parameters
    ----------
    {x}
    axis : int, optional
        The axis to accumulate along.  May be omitted (None) only when
        ``x`` is one-dimensional.
    dtype : dtype, optional
        The accumulation and result dtype; default as :func:`sum`.
    include_initial : bool, optional
        If True, the result starts with the empty sum (zero), so it is
        one longer along ``axis``.  Default False.

    Returns
    -------
    DistArray
        ``x``'s shape (one longer along ``axis`` with ``include_initial``).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` is 0-d, or ``axis`` is None for an ``x`` of more than one
        dimension.

    See Also
    --------
    numpy.cumsum, sum

    Notes
    -----
    Communication: each rank accumulates its block; one exclusive scan of
    the per-rank totals along the distributed axis gives each rank its
    offset.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.asnumpy(nd.cumulative_sum(x))
    array([ 1,  3,  6, 10])
    >>> nd.asnumpy(nd.cumulative_sum(x, include_initial=True))
    array([ 0,  1,  3,  6, 10])
    """
    return _cumulative(_aliases.cumulative_sum, x, axis, dtype, include_initial)


@namespace_doc
def cumulative_prod(x: DistArray, /, *, axis: int | None = None, dtype: Any = None,
                    include_initial: bool = False) -> DistArray:
    """Cumulative prod of ``x`` along ``axis``.

    ``numpy.cumprod`` through NumPy dispatch (natively distributed).

    Parameters
    ----------
    {x}
    axis : int, optional
        The axis to accumulate along.  May be omitted (None) only when
        ``x`` is one-dimensional.
    dtype : dtype, optional
        The accumulation and result dtype; default as :func:`prod`.
    include_initial : bool, optional
        If True, the result starts with the empty prod (one), so it is
        one longer along ``axis``.  Default False.

    Returns
    -------
    DistArray
        ``x``'s shape (one longer along ``axis`` with ``include_initial``).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` is 0-d, or ``axis`` is None for an ``x`` of more than one
        dimension.

    See Also
    --------
    numpy.cumprod, prod

    Notes
    -----
    Communication: each rank accumulates its block; one exclusive scan of
    the per-rank totals along the distributed axis gives each rank its
    offset.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 2, 3, 4]))
    >>> nd.asnumpy(nd.cumulative_prod(x))
    array([ 1,  2,  6, 24])
    >>> nd.asnumpy(nd.cumulative_prod(x, include_initial=True))
    array([ 1,  1,  2,  6, 24])
    """
    return _cumulative(_aliases.cumulative_prod, x, axis, dtype, include_initial)


@namespace_doc
def diff(x: DistArray, /, *, axis: int = -1, n: int = 1, prepend: DistArray | None = None,
         append: DistArray | None = None) -> DistArray:
    """The ``n``-th discrete difference of ``x`` along ``axis``: ``x[i+1] - x[i]``, repeated ``n`` times.

    ``numpy.diff`` through NumPy dispatch (natively distributed).

    Parameters
    ----------
    {x}
    axis : int, optional
        The axis to difference along (default the last).
    n : int, optional
        How many times to difference (default 1); 0 returns ``x``.
    prepend, append : DistArray, optional
        Values joined to ``x`` along ``axis`` before differencing (their
        other axes match ``x``'s).

    Returns
    -------
    DistArray
        ``x``'s shape with ``n`` fewer elements along ``axis`` (plus the
        lengths of ``prepend`` and ``append``).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` is 0-d, or ``n`` is negative.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.

    See Also
    --------
    numpy.diff

    Notes
    -----
    Communication: each rank receives the ``n`` elements along ``axis``
    that follow its block from its neighbour (a halo exchange).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([1, 4, 9, 16]))
    >>> nd.asnumpy(nd.diff(x))
    array([3, 5, 7])
    >>> nd.asnumpy(nd.diff(x, n=2))
    array([2, 2])
    """
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


@namespace_doc
def argmax(x: DistArray, /, *, axis: int | None = None, keepdims: bool = False) -> DistArray:
    """Index of the first maximum of ``x`` along ``axis``.

    ``numpy.argmax`` through NumPy dispatch (natively distributed).  A
    NaN counts as the maximum.

    Parameters
    ----------
    {x}
    axis : int, optional
        The axis to search along; None (default) searches the flattened
        array (C order) and returns a flat index.
    {keepdims}

    Returns
    -------
    DistArray
        Indices in the default integer dtype (int64): ``x``'s shape without
        ``axis``, or 0-d (held whole by every rank) when ``axis`` is None.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array, or ``axis`` is not an integer or None.
    ValueError
        If the searched axis (or ``x``) is empty.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.

    See Also
    --------
    numpy.argmax, max

    Notes
    -----
    Communication: each rank finds its block's candidate; the (value,
    global index) pairs are combined within the axis's sub-communicator.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 6.0]]))
    >>> int(nd.argmax(x))
    5
    >>> nd.asnumpy(nd.argmax(x, axis=1))
    array([1, 2])
    """
    return _argreduce(np.argmax, x, axis, keepdims)


@namespace_doc
def argmin(x: DistArray, /, *, axis: int | None = None, keepdims: bool = False) -> DistArray:
    """Index of the first minimum of ``x`` along ``axis``.

    ``numpy.argmin`` through NumPy dispatch (natively distributed).  A
    NaN counts as the minimum.

    Parameters
    ----------
    {x}
    axis : int, optional
        The axis to search along; None (default) searches the flattened
        array (C order) and returns a flat index.
    {keepdims}

    Returns
    -------
    DistArray
        Indices in the default integer dtype (int64): ``x``'s shape without
        ``axis``, or 0-d (held whole by every rank) when ``axis`` is None.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array, or ``axis`` is not an integer or None.
    ValueError
        If the searched axis (or ``x``) is empty.
    numpy.exceptions.AxisError
        If ``axis`` is out of range.

    See Also
    --------
    numpy.argmin, min

    Notes
    -----
    Communication: each rank finds its block's candidate; the (value,
    global index) pairs are combined within the axis's sub-communicator.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([[1.0, 5.0, 2.0], [4.0, 0.0, 6.0]]))
    >>> int(nd.argmin(x))
    4
    >>> nd.asnumpy(nd.argmin(x, axis=1))
    array([0, 1])
    """
    return _argreduce(np.argmin, x, axis, keepdims)


@namespace_doc
def count_nonzero(x: DistArray, /, *, axis: Axis = None, keepdims: bool = False) -> DistArray:
    """Number of non-zero (true) elements of ``x`` over ``axis``.

    ``numpy.count_nonzero`` through NumPy dispatch (natively distributed).

    Parameters
    ----------
    {x}
    {axis}
    {keepdims}

    Returns
    -------
    DistArray
        Counts in the default integer dtype (int64); 0-d (held whole by
        every rank) when every axis is reduced.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    numpy.exceptions.AxisError
        If an axis is out of range.

    See Also
    --------
    numpy.count_nonzero, nonzero

    Notes
    -----
    Communication: per-rank counts summed within the reduced axes'
    sub-communicators.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([[0, 1, 2], [3, 0, 0]]))
    >>> int(nd.count_nonzero(x))
    3
    >>> nd.asnumpy(nd.count_nonzero(x, axis=0))
    array([1, 1, 1])
    """
    x = require_array(x)
    out = wrap(np.count_nonzero(x, axis=axis, keepdims=keepdims), x)
    return out if out.dtype == np.int64 else out.astype(np.int64)


@namespace_doc
def nonzero(x: DistArray, /) -> tuple[DistArray, ...]:
    """Indices of the non-zero (true) elements of ``x``, one array per axis.

    ``numpy.nonzero`` through NumPy dispatch (natively distributed).  The
    indices come in C order of the elements.

    Parameters
    ----------
    {x}

    Returns
    -------
    tuple of DistArray
        One one-dimensional int64 array per axis of ``x``, all of the length
        of the number of non-zero elements (data-dependent).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` is 0-d.

    See Also
    --------
    numpy.nonzero, count_nonzero, where

    Notes
    -----
    Communication: an exclusive scan of the per-rank counts numbers the
    found elements globally; the indices stay where they were found.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([[0, 1, 2], [3, 0, 0]]))
    >>> rows, cols = nd.nonzero(x)
    >>> nd.asnumpy(rows), nd.asnumpy(cols)
    (array([0, 0, 1]), array([1, 2, 0]))
    """
    x = require_array(x)
    return tuple(_aliases.nonzero(x, compat_xp))


def searchsorted(x1: DistArray, x2: DistArray | complex, /, *, side: str = "left",
                 sorter: DistArray | None = None) -> DistArray:
    """Where each element of ``x2`` would go in the sorted one-dimensional ``x1`` to keep it sorted.

    ``numpy.searchsorted`` through NumPy dispatch (natively distributed).

    Parameters
    ----------
    x1 : DistArray
        A one-dimensional array, sorted ascending (or sorted by ``sorter``).
    x2 : DistArray or bool, int, float
        The values to place: an array of any shape, or a Python scalar.
    side : {"left", "right"}, optional
        For a value equal to elements of ``x1``: ``"left"`` (default) gives
        the index of the first of them, ``"right"`` the index after the last.
    sorter : DistArray, optional
        Integer indices that sort ``x1`` ascending (``argsort(x1)``), when
        ``x1`` itself is not sorted.

    Returns
    -------
    DistArray
        int64 indices into ``x1``, of ``x2``'s shape (0-d for a scalar ``x2``).

    Raises
    ------
    TypeError
        If ``x1`` is not a numpy_dist array.
    ValueError
        If ``x1`` is not one-dimensional, or ``side`` is neither ``"left"``
        nor ``"right"``.

    See Also
    --------
    numpy.searchsorted, sort

    Notes
    -----
    Communication: the first element of every block of ``x1`` (one
    allgather) tells which rank decides each value of ``x2``; an array
    ``x2`` travels to those ranks and back (two all-to-all exchanges), a
    scalar's answer is combined with one allreduce.  ``x1`` is never gathered.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x1 = nd.asarray(np.array([1.0, 2.0, 2.0, 5.0]))
    >>> nd.asnumpy(nd.searchsorted(x1, nd.asarray(np.array([0.0, 2.0, 9.0]))))
    array([0, 1, 4])
    >>> int(nd.searchsorted(x1, 2.0, side="right"))
    3
    """
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
    """Each element from ``x1`` where ``condition`` is true, else from ``x2``.

    ``numpy.where`` through NumPy dispatch (natively distributed).

    Parameters
    ----------
    condition : DistArray
        Boolean array choosing between ``x1`` (True) and ``x2`` (False).
    x1, x2 : DistArray or bool, int, float, complex
        The values to choose from: arrays, or Python scalars.  The three
        arguments broadcast against each other.

    Returns
    -------
    DistArray
        The broadcast shape of the three arguments, in the dtype ``x1``
        and ``x2`` promote to.

    Raises
    ------
    TypeError
        If none of the arguments is a numpy_dist array.
    ValueError
        If the shapes do not broadcast.

    See Also
    --------
    numpy.where, nonzero

    Notes
    -----
    Communication: none when the array arguments share a distribution;
    otherwise they are aligned to a common layout first.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([-2.0, 3.0, -1.0]))
    >>> nd.asnumpy(nd.where(x > 0, x, 0.0))
    array([0., 3., 0.])
    """
    like = next((a for a in (condition, x1, x2) if isinstance(a, DistArray)), None)
    if like is None:
        raise TypeError("where() needs at least one numpy_dist array argument")
    return wrap(np.where(condition, x1, x2), like)
