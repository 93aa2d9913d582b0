"""Reductions and statistics with NumPy's signatures.

Sums, products, extrema and logical reductions are the generic ufunc
``reduce`` (so ``np.sum(d, axis=1)`` and ``np.add.reduce(d, axis=1)`` are one
path).  Mean, variance and standard deviation combine (count, mean, M2)
partials pairwise in grid order (Chan, Golub and LeVeque), never sums of
squares.  Arg-reductions combine (value, global index) pairs with NumPy's
first-occurrence and NaN rules.  Results that NumPy gives as scalars are
NumPy scalars here too, identical on every rank.

``cumulative_sum``/``cumulative_prod`` are the scans (``cumsum``/``cumprod``)
with the array API's ``include_initial``.

Communication: per reduction, one small allgather (or pairwise combine) of the
partials within the sub-communicator of the reduced distributed axes, plus one
agreement on the local kernel's errors; none along axes held whole.
"""

from __future__ import annotations

import functools
import inspect
import operator
import warnings
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index, normalize_axis_tuple

from .. import comm as _comm
from ..creation import asarray, full_like
from ..distarray import DistArray, aligned_block
from ._bounded import drop_pages, file_mapping, row_chunks
from ._combine import chan_combine, chan_merge, combine_arg, global_flat_index
from .manipulation import as_distarray, concatenate
from .operands import store_result, validate_with_numpy
from .registry import implements
from .ufunc_reduce import reduce_dist, ufunc_reduce
from .ufunc_scan import accumulate_loop_dtype, accumulated_into, ufunc_accumulate

_NoValue = np._NoValue


def _axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if ndim == 0 and isinstance(axis, (int, np.integer)) and axis in (0, -1):
        return ()  # NumPy's legacy rule for 0-d arrays (where NumPy allows it: see numpy_checks_first)
    return normalize_axis_tuple(axis, ndim)


# Arguments NumPy's function is not asked to check on stand-ins: ``mean=`` of
# var/std is a precomputed array of the real shape.
_UNPROBED = ("mean",)


def numpy_checks_first(np_func: Any) -> Any:
    """Decorate an implementation of ``np_func``: NumPy validates the call first, on stand-ins.

    NumPy's own function runs on tiny stand-ins of the array arguments
    (:func:`~numpy_dist.dispatch.operands.standin`), so every argument, axis,
    dtype and casting error is NumPy's, raised in NumPy's order on every rank
    before any communication.  Only arguments given explicitly are passed on.
    """
    def decorate(impl: Any) -> Any:
        sig = inspect.signature(impl)

        @functools.wraps(impl)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            bound = sig.bind(*args, **kwargs)
            given = dict(bound.arguments)
            first = next(iter(sig.parameters))
            a = given.pop(first)
            for name in _UNPROBED:
                given.pop(name, None)
            validate_with_numpy(np_func, (a,), given)
            return impl(*args, **kwargs)

        return wrapper

    return decorate


def _scalarize(result: Any) -> Any:
    """NumPy returns scalars for 0-d reduction results; so do we (replicated on every rank)."""
    if isinstance(result, DistArray) and result.ndim == 0:
        return result.local[()]
    return result


def _reduce(ufunc: np.ufunc, a: Any, axis: Any, dtype: Any = None, out: Any = None, keepdims: bool = False,
            initial: Any = _NoValue, where: Any = True) -> Any:
    kwargs: dict[str, Any] = {"axis": axis, "dtype": dtype, "keepdims": keepdims}
    if initial is not _NoValue:
        kwargs["initial"] = initial
    if where is not True:
        kwargs["where"] = where
    if out is not None:
        kwargs["out"] = out
        return ufunc_reduce(ufunc, (a,), kwargs)
    return _scalarize(ufunc_reduce(ufunc, (a,), kwargs))


@implements(np.sum)
@numpy_checks_first(np.sum)
def sum(a, axis=None, dtype=None, out=None, keepdims=False, initial=_NoValue, where=True):
    """``np.sum``: local sums, partials combined within the reduced axes' process groups."""
    return _reduce(np.add, a, axis, dtype, out, keepdims, initial, where)


@implements(np.prod)
@numpy_checks_first(np.prod)
def prod(a, axis=None, dtype=None, out=None, keepdims=False, initial=_NoValue, where=True):
    """``np.prod``."""
    return _reduce(np.multiply, a, axis, dtype, out, keepdims, initial, where)


