"""``DistArray.__getitem__`` and ``__setitem__`` with NumPy's indexing semantics.

* Basic indexing (integers, slices with any step, ``...``, ``None``) selects
  elements where they already live: the result's local blocks are views of
  the base's blocks whenever the selected local positions form an arithmetic
  progression (always for block and cyclic axes; block-cyclic axes with a
  step that breaks blocks give copies), so writes through a view reach the
  base, as in NumPy.  An integer on a distributed axis leaves one slice on
  one process group; it is broadcast to the others (a copy).
* Integer (or boolean) index arrays are served by owner request/response
  (two Alltoallv), never by gathering the array.  A distributed index array
  is never gathered either: each rank reads the part of it that matches its
  block of the result (one redistribution of the index values).
* A boolean mask over the leading axes gives a 1-d result laid out by an
  exclusive scan of the local counts.
* A 0-d boolean (``x[True]``, ``x[..., False]``) is an integer array ``[0]``
  or ``[]`` over a new length-1 axis, as in NumPy, served by the paths above.
* Other combinations of several index arrays take the documented fallback.

Every key (and, for assignment, the value's shape) is first checked by
NumPy itself on a zero-byte stand-in of the array's shape: NumPy's
exceptions, in NumPy's order, on every rank before any communication.
"""

from __future__ import annotations

import math
import numbers
from typing import Any

import numpy as np

from . import _consumers
from . import comm as _comm
from .creation import asnumpy, gather_selection, resolve_distribution
from .dispatch.fallback import fallback, fallback_policy
from .dispatch.records import field_view, is_field_key
from .distarray import DistArray, aligned_block, install_array_hooks
from .distribution import Distribution, shape_standin
from .index_keys import (consumed, empty_masks_as_arrays, entries_of, index_preparation_verdict,
                         is_array, is_bool_scalar, numpy_verdict)
from .maps import BlockMap, Map, NoDistMap, UnstructuredMap
from .redistribute import (gather_points, points_grid_dim, redistribute_local, reshape_local, scatter_points,
                           scatter_rows)

__all__ = ["getitem", "setitem", "converted_value", "sliced_map", "permute", "as_slice", "shape_standin",
           "without_leading_ones"]

def as_slice(pos: np.ndarray) -> slice | np.ndarray:
    """A slice (any step) when ``pos`` is an arithmetic progression, else ``pos``."""
    if pos.size == 0:
        return slice(0, 0)
    if pos.size == 1:
        return slice(int(pos[0]), int(pos[0]) + 1)
    step = int(pos[1] - pos[0])
    if step == 0 or not np.all(np.diff(pos) == step):
        return pos
    stop = int(pos[-1]) + step
    return slice(int(pos[0]), stop if stop >= 0 else None, step)


def sliced_map(m: Map, sl: slice) -> tuple[Map, list[np.ndarray], np.ndarray]:
    """Map of ``axis[sl]``, the selected global indices per process, and all selected indices."""
    g = np.arange(m.size, dtype=np.int64)[sl]
    if m.dist_type == "n":
        return NoDistMap(g.size), [np.arange(g.size)], g
    owners = m.owners(g)
    order = np.argsort(owners, kind="stable")
    counts = np.bincount(owners, minlength=m.grid_size)
    starts = np.concatenate([[0], np.cumsum(counts)])
    per_p = [order[starts[p]:starts[p + 1]] for p in range(m.grid_size)]
    if g.size < 2 or np.all(np.diff(owners) >= 0):
        return BlockMap(g.size, m.grid_size, starts), per_p, g
    return UnstructuredMap(per_p), per_p, g


def permute(d: DistArray, perm: tuple[int, ...]) -> DistArray:
    """Axes permuted (metadata only: a view, no communication)."""
    dist = d.distribution
    new = dist.with_maps([dist.maps[i] for i in perm], tuple(dist.axis_grid[i] for i in perm))
    return DistArray._new(d.local.transpose(perm), new)


def _key_into(local_shape: tuple[int, ...], pieces: list) -> tuple:
    """A local index from per-axis slices/position arrays (outer product when several arrays)."""
    if sum(not isinstance(p, slice) for p in pieces) > 1:
        return np.ix_(*[np.arange(n)[p] if isinstance(p, slice) else p for n, p in zip(local_shape, pieces)])
    return tuple(pieces)


