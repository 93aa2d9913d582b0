"""Shape manipulation: reshapes, axis permutations, joining, splitting, tiling, padding.

Axis permutations, ``expand_dims``, ``split`` and ``flip`` are metadata or
views (no communication).  Reshapes keep global C order and move elements in
one Alltoallv.  Joins place each input into its region of the output with one
redistribution per input (only elements that change owner move), so ``roll``
is a neighbour exchange.  ``repeat``, ``tile`` and the non-constant ``pad``
modes are row requests along one axis at a time.

``rot90``, ``rollaxis``, ``unstack`` and ``hsplit``/``vsplit``/``dsplit`` are
views; ``ediff1d`` is a ``diff`` of the flattened array joined with its ends.

Communication: one Alltoallv per reshape, join input or row request; none for
views and metadata changes; a gather for the fallback's cases (``order='F'``
reshapes, callable ``pad`` modes, 1-d ``tril``/``triu``).
"""

from __future__ import annotations

import operator
from typing import Any, Callable

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from ..creation import arange, asarray, asnumpy, empty, resolve_distribution
from ..distarray import DistArray, aligned_block
from ..distribution import Distribution, normalize_shape
from ..indexing import basic_view, drop_axes, front_rows_map, permute, shape_standin
from ..maps import NoDistMap
from ..redistribute import gather_points, redistribute_local, reshape_local
from .operands import store_result, template_distribution
from .registry import implements

_NoValue = np._NoValue


def as_distarray(a: Any) -> DistArray:
    """``a`` itself when it is a DistArray, else ``asarray(a)`` (default distribution, no copy of a DistArray)."""
    return a if isinstance(a, DistArray) else asarray(a)




def _template(arrays: list) -> DistArray | None:
    return next((a for a in arrays if isinstance(a, DistArray)), None)


# --------------------------------------------------------------------------
# Reshaping
# --------------------------------------------------------------------------


def _reshaped_dist(a: DistArray, shape: tuple[int, ...]) -> Distribution:
    codes = a.dist
    if len(shape) == a.ndim and "u" not in codes:
        return resolve_distribution(shape, codes, None, a.comm)
    return resolve_distribution(shape, None, None, a.comm) if shape else Distribution.replicated_on(a.comm, ())


@implements(np.reshape)
def reshape(a, /, shape=None, order="C", *, newshape=None, copy=None):
    """``np.reshape`` in global C order (one Alltoallv; none when only length-1 axes change)."""
    if newshape is not None:
        shape = newshape
    a = as_distarray(a)
    # NumPy's own checks and resolution of unknown (negative) lengths, on a zero-byte stand-in.
    resolved = np.reshape(shape_standin(a.shape), shape, order=order).shape
    shape = resolved
    if order == "F":  # Fortran order reads and fills along reversed axes: C order of the transposes
        return reshape(a.T, shape[::-1], copy=copy).T
    if shape == a.shape:
        return a.copy() if copy else a
    if copy is False:
        raise ValueError("Unable to avoid creating a copy while reshaping.")
    target = _reshaped_dist(a, shape)
    return DistArray._new(reshape_local(a.local, a.distribution, target), target)


@implements(np.ravel)
def ravel(a, order="C"):
    """``np.ravel`` (global C order)."""
    return reshape(a, (-1,), order=order)


@implements(np.transpose, np.permute_dims)
def transpose(a, axes=None):
    """``np.transpose``: metadata only (the local blocks are transposed views)."""
    a = as_distarray(a)
    np.transpose(shape_standin(a.shape), axes)  # NumPy's checks (a 1-d array accepts a bare integer)
    if axes is None:
        perm = tuple(range(a.ndim))[::-1]
    else:
        perm = tuple(normalize_axis_index(i, a.ndim) for i in np.atleast_1d(np.asarray(axes, dtype=np.intp)))
    return permute(a, perm)


@implements(np.matrix_transpose)
def matrix_transpose(x, /):
    """``np.matrix_transpose``: swap the last two axes (metadata only)."""
    if np.ndim(x) < 2:
        raise ValueError("Input array must be at least 2-dimensional")
    return swapaxes(x, -1, -2)