@implements(np.max, np.amax)
@numpy_checks_first(np.max)
def max(a, axis=None, out=None, keepdims=False, initial=_NoValue, where=True):
    """``np.max`` / ``np.amax`` (NaN propagates, as in NumPy)."""
    return _reduce(np.maximum, a, axis, None, out, keepdims, initial, where)


@implements(np.min, np.amin)
@numpy_checks_first(np.min)
def min(a, axis=None, out=None, keepdims=False, initial=_NoValue, where=True):
    """``np.min`` / ``np.amin``."""
    return _reduce(np.minimum, a, axis, None, out, keepdims, initial, where)


@implements(np.any)
@numpy_checks_first(np.any)
def any(a, axis=None, out=None, keepdims=False, *, where=True):
    """``np.any``."""
    return _reduce(np.logical_or, a, axis, bool, out, keepdims, _NoValue, where)


@implements(np.all)
@numpy_checks_first(np.all)
def all(a, axis=None, out=None, keepdims=False, *, where=True):
    """``np.all``."""
    return _reduce(np.logical_and, a, axis, bool, out, keepdims, _NoValue, where)


@implements(np.ptp)
@numpy_checks_first(np.ptp)
def ptp(a, axis=None, out=None, keepdims=False):
    """``np.ptp``: max minus min."""
    hi = _reduce(np.maximum, a, axis, None, None, keepdims)
    lo = _reduce(np.minimum, a, axis, None, None, keepdims)
    return np.subtract(hi, lo, out=out) if out is not None else hi - lo


@implements(np.count_nonzero)
@numpy_checks_first(np.count_nonzero)
def count_nonzero(a, axis=None, *, keepdims=False):
    """``np.count_nonzero`` (dates: NaT and every date but the epoch count, as in NumPy)."""
    # Dates do not compare with the integer 0; their truth value is NumPy's (the int64 count is not 0).
    nz = a.astype(bool) if np.dtype(a.dtype).kind in "mM" else np.not_equal(a, 0)
    result = _reduce(np.add, nz, axis, np.intp, None, keepdims)
    return np.intp(result) if axis is None and not keepdims else result


# --------------------------------------------------------------------------
# Moments
# --------------------------------------------------------------------------


def _count(a: DistArray, axes: tuple[int, ...], keepdims: bool, where: Any) -> Any:
    """Elements per output position (an int when there is no mask)."""
    if where is True:
        return int(np.prod([a.shape[i] for i in axes], dtype=np.int64))
    # The mask broadcast against ``a`` in ``a``'s layout (a DistArray ``where`` may be smaller or laid out otherwise).
    mask = DistArray._new(np.broadcast_to(aligned_block(where, a.distribution), a.local.shape), a.distribution)
    return _reduce(np.add, mask, axes, np.intp, None, keepdims)


def _local_values(x: Any) -> np.ndarray:
    """This rank's block of a reduction result (a 0-d result may come back as a scalar)."""
    return x.local if isinstance(x, DistArray) else np.asarray(x)


