"""Creation functions of the array API standard.

numpy_dist's own creation functions already take the standard's arguments
(``dtype=``, ``device=``, ``copy=`` for ``asarray``) plus ``dist=``,
``grid_shape=`` and ``comm=``; they are re-exported unchanged.  This module
adds ``from_dlpack``, ``meshgrid``, ``tril`` and ``triu``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..creation import (
    arange,
    asarray,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from ..comm import get_comm
from ..distarray import DistArray
from ._docs import namespace_doc
from ._helpers import check_device, require_array

__all__ = [
    "arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full", "full_like", "linspace",
    "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like",
]


@namespace_doc
def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> DistArray:
    """A DistArray from an object that supports DLPack (single rank only).

    A DLPack capsule describes one block of memory in one process, so this
    works only with one MPI rank: the object is imported with
    ``numpy.from_dlpack`` and wrapped.  A DistArray argument is returned as
    is (copied with ``copy=True``) on any number of ranks.

    Parameters
    ----------
    x : object
        An object with ``__dlpack__`` (a NumPy array, a tensor of another
        library on the CPU), or a DistArray.
    {device}
    copy : bool or None, optional
        True: always copy.  False: never copy (NumPy raises if it must).
        None (default): copy only if needed.

    Returns
    -------
    DistArray
        ``x``'s data, on the default communicator.

    Raises
    ------
    BufferError
        With more than one rank (on every rank, before any message), or
        when NumPy cannot import ``x`` as asked.
    ValueError
        If ``device`` is not ``"cpu"`` or None.

    See Also
    --------
    numpy.from_dlpack, asarray, from_local

    Notes
    -----
    Communication: none.  To distribute data every rank holds, use
    :func:`numpy_dist.asarray`; to wrap per-rank blocks, :func:`numpy_dist.from_local`.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> d = nd.asarray(np.arange(3))
    >>> nd.from_dlpack(d) is d  # a DistArray passes through on any number of ranks
    True
    >>> if nd.get_comm().Get_size() == 1:  # a NumPy array: one rank only
    ...     y = nd.from_dlpack(np.arange(3))
    ... else:  # more ranks raise BufferError: distribute with asarray instead
    ...     y = nd.asarray(np.arange(3))
    >>> nd.asnumpy(y)
    array([0, 1, 2])
    """
    check_device(device)
    if isinstance(x, DistArray):
        return x.copy() if copy else x
    comm = get_comm(None)
    if comm.Get_size() != 1:
        raise BufferError("from_dlpack needs a single MPI rank: a DLPack capsule is one process's memory, "
                          "not a distributed array; use numpy_dist.from_local or numpy_dist.asarray instead")
    local = np.from_dlpack(x, copy=copy)
    return asarray(local, copy=copy)


def meshgrid(*arrays: DistArray, indexing: str = "xy") -> tuple[DistArray, ...]:
    """Coordinate arrays from one-dimensional coordinate vectors.

    ``numpy.meshgrid`` through NumPy dispatch.

    Parameters
    ----------
    *arrays : DistArray
        One-dimensional arrays of one dtype, one per dimension of the grid.
    indexing : {"xy", "ij"}, optional
        ``"xy"`` (default, Cartesian): for two inputs of lengths ``M`` and
        ``N`` the outputs have shape ``(N, M)``.  ``"ij"`` (matrix): shape
        ``(M, N)``.

    Returns
    -------
    tuple of DistArray
        One array per input, all of the grid's shape; the ``i``-th varies
        along the axis of input ``i``.

    Raises
    ------
    TypeError
        If an argument is not a numpy_dist array.
    ValueError
        If ``indexing`` is neither ``"xy"`` nor ``"ij"``, an input is not
        one-dimensional, or the inputs' dtypes differ.

    See Also
    --------
    numpy.meshgrid, broadcast_arrays

    Notes
    -----
    Communication: each output is a broadcast of one input (that input's
    elements move to the output's layout).

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> gx, gy = nd.meshgrid(nd.asarray(np.array([1, 2, 3])), nd.asarray(np.array([4, 5])))
    >>> gx.shape
    (2, 3)
    >>> nd.asnumpy(gy)
    array([[4, 4, 4],
           [5, 5, 5]])
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"indexing must be 'xy' or 'ij', got {indexing!r}")
    arrays = tuple(require_array(a, f"arrays[{i}]") for i, a in enumerate(arrays))
    for i, a in enumerate(arrays):
        if a.ndim != 1:
            raise ValueError(f"meshgrid takes one-dimensional arrays; arrays[{i}] has {a.ndim} dimensions")
    if len({a.dtype for a in arrays}) > 1:
        raise ValueError("meshgrid: all arrays must have the same data type")
    return tuple(np.meshgrid(*arrays, indexing=indexing))


@namespace_doc
def tril(x: DistArray, /, *, k: int = 0) -> DistArray:
    """The lower triangle of each matrix in ``x``: elements above the ``k``-th diagonal are zeroed.

    ``numpy.tril`` through NumPy dispatch.

    Parameters
    ----------
    x : DistArray
        At least two-dimensional; the last two axes hold the matrices.
    k : int, optional
        The diagonal that bounds the triangle: 0 (default) the main one,
        positive above it, negative below.

    Returns
    -------
    DistArray
        ``x``'s shape and dtype.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions.

    See Also
    --------
    numpy.tril, triu

    Notes
    -----
    Communication: none; each rank zeroes its block from its global indices.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(1, 10).reshape(3, 3))
    >>> nd.asnumpy(nd.tril(x))
    array([[1, 0, 0],
           [4, 5, 0],
           [7, 8, 9]])
    >>> nd.asnumpy(nd.tril(x, k=-1))
    array([[0, 0, 0],
           [4, 0, 0],
           [7, 8, 0]])
    """
    x = require_array(x)
    if x.ndim < 2:
        raise ValueError("tril needs an array with at least two dimensions")
    return np.tril(x, k=k)


@namespace_doc
def triu(x: DistArray, /, *, k: int = 0) -> DistArray:
    """The upper triangle of each matrix in ``x``: elements below the ``k``-th diagonal are zeroed.

    ``numpy.triu`` through NumPy dispatch.

    Parameters
    ----------
    x : DistArray
        At least two-dimensional; the last two axes hold the matrices.
    k : int, optional
        The diagonal that bounds the triangle: 0 (default) the main one,
        positive above it, negative below.

    Returns
    -------
    DistArray
        ``x``'s shape and dtype.

    Raises
    ------
    TypeError
        If ``x`` is not a numpy_dist array.
    ValueError
        If ``x`` has fewer than two dimensions.

    See Also
    --------
    numpy.triu, tril

    Notes
    -----
    Communication: none; each rank zeroes its block from its global indices.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> x = nd.asarray(np.arange(1, 10).reshape(3, 3))
    >>> nd.asnumpy(nd.triu(x))
    array([[1, 2, 3],
           [0, 5, 6],
           [0, 0, 9]])
    >>> nd.asnumpy(nd.triu(x, k=1))
    array([[0, 2, 3],
           [0, 0, 6],
           [0, 0, 0]])
    """
    x = require_array(x)
    if x.ndim < 2:
        raise ValueError("triu needs an array with at least two dimensions")
    return np.triu(x, k=k)
