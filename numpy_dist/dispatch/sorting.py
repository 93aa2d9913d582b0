"""Sorting and searching: sort, argsort, partition, lexsort, searchsorted, digitize.

Along an axis whose blocks hold whole lines, sorting is local.  A
distributed 1-d sequence (or ``axis=None``) is sample-sorted (see
``_samplesort``) straight into an even block layout; ``lexsort`` is the
same sort over several key columns (N-d keys: each line along the axis,
made local first).  N-d arrays sorted along a distributed
axis are first re-laid so that axis is local (one Alltoallv), sorted, and
laid back.  No path here gathers O(N) data on a rank, except that
``digitize`` holds its bin edges whole (they are edges, assumed small) and
an integer-indexed row of a 2-d key matrix is replicated (NumPy keys rows).

Communication: one Alltoallv per sample sort or axis move (plus small
collectives choosing splitters).
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..creation import asnumpy
from ..distarray import DistArray, aligned_block
from ..distribution import shape_standin
from ..exchange import exchange
from ..redistribute import gather_points, redistribute_local
from ._layout import layout as one_axis_layout
from ._samplesort import (argsort_values, ask_deciding_ranks, block_layout, deciding_ranks, even_layout, lexsort_keys,
                          select_kth, sort_values, spread_evenly)
from .manipulation import as_distarray, ravel, take_rows
from .operands import elementwise
from .registry import implements
from .ufunc_reduce import local_axes_dist, reduce_dist


def _check_kind(kind: Any, stable: Any = None) -> Any:
    """Validate like NumPy; return the local sort kind (``"stable"`` when ``stable=True`` asks for it)."""
    if kind not in (None, "quicksort", "mergesort", "heapsort", "stable"):
        raise ValueError(f"sort kind must be one of 'quick', 'heap', or 'stable' (got {kind!r})")
    if stable is not None and kind is not None:
        raise ValueError("`kind` and keyword parameters can't be provided at the same time. Use only one of them.")
    return "stable" if stable else kind


def _along_axis(a: DistArray, axis: int, local_op) -> DistArray:
    """Apply a NumPy function along ``axis``, making the axis local first when it is distributed."""
    dist = a.distribution
    if not reduce_dist(dist, (axis,)):
        return DistArray._new(_comm.agreed_call(a.comm, lambda: local_op(a.local, axis), fp="sort"), dist)
    work = local_axes_dist(dist, (axis,))
    data = redistribute_local(a.local, dist, work)
    done = _comm.agreed_call(a.comm, lambda: local_op(data, axis), fp="sort")
    return DistArray._new(redistribute_local(done, work, dist), dist)


def _sort_1d(a: DistArray, want_indices: bool, kind: Any = None) -> DistArray:
    a = spread_evenly(a)  # replicated or unstructured input: each rank contributes a distinct part
    if not want_indices:
        values, layout = sort_values(a.comm, np.ascontiguousarray(a.local), kind)
        return DistArray._new(values, layout)
    gidx, layout = argsort_values(a.comm, np.ascontiguousarray(a.local))
    return DistArray._new(gidx.astype(np.intp, copy=False), layout)


def _field_order_dtype(dtype: np.dtype, order: Any) -> np.dtype:
    """The records' dtype with the fields in ``order`` first, then the others: same bytes, NumPy's sort key.

    Structured values compare field by field in the dtype's name order, so
    sorting ``order=`` is sorting a view whose names are reordered (what
    NumPy does itself); the bytes and offsets stay, so the view converts back.
    """
    first = [order] if isinstance(order, str) else list(order)
    names = first + [n for n in dtype.names if n not in first]
    return np.dtype({"names": names, "formats": [dtype.fields[n][0] for n in names],
                     "offsets": [dtype.fields[n][1] for n in names], "itemsize": dtype.itemsize})


def _by_fields(a: DistArray, order: Any, check: Any) -> DistArray:
    """``a`` viewed with its fields in sort order ``order`` (unchanged when None), after NumPy's checks.

    ``check(standin)`` runs the NumPy function on a one-element array of
    ``a``'s dtype and number of dimensions: NumPy's errors (unknown or
    duplicate field, no fields, bad axis) on every rank alike.
    """
    if order is None:
        return a
    check(np.zeros((1,) * a.ndim, a.dtype))
    return DistArray._new(a.local.view(_field_order_dtype(a.dtype, order)), a.distribution)


def _as_records(result: DistArray, dtype: np.dtype) -> DistArray:
    """A sorted (reordered-field) view back in the input's dtype (local)."""
    if result.dtype == dtype or result.dtype.names is None:
        return result
    return DistArray._new(result.local.view(dtype), result.distribution)


