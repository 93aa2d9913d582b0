"""Indexing functions: take, take_along_axis, put, put_along_axis, compress, extract, nonzero, argwhere,
flatnonzero.

Communication: row requests (one Alltoallv) for take and compress; a
distributed index array of take or put is read where it lives (its values
move once, to the result's layout), a compress condition is gathered whole; a
redistribution into a work layout for take_along_axis; for put_along_axis
the alignment of indices and values with block rows of the indexing shape,
then one Alltoallv of target positions and one of values to the target's
owners (a target whose blocks are replicated over ranks is first moved to
block rows and back); an allgather of the per-rank counts for nonzero and
its relatives.
"""

from __future__ import annotations

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..creation import asnumpy, empty
from ..distarray import DistArray, aligned_block
from ..distribution import Distribution
from ..indexing import block_rows, check_int_index, converted_value, shape_standin
from ..maps import BlockMap, NoDistMap
from ..redistribute import redistribute_local, reshape_local, scatter_points
from .manipulation import as_distarray, ravel, reshape, take_rows
from .operands import store_result
from .registry import implements


def _index_values(indices, n: int, axis: int, mode: str) -> np.ndarray:
    idx = _intp_indices(indices, "same_kind").astype(np.int64)
    if mode == "wrap":
        return idx % n if n else idx
    if mode == "clip":
        return np.clip(idx, 0, n - 1)
    if mode != "raise":
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    return check_int_index(idx, n, axis)


def _check_take_out(out, a: DistArray, indices, axis) -> None:
    """NumPy's checks of take's ``out=``, made before the index bounds: the axis, the indices' dtype,
    the result's shape, then a safe cast from ``out``'s dtype to ``a``'s (NumPy writes the result
    back through a copy of ``out`` in ``a``'s dtype)."""
    if out is None:
        return
    flat = axis is None or a.ndim == 0
    ax = 0 if flat else normalize_axis_index(axis, a.ndim)
    idx = _intp_indices(indices, "same_kind")
    _check_written_out(out, idx.shape if flat else a.shape[:ax] + idx.shape + a.shape[ax + 1:], a.dtype)


def _check_written_out(out, shape: tuple, dtype: np.dtype) -> None:
    """take/compress's ``out=``: exactly the result's shape, and safely castable to ``dtype``."""
    if np.shape(out) != shape:
        raise ValueError("output array does not match result of ndarray.take")
    out_dtype = np.asarray(out).dtype if not isinstance(out, DistArray) else out.dtype
    if not np.can_cast(out_dtype, dtype, "safe"):
        raise TypeError(f"Cannot cast array data from {out_dtype!r} to {dtype!r} according to the rule 'safe'")


@implements(np.take)
def take(a, indices, axis=None, out=None, mode="raise"):
    """``np.take``: owner requests for the selected rows (index values are held by every rank)."""
    a = as_distarray(a)
    if isinstance(indices, DistArray) and indices.ndim:
        return _take_distributed(a, indices, axis, out, mode)
    idx_np = asnumpy(indices) if isinstance(indices, DistArray) else indices
    _check_take_out(out, a, idx_np, axis)
    np.take(shape_standin(a.shape), idx_np, axis=axis, mode=_checkable_mode(a, axis, mode))  # NumPy's checks
    if axis is None or a.ndim == 0:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, a.ndim)
    idx = _index_values(idx_np, a.shape[axis], axis, mode)
    shape = a.shape[:axis] + idx.shape + a.shape[axis + 1:]
    if a.shape[axis] == 0:  # NumPy let it through (the checks above), so the result is empty: no rows to fetch
        result = empty(shape, a.dtype, comm=a.comm)
    else:
        result = take_rows(a, idx.reshape(-1), axis)
        if idx.ndim != 1:
            result = reshape(result, shape)
    if out is not None:
        return store_result(out, result)
    return result


