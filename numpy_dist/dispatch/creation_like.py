"""NumPy's creation functions called with ``like=`` a DistArray (NEP 35), and ``linspace``/``logspace``/``geomspace``.

``np.zeros(shape, like=d)`` returns a DistArray on ``d``'s communicator in the
default layout (block along axis 0), as ``nd.zeros(shape, comm=d.comm)`` does:
code written against NumPy keeps its array type by passing ``like=``.  Data
that every rank holds (``np.array(obj, like=d)``, ``np.frombuffer``,
``np.fromstring``) is distributed by keeping each rank's part; an iterator with
a known ``count`` is consumed keeping only this rank's part.

``np.linspace``/``np.logspace``/``np.geomspace`` with DistArray endpoints
evaluate each rank's endpoints locally: the result is distributed like the
endpoints, with the sample axis whole.

Communication: none, except one agreement on errors (an iterator too short, a
zero endpoint, a step that is zero somewhere) where only some ranks can see it.
"""

from __future__ import annotations

import itertools
import operator
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from .. import creation
from ..distarray import DistArray, aligned_block, check_dtype
from ..distribution import Distribution
from ..maps import NoDistMap
from .operands import template_distribution
from .registry import implements

__all__: list[str] = []


def _default_layout(like: DistArray, shape: Any) -> Distribution:
    return creation.resolve_distribution(shape, comm=like.comm)


# --------------------------------------------------------------------------
# Shapes and ranges: each rank makes its own block
# --------------------------------------------------------------------------


@implements(np.zeros)
def zeros(shape, dtype=None, order="C", *, device=None, like=None):
    """``np.zeros(..., like=d)``: a DistArray on ``d``'s communicator (no communication)."""
    return creation.zeros(shape, float if dtype is None else dtype, order, comm=like.comm, device=device)


@implements(np.ones)
def ones(shape, dtype=None, order="C", *, device=None, like=None):
    """``np.ones(..., like=d)``."""
    return creation.ones(shape, float if dtype is None else dtype, order, comm=like.comm, device=device)


@implements(np.empty)
def empty(shape, dtype=None, order="C", *, device=None, like=None):
    """``np.empty(..., like=d)``."""
    return creation.empty(shape, float if dtype is None else dtype, order, comm=like.comm, device=device)


@implements(np.full)
def full(shape, fill_value, dtype=None, order="C", *, device=None, like=None):
    """``np.full(..., like=d)``."""
    return creation.full(shape, fill_value, dtype, order, comm=like.comm, device=device)


@implements(np.arange)
def arange(start_or_stop, stop=None, step=1, *, dtype=None, device=None, like=None):
    """``np.arange(..., like=d)``: values bit for bit NumPy's."""
    return creation.arange(start_or_stop, stop, step, dtype, comm=like.comm, device=device)


@implements(np.eye)
def eye(N, M=None, k=0, dtype=float, order="C", *, device=None, like=None):
    """``np.eye(..., like=d)``."""
    return creation.eye(operator.index(N), None if M is None else operator.index(M), operator.index(k),
                        dtype, order, comm=like.comm, device=device)


@implements(np.identity)
def identity(n, dtype=None, *, like=None):
    """``np.identity(..., like=d)``."""
    return creation.identity(operator.index(n), float if dtype is None else dtype, comm=like.comm)


@implements(np.fromfunction)
def fromfunction(function, shape, *, dtype=float, like=None, **kwargs):
    """``np.fromfunction(..., like=d)``: ``function`` receives each rank's block of index grids (it must be
    elementwise, as :func:`numpy_dist.fromfunction` documents)."""
    return creation.fromfunction(function, shape, dtype=dtype, comm=like.comm, **kwargs)


# --------------------------------------------------------------------------
# Data every rank holds: each keeps its part
# --------------------------------------------------------------------------


def _distributed_copy(obj: Any, like: DistArray, copy: Any) -> DistArray:
    """``obj`` (a NumPy array every rank holds, or a DistArray) as a DistArray on ``like``'s communicator."""
    if isinstance(obj, DistArray):
        return obj.copy() if copy else obj
    return creation.asarray(obj, comm=like.comm, copy=bool(copy))


@implements(np.array)
def array(object, dtype=None, *, copy=True, order="K", subok=False, ndmin=0, ndmax=0, like=None):
    """``np.array(obj, like=d)``: ``obj`` (the same on every rank) distributed in the default layout."""
    if isinstance(object, DistArray):
        x = object if dtype is None else object.astype(dtype, copy=False)
        while x.ndim < ndmin:
            x = x[np.newaxis]
        return x.copy() if copy and x is object else x
    limits = {"ndmax": ndmax} if ndmax else {}  # (an explicit ndmax=0 means 0-d in NumPy 2.4)
    data = np.array(object, dtype=dtype, copy=None if copy else copy, order=order, ndmin=ndmin, **limits)
    return _distributed_copy(data, like, copy is not None and copy and data is object)


