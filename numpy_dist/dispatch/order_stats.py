"""Order statistics: median, percentile, quantile and their nan* versions, every NumPy method.

Along axes whose blocks hold whole lines NumPy runs on the local blocks (so
every ``method=`` is exactly NumPy's).  Along a distributed axis of an N-d
array the axis is made local first (one Alltoallv).  Over a whole
distributed sequence (1-d, or ``axis=None``) the needed order statistics are
found by distributed selection, without sorting, and combined with NumPy's
own interpolation rules.

Weighted quantiles (``method="inverted_cdf"``) run NumPy on local lines, or
over a whole sequence sample-sort the values with their weights and relay the
cumulative weight from rank to rank.

Communication: one Alltoallv to make a distributed axis local; small
allreduces per selection round for a whole sequence; for a weighted whole
sequence one sample sort, one fetch of the weights in sorted order, a relay
of one running total and one small allreduce per call.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
from numpy.lib import _function_base_impl as _fb
from numpy.lib.array_utils import normalize_axis_tuple

from .. import comm as _comm
from ..creation import asarray
from ..distarray import DistArray, aligned_block
from ..maps import NoDistMap
from ..redistribute import redistribute_local
from ._samplesort import argsort_values, block_layout, select_kth, spread_evenly
from .fallback import gathered_operand
from .manipulation import as_distarray, ravel
from .operands import store_result
from .registry import implements
from .reductions import numpy_checks_first
from .ufunc_reduce import local_axes_dist, reduce_dist

_NoValue = np._NoValue


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if ndim == 0 and isinstance(axis, (int, np.integer)) and axis in (0, -1):
        return ()  # NumPy's legacy rule for 0-d arrays
    return normalize_axis_tuple(axis, ndim)


def _local_or_moved(a: DistArray, axes: tuple[int, ...]) -> tuple[np.ndarray, Any] | None:
    """(block whose ``axes`` are whole, its distribution), or None when only selection can do it."""
    dist = a.distribution
    if not reduce_dist(dist, axes):
        return a.local, dist
    work = local_axes_dist(dist, axes)
    if work is None:
        return None
    return redistribute_local(a.local, dist, work), work


def _wrap_result(local: np.ndarray, dist: Any, axes: tuple[int, ...], keepdims: bool, qshape: tuple) -> Any:
    out_dist = dist.reduced(axes, keepdims)
    if qshape:
        out_dist = out_dist.with_maps([NoDistMap(n) for n in qshape] + list(out_dist.maps),
                                      (None,) * len(qshape) + tuple(out_dist.axis_grid))
    result = DistArray._new(np.asarray(local), out_dist)
    return result.local[()] if result.ndim == 0 else result


def _empty_result(a: DistArray, compute: Any, out: Any) -> Any:
    """The statistic of an array with no elements: NumPy's answer (or error) on an empty stand-in."""
    value = _comm.agreed_call(a.comm, lambda: compute(np.empty(a.shape, a.dtype)), fp="statistic")
    result = DistArray._new(np.asarray(value), a.distribution.replicated(np.shape(value)))
    if out is not None:
        return store_result(out, result)
    return value if np.ndim(value) == 0 else result


def _local_stat(func: Any, block: np.ndarray, axes: tuple, keepdims: bool, dtype: Any, qshape: tuple,
                **kwargs: Any) -> np.ndarray:
    """NumPy's statistic on a block; an empty result is built directly (NumPy trips on some empty blocks)."""
    kept = tuple(1 if i in axes else n for i, n in enumerate(block.shape)) if keepdims else \
        tuple(n for i, n in enumerate(block.shape) if i not in axes)
    if any(n == 0 for i, n in enumerate(block.shape) if i not in axes):
        return np.empty(tuple(qshape) + kept, dtype=dtype)
    return func(block, axis=axes[0] if len(axes) == 1 else axes, keepdims=keepdims, **kwargs)


