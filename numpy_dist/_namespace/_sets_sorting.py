"""Set, sorting and main-namespace linear algebra functions of the array API standard.

``unique_*``, ``sort``, ``argsort``, ``matmul``, ``tensordot`` and
``matrix_transpose`` are array-api-compat's generic helpers run with an
``xp`` whose non-creation functions are NumPy's (so they dispatch to
numpy_dist); ``vecdot`` is a native broadcast multiply plus a sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from array_api_compat.common import _aliases

from ..distarray import DistArray
from ._docs import namespace_doc
from ._helpers import compat_xp, normalize_axis, require_array, wrap

__all__ = [
    "unique_all", "unique_counts", "unique_inverse", "unique_values", "isin", "argsort", "sort",
    "matmul", "matrix_transpose", "tensordot", "vecdot",
]


class UniqueAllResult(NamedTuple):
    values: DistArray
    indices: DistArray
    inverse_indices: DistArray
    counts: DistArray


class UniqueCountsResult(NamedTuple):
    values: DistArray
    counts: DistArray


class UniqueInverseResult(NamedTuple):
    values: DistArray
    inverse_indices: DistArray


@namespace_doc
def unique_all(x: DistArray, /) -> UniqueAllResult:
    """The sorted unique elements of ``x``, with where they first occur, where each element went, and counts.

    ``numpy.unique`` with every optional output, through NumPy dispatch.

    Parameters
    ----------
    {x}

    Returns
    -------
    UniqueAllResult
        Named tuple of DistArrays: ``values`` (the unique elements,
        sorted, one-dimensional), ``indices`` (flat index in ``x`` of each
        value's first occurrence), ``inverse_indices`` (``x``'s shape: the
        position in ``values`` of each element) and ``counts``.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.

    See Also
    --------
    numpy.unique, unique_counts, unique_inverse, unique_values

    Notes
    -----
    NaNs are distinct from each other (each NaN is its own unique value).
    Communication: a distributed sort of ``x``'s elements, then the index outputs go back to the elements' owners.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([3, 1, 2, 1]))
    >>> r = nd.unique_all(x)
    >>> nd.asnumpy(r.values), nd.asnumpy(r.indices), nd.asnumpy(r.counts)
    (array([1, 2, 3]), array([1, 2, 0]), array([2, 1, 1]))
    >>> nd.asnumpy(r.inverse_indices)
    array([2, 0, 1, 0])
    """
    x = require_array(x)
    return UniqueAllResult(*_aliases.unique_all(x, compat_xp))


@namespace_doc
def unique_counts(x: DistArray, /) -> UniqueCountsResult:
    """The sorted unique elements of ``x`` and how often each occurs.

    ``numpy.unique`` with ``return_counts``, through NumPy dispatch.

    Parameters
    ----------
    {x}

    Returns
    -------
    UniqueCountsResult
        Named tuple of one-dimensional DistArrays ``values`` (sorted) and
        ``counts`` (int64).

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.

    See Also
    --------
    numpy.unique, unique_all, unique_values

    Notes
    -----
    NaNs are distinct from each other (each NaN is its own unique value).
    Communication: a distributed sort of ``x``'s elements.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([3, 1, 2, 1]))
    >>> values, counts = nd.unique_counts(x)
    >>> nd.asnumpy(values), nd.asnumpy(counts)
    (array([1, 2, 3]), array([2, 1, 1]))
    """
    x = require_array(x)
    return UniqueCountsResult(*_aliases.unique_counts(x, compat_xp))


@namespace_doc
def unique_inverse(x: DistArray, /) -> UniqueInverseResult:
    """The sorted unique elements of ``x`` and, for each element, its position among them.

    ``numpy.unique`` with ``return_inverse``, through NumPy dispatch.

    Parameters
    ----------
    {x}

    Returns
    -------
    UniqueInverseResult
        Named tuple of DistArrays ``values`` (sorted, one-dimensional) and
        ``inverse_indices`` (``x``'s shape), with ``values[inverse_indices]``
        equal to ``x``.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.

    See Also
    --------
    numpy.unique, unique_all, unique_values

    Notes
    -----
    NaNs are distinct from each other (each NaN is its own unique value).
    Communication: a distributed sort of ``x``'s elements, then the inverse indices go back to the elements' owners.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([3, 1, 2, 1]))
    >>> values, inverse = nd.unique_inverse(x)
    >>> nd.asnumpy(values), nd.asnumpy(inverse)
    (array([1, 2, 3]), array([2, 0, 1, 0]))
    """
    x = require_array(x)
    return UniqueInverseResult(*_aliases.unique_inverse(x, compat_xp))


@namespace_doc
def unique_values(x: DistArray, /) -> DistArray:
    """The sorted unique elements of ``x``, as a one-dimensional array.

    ``numpy.unique`` through NumPy dispatch.

    Parameters
    ----------
    {x}

    Returns
    -------
    DistArray
        One-dimensional, sorted, of data-dependent length.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.

    See Also
    --------
    numpy.unique, unique_all, unique_counts

    Notes
    -----
    NaNs are distinct from each other (each NaN is its own unique value).
    Communication: a distributed sort of ``x``'s elements.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([3, 1, 2, 1]))
    >>> nd.asnumpy(nd.unique_values(x))
    array([1, 2, 3])
    """
    x = require_array(x)
    return _aliases.unique_values(x, compat_xp)


def isin(x1: DistArray | complex, x2: DistArray | complex, /, *, invert: bool = False) -> DistArray:
    """Whether each element of ``x1`` occurs among the elements of ``x2``.

    ``numpy.isin`` through NumPy dispatch.

    Parameters
    ----------
    x1 : DistArray or bool, int, float, complex
        The elements to look up (an array, or a Python scalar).
    x2 : DistArray or bool, int, float, complex
        The elements to look among (any shape; an array, or a Python scalar).
    invert : bool, optional
        If True, answer whether each element does *not* occur.  Default False.

    Returns
    -------
    DistArray
        Boolean, of ``x1``'s shape.

    Raises
    ------
    TypeError
        If neither ``x1`` nor ``x2`` is a numpy_dist array.

    See Also
    --------
    numpy.isin, unique_values

    Notes
    -----
    Communication: ``x2`` is sample-sorted; every element of ``x1`` goes
    to the rank holding its value range of the sorted ``x2`` and the
    answer comes back (all-to-all exchanges); nothing is gathered.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([3, 1, 2, 1]))
    >>> nd.asnumpy(nd.isin(x, nd.asarray(np.array([1, 2]))))
    array([False,  True,  True,  True])
    """
    like = x1 if isinstance(x1, DistArray) else x2
    like = require_array(like, "x1")
    return wrap(np.isin(x1, x2, invert=invert), like)


@namespace_doc
def argsort(x: DistArray, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> DistArray:
    """Indices that sort ``x`` along ``axis``.

    ``numpy.argsort`` through NumPy dispatch (natively distributed).

    Parameters
    ----------
    {x}
    axis : int, optional
        The axis to sort along (default the last).
    descending : bool, optional
        If True, sort largest first.  Default False.
    stable : bool, optional
        If True (default), equal elements keep their relative order (also
        when descending).  numpy_dist's sorts are always stable.

    Returns
    -------
    DistArray
        int64 indices of ``x``'s shape: ``take_along_axis(x, argsort(x, axis=a), axis=a)`` is sorted.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` is 0-d.
    IndexError
        If ``axis`` is out of range.

    See Also
    --------
    numpy.argsort, sort, take_along_axis

    Notes
    -----
    NaNs sort to the end (the beginning when descending).  Communication:
    none along an axis every rank holds whole.  A distributed 1-d array is
    sample-sorted (splitters chosen from samples, one all-to-all exchange
    of the elements); an N-d array is re-laid so that ``axis`` is whole on
    each rank (one all-to-all exchange), sorted, and laid back.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([3, 1, 2, 1]))
    >>> nd.asnumpy(nd.argsort(x))
    array([1, 3, 2, 0])
    >>> nd.asnumpy(nd.argsort(x, descending=True))
    array([0, 2, 1, 3])
    """
    x = require_array(x)
    if x.ndim == 0:
        raise ValueError("argsort needs an array with at least one dimension")
    normalize_axis(axis, x.ndim)
    return _aliases.argsort(x, compat_xp, axis=axis, descending=descending, stable=stable)


@namespace_doc
def sort(x: DistArray, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> DistArray:
    """A sorted copy of ``x`` along ``axis``.

    ``numpy.sort`` through NumPy dispatch (natively distributed), reversed
    when ``descending``.

    Parameters
    ----------
    {x}
    axis : int, optional
        The axis to sort along (default the last).
    descending : bool, optional
        If True, sort largest first.  Default False.
    stable : bool, optional
        If True (default), equal elements keep their relative order (also
        when descending).  numpy_dist's sorts are always stable.

    Returns
    -------
    DistArray
        ``x``'s shape and dtype.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` is 0-d.
    IndexError
        If ``axis`` is out of range.

    See Also
    --------
    numpy.sort, argsort

    Notes
    -----
    NaNs sort to the end (the beginning when descending).  Communication:
    none along an axis every rank holds whole.  A distributed 1-d array is
    sample-sorted (splitters chosen from samples, one all-to-all exchange
    of the elements); an N-d array is re-laid so that ``axis`` is whole on
    each rank (one all-to-all exchange), sorted, and laid back.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([3, 1, 2, 1]))
    >>> nd.asnumpy(nd.sort(x))
    array([1, 1, 2, 3])
    >>> nd.asnumpy(nd.sort(x, descending=True))
    array([3, 2, 1, 1])
    """
    x = require_array(x)
    if x.ndim == 0:
        raise ValueError("sort needs an array with at least one dimension")
    normalize_axis(axis, x.ndim)
    return _aliases.sort(x, compat_xp, axis=axis, descending=descending, stable=stable)


def matmul(x1: DistArray, x2: DistArray, /) -> DistArray:
    """Matrix product of ``x1`` and ``x2`` (``x1 @ x2``).

    ``numpy.matmul`` through NumPy dispatch.  A one-dimensional operand is a
    vector (a row on the left, a column on the right); axes before the last
    two are stacks of matrices and broadcast.

    Parameters
    ----------
    x1, x2 : DistArray
        The operands, each at least one-dimensional; the last axis of
        ``x1`` and the second-last of ``x2`` (the only one for a vector)
        have the same length.

    Returns
    -------
    DistArray
        The product; 0-d (held whole by every rank) for two vectors.

    Raises
    ------
    TypeError
        If an operand is not a numpy_dist array.
    ValueError
        If an operand is 0-d, or the contracted lengths differ.

    See Also
    --------
    numpy.matmul, tensordot, vecdot

    Notes
    -----
    Communication: blocks of the operands are exchanged so each rank can
    form its block of the product (a distributed matrix product); the
    partial sums over the contracted axis are combined.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> a = nd.asarray(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> nd.asnumpy(nd.matmul(a, a))
    array([[ 7., 10.],
           [15., 22.]])
    >>> v = nd.asarray(np.array([1.0, 1.0]))
    >>> float(nd.matmul(v, v))
    2.0
    """
    x1 = require_array(x1, "x1")
    x2 = require_array(x2, "x2")
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError("matmul does not accept zero-dimensional arrays")
    return wrap(_aliases.matmul(x1, x2, compat_xp), x1)


@namespace_doc
def matrix_transpose(x: DistArray, /) -> DistArray:
    """``x`` with its last two axes swapped (each matrix of a stack transposed).

    Parameters
    ----------
    {x}

    Returns
    -------
    DistArray
        ``x``'s shape with the last two lengths swapped.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions.

    See Also
    --------
    numpy.matrix_transpose, permute_dims

    Notes
    -----
    Communication: none; the distribution's axes are swapped with the data.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(6).reshape(2, 3))
    >>> nd.asnumpy(nd.matrix_transpose(x))
    array([[0, 3],
           [1, 4],
           [2, 5]])
    """
    x = require_array(x)
    return _aliases.matrix_transpose(x, compat_xp)


def tensordot(x1: DistArray, x2: DistArray, /, *,
              axes: int | tuple[Sequence[int], Sequence[int]] = 2) -> DistArray:
    """Sum of products of ``x1`` and ``x2`` over the axes ``axes``.

    ``numpy.tensordot`` through NumPy dispatch.

    Parameters
    ----------
    x1, x2 : DistArray
        The operands.
    axes : int or pair of sequences of int, optional
        An int ``n`` contracts the last ``n`` axes of ``x1`` with the first
        ``n`` of ``x2`` (default 2); a pair ``(a1, a2)`` contracts axis
        ``a1[i]`` of ``x1`` with axis ``a2[i]`` of ``x2``.

    Returns
    -------
    DistArray
        The remaining axes of ``x1``, then those of ``x2``; 0-d (held whole
        by every rank) when every axis is contracted.

    Raises
    ------
    TypeError
        If an operand is not a numpy_dist array.
    ValueError
        If contracted axes differ in length.

    See Also
    --------
    numpy.tensordot, matmul, vecdot

    Notes
    -----
    Communication: as :func:`matmul`, on the operands reshaped to matrices.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(6).reshape(2, 3))
    >>> nd.asnumpy(nd.tensordot(x, x, axes=([1], [1])))
    array([[ 5, 14],
           [14, 50]])
    >>> int(nd.tensordot(x, x))
    55
    """
    x1 = require_array(x1, "x1")
    x2 = require_array(x2, "x2")
    return wrap(_aliases.tensordot(x1, x2, compat_xp, axes=axes), x1)


def vecdot(x1: DistArray, x2: DistArray, /, *, axis: int = -1) -> DistArray:
    """Dot products of the vectors of ``x1`` and ``x2`` along ``axis``, conjugating ``x1``.

    Computed natively as ``sum(conj(x1) * x2, axis)`` in the dtype the
    operands promote to, after broadcasting them against each other.

    Parameters
    ----------
    x1, x2 : DistArray
        The operands, at least one-dimensional, of one length along ``axis``.
    axis : int, optional
        The axis holding the vectors (default the last).  A non-negative
        value counts in the shorter operand; a negative one from the end.

    Returns
    -------
    DistArray
        The broadcast shape without ``axis``; 0-d (held whole by every
        rank) for two vectors.

    Raises
    ------
    TypeError
        If an operand is not a numpy_dist array.
    ValueError
        If an operand is 0-d, ``axis`` is out of range, or the lengths
        along ``axis`` differ.

    See Also
    --------
    numpy.vecdot, matmul

    Notes
    -----
    Communication: that of the broadcast (when the operands' layouts
    differ) and of the sum along ``axis``.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.array([[1.0, 2.0], [3.0, 4.0]]))
    >>> nd.asnumpy(nd.vecdot(x, x))
    array([ 5., 25.])
    >>> z = nd.asarray(np.array([1j, 1.0]))
    >>> complex(nd.vecdot(z, z))
    (2+0j)
    """
    x1 = require_array(x1, "x1")
    x2 = require_array(x2, "x2")
    n = max(x1.ndim, x2.ndim)
    if min(x1.ndim, x2.ndim) == 0:
        raise ValueError("vecdot needs arrays with at least one dimension")
    if not -n <= axis < 0 and not (0 <= axis < min(x1.ndim, x2.ndim)):
        raise ValueError(f"axis {axis} is out of range for vecdot of {x1.ndim}-d and {x2.ndim}-d arrays")
    if x1.shape[axis] != x2.shape[axis]:
        raise ValueError(f"x1 and x2 must have the same size along axis {axis}: {x1.shape} vs {x2.shape}")
    a, b = np.broadcast_arrays(x1, x2)
    prod = np.multiply(np.conjugate(a) if a.dtype.kind == "c" else a, b)
    return wrap(np.sum(prod, axis=axis, dtype=prod.dtype), x1)
