"""Creation functions of the array API standard.

numpy_dist's own creation functions already take the standard's arguments
(``dtype=``, ``device=``, ``copy=`` for ``asarray``) plus ``dist=``,
``grid_shape=`` and ``comm=``; they are re-exported unchanged.  This module
adds ``from_dlpack``, ``meshgrid``, ``tril`` and ``triu``.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..creation import (
    arange,
    asarray,
    empty,
    empty_like,
    eye,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    zeros,
    zeros_like,
)
from ..comm import get_comm
from ..distarray import DistArray
from ._helpers import check_device, require_array

__all__ = [
    "arange", "asarray", "empty", "empty_like", "eye", "from_dlpack", "full", "full_like", "linspace",
    "meshgrid", "ones", "ones_like", "tril", "triu", "zeros", "zeros_like",
]


def from_dlpack(x: Any, /, *, device: Any = None, copy: bool | None = None) -> DistArray:
    """A DistArray from an object supporting DLPack.

    A DLPack capsule describes one block of memory in one process, so this
    works only on one rank: there the object is imported with
    ``numpy.from_dlpack`` and wrapped (zero-copy unless ``copy=True``).  A
    DistArray argument is returned as is (or copied with ``copy=True``).

    Raises
    ------
    BufferError
        With more than one rank (the same on every rank, before any message).

    Communication: none.
    """
    check_device(device)
    if isinstance(x, DistArray):
        return x.copy() if copy else x
    comm = get_comm(None)
    if comm.Get_size() != 1:
        raise BufferError("from_dlpack needs a single MPI rank: a DLPack capsule is one process's memory, "
                          "not a distributed array; use numpy_dist.from_local or numpy_dist.asarray instead")
    local = np.from_dlpack(x, copy=copy)
    return asarray(local, copy=copy)


def meshgrid(*arrays: DistArray, indexing: str = "xy") -> tuple[DistArray, ...]:
    """Coordinate matrices from one-dimensional coordinate arrays (``numpy.meshgrid``).

    Parameters
    ----------
    *arrays : DistArray
        One-dimensional arrays of the same dtype.
    indexing : {"xy", "ij"}

    Returns
    -------
    tuple of DistArray
        Communication: each output is a broadcast of one input (redistribution
        of that input only).
    """
    if indexing not in ("xy", "ij"):
        raise ValueError(f"indexing must be 'xy' or 'ij', got {indexing!r}")
    arrays = tuple(require_array(a, f"arrays[{i}]") for i, a in enumerate(arrays))
    for i, a in enumerate(arrays):
        if a.ndim != 1:
            raise ValueError(f"meshgrid takes one-dimensional arrays; arrays[{i}] has {a.ndim} dimensions")
    if len({a.dtype for a in arrays}) > 1:
        raise ValueError("meshgrid: all arrays must have the same data type")
    return tuple(np.meshgrid(*arrays, indexing=indexing))


def tril(x: DistArray, /, *, k: int = 0) -> DistArray:
    """Lower triangle of each matrix in ``x`` (``numpy.tril``).  Communication: none."""
    x = require_array(x)
    if x.ndim < 2:
        raise ValueError("tril needs an array with at least two dimensions")
    return np.tril(x, k=k)


def triu(x: DistArray, /, *, k: int = 0) -> DistArray:
    """Upper triangle of each matrix in ``x`` (``numpy.triu``).  Communication: none."""
    x = require_array(x)
    if x.ndim < 2:
        raise ValueError("triu needs an array with at least two dimensions")
    return np.triu(x, k=k)