def _moments(a: DistArray, axes: tuple[int, ...], dtype: Any, where: Any) -> tuple:
    """Global (count, mean, M2) with keepdims shape, on the reduced distribution.

    Local two-pass moments per block, then Chan's pairwise combine in grid order.
    """
    dist = a.distribution
    local = a.local
    w = None if where is True else np.broadcast_to(aligned_block(where, dist), local.shape)

    m2_dtype = None if dtype is None else np.empty(0, dtype).real.dtype

    def kernel(local: np.ndarray = local, w: Any = w) -> tuple:
        kshape = tuple(1 if i in axes else n for i, n in enumerate(local.shape))
        if w is None:
            n = np.full(kshape, int(np.prod([local.shape[i] for i in axes])), dtype=np.int64)
        else:
            n = np.sum(w, axis=axes, keepdims=True, dtype=np.int64)
        s = np.sum(local, axis=axes, dtype=dtype, keepdims=True, where=True if w is None else w)
        with np.errstate(invalid="ignore", divide="ignore"):
            mean = s / np.where(n == 0, 1, n)
        mean = mean.astype(s.dtype, copy=False) if s.dtype.kind in "fc" else mean
        if w is None and len(axes) == local.ndim and local.dtype.kind == "f" and mean.dtype == local.dtype:
            return n, mean, _m2_in_chunks(local, mean.reshape(()), m2_dtype)
        dev = np.asarray(local - mean)  # an array even for 0-d blocks (squared in place below)
        if np.iscomplexobj(dev):
            sq = (dev * np.conjugate(dev)).real
        else:
            sq = np.multiply(dev, dev, out=dev)  # in place, as NumPy's var does
        m2 = np.sum(sq, axis=axes, dtype=m2_dtype, keepdims=True, where=True if w is None else w)
        return n, mean, m2

    mapped = file_mapping(local)
    if mapped is not None and len(row_chunks(local)) > 1:  # a file-mapped block: chunk by chunk, bounded memory
        n, mean, m2 = _comm.agreed_call(dist.comm, lambda: _chunked_moments(kernel, local, w, axes, mapped),
                                        fp="mean")
    else:
        n, mean, m2 = _comm.agreed_call(dist.comm, kernel, fp="mean")
    split = reduce_dist(dist, axes)
    if split:
        sub = _comm.grid_subcomm(dist.comm, dist.proc_grid, tuple(dist.axis_grid[i] for i in split))
        n, mean, m2 = chan_combine(sub, n, mean, m2)
    return n, mean, m2


def _chunked_moments(kernel: Any, local: np.ndarray, w: Any, axes: tuple[int, ...], mapped: np.memmap) -> tuple:
    """``kernel`` over row chunks of a file-mapped block, each chunk's pages dropped after it: the chunks'
    moments are combined in order (Chan) when axis 0 is reduced, else stacked along it."""
    parts = []
    for rows in row_chunks(local):
        chunk = local[rows]
        parts.append(kernel(chunk, None if w is None else w[rows]))
        drop_pages(chunk, mapped)
    if 0 in axes:
        return chan_merge(parts)
    return tuple(np.concatenate([p[k] for p in parts], axis=0) for k in range(3))


# Elements per chunk of the deviation pass: a chunk's deviations stay in cache.
_M2_CHUNK = 1 << 14