def _sort(a: Any, axis: Any, kind: Any, order: Any, want_indices: bool, stable: Any = None) -> DistArray:
    kind = _check_kind(kind, stable)
    a = as_distarray(a)
    dtype = a.dtype
    numpy_sort = np.argsort if want_indices else np.sort  # (their checks differ: argsort takes a 0-d array)
    a = _by_fields(a, order, lambda x: numpy_sort(x, axis=axis, kind=kind, order=order))
    return _as_records(_sort_keys(a, axis, kind, want_indices), dtype)


def _sort_keys(a: DistArray, axis: Any, kind: Any, want_indices: bool) -> DistArray:
    if axis is not None:
        axis = operator.index(axis)  # NumPy's TypeError for float axes
    if axis is None or (want_indices and a.ndim == 0):  # argsort treats a 0-d array as 1-d
        a, axis = ravel(a), 0 if axis is None else axis
    if a.ndim == 0:
        raise np.exceptions.AxisError(axis, 0)
    axis = normalize_axis_index(axis, a.ndim)
    if a.ndim == 1 and reduce_dist(a.distribution, (0,)):
        return _sort_1d(a, want_indices, kind)
    if want_indices:
        return _along_axis(a, axis, lambda x, ax: np.argsort(x, axis=ax, kind="stable").astype(np.intp))
    return _along_axis(a, axis, lambda x, ax: np.sort(x, axis=ax, kind=kind))


@implements(np.sort)
def sort(a, axis=-1, kind=None, order=None, *, stable=None):
    """``np.sort`` (NaNs last): local along whole lines, sample sort otherwise."""
    return _sort(a, axis, kind, order, False, stable)


@implements(np.argsort)
def argsort(a, axis=-1, kind=None, order=None, *, stable=None):
    """``np.argsort``: global indices, stable (ties keep their original order)."""
    return _sort(a, axis, kind, order, True, stable)


def _check_kth(kth: Any, n: int, total: int) -> None:
    """NumPy's kth checks: integers always; in bounds of the axis length ``n`` unless the array is empty."""
    ks = np.atleast_1d(np.asarray(kth))
    if ks.dtype.kind not in "iu":
        raise TypeError("Partition index must be integer")
    if total and ks.size and (ks.min() < -n or ks.max() >= n):
        raise ValueError(f"kth(={int(ks.max() if ks.max() >= n else ks.min())}) out of bounds ({n})")


def _partition_1d(a: DistArray, kth: Any, want_indices: bool) -> DistArray:
    """Partition a distributed 1-d array by selection: find the kth values, split into buckets, move once.

    The output holds, in order, every element below the first pivot, those
    equal to it, those between the first and second pivot, ... (NaNs last),
    which satisfies NumPy's partition contract for every ``kth``.  One
    Alltoallv moves the buckets straight to their places in an even block
    layout (only P x buckets counts are shared; no per-element index is).
    """
    a = spread_evenly(a)
    comm, n = a.comm, a.size
    ks = sorted({int(k) % n for k in np.atleast_1d(kth)})
    local = a.local
    # NaN (NaT for times) sorts last in NumPy and compares with nothing: kept out of the selection.
    nan = np.isnan(local) if local.dtype.kind in "fcmM" else np.zeros(local.shape, bool)
    finite = local[~nan]
    n_valid = _comm.allreduce_scalar(comm, int(finite.size), control=True)
    pivots = np.asarray(select_kth(comm, finite, [k for k in ks if k < n_valid]), dtype=local.dtype)
    # bucket 2i: below pivot i (and above pivot i-1); bucket 2i+1: equal to pivot i; then above all; NaNs last
    bucket = _buckets(local, pivots)
    nan_ks = [k - n_valid for k in ks if k >= n_valid] if local.dtype.kind == "c" else []
    # Complex NaNs have an order of their own in NumPy (R+nanj < nan+Rj < nan+nanj): a kth among them
    # splits the NaN bucket the same way, by surrogate keys that sort in that order.
    keys = _complex_nan_keys(local[nan])
    nan_pivots = np.asarray(select_kth(comm, keys, nan_ks), dtype=keys.dtype) if nan_ks else keys[:0]
    bucket[nan] = 2 * pivots.size + 1 + _buckets(keys, nan_pivots)
    nb = 2 * pivots.size + 2 + 2 * nan_pivots.size
    order = np.argsort(bucket, kind="stable")
    counts = np.bincount(bucket, minlength=nb).astype(np.int64)
    everyone = np.asarray(_comm.allgather_object(comm, counts.tolist()), dtype=np.int64)  # (P, nb)
    # Global start of (bucket b, rank r): all of earlier buckets, then earlier ranks' share of b.
    starts = np.cumsum(np.concatenate([[0], everyone.T.reshape(-1)[:-1]])).reshape(nb, -1).T
    payload = (a.distribution.local_indices(0)[order].astype(np.intp) if want_indices else local[order])
    del order
    target = even_layout(comm, n)
    return DistArray._new(_to_positions(comm, payload, starts, everyone, target), target)


