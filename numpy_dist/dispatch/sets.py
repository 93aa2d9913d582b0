"""Set operations: unique (with index, inverse and counts), isin and the *1d functions.

``unique`` sample-sorts the values (with their global indices only when
``return_index``/``return_inverse`` need them), marks the first key of
every run of equal values (the previous rank's last key is one small
exchange), and lays the results out by an exclusive scan of the local
counts; the inverse travels back to the original positions (one Alltoallv
per column).  ``isin`` sends every element to the rank that holds its value
range of the sorted test elements and gets the answer back.  Nothing is
gathered.

Communication: one sample sort (one Alltoallv) per unique (of each rank's
distinct values only, when only the values are asked for), a neighbour
exchange of run boundaries, an exclusive scan of counts, Alltoallv per
inverse column and for isin's requests and answers.
"""

from __future__ import annotations

import operator
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..creation import asarray
from ..distarray import DistArray
from ..distribution import Distribution
from ..exchange import exchange
from ._samplesort import (ask_deciding_ranks, block_layout, deciding_ranks, lexsort_keys, sample_sort, sort_values,
                          spread_evenly)
from .manipulation import as_distarray, concatenate, ravel
from .operands import elementwise
from .registry import implements
from .sorting import sort

_NoValue = np._NoValue


def _same(a: np.ndarray, b: np.ndarray, equal_nan: bool) -> np.ndarray:
    eq = a == b
    if equal_nan and a.dtype.kind in "fcmM":  # NaT is the dates' NaN: one run of them, as in NumPy
        eq |= np.isnan(a) & np.isnan(b)
    return eq


def _local_runs(values: np.ndarray, equal_nan: bool) -> np.ndarray:
    """True where a sorted value starts a new run of equal values in this block."""
    starts = np.ones(values.size, dtype=bool)
    if values.size > 1:
        starts[1:] = ~_same(values[1:], values[:-1], equal_nan)
    return starts


def _runs(comm: Any, values: np.ndarray, equal_nan: bool) -> np.ndarray:
    """True where a sorted value starts a new run of equal values (across rank boundaries)."""
    lasts = _comm.allgather_array(comm, values[-1:])
    me = comm.Get_rank()
    prev = next((lasts[r] for r in range(me - 1, -1, -1) if lasts[r].size), None)
    starts = _local_runs(values, equal_nan)
    if values.size and prev is not None:
        starts[0] = not bool(_same(values[:1], prev, equal_nan)[0])
    return starts


