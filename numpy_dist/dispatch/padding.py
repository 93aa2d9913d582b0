"""``np.pad``: every mode of NumPy's on DistArrays, axis by axis as NumPy pads.

* ``constant``/``empty``: the result is allocated in the input's layout and
  the slabs filled locally; the input is placed into the interior.
* ``edge``, ``wrap``, ``reflect``, ``symmetric``: each output row along an
  axis names its source row (NumPy's index arithmetic); rows travel by owner
  requests.
* ``maximum``, ``minimum``, ``mean``, ``median``: the statistic of the first
  and last ``stat_length`` rows along the axis (a distributed reduction),
  repeated over the pad width and joined to the array.
* ``linear_ramp``: NumPy's ``linspace`` from ``end_values`` to the edge rows,
  with the edge rows as DistArray endpoints (evaluated where they live).

As in NumPy, axis ``k`` is padded after axes ``0..k-1``, so its statistics
and ramps see the corners those axes already added.  Still the fallback:
``reflect_type="odd"`` and a callable mode.

Communication: a redistribution of the rows each axis adds (owner requests,
or one concatenation), and one reduction per statistic.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..creation import empty
from ..distarray import DistArray
from ..indexing import shape_standin
from .fallback import fallback
from .manipulation import as_distarray, concatenate, output_dist, place_region, take_rows
from .registry import implements

__all__ = ["pad"]

_STATISTICS = {"maximum": np.max, "minimum": np.min, "mean": np.mean, "median": np.median}
_INDEXED = ("edge", "wrap", "reflect", "symmetric")


def _pad_widths(pad_width: Any, ndim: int) -> np.ndarray:
    widths = np.asarray(pad_width)
    if widths.dtype.kind not in "iu":
        raise TypeError("`pad_width` must be of integral type.")
    widths = np.broadcast_to(widths, (ndim, 2)) if widths.ndim < 2 or widths.shape[0] == 1 else widths
    if widths.shape != (ndim, 2):
        raise ValueError(f"operands could not be broadcast together with remapped shapes [original->remapped]: "
                         f"{np.shape(pad_width)} and requested shape {(ndim, 2)}")
    if np.any(widths < 0):
        raise ValueError("index can't contain negative values")
    return widths.astype(np.int64)


def _pairs(value: Any, ndim: int, as_index: bool = False) -> list:
    """NumPy's reading of ``stat_length``/``end_values``: one (before, after) pair per axis."""
    if value is None:
        return [(None, None)] * ndim
    x = np.array(value)
    if as_index:
        x = np.round(x).astype(np.intp)
    if as_index and x.size and x.min() < 0:
        raise ValueError("index can't contain negative values")
    if x.ndim < 3 and x.size == 1:
        v = x.ravel()[0]
        return [(v, v)] * ndim
    if x.ndim < 3 and x.size == 2 and x.shape != (2, 1):
        a, b = x.ravel()
        return [(a, b)] * ndim
    return [tuple(row) for row in np.broadcast_to(x, (ndim, 2))]


def _pad_source(n: int, before: int, after: int, mode: str) -> np.ndarray:
    """Source index along one axis for every output position (edge/wrap/reflect/symmetric)."""
    j = np.arange(n + before + after) - before
    if mode == "edge":
        return np.clip(j, 0, n - 1)
    if mode == "wrap":
        return j % n
    if mode == "reflect" and n == 1:
        return np.zeros_like(j)
    period = 2 * (n - 1) if mode == "reflect" else 2 * n
    k = j % period
    if mode == "reflect":
        return np.where(k < n, k, period - k)
    return np.where(k < n, k, period - 1 - k)


def _rows(x: DistArray, axis: int, start: int, stop: int) -> DistArray:
    key = [slice(None)] * x.ndim
    key[axis] = slice(start, stop)
    return x[tuple(key)]


def _repeated(row: DistArray, count: int, axis: int) -> DistArray:
    """A one-row DistArray repeated ``count`` times along ``axis`` (owner requests)."""
    return take_rows(row, np.zeros(int(count), dtype=np.intp), axis)


def _joined(before: DistArray, x: DistArray, after: DistArray, axis: int) -> DistArray:
    return concatenate([before.astype(x.dtype, copy=False), x, after.astype(x.dtype, copy=False)], axis=axis)


