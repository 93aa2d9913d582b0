"""``ufunc.reduce`` on DistArrays, and the layouts of reductions along axes.

Local reduce, then the small partials are combined in grid order within the
sub-communicator of the reduced distributed axes only.  A non-associative
ufunc (:data:`ASSOCIATIVE` says which are) is reduced with the reduced axes
made local first, or, when no other axis can carry the data, relayed along the
axis block after block in global order (:func:`relay_along`).  Complex
max/min NaNs are chosen by global position, as NumPy's loop does.

Communication: an allgather of the partials within the reduced axes'
sub-communicator (one small array per rank); a redistribution for a
non-associative ufunc; point-to-point relay plus one broadcast in the ordered
path; agreements on the local kernels' errors.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from numpy.lib.array_utils import normalize_axis_tuple

from .. import _consumers
from .. import comm as _comm
from ..distarray import DistArray, aligned_block
from ..distribution import Distribution
from ..maps import BlockMap, NoDistMap
from ..redistribute import redistribute_local
from ._bounded import reduce_local
from ._combine import combine_arg, global_flat_index
from .fallback import ufunc_fallback
from .operands import store_result, validate_with_numpy

__all__ = ["ASSOCIATIVE", "loop_dtype", "reduce_dist", "local_axes_dist", "block_along", "relay_along",
           "ufunc_reduce"]

# Associative and commutative ufuncs: partial results may be combined in any
# grouping.  The value says whether the operation is idempotent (f(x, x) == x),
# which lets ``initial`` be applied on every rank without changing the result.
# (lcm is not here: once it overflows, the grouping changes the wrapped result.)
ASSOCIATIVE: dict[np.ufunc, bool] = {
    np.add: False, np.multiply: False, np.logical_xor: False, np.bitwise_xor: False,
    np.logical_and: True, np.logical_or: True, np.bitwise_and: True, np.bitwise_or: True,
    np.maximum: True, np.minimum: True, np.fmax: True, np.fmin: True, np.gcd: True,
}


def loop_dtype(dtype: np.dtype) -> Any:
    """``dtype`` as a ufunc ``dtype=`` argument: the general DType for parametric types.

    NumPy refuses a unit in ``dtype=`` (``m8[s]``); the DType (``np.timedelta64``)
    with operands of that unit selects the same loop and keeps the unit.
    """
    dtype = np.dtype(dtype)
    return dtype.type if dtype.kind in "mM" else dtype


def _reduce_axes(axis: Any, ndim: int) -> tuple[int, ...]:
    if axis is None:
        return tuple(range(ndim))
    if ndim == 0 and isinstance(axis, (int, np.integer)) and axis in (0, -1):
        return ()  # NumPy's legacy rule: axis 0 of a 0-d array is the array itself
    return normalize_axis_tuple(axis, ndim)


def reduce_dist(dist: Distribution, axes: tuple[int, ...]) -> list[int]:
    """The reduced axes whose local blocks are not the whole axis in order.

    Split over several processes, or unstructured (local order is not global
    order even on one process).
    """
    return [a for a in axes if dist.axis_grid[a] is not None
            and (dist.maps[a].grid_size > 1 or dist.maps[a].dist_type == "u")]


def local_axes_dist(dist: Distribution, axes: tuple[int, ...]) -> Distribution | None:
    """A layout with ``axes`` whole on every rank and the largest other axis blocked over all ranks.

    None when no other axis can carry the distribution (the data would not
    fit the O(size / ranks) promise); on one rank everything is local.
    """
    P = dist.nprocs
    others = [i for i in range(dist.ndim) if i not in axes]
    maps = [NoDistMap(n) for n in dist.shape]
    if P == 1:
        return Distribution.replicated_on(dist.comm, dist.shape)
    if not others:
        return None
    big = max(others, key=lambda i: dist.shape[i])
    maps[big] = BlockMap(dist.shape[big], P)
    return Distribution.from_maps(dist.comm, maps, (P,), tuple(0 if i == big else None for i in range(dist.ndim)))


def block_along(dist: Distribution, axis: int) -> Distribution:
    """``dist`` with ``axis`` re-laid as contiguous blocks on the same grid dimension (kept if it is: any bounds)."""
    if dist.maps[axis].dist_type == "b":
        return dist
    maps = list(dist.maps)
    maps[axis] = BlockMap(dist.shape[axis], dist.maps[axis].grid_size)
    return dist.with_maps(maps, dist.axis_grid)


def _check_out_shape(out: Any, shape: tuple[int, ...]) -> None:
    if np.shape(out) != tuple(shape):
        raise ValueError(f"output parameter has shape {np.shape(out)}, but the result has shape {tuple(shape)}")


def ufunc_reduce(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> Any:
    """``ufunc.reduce(array, axis=0, dtype=None, out=None, keepdims=False, initial=..., where=True)``."""
    names = ("axis", "dtype", "out", "keepdims", "initial", "where")
    kw = dict(zip(names, inputs[1:]))
    kw.update(kwargs)
    array = inputs[0]
    if ufunc.nin != 2 or ufunc.nout != 1:
        raise ValueError("reduce only supported for binary functions")
    if not isinstance(array, DistArray):
        return ufunc_fallback(ufunc, "reduce", inputs, kwargs)
    validate_with_numpy(ufunc.reduce, (array,), kw)  # NumPy's argument, type and casting errors first
    out = kw.get("out")
    if isinstance(out, tuple):
        out = out[0] if len(out) == 1 else out
    keepdims = bool(kw.get("keepdims", False))
    initial = kw.get("initial", np._NoValue)
    dtype = kw.get("dtype")
    where = kw.get("where", True)
    axes = _reduce_axes(kw.get("axis", 0), array.ndim)
    dist = array.distribution
    split = reduce_dist(dist, axes)
    has_initial = initial is not np._NoValue
    if split and ufunc not in ASSOCIATIVE:  # order matters: make the reduced axes local first
        local_dist = local_axes_dist(dist, axes)
        if local_dist is None and where is True and array.size and len(axes) == 1:
            return _reduced_result(_reduce_in_order(ufunc, array, axes[0], dtype, initial, has_initial), axes,
                                   keepdims, dist, out)
        if local_dist is None:
            return ufunc_fallback(ufunc, "reduce", inputs, kwargs)
        moved = DistArray._new(redistribute_local(array.local, dist, local_dist), local_dist)
        return ufunc_reduce(ufunc, (moved,) + tuple(inputs[1:]), kwargs)
    # With ``out`` NumPy runs the loop NumPy would run without it and casts the result into ``out``.
    if out is not None:
        _check_out_shape(out, tuple(1 if i in axes else n for i, n in enumerate(array.shape)) if keepdims
                         else tuple(n for i, n in enumerate(array.shape) if i not in axes))
    if any(array.shape[a] == 0 for a in axes) and ufunc.identity is None and not has_initial:
        ufunc.reduce(np.ones((1,) * array.ndim, array.dtype), axis=axes, dtype=dtype)  # NumPy's type errors first
        raise ValueError(f"zero-size array to reduction operation {ufunc.__name__} which has no identity")
    # Complex NaNs differ (nan+1j, 1+nanj) and NumPy's maximum returns the first in C order (fmax: when
    # all are NaN): chosen by global position, as argmax does, not by rank order.
    which_nan = (split and ufunc in (np.maximum, np.minimum, np.fmax, np.fmin) and array.dtype.kind == "c"
                 and where is True and dtype in (None, array.dtype) and all(array.shape[a] for a in axes))
    if which_nan and ufunc in (np.maximum, np.minimum):
        part = _first_nan_or_extreme(array, axes, split, "max" if ufunc is np.maximum else "min")
        if has_initial:  # NumPy's loop starts from ``initial``: the first NaN may be it
            part = ufunc(np.full(part.shape, initial, array.dtype), part)
        return _reduced_result(part, axes, keepdims, dist, out)
    local_where = where if where is True else aligned_block(where, dist)
    opts: dict[str, Any] = {"axis": axes, "dtype": dtype, "keepdims": True}
    if local_where is not True:
        opts["where"] = local_where
    if has_initial and (not split or ufunc.identity is None):
        opts["initial"] = initial  # applied once, or idempotent (max/min) when split
    fused = _fused_sum(ufunc, array, axes, opts)
    local = array.local if fused is None else None
    # A rank with nothing to reduce sends a zero-length partial rather than the identity: combining
    # with an identity is not always a no-op (1 * (inf+nanj) is nan+nanj) and NumPy applies it once.
    absent = split and any(n == 0 for i, n in enumerate(dist.local_shape) if i in axes)

    def kernel() -> np.ndarray:
        if absent:  # nothing here to reduce: a zero-length partial of the right dtype
            probe = ufunc.reduce(np.ones((1,) * array.ndim, array.dtype), **{**opts, "where": True})
            return np.empty(tuple(0 if i in axes else n for i, n in enumerate(dist.local_shape)), probe.dtype)
        if fused is not None:  # a pending expression, summed chunk by chunk as NumPy sums its block
            return _consumers.reduce_add(fused).reshape((1,) * array.ndim)
        return reduce_local(ufunc, local, opts, ufunc in ASSOCIATIVE)  # file-mapped blocks: in bounded chunks

    part = _comm.agreed_call(dist.comm, kernel, fp="reduce")
    if split:
        sub = _comm.grid_subcomm(dist.comm, dist.proc_grid, tuple(dist.axis_grid[a] for a in split))
        partials = [p for p in _comm.allgather_array(sub, part) if not any(p.shape[a] == 0 for a in axes)]
        kept = tuple(1 if i in axes else n for i, n in enumerate(part.shape))

        def combine() -> np.ndarray:
            return _combine_in_order(ufunc, partials, kept, part.dtype, initial, has_initial)

        if sub.Get_size() == dist.comm.Get_size():  # every rank combines the same partials: the same outcome
            part = _comm.replicated_call(combine, fp="reduce")
        else:
            part = _comm.agreed_call(dist.comm, combine, fp="reduce")
    if which_nan and not has_initial:  # fmax/fmin: all-NaN slices give their first NaN
        first = _first_nan_or_extreme(array, axes, split, "max" if ufunc is np.fmax else "min")
        part = np.where(np.isnan(part), first, part)
    return _reduced_result(part, axes, keepdims, dist, out)


def _fused_sum(ufunc: np.ufunc, array: DistArray, axes: tuple[int, ...], opts: dict) -> Any:
    """The pending node a full sum may consume in its own pass (``numpy_dist._consumers``), or None.

    Every rank decides alike: pending-ness, the node's dtype and layout are global; a rank whose
    block is empty sums nothing in either path.
    """
    node = _consumers.consumable(array)
    if (node is None or ufunc is not np.add or len(axes) != array.ndim or set(opts) != {"axis", "dtype", "keepdims"}
            or opts["dtype"] is not None and np.dtype(opts["dtype"]) != node.dtype):  # (dtype == None is True)
        return None
    return node


def _first_nan_or_extreme(array: DistArray, axes: tuple[int, ...], split: list[int], kind: str) -> np.ndarray:
    """Per kept position: the first NaN in global C order over ``axes`` if any, else the max/min (keepdims)."""
    dist = array.distribution
    gidx = global_flat_index(dist, axes)
    part, index = _comm.agreed_call(dist.comm, lambda: combine_arg.local(array.local, gidx, axes, kind, False),
                                    fp="reduce")
    sub = _comm.grid_subcomm(dist.comm, dist.proc_grid, tuple(dist.axis_grid[a] for a in split))
    return combine_arg.across(sub, part, index, kind, False)[0]


def _reduced_result(part: np.ndarray, axes: tuple[int, ...], keepdims: bool, dist: Distribution,
                    out: Any) -> Any:
    if not keepdims:
        part = part.reshape(tuple(n for i, n in enumerate(part.shape) if i not in axes))
    result = DistArray._new(part, dist.reduced(axes, keepdims))
    if out is not None:
        return store_result(out, result)
    return result


def relay_along(array: DistArray, axis: int, step: Callable, fp: str = "reduce") -> tuple[Any, Distribution, Any]:
    """Relay ``step(carry, block)`` along ``axis`` in global order (blocks in rank order, nothing gathered).

    Returns (this rank's result, the block layout it is in, the sub-communicator along ``axis``).
    """
    dist = array.distribution
    block = block_along(dist, axis)
    data = array.local if block == dist else redistribute_local(array.local, dist, block)
    sub = _comm.grid_subcomm(dist.comm, dist.proc_grid, (dist.axis_grid[axis],))
    result = _comm.agreed_call(dist.comm, lambda: _comm.relay(sub, lambda carry: step(carry, data)), fp=fp)
    return result, block, sub


def _reduce_in_order(ufunc: np.ufunc, array: DistArray, axis: int, dtype: Any, initial: Any,
                     has_initial: bool) -> np.ndarray:
    """A non-associative reduction over one split axis, element after element as NumPy's loop goes."""

    def step(carry: np.ndarray | None, data: np.ndarray) -> tuple[np.ndarray | None, np.ndarray | None]:
        if data.shape[axis] == 0:
            return carry, carry
        if carry is None:  # the first elements: NumPy's own start (x0, or initial then x0)
            opts = {"initial": initial} if has_initial else {}
            value = ufunc.reduce(data, axis=axis, dtype=dtype, keepdims=True, **opts)
        else:  # continue from the running value, casting the elements as NumPy's loop does
            value = ufunc.reduce(np.concatenate([carry, data.astype(carry.dtype)], axis=axis), axis=axis,
                                 dtype=dtype, keepdims=True)
        return value, value

    total, _, sub = relay_along(array, axis, step)
    return _comm.bcast_array(sub, total if sub.Get_rank() == sub.Get_size() - 1 else None, root=sub.Get_size() - 1)


def _combine_in_order(ufunc: np.ufunc, partials: list, kept: tuple, dtype: np.dtype, initial: Any,
                      has_initial: bool) -> np.ndarray:
    """Partials combined in rank order, starting from the first (NumPy's loop applies no identity twice).

    ``initial`` of a ufunc with an identity comes first, as in NumPy; without
    an identity it was applied by every rank (idempotent).  No partials at all:
    NumPy's reduction of nothing (the identity, or ``initial``).
    """
    dt = loop_dtype(dtype)
    if not partials:
        opts = {"initial": initial} if has_initial else {}
        return np.asarray(ufunc.reduce(np.empty((0,) + kept, dtype), axis=0, dtype=dt, **opts))
    acc = partials[0]
    if has_initial and ufunc.identity is not None:
        acc = ufunc(np.full(kept, initial, dtype), acc, dtype=dt)
    for p in partials[1:]:
        acc = ufunc(acc, p, dtype=dt)
    return np.asarray(acc)