def _without_bool_scalars(d: DistArray, entries: list) -> tuple[DistArray, list]:
    """(array, entries) with every 0-d boolean index replaced by an integer array over a new axis.

    NumPy treats a 0-d boolean as an advanced index over a new length-1 axis:
    ``[0]`` when True, ``[]`` when False (``x[True]`` has shape ``(1,) +
    x.shape``).  So the axes are added first (a view) and indexed by those
    arrays, which the ordinary paths serve.
    """
    if not any(is_bool_scalar(k) for k in entries):
        return d, entries
    positions, index, axis = [], [], 0
    for k in entries:
        if is_bool_scalar(k):
            positions.append(axis)
            index.append(np.zeros(int(k), np.intp))
            axis += 1
        else:
            axis += consumed(k)
            index.append(k)
    dist = d.distribution
    maps, grid = list(dist.maps), list(dist.axis_grid)
    for p in positions:  # ascending: each insertion is at its final place
        maps.insert(p, NoDistMap(1))
        grid.insert(p, None)
    # Metadata and a reshaped view of the block: assignments through it reach ``d``.
    view = DistArray._new(np.expand_dims(d.local, tuple(positions)), dist.with_maps(maps, tuple(grid)))
    return view, index


def without_leading_ones(value: Any, ndim: int) -> Any:
    """``value`` without the leading length-1 axes beyond ``ndim`` (NumPy ignores them when assigning)."""
    extra = np.ndim(value) - ndim
    if extra <= 0 or any(n != 1 for n in np.shape(value)[:extra]):
        return value
    if isinstance(value, DistArray):
        return drop_axes(value, list(range(extra)))
    return np.asarray(value).reshape(np.shape(value)[extra:])


def _as_index_value(value: Any, ndim: int) -> Any:
    """``value`` as NumPy's index-array assignment takes it: more axes than the result's ``ndim`` are reshaped
    away (its last ``ndim`` lengths kept) when the size allows, leading ones or an empty value's
    (``x[[]] = np.zeros((7, 0))`` is fine); otherwise it is left to fail the broadcast."""
    shape = np.shape(value)
    extra = len(shape) - ndim
    if extra <= 0 or math.prod(shape[:extra]) == 1:
        return without_leading_ones(value, ndim)
    if math.prod(shape[extra:]) != 0:
        return value
    return np.empty(shape[extra:], value.dtype)  # (nothing to write: no element moves)


def converted_value(d: DistArray, value: Any) -> Any:
    """``value`` as NumPy converts it for assignment into ``d``.

    Python scalars and sequences are converted to ``d``'s dtype (NumPy's
    OverflowError for an out-of-range Python int, ValueError for NaN into
    integers ...); arrays keep their dtype and are cast when written.
    """
    if isinstance(value, DistArray):
        return value
    if np.ndim(value) == 0:
        _check_scalar_value(d, value)
        return value
    if isinstance(value, np.ndarray):
        return value
    return np.asarray(value, dtype=d.dtype)


# --------------------------------------------------------------------------
# Basic indexing
# --------------------------------------------------------------------------


def basic_view(d: DistArray, entries: list) -> tuple[DistArray, tuple, list[int]]:
    """Apply ints (as length-1 slices), slices and None: (view, key into d.local, axes of ints in the view)."""
    dist = d.distribution
    maps, axis_grid, pieces, int_axes, new_axes = [], [], [], [], []
    axis = 0
    for k in entries:
        if k is None:
            new_axes.append(len(maps))
            maps.append(NoDistMap(1))
            axis_grid.append(None)
            continue
        n = d.shape[axis]
        if isinstance(k, int):
            if not -n <= k < n:
                raise IndexError(f"index {k} is out of bounds for axis {axis} with size {n}")
            int_axes.append(len(maps))
            k = slice(k % n, k % n + 1)
        m, per_p, g = sliced_map(dist.maps[axis], k)
        p = dist.axis_coord(axis)
        mine = g[per_p[p] if m.dist_type != "n" else per_p[0]]
        pieces.append(as_slice(dist.maps[axis].local_positions(mine)))
        maps.append(m)
        axis_grid.append(dist.axis_grid[axis])
        axis += 1
    key = _key_into(d.local.shape, pieces)
    local = d.local[key] if len(key) else d.local[...]  # a 0-d view, not a scalar copy
    shape = list(local.shape)
    for pos in new_axes:
        shape.insert(pos, 1)
    view = DistArray._new(local.reshape(shape), dist.with_maps(maps, tuple(axis_grid)))
    return view, key, int_axes


