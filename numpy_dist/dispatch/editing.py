"""Adding and removing entries: ``np.append``, ``np.insert`` and ``np.delete``.

``append`` is NumPy's own definition (ravel, concatenate) over the native
``ravel``/``concatenate``.  ``delete`` decides which positions along the
axis stay from global indices only: along a given axis the kept positions
(one axis long) are taken with ``take_rows``; without an axis each rank marks
the kept elements of its share of the flattened array and boolean indexing
compacts them, so no rank holds more than its share plus the deleted indices.
``insert`` computes, on every rank alike, the new global position of each
old row along the axis and of each inserted row (NumPy's own arithmetic on
one axis-long index vector); each rank then sends the rows it holds (of
``arr`` and of the broadcast values) to the owners of their new positions.
Arguments are checked on global metadata (a zero-byte stand-in of the axis
for NumPy's own index errors) before any message.

Communication: ``append`` that of ``concatenate``; ``delete`` that of
``take_rows`` (axis given) or of ``ravel`` and boolean indexing (no axis); a
DistArray ``obj`` is gathered (an index list); ``insert`` one exchange of the
old and the inserted rows together to their new owners (an Alltoall of
counts, an Alltoallv of positions, one of rows), after the alignment of a
DistArray ``values``.
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.lib.array_utils import normalize_axis_index


from ..distarray import DistArray, aligned_block
from ..distribution import shape_standin
from ..indexing import front_rows_map, permute
from ..redistribute import scatter_rows
from .manipulation import as_distarray, broadcast_to, moveaxis, ravel, reshape, take_rows
from .fallback import gathered_operand
from .registry import implements

__all__ = ["append", "insert", "delete"]


@implements(np.append)
def append(arr, values, axis=None):
    """``np.append``: ``concatenate((arr, values), axis)``, both flattened when ``axis`` is None."""
    if not isinstance(arr, DistArray):
        arr = np.asanyarray(arr)
    if axis is None:
        if arr.ndim != 1:
            arr = np.ravel(arr)
        values = np.ravel(values)
        axis = arr.ndim - 1
    return np.concatenate((arr, values), axis=axis)


def _slice_keeper(obj: slice, n: int) -> Callable[[np.ndarray], np.ndarray]:
    start, stop, step = obj.indices(n)

    def keep(idx: np.ndarray) -> np.ndarray:
        if step > 0:
            hit = (idx >= start) & (idx < stop) & ((idx - start) % step == 0)
        else:
            hit = (idx <= start) & (idx > stop) & ((start - idx) % -step == 0)
        return ~hit
    return keep


def _keeper(obj, n: int, axis: int) -> Callable[[np.ndarray], np.ndarray]:
    """``keep(global_indices)``: which positions along the axis (of length ``n``) ``np.delete`` keeps.

    Raises NumPy's exception for a bad ``obj`` (from global metadata only).
    """
    if isinstance(obj, slice):
        return _slice_keeper(obj, n)
    if isinstance(obj, DistArray):
        obj = gathered_operand(obj, "numpy.delete obj")  # an index list or an axis-long mask
    if isinstance(obj, (int, np.integer)) and not isinstance(obj, (bool, np.bool_)):
        single = obj
    else:
        given = obj
        obj = np.asarray(obj)
        if obj.size == 0 and not isinstance(given, np.ndarray):
            obj = obj.astype(np.intp)
        single = obj.item() if obj.size == 1 and obj.dtype.kind in "ui" else None
    if single is not None:
        if single < -n or single >= n:
            raise IndexError(f"index {single} is out of bounds for axis {axis} with size {n}")
        single = int(single) + n if single < 0 else int(single)
        return lambda idx: idx != single
    if obj.dtype == bool:
        if obj.shape != (n,):
            raise ValueError("boolean array argument obj to delete must be one dimensional and match the axis "
                             f"length of {n}")
        return lambda idx: ~obj[idx]
    shape_standin((n,))[obj,]  # NumPy's own index errors (type, bounds), from a zero-byte stand-in
    deleted = np.unique(np.where(obj < 0, obj + n, obj).astype(np.int64))
    return lambda idx: ~np.isin(idx, deleted)


@implements(np.delete)
def delete(arr, obj, axis=None):
    """``np.delete``: ``arr`` without the entries ``obj`` selects along ``axis``.

    Parameters
    ----------
    arr : DistArray
    obj : slice, int, array of ints or of bools
        Positions to delete (a boolean array: one flag per position).
    axis : int, optional
        Default: the flattened array.

    Returns
    -------
    DistArray
        A new array (never a view), of ``arr``'s dtype.
    """
    arr = as_distarray(arr)
    if axis is None:
        flat = ravel(arr) if arr.ndim != 1 else arr
        keep = _keeper(obj, flat.shape[0], 0)
        dist = flat.distribution
        mask = DistArray._new(keep(dist.local_indices(0).astype(np.int64)), dist)
        return flat[mask]
    axis = normalize_axis_index(axis, arr.ndim)
    n = arr.shape[axis]
    keep = _keeper(obj, n, axis)
    return take_rows(arr, np.flatnonzero(keep(np.arange(n, dtype=np.int64))), axis)


# --------------------------------------------------------------------------
# insert
# --------------------------------------------------------------------------


def _insert_indices(obj, N: int) -> np.ndarray:
    """``obj`` read as NumPy's ``insert`` reads it: an index array (0-d for a single position)."""
    if isinstance(obj, slice):
        return np.arange(*obj.indices(N), dtype=np.intp)
    if isinstance(obj, DistArray):
        obj = gathered_operand(obj, "numpy.insert obj")  # an index list or an axis-long mask
    indices = np.array(obj)
    if indices.dtype == bool:
        if obj.ndim != 1:  # NumPy reads ``obj.ndim``: a bool list is its AttributeError
            raise ValueError("boolean array argument obj to insert must be one dimensional")
        return np.flatnonzero(obj)
    if indices.ndim > 1:
        raise ValueError("index array argument obj to insert must be one dimensional or scalar")
    if indices.size == 0 and not isinstance(obj, np.ndarray):
        indices = indices.astype(np.intp)
    return indices