@implements(np.swapaxes)
def swapaxes(a, axis1, axis2):
    """``np.swapaxes`` (metadata only)."""
    a = as_distarray(a)
    np.swapaxes(shape_standin(a.shape), axis1, axis2)  # NumPy's checks, in NumPy's order
    i, j = normalize_axis_index(axis1, a.ndim), normalize_axis_index(axis2, a.ndim)
    perm = list(range(a.ndim))
    perm[i], perm[j] = perm[j], perm[i]
    return permute(a, tuple(perm))


@implements(np.moveaxis)
def moveaxis(a, source, destination):
    """``np.moveaxis`` (metadata only)."""
    a = as_distarray(a)
    np.moveaxis(shape_standin(a.shape), source, destination)  # NumPy's checks, in NumPy's order
    src = normalize_axis_tuple(source, a.ndim, "source")
    dst = normalize_axis_tuple(destination, a.ndim, "destination")
    if len(src) != len(dst):
        raise ValueError("`source` and `destination` arguments must have the same number of elements")
    order = [n for n in range(a.ndim) if n not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return permute(a, tuple(order))


@implements(np.squeeze)
def squeeze(a, axis=None):
    """``np.squeeze``: length-1 axes removed (distributed ones are replicated first)."""
    a = as_distarray(a)
    np.squeeze(shape_standin(a.shape), axis)  # NumPy's checks (a 0-d array accepts axis 0 or -1)
    if axis is None or a.ndim == 0:
        axes = [i for i, n in enumerate(a.shape) if n == 1]
    else:
        axes = list(normalize_axis_tuple(axis, a.ndim))
        if any(a.shape[i] != 1 for i in axes):
            raise ValueError("cannot select an axis to squeeze out which has size not equal to one")
    return drop_axes(a, axes)


def _insert_axes(a: DistArray, positions: tuple[int, ...]) -> DistArray:
    dist = a.distribution
    maps, grid = list(dist.maps), list(dist.axis_grid)
    for p in sorted(positions):
        maps.insert(p, NoDistMap(1))
        grid.insert(p, None)
    local_shape = list(a.local.shape)
    for p in sorted(positions):
        local_shape.insert(p, 1)
    return DistArray._new(a.local.reshape(local_shape), dist.with_maps(maps, tuple(grid)))


@implements(np.expand_dims)
def expand_dims(a, axis):
    """``np.expand_dims`` (metadata only)."""
    a = as_distarray(a)
    np.expand_dims(shape_standin(a.shape), axis)  # NumPy's checks
    if not isinstance(axis, (tuple, list)):
        axis = (axis,)
    positions = normalize_axis_tuple(axis, a.ndim + len(axis))
    return _insert_axes(a, positions)


def _atleast(a: Any, n: int) -> DistArray:
    a = as_distarray(a)
    if a.ndim >= n:
        return a
    if n == 1:
        return _insert_axes(a, (0,))
    if n == 2:
        return _insert_axes(a, (0,) if a.ndim == 1 else (0, 1))
    if a.ndim == 0:
        return _insert_axes(a, (0, 1, 2))
    if a.ndim == 1:
        return _insert_axes(a, (0, 2))
    return _insert_axes(a, (2,))


def _atleast_n(arys: tuple, n: int) -> Any:
    out = [_atleast(a, n) for a in arys]
    return out[0] if len(out) == 1 else tuple(out)


@implements(np.atleast_1d)
def atleast_1d(*arys):
    """``np.atleast_1d`` (metadata only)."""
    return _atleast_n(arys, 1)


@implements(np.atleast_2d)
def atleast_2d(*arys):
    """``np.atleast_2d`` (metadata only)."""
    return _atleast_n(arys, 2)


@implements(np.atleast_3d)
def atleast_3d(*arys):
    """``np.atleast_3d`` (metadata only)."""
    return _atleast_n(arys, 3)


# --------------------------------------------------------------------------
# Joining
# --------------------------------------------------------------------------


def place_region(out: DistArray, region: list, src: Any) -> None:
    """``out[region] = src`` where ``src`` has exactly the region's shape (aligned; no broadcasting)."""
    view, key, _ = basic_view(out, region)
    if isinstance(src, DistArray):
        local = src.local if src.distribution == view.distribution else \
            redistribute_local(src.local, src.distribution, view.distribution)
    else:
        local = np.asarray(src)[view.distribution.local_key()] if np.ndim(src) else src
    out.local[key] = local


def output_dist(first: DistArray | None, shape: tuple[int, ...], comm: Any) -> Distribution:
    """Layout of a joined result: ``first``'s distribution codes on the new shape when they fit, else the default."""
    if first is not None and first.ndim == len(shape) and "u" not in first.dist:
        try:
            return resolve_distribution(shape, first.dist, first.grid_shape, first.comm)
        except ValueError:
            pass
    return resolve_distribution(shape, None, None, comm)


@implements(np.concatenate)
def concatenate(arrays, /, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """``np.concatenate``: each input lands in its region of the output (one Alltoallv per input)."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to concatenate")
    first = _template(arrays)
    if axis is not None:
        axis = operator.index(axis)  # NumPy's TypeError for float or tuple axes comes first
    # The dtype as NumPy resolves it: Python scalars stay weak (NEP 50) even when axis=None ravels them.
    kinds = [np.zeros((1,) * np.ndim(a), a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype)
             if type(a) not in (int, float, complex) else a for a in arrays]
    flat = axis is None
    if axis is None:
        arrays = [ravel(a) if isinstance(a, DistArray) else np.ravel(a) for a in arrays]
        axis = 0
    shapes = [np.shape(a) for a in arrays]
    ndim = len(shapes[0])
    if ndim == 0:
        raise ValueError("zero-dimensional arrays cannot be concatenated")
    axis = normalize_axis_index(axis, ndim)  # NumPy checks the axis against the first array first
    for i, s in enumerate(shapes[1:], 1):
        if len(s) != ndim:
            raise ValueError("all the input array dimensions except for the concatenation axis must match exactly, "
                             f"but along dimension 0, the array at index 0 has {ndim} dimension(s) and the array at "
                             f"index {i} has {len(s)} dimension(s)")
    axis = normalize_axis_index(axis, ndim)
    for i, s in enumerate(shapes[1:], 1):
        for d in range(ndim):
            if d != axis and s[d] != shapes[0][d]:
                raise ValueError("all the input array dimensions except for the concatenation axis must match "
                                 f"exactly, but along dimension {d}, the array at index 0 has size {shapes[0][d]} "
                                 f"and the array at index {i} has size {s[d]}")
    if flat:
        result_dtype = np.concatenate(kinds, axis=None, dtype=dtype, casting=casting).dtype
    else:
        dts = [a.dtype if hasattr(a, "dtype") else np.asarray(a).dtype for a in arrays]
        result_dtype = np.concatenate([np.zeros((1,) * ndim, dt) for dt in dts], axis=axis, dtype=dtype,
                                      casting=casting).dtype
    shape = list(shapes[0])
    shape[axis] = sum(s[axis] for s in shapes)
    comm = first.comm if first is not None else None
    result = empty(tuple(shape), result_dtype, dist=output_dist(first, tuple(shape), comm))
    offset = 0
    for a, s in zip(arrays, shapes):
        region = [slice(None)] * ndim
        region[axis] = slice(offset, offset + s[axis])
        offset += s[axis]
        src = a.astype(result_dtype, casting="unsafe") if isinstance(a, DistArray) else np.asarray(a, result_dtype)
        place_region(result, region, src)
    if out is not None:
        return store_result(out, result)
    return result


@implements(np.stack)
def stack(arrays, axis=0, out=None, *, dtype=None, casting="same_kind"):
    """``np.stack``: expand, then concatenate."""
    arrays = list(arrays)
    if not arrays:
        raise ValueError("need at least one array to stack")
    shapes = {np.shape(a) for a in arrays}
    if len(shapes) != 1:
        raise ValueError("all input arrays must have the same shape")
    ndim = len(next(iter(shapes))) + 1
    axis = normalize_axis_index(axis, ndim)
    expanded = [expand_dims(a, axis) if isinstance(a, DistArray) else np.expand_dims(a, axis) for a in arrays]
    return concatenate(expanded, axis=axis, out=out, dtype=dtype, casting=casting)


@implements(np.vstack)
def vstack(tup, *, dtype=None, casting="same_kind"):
    """``np.vstack``."""
    return concatenate([_atleast(a, 2) for a in tup], axis=0, dtype=dtype, casting=casting)


@implements(np.hstack)
def hstack(tup, *, dtype=None, casting="same_kind"):
    """``np.hstack``."""
    arrs = [_atleast(a, 1) for a in tup]
    return concatenate(arrs, axis=0 if arrs and arrs[0].ndim == 1 else 1, dtype=dtype, casting=casting)


@implements(np.dstack)
def dstack(tup):
    """``np.dstack``."""
    return concatenate([_atleast(a, 3) for a in tup], axis=2)


@implements(np.column_stack)
def column_stack(tup):
    """``np.column_stack``."""
    arrs = []
    for a in tup:
        a = as_distarray(a)
        if a.ndim == 0:  # NumPy's ndmin=2 then .T: a (1, 1) column
            a = _insert_axes(a, (0, 1))
        arrs.append(_insert_axes(a, (1,)) if a.ndim < 2 else a)
    return concatenate(arrs, axis=1)


# --------------------------------------------------------------------------
# Splitting and flipping (views)
# --------------------------------------------------------------------------


def _split_views(ary: DistArray, parts: list, indices_or_sections: Any, axis: int) -> list:
    """Views of ``ary`` along ``axis`` with NumPy's pieces (``parts``: NumPy's split of a stand-in).

    Split points are used as NumPy uses them, as slice bounds ``[0, *points, n]``: unsorted or negative
    points give overlapping or empty pieces, which the pieces' lengths alone cannot place.
    """
    if np.ndim(indices_or_sections) == 1:
        points = [0, *(operator.index(p) for p in indices_or_sections), ary.shape[axis]]
        bounds = list(zip(points[:-1], points[1:]))
    else:  # a number of sections: consecutive pieces of NumPy's lengths
        ends = np.cumsum([part.shape[axis] for part in parts]).tolist()
        bounds = list(zip([0, *ends[:-1]], ends))
    out = []
    for lo, hi in bounds:
        key = [slice(None)] * ary.ndim
        key[axis] = slice(lo, hi)
        out.append(ary[tuple(key)])
    return out


def split_like(np_split, ary, indices_or_sections, axis) -> list:
    """``np_split(ary, indices_or_sections[, axis])`` as views of ``ary`` (array_split, split, hsplit ...).

    NumPy's ``np_split`` runs on a zero-byte stand-in of ``ary``'s shape: its
    checks and its part lengths; ``axis=None`` means ``np_split``'s own axis
    (hsplit: 1 for N-d, dsplit: 2).  No communication.
    """
    ary = as_distarray(ary)
    if axis is None:
        parts = np_split(shape_standin(ary.shape), indices_or_sections)
        axis = 1 if np_split is np.hsplit and ary.ndim > 1 else {np.dsplit: 2}.get(np_split, 0)
    else:
        parts = np_split(shape_standin(ary.shape), indices_or_sections, axis)
    return _split_views(ary, parts, indices_or_sections, normalize_axis_index(axis, ary.ndim))




@implements(np.array_split)
def array_split(ary, indices_or_sections, axis=0):
    """``np.array_split``: views of the input (no communication)."""
    return split_like(np.array_split, ary, indices_or_sections, axis)


@implements(np.split)
def split(ary, indices_or_sections, axis=0):
    """``np.split``: views; equal division required for an integer count."""
    return split_like(np.split, ary, indices_or_sections, axis)


@implements(np.flip)
def flip(m, axis=None):
    """``np.flip``: a reversed view (no communication)."""
    m = as_distarray(m)
    np.flip(shape_standin(m.shape), axis)  # NumPy's checks
    axes = range(m.ndim) if axis is None else normalize_axis_tuple(axis, m.ndim)
    key = [slice(None)] * m.ndim
    for a in axes:
        key[a] = slice(None, None, -1)
    return m[tuple(key)]


@implements(np.fliplr)
def fliplr(m):
    """``np.fliplr``."""
    if np.ndim(m) < 2:
        raise ValueError("Input must be >= 2-d.")
    return flip(m, 1)


@implements(np.flipud)
def flipud(m):
    """``np.flipud``."""
    if np.ndim(m) < 1:
        raise ValueError("Input must be >= 1-d.")
    return flip(m, 0)


@implements(np.roll)
def roll(a, shift, axis=None):
    """``np.roll``: the two pieces land in the input's layout (a neighbour exchange for blocks)."""
    a = as_distarray(a)
    np.roll(shape_standin(a.shape), shift, axis)  # NumPy's checks
    if axis is None:
        return reshape(roll(ravel(a), shift, 0), a.shape)
    axes = normalize_axis_tuple(axis, a.ndim, allow_duplicate=True)
    total = {}
    for s, ax in np.broadcast(shift, axes):  # shift and axis broadcast together, as in NumPy
        total[int(ax)] = total.get(int(ax), 0) + int(s)
    result = a
    for ax, s in total.items():
        n = a.shape[ax]
        if n == 0 or s % n == 0:
            continue
        s %= n
        out = empty(a.shape, a.dtype, dist=a.distribution if "u" not in a.dist else None, comm=a.comm)
        lo = [slice(None)] * a.ndim
        hi = [slice(None)] * a.ndim
        lo[ax], hi[ax] = slice(n - s, n), slice(0, n - s)
        dst_lo = [slice(None)] * a.ndim
        dst_hi = [slice(None)] * a.ndim
        dst_lo[ax], dst_hi[ax] = slice(0, s), slice(s, n)
        place_region(out, dst_lo, result[tuple(lo)])
        place_region(out, dst_hi, result[tuple(hi)])
        result = out
    return result.copy() if result is a else result


# --------------------------------------------------------------------------
# Repetition and broadcasting
# --------------------------------------------------------------------------


def take_rows(a: DistArray, rows: np.ndarray, axis: int) -> DistArray:
    """``a`` indexed by global ``rows`` (non-negative, in range) along ``axis`` (owner requests)."""
    return take_rows_by(a, rows.size, lambda start, stop: rows[start:stop], axis)


def take_rows_by(a: DistArray, n: int, rows_of: Callable[[int, int], np.ndarray], axis: int) -> DistArray:
    """``a`` indexed along ``axis`` by ``n`` global rows, of which ``rows_of(start, stop)`` gives this rank's.

    Only the rows of this rank's output block are computed (not all ``n``: a
    repeated array's index is as long as the result).
    """
    perm = (axis,) + tuple(i for i in range(a.ndim) if i != axis)
    front = permute(a, perm)
    dist = front.distribution
    new_map = front_rows_map(dist, n)
    mine = new_map.local_slice(dist.coords[dist.axis_grid[0]]) if dist.axis_grid[0] is not None else slice(0, n)
    rows = np.asarray(rows_of(mine.start, mine.stop), dtype=np.int64)
    local = gather_points(front.local, dist, rows.reshape(-1, 1), new_map, local_points=True)
    out = DistArray._new(local, dist.with_maps([new_map] + list(dist.maps[1:]), dist.axis_grid))
    return permute(out, tuple(int(i) for i in np.argsort(perm)))


@implements(np.repeat)
def repeat(a, repeats, axis=None):
    """``np.repeat``: each rank works out the source rows of its output block and requests them from their owners.

    Counts given as a DistArray stay distributed (:func:`_repeat_by_distributed_counts`).
    """
    a = as_distarray(a)
    if isinstance(repeats, DistArray):
        if repeats.size > 1:
            return _repeat_by_distributed_counts(a, repeats, axis)
        repeats = asnumpy(repeats)  # (one count at most)
    np.repeat(shape_standin(a.shape), repeats, axis)  # NumPy's checks (a 0-d array repeats as 1-d)
    if axis is None or a.ndim == 0:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, a.ndim)
    counts = np.broadcast_to(np.asarray(repeats, dtype=np.intp).reshape(-1), (a.shape[axis],))
    if np.ndim(repeats) == 0 or np.size(repeats) == 1:
        r = int(counts[0]) if counts.size else 0
        return take_rows_by(a, a.shape[axis] * r, lambda start, stop: np.arange(start, stop) // max(r, 1), axis)
    ends = np.cumsum(counts)  # (as long as the axis, like ``repeats`` itself; not as long as the result)
    return take_rows_by(a, int(ends[-1]) if ends.size else 0,
                        lambda start, stop: np.searchsorted(ends, np.arange(start, stop), side="right"), axis)


def _repeat_by_distributed_counts(a: DistArray, repeats: DistArray, axis: Any) -> DistArray:
    """``np.repeat`` by a DistArray of counts (more than one), never gathered.

    Output position ``j`` comes from the source row ``i`` with ``ends[i-1] <= j < ends[i]``
    (``ends`` the counts' running totals): a distributed cumsum, a distributed
    searchsorted of this rank's positions, and an index array's fetch of the rows;
    each O(counts / P + result / P) per rank.
    """
    # NumPy's order of checks: the counts' dimensions and dtype, the axis, their number, their signs.
    if repeats.ndim > 1:
        raise ValueError("object too deep for desired array")
    np.repeat(np.zeros(1), np.zeros(1, repeats.dtype))  # a count dtype NumPy cannot cast safely: its TypeError
    np.repeat(shape_standin(a.shape), 0, axis)
    if axis is None or a.ndim == 0:
        a, axis = ravel(a), 0
    axis = normalize_axis_index(axis, a.ndim)
    n = a.shape[axis]
    if repeats.size != n:
        raise ValueError(f"operands could not be broadcast together with shape ({n},) ({repeats.size},)")
    counts = repeats.astype(np.intp, copy=False)
    if bool(np.any(counts < 0)):
        raise ValueError("repeats may not contain negative values.")
    ends = np.cumsum(counts)
    positions = arange(int(np.sum(counts)), dtype=np.intp, comm=a.comm)  # (distributed: nobody holds them all)
    rows = np.searchsorted(ends, positions, side="right")
    return a[(slice(None),) * axis + (rows,)]


@implements(np.tile)
def tile(A, reps):
    """``np.tile``: row requests along each repeated axis."""
    A = as_distarray(A)
    np.tile(shape_standin(A.shape), reps)  # NumPy's checks
    reps = tuple(int(r) for r in np.atleast_1d(reps).tolist())
    nd_ = max(A.ndim, len(reps))
    if A.ndim < nd_:
        A = _insert_axes(A, tuple(range(nd_ - A.ndim)))
    reps = (1,) * (nd_ - len(reps)) + reps
    out = A
    for axis, r in enumerate(reps):
        if r != 1:
            n = out.shape[axis]
            out = take_rows_by(out, n * r, lambda start, stop, n=n: np.arange(start, stop) % n, axis)
    return out.copy() if out is A else out


def _broadcast_dist(x: DistArray, shape: tuple[int, ...]) -> Distribution:
    return template_distribution(shape, [x])


@implements(np.broadcast_to)
def broadcast_to(array, shape, subok=False):
    """``np.broadcast_to``: a read-only DistArray whose local blocks are broadcast views."""
    array = as_distarray(array)
    shape = normalize_shape(shape)
    try:
        if np.broadcast_shapes(array.shape, shape) != shape:
            raise ValueError
    except ValueError:
        raise ValueError(f"operands could not be broadcast together with remapped shapes [original->remapped]: "
                         f"{array.shape} and requested shape {shape}") from None
    dist = _broadcast_dist(array, shape)
    local = np.broadcast_to(aligned_block(array, dist), dist.local_shape)
    return DistArray._new(local, dist)


@implements(np.broadcast_arrays)
def broadcast_arrays(*args, subok=False):
    """``np.broadcast_arrays``."""
    shape = np.broadcast_shapes(*[np.shape(a) for a in args])
    return tuple(broadcast_to(a, shape) for a in args)


@implements(np.meshgrid)
def meshgrid(*xi, copy=True, sparse=False, indexing="xy"):
    """``np.meshgrid`` of 1-d DistArrays (dense outputs are broadcast views unless copied)."""
    if indexing not in ("xy", "ij"):
        raise ValueError("Valid values for `indexing` are 'xy' and 'ij'.")
    n = len(xi)
    outs = []
    for i, x in enumerate(xi):
        x = ravel(as_distarray(x))
        shape = [1] * n
        shape[i] = -1
        if indexing == "xy" and n > 1 and i < 2:
            shape[0], shape[1] = shape[1], shape[0]
        positions = tuple(j for j, s in enumerate(shape) if s == 1)
        outs.append(_insert_axes(x, positions))
    if not sparse:
        full = np.broadcast_shapes(*[o.shape for o in outs])
        outs = [broadcast_to(o, full) for o in outs]
        if copy:
            outs = [o.copy() if not o.local.flags.writeable else o for o in outs]
            outs = [DistArray._new(np.array(o.local), o.distribution) for o in outs]
    return tuple(outs)


# --------------------------------------------------------------------------
# Differences, padding, triangles
# --------------------------------------------------------------------------


@implements(np.diff)
def diff(a, n=1, axis=-1, prepend=_NoValue, append=_NoValue):
    """``np.diff``: shifted views subtracted (moves one boundary row per neighbour)."""
    a = as_distarray(a)
    if n == 0:
        return a
    if n < 0:
        raise ValueError(f"order must be non-negative but got {n!r}")
    if a.ndim == 0:
        raise ValueError("diff requires input that is at least one dimensional")
    axis = normalize_axis_index(axis, a.ndim)
    pieces = []
    for extra in (prepend,):
        if extra is not _NoValue:
            pieces.append(_edge_piece(extra, a, axis))
    pieces.append(a)
    if append is not _NoValue:
        pieces.append(_edge_piece(append, a, axis))
    if len(pieces) > 1:
        a = concatenate(pieces, axis=axis)
    op = np.not_equal if a.dtype == np.bool_ else np.subtract
    for _ in range(n):
        hi = [slice(None)] * a.ndim
        lo = [slice(None)] * a.ndim
        hi[axis], lo[axis] = slice(1, None), slice(None, -1)
        a = op(a[tuple(hi)], a[tuple(lo)])
    return a


def _edge_piece(value: Any, a: DistArray, axis: int) -> Any:
    if np.ndim(value) == 0:
        shape = list(a.shape)
        shape[axis] = 1
        return np.broadcast_to(np.asarray(value), shape)
    return value


def _triangle(m: Any, k: int, lower: bool) -> DistArray:
    m = as_distarray(m)
    if m.ndim < 2:
        (np.tril if lower else np.triu)(shape_standin(m.shape), k)  # NumPy's own errors (0-d input)
        return _triangle_of_row(m, k, lower)
    dist = m.distribution
    keep = _kept(dist.local_indices(m.ndim - 2)[:, None], dist.local_indices(m.ndim - 1)[None, :], k, lower)
    return DistArray._new(np.where(keep, m.local, np.zeros(1, m.dtype)), dist)


def _kept(rows: np.ndarray, cols: np.ndarray, k: Any, lower: bool) -> np.ndarray:
    """Which (row, column) pairs a lower (upper) triangle from diagonal ``k`` keeps."""
    return (cols - rows <= k) if lower else (cols - rows >= k)


def _triangle_of_row(v: DistArray, k: Any, lower: bool) -> DistArray:
    """``np.tril``/``np.triu`` of a 1-d array: ``v`` repeated in every row, masked; columns laid out like ``v``."""
    n = v.shape[0]
    dist = v.distribution
    out = Distribution.from_maps(v.comm, [NoDistMap(n), dist.maps[0]], dist.proc_grid, (None, dist.axis_grid[0]))
    keep = _kept(np.arange(n)[:, None], dist.local_indices(0)[None, :], k, lower)
    return DistArray._new(np.where(keep, v.local[None, :], np.zeros(1, v.dtype)), out)


@implements(np.tril)
def tril(m, k=0):
    """``np.tril`` from global indices (no communication)."""
    return _triangle(m, k, True)


@implements(np.triu)
def triu(m, k=0):
    """``np.triu`` from global indices (no communication)."""
    return _triangle(m, k, False)


# --------------------------------------------------------------------------
# Rotations, splits and differences (views, except ediff1d's concatenation)
# --------------------------------------------------------------------------


@implements(np.rot90)
def rot90(m, k=1, axes=(0, 1)):
    """``np.rot90``: flips and a transpose (views, no communication)."""
    m = as_distarray(m)
    np.rot90(shape_standin(m.shape), k, axes)  # NumPy's checks, in NumPy's order
    axes = tuple(axes)
    if len(axes) != 2:
        raise ValueError("len(axes) must be 2.")
    if axes[0] == axes[1] or abs(axes[0] - axes[1]) == m.ndim:
        raise ValueError("Axes must be different.")
    if axes[0] >= m.ndim or axes[0] < -m.ndim or axes[1] >= m.ndim or axes[1] < -m.ndim:
        raise ValueError(f"Axes={axes} out of range for array of ndim={m.ndim}.")
    k %= 4
    if k == 0:
        return m[...]
    if k == 2:
        return flip(flip(m, axes[0]), axes[1])
    if k == 1:
        return swapaxes(flip(m, axes[1]), axes[0], axes[1])
    return flip(swapaxes(m, axes[0], axes[1]), axes[1])


@implements(np.hsplit)
def hsplit(ary, indices_or_sections):
    """``np.hsplit`` (views)."""
    return split_like(np.hsplit, ary, indices_or_sections, None)


@implements(np.vsplit)
def vsplit(ary, indices_or_sections):
    """``np.vsplit`` (views)."""
    return split_like(np.vsplit, ary, indices_or_sections, None)


@implements(np.dsplit)
def dsplit(ary, indices_or_sections):
    """``np.dsplit`` (views)."""
    return split_like(np.dsplit, ary, indices_or_sections, None)


@implements(np.ediff1d)
def ediff1d(ary, to_end=None, to_begin=None):
    """``np.ediff1d``: differences of the flattened array, with optional ends.

    As NumPy: each end must cast to the array's dtype under 'same_kind' (TypeError), and the
    differences are ``np.subtract``'s (a bool array is NumPy's TypeError, where ``diff`` would xor).
    """
    flat = ravel(as_distarray(ary))
    begin, end = (None if e is None else _ediff1d_end(e, flat.dtype, name)
                  for e, name in ((to_begin, "to_begin"), (to_end, "to_end")))
    np.subtract(np.empty(0, flat.dtype), np.empty(0, flat.dtype))  # NumPy's loop check (none for bool)
    pieces = [p for p in (begin, diff(flat), end) if p is not None]
    return concatenate(pieces) if len(pieces) > 1 else pieces[0]


def _ediff1d_end(value, dtype, name):
    """An end of ``ediff1d`` (held by every rank), checked and cast as NumPy does."""
    value = asnumpy(value) if isinstance(value, DistArray) else np.asanyarray(value)
    if not np.can_cast(value, dtype, casting="same_kind"):
        raise TypeError(f"dtype of `{name}` must be compatible with input `ary` under the `same_kind` rule.")
    return value.ravel().astype(dtype)


@implements(np.rollaxis)
def rollaxis(a, axis, start=0):
    """``np.rollaxis`` (metadata only)."""
    a = as_distarray(a)
    np.rollaxis(shape_standin(a.shape), axis, start)  # NumPy's checks, in NumPy's order
    n = a.ndim
    axis = normalize_axis_index(axis, n)
    if start < 0:
        start += n
    if not 0 <= start < n + 1:
        raise np.exceptions.AxisError(f"'start' arg requires {-n} <= start < {n + 1}, but {start} was passed in")
    if axis < start:
        start -= 1
    if axis == start:
        return a[...]
    return moveaxis(a, axis, start)


@implements(np.unstack)
def unstack(x, /, *, axis=0):
    """``np.unstack``: views along ``axis``."""
    x = as_distarray(x)
    np.unstack(shape_standin(x.shape), axis=axis)  # NumPy's checks
    axis = normalize_axis_index(axis, x.ndim)
    key = [slice(None)] * x.ndim
    out = []
    for i in range(x.shape[axis]):
        key[axis] = i
        out.append(x[tuple(key)])
    return tuple(out)