def drop_axes(v: DistArray, axes: list[int]) -> DistArray:
    """Remove length-1 axes; distributed ones are first replicated over their process group."""
    if not axes:
        return v
    dist = v.distribution
    maps, grid = list(dist.maps), list(dist.axis_grid)
    for a in axes:
        maps[a], grid[a] = NoDistMap(1), None
    target = dist.with_maps(maps, tuple(grid))
    local = v.local if target == dist else redistribute_local(v.local, dist, target)
    keep = [i for i in range(v.ndim) if i not in axes]
    local = local.reshape(tuple(local.shape[i] for i in keep))
    return DistArray._new(local, dist.with_maps([maps[i] for i in keep], tuple(grid[i] for i in keep)))


# --------------------------------------------------------------------------
# Advanced indexing
# --------------------------------------------------------------------------


def check_int_index(idx: np.ndarray, n: int, axis: int) -> np.ndarray:
    idx = idx.astype(np.int64, copy=False)
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx[(idx < -n) | (idx >= n)][0]
        raise IndexError(f"index {bad} is out of bounds for axis {axis} with size {n}")
    return np.where(idx < 0, idx + n, idx)


def _bool_to_int(mask: Any, n: int, axis: int) -> Any:
    """The positions a 1-d boolean index selects (a distributed mask gives distributed positions)."""
    if mask.ndim != 1 or mask.size != n:
        raise IndexError(f"boolean index did not match indexed array along axis {axis}; "
                         f"size of axis is {n} but size of corresponding boolean axis is {mask.size}")
    return np.flatnonzero(mask)


def front_rows_map(dist: Distribution, n: int) -> Map:
    """Layout of a new leading axis of length ``n`` on the grid dimension of ``dist``'s axis 0."""
    return BlockMap(n, dist.maps[0].grid_size) if dist.axis_grid[0] is not None else NoDistMap(n)


def _fancy_plan(d: DistArray, entries: list, keep_ints: bool = False) -> tuple:
    """Basic part of a single-array index.

    Returns (the view with the array axis moved to the front, the view, the
    key of the view into ``d.local``, the view position of the array axis,
    this rank's rows of the result's new axis (global, non-negative), that
    axis's map, whether NumPy puts the index dimensions first, the index
    shape).  ``keep_ints`` keeps integer-indexed axes as length-1 axes
    (for assignment, so the view stays a view).
    """
    pos = next(i for i, k in enumerate(entries) if is_array(k))
    arr = entries[pos]
    axis = sum(1 for k in entries[:pos] if k is not None)
    n = d.shape[axis]
    if arr.dtype == np.bool_:
        arr = _bool_to_int(arr, n, axis)
    basic = list(entries)
    basic[pos] = slice(None)
    ints = [i for i, k in enumerate(entries) if isinstance(k, int)]
    span = sorted(ints + [pos])
    adjacent = all(isinstance(entries[j], int) or j == pos for j in range(span[0], span[-1] + 1))
    view, key, int_axes = basic_view(d, basic)
    if keep_ints:
        vpos = pos
    else:
        view = drop_axes(view, int_axes)
        vpos = pos - sum(1 for i in ints if i < pos)
    front = permute(view, (vpos,) + tuple(i for i in range(view.ndim) if i != vpos))
    new_map = front_rows_map(front.distribution, arr.size)
    rows = _key_values(arr, arr.shape, _new_axis_layout(front.distribution, new_map, 1), n, axis)
    return front, view, key, vpos, rows, new_map, not adjacent, arr.shape


def _new_axis_layout(dist: Distribution, new_map: Map, k: int) -> Distribution:
    """1-d layout of the flat index space: ``new_map`` on the grid dimension the result's new axis takes."""
    return dist.with_maps([new_map], (points_grid_dim(dist, k),))


def _key_values(key: Any, bshape: tuple, layout: Distribution, n: int, axis: int) -> np.ndarray:
    """This rank's part, in ``layout`` (see :func:`_new_axis_layout`), of the flat index values of
    ``key`` broadcast to ``bshape``: bounds checked, made non-negative.

    A NumPy key is on every rank and checked whole, so every rank raises alike.  A distributed key
    moves once, from its own layout to ``layout`` (only its values, O(k / P) per rank), and its
    bounds are checked there and agreed: the lowest failing rank holds the first bad index.
    """
    if not isinstance(key, DistArray):
        flat = check_int_index(np.broadcast_to(key, bshape).reshape(-1), n, axis)
        return flat[layout.local_key()]
    if key.shape != tuple(bshape):
        key = np.broadcast_to(key, bshape)
    values = reshape_local(key.local, key.distribution, layout)
    return _comm.agreed_call(layout.comm, lambda: check_int_index(values, n, axis))