def _with_ndmin(values, ndim: int, dtype: np.dtype):
    """``np.array(values, ndmin=ndim, dtype=dtype)``; a DistArray stays distributed."""
    if not isinstance(values, DistArray):
        return np.array(values, copy=None, ndmin=ndim, dtype=dtype)
    values = values.astype(dtype, copy=False)
    return values if values.ndim >= ndim else reshape(values, (1,) * (ndim - values.ndim) + values.shape)


def _fit(values, shape: tuple):
    """``values`` broadcast to ``shape`` as an assignment ``new[region] = values`` broadcasts them."""
    vshape = np.shape(values)
    while len(vshape) > len(shape) and vshape[0] == 1:
        vshape = vshape[1:]
    try:
        if np.broadcast_shapes(vshape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"could not broadcast input array from shape {np.shape(values)} into shape "
                         f"{shape}") from None
    if vshape != np.shape(values):
        values = reshape(values, vshape) if isinstance(values, DistArray) else values.reshape(vshape)
    return broadcast_to(values, shape) if isinstance(values, DistArray) else np.broadcast_to(values, shape)


def _insert_plan(indices: np.ndarray, values, arr: DistArray, axis: int):
    """(new position of each old row, as a function of its index; new positions of the inserted rows;
    the values in arr's dtype) along ``axis``.

    Only the inserted positions are held whole: an old row's position is its
    index plus the number of insertions at or before it.
    """
    N = arr.shape[axis]
    if indices.size == 1:
        index = indices.item()
        if index < -N or index > N:
            raise IndexError(f"index {index} is out of bounds for axis {axis} with size {N}")
        if not isinstance(index, (int, np.integer)):  # NumPy slices with it: its TypeError
            raise TypeError("slice indices must be integers or None or have an __index__ method")
        index = index + N if index < 0 else index
        values = _with_ndmin(values, arr.ndim, arr.dtype)
        if indices.ndim == 0:  # a[:, 0] = v differs from a[:, [0]] = v: NumPy moves the values' first axis
            values = moveaxis(values, 0, axis) if isinstance(values, DistArray) else np.moveaxis(values, 0, axis)
        numnew = np.shape(values)[axis]
        return (lambda j: np.where(j < index, j, j + numnew)), np.arange(index, index + numnew), values
    if indices.dtype.kind not in "iu":
        np.ones(1, bool)[indices]  # NumPy's IndexError for indices that are not integers
    indices = indices.astype(np.int64)
    indices[indices < 0] += N
    numnew = len(indices)
    total = N + numnew
    order = indices.argsort(kind="mergesort")  # stable, as NumPy's
    placed = indices.copy()
    placed[order] += np.arange(numnew)
    if numnew and (placed.min() < -total or placed.max() >= total):
        bad = placed[(placed < -total) | (placed >= total)][0]
        raise IndexError(f"index {bad} is out of bounds for axis 0 with size {total}")
    if numnew and placed.min() < 0:  # an index below -N: NumPy's mask wraps it (one axis-long mask)
        old_mask = np.ones(total, dtype=bool)
        old_mask[placed] = False
        old_pos = np.flatnonzero(old_mask)
        if old_pos.size != N:
            raise ValueError(f"shape mismatch: value array of shape {arr.shape} could not be broadcast to "
                             "indexing result")
        position = old_pos.__getitem__
    else:
        starts = np.sort(indices)
        position = lambda j: j + np.searchsorted(starts, j, side="right")  # noqa: E731
    if isinstance(values, DistArray):
        values = values.astype(arr.dtype, copy=False)
    else:
        values = np.array(values, copy=None, dtype=arr.dtype)
    return position, placed % total, values


