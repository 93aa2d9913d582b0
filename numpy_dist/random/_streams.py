"""The counter-based streams behind numpy_dist.random, and the checks of its parameters.

Chunk ``k`` of the flat C-order index space of a call is drawn from its own
stream ``Philox(key=K, counter=[0, 0, sub, k])`` (see :mod:`numpy_dist.random`),
so a value depends only on the seed, the call and its global position.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..distarray import DistArray
from ..distribution import Distribution, normalize_shape

__all__ = ["CHUNK", "SUB_VALUES", "SUB_SHUFFLE", "flat_positions", "stream", "values_at", "is_array_param",
           "as_param", "anywhere", "check_nonnegative", "check_range", "is_shape", "scalar_param", "pick"]

#: Elements per chunk of the flat index space (each chunk has its own stream).
CHUNK = 1 << 16

SUB_VALUES, SUB_SHUFFLE = 0, 1  # Philox counter word 2: which sub-stream of a call


def flat_positions(dist: Distribution) -> np.ndarray:
    """Global C-order flat index of each element of this rank's block (local C order, int64)."""
    strides = np.ones(dist.ndim, dtype=np.int64)
    for axis in range(dist.ndim - 2, -1, -1):
        strides[axis] = strides[axis + 1] * dist.shape[axis + 1]
    flat = np.zeros(dist.local_shape, dtype=np.int64)
    for axis in range(dist.ndim):
        view = [1] * dist.ndim
        view[axis] = -1
        flat += dist.local_indices(axis).reshape(view) * strides[axis]
    return flat.reshape(-1)


def stream(key: np.ndarray, sub: int, k: int) -> np.random.Generator:
    return np.random.Generator(np.random.Philox(key=key, counter=[0, 0, sub, k]))


def values_at(key: np.ndarray, sub: int, positions: np.ndarray, total: int, dtype: Any,
               draw: Callable[[np.random.Generator, int], np.ndarray]) -> np.ndarray:
    """Values of the global stream at flat ``positions`` (in ``[0, total)``), chunk by chunk.

    Each needed chunk is drawn whole (``draw(gen, chunk_length)``), so a
    value never depends on which other positions a rank asked for.
    """
    out = np.empty(positions.size, dtype=dtype)
    if positions.size == 0:
        return out
    order = None
    if positions.size > 1 and np.any(np.diff(positions) < 0):
        order = np.argsort(positions, kind="stable")
        positions = positions[order]
    chunk = positions // CHUNK
    cuts = np.concatenate([[0], np.flatnonzero(np.diff(chunk)) + 1, [positions.size]])
    for lo, hi in zip(cuts[:-1].tolist(), cuts[1:].tolist()):  # a loop over chunks, not elements
        k = int(chunk[lo])
        values = draw(stream(key, sub, k), min(CHUNK, total - k * CHUNK))
        picked = values[positions[lo:hi] - k * CHUNK]
        if order is None:
            out[lo:hi] = picked
        else:
            out[order[lo:hi]] = picked
    return out


def is_array_param(value: Any) -> bool:
    return isinstance(value, DistArray) or np.ndim(value) != 0


def as_param(value: Any) -> Any:
    """A DistArray as is; anything else (lists, scalars) as a float64 NumPy array, as NumPy converts them.

    Complex parameters raise TypeError and non-numeric ones ValueError (NumPy's classes).
    """
    if isinstance(value, DistArray):
        if value.dtype.kind not in "biuf":
            raise TypeError(f"parameters must be real, got dtype {value.dtype}")
        return value
    array = np.asarray(value)
    if array.dtype.kind == "c":
        raise TypeError(f"parameters must be real, got dtype {array.dtype}")
    return array.astype(np.float64)


def anywhere(condition: Any) -> bool:
    """``any(condition)``, the same on every rank (a DistArray condition is reduced collectively)."""
    return bool(np.any(condition))


def check_nonnegative(value: Any, name: str) -> None:
    """NumPy's check on a scale parameter (ValueError), whatever the result's size."""
    if anywhere(value < 0):
        raise ValueError(f"{name} < 0")


def check_range(width: Any) -> None:
    """NumPy's checks on ``high - low`` in ``uniform``: ValueError if negative, OverflowError if not finite."""
    if anywhere(width < 0):
        raise ValueError("high - low < 0")
    if anywhere(~np.isfinite(width)):
        raise OverflowError("high - low range exceeds valid bounds")


def is_shape(size: Any) -> bool:
    try:
        normalize_shape(size, "size")
    except (TypeError, ValueError):
        return False
    return True


def scalar_param(value: Any, name: str) -> Any:
    if isinstance(value, DistArray) or np.ndim(value) != 0:
        raise TypeError(f"{name} must be a scalar (array-valued parameters are not supported), got {value!r}")
    return value


def pick(pool: np.ndarray, idx: Any) -> Any:
    """``pool[idx]`` for a replicated pool: rows of ``pool`` picked by a DistArray (or scalar) of row numbers.

    The axes of ``pool`` after the first are appended, not distributed.
    """
    if not isinstance(idx, DistArray):
        return pool[idx]
    d = idx.distribution
    trailing = pool.shape[1:]
    dist = d.extended(trailing)
    return DistArray._new(pool[idx.local], dist)