def _finish_fancy(front: DistArray, vpos: int, to_front: bool, bshape: tuple) -> DistArray:
    if len(bshape) != 1:
        front = _reshape_axis0(front, bshape)
    k = len(bshape)
    if to_front or vpos == 0:
        return front
    perm = tuple(range(k, k + vpos)) + tuple(range(k)) + tuple(range(k + vpos, front.ndim))
    return permute(front, perm)


def _reshape_axis0(d: DistArray, bshape: tuple) -> DistArray:
    """Split axis 0 into ``bshape`` (a reshape; data moves only when the layouts demand it)."""

    shape = tuple(bshape) + d.shape[1:]
    target = resolve_distribution(shape, None, None, d.comm) if shape else Distribution.replicated_on(d.comm, ())
    return DistArray._new(reshape_local(d.local, d.distribution, target), target)


def _fancy_get(d: DistArray, entries: list) -> DistArray:
    front, _, _, vpos, rows, new_map, to_front, bshape = _fancy_plan(d, entries)
    local = gather_points(front.local, front.distribution, rows.reshape(-1, 1), new_map, local_points=True)
    dist = front.distribution
    out = DistArray._new(local, dist.with_maps([new_map] + list(dist.maps[1:]), dist.axis_grid))
    return _finish_fancy(out, vpos, to_front, bshape)


def block_rows(dist: Distribution, shape: tuple[int, ...]) -> Distribution:
    """Block along axis 0 over every rank, other axes whole (global C order is rank order)."""
    return Distribution.row_blocks(dist.comm, shape)


def _mask_parts(d: DistArray, mask: Any) -> tuple[Distribution, np.ndarray, np.ndarray]:
    """(block-rows layout, d's block in it, mask's block in it)."""
    k = np.ndim(mask)
    if tuple(np.shape(mask)) != d.shape[:k]:
        raise IndexError(f"boolean index did not match indexed array; array shape {d.shape}, "
                         f"index shape {np.shape(mask)}")
    rows = block_rows(d.distribution, d.shape)
    local = d.local if rows == d.distribution else redistribute_local(d.local, d.distribution, rows)
    mrows = block_rows(d.distribution, np.shape(mask))
    if isinstance(mask, DistArray):
        mlocal = mask.local if mask.distribution == mrows else redistribute_local(mask.local, mask.distribution, mrows)
    else:
        mlocal = np.asarray(mask)[mrows.local_key()]
    return rows, local, mlocal


def _mask_result_dist(d: DistArray, rows: Distribution, count: int, k: int) -> Distribution:
    counts = _comm.allgather_object(d.comm, int(count), control=True)
    bounds = np.concatenate([[0], np.cumsum(counts)]).astype(np.int64)
    return Distribution.row_blocks(d.comm, (int(bounds[-1]),) + d.shape[k:], bounds)


def _mask_get(d: DistArray, mask: Any) -> DistArray:
    rows, local, mlocal = _mask_parts(d, mask)
    selected = local[mlocal]
    dist = _mask_result_dist(d, rows, selected.shape[0], np.ndim(mask))
    return DistArray._new(selected, dist)


# --------------------------------------------------------------------------
# Entry points
# --------------------------------------------------------------------------


def _prepared(d: DistArray, key: Any) -> tuple[list, DistArray, list]:
    """(normalised entries, the array to index, its entries): NumPy's key rewrites applied."""
    entries = entries_of(key, d.ndim)
    base, work = _without_bool_scalars(d, empty_masks_as_arrays(entries, d.shape))
    return entries, base, work


def _classify(entries: list) -> tuple[str, list]:
    arrays = [k for k in entries if is_array(k)]
    if not arrays:
        return "basic", entries
    if len(arrays) == 1:
        a = arrays[0]
        first = next(i for i, k in enumerate(entries) if is_array(k))
        rest_full = all(isinstance(k, slice) and k == slice(None) for k in entries[first + 1:])
        if a.dtype == np.bool_ and (a.ndim > 1 or isinstance(a, DistArray)):
            if first == 0 and rest_full:
                return "mask", entries
            if a.ndim > 1:
                return "fallback", entries
        return "fancy", entries
    if all(a.dtype != np.bool_ or a.ndim == 1 for a in arrays):
        return "multi", entries
    return "fallback", entries


def _fallback_get(d: DistArray, key: Any) -> Any:
    import operator

    return fallback(operator.getitem, (d, key), {}, "numpy.ndarray.__getitem__ (several index arrays)")


