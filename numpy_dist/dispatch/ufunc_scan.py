"""``ufunc.accumulate`` on DistArrays: a local scan plus an exclusive scan of block totals.

The accumulated axis is laid in contiguous blocks; each rank scans its block,
then adds the combined totals of the blocks before it.  A non-associative
ufunc scans with the axis made local, or continues from the previous block's
last value in global order.  NumPy's rules for ``out`` (its loop dtype, the
iterator path that broadcasts into a larger ``out``) are reproduced by
:func:`accumulate_loop_dtype` and :func:`accumulated_into`.

Communication: an allgather of each block's last row within the accumulated
axis's sub-communicator; redistributions into and out of the block layout;
point-to-point relay in the ordered path; agreements on the local kernels'
errors.
"""

from __future__ import annotations

import operator
import warnings
from typing import Any

import numpy as np
from numpy.lib.array_utils import normalize_axis_index

from .. import comm as _comm
from ..creation import asnumpy
from ..distarray import DistArray
from ..redistribute import redistribute_local
from .fallback import ufunc_fallback
from .operands import store_result, validate_with_numpy
from .ufunc_reduce import ASSOCIATIVE, block_along, local_axes_dist, loop_dtype, reduce_dist, relay_along

__all__ = ["ufunc_accumulate", "accumulate_loop_dtype", "accumulated_into"]


def ufunc_accumulate(ufunc: np.ufunc, inputs: tuple, kwargs: dict) -> Any:
    """``ufunc.accumulate(array, axis=0, dtype=None, out=None)``: local scan + exclusive scan of totals."""
    names = ("axis", "dtype", "out")
    kw = dict(zip(names, inputs[1:]))
    kw.update(kwargs)
    array = inputs[0]
    if ufunc.nin != 2 or ufunc.nout != 1:
        raise ValueError("accumulate only supported for binary functions")
    if not isinstance(array, DistArray):
        return ufunc_fallback(ufunc, "accumulate", inputs, kwargs)
    if array.ndim == 0:
        axis = kw.get("axis", 0)
        if axis is not None and axis not in (0, -1):  # NumPy checks the axis first (as for 1 dimension)
            normalize_axis_index(operator.index(axis), 0)
        raise TypeError("cannot accumulate on a scalar")
    validate_with_numpy(ufunc.accumulate, (array,), kw)  # NumPy's argument, type and casting errors first
    axis = kw.get("axis", 0)
    if axis is None:
        if array.ndim != 1:
            raise ValueError("accumulate does not allow multiple axes")
        axis = 0
    axis = normalize_axis_index(axis, array.ndim)
    out = kw.get("out")
    if isinstance(out, tuple):
        out = out[0]
    dtype = kw.get("dtype")
    dtype = accumulate_loop_dtype(ufunc, array.dtype, out, dtype)  # (NumPy's loop choice with ``out``)
    in_dtype, given_dtype = array.dtype, kw.get("dtype")

    def finish(result: DistArray) -> Any:
        return result if out is None else accumulated_into(out, result, axis, ufunc.accumulate, in_dtype, given_dtype)

    dist = array.distribution
    split = reduce_dist(dist, (axis,))
    if split and ufunc not in ASSOCIATIVE:  # order matters: scan with the axis local, then move back
        local_dist = local_axes_dist(dist, (axis,))
        if local_dist is None:
            result = DistArray._new(_accumulate_in_order(ufunc, array, axis, dtype), dist)
            return finish(result)
        moved = DistArray._new(redistribute_local(array.local, dist, local_dist), local_dist)
        scanned = ufunc_accumulate(ufunc, (moved,), {"axis": axis, "dtype": dtype})
        result = DistArray._new(redistribute_local(scanned.local, local_dist, dist), dist)
        return finish(result)
    if not split:
        local = _comm.agreed_call(dist.comm, lambda: ufunc.accumulate(array.local, axis=axis, dtype=dtype),
                                  fp="accumulate")
        result = DistArray._new(local, dist)
        return finish(result)
    block = block_along(dist, axis)
    data = array.local if block == dist else redistribute_local(array.local, dist, block)
    acc = _comm.agreed_call(dist.comm, lambda: ufunc.accumulate(data, axis=axis, dtype=dtype), fp="accumulate")
    last = np.take(acc, [-1], axis=axis) if acc.shape[axis] else np.take(acc, [], axis=axis)
    sub = _comm.grid_subcomm(dist.comm, dist.proc_grid, (dist.axis_grid[axis],))
    lasts = _comm.allgather_array(sub, last)
    before = [x for x in lasts[: sub.Get_rank()] if x.shape[axis]]

    def add_prefix() -> np.ndarray:
        # Only some ranks have a prefix: its errors are agreed on like the local scan's.
        if not (before and acc.size):
            return acc
        dt = loop_dtype(acc.dtype)
        prefix = ufunc.reduce(np.concatenate(before, axis=axis), axis=axis, keepdims=True, dtype=dt)
        return ufunc(prefix, acc, dtype=dt)

    acc = _comm.agreed_call(dist.comm, add_prefix, fp="accumulate")
    local = acc if block == dist else redistribute_local(acc, block, dist)
    result = DistArray._new(local, dist)
    return finish(result)