def _take_distributed(a: DistArray, indices: DistArray, axis, out, mode: str):
    """``np.take`` by a distributed index array: ``a[..., indices]`` along the axis (never gathered).

    NumPy's checks run on a stand-in of the indices (their dtype and shape); the bounds of mode
    ``'raise'`` are checked where the values are, and agreed.
    """
    standin = np.broadcast_to(np.zeros((), np.intp), indices.shape)
    _intp_indices(np.broadcast_to(np.zeros((), indices.dtype), indices.shape), "same_kind")  # NumPy's cast rule
    _check_take_out(out, a, standin, axis)
    np.take(shape_standin(a.shape), standin, axis=axis, mode=_checkable_mode(a, axis, mode))
    if axis is None or a.ndim == 0:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, a.ndim)
    n = a.shape[axis]
    if n == 0:  # NumPy let it through, so the indices are empty
        result = empty(a.shape[:axis] + indices.shape + a.shape[axis + 1:], a.dtype, comm=a.comm)
    else:
        idx = np.mod(indices, n) if mode == "wrap" else np.clip(indices, 0, n - 1) if mode == "clip" else indices
        result = a[(slice(None),) * axis + (idx,)]
    if out is not None:
        return store_result(out, result)
    return result


def _checkable_mode(a: DistArray, axis, mode):
    """The mode to run NumPy's take checks with: NumPy 2.4 loops forever in 'wrap' mode over an empty axis,
    where 'clip' reaches the same verdict (an empty result, or IndexError for a non-empty one)."""
    if mode != "wrap" or a.size:
        return mode
    return "clip"


@implements(np.take_along_axis)
def take_along_axis(arr, indices, axis=-1):
    """``np.take_along_axis``: the axis is made local (one redistribution), then NumPy runs per block.

    The blocks are split along a non-axis dimension that ``arr`` does not broadcast; when ``arr`` has
    length 1 on every such dimension it is one line, and the result is a flat ``take`` of it.
    """
    arr = as_distarray(arr)
    if axis is None:
        if np.ndim(indices) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        arr, axis = ravel(arr), 0
    axis = normalize_axis_index(axis, arr.ndim)
    idx_dtype = indices.dtype if isinstance(indices, DistArray) else np.asarray(indices).dtype
    if not np.issubdtype(idx_dtype, np.integer):  # NumPy's checks, in its order
        raise IndexError("`indices` must be an integer array")
    if np.ndim(indices) != arr.ndim:
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    idx_shape = np.shape(indices)
    try:
        out_shape = np.broadcast_shapes(tuple(1 if i == axis else n for i, n in enumerate(arr.shape)),
                                        tuple(1 if i == axis else n for i, n in enumerate(idx_shape)))
    except ValueError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together with shapes "
                         f"{arr.shape} {idx_shape}") from None  # NumPy's fancy-indexing error
    out_shape = out_shape[:axis] + (idx_shape[axis],) + out_shape[axis + 1:]
    other = next((i for i in range(arr.ndim) if i != axis and arr.shape[i] == out_shape[i]), None)
    if other is None:  # arr is one line along axis, broadcast to every other position
        idx_np = asnumpy(indices) if isinstance(indices, DistArray) else np.asarray(indices)
        return take(ravel(arr), np.broadcast_to(idx_np, out_shape), axis=0)
    maps = [NoDistMap(n) for n in arr.shape]
    maps[other] = BlockMap(arr.shape[other], arr.comm.Get_size())
    grid = [None] * arr.ndim
    grid[other] = 0
    work = Distribution.from_maps(arr.comm, maps, (arr.comm.Get_size(),), tuple(grid))
    data = arr.local if work == arr.distribution else redistribute_local(arr.local, arr.distribution, work)
    # The result is split like the work layout: the same rows of `other` (arr does not broadcast there).
    out_maps = [NoDistMap(n) for n in out_shape]
    out_maps[other] = maps[other]
    out_dist = Distribution.from_maps(arr.comm, out_maps, (arr.comm.Get_size(),), tuple(grid))
    idx_local = aligned_block(indices if isinstance(indices, DistArray) else np.asarray(indices), out_dist)
    n = arr.shape[axis]
    idx_local = np.asarray(idx_local)
    with _comm.agreed(arr.comm, fp="take_along_axis"):
        local = np.take_along_axis(data, np.where(idx_local < 0, idx_local + n, idx_local), axis=axis)
    return DistArray._new(local, out_dist)