def getitem(d: DistArray, key: Any) -> Any:
    """``d[key]`` (collective); a field name or a list of them gives a view of those fields."""
    if is_field_key(key):
        return field_view(d, key)
    entries, base, work = _prepared(d, key)
    numpy_verdict(d.shape, entries)
    d = base
    kind, entries = _classify(work)
    if kind == "basic":
        view, _, int_axes = basic_view(d, entries)
        if len(int_axes) == view.ndim and view.ndim:  # every axis indexed by an integer: a scalar

            return gather_selection(view, [np.zeros(1, np.int64)] * view.ndim).reshape(())[()]
        return drop_axes(view, int_axes)
    if kind == "mask":
        return _mask_get(d, entries[0])
    if kind == "fancy":
        return _fancy_get(d, entries)
    if kind == "multi":
        return _multi_get(d, entries)
    return _fallback_get(d, tuple(entries))


def _aligned_value(value: Any, target: Distribution, result_shape: tuple, expand: list[int]) -> Any:
    """``value`` broadcast to ``result_shape``, length-1 axes inserted at ``expand``, aligned with ``target``."""

    vshape = np.shape(value)
    try:
        np.broadcast_shapes(vshape, result_shape)
        if np.broadcast_shapes(vshape, result_shape) != tuple(result_shape):
            raise ValueError
    except ValueError:
        raise ValueError(f"could not broadcast input array from shape {vshape} into shape {tuple(result_shape)}") from None
    if np.ndim(value) == 0:
        return value.local[()] if isinstance(value, DistArray) else value
    if isinstance(value, DistArray):
        lead = len(result_shape) - value.ndim
        vdist = value.distribution
        maps = [NoDistMap(1)] * lead + list(vdist.maps)
        grid = [None] * lead + list(vdist.axis_grid)
        for pos in sorted(expand):
            maps.insert(pos, NoDistMap(1))
            grid.insert(pos, None)
        shape = [m.size for m in maps]
        value = DistArray._new(value.local.reshape([shape[i] if grid[i] is None else value.local.shape[
            i - lead - sum(1 for e in expand if e < i)] for i in range(len(shape))]),
            vdist.with_maps(maps, tuple(grid)))
        return aligned_block(value, target)
    arr = np.broadcast_to(np.asarray(value), result_shape)
    for pos in sorted(expand):
        arr = np.expand_dims(arr, pos)
    return aligned_block(arr, target)


def _check_scalar_value(d: DistArray, value: Any) -> None:
    """NumPy's conversion errors for a scalar value (OverflowError, TypeError ...), raised everywhere alike."""
    if not isinstance(value, DistArray) and np.ndim(value) == 0:
        with np.errstate(all="ignore"):
            np.empty(1, d.dtype)[...] = value