def _m2_in_chunks(local: np.ndarray, mean: np.ndarray, dtype: Any) -> np.ndarray:
    """Sum of squared deviations of a whole real block, chunk by chunk (keepdims shape).

    Same two-pass algorithm as NumPy's var, without its block-sized
    temporary: the block is read once more instead of written and read
    twice, which is most of the time of ``np.std`` on large arrays.
    """
    flat = local.reshape(-1)
    buf = np.empty(_M2_CHUNK, dtype=local.dtype)  # (``min`` is np.min's implementation here)
    partials = np.empty(-(-flat.size // _M2_CHUNK), dtype=np.result_type(local.dtype, dtype or local.dtype))
    for i, start in enumerate(range(0, flat.size, _M2_CHUNK)):
        dev = buf[:flat[start:start + _M2_CHUNK].size]
        np.subtract(flat[start:start + _M2_CHUNK], mean, out=dev)
        # (not np.dot: BLAS threads would cost more than they save on a chunk)
        partials[i] = np.add.reduce(np.multiply(dev, dev, out=dev), dtype=dtype)
    return np.sum(partials, keepdims=True, dtype=dtype).reshape((1,) * local.ndim)


def _moment_dtype(a: DistArray, dtype: Any) -> Any:
    if dtype is not None:
        return dtype
    if a.dtype.kind in "biu":
        return np.float64
    if a.dtype == np.float16:
        return np.float32
    return None


def _finish(values: np.ndarray, dist_axes: tuple[int, ...], a: DistArray, keepdims: bool, out: Any,
            result_dtype: np.dtype) -> Any:
    if not keepdims:
        values = values.reshape(tuple(n for i, n in enumerate(values.shape) if i not in dist_axes))
    # Into ``out`` NumPy casts once, from the full-precision values.
    values = values.astype(out.dtype if out is not None else result_dtype, copy=False)
    result = DistArray._new(values, a.distribution.reduced(dist_axes, keepdims))
    if out is not None:
        return store_result(out, result)
    return _scalarize(result)


def _as_dist(a: Any) -> Any:
    if isinstance(a, DistArray):
        return a
    return asarray(a)


@implements(np.mean)
@numpy_checks_first(np.mean)
def mean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    """``np.mean`` as NumPy computes it: a distributed sum divided by the count.

    NumPy's dtype rules (float64 for integers, float32 for float16).
    """
    a = _as_dist(a)
    axes = _axes(axis, a.ndim)
    result_dtype = np.mean(np.zeros(1, a.dtype), dtype=dtype).dtype
    opts: dict[str, Any] = {"axis": axes, "dtype": _moment_dtype(a, dtype), "keepdims": True}
    if where is not True:
        opts["where"] = where
    total = ufunc_reduce(np.add, (a,), opts)
    count = _count(a, axes, True, where)
    count_local = count.local if isinstance(count, DistArray) else count
    empty = bool(np.any(count == 0)) if isinstance(count, DistArray) else count == 0
    if empty:
        warnings.warn("Mean of empty slice.", RuntimeWarning, stacklevel=2)
    total_local = _into_out_dtype(total.local, out)
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.true_divide(total_local, count_local)
    return _finish(np.asarray(values), axes, a, keepdims, out, result_dtype)


def _into_out_dtype(values: np.ndarray, out: Any) -> np.ndarray:
    """A sum as NumPy leaves it before dividing: already cast into ``out`` (when given)."""
    return values if out is None else np.asarray(values).astype(out.dtype)


def _var_values(a: DistArray, axes: tuple, dtype: Any, ddof: Any, where: Any,
                out: Any = None) -> tuple[np.ndarray, np.dtype]:
    result_dtype = np.var(np.zeros(2, a.dtype), dtype=dtype).dtype
    if dtype is not None and np.dtype(dtype).kind not in "fc":
        return _var_in_dtype(a, axes, np.dtype(dtype), ddof, where), result_dtype
    n, _, m2 = _moments(a, axes, _moment_dtype(a, dtype), where)
    dof = n - ddof
    if _comm.any_rank(a.comm, bool(np.any(dof <= 0))):
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=3)
    if result_dtype.kind == "c":
        m2 = m2.astype(result_dtype)  # NumPy divides a complex sum: 0 / 0 is nan+nanj
    m2 = _into_out_dtype(m2, out)  # NumPy sums the squares into ``out``, then divides there
    with np.errstate(invalid="ignore", divide="ignore"):
        values = np.true_divide(m2, np.maximum(dof, 0))
    if out is not None:
        values = values.astype(out.dtype)
    return values, result_dtype


def _var_in_dtype(a: DistArray, axes: tuple, dtype: np.dtype, ddof: Any, where: Any) -> np.ndarray:
    """NumPy's two-pass variance computed in an integer or bool ``dtype`` (keepdims values).

    The mean is truncated to ``dtype`` and the deviations follow NumPy's
    promotion, exactly as ``np.var(..., dtype=int)`` does; only floating
    dtypes use the combined moments.
    """
    opts: dict[str, Any] = {"axis": axes, "dtype": dtype, "keepdims": True}
    if where is not True:
        opts["where"] = where
    total = ufunc_reduce(np.add, (a,), opts)
    count = _count(a, axes, True, where)
    count_local = count.local if isinstance(count, DistArray) else count
    with np.errstate(invalid="ignore", divide="ignore"):
        mean_local = np.true_divide(total.local, count_local).astype(total.dtype)
    dev = np.subtract(a, DistArray._new(mean_local, total.distribution))
    sq = (dev * np.conjugate(dev)).real if dev.dtype.kind == "c" else np.multiply(dev, dev)
    m2 = ufunc_reduce(np.add, (sq,), opts)
    dof = np.maximum(np.asarray(count_local) - ddof, 0)
    if _comm.any_rank(a.comm, bool(np.any(dof <= 0))):
        warnings.warn("Degrees of freedom <= 0 for slice", RuntimeWarning, stacklevel=4)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.true_divide(m2.local, dof).astype(m2.dtype)


def _check_ddof(ddof: Any, correction: Any) -> Any:
    if correction is not _NoValue:
        if ddof != 0:
            raise ValueError("ddof and correction can't be provided simultaneously.")
        return correction
    return ddof


@implements(np.var)
@numpy_checks_first(np.var)
def var(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=_NoValue,
        correction=_NoValue):
    """``np.var``: Chan's pairwise combine of per-block (count, mean, M2)."""
    a = _as_dist(a)
    ddof = _check_ddof(ddof, correction)
    axes = _axes(axis, a.ndim)
    values, result_dtype = _var_values(a, axes, dtype, ddof, where, out)
    return _finish(values, axes, a, keepdims, out, result_dtype)


@implements(np.std)
@numpy_checks_first(np.std)
def std(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=_NoValue,
        correction=_NoValue):
    """``np.std``: square root of :func:`var`."""
    a = _as_dist(a)
    ddof = _check_ddof(ddof, correction)
    axes = _axes(axis, a.ndim)
    values, result_dtype = _var_values(a, axes, dtype, ddof, where, out)
    return _finish(np.sqrt(values), axes, a, keepdims, out, result_dtype)


@implements(np.average)
def average(a, axis=None, weights=None, returned=False, *, keepdims=False):
    """``np.average`` (weights broadcast along ``axis`` as in NumPy)."""
    a = _as_dist(a)
    if weights is None:
        avg = mean(a, axis=axis, keepdims=keepdims)
        scl = a.size / int(np.prod(np.shape(avg), dtype=np.int64))  # ZeroDivisionError as in NumPy
        # NumPy converts the scale to the average's type even when not returned (ValueError for timedelta64)
        scl = np.dtype(avg.dtype).type(scl)
        if returned:
            if isinstance(avg, DistArray):
                return avg, full_like(avg, scl)
            return avg, scl
        return avg
    wshape = np.shape(weights)
    if wshape != a.shape:
        if axis is None:
            raise TypeError("Axis must be specified when shapes of a and weights differ.")
        if len(wshape) != 1:
            raise TypeError("1D weights expected when shapes of a and weights differ.")
        ax = normalize_axis_tuple(axis, a.ndim)
        if len(ax) != 1:
            raise TypeError("Single axis expected when shapes of a and weights differ.")
        if wshape[0] != a.shape[ax[0]]:
            raise ValueError("Length of weights not compatible with specified axis.")
        shape = [1] * a.ndim
        shape[ax[0]] = wshape[0]
        weights = np.reshape(weights, shape)
    wdtype = weights.dtype if hasattr(weights, "dtype") else np.asarray(weights).dtype
    if a.dtype.kind in "biu":
        result_dtype = np.result_type(a.dtype, wdtype, "f8")
    else:
        result_dtype = np.result_type(a.dtype, wdtype)
    if not isinstance(weights, DistArray):  # weights every rank holds: each keeps its block's part
        weights = DistArray._new(np.broadcast_to(aligned_block(np.asarray(weights), a.distribution),
                                                 a.local.shape), a.distribution)
    scl = sum(np.broadcast_to(weights, a.shape), axis=axis, dtype=result_dtype, keepdims=keepdims)
    scl_local = scl.local if isinstance(scl, DistArray) else np.asarray(scl)
    if _comm.any_rank(a.comm, bool(np.any(scl_local == 0.0))):
        raise ZeroDivisionError("Weights sum to zero, can't be normalized")
    total = sum(np.multiply(a, weights, dtype=result_dtype), axis=axis, keepdims=keepdims)
    avg = total / scl
    if returned:
        return avg, (scl if np.shape(scl) == np.shape(avg) else np.broadcast_to(scl, np.shape(avg)).copy())
    return avg


# --------------------------------------------------------------------------
# Arg-reductions
# --------------------------------------------------------------------------


def _arg_reduce(a: Any, axis: Any, out: Any, keepdims: bool, kind: str, skipnan: bool = False) -> Any:
    a = _as_dist(a)
    keepdims = keepdims is not _NoValue and bool(keepdims)  # (NumPy's nanargmax passes its _NoValue on)
    if skipnan and a.dtype.kind in "fc" and a.size:
        # NumPy checks for all-NaN slices before it looks at anything else.
        if np.any(all(np.isnan(a), axis=axis)):
            raise ValueError("All-NaN slice encountered")
    if skipnan:  # (the others are checked by their decorator)
        given = {"axis": axis, "keepdims": keepdims, **({} if out is None else {"out": out})}
        validate_with_numpy(getattr(np, f"nanarg{kind}"), (a,), given)
    name = f"arg{kind}"
    dist = a.distribution
    if a.ndim == 0 and isinstance(axis, (int, np.integer)) and axis in (0, -1):
        axis = None  # NumPy's legacy rule for 0-d arrays
    if axis is None:
        axes = tuple(range(a.ndim))
        if a.size == 0:
            raise ValueError(f"attempt to get {name} of an empty sequence")
    else:
        axes = (normalize_axis_index(operator.index(axis), a.ndim),)
        if a.shape[axes[0]] == 0:
            raise ValueError(f"attempt to get {name} of an empty sequence")
    local = a.local
    gidx = global_flat_index(dist, axes)  # (flat C index when axis is None)
    value, index = combine_arg.local(local, gidx, axes, kind, skipnan)
    split = reduce_dist(dist, axes)
    if split:
        sub = _comm.grid_subcomm(dist.comm, dist.proc_grid, tuple(dist.axis_grid[i] for i in split))
        value, index = combine_arg.across(sub, value, index, kind, skipnan)
    index = index.astype(np.intp)
    if not keepdims:
        index = index.reshape(tuple(n for i, n in enumerate(index.shape) if i not in axes))
    result = DistArray._new(index, dist.reduced(axes, keepdims))
    if out is not None:  # (a 0-d out too: NumPy writes it and returns it)
        return store_result(out, result)
    return _scalarize(result)


@implements(np.argmin)
@numpy_checks_first(np.argmin)
def argmin(a, axis=None, out=None, *, keepdims=False):
    """``np.argmin``: global indices, first occurrence, NaN wins."""
    return _arg_reduce(a, axis, out, keepdims, "min")


@implements(np.argmax)
@numpy_checks_first(np.argmax)
def argmax(a, axis=None, out=None, *, keepdims=False):
    """``np.argmax``: global indices, first occurrence, NaN wins."""
    return _arg_reduce(a, axis, out, keepdims, "max")


@implements(np.nanargmin)
def nanargmin(a, axis=None, out=None, *, keepdims=False):
    """``np.nanargmin``: NaNs ignored; an all-NaN slice raises ValueError on every rank."""
    return _arg_reduce(a, axis, out, keepdims, "min", skipnan=True)


@implements(np.nanargmax)
def nanargmax(a, axis=None, out=None, *, keepdims=False):
    """``np.nanargmax``."""
    return _arg_reduce(a, axis, out, keepdims, "max", skipnan=True)


# --------------------------------------------------------------------------
# Scans
# --------------------------------------------------------------------------


def _scan(ufunc: np.ufunc, a: Any, axis: Any, dtype: Any, out: Any) -> Any:
    a = _as_dist(a)
    if axis is None:
        if a.ndim != 1:
            a = np.ravel(a)
        axis = 0
    if a.ndim == 0:
        a = np.reshape(a, (1,))
    result = ufunc_accumulate(ufunc, (a,), {"axis": axis, "dtype": accumulate_loop_dtype(ufunc, a.dtype, out, dtype)})
    if out is None:
        return result
    return accumulated_into(out, result, normalize_axis_index(axis, a.ndim), _SCANS[ufunc], a.dtype, dtype)


# The functions whose loop choice decides how strictly NumPy checks ``out=`` (see ufunc_scan.accumulated_into).
_SCANS = {np.add: np.cumsum, np.multiply: np.cumprod}


@implements(np.cumsum)
@numpy_checks_first(np.cumsum)
def cumsum(a, axis=None, dtype=None, out=None):
    """``np.cumsum``: local scan plus an exclusive scan of block totals."""
    return _scan(np.add, a, axis, dtype, out)


@implements(np.cumprod)
@numpy_checks_first(np.cumprod)
def cumprod(a, axis=None, dtype=None, out=None):
    """``np.cumprod``."""
    return _scan(np.multiply, a, axis, dtype, out)


# --------------------------------------------------------------------------
# The nan* family
# --------------------------------------------------------------------------


def _replace_nan(a: Any, value: Any) -> Any:
    a = _as_dist(a)
    if a.dtype.kind not in "fc":
        return a
    return np.where(np.isnan(a), value, a)


@implements(np.nansum)
@numpy_checks_first(np.nansum)
def nansum(a, axis=None, dtype=None, out=None, keepdims=False, initial=_NoValue, where=True):
    """``np.nansum``: NaN counts as zero."""
    return sum(_replace_nan(a, 0), axis, dtype, out, keepdims, initial, where)


@implements(np.nanprod)
@numpy_checks_first(np.nanprod)
def nanprod(a, axis=None, dtype=None, out=None, keepdims=False, initial=_NoValue, where=True):
    """``np.nanprod``: NaN counts as one."""
    return prod(_replace_nan(a, 1), axis, dtype, out, keepdims, initial, where)


def _warn_all_nan(result: Any, comm: Any) -> None:
    local = result.local if isinstance(result, DistArray) else result
    if _comm.any_rank(comm, bool(np.any(np.isnan(local)))):
        warnings.warn("All-NaN slice encountered", RuntimeWarning, stacklevel=3)


@implements(np.nanmin)
@numpy_checks_first(np.nanmin)
def nanmin(a, axis=None, out=None, keepdims=False, initial=_NoValue, where=True):
    """``np.nanmin``: ``fmin`` reduction; warns on all-NaN slices."""
    a = _as_dist(a)
    result = _reduce(np.fmin, a, axis, None, out, keepdims, initial, where)
    if a.dtype.kind in "fc":
        _warn_all_nan(result, a.comm)
    return result


@implements(np.nanmax)
@numpy_checks_first(np.nanmax)
def nanmax(a, axis=None, out=None, keepdims=False, initial=_NoValue, where=True):
    """``np.nanmax``: ``fmax`` reduction; warns on all-NaN slices."""
    a = _as_dist(a)
    result = _reduce(np.fmax, a, axis, None, out, keepdims, initial, where)
    if a.dtype.kind in "fc":
        _warn_all_nan(result, a.comm)
    return result


def _notnan_where(a: DistArray, where: Any) -> Any:
    if a.dtype.kind not in "fc":
        return where
    valid = ~np.isnan(a)
    return valid if where is True else np.logical_and(valid, where)


@implements(np.nanmean)
@numpy_checks_first(np.nanmean)
def nanmean(a, axis=None, dtype=None, out=None, keepdims=False, *, where=True):
    """``np.nanmean`` as NumPy computes it: the sum of the non-NaN elements over their count.

    (Not a combined mean: an infinite element makes the mean infinite, never NaN.)
    """
    a = _as_dist(a)
    if a.dtype.kind not in "fc":
        return mean(a, axis, dtype, out, keepdims, where=where)
    axes = _axes(axis, a.ndim)
    opts: dict[str, Any] = {"axis": axes, "dtype": dtype, "keepdims": True}
    if where is not True:
        opts["where"] = where
    total = ufunc_reduce(np.add, (_replace_nan(a, 0),), opts)
    count = _local_values(_count(a, axes, True, _notnan_where(a, where)))
    if _comm.any_rank(a.comm, bool(np.any(count == 0))):
        warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=2)
    total_local = _into_out_dtype(total.local, out)
    with np.errstate(invalid="ignore", divide="ignore"):
        # NumPy divides in the promoted type and casts back to the sum's dtype.
        values = np.true_divide(total_local, count).astype(total_local.dtype, copy=False)
    return _finish(values, axes, a, keepdims, out, total.dtype)


