"""Index keys as NumPy reads them: normalisation and NumPy's own verdicts, from metadata only.

A key is turned into one entry per position (integers, slices, ``None``,
NumPy arrays, distributed index arrays) with ``...`` expanded, and checked
by NumPy itself on a zero-byte stand-in of the array's shape (a distributed
index array stands in as zeros of its shape and dtype): NumPy's exceptions,
in NumPy's order, on every rank before any communication.  The paths that
serve the keys live in :mod:`numpy_dist.indexing`.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .creation import asnumpy
from .distarray import DistArray
from .distribution import shape_standin

__all__ = ["entries_of", "is_array", "is_bool_scalar", "consumed", "empty_masks_as_arrays", "numpy_verdict",
           "index_preparation_verdict", "BAD_INDEX"]

BAD_INDEX = ("only integers, slices (`:`), ellipsis (`...`), numpy.newaxis (`None`) and integer or "
              "boolean arrays are valid indices")


# --------------------------------------------------------------------------
# Key normalisation (global metadata only: identical on every rank)
# --------------------------------------------------------------------------


def entries_of(key: Any, ndim: int) -> list:

    if not isinstance(key, tuple):
        key = (key,)
    out = []
    for k in key:
        if isinstance(k, DistArray):
            # A distributed key stays distributed: each rank reads only its part of it (a 0-d one is a number).
            out.append(k if k.ndim else asnumpy(k))
        elif isinstance(k, (list, np.ndarray)) or (hasattr(k, "__array__") and not isinstance(k, numbers.Number)):
            arr = np.asarray(k)
            if arr.dtype.kind not in "biu" and not (arr.size == 0 and arr.dtype.kind == "f"):
                raise IndexError(BAD_INDEX)
            out.append(arr.astype(np.intp) if arr.dtype.kind == "f" else arr)
        elif k is None or k is Ellipsis or isinstance(k, slice):
            out.append(k)
        elif isinstance(k, (bool, np.bool_)):
            out.append(np.asarray(k))
        elif isinstance(k, (numbers.Integral, np.integer)):
            out.append(int(k))
        else:
            raise IndexError(BAD_INDEX)
    if sum(k is Ellipsis for k in out) > 1:
        raise IndexError("an index can only have a single ellipsis ('...')")
    consumed = sum(k.ndim if isinstance(k, (np.ndarray, DistArray)) and k.dtype == np.bool_ else 1
                   for k in out if k is not None and k is not Ellipsis)
    if consumed > ndim:
        raise IndexError(f"too many indices for array: array is {ndim}-dimensional, but {consumed} were indexed")
    if Ellipsis in [k for k in out if not isinstance(k, (np.ndarray, DistArray))]:
        i = next(i for i, k in enumerate(out) if k is Ellipsis and not isinstance(k, (np.ndarray, DistArray)))
        out[i:i + 1] = [slice(None)] * (ndim - consumed)
    else:
        out += [slice(None)] * (ndim - consumed)
    return out


def is_array(k: Any) -> bool:
    return isinstance(k, (np.ndarray, DistArray))


def is_bool_scalar(k: Any) -> bool:
    return isinstance(k, np.ndarray) and k.dtype == np.bool_ and k.ndim == 0


def consumed(k: Any) -> int:
    """Axes of the indexed array an entry uses (a boolean array uses one per dimension, None none)."""
    if k is None:
        return 0
    return k.ndim if is_array(k) and k.dtype == np.bool_ else 1


def empty_masks_as_arrays(entries: list, shape: tuple[int, ...]) -> list:
    """A boolean index with a length-0 dimension where the array has another length selects nothing.

    NumPy only compares a boolean index's non-zero lengths with the array's,
    so ``x[np.zeros((0, 3), bool)]`` of a (4, 3) array is empty.  Such a mask
    becomes one empty integer array per axis it spans (the same result and
    placement of the index dimensions).
    """
    out, axis = [], 0
    for k in entries:
        n = consumed(k)
        if is_array(k) and k.dtype == np.bool_ and k.ndim and k.size == 0:
            dims = shape[axis:axis + n]
            if tuple(k.shape) != dims and all(m in (a, 0) for m, a in zip(k.shape, dims)):
                out += [np.zeros(0, np.intp)] * n
                axis += n
                continue
        out.append(k)
        axis += n
    return out


# NumPy's own indexing run on an array of zero bytes per element gives NumPy's exceptions (index types,
# bounds, boolean shapes, broadcasting of a value, in NumPy's order) without allocating the data.


def numpy_verdict(shape: tuple[int, ...], entries: list, value_shape: tuple[int, ...] | None = None) -> None:
    """Raise what NumPy raises for ``x[entries]`` (or ``x[entries] = value`` of ``value_shape``).

    Every rank holds the key and the shapes, so every rank raises alike
    before any communication.  Keys holding a DistArray mask are left to the
    paths' own checks (the mask's values are not here).
    """
    if any(isinstance(k, DistArray) and k.dtype == np.bool_ for k in entries):
        return
    entries = [_key_standin(k) for k in entries]
    standin = shape_standin(shape)
    if value_shape is None:
        standin[tuple(entries)]
    else:
        standin[tuple(entries)] = shape_standin(value_shape)


def _key_standin(k: Any) -> Any:
    """A distributed key as NumPy's checks see it: its shape and dtype, zeros for values (no memory).

    Its values' bounds are checked where they live (:func:`_key_values`).
    """
    return np.broadcast_to(np.zeros((), k.dtype), k.shape) if isinstance(k, DistArray) else k


def index_preparation_verdict(shape: tuple[int, ...], entries: list) -> None:
    """What NumPy raises while preparing an advanced index, before it converts an assigned value.

    Boolean arrays must match the axes they cover; the bounds of integer arrays are checked only later
    (after the value's conversion), so each integer array stands in as the one axis it consumes.  A
    distributed mask's check needs only its shape: it stands in as an all-False mask of that shape
    (zero strides, no memory), so every rank reaches NumPy's verdict without the mask's values.
    """
    def axes_of(k: Any) -> tuple:  # what an array entry consumes, without its values
        if not is_array(k) or k.dtype != np.bool_:
            return (slice(None),) if is_array(k) else (k,)
        return (None,) if np.ndim(k) == 0 else (slice(None),) * np.ndim(k)

    # Each mask against its own axes, the others standing in as the axes they consume: NumPy checks
    # masks here, but broadcasts the index arrays together only after converting the value.
    masks = [i for i, k in enumerate(entries) if is_array(k) and k.dtype == np.bool_ and np.ndim(k)]
    for i in masks or [None]:
        key: tuple = ()
        for j, k in enumerate(entries):
            if j != i:
                key += axes_of(k)
            else:
                key += (np.broadcast_to(np.False_, k.shape) if isinstance(k, DistArray) else k,)
        shape_standin(shape)[key]