@implements(np.unique)
def unique(ar, return_index=False, return_inverse=False, return_counts=False, axis=None, *, equal_nan=True,
           sorted=True):
    """``np.unique`` of the flattened array (``axis=None``); index, inverse and counts are global."""
    d = as_distarray(ar)
    if axis is not None and d.ndim == 1:  # NumPy's 1-d unique ignores a valid axis (NaNs collapse as for None)
        normalize_axis_index(operator.index(axis), 1)
    elif axis is not None:
        return _unique_rows(d, return_index, return_inverse, return_counts, axis)
    comm = d.comm
    # NumPy's values-only unique of datetime64 (a hash table of the int64 values; not timedelta64) makes one
    # NaT even with equal_nan=False; its sorting path, taken with index/inverse/counts, keeps each NaT.
    values_only = not (return_index or return_inverse or return_counts)
    same_nan = equal_nan or (values_only and d.dtype.kind == "M")
    if values_only:
        # Any layout will do, and only this rank's distinct values travel (the runs are the same, equality
        # being transitive).  Replicas of a block stay home: a NaN that equals nothing (equal_nan=False) would
        # count once per replica.
        dist = d.distribution
        replica = any(dist.coords[g] != 0 for g in dist.replicated_dims)
        local = np.sort(d.local.reshape(-1)[:0] if replica else d.local.reshape(-1))
        values, layout = sort_values(comm, local[_local_runs(local, same_nan)], presorted=True)
    else:
        flat = spread_evenly(ravel(d) if d.ndim != 1 else d)  # global indices: a block layout in rank order
        local = np.ascontiguousarray(flat.local.reshape(-1))
        if return_index or return_inverse:
            values, order_gidx, layout = sample_sort(comm, local)
        else:  # counts: every element travels, no indices (peak about 2N/P)
            values, layout = sort_values(comm, local)
    del local
    starts = _runs(comm, values, same_nan)
    nstarts = int(np.count_nonzero(starts))
    counts_all = _comm.allgather_object(comm, nstarts)
    offset = int(np.sum(counts_all[: comm.Get_rank()]))
    out_layout = block_layout(comm, counts_all)
    uniq = DistArray._new(values if nstarts == values.size else values[starts], out_layout)
    del values
    if equal_nan and d.dtype.kind == "c" and values_only:
        # NumPy's values-only unique keeps the first NaN in input order (complex NaNs differ): not the
        # first in sort order, which the other paths keep.
        first = _first_nan_in_order(spread_evenly(ravel(d) if d.ndim != 1 else d))
        if first is not None:
            uniq.local[np.isnan(uniq.local)] = first
    results: list[Any] = [uniq]
    if return_index:
        results.append(DistArray._new(order_gidx[starts].astype(np.intp, copy=False), out_layout))
    if return_inverse:
        run_id = offset + np.cumsum(starts) - 1  # run of every sorted element
        results.append(_inverse(flat, d.shape, order_gidx, run_id, layout))
    if return_counts:
        results.append(_run_lengths(comm, starts, layout, out_layout))
    return results[0] if len(results) == 1 else tuple(results)


def _run_lengths(comm: Any, starts: np.ndarray, layout: Any, out_layout: Any) -> DistArray:
    """The length of every run of equal sorted values (``starts`` marks their first elements)."""
    first_pos = layout.maps[0].bounds[comm.Get_rank()] + np.flatnonzero(starts)
    total = layout.shape[0]
    # A run ends where the next run starts: the next start may lie on a later rank.
    next_first = _comm.allgather_array(comm, first_pos[:1].astype(np.int64))
    later = [x for x in next_first[comm.Get_rank() + 1:] if x.size]
    end = int(later[0][0]) if later else total
    ends = np.append(first_pos[1:], end) if first_pos.size else first_pos
    return DistArray._new((ends - first_pos).astype(np.intp), out_layout)