def _nan_moment(kind: str, a: DistArray, axis: Any, dtype: Any, out: Any, keepdims: bool, where: Any,
                ddof: Any = 0) -> Any:
    axes = _axes(axis, a.ndim)
    mask = _notnan_where(a, where)
    if mask is True:
        if kind == "mean":
            return mean(a, axis, dtype, out, keepdims)
        values, rdt = _var_values(a, axes, dtype, ddof, True, out)
    else:
        mask = _as_dist(np.broadcast_to(mask, a.shape)) if not isinstance(mask, DistArray) else mask
        safe = np.where(mask, a, 0)
        n, m, m2 = _moments(safe, axes, _moment_dtype(a, dtype), mask)
        if kind == "mean":
            rdt = np.mean(np.zeros(1, a.dtype), dtype=dtype).dtype
            if _comm.any_rank(a.comm, bool(np.any(n == 0))):
                warnings.warn("Mean of empty slice", RuntimeWarning, stacklevel=3)
            with np.errstate(invalid="ignore"):
                values = np.where(n == 0, np.nan, m)
        else:
            rdt = np.var(np.zeros(2, a.dtype), dtype=dtype).dtype
            dof = n - ddof
            if _comm.any_rank(a.comm, bool(np.any(dof <= 0))):
                warnings.warn("Degrees of freedom <= 0 for slice.", RuntimeWarning, stacklevel=3)
            if rdt.kind == "c":
                m2 = m2.astype(rdt)  # NumPy divides a complex sum: nan / 2 is nan+nanj
            with np.errstate(invalid="ignore", divide="ignore"):
                values = np.where(dof <= 0, np.nan, m2 / np.where(dof > 0, dof, 1))  # (a fractional ddof leaves 0 < dof < 1)
    if rdt.kind == "c":
        values = values.astype(rdt)  # (NumPy's square root is complex too: sqrt(nan+0j) is nan+nanj)
    if kind == "std":
        values = np.sqrt(values)
    return _finish(values, axes, a, keepdims, out, rdt)