def _along_axis_shape(arr_shape: tuple, indices, axis: int) -> tuple:
    """The indexing result's shape of ``np.put_along_axis``/``take_along_axis``, with NumPy's errors."""
    idx_dtype = indices.dtype if isinstance(indices, DistArray) else np.asarray(indices).dtype
    if not np.issubdtype(idx_dtype, np.integer):
        raise IndexError("`indices` must be an integer array")
    if np.ndim(indices) != len(arr_shape):
        raise ValueError("`indices` and `arr` must have the same number of dimensions")
    idx_shape = np.shape(indices)
    try:
        shape = np.broadcast_shapes(tuple(1 if i == axis else n for i, n in enumerate(arr_shape)),
                                    tuple(1 if i == axis else n for i, n in enumerate(idx_shape)))
    except ValueError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together with shapes "
                         f"{arr_shape} {idx_shape}") from None
    return shape[:axis] + (idx_shape[axis],) + shape[axis + 1:]


def _values_for(values, shape: tuple):
    """``values`` as an assignment to an indexing result of ``shape`` broadcasts them (NumPy's ValueError)."""
    if not isinstance(values, DistArray):
        values = np.asarray(values)
    vshape = values.shape
    while len(vshape) > len(shape) and vshape[0] == 1:
        vshape = vshape[1:]
    if len(vshape) > len(shape) or any(v not in (1, n) for v, n in zip(vshape[::-1], shape[::-1])):
        raise ValueError(f"shape mismatch: value array of shape {values.shape} could not be broadcast to "
                         f"indexing result of shape {shape}")
    if vshape == values.shape:
        return values
    return reshape(values, vshape) if isinstance(values, DistArray) else values.reshape(vshape)


def _target_points(idx: np.ndarray, work: Distribution, arr_shape: tuple, axis: int | None) -> np.ndarray:
    """Global coordinates in the target of this rank's block of the indexing result (laid out as ``work``)."""
    n = arr_shape[0 if axis is None else axis] if axis is not None else int(np.prod(arr_shape, dtype=np.int64))
    idx = check_int_index(np.asarray(idx), n, 0 if axis is None else axis)
    if axis is None:
        return np.stack(np.unravel_index(idx.reshape(-1), arr_shape), axis=1).astype(np.int64) if arr_shape \
            else np.zeros((idx.size, 0), np.int64)
    # A length-1 axis of the target is broadcast by NumPy's fancy index: every position there is 0.
    coords = [work.local_indices(i) if arr_shape[i] != 1 else np.zeros_like(work.local_indices(i))
              for i in range(work.ndim)]
    grids = list(np.meshgrid(*coords, indexing="ij", copy=False))
    grids[axis] = np.broadcast_to(idx, work.local_shape)
    return np.stack([g.reshape(-1) for g in grids], axis=1).astype(np.int64)