def _buckets(values: np.ndarray, pivots: np.ndarray) -> np.ndarray:
    """2i below pivot i (above pivot i-1), 2i+1 equal to pivot i, 2 len(pivots) above all."""
    pos = np.searchsorted(pivots, values, side="left") if pivots.size else np.zeros(values.shape, np.intp)
    equal = np.zeros(values.shape, bool)
    inside = pos < pivots.size
    equal[inside] = values[inside] == pivots[pos[inside]]
    return 2 * pos + equal


def _complex_nan_keys(nans: np.ndarray) -> np.ndarray:
    """Complex NaNs as NaN-free complex keys in NumPy's sort order: (class, the non-NaN part)."""
    if nans.dtype.kind != "c":
        return np.zeros(nans.shape, np.complex128)
    re_nan, im_nan = np.isnan(nans.real), np.isnan(nans.imag)
    cls = np.where(re_nan & im_nan, 3.0, np.where(re_nan, 2.0, 1.0))
    part = np.where(~re_nan, nans.real, np.where(~im_nan, nans.imag, 0.0))
    keys = np.empty(nans.shape, np.complex128)
    keys.real, keys.imag = cls, part  # (not cls + 1j * part: 1j * inf has a NaN real part)
    return keys


def _to_positions(comm: Any, payload: np.ndarray, starts: np.ndarray, sizes: np.ndarray, target: Any) -> np.ndarray:
    """Move bucketed elements to their global output positions in the even layout ``target`` (one Alltoallv).

    Rank r's bucket b (``sizes[r, b]`` elements, in ``payload`` order on r)
    goes to the global positions ``starts[r, b]`` onward.  Both tables are
    P x buckets (small, replicated), so every receiver knows where each
    piece lands without any per-element index traveling or being gathered.
    """
    me, P = comm.Get_rank(), comm.Get_size()
    bounds = target.maps[0].bounds
    nb = sizes.shape[1]
    pos = np.concatenate([np.arange(starts[me, b], starts[me, b] + sizes[me, b], dtype=np.int64) for b in range(nb)])
    send_counts = np.bincount(np.searchsorted(bounds, pos, side="right") - 1, minlength=P).astype(np.int64)
    del pos  # positions ascend along the payload, so destinations are already grouped
    got = exchange(comm, payload, send_counts).data
    lo, hi = int(bounds[me]), int(bounds[me + 1])
    pieces = [np.arange(max(int(starts[r, b]), lo), min(int(starts[r, b] + sizes[r, b]), hi), dtype=np.int64)
              for r in range(P) for b in range(nb)]
    where = np.concatenate(pieces) - lo if pieces else np.zeros(0, np.int64)
    out = np.empty(hi - lo, dtype=payload.dtype)
    out[where] = got
    return out


def _partition(a: Any, kth: Any, axis: Any, want_indices: bool, order: Any = None) -> DistArray:
    a = as_distarray(a)
    dtype = a.dtype
    a = _by_fields(a, order, lambda x: np.partition(x, 0, axis=axis, order=order))
    return _as_records(_partition_keys(a, kth, axis, want_indices), dtype)


def _partition_keys(a: DistArray, kth: Any, axis: Any, want_indices: bool) -> DistArray:
    if want_indices and a.ndim == 0:  # NumPy's argpartition treats a 0-d array as 1-d
        a = ravel(a)
    ax = 0 if axis is None else normalize_axis_index(operator.index(axis), a.ndim)
    _check_kth(kth, a.size if axis is None else a.shape[ax], a.size)
    if axis is None:
        a, ax = ravel(a), 0
    if a.size == 0:  # nothing to move: every block is empty
        local = np.zeros(a.local.shape, np.intp) if want_indices else a.local.copy()
        return DistArray._new(local, a.distribution)
    if a.ndim == 1 and reduce_dist(a.distribution, (0,)):
        return _partition_1d(a, kth, want_indices)
    if want_indices:
        return _along_axis(a, ax, lambda x, k: np.argpartition(x, kth, axis=k).astype(np.intp))
    return _along_axis(a, ax, lambda x, k: np.partition(x, kth, axis=k))