def _order_statistics(a: DistArray, ks: list[int], skipnan: bool) -> tuple[list, int, bool]:
    """Values of the requested order statistics of all of ``a`` (flattened), the count, any NaN."""
    values = a.local.reshape(-1)
    has_nan = False
    if values.dtype.kind in "fcmM":  # (NaT is the NaN of times: it wins a median too)
        nan = np.isnat(values) if values.dtype.kind in "mM" else np.isnan(values)
        has_nan = _comm.any_rank(a.comm, bool(nan.any()))
        if has_nan:
            values = values[~nan]
    n = _comm.allreduce_scalar(a.comm, int(values.size), control=True)
    ks = [k % n if n else 0 for k in ks]
    if n == 0 or (has_nan and not skipnan):
        return [None] * len(ks), n, has_nan
    return select_kth(a.comm, values, sorted(set(ks))), n, has_nan


def _select_quantiles(a: DistArray, q: np.ndarray, method: str, skipnan: bool) -> np.ndarray:
    """NumPy's quantile arithmetic on distributed order statistics (axis=None semantics)."""
    props = _fb._QuantileMethods.get(method)
    if props is None:
        raise ValueError(f"{method!r} is not a valid method. Use one of: {list(_fb._QuantileMethods)}")
    n = _comm.allreduce_scalar(a.comm, int(np.count_nonzero(~np.isnan(a.local)) if skipnan and a.dtype.kind in "fcmM"
                                             else a.local.size), control=True)
    probe_dtype = np.quantile(np.zeros(2, a.dtype), q, method=method).dtype
    if n == 0:
        if skipnan:
            warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=4)
            return np.full(q.shape, np.nan, dtype=probe_dtype)
        raise IndexError("index -1 is out of bounds for axis 0 with size 0")
    virtual = np.asanyarray(props["get_virtual_index"](n, q))
    if props["fix_gamma"] is None or (method == "linear" and np.issubdtype(virtual.dtype, np.integer)):
        prev = nxt = virtual.astype(np.intp)
        gamma = None
    else:
        prev, nxt = _fb._get_indexes(np.empty(0, a.dtype), virtual, n)
        gamma = _fb._get_gamma(virtual, prev, props)
    needed = sorted(set(int(i) % n for i in np.concatenate([np.ravel(prev), np.ravel(nxt)])))
    stats, _, has_nan = _order_statistics(a, needed, skipnan)
    if has_nan and not skipnan:
        return np.full(q.shape, np.nan, dtype=probe_dtype)
    lookup = dict(zip(needed, stats))
    take = np.vectorize(lambda i: lookup[int(i) % n], otypes=[a.dtype])
    lo, hi = take(prev), take(nxt)
    result = lo if gamma is None else _fb._lerp(np.asarray(lo), np.asarray(hi), gamma.reshape(np.shape(lo)))
    return np.asarray(result).astype(probe_dtype, copy=False)


def _quantile_impl(a: Any, q: Any, axis: Any, out: Any, method: str, keepdims: bool, skipnan: bool,
                   weights: Any, name: str) -> Any:
    a = as_distarray(a)
    np_func = getattr(np, name)
    if weights is not None:
        return _weighted_quantile(a, q, axis, out, keepdims, skipnan, weights, name)
    if a.size == 0:  # no data anywhere: NumPy on an empty array of the global shape is the answer
        # (and its checks: the nan* functions of no data return before they validate ``method``)
        return _empty_result(a, lambda z: np_func(z, q, axis=axis, method=method, keepdims=keepdims), out)
    # NumPy's own checks (complex input, q range, method) and result dtype, on a two-element stand-in.
    probe = np.asarray(np_func(np.zeros(2, a.dtype), q, method=method))
    qarr = np.asanyarray(q)
    if name.endswith("percentile"):
        qarr = np.true_divide(qarr, 100)
    axes = _axes(axis, a.ndim)
    rdt = _nan_quantile_dtype(a, axes, probe.dtype) if skipnan else probe.dtype
    placed = _local_or_moved(a, axes)
    if placed is not None:
        block, dist = placed
        with _comm.agreed(a.comm, fp=name):
            result = _local_stat(np_func, block, axes, keepdims, rdt, np.shape(q), q=q, method=method).astype(rdt)
        out_val = _wrap_result(result, dist, axes, keepdims, qarr.shape)
    else:
        values = _select_quantiles(a, qarr, method, skipnan).astype(rdt, copy=False)
        if keepdims:
            values = values.reshape(qarr.shape + (1,) * a.ndim)
        out_val = _wrap_result(values, a.distribution.replicated(()), (), False, ()) if values.ndim == 0 else \
            DistArray._new(values, a.distribution.replicated(values.shape))
    if out is not None:
        return store_result(out, out_val if isinstance(out_val, DistArray) else DistArray._new(
            np.asarray(out_val), a.distribution.replicated(())))
    return out_val