@implements(np.put_along_axis)
def put_along_axis(arr, indices, values, axis):
    """``np.put_along_axis``: ``values`` written into ``arr`` at the matching 1-d slices' ``indices``, in place.

    The indexing result (the broadcast shape of ``indices`` and ``arr``) is
    laid out in block rows; every rank sends the values of its rows to the
    owners of their target positions, in global order, so with repeated
    positions the last write wins, as in NumPy.

    Parameters
    ----------
    arr : DistArray
        The target, written in place.
    indices : integer array_like or DistArray
        ``arr``'s number of dimensions (1-d with ``axis=None``, flat positions).
    values : array_like or DistArray
        Broadcast to the indexing result; cast to ``arr``'s dtype.
    axis : int or None

    Returns
    -------
    None
    """
    if not isinstance(arr, DistArray):  # a NumPy target is whole on every rank: NumPy writes it
        return np.put_along_axis(arr, asnumpy(indices) if isinstance(indices, DistArray) else indices,
                                 asnumpy(values) if isinstance(values, DistArray) else values, axis)
    if axis is None:
        if np.ndim(indices) != 1:
            raise ValueError("when axis=None, `indices` must have a single dimension.")
        shape = _along_axis_shape((arr.size,), indices, 0)
    else:
        axis = normalize_axis_index(axis, arr.ndim)
        shape = _along_axis_shape(arr.shape, indices, axis)
    values = _values_for(converted_value(arr, values), shape)  # converted as NumPy's assignment does
    if 0 in shape:
        return None
    if arr.ndim == 0:  # one element, on every rank: the last value written there wins
        with _comm.agreed(arr.comm, fp="put_along_axis"):
            check_int_index(np.asarray(aligned_block(indices, arr.distribution.replicated(shape))), 1, 0)
            arr.local[()] = np.asarray(aligned_block(values, arr.distribution.replicated(shape))).reshape(-1)[-1]
        return None
    work = Distribution.row_blocks(arr.comm, shape)
    idx_local = aligned_block(indices if isinstance(indices, DistArray) else np.asarray(indices), work)
    values_local = aligned_block(values, work)
    target = arr
    if arr.comm.Get_size() > 1 and any(arr.distribution.proc_grid[g] > 1 for g in arr.distribution.replicated_dims):
        target = arr.to_layout(Distribution.row_blocks(arr.comm, arr.shape))  # each element on one rank only
    with _comm.agreed(arr.comm, fp="put_along_axis"):
        points = _target_points(idx_local, work, arr.shape, axis)
        vals = np.broadcast_to(values_local, work.local_shape).astype(arr.dtype).reshape(-1)
    scatter_points(target.local, target.distribution, points, vals, None, local_points=True)
    if target is not arr:
        arr.local[...] = target.to_layout(arr.distribution).local
    return None


def _put_mode(mode: str) -> str:
    if mode not in ("raise", "wrap", "clip"):
        raise ValueError(f"clipmode must be one of 'clip', 'raise', or 'wrap' (got {mode!r})")
    return mode


def _intp_indices(ind, casting: str = "safe") -> np.ndarray:
    """Indices as ``np.take``/``np.put`` read them: Python numbers and sequences are cast to intp
    (0.5 -> 0; NaN and strings raise), arrays only by ``casting`` (put: 'safe', take: 'same_kind';
    a float array is NumPy's TypeError for both, a uint64 array only for put)."""
    if isinstance(ind, (np.ndarray, DistArray)):
        if not np.can_cast(ind.dtype, np.intp, casting):
            what = "scalar" if ind.ndim == 0 else "array data"
            raise TypeError(f"Cannot cast {what} from {ind.dtype!r} to {np.dtype(np.intp)!r} "
                            f"according to the rule {casting!r}")
        ind = asnumpy(ind) if isinstance(ind, DistArray) else ind
    return np.array(ind, dtype=np.intp)


def _put_indices(ind) -> np.ndarray:
    """Flat indices as ``np.put`` reads them (see ``_intp_indices``)."""
    return _intp_indices(ind).reshape(-1)


def _put_values(a: DistArray, v) -> np.ndarray:
    """Values as ``np.put`` reads them: converted to ``a``'s dtype (NumPy's OverflowError for out-of-range
    Python ints, ValueError for NaN into integers; arrays are cast)."""
    if isinstance(v, DistArray):
        return asnumpy(v).astype(a.dtype).reshape(-1)
    return np.array(v, dtype=a.dtype).reshape(-1)