@implements(np.partition)
def partition(a, kth, axis=-1, kind="introselect", order=None):
    """``np.partition``: distributed selection of the kth values and one move (no sort) for 1-d arrays.

    Along a local axis of an N-d array NumPy partitions each block; along a
    distributed one the axis is made local first.
    """
    return _partition(a, kth, axis, False, order)


@implements(np.argpartition)
def argpartition(a, kth, axis=-1, kind="introselect", order=None):
    """``np.argpartition``: global indices of a valid partition (selection, no sort, for 1-d arrays)."""
    return _partition(a, kth, axis, True, order)


def _key_list(keys: Any) -> list:
    """The keys as a list (a 2-d array's rows are the keys, as in NumPy)."""
    if isinstance(keys, (DistArray, np.ndarray)) and keys.ndim >= 2:
        return [keys[i] for i in range(keys.shape[0])]
    return list(keys)


@implements(np.lexsort)
def lexsort(keys, axis=-1):
    """``np.lexsort`` of 1-d keys (last key primary) as one multi-key sample sort.

    Rows are compared lexicographically (last key first, ties by global
    index), with NumPy's order within each key (NaNs last); keys may mix
    dtypes and be DistArrays or NumPy arrays.  The result is the global
    permutation as a block-distributed integer DistArray.

    Communication: one exact splitter selection (O(log N) rounds of P small
    proposals per rank), one Alltoallv per key plus one of indices; nothing
    of size N reaches any rank.

    Examples
    --------
    >>> import numpy as np, numpy_dist as nd
    >>> nd.asnumpy(np.lexsort((nd.asarray([1, 0, 1]), nd.asarray([2, 2, 1])))).tolist()
    [2, 1, 0]
    """
    if isinstance(keys, DistArray) and keys.ndim < 2:
        # NumPy: one 0-d key per element, so the "sort" of one element: 0 (its errors on a zero-byte stand-in)
        return np.lexsort(shape_standin(keys.shape), axis=axis)
    keys = _key_list(keys)
    if not keys:
        raise TypeError("need sequence of keys with len > 0 in lexsort")
    if all(np.ndim(k) == 0 for k in keys):  # one element: NumPy's answer (0) and errors, from stand-ins
        return np.lexsort([np.zeros((), np.int8)] * len(keys), axis=axis)
    if any(np.ndim(k) != 1 for k in keys):
        return _lexsort_lines(keys, axis)
    n = np.shape(keys[0])[0]
    if any(np.shape(k) != (n,) for k in keys):
        raise ValueError("all keys need to be the same shape")
    normalize_axis_index(operator.index(axis), 1)
    first = next(k for k in keys if isinstance(k, DistArray))
    lead = spread_evenly(first)
    layout, comm = lead.distribution, lead.comm
    rows = layout.maps[0].local_slice(comm.Get_rank())
    blocks = []
    for k in keys:
        if not isinstance(k, DistArray):
            blocks.append(np.ascontiguousarray(np.asarray(k)[rows]))
        elif k is first:
            blocks.append(np.ascontiguousarray(lead.local))
        elif k.distribution == layout:
            blocks.append(np.ascontiguousarray(k.local))
        else:
            blocks.append(redistribute_local(k.local, k.distribution, layout))
    gidx, out_layout = lexsort_keys(comm, blocks)
    return DistArray._new(gidx.astype(np.intp, copy=False), out_layout)


def _lexsort_lines(keys: list, axis: Any) -> DistArray:
    """``np.lexsort`` of N-d keys: every line along ``axis`` sorted on its own, where that line is whole.

    The keys move (one all-to-all each, unless the axis is already whole) to
    a layout that keeps ``axis`` on every rank and spreads the longest other
    axis; NumPy's lexsort then runs on the local blocks.
    """
    shape = np.shape(keys[0])
    if any(np.shape(k) != shape for k in keys):
        raise ValueError("all keys need to be the same shape")
    ax = normalize_axis_index(operator.index(axis), len(shape))
    first = next(k for k in keys if isinstance(k, DistArray))
    layout = first.distribution
    if layout.axis_grid[ax] is not None:
        others = [a for a in range(len(shape)) if a != ax]
        spread = max(others, key=lambda a: shape[a])
        layout = one_axis_layout(first.comm, shape, spread)
    blocks = [aligned_block(k, layout) for k in keys]
    with _comm.agreed(layout.comm):
        local = np.lexsort(blocks, axis=ax)
    return DistArray._new(local.astype(np.intp, copy=False), layout)


