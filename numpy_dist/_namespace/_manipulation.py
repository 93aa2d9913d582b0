"""Manipulation and indexing functions of the array API standard.

Thin adapters from the standard's signatures to the NumPy functions, which
dispatch to numpy_dist's distributed implementations.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from array_api_compat.common import _aliases

from ..distarray import DistArray
from ._helpers import compat_xp, normalize_axis, require_array, wrap

__all__ = [
    "broadcast_arrays", "broadcast_shapes", "broadcast_to", "concat", "expand_dims", "flip", "moveaxis",
    "permute_dims", "repeat", "reshape", "roll", "squeeze", "stack", "tile", "unstack",
    "take", "take_along_axis",
]


def _arrays(arrays: Sequence[DistArray], name: str) -> list[DistArray]:
    if not isinstance(arrays, (list, tuple)) or not arrays:
        raise TypeError(f"{name}: arrays must be a non-empty list or tuple of arrays")
    return [require_array(a, f"arrays[{i}]") for i, a in enumerate(arrays)]


def broadcast_arrays(*arrays: DistArray) -> tuple[DistArray, ...]:
    """Broadcast arrays against each other (``numpy.broadcast_arrays``).  Communication: redistribution only."""
    arrays = tuple(require_array(a, f"arrays[{i}]") for i, a in enumerate(arrays))
    return tuple(np.broadcast_arrays(*arrays))


def broadcast_shapes(*shapes: tuple[int, ...]) -> tuple[int, ...]:
    """The shape the given shapes broadcast to (``numpy.broadcast_shapes``).  Local."""
    return tuple(np.broadcast_shapes(*shapes))


def broadcast_to(x: DistArray, /, shape: tuple[int, ...]) -> DistArray:
    """Broadcast ``x`` to ``shape`` (``numpy.broadcast_to``)."""
    x = require_array(x)
    return np.broadcast_to(x, shape)


def concat(arrays: Sequence[DistArray], /, *, axis: int | None = 0) -> DistArray:
    """Join arrays along an existing axis (``numpy.concatenate``); ``axis=None`` flattens first."""
    return np.concatenate(_arrays(arrays, "concat"), axis=axis)


def expand_dims(x: DistArray, /, axis: int | tuple[int, ...] = 0) -> DistArray:
    """Insert length-one axes at ``axis`` (``numpy.expand_dims``); IndexError when out of range."""
    x = require_array(x)
    axes = axis if isinstance(axis, tuple) else (axis,)
    n = x.ndim + len(axes)
    for a in axes:
        normalize_axis(a, n)
    return np.expand_dims(x, axis)


def flip(x: DistArray, /, *, axis: int | tuple[int, ...] | None = None) -> DistArray:
    """Reverse the order of elements along ``axis`` (``numpy.flip``)."""
    x = require_array(x)
    return np.flip(x, axis=axis)


def moveaxis(x: DistArray, source: int | tuple[int, ...], destination: int | tuple[int, ...], /) -> DistArray:
    """Move axes to new positions (``numpy.moveaxis``)."""
    x = require_array(x)
    return np.moveaxis(x, source, destination)


def permute_dims(x: DistArray, /, axes: tuple[int, ...]) -> DistArray:
    """Permute the axes (``numpy.transpose``); ``axes`` is required."""
    x = require_array(x)
    return _aliases.permute_dims(x, axes, compat_xp)


def repeat(x: DistArray, repeats: int | DistArray, /, *, axis: int | None = None) -> DistArray:
    """Repeat elements (``numpy.repeat``); ``axis=None`` flattens first."""
    x = require_array(x)
    return np.repeat(x, repeats, axis=axis)


def reshape(x: DistArray, /, shape: tuple[int, ...], *, copy: bool | None = None) -> DistArray:
    """Global C-order reshape (``numpy.reshape``).

    ``copy=False`` raises ValueError when the result cannot share ``x``'s blocks.
    """
    x = require_array(x)
    return np.reshape(x, shape, copy=copy)


def roll(x: DistArray, /, shift: int | tuple[int, ...], *, axis: int | tuple[int, ...] | None = None) -> DistArray:
    """Roll elements along ``axis`` (``numpy.roll``); ``axis=None`` rolls the flattened array."""
    x = require_array(x)
    return np.roll(x, shift, axis=axis)


def squeeze(x: DistArray, /, axis: int | tuple[int, ...]) -> DistArray:
    """Remove length-one axes (``numpy.squeeze``); ValueError for an axis whose length is not one."""
    x = require_array(x)
    return np.squeeze(x, axis=axis)


def stack(arrays: Sequence[DistArray], /, *, axis: int = 0) -> DistArray:
    """Join arrays of one shape along a new axis (``numpy.stack``)."""
    return np.stack(_arrays(arrays, "stack"), axis=axis)


def tile(x: DistArray, repetitions: tuple[int, ...], /) -> DistArray:
    """Repeat ``x`` as a tile (``numpy.tile``)."""
    x = require_array(x)
    return np.tile(x, repetitions)


def unstack(x: DistArray, /, *, axis: int = 0) -> tuple[DistArray, ...]:
    """Split ``x`` into a tuple of arrays along ``axis`` (each one dimension fewer).

    Communication: one slice (redistribution-free view or copy) per output.
    """
    x = require_array(x)
    if x.ndim == 0:
        raise ValueError("unstack needs an array with at least one dimension")
    axis = normalize_axis(axis, x.ndim)
    moved = np.moveaxis(x, axis, 0)
    return tuple(wrap(moved[i, ...], x) for i in range(x.shape[axis]))


def take(x: DistArray, indices: DistArray, /, *, axis: int | None = None) -> DistArray:
    """Elements of ``x`` at integer ``indices`` along ``axis`` (``numpy.take``).

    ``axis`` may be omitted only for one-dimensional ``x``.
    """
    x = require_array(x)
    if axis is None and x.ndim != 1:
        raise ValueError("take: axis is required for arrays with more than one dimension")
    return wrap(np.take(x, indices, axis=axis), x)


def take_along_axis(x: DistArray, indices: DistArray, /, *, axis: int = -1) -> DistArray:
    """Elements of ``x`` at ``indices`` matched along ``axis`` (``numpy.take_along_axis``)."""
    x = require_array(x)
    indices = require_array(indices, "indices")
    return np.take_along_axis(x, indices, axis=axis)