@implements(np.nanvar)
@numpy_checks_first(np.nanvar)
def nanvar(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=_NoValue,
           correction=_NoValue):
    """``np.nanvar``."""
    return _nan_moment("var", _as_dist(a), axis, dtype, out, keepdims, where, _check_ddof(ddof, correction))


@implements(np.nanstd)
@numpy_checks_first(np.nanstd)
def nanstd(a, axis=None, dtype=None, out=None, ddof=0, keepdims=False, *, where=True, mean=_NoValue,
           correction=_NoValue):
    """``np.nanstd``."""
    return _nan_moment("std", _as_dist(a), axis, dtype, out, keepdims, where, _check_ddof(ddof, correction))


@implements(np.nancumsum)
@numpy_checks_first(np.nancumsum)
def nancumsum(a, axis=None, dtype=None, out=None):
    """``np.nancumsum``: NaN counts as zero."""
    return cumsum(_replace_nan(a, 0), axis, dtype, out)


@implements(np.nancumprod)
@numpy_checks_first(np.nancumprod)
def nancumprod(a, axis=None, dtype=None, out=None):
    """``np.nancumprod``: NaN counts as one."""
    return cumprod(_replace_nan(a, 1), axis, dtype, out)


# --------------------------------------------------------------------------
# Scans with the standard's include_initial
# --------------------------------------------------------------------------