def _weighted_quantile(a: DistArray, q: Any, axis: Any, out: Any, keepdims: bool, skipnan: bool, weights: Any,
                       name: str) -> Any:
    """NumPy's weighted ``inverted_cdf`` quantile: the first sorted value whose cumulative weight reaches q.

    Where the reduced axes are whole on each rank (or made so by one move),
    NumPy runs on the local lines with their weights.  Over a whole
    distributed sequence the values are sample-sorted with their weights, the
    cumulative weights run in global order (a relay of one running total, so
    the sums round as NumPy's sequential cumsum does), and each quantile is
    the value at a global position found by counting, rank by rank.
    """
    np_func = getattr(np, name)
    w = weights if isinstance(weights, DistArray) else np.asarray(weights)
    axes = _axes(axis, a.ndim)
    whole_shape = w.shape == a.shape
    if not whole_shape:  # NumPy's checks (its stand-in probe cannot see lengths)
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        if w.ndim != 1:
            raise TypeError("1D weights expected when shapes of a and weights differ.")
        if len(axes) != 1 or w.shape[0] != a.shape[axes[0]]:
            raise ValueError("Length of weights not compatible with specified axis.")
    if _comm.any_rank(a.comm, bool(np.any((w.local if isinstance(w, DistArray) else w) < 0))):
        raise ValueError("Weights must be non-negative.")
    if a.size == 0:
        return _empty_result(a, lambda z: np_func(z, q, axis=axis, method="inverted_cdf", keepdims=keepdims,
                                                  weights=np.zeros(w.shape, w.dtype)), out)
    probe = np.asarray(np_func(np.zeros(2, a.dtype), q, method="inverted_cdf", weights=np.ones(2)))
    qarr = np.asanyarray(q)
    if name.endswith("percentile"):
        qarr = np.true_divide(qarr, 100)
    placed = _local_or_moved(a, axes)
    if placed is not None:
        block, dist = placed
        # weights of a's shape follow the block's layout; 1-d weights (an int axis) are one axis long: whole
        wb = aligned_block(w, dist) if whole_shape else np.asarray(gathered_operand(w, f"numpy.{name} weights"))
        with _comm.agreed(a.comm, fp=name):
            result = _local_stat(np_func, block, axes, keepdims, probe.dtype, np.shape(q), q=q,
                                 method="inverted_cdf", weights=wb)
        out_val = _wrap_result(np.asarray(result).astype(probe.dtype, copy=False), dist, axes, keepdims, qarr.shape)
    else:
        values = _weighted_select(a, w, qarr, skipnan).astype(probe.dtype, copy=False)
        if keepdims:
            values = values.reshape(qarr.shape + (1,) * a.ndim)
        out_val = values[()] if values.ndim == 0 else DistArray._new(values, a.distribution.replicated(values.shape))
    if out is not None:
        return store_result(out, out_val if isinstance(out_val, DistArray) else DistArray._new(
            np.asarray(out_val), a.distribution.replicated(())))
    return out_val