@implements(np.searchsorted)
def searchsorted(a, v, side="left", sorter=None):
    """``np.searchsorted`` into a sorted 1-d haystack (DistArray or NumPy), needles of any kind.

    A distributed haystack is searched where it lives: the first element of
    every block (one allgather) tells which rank decides each needle; that
    rank adds its block offset to its local answer.  NumPy needles (held by
    every rank) are combined with one allreduce; DistArray needles travel to
    the deciding rank and back (two Alltoallv).  A DistArray ``sorter`` is
    applied by owner requests (each rank fetches the rows its block of the
    sorter names), never gathered.
    """
    side = _search_side(side)
    if sorter is not None:
        a = _apply_sorter(a, sorter)
    if np.ndim(a) != 1:
        raise ValueError("object too deep for desired array")
    if not isinstance(a, DistArray):
        return _search_numpy_haystack(np.asarray(a), v, side)
    comm = a.comm
    dist = a.distribution
    if dist.maps[0].dist_type not in ("b", "n") or dist.replicated_dims:
        even = block_layout(comm, [int(n) for n in np.diff(np.linspace(0, a.size, comm.Get_size() + 1).astype(int))])
        a = DistArray._new(redistribute_local(a.local, dist, even), even)
        dist = even
    if dist.maps[0].dist_type == "n":  # whole haystack on every rank
        return _search_numpy_haystack(a.local, v, side)
    bounds = dist.maps[0].bounds
    decide = deciding_ranks(comm, a.local, side)
    me = comm.Get_rank()

    def answer(x: np.ndarray) -> np.ndarray:
        return (np.searchsorted(a.local, x, side=side) + bounds[me]).astype(np.int64)

    if not isinstance(v, DistArray):
        x = np.asarray(v)
        part = np.where(decide(x) == me, answer(x), 0).astype(np.int64)
        result = _comm.allreduce_array(comm, part) if comm.Get_size() > 1 else part
        result = result.reshape(x.shape).astype(np.intp)  # the reduction hands a 0-d part back as (1,)
        return result if np.ndim(v) else result[()]
    # DistArray needles: each goes to its deciding rank and its answer comes back.
    flat = v.local.reshape(-1)
    out = ask_deciding_ranks(comm, flat, decide(flat), answer).astype(np.intp, copy=False)
    return DistArray._new(out.reshape(v.local.shape), v.distribution)


def _search_side(side: Any) -> str:
    """``side`` as 'left' or 'right', refused with NumPy's own exception class (it checks it first)."""
    np.searchsorted(np.zeros(1), 0.0, side=side)
    return side.decode() if isinstance(side, bytes) else side


def _apply_sorter(a: Any, sorter: Any) -> DistArray:
    """``a[sorter]`` for a 1-d haystack, by owner requests (a DistArray sorter is never gathered).

    With a DistArray sorter the result is laid out like the sorter (spread
    to a block layout): each rank asks the owners for its own block's rows.
    """
    if np.ndim(a) != 1:
        raise ValueError("object too deep for desired array")
    n = np.shape(a)[0]
    if np.shape(sorter) != (n,):
        raise ValueError("sorter.size must equal a.size")
    if np.result_type(sorter).kind not in "iu":
        raise TypeError("sorter must only contain integers")
    a = as_distarray(a)
    if not isinstance(sorter, DistArray):
        rows = np.asarray(sorter, dtype=np.int64)
        if rows.size and (rows.min() < 0 or rows.max() >= n):
            raise ValueError("Sorter index out of range.")
        return take_rows(a, rows, 0)
    s = spread_evenly(sorter)
    rows = s.local.astype(np.int64)
    if _comm.any_rank(s.comm, bool(rows.size and (rows.min() < 0 or rows.max() >= n))):
        raise ValueError("Sorter index out of range.")
    got = gather_points(a.local, a.distribution, rows.reshape(-1, 1), None, local_points=True)
    return DistArray._new(got, s.distribution)


def _search_numpy_haystack(a: np.ndarray, v: Any, side: str) -> Any:
    if isinstance(v, DistArray):
        return elementwise(lambda x: np.searchsorted(a, x, side=side), [v], "searchsorted")
    return np.searchsorted(a, v, side=side)


@implements(np.digitize)
def digitize(x, bins, right=False):
    """``np.digitize`` (bins are edges: held whole by every rank)."""
    edges = asnumpy(bins) if isinstance(bins, DistArray) else np.asarray(bins)
    if edges.ndim != 1:
        raise ValueError("bins must be one-dimensional")
    if not isinstance(x, DistArray):
        return np.digitize(x, edges, right=right)
    return elementwise(lambda local: np.digitize(local, edges, right=right), [x], "digitize")