def _with_initial(scan, np_scan, ufunc, x, axis, dtype, out, include_initial, identity):
    x = as_distarray(x)
    if axis is None:
        if x.ndim > 1:
            raise ValueError("For arrays which have more than one dimension ``axis`` argument is required.")
        axis = 0
    axis = normalize_axis_index(axis, x.ndim or 1)  # (``max`` is this module's np.max)
    result = scan(x, axis=axis, dtype=accumulate_loop_dtype(ufunc, x.dtype, out, dtype))
    if out is not None:
        return _with_initial_into(out, result, axis, np_scan, x.dtype, dtype, include_initial, identity)
    if include_initial:
        shape = list(result.shape)
        shape[axis] = 1
        first = np.full(shape, identity, dtype=result.dtype)
        result = concatenate([first, result], axis=axis)
    return result


def _with_initial_into(out, result, axis, np_scan, in_dtype, dtype, include_initial, identity):
    """As NumPy: the accumulation goes into ``out`` by accumulate's ``out=`` rule (or into
    ``out[1:]`` along the axis, then ``out[0]`` along it is set to the identity)."""

    if not include_initial:
        return accumulated_into(out, result, axis, np_scan, in_dtype, dtype)
    rest = tuple(slice(1, None) if i == axis else slice(None) for i in range(result.ndim))
    part = out[rest]  # (a NumPy out's part is a view; a DistArray's a copy, written back)
    accumulated_into(part, result, axis, np_scan, in_dtype, dtype)
    if isinstance(out, DistArray):
        out[rest] = part
    out[tuple(0 if i == axis else slice(None) for i in range(result.ndim))] = identity
    return out


@implements(np.cumulative_sum)
def cumulative_sum(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    """``np.cumulative_sum``: the distributed scan, with the standard's ``include_initial``."""
    return _with_initial(cumsum, np.cumulative_sum, np.add, x, axis, dtype, out, include_initial, 0)


@implements(np.cumulative_prod)
def cumulative_prod(x, /, *, axis=None, dtype=None, out=None, include_initial=False):
    """``np.cumulative_prod``."""
    return _with_initial(cumprod, np.cumulative_prod, np.multiply, x, axis, dtype, out, include_initial, 1)
