"""Diagonals and triangles: ``np.diag``, ``np.diagflat``, ``np.diag_indices_from``, ``np.fill_diagonal``,
``np.tril_indices_from``, ``np.triu_indices_from`` and ``np.vander``.

Each rank builds its share of the result from global indices: a matrix built
from a vector is laid out in row blocks, and the vector is brought to the
rows that need it; index lists are laid out in even blocks of the output and
computed from the closed-form count of entries per row.  Arguments are
checked on global metadata, before any message.

Communication: ``diag``/``diagflat`` of a vector redistribute the vector
(each element to the rank holding its row); ``np.diag`` of a matrix is
``np.diagonal``; ``fill_diagonal`` with a DistArray ``val`` gathers ``val``
(a small operand); the others send nothing beyond one agreement on local
failures.
"""

from __future__ import annotations

import operator

import numpy as np

from .. import comm as _comm
from ..creation import arange
from ..distarray import DistArray
from ..distribution import Distribution
from .manipulation import as_distarray, ravel
from .fallback import gathered_operand
from .registry import implements

__all__ = ["diag", "diagflat", "diag_indices_from", "fill_diagonal", "tril_indices_from", "triu_indices_from",
           "vander", "local_flat_indices", "even_bounds"]


def even_bounds(n: int, P: int) -> np.ndarray:
    """Block bounds of ``n`` items over ``P`` ranks, the first ranks taking one more."""
    sizes = np.full(P, n // P, dtype=np.int64)
    sizes[: n % P] += 1
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def _matrix_from_vector(v: DistArray, k: int) -> DistArray:
    """The (n+|k|, n+|k|) matrix with ``v`` on diagonal ``k``, in row blocks."""
    n = v.shape[0]
    N = n + abs(k)
    comm = v.comm
    row_bounds = even_bounds(N, comm.Get_size())
    dist = Distribution.row_blocks(comm, (N, N), row_bounds)
    row_shift, col_shift = max(-k, 0), max(k, 0)
    # v[i] sits at row i + row_shift: each rank needs the v entries of its rows.
    v_bounds = np.clip(row_bounds - row_shift, 0, n)
    v_rows = v.to_layout(Distribution.row_blocks(comm, (n,), v_bounds))
    r0 = int(row_bounds[dist.rank])
    local = np.zeros(dist.local_shape, v.dtype)
    i = np.arange(int(v_bounds[dist.rank]), int(v_bounds[dist.rank + 1]))
    local[i + row_shift - r0, i + col_shift] = v_rows.local
    return DistArray._new(local, dist)


@implements(np.diag)
def diag(v, k=0):
    """``np.diag``: a diagonal of a matrix, or a matrix with a vector on a diagonal.

    Parameters
    ----------
    v : DistArray
        1-d: the diagonal to place; 2-d: the matrix to read.
    k : int
        The diagonal (0 main, > 0 above, < 0 below).

    Returns
    -------
    DistArray
        For a vector, the square matrix of side ``len(v) + abs(k)`` in row
        blocks; for a matrix, ``np.diagonal(v, k)``.
    """
    v = as_distarray(v)
    if v.ndim == 1:
        return _matrix_from_vector(v, operator.index(k))
    if v.ndim == 2:
        return np.diagonal(v, k)
    raise ValueError("Input must be 1- or 2-d.")


@implements(np.diagflat)
def diagflat(v, k=0):
    """``np.diagflat``: the flattened input on diagonal ``k`` of a square matrix (row blocks)."""
    v = as_distarray(v)
    return _matrix_from_vector(ravel(v), operator.index(k))


def _check_square(a: DistArray) -> None:
    if a.ndim < 2:
        raise ValueError("input array must be at least 2-d")
    if any(n != a.shape[0] for n in a.shape[1:]):
        raise ValueError("All dimensions of input must be of equal length")


@implements(np.diag_indices_from)
def diag_indices_from(arr):
    """``np.diag_indices_from``: ``arr.ndim`` times the same distributed ``arange(n)``."""
    arr = as_distarray(arr)
    _check_square(arr)
    idx = arange(arr.shape[0], dtype=np.intp, comm=arr.comm)
    return (idx,) * arr.ndim


def _diagonal_values(a: DistArray, val) -> np.ndarray:
    """``val`` as ``a.flat[...] = val`` reads it: flattened, converted to ``a``'s dtype."""
    if isinstance(val, DistArray):
        val = gathered_operand(val, "numpy.fill_diagonal val")  # repeated along the diagonal: any rank may need any
    if isinstance(val, np.ndarray):
        return val.astype(a.dtype).reshape(-1)
    return np.array(val, dtype=a.dtype).reshape(-1)


def local_flat_indices(a: DistArray) -> np.ndarray:
    """Global C-order flat index of every element of this rank's block."""
    dist = a.distribution
    strides = [int(np.prod(a.shape[axis + 1:], dtype=np.int64)) for axis in range(a.ndim)]  # none for 0-d
    flat = np.zeros(dist.local_shape, np.int64)
    for axis, stride in enumerate(strides):
        idx = dist.local_indices(axis).astype(np.int64) * int(stride)
        flat += idx.reshape((-1,) + (1,) * (a.ndim - axis - 1))
    return flat


@implements(np.fill_diagonal)
def fill_diagonal(a, val, wrap=False):
    """``np.fill_diagonal``: writes ``val`` (repeated as needed) on the main diagonal of ``a``, in place.

    Parameters
    ----------
    a : DistArray
        At least 2-d; all axes of equal length when more than 2-d.  Written.
    val : scalar or array_like
        Values placed cyclically along the diagonal.
    wrap : bool
        For tall matrices, whether the diagonal wraps after N columns.

    Returns
    -------
    None
    """
    if not isinstance(a, DistArray):  # only ``val`` was distributed
        return np.fill_diagonal(a, gathered_operand(val, "numpy.fill_diagonal val"), wrap)
    if a.ndim < 2:
        raise ValueError("array must be at least 2-d")
    end = None
    if a.ndim == 2:
        step = a.shape[1] + 1
        if not wrap:
            end = a.shape[1] * a.shape[1]
    else:
        if any(n != a.shape[0] for n in a.shape[1:]):
            raise ValueError("All dimensions of input must be of equal length")
        step = 1 + int(np.cumprod(a.shape[:-1]).sum())
    values = _diagonal_values(a, val)
    if values.size == 0 or a.size == 0:
        return None
    with _comm.agreed(a.comm, fp="fill_diagonal"):
        flat = local_flat_indices(a)
        on_diagonal = flat % step == 0
        if end is not None:
            on_diagonal &= flat < end
        a.local[on_diagonal] = values[(flat[on_diagonal] // step) % values.size]
    return None


def _row_counts(n: int, m: int, k, lower: bool) -> tuple[np.ndarray, np.ndarray]:
    """Entries per row of the triangle of an (n, m) matrix, and each row's first column.

    As ``np.tri``: row ``i`` of the lower triangle holds the columns ``j``
    with ``i >= arange(-k, m - k)[j]`` (an integer arange, whatever ``k``'s
    type); the upper triangle is the complement of the lower one at ``k - 1``.
    """
    shift = k if lower else k - 1
    column_keys = np.arange(-shift, m - shift, dtype=np.int64)
    rows = np.arange(n, dtype=np.int64)
    below = np.searchsorted(column_keys, rows, side="right").astype(np.int64)  # columns with key <= row
    if lower:
        return below, np.zeros(n, np.int64)
    return m - below, below


def _triangle_indices(arr, k, lower: bool) -> tuple[DistArray, DistArray]:
    """Row and column indices of the lower/upper triangle, in even blocks of the output."""
    arr = as_distarray(arr)
    if arr.ndim != 2:
        raise ValueError("input array must be 2-d")
    counts, first = _row_counts(arr.shape[0], arr.shape[1], k, lower)
    starts = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    total = int(starts[-1])
    comm = arr.comm
    bounds = even_bounds(total, comm.Get_size())
    dist = Distribution.row_blocks(comm, (total,), bounds)
    positions = np.arange(int(bounds[dist.rank]), int(bounds[dist.rank + 1]), dtype=np.int64)
    rows = np.searchsorted(starts, positions, side="right") - 1
    cols = positions - starts[rows] + first[rows]
    return DistArray._new(rows.astype(np.intp), dist), DistArray._new(cols.astype(np.intp), dist)


@implements(np.tril_indices_from)
def tril_indices_from(arr, k=0):
    """``np.tril_indices_from``: the indices of the lower triangle (row-major), in even blocks."""
    return _triangle_indices(arr, k, True)


@implements(np.triu_indices_from)
def triu_indices_from(arr, k=0):
    """``np.triu_indices_from``: the indices of the upper triangle (row-major), in even blocks."""
    return _triangle_indices(arr, k, False)


@implements(np.vander)
def vander(x, N=None, increasing=False):
    """``np.vander``: each rank computes the rows of its elements of ``x`` (no communication).

    Parameters
    ----------
    x : DistArray
        1-d input.
    N : int, optional
        Number of columns (default ``len(x)``).
    increasing : bool
        Powers increasing from left to right.

    Returns
    -------
    DistArray
        Shape ``(len(x), N)``, laid out as ``x`` along the rows.
    """
    x = as_distarray(x)
    if x.ndim != 1:
        raise ValueError("x must be a one-dimensional array or sequence.")
    if N is None:
        N = x.shape[0]
    np.vander(np.empty(0, x.dtype), N, increasing)  # NumPy's checks of N and the dtype, on every rank
    with _comm.agreed(x.comm, fp="vander"):
        local = np.vander(x.local, N, increasing)
    return DistArray._new(local, x.distribution.extended((local.shape[1],)))