@implements(np.put)
def put(a, ind, v, mode="raise"):
    """``np.put``: flat-index assignment (the flat view is a reshape, written back).

    Checks run in NumPy's order on data every rank holds: the mode, the
    indices, an empty target (given indices), the values, then the bounds.
    """
    if not isinstance(a, DistArray):
        raise TypeError("put needs a DistArray to write into")
    mode = _put_mode(mode)
    distributed = isinstance(ind, DistArray) and ind.ndim > 0
    if distributed:  # read where it lives: NumPy's cast rule on a stand-in, then a flat distributed key
        _intp_indices(np.broadcast_to(np.zeros((), ind.dtype), ind.shape))
        idx = np.ravel(ind)
    else:
        idx = _put_indices(ind)
    if idx.size and a.size == 0:  # NumPy checks this before converting the values
        raise IndexError("cannot replace elements of an empty array")
    values = _put_values(a, v)
    if idx.size == 0 or values.size == 0:
        return None
    if not distributed:
        idx = _index_values(idx, a.size, 0, mode)
    elif mode != "raise":  # (mode 'raise': the key's bounds are checked where its values are)
        idx = np.mod(idx, a.size) if mode == "wrap" else np.clip(idx, 0, a.size - 1)
    if values.size != 1:
        values = np.resize(values, idx.size)  # NumPy repeats v as needed
    flat = ravel(a)
    flat[idx] = values
    a.local[...] = reshape_local(flat.local, flat.distribution, a.distribution)
    return None


@implements(np.compress)
def compress(condition, a, axis=None, out=None):
    """``np.compress``: the selected indices are taken along the axis."""
    cond = asnumpy(condition) if isinstance(condition, DistArray) else np.asarray(condition)
    a = as_distarray(a)
    # NumPy's checks: a 1-d condition whose nonzero positions (not its length) lie inside the axis.
    shape = np.compress(cond, shape_standin(a.shape), axis=axis).shape
    if out is not None:
        _check_written_out(out, shape, a.dtype)
    if a.size == 0:  # NumPy checks no positions against an empty array: nothing to take
        result = empty(shape, a.dtype, dist=None, comm=a.comm)
    else:
        if axis is None or a.ndim == 0:
            a, axis = ravel(a), 0
        axis = normalize_axis_index(axis, a.ndim)
        result = take_rows(a, np.flatnonzero(cond), axis)
    if out is not None:
        return store_result(out, result)
    return result


@implements(np.extract)
def extract(condition, arr):
    """``np.extract``: ``ravel(arr)[ravel(condition) != 0]``."""
    arr = ravel(as_distarray(arr))
    cond = ravel(as_distarray(condition))
    return arr[cond.astype(bool)] if cond.size == arr.size else arr[np.not_equal(cond, 0)[: arr.size]]


def _nonzero_local(a: DistArray) -> tuple[np.ndarray, Distribution, list[int]]:
    """Global coordinates (count, ndim) of this rank's nonzeros in block-rows layout, in C order."""
    rows = block_rows(a.distribution, a.shape)
    local = a.local if rows == a.distribution else redistribute_local(a.local, a.distribution, rows)
    coords = np.argwhere(local)
    coords[:, 0] += rows.maps[0].bounds[rows.rank]
    counts = _comm.allgather_object(a.comm, int(coords.shape[0]), control=True)
    return coords, rows, counts


@implements(np.nonzero)
def nonzero(a):
    """``np.nonzero``: a tuple of 1-d DistArrays, laid out by an exclusive scan of local counts."""
    a = as_distarray(a)
    if a.ndim == 0:
        raise ValueError("Calling nonzero on 0d arrays is not allowed. Use np.atleast_1d(scalar).nonzero() instead.")
    coords, rows, counts = _nonzero_local(a)
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    dist = Distribution.row_blocks(a.comm, (int(bounds[-1]),), bounds)
    return tuple(DistArray._new(np.ascontiguousarray(coords[:, i]).astype(np.intp), dist) for i in range(a.ndim))


@implements(np.argwhere)
def argwhere(a):
    """``np.argwhere``: an (N, ndim) DistArray, rows laid out by an exclusive scan of local counts."""
    a = as_distarray(a)
    if a.ndim == 0:
        a = reshape(a, (1,))
        coords, _, counts = _nonzero_local(a)
        coords = coords[:, :0]
    else:
        coords, _, counts = _nonzero_local(a)
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    dist = Distribution.row_blocks(a.comm, (int(bounds[-1]), coords.shape[1]), bounds)
    return DistArray._new(coords.astype(np.intp), dist)


@implements(np.flatnonzero)
def flatnonzero(a):
    """``np.flatnonzero``."""
    return nonzero(ravel(as_distarray(a)))[0]