def _pad_statistic(x: DistArray, widths: np.ndarray, mode: str, stat_length: Any) -> DistArray:
    func = _STATISTICS[mode]
    lengths = _pairs(stat_length, x.ndim, as_index=True)
    out = x
    for axis, ((b, e), (lb, le)) in enumerate(zip(widths, lengths)):
        n = x.shape[axis]
        lb = n if lb is None or n < lb else int(lb)
        le = n if le is None or n < le else int(le)
        if (lb == 0 or le == 0) and mode in ("maximum", "minimum"):
            raise ValueError("stat_length of 0 yields no value for padding")
        left = func(_rows(out, axis, 0, lb), axis=axis, keepdims=True)
        right = left if lb == le == n else func(_rows(out, axis, n - le, n), axis=axis, keepdims=True)
        if np.issubdtype(x.dtype, np.integer):  # NumPy rounds a statistic it stores into integers
            left, right = np.round(left), np.round(right)
        out = _joined(_repeated(left, b, axis), out, _repeated(right, e, axis), axis)
    return out


def _pad_ramp(x: DistArray, widths: np.ndarray, end_values: Any) -> DistArray:
    ends = _pairs(end_values, x.ndim)
    out = x
    for axis, ((b, e), (first, last)) in enumerate(zip(widths, ends)):
        n = x.shape[axis]
        edges = (np.squeeze(_rows(out, axis, 0, 1), axis), np.squeeze(_rows(out, axis, n - 1, n), axis))
        left, right = (np.linspace(end, edge, int(width), endpoint=False, dtype=x.dtype, axis=axis)
                       for end, edge, width in zip((first, last), edges, (b, e)))
        out = _joined(left, out, np.flip(right, axis), axis)
    return out


@implements(np.pad)
def pad(array, pad_width, mode="constant", **kwargs):
    """``np.pad`` for every mode but ``reflect_type="odd"`` and a callable (those take the fallback)."""
    array = as_distarray(array)
    # NumPy's checks of the widths, the mode and its keywords on a stand-in: at most one element per axis
    # (empty axes stay empty), with values for the modes that compute with them.
    if mode in ("constant", "empty"):
        np.pad(shape_standin(array.shape), pad_width, mode="empty",
               **{k: v for k, v in kwargs.items() if k != "constant_values" or mode != "constant"})
    elif not callable(mode):
        values = mode in _STATISTICS or mode == "linear_ramp"
        standin = np.ones(tuple(min(n, 1) for n in array.shape), array.dtype) if values else \
            shape_standin(array.shape)
        np.pad(standin, pad_width, mode=mode, **kwargs)
    widths = _pad_widths(pad_width, array.ndim)
    if callable(mode) or (mode in ("reflect", "symmetric") and kwargs.get("reflect_type", "even") != "even"):
        return fallback(np.pad, (array, pad_width), {"mode": mode, **kwargs}, f"numpy.pad (mode={mode!r})")
    shape = tuple(int(n + b + e) for n, (b, e) in zip(array.shape, widths))
    if mode in ("constant", "empty"):
        return _pad_constant(array, widths, shape, kwargs.get("constant_values", 0))
    if any(n == 0 and (b or e) for n, (b, e) in zip(array.shape, widths)):
        raise ValueError("can't extend empty axis 0 using modes other than 'constant' or 'empty'")
    if mode in _STATISTICS:
        return _pad_statistic(array, widths, mode, kwargs.get("stat_length"))
    if mode == "linear_ramp":
        return _pad_ramp(array, widths, kwargs.get("end_values", 0))
    out = array
    for axis, (b, e) in enumerate(widths):
        if b or e:
            out = take_rows(out, _pad_source(array.shape[axis], int(b), int(e), mode), axis)
    return out.copy() if out is array else out


def _pad_constant(array: DistArray, widths: np.ndarray, shape: tuple, constant_values: Any) -> DistArray:
    values = np.broadcast_to(np.asarray(constant_values), (array.ndim, 2))
    out = empty(shape, array.dtype, dist=output_dist(array, shape, array.comm))
    out.local[...] = 0
    for axis in range(array.ndim):  # before/after slabs first, in NumPy's axis order
        b, e = widths[axis]
        lo = [slice(None)] * array.ndim
        lo[axis] = slice(0, b)
        out[tuple(lo)] = values[axis][0]
        hi = [slice(None)] * array.ndim
        hi[axis] = slice(shape[axis] - e, shape[axis])
        out[tuple(hi)] = values[axis][1]
    interior = tuple(slice(int(b), int(b + n)) for n, (b, _) in zip(array.shape, widths))
    place_region(out, list(interior), array)
    return out