def _asarray_like(a: Any, dtype: Any, copy: Any, like: DistArray) -> DistArray:
    if isinstance(a, DistArray):
        if dtype is not None and check_dtype(dtype) != a.dtype:
            if copy is False:
                raise ValueError("Unable to avoid copy while creating an array as requested.")
            return a.astype(dtype)
        return a.copy() if copy else a
    data = np.asarray(a, dtype=dtype, copy=copy)  # NumPy's own errors (copy=False impossible ...)
    return _distributed_copy(data, like, bool(copy) and data is a)


@implements(np.asarray)
def asarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    """``np.asarray(a, like=d)``: a DistArray stays itself; data every rank holds is distributed."""
    if device not in (None, "cpu"):
        raise ValueError(f"Device not understood. Only \"cpu\" is allowed, but received: {device}")
    return _asarray_like(a, dtype, copy, like)


@implements(np.asanyarray)
def asanyarray(a, dtype=None, order=None, *, device=None, copy=None, like=None):
    """``np.asanyarray(a, like=d)`` (see :func:`asarray`)."""
    return asarray(a, dtype, order, device=device, copy=copy, like=like)


@implements(np.ascontiguousarray)
def ascontiguousarray(a, dtype=None, *, like=None):
    """``np.ascontiguousarray(a, like=d)``: every local block is C-contiguous already (0-d becomes 1-d)."""
    x = _asarray_like(a, dtype, None, like)
    return x if x.ndim else x.reshape(1)


@implements(np.asfortranarray)
def asfortranarray(a, dtype=None, *, like=None):
    """``np.asfortranarray(a, like=d)``: a DistArray (its local blocks keep C order; values are the same)."""
    return ascontiguousarray(a, dtype, like=like)


@implements(np.frombuffer)
def frombuffer(buffer, dtype=float, count=-1, offset=0, *, like=None):
    """``np.frombuffer(..., like=d)``: every rank holds ``buffer``; each keeps a copy of its part.

    Unlike NumPy's view of the buffer, the DistArray owns its (writable) memory.
    """
    return creation.asarray(np.frombuffer(buffer, dtype, count, offset), comm=like.comm, copy=True)


@implements(np.fromstring)
def fromstring(string, dtype=float, count=-1, *, sep, like=None):
    """``np.fromstring(..., like=d)``: every rank parses ``string`` and keeps its part."""
    return creation.asarray(np.fromstring(string, dtype, count, sep=sep), comm=like.comm, copy=False)


@implements(np.fromiter)
def fromiter(iter, dtype, count=-1, *, like=None):
    """``np.fromiter(..., like=d)``: every rank runs its own iterator (SPMD).

    With ``count >= 0`` each rank keeps only its block (memory per rank O(count / P));
    with ``count=-1`` the length is unknown until the end, so each rank reads all
    and keeps its part.  An iterator too short raises ValueError on every rank.
    """
    dt = check_dtype(dtype)
    count = operator.index(count)
    if count < 0:
        return creation.asarray(np.fromiter(iter, dt, count), comm=like.comm, copy=False)
    target = _default_layout(like, (count,))
    lo, n = _block_span(target)
    it = builtin_iter(iter)
    with _comm.agreed(like.comm):
        skipped = sum(1 for _ in itertools.islice(it, lo))
        if skipped < lo:
            raise ValueError(f"iterator too short: Expected {count} but iterator had only {skipped} items.")
        local = np.fromiter(itertools.islice(it, n), dt, n)
    return DistArray._new(local, target)


builtin_iter = iter  # ``fromiter``'s parameter is named ``iter``, as NumPy's


def _block_span(target: Distribution) -> tuple[int, int]:
    """First global index and length of this rank's block of a 1-d block layout."""
    idx = target.local_indices(0)
    return (int(idx[0]) if idx.size else 0), int(idx.size)


# --------------------------------------------------------------------------
# linspace, logspace, geomspace
# --------------------------------------------------------------------------


def _endpoint_layout(start: Any, stop: Any, extra: tuple = ()) -> tuple[Distribution, list]:
    """The broadcast layout of the endpoints and their aligned local blocks."""
    operands = [start, stop, *extra]
    shape = np.broadcast_shapes(*(np.shape(x) for x in operands))
    dist = template_distribution(shape, [x for x in operands if isinstance(x, DistArray)])
    return dist, [aligned_block(x, dist) if isinstance(x, DistArray) or np.ndim(x) else x for x in operands]


def _typed(x: Any, local: Any) -> Any:
    """What NumPy's type promotion sees of endpoint ``x``: an array's dtype, or the (weak) scalar itself."""
    return np.asarray(local).dtype if isinstance(x, DistArray) or np.ndim(x) else x


def _with_sample_axis(dist: Distribution, num: int, axis: int) -> Distribution:
    maps, grid = list(dist.maps), list(dist.axis_grid)
    maps.insert(axis, NoDistMap(num))
    grid.insert(axis, None)
    return dist.with_maps(maps, tuple(grid))