def _unique_rows(d: DistArray, return_index: bool, return_inverse: bool, return_counts: bool, axis: Any) -> Any:
    """``np.unique(..., axis=axis)``: the distinct slices along ``axis``, sorted lexicographically.

    As NumPy: the slices are rows of ``moveaxis(d, axis, 0)`` flattened; they
    are sorted by one multi-key sample sort on their columns (first column
    primary, ties by position), a row starts a run where it differs from the
    previous one (NaNs never compare equal here, as in NumPy's structured
    comparison), and index, inverse and counts follow as for ``axis=None``.
    """
    axis = normalize_axis_index(operator.index(axis), d.ndim)
    if d.dtype.hasobject:
        raise TypeError(f"The axis argument to unique is not supported for dtype {d.dtype}")
    moved = np.moveaxis(d, axis, 0)
    n, rest = moved.shape[0], moved.shape[1:]
    comm = d.comm
    rows = np.reshape(moved, (n, int(np.prod(rest)))).to_layout(Distribution.row_blocks(comm, (n, int(np.prod(rest)))))
    m = rows.shape[1]
    if m == 0:  # every (empty) slice is equal: the first one is the only one
        keys = [np.zeros(rows.local.shape[0], np.int8)]
    else:
        keys = [np.ascontiguousarray(rows.local[:, j]) for j in range(m - 1, -1, -1)]  # last key primary
    order_gidx, layout = lexsort_keys(comm, keys)
    sorted_rows = rows[DistArray._new(order_gidx.astype(np.intp), layout)].local
    lasts = _comm.allgather_array(comm, sorted_rows[-1:])
    prev = next((lasts[r] for r in range(comm.Get_rank() - 1, -1, -1) if len(lasts[r])), None)
    starts = np.ones(sorted_rows.shape[0], dtype=bool)
    if sorted_rows.shape[0] > 1:
        starts[1:] = np.any(sorted_rows[1:] != sorted_rows[:-1], axis=1)
    if sorted_rows.shape[0] and prev is not None:
        starts[0] = bool(np.any(sorted_rows[0] != prev[0]))
    counts_all = _comm.allgather_object(comm, int(np.count_nonzero(starts)))
    offset = int(np.sum(counts_all[: comm.Get_rank()]))
    out_layout = block_layout(comm, counts_all)
    uniq_rows = DistArray._new(sorted_rows[starts], out_layout.extended((m,)))
    uniq = np.moveaxis(np.reshape(uniq_rows, (uniq_rows.shape[0], *rest)), 0, axis)
    results: list[Any] = [uniq]
    if return_index:
        results.append(DistArray._new(order_gidx[starts].astype(np.intp, copy=False), out_layout))
    if return_inverse:
        positions = DistArray._new(np.empty(rows.local.shape[0]), Distribution.row_blocks(comm, (n,)))
        results.append(_inverse(positions, (n,), order_gidx, offset + np.cumsum(starts) - 1, layout))
    if return_counts:
        results.append(_run_lengths(comm, starts, layout, out_layout))
    return results[0] if len(results) == 1 else tuple(results)


def _first_nan_in_order(flat: DistArray) -> Any:
    """The NaN with the smallest global index of an evenly block-laid 1-d array (None: no NaN)."""
    where = np.flatnonzero(np.isnan(flat.local))
    mine = (int(flat.distribution.maps[0].bounds[flat.comm.Get_rank()] + where[0]), flat.local[where[0]]) \
        if where.size else None
    found = [m for m in _comm.allgather_object(flat.comm, mine) if m is not None]
    return min(found, key=lambda m: m[0])[1] if found else None


def _inverse(flat: DistArray, shape: tuple, order_gidx: np.ndarray, run_id: np.ndarray, layout: Any) -> DistArray:
    """Send each sorted element's run id back to its original position (one Alltoallv per column).

    Columns travel one at a time and are freed as they go, to keep the peak
    a few local shares.
    """
    comm = flat.comm
    dist = flat.distribution  # a block layout in rank order (see spread_evenly): owner coordinate == rank
    bounds = dist.maps[0].bounds
    # Destination rank of every element, in the smallest dtype: NumPy's stable sort is a radix sort there.
    small = np.uint8 if comm.Get_size() <= 256 else np.uint16 if comm.Get_size() <= 65536 else np.int64
    dest = (np.searchsorted(bounds, order_gidx, side="right") - 1).astype(small)
    order = np.argsort(dest, kind="stable")
    counts = np.bincount(dest, minlength=comm.Get_size()).astype(np.int64)
    del dest
    got_pos, recv_counts = exchange(comm, np.ascontiguousarray(order_gidx[order], dtype=np.int64), counts)
    got_run = exchange(comm, np.ascontiguousarray(run_id[order], dtype=np.int64), counts, recv_counts).data
    del order
    inv = np.empty(flat.local.shape, dtype=np.intp)
    if got_pos.size:
        got_pos -= bounds[comm.Get_rank()]
        inv[got_pos] = got_run
    result = DistArray._new(inv, dist)
    return np.reshape(result, shape) if len(shape) != 1 else result


@implements(np.unique_values)
def unique_values(x):
    """``np.unique_values`` (NaNs are distinct, as the array API standard says)."""
    return unique(x, equal_nan=False)


