"""Set, sorting and main-namespace linear algebra functions of the array API standard.

``unique_*``, ``sort``, ``argsort``, ``matmul``, ``tensordot`` and
``matrix_transpose`` are array-api-compat's generic helpers run with an
``xp`` whose non-creation functions are NumPy's (so they dispatch to
numpy_dist); ``vecdot`` is a native broadcast multiply plus a sum.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

import numpy as np
from array_api_compat.common import _aliases

from ..distarray import DistArray
from ._helpers import compat_xp, normalize_axis, require_array, wrap

__all__ = [
    "unique_all", "unique_counts", "unique_inverse", "unique_values", "isin", "argsort", "sort",
    "matmul", "matrix_transpose", "tensordot", "vecdot",
]


class UniqueAllResult(NamedTuple):
    values: DistArray
    indices: DistArray
    inverse_indices: DistArray
    counts: DistArray


class UniqueCountsResult(NamedTuple):
    values: DistArray
    counts: DistArray


class UniqueInverseResult(NamedTuple):
    values: DistArray
    inverse_indices: DistArray


def unique_all(x: DistArray, /) -> UniqueAllResult:
    """Sorted unique values, first indices, inverse indices (shape of ``x``) and counts.

    NaNs are distinct from each other.  Runs ``numpy.unique`` through dispatch.
    """
    x = require_array(x)
    return UniqueAllResult(*_aliases.unique_all(x, compat_xp))


def unique_counts(x: DistArray, /) -> UniqueCountsResult:
    """Sorted unique values and their counts (``numpy.unique``)."""
    x = require_array(x)
    return UniqueCountsResult(*_aliases.unique_counts(x, compat_xp))


def unique_inverse(x: DistArray, /) -> UniqueInverseResult:
    """Sorted unique values and inverse indices with the shape of ``x`` (``numpy.unique``)."""
    x = require_array(x)
    return UniqueInverseResult(*_aliases.unique_inverse(x, compat_xp))


def unique_values(x: DistArray, /) -> DistArray:
    """Sorted unique values, one-dimensional (``numpy.unique``)."""
    x = require_array(x)
    return _aliases.unique_values(x, compat_xp)


def isin(x1: DistArray | complex, x2: DistArray | complex, /, *, invert: bool = False) -> DistArray:
    """Whether each element of ``x1`` occurs in ``x2`` (``numpy.isin``), shape of ``x1``."""
    like = x1 if isinstance(x1, DistArray) else x2
    like = require_array(like, "x1")
    return wrap(np.isin(x1, x2, invert=invert), like)


def argsort(x: DistArray, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> DistArray:
    """Indices that sort ``x`` along ``axis``; a stable descending sort keeps ties in order."""
    x = require_array(x)
    if x.ndim == 0:
        raise ValueError("argsort needs an array with at least one dimension")
    normalize_axis(axis, x.ndim)
    return _aliases.argsort(x, compat_xp, axis=axis, descending=descending, stable=stable)


def sort(x: DistArray, /, *, axis: int = -1, descending: bool = False, stable: bool = True) -> DistArray:
    """Sorted copy of ``x`` along ``axis`` (``numpy.sort``, flipped when ``descending``)."""
    x = require_array(x)
    if x.ndim == 0:
        raise ValueError("sort needs an array with at least one dimension")
    normalize_axis(axis, x.ndim)
    return _aliases.sort(x, compat_xp, axis=axis, descending=descending, stable=stable)


def matmul(x1: DistArray, x2: DistArray, /) -> DistArray:
    """Matrix product (``numpy.matmul``); 0-d result for two vectors."""
    x1 = require_array(x1, "x1")
    x2 = require_array(x2, "x2")
    if x1.ndim == 0 or x2.ndim == 0:
        raise ValueError("matmul does not accept zero-dimensional arrays")
    return wrap(_aliases.matmul(x1, x2, compat_xp), x1)


def matrix_transpose(x: DistArray, /) -> DistArray:
    """Transpose of the last two axes (``numpy.swapaxes(x, -1, -2)``).  Communication: none."""
    x = require_array(x)
    return _aliases.matrix_transpose(x, compat_xp)


def tensordot(x1: DistArray, x2: DistArray, /, *,
              axes: int | tuple[Sequence[int], Sequence[int]] = 2) -> DistArray:
    """Tensor contraction over ``axes`` (``numpy.tensordot``)."""
    x1 = require_array(x1, "x1")
    x2 = require_array(x2, "x2")
    return wrap(_aliases.tensordot(x1, x2, compat_xp, axes=axes), x1)


def vecdot(x1: DistArray, x2: DistArray, /, *, axis: int = -1) -> DistArray:
    """Dot product of vectors along ``axis`` after broadcasting, conjugating ``x1``.

    Computed natively as ``sum(conj(x1) * x2, axis)`` in the promoted dtype.
    Communication: that of the broadcast and of the sum.
    """
    x1 = require_array(x1, "x1")
    x2 = require_array(x2, "x2")
    n = max(x1.ndim, x2.ndim)
    if min(x1.ndim, x2.ndim) == 0:
        raise ValueError("vecdot needs arrays with at least one dimension")
    if not -n <= axis < 0 and not (0 <= axis < min(x1.ndim, x2.ndim)):
        raise ValueError(f"axis {axis} is out of range for vecdot of {x1.ndim}-d and {x2.ndim}-d arrays")
    if x1.shape[axis] != x2.shape[axis]:
        raise ValueError(f"x1 and x2 must have the same size along axis {axis}: {x1.shape} vs {x2.shape}")
    a, b = np.broadcast_arrays(x1, x2)
    prod = np.multiply(np.conjugate(a) if a.dtype.kind == "c" else a, b)
    return wrap(np.sum(prod, axis=axis, dtype=prod.dtype), x1)
