"""``ufunc.reduceat`` on DistArrays: segments reduced by a relay of small carries along the axis.

NumPy's rule: ``result[i] = ufunc.reduce(a[indices[i]:indices[i + 1]])`` when
``indices[i] < indices[i + 1]``, else ``a[indices[i]]``; the last segment runs
to the end.  Every segment is a left fold over consecutive elements, so it is
evaluated exactly (for every ufunc, associative or not) by splitting it where
the blocks of the axis split it: rank ``r`` receives the running value of each
segment still open at its first element from rank ``r - 1``, folds its own
elements into it, and hands the segments that continue past its block on to
rank ``r + 1``.  A segment's final value is on the rank holding its last
element; one exchange sends it to its row of the result, which is laid out in
blocks of ``len(indices)`` rows along the axis (the other axes keep their
layout).  A cyclic or unstructured axis is first re-laid as blocks.

Communication: a redistribution into the block layout along the axis when the
axis is not block-laid (one Alltoallv); ``P - 1`` point-to-point messages of
the open segments' carries (one row per open segment) within the axis's
sub-communicator; one Alltoallv of the finished rows (``len(indices)`` rows in
all, the receive counts known from the indices); agreements on the local
kernels' errors.  The indices are held whole on every rank (a DistArray of
indices is gathered through :func:`~numpy_dist.dispatch.fallback.gathered_operand`:
silently when small).
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..distarray import DistArray
from ..exchange import exchange
from ..maps import BlockMap, NoDistMap
from .fallback import gathered_operand, ufunc_fallback
from .operands import store_result
from .registry import qualified_name
from .ufunc_reduce import block_along, reduce_dist, relay_along
from .ufunc_scan import accumulate_loop_dtype

__all__ = ["ufunc_reduceat", "segment_ends"]

_NAMES = ("indices", "axis", "dtype", "out")


def ufunc_reduceat(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> Any:
    """``ufunc.reduceat(array, indices, axis=0, dtype=None, out=None)`` with ``array`` a DistArray."""
    kw = dict(zip(_NAMES, inputs[1:]))
    kw.update(kwargs)
    array = inputs[0]
    if ufunc.nin != 2:
        raise ValueError("reduceat only supported for binary functions")
    if ufunc.nout != 1:
        raise ValueError("reduceat only supported for functions returning a single value")
    for k in kw:
        if k not in _NAMES:
            raise TypeError(f"reduceat() got an unexpected keyword argument '{k}'")
    if "indices" not in kw:
        raise TypeError("reduceat() missing required argument 'indices' (pos 2)")
    name = qualified_name(ufunc, "reduceat")
    out = kw.get("out")
    if isinstance(out, tuple):
        out = out[0] if len(out) == 1 else out
    if not isinstance(array, DistArray) or array.dtype.hasobject or isinstance(out, tuple):
        # A NumPy array with DistArray indices or out, or Python objects: NumPy's own reduceat.
        return ufunc_fallback(ufunc, "reduceat", inputs, kwargs)
    # NumPy's order: the indices' depth, the axis (a 0-d array counts as 1-d), a 0-d array, the indices'
    # bounds, then the loop's types.
    indices = _segment_indices(gathered_operand(kw["indices"], name))
    axis = _normalized_axis(kw.get("axis", 0), array.ndim)
    if array.ndim == 0:
        raise TypeError("cannot reduceat on a scalar")
    starts = _segment_starts(indices, array.shape[axis], ufunc.__name__)
    dtype, result_dtype = _resolve(ufunc, array, axis, kw.get("dtype"), out)
    result = _reduceat(ufunc, array, starts, axis, dtype, result_dtype)
    return result if out is None else store_result(out, result)


def _normalized_axis(axis: Any, ndim: int) -> int:
    """reduceat's axis (one axis; None is 0), checked as NumPy does: against at least one dimension."""
    if isinstance(axis, tuple) and len(axis) == 1:
        axis = axis[0]
    return 0 if axis is None else normalize_axis_index(operator.index(axis), max(ndim, 1))


def _resolve(ufunc: np.ufunc, array: DistArray, axis: int, dtype: Any, out: Any) -> tuple[Any, np.dtype]:
    """(the loop's ``dtype=``, the result dtype), NumPy's type errors raised.

    Asked of NumPy on a stand-in with one element per axis: its errors and
    result dtype depend on the dtypes and the number of axes only.
    """
    dtype = accumulate_loop_dtype(ufunc, array.dtype, out, dtype)  # NumPy picks the loop from ``out`` too
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        probe = ufunc.reduceat(np.ones((1,) * array.ndim, array.dtype), np.zeros(1, np.intp), axis=axis,
                               dtype=dtype)
    return dtype, probe.dtype


def _segment_indices(indices: Any) -> np.ndarray:
    """The indices as a 1-d intp array (NumPy casts them unsafely; its errors for other depths)."""
    idx = np.asarray(indices)
    if idx.ndim == 0:
        raise ValueError("object of too small depth for desired array")
    if idx.ndim > 1:
        raise ValueError("setting an array element with a sequence. The requested array would exceed the "
                         "maximum number of dimension of 1.")
    return idx.astype(np.intp, casting="unsafe")


def _segment_starts(idx: np.ndarray, n: int, name: str) -> np.ndarray:
    """The indices checked against ``[0, n)``."""
    bad = idx[(idx < 0) | (idx >= n)]
    if bad.size:
        raise IndexError(f"index {bad[0]} out-of-bounds in {name}.reduceat [0, {n})")
    return idx