@implements(np.unique_counts)
def unique_counts(x):
    """``np.unique_counts``: (values, counts)."""
    from numpy.lib._arraysetops_impl import UniqueCountsResult

    return UniqueCountsResult(*unique(x, return_counts=True, equal_nan=False))


@implements(np.unique_inverse)
def unique_inverse(x):
    """``np.unique_inverse``: (values, inverse_indices shaped like x)."""
    from numpy.lib._arraysetops_impl import UniqueInverseResult

    return UniqueInverseResult(*unique(x, return_inverse=True, equal_nan=False))


@implements(np.unique_all)
def unique_all(x):
    """``np.unique_all``: (values, indices, inverse_indices, counts)."""
    from numpy.lib._arraysetops_impl import UniqueAllResult

    return UniqueAllResult(*unique(x, return_index=True, return_inverse=True, return_counts=True,
                                  equal_nan=False))


def _membership(element: DistArray, sorted_tests: DistArray) -> DistArray:
    """For each element, is its value among the (sorted, block-laid) test values?"""
    decide = deciding_ranks(element.comm, sorted_tests.local, "right")
    flat = element.local.reshape(-1)
    found = ask_deciding_ranks(element.comm, flat, decide(flat), lambda asked: np.isin(asked, sorted_tests.local))
    return DistArray._new(found.reshape(element.local.shape), element.distribution)


def _dtype_of(a: Any) -> np.dtype:
    return a.dtype if isinstance(a, DistArray) else np.asarray(a).dtype


def _check_isin_kind(element: Any, test_elements: Any, kind: Any) -> None:
    """NumPy's ``kind`` checks, from global metadata only (so identical on every rank, before any message).

    NumPy's further RuntimeError for ``kind='table'`` when the tests' value range overflows their
    integer dtype needs their global extremes: :func:`_check_table_range` does that one.
    """
    if kind not in (None, "sort", "table"):
        raise ValueError(f"Invalid kind: '{kind}'. Please use None, 'sort' or 'table'.")
    if kind == "table" and any(_dtype_of(x).kind not in "uib" for x in (element, test_elements)):
        raise ValueError("The 'table' method is only supported for boolean or integer arrays. "
                         "Please select 'sort' or None for kind.")


def _check_table_range(tests: DistArray) -> None:
    """NumPy's refusals of ``kind='table'``: ``max - min`` of the tests overflows their dtype, or a table that long
    cannot be shaped.

    Communication: two reductions to replicated scalars, so every rank reaches the same verdict.
    """
    if tests.size == 0:
        return
    dtype = np.dtype(np.uint8) if tests.dtype == np.bool_ else tests.dtype
    span = int(np.max(tests)) - int(np.min(tests))
    if span > np.iinfo(dtype).max:
        raise RuntimeError("You have specified kind='table', but the range of values in `ar2` or `ar1` exceed "
                           "the maximum integer of the datatype. Please set `kind` to None or 'sort'.")
    if span + 1 > np.iinfo(np.intp).max:  # (NumPy's table of span + 1 flags cannot even be shaped)
        raise ValueError("Maximum allowed dimension exceeded")


@implements(np.isin)
def isin(element, test_elements, assume_unique=False, invert=False, *, kind=None):
    """``np.isin``: each element asks the rank holding its value range of the sorted tests."""
    _check_isin_kind(element, test_elements, kind)
    if not isinstance(element, DistArray):
        tests = test_elements if not isinstance(test_elements, DistArray) else None
        if tests is not None:
            return np.isin(element, tests, assume_unique=assume_unique, invert=invert, kind=kind)
        element = asarray(element, comm=test_elements.comm)
    if not isinstance(test_elements, DistArray):
        tests = np.asarray(test_elements)
        return elementwise(lambda x: np.isin(x, tests, assume_unique=assume_unique, invert=invert, kind=kind),
                           [element], "isin")
    tests = as_distarray(test_elements)
    if kind == "table":
        _check_table_range(tests)
    flat_tests = spread_evenly(ravel(tests) if tests.ndim != 1 else tests)
    dtype = np.result_type(element.dtype, tests.dtype)
    values, layout = sort_values(flat_tests.comm, flat_tests.local.astype(dtype))
    elem = element.astype(dtype, copy=False) if element.dtype != dtype else element
    result = _membership(elem, DistArray._new(values, layout))
    return np.logical_not(result) if invert else result