def setitem(d: DistArray, key: Any, value: Any, temporary: bool = False) -> None:
    """``d[key] = value`` (collective); ``value`` a scalar, NumPy array or DistArray, broadcast as in NumPy.

    ``temporary``: nothing else refers to ``value``; a pending one may be computed straight into ``d``.
    """
    # NumPy's order of errors: the index's types, then (basic indexing) integer bounds, then the
    # value's conversion (OverflowError ...), then the shapes and (fancy indexing) the index arrays' bounds.
    if is_field_key(key):  # assignment through the fields' view, as NumPy does
        setitem(field_view(d, key), Ellipsis, value, temporary)
        return
    if d.dtype.names is not None and isinstance(value, (tuple, list)):  # tuples are records, as NumPy reads them
        value = np.asarray(value, dtype=d.dtype)
    entries, base, work = _prepared(d, key)
    kind, work = _classify(work)
    if kind == "basic":
        view, base_key, int_axes = basic_view(base, work)
        result_shape = tuple(n for i, n in enumerate(view.shape) if i not in int_axes)
        if _is_element_key(key, d.ndim) and np.ndim(value):
            # One element (an integer per axis, no ``...``/None: NumPy sets a scalar, not a 0-d view) set
            # from a sequence: NumPy's own rules (errors) on the value or a stand-in of it.
            if isinstance(value, (np.ndarray, DistArray)):
                np.empty((), d.dtype)[()] = np.broadcast_to(np.zeros((), value.dtype), value.shape)
            else:  # a sequence NumPy takes as one element (a bool's truth) is that element from here on
                element = np.empty((), d.dtype)
                element[()] = value
                value = element[()]
        if not isinstance(value, (np.ndarray, DistArray)) and np.ndim(value) > len(result_shape):
            # NumPy reads a sequence into a view with at most the view's dimensions (no leading ones dropped).
            raise ValueError("setting an array element with a sequence. The requested array would exceed the "
                             f"maximum number of dimension of {len(result_shape)}.")
        value = converted_value(d, value)
        numpy_verdict(d.shape, entries, np.shape(value))
        value = without_leading_ones(value, len(result_shape))
        new_axes = [i for i, k in enumerate(work) if k is None]
        if (temporary and isinstance(value, DistArray) and value._expr is not None and not int_axes and not new_axes
                and value.shape == view.shape and value.distribution == view.distribution
                and all(type(k) is slice for k in base_key)  # (a view of the block: not unstructured rows)
                and _consumers.assign(value._expr, base.local[base_key])):
            return  # (local: either way nothing is sent)
        local_value = _aligned_value(value, view.distribution, result_shape, int_axes)
        target = base.local[base_key]
        if new_axes:
            local_value = np.asarray(local_value)
            if local_value.ndim:
                local_value = local_value.reshape(tuple(n for i, n in enumerate(local_value.shape)
                                                         if i not in new_axes))
        local_value = np.broadcast_to(local_value, target.shape) if np.ndim(local_value) else local_value
        if _cast_may_err(value, d.dtype):  # (a value only some ranks hold raises the cast's FP errors there)
            _comm.agreed_call(d.comm, lambda: base.local.__setitem__(base_key, local_value), fp="cast")
        else:
            base.local[base_key] = local_value
        return
    index_preparation_verdict(d.shape, entries)
    value = converted_value(d, value)
    numpy_verdict(d.shape, entries, np.shape(value))
    _check_mask_value(d, entries, value)
    d = base
    if kind == "mask":
        _mask_set(d, work[0], _cast_agreed(value, d.dtype))
        return
    if kind == "fancy":
        _fancy_set(d, work, value)
        return
    if kind == "multi":
        _multi_set(d, work, value)
        return
    result = fallback(_set_and_return, (d, tuple(work), value), {}, "numpy.ndarray.__setitem__ (several index arrays)")
    d.local[...] = redistribute_local(result.local, result.distribution, d.distribution)


def _cast_agreed(value: Any, dtype: np.dtype) -> Any:
    """``value`` cast to ``dtype`` first, where the cast may raise FP errors: the ranks that hold the bad
    elements would warn alone in the scatter.  (Index arrays: after their bounds, NumPy's order.)"""
    if not _cast_may_err(value, dtype):
        return value
    if isinstance(value, DistArray):
        return value.astype(dtype)
    return _comm.replicated_call(lambda: value.astype(dtype), fp="cast")


def _cast_may_err(value: Any, dtype: np.dtype) -> bool:
    """Whether writing array ``value`` into ``dtype`` may raise FP errors some ranks alone would see."""
    return isinstance(value, (np.ndarray, DistArray)) and _comm.cast_may_err(value.dtype, dtype)


def _is_element_key(key: Any, ndim: int) -> bool:
    """Whether ``key`` picks one element by an integer per axis (NumPy's scalar assignment path)."""
    key = key if isinstance(key, tuple) else (key,)
    return len(key) == ndim and all(isinstance(k, (numbers.Integral, np.integer)) and
                                    not isinstance(k, (bool, np.bool_)) for k in key)


def _check_mask_value(d: DistArray, entries: list, value: Any) -> None:
    """NumPy's rule for a single boolean index of the array's own shape: the value has at most one dimension."""
    if len(entries) == 1 and is_array(entries[0]) and entries[0].dtype == np.bool_ and \
            tuple(entries[0].shape) == d.shape and np.ndim(value) > 1:
        raise TypeError("NumPy boolean array indexing assignment requires a 0 or 1-dimensional input, "
                        f"input has {np.ndim(value)} dimensions")


def _set_and_return(a: np.ndarray, key: Any, value: Any) -> np.ndarray:
    a = a.copy()
    a[key] = value
    return a


def _result_shape(d: DistArray, entries: list) -> tuple[int, ...]:
    """Shape of ``d[entries]`` for a single-array index, from the key alone (no bounds checks)."""
    pos = next(i for i, k in enumerate(entries) if is_array(k))
    arr = entries[pos]
    bshape = (int(np.count_nonzero(arr)),) if arr.dtype == np.bool_ else arr.shape
    dims, axis = [], 0
    for i, k in enumerate(entries):
        if k is None:
            dims.append(1)
        elif i == pos:
            dims.append(None)
            axis += 1
        elif isinstance(k, int):
            axis += 1
        else:
            dims.append(len(range(*k.indices(d.shape[axis]))))
            axis += 1
    ints = [i for i, k in enumerate(entries) if isinstance(k, int)]
    span = sorted(ints + [pos])
    adjacent = all(isinstance(entries[j], int) or j == pos for j in range(span[0], span[-1] + 1))
    at = dims.index(None)
    rest = [n for n in dims if n is not None]
    if not adjacent:
        return tuple(bshape) + tuple(rest)
    return tuple(rest[:at]) + tuple(bshape) + tuple(rest[at:])