def segment_ends(starts: np.ndarray, n: int) -> np.ndarray:
    """Where each of reduceat's segments ends: the next start if larger, else one past its start; ``n`` last."""
    ends = np.empty_like(starts)
    if starts.size:
        ends[:-1] = np.where(starts[:-1] < starts[1:], starts[1:], starts[:-1] + 1)
        ends[-1] = n
    return ends


def _result_dist(dist: Any, axis: int, m: int) -> Any:
    """``dist`` with ``axis`` replaced by ``m`` rows laid in blocks on the same grid dimension."""
    maps = list(dist.maps)
    maps[axis] = NoDistMap(m) if dist.axis_grid[axis] is None else BlockMap(m, dist.maps[axis].grid_size)
    return dist.with_maps(maps, dist.axis_grid)


def _reduceat(ufunc: np.ufunc, array: DistArray, starts: np.ndarray, axis: int, dtype: Any,
              result_dtype: np.dtype) -> DistArray:
    dist = array.distribution
    m = starts.size
    if not reduce_dist(dist, (axis,)):  # the axis is whole and in order on every rank: NumPy's own loop
        local = _comm.agreed_call(dist.comm, lambda: ufunc.reduceat(array.local, starts, axis=axis, dtype=dtype),
                                  fp="reduceat")
        return DistArray._new(np.asarray(local), _result_dist(dist, axis, m))
    block = block_along(dist, axis)
    result_dist = _result_dist(block, axis, m)
    if m == 0 or array.shape[axis] == 0:
        return DistArray._new(np.empty(result_dist.local_shape, result_dtype), result_dist)
    n = array.shape[axis]
    ends = segment_ends(starts, n)
    row_map = block.maps[axis]

    def step(carry: dict | None, data: np.ndarray) -> tuple[dict, dict]:
        p = block.axis_coord(axis)
        lo, hi = row_map.local_slice(p).start, row_map.local_slice(p).stop
        return _fold_pieces(ufunc, data, axis, dtype, carry or {}, starts, ends, lo, hi)

    (done, _), _, sub = relay_along(array, axis, step, fp="reduceat")
    local = _route_finished(sub, done, ends, row_map, result_dist.maps[axis], axis, block.local_shape,
                            result_dtype)
    return DistArray._new(local, result_dist)


def _fold_pieces(ufunc: np.ufunc, data: np.ndarray, axis: int, dtype: Any, carry: dict, starts: np.ndarray,
                 ends: np.ndarray, lo: int, hi: int) -> tuple[tuple[dict, dict], dict]:
    """One rank's step of the relay: fold its elements ``[lo, hi)`` into every segment meeting them.

    NumPy's own ``reduceat`` folds each piece (it starts from the segment's
    first element, not the identity); a continued segment is folded from its
    carry.  Returns ((segments finished here, open carries), carries for the
    next rank).
    """
    done, onward = {}, dict(carry)
    meets = (starts < hi) & (ends > lo)
    inner = meets & (starts >= lo) & (ends < hi)  # wholly here, not at the end: one batched call
    if inner.any():
        js = np.flatnonzero(inner)
        pairs = np.stack([starts[js] - lo, ends[js] - lo], axis=1).reshape(-1)
        values = np.take(ufunc.reduceat(data, pairs, axis=axis, dtype=dtype), np.arange(0, 2 * js.size, 2),
                         axis=axis)
        for k, j in enumerate(js):
            done[int(j)] = np.take(values, [k], axis=axis)
    for j in np.flatnonzero(meets & ~inner):
        s, e = int(starts[j]), int(ends[j])
        key = [slice(None)] * data.ndim
        key[axis] = slice(max(s, lo) - lo, min(e, hi) - lo)
        piece = data[tuple(key)]
        if s < lo:  # continue the running value, casting the elements as NumPy's loop does
            prev = onward.pop(int(j))
            piece = np.concatenate([prev, piece.astype(prev.dtype)], axis=axis)
        value = ufunc.reduceat(piece, [0], axis=axis, dtype=dtype)
        (done if e <= hi else onward)[int(j)] = value
    return (done, onward), onward


def _route_finished(sub: Any, done: dict, ends: np.ndarray, row_map: Any, out_map: Any, axis: int,
                    local_shape: tuple, result_dtype: np.dtype) -> np.ndarray:
    """Send each finished segment's row to the rank owning its row of the result (one exchange).

    The rank that finishes segment ``j`` holds element ``ends[j] - 1``: every
    rank knows who sends what, so no counts travel.
    """
    others = tuple(n for i, n in enumerate(local_shape) if i != axis)
    mine = sorted(done)
    rows = (np.concatenate([np.moveaxis(done[j], axis, 0) for j in mine]).astype(result_dtype, copy=False)
            if mine else np.empty((0,) + others, result_dtype))
    size, me = sub.Get_size(), sub.Get_rank()
    send_counts = np.bincount(out_map.owners(np.asarray(mine, np.int64)), minlength=size)
    my_rows = out_map.local_indices(me)
    finisher = row_map.owners(ends[my_rows] - 1)
    recv_counts = np.bincount(finisher, minlength=size)
    got = exchange(sub, rows, send_counts, recv_counts).data
    order = np.lexsort((my_rows, finisher))  # arrival order: by sender, then by segment
    local = np.empty((my_rows.size,) + others, result_dtype)
    local[order] = got
    return np.moveaxis(local, 0, axis)