def _accumulate_in_order(ufunc: np.ufunc, array: DistArray, axis: int, dtype: Any) -> np.ndarray:
    """A non-associative scan along one split axis, continued from the previous block's last value."""
    result_dtype = ufunc.accumulate(np.ones((1,) * array.ndim, array.dtype), axis=axis, dtype=dtype).dtype

    def step(carry: np.ndarray | None, data: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        if data.shape[axis] == 0:
            return np.empty(data.shape, result_dtype), carry
        if carry is None:
            acc = ufunc.accumulate(data, axis=axis, dtype=dtype)
        else:
            joined = np.concatenate([carry, data.astype(carry.dtype)], axis=axis)
            acc = np.delete(ufunc.accumulate(joined, axis=axis, dtype=dtype), 0, axis=axis)
        return acc, np.take(acc, [-1], axis=axis)

    local, block, _ = relay_along(array, axis, step)
    dist = array.distribution
    return local if block == dist else redistribute_local(local, block, dist)


def accumulate_loop_dtype(ufunc: np.ufunc, in_dtype: np.dtype, out: Any, dtype: Any) -> Any:
    """The ``dtype=`` that makes an accumulation without ``out`` compute as NumPy's with ``out``:
    NumPy resolves the loop from ``out``'s dtype and the input's (a float16 sum into float32 runs in
    float32; no small-integer widening), then casts into ``out``."""
    if out is None or dtype is not None or out.dtype.kind in "mM" or in_dtype.kind in "mM":
        return dtype
    try:
        return ufunc.resolve_dtypes((out.dtype, in_dtype, None), reduction=True, casting="unsafe")[0]
    except (TypeError, ValueError):  # no such loop: NumPy's own error comes from the unchanged call
        return dtype


def accumulated_into(out: Any, result: DistArray, axis: int, scan: Any, in_dtype: np.dtype, dtype: Any) -> Any:
    """Write an accumulation ``result`` (the accumulated array's shape) into ``out`` as NumPy's accumulate does.

    NumPy takes one of two paths.  A 1-d accumulation whose loop, input and ``out`` dtypes are all
    equal runs without an iterator and needs ``out`` of exactly the result's shape (unless one of them
    is empty: then nothing is checked or written).  Any other runs
    an iterator over ``out``'s leading axes (its extra trailing axes are held at index 0): there the
    result broadcasts into ``out`` along its length-1 axes except the accumulated one, where only the
    first ``result.shape[axis]`` positions are written (a length-1 input writes one element of a
    longer ``out``); ``out`` itself never broadcasts.  Everything else in ``out`` is left alone.
    """
    shape, out_shape = result.shape, np.shape(out)
    if out_shape == shape:
        return store_result(out, result)
    if len(shape) == 1 and _exact_out_path(scan, in_dtype, out.dtype, dtype):
        if shape[0] and np.size(out):  # (NumPy returns before this check when either is empty)
            raise ValueError("provided out is the wrong size for the accumulation.")
        return out
    if len(out_shape) < len(shape):
        raise ValueError(f"Iterator input op_axes[0][{len(out_shape)}] (=={len(out_shape)}) is not a valid axis "
                         f"of op[0], which has {len(out_shape)} dimensions")
    if [o for o, n in zip(out_shape, shape) if o != n and n != 1]:  # (this module's ``any`` is np.any's)
        raise ValueError("operands could not be broadcast together with remapped shapes "
                         f"{out_shape[:len(shape)]} {shape}")
    if np.size(out) == 0:  # nothing to write (an extra trailing axis of length 0 included)
        return out
    key = tuple(slice(0, n) if i == axis else slice(None) for i, n in enumerate(shape))
    key += (0,) * (len(out_shape) - len(shape))
    if isinstance(out, DistArray):
        out[key] = result
    else:
            np.copyto(out[key], asnumpy(result), casting="unsafe")
    return out


def _exact_out_path(scan: Any, in_dtype: np.dtype, out_dtype: np.dtype, dtype: Any) -> bool:
    """Whether NumPy runs this 1-d accumulation without an iterator (``out`` must then match exactly):
    asked of NumPy itself, on a 2-element input of ``in_dtype`` into a (2, 1) ``out``, which only
    the iterator path accepts."""
    try:
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")
            scan(np.zeros(2, in_dtype), out=np.zeros((2, 1), out_dtype), dtype=dtype)
    except ValueError:
        return True
    return False