def _fancy_set(d: DistArray, entries: list, value: Any) -> None:
    ints = any(isinstance(k, int) for k in entries)
    if np.ndim(value):  # NumPy checks the value's shape before the index values
        target_shape = _result_shape(d, entries)
        value = _as_index_value(value, len(target_shape))
        try:
            np.broadcast_shapes(np.shape(value), target_shape)
            if np.broadcast_shapes(np.shape(value), target_shape) != target_shape:
                raise ValueError
        except ValueError:
            raise ValueError(f"shape mismatch: value array of shape {np.shape(value)} could not be broadcast "
                             f"to indexing result of shape {target_shape}") from None
    front, view, base_key, vpos, rows, new_map, to_front, bshape = _fancy_plan(d, entries, keep_ints=True)
    value = _cast_agreed(value, d.dtype)
    fdist = front.distribution
    rdist = fdist.with_maps([new_map] + list(fdist.maps[1:]), fdist.axis_grid)
    result_shape = rdist.shape
    if isinstance(value, DistArray) and value.ndim and (ints or vpos or len(bshape) != 1):
        fallback_policy("numpy.ndarray.__setitem__ (index array with a DistArray value)")
        value = asnumpy(value)
    if np.ndim(value) and not isinstance(value, DistArray):
        # NumPy's result layout: index dims in place of the axis (or first), integer axes absent.
        others = [n for i, n in enumerate(view.shape) if i != vpos and not isinstance(entries[i], int)]
        at = 0 if to_front else sum(1 for i in range(vpos) if not isinstance(entries[i], int))
        numpy_shape = tuple(others[:at]) + tuple(bshape) + tuple(others[at:])
        try:
            arr = np.broadcast_to(np.asarray(value), numpy_shape)
        except ValueError:
            raise ValueError(f"shape mismatch: value array of shape {np.shape(value)} could not be broadcast "
                             f"to indexing result of shape {numpy_shape}") from None
        k = len(bshape)
        arr = np.moveaxis(arr, tuple(range(at, at + k)), tuple(range(k))).reshape((new_map.size,) + tuple(others))
        for i in range(1, view.ndim):  # re-insert integer-indexed axes (length 1) in front order
            src_axis = [j for j in range(view.ndim) if j != vpos][i - 1]
            if isinstance(entries[src_axis], int):
                arr = np.expand_dims(arr, i)
        value = arr
    local_value = _aligned_value(value, rdist, result_shape, [])
    local_value = np.broadcast_to(local_value, rdist.local_shape)
    scatter_rows(front.local, fdist, rows, local_value, new_map, local_points=True)
    if not np.shares_memory(view.local, d.local) and view.local.size:
        # The basic view was a copy: write it back (without the axes None added).
        d.local[base_key] = view.local.reshape(d.local[base_key].shape)


def _mask_set(d: DistArray, mask: Any, value: Any) -> None:

    value = without_leading_ones(value, 1 + d.ndim - np.ndim(mask))

    if np.ndim(value) == 0:
        if tuple(np.shape(mask)) != d.shape[:np.ndim(mask)]:
            raise IndexError(f"boolean index did not match indexed array; array shape {d.shape}, "
                             f"index shape {np.shape(mask)}")
        full = mask if np.ndim(mask) == d.ndim else None
        if full is not None:
            mlocal = aligned_block(mask, d.distribution)
            d.local[np.broadcast_to(mlocal, d.local.shape)] = value.local[()] if isinstance(value, DistArray) else value
            return
    rows, local, mlocal = _mask_parts(d, mask)
    count = int(np.count_nonzero(mlocal))
    dist = _mask_result_dist(d, rows, count, np.ndim(mask))
    result_shape = dist.shape
    local_value = _aligned_value(value, dist, result_shape, [])
    local = local.copy() if local is d.local else local
    local[mlocal] = np.broadcast_to(local_value, dist.local_shape)
    d.local[...] = local if rows == d.distribution else redistribute_local(local, rows, d.distribution)


# --------------------------------------------------------------------------
# Several index arrays (NumPy's general advanced indexing)
# --------------------------------------------------------------------------