def _rows_into(out: DistArray, parts: list) -> None:
    """``out[position(i)] = rows[i]`` along axis 0 for every ``(position, rows)``, in one exchange.

    ``position`` maps global row indices of ``rows`` to rows of ``out``.  Each
    ``rows`` has ``out``'s layout on every axis but the first, whose map is on
    the same grid dimension; each rank sends the rows it holds to the owners
    of their new positions.
    """
    points = np.concatenate([np.asarray(position(rows.distribution.local_indices(0).astype(np.int64)), np.int64)
                             for position, rows in parts])
    local = np.concatenate([rows.local for _, rows in parts]) if len(parts) > 1 else parts[0][1].local
    scatter_rows(out.local, out.distribution, points, local, None, local_points=True)


@implements(np.insert)
def insert(arr, obj, values, axis=None):
    """``np.insert``: ``values`` inserted before the positions ``obj`` selects along ``axis``.

    Parameters
    ----------
    arr : DistArray
    obj : int, slice, sequence of ints, 1-d bool array, or a DistArray of them
        Positions before which to insert (a DistArray ``obj`` is read whole).
    values : array_like or DistArray
        Broadcast as ``arr[..., obj, ...] = values`` would broadcast them,
        converted to ``arr``'s dtype.
    axis : int, optional
        Default: the flattened array.

    Returns
    -------
    DistArray
        A new array laid out like ``arr`` except along ``axis``, whose rows
        are in blocks on the same process-grid dimension.
    """
    arr = as_distarray(arr)
    if axis is None:
        arr = ravel(arr) if arr.ndim != 1 else arr
        axis = 0
    else:
        axis = normalize_axis_index(axis, arr.ndim)
    N = arr.shape[axis]
    old_position, new_pos, values = _insert_plan(_insert_indices(obj, N), values, arr, axis)
    region = arr.shape[:axis] + (new_pos.size,) + arr.shape[axis + 1:]
    values = _fit(values, region)
    perm = (axis,) + tuple(i for i in range(arr.ndim) if i != axis)
    front = permute(arr, perm)
    fd = front.distribution
    out_dist = fd.with_maps([front_rows_map(fd, N + new_pos.size)] + list(fd.maps[1:]), fd.axis_grid)
    out = DistArray._new(np.empty(out_dist.local_shape, arr.dtype), out_dist)
    values_dist = fd.with_maps([front_rows_map(fd, new_pos.size)] + list(fd.maps[1:]), fd.axis_grid)
    if isinstance(values, DistArray):
        rows = permute(values, perm).to_layout(values_dist)
    else:  # held whole on every rank: each takes its share, nothing moves
        rows = DistArray._new(aligned_block(values.transpose(perm), values_dist).astype(arr.dtype), values_dist)
    _rows_into(out, [(old_position, front), (new_pos.__getitem__, rows)])
    return permute(out, tuple(int(i) for i in np.argsort(perm)))