@implements(np.intersect1d)
def intersect1d(ar1, ar2, assume_unique=False, return_indices=False):
    """``np.intersect1d`` (sorted unique values in both)."""
    if return_indices:
        return _intersect_with_indices(ar1, ar2)
    dtype = _common_dtype(ar1, ar2)  # NumPy concatenates the inputs: the result has their common dtype
    u1 = unique(as_distarray(ar1).astype(dtype, copy=False))
    u2 = unique(ar2.astype(dtype, copy=False)) if isinstance(ar2, DistArray) else np.unique(np.asarray(ar2, dtype))
    return u1[isin(u1, u2)]


def _intersect_with_indices(ar1: Any, ar2: Any) -> tuple:
    """``np.intersect1d(..., return_indices=True)``: the common values and their first positions in each input.

    NumPy takes the unique values with their first indices from each input and
    keeps those present in both; ``assume_unique`` changes nothing when the
    inputs are unique (what it promises).
    """
    dtype = _common_dtype(ar1, ar2)
    a = as_distarray(ar1)
    b = ar2 if isinstance(ar2, DistArray) else asarray(np.ravel(np.asarray(ar2)), comm=a.comm)
    u1, i1 = unique(a, return_index=True)
    u2, i2 = unique(b, return_index=True)
    u1, u2 = u1.astype(dtype, copy=False), u2.astype(dtype, copy=False)
    in1, in2 = isin(u1, u2), isin(u2, u1)
    return u1[in1], i1[in1], i2[in2]


def _common_dtype(*arrays: Any) -> np.dtype:
    return np.result_type(*(_dtype_of(a) for a in arrays))


def _concat_dtype(*arrays: Any) -> np.dtype:
    """The dtype of NumPy's ``concatenate`` of the operands: Python scalars are weak (NEP 50)."""
    return np.result_type(*(a if type(a) in (bool, int, float, complex) else _dtype_of(a) for a in arrays))


@implements(np.union1d)
def union1d(ar1, ar2):
    """``np.union1d`` (NumPy concatenates the operands, so a Python scalar does not widen the dtype)."""
    dtype = _concat_dtype(ar1, ar2)
    a = as_distarray(ar1) if isinstance(ar1, DistArray) or not isinstance(ar2, DistArray) else \
        asarray(np.ravel(ar1), comm=ar2.comm)
    b = ar2 if isinstance(ar2, DistArray) else asarray(np.ravel(ar2), comm=a.comm)
    return unique(concatenate([ravel(a).astype(dtype, copy=False), ravel(b).astype(dtype, copy=False)]))


@implements(np.setdiff1d)
def setdiff1d(ar1, ar2, assume_unique=False):
    """``np.setdiff1d``: unique values of ar1 not in ar2."""
    a = ravel(as_distarray(ar1)) if assume_unique else unique(as_distarray(ar1))
    return a[isin(a, ar2, invert=True)]


@implements(np.setxor1d)
def setxor1d(ar1, ar2, assume_unique=False):
    """``np.setxor1d``: values in exactly one of the inputs."""
    a = unique(as_distarray(ar1))
    comm = a.comm
    b = unique(as_distarray(ar2) if isinstance(ar2, DistArray) else asarray(np.ravel(ar2), comm=comm))
    # Each side is unique and the two sides share no value, so sorting is enough; a final unique
    # would merge a NaN of each side, which NumPy keeps (it compares neighbours with !=).
    return sort(concatenate([a[isin(a, b, invert=True)], b[isin(b, a, invert=True)]]))