def _multi_plan(d: DistArray, entries: list) -> tuple:
    """View with the advanced axes first, its key into ``d.local``, the flat points, index shape, where
    the index dimensions go in NumPy's result, and the number of advanced axes."""
    adv = [i for i, k in enumerate(entries) if is_array(k) or isinstance(k, int)]
    axis_of = {}
    axis = 0
    for i, k in enumerate(entries):
        if k is not None:
            axis_of[i] = axis
            axis += 1
    arrays = []
    for i in adv:
        k, n = entries[i], d.shape[axis_of[i]]
        if isinstance(k, int):
            k = np.asarray(k)
        elif k.dtype == np.bool_:
            k = _bool_to_int(k, n, axis_of[i])
        arrays.append(k)
    try:
        bshape = tuple(np.broadcast_shapes(*[a.shape for a in arrays]))
    except ValueError:
        raise IndexError("shape mismatch: indexing arrays could not be broadcast together with shapes "
                         + " ".join(str(a.shape) for a in arrays)) from None
    basic = [slice(None) if i in adv else k for i, k in enumerate(entries)]
    view, key, _ = basic_view(d, basic)
    rest = [i for i in range(view.ndim) if i not in adv]
    front = permute(view, tuple(adv) + tuple(rest))
    adjacent = adv == list(range(adv[0], adv[0] + len(adv)))
    new_map, rdist = _points_dist(front, len(adv), math.prod(bshape))
    layout = _new_axis_layout(front.distribution, new_map, len(adv))
    coords = [_key_values(a, bshape, layout, d.shape[axis_of[i]], axis_of[i]) for a, i in zip(arrays, adv)]
    points = np.stack(coords, axis=1) if coords else np.zeros((0, 0), np.int64)
    return front, view, key, points, bshape, (adv[0] if adjacent else 0), len(adv), new_map, rdist


def _points_dist(front: DistArray, k: int, npoints: int) -> tuple:
    dist = front.distribution
    g_new = points_grid_dim(dist, k)
    new_map = BlockMap(npoints, dist.proc_grid[g_new]) if g_new is not None else NoDistMap(npoints)
    rdist = dist.with_maps([new_map] + list(dist.maps[k:]), (g_new,) + tuple(dist.axis_grid[k:]))
    return new_map, rdist


def _place_index_dims(out: DistArray, bshape: tuple, at: int) -> DistArray:
    if len(bshape) != 1:
        out = _reshape_axis0(out, bshape)
    if at == 0:
        return out
    k = len(bshape)
    perm = tuple(range(k, k + at)) + tuple(range(k)) + tuple(range(k + at, out.ndim))
    return permute(out, perm)


def _multi_get(d: DistArray, entries: list) -> DistArray:
    front, _, _, points, bshape, at, k, new_map, rdist = _multi_plan(d, entries)
    local = gather_points(front.local, front.distribution, points, new_map, local_points=True)
    return _place_index_dims(DistArray._new(local, rdist), bshape, at)


def _multi_set(d: DistArray, entries: list, value: Any) -> None:
    front, view, base_key, points, bshape, at, k, new_map, rdist = _multi_plan(d, entries)
    rest = front.shape[k:]
    numpy_shape = tuple(rest[:at]) + tuple(bshape) + tuple(rest[at:])
    value = _cast_agreed(_as_index_value(value, len(numpy_shape)), d.dtype)
    if isinstance(value, DistArray) and value.ndim:
        fallback_policy("numpy.ndarray.__setitem__ (several index arrays with a DistArray value)")
        value = asnumpy(value)
    if np.ndim(value):
        try:
            arr = np.broadcast_to(np.asarray(value), numpy_shape)
        except ValueError:
            raise ValueError(f"shape mismatch: value array of shape {np.shape(value)} could not be broadcast "
                             f"to indexing result of shape {numpy_shape}") from None
        nb = len(bshape)
        arr = np.moveaxis(arr, tuple(range(at, at + nb)), tuple(range(nb))).reshape((new_map.size,) + rest)
        local_value = _aligned_value(arr, rdist, rdist.shape, [])
    else:
        local_value = value.local[()] if isinstance(value, DistArray) else value
    scatter_points(front.local, front.distribution, points, np.broadcast_to(local_value, rdist.local_shape), new_map,
                   local_points=True)
    if not np.shares_memory(view.local, d.local) and view.local.size:
        # The basic view was a copy: write it back (without the axes None added).
        d.local[base_key] = view.local.reshape(d.local[base_key].shape)


install_array_hooks(getitem=getitem, setitem=setitem)