def _local_linspace(start: np.ndarray, stop: np.ndarray, num: int, endpoint: bool, dt: np.dtype,
                    any_step_zero: bool) -> tuple[np.ndarray, Any]:
    """NumPy's linspace arithmetic on local endpoint blocks, sample axis first, with the global zero-step choice."""
    div = (num - 1) if endpoint else num
    delta = np.subtract(stop, start, dtype=type(dt))
    y = np.arange(0, num, dtype=dt).reshape((-1,) + (1,) * np.ndim(delta))
    if div > 0:
        step = delta / div
        y = y / div * delta if any_step_zero else y * step  # NumPy's denormal guard is decided globally
    else:
        step = np.nan  # NumPy's step of a sequence of 0 or 1 samples: a plain nan
        y = y * delta
    y += start
    if endpoint and num > 1:
        y[-1, ...] = stop
    return y, step


def _distributed_linspace(start, stop, num, endpoint, axis, extra=()):
    num = operator.index(num)
    if num < 0:
        raise ValueError(f"Number of samples, {num}, must be non-negative.")
    dist, (lstart, lstop, *lextra) = _endpoint_layout(start, stop, extra)
    dt = np.result_type(_typed(start, lstart), _typed(stop, lstop), 1.0)
    axis = normalize_axis_index(axis, dist.ndim + 1)
    div = (num - 1) if endpoint else num
    zero_here = div > 0 and bool(np.any(np.subtract(lstop, lstart, dtype=type(dt)) / div == 0))
    any_zero = div > 0 and _comm.any_rank(dist.comm, zero_here)
    y, step = _local_linspace(np.asarray(lstart, dt), np.asarray(lstop, dt), num, endpoint, dt, any_zero)
    return dist, axis, y, step, lextra


@implements(np.linspace)
def linspace(start, stop, num=50, endpoint=True, retstep=False, dtype=None, axis=0, *, device=None):
    """``np.linspace`` with DistArray endpoints: each rank evaluates its endpoints (the sample axis whole)."""
    dist, axis, y, step, _ = _distributed_linspace(start, stop, num, endpoint, axis)
    if dtype is not None and np.issubdtype(check_dtype(dtype), np.integer):
        np.floor(y, out=y)
    out = DistArray._new(np.moveaxis(y, 0, axis).astype(y.dtype if dtype is None else dtype, copy=False),
                         _with_sample_axis(dist, y.shape[0], axis))
    if not retstep:
        return out
    return out, (step if np.ndim(step) == 0 and np.isnan(step) else DistArray._new(np.asarray(step), dist))


@implements(np.logspace)
def logspace(start, stop, num=50, endpoint=True, base=10.0, dtype=None, axis=0):
    """``np.logspace`` with DistArray endpoints (or base): ``base ** linspace`` on each rank's block."""
    dist, axis, y, _, lextra = _distributed_linspace(start, stop, num, endpoint, axis, (base,))
    local = np.power(lextra[0] if np.ndim(base) else base, y)
    if dtype is not None:
        local = local.astype(check_dtype(dtype), copy=False)
    return DistArray._new(np.moveaxis(local, 0, axis), _with_sample_axis(dist, y.shape[0], axis))


@implements(np.geomspace)
def geomspace(start, stop, num=50, endpoint=True, dtype=None, axis=0):
    """``np.geomspace`` with DistArray endpoints: NumPy's rotation and log10 on each rank's block."""
    dist, (lstart, lstop) = _endpoint_layout(start, stop)
    has_zero = bool(np.any(np.asarray(lstart) == 0) or np.any(np.asarray(lstop) == 0))
    if _comm.any_rank(dist.comm, has_zero):
        raise ValueError("Geometric sequence cannot include zero")
    dt = np.result_type(_typed(start, lstart), _typed(stop, lstop), float(num), np.zeros((), dtype))
    out_dt = dt if dtype is None else check_dtype(dtype)
    lstart, lstop = np.asarray(lstart).astype(dt), np.asarray(lstop).astype(dt)
    sign = np.sign(lstart)
    lstart, lstop = lstart / sign, lstop / sign
    log_start = DistArray._new(np.broadcast_to(np.log10(lstart), dist.local_shape).copy(), dist)
    log_stop = DistArray._new(np.broadcast_to(np.log10(lstop), dist.local_shape).copy(), dist)
    result = logspace(log_start, log_stop, num, endpoint, 10.0, dt)
    local = result.local  # sample axis first (axis 0 here)
    if num > 0:
        local[0] = lstart
        if num > 1 and endpoint:
            local[-1] = lstop
    local *= sign
    axis = normalize_axis_index(axis, dist.ndim + 1)
    return DistArray._new(np.moveaxis(local, 0, axis).astype(out_dt, copy=False),
                          _with_sample_axis(dist, local.shape[0], axis))