def _weighted_select(a: DistArray, w: Any, qarr: np.ndarray, skipnan: bool) -> np.ndarray:
    """The weighted inverted-CDF quantiles of all of ``a`` (weights ``w`` of a's shape, or 1-d with 1-d ``a``)."""
    comm = a.comm
    flat = spread_evenly(ravel(a) if a.ndim != 1 else a)
    wd = w if isinstance(w, DistArray) else asarray(np.asarray(w), comm=comm)
    wflat = ravel(wd) if wd.ndim != 1 else wd
    values = np.ascontiguousarray(flat.local.reshape(-1))
    wlocal = np.asarray(aligned_block(wflat, flat.distribution)).reshape(-1)
    if values.dtype.kind in "fc":
        nan = np.isnan(values)
        if _comm.any_rank(comm, bool(nan.any())):
            if not skipnan:  # NaN sorts last: NumPy's result is NaN
                return np.full(qarr.shape, np.nan)
            values, wlocal = values[~nan], wlocal[~nan]
    counts = _comm.allgather_object(comm, int(values.size))
    if sum(counts) == 0:  # every value was NaN
        warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=5)
        return np.full(qarr.shape, np.nan)
    sorted_values, gidx, layout = argsort_values(comm, values, with_values=True)
    in_order = DistArray._new(wlocal, block_layout(comm, counts))[DistArray._new(gidx.astype(np.intp), layout)]
    sorted_w = np.asarray(in_order.local, dtype=np.float64)
    n = layout.shape[0]

    def running(carry: Any) -> tuple[np.ndarray, Any]:  # NumPy's sequential cumsum, continued rank to rank
        start = 0.0 if carry is None else float(carry)
        cdf = np.cumsum(np.concatenate([[start], sorted_w]))[1:]
        return cdf, (cdf[-1] if cdf.size else start)

    cdf = _comm.relay(comm, running)
    total = _comm.bcast_object(comm, float(cdf[-1]) if cdf.size else None, root=_last_nonempty(comm, cdf.size))
    if not np.isfinite(total) or total == 0:  # NumPy's normalised last value is NaN then
        raise ValueError("Weights included NaN, inf or were all zero.")
    cdf = cdf / total
    if qarr.dtype.kind == "f":
        cdf = cdf.astype(qarr.dtype)
    first = _comm.bcast_object(comm, float(cdf[0]) if cdf.size else None, root=_first_nonempty(comm, cdf.size))
    if first == 0:
        cdf[cdf == 0] = -1
    below = np.searchsorted(cdf, qarr.reshape(-1), side="left")
    index = np.minimum(_comm.allreduce_array(comm, below.astype(np.int64)), n - 1)
    picked = DistArray._new(sorted_values, layout)
    return np.array([picked[int(i)] for i in index], dtype=a.dtype).reshape(qarr.shape)


def _first_nonempty(comm: Any, size: int) -> int:
    return next((r for r, k in enumerate(_comm.allgather_object(comm, size)) if k), 0)


def _last_nonempty(comm: Any, size: int) -> int:
    sizes = _comm.allgather_object(comm, size)
    return max((r for r, k in enumerate(sizes) if k), default=0)


def _nan_quantile_dtype(a: DistArray, axes: tuple[int, ...], dtype: np.dtype) -> np.dtype:
    """The dtype of NumPy's nanquantile/nanpercentile result, which depends on the data.

    NumPy computes slice by slice (``apply_along_axis``) into a buffer of the
    first slice's result dtype; an all-NaN slice gives NaNs of the input's
    dtype (float16 with an array ``q``), the others the promoted dtype.  So
    the first slice decides, for every rank alike.
    """
    if a.dtype.kind != "f" or dtype == a.dtype:
        return dtype
    dist = a.distribution
    key: list[Any] = []
    for i in range(a.ndim):
        if i in axes:
            key.append(slice(None))
            continue
        pos = np.flatnonzero(dist.local_indices(i) == 0)
        if pos.size == 0:  # this rank holds none of the first slice
            key = None
            break
        key.append(int(pos[0]))
    valid = 0 if key is None else int(np.count_nonzero(~np.isnan(a.local[tuple(key)])))
    total_valid = _comm.allreduce_scalar(a.comm, valid, control=True)
    return a.dtype if total_valid == 0 else dtype


@implements(np.quantile)
@numpy_checks_first(np.quantile)
def quantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *, weights=None):
    """``np.quantile`` for every NumPy ``method``."""
    return _quantile_impl(a, q, axis, out, method, keepdims, False, weights, "quantile")


@implements(np.percentile)
@numpy_checks_first(np.percentile)
def percentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=False, *,
               weights=None):
    """``np.percentile`` for every NumPy ``method``."""
    return _quantile_impl(a, q, axis, out, method, keepdims, False, weights, "percentile")


@implements(np.nanquantile)
@numpy_checks_first(np.nanquantile)
def nanquantile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=_NoValue, *,
                weights=None):
    """``np.nanquantile``."""
    return _quantile_impl(a, q, axis, out, method, bool(keepdims) if keepdims is not _NoValue else False, True,
                          weights, "nanquantile")


