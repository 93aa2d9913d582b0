"""Adding and removing entries: ``np.append`` and ``np.delete``.

``append`` is NumPy's own definition (ravel, concatenate) over the native
``ravel``/``concatenate``.  ``delete`` decides which positions along the
axis stay from global indices only: along a given axis the kept positions
(one axis long) are taken with ``take_rows``; without an axis each rank marks
the kept elements of its share of the flattened array and boolean indexing
compacts them, so no rank holds more than its share plus the deleted indices.
Arguments are checked on global metadata (a zero-byte stand-in of the axis
for NumPy's own index errors) before any message.

Communication: ``append`` that of ``concatenate``; ``delete`` that of
``take_rows`` (axis given) or of ``ravel`` and boolean indexing (no axis); a
DistArray ``obj`` is gathered (an index list).
"""

from __future__ import annotations

from typing import Callable

import numpy as np
from numpy.lib.array_utils import normalize_axis_index


from ..distarray import DistArray
from ..distribution import shape_standin
from .manipulation import as_distarray, ravel, take_rows
from .fallback import gathered_operand
from .registry import implements

__all__ = ["append", "delete"]


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