@implements(np.nanpercentile)
@numpy_checks_first(np.nanpercentile)
def nanpercentile(a, q, axis=None, out=None, overwrite_input=False, method="linear", keepdims=_NoValue, *,
                  weights=None):
    """``np.nanpercentile``."""
    return _quantile_impl(a, q, axis, out, method, bool(keepdims) if keepdims is not _NoValue else False, True,
                          weights, "nanpercentile")


def _last_nan(a: DistArray) -> Any:
    """The NaN (NaT) NumPy's median returns: the last element of the sorted array.

    NumPy sorts complex NaNs after the numbers as R+nanj < nan+Rj < nan+nanj,
    each class by its non-NaN part, so the median of complex data holding NaN
    is the greatest of them in that order (nan-infj stays nan-infj).
    """
    if a.dtype.kind in "mM":
        return np.array(["NaT"], a.dtype)[0]
    if a.dtype.kind != "c":
        return np.mean(np.array([np.nan], a.dtype))
    v = a.local.reshape(-1)
    v = v[np.isnan(v)]
    mine = None
    if v.size:
        cls = np.where(np.isnan(v.real) & np.isnan(v.imag), 3, np.where(np.isnan(v.real), 2, 1))
        part = np.where(cls == 1, v.real, np.where(cls == 2, v.imag, 0.0))
        last = np.lexsort((part, cls))[-1]
        mine = (int(cls[last]), float(part[last]), v[last])
    candidates = [c for c in _comm.allgather_object(a.comm, mine) if c is not None]
    return max(candidates, key=lambda c: (c[0], c[1]))[2]


def _median_impl(a: Any, axis: Any, out: Any, keepdims: bool, skipnan: bool) -> Any:
    a = as_distarray(a)
    axes = _axes(axis, a.ndim)
    local_func = np.nanmedian if skipnan else np.median
    if a.size == 0:
        return _empty_result(a, lambda z: local_func(z, axis=axis, keepdims=keepdims), out)
    placed = _local_or_moved(a, axes)
    if placed is not None:
        block, dist = placed
        rdt = np.median(np.zeros(2, a.dtype)).dtype
        with _comm.agreed(a.comm, fp="median"):
            result = _local_stat(local_func, block, axes, keepdims, rdt, ())
        out_val = _wrap_result(result, dist, axes, keepdims, ())
    else:
        n_valid = a.size
        if skipnan and a.dtype.kind in "fcmM":  # NaT is skipped like NaN
            n_valid = _comm.allreduce_scalar(a.comm, int(np.count_nonzero(~np.isnan(a.local))), control=True)
        if n_valid == 0:  # all NaN: NumPy's flattened rule returns the last element itself (complex NaNs differ)
            warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=4)
            value = a[tuple(n - 1 for n in a.shape)]
        else:
            ks = [(n_valid - 1) // 2, n_valid // 2]
            stats, _, has_nan = _order_statistics(a, ks, skipnan)
            if has_nan and not skipnan:
                value = _last_nan(a)
            else:
                lookup = dict(zip(sorted(set(ks)), stats))
                value = np.mean(np.array([lookup[ks[0]], lookup[ks[1]]], dtype=a.dtype))
        value = np.asarray(value)
        if keepdims:
            value = value.reshape((1,) * a.ndim)
            out_val = DistArray._new(value, a.distribution.replicated(value.shape))
        else:
            out_val = value[()]
    if out is not None:
        return store_result(out, out_val if isinstance(out_val, DistArray) else DistArray._new(
            np.asarray(out_val), a.distribution.replicated(())))
    return out_val


@implements(np.median)
@numpy_checks_first(np.median)
def median(a, axis=None, out=None, overwrite_input=False, keepdims=False):
    """``np.median``: distributed selection of the middle order statistics (no sort)."""
    return _median_impl(a, axis, out, keepdims, False)


@implements(np.nanmedian)
@numpy_checks_first(np.nanmedian)
def nanmedian(a, axis=None, out=None, overwrite_input=False, keepdims=_NoValue):
    """``np.nanmedian``."""
    return _median_impl(a, axis, out, bool(keepdims) if keepdims is not _NoValue else False, True)
